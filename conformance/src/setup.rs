//! Set-up of a `--server URL` run (docs/conformance.md, "Command line"): everything that can be judged without
//! the network is judged before the first request, and a problem is a [`SetupError`] (exit 2),
//! never a report full of failed checks.

use std::fmt;
use std::sync::Arc;

use tableau_auth::{EnvironmentProvider, Error};
use tableau_auth_core::{Env, ProviderError};

use crate::context::{CheckContext, client_builder};
use tableau_mock_server::ControlClient;

/// Why a run could not start: a usage or set-up error (exit status 2). The message names the
/// problem and the variables involved, never a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError(pub String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

impl CheckContext {
    /// The context of `tableau-conformance --server URL [--allow-http]`, reading the
    /// `TABLEAU_*` variables from `env` (the binary passes the process environment; tests
    /// pass a [`StaticEnv`](tableau_auth_core::StaticEnv)).
    ///
    /// In order, and stopping at the first problem: the environment provider alone (no chain,
    /// no fallback); the client for `url` with the pinned `TABLEAU_API_VERSION`, built with
    /// the same rules the checks use (so a URL the client would refuse fails here and not in
    /// every check): plain `http://` to a host that is not loopback is refused unless
    /// `allow_http` (`--allow-http`), whatever answers there; then the first request, one
    /// `GET URL/_mock/health` without credentials to learn whether the mock's control API is
    /// there, and when it is, one control call to prove `TABLEAU_MOCK_CONTROL_TOKEN` is
    /// accepted.
    pub async fn for_server(
        url: &str,
        env: impl Env + 'static,
        allow_http: bool,
    ) -> Result<CheckContext, SetupError> {
        let token = env
            .var_os("TABLEAU_MOCK_CONTROL_TOKEN")
            .and_then(|t| t.into_string().ok())
            .filter(|t| !t.trim().is_empty());
        let provider = EnvironmentProvider::from_source(env);
        provider.check().map_err(|err| {
            SetupError(match err {
                ProviderError::NotConfigured { .. } => format!(
                    "--server needs credentials in the environment: set TABLEAU_PAT_NAME and \
                     TABLEAU_PAT_SECRET, or TABLEAU_USERNAME and TABLEAU_PASSWORD, or the \
                     TABLEAU_JWT_* variables of a connected app (see docs/providers.md); {err}"
                ),
                other => format!("the TABLEAU_* configuration is invalid: {other}"),
            })
        })?;
        let api_version = provider.api_version();
        // Judged without the network: nothing is sent to a URL the checks could not use, and
        // nothing that answers there (a `/_mock/health`, say) turns plain http on by itself.
        client_builder(url, api_version, allow_http)
            .build()
            .map_err(|err| SetupError(server_url_problem(&err)))?;

        let control = match token {
            Some(token) => ControlClient::new(url).control_token(token),
            None => ControlClient::new(url),
        };
        let healthy = control.health().await.is_ok();
        let control = if healthy {
            // /_mock/health needs no token; every other control call may. Fail set-up now
            // rather than report every control check as failed.
            control.clock().await.map_err(|e| {
                SetupError(format!(
                    "the server is a mock server but its control API refused us ({e}); set \
                     TABLEAU_MOCK_CONTROL_TOKEN to the server's --control-token"
                ))
            })?;
            Some(control)
        } else {
            None
        };
        Ok(
            CheckContext::remote(url, Arc::new(provider), control, api_version)
                .allow_http(allow_http),
        )
    }
}

/// Why the client refuses the `--server` URL. The URL itself is not repeated: the client's
/// messages already show it with any user name or password removed.
fn server_url_problem(err: &Error) -> String {
    match err {
        Error::InsecureUrl { host } => format!(
            "--server: refusing plain http:// to `{host}`, which is not this machine: the \
             credentials and session tokens would cross the network unencrypted, and nothing \
             was sent. Use the server's https:// URL; plain http is accepted for a loopback host \
             such as 127.0.0.1 or localhost, and to another host only with --allow-http (a \
             tableau-mock-server in another container, say, whose credentials are fixtures)"
        ),
        other => format!("--server: {other}"),
    }
}
