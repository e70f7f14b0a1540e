//! The session manager in production: activity reported by callers of `token()`, one fresh
//! mint for a refused JWT (and none for a password or PAT), a stop that says it is one,
//! best-effort sign-out, a checked `send`, `Accept` from the wire format, and `whoami`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Clock, connected_app, password, pat, requests_to};
use tableau_auth::{AUTH_HEADER, Error, ErrorCode, ExposeSecret, SessionManager, WireFormat};
use tableau_mock_server::{Fault, MockServer};

const MINUTE: Duration = Duration::from_secs(60);

/// The body of a refused sign-in.
const SIGN_IN_REFUSAL: &str = r#"<tsResponse xmlns="http://tableau.com/api"><error code="401001"><summary>Signin Error</summary><detail>Error signing in to Tableau Server</detail></error></tsResponse>"#;

fn refuse_sign_in(times: u32) -> Fault {
    Fault::new("/auth/signin")
        .status(401)
        .body(SIGN_IN_REFUSAL)
        .content_type("application/xml")
        .times(times)
}

/// A call of the caller's own, with the manager's token, as a script that only asks for the
/// token would make it; a success is reported with `touch` when `report` is set.
async fn own_call(manager: &SessionManager, report: bool) -> bool {
    let token = manager.token().await.unwrap();
    let url = manager.api_url("sessions/current").await.unwrap();
    let response = reqwest::Client::new()
        .get(url)
        .header(AUTH_HEADER, token.expose_secret())
        .send()
        .await
        .unwrap();
    let ok = response.status().is_success();
    if ok && report {
        manager.touch(&token);
    }
    ok
}

/// Five busy hours of a caller's own calls, every half hour, by both clocks.
async fn busy_five_hours(mock: &MockServer, clock: &Clock, report: bool) -> SessionManager {
    let manager = SessionManager::new(clock.client(mock), Arc::new(pat(mock)));
    manager.token().await.unwrap();
    for _ in 0..10 {
        clock.time.advance(30 * MINUTE);
        mock.advance_clock(30 * MINUTE).await;
        assert!(own_call(&manager, report).await);
    }
    manager
}

#[tokio::test]
async fn activity_reported_with_touch_slides_the_idle_clock() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = busy_five_hours(&mock, &clock, true).await;
    assert_eq!(manager.sign_in_count(), 1, "no refresh while busy");
    assert_eq!(
        requests_to(&mock, "/auth/signin").await.len(),
        1,
        "the PAT session the caller holds was never ended by a new sign-in"
    );
    // A token that is no longer current is ignored.
    manager.touch(&"someone-else's|token".to_owned().into());
    assert_eq!(manager.sign_in_count(), 1);
}

#[tokio::test]
async fn unreported_activity_does_not_count() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    // The same five hours without `touch`: the manager counts from its sign-in and replaces
    // the busy session shortly before 240 minutes (with a PAT, ending the caller's session).
    let manager = busy_five_hours(&mock, &clock, false).await;
    assert_eq!(manager.sign_in_count(), 2);
}

#[tokio::test]
async fn a_refused_jwt_gets_one_fresh_mint() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(
        Clock::new().client(&mock),
        Arc::new(connected_app(&mock).await),
    );
    mock.inject_fault(refuse_sign_in(1)).await;
    manager.token().await.expect("the second JWT signs in");
    let statuses: Vec<_> = requests_to(&mock, "/auth/signin")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(401), Some(200)]);
    assert_eq!(manager.sign_in_count(), 2);
}

#[tokio::test]
async fn a_jwt_refused_twice_stops_the_manager_with_an_error_that_says_so() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(
        Clock::new().client(&mock),
        Arc::new(connected_app(&mock).await),
    );
    mock.inject_fault(refuse_sign_in(2)).await;
    let err = manager.token().await.unwrap_err();
    let Error::SignInRefused { kind, .. } = &err else {
        panic!("expected SignInRefused, got {err:?}");
    };
    assert!(kind.is_jwt());
    assert!(err.to_string().contains("clock"), "{err}");
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);

    // The fault is used up, but the manager is stopped: no third attempt.
    let stopped = manager.token().await.unwrap_err();
    assert!(
        matches!(stopped, Error::ManagerStopped { .. }),
        "{stopped:?}"
    );
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
    manager.resume().await;
    manager.token().await.expect("resumed");
}

#[tokio::test]
async fn a_password_or_a_pat_refused_once_is_never_tried_again() {
    for provider in ["password", "pat"] {
        let mock = MockServer::start().await;
        let provider: Arc<dyn tableau_auth::AuthProvider> = match provider {
            "password" => Arc::new(password(&mock)),
            _ => Arc::new(pat(&mock)),
        };
        let manager = SessionManager::new(Clock::new().client(&mock), provider);
        mock.inject_fault(refuse_sign_in(1)).await;
        let err = manager.token().await.unwrap_err();
        assert!(matches!(err, Error::SignInRefused { .. }), "{err:?}");
        // The next sign-in would work (the fault is used up), but a job must not lock an
        // account: stopped after one attempt.
        for _ in 0..3 {
            let stopped = manager.token().await.unwrap_err();
            assert!(
                matches!(stopped, Error::ManagerStopped { .. }),
                "{stopped:?}"
            );
        }
        assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
    }
}

#[tokio::test]
async fn after_the_stop_calls_say_the_manager_is_stopped_and_keep_the_refusal_as_source() {
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();
    let provider = tableau_auth::PasswordProvider::new(&creds.username, "not-the-password")
        .unwrap()
        .site(&creds.site_content_url);
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(provider));
    let first = manager.token().await.unwrap_err();
    let first_text = first.to_string();
    assert!(first_text.contains("Signin Error"), "{first_text}");

    let later = manager.token().await.unwrap_err();
    let text = later.to_string();
    assert_ne!(text, first_text);
    assert!(text.contains("stopped"), "{text}");
    assert!(text.contains("resume()"), "{text}");
    assert!(text.contains("password credentials"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    assert_eq!(later.tableau_code(), Some(ErrorCode::SIGNIN_ERROR));
    let source = std::error::Error::source(&later)
        .and_then(|s| s.downcast_ref::<Error>())
        .expect("the refusal is the source");
    assert_eq!(source.to_string(), first_text);
}

#[tokio::test]
async fn sign_out_is_best_effort_and_try_sign_out_reports() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(password(&mock)));

    manager.token().await.unwrap();
    mock.inject_fault(Fault::new("/auth/signout").status(500).times(1))
        .await;
    manager.sign_out().await; // nothing to handle: the job stays a success
    assert!(manager.cached_session().is_none(), "forgotten anyway");

    manager.token().await.unwrap();
    mock.inject_fault(Fault::new("/auth/signout").status(500).times(1))
        .await;
    let err = manager.try_sign_out().await.unwrap_err();
    assert_eq!(err.tableau_error().map(|e| e.http_status), Some(500));
    assert!(manager.cached_session().is_none());

    manager.token().await.unwrap();
    manager.try_sign_out().await.expect("a working sign-out");
    assert_eq!(requests_to(&mock, "/auth/signout").await.len(), 3);
}

#[tokio::test]
async fn send_checked_turns_error_answers_into_errors_and_send_does_not() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(password(&mock)));
    let url = manager.api_url("no/such/thing").await.unwrap();

    let response = manager
        .send(manager.client().http().get(url.clone()))
        .await
        .expect("send returns the answer as it is");
    assert_eq!(response.status(), 404);

    let err = manager
        .send_checked(manager.client().http().get(url.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::RESOURCE_NOT_FOUND));
    assert!(err.hint().is_some_and(|h| h.contains("path")), "{err}");

    // The same from an answer of one's own.
    let response = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap();
    let err = Error::from_response(response).await;
    assert_eq!(err.tableau_code(), Some(ErrorCode::RESOURCE_NOT_FOUND));

    // Success passes through.
    let url = manager.api_url("sessions/current").await.unwrap();
    let response = manager
        .send_checked(manager.client().http().get(url))
        .await
        .unwrap();
    assert!(response.status().is_success());
}

#[tokio::test]
async fn send_asks_for_the_client_s_wire_format_unless_told_otherwise() {
    let mock = MockServer::start().await;
    let client = Clock::new()
        .builder(&mock)
        .format(WireFormat::Json)
        .build()
        .unwrap();
    let manager = SessionManager::new(client, Arc::new(password(&mock)));
    let url = manager.api_url("sessions/current").await.unwrap();

    let response = manager
        .send(manager.client().http().get(url.clone()))
        .await
        .unwrap();
    assert!(response.text().await.unwrap().trim_start().starts_with('{'));
    let response = manager
        .send(
            manager
                .client()
                .http()
                .get(url)
                .header("Accept", "application/xml"),
        )
        .await
        .unwrap();
    assert!(response.text().await.unwrap().trim_start().starts_with('<'));

    let accepts: Vec<_> = requests_to(&mock, "/sessions/current")
        .await
        .into_iter()
        .map(|r| r.headers.get("accept").cloned())
        .collect();
    assert_eq!(
        accepts,
        [
            Some("application/json".to_owned()),
            Some("application/xml".to_owned())
        ]
    );
}

#[tokio::test]
async fn whoami_signs_in_again_when_the_session_has_ended() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(password(&mock)));
    let me = manager.whoami().await.unwrap();
    assert_eq!(
        me.user.name.as_deref(),
        Some(mock.default_credentials().username.as_str())
    );
    assert_eq!(manager.sign_in_count(), 1);

    mock.advance_clock(241 * MINUTE).await;
    let again = manager.whoami().await.expect("self-healing");
    assert_eq!(again.user.id, me.user.id);
    assert_eq!(manager.sign_in_count(), 2);
}
