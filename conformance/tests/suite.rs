//! The conformance suite runs as part of `cargo test --workspace`.

use tableau_conformance::{CheckContext, Outcome, all_checks, run_checks};

#[tokio::test]
async fn every_offline_check_passes() {
    let checks = all_checks();
    let report = run_checks(&checks, &CheckContext::offline()).await;
    let failures: Vec<_> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| format!("{}: {}", c.name, c.outcome.message()))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(report.passed() >= 8);
}

#[test]
fn check_names_are_unique_and_dotted() {
    let checks = all_checks();
    let mut names: Vec<_> = checks.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate check names");
    assert!(checks.iter().all(|c| c.name.contains('.') && !c.proves.is_empty()));
}
