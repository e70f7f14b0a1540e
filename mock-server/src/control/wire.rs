//! The control API on the wire: its routes, the JSON bodies of its requests, and how an answer
//! is written. The server's handlers and [`ControlClient`](crate::ControlClient) both use these
//! definitions, so the two cannot drift apart. The answers are the public value types
//! ([`SiteInfo`](crate::SiteInfo), [`ClockInfo`](crate::ClockInfo), …) and
//! [`Fault`](crate::Fault).
//!
//! A new call is a route here, its request body here (when it has one), its answer among the
//! value types, a handler and a client method.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// Where the control API is mounted.
pub(crate) const PREFIX: &str = "/_mock";

/// The header that carries the control token (`--control-token`).
pub(crate) const CONTROL_TOKEN_HEADER: &str = "x-mock-control";

/// `GET`: `{"status":"ok"}`; the one call that never needs the control token.
pub(crate) const HEALTH: &str = "/health";
/// `POST` [`NewSite`]: [`SiteInfo`](crate::SiteInfo).
pub(crate) const SITES: &str = "/sites";
/// `POST` [`NewUser`]: [`UserInfo`](crate::UserInfo).
pub(crate) const USERS: &str = "/users";
/// `POST` [`NewToken`]: [`PatInfo`](crate::PatInfo).
pub(crate) const TOKENS: &str = "/tokens";
/// `POST` [`TokenRef`]: 204.
pub(crate) const TOKENS_REVOKE: &str = "/tokens/revoke";
/// `POST` [`ConnectedApp`](crate::ConnectedApp): [`ConnectedAppInfo`](crate::ConnectedAppInfo).
pub(crate) const CONNECTED_APPS: &str = "/connected-apps";
/// `POST` [`UatConfig`](crate::UatConfig): [`UatConfigInfo`](crate::UatConfigInfo).
pub(crate) const UAT_CONFIGS: &str = "/uat-configs";
/// `GET`: [`ClockInfo`](crate::ClockInfo).
pub(crate) const CLOCK: &str = "/clock";
/// `POST` [`ClockAdvance`]: [`ClockInfo`](crate::ClockInfo).
pub(crate) const CLOCK_ADVANCE: &str = "/clock/advance";
/// `POST` [`Fault`](crate::Fault): the fault.
pub(crate) const FAULTS: &str = "/faults";
/// `GET`: the [`RecordedRequest`](crate::RecordedRequest)s, oldest first.
pub(crate) const REQUESTS: &str = "/requests";
/// `POST`: 204.
pub(crate) const RESET: &str = "/reset";
/// `GET`: the live [`SessionInfo`](crate::SessionInfo)s, oldest first, never a token.
pub(crate) const SESSIONS: &str = "/sessions";
/// `POST` [`Stub`](crate::Stub): [`StubCreated`](crate::StubCreated); `GET`: the
/// [`StubInfo`](crate::StubInfo)s, oldest first.
pub(crate) const STUBS: &str = "/stubs";
/// `GET`: [`StubDetails`](crate::StubDetails); `DELETE`: 204.
pub(crate) const STUB: &str = "/stubs/{id}";
/// `GET`: the OpenAPI 3.1 document of the control API.
pub(crate) const OPENAPI: &str = "/openapi.json";

/// The path of one stub ([`STUB`] with its id).
#[cfg(feature = "control-client")]
pub(crate) fn stub_path(id: &str) -> String {
    // Ids are `stub-N`; anything else is escaped so it stays one segment.
    let escaped: String = id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{STUBS}/{escaped}")
}

/// `POST` [`NewProject`]: [`ProjectInfo`](crate::ProjectInfo).
pub(crate) const PROJECTS: &str = "/projects";
/// `POST` [`NewWorkbook`]: [`WorkbookInfo`](crate::WorkbookInfo).
pub(crate) const WORKBOOKS: &str = "/workbooks";
/// `POST` [`NewDataSource`]: [`DataSourceInfo`](crate::DataSourceInfo).
pub(crate) const DATASOURCES: &str = "/datasources";

/// The answer of [`HEALTH`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// Always `ok`.
    pub status: String,
}

/// The body of [`SITES`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewSite {
    /// URL name (`""` is the Default site).
    pub content_url: String,
    /// Display name.
    pub name: String,
    /// Default lifetime of the site's PATs in days (1–365); the flavour's when absent (365
    /// on Server, 180 on Cloud).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295.0)]
    pub pat_lifetime_days: Option<u32>,
}

/// The body of [`USERS`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewUser {
    /// Site content URL.
    pub site: String,
    /// User name.
    pub name: String,
    /// Password (of the name, on every site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Site role; `Creator` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_role: Option<String>,
}

/// The body of [`TOKENS`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewToken {
    /// Site content URL.
    pub site: String,
    /// Owner's user name.
    pub user: String,
    /// Token name.
    pub name: String,
    /// Maximum lifetime in days; the site's PAT lifetime when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295.0)]
    pub expires_in_days: Option<u32>,
}

/// The body of [`TOKENS_REVOKE`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenRef {
    /// Site content URL.
    pub site: String,
    /// Owner's user name.
    pub user: String,
    /// Token name.
    pub name: String,
}

/// The body of [`PROJECTS`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewProject {
    /// Site content URL.
    pub site: String,
    /// Name (unique under its parent).
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Parent project's name; top level when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Owner's user name; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// The body of [`WORKBOOKS`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewWorkbook {
    /// Site content URL.
    pub site: String,
    /// Project name.
    pub project: String,
    /// Name (unique in its project).
    pub name: String,
    /// Owner's user name.
    pub owner: String,
    /// View names; one view named after the workbook when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views: Option<Vec<String>>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The body of [`DATASOURCES`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewDataSource {
    /// Site content URL.
    pub site: String,
    /// Project name.
    pub project: String,
    /// Name (unique in its project).
    pub name: String,
    /// Owner's user name.
    pub owner: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The body of [`CLOCK_ADVANCE`].
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClockAdvance {
    /// Seconds to add to the clock's offset (not negative).
    pub seconds: f64,
}

/// The body of every refusal: `{"error": "message"}` with a 4xx status.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    /// What is wrong.
    pub error: String,
}

/// An answer: `value` as JSON with `status`.
///
/// The value goes through `serde_json::Value`, so an answer's keys come out sorted (serde_json's
/// default map), whatever order the struct declares them in.
pub(crate) fn json_answer<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let value = serde_json::to_value(value).unwrap_or_default();
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
