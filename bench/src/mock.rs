//! The mock server's rows: throughput and p99 against a bare axum handler, sign-in with a
//! full session table, resident memory of 100,000 live sessions, and start-up time. All
//! against the release binary, on loopback.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::process::{Server, resident_bytes};
use crate::report::{Row, Verdict, seconds};
use crate::wrk::{self, Load, WrkResult, lua_string};

pub(crate) const MOCK_PREFIX: &str = "tableau-mock-server listening on ";
pub(crate) const BARE_PREFIX: &str = "bare server listening on ";
/// The lines the mock prints after its URL (a header and five credentials).
pub(crate) const MOCK_EXTRA_LINES: usize = 6;
const SIGN_IN_PATH: &str = "/api/3.27/auth/signin";
const CURRENT_PATH: &str = "/api/3.27/sessions/current";

/// Settings of the mock rows.
#[derive(Debug, Clone)]
pub struct MockBench {
    /// The release `tableau-mock-server` binary.
    pub mock_bin: PathBuf,
    /// Extra flags for the mock (experiments only).
    pub mock_args: Vec<String>,
    /// This binary, for the bare server.
    pub self_bin: PathBuf,
    /// wrk settings.
    pub load: Load,
    /// How many password sign-ins the memory row makes.
    pub sessions: usize,
    /// Concurrency of those sign-ins.
    pub concurrency: usize,
    /// Start-up runs.
    pub startup_runs: usize,
}

/// XML-escapes an attribute value.
fn attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn password_body(user: &str, password: &str) -> String {
    format!(
        r#"<tsRequest><credentials name="{}" password="{}"><site contentUrl=""/></credentials></tsRequest>"#,
        attr(user),
        attr(password)
    )
}

fn pat_body(name: &str, secret: &str) -> String {
    format!(
        r#"<tsRequest><credentials personalAccessTokenName="{}" personalAccessTokenSecret="{}"><site contentUrl=""/></credentials></tsRequest>"#,
        attr(name),
        attr(secret)
    )
}

/// The token in a sign-in answer (`credentials/@token`), without a full XML parser.
pub(crate) fn token_of(answer: &str) -> Option<String> {
    let start = answer.find("token=\"")? + "token=\"".len();
    let end = answer[start..].find('"')? + start;
    Some(answer[start..end].replace("&amp;", "&"))
}

/// One answer's status, size and content type.
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

pub(crate) async fn call(request: reqwest::RequestBuilder) -> Result<Answer, String> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/xml")
        .to_owned();
    let body = response
        .text()
        .await
        .map_err(|e| format!("cannot read an answer: {e}"))?;
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

pub(crate) async fn sign_in(
    http: &reqwest::Client,
    url: &str,
    body: &str,
) -> Result<Answer, String> {
    let answer = call(
        http.post(format!("{url}{SIGN_IN_PATH}"))
            .header("Content-Type", "application/xml")
            .body(body.to_owned()),
    )
    .await?;
    if answer.status != 200 {
        return Err(format!(
            "sign-in answered {}: {}",
            answer.status, answer.body
        ));
    }
    Ok(answer)
}

pub(crate) fn write_script(dir: &Path, name: &str, lua: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    std::fs::write(&path, lua).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// A wrk script that POSTs `body` as XML (a sign-in).
fn post_xml_script(dir: &Path, name: &str, body: &str) -> Result<PathBuf, String> {
    write_script(
        dir,
        name,
        &format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/xml\"\nwrk.body = {}\n",
            lua_string(body)
        ),
    )
}

pub(crate) fn describe(result: &WrkResult) -> String {
    let mut text = format!(
        "{:.0} req/s, p99 {}",
        result.requests_per_sec,
        seconds(result.p99_seconds)
    );
    if result.non_2xx > 0 || result.socket_errors > 0 {
        text.push_str(&format!(
            " ({} non-2xx, {} socket errors of {})",
            result.non_2xx, result.socket_errors, result.requests
        ));
    }
    text
}

pub(crate) fn clean(result: &WrkResult) -> bool {
    result.non_2xx == 0 && result.socket_errors == 0 && result.requests > 0
}

/// Throughput rows: the mock's authenticated `GET sessions/current` and PAT sign-in, each
/// against the bare handler, one server loaded at a time.
pub fn throughput(
    bench: &MockBench,
    runtime: &tokio::runtime::Runtime,
    scratch: &Path,
) -> Result<Vec<Row>, String> {
    let load = bench.load;
    let mock = Server::start(
        &bench.mock_bin,
        &mock_args(bench),
        MOCK_PREFIX,
        MOCK_EXTRA_LINES,
    )?;
    let pat_name = mock
        .field("PAT name")
        .ok_or("the mock printed no PAT name")?;
    let pat_secret = mock
        .field("PAT secret")
        .ok_or("the mock printed no PAT secret")?;
    let user = mock.field("user name").unwrap_or_else(|| "admin".into());
    let password = mock.field("password").unwrap_or_else(|| "admin".into());
    let pat_request = pat_body(&pat_name, &pat_secret);

    // Sign in with the password (a session PAT sign-ins cannot supersede), and look at the
    // sizes of both answers so the bare handler returns the same number of bytes.
    let (token, get_answer, post_answer) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let signed_in = sign_in(&http, &mock.url, &password_body(&user, &password)).await?;
        let token = token_of(&signed_in.body).ok_or("no token in the sign-in answer")?;
        let current = call(
            http.get(format!("{}{CURRENT_PATH}", mock.url))
                .header("X-Tableau-Auth", &token),
        )
        .await?;
        if current.status != 200 {
            return Err(format!("sessions/current answered {}", current.status));
        }
        let pat = sign_in(&http, &mock.url, &pat_request).await?;
        Ok::<_, String>((token, current, pat))
    })?;

    let get_script = write_script(
        scratch,
        "get.lua",
        &format!(
            "wrk.method = \"GET\"\nwrk.headers[\"X-Tableau-Auth\"] = {}\n",
            lua_string(&token)
        ),
    )?;
    let post_script = post_xml_script(scratch, "post.lua", &pat_request)?;

    eprintln!("  wrk: mock GET sessions/current");
    let mock_get = wrk::run(load, &get_script, &format!("{}{CURRENT_PATH}", mock.url))?;
    eprintln!("  wrk: mock PAT sign-in");
    let mock_post = wrk::run(load, &post_script, &format!("{}{SIGN_IN_PATH}", mock.url))?;
    drop(mock);

    let get_bytes = get_answer.body.len().to_string();
    let post_bytes = post_answer.body.len().to_string();
    let bare = Server::start(
        &bench.self_bin,
        &[
            "bare-server",
            "--bind",
            "127.0.0.1:0",
            "--get-bytes",
            &get_bytes,
            "--post-bytes",
            &post_bytes,
            "--content-type",
            &get_answer.content_type,
        ],
        BARE_PREFIX,
        0,
    )?;
    eprintln!("  wrk: bare GET");
    let bare_get = wrk::run(load, &get_script, &format!("{}{CURRENT_PATH}", bare.url))?;
    eprintln!("  wrk: bare POST");
    let bare_post = wrk::run(load, &post_script, &format!("{}{SIGN_IN_PATH}", bare.url))?;
    drop(bare);

    let mut rows = Vec::new();
    let pairs = [
        (
            "GET sessions/current",
            &mock_get,
            &bare_get,
            // Issue 16 (was 0.7 in issue 4).
            0.9,
            get_answer.body.len(),
        ),
        (
            "PAT sign-in",
            &mock_post,
            &bare_post,
            // Issue 16 (was 0.5 in issue 4).
            0.7,
            post_answer.body.len(),
        ),
    ];
    for (name, mock_result, bare_result, target, bytes) in pairs {
        rows.push(Row::info(
            format!("mock {name} ({bytes} B answer)"),
            describe(mock_result),
        ));
        rows.push(Row::info(
            format!("bare axum handler, same size ({name})"),
            describe(bare_result),
        ));
        let ratio = mock_result.requests_per_sec / bare_result.requests_per_sec;
        let p99_ratio = mock_result.p99_seconds / bare_result.p99_seconds;
        rows.push(Row::new(
            format!("{name}: mock / bare requests/s"),
            format!("{ratio:.2}× (p99 {p99_ratio:.2}× the bare one)"),
            format!("≥ {target}×"),
            Verdict::from_bool(ratio >= target && clean(mock_result) && clean(bare_result)),
        ));
    }
    Ok(rows)
}

/// The `--max-sessions` of the at-cap row: small enough that the warm-up alone fills it.
const SMALL_CAP: &str = "20000";

/// Password sign-ins to a mock whose session table is full (every sign-in evicts the least
/// recently used session) against the same load on a mock far below its cap. Password
/// sign-ins do not supersede each other, so every one adds a session.
pub fn at_cap(bench: &MockBench, scratch: &Path) -> Result<Vec<Row>, String> {
    let script = post_xml_script(scratch, "password.lua", &password_body("admin", "admin"))?;
    let mut results = Vec::new();
    for cap in [None, Some(SMALL_CAP)] {
        let mut args = mock_args(bench);
        if let Some(cap) = cap {
            args.extend(["--max-sessions", cap]);
        }
        let mock = Server::start(&bench.mock_bin, &args, MOCK_PREFIX, MOCK_EXTRA_LINES)?;
        eprintln!(
            "  wrk: password sign-in, --max-sessions {}",
            cap.unwrap_or("default")
        );
        results.push(wrk::run(
            bench.load,
            &script,
            &format!("{}{SIGN_IN_PATH}", mock.url),
        )?);
    }
    let (below, full) = (&results[0], &results[1]);
    let ratio = full.requests_per_sec / below.requests_per_sec;
    Ok(vec![
        Row::info(
            "password sign-in, far below the session cap",
            describe(below),
        ),
        Row::info(
            format!("password sign-in, table full (--max-sessions {SMALL_CAP}): each evicts one"),
            describe(full),
        ),
        Row::new(
            "sign-in at the cap / below it",
            format!("{ratio:.2}×"),
            "≥ 0.5× (ours)",
            Verdict::from_bool(ratio >= 0.5 && clean(below) && clean(full)),
        ),
    ])
}

/// Resident memory added by `bench.sessions` live password sessions.
pub fn memory(bench: &MockBench, runtime: &tokio::runtime::Runtime) -> Result<Vec<Row>, String> {
    let mock = Server::start(
        &bench.mock_bin,
        &mock_args(bench),
        MOCK_PREFIX,
        MOCK_EXTRA_LINES,
    )?;
    let user = mock.field("user name").unwrap_or_else(|| "admin".into());
    let password = mock.field("password").unwrap_or_else(|| "admin".into());
    let body = Arc::new(password_body(&user, &password));
    let url = Arc::new(mock.url.clone());
    let sessions = bench.sessions;
    let concurrency = bench.concurrency.max(1);

    let (before, after, first_still_valid, elapsed) = runtime.block_on(async {
        let http = reqwest::Client::new();
        // Warm up: fill the bounded request log (10,000 by default) and open the
        // connections, so the baseline already holds everything that is not a session.
        run_concurrently(concurrency, 10_000, {
            let http = http.clone();
            let url = Arc::clone(&url);
            move |_| {
                let http = http.clone();
                let url = Arc::clone(&url);
                async move {
                    let answer = call(http.get(format!("{url}/api/3.27/serverinfo"))).await?;
                    if answer.status == 200 {
                        Ok(None)
                    } else {
                        Err(format!("serverinfo answered {}", answer.status))
                    }
                }
            }
        })
        .await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = resident_bytes(mock.pid())?;
        let started = Instant::now();
        let tokens = run_concurrently(concurrency, sessions, {
            let http = http.clone();
            let url = Arc::clone(&url);
            let body = Arc::clone(&body);
            move |i| {
                let http = http.clone();
                let url = Arc::clone(&url);
                let body = Arc::clone(&body);
                async move {
                    let answer = sign_in(&http, &url, &body).await?;
                    // Keep the very first token, to check it is still live at the end.
                    Ok((i == 0).then(|| token_of(&answer.body)).flatten())
                }
            }
        })
        .await?;
        let elapsed = started.elapsed();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = resident_bytes(mock.pid())?;
        let first = tokens.into_iter().next().ok_or("no first token")?;
        let check = call(
            http.get(format!("{url}{CURRENT_PATH}"))
                .header("X-Tableau-Auth", first),
        )
        .await?;
        Ok::<_, String>((before, after, check.status == 200, elapsed))
    })?;
    drop(mock);

    let added = after.saturating_sub(before) as f64 / 1e6;
    let rate = sessions as f64 / elapsed.as_secs_f64();
    Ok(vec![
        Row::new(
            format!("RSS added by {sessions} live sessions"),
            format!(
                "{added:.1} MB ({:.1} → {:.1} MB; {:.0} B/session; first session still live: {})",
                before as f64 / 1e6,
                after as f64 / 1e6,
                after.saturating_sub(before) as f64 / sessions.max(1) as f64,
                if first_still_valid { "yes" } else { "NO" }
            ),
            "< 100 MB",
            Verdict::from_bool(added < 100.0 && first_still_valid),
        ),
        Row::info(
            format!("password sign-ins, {concurrency} concurrent (reqwest)"),
            format!("{rate:.0} sign-ins/s"),
        ),
    ])
}

/// Runs `count` jobs, at most `concurrency` at a time; returns the `Some` values in job order.
async fn run_concurrently<F, Fut>(
    concurrency: usize,
    count: usize,
    job: F,
) -> Result<Vec<String>, String>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<Option<String>, String>> + Send + 'static,
{
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let job = job.clone();
        tasks.push(tokio::spawn(async move {
            let mut found = Vec::new();
            let mut i = worker;
            while i < count {
                if let Some(value) = job(i).await? {
                    found.push((i, value));
                }
                i += concurrency;
            }
            Ok::<_, String>(found)
        }));
    }
    let mut found = Vec::new();
    for task in tasks {
        found.extend(task.await.map_err(|e| format!("a worker failed: {e}"))??);
    }
    found.sort_by_key(|(i, _)| *i);
    Ok(found.into_iter().map(|(_, value)| value).collect())
}

/// `--bind 127.0.0.1:0` and the experiment flags.
pub(crate) fn mock_args(bench: &MockBench) -> Vec<&str> {
    let mut args = vec!["--bind", "127.0.0.1:0"];
    args.extend(bench.mock_args.iter().map(String::as_str));
    args
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// From exec to the first successful TCP connect, median of `runs`.
pub fn startup(bench: &MockBench) -> Result<Vec<Row>, String> {
    const GIVE_UP: Duration = Duration::from_secs(5);
    let mut times = Vec::with_capacity(bench.startup_runs);
    for _ in 0..bench.startup_runs {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
        let bind = address.to_string();
        let started = Instant::now();
        let mut child = Command::new(&bench.mock_bin)
            .args(["--bind", &bind])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bench.mock_bin.display()))?;
        let connected = loop {
            if TcpStream::connect(address).is_ok() {
                break Some(started.elapsed());
            }
            if started.elapsed() > GIVE_UP {
                break None;
            }
        };
        let _ = child.kill();
        let _ = child.wait();
        times.push(
            connected.ok_or_else(|| format!("the mock did not accept on {bind} within 5 s"))?,
        );
    }
    times.sort();
    let median = times
        .get(times.len() / 2)
        .copied()
        .ok_or("no start-up runs")?;
    let (min, max) = (times[0], times[times.len() - 1]);
    Ok(vec![Row::new(
        format!(
            "start-up: exec → first TCP connect (median of {})",
            times.len()
        ),
        format!(
            "{} (min {}, max {})",
            seconds(median.as_secs_f64()),
            seconds(min.as_secs_f64()),
            seconds(max.as_secs_f64())
        ),
        "< 50 ms",
        Verdict::from_bool(median < Duration::from_millis(50)),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token() {
        let answer = r#"<tsResponse><credentials token="a|b&amp;c|d"><site id="s"/></credentials></tsResponse>"#;
        assert_eq!(token_of(answer).as_deref(), Some("a|b&c|d"));
        assert!(pat_body("n", "s\"<").contains("s&quot;&lt;"));
    }
}
