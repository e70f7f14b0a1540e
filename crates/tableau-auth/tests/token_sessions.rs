//! Sessions from a token another program signed in for: `Session::from_token` and a manager
//! built from such a session.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Clock, pat, requests_to};
use tableau_auth::{Error, ErrorCode, ExposeSecret, SecretString, Session, SessionManager};
use tableau_mock_server::MockServer;

async fn get_current(manager: &SessionManager) -> Result<reqwest::Response, Error> {
    let url = manager.api_url("sessions/current").await?;
    manager.send(manager.client().http().get(url)).await
}

#[tokio::test]
async fn a_token_is_checked_with_sessions_current_and_gives_its_site_and_user() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let theirs = client.sign_in(&pat(&mock)).await.unwrap();

    let session = Session::from_token(&client, theirs.token().clone())
        .await
        .unwrap();
    assert_eq!(
        session.token().expose_secret(),
        theirs.token().expose_secret()
    );
    assert_eq!(session.site_id(), theirs.site_id());
    assert_eq!(session.site_content_url(), theirs.site_content_url());
    assert_eq!(session.user_id(), theirs.user_id());
    assert_eq!(session.api_version(), theirs.api_version());
    assert_eq!(session.credential_kind(), None);
    assert_eq!(session.scopes(), None);
    assert_eq!(session.server_url(), client.server_url());
    let checks = requests_to(&mock, "/sessions/current").await;
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].status, Some(200));
}

#[tokio::test]
async fn a_dead_token_is_refused_with_a_hint_and_never_shown() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let err = Session::from_token(&client, SecretString::from("no-such|token|value"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SessionExpired { .. }), "{err:?}");
    assert_eq!(err.tableau_code(), Some(ErrorCode::INVALID_CREDENTIALS));
    let text = err.to_string();
    assert!(text.contains("does not know this token"), "{text}");
    assert!(!text.contains("no-such"), "{text}");
    assert!(!format!("{err:?}").contains("no-such"));

    let err = Session::from_token(&client, SecretString::from("bad\ntoken"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Configuration(_)), "{err:?}");
    assert!(!err.to_string().contains("bad\ntoken"));
}

#[tokio::test]
async fn a_manager_from_a_session_uses_it_until_it_ends_then_says_it_cannot_sign_in() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    let theirs = client.sign_in(&pat(&mock)).await.unwrap();
    let session = Session::from_token(&client, theirs.token().clone())
        .await
        .unwrap();
    let manager = SessionManager::from_session(client, session);

    assert!(get_current(&manager).await.unwrap().status().is_success());
    // Long idle by the client's clock: no proactive refresh (it could not sign in), the
    // session lives as long as the server keeps it.
    clock.time.advance(Duration::from_secs(300 * 60));
    assert!(get_current(&manager).await.unwrap().status().is_success());
    assert_eq!(manager.sign_in_count(), 0);

    // The server ends it: the manager cannot sign in again and says so, with a hint.
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    let err = get_current(&manager).await.unwrap_err();
    assert!(matches!(err, Error::NoProvider), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("cannot sign in again"), "{text}");
    assert!(
        err.hint()
            .is_some_and(|h| h.contains("SessionManager::from_session")),
        "{err}"
    );
    // And keeps saying so, without a sign-in attempt on the wire.
    let again = manager.token().await.unwrap_err();
    assert!(matches!(again, Error::NoProvider), "{again:?}");
    assert_eq!(
        requests_to(&mock, "/auth/signin").await.len(),
        1,
        "ours only"
    );
}

#[tokio::test]
async fn with_a_provider_the_manager_signs_in_when_the_given_session_ends() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    let theirs = client.sign_in(&pat(&mock)).await.unwrap();
    let session = Session::from_token(&client, theirs.token().clone())
        .await
        .unwrap();
    let manager = SessionManager::builder(client, Arc::new(pat(&mock)))
        .session(session)
        .build();
    assert!(get_current(&manager).await.unwrap().status().is_success());
    assert_eq!(
        manager.sign_in_count(),
        0,
        "the given session is used first"
    );

    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    assert!(get_current(&manager).await.unwrap().status().is_success());
    assert_eq!(manager.sign_in_count(), 1);
    assert_ne!(
        manager.token().await.unwrap().expose_secret(),
        theirs.token().expose_secret()
    );
}
