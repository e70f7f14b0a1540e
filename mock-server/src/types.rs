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

/// The credentials of the data set the server started with (contracts section 1).
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
}
