//! Runs checks against a target, one at a time, and collects the report.

use std::any::Any;
use std::time::Instant;

use tracing::Instrument as _;

use crate::context::CheckContext;
use crate::outcome::Outcome;
use crate::registry::Check;
use crate::report::{CheckReport, Report};
use tableau_mock_server::Flavor;

/// Runs `checks` in order against `context` and reports each verdict. A check that its
/// target cannot serve is reported as skipped, never as passed.
///
/// An offline check runs once, and against a server given with `--server` not at all: it
/// would pass whatever the server does, so it is reported as skipped
/// ([`OFFLINE_AGAINST_A_SERVER`](crate::OFFLINE_AGAINST_A_SERVER)). Any other check runs once per flavour of the context
/// ([`CheckContext::flavors`]) that it applies to ([`Check::applies`]), each run reported with
/// its flavour. A check that does not apply to a flavour is not run there: when the run covers
/// that flavour alone it is reported as skipped, when it covers both it is left out of that
/// flavour's results (it appears under the other).
///
/// Each check runs in its own tokio task, so one check cannot take the run down with it: a
/// check that panics is reported as failed with the panic's message, one that runs longer
/// than [`CheckContext::check_timeout`] is stopped and reported as failed, and the run goes on
/// with the next check either way. Must be called inside a tokio runtime with its timer
/// enabled.
pub async fn run_checks(checks: &[Check], context: &CheckContext) -> Report {
    let started = Instant::now();
    let mut results = Vec::with_capacity(checks.len());
    for check in checks {
        for flavor in runs_of(check, context) {
            let check_started = Instant::now();
            let outcome = match flavor {
                Some(flavor) if !check.applies.to(flavor) => {
                    Outcome::Skip(format!("does not apply to {}", flavor.product()))
                }
                _ => match context.unavailable_reason(check.requirement) {
                    Some(reason) => Outcome::Skip(reason),
                    None => run_one(*check, &context.for_flavor(flavor)).await,
                },
            };
            tracing::info!(
                check = check.name,
                flavor = flavor.map_or("-", Flavor::as_str),
                result = outcome.label(),
                "finished"
            );
            results.push(CheckReport {
                name: check.name,
                group: check.group,
                provider: check.provider,
                requirement: check.requirement,
                flavor,
                outcome,
                duration: check_started.elapsed(),
            });
        }
    }
    Report {
        target: context.describe(),
        checks: results,
        duration: started.elapsed(),
    }
}

/// The flavours `check` is reported for: none for an offline check or an offline run (one
/// result without a flavour); otherwise each flavour of the run the check applies to, or the
/// run's only flavour even when it does not apply (to report it skipped).
fn runs_of(check: &Check, context: &CheckContext) -> Vec<Option<Flavor>> {
    let flavors = context.flavors();
    if check.requirement == crate::Requirement::Offline || flavors.is_empty() {
        return vec![None];
    }
    if let [only] = flavors {
        return vec![Some(*only)];
    }
    flavors
        .iter()
        .filter(|flavor| check.applies.to(**flavor))
        .map(|flavor| Some(*flavor))
        .collect()
}

/// One check in its own task, under the context's timeout.
async fn run_one(check: Check, context: &CheckContext) -> Outcome {
    tracing::debug!(check = check.name, "running");
    let timeout = context.check_timeout();
    let cx = context.clone();
    let task = tokio::spawn(
        async move { (check.run)(&cx).await }
            .instrument(tracing::info_span!("check", name = check.name)),
    );
    let abort = task.abort_handle();
    match tokio::time::timeout(timeout, task).await {
        Ok(Ok(Ok(message))) => Outcome::Pass(message),
        Ok(Ok(Err(failure))) => Outcome::Fail(failure.0),
        Ok(Err(join_error)) if join_error.is_panic() => Outcome::Fail(format!(
            "the check panicked: {}",
            panic_message(join_error.into_panic().as_ref())
        )),
        Ok(Err(join_error)) => Outcome::Fail(format!("the check's task ended: {join_error}")),
        Err(_elapsed) => {
            // Dropping the handle would leave the task running: stop it, so a hung check
            // holds no server, session or fixture past its verdict.
            abort.abort();
            Outcome::Fail(format!(
                "the check did not finish within {} s and was stopped",
                timeout.as_secs_f64()
            ))
        }
    }
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
