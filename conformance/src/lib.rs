//! Conformance checks for Tableau REST API authentication.
//!
//! A registry of named checks, each a small async function with a pass, fail or skip verdict,
//! and a runner that judges them against the embedded mock server (as Tableau Server and as
//! Tableau Cloud) or a real Tableau site. The `tableau-conformance` binary is the command-line
//! front end; this library lets a downstream crate run the same checks from its own tests.
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
mod setup;
pub mod validate;

pub use context::{
    CheckContext, DEFAULT_CHECK_TIMEOUT, MockClock, OFFLINE_AGAINST_A_SERVER, Target, flavor_of_url,
};
pub use outcome::{CheckResult, Failure, Outcome, ResultExt, ensure, fail};
pub use registry::{Applies, Check, CheckFuture, PROVIDERS, Requirement, all_checks, select};
pub use report::{CheckReport, Report};
pub use runner::run_checks;
pub use setup::SetupError;

use std::sync::Arc;

use tableau_auth_core::AuthProvider;
pub use tableau_mock_server::{ControlClient, Flavor, Seed};

/// The prefix of the checks that judge the configured provider: [`check_provider`] runs these.
pub const PROVIDER_CHECKS: &str = "server.";

/// Runs the provider checks (`server.*`: server info, sign-in with XML and JSON with the body
/// validated from the mock's log, the session, sign-out, the session manager's recovery, a
/// wrong sign-in) against fresh embedded mock servers holding the default data set, with
/// `provider` as the configured provider.
///
/// The default data set has the user `admin` with password `admin` on the Default site (`""`)
/// and on `analytics`; a provider whose credentials live elsewhere (a PAT with a known secret,
/// a connected app) uses [`check_provider_with_seed`].
///
/// ```
/// use tableau_auth::PasswordProvider;
///
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// let provider = PasswordProvider::new("admin", "admin").unwrap();
/// let report = tableau_conformance::check_provider(provider).await;
/// assert_eq!(report.failed(), 0, "{}", report.to_table());
/// # });
/// ```
pub async fn check_provider<P: AuthProvider + 'static>(provider: P) -> Report {
    check_provider_with_seed(provider, Seed::default_data()).await
}

/// [`check_provider`] against mock servers built from `seed` (for example a PAT with a fixed
/// secret, see the seed format in `docs/mock-server.md`).
pub async fn check_provider_with_seed<P: AuthProvider + 'static>(
    provider: P,
    seed: Seed,
) -> Report {
    let context = CheckContext::provider_under_test(Arc::new(provider), seed);
    run_checks(&select(Some(PROVIDER_CHECKS)), &context).await
}
