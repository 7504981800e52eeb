//! End-to-end harness: a real Sportello server (in this process, on port 0, with a temporary data
//! directory and a test clock) for `client-sync` tablets to talk to. Scenarios live in `tests/`.

use std::sync::Arc;

use sportello_server::clock::ManualClock;
use sportello_server::config::Settings;
use sportello_server::startup::Application;
use tempfile::TempDir;

#[derive(Debug)]
pub struct TestServer {
    pub base_url: String,
    pub clock: ManualClock,
    /// The first admin's one-time password.
    pub admin_one_time_password: String,
    _data_dir: TempDir,
}

impl TestServer {
    pub async fn start() -> anyhow::Result<Self> {
        let data_dir = tempfile::tempdir()?;
        let mut settings = Settings::for_data_dir(data_dir.path());
        settings.addr = "127.0.0.1:0".parse()?;
        settings.workers = 2;
        // Every tablet of a scenario connects from 127.0.0.1.
        settings.auth_requests_per_minute = 100_000;
        let clock = ManualClock::starting_now();
        let application = Application::build(settings, Arc::new(clock.clone())).await?;
        let base_url = format!("http://127.0.0.1:{}", application.port());
        let admin_one_time_password = application
            .bootstrap_password()
            .map(|password| password.expose().to_owned())
            .ok_or_else(|| anyhow::anyhow!("a fresh server creates the first admin"))?;
        tokio::spawn(application.run_until_stopped());
        Ok(Self {
            base_url,
            clock,
            admin_one_time_password,
            _data_dir: data_dir,
        })
    }
}
