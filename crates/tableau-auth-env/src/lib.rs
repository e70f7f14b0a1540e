//! Sign in to the Tableau REST API with credentials from `TABLEAU_*` environment variables.
//!
//! [`EnvironmentProvider`] reads the variables once, at construction, decides which credential
//! family they describe and builds the matching provider (password, personal access token or
//! connected app). It also exposes the server URL, site and pinned API version, so a client can
//! be configured from the same place.
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLEAU_SERVER_URL` | server base URL, e.g. `https://10ay.online.tableau.com` |
//! | `TABLEAU_SITE` | site content URL; unset or empty means the Default site |
//! | `TABLEAU_AUTH` | optional explicit choice: `pat`, `password` or `connected-app` (any case) |
//! | `TABLEAU_PAT_NAME`, `TABLEAU_PAT_SECRET` | personal access token |
//! | `TABLEAU_USERNAME`, `TABLEAU_PASSWORD` | user name and password |
//! | `TABLEAU_JWT_CLIENT_ID`, `TABLEAU_JWT_SECRET_ID`, `TABLEAU_JWT_SECRET`, `TABLEAU_JWT_USERNAME` | connected app (direct trust) |
//! | `TABLEAU_JWT_SCOPES` | optional; scopes separated by spaces or commas, default `tableau:content:read` |
//! | `TABLEAU_IMPERSONATE_USER_ID` | optional user LUID to impersonate |
//! | `TABLEAU_API_VERSION` | optional pinned REST API version (`3.27`); otherwise negotiated |
//!
//! The rules:
//!
//! - Each secret (`TABLEAU_PAT_SECRET`, `TABLEAU_PASSWORD`, `TABLEAU_JWT_SECRET`) may instead be
//!   given as a `_FILE` variable naming a file (a mounted Docker or Kubernetes secret); the
//!   file's content less exactly one trailing `\n` or `\r\n` is the secret. Setting both forms,
//!   an unreadable file and an empty file are configuration errors.
//! - A value that is empty or all whitespace counts as unset; any other value is used verbatim,
//!   never trimmed (passwords may end with a space).
//! - `TABLEAU_AUTH`, when set, chooses the family, and that family must be complete. Otherwise
//!   exactly one family must be set, completely. No family at all is
//!   [`ProviderError::NotConfigured`] (a [`ProviderChain`](tableau_auth_core::ProviderChain)
//!   then tries its next provider); half a family, or two families, is
//!   [`ProviderError::InvalidConfiguration`] naming the variables involved.
//! - A non-UTF-8 value is a configuration error. No error message or `Debug` output ever
//!   contains a secret value.
//! - [`EnvironmentProvider::with_prefix`] reads `PROD_TABLEAU_PAT_NAME` and so on instead, for
//!   people who talk to several servers.
//!
//! Secrets are read at construction: build a new provider to pick up a rotated secret file.
//!
//! ```
//! use tableau_auth_core::{AuthProvider, CredentialKind, StaticEnv};
//! use tableau_auth_env::EnvironmentProvider;
//!
//! // Tests build the environment from a slice; production code calls `from_env()`.
//! let env = StaticEnv::from_vars(&[
//!     ("TABLEAU_SERVER_URL", "https://tableau.example.com"),
//!     ("TABLEAU_SITE", "finance"),
//!     ("TABLEAU_PAT_NAME", "ci-token"),
//!     ("TABLEAU_PAT_SECRET_FILE", "/run/secrets/tableau-pat"),
//! ])
//! .with_file("/run/secrets/tableau-pat", "SECRET-from-a-file\n");
//!
//! let provider = EnvironmentProvider::from_source(&env)?;
//! assert_eq!(provider.kind(), CredentialKind::PersonalAccessToken);
//! assert_eq!(provider.server_url(), Some("https://tableau.example.com"));
//! assert_eq!(provider.site(), "finance");
//! assert_eq!(provider.name(), "env");
//!
//! let creds = tokio::runtime::Builder::new_current_thread()
//!     .build()?
//!     .block_on(provider.credentials())?;
//! assert_eq!(creds.site(), "finance");
//! assert!(!format!("{provider:?}").contains("SECRET-from-a-file"));
//!
//! // Nothing set: "not configured", so a chain can try something else.
//! let err = EnvironmentProvider::from_source(&StaticEnv::new()).unwrap_err();
//! assert!(err.is_not_configured());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod select;
mod vars;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tableau_auth_core::{
    ApiVersion, AuthProvider, CredentialKind, Credentials, Env, ProcessEnv, ProviderError,
};
use tableau_auth_jwt::ConnectedAppProvider;
use tableau_auth_password::PasswordProvider;
use tableau_auth_pat::PersonalAccessTokenProvider;

use crate::select::{Family, select};
use crate::vars::Reader;

/// The provider name reported by [`EnvironmentProvider::name`] and in its errors.
const NAME: &str = "env";

/// The prefix of the standard variables.
pub const DEFAULT_PREFIX: &str = "TABLEAU_";

/// The provider the environment described.
#[derive(Clone)]
enum Inner {
    Password(PasswordProvider),
    Pat(PersonalAccessTokenProvider),
    ConnectedApp(ConnectedAppProvider),
}

impl Inner {
    fn as_provider(&self) -> &dyn AuthProvider {
        match self {
            Inner::Password(provider) => provider,
            Inner::Pat(provider) => provider,
            Inner::ConnectedApp(provider) => provider,
        }
    }
}

/// Signs in with the credential family that `TABLEAU_*` variables describe.
///
/// The family is chosen once, by [`from_env`](Self::from_env),
/// [`from_source`](Self::from_source) or [`with_prefix`](Self::with_prefix); every sign-in then
/// asks the provider built from it (the connected-app provider mints a new JWT each time). See
/// the [crate documentation](crate) for the variables and rules.
///
/// `Debug` prints the choice and the inner provider, never a secret:
///
/// ```
/// use tableau_auth_core::StaticEnv;
/// use tableau_auth_env::EnvironmentProvider;
///
/// let env = StaticEnv::from_vars(&[("TABLEAU_USERNAME", "jdoe"), ("TABLEAU_PASSWORD", "s3cret ")]);
/// let provider = EnvironmentProvider::from_source(&env)?;
/// assert_eq!(
///     format!("{provider:?}"),
///     r#"EnvironmentProvider { prefix: "TABLEAU_", kind: Password, server_url: None, site: "", api_version: None, impersonate_user_id: None, provider: PasswordProvider(Credentials { family: Password { username: "jdoe", password: [redacted] }, target: SignInTarget { content_url: "", impersonate: None } }) }"#
/// );
/// # Ok::<(), tableau_auth_core::ProviderError>(())
/// ```
#[derive(Clone)]
pub struct EnvironmentProvider {
    prefix: String,
    inner: Inner,
    server_url: Option<String>,
    site: String,
    api_version: Option<ApiVersion>,
    impersonate: Option<String>,
}

impl EnvironmentProvider {
    /// Reads the process environment (`TABLEAU_*`) and the files its `_FILE` variables name.
    pub fn from_env() -> Result<Self, ProviderError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `TABLEAU_*` variables from `env` (tests pass a
    /// [`StaticEnv`](tableau_auth_core::StaticEnv)).
    pub fn from_source(env: &dyn Env) -> Result<Self, ProviderError> {
        Self::with_prefix(DEFAULT_PREFIX, env)
    }

    /// Reads variables whose names start with `prefix` instead of `TABLEAU_`: with
    /// `PROD_TABLEAU_`, the PAT name is `PROD_TABLEAU_PAT_NAME`. An empty prefix is refused.
    pub fn with_prefix(prefix: &str, env: &dyn Env) -> Result<Self, ProviderError> {
        if prefix.trim().is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                "the variable prefix is empty; use TABLEAU_ or a prefix such as PROD_TABLEAU_",
            ));
        }
        let reader = Reader::new(env, prefix);
        let Some(family) = select(&reader)? else {
            return Err(ProviderError::not_configured(
                NAME,
                format!(
                    "no credential variables are set (looked for {p}AUTH, {p}PAT_NAME, \
                     {p}PAT_SECRET, {p}USERNAME, {p}PASSWORD, {p}JWT_CLIENT_ID, \
                     {p}JWT_SECRET_ID, {p}JWT_SECRET, {p}JWT_USERNAME and the _FILE forms)",
                    p = prefix
                ),
            ));
        };

        let server_url = reader.text("SERVER_URL")?;
        let site = reader.text("SITE")?.unwrap_or_default();
        let impersonate = reader.text("IMPERSONATE_USER_ID")?;
        let api_version = match reader.text("API_VERSION")? {
            None => None,
            Some(text) => Some(text.parse::<ApiVersion>().map_err(|_| {
                ProviderError::invalid_configuration(
                    NAME,
                    format!(
                        "{} is not a REST API version (expected MAJOR.MINOR, for example 3.27)",
                        reader.name("API_VERSION")
                    ),
                )
            })?),
        };

        let inner = build(&reader, family, &site, impersonate.as_deref())?;
        Ok(EnvironmentProvider {
            prefix: prefix.to_owned(),
            inner,
            server_url,
            site,
            api_version,
            impersonate,
        })
    }

    /// For a [`ProviderChain`](tableau_auth_core::ProviderChain): reads like
    /// [`with_prefix`](Self::with_prefix), but when nothing is configured returns a provider
    /// whose every sign-in answers [`ProviderError::NotConfigured`], so the chain tries its next
    /// provider. Any other error (a misconfiguration) is returned at once.
    ///
    /// ```
    /// use tableau_auth_core::{AuthProvider, CredentialKind, ProviderChain, StaticEnv};
    /// use tableau_auth_env::EnvironmentProvider;
    /// use tableau_auth_pat::PersonalAccessTokenProvider;
    ///
    /// let env = StaticEnv::new(); // nothing set
    /// let chain = ProviderChain::first_try("env", EnvironmentProvider::chain_link("TABLEAU_", &env)?)
    ///     .or_else("pat", PersonalAccessTokenProvider::new("ci-token", "SECRET")?);
    /// let creds = tokio::runtime::Builder::new_current_thread()
    ///     .build()?
    ///     .block_on(chain.credentials())?;
    /// assert_eq!(creds.kind(), CredentialKind::PersonalAccessToken);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn chain_link(prefix: &str, env: &dyn Env) -> Result<Arc<dyn AuthProvider>, ProviderError> {
        match Self::with_prefix(prefix, env) {
            Ok(provider) => Ok(Arc::new(provider)),
            Err(ProviderError::NotConfigured { reason, .. }) => {
                Ok(Arc::new(NotConfigured { reason }))
            }
            Err(other) => Err(other),
        }
    }

    /// The credential family the environment chose.
    pub fn kind(&self) -> CredentialKind {
        match self.inner {
            Inner::Password(_) => CredentialKind::Password,
            Inner::Pat(_) => CredentialKind::PersonalAccessToken,
            Inner::ConnectedApp(_) => CredentialKind::ConnectedApp,
        }
    }

    /// `TABLEAU_SERVER_URL`, verbatim, if set.
    pub fn server_url(&self) -> Option<&str> {
        self.server_url.as_deref()
    }

    /// `TABLEAU_SITE`: the site content URL (`""`, the Default site, when unset).
    pub fn site(&self) -> &str {
        &self.site
    }

    /// `TABLEAU_API_VERSION`, if set: the REST API version to use instead of negotiating one.
    pub fn api_version(&self) -> Option<ApiVersion> {
        self.api_version
    }

    /// `TABLEAU_IMPERSONATE_USER_ID`, if set.
    pub fn impersonate_user_id(&self) -> Option<&str> {
        self.impersonate.as_deref()
    }

    /// The variable prefix (`TABLEAU_` unless [`with_prefix`](Self::with_prefix) chose another).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// Builds the chosen family's provider. [`select`] has checked that its variables are set.
fn build(
    reader: &Reader<'_>,
    family: Family,
    site: &str,
    impersonate: Option<&str>,
) -> Result<Inner, ProviderError> {
    // Errors of the inner constructors name their own fields; re-attribute them to the
    // variables. They cannot normally happen: blank values count as unset and `select` has
    // refused a family with a missing variable.
    let plain = |suffix: &str| -> Result<String, ProviderError> {
        reader.text(suffix)?.ok_or_else(|| missing(reader, suffix))
    };
    let secret = |suffix: &str| {
        reader.secret(suffix)?.ok_or_else(|| {
            let file = vars::file_suffix(suffix);
            ProviderError::invalid_configuration(
                NAME,
                format!(
                    "{} (or {}) is not set",
                    reader.name(suffix),
                    reader.name(&file)
                ),
            )
        })
    };
    let rename = |err: ProviderError| match err {
        ProviderError::InvalidConfiguration {
            message, source, ..
        } => ProviderError::InvalidConfiguration {
            provider: NAME.to_owned(),
            message,
            source,
        },
        other => other,
    };
    let inner = match family {
        Family::Password => {
            let mut provider = PasswordProvider::new(plain("USERNAME")?, secret("PASSWORD")?)
                .map_err(rename)?
                .site(site);
            if let Some(user_id) = impersonate {
                provider = provider.impersonate(user_id);
            }
            Inner::Password(provider)
        }
        Family::Pat => {
            let mut provider =
                PersonalAccessTokenProvider::new(plain("PAT_NAME")?, secret("PAT_SECRET")?)
                    .map_err(rename)?
                    .site(site);
            if let Some(user_id) = impersonate {
                provider = provider.impersonate(user_id);
            }
            Inner::Pat(provider)
        }
        Family::ConnectedApp => {
            let client_id = plain("JWT_CLIENT_ID")?;
            let secret_id = plain("JWT_SECRET_ID")?;
            let secret_value = secret("JWT_SECRET")?;
            let username = plain("JWT_USERNAME")?;
            let mut provider =
                ConnectedAppProvider::new(client_id, secret_id, secret_value, username)
                    .map_err(rename)?
                    .site(site);
            if let Some(scopes) = reader.text("JWT_SCOPES")? {
                let scopes: Vec<&str> = scopes
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|scope| !scope.is_empty())
                    .collect();
                if scopes.is_empty() {
                    return Err(ProviderError::invalid_configuration(
                        NAME,
                        format!(
                            "{} lists no scope; list scopes separated by spaces or commas, or \
                             unset it for the default tableau:content:read",
                            reader.name("JWT_SCOPES")
                        ),
                    ));
                }
                provider = provider.scopes(scopes);
            }
            if let Some(user_id) = impersonate {
                provider = provider.impersonate(user_id);
            }
            Inner::ConnectedApp(provider)
        }
    };
    Ok(inner)
}

fn missing(reader: &Reader<'_>, suffix: &str) -> ProviderError {
    ProviderError::invalid_configuration(NAME, format!("{} is not set", reader.name(suffix)))
}

/// What [`EnvironmentProvider::chain_link`] returns when no variable is set.
#[derive(Debug)]
struct NotConfigured {
    reason: String,
}

#[async_trait]
impl AuthProvider for NotConfigured {
    fn name(&self) -> &str {
        NAME
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Err(ProviderError::not_configured(NAME, self.reason.clone()))
    }
}

impl fmt::Debug for EnvironmentProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvironmentProvider")
            .field("prefix", &self.prefix)
            .field("kind", &self.kind())
            .field("server_url", &self.server_url)
            .field("site", &self.site)
            .field("api_version", &self.api_version)
            .field("impersonate_user_id", &self.impersonate)
            .field("provider", self.inner.as_provider())
            .finish()
    }
}

#[async_trait]
impl AuthProvider for EnvironmentProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        self.inner.as_provider().credentials().await
    }
}
