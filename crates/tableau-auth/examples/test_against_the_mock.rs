//! How to test your own Tableau automation offline: the code under test takes a
//! `SessionManager`; the tests hand it one pointed at an in-process mock server, then use the
//! mock's control surface (users, tokens, the virtual clock, faults) to create the situations
//! that are hard to reproduce on a real server.
//!
//! Run the tests with `cargo test -p tableau-auth --example test_against_the_mock`, or the
//! program with `cargo run -p tableau-auth --example test_against_the_mock`.

#![allow(clippy::print_stdout)] // an example shows its results on stdout

use std::sync::Arc;

use tableau_auth::{Client, PersonalAccessTokenProvider, SessionManager};

/// Errors of your code: ours, or the ones the crate reports.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Your code: who is signed in, via an authenticated REST call.
pub async fn whoami(manager: &SessionManager) -> Result<String, BoxError> {
    let session = manager.session().await?;
    let url = manager.api_url("sessions/current").await?;
    let request = manager
        .client()
        .http()
        .get(url)
        .header("Accept", "application/json");
    let body: serde_json::Value = manager.send(request).await?.json().await?;
    let name = body["session"]["user"]["name"]
        .as_str()
        .ok_or("no user name in the answer")?;
    Ok(format!("{name} on site {:?}", session.site_content_url()))
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mock = tableau_mock_server::MockServer::start().await;
    let creds = mock.default_credentials();
    let client = Client::builder().server_url(&mock.uri()).build()?;
    let pat = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)?;
    let manager = SessionManager::new(client, Arc::new(pat));
    println!("{}", whoami(&manager).await?);
    manager.sign_out().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tableau_auth::Error;
    use tableau_mock_server::{Fault, MockServer};

    use super::*;

    async fn manager_for(mock: &MockServer, user: &str) -> SessionManager {
        mock.create_user("", user, None, "Creator").await;
        let pat = mock.create_pat("", user, "ci").await;
        let client = Client::builder().server_url(&mock.uri()).build().unwrap();
        let provider = PersonalAccessTokenProvider::new(pat.name, pat.secret).unwrap();
        SessionManager::new(client, Arc::new(provider))
    }

    #[tokio::test]
    async fn reports_the_signed_in_user() {
        let mock = MockServer::start().await;
        let manager = manager_for(&mock, "robot").await;
        assert_eq!(whoami(&manager).await.unwrap(), r#"robot on site """#);
    }

    #[tokio::test]
    async fn survives_the_session_expiring_overnight() {
        let mock = MockServer::start().await;
        let manager = manager_for(&mock, "robot").await;
        whoami(&manager).await.unwrap();
        mock.advance_clock(Duration::from_secs(12 * 3600)).await; // past the idle limit
        assert_eq!(whoami(&manager).await.unwrap(), r#"robot on site """#);
        assert_eq!(manager.sign_in_count(), 2);
    }

    #[tokio::test]
    async fn fails_clearly_when_the_token_is_revoked() {
        let mock = MockServer::start().await;
        let manager = manager_for(&mock, "robot").await;
        mock.revoke_pat("", "robot", "ci").await;
        let err = whoami(&manager).await.unwrap_err();
        let err = err.downcast_ref::<Error>().expect("a tableau_auth::Error");
        assert_eq!(err.tableau_code().map(|c| c.get()), Some(401_001));
    }

    #[tokio::test]
    async fn rides_out_a_brief_outage() {
        let mock = MockServer::start().await;
        let manager = manager_for(&mock, "robot").await;
        mock.inject_fault(Fault::new("/auth/signin").status(503).times(1))
            .await;
        assert!(whoami(&manager).await.is_ok());
    }
}
