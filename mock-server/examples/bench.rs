//! Throughput of the mock against a bare axum handler returning a fixed body of the same size.
//! A rough in-process stand-in for the `wrk` method of the issue, for `just bench-mock`:
//!
//! ```sh
//! cargo run --release -p tableau-mock-server --example bench -- [SECONDS] [CONNECTIONS]
//! ```
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tableau_mock_server::MockServer;

async fn measure(
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    seconds: u64,
    connections: usize,
) -> f64 {
    let count = Arc::new(AtomicU64::new(0));
    let warm_up = Instant::now() + Duration::from_secs(1);
    let deadline = warm_up + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (url, headers, body, count) = (
            url.clone(),
            headers.clone(),
            body.clone(),
            Arc::clone(&count),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let mut request = match &body {
                    Some(body) => client.post(&url).body(body.clone()),
                    None => client.get(&url),
                };
                for (name, value) in &headers {
                    request = request.header(name, value);
                }
                let response = request.send().await.unwrap();
                let ok = response.status().is_success();
                let _ = response.bytes().await;
                if ok && now >= warm_up {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / seconds as f64
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let connections: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(32);

    let mock = MockServer::builder().request_log(10_000).start().await;
    let creds = mock.default_credentials();
    let sign_in = format!(
        r#"<tsRequest><credentials personalAccessTokenName="{}" personalAccessTokenSecret="{}"><site contentUrl=""/></credentials></tsRequest>"#,
        creds.pat_name, creds.pat_secret
    );
    let password = r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#;
    let client = reqwest::Client::new();
    let reply = client
        .post(format!("{}/api/3.27/auth/signin", mock.uri()))
        .body(password)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = reply
        .split("token=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let current = client
        .get(format!("{}/api/3.27/sessions/current", mock.uri()))
        .header("x-tableau-auth", &token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare_address = listener.local_addr().unwrap();
    let fixed = current.clone();
    let bare = axum::Router::new().fallback(move || {
        let fixed = fixed.clone();
        async move { fixed }
    });
    tokio::spawn(async move { axum::serve(listener, bare).await.unwrap() });

    let bare_rps = measure(
        format!("http://{bare_address}/"),
        vec![],
        None,
        seconds,
        connections,
    )
    .await;
    let current_rps = measure(
        format!("{}/api/3.27/sessions/current", mock.uri()),
        vec![("x-tableau-auth".into(), token.clone())],
        None,
        seconds,
        connections,
    )
    .await;
    // One PAT allows one session: concurrent PAT sign-ins supersede each other, which is fine
    // for throughput (each still does the full digest comparison and session insert).
    let pat_rps = measure(
        format!("{}/api/3.27/auth/signin", mock.uri()),
        vec![],
        Some(sign_in),
        seconds,
        connections,
    )
    .await;
    let password_rps = measure(
        format!("{}/api/3.27/auth/signin", mock.uri()),
        vec![],
        Some(password.to_owned()),
        seconds,
        connections,
    )
    .await;

    println!("| scenario ({connections} connections, {seconds} s) | requests/s | vs bare |");
    println!("|---|---:|---:|");
    for (name, rps) in [
        ("bare axum handler, same body", bare_rps),
        ("GET sessions/current", current_rps),
        ("PAT sign-in", pat_rps),
        ("password sign-in", password_rps),
    ] {
        println!("| {name} | {rps:.0} | {:.2}x |", rps / bare_rps);
    }
    println!(
        "live sessions after the run: {}",
        mock.state().session_count()
    );
}
