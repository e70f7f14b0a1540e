//! The binary's contract (contracts section 1): the first stdout line, the credentials after
//! it, logs on stderr, graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_tableau-mock-server");

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
        .recv_timeout(Duration::from_secs(10))
        .expect("exited after SIGTERM")
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
