//! Real processes for the command's tests: the mock binary, `redis-server`, and
//! `tableau-auth` runs with a clean environment. Every child is killed by its own pid when
//! dropped; waits are on process exit and on log lines, never on sleeps.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tableau_mock_server::{ControlClient, RecordedRequest};

/// The command under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tableau-auth");

/// A guard against a hang, not a synchronisation: a log line that never comes fails the test
/// after this long instead of blocking CI forever.
const HANG: Duration = Duration::from_secs(120);

/// A small runtime for the control API's async client.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The mock binary: `TABLEAU_MOCK_BIN`, else the one next to the command (the workspace's
/// `cargo test` builds it for the mock's own tests), else built now with cargo.
pub fn mock_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TABLEAU_MOCK_BIN") {
        return PathBuf::from(path);
    }
    let sibling = Path::new(BIN).parent().unwrap().join(format!(
        "tableau-mock-server{}",
        std::env::consts::EXE_SUFFIX
    ));
    if sibling.exists() {
        return sibling;
    }
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "-p",
            "tableau-mock-server",
            "--features",
            "cli",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo build of the mock binary");
    assert!(
        output.status.success(),
        "cargo build of the mock binary failed"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact"
                && message["target"]["name"] == "tableau-mock-server"
        })
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("the mock binary's path in cargo's output")
}

/// The mock binary, running on a free loopback port.
pub struct Mock {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub pat_name: String,
    pub pat_secret: String,
    pub control: ControlClient,
}

impl Mock {
    pub fn start() -> Mock {
        let mut child = Command::new(mock_binary())
            .args(["--bind", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the mock binary");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let mut lines = Vec::new();
        // The URL line, the "default credentials" heading and five credential lines.
        for _ in 0..7 {
            line.clear();
            stdout.read_line(&mut line).unwrap();
            lines.push(line.trim_end().to_owned());
        }
        let url = lines[0]
            .strip_prefix("tableau-mock-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {:?}", lines[0]))
            .to_owned();
        let field = |label: &str| {
            lines
                .iter()
                .find_map(|line| line.trim().strip_prefix(label))
                .map(|value| value.trim().to_owned())
                .unwrap_or_else(|| panic!("no {label} in {lines:?}"))
        };
        let pat_name = field("PAT name:");
        let pat_secret = field("PAT secret:");
        // Keep reading stdout so the mock never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let control = ControlClient::new(&url);
        Mock {
            child,
            url,
            pat_name,
            pat_secret,
            control,
        }
    }

    /// The recorded requests whose path ends with `suffix`.
    pub fn requests_to(&self, suffix: &str) -> Vec<RecordedRequest> {
        block_on(self.control.requests())
            .unwrap()
            .into_iter()
            .filter(|request| request.path.to_ascii_lowercase().ends_with(suffix))
            .collect()
    }

    /// Successful sign-ins so far.
    pub fn sign_ins(&self) -> usize {
        self.requests_to("/auth/signin")
            .iter()
            .filter(|request| request.status == Some(200))
            .count()
    }

    /// Moves the mock's clock past the default idle limit (240 minutes).
    pub fn pass_idle_limit(&self) {
        block_on(self.control.advance_clock(Duration::from_secs(241 * 60))).unwrap();
    }

    /// `GET sessions/current` with `token`: the status.
    pub fn check(&self, token: &str) -> u16 {
        block_on(async {
            reqwest::Client::new()
                .get(format!("{}/api/3.27/sessions/current", self.url))
                .header("X-Tableau-Auth", token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    }

    /// The environment of a `tableau-auth` run with the default PAT and `store`.
    pub fn env(&self, store: &str) -> Vec<(String, String)> {
        vec![
            ("TABLEAU_SERVER_URL".into(), self.url.clone()),
            ("TABLEAU_PAT_NAME".into(), self.pat_name.clone()),
            ("TABLEAU_PAT_SECRET".into(), self.pat_secret.clone()),
            ("TABLEAU_SESSION_STORE".into(), store.to_owned()),
        ]
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `tableau-auth` command with exactly `env` (plus `RUST_LOG` when given): the caller's own
/// `TABLEAU_*` variables never leak in.
pub fn command(args: &[&str], env: &[(String, String)]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).env_clear().stdin(Stdio::null());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Runs `tableau-auth args…` to completion.
pub fn run(args: &[&str], env: &[(String, String)]) -> Output {
    command(args, env).output().expect("run tableau-auth")
}

/// Starts `count` runs of `tableau-auth token` at once and waits for every one: their stdout.
pub fn tokens_at_once(count: usize, env: &[(String, String)]) -> Vec<String> {
    let children: Vec<Child> = (0..count)
        .map(|_| {
            command(&["token"], env)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start tableau-auth")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "tableau-auth token failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        })
        .collect()
}

/// A running `tableau-auth` whose stderr lines are watched.
pub struct Watched {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Watched {
    /// Starts `tableau-auth args…` with `RUST_LOG=tableau_auth=debug`.
    pub fn start(args: &[&str], env: &[(String, String)]) -> Watched {
        let mut child = command(args, env)
            .env("RUST_LOG", "tableau_auth=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tableau-auth");
        let stderr: ChildStderr = child.stderr.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `text` (the process logged it).
    pub fn wait_for(&mut self, text: &str) {
        loop {
            match self.lines.recv_timeout(HANG) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!(
                    "no line containing {text:?} from tableau-auth; it said:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits for the process to exit: its status and stdout.
    pub fn finish(mut self) -> (ExitStatus, String) {
        let mut stdout = String::new();
        if let Some(mut pipe) = self.child.stdout.take() {
            pipe.read_to_string(&mut stdout).unwrap();
        }
        let status = self.child.wait().unwrap();
        (status, stdout)
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `redis-server` on a free loopback port with a temporary directory, stopped when dropped.
pub struct Redis {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Redis {
    /// Starts `redis-server`. When it is not installed: fails when `CI` is set (CI must run
    /// the Redis tests), otherwise says so loudly on stderr and returns `None`.
    pub fn start(test: &str) -> Option<Redis> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not installed, and CI is set: CI must run {test} \
                 (apt-get install -y redis-server)"
            );
            eprintln!(
                "SKIPPED {test}: redis-server is not installed (apt-get install -y \
                 redis-server); CI fails instead of skipping"
            );
            return None;
        }
        // A free port can be taken between our probe and redis-server's bind: try again.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let dir = tempfile::tempdir().unwrap();
            let mut child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args([
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--protected-mode",
                    "yes",
                ])
                .arg("--dir")
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start redis-server");
            let stdout = BufReader::new(child.stdout.take().unwrap());
            let mut ready = false;
            let mut lines = stdout.lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                if line.contains("Ready to accept connections") {
                    ready = true;
                    break;
                }
            }
            if ready {
                std::thread::spawn(move || lines.for_each(drop));
                return Some(Redis {
                    child,
                    port,
                    _dir: dir,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start on a free port in five tries");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Every key and its value.
    pub fn dump(&self) -> Vec<(String, Vec<u8>)> {
        let client = redis::Client::open(self.url()).unwrap();
        let mut connection = client.get_connection().unwrap();
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
        keys.into_iter()
            .map(|key| {
                let value: Vec<u8> = redis::cmd("GET").arg(&key).query(&mut connection).unwrap();
                (key, value)
            })
            .collect()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}
