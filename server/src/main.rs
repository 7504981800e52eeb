//! The `sportello` binary: parses the command line and hands over to the library.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use sportello_server::cli::{AuditCommand, Cli, Command, UserCommand};
use sportello_server::clock::SystemClock;
use sportello_server::commands::{self, NewAccount};
use sportello_server::startup::Application;
use sportello_server::telemetry;

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
            tracing::info!(port = application.port(), "sportello listening");
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
