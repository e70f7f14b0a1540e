//! Sign in to Tableau Cloud with a unified access token (UAT): a new RS256 JSON Web Token,
//! signed with your own RSA key, for every sign-in.
//!
//! A cloud administrator creates a UAT configuration in Tableau Cloud Manager (December 2025
//! and later): an **issuer**, the **tenant id**, the public half of your RSA key (or a JWKS
//! URI, whose keys are told apart by **key id**), the name of the claim that carries the
//! **user name**, and the scopes it allows. [`UnifiedAccessTokenProvider`] signs, on every
//! call to [`AuthProvider::credentials`], a short-lived JWT with the private half, and the
//! client sends it as `credentials jwt="…" isUat="true"` (JSON `"isUat": true`). UATs exist
//! only on Tableau Cloud and need REST API 3.27; the client checks the server's version.
//!
//! | part | claim | value |
//! |---|---|---|
//! | header | `alg` | `RS256` |
//! | header | `typ` | `JWT` |
//! | header | `kid` | the [key id](UnifiedAccessTokenBuilder::key_id) registered on the configuration |
//! | payload | `iss` | the configuration's [issuer](UnifiedAccessTokenBuilder::issuer) |
//! | payload | `https://tableau.com/tenantId` | the [tenant id](UnifiedAccessTokenBuilder::tenant_id) |
//! | payload | the [user-name claim](UnifiedAccessTokenBuilder::username_claim) (default `email`) | the Tableau [user name](UnifiedAccessTokenBuilder::username) |
//! | payload | `scp` | the [scopes](UnifiedAccessTokenBuilder::scopes), an array (at least one) |
//! | payload | `iat`, `nbf` | now, integer seconds since the epoch |
//! | payload | `exp` | now + the [lifetime](UnifiedAccessTokenBuilder::lifetime) (default 5 minutes, at most 10), integer seconds |
//! | payload | `jti` | a fresh UUID v4, unique even for two tokens minted in the same second |
//!
//! There is no `aud` and no `sub` (unless the user-name claim is `sub`). The key is a
//! [`PrivateKey`]: a PKCS#8 RSA PEM from memory, or a file read again at every sign-in
//! (rotation). Signing uses the `jsonwebtoken` crate on its RustCrypto back end; the clock is
//! the core [`TimeSource`], so tests control `iat`, `nbf` and `exp`.
//!
//! Unified access tokens have no impersonation: the user-name claim names the user who signs
//! in, and Tableau Cloud has no impersonation anyway. The builder therefore offers a site but
//! no `impersonate`.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use secrecy::ExposeSecret;
//! use tableau_auth_core::{AuthProvider, CredentialFamily, ManualTimeSource, Scope};
//! use tableau_auth_uat::{PrivateKey, UnifiedAccessTokenProvider};
//!
//! # let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/a.pem"));
//! let clock = ManualTimeSource::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
//! let provider = UnifiedAccessTokenProvider::builder()
//!     .issuer("https://issuer.example.com")
//!     .tenant_id("8f9d5e46-0000-4000-8000-000000000000")
//!     .key_id("key-2025-12")
//!     .private_key(PrivateKey::from_pem(pem)?) // or PrivateKey::from_file(path)?
//!     .username("jdoe@example.com")
//!     .scopes([Scope::CONTENT_READ, Scope::USERS_READ])
//!     .lifetime(Duration::from_secs(120))
//!     .time_source(Arc::new(clock))
//!     .site("marketing")
//!     .build()?;
//! assert_eq!(provider.name(), "uat");
//!
//! let creds = tokio::runtime::Builder::new_current_thread()
//!     .build()?
//!     .block_on(provider.credentials())?;
//! assert_eq!(creds.site(), "marketing");
//! let CredentialFamily::UnifiedAccessToken { jwt } = creds.family() else { unreachable!() };
//! assert_eq!(jwt.expose_secret().split('.').count(), 3);
//!
//! // Debug shows the configuration, never the key.
//! assert!(format!("{provider:?}").contains("key: PrivateKey { source: Pem([redacted]) }"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod key;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, Header};
use secrecy::SecretString;
use serde::ser::{Serialize, SerializeMap, Serializer};
use tableau_auth_core::{
    AuthProvider, CredentialKind, Credentials, ProviderError, Scope, SignInTarget, StoreIdentity,
    SystemTimeSource, TimeSource,
};

pub use key::PrivateKey;

/// The provider name reported by [`UnifiedAccessTokenProvider::name`] and in its errors.
const NAME: &str = "uat";

/// The claim that carries the tenant id.
pub const TENANT_ID_CLAIM: &str = "https://tableau.com/tenantId";

/// The user-name claim of a UAT configuration unless it names another: `email`.
pub const DEFAULT_USERNAME_CLAIM: &str = "email";

/// The default JWT lifetime (`exp` = now + 5 minutes, as Tableau's MCP server mints them).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The longest lifetime the provider signs (`exp` at most 10 minutes ahead, as for connected
/// apps; no UAT-specific limit is documented).
pub const MAX_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The shortest lifetime: `exp` is in whole seconds, so anything shorter could already be past.
pub const MIN_LIFETIME: Duration = Duration::from_secs(1);

/// Claims the provider sets itself, which the user-name claim therefore cannot be.
const RESERVED_CLAIMS: [&str; 7] = ["iss", TENANT_ID_CLAIM, "scp", "iat", "nbf", "exp", "jti"];

/// Signs in to Tableau Cloud with a unified access token, signing a new RS256 JWT for every
/// sign-in. Built with [`UnifiedAccessTokenProvider::builder`].
///
/// See the [crate documentation](crate) for the token's header and claims. `Debug` prints the
/// configuration and where the key comes from, never the key:
///
/// ```
/// use tableau_auth_uat::{PrivateKey, UnifiedAccessTokenProvider};
///
/// # let pem = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/a.pem"));
/// let provider = UnifiedAccessTokenProvider::builder()
///     .issuer("https://issuer.example.com")
///     .tenant_id("tenant")
///     .key_id("kid")
///     .private_key(PrivateKey::from_pem(pem)?)
///     .username("jdoe@example.com")
///     .scopes(["tableau:content:read"])
///     .build()?;
/// assert_eq!(
///     format!("{provider:?}"),
///     r#"UnifiedAccessTokenProvider { issuer: "https://issuer.example.com", tenant_id: "tenant", key_id: "kid", username_claim: "email", username: "jdoe@example.com", scopes: ["tableau:content:read"], lifetime: 300s, key: PrivateKey { source: Pem([redacted]) }, time: SystemTimeSource, target: SignInTarget { content_url: "", impersonate: None } }"#
/// );
/// # Ok::<(), tableau_auth_core::ProviderError>(())
/// ```
#[derive(Clone, Debug)]
pub struct UnifiedAccessTokenProvider {
    issuer: String,
    tenant_id: String,
    key_id: String,
    username_claim: String,
    username: String,
    scopes: Vec<Scope>,
    lifetime: Duration,
    key: PrivateKey,
    time: Arc<dyn TimeSource>,
    target: SignInTarget,
}

/// Collects a [`UnifiedAccessTokenProvider`]'s settings; [`build`](Self::build) checks them
/// all at once. Every setting is named, so the issuer, tenant id and key id (all opaque
/// strings) cannot be swapped by position.
///
/// Required: [`issuer`](Self::issuer), [`tenant_id`](Self::tenant_id),
/// [`key_id`](Self::key_id), [`private_key`](Self::private_key), [`username`](Self::username),
/// [`scopes`](Self::scopes). Optional: [`username_claim`](Self::username_claim) (default
/// `email`), [`lifetime`](Self::lifetime) (default 5 minutes),
/// [`time_source`](Self::time_source) (the system clock), [`site`](Self::site) (the Default
/// site, which Tableau Cloud does not have: set it). `Debug` never shows the key.
#[derive(Clone, Debug, Default)]
pub struct UnifiedAccessTokenBuilder {
    issuer: Option<String>,
    tenant_id: Option<String>,
    key_id: Option<String>,
    key: Option<PrivateKey>,
    username: Option<String>,
    username_claim: Option<String>,
    scopes: Option<Vec<String>>,
    lifetime: Option<Duration>,
    time: Option<Arc<dyn TimeSource>>,
    site: String,
}

impl UnifiedAccessTokenBuilder {
    /// The UAT configuration's issuer (`iss`), verbatim.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The Tableau Cloud tenant id (the `https://tableau.com/tenantId` claim), verbatim.
    #[must_use]
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// The key id registered on the configuration (the header's `kid`), verbatim.
    #[must_use]
    pub fn key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// The RSA private key the tokens are signed with.
    #[must_use]
    pub fn private_key(mut self, key: PrivateKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The Tableau user to sign in as (an e-mail address when the claim is `email`), verbatim.
    #[must_use]
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The name of the claim that carries the user name, as set on the UAT configuration;
    /// default `email` ([`DEFAULT_USERNAME_CLAIM`]). It cannot be one of the claims the
    /// provider sets itself (`iss`, the tenant-id claim, `scp`, `iat`, `nbf`, `exp`, `jti`).
    #[must_use]
    pub fn username_claim(mut self, claim: impl Into<String>) -> Self {
        self.username_claim = Some(claim.into());
        self
    }

    /// The scopes (`scp`), in order: texts (`"tableau:content:read"`) or [`Scope`]s. At least
    /// one, each of the form `tableau:<resource>:<action>`; the configuration may allow fewer
    /// than a JWT asks for, and Tableau refuses the sign-in then. No default: a UAT
    /// configuration decides which scopes exist, so the caller names them.
    #[must_use]
    pub fn scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(
            scopes
                .into_iter()
                .map(|scope| scope.as_ref().to_owned())
                .collect(),
        );
        self
    }

    /// How far ahead `exp` is: between 1 second and 10 minutes (default 5 minutes). Fractions
    /// of a second are dropped, since `exp` is in whole seconds.
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Uses this clock for `iat`, `nbf` and `exp` (tests pass a `ManualTimeSource`).
    #[must_use]
    pub fn time_source(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = Some(time);
        self
    }

    /// Signs in to the site with this content URL (the part after `#/site/` in a browser URL).
    /// Never the site LUID.
    #[must_use]
    pub fn site(mut self, content_url: impl Into<String>) -> Self {
        self.site = content_url.into();
        self
    }

    /// Checks every setting and builds the provider. Each problem is
    /// [`ProviderError::InvalidConfiguration`] saying what to fix and never quoting the key:
    /// required settings that are missing or blank (all named at once), a reserved user-name
    /// claim, a scope that is not `tableau:<resource>:<action>` or an empty list, a lifetime
    /// outside 1 s ..= 10 min.
    pub fn build(self) -> Result<UnifiedAccessTokenProvider, ProviderError> {
        let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
        let missing: Vec<&str> = [
            ("issuer", blank(&self.issuer)),
            ("tenant id", blank(&self.tenant_id)),
            ("key id", blank(&self.key_id)),
            ("private key", self.key.is_none()),
            ("user name", blank(&self.username)),
            ("scopes", self.scopes.is_none()),
        ]
        .into_iter()
        .filter_map(|(what, missing)| missing.then_some(what))
        .collect();
        if !missing.is_empty() {
            let (list, verb) = match missing.as_slice() {
                [only] => ((*only).to_owned(), "is"),
                [init @ .., last] => (format!("{} and {last}", init.join(", ")), "are"),
                [] => (String::new(), "are"),
            };
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!("the unified access token's {list} {verb} not set or empty"),
            ));
        }
        let username_claim = self
            .username_claim
            .unwrap_or_else(|| DEFAULT_USERNAME_CLAIM.to_owned());
        if username_claim.trim().is_empty() {
            return Err(ProviderError::invalid_configuration(
                NAME,
                "the user-name claim's name is empty; the UAT configuration names it \
                 (Tableau's default is email)",
            ));
        }
        if RESERVED_CLAIMS.contains(&username_claim.as_str()) {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!(
                    "the user-name claim cannot be {username_claim}: the provider sets that \
                     claim itself (Tableau's default user-name claim is email)"
                ),
            ));
        }
        let scopes = Scope::parse_list(self.scopes.unwrap_or_default())
            .map_err(|err| ProviderError::invalid_configuration(NAME, err.to_string()))?;
        let lifetime = self.lifetime.unwrap_or(DEFAULT_LIFETIME);
        if !(MIN_LIFETIME..=MAX_LIFETIME).contains(&lifetime) {
            return Err(ProviderError::invalid_configuration(
                NAME,
                format!(
                    "a JWT lifetime of {lifetime:?} is out of range: the provider signs tokens \
                     that live between 1 second and 10 minutes"
                ),
            ));
        }
        let (Some(issuer), Some(tenant_id), Some(key_id), Some(key), Some(username)) = (
            self.issuer,
            self.tenant_id,
            self.key_id,
            self.key,
            self.username,
        ) else {
            return Err(ProviderError::invalid_configuration(
                NAME,
                "a required setting is missing",
            ));
        };
        Ok(UnifiedAccessTokenProvider {
            issuer,
            tenant_id,
            key_id,
            username_claim,
            username,
            scopes,
            lifetime: Duration::from_secs(lifetime.as_secs()),
            key,
            time: self.time.unwrap_or_else(|| Arc::new(SystemTimeSource)),
            target: SignInTarget::site(self.site),
        })
    }
}

/// The JWT payload, in the order of the crate documentation's table. The user-name claim's
/// name is a setting, so the map is written by hand.
struct Claims<'a> {
    provider: &'a UnifiedAccessTokenProvider,
    now: u64,
    jti: String,
}

impl Serialize for Claims<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let provider = self.provider;
        let mut map = serializer.serialize_map(Some(8))?;
        map.serialize_entry("iss", &provider.issuer)?;
        map.serialize_entry(TENANT_ID_CLAIM, &provider.tenant_id)?;
        map.serialize_entry(&provider.username_claim, &provider.username)?;
        map.serialize_entry("scp", &provider.scopes)?;
        map.serialize_entry("iat", &self.now)?;
        map.serialize_entry("nbf", &self.now)?;
        map.serialize_entry("exp", &self.now.saturating_add(provider.lifetime.as_secs()))?;
        map.serialize_entry("jti", &self.jti)?;
        map.end()
    }
}

impl UnifiedAccessTokenProvider {
    /// Starts a builder; see [`UnifiedAccessTokenBuilder`] for what is required.
    pub fn builder() -> UnifiedAccessTokenBuilder {
        UnifiedAccessTokenBuilder::default()
    }

    /// The issuer (`iss`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The tenant id (`https://tableau.com/tenantId`).
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The key id (the header's `kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The name of the claim that carries the user name.
    pub fn username_claim(&self) -> &str {
        &self.username_claim
    }

    /// The user name the JWT signs in as.
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

    /// The site every sign-in asks for (never an impersonated user).
    pub fn target(&self) -> &SignInTarget {
        &self.target
    }

    /// Signs a new JWT, valid from the time source's now for the configured lifetime. A key
    /// read from a file is read again first; a file that became unreadable or unusable is
    /// [`ProviderError::InvalidConfiguration`] naming the path.
    pub fn mint(&self) -> Result<SecretString, ProviderError> {
        let now = self
            .time
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| ProviderError::failed(NAME, "the clock is before 1970"))?;
        let key = self.key.encoding_key()?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key_id.clone());
        let claims = Claims {
            provider: self,
            now: now.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let token = jsonwebtoken::encode(&header, &claims, &key).map_err(|err| {
            ProviderError::failed(NAME, "signing the JWT failed").with_source(err)
        })?;
        Ok(SecretString::from(token))
    }
}

#[async_trait]
impl AuthProvider for UnifiedAccessTokenProvider {
    fn name(&self) -> &str {
        NAME
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(Credentials::unified_access_token(self.mint()?).with_target(self.target.clone()))
    }

    /// The issuer, tenant id, key id, user-name claim and user name, the scopes and the site;
    /// sealed with the private key (read again when it comes from a file), never a JWT minted
    /// for one sign-in.
    async fn store_identity(&self) -> Result<Option<StoreIdentity>, ProviderError> {
        let key = self.key.encoding_key()?;
        let mut scopes: Vec<&str> = self.scopes.iter().map(Scope::as_str).collect();
        scopes.sort_unstable();
        scopes.dedup();
        Ok(Some(
            StoreIdentity::new(CredentialKind::UnifiedAccessToken, key.inner())
                .with_part("issuer", self.issuer.clone())
                .with_part("tenant", self.tenant_id.clone())
                .with_part("key id", self.key_id.clone())
                .with_part("user claim", self.username_claim.clone())
                .with_part("user", self.username.clone())
                .with_part("scopes", scopes.join(" "))
                .with_target(&self.target),
        ))
    }
}
