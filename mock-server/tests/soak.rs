//! Load and slow clients. `just soak` runs the long versions (`#[ignore]`): load with 200
//! concurrent connections for 30 s (`SOAK_SECONDS` shortens or lengthens it), then a check that
//! the server's sessions are exactly those the workers believe live, each for its own user; slow
//! and idle clients in real time. Every `cargo test` (so every `just ci`) runs the same load mix
//! short: 50 connections for 3 s, ending in the same state-consistency check.

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{attr, password_xml, pat_xml};
use tableau_mock_server::{ControlClient, MockServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Concurrent connections of the soak's load mix.
const SOAK_WORKERS: usize = 200;
/// Concurrent connections of the short load mix every `cargo test` runs.
const SHORT_WORKERS: usize = 50;
/// How long the short load mix lasts.
const SHORT_SECONDS: u64 = 3;
/// Every this-many-th worker revokes its PAT during the run.
const REVOKE_EVERY: usize = 10;
/// Password sessions a worker keeps open at once; it signs the oldest out past this.
const OPEN_PASSWORD_SESSIONS: usize = 5;

/// The round at which worker `n` revokes its PAT, if it is one of those that do: spread over
/// rounds 10..50 so revocations land at different moments of the load.
fn revoke_round(n: usize) -> Option<u64> {
    (n % REVOKE_EVERY == 0).then(|| 10 + ((n / REVOKE_EVERY) as u64 * 7) % 40)
}

/// What one worker believes about its sessions when the load is over.
struct WorkerReport {
    name: String,
    user_id: String,
    /// Tokens that must still work: the latest PAT session (unless revoked) and the open
    /// password sessions.
    live: Vec<String>,
    /// Tokens that must be dead: signed out, superseded by a newer sign-in with the same PAT,
    /// or the PAT session ended by revoking the PAT.
    dead: Vec<String>,
    revoked: bool,
}

/// A Tableau error code in an XML error body.
fn error_code(body: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(body).ok()?;
    let error = doc.descendants().find(|n| n.has_tag_name("error"))?;
    error.attribute("code").map(str::to_owned)
}

/// `GET sessions/current` with `token`: its status and, on 200, the user's (id, name).
async fn current_user(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> (u16, Option<(String, String)>, String) {
    let reply = client
        .get(format!("{base}/api/3.27/sessions/current"))
        .header("x-tableau-auth", token)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let body = reply.text().await.unwrap();
    let user = roxmltree::Document::parse(&body).ok().and_then(|doc| {
        let user = doc.descendants().find(|n| n.has_tag_name("user"))?;
        Some((
            user.attribute("id")?.to_owned(),
            user.attribute("name")?.to_owned(),
        ))
    });
    (status, user, body)
}

async fn sign_out(client: &reqwest::Client, base: &str, token: &str) {
    let status = client
        .post(format!("{base}/api/3.27/auth/signout"))
        .header("x-tableau-auth", token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204, "sign-out");
}

/// One worker: sign in with its PAT (two rounds in three) or its password, check the session,
/// sometimes sign out, and, for every tenth worker, revoke the PAT mid-run and keep going.
async fn worker(
    mock: Arc<MockServer>,
    n: usize,
    user_id: String,
    secret: String,
    deadline: Instant,
) -> WorkerReport {
    let client = reqwest::Client::new();
    let base = mock.uri();
    let name = format!("user{n}");
    let revoke_at = revoke_round(n);
    let mut latest_pat: Option<String> = None;
    let mut passwords: VecDeque<String> = VecDeque::new();
    let mut dead = Vec::new();
    let mut revoked = false;
    let mut round = 0u64;
    // A worker that is to revoke keeps going until it has, however short the run.
    while Instant::now() < deadline || (revoke_at.is_some() && !revoked) {
        round += 1;
        let is_pat = round % 3 != 0;
        let body = if is_pat {
            pat_xml("pat", &secret, "")
        } else {
            password_xml(&name, "pw", "")
        };
        let reply = client
            .post(format!("{base}/api/3.27/auth/signin"))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = reply.status();
        let text = reply.text().await.unwrap();
        if is_pat && revoked {
            assert_eq!(status, 401, "{name}: sign-in with a revoked PAT: {text}");
            assert_eq!(error_code(&text).as_deref(), Some("401001"), "{text}");
            continue;
        }
        assert_eq!(status, 200, "{name}: sign-in: {text}");
        let token = attr(&text, "token").expect("a token");
        let (status, user, body) = current_user(&client, &base, &token).await;
        assert_eq!(status, 200, "{name}: a fresh token: {body}");
        assert_eq!(user, Some((user_id.clone(), name.clone())), "{body}");
        if is_pat {
            // The new PAT session ended the previous one, at once.
            if let Some(old) = latest_pat.take() {
                let (status, _, body) = current_user(&client, &base, &old).await;
                assert_eq!(status, 401, "{name}: a superseded token: {body}");
                dead.push(old);
            }
        }
        if round % 7 == 0 {
            sign_out(&client, &base, &token).await;
            dead.push(token);
        } else if is_pat {
            latest_pat = Some(token);
        } else {
            passwords.push_back(token);
            if passwords.len() > OPEN_PASSWORD_SESSIONS {
                let oldest = passwords.pop_front().unwrap_or_default();
                sign_out(&client, &base, &oldest).await;
                dead.push(oldest);
            }
        }
        if revoke_at == Some(round) {
            let revoke = ControlClient::new(&base).revoke_pat("", &name, "pat").await;
            assert!(revoke.is_ok(), "{name}: revoke: {revoke:?}");
            revoked = true;
            // Revoking ends the PAT's live session.
            dead.extend(latest_pat.take());
        }
    }
    WorkerReport {
        name,
        user_id,
        live: latest_pat.into_iter().chain(passwords).collect(),
        dead,
        revoked,
    }
}

/// After the load, checks one worker's view against the server: every token it believes live
/// answers 200 for its own user, every other one 401002.
async fn check_worker(client: reqwest::Client, base: String, report: WorkerReport) {
    for token in &report.live {
        let (status, user, body) = current_user(&client, &base, token).await;
        assert_eq!(
            status, 200,
            "{}: a live token was refused: {body}",
            report.name
        );
        assert_eq!(
            user,
            Some((report.user_id.clone(), report.name.clone())),
            "a live session belongs to another user: {body}"
        );
    }
    for token in &report.dead {
        let (status, _, body) = current_user(&client, &base, token).await;
        assert_eq!(
            (status, error_code(&body).as_deref()),
            (401, Some("401002")),
            "{}: a signed-out, superseded or revoked token was accepted: {body}",
            report.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: 30 s of load; run with `just soak`"]
async fn load_mix_keeps_state_consistent() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    load_mix(SOAK_WORKERS, seconds).await;
}

/// The load mix in every `cargo test`: 50 connections for 3 s, then the same checks as the
/// soak (every tenth worker revoked its PAT, the server holds exactly the sessions the workers
/// believe live, each live token answers for its own user, every dead one 401002).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_load_mix_keeps_state_consistent() {
    load_mix(SHORT_WORKERS, SHORT_SECONDS).await;
}

/// `workers` workers (each its own user with a password and a PAT) sign in, check, sign out
/// and revoke for `seconds`; then what they believe is compared with the server's state.
async fn load_mix(workers: usize, seconds: u64) {
    let mock = Arc::new(MockServer::builder().request_log(1000).start().await);
    let sessions_before = mock.session_count();
    let mut accounts = Vec::new();
    for n in 0..workers {
        let name = format!("user{n}");
        let user = mock.create_user("", &name, Some("pw"), "Viewer").await;
        accounts.push((user.id, mock.create_pat("", &name, "pat").await.secret));
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = accounts
        .into_iter()
        .enumerate()
        .map(|(n, (user_id, secret))| {
            tokio::spawn(worker(Arc::clone(&mock), n, user_id, secret, deadline))
        })
        .collect();
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.unwrap());
    }
    // The load is over: compare what the workers believe with the server.
    let revoked = reports.iter().filter(|r| r.revoked).count();
    assert_eq!(
        revoked,
        workers.div_ceil(REVOKE_EVERY),
        "every tenth worker revoked its PAT"
    );
    let live: usize = reports.iter().map(|r| r.live.len()).sum();
    let dead: usize = reports.iter().map(|r| r.dead.len()).sum();
    eprintln!("after the load: {live} live sessions, {dead} dead tokens, {revoked} PATs revoked");
    // No session the workers do not know of: nothing superseded, signed out or revoked
    // lingers in the store, and nothing else was created.
    assert_eq!(
        mock.session_count(),
        sessions_before + live,
        "the server holds exactly the sessions the workers believe live"
    );
    let client = reqwest::Client::new();
    let checks: Vec<_> = reports
        .into_iter()
        .map(|report| tokio::spawn(check_worker(client.clone(), mock.uri(), report)))
        .collect();
    for check in checks {
        check.await.unwrap();
    }
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
