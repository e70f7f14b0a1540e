//! `SessionMiddleware` in a `reqwest_middleware` stack against the mock: the header is added,
//! a dead session is replaced by one sign-in, the token never goes to another origin, and the
//! manager's rules (one sign-in for many failures, supersessions, the 401001 stop) hold as they
//! do for `SessionManager::send`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Clock, pat, requests_to};
use tableau_auth::reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use tableau_auth::{Error, ErrorCode, SessionManager, SessionMiddleware};
use tableau_mock_server::{Fault, MockServer};

fn stack(manager: &SessionManager) -> ClientWithMiddleware {
    ClientBuilder::new(manager.client().http().clone())
        .with(SessionMiddleware::new(manager.clone()))
        .build()
}

/// The manager's error inside a middleware error.
fn manager_error(error: &tableau_auth::reqwest_middleware::Error) -> &Error {
    match error {
        tableau_auth::reqwest_middleware::Error::Middleware(inner) => inner
            .downcast_ref::<Error>()
            .unwrap_or_else(|| panic!("not a tableau_auth::Error: {inner:?}")),
        other => panic!("not a middleware error: {other:?}"),
    }
}

async fn who_am_i(
    http: &ClientWithMiddleware,
    mock: &MockServer,
) -> Result<reqwest::Response, tableau_auth::reqwest_middleware::Error> {
    http.get(format!("{}/api/3.27/sessions/current", mock.uri()))
        .send()
        .await
}

#[tokio::test]
async fn adds_the_session_and_signs_in_again_once_when_it_dies() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(pat(&mock)));
    let http = stack(&manager);

    let response = who_am_i(&http, &mock).await.unwrap();
    assert_eq!(response.status(), 200);
    let calls = requests_to(&mock, "/sessions/current").await;
    assert!(
        calls[0].headers.contains_key("x-tableau-auth"),
        "{:?}",
        calls[0].headers
    );

    // The server's clock passes its idle limit: one 401, one sign-in, one resend.
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    let response = who_am_i(&http, &mock).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(manager.sign_in_count(), 2);
    let statuses: Vec<_> = requests_to(&mock, "/sessions/current")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(200), Some(401), Some(200)]);
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_requests_on_a_dead_session_cause_one_sign_in_shared_with_send() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(pat(&mock)));
    let http = stack(&manager);
    // `send` and the middleware share the manager's one session.
    let url = manager.api_url("sessions/current").await.unwrap();
    assert!(manager.send(manager.client().http().get(url)).await.is_ok());
    who_am_i(&http, &mock).await.unwrap();
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);

    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (http, uri) = (http.clone(), mock.uri());
            tokio::spawn(async move {
                http.get(format!("{uri}/api/3.27/sessions/current"))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(manager.sign_in_count(), 2);
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
}

#[tokio::test]
async fn never_sends_the_token_to_another_origin() {
    let mock = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(pat(&mock)));
    let http = stack(&manager);

    // A request for another server is refused before it leaves.
    let err = who_am_i(&http, &elsewhere).await.unwrap_err();
    assert!(
        matches!(manager_error(&err), Error::Configuration(_)),
        "{err:?}"
    );

    // A redirect to another server is handed back, not followed (the stack is built on the
    // client's reqwest client, whose redirects are off).
    let location = format!("{}/api/3.27/sessions/current", elsewhere.uri());
    mock.inject_fault(
        Fault::new("/sessions/current")
            .status(302)
            .header("Location", &location)
            .times(1),
    )
    .await;
    let response = who_am_i(&http, &mock).await.unwrap();
    assert_eq!(response.status(), 302);
    assert!(elsewhere.requests().await.is_empty());
}

#[tokio::test]
async fn a_pat_used_elsewhere_stops_the_manager_as_send_does() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    let http = stack(&manager);
    let other = clock.client(&mock);
    who_am_i(&http, &mock).await.unwrap();
    for round in 1..=2 {
        other.sign_in(&pat(&mock)).await.unwrap();
        let response = who_am_i(&http, &mock)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(response.status(), 200);
    }
    other.sign_in(&pat(&mock)).await.unwrap();
    let err = who_am_i(&http, &mock).await.unwrap_err();
    assert!(
        matches!(
            manager_error(&err),
            Error::PatInUseElsewhere {
                supersessions: 3,
                ..
            }
        ),
        "{err:?}"
    );
    // Stopped for `send` and `token` too: one manager, one set of rules.
    assert!(matches!(
        manager.token().await,
        Err(Error::PatInUseElsewhere { .. })
    ));
    assert_eq!(manager.sign_in_count(), 3);
}

#[tokio::test]
async fn refused_credentials_stop_after_one_attempt() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(pat(&mock)));
    let http = stack(&manager);
    who_am_i(&http, &mock).await.unwrap();
    let creds = mock.default_credentials();
    assert!(mock.revoke_pat("", &creds.username, &creds.pat_name).await);

    for _ in 0..3 {
        let err = who_am_i(&http, &mock).await.unwrap_err();
        assert_eq!(
            manager_error(&err).tableau_code(),
            Some(ErrorCode::SIGNIN_ERROR),
            "{err:?}"
        );
    }
    let sign_ins: Vec<_> = requests_to(&mock, "/auth/signin")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(sign_ins, [Some(200), Some(401)], "asked the server once");
}
