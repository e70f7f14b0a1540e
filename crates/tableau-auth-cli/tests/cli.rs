//! The command's contract: what goes to stdout and stderr, the JSON shapes, the exit status
//! (0 success, 1 the server refused, 2 usage or configuration error with nothing sent).

mod support;

use support::{Mock, run};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A file store in a directory the store creates (so it starts `0700`, without a warning).
fn store_env(mock: &Mock, dir: &tempfile::TempDir) -> Vec<(String, String)> {
    mock.env(&format!("file:{}", store_dir(dir).display()))
}

fn store_dir(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("sessions")
}

#[test]
fn token_prints_only_the_token_and_json_prints_the_session() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let env = store_env(&mock, &dir);
    let text = run(&["token"], &env);
    assert_eq!(text.status.code(), Some(0));
    assert!(stderr(&text).is_empty(), "{}", stderr(&text));
    let token = stdout(&text);
    assert_eq!(token.lines().count(), 1);

    let json = run(&["token", "--format", "json"], &env);
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["token"], token.trim_end());
    assert_eq!(value["site"], "");
    assert!(value["siteId"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(value["userId"].as_str().is_some_and(|id| !id.is_empty()));
    // The PAT's expiry, as the server estimated it (365 days for the mock's default PAT).
    let expires = value["expiresAt"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 20, "{expires}");
    assert_eq!(value.as_object().unwrap().len(), 5);
    assert_eq!(mock.sign_ins(), 1, "the second run took the stored session");
}

#[test]
fn whoami_names_the_session_and_where_it_came_from() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let env = store_env(&mock, &dir);
    let first = run(&["whoami"], &env);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let text = stdout(&first);
    for expected in [
        "server:      http://127.0.0.1:",
        "api version: 3.27",
        "site:        Default (contentUrl \"\")",
        "user:        admin, id ",
        "role:        ServerAdministrator",
        "credential:  personal access token",
        "session:     signed in by this process and stored (file ",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    let second = run(&["whoami", "--format", "json"], &env);
    let value: serde_json::Value = serde_json::from_str(&stdout(&second)).unwrap();
    assert_eq!(value["apiVersion"], "3.27");
    assert_eq!(value["site"]["name"], "Default");
    assert_eq!(value["user"]["name"], "admin");
    assert_eq!(value["user"]["siteRole"], "ServerAdministrator");
    assert_eq!(value["credentialKind"], "pat");
    assert_eq!(value["sessionSource"]["origin"], "stored");
    assert!(
        value["sessionSource"]["store"]
            .as_str()
            .is_some_and(|store| store.starts_with("file "))
    );
    assert!(!stdout(&second).contains(&mock.pat_secret));
}

#[test]
fn sign_out_ends_the_shared_session_for_everyone() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let env = store_env(&mock, &dir);
    let token = stdout(&run(&["token"], &env)).trim_end().to_owned();
    assert_eq!(mock.check(&token), 200);

    let out = run(&["sign-out"], &env);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("signed out the shared session"),
        "{}",
        stderr(&out)
    );
    assert_eq!(mock.check(&token), 401, "the session is over");
    let entries = std::fs::read_dir(store_dir(&dir))
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|ext| ext == "session")
        })
        .count();
    assert_eq!(entries, 0, "removed from the store");

    let again = run(&["sign-out"], &env);
    assert_eq!(again.status.code(), Some(0));
    assert!(stderr(&again).contains("nothing to sign out"));
    let fresh = stdout(&run(&["token"], &env)).trim_end().to_owned();
    assert_ne!(fresh, token);
    assert_eq!(mock.check(&fresh), 200);
}

#[test]
fn doctor_reports_every_step() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let env = store_env(&mock, &dir);
    let out = run(&["doctor"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    let steps = [
        "configuration",
        "url",
        "store",
        "tcp",
        "tls",
        "serverinfo",
        "version gates",
        "sign-in",
        "session",
        "pat expiry",
    ];
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), steps.len(), "{text}");
    for (line, step) in lines.iter().zip(steps) {
        assert!(line[6..].starts_with(step), "{line}");
        assert!(line.starts_with("ok") || line.starts_with("skip"), "{line}");
    }
    assert!(text.contains("skip  tls           plain http"), "{text}");

    let json = run(&["doctor", "--format", "json"], &env);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["ok"], true);
    assert_eq!(value["steps"].as_array().unwrap().len(), steps.len());
    assert_eq!(value["steps"][7]["step"], "sign-in");
    assert_eq!(value["steps"][7]["status"], "ok");
}

#[test]
fn doctor_says_what_to_fix_when_the_server_is_not_there() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "TABLEAU_SERVER_URL".to_owned(),
            format!("http://127.0.0.1:{port}"),
        ),
        ("TABLEAU_PAT_NAME".to_owned(), "ci".to_owned()),
        ("TABLEAU_PAT_SECRET".to_owned(), "SECRET-value".to_owned()),
        (
            "TABLEAU_SESSION_STORE".to_owned(),
            format!("file:{}", dir.path().display()),
        ),
    ];
    let out = run(&["doctor"], &env);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let tcp = text.lines().find(|line| line.contains("tcp")).unwrap();
    assert!(tcp.starts_with("fail"), "{text}");
    assert!(tcp.contains("fix: check the host name and port"), "{tcp}");
    assert!(
        text.lines()
            .skip_while(|line| !line.contains("tcp"))
            .skip(1)
            .all(|line| line.starts_with("skip")),
        "{text}"
    );
    assert!(!text.contains("SECRET-value"));
}

#[test]
fn the_server_refusing_exits_with_1_and_its_hint() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let mut env = store_env(&mock, &dir);
    env.retain(|(name, _)| name != "TABLEAU_PAT_SECRET");
    env.push(("TABLEAU_PAT_SECRET".into(), "WRONG-secret".into()));
    let out = run(&["token"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.contains("401001"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(!err.contains("WRONG-secret"), "{err}");
}

#[test]
fn configuration_errors_exit_with_2_and_send_nothing() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let good = store_env(&mock, &dir);
    let with = |name: &str, value: Option<&str>| {
        let mut env: Vec<(String, String)> =
            good.iter().filter(|(n, _)| n != name).cloned().collect();
        if let Some(value) = value {
            env.push((name.to_owned(), value.to_owned()));
        }
        env
    };
    let cases = [
        (with("TABLEAU_PAT_SECRET", None), "TABLEAU_PAT_SECRET"),
        (with("TABLEAU_SERVER_URL", None), "SERVER_URL"),
        (
            with(
                "TABLEAU_SESSION_STORE",
                Some("memcached://user:hunter2@cache"),
            ),
            "TABLEAU_SESSION_STORE",
        ),
        (
            with("TABLEAU_SERVER_URL", Some("http://tableau.example.com")),
            "plain http",
        ),
    ];
    for (env, expected) in cases {
        for args in [&["token"][..], &["whoami"], &["sign-out"], &["doctor"]] {
            let out = run(args, &env);
            assert_eq!(out.status.code(), Some(2), "{args:?} {expected}");
            let said = format!("{}{}", stdout(&out), stderr(&out));
            assert!(said.contains(expected), "{args:?}: {said}");
            assert!(!said.contains("hunter2"), "{said}");
            assert!(!said.contains(&mock.pat_secret), "{said}");
        }
    }
    assert!(
        support::block_on(mock.control.requests())
            .unwrap()
            .is_empty(),
        "nothing was sent"
    );
    // Usage errors exit with 2 as well.
    for args in [&["frobnicate"][..], &["token", "--format", "xml"], &[]] {
        assert_eq!(run(args, &good).status.code(), Some(2), "{args:?}");
    }
    assert_eq!(run(&["--help"], &good).status.code(), Some(0));
}
