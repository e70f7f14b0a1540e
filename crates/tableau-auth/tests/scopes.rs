//! JWT scopes on the client side: the session remembers its JWT's `scp`, and a 401002 on a
//! young JWT session for a call outside its scopes is a missing scope, not a dead session.
//!
//! The mock limits JWT sessions by their scopes as a real server does (`docs/protocol.md`
//! section 13: 401002, "Invalid authentication credentials were provided."); a fault with that
//! body stands for a session that died for other reasons.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Clock, connected_app, pat, requests_to};
use tableau_auth::{Error, ErrorCode, Scope, SessionManager};
use tableau_mock_server::{Fault, MockServer};

/// The error a real server answers a JWT session's call outside its scopes with.
const SCOPE_REFUSAL: &str = r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><error code="401002"><summary>Unauthorized Access</summary><detail>Invalid authentication credentials were provided.</detail></error></tsResponse>"#;

fn refuse_once(path: &str) -> Fault {
    Fault::new(path)
        .status(401)
        .body(SCOPE_REFUSAL)
        .content_type("application/xml")
        .times(1)
}

/// A connected app whose JWTs carry only `tableau:content:read`: no user look-ups.
async fn content_only(mock: &MockServer) -> tableau_auth::ConnectedAppProvider {
    connected_app(mock)
        .await
        .scopes(["tableau:content:read"])
        .unwrap()
}

/// Query User on Site for the session's own user (`tableau:users:read`).
async fn users_url(manager: &SessionManager) -> reqwest::Url {
    let session = manager.session().await.unwrap();
    session
        .api_url(&format!(
            "sites/{}/users/{}",
            session.site_id(),
            session.user_id()
        ))
        .unwrap()
}

async fn sessions_current(manager: &SessionManager) -> reqwest::Response {
    let url = manager.api_url("sessions/current").await.unwrap();
    manager
        .send(manager.client().http().get(url))
        .await
        .expect("sessions/current")
}

#[tokio::test]
async fn a_jwt_session_remembers_its_scopes_and_a_pat_session_has_none() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let provider = connected_app(&mock)
        .await
        .scopes(["tableau:content:read", "tableau:jobs:*"])
        .unwrap();
    let session = client.sign_in(&provider).await.unwrap();
    assert_eq!(
        session.scopes(),
        Some(&[Scope::CONTENT_READ, "tableau:jobs:*".parse().unwrap()][..])
    );
    let text = format!("{session:?}");
    assert!(text.contains("tableau:jobs:*"), "{text}");

    let pat_session = client.sign_in(&pat(&mock)).await.unwrap();
    assert_eq!(pat_session.scopes(), None);
}

#[tokio::test]
async fn a_young_jwt_session_outside_its_scopes_gets_missing_scope_and_no_new_sign_in() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(content_only(&mock).await));
    let url = users_url(&manager).await;

    let err = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap_err();
    let Error::MissingScope {
        scope,
        granted,
        error,
    } = &err
    else {
        panic!("expected MissingScope, got {err:?}");
    };
    assert_eq!(scope, &Scope::USERS_READ);
    assert_eq!(granted, &[Scope::CONTENT_READ]);
    assert_eq!(error.code, ErrorCode::INVALID_CREDENTIALS);
    assert_eq!(err.tableau_code(), Some(ErrorCode::INVALID_CREDENTIALS));
    let text = err.to_string();
    assert!(text.contains("tableau:users:read"), "{text}");
    assert!(text.contains("add tableau:users:read"), "{text}");
    assert!(
        err.hint().is_some_and(|h| h.contains("TABLEAU_JWT_SCOPES")),
        "{err}"
    );

    // No new sign-in: the session is fine and keeps serving the calls its scopes allow.
    assert_eq!(manager.sign_in_count(), 1);
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
    assert!(sessions_current(&manager).await.status().is_success());
    assert_eq!(manager.sign_in_count(), 1);
}

#[tokio::test]
async fn a_never_used_jwt_session_outside_its_scopes_is_a_missing_scope_after_minutes_too() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(content_only(&mock).await));
    let url = users_url(&manager).await;
    clock.time.advance(Duration::from_secs(5 * 60));
    mock.advance_clock(Duration::from_secs(5 * 60)).await;

    let err = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingScope { .. }), "{err:?}");
    assert_eq!(manager.sign_in_count(), 1);
}

#[tokio::test]
async fn a_401002_on_a_used_jwt_session_after_a_while_signs_in_again_as_before() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(content_only(&mock).await));
    let url = users_url(&manager).await;
    assert!(sessions_current(&manager).await.status().is_success());
    clock.time.advance(Duration::from_secs(2 * 60));
    mock.advance_clock(Duration::from_secs(2 * 60)).await;

    // Used, and older than a minute: this 401002 may be a dead session, so one new sign-in
    // and one resend; the fresh session is refused too, and being young it is reported as the
    // missing scope (no third sign-in).
    let err = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingScope { scope, .. } if *scope == Scope::USERS_READ),
        "{err:?}"
    );
    assert_eq!(manager.sign_in_count(), 2);
}

#[tokio::test]
async fn a_call_the_scopes_allow_or_a_pat_session_is_never_a_missing_scope() {
    let mock = MockServer::start().await;
    let clock = Clock::new();

    // A call within the scopes (sessions/current needs none): an ordinary dead session.
    let manager = SessionManager::new(clock.client(&mock), Arc::new(connected_app(&mock).await));
    manager.session().await.unwrap();
    mock.inject_fault(refuse_once("/sessions/current")).await;
    assert!(sessions_current(&manager).await.status().is_success());
    assert_eq!(manager.sign_in_count(), 2);

    // A PAT session has no scopes: signed in again as before.
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    let url = users_url(&manager).await;
    mock.inject_fault(refuse_once(url.path())).await;
    let response = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert_eq!(manager.sign_in_count(), 2);
}

#[tokio::test]
async fn a_bare_client_call_outside_the_scopes_says_so_too() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let session = client.sign_in(&content_only(&mock).await).await.unwrap();
    let err = client
        .get_user(&session, session.user_id())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingScope { scope, .. } if *scope == Scope::USERS_READ),
        "{err:?}"
    );
}
