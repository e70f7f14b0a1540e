//! The `tableau-conformance` command line of docs/conformance.md: exit codes, stdout carrying
//! only the report, and `--server` refusing to start without configuration.

use std::process::{Command, Output};

use tableau_mock_server::MockServer;

fn conformance(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tableau-conformance"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("TABLEAU_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

/// Runs the binary with every http request sent through `proxy` (no `NO_PROXY` exceptions).
fn conformance_via_proxy(args: &[&str], env: &[(&str, &str)], proxy: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tableau-conformance"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("TABLEAU_") || key.eq_ignore_ascii_case("no_proxy") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command.envs([
        ("HTTP_PROXY", proxy),
        ("http_proxy", proxy),
        ("ALL_PROXY", proxy),
    ]);
    command.output().expect("the binary runs")
}

#[test]
fn list_names_every_check_and_exits_0() {
    let output = conformance(&["--list"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.lines().any(|l| l.starts_with("signin.pat.xml ")),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().count(),
        tableau_conformance::all_checks().len()
    );
}

#[test]
fn json_format_prints_one_object_and_junit_is_written() {
    let dir = std::env::temp_dir().join(format!("conformance-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("report.xml");
    let output = conformance(
        &[
            "--filter",
            "wire.",
            "--format",
            "json",
            "--junit",
            junit.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON object");
    let checks = report["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    assert!(
        checks
            .iter()
            .all(|c| c["result"] == "pass" && c["name"].as_str().unwrap().starts_with("wire."))
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuites") && xml.contains("wire.pat.xml"),
        "{xml}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let output = conformance(&["--no-such-flag"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_without_configuration_exits_2_before_any_request() {
    let mock = MockServer::start().await;
    let uri = mock.uri();
    let output = tokio::task::spawn_blocking(move || conformance(&["--server", &uri], &[]))
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("TABLEAU_PAT_NAME"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(mock.requests().await.is_empty(), "a request was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_with_invalid_configuration_names_the_variables_not_the_secret() {
    let mock = MockServer::start().await;
    let uri = mock.uri();
    let output = tokio::task::spawn_blocking(move || {
        conformance(
            &["--server", &uri],
            &[("TABLEAU_PAT_SECRET", "top-secret-value")],
        )
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("TABLEAU_PAT_NAME"), "{stderr}");
    assert!(!stderr.contains("top-secret-value"), "{stderr}");
    assert!(mock.requests().await.is_empty(), "a request was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_mode_passes_against_a_mock_and_reports_on_stdout_only() {
    let mock = MockServer::start().await;
    let credentials = mock.default_credentials();
    let uri = mock.uri();
    let output = tokio::task::spawn_blocking(move || {
        conformance(
            &["--server", &uri, "--filter", "server."],
            &[
                ("TABLEAU_USERNAME", "admin"),
                ("TABLEAU_PASSWORD", "admin"),
                ("TABLEAU_SITE", &credentials.site_content_url),
            ],
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("conformance: 5 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
    assert!(!stdout.contains("admin-pat"));
}

/// `--allow-http` lets a run use plain http to a mock server on another host; without it the
/// same command exits 2 and sends nothing, although a mock answers there (nothing downgrades
/// to plain http by itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_host_needs_allow_http() {
    // The mock answers absolute-form requests by their path, so as the http proxy it plays a
    // mock server reached by name over the network (`http://mock:8080` in CI, say).
    let mock = MockServer::start().await;
    let proxy = mock.uri();
    let refused = tokio::task::spawn_blocking({
        let proxy = proxy.clone();
        move || {
            conformance_via_proxy(
                &["--server", "http://tableau-mock.example.invalid"],
                &[("TABLEAU_USERNAME", "admin"), ("TABLEAU_PASSWORD", "admin")],
                &proxy,
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(
        stderr.contains("--allow-http") && stderr.contains("`tableau-mock.example.invalid`"),
        "{stderr}"
    );
    assert!(mock.requests().await.is_empty(), "a request was sent");

    let output = tokio::task::spawn_blocking(move || {
        conformance_via_proxy(
            &[
                "--server",
                "http://tableau-mock.example.invalid",
                "--allow-http",
                "--filter",
                "server.",
            ],
            &[("TABLEAU_USERNAME", "admin"), ("TABLEAU_PASSWORD", "admin")],
            &proxy,
        )
    })
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("conformance: 5 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
    // The host cannot resolve: five passed checks were answered by the mock, over the proxy.
}

#[test]
fn a_filter_that_matches_no_check_is_a_usage_error() {
    for args in [
        &["--filter", "no-such-check"][..],
        &["--list", "--filter", "no-such-check"][..],
    ] {
        let output = conformance(args, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("no check matches --filter `no-such-check`"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

/// `--server http://` to another machine without `--allow-http`: the client would refuse every
/// request, so set-up refuses it (exit 2) before anything is sent. The host is a `.invalid`
/// name that cannot resolve, and an http proxy on loopback stands in for the network: every
/// request the binary makes would go to it.
#[test]
fn server_over_plain_http_to_another_host_exits_2_before_anything_is_sent() {
    // A loopback listener plays the proxy for every http request the binary makes: it
    // records each request line and answers 404, like a server that is not a mock.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let recorder = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for stream in proxy.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push(line.trim_end().to_owned());
            }
            recorder.lock().unwrap().extend(head.first().cloned());
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let output = conformance_via_proxy(
        &["--server", "http://tableau.example.invalid"],
        &[
            ("TABLEAU_PAT_NAME", "ci"),
            ("TABLEAU_PAT_SECRET", "pat-secret-value"),
        ],
        &proxy_url,
    );

    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("plain http://") && stderr.contains("`tableau.example.invalid`"),
        "{stderr}"
    );
    assert!(stderr.contains("https://"), "{stderr}");
    assert!(stderr.contains("--allow-http"), "{stderr}");
    assert!(!stderr.contains("pat-secret-value"), "{stderr}");
    // Nothing went out, not even the credential-free probe of /_mock/health.
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
}

/// `--flavor` chooses the embedded mock's flavour; a check that does not apply to it is
/// skipped (never passed); the JSON report names each result's flavour.
#[test]
fn flavor_chooses_the_embedded_mocks() {
    let run = |flavor: &str| {
        let output = conformance(
            &["--flavor", flavor, "--filter", "idle", "--format", "json"],
            &[],
        );
        assert_eq!(output.status.code(), Some(0), "{flavor}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}",
                    c["name"].as_str().unwrap(),
                    c["flavor"].as_str().unwrap_or("-"),
                    c["result"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        run("both"),
        [
            "session.idle-expiry server pass",
            "session.idle-expiry cloud pass",
            "pat.idle-expired server pass",
            "pat.idle-expired cloud pass",
            "cloud.idle-limit cloud pass"
        ]
    );
    assert_eq!(
        run("server"),
        [
            "session.idle-expiry server pass",
            "pat.idle-expired server pass",
            "cloud.idle-limit server skip"
        ]
    );
    assert_eq!(
        run("cloud"),
        [
            "session.idle-expiry cloud pass",
            "pat.idle-expired cloud pass",
            "cloud.idle-limit cloud pass"
        ]
    );
    let output = conformance(&["--flavor", "online"], &[]);
    assert_eq!(output.status.code(), Some(2), "clap refuses unknown values");
}

/// With `--server`, `--flavor both` makes no sense: a usage error before any request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_with_flavor_both_is_a_usage_error() {
    let mock = MockServer::start().await;
    let uri = mock.uri();
    let output = tokio::task::spawn_blocking(move || {
        conformance(
            &["--server", &uri, "--flavor", "both"],
            &[("TABLEAU_PAT_NAME", "n"), ("TABLEAU_PAT_SECRET", "s")],
        )
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--flavor"));
    assert!(mock.requests().await.is_empty(), "a request was sent");
}

/// `--server URL --flavor cloud` against a mock started as Tableau Cloud: the Cloud checks
/// run, the Server-only ones are skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_mode_with_flavor_cloud_runs_the_cloud_checks() {
    let mock = MockServer::builder().cloud().start().await;
    let creds = mock.default_credentials();
    let uri = mock.uri();
    let output = tokio::task::spawn_blocking(move || {
        conformance(
            &[
                "--server", &uri, "--flavor", "cloud", "--filter", "password", "--format", "json",
            ],
            &[
                ("TABLEAU_PAT_NAME", &creds.pat_name),
                ("TABLEAU_PAT_SECRET", &creds.pat_secret),
                ("TABLEAU_SITE", &creds.site_content_url),
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results: Vec<(String, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["flavor"].is_null())
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        results.contains(&("cloud.password-refused".into(), "pass".into())),
        "{results:?}"
    );
    assert!(
        results.contains(&("signin.password.xml".into(), "skip".into())),
        "{results:?}"
    );
}

/// `--junit PATH` whose folder does not exist: exit 2 before any check runs (the verdicts of a
/// long run are not lost at the end), with a message naming the folder.
#[test]
fn junit_into_a_missing_folder_is_a_usage_error_before_the_run() {
    let missing = std::env::temp_dir().join(format!("no-such-folder-{}", std::process::id()));
    let path = missing.join("report.xml");
    let output = conformance(
        &["--filter", "wire.", "--junit", path.to_str().unwrap()],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "the checks ran");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("--junit")
            && stderr.contains(&format!("the folder {} does not exist", missing.display())),
        "{stderr}"
    );
    assert!(!missing.exists());

    // A folder given as the path is refused the same way.
    let output = conformance(
        &[
            "--filter",
            "wire.",
            "--junit",
            std::env::temp_dir().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a folder"));
}

/// One test case of a JUnit report, read back with an XML parser.
#[derive(Debug, PartialEq, Eq)]
struct JunitCase {
    name: String,
    suite: String,
    /// `pass`, `fail` or `skip`, from the case's child elements.
    result: String,
    /// The failure's or skip's message.
    message: Option<String>,
}

fn read_junit(xml: &str) -> (Vec<JunitCase>, [usize; 3]) {
    let doc = roxmltree::Document::parse(xml).expect("the JUnit report is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let attr = |node: roxmltree::Node<'_, '_>, name: &str| -> usize {
        node.attribute(name)
            .unwrap_or_else(|| panic!("{name} on {node:?}"))
            .parse()
            .unwrap()
    };
    // The root counts tests and failures; each suite also counts its skipped cases (as
    // `disabled`, quick-junit's name for them).
    let mut totals = [attr(root, "tests"), attr(root, "failures"), 0];
    let mut cases = Vec::new();
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let suite_name = suite.attribute("name").unwrap().to_owned();
        let mut counts = [0usize; 3];
        for case in suite.children().filter(|n| n.has_tag_name("testcase")) {
            assert_eq!(case.attribute("classname"), Some(suite_name.as_str()));
            let failure = case.children().find(|n| n.has_tag_name("failure"));
            let skipped = case.children().find(|n| n.has_tag_name("skipped"));
            let (result, message) = match (failure, skipped) {
                (Some(f), None) => ("fail", f.attribute("message")),
                (None, Some(s)) => ("skip", s.attribute("message")),
                (None, None) => ("pass", None),
                (Some(_), Some(_)) => panic!("a case both failed and skipped: {case:?}"),
            };
            counts[0] += 1;
            counts[1] += usize::from(result == "fail");
            counts[2] += usize::from(result == "skip");
            cases.push(JunitCase {
                name: case.attribute("name").unwrap().to_owned(),
                suite: suite_name.clone(),
                result: result.to_owned(),
                message: message.map(str::to_owned),
            });
        }
        assert_eq!(
            [
                attr(suite, "tests"),
                attr(suite, "failures"),
                attr(suite, "disabled")
            ],
            counts,
            "suite {suite_name}"
        );
        totals[2] += counts[2];
    }
    (cases, totals)
}

/// The JUnit file of a run with passes, failures and skips, parsed back: one test case per
/// result of the JSON report, with the same name (and flavour), suite, verdict and message,
/// and counts that add up. The run is `--server` against a mock with a wrong PAT secret: the
/// checks that sign in with the configured credentials fail, the offline and Cloud-only
/// checks are skipped, the rest pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_junit_file_reads_back_with_names_failures_and_skips() {
    let mock = MockServer::start().await;
    let credentials = mock.default_credentials();
    let dir = std::env::temp_dir().join(format!("conformance-junit-back-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("report.xml");
    let uri = mock.uri();
    let junit_arg = junit.to_str().unwrap().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        conformance(
            &["--server", &uri, "--format", "json", "--junit", &junit_arg],
            &[
                ("TABLEAU_PAT_NAME", &credentials.pat_name),
                ("TABLEAU_PAT_SECRET", "not-the-secret"),
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let xml = std::fs::read_to_string(&junit).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let (cases, totals) = read_junit(&xml);

    let expected: Vec<JunitCase> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap();
            let result = c["result"].as_str().unwrap();
            JunitCase {
                name: match c["flavor"].as_str() {
                    Some(flavor) => format!("{name} [{flavor}]"),
                    None => name.to_owned(),
                },
                suite: c["group"].as_str().unwrap().to_owned(),
                result: result.to_owned(),
                message: (result != "pass").then(|| c["message"].as_str().unwrap().to_owned()),
            }
        })
        .collect();
    // Suites group the cases, so compare in a fixed order.
    let sorted = |mut cases: Vec<JunitCase>| {
        cases.sort_by(|a, b| (&a.suite, &a.name).cmp(&(&b.suite, &b.name)));
        cases
    };
    assert_eq!(sorted(cases), sorted(expected));
    let summary = &report["summary"];
    assert_eq!(
        totals,
        [
            report["checks"].as_array().unwrap().len(),
            summary["failed"].as_u64().unwrap() as usize,
            summary["skipped"].as_u64().unwrap() as usize,
        ]
    );

    // The run has each kind, for the reasons given.
    let (cases, _) = read_junit(&xml);
    let find = |name: &str| {
        cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} in {cases:#?}"))
    };
    assert_eq!(find("server.signin.xml [server]").result, "fail");
    assert_eq!(find("server.serverinfo [server]").result, "pass");
    assert_eq!(find("signin.pat.xml [server]").result, "pass");
    let offline = find("wire.pat.xml");
    assert_eq!(offline.result, "skip");
    assert_eq!(
        offline.message.as_deref(),
        Some(tableau_conformance::OFFLINE_AGAINST_A_SERVER)
    );
    let cloud = find("cloud.idle-limit [server]");
    assert_eq!(cloud.result, "skip");
    assert_eq!(
        cloud.message.as_deref(),
        Some("does not apply to Tableau Server")
    );
}
