//! Signs in to an in-process mock server with a personal access token, looks at the session
//! and signs out.
//!
//! Run with `cargo run -p tableau-auth --example sign_in`.

use tableau_auth::{Client, Error, PersonalAccessTokenProvider};
use tableau_mock_server::MockServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();

    // A real program points at its server: Client::builder().server_url("https://...").
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();

    let client = Client::builder().server_url(&mock.uri()).build()?;
    let info = client.server_info().await?;
    tracing::info!(version = %info.rest_api_version, "server");

    let provider = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)?;
    let session = client.sign_in(&provider).await?;
    tracing::info!(?session, "signed in"); // Debug never shows the token

    let me = client.current_session(&session).await?;
    tracing::info!(user = me.user.name.as_deref(), site = %me.site.content_url, "who am I");

    client.sign_out(&session).await?;
    // Signing out twice is fine: the session is already gone.
    client.sign_out(&session).await?;

    // A wrong secret: the error says what to check, and never contains the secret.
    let wrong = PersonalAccessTokenProvider::new("admin-pat", "not-the-secret")?;
    if let Err(err @ Error::Tableau { .. }) = client.sign_in(&wrong).await {
        tracing::warn!(%err, "sign-in refused");
    }
    Ok(())
}
