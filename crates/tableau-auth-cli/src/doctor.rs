//! `tableau-auth doctor`: one line per step, each with what to fix.

use std::fmt;
use std::time::Duration;

use serde_json::json;
use tableau_auth::{CredentialKind, Error, Feature};

use crate::config;
use crate::output;
use crate::{Failure, Format};

/// How long the TCP step waits for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A personal access token with less than this left is worth a warning.
const PAT_WARNING: Duration = Duration::from_secs(14 * 86_400);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

struct Step {
    name: &'static str,
    status: Status,
    detail: String,
    fix: Option<String>,
}

/// The steps so far, and the exit status they imply.
#[derive(Default)]
struct Report {
    steps: Vec<Step>,
    /// Set by a configuration failure (nothing was sent).
    configuration_failed: bool,
}

impl Report {
    fn ok(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Ok, detail, None);
    }

    fn warn(&mut self, name: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(name, Status::Warn, detail, Some(fix.into()));
    }

    fn fail(&mut self, name: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(name, Status::Fail, detail, Some(fix.into()));
    }

    fn skip(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Skip, detail, None);
    }

    /// Every remaining step, skipped after a failure.
    fn skip_rest(&mut self, after: &str) {
        let done: Vec<&str> = self.steps.iter().map(|step| step.name).collect();
        for name in STEPS {
            if !done.contains(name) {
                self.skip(name, format!("not run: {after} failed"));
            }
        }
    }

    fn push(
        &mut self,
        name: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.steps.push(Step {
            name,
            status,
            detail: detail.into(),
            fix,
        });
    }

    fn exit_status(&self) -> u8 {
        if self.configuration_failed {
            2
        } else if self.steps.iter().any(|step| step.status == Status::Fail) {
            1
        } else {
            0
        }
    }

    fn print(&self, format: Format) {
        match format {
            Format::Text => {
                let lines: Vec<String> = self
                    .steps
                    .iter()
                    .map(|step| {
                        let fix = step
                            .fix
                            .as_deref()
                            .map(|fix| format!(" — fix: {fix}"))
                            .unwrap_or_default();
                        format!(
                            "{:<4}  {:<13} {}{fix}",
                            step.status.as_str(),
                            step.name,
                            step.detail
                        )
                    })
                    .collect();
                output::line(&lines.join("\n"));
            }
            Format::Json => {
                let steps: Vec<_> = self
                    .steps
                    .iter()
                    .map(|step| {
                        json!({
                            "step": step.name,
                            "status": step.status.as_str(),
                            "detail": step.detail,
                            "fix": step.fix,
                        })
                    })
                    .collect();
                output::line(&json!({ "ok": self.exit_status() == 0, "steps": steps }).to_string());
            }
        }
    }
}

/// Every step, in order.
const STEPS: &[&str] = &[
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

/// Runs the steps, prints them, and returns the exit status.
pub(crate) async fn run(format: Format) -> Result<u8, Failure> {
    let mut report = Report::default();
    diagnose(&mut report).await;
    report.print(format);
    Ok(report.exit_status())
}

async fn diagnose(report: &mut Report) {
    // Configuration: nothing is sent until these pass.
    let env = config::env();
    let (provider, kind) = match config::provider(&env) {
        Ok(found) => found,
        Err(failure) => {
            report.configuration_failed = true;
            report.fail(
                "configuration",
                failure.message,
                "set the TABLEAU_* variables of one credential family (or TABLEAU_AUTH to \
                 choose one); see docs/cli.md",
            );
            report.skip_rest("configuration");
            return;
        }
    };
    report.ok(
        "configuration",
        format!(
            "{} from the environment, site \"{}\"",
            kind.label(),
            provider.target().content_url()
        ),
    );
    let client = match config::client(&provider) {
        Ok(client) => client,
        Err(failure) => {
            report.configuration_failed = true;
            report.fail(
                "url",
                failure.message,
                "set TABLEAU_SERVER_URL to the server's root, https://… (the pod URL on \
                 Tableau Cloud)",
            );
            report.skip_rest("url");
            return;
        }
    };
    let url = client.server_url().clone();
    report.ok("url", url.as_str());
    let setting = match config::store_setting(&*env, provider.prefix()) {
        Ok(setting) => setting,
        Err(failure) => {
            report.configuration_failed = true;
            report.fail(
                "store",
                failure.message,
                "set TABLEAU_SESSION_STORE to none, file, file:PATH or a redis:// URL",
            );
            report.skip_rest("store");
            return;
        }
    };
    let store = match config::open_store(&setting, &*env) {
        Ok(store) => store,
        Err(failure) => {
            report.configuration_failed = true;
            report.fail(
                "store",
                failure.message,
                "use a directory of your own (TABLEAU_SESSION_STORE=file:PATH), or none",
            );
            report.skip_rest("store");
            return;
        }
    };
    match &store {
        Some(store) => report.ok("store", store.describe()),
        None => report.ok(
            "store",
            "none: each process signs in for itself (with a personal access token, each \
             sign-in ends the previous session)",
        ),
    }

    // TCP.
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let connect = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await;
    match connect {
        Ok(Ok(_)) => report.ok("tcp", format!("connected to {host}:{port}")),
        Ok(Err(err)) => {
            report.fail(
                "tcp",
                format!("cannot connect to {host}:{port}: {err}"),
                "check the host name and port in TABLEAU_SERVER_URL, DNS, the firewall, and \
                 the proxy (HTTPS_PROXY)",
            );
            report.skip_rest("tcp");
            return;
        }
        Err(_) => {
            report.fail(
                "tcp",
                format!(
                    "no connection to {host}:{port} within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ),
                "check the host name and port, the firewall, and the proxy (HTTPS_PROXY)",
            );
            report.skip_rest("tcp");
            return;
        }
    }

    // TLS and serverinfo, in one call.
    let https = url.scheme() == "https";
    let info = client.server_info().await;
    let tls_failed = matches!(&info, Err(error @ Error::Transport(_))
        if error.hint().is_some_and(|hint| hint.starts_with("the TLS handshake failed")));
    if !https {
        report.skip("tls", "plain http (allowed only to the local machine)");
    } else if tls_failed {
        let error = info
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        report.fail(
            "tls",
            error,
            "trust the server's certificate authority (SSL_CERT_FILE or the system store), \
             and use the host name the certificate names",
        );
        report.skip_rest("tls");
        return;
    } else {
        report.ok("tls", format!("handshake with {host} succeeded"));
    }
    let info = match info {
        Ok(info) => {
            report.ok(
                "serverinfo",
                format!(
                    "Tableau {} (REST API {})",
                    info.product_version
                        .as_deref()
                        .unwrap_or("(version not given)"),
                    info.rest_api_version
                ),
            );
            info
        }
        Err(error) => {
            report.fail(
                "serverinfo",
                error.to_string(),
                "TABLEAU_SERVER_URL must be the server's root (no /api, no #/site/…); on \
                 Tableau Cloud, the pod URL",
            );
            report.skip_rest("serverinfo");
            return;
        }
    };

    // Version gates.
    let mut gates = Vec::new();
    let mut missing = None;
    for feature in kind
        .required_feature()
        .into_iter()
        .chain([Feature::CurrentSession])
    {
        match client.require(feature).await {
            Ok(()) => gates.push(format!(
                "{} ≥ {}",
                feature_name(feature),
                feature.minimum_version()
            )),
            Err(error) => {
                missing = Some(error);
                break;
            }
        }
    }
    match missing {
        None => report.ok(
            "version gates",
            format!("REST API {}: {}", info.rest_api_version, gates.join(", ")),
        ),
        Some(error) => {
            report.fail(
                "version gates",
                error.to_string(),
                "upgrade the server, or sign in with a password (TABLEAU_USERNAME, \
                 TABLEAU_PASSWORD)",
            );
            report.skip_rest("version gates");
            return;
        }
    }

    // Sign-in (through the store) and the session.
    let setup = config::assemble(client, std::sync::Arc::new(provider), kind, setting, store);
    let session = match setup.manager.session().await {
        Ok(session) => session,
        Err(error) => {
            let fix = error
                .hint()
                .map(|hint| hint.into_owned())
                .unwrap_or_else(|| sign_in_fix(kind).to_owned());
            report.fail("sign-in", error.to_string(), fix);
            report.skip_rest("sign-in");
            return;
        }
    };
    let origin = setup
        .shared
        .as_ref()
        .and_then(|shared| shared.last_origin())
        .map(|origin| origin.to_string())
        .unwrap_or_else(|| "signed in by this process".into());
    report.ok(
        "sign-in",
        format!(
            "{}; site \"{}\" (id {}), user id {}",
            origin,
            session.site_content_url(),
            session.site_id(),
            session.user_id()
        ),
    );
    match setup.client.current_session(&session).await {
        Ok(current) => report.ok(
            "session",
            format!(
                "GET sessions/current: user {} ({}), site {}",
                current.user.name.as_deref().unwrap_or("(unnamed)"),
                current.user.site_role.as_deref().unwrap_or("no role given"),
                current
                    .site
                    .name
                    .as_deref()
                    .unwrap_or(&current.site.content_url)
            ),
        ),
        Err(error) => {
            report.fail(
                "session",
                error.to_string(),
                error
                    .hint()
                    .map(|hint| hint.into_owned())
                    .unwrap_or_else(|| {
                        "the session was refused right after sign-in: another process may be \
                         signing in with the same personal access token without sharing the \
                         session store"
                            .into()
                    }),
            );
        }
    }

    // PAT expiry.
    if kind != CredentialKind::PersonalAccessToken {
        report.skip(
            "pat expiry",
            format!("not a personal access token ({})", kind.label()),
        );
    } else {
        match (session.pat_expires_in(), session.pat_expires_at()) {
            (Some(left), Some(at)) => {
                let when = output::rfc3339(at).unwrap_or_default();
                let days = left.as_secs() / 86_400;
                if left < PAT_WARNING {
                    report.warn(
                        "pat expiry",
                        format!("the token expires in {days} days ({when})"),
                        "create a new personal access token and update TABLEAU_PAT_SECRET \
                         before it expires",
                    );
                } else {
                    report.ok("pat expiry", format!("{days} days left ({when})"));
                }
            }
            _ => report.skip(
                "pat expiry",
                "the server did not say when the token expires",
            ),
        }
    }
}

fn feature_name(feature: Feature) -> &'static str {
    match feature {
        Feature::PersonalAccessToken => "personal access tokens",
        Feature::ConnectedApp => "connected apps",
        Feature::UnifiedAccessToken => "unified access tokens",
        Feature::CurrentSession => "sessions/current",
        _ => "feature",
    }
}

fn sign_in_fix(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::PersonalAccessToken => {
            "check TABLEAU_PAT_NAME and TABLEAU_PAT_SECRET, and TABLEAU_SITE (the site's \
             content URL, not its name)"
        }
        CredentialKind::Password => "check TABLEAU_USERNAME, TABLEAU_PASSWORD and TABLEAU_SITE",
        _ => "check the credential variables and TABLEAU_SITE",
    }
}
