//! The binary's contract (docs/mock-server.md): the first stdout line, the credentials after
//! it, logs on stderr, graceful shutdown on SIGTERM, and that each flag reaches the server
//! (`--session-idle-minutes`, `--request-log`, `--max-sessions`, a wildcard `--bind`). Raw
//! HTTP/1.1 over loopback for the REST surface; the control calls go through `ControlClient`,
//! and the virtual clock moves through `/_mock/clock/advance`, never by sleeping.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tableau_mock_server::ControlClient;

const BIN: &str = env!("CARGO_BIN_EXE_tableau-mock-server");

/// docs/mock-server.md ("As a binary"): the server stops within 5 seconds of SIGINT/SIGTERM. The hang
/// detector waits exactly that long; it is the contract's bound, not a benchmark.
const SHUTDOWN_BOUND: Duration = Duration::from_secs(5);

/// A running binary, killed (by its own pid) when dropped, so a failing test leaves nothing.
struct Running {
    child: Child,
    port: u16,
    stdout: BufReader<ChildStdout>,
}

impl Running {
    /// Starts the binary with `args` (stderr discarded) and reads the first stdout line, which
    /// must be `tableau-mock-server listening on http://127.0.0.1:PORT`.
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let port = first
            .strip_suffix('\n')
            .and_then(|line| {
                line.strip_prefix("tableau-mock-server listening on http://127.0.0.1:")
            })
            .and_then(|port| port.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        assert_ne!(port, 0, "the real port, not 0");
        Self {
            child,
            port,
            stdout,
        }
    }

    /// A PAT sign-in with the printed default PAT of a `--flavor cloud` binary, on
    /// `analytics`; the token.
    fn sign_in_cloud(&mut self) -> String {
        let credentials = read_credentials(&mut self.stdout);
        let secret = credentials
            .iter()
            .find_map(|line| line.strip_prefix("  PAT secret:        "))
            .expect("a PAT secret line")
            .to_owned();
        let answer = self.request(
            "POST",
            "/api/3.27/auth/signin",
            &[("content-type", "application/xml")],
            &format!(
                r#"<tsRequest><credentials personalAccessTokenName="admin-pat" personalAccessTokenSecret="{secret}"><site contentUrl="analytics"/></credentials></tsRequest>"#
            ),
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        let start = answer.body.find(" token=\"").expect("a token") + 8;
        let end = answer.body[start..].find('"').unwrap() + start;
        answer.body[start..end].to_owned()
    }

    /// One request on its own connection (`Connection: close`); returns the status, the
    /// header block (lower-cased) and the body.
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Raw {
        raw_request(self.port, method, path, headers, body)
    }

    /// The binary's control API.
    fn control(&self) -> ControlClient {
        ControlClient::new(&format!("http://127.0.0.1:{}", self.port))
    }

    fn advance_clock(&self, seconds: u64) {
        let clock = block_on(self.control().advance_clock(Duration::from_secs(seconds)));
        assert!(clock.is_ok(), "{clock:?}");
    }

    /// A password sign-in as the default data set's `admin` on the Default site; the token.
    fn sign_in(&self) -> String {
        let answer = self.request(
            "POST",
            "/api/3.27/auth/signin",
            &[("content-type", "application/xml")],
            r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#,
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        let start = answer.body.find(" token=\"").expect("a token") + 8;
        let end = answer.body[start..].find('"').unwrap() + start;
        answer.body[start..end].to_owned()
    }

    /// `GET sessions/current` with `token`: the status and the Tableau error code, if any.
    fn current(&self, token: &str) -> (u16, Option<String>) {
        let answer = self.request(
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", token), ("accept", "application/json")],
            "",
        );
        let code = serde_json::from_str::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
        (answer.status, code)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one control call to completion (the tests here are synchronous).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

struct Raw {
    status: u16,
    head: String,
    body: String,
}

fn raw_request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Raw {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {answer:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head:?}"));
    Raw {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

#[test]
fn first_stdout_line_names_the_url_and_sigterm_stops_it() {
    let seed = std::env::temp_dir().join(format!("mock-seed-{}.toml", std::process::id()));
    std::fs::write(
        &seed,
        "[[users]]\nsite = \"\"\nname = \"ana\"\npassword = \"pw\"\n[[tokens]]\nsite = \"\"\nuser = \"ana\"\nname = \"ci\"\nsecret = \"fixed-secret\"\n",
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0", "--log-format", "json", "--seed"])
        .arg(&seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim_end()
        .strip_prefix("tableau-mock-server listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
    let port: u16 = url.parse().unwrap();
    assert_ne!(port, 0);

    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(r#"{"status":"ok"}"#), "{answer}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait());
    });
    let exit = receiver
        .recv_timeout(SHUTDOWN_BOUND)
        .expect("exited within the contract's 5 s of SIGTERM")
        .unwrap();
    assert!(exit.success(), "{exit:?}");

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("ana"), "{rest}");
    assert!(rest.contains("fixed-secret"), "{rest}");
    let _ = std::fs::remove_file(&seed);
}

#[test]
fn logs_are_json_on_stderr_and_invalid_flags_exit_2() {
    let output = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0", "--api-version", "three"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("three"));

    let output = Command::new(BIN)
        .args(["--log-format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "clap refuses unknown values");

    let mut child = Command::new(BIN)
        .args([
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--control-token",
            "tok",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("tableau-mock-server listening on http://127.0.0.1:"));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    let first_log = stderr.lines().next().expect("a start-up log line");
    let parsed: serde_json::Value = serde_json::from_str(first_log).unwrap();
    assert_eq!(parsed["fields"]["message"], "mock server started");
    assert!(
        !stderr.contains("\"tok\""),
        "the control token is not logged"
    );
}

/// `--session-idle-minutes 10`: still valid 590 s after the last use (a use slides it), gone
/// 601 s after (401002), far below the 240-minute default. The real time that passes during the
/// test only adds to the idle time, so the first check has 10 s of slack and the second none
/// needed.
#[test]
fn session_idle_minutes_sets_the_idle_limit() {
    let mock = Running::start(&["--bind", "127.0.0.1:0", "--session-idle-minutes", "10"]);
    let token = mock.sign_in();
    mock.advance_clock(590);
    assert_eq!(mock.current(&token), (200, None), "just under the limit");
    mock.advance_clock(601);
    assert_eq!(
        mock.current(&token),
        (401, Some("401002".to_owned())),
        "idle past 10 minutes"
    );
    let fresh = mock.sign_in();
    assert_eq!(
        mock.current(&fresh).0,
        200,
        "signing in again is the remedy"
    );
}

/// `--request-log 3` keeps only the last three requests, oldest first; `--request-log 0` keeps
/// none.
#[test]
fn request_log_keeps_the_last_n() {
    let mock = Running::start(&["--bind", "127.0.0.1:0", "--request-log", "3"]);
    for minor in 4..=8 {
        let answer = mock.request("GET", &format!("/api/2.{minor}/serverinfo"), &[], "");
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let log = block_on(mock.control().requests()).unwrap();
    let paths: Vec<&str> = log.iter().map(|entry| entry.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/2.6/serverinfo",
            "/api/2.7/serverinfo",
            "/api/2.8/serverinfo"
        ]
    );

    let off = Running::start(&["--bind", "127.0.0.1:0", "--request-log", "0"]);
    assert_eq!(
        off.request("GET", "/api/3.27/serverinfo", &[], "").status,
        200
    );
    let log = block_on(off.control().requests()).unwrap();
    assert!(log.is_empty(), "{log:?}");
}

/// `--max-sessions 2`: a third session evicts the least recently used one (not the oldest:
/// `a` was created first but used since), whose token then gets 401002.
#[test]
fn max_sessions_evicts_the_least_recently_used() {
    let mock = Running::start(&["--bind", "127.0.0.1:0", "--max-sessions", "2"]);
    let a = mock.sign_in();
    let b = mock.sign_in();
    assert_eq!(mock.current(&a).0, 200);
    let c = mock.sign_in();
    assert_eq!(mock.current(&b), (401, Some("401002".to_owned())));
    assert_eq!(mock.current(&a).0, 200);
    assert_eq!(mock.current(&c).0, 200);

    // On the wire, sign-out's 204 carries neither a body nor Content-Type/Content-Length.
    let out = mock.request(
        "POST",
        "/api/3.27/auth/signout",
        &[("x-tableau-auth", &c)],
        "",
    );
    assert_eq!(out.status, 204, "{}", out.body);
    assert!(out.body.is_empty(), "{:?}", out.body);
    assert!(!out.head.contains("\r\ncontent-type:"), "{}", out.head);
    assert!(!out.head.contains("\r\ncontent-length:"), "{}", out.head);
}

/// `--bind 0.0.0.0:0`: the first line names `127.0.0.1` (docs/mock-server.md: a wildcard bind
/// prints 127.0.0.1) with the real port, and that URL answers.
#[test]
fn a_wildcard_bind_prints_a_connectable_loopback_url() {
    let mock = Running::start(&["--bind", "0.0.0.0:0"]);
    let health = mock.request("GET", "/_mock/health", &[], "");
    assert_eq!(health.status, 200);
    assert_eq!(health.body, r#"{"status":"ok"}"#);
}

/// Reads stdout lines until the one that starts with `  PAT secret:` (the last credentials
/// line), returning every line read.
fn read_credentials(stdout: &mut BufReader<ChildStdout>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).unwrap();
        assert_ne!(read, 0, "stdout ended early: {lines:?}");
        let done = line.starts_with("  PAT secret:");
        lines.push(line.trim_end().to_owned());
        if done {
            return lines;
        }
    }
}

/// `--flavor cloud --front-door ADDR`: the second stdout line names the front door, which
/// redirects (301) to the same path and query on the main address; the credentials are the
/// cloud data set's (site `analytics`, `admin@example.com`, PAT `admin-pat`, no password line);
/// a password sign-in is refused and the PAT signs in.
#[test]
fn flavor_cloud_and_front_door_print_their_lines() {
    let mut child = Command::new(BIN)
        .args([
            "--bind",
            "127.0.0.1:0",
            "--flavor",
            "cloud",
            "--front-door",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let mut second = String::new();
    stdout.read_line(&mut second).unwrap();
    let credentials = read_credentials(&mut stdout);
    let _ = child.kill();
    let _ = child.wait();
    let port = |line: &str, prefix: &str| -> u16 {
        line.trim_end()
            .strip_prefix(prefix)
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected line: {line:?}"))
    };
    let main = port(&first, "tableau-mock-server listening on http://127.0.0.1:");
    let front = port(
        &second,
        "tableau-mock-server front door on http://127.0.0.1:",
    );
    assert_ne!(front, 0);
    assert_ne!(front, main);
    assert_eq!(credentials[0], "default credentials:");
    assert_eq!(credentials[1], r#"  site (contentUrl): "analytics""#);
    assert_eq!(credentials[2], "  user name:         admin@example.com");
    assert_eq!(credentials[3], "  PAT name:          admin-pat");
    assert!(
        !credentials.iter().any(|line| line.contains("password")),
        "no password line on Cloud: {credentials:?}"
    );
    assert_eq!(credentials.len(), 5, "{credentials:?}");
}

#[test]
fn the_front_door_of_the_binary_redirects_and_cloud_refuses_passwords() {
    let mut child = Command::new(BIN)
        .args([
            "--bind",
            "127.0.0.1:0",
            "--flavor",
            "cloud",
            "--front-door",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = [String::new(), String::new()];
    for line in &mut lines {
        stdout.read_line(line).unwrap();
    }
    let credentials = read_credentials(&mut stdout);
    let port_of =
        |line: &str| -> u16 { line.trim_end().rsplit(':').next().unwrap().parse().unwrap() };
    let (main, front) = (port_of(&lines[0]), port_of(&lines[1]));
    let secret = credentials[4]
        .strip_prefix("  PAT secret:        ")
        .unwrap()
        .to_owned();

    let redirect = raw_request(front, "POST", "/api/3.27/auth/signin?x=1", &[], "");
    assert_eq!(redirect.status, 301);
    assert!(
        redirect.head.contains(&format!(
            "\r\nlocation: http://127.0.0.1:{main}/api/3.27/auth/signin?x=1"
        )),
        "{}",
        redirect.head
    );
    let xml = [("content-type", "application/xml")];
    let password = raw_request(
        main,
        "POST",
        "/api/3.27/auth/signin",
        &xml,
        r#"<tsRequest><credentials name="admin@example.com" password="admin"><site contentUrl="analytics"/></credentials></tsRequest>"#,
    );
    assert_eq!(password.status, 401);
    assert!(password.body.contains("401001"), "{}", password.body);
    let pat = raw_request(
        main,
        "POST",
        "/api/3.27/auth/signin",
        &xml,
        &format!(
            r#"<tsRequest><credentials personalAccessTokenName="admin-pat" personalAccessTokenSecret="{secret}"><site contentUrl="analytics"/></credentials></tsRequest>"#
        ),
    );
    assert_eq!(pat.status, 200, "{}", pat.body);
    assert!(
        pat.body.contains("estimatedTimeToExpiration=\"179:23:5")
            || pat.body.contains("estimatedTimeToExpiration=\"180:00:00"),
        "Tableau Cloud's 180-day PAT: {}",
        pat.body
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// `--flavor cloud` idles sessions out after 120 minutes (no `--session-idle-minutes`); the
/// flag still overrides it.
#[test]
fn flavor_cloud_sessions_idle_out_after_120_minutes() {
    let mut mock = Running::start(&["--bind", "127.0.0.1:0", "--flavor", "cloud"]);
    let token = mock.sign_in_cloud();
    mock.advance_clock(119 * 60);
    assert_eq!(mock.current(&token), (200, None), "119 idle minutes");
    mock.advance_clock(121 * 60);
    assert_eq!(
        mock.current(&token),
        (401, Some("401002".to_owned())),
        "121 idle minutes"
    );
    let mut longer = Running::start(&[
        "--bind",
        "127.0.0.1:0",
        "--flavor",
        "cloud",
        "--session-idle-minutes",
        "240",
    ]);
    let token = longer.sign_in_cloud();
    longer.advance_clock(200 * 60);
    assert_eq!(longer.current(&token), (200, None), "the flag wins");
}
