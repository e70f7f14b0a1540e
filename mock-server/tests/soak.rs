//! Long-running checks for `just soak` (all `#[ignore]`): load with 200 concurrent
//! connections, slow and idle clients. `SOAK_SECONDS` shortens or lengthens the load test.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{attr, password_xml, pat_xml};
use tableau_mock_server::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WORKERS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: 30 s of load; run with `just soak`"]
async fn load_mix_keeps_state_consistent() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let mock = Arc::new(MockServer::builder().request_log(1000).start().await);
    let mut secrets = Vec::new();
    for n in 0..WORKERS {
        let name = format!("user{n}");
        mock.create_user("", &name, Some("pw"), "Viewer").await;
        secrets.push(mock.create_pat("", &name, "pat").await.secret);
    }
    let server_errors = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (n, secret) in secrets.into_iter().enumerate() {
        let mock = Arc::clone(&mock);
        let errors = Arc::clone(&server_errors);
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let base = mock.uri();
            let name = format!("user{n}");
            let mut superseded = Vec::new();
            let mut latest: Option<String> = None;
            let mut revoked = false;
            let mut round = 0u64;
            while Instant::now() < deadline && !revoked {
                round += 1;
                let body = if round % 3 == 0 {
                    password_xml(&name, "pw", "")
                } else {
                    pat_xml("pat", &secret, "")
                };
                let is_pat = round % 3 != 0;
                let reply = client
                    .post(format!("{base}/api/3.27/auth/signin"))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                if reply.status().is_server_error() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                let text = reply.text().await.unwrap();
                let Some(token) = attr(&text, "token") else {
                    continue;
                };
                let status = client
                    .get(format!("{base}/api/3.27/sessions/current"))
                    .header("x-tableau-auth", &token)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, 200);
                if round % 7 == 0 {
                    let out = client
                        .post(format!("{base}/api/3.27/auth/signout"))
                        .header("x-tableau-auth", &token)
                        .send()
                        .await
                        .unwrap()
                        .status();
                    assert_eq!(out, 204);
                    superseded.push(token);
                    if is_pat {
                        // This PAT sign-in already ended the previous PAT session.
                        superseded.extend(latest.take());
                    }
                } else if is_pat {
                    if let Some(old) = latest.replace(token) {
                        superseded.push(old);
                    }
                }
                if n % 50 == 0 && round == 20 {
                    assert!(mock.revoke_pat("", &name, "pat").await);
                    revoked = true;
                }
            }
            (latest, superseded, revoked)
        }));
    }
    let client = reqwest::Client::new();
    for task in tasks {
        let (latest, superseded, revoked) = task.await.unwrap();
        for token in superseded {
            let status = client
                .get(format!("{}/api/3.27/sessions/current", mock.uri()))
                .header("x-tableau-auth", &token)
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 401, "a superseded or signed-out token was accepted");
        }
        if let Some(token) = latest {
            let status = client
                .get(format!("{}/api/3.27/sessions/current", mock.uri()))
                .header("x-tableau-auth", &token)
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, if revoked { 401 } else { 200 });
        }
    }
    assert_eq!(server_errors.load(Ordering::Relaxed), 0);
    assert!(mock.requests().await.len() <= 1000, "the log stays bounded");
}

#[tokio::test]
#[ignore = "soak: waits for the 10 s header-read timeout"]
async fn slow_and_idle_clients_do_not_block_others() {
    let mock = MockServer::start().await;
    let mut idle = Vec::new();
    for _ in 0..500 {
        idle.push(
            tokio::net::TcpStream::connect(mock.address())
                .await
                .unwrap(),
        );
    }
    let mut slow = tokio::net::TcpStream::connect(mock.address())
        .await
        .unwrap();
    slow.write_all(b"GET /api/3.27/serverinfo HTTP/1.1\r\n")
        .await
        .unwrap();
    let reply = reqwest::get(format!("{}/api/3.27/serverinfo", mock.uri()))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "other clients are served");
    // The slow client never finishes its headers: the server closes it after the timeout.
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut buffer)).await;
    assert!(
        closed.is_ok(),
        "the header-read timeout closed the slow connection"
    );
}
