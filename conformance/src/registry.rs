//! The registry of named checks and what each needs to run.

use std::future::Future;
use std::pin::Pin;

use tableau_mock_server::Flavor;

use crate::context::CheckContext;
use crate::outcome::CheckResult;

/// A boxed check future.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = CheckResult> + Send + 'a>>;

/// What a check needs from its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Requirement {
    /// Nothing: it runs offline (rendering and validating bodies).
    Offline,
    /// A server, sent only spec-correct requests with the configured credentials.
    Server,
    /// The mock's control API (fixtures, clock, faults, request log). Skipped against a real
    /// server, never reported as passed.
    MockControl,
    /// The control API and the front door of the embedded Cloud mock (its address is not
    /// known for a server given with `--server`, where these are skipped).
    FrontDoor,
}

impl Requirement {
    /// A short label for reports.
    pub fn label(self) -> &'static str {
        match self {
            Requirement::Offline => "offline",
            Requirement::Server => "server",
            Requirement::MockControl => "mock-control",
            Requirement::FrontDoor => "front-door",
        }
    }
}

/// Which kinds of server a check applies to. A check that does not apply to a flavour is not
/// run against it, and is never counted as passed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Applies {
    /// Tableau Server and Tableau Cloud.
    #[default]
    Both,
    /// Tableau Server only (password sign-in, switch site, impersonation, `DELETE sessions`…).
    Server,
    /// Tableau Cloud only (what Cloud refuses, its idle limit, the front door).
    Cloud,
}

impl Applies {
    /// Whether the check applies to `flavor`.
    pub fn to(self, flavor: Flavor) -> bool {
        match self {
            Applies::Both => true,
            Applies::Server => flavor == Flavor::Server,
            Applies::Cloud => flavor == Flavor::Cloud,
        }
    }

    /// A short label for reports: `both`, `server` or `cloud`.
    pub fn label(self) -> &'static str {
        match self {
            Applies::Both => "both",
            Applies::Server => "server",
            Applies::Cloud => "cloud",
        }
    }
}

/// One named check.
#[derive(Clone, Copy)]
pub struct Check {
    /// Dotted name, for example `signin.pat.xml`.
    pub name: &'static str,
    /// The area of the suite it belongs to (`wire`, `server`, `session`, `rejections`, …; the
    /// JSON report's `group` and the JUnit test suite).
    pub group: &'static str,
    /// The provider it exercises, which the table report groups by: one of [`PROVIDERS`] for
    /// the workspace's checks (`password`, `pat`, `connected-app`, `uat`, `env`, `chain`), or a
    /// label for checks that exercise no particular provider (`server`: the configured one;
    /// `wire`, `session`, `transport`, `mock`).
    pub provider: &'static str,
    /// What passing proves.
    pub proves: &'static str,
    /// What it needs.
    pub requirement: Requirement,
    /// Which flavours it applies to (offline checks apply to none in particular and run once).
    pub applies: Applies,
    /// The check itself.
    pub run: for<'a> fn(&'a CheckContext) -> CheckFuture<'a>,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("group", &self.group)
            .field("provider", &self.provider)
            .field("requirement", &self.requirement)
            .field("applies", &self.applies)
            .finish()
    }
}

/// Builds a [`Check`] from an `async fn(&CheckContext) -> CheckResult`; `applies = Server`
/// (or `Cloud`) limits it to one flavour.
#[macro_export]
#[doc(hidden)]
macro_rules! check {
    (
        $name:literal,
        $group:literal,
        provider = $provider:literal,
        $requirement:ident,
        $proves:literal,
        $function:path
    ) => {
        $crate::check!(
            $name,
            $group,
            provider = $provider,
            applies = Both,
            $requirement,
            $proves,
            $function
        )
    };
    (
        $name:literal,
        $group:literal,
        provider = $provider:literal,
        applies = $applies:ident,
        $requirement:ident,
        $proves:literal,
        $function:path
    ) => {
        $crate::Check {
            name: $name,
            group: $group,
            provider: $provider,
            proves: $proves,
            requirement: $crate::Requirement::$requirement,
            applies: $crate::Applies::$applies,
            run: |cx| Box::pin($function(cx)),
        }
    };
}

/// The provider labels of the table report, in its order: the providers first, then the
/// labels of checks that exercise no particular provider. A label not listed here (a
/// third-party check's) comes after these, in run order.
pub const PROVIDERS: &[&str] = &[
    "password",
    "pat",
    "connected-app",
    "uat",
    "env",
    "chain",
    "server",
    "session",
    "transport",
    "wire",
    "mock",
];

/// Every check, in report order.
pub fn all_checks() -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(crate::checks::wire::checks());
    checks.extend(crate::checks::server::checks());
    checks.extend(crate::checks::providers::checks());
    checks.extend(crate::checks::sessions::checks());
    checks.extend(crate::checks::rejections::checks());
    checks.extend(crate::checks::transport::checks());
    checks.extend(crate::checks::mock::checks());
    checks.extend(crate::checks::cloud::checks());
    checks.extend(crate::checks::uat::checks());
    checks
}

/// The checks whose name contains `filter` (all when `None`).
pub fn select(filter: Option<&str>) -> Vec<Check> {
    all_checks()
        .into_iter()
        .filter(|c| filter.is_none_or(|f| c.name.contains(f)))
        .collect()
}
