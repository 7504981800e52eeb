//! The `sportello` binary: parses the command line and hands over to the library.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use sportello_server::cli::{AuditCommand, Cli, Command, UserCommand};
use sportello_server::clock::SystemClock;
use sportello_server::commands::{self, NewAccount};
use sportello_server::startup::{Application, SHUTDOWN_GRACE};
use sportello_server::telemetry;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// jemalloc, not glibc's malloc: under a reconnect storm glibc kept about 95 MiB of freed memory resident in
/// its per-thread arenas (the stock-JS storm of `scripts/bench-sync-js.sh` peaked at 159 MiB with a
/// 50-document cache; 65 MiB with jemalloc, which also spent less CPU per document than glibc or mimalloc).
/// See docs/performance.md, issue 10.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// SIGINT (Ctrl-C) and SIGTERM (the service manager) both stop the server gracefully: no new connections,
/// requests in flight finish (up to [`SHUTDOWN_GRACE`]), then it exits.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn stop_gracefully(mut self, server: actix_web::dev::ServerHandle) {
        let received = tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        };
        tracing::info!(
            signal = received,
            grace_secs = SHUTDOWN_GRACE.as_secs(),
            "graceful shutdown: accepting no new connections, letting requests in flight finish"
        );
        server.stop(true).await;
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let settings = args.into_settings(cli.data_dir);
            let application = Application::build(settings, Arc::new(SystemClock)).await?;
            if let Some(password) = application.bootstrap_password() {
                // Printed once, to the terminal only (never to the log): the account must change it at
                // first login.
                println!(
                    "\nFirst start: created the account `admin` with the one-time password\n\n    {}\n\n\
                     Log in and change it now; it is not shown again.\n",
                    password.expose()
                );
            }
            // Listening for signals before saying we listen: a Ctrl-C from then on is a graceful stop.
            let signals = StopSignals::install()?;
            tracing::info!(port = application.port(), "sportello listening");
            tokio::spawn(signals.stop_gracefully(application.handle()));
            application.run_until_stopped().await?;
            tracing::info!("sportello stopped");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add {
            username,
            role,
            areas,
            display_name,
            password_stdin: _,
        }) => {
            let account = NewAccount {
                username: username.clone(),
                role,
                areas,
                display_name,
            };
            let id = commands::user_add(&cli.data_dir, account, std::io::stdin().lock()).await?;
            println!("created {role} `{username}` ({id})");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::ResetSecondFactor { username }) => {
            let id = commands::user_reset_second_factor(&cli.data_dir, &username).await?;
            println!("removed the second factor of `{username}` ({id}); its sessions have ended");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify) => {
            let (intact, line) = commands::audit_verify(&cli.data_dir).await?;
            println!("{line}");
            Ok(if intact {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Backup { to } => {
            println!("{}", commands::backup(&cli.data_dir, &to).await?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
