//! A long-running job: many tasks share one `SessionManager`, which signs in once, and again
//! when the session expires (here: the mock's clock jumps past the 240-minute idle limit).
//!
//! Run with `cargo run -p tableau-auth --example long_running_job`.

use std::sync::Arc;
use std::time::Duration;

use tableau_auth::{Client, PersonalAccessTokenProvider, SessionManager};
use tableau_mock_server::MockServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();

    let client = Client::builder().server_url(&mock.uri()).build()?;
    let provider = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)?;
    // One manager per PAT per process: every task shares its one session.
    let manager = SessionManager::new(client, Arc::new(provider));

    for hour in 0..3 {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                let manager = manager.clone();
                tokio::spawn(async move {
                    let url = manager.api_url("sessions/current").await?;
                    let response = manager.send(manager.client().http().get(url)).await?;
                    tracing::info!(hour, worker, status = %response.status(), "call");
                    Ok::<_, tableau_auth::Error>(())
                })
            })
            .collect();
        for worker in workers {
            worker.await??;
        }
        // Time passes on the server; the session dies of old age between batches.
        mock.advance_clock(Duration::from_secs(241 * 60)).await;
    }
    tracing::info!(sign_ins = manager.sign_in_count(), "job done");
    manager.sign_out().await;
    Ok(())
}
