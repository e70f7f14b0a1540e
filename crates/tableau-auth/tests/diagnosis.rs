//! Errors that carry their own diagnosis: the 401001 hint per credential family, Tableau
//! Cloud's throttling wait, the innermost cause of a transport error, the pod in the 405000
//! hint.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{APP_CLIENT_ID, APP_SECRET_ID, Clock, connected_app, password, requests_to};
use tableau_auth::{
    AuthProvider, Client, ConnectedAppProvider, CredentialKind, Error, ErrorCode, PasswordProvider,
    PersonalAccessTokenProvider, PrivateKey, SessionManager, TimeSource,
    UnifiedAccessTokenProvider,
};
use tableau_mock_server::{Fault, MockServer};

/// Signs in with `provider` and returns the refusal's hint, checking it is a 401001 for
/// `kind`.
async fn refusal_hint(
    client: &Client,
    provider: &dyn AuthProvider,
    kind: CredentialKind,
) -> String {
    let err = client.sign_in(provider).await.unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::SIGNIN_ERROR), "{err:?}");
    assert!(
        matches!(&err, Error::SignInRefused { kind: k, .. } if *k == kind),
        "{err:?}"
    );
    let hint = err.hint().expect("a hint").into_owned();
    assert!(err.to_string().ends_with(&hint), "{err}");
    assert!(hint.starts_with("check the site content URL"), "{hint}");
    hint
}

#[tokio::test]
async fn the_401001_hint_depends_on_the_credential_family() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let creds = mock.default_credentials();

    let wrong_password = PasswordProvider::new(&creds.username, "wrong-password").unwrap();
    let hint = refusal_hint(&client, &wrong_password, CredentialKind::Password).await;
    for words in [
        "Tableau Cloud",
        "multi-factor",
        "personal access token",
        "connected app",
    ] {
        assert!(hint.contains(words), "{words}: {hint}");
    }
    assert!(!hint.contains("revoked"), "{hint}");

    let wrong_pat = PersonalAccessTokenProvider::new("no-such-token", "s3cret").unwrap();
    let hint = refusal_hint(&client, &wrong_pat, CredentialKind::PersonalAccessToken).await;
    for words in ["revoked", "expired", "15 days", "lifetime"] {
        assert!(hint.contains(words), "{words}: {hint}");
    }

    connected_app(&mock).await;
    let wrong_secret = ConnectedAppProvider::new(
        APP_CLIENT_ID,
        APP_SECRET_ID,
        "not-the-secret-value-of-the-app",
        "admin",
    )
    .unwrap();
    let hint = refusal_hint(&client, &wrong_secret, CredentialKind::ConnectedApp).await;
    for words in [
        "clock",
        "exp",
        "kid",
        "iss",
        "sub",
        "case-sensitive",
        "scopes",
    ] {
        assert!(hint.contains(words), "{words}: {hint}");
    }
    assert!(!hint.contains("Tableau Cloud, and"), "{hint}");

    let key = include_str!("../../tableau-auth-uat/tests/keys/a.pem");
    let uat = UnifiedAccessTokenProvider::builder()
        .issuer("https://issuer.example.com")
        .tenant_id("tenant")
        .key_id("kid-1")
        .private_key(PrivateKey::from_pem(key).unwrap())
        .username("admin@example.com")
        .scopes(["tableau:content:read"])
        .build()
        .unwrap();
    let hint = refusal_hint(&client, &uat, CredentialKind::UnifiedAccessToken).await;
    for words in ["clock", "tenant id", "private key", "scopes"] {
        assert!(hint.contains(words), "{words}: {hint}");
    }
    for text in [&hint, &client.sign_in(&uat).await.unwrap_err().to_string()] {
        assert!(!text.contains("PRIVATE KEY"), "{text}");
    }
}

/// Tableau Cloud's throttling answer: 429000 with the wait in its text, no `Retry-After`.
fn cloud_429(detail: &str) -> Fault {
    Fault::new("/auth/signin").status(429).content_type("application/xml").body(format!(
        r#"<tsResponse xmlns="http://tableau.com/api"><error code="429000"><summary>Too Many Requests</summary><detail>{detail}</detail></error></tsResponse>"#
    ))
}

#[tokio::test]
async fn a_429_whose_text_asks_for_longer_than_the_deadline_says_when_to_retry() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(cloud_429(
        "Too many requests. Please retry after 29 minutes",
    ))
    .await;
    let asked_at = clock.time.now();
    let err = clock
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .unwrap_err();
    let Error::Throttled {
        error,
        wait,
        retry_at,
    } = &err
    else {
        panic!("expected Throttled, got {err:?}");
    };
    assert_eq!(*wait, Duration::from_secs(29 * 60));
    assert_eq!(*retry_at, asked_at + *wait);
    assert_eq!(
        error.as_ref().map(|e| e.code),
        Some(ErrorCode::new(429_000))
    );
    assert_eq!(err.tableau_error().map(|e| e.http_status), Some(429));
    let text = err.to_string();
    assert!(text.contains("29 minutes"), "{text}");
    assert!(
        text.contains(&format!(
            "try again after {}",
            httpdate::fmt_http_date(*retry_at)
        )),
        "{text}"
    );
    // Not retried blindly: one request, no wait.
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
    assert!(clock.sleep.requested().is_empty());
}

#[tokio::test]
async fn a_429_whose_text_asks_for_a_short_wait_is_retried_after_that_wait() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(cloud_429("Please retry after 2 seconds").times(1))
        .await;
    clock
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .expect("retried after the server's wait");
    assert_eq!(clock.sleep.requested(), [Duration::from_secs(2)]);
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
}

#[tokio::test]
async fn a_json_429_and_one_without_any_wait() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(
        Fault::new("/auth/signin")
            .status(429)
            .content_type("application/json")
            .body(r#"{"error":{"summary":"Too Many Requests","detail":"Retry after 1 hour.","code":"429000"}}"#)
            .times(1),
    )
    .await;
    let err = clock
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Throttled { wait, .. } if wait == Duration::from_secs(3600)),
        "{err:?}"
    );

    // No wait anywhere: the usual back-off, and the last answer as a Tableau error.
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(cloud_429("Too many requests")).await;
    let err = clock
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Tableau { .. }), "{err:?}");
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 4);
}

#[tokio::test]
async fn a_transport_error_names_its_innermost_cause() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .server_url(&format!("http://127.0.0.1:{port}"))
        .retry_policy(tableau_auth::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.api_version().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("error sending request"), "{text}");
    assert!(text.to_ascii_lowercase().contains("refused"), "{text}");
    // The source is still reqwest's error.
    assert!(
        std::error::Error::source(&err)
            .is_some_and(|s| s.downcast_ref::<reqwest::Error>().is_some())
    );
}

/// A front door that redirects sign-in to `pod`, as `online.tableau.com` does.
async fn front_door_to(pod: &MockServer) -> MockServer {
    let front = MockServer::start().await;
    front
        .inject_fault(
            Fault::new("/auth/signin")
                .status(301)
                .header("Location", format!("{}/api/3.27/auth/signin", pod.uri())),
        )
        .await;
    front
}

#[tokio::test]
async fn a_405000_after_a_redirect_names_the_pod() {
    let pod = MockServer::start().await;
    let front = front_door_to(&pod).await;
    pod.inject_fault(Fault::new("/auth/signin").status(405).times(1))
        .await;
    let client = Clock::new().client(&front);
    let err = client.sign_in(&password(&pod)).await.unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::METHOD_NOT_ALLOWED));
    let hint = err.hint().unwrap_or_default().into_owned();
    assert!(hint.contains(&format!("use {}", pod.uri())), "{hint}");

    // Signed in through the front door, the session is the pod's; a later 405000 names it too.
    let manager = SessionManager::new(client, Arc::new(password(&pod)));
    let session = manager.session().await.unwrap();
    assert_eq!(session.server_url().as_str(), format!("{}/", pod.uri()));
    pod.inject_fault(Fault::new("/sessions/current").status(405).times(1))
        .await;
    let url = manager.api_url("sessions/current").await.unwrap();
    let err = manager
        .send_checked(manager.client().http().get(url))
        .await
        .unwrap_err();
    let hint = err.hint().unwrap_or_default().into_owned();
    assert!(hint.contains(&format!("use {}", pod.uri())), "{hint}");
}
