//! Sign in to the Tableau REST API as a connected app (direct trust): a new HS256 JSON Web
//! Token for every sign-in.
//!
//! A connected app is created by a site administrator; Tableau shows its **client ID**, a
//! **secret ID** and the **secret value**. [`ConnectedAppProvider`] uses them to mint, on
//! every call to [`AuthProvider::credentials`], a short-lived single-use JWT:
//!
//! | part | claim | value |
//! |---|---|---|
//! | header | `alg` | `HS256` |
//! | header | `typ` | `JWT` |
//! | header | `kid` | the secret ID |
//! | header | `iss` | the client ID |
//! | payload | `iss` | the client ID |
//! | payload | `sub` | the Tableau user name to sign in as (case-sensitive) |
//! | payload | `aud` | `"tableau"` |
//! | payload | `exp` | now + [lifetime](ConnectedAppProvider::try_lifetime), integer seconds (default 5 minutes, at most 10) |
//! | payload | `jti` | a fresh UUID v4 |
//! | payload | `scp` | the [scopes](ConnectedAppProvider::scopes), default `["tableau:content:read"]` |
//!
//! The HMAC key is the UTF-8 bytes of the secret value exactly as Tableau shows it. It looks
//! like base64 but is never decoded. Signing uses the `jsonwebtoken` crate on its RustCrypto
//! back end. The clock is the core [`TimeSource`], so tests control `exp`.
//!
//! Unlike personal access tokens, JWT sign-ins do not end each other's sessions: several
//! processes may use the same connected app at once.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use tableau_auth_core::{AuthProvider, CredentialFamily, ManualTimeSource};
//! use tableau_auth_jwt::ConnectedAppProvider;
//!
//! let clock = ManualTimeSource::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
//! let provider = ConnectedAppProvider::new("client-id", "secret-id", "c2VjcmV0", "jdoe@example.com")?
//!     .scopes(["tableau:content:read", "tableau:views:embed"])?
//!     .try_lifetime(Duration::from_secs(120))?
//!     .time_source(Arc::new(clock))
//!     .site("MarketingTeam");
//! assert_eq!(provider.name(), "connected-app");
//!
//! let creds = tokio::runtime::Builder::new_current_thread()
//!     .build()?
//!     .block_on(provider.credentials())?;
//! assert_eq!(creds.site(), "MarketingTeam");
//! let CredentialFamily::ConnectedApp { jwt } = creds.family() else { unreachable!() };
//! use secrecy::ExposeSecret;
//! assert_eq!(jwt.expose_secret().split('.').count(), 3);
//!
//! // Debug shows the ids and the user, never the secret value.
//! assert!(!format!("{provider:?}").contains("c2VjcmV0"));
//!
//! // A scope that is not `tableau:<resource>:<action>` is refused when the provider is built.
//! let typo = ConnectedAppProvider::new("client-id", "secret-id", "c2VjcmV0", "jdoe@example.com")?
//!     .scopes(["tableau:content.read"])
//!     .unwrap_err();
//! assert!(typo.to_string().contains("scope 1 in the list is not a scope"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tableau_auth_core::{
    AuthProvider, CredentialKind, Credentials, ProviderError, Redacted, Scope, SignInTarget,
    StoreIdentity, SystemTimeSource, TimeSource,
};

/// The provider name reported by [`ConnectedAppProvider::name`] and in its errors.
const NAME: &str = "connected-app";

/// The `aud` claim Tableau expects.
pub const AUDIENCE: &str = "tableau";

/// The scope used when none is given: `tableau:content:read`.
pub const DEFAULT_SCOPE: Scope = Scope::CONTENT_READ;

/// The default JWT lifetime (`exp` = now + 5 minutes).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The longest lifetime Tableau accepts (`exp` at most 10 minutes ahead).
pub const MAX_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The shortest lifetime: `exp` is in whole seconds, so anything shorter could already be past.
pub const MIN_LIFETIME: Duration = Duration::from_secs(1);

/// Signs in as a connected app (direct trust), minting a new HS256 JWT for every sign-in.
///
/// See the [crate documentation](crate) for the token's header and claims. `Debug` prints the
/// client ID, secret ID, user name, scopes and site, never the secret value:
///
/// ```
/// use tableau_auth_jwt::ConnectedAppProvider;
///
/// let provider = ConnectedAppProvider::new("cid", "sid", "c2VjcmV0", "jdoe")?;
/// assert_eq!(
///     format!("{provider:?}"),
///     r#"ConnectedAppProvider { client_id: "cid", secret_id: "sid", secret_value: [redacted], username: "jdoe", scopes: ["tableau:content:read"], lifetime: 300s, time: SystemTimeSource, target: SignInTarget { content_url: "", impersonate: None } }"#
/// );
/// # Ok::<(), tableau_auth_core::ProviderError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ConnectedAppProvider {
    client_id: String,
    secret_id: String,
    secret_value: Redacted<SecretString>,
    username: String,
    scopes: Vec<Scope>,
    lifetime: Duration,
    time: Arc<dyn TimeSource>,
    target: SignInTarget,
}

/// The JWT header: `jsonwebtoken`'s header plus `iss`, which Tableau's samples put there too.
fn header(client_id: &str, secret_id: &str) -> Header {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(secret_id.to_owned());
    header.extras.insert("iss".to_owned(), client_id.to_owned());
    header
}

/// The JWT payload, in the order of docs/protocol.md section 9.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'static str,
    exp: u64,
    jti: String,
    scp: &'a [Scope],
}

impl ConnectedAppProvider {
    /// A provider for this connected app, signing in as `username` (the Tableau user name; an
    /// e-mail address on Tableau Cloud).
    ///
    /// Defaults: scopes `["tableau:content:read"]`, lifetime 5 minutes, the system clock, the
    /// Default site. All four values are kept verbatim; an empty or whitespace-only one is
    /// refused with [`ProviderError::InvalidConfiguration`] naming it (never its value).
    pub fn new(
        client_id: impl Into<String>,
        secret_id: impl Into<String>,
        secret_value: impl Into<SecretString>,
        username: impl Into<String>,
    ) -> Result<Self, ProviderError> {
        let client_id = client_id.into();
        let secret_id = secret_id.into();
        let secret_value = secret_value.into();
        let username = username.into();
        let empty = [
            ("client ID", client_id.trim().is_empty()),
            ("secret ID", secret_id.trim().is_empty()),
            (
                "secret value",
                secret_value.expose_secret().trim().is_empty(),
            ),
            ("user name", username.trim().is_empty()),
        ];
        let empty: Vec<&str> = empty
            .iter()
            .filter(|(_, is_empty)| *is_empty)
            .map(|(what, _)| *what)
            .collect();
        if !empty.is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                match empty.as_slice() {
                    [only] => format!("the connected app's {only} is empty"),
                    [init @ .., last] => format!(
                        "the connected app's {} and {last} are empty",
                        init.join(", ")
                    ),
                    [] => String::new(),
                },
            ));
        }
        Ok(ConnectedAppProvider {
            client_id,
            secret_id,
            secret_value: Redacted::new(secret_value),
            username,
            scopes: vec![DEFAULT_SCOPE],
            lifetime: DEFAULT_LIFETIME,
            time: Arc::new(SystemTimeSource),
            target: SignInTarget::default(),
        })
    }

    /// Replaces the scopes (`scp`) with these, in order: texts (`"tableau:views:embed"`) or
    /// [`Scope`]s ([`Scope::VIEWS_EMBED`]).
    ///
    /// Each must have the form `tableau:<resource>:<action>` (see [`Scope`]), and there must be
    /// at least one (Tableau rejects a JWT whose `scp` is empty); otherwise
    /// [`ProviderError::InvalidConfiguration`] says which entry is wrong and why, so a typo is
    /// found when the provider is built, not by a 401 at the first sign-in. Whether the
    /// connected app grants the scopes is only known to the server.
    pub fn scopes<S: AsRef<str>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Self, ProviderError> {
        self.scopes = Scope::parse_list(scopes)
            .map_err(|err| ProviderError::invalid_configuration(NAME, err.to_string()))?;
        Ok(self)
    }

    /// Sets how far ahead `exp` is, clamped to between [`MIN_LIFETIME`] (1 s) and
    /// [`MAX_LIFETIME`] (10 minutes). Prefer [`try_lifetime`](Self::try_lifetime), which
    /// refuses an out-of-range value instead.
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.clamp(MIN_LIFETIME, MAX_LIFETIME);
        self
    }

    /// Sets how far ahead `exp` is: at least 1 second, at most 10 minutes (Tableau refuses a
    /// JWT that expires later). Out of range → [`ProviderError::InvalidConfiguration`].
    /// Fractions of a second are dropped, since `exp` is in whole seconds.
    pub fn try_lifetime(mut self, lifetime: Duration) -> Result<Self, ProviderError> {
        if lifetime < MIN_LIFETIME || lifetime > MAX_LIFETIME {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!(
                    "a JWT lifetime of {lifetime:?} is out of range: Tableau accepts between \
                     1 second and 10 minutes"
                ),
            ));
        }
        self.lifetime = Duration::from_secs(lifetime.as_secs());
        Ok(self)
    }

    /// Uses this clock for `exp` (tests pass a `ManualTimeSource`).
    #[must_use]
    pub fn time_source(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = time;
        self
    }

    /// Signs in to the site with this content URL (the part after `#/site/` in a browser URL;
    /// `""` is the Default site). Never the site LUID.
    #[must_use]
    pub fn site(mut self, content_url: impl Into<String>) -> Self {
        self.target = self.target.with_site(content_url);
        self
    }

    /// Impersonates the user with this LUID.
    #[must_use]
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.target = self.target.with_impersonation(user_id);
        self
    }

    /// The connected app's client ID (`iss`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The secret ID (`kid`).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The user name the JWT signs in as (`sub`).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The scopes (`scp`).
    pub fn scope_list(&self) -> &[Scope] {
        &self.scopes
    }

    /// How far ahead of now `exp` is set.
    pub fn token_lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The site and impersonated user every sign-in asks for.
    pub fn target(&self) -> &SignInTarget {
        &self.target
    }

    /// Mints a new signed JWT, valid from the time source's now for the configured lifetime.
    pub fn mint(&self) -> Result<SecretString, ProviderError> {
        let now = self
            .time
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| ProviderError::failed(NAME, "the clock is before 1970"))?;
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.username,
            aud: AUDIENCE,
            exp: now.as_secs().saturating_add(self.lifetime.as_secs()),
            jti: uuid::Uuid::new_v4().to_string(),
            scp: &self.scopes,
        };
        let key = EncodingKey::from_secret(self.secret_value.expose_secret().as_bytes());
        let token = jsonwebtoken::encode(&header(&self.client_id, &self.secret_id), &claims, &key)
            .map_err(|err| {
                ProviderError::failed(NAME, "signing the JWT failed").with_source(err)
            })?;
        Ok(SecretString::from(token))
    }
}

#[async_trait]
impl AuthProvider for ConnectedAppProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(Credentials::connected_app(self.mint()?).with_target(self.target.clone()))
    }

    /// The client id, secret id, user name, scopes, site and impersonated user; sealed with
    /// the connected app's secret value (never a JWT minted for one sign-in).
    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        Ok(Some(
            StoreIdentity::new(
                CredentialKind::ConnectedApp,
                self.secret_value.expose_secret().as_bytes(),
            )
            .with_part("client", self.client_id.clone())
            .with_part("secret id", self.secret_id.clone())
            .with_part("user", self.username.clone())
            .with_part("scopes", scope_list(&self.scopes))
            .with_target(&self.target),
        ))
    }
}

/// The scopes as the store identity names them: sorted and de-duplicated, so the order they
/// were listed in does not split one identity in two.
fn scope_list(scopes: &[Scope]) -> String {
    let mut names: Vec<&str> = scopes.iter().map(Scope::as_str).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}
