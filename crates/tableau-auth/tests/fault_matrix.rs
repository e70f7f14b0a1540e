//! The fault matrix: every fault the mock can inject, on sign-in and on an authenticated call
//! through `SessionManager::send`, ends in success or in a typed error — never in a hang, and
//! never after more attempts than the retry policy allows.
//!
//! One row per fault: the fault, the expected outcome, the exact number of requests that
//! reached the faulted path, the retry waits the client asked for and (for the manager) its
//! sign-ins. Every row runs against its own mock server, inside a 10 s hang detector.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Clock, password, requests_to};
use tableau_auth::{Client, Error, RetryPolicy, SessionManager};
use tableau_mock_server::{Fault, MockServer};

/// Attempts the retry policy allows (the first one included).
const MAX_ATTEMPTS: u32 = 3;
/// A fault count the retries cannot outlast.
const PAST_MAX: u32 = MAX_ATTEMPTS + 1;
/// The back-off after the first and the second failed attempt.
const BACKOFF: &[u64] = &[10, 20];
/// The client's per-request timeout. Generous, so that a loaded machine never turns an
/// ordinary answer into a timeout; the delayed answers come far later.
const TIMEOUT: Duration = Duration::from_secs(1);
/// The delay of a "slow server" fault: past the client's timeout and past the hang detector,
/// so a client that does not time out is caught by the detector instead of succeeding late.
const SLOW_MS: u64 = 30_000;
/// The outer hang detector of every row.
const HANG: Duration = Duration::from_secs(10);

const SIGN_IN_PATH: &str = "/auth/signin";
const CALL_PATH: &str = "/sessions/current";

/// A well-formed sign-in answer (the control row proves the client accepts it whole).
const SIGN_IN_BODY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><tsResponse xmlns="http://tableau.com/api"><credentials token="Q2hlY2tUb2tlbkFBQUFBQQ|c2Vjb25kLXBhcnQtb2YtdGhlLXRva2VuLUFB|9a8b7c6d-1111-2222-3333-444455556666"><site id="9a8b7c6d-1111-2222-3333-444455556666" contentUrl=""/><user id="1a2b3c4d-5555-6666-7777-888899990000"/></credentials></tsResponse>"#;
/// What a reverse proxy or load balancer answers instead of Tableau.
const PROXY_PAGE: &str = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_base_delay(Duration::from_millis(BACKOFF[0]))
        .with_max_delay(Duration::from_secs(1))
        .with_jitter(false)
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// `Client::sign_in` returned a session.
    SignedIn,
    /// `SessionManager::send` returned this answer as it is (its contract for non-401s).
    Answered(u16),
    /// `Error::Tableau` for an answer with this HTTP status.
    Tableau(u16),
    /// `Error::UnexpectedResponse` naming this HTTP status.
    Unexpected(u16),
    /// `Error::Timeout`.
    Timeout,
    /// `Error::Transport`.
    Transport,
    /// Anything else: always a mismatch.
    Other(String),
}

fn outcome_of_error(error: &Error) -> Outcome {
    match error {
        Error::Tableau { error, .. } => Outcome::Tableau(error.http_status),
        Error::UnexpectedResponse(parse) => match parse.status {
            Some(status) => Outcome::Unexpected(status),
            None => Outcome::Other(format!("UnexpectedResponse without a status: {parse}")),
        },
        Error::Timeout(_) => Outcome::Timeout,
        Error::Transport(_) => Outcome::Transport,
        other => Outcome::Other(format!("{other:?}")),
    }
}

/// One row of the matrix.
struct Row {
    name: String,
    fault: Fault,
    outcome: Outcome,
    /// Requests that reached the faulted path.
    attempts: usize,
    /// The waits between attempts the client asked for, in milliseconds.
    sleeps: &'static [u64],
    /// Sign-ins the manager made (only checked for `send` rows).
    sign_ins: u64,
}

fn row(
    name: impl Into<String>,
    fault: Fault,
    outcome: Outcome,
    attempts: usize,
    sleeps: &'static [u64],
) -> Row {
    Row {
        name: name.into(),
        fault,
        outcome,
        attempts,
        sleeps,
        sign_ins: 1,
    }
}

impl Row {
    fn sign_ins(mut self, sign_ins: u64) -> Row {
        self.sign_ins = sign_ins;
        self
    }
}

fn status(path: &str, status: u16) -> Fault {
    Fault::new(path).status(status)
}

fn slow(path: &str) -> Fault {
    // Only a delay: a latency fault, which reaches the handler once the delay is over.
    Fault::new(path).delay_ms(SLOW_MS)
}

fn dropped(path: &str) -> Fault {
    Fault::new(path).drop_connection()
}

fn proxy_page(path: &str, status: u16) -> Fault {
    Fault::new(path)
        .status(status)
        .content_type("text/html")
        .body(PROXY_PAGE)
}

/// A client on `mock` with the matrix's policy and timeout, and the manual clock (its
/// `ManualSleep` returns at once and records the waits asked for).
fn client(clock: &Clock, mock: &MockServer) -> Client {
    clock
        .builder(mock)
        .retry_policy(policy())
        .timeout(TIMEOUT)
        .build()
        .expect("client")
}

/// Requests that reached the faulted path.
///
/// Every answered or dropped request is in the mock's log. A request that timed out is not:
/// the client hung up during the delay, and the server drops a handler whose client went away.
/// But it used up one of the fault's `times`, so the uses left — counted by probing until the
/// path answers promptly — tell how many of them there were.
async fn attempts(mock: &MockServer, fault: &Fault) -> usize {
    let logged = requests_to(mock, &fault.path).await.len();
    if fault.delay_ms == 0 {
        return logged;
    }
    let times = fault.times.expect("a slow fault has a count") as usize;
    let probe = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .expect("probe client");
    let url = format!("{}/api/3.27{}", mock.uri(), fault.path);
    let mut left = 0;
    loop {
        match probe.get(&url).send().await {
            Err(error) if error.is_timeout() => left += 1,
            Ok(_) => break,
            Err(error) => panic!("probing {url}: {error}"),
        }
        assert!(left <= times, "the fault outlasted its count");
    }
    logged + (times - left)
}

/// Compares one row's results; returns what differs.
fn compare(
    row: &Row,
    outcome: Outcome,
    attempts: usize,
    sleeps: Vec<Duration>,
    sign_ins: Option<u64>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    if outcome != row.outcome {
        wrong.push(format!(
            "{}: outcome {outcome:?}, expected {:?}",
            row.name, row.outcome
        ));
    }
    if attempts != row.attempts {
        wrong.push(format!(
            "{}: {attempts} attempts, expected {}",
            row.name, row.attempts
        ));
    }
    let expected: Vec<Duration> = row
        .sleeps
        .iter()
        .map(|&ms| Duration::from_millis(ms))
        .collect();
    if sleeps != expected {
        wrong.push(format!(
            "{}: waits {sleeps:?}, expected {expected:?}",
            row.name
        ));
    }
    if let Some(sign_ins) = sign_ins {
        if sign_ins != row.sign_ins {
            wrong.push(format!(
                "{}: {sign_ins} sign-ins, expected {}",
                row.name, row.sign_ins
            ));
        }
    }
    wrong
}

/// Runs `Client::sign_in` against the row's fault.
async fn sign_in_row(row: Row) -> Vec<String> {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = client(&clock, &mock);
    client.api_version().await.expect("version negotiation");
    mock.inject_fault(row.fault.clone()).await;

    let Ok(result) = tokio::time::timeout(HANG, client.sign_in(&password(&mock))).await else {
        return vec![format!("{}: sign-in hung", row.name)];
    };
    let outcome = match result {
        Ok(_) => Outcome::SignedIn,
        Err(error) => outcome_of_error(&error),
    };
    let attempts = attempts(&mock, &row.fault).await;
    compare(&row, outcome, attempts, clock.sleep.requested(), None)
}

/// Runs `SessionManager::send(GET sessions/current)` against the row's fault.
async fn send_row(row: Row) -> Vec<String> {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = client(&clock, &mock);
    client.api_version().await.expect("version negotiation");
    let manager = SessionManager::new(client, Arc::new(password(&mock)));
    mock.inject_fault(row.fault.clone()).await;

    let url = format!("{}/api/3.27{CALL_PATH}", mock.uri());
    let call = manager.send(manager.client().http().get(url));
    let Ok(result) = tokio::time::timeout(HANG, call).await else {
        return vec![format!("{}: send hung", row.name)];
    };
    let outcome = match result {
        Ok(response) => Outcome::Answered(response.status().as_u16()),
        Err(error) => outcome_of_error(&error),
    };
    let attempts = attempts(&mock, &row.fault).await;
    let mut wrong = compare(
        &row,
        outcome,
        attempts,
        clock.sleep.requested(),
        Some(manager.sign_in_count()),
    );
    if row.fault.path != SIGN_IN_PATH {
        let logged = requests_to(&mock, SIGN_IN_PATH).await.len() as u64;
        if logged != row.sign_ins {
            wrong.push(format!(
                "{}: {logged} sign-ins in the mock's log, expected {}",
                row.name, row.sign_ins
            ));
        }
    }
    wrong
}

/// Runs every row concurrently (each has its own server and clock) and fails with the list
/// of every mismatch.
async fn run<F, Fut>(rows: Vec<Row>, run_row: F)
where
    F: Fn(Row) -> Fut,
    Fut: std::future::Future<Output = Vec<String>> + Send + 'static,
{
    let count = rows.len();
    let tasks: Vec<_> = rows.into_iter().map(|r| tokio::spawn(run_row(r))).collect();
    let mut wrong = Vec::new();
    for task in tasks {
        wrong.extend(task.await.expect("row task"));
    }
    assert!(
        wrong.is_empty(),
        "{} of {count} rows differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_fault_matrix() {
    use Outcome::*;
    let p = SIGN_IN_PATH;
    let mut rows = vec![
        row("500 is not retried", status(p, 500), Tableau(500), 1, &[]),
        row(
            "429 once, no Retry-After",
            status(p, 429).times(1),
            SignedIn,
            2,
            &BACKOFF[..1],
        ),
        row(
            "429 past max, no Retry-After",
            status(p, 429).times(PAST_MAX),
            Tableau(429),
            3,
            BACKOFF,
        ),
        row(
            "429 once, Retry-After: 1",
            status(p, 429).retry_after("1").times(1),
            SignedIn,
            2,
            &[1000],
        ),
        row(
            "429 past max, Retry-After: 1",
            status(p, 429).retry_after("1").times(PAST_MAX),
            Tableau(429),
            3,
            &[1000, 1000],
        ),
        row(
            "delay past the timeout, once",
            slow(p).times(1),
            SignedIn,
            2,
            &BACKOFF[..1],
        ),
        row(
            "delay past the timeout, past max",
            slow(p).times(PAST_MAX),
            Timeout,
            3,
            BACKOFF,
        ),
        row(
            "dropped connection, once",
            dropped(p).times(1),
            SignedIn,
            2,
            &BACKOFF[..1],
        ),
        row(
            "dropped connection, past max",
            dropped(p).times(PAST_MAX),
            Transport,
            3,
            BACKOFF,
        ),
        row(
            "200 with a well-formed body (control)",
            status(p, 200)
                .content_type("application/xml")
                .body(SIGN_IN_BODY),
            SignedIn,
            1,
            &[],
        ),
        row(
            "200 with a truncated body",
            status(p, 200)
                .content_type("application/xml")
                .body(SIGN_IN_BODY)
                .truncate_body_at(120),
            Unexpected(200),
            1,
            &[],
        ),
        row(
            "200 with an empty body",
            status(p, 200),
            Unexpected(200),
            1,
            &[],
        ),
        row(
            "500 with a truncated Tableau error",
            status(p, 500).truncate_body_at(40),
            Unexpected(500),
            1,
            &[],
        ),
        row(
            "503 with a truncated Tableau error, past max",
            status(p, 503).truncate_body_at(40).times(PAST_MAX),
            Unexpected(503),
            3,
            BACKOFF,
        ),
        row(
            "200 with an HTML page from a proxy",
            proxy_page(p, 200),
            Unexpected(200),
            1,
            &[],
        ),
        row(
            "401 with an HTML page from a proxy",
            proxy_page(p, 401),
            Unexpected(401),
            1,
            &[],
        ),
        row(
            "502 with an HTML page from a proxy, once",
            proxy_page(p, 502).times(1),
            SignedIn,
            2,
            &BACKOFF[..1],
        ),
        row(
            "502 with an HTML page from a proxy, past max",
            proxy_page(p, 502).times(PAST_MAX),
            Unexpected(502),
            3,
            BACKOFF,
        ),
    ];
    for code in [502, 503, 504] {
        rows.push(row(
            format!("{code} once"),
            status(p, code).times(1),
            SignedIn,
            2,
            &BACKOFF[..1],
        ));
        rows.push(row(
            format!("{code} past max"),
            status(p, code).times(PAST_MAX),
            Tableau(code),
            3,
            BACKOFF,
        ));
    }
    run(rows, sign_in_row).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticated_call_fault_matrix() {
    use Outcome::*;
    let c = CALL_PATH;
    let s = SIGN_IN_PATH;
    let mut rows = vec![
        row(
            "500 is returned as it is",
            status(c, 500),
            Answered(500),
            1,
            &[],
        ),
        row(
            "429 once, Retry-After: 1",
            status(c, 429).retry_after("1").times(1),
            Answered(200),
            2,
            &[1000],
        ),
        row(
            "429 past max, no Retry-After",
            status(c, 429).times(PAST_MAX),
            Answered(429),
            3,
            BACKOFF,
        ),
        row(
            "delay past the timeout, once",
            slow(c).times(1),
            Answered(200),
            2,
            &BACKOFF[..1],
        ),
        row(
            "delay past the timeout, past max",
            slow(c).times(PAST_MAX),
            Timeout,
            3,
            BACKOFF,
        ),
        row(
            "dropped connection, once",
            dropped(c).times(1),
            Answered(200),
            2,
            &BACKOFF[..1],
        ),
        row(
            "dropped connection, past max",
            dropped(c).times(PAST_MAX),
            Transport,
            3,
            BACKOFF,
        ),
        row(
            "502 with an HTML page from a proxy, past max: no re-sign-in",
            proxy_page(c, 502).times(PAST_MAX),
            Answered(502),
            3,
            BACKOFF,
        ),
        // A 401 that is not a Tableau document still means the token was refused: one
        // re-sign-in, one resend, and no loop when the resend is refused too.
        row(
            "401 with an HTML page from a proxy, once",
            proxy_page(c, 401).times(1),
            Answered(200),
            2,
            &[],
        )
        .sign_ins(2),
        row(
            "401 with an HTML page from a proxy, always",
            proxy_page(c, 401),
            Unexpected(401),
            2,
            &[],
        )
        .sign_ins(2),
        row(
            "401 with a truncated Tableau error, always",
            status(c, 401).truncate_body_at(40),
            Unexpected(401),
            2,
            &[],
        )
        .sign_ins(2),
        // The manager's own sign-in meets the fault: the caller gets the sign-in's error.
        row(
            "sign-in: delay past the timeout, past max",
            slow(s).times(PAST_MAX),
            Timeout,
            3,
            BACKOFF,
        ),
        row(
            "sign-in: dropped connection, past max",
            dropped(s).times(PAST_MAX),
            Transport,
            3,
            BACKOFF,
        ),
        row(
            "sign-in: 200 with a truncated body",
            status(s, 200)
                .content_type("application/xml")
                .body(SIGN_IN_BODY)
                .truncate_body_at(120),
            Unexpected(200),
            1,
            &[],
        ),
        row(
            "sign-in: 503 past max",
            status(s, 503).times(PAST_MAX),
            Tableau(503),
            3,
            BACKOFF,
        ),
    ];
    for code in [502, 503, 504] {
        rows.push(row(
            format!("{code} once"),
            status(c, code).times(1),
            Answered(200),
            2,
            &BACKOFF[..1],
        ));
        rows.push(row(
            format!("{code} past max"),
            status(c, code).times(PAST_MAX),
            Answered(code),
            3,
            BACKOFF,
        ));
    }
    run(rows, send_row).await;
}
