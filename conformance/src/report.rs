//! The report of a run: a table for people, JSON for tools, JUnit XML for CI.

use std::fmt::Write as _;
use std::time::Duration;

use crate::outcome::Outcome;
use crate::registry::Requirement;
use tableau_mock_server::Flavor;

/// The result of one check.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The check's name.
    pub name: &'static str,
    /// Its group (the area of the suite).
    pub group: &'static str,
    /// The provider it exercises (see [`Check::provider`](crate::Check::provider)); the table
    /// groups by it.
    pub provider: &'static str,
    /// What it needed.
    pub requirement: Requirement,
    /// The flavour of server this result is for; `None` for an offline check (and every
    /// check of an offline run).
    pub flavor: Option<Flavor>,
    /// The verdict.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// What the checks ran against (`embedded mock server`, or a URL).
    pub target: String,
    /// Each check, in run order.
    pub checks: Vec<CheckReport>,
    /// Wall-clock time of the whole run.
    pub duration: Duration,
}

impl Report {
    fn count(&self, label: &str) -> usize {
        self.checks
            .iter()
            .filter(|c| c.outcome.label() == label)
            .count()
    }

    /// Checks that passed.
    pub fn passed(&self) -> usize {
        self.count("pass")
    }

    /// Checks that failed.
    pub fn failed(&self) -> usize {
        self.count("fail")
    }

    /// Checks that were skipped.
    pub fn skipped(&self) -> usize {
        self.count("skip")
    }

    /// Why checks were skipped: each distinct reason with how many results it skipped, in the
    /// order the reasons first appear. A skipped check proved nothing about the target, so the
    /// report says how many and why next to the summary.
    pub fn skip_reasons(&self) -> Vec<(String, usize)> {
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for check in &self.checks {
            if let Outcome::Skip(reason) = &check.outcome {
                match reasons.iter_mut().find(|(r, _)| r == reason) {
                    Some((_, count)) => *count += 1,
                    None => reasons.push((reason.clone(), 1)),
                }
            }
        }
        reasons
    }

    /// The process exit status: 0 when no check failed, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed() > 0)
    }

    /// The summary line (`conformance: N passed, N failed, N skipped`).
    pub fn summary(&self) -> String {
        format!(
            "conformance: {} passed, {} failed, {} skipped",
            self.passed(),
            self.failed(),
            self.skipped()
        )
    }

    /// A table grouped by the provider each check exercises (in the order of
    /// [`PROVIDERS`](crate::PROVIDERS), then any other label in run order; checks in run order
    /// within a provider), with the flavour of each result (`-` for offline checks), then how
    /// many were skipped for each reason ([`Report::skip_reasons`]), then the summary line.
    pub fn to_table(&self) -> String {
        let name_width = self
            .checks
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let mut out = String::new();
        let _ = writeln!(out, "tableau-conformance against {}", self.target);
        for provider in self.providers() {
            let _ = writeln!(out, "\n[{provider}]");
            let _ = writeln!(
                out,
                "  {:<name_width$}  {:<6}  {:<6}  {:>8}  message",
                "check", "flavor", "result", "time"
            );
            for check in self.checks.iter().filter(|c| c.provider == provider) {
                let _ = writeln!(
                    out,
                    "  {:<name_width$}  {:<6}  {:<6}  {:>6}ms  {}",
                    check.name,
                    check.flavor.map_or("-", Flavor::as_str),
                    check.outcome.label().to_uppercase(),
                    check.duration.as_millis(),
                    check.outcome.message()
                );
            }
        }
        let _ = writeln!(out, "\nfinished in {:.2}s", self.duration.as_secs_f64());
        let reasons = self.skip_reasons();
        if !reasons.is_empty() {
            let _ = writeln!(out, "skipped, and not counted as passed:");
            for (reason, count) in reasons {
                let _ = writeln!(out, "  {count:>4}  {reason}");
            }
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }

    /// The provider labels present in this report, in table order.
    fn providers(&self) -> Vec<&'static str> {
        let mut providers: Vec<&'static str> = crate::registry::PROVIDERS
            .iter()
            .copied()
            .filter(|p| self.checks.iter().any(|c| c.provider == *p))
            .collect();
        for check in &self.checks {
            if !providers.contains(&check.provider) {
                providers.push(check.provider);
            }
        }
        providers
    }

    /// One JSON object with the target, the counts (with `summary.skippedBecause`: each
    /// reason for a skip and its count) and every check (its `flavor` is `"server"`,
    /// `"cloud"` or `null` for an offline check).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "target": self.target,
            "durationMs": self.duration.as_millis() as u64,
            "summary": {
                "passed": self.passed(),
                "failed": self.failed(),
                "skipped": self.skipped(),
                "skippedBecause": self.skip_reasons().into_iter().map(|(reason, count)| {
                    serde_json::json!({"reason": reason, "count": count})
                }).collect::<Vec<_>>(),
            },
            "checks": self.checks.iter().map(|c| serde_json::json!({
                "name": c.name,
                "group": c.group,
                "provider": c.provider,
                "requirement": c.requirement.label(),
                "flavor": c.flavor.map(Flavor::as_str),
                "result": c.outcome.label(),
                "message": c.outcome.message(),
                "durationMs": c.duration.as_millis() as u64,
            })).collect::<Vec<_>>(),
        })
    }

    /// A JUnit XML report: one test suite per group, each test case with a `provider`
    /// property and, when it ran against a flavour, a `flavor` property and the flavour in its
    /// name (`signin.pat.xml [cloud]`), so the two runs of a check stay two test cases.
    pub fn to_junit(&self) -> Result<String, quick_junit::SerializeError> {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let mut report = quick_junit::Report::new("tableau-conformance");
        report.set_time(self.duration);
        let mut suites: Vec<TestSuite> = Vec::new();
        for check in &self.checks {
            let status = match &check.outcome {
                Outcome::Pass(_) => TestCaseStatus::success(),
                Outcome::Fail(message) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(message.as_str());
                    status
                }
                Outcome::Skip(message) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(message.as_str());
                    status
                }
            };
            let name = match check.flavor {
                Some(flavor) => format!("{} [{flavor}]", check.name),
                None => check.name.to_owned(),
            };
            let mut case = TestCase::new(name, status);
            case.set_time(check.duration);
            case.set_classname(check.group);
            case.add_property(quick_junit::Property::new("provider", check.provider));
            if let Some(flavor) = check.flavor {
                case.add_property(quick_junit::Property::new("flavor", flavor.as_str()));
            }
            match suites.iter_mut().find(|s| s.name.as_str() == check.group) {
                Some(suite) => {
                    suite.add_test_case(case);
                }
                None => {
                    let mut suite = TestSuite::new(check.group);
                    suite.add_test_case(case);
                    suites.push(suite);
                }
            }
        }
        report.add_test_suites(suites);
        report.to_string()
    }
}
