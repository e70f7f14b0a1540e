//! Scenarios over a real socket with raw HTTP (reqwest): PAT supersession, revocation, expiry
//! through the virtual clock, switch site, impersonation, faults, reset, control token and
//! request-log redaction.

mod common;

use std::time::Duration;

use common::{PAT_SECRET, SEED, START, VIEWER_ID, attr, password_xml, pat_json, pat_xml};
use reqwest::{Client, StatusCode};
use tableau_mock_server::{Fault, MockServer};

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    Reply {
        status,
        headers,
        body: response.text().await.unwrap(),
    }
}

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn sign_in(mock: &MockServer, body: String) -> Reply {
    send(
        client()
            .post(format!("{}/api/3.27/auth/signin", mock.uri()))
            .header("content-type", "application/xml")
            .body(body),
    )
    .await
}

fn token(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    attr(&reply.body, "token").unwrap()
}

async fn current(mock: &MockServer, token: &str) -> StatusCode {
    send(
        client()
            .get(format!("{}/api/3.27/sessions/current", mock.uri()))
            .header("x-tableau-auth", token),
    )
    .await
    .status
}

fn code(reply: &Reply) -> String {
    attr(&reply.body, "code").unwrap_or_default()
}

async fn seeded() -> MockServer {
    MockServer::builder().seed_toml(SEED).start().await
}

#[tokio::test]
async fn default_data_set_signs_in_with_every_family_but_jwt() {
    let mock = MockServer::start().await;
    assert!(mock.uri().starts_with("http://127.0.0.1:"));
    assert!(!mock.uri().ends_with('/'));
    let creds = mock.default_credentials();
    assert_eq!(
        (
            creds.username.as_str(),
            creds.password.as_str(),
            creds.pat_name.as_str()
        ),
        ("admin", "admin", "admin-pat")
    );
    let pat = sign_in(&mock, pat_xml(&creds.pat_name, &creds.pat_secret, "")).await;
    assert_eq!(current(&mock, &token(&pat)).await, 200);
    let password = sign_in(&mock, password_xml("admin", "admin", "analytics")).await;
    assert_eq!(current(&mock, &token(&password)).await, 200);
    let other = MockServer::start().await;
    assert_ne!(
        other.default_credentials().pat_secret,
        creds.pat_secret,
        "random per start"
    );
}

#[tokio::test]
async fn a_new_pat_sign_in_supersedes_the_old_session() {
    let mock = seeded().await;
    let first = token(&sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await);
    let second_reply = send(
        client()
            .post(format!("{}/api/2.4/auth/signin", mock.uri()))
            .header("content-type", "application/json")
            .body(pat_json("admin-pat", PAT_SECRET, "analytics")),
    )
    .await;
    // The PAT belongs to the Default site: another site's sign-in with it is refused and
    // leaves the first session alone.
    assert_eq!(second_reply.status, 401);
    assert_eq!(current(&mock, &first).await, 200);
    let second = token(&sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await);
    let superseded = send(
        client()
            .get(format!("{}/api/3.27/sessions/current", mock.uri()))
            .header("x-tableau-auth", &first),
    )
    .await;
    assert_eq!(code(&superseded), "401002");
    assert_eq!(current(&mock, &second).await, 200);
    // Password sign-ins do not end each other's sessions.
    let a = token(&sign_in(&mock, password_xml("admin", "admin", "")).await);
    let b = token(&sign_in(&mock, password_xml("admin", "admin", "")).await);
    assert_eq!(current(&mock, &a).await, 200);
    assert_eq!(current(&mock, &b).await, 200);
}

#[tokio::test]
async fn revoking_a_pat_ends_its_session_and_refuses_sign_in() {
    let mock = seeded().await;
    let pat = mock.create_pat("analytics", "viewer", "ci").await;
    assert!(pat.expires_at > mock.now().await);
    let session = token(&sign_in(&mock, pat_xml("ci", &pat.secret, "analytics")).await);
    assert!(mock.revoke_pat("analytics", "viewer", "ci").await);
    assert!(
        !mock.revoke_pat("analytics", "viewer", "ci").await,
        "already revoked"
    );
    assert!(!mock.revoke_pat("analytics", "viewer", "nope").await);
    assert_eq!(current(&mock, &session).await, 401);
    assert_eq!(
        code(&sign_in(&mock, pat_xml("ci", &pat.secret, "analytics")).await),
        "401001"
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_sliding_keeps_them() {
    let mock = MockServer::builder()
        .seed_toml(SEED)
        .session_idle(Duration::from_secs(600))
        .start()
        .await;
    let session = token(&sign_in(&mock, password_xml("admin", "admin", "")).await);
    mock.advance_clock(Duration::from_secs(500)).await;
    assert_eq!(current(&mock, &session).await, 200, "slides");
    mock.advance_clock(Duration::from_secs(500)).await;
    assert_eq!(current(&mock, &session).await, 200, "slid at 500 s");
    mock.advance_clock(Duration::from_secs(601)).await;
    assert_eq!(current(&mock, &session).await, 401);
}

#[tokio::test]
async fn pats_expire_after_15_idle_days_and_at_their_lifetime() {
    let mock = MockServer::builder()
        .seed_toml(SEED)
        .fixed_start(START)
        .start()
        .await;
    let idle = mock.create_pat("", "viewer", "idle").await;
    mock.advance_clock(Duration::from_secs(14 * 86_400)).await;
    let reply = sign_in(&mock, pat_xml("idle", &idle.secret, "")).await;
    assert_eq!(
        attr(&reply.body, "estimatedTimeToExpiration").as_deref(),
        Some("351:00:00")
    );
    mock.advance_clock(Duration::from_secs(15 * 86_400 + 1))
        .await;
    assert_eq!(
        code(&sign_in(&mock, pat_xml("idle", &idle.secret, "")).await),
        "401001"
    );

    let short = mock.create_pat_expiring_in("", "viewer", "short", 2).await;
    mock.advance_clock(Duration::from_secs(86_400)).await;
    token(&sign_in(&mock, pat_xml("short", &short.secret, "")).await);
    mock.advance_clock(Duration::from_secs(86_400 + 1)).await;
    assert_eq!(
        code(&sign_in(&mock, pat_xml("short", &short.secret, "")).await),
        "401001"
    );
}

#[tokio::test]
async fn switch_site_keeps_the_pat_link() {
    let mock = seeded().await;
    let session = token(&sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await);
    let switched = send(
        client()
            .post(format!("{}/api/3.27/auth/switchSite", mock.uri()))
            .header("x-tableau-auth", &session)
            .header("content-type", "application/xml")
            .body(r#"<tsRequest><site contentUrl="analytics"/></tsRequest>"#),
    )
    .await;
    let analytics = token(&switched);
    assert_eq!(current(&mock, &session).await, 401);
    assert_eq!(current(&mock, &analytics).await, 200);
    token(&sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await);
    assert_eq!(
        current(&mock, &analytics).await,
        401,
        "a new PAT sign-in supersedes the switched session"
    );
}

#[tokio::test]
async fn impersonation_signs_in_as_the_target() {
    let mock = seeded().await;
    let body = format!(
        r#"<tsRequest><credentials personalAccessTokenName="admin-pat" personalAccessTokenSecret="{PAT_SECRET}"><site contentUrl=""/><user id="{VIEWER_ID}"/></credentials></tsRequest>"#
    );
    let reply = sign_in(&mock, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains(&format!("<user id=\"{VIEWER_ID}\"/>")));
    let session = send(
        client()
            .get(format!("{}/api/3.27/sessions/current", mock.uri()))
            .header("x-tableau-auth", token(&reply)),
    )
    .await;
    assert!(session.body.contains("name=\"viewer\""), "{}", session.body);
}

#[tokio::test]
async fn faults_answer_instead_of_the_handler_and_change_no_state() {
    let mock = seeded().await;
    mock.inject_fault(
        Fault::new("/auth/signin")
            .method("POST")
            .status(503)
            .retry_after("2")
            .times(2),
    )
    .await;
    for _ in 0..2 {
        let reply = sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await;
        assert_eq!(reply.status, 503);
        assert_eq!(reply.headers["retry-after"], "2");
        assert_eq!(code(&reply), "503000");
    }
    let ok = token(&sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await);
    // A faulted sign-in with the same PAT must not have superseded anything.
    mock.inject_fault(
        Fault::new("/auth/signin")
            .status(502)
            .body("<html>bad gateway</html>")
            .content_type("text/html")
            .times(1),
    )
    .await;
    let html = sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await;
    assert_eq!(
        (html.status, html.body.as_str()),
        (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>")
    );
    assert_eq!(html.headers["content-type"], "text/html");
    assert_eq!(current(&mock, &ok).await, 200);

    mock.inject_fault(
        Fault::new("/auth/signin")
            .status(301)
            .header("Location", "https://elsewhere.invalid/api")
            .times(1),
    )
    .await;
    let moved = sign_in(&mock, password_xml("admin", "admin", "")).await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.headers["location"], "https://elsewhere.invalid/api");

    mock.inject_fault(
        Fault::new("/sessions/current")
            .status(200)
            .body("<tsResponse><session")
            .truncate_body_at(5)
            .times(1),
    )
    .await;
    let cut = send(
        client()
            .get(format!("{}/api/3.27/sessions/current", mock.uri()))
            .header("x-tableau-auth", &ok),
    )
    .await;
    assert_eq!(cut.body, "<tsRe");

    mock.inject_fault(Fault::new("/auth/signin").drop_connection().times(1))
        .await;
    let dropped = client()
        .post(format!("{}/api/3.27/auth/signin", mock.uri()))
        .body(pat_xml("admin-pat", PAT_SECRET, ""))
        .send()
        .await;
    assert!(dropped.is_err(), "connection dropped without an answer");
    assert_eq!(
        current(&mock, &ok).await,
        200,
        "the dropped sign-in changed no state"
    );

    // On the wire: the connection closes with not one byte of an answer (no status line).
    mock.inject_fault(Fault::new("/sessions/current").drop_connection().times(1))
        .await;
    let address = mock.uri().trim_start_matches("http://").to_owned();
    let raw = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /api/3.27/sessions/current HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&raw),
        "",
        "the dropped connection answered"
    );
    let log = mock.requests().await;
    let statuses: Vec<Option<u16>> = log
        .iter()
        .filter(|r| r.path.ends_with("/auth/signin"))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [Some(503), Some(503), Some(200), Some(502), Some(301), None]
    );

    mock.inject_fault(Fault::new("/serverinfo").delay_ms(1).times(1))
        .await;
    let delayed = send(client().get(format!("{}/api/3.27/serverinfo", mock.uri()))).await;
    assert_eq!(
        delayed.status, 200,
        "a delay-only fault passes through to the handler"
    );
}

#[tokio::test]
async fn reset_restores_the_seed() {
    let mock = MockServer::builder().fixed_start(START).start().await;
    let creds = mock.default_credentials();
    let session = token(&sign_in(&mock, pat_xml(&creds.pat_name, &creds.pat_secret, "")).await);
    mock.create_site("finance", "Finance").await;
    mock.advance_clock(Duration::from_secs(3600)).await;
    mock.inject_fault(Fault::new("/serverinfo").status(500))
        .await;
    mock.reset().await;
    assert_eq!(mock.now().await, START);
    assert!(mock.requests().await.is_empty());
    assert_eq!(current(&mock, &session).await, 401);
    assert_eq!(
        send(client().get(format!("{}/api/3.27/serverinfo", mock.uri())))
            .await
            .status,
        200
    );
    token(&sign_in(&mock, pat_xml(&creds.pat_name, &creds.pat_secret, "")).await);
    let site = mock.create_site("finance", "Finance").await;
    assert_eq!(site.content_url, "finance", "the site was gone after reset");
}

#[tokio::test]
async fn control_token_protects_everything_but_health() {
    let mock = MockServer::builder()
        .control_token("let-me-in")
        .start()
        .await;
    let c = client();
    assert_eq!(
        send(c.get(format!("{}/_mock/health", mock.uri())))
            .await
            .status,
        200
    );
    let refused = send(c.get(format!("{}/_mock/clock", mock.uri()))).await;
    assert_eq!(refused.status, 401);
    assert!(serde_json::from_str::<serde_json::Value>(&refused.body).unwrap()["error"].is_string());
    let wrong = send(
        c.post(format!("{}/_mock/reset", mock.uri()))
            .header("x-mock-control", "nope"),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let ok = send(
        c.get(format!("{}/_mock/clock", mock.uri()))
            .header("x-mock-control", "let-me-in"),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&ok.body).unwrap()["offsetSeconds"],
        0
    );
}

#[tokio::test]
async fn the_request_log_redacts_secrets() {
    let mock = seeded().await;
    let reply = sign_in(&mock, pat_xml("admin-pat", PAT_SECRET, "")).await;
    let session = token(&reply);
    send(
        client()
            .post(format!("{}/api/3.27/auth/signin", mock.uri()))
            .header("content-type", "application/json")
            .header("authorization", "Basic c2VjcmV0")
            .header("cookie", "workgroup_session_id=abc")
            .body(password_json_with("admin", "hunter2-password")),
    )
    .await;
    current(&mock, &session).await;
    send(
        client()
            .post(format!("{}/api/3.27/auth/signin", mock.uri()))
            .body(format!("garbage {PAT_SECRET}")),
    )
    .await;
    let control = send(client().get(format!("{}/_mock/requests", mock.uri()))).await;
    let typed = mock.requests().await;
    assert_eq!(
        serde_json::from_str::<Vec<tableau_mock_server::RecordedRequest>>(&control.body).unwrap(),
        typed
    );
    for secret in [
        PAT_SECRET,
        "hunter2-password",
        session.as_str(),
        "c2VjcmV0",
        "workgroup_session_id",
    ] {
        assert!(
            !control.body.contains(secret),
            "{secret} leaked: {}",
            control.body
        );
    }
    assert_eq!(typed.len(), 4);
    assert_eq!(typed[0].path, "/api/3.27/auth/signin");
    assert!(
        typed[0]
            .body
            .as_deref()
            .unwrap()
            .contains("personalAccessTokenSecret=\"[redacted]\"")
    );
    assert_eq!(typed[2].headers["x-tableau-auth"], "[redacted]");
    assert_eq!(
        typed[3].body.as_deref(),
        Some(format!("[unparsed body, {} bytes]", 8 + PAT_SECRET.len()).as_str())
    );
}

fn password_json_with(name: &str, password: &str) -> String {
    common::password_json(name, password, "")
}

#[tokio::test]
async fn the_request_log_is_bounded_and_can_be_off() {
    let mock = MockServer::builder().request_log(3).start().await;
    for n in 0..5 {
        send(client().get(format!("{}/api/3.27/serverinfo?n={n}", mock.uri()))).await;
    }
    assert_eq!(mock.requests().await.len(), 3);
    let off = MockServer::builder().request_log(0).start().await;
    send(client().get(format!("{}/api/3.27/serverinfo", off.uri()))).await;
    assert!(off.requests().await.is_empty());
}

#[tokio::test]
async fn max_sessions_evicts_the_least_recently_used() {
    let mock = MockServer::builder()
        .seed_toml(SEED)
        .max_sessions(2)
        .start()
        .await;
    let a = token(&sign_in(&mock, password_xml("admin", "admin", "")).await);
    let b = token(&sign_in(&mock, password_xml("admin", "admin", "")).await);
    assert_eq!(current(&mock, &a).await, 200);
    let c = token(&sign_in(&mock, password_xml("admin", "admin", "")).await);
    assert_eq!(current(&mock, &b).await, 401, "b was least recently used");
    assert_eq!(current(&mock, &a).await, 200);
    assert_eq!(current(&mock, &c).await, 200);
}

#[tokio::test]
async fn dropping_the_server_closes_the_listener() {
    let mock = MockServer::start().await;
    let address = mock.address();
    drop(mock);
    // The accept loop stops on its next turn; retry connecting until refused (bounded).
    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused, "listener still open after drop");
}

/// docs/protocol.md section 6, one session per PAT, under a race: 20 sign-ins with the same PAT at once all
/// succeed with distinct tokens, and exactly one of those sessions survives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_with_one_pat_leave_exactly_one_session() {
    const TASKS: usize = 20;
    let mock = std::sync::Arc::new(MockServer::start().await);
    let creds = mock.default_credentials();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let mock = std::sync::Arc::clone(&mock);
            let barrier = std::sync::Arc::clone(&barrier);
            let body = pat_xml(&creds.pat_name, &creds.pat_secret, "");
            tokio::spawn(async move {
                // Each task its own client (so its own connection), all released together.
                let client = client();
                let request = client
                    .post(format!("{}/api/3.27/auth/signin", mock.uri()))
                    .header("content-type", "application/xml")
                    .body(body);
                barrier.wait().await;
                send(request).await
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(token(&task.await.unwrap()));
    }
    let distinct: std::collections::HashSet<&String> = tokens.iter().collect();
    assert_eq!(distinct.len(), TASKS, "every sign-in got its own token");
    let mut accepted = Vec::new();
    for token in &tokens {
        let reply = send(
            client()
                .get(format!("{}/api/3.27/sessions/current", mock.uri()))
                .header("x-tableau-auth", token),
        )
        .await;
        if reply.status == StatusCode::OK {
            accepted.push(token.clone());
        } else {
            assert_eq!(
                (reply.status, code(&reply).as_str()),
                (StatusCode::UNAUTHORIZED, "401002"),
                "{}",
                reply.body
            );
        }
    }
    assert_eq!(accepted.len(), 1, "exactly one session of the PAT survives");
    assert_eq!(
        mock.session_count(),
        1,
        "no superseded session lingers in the store"
    );
    // The PAT's link points at the survivor: the next sign-in with the PAT ends it.
    let next = token(&sign_in(&mock, pat_xml(&creds.pat_name, &creds.pat_secret, "")).await);
    assert_eq!(current(&mock, &accepted[0]).await, 401);
    assert_eq!(current(&mock, &next).await, 200);
    assert_eq!(mock.session_count(), 1);
}
