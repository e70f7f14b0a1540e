//! Conformance checks for Tableau REST API authentication.
//!
//! A registry of named checks, each a small async function with a pass, fail or skip verdict,
//! and a runner that judges them against the embedded mock server or a real Tableau site. The
//! `tableau-conformance` binary is the command-line front end; this library lets a downstream
//! crate run the same checks from its own tests.
//!
//! ```
//! use tableau_conformance::{CheckContext, run_checks, select};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let checks = select(Some("wire."));
//! let report = run_checks(&checks, &CheckContext::offline()).await;
//! assert_eq!(report.failed(), 0);
//! assert!(report.passed() > 0);
//! # });
//! ```

mod checks;
mod context;
mod outcome;
mod registry;
mod report;
mod runner;
pub mod validate;

pub use context::CheckContext;
pub use outcome::{CheckResult, Context, Failure, Outcome, ensure, fail};
pub use registry::{Check, CheckFuture, Requirement, all_checks, select};
pub use report::{CheckReport, Report};
pub use runner::run_checks;
