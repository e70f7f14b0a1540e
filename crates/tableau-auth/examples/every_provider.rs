//! Signs in to an in-process mock server with every provider — password, personal access
//! token, connected app (JWT), the environment provider and a chain — in XML and in JSON.
//!
//! Run with `cargo run -p tableau-auth --example every_provider`.

#![allow(clippy::print_stdout)] // an example shows its results on stdout

use std::sync::Arc;

use tableau_auth::{
    AuthProvider, Client, ConnectedAppProvider, EnvironmentProvider, PasswordProvider,
    PersonalAccessTokenProvider, ProviderChain, StaticEnv, WireFormat,
};
use tableau_mock_server::{ConnectedApp, MockServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();

    // A connected app the mock trusts (on a real site: Settings → Connected Apps).
    mock.create_connected_app(ConnectedApp {
        site: String::new(),
        client_id: "example-app".into(),
        secret_id: "example-secret-id".into(),
        secret_value: "ZXhhbXBsZS1zZWNyZXQtdmFsdWU=".into(),
        enabled: true,
    })
    .await;

    // What a deployment would put in its environment; `EnvironmentProvider::from_env()`
    // reads the real one.
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_USERNAME", creds.username.as_str()),
        ("TABLEAU_PASSWORD", creds.password.as_str()),
    ]);

    let providers: Vec<Arc<dyn AuthProvider>> = vec![
        Arc::new(PasswordProvider::new(
            creds.username.clone(),
            creds.password.clone(),
        )?),
        Arc::new(PersonalAccessTokenProvider::new(
            creds.pat_name.clone(),
            creds.pat_secret.clone(),
        )?),
        Arc::new(
            ConnectedAppProvider::new(
                "example-app",
                "example-secret-id",
                "ZXhhbXBsZS1zZWNyZXQtdmFsdWU=",
                creds.username.clone(),
            )?
            .scopes(["tableau:content:read"])?,
        ),
        Arc::new(EnvironmentProvider::from_source(env)),
        // The environment first (not configured here: no TABLEAU_PAT_* variables), then a PAT.
        Arc::new(
            ProviderChain::first_try(
                "env",
                EnvironmentProvider::with_prefix("TABLEAU_CI_", StaticEnv::new()),
            )
            .or_else(
                "pat",
                PersonalAccessTokenProvider::new(creds.pat_name.clone(), creds.pat_secret.clone())?,
            ),
        ),
    ];

    let client = Client::builder().server_url(&mock.uri()).build()?;
    for provider in &providers {
        for format in [WireFormat::Xml, WireFormat::Json] {
            let client = client.with_format(format);
            let session = client.sign_in(provider.as_ref()).await?;
            let me = client.current_session(&session).await?;
            println!(
                "{:<13} {:<4} signed in as {} on site {:?}",
                provider.name(),
                format.media_type().trim_start_matches("application/"),
                me.user.name.as_deref().unwrap_or("?"),
                me.site.content_url,
            );
            client.sign_out(&session).await?;
        }
    }
    Ok(())
}
