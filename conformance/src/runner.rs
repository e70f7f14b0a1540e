//! Runs checks against a target, one at a time, and collects the report.

use std::time::Instant;

use crate::context::CheckContext;
use crate::outcome::Outcome;
use crate::registry::Check;
use crate::report::{CheckReport, Report};

/// Runs `checks` in order against `context` and reports each verdict. A check that its
/// target cannot serve is reported as skipped, never as passed.
pub async fn run_checks(checks: &[Check], context: &CheckContext) -> Report {
    let started = Instant::now();
    let mut results = Vec::with_capacity(checks.len());
    for check in checks {
        let check_started = Instant::now();
        let outcome = match context.unavailable_reason(check.requirement) {
            Some(reason) => Outcome::Skip(reason),
            None => {
                tracing::debug!(check = check.name, "running");
                match (check.run)(context).await {
                    Ok(message) => Outcome::Pass(message),
                    Err(failure) => Outcome::Fail(failure.0),
                }
            }
        };
        tracing::info!(check = check.name, result = outcome.label(), "finished");
        results.push(CheckReport {
            name: check.name,
            group: check.group,
            requirement: check.requirement,
            outcome,
            duration: check_started.elapsed(),
        });
    }
    Report {
        target: context.describe(),
        checks: results,
        duration: started.elapsed(),
    }
}
