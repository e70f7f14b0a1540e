//! The session in your own HTTP stack: a `reqwest_middleware` client whose requests carry the
//! `SessionManager`'s token, next to a layer of your own, and that signs in again by itself
//! when the session ends (here: the mock's clock jumps past the idle limit).
//!
//! Run with `cargo run -p tableau-auth --features middleware --example middleware`.

use std::sync::Arc;
use std::time::Duration;

use tableau_auth::reqwest_middleware::{self, ClientBuilder, Middleware, Next};
use tableau_auth::{Client, PasswordProvider, SessionManager, SessionMiddleware, async_trait};
use tableau_mock_server::MockServer;

/// A layer of your own: logs every request and its answer (never its headers).
struct LogRequests;

#[async_trait]
impl Middleware for LogRequests {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let (method, path) = (request.method().clone(), request.url().path().to_owned());
        let response = next.run(request, extensions).await;
        let status = response.as_ref().map(|r| r.status().as_u16()).ok();
        tracing::info!(%method, %path, ?status, "request");
        response
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();

    let client = Client::builder().server_url(&mock.uri()).build()?;
    let provider = PasswordProvider::new(creds.username, creds.password)?;
    let manager = SessionManager::new(client.clone(), Arc::new(provider));

    // Build the stack on the client's own reqwest client: its automatic redirects are off, so
    // the token never follows a redirect to another host.
    let http = ClientBuilder::new(client.http().clone())
        .with(SessionMiddleware::new(manager.clone()))
        .with(LogRequests) // after the session layer: sees each attempt, the re-sent one too
        .build();

    let url = manager.api_url("sessions/current").await?;
    for hour in 0..3 {
        let response = http.get(url.clone()).send().await?;
        tracing::info!(hour, status = %response.status(), "who am I");
        // Time passes on the server; the session dies of old age between calls.
        mock.advance_clock(Duration::from_secs(241 * 60)).await;
    }
    tracing::info!(sign_ins = manager.sign_in_count(), "done");
    manager.sign_out().await;
    Ok(())
}
