//! Plain public value types of the library API (mirroring the control API's JSON).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A site, as the control API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SiteInfo {
    /// Site LUID.
    pub id: String,
    /// URL name (`""` for the Default site).
    pub content_url: String,
    /// Display name.
    pub name: String,
    /// Default maximum lifetime of the site's PATs, in days (a site setting on Tableau Cloud).
    pub pat_lifetime_days: u32,
}

/// A user, as the control API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// User LUID (on this site).
    pub id: String,
    /// User name.
    pub name: String,
    /// Site content URL.
    pub site: String,
    /// Site role.
    pub site_role: String,
}

/// A newly created personal access token: the only place its secret is shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatInfo {
    /// Token name.
    pub name: String,
    /// Token secret.
    pub secret: String,
    /// End of its maximum lifetime (whole seconds on the control API).
    #[serde(with = "crate::clock::rfc3339_seconds")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for PatInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatInfo")
            .field("name", &self.name)
            .field("secret", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A connected app (direct trust) secret to register.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectedApp {
    /// Site content URL.
    pub site: String,
    /// Client id (the JWT `iss`).
    pub client_id: String,
    /// Secret id (the JWT header `kid`).
    pub secret_id: String,
    /// Secret value (the HMAC key, as UTF-8 bytes).
    pub secret_value: String,
    /// Whether the app accepts JWTs.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl std::fmt::Debug for ConnectedApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectedApp")
            .field("site", &self.site)
            .field("client_id", &self.client_id)
            .field("secret_id", &self.secret_id)
            .field("secret_value", &"[redacted]")
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// A registered connected app, as the control API answers it: everything but the secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedAppInfo {
    /// Site content URL.
    pub site: String,
    /// Client id (the JWT `iss`).
    pub client_id: String,
    /// Secret id (the JWT header `kid`).
    pub secret_id: String,
    /// Whether the app accepts JWTs.
    pub enabled: bool,
}

impl From<&ConnectedApp> for ConnectedAppInfo {
    fn from(app: &ConnectedApp) -> Self {
        Self {
            site: app.site.clone(),
            client_id: app.client_id.clone(),
            secret_id: app.secret_id.clone(),
            enabled: app.enabled,
        }
    }
}

/// The mock's virtual clock, as the control API answers it (`GET /_mock/clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClockInfo {
    /// The virtual time (whole seconds on the control API).
    #[serde(with = "crate::clock::rfc3339_seconds")]
    #[schema(value_type = String, format = DateTime)]
    pub now: OffsetDateTime,
    /// How far the clock has been advanced, in whole seconds.
    pub offset_seconds: i64,
}

/// The credentials of the data set the server started with (docs/mock-server.md).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct DefaultCredentials {
    /// Site content URL (`""` is the Default site).
    pub site_content_url: String,
    /// User name.
    pub username: String,
    /// Password (empty when the seed gives the user none).
    pub password: String,
    /// PAT name (empty when the seed has no token).
    pub pat_name: String,
    /// PAT secret (empty when the seed has no token).
    pub pat_secret: String,
}

impl std::fmt::Debug for DefaultCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefaultCredentials")
            .field("site_content_url", &self.site_content_url)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("pat_name", &self.pat_name)
            .field("pat_secret", &"[redacted]")
            .finish()
    }
}

/// A live session, as `GET /_mock/sessions` lists it: never its token. Its `id` is what
/// `DELETE sessions/{id}` takes (a real server shows session ids only in its repository
/// database, never in `sessions/current`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Session id (lower-case hyphenated UUID).
    pub id: String,
    /// Site content URL.
    pub site: String,
    /// User name (the impersonated user's, when impersonating).
    pub user: String,
    /// How it was signed in: `password`, `pat`, `connected-app` or `uat`.
    pub credential: String,
    /// When it was created (virtual clock; whole seconds on the control API).
    #[serde(with = "crate::clock::rfc3339_seconds")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it was last used (virtual clock; whole seconds on the control API).
    #[serde(with = "crate::clock::rfc3339_seconds")]
    #[schema(value_type = String, format = DateTime)]
    pub last_used_at: OffsetDateTime,
}

/// One entry of the request log (`GET /_mock/requests`), secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Request path without the query, e.g. `/api/3.27/auth/signin`.
    pub path: String,
    /// Answered status; `None` when the connection was dropped by a fault.
    pub status: Option<u16>,
    /// Request headers (lower-case names), sensitive ones redacted.
    pub headers: BTreeMap<String, String>,
    /// The body, redacted and cut at 4 KiB; `None` when empty.
    pub body: Option<String>,
    /// Why the mock refused the request, when the answer does not say: a 401001 is
    /// deliberately unspecific on the wire, so this tells a test which check failed
    /// (`"unified access token refused: jti replayed"`). A fixed text, never a value from the
    /// request. `None` for answered requests and for refusals whose answer says it all. On the
    /// control API as `"refusal"`, present only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

/// A unified access token configuration to register (`POST /_mock/uat-configs`, or the
/// `[[uatConfigs]]` section of a seed file): what Tableau Cloud Manager holds for one
/// configuration (docs/protocol.md section 15). Only the cloud flavour signs UATs in.
///
/// The key is either a PEM public key with its key id (`publicKeyPem` + `keyId`) or a JWKS
/// (`jwks`, whose RSA keys are told apart by their `kid`), never both. It holds public keys
/// only: a JWKS with private members (`d`, `p`, `q`, …) is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UatConfig {
    /// The configuration's name (unique).
    pub name: String,
    /// The issuer the JWTs carry in `iss`.
    pub issuer: String,
    /// The tenant id the JWTs carry in `https://tableau.com/tenantId`.
    pub tenant_id: String,
    /// The key id of `public_key_pem` (the JWT header's `kid` must be it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// An RSA public key, PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
    /// A JWKS object (`{"keys": [{"kty": "RSA", "kid": …, "n": …, "e": …}]}`) instead of
    /// `key_id` and `public_key_pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// The claim that names the Tableau user (default `email`: matched against the users'
    /// e-mail addresses; any other claim against their names).
    #[serde(default = "email_claim")]
    pub username_claim: String,
    /// The scopes a JWT may ask for (wildcards such as `tableau:content:*` allowed); `None`:
    /// any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Whether the configuration accepts JWTs.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn email_claim() -> String {
    "email".to_owned()
}

impl UatConfig {
    /// A configuration with one PEM public key, the `email` user-name claim, any scope,
    /// enabled.
    pub fn with_pem(
        name: impl Into<String>,
        issuer: impl Into<String>,
        tenant_id: impl Into<String>,
        key_id: impl Into<String>,
        public_key_pem: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            issuer: issuer.into(),
            tenant_id: tenant_id.into(),
            key_id: Some(key_id.into()),
            public_key_pem: Some(public_key_pem.into()),
            jwks: None,
            username_claim: email_claim(),
            scopes: None,
            enabled: true,
        }
    }
}

/// A registered UAT configuration, as the control API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UatConfigInfo {
    /// The configuration's name.
    pub name: String,
    /// The issuer (`iss`).
    pub issuer: String,
    /// The tenant id.
    pub tenant_id: String,
    /// The key ids of its keys, in order.
    pub key_ids: Vec<String>,
    /// The claim that names the user.
    pub username_claim: String,
    /// The scopes a JWT may ask for; `None`: any.
    pub scopes: Option<Vec<String>>,
    /// Whether it accepts JWTs.
    pub enabled: bool,
}

/// A project, as the control API answers `POST /_mock/projects`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectInfo {
    /// Project LUID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Site content URL.
    pub site: String,
}

/// A view of a workbook, as the control API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ViewInfo {
    /// View LUID.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A workbook, as the control API answers `POST /_mock/workbooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkbookInfo {
    /// Workbook LUID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its project's name.
    pub project: String,
    /// Its owner's user name.
    pub owner: String,
    /// Its views, in order.
    pub views: Vec<ViewInfo>,
}

/// A data source, as the control API answers `POST /_mock/datasources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataSourceInfo {
    /// Data source LUID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its project's name.
    pub project: String,
    /// Its owner's user name.
    pub owner: String,
}
