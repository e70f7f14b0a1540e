//! The conformance suite runs as part of `cargo test --workspace`: offline, against fresh
//! embedded mocks, and in `--server` mode against a mock with and without its control API.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tableau_auth::PersonalAccessTokenProvider;
use tableau_auth_core::StaticEnv;
use tableau_conformance::ControlClient;
use tableau_conformance::{
    Applies, Check, CheckContext, CheckFuture, DEFAULT_CHECK_TIMEOUT, Flavor,
    OFFLINE_AGAINST_A_SERVER, Outcome, PROVIDERS, Report, Requirement, all_checks, run_checks,
    select,
};
use tableau_mock_server::MockServer;
use tokio::sync::Notify;

fn failures(report: &Report) -> Vec<String> {
    report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| format!("{}: {}", c.name, c.outcome.message()))
        .collect()
}

#[tokio::test]
async fn every_offline_check_passes_and_the_rest_are_skipped() {
    let checks = all_checks();
    let report = run_checks(&checks, &CheckContext::offline()).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    let offline = checks
        .iter()
        .filter(|c| c.requirement == Requirement::Offline)
        .count();
    assert_eq!(report.passed(), offline);
    assert_eq!(report.skipped(), checks.len() - offline);
}

/// How many results a run over both flavours has: one per offline check, one per flavour a
/// check applies to for the others.
fn results_over_both_flavours(checks: &[Check]) -> usize {
    checks
        .iter()
        .map(|check| match check.requirement {
            Requirement::Offline => 1,
            _ => Flavor::ALL
                .iter()
                .filter(|flavor| check.applies.to(**flavor))
                .count(),
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_passes_against_the_embedded_mock() {
    let checks = all_checks();
    let report = run_checks(&checks, &CheckContext::embedded()).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    assert_eq!(
        report.passed(),
        results_over_both_flavours(&checks),
        "nothing may be skipped against the embedded mock"
    );
    assert_eq!(report.skipped(), 0);
    assert_eq!(report.exit_code(), 0);
    // Every check that applies to both flavours ran against both, and each result says which.
    for check in checks
        .iter()
        .filter(|c| c.requirement != Requirement::Offline)
    {
        let flavors: Vec<Option<Flavor>> = report
            .checks
            .iter()
            .filter(|r| r.name == check.name)
            .map(|r| r.flavor)
            .collect();
        let expected: Vec<Option<Flavor>> = Flavor::ALL
            .iter()
            .filter(|f| check.applies.to(**f))
            .map(|f| Some(*f))
            .collect();
        assert_eq!(flavors, expected, "{}", check.name);
    }
}

/// `--flavor cloud` (one flavour): the checks that do not apply to Tableau Cloud are reported
/// as skipped, never passed, and every other one passes against the Cloud mock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_only_run_skips_what_does_not_apply_to_cloud() {
    let checks = all_checks();
    let context = CheckContext::embedded().with_flavors(&[Flavor::Cloud]);
    let report = run_checks(&checks, &context).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    assert_eq!(report.checks.len(), checks.len());
    for (check, result) in checks.iter().zip(&report.checks) {
        let offline = check.requirement == Requirement::Offline;
        assert_eq!(result.flavor, (!offline).then_some(Flavor::Cloud));
        let applies = offline || check.applies.to(Flavor::Cloud);
        assert_eq!(
            matches!(result.outcome, Outcome::Pass(_)),
            applies,
            "{}: {:?}",
            check.name,
            result.outcome
        );
        if !applies {
            assert_eq!(
                result.outcome,
                Outcome::Skip("does not apply to Tableau Cloud".into())
            );
        }
    }
    assert!(report.target.contains("Tableau Cloud"), "{}", report.target);
}

/// Against a server without the control API (what a real Tableau server looks like), the
/// control checks are skipped, never passed, and so are the offline checks (they would pass
/// whatever the server does); the server checks pass, and the report says how many were
/// skipped and why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_server_without_control_only_server_checks_run() {
    let mock = MockServer::start().await;
    let credentials = mock.default_credentials();
    let provider =
        PersonalAccessTokenProvider::new(credentials.pat_name, credentials.pat_secret).unwrap();
    let context = CheckContext::remote(&mock.uri(), Arc::new(provider), None, None);
    let checks = all_checks();
    let report = run_checks(&checks, &context).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    for check in &report.checks {
        let expect_skip = matches!(
            check.requirement,
            Requirement::Offline | Requirement::MockControl | Requirement::FrontDoor
        );
        assert_eq!(
            matches!(check.outcome, Outcome::Skip(_)),
            expect_skip,
            "{}",
            check.name
        );
        if check.requirement == Requirement::Offline {
            assert_eq!(check.outcome.message(), OFFLINE_AGAINST_A_SERVER);
        }
    }
    let count = |requirement: Requirement| {
        checks
            .iter()
            .filter(|c| c.requirement == requirement)
            .count()
    };
    // Only the checks that talked to the server count as passed.
    assert_eq!(report.passed(), count(Requirement::Server));
    let reasons = report.skip_reasons();
    assert_eq!(
        reasons.iter().map(|(_, n)| n).sum::<usize>(),
        report.skipped()
    );
    assert!(
        reasons.contains(&(
            OFFLINE_AGAINST_A_SERVER.to_owned(),
            count(Requirement::Offline)
        )),
        "{reasons:?}"
    );
    let table = report.to_table();
    assert!(
        table.contains(&format!(
            "{:>4}  {OFFLINE_AGAINST_A_SERVER}",
            count(Requirement::Offline)
        )),
        "{table}"
    );
    let json = report.to_json();
    let because = json["summary"]["skippedBecause"].as_array().unwrap();
    assert_eq!(because.len(), reasons.len(), "{json}");
    assert!(
        because
            .iter()
            .any(|r| r["reason"] == OFFLINE_AGAINST_A_SERVER
                && r["count"] == count(Requirement::Offline)),
        "{json}"
    );
    // Only spec-correct requests reached the server, and exactly one wrong sign-in.
    let requests = mock.requests().await;
    let failed_sign_ins = requests
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("/auth/signin") && r.status != Some(200))
        .count();
    assert_eq!(failed_sign_ins, 1, "{requests:#?}");
    assert!(requests.iter().all(|r| r.status.is_some_and(|s| s < 500)));
    assert!(requests.iter().all(|r| !r.path.starts_with("/_mock")));
}

/// `--server` pointed at a mock that answers `/_mock/health`: the control checks run after a
/// reset each, and a check that moves the clock does not break the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_remote_mock_with_control_every_check_runs() {
    let mock = MockServer::builder()
        .control_token("let-me-in")
        .start()
        .await;
    let credentials = mock.default_credentials();
    let provider =
        PersonalAccessTokenProvider::new(credentials.pat_name, credentials.pat_secret).unwrap();
    let control = ControlClient::new(&mock.uri()).control_token("let-me-in");
    assert!(control.health().await.is_ok());
    let context = CheckContext::remote(&mock.uri(), Arc::new(provider), Some(control), None);
    let checks = select(None);
    let report = run_checks(&checks, &context).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    let for_server = checks
        .iter()
        .filter(|c| c.applies.to(Flavor::Server) && c.requirement != Requirement::Offline)
        .count();
    assert_eq!(report.passed(), for_server, "{}", report.to_table());
    assert_eq!(report.skipped(), checks.len() - for_server);
}

/// `--server` pointed at a mock started with `--flavor cloud`, run as a Cloud server: the
/// checks for Server only are skipped, the front-door checks too (the embedded Cloud mock's
/// front door is not there), and the rest pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_remote_cloud_mock_the_cloud_checks_run() {
    let mock = MockServer::builder().cloud().start().await;
    let credentials = mock.default_credentials();
    assert_eq!(credentials.site_content_url, "analytics");
    let provider = PersonalAccessTokenProvider::new(credentials.pat_name, credentials.pat_secret)
        .unwrap()
        .site(credentials.site_content_url);
    let control = ControlClient::new(&mock.uri());
    let context = CheckContext::remote(&mock.uri(), Arc::new(provider), Some(control), None)
        .with_flavors(&[Flavor::Cloud]);
    let checks = all_checks();
    let report = run_checks(&checks, &context).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    for (check, result) in checks.iter().zip(&report.checks) {
        let runs = check.applies.to(Flavor::Cloud)
            && !matches!(
                check.requirement,
                Requirement::Offline | Requirement::FrontDoor
            );
        assert_eq!(
            matches!(result.outcome, Outcome::Pass(_)),
            runs,
            "{}: {:?}",
            check.name,
            result.outcome
        );
    }
}

/// The report names the flavour of each result: the table's `flavor` column, the JSON's
/// `flavor`, and the JUnit test case's name and `flavor` property.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_names_the_flavour_of_each_result() {
    let checks: Vec<Check> = all_checks()
        .into_iter()
        .filter(|c| {
            [
                "wire.pat.xml",
                "signin.pat.xml",
                "signin.password.xml",
                "cloud.idle-limit",
            ]
            .contains(&c.name)
        })
        .collect();
    let report = run_checks(&checks, &CheckContext::embedded()).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    let runs: Vec<(&str, Option<Flavor>)> =
        report.checks.iter().map(|c| (c.name, c.flavor)).collect();
    assert_eq!(
        runs,
        [
            ("wire.pat.xml", None),
            ("signin.password.xml", Some(Flavor::Server)),
            ("signin.pat.xml", Some(Flavor::Server)),
            ("signin.pat.xml", Some(Flavor::Cloud)),
            ("cloud.idle-limit", Some(Flavor::Cloud)),
        ]
    );
    let table = report.to_table();
    for (name, flavor) in [
        ("wire.pat.xml", "-"),
        ("signin.pat.xml", "server"),
        ("signin.pat.xml", "cloud"),
        ("cloud.idle-limit", "cloud"),
    ] {
        // The widest name here is signin.password.xml (19 characters).
        let line = format!("  {name:<19}  {flavor:<6}  PASS");
        assert!(table.contains(&line), "{line:?} in\n{table}");
    }
    let json = report.to_json();
    let flavors: Vec<&serde_json::Value> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["flavor"])
        .collect();
    assert_eq!(
        flavors,
        [
            &serde_json::Value::Null,
            &serde_json::json!("server"),
            &serde_json::json!("server"),
            &serde_json::json!("cloud"),
            &serde_json::json!("cloud"),
        ]
    );
    let junit = report.to_junit().unwrap();
    assert!(
        junit.contains(r#"name="signin.pat.xml [server]""#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"name="signin.pat.xml [cloud]""#),
        "{junit}"
    );
    assert!(junit.contains(r#"name="wire.pat.xml""#), "{junit}");
    assert!(
        junit.contains(r#"<property name="flavor" value="cloud"/>"#),
        "{junit}"
    );
}

#[test]
fn check_names_are_unique_and_dotted() {
    let checks = all_checks();
    let mut names: Vec<_> = checks.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate check names");
    assert!(
        checks
            .iter()
            .all(|c| c.name.contains('.') && !c.proves.is_empty())
    );
}

#[test]
fn the_issue_names_every_required_check() {
    let names: Vec<_> = all_checks().iter().map(|c| c.name).collect();
    for required in [
        "signin.pat.xml",
        "signin.pat.json",
        "session.pat.superseded",
        "session.revoked-pat-stops",
        "session.idle-expiry",
        "pat.expired",
        "jwt.replayed",
        "transport.429-retry-after",
        "transport.dropped-connection",
        // Issue 14: the corrections and the Cloud flavour.
        "mock.version-too-new",
        "mock.repeated-slashes",
        "mock.media-types",
        "mock.content-type",
        "mock.no-session-id",
        "mock.other-site",
        "mock.query-user-forbidden",
        "mock.jwt-scopes",
        "mock.error-schema",
        "cloud.password-refused",
        "cloud.switch-site-refused",
        "cloud.idle-limit",
        "cloud.front-door.client",
        "cloud.front-door.get-follower",
        // Issue 17: unified access tokens.
        "signin.uat.xml",
        "signin.uat.json",
        "uat.wrong-key",
        "uat.wrong-issuer",
        "uat.wrong-tenant",
        "uat.expired",
        "uat.replayed",
        "uat.unknown-user",
        "uat.scope-not-allowed",
        "uat.server-refuses",
        "version.uat-gate",
    ] {
        assert!(names.contains(&required), "missing {required}");
    }
}

/// A provider from outside the workspace, as a downstream crate would write it.
#[derive(Debug)]
struct VaultPat {
    secret: &'static str,
}

#[async_trait::async_trait]
impl tableau_auth_core::AuthProvider for VaultPat {
    async fn credentials(
        &self,
    ) -> Result<tableau_auth_core::Credentials, tableau_auth_core::ProviderError> {
        Ok(
            tableau_auth_core::Credentials::personal_access_token("vault-pat", self.secret)
                .with_site("analytics"),
        )
    }

    fn name(&self) -> &str {
        "vault-pat"
    }
}

const VAULT_SEED: &str = r#"
[[sites]]
contentUrl = "analytics"
name = "Analytics"

[[users]]
site = "analytics"
name = "robot"
siteRole = "Creator"

[[tokens]]
site = "analytics"
user = "robot"
name = "vault-pat"
secret = "known-secret"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_party_provider_runs_the_provider_checks() {
    let seed = tableau_conformance::Seed::from_toml(VAULT_SEED).unwrap();
    let report = tableau_conformance::check_provider_with_seed(
        VaultPat {
            secret: "known-secret",
        },
        seed,
    )
    .await;
    assert!(failures(&report).is_empty(), "{}", report.to_table());
    assert!(report.passed() >= 5);
    assert!(report.checks.iter().all(|c| c.name.starts_with("server.")));
    assert!(report.target.contains("vault-pat"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_provider_fails_the_provider_checks() {
    let seed = tableau_conformance::Seed::from_toml(VAULT_SEED).unwrap();
    let report =
        tableau_conformance::check_provider_with_seed(VaultPat { secret: "wrong" }, seed).await;
    let failed: Vec<_> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| c.name)
        .collect();
    assert!(failed.contains(&"server.signin.xml"), "{failed:?}");
    assert!(failed.contains(&"server.signin.json"), "{failed:?}");
    assert_eq!(report.exit_code(), 1);
}

/// `--server` set-up reads the `TABLEAU_*` variables through the `Env` seam; with
/// `TABLEAU_API_VERSION` set the whole run uses the pin, and `server.serverinfo` expects the
/// pin instead of the negotiated version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_run_with_a_pinned_version_passes_and_uses_the_pin() {
    let mock = MockServer::start().await;
    let credentials = mock.default_credentials();
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_PAT_NAME", &credentials.pat_name),
        ("TABLEAU_PAT_SECRET", &credentials.pat_secret),
        ("TABLEAU_API_VERSION", "3.19"),
    ]);
    let context = CheckContext::for_server(&mock.uri(), env.clone(), false)
        .await
        .expect("set-up succeeds");
    let checks = all_checks();
    let report = run_checks(&checks, &context).await;
    assert!(failures(&report).is_empty(), "{:#?}", failures(&report));
    let cloud_only = checks
        .iter()
        .filter(|c| c.requirement != Requirement::Offline && !c.applies.to(Flavor::Server))
        .count();
    let offline = checks
        .iter()
        .filter(|c| c.requirement == Requirement::Offline)
        .count();
    assert_eq!(
        report.passed(),
        checks.len() - cloud_only - offline,
        "{}",
        report.to_table()
    );
    assert_eq!(
        report.skipped(),
        cloud_only + offline,
        "only the Cloud checks and the offline ones are skipped"
    );
    let serverinfo = report
        .checks
        .iter()
        .find(|c| c.name == "server.serverinfo")
        .unwrap();
    assert!(
        serverinfo.outcome.message().contains("client uses 3.19"),
        "{}",
        serverinfo.outcome.message()
    );

    // The pin reaches the wire: every sign-in of a configured-provider check goes to 3.19.
    let report = run_checks(&select(Some("server.signin.xml")), &context).await;
    assert_eq!(report.passed(), 1, "{}", report.to_table());
    let sign_ins: Vec<_> = mock
        .requests()
        .await
        .into_iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("/auth/signin"))
        .collect();
    assert!(!sign_ins.is_empty());
    assert!(
        sign_ins.iter().all(|r| r.path.starts_with("/api/3.19/")),
        "{sign_ins:#?}"
    );
}

/// A pin above what the server speaks would break every call: `server.serverinfo` says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_newer_than_the_server_fails_serverinfo() {
    let mock = MockServer::builder().api_version("3.20").start().await;
    let credentials = mock.default_credentials();
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_PAT_NAME", &credentials.pat_name),
        ("TABLEAU_PAT_SECRET", &credentials.pat_secret),
        ("TABLEAU_API_VERSION", "3.21"),
    ]);
    let context = CheckContext::for_server(&mock.uri(), env.clone(), false)
        .await
        .unwrap();
    let report = run_checks(&select(Some("server.serverinfo")), &context).await;
    assert_eq!(
        failures(&report),
        ["server.serverinfo: TABLEAU_API_VERSION pins 3.21, but the server speaks at most 3.20"]
    );
}

/// A check that panics.
fn panics(_: &CheckContext) -> CheckFuture<'_> {
    Box::pin(async { panic!("the vault answered nonsense") })
}

/// Told when the hanging check's future is dropped (the runner stopped it).
static HUNG_CHECK_STOPPED: LazyLock<Notify> = LazyLock::new(Notify::new);

struct NotifyOnDrop;

impl Drop for NotifyOnDrop {
    fn drop(&mut self) {
        HUNG_CHECK_STOPPED.notify_one();
    }
}

/// A check that never finishes.
fn hangs(_: &CheckContext) -> CheckFuture<'_> {
    Box::pin(async {
        let _guard = NotifyOnDrop;
        std::future::pending::<()>().await;
        Ok("unreachable".into())
    })
}

fn third_party(name: &'static str, run: for<'a> fn(&'a CheckContext) -> CheckFuture<'a>) -> Check {
    Check {
        name,
        group: "vault",
        provider: "vault",
        proves: "a downstream crate's own check",
        requirement: Requirement::Offline,
        applies: Applies::Both,
        run,
    }
}

/// A check that panics or hangs fails, and the run goes on. The clock is paused, so the
/// 30-second timeout passes as soon as nothing else can run.
#[tokio::test(start_paused = true)]
async fn a_panicking_or_hanging_check_fails_and_the_run_goes_on() {
    let mut checks = vec![
        third_party("vault.panics", panics),
        third_party("vault.hangs", hangs),
    ];
    checks.extend(select(Some("wire.")));
    let context = CheckContext::offline();
    assert_eq!(context.check_timeout(), DEFAULT_CHECK_TIMEOUT);
    let report = run_checks(&checks, &context).await;

    assert_eq!(report.checks.len(), checks.len());
    let panicked = &report.checks[0].outcome;
    assert!(
        matches!(panicked, Outcome::Fail(m) if m.contains("panicked") && m.contains("the vault answered nonsense")),
        "{panicked:?}"
    );
    let hung = &report.checks[1].outcome;
    assert!(
        matches!(hung, Outcome::Fail(m) if m.contains("did not finish within 30 s")),
        "{hung:?}"
    );
    assert!(
        report.checks[2..]
            .iter()
            .all(|c| matches!(c.outcome, Outcome::Pass(_))),
        "{}",
        report.to_table()
    );
    assert_eq!(report.failed(), 2);
    assert_eq!(report.exit_code(), 1);
    tokio::time::timeout(Duration::from_secs(60), HUNG_CHECK_STOPPED.notified())
        .await
        .expect("the hung check's task was stopped, not left running");
}

/// The timeout is the context's: a shorter one stops a hang sooner.
#[tokio::test(start_paused = true)]
async fn the_check_timeout_is_configurable() {
    let context = CheckContext::offline().with_check_timeout(Duration::from_secs(2));
    let report = run_checks(&[third_party("vault.hangs", hangs)], &context).await;
    assert!(
        matches!(&report.checks[0].outcome, Outcome::Fail(m) if m.contains("within 2 s")),
        "{:?}",
        report.checks[0].outcome
    );
}

/// The table groups by the provider a check exercises: a PAT or JWT rejection sits with its
/// provider, whatever its name's prefix or its group.
#[tokio::test]
async fn the_table_groups_checks_by_provider() {
    let checks = all_checks();
    for check in &checks {
        assert!(
            PROVIDERS.contains(&check.provider),
            "{}: unknown provider {}",
            check.name,
            check.provider
        );
    }
    let report = run_checks(&checks, &CheckContext::offline()).await;
    let table = report.to_table();
    let mut section = "";
    let mut sections = Vec::new();
    let mut shown_under = std::collections::BTreeMap::new();
    for line in table.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
            sections.push(name);
        } else if let Some(check) = checks
            .iter()
            .find(|c| line.trim_start().starts_with(&format!("{} ", c.name)))
        {
            assert!(
                shown_under.insert(check.name, section).is_none(),
                "{} shown twice",
                check.name
            );
        }
    }
    assert_eq!(shown_under.len(), checks.len(), "{table}");
    for check in &checks {
        assert_eq!(shown_under[check.name], check.provider, "{}", check.name);
    }
    // Providers first, in a fixed order, each once.
    assert_eq!(sections, PROVIDERS, "{table}");
    for (name, provider) in [
        ("pat.expired", "pat"),
        ("session.pat.superseded", "pat"),
        ("session.revoked-pat-stops", "pat"),
        ("version.pat-gate", "pat"),
        ("wire.pat.xml", "pat"),
        ("jwt.replayed", "connected-app"),
        ("version.jwt-gate", "connected-app"),
        ("wire.connected-app.json", "connected-app"),
        ("wire.uat.json", "uat"),
        ("signin.wrong-password", "password"),
        ("signin.env-pat.xml", "env"),
        ("chain.stops-on-misconfiguration", "chain"),
        ("server.signin.xml", "server"),
        ("transport.429-retry-after", "transport"),
        ("mock.oversize", "mock"),
    ] {
        assert_eq!(shown_under[name], provider, "{name}");
    }

    // JSON keeps every field and adds the provider; JUnit keeps its suites and adds it too.
    let json = report.to_json();
    let pat_expired = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pat.expired")
        .unwrap();
    for field in [
        "name",
        "group",
        "provider",
        "requirement",
        "result",
        "message",
        "durationMs",
    ] {
        assert!(pat_expired.get(field).is_some(), "{field} in {pat_expired}");
    }
    assert_eq!(pat_expired["group"], "rejections");
    assert_eq!(pat_expired["provider"], "pat");
    let junit = report.to_junit().unwrap();
    assert!(junit.contains(r#"<testsuite name="rejections""#), "{junit}");
    assert!(
        junit.contains(r#"<property name="provider" value="connected-app"/>"#),
        "{junit}"
    );
}
