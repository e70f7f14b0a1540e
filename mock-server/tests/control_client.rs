//! `ControlClient` against a running mock: every call of the control API, typed answers, typed
//! refusals with the server's message, the control token, and the failures that are not
//! refusals (no server, not a mock server).

use std::time::Duration;

use tableau_mock_server::{
    ClockInfo, ConnectedApp, ConnectedAppInfo, ControlClient, ControlClientError, Fault, MockServer,
};

const START: time::OffsetDateTime = time::macros::datetime!(2026-11-28 10:00:00 UTC);

async fn mock() -> MockServer {
    MockServer::builder()
        .fixed_start(START)
        .control_token("let-me-in")
        .start()
        .await
}

/// The status of a refusal, or a panic naming what came instead.
fn refused(result: Result<impl std::fmt::Debug, ControlClientError>) -> (u16, String) {
    match result {
        Err(ControlClientError::Refused {
            status, message, ..
        }) => (status.as_u16(), message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn every_call_answers_its_type() {
    let mock = mock().await;
    let control = mock.control_client();
    control.health().await.unwrap();

    let site = control.create_site("finance", "Finance").await.unwrap();
    assert_eq!(
        (site.content_url.as_str(), site.name.as_str()),
        ("finance", "Finance")
    );
    let user = control
        .create_user("finance", "ana", Some("pw"), "Viewer")
        .await
        .unwrap();
    assert_eq!(
        (
            user.name.as_str(),
            user.site.as_str(),
            user.site_role.as_str()
        ),
        ("ana", "finance", "Viewer")
    );
    let pat = control.create_pat("finance", "ana", "ci").await.unwrap();
    assert_eq!(pat.expires_at, START + time::Duration::days(365));
    assert!(!pat.secret.is_empty());
    let short = control
        .create_pat_expiring_in("finance", "ana", "short", 30)
        .await
        .unwrap();
    assert_eq!(short.expires_at, START + time::Duration::days(30));
    control.revoke_pat("finance", "ana", "short").await.unwrap();

    let app = ConnectedApp {
        site: "finance".into(),
        client_id: "client".into(),
        secret_id: "kid".into(),
        secret_value: "connected-app-secret".into(),
        enabled: false,
    };
    let registered = control.create_connected_app(app).await.unwrap();
    assert_eq!(
        registered,
        ConnectedAppInfo {
            site: "finance".into(),
            client_id: "client".into(),
            secret_id: "kid".into(),
            enabled: false,
        }
    );

    assert_eq!(
        control.clock().await.unwrap(),
        ClockInfo {
            now: START,
            offset_seconds: 0
        }
    );
    let advanced = control
        .advance_clock(Duration::from_secs(86_400))
        .await
        .unwrap();
    assert_eq!(advanced.offset_seconds, 86_400);
    assert_eq!(advanced.now, START + time::Duration::days(1));
    assert_eq!(mock.now().await, advanced.now, "the same clock");

    let fault = Fault::new("/serverinfo")
        .method("GET")
        .status(429)
        .retry_after("7")
        .times(1);
    assert_eq!(control.inject_fault(fault.clone()).await.unwrap(), fault);
    let throttled = reqwest::get(format!("{}/api/3.27/serverinfo", mock.uri()))
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429);
    let log = control.requests().await.unwrap();
    assert_eq!(log, mock.requests().await);
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].path.as_str(), log[0].status),
        ("/api/3.27/serverinfo", Some(429))
    );

    control.reset().await.unwrap();
    assert_eq!(control.clock().await.unwrap().offset_seconds, 0);
    assert!(control.requests().await.unwrap().is_empty());
    assert_eq!(
        refused(control.create_user("finance", "bo", None, "Viewer").await).0,
        404,
        "the site went with the reset"
    );
}

#[tokio::test]
async fn refusals_carry_the_status_and_the_message() {
    let mock = mock().await;
    let control = mock.control_client();
    control.create_site("finance", "Finance").await.unwrap();
    let (status, message) = refused(control.create_site("FINANCE", "Again").await);
    assert_eq!(status, 409);
    assert!(message.contains("exists"), "{message}");
    let (status, message) = refused(control.create_user("finance", "bo", None, "Boss").await);
    assert_eq!(status, 400);
    assert!(message.contains("Boss"), "{message}");
    let (status, _) = refused(control.create_pat("finance", "nobody", "ci").await);
    assert_eq!(status, 404);
    let (status, _) = refused(control.revoke_pat("", "admin", "no-such-token").await);
    assert_eq!(status, 404);
    let (status, message) = refused(control.inject_fault(Fault::new("/x").status(1000)).await);
    assert_eq!(status, 400);
    assert!(message.contains("1000"), "{message}");

    let error = control.create_site("finance", "Again").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(409));
    let text = error.to_string();
    assert!(text.starts_with("POST /_mock/sites answered 409"), "{text}");
}

#[tokio::test]
async fn the_control_token_is_sent_and_never_shown() {
    let mock = mock().await;
    let without = ControlClient::new(&mock.uri());
    without.health().await.expect("health needs no token");
    let (status, message) = refused(without.clock().await);
    assert_eq!(status, 401);
    assert!(message.contains("X-Mock-Control"), "{message}");
    let wrong = ControlClient::new(&mock.uri()).control_token("nope");
    assert_eq!(refused(wrong.reset().await).0, 401);

    let right = ControlClient::new(&format!("{}/", mock.uri())).control_token("let-me-in");
    assert_eq!(
        right.base_url(),
        mock.uri(),
        "the trailing slash is dropped"
    );
    assert_eq!(right.clock().await.unwrap().now, START);
    let debug = format!("{right:?}");
    assert!(!debug.contains("let-me-in"), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
}

#[tokio::test]
async fn no_server_is_a_transport_error_naming_the_call() {
    // A port that was free a moment ago: nothing listens on it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let control = ControlClient::new(&format!("http://{address}"));
    let error = control.health().await.unwrap_err();
    assert!(
        matches!(error, ControlClientError::Transport { .. }),
        "{error:?}"
    );
    assert_eq!(error.status(), None);
    assert!(
        error.to_string().starts_with("GET /_mock/health failed: "),
        "{error}"
    );
}

#[tokio::test]
async fn a_server_that_is_not_the_mock_gives_an_invalid_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { "hello" });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let control = ControlClient::new(&format!("http://{address}"));
    let error = control.clock().await.unwrap_err();
    assert!(
        matches!(error, ControlClientError::InvalidAnswer { .. }),
        "{error:?}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    let error = control.reset().await.unwrap_err();
    assert!(
        matches!(error, ControlClientError::InvalidAnswer { .. }),
        "a 200 is not the 204 of reset: {error:?}"
    );
    server.abort();
}

/// `sessions()` lists the live sessions (never a token) and `create_site_with_pat_lifetime`
/// sets a site's PAT lifetime; the same as `MockServer::sessions` and
/// `MockServer::create_site_with_pat_lifetime`.
#[tokio::test]
async fn sessions_and_site_pat_lifetimes() {
    let mock = MockServer::builder()
        .cloud()
        .fixed_start(START)
        .start()
        .await;
    let control = mock.control_client();
    assert!(control.sessions().await.unwrap().is_empty());
    let creds = mock.default_credentials();
    let answer = reqwest::Client::new()
        .post(format!("{}/api/3.27/auth/signin", mock.uri()))
        .header("content-type", "application/xml")
        .body(format!(
            r#"<tsRequest><credentials personalAccessTokenName="{}" personalAccessTokenSecret="{}"><site contentUrl="analytics"/></credentials></tsRequest>"#,
            creds.pat_name, creds.pat_secret
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let token_xml = answer.text().await.unwrap();
    let sessions = control.sessions().await.unwrap();
    assert_eq!(sessions, mock.sessions().await);
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(
        (
            session.site.as_str(),
            session.user.as_str(),
            session.credential.as_str()
        ),
        ("analytics", "admin@example.com", "pat")
    );
    assert_eq!((session.created_at, session.last_used_at), (START, START));
    assert!(uuid_like(&session.id), "{}", session.id);
    assert!(
        !token_xml.contains(&session.id),
        "the id is not in the sign-in answer"
    );

    let site = control
        .create_site_with_pat_lifetime("ops", "Ops", 7)
        .await
        .unwrap();
    assert_eq!(site.pat_lifetime_days, 7);
    control
        .create_user("ops", "bo@example.com", None, "Creator")
        .await
        .unwrap();
    let pat = control
        .create_pat("ops", "bo@example.com", "ci")
        .await
        .unwrap();
    assert_eq!(pat.expires_at, START + time::Duration::days(7));
    let (status, message) = refused(
        control
            .create_pat_expiring_in("ops", "bo@example.com", "long", 8)
            .await,
    );
    assert_eq!(status, 400);
    assert!(message.contains("7 days"), "{message}");
    let (status, _) = refused(control.create_site("", "Default").await);
    assert_eq!(status, 400, "Tableau Cloud has no Default site");
    let cloud_default = control.create_site("more", "More").await.unwrap();
    assert_eq!(cloud_default.pat_lifetime_days, 180);
    let library = mock.create_site_with_pat_lifetime("lib", "Lib", 365).await;
    assert_eq!(library.pat_lifetime_days, 365);
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}
