//! Sign in to the Tableau REST API with credentials from `TABLEAU_*` environment variables.
//!
//! [`EnvironmentProvider`] reads the variables once, at construction, and decides which credential
//! family they describe (password, personal access token, connected app or unified access
//! token). Construction never
//! fails: "nothing configured" and "misconfigured" are answers of
//! [`credentials`](AuthProvider::credentials) (and of [`EnvironmentProvider::check`], which
//! asks before any network call), so the provider sits in a
//! [`ProviderChain`](tableau_auth_core::ProviderChain) directly. It also exposes the server URL,
//! site and pinned API version, so a client can be configured from the same place.
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLEAU_SERVER_URL` | server base URL, e.g. `https://10ay.online.tableau.com` |
//! | `TABLEAU_SITE` | site content URL; unset or empty means the Default site |
//! | `TABLEAU_AUTH` | optional explicit choice: `pat`, `password`, `connected-app` or `uat` (any case) |
//! | `TABLEAU_PAT_NAME`, `TABLEAU_PAT_SECRET` | personal access token |
//! | `TABLEAU_USERNAME`, `TABLEAU_PASSWORD` | user name and password |
//! | `TABLEAU_JWT_CLIENT_ID`, `TABLEAU_JWT_SECRET_ID`, `TABLEAU_JWT_SECRET`, `TABLEAU_JWT_USERNAME` | connected app (direct trust) |
//! | `TABLEAU_JWT_SCOPES` | optional; scopes separated by spaces or commas, default `tableau:content:read` |
//! | `TABLEAU_UAT_ISSUER`, `TABLEAU_UAT_TENANT_ID`, `TABLEAU_UAT_KEY_ID`, `TABLEAU_UAT_PRIVATE_KEY`, `TABLEAU_UAT_USERNAME`, `TABLEAU_UAT_SCOPES` | unified access token (Tableau Cloud): the configuration's issuer, tenant id and key id, the PKCS#8 RSA private key (PEM), the user name, and the scopes (required, separated by spaces or commas) |
//! | `TABLEAU_UAT_USERNAME_CLAIM` | optional; the configuration's user-name claim, default `email` |
//! | `TABLEAU_IMPERSONATE_USER_ID` | optional user LUID to impersonate |
//! | `TABLEAU_API_VERSION` | optional pinned REST API version (`3.27`); otherwise negotiated |
//!
//! The rules:
//!
//! - Each secret (`TABLEAU_PAT_SECRET`, `TABLEAU_PASSWORD`, `TABLEAU_JWT_SECRET`,
//!   `TABLEAU_UAT_PRIVATE_KEY`) may instead be given as a `_FILE` variable naming a file (a mounted Docker or Kubernetes secret); the
//!   file's content less exactly one trailing `\n` or `\r\n` is the secret. Setting both forms,
//!   an unreadable file and an empty file are configuration errors. The file is read when the
//!   provider is built (to report a problem early) and **again at every sign-in**, so a rotated
//!   secret is used without a restart.
//! - A value that is empty or all whitespace counts as unset; any other value is used verbatim,
//!   never trimmed (passwords may end with a space).
//! - `TABLEAU_AUTH`, when set, chooses the family, and that family must be complete. Otherwise
//!   exactly one family must be set, completely. No family at all is
//!   [`ProviderError::NotConfigured`] (a [`ProviderChain`](tableau_auth_core::ProviderChain)
//!   then tries its next provider); half a family, or two families, is
//!   [`ProviderError::InvalidConfiguration`] naming the variables involved, which stops a chain.
//! - Scopes (`TABLEAU_JWT_SCOPES`, `TABLEAU_UAT_SCOPES`) are checked when the provider is
//!   built: each must be `tableau:<resource>:<action>` ([`Scope`]).
//!   The private key is checked then too (PEM, RSA, not encrypted). A unified access token
//!   cannot impersonate, so `TABLEAU_IMPERSONATE_USER_ID` with it is a configuration error.
//! - A non-UTF-8 value is a configuration error. No error message or `Debug` output ever
//!   contains a secret value (nor a scope or the private key).
//! - [`EnvironmentProvider::with_prefix`] reads `PROD_TABLEAU_PAT_NAME` and so on instead, for
//!   people who talk to several servers.
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
//! let provider = EnvironmentProvider::from_source(env);
//! assert_eq!(provider.check()?, CredentialKind::PersonalAccessToken);
//! assert_eq!(provider.server_url(), Some("https://tableau.example.com"));
//! assert_eq!(provider.target().content_url(), "finance");
//! assert_eq!(provider.name(), "env");
//!
//! let creds = tokio::runtime::Builder::new_current_thread()
//!     .build()?
//!     .block_on(provider.credentials())?;
//! assert_eq!(creds.site(), "finance");
//! assert!(!format!("{provider:?}").contains("SECRET-from-a-file"));
//!
//! // Nothing set: "not configured", so a chain can try something else.
//! let err = EnvironmentProvider::from_source(StaticEnv::new()).check().unwrap_err();
//! assert!(err.is_not_configured());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod select;
mod vars;

use std::sync::Arc;

use async_trait::async_trait;
use tableau_auth_core::{
    ApiVersion, AuthProvider, CredentialKind, Credentials, Env, ProcessEnv, ProviderError, Scope,
    SignInTarget, StoreIdentity, SystemTimeSource, TimeSource,
};
use tableau_auth_jwt::ConnectedAppProvider;
use tableau_auth_password::PasswordProvider;
use tableau_auth_pat::PersonalAccessTokenProvider;
use tableau_auth_uat::{PrivateKey, UnifiedAccessTokenProvider};

use crate::select::select;
use crate::vars::{Reader, SecretSource};

/// The provider name reported by [`EnvironmentProvider::name`] and in its errors.
const NAME: &str = "env";

/// The prefix of the standard variables.
pub const DEFAULT_PREFIX: &str = "TABLEAU_";

/// The credential family the environment chose, with its values; secrets stay where they are
/// (a value or a file) and are resolved at each sign-in.
#[derive(Clone, Debug)]
enum Choice {
    Password {
        username: String,
        password: SecretSource,
    },
    PersonalAccessToken {
        name: String,
        secret: SecretSource,
    },
    ConnectedApp {
        client_id: String,
        secret_id: String,
        secret: SecretSource,
        username: String,
        scopes: Option<Vec<Scope>>,
    },
    UnifiedAccessToken {
        issuer: String,
        tenant_id: String,
        key_id: String,
        key: SecretSource,
        username: String,
        username_claim: Option<String>,
        scopes: Vec<Scope>,
    },
}

impl Choice {
    fn kind(&self) -> CredentialKind {
        match self {
            Choice::Password { .. } => CredentialKind::Password,
            Choice::PersonalAccessToken { .. } => CredentialKind::PersonalAccessToken,
            Choice::ConnectedApp { .. } => CredentialKind::ConnectedApp,
            Choice::UnifiedAccessToken { .. } => CredentialKind::UnifiedAccessToken,
        }
    }
}

/// Signs in with the credential family that `TABLEAU_*` variables describe.
///
/// The family is chosen once, when the provider is built by [`from_env`](Self::from_env),
/// [`from_source`](Self::from_source) or [`with_prefix`](Self::with_prefix), which never fail:
/// an environment with nothing set answers every sign-in with
/// [`ProviderError::NotConfigured`] and a misconfigured one with
/// [`ProviderError::InvalidConfiguration`]; [`check`](Self::check) gives that answer before any
/// network call. Every sign-in then resolves the secrets (re-reading `_FILE` secrets) and asks
/// the family's provider (the connected-app provider mints a new JWT each time). See the
/// [crate documentation](crate) for the variables and rules.
///
/// `Debug` prints the choice, never a secret:
///
/// ```
/// use tableau_auth_core::StaticEnv;
/// use tableau_auth_env::EnvironmentProvider;
///
/// let env = StaticEnv::from_vars(&[("TABLEAU_USERNAME", "jdoe"), ("TABLEAU_PASSWORD", "s3cret ")]);
/// let provider = EnvironmentProvider::from_source(env);
/// let debug = format!("{provider:?}");
/// assert!(debug.contains(r#"choice: Ok(Password { username: "jdoe", password: Value([redacted]) })"#), "{debug}");
/// assert!(!debug.contains("s3cret"));
/// ```
#[derive(Clone, Debug)]
pub struct EnvironmentProvider {
    prefix: String,
    server_url: Option<String>,
    api_version: Option<ApiVersion>,
    target: SignInTarget,
    choice: Result<Choice, ProviderError>,
    env: Arc<dyn Env>,
    time: Arc<dyn TimeSource>,
}

impl EnvironmentProvider {
    /// Reads the process environment (`TABLEAU_*`) and the files its `_FILE` variables name.
    pub fn from_env() -> Self {
        Self::from_source(ProcessEnv)
    }

    /// Reads `TABLEAU_*` variables from `env` (tests pass a
    /// [`StaticEnv`](tableau_auth_core::StaticEnv)). The provider keeps `env` to re-read
    /// `_FILE` secrets at each sign-in.
    pub fn from_source(env: impl Env + 'static) -> Self {
        Self::with_prefix(DEFAULT_PREFIX, env)
    }

    /// Reads variables whose names start with `prefix` instead of `TABLEAU_`: with
    /// `PROD_TABLEAU_`, the PAT name is `PROD_TABLEAU_PAT_NAME`. An empty prefix is a
    /// configuration error.
    pub fn with_prefix(prefix: &str, env: impl Env + 'static) -> Self {
        let env: Arc<dyn Env> = Arc::new(env);
        let reader = Reader::new(&*env, prefix);
        let mut provider = EnvironmentProvider {
            prefix: prefix.to_owned(),
            server_url: None,
            api_version: None,
            target: SignInTarget::default(),
            choice: Err(ProviderError::not_configured(NAME, "")),
            time: Arc::new(SystemTimeSource),
            env: Arc::clone(&env),
        };
        provider.choice = provider.read(&reader);
        provider
    }

    /// Reads everything; the first error becomes the provider's answer.
    fn read(&mut self, reader: &Reader<'_>) -> Result<Choice, ProviderError> {
        let prefix = &self.prefix;
        if prefix.trim().is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                "the variable prefix is empty; use TABLEAU_ or a prefix such as PROD_TABLEAU_",
            ));
        }
        let Some(kind) = select(reader)? else {
            return Err(ProviderError::not_configured(
                NAME,
                format!(
                    "no credential variables are set (looked for {p}AUTH, {p}PAT_NAME, \
                     {p}PAT_SECRET, {p}USERNAME, {p}PASSWORD, {p}JWT_CLIENT_ID, \
                     {p}JWT_SECRET_ID, {p}JWT_SECRET, {p}JWT_USERNAME, {p}UAT_ISSUER, \
                     {p}UAT_TENANT_ID, {p}UAT_KEY_ID, {p}UAT_PRIVATE_KEY, {p}UAT_USERNAME, \
                     {p}UAT_SCOPES and the _FILE forms)",
                    p = prefix
                ),
            ));
        };
        self.server_url = reader.text("SERVER_URL")?;
        self.target = SignInTarget::site(reader.text("SITE")?.unwrap_or_default())
            .with_optional_impersonation(reader.text("IMPERSONATE_USER_ID")?);
        self.api_version = match reader.text("API_VERSION")? {
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
        if kind == CredentialKind::UnifiedAccessToken
            && self.target.impersonated_user_id().is_some()
        {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!(
                    "{} is set, but a unified access token cannot impersonate (its user-name \
                     claim names the user who signs in, and Tableau Cloud has no \
                     impersonation); unset it",
                    reader.name("IMPERSONATE_USER_ID")
                ),
            ));
        }
        let choice = choose(reader, kind)?;
        // Check the values the family's provider checks, now rather than at the first sign-in.
        self.build(&choice)?;
        Ok(choice)
    }

    /// Uses this clock for the JWTs' times (connected app and unified access token; tests pass
    /// the mock server's clock).
    #[must_use]
    pub fn time_source(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = time;
        self
    }

    /// The family the environment chose, or why there is none: [`ProviderError::NotConfigured`]
    /// when no credential variable is set, [`ProviderError::InvalidConfiguration`] (naming the
    /// variables) when they are incomplete or contradictory. Sends nothing.
    pub fn check(&self) -> Result<CredentialKind, ProviderError> {
        self.choice.as_ref().map(Choice::kind).map_err(Clone::clone)
    }

    /// The credential family the environment chose, if it chose one.
    pub fn kind(&self) -> Option<CredentialKind> {
        self.check().ok()
    }

    /// `TABLEAU_SERVER_URL`, verbatim, if set.
    pub fn server_url(&self) -> Option<&str> {
        self.server_url.as_deref()
    }

    /// `TABLEAU_SITE` (`""`, the Default site, when unset) and `TABLEAU_IMPERSONATE_USER_ID`.
    pub fn target(&self) -> &SignInTarget {
        &self.target
    }

    /// `TABLEAU_API_VERSION`, if set: the REST API version to use instead of negotiating one.
    pub fn api_version(&self) -> Option<ApiVersion> {
        self.api_version
    }

    /// The variable prefix (`TABLEAU_` unless [`with_prefix`](Self::with_prefix) chose another).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The environment the provider reads (variables and files), for settings that are not
    /// credentials: the client reads `TABLEAU_CA_FILE` through it.
    pub fn env(&self) -> &dyn Env {
        &*self.env
    }

    /// The family's provider, with the secrets as they are now.
    fn build(&self, choice: &Choice) -> Result<Arc<dyn AuthProvider>, ProviderError> {
        let env = &*self.env;
        let site = self.target.content_url();
        let impersonate = self.target.impersonated_user_id();
        // The inner constructors name their own fields; report them as this provider's.
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
        let provider: Arc<dyn AuthProvider> = match choice {
            Choice::Password { username, password } => {
                let mut provider = PasswordProvider::new(username.clone(), password.resolve(env)?)
                    .map_err(rename)?
                    .site(site);
                if let Some(user_id) = impersonate {
                    provider = provider.impersonate(user_id);
                }
                Arc::new(provider)
            }
            Choice::PersonalAccessToken { name, secret } => {
                let mut provider =
                    PersonalAccessTokenProvider::new(name.clone(), secret.resolve(env)?)
                        .map_err(rename)?
                        .site(site);
                if let Some(user_id) = impersonate {
                    provider = provider.impersonate(user_id);
                }
                Arc::new(provider)
            }
            Choice::ConnectedApp {
                client_id,
                secret_id,
                secret,
                username,
                scopes,
            } => {
                let mut provider = ConnectedAppProvider::new(
                    client_id.clone(),
                    secret_id.clone(),
                    secret.resolve(env)?,
                    username.clone(),
                )
                .map_err(rename)?
                .time_source(Arc::clone(&self.time))
                .site(site);
                if let Some(scopes) = scopes {
                    provider = provider.scopes(scopes).map_err(rename)?;
                }
                if let Some(user_id) = impersonate {
                    provider = provider.impersonate(user_id);
                }
                Arc::new(provider)
            }
            Choice::UnifiedAccessToken {
                issuer,
                tenant_id,
                key_id,
                key,
                username,
                username_claim,
                scopes,
            } => {
                let pem = key.resolve(env)?;
                let subject = key.describe(&format!("{}UAT_PRIVATE_KEY", self.prefix));
                let private_key = PrivateKey::from_pem(pem).map_err(|err| match err {
                    // "the private key is not in PEM format: …" names the variable instead.
                    ProviderError::InvalidConfiguration {
                        message, source, ..
                    } => ProviderError::InvalidConfiguration {
                        provider: NAME.to_owned(),
                        message: match message.strip_prefix("the private key ") {
                            Some(problem) => format!("{subject} {problem}"),
                            None => format!("{subject}: {message}"),
                        },
                        source,
                    },
                    other => other,
                })?;
                let mut builder = UnifiedAccessTokenProvider::builder()
                    .issuer(issuer.clone())
                    .tenant_id(tenant_id.clone())
                    .key_id(key_id.clone())
                    .private_key(private_key)
                    .username(username.clone())
                    .scopes(scopes)
                    .time_source(Arc::clone(&self.time))
                    .site(site);
                if let Some(claim) = username_claim {
                    builder = builder.username_claim(claim.clone());
                }
                let claim_variable = format!("{}UAT_USERNAME_CLAIM", self.prefix);
                Arc::new(builder.build().map_err(|err| match rename(err) {
                    // The only setting left to refuse here is the user-name claim.
                    ProviderError::InvalidConfiguration {
                        provider,
                        message,
                        source,
                    } if message.starts_with("the user-name claim") => {
                        ProviderError::InvalidConfiguration {
                            provider,
                            message: format!("{claim_variable}: {message}"),
                            source,
                        }
                    }
                    other => other,
                })?)
            }
        };
        Ok(provider)
    }
}

/// Reads the chosen family's values. [`select`] has checked that its variables are set.
fn choose(reader: &Reader<'_>, kind: CredentialKind) -> Result<Choice, ProviderError> {
    let plain = |suffix: &str| -> Result<String, ProviderError> {
        reader.text(suffix)?.ok_or_else(|| {
            ProviderError::invalid_configuration(
                NAME,
                format!("{} is not set", reader.name(suffix)),
            )
        })
    };
    let secret = |suffix: &str| {
        reader.secret(suffix)?.ok_or_else(|| {
            ProviderError::invalid_configuration(
                NAME,
                format!(
                    "{} (or {}) is not set",
                    reader.name(suffix),
                    reader.name(&vars::file_suffix(suffix))
                ),
            )
        })
    };
    Ok(match kind {
        CredentialKind::Password => Choice::Password {
            username: plain("USERNAME")?,
            password: secret("PASSWORD")?,
        },
        CredentialKind::PersonalAccessToken => Choice::PersonalAccessToken {
            name: plain("PAT_NAME")?,
            secret: secret("PAT_SECRET")?,
        },
        CredentialKind::UnifiedAccessToken => Choice::UnifiedAccessToken {
            issuer: plain("UAT_ISSUER")?,
            tenant_id: plain("UAT_TENANT_ID")?,
            key_id: plain("UAT_KEY_ID")?,
            key: secret("UAT_PRIVATE_KEY")?,
            username: plain("UAT_USERNAME")?,
            username_claim: reader.text("UAT_USERNAME_CLAIM")?,
            scopes: scopes(reader, "UAT_SCOPES")?.ok_or_else(|| {
                ProviderError::invalid_configuration(
                    NAME,
                    format!("{} is not set", reader.name("UAT_SCOPES")),
                )
            })?,
        },
        _ => Choice::ConnectedApp {
            client_id: plain("JWT_CLIENT_ID")?,
            secret_id: plain("JWT_SECRET_ID")?,
            secret: secret("JWT_SECRET")?,
            username: plain("JWT_USERNAME")?,
            scopes: scopes(reader, "JWT_SCOPES")?,
        },
    })
}

/// A scopes variable (`JWT_SCOPES`, `UAT_SCOPES`): scopes separated by spaces or commas, each
/// checked; `None` when unset. Messages name the variable and the entry's position, never a
/// value (a secret pasted into the wrong variable stays out of logs).
fn scopes(reader: &Reader<'_>, suffix: &str) -> Result<Option<Vec<Scope>>, ProviderError> {
    let Some(text) = reader.text(suffix)? else {
        return Ok(None);
    };
    let name = reader.name(suffix);
    let listed: Vec<&str> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|scope| !scope.is_empty())
        .collect();
    if listed.is_empty() {
        let hint = if suffix == "JWT_SCOPES" {
            ", or unset it for the default tableau:content:read"
        } else {
            " (for example tableau:content:read)"
        };
        return Err(ProviderError::invalid_configuration(
            NAME,
            format!("{name} lists no scope; list scopes separated by spaces or commas{hint}"),
        ));
    }
    Scope::parse_list(listed)
        .map(Some)
        .map_err(|err| ProviderError::invalid_configuration(NAME, format!("{name}: {err}")))
}

#[async_trait]
impl AuthProvider for EnvironmentProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let choice = self.choice.as_ref().map_err(Clone::clone)?;
        self.build(choice)?.credentials().await
    }

    /// The chosen family's identity, with the secrets as they are now (a `_FILE` secret is
    /// read again); the same errors as [`credentials`](AuthProvider::credentials).
    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        let choice = self.choice.as_ref().map_err(Clone::clone)?;
        self.build(choice)?.store_identity().await
    }
}
