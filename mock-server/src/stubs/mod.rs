//! Stubs (docs/protocol.md section 16): canned answers for endpoints the mock does not model,
//! served behind the same authentication as its own endpoints.
//!
//! - this module: the public [`Stub`] (its JSON is the body of `POST /_mock/stubs`) and its
//!   builder, [`Expectation`], and the answers of the control API about stubs;
//! - [`store`]: the registered stubs, their index by method and path template, matching,
//!   counting and recording;
//! - [`template`]: path templates and response-body templates, parsed once at registration.

pub(crate) mod store;
pub(crate) mod template;

use std::collections::BTreeMap;
use std::ops::{Bound, RangeBounds};
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

/// A stub: a request pattern and the answer it gets (the JSON body of `POST /_mock/stubs`,
/// docs/mock-server.md, "Stubs"). Built in the style of wiremock-rs:
///
/// ```
/// use tableau_mock_server::{MockServer, Stub};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockServer::start().await;
/// mock.mount(
///     Stub::post("/sites/{siteId}/workbooks/{workbookId}/refresh")
///         .scope("tableau:tasks:run")
///         .respond_with(
///             202,
///             r#"<tsResponse><job id="{{uuid}}" mode="Asynchronous" type="RefreshExtract"/></tsResponse>"#,
///         )
///         .expect(1), // checked when `mock` is dropped
/// )
/// .await;
///
/// // Sign in as the code under test would, then call the stubbed endpoint.
/// let creds = mock.default_credentials();
/// let http = reqwest::Client::new();
/// let signed_in = http
///     .post(format!("{}/api/3.27/auth/signin", mock.uri()))
///     .header("Accept", "application/json")
///     .json(&serde_json::json!({"credentials": {
///         "personalAccessTokenName": creds.pat_name,
///         "personalAccessTokenSecret": creds.pat_secret,
///         "site": {"contentUrl": ""}}}))
///     .send()
///     .await?
///     .json::<serde_json::Value>()
///     .await?;
/// let token = signed_in["credentials"]["token"].as_str().unwrap_or_default();
/// let site = signed_in["credentials"]["site"]["id"].as_str().unwrap_or_default();
/// let refresh = http
///     .post(format!("{}/api/3.27/sites/{site}/workbooks/wb-1/refresh", mock.uri()))
///     .header("X-Tableau-Auth", token)
///     .body("<tsRequest/>")
///     .send()
///     .await?;
/// assert_eq!(refresh.status(), 202);
/// # Ok(())
/// # }
/// ```
///
/// The request needs a live session (`X-Tableau-Auth`) unless [`Stub::no_auth`] is used, and
/// gets the same 401000, 401002, 403010 and 404000 answers as the built-in endpoints; a
/// `{siteId}` segment must be the session's site. Among the stubs that match a request the
/// highest [`priority`](Stub::priority) wins, then the newest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Stub {
    /// What the request must look like.
    #[serde(deserialize_with = "object")]
    pub request: StubRequest,
    /// The answer.
    #[serde(default, deserialize_with = "object_or_null")]
    #[schema(nullable)]
    pub response: StubResponse,
    /// `session` (default): a live session is required; `none`: no authentication.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    pub auth: StubAuth,
    /// JWT scopes: a session signed in with a JWT (connected app, unified access token) needs
    /// one of them in its `scp`, else 401002. Empty: no scope needed. Password and PAT
    /// sessions are not limited by scopes.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    pub scopes: Vec<String>,
    /// How many times the stub answers before it is exhausted (and no longer matches);
    /// `None`: every time.
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 4_294_967_295.0)]
    pub times: Option<u32>,
    /// The highest priority among the matching stubs wins (then the newest). Default 0.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    pub priority: i32,
    /// How many calls the stub must have answered when its guard or the server is dropped
    /// (Rust API only; not part of the JSON).
    #[serde(skip)]
    #[schema(ignore)]
    pub(crate) expect: Option<Expectation>,
}

/// What a request must look like to match a [`Stub`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StubRequest {
    /// The method (`GET`, `POST`, …); `None` matches any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The path after `/api/{version}/`, e.g. `/sites/{siteId}/workbooks/{workbookId}/refresh`:
    /// `{name}` matches one segment; `{siteId}` must be the session's site.
    #[schema(min_length = 1)]
    pub path: String,
    /// Query parameters that must be present with these values (others may be too).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    #[schema(nullable)]
    pub query: BTreeMap<String, String>,
    /// Headers that must be present with these values (names case-insensitive).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    #[schema(nullable)]
    pub headers: BTreeMap<String, String>,
    /// A text the body must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// The lowest URL version (`MAJOR.MINOR`) the stub answers at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
}

/// The answer of a [`Stub`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StubResponse {
    /// Status (100–599); default 200.
    #[serde(default = "ok", deserialize_with = "null_as_ok")]
    #[schema(nullable)]
    #[schema(minimum = 100, maximum = 599)]
    pub status: u16,
    /// `Content-Type`; by default `application/xml;charset=utf-8` for a body starting with
    /// `<`, `application/json` for one starting with `{` or `[`, `text/plain;charset=utf-8`
    /// otherwise, none for an empty body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Extra headers.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    #[schema(nullable)]
    pub headers: BTreeMap<String, String>,
    /// The body, with `{{siteId}}`, `{{userId}}` (the session's), `{{uuid}}` (a fresh LUID)
    /// and `{{path.NAME}}` (the segment `{NAME}` of the path) replaced.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    pub body: String,
    /// Delay before answering, in milliseconds (at most 600,000).
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    #[schema(maximum = 600_000)]
    pub delay_ms: u64,
}

fn ok() -> u16 {
    200
}

impl Default for StubResponse {
    fn default() -> Self {
        Self {
            status: ok(),
            content_type: None,
            headers: BTreeMap::new(),
            body: String::new(),
            delay_ms: 0,
        }
    }
}

/// Whether a [`Stub`] needs a session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StubAuth {
    /// A valid `X-Tableau-Auth` of a live session (401000 without one, 401002 for a dead one).
    #[default]
    Session,
    /// No authentication (JSON `"none"`).
    #[serde(rename = "none")]
    Anonymous,
}

/// `null` means "not given" (the default).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A JSON object only (serde's derive would also read a struct from an array of its fields).
fn object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(d)?;
    if !value.is_object() {
        return Err(serde::de::Error::custom("expected an object"));
    }
    serde_json::from_value(value).map_err(serde::de::Error::custom)
}

/// [`object`], or `null` for "not given".
fn object_or_null<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(d)?;
    if value.is_null() {
        return Ok(T::default());
    }
    if !value.is_object() {
        return Err(serde::de::Error::custom("expected an object or null"));
    }
    serde_json::from_value(value).map_err(serde::de::Error::custom)
}

fn null_as_ok<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    Ok(Option::<u16>::deserialize(d)?.unwrap_or_else(ok))
}

impl Stub {
    /// A stub for `method` (`"GET"`, `"POST"`, …) at `path` (after `/api/{version}/`).
    pub fn method(method: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(Some(method.into()), path.into())
    }

    fn new(method: Option<String>, path: String) -> Self {
        Self {
            request: StubRequest {
                method,
                path,
                query: BTreeMap::new(),
                headers: BTreeMap::new(),
                body_contains: None,
                min_version: None,
            },
            response: StubResponse::default(),
            auth: StubAuth::Session,
            scopes: Vec::new(),
            times: None,
            priority: 0,
            expect: None,
        }
    }

    /// A stub for `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::method("GET", path)
    }

    /// A stub for `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::method("POST", path)
    }

    /// A stub for `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::method("PUT", path)
    }

    /// A stub for `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::method("DELETE", path)
    }

    /// A stub for any method at `path`.
    pub fn any(path: impl Into<String>) -> Self {
        Self::new(None, path.into())
    }

    /// The query must carry `name=value` (percent-decoded).
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request.query.insert(name.into(), value.into());
        self
    }

    /// The request must carry the header `name: value`.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request.headers.insert(name.into(), value.into());
        self
    }

    /// The body must contain `text`.
    #[must_use]
    pub fn body_contains(mut self, text: impl Into<String>) -> Self {
        self.request.body_contains = Some(text.into());
        self
    }

    /// Answers only at URL versions `version` (`"3.0"`) and above.
    #[must_use]
    pub fn min_version(mut self, version: impl Into<String>) -> Self {
        self.request.min_version = Some(version.into());
        self
    }

    /// Answers `status` with `body` (a template: `{{siteId}}`, `{{userId}}`, `{{uuid}}`,
    /// `{{path.NAME}}`).
    #[must_use]
    pub fn respond_with(mut self, status: u16, body: impl Into<String>) -> Self {
        self.response.status = status;
        self.response.body = body.into();
        self
    }

    /// Sets the answer's `Content-Type` (otherwise guessed from the body).
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.response.content_type = Some(content_type.into());
        self
    }

    /// Adds a header to the answer.
    #[must_use]
    pub fn response_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.response.headers.insert(name.into(), value.into());
        self
    }

    /// Waits `delay` before answering.
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.response.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Answers at most `times` times; then the stub is exhausted and no longer matches.
    #[must_use]
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Among matching stubs the highest priority wins (then the newest). Default 0.
    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// A JWT session needs `scope` in its `scp` (with several calls, any one of them).
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// No authentication: the stub answers without `X-Tableau-Auth` (JSON `"auth": "none"`).
    #[must_use]
    pub fn no_auth(mut self) -> Self {
        self.auth = StubAuth::Anonymous;
        self
    }

    /// The stub must have answered `calls` times (`1`, `1..`, `2..=3`, …) when its
    /// [`StubGuard`](crate::StubGuard) or the [`MockServer`](crate::MockServer) is dropped;
    /// otherwise that drop panics, listing the calls seen.
    #[must_use]
    pub fn expect(mut self, calls: impl Into<Expectation>) -> Self {
        self.expect = Some(calls.into());
        self
    }

    /// Registers the stub on `mock` (as [`MockServer::mount`](crate::MockServer::mount)).
    ///
    /// # Panics
    /// When the stub is invalid.
    pub async fn mount(self, mock: &crate::MockServer) -> StubId {
        mock.mount(self).await
    }

    /// Registers the stub on `mock` until the guard is dropped (as
    /// [`MockServer::mount_as_scoped`](crate::MockServer::mount_as_scoped)).
    ///
    /// # Panics
    /// When the stub is invalid.
    pub async fn mount_as_scoped(self, mock: &crate::MockServer) -> crate::StubGuard {
        mock.mount_as_scoped(self).await
    }
}

/// How many calls a stub must have answered ([`Stub::expect`]): from a number (exactly) or a
/// range (`1..`, `..=2`, `2..4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    start: Bound<u64>,
    end: Bound<u64>,
}

impl Expectation {
    /// Whether `calls` satisfies it.
    pub fn is_met_by(&self, calls: u64) -> bool {
        (self.start, self.end).contains(&calls)
    }
}

impl std::fmt::Display for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.start, self.end) {
            (Bound::Included(a), Bound::Included(b)) if a == b => write!(f, "exactly {a}"),
            (start, end) => {
                let low = match start {
                    Bound::Included(a) => Some(a),
                    Bound::Excluded(a) => Some(a.saturating_add(1)),
                    Bound::Unbounded => None,
                };
                let high = match end {
                    Bound::Included(b) => Some(b),
                    Bound::Excluded(b) => Some(b.saturating_sub(1)),
                    Bound::Unbounded => None,
                };
                match (low, high) {
                    (Some(a), Some(b)) => write!(f, "between {a} and {b}"),
                    (Some(a), None) => write!(f, "at least {a}"),
                    (None, Some(b)) => write!(f, "at most {b}"),
                    (None, None) => write!(f, "any number of"),
                }
            }
        }
    }
}

impl From<u64> for Expectation {
    fn from(calls: u64) -> Self {
        Self {
            start: Bound::Included(calls),
            end: Bound::Included(calls),
        }
    }
}

macro_rules! expectation_from_range {
    ($($range:ty),*) => {$(
        impl From<$range> for Expectation {
            fn from(range: $range) -> Self {
                Self { start: range.start_bound().cloned(), end: range.end_bound().cloned() }
            }
        }
    )*};
}

expectation_from_range!(
    std::ops::Range<u64>,
    std::ops::RangeFrom<u64>,
    std::ops::RangeInclusive<u64>,
    std::ops::RangeTo<u64>,
    std::ops::RangeToInclusive<u64>
);

/// The id of a registered stub (`POST /_mock/stubs` answers it).
pub type StubId = String;

/// The answer of `POST /_mock/stubs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StubCreated {
    /// The new stub's id.
    pub id: String,
}

/// A registered stub and how often it answered (an item of `GET /_mock/stubs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StubInfo {
    /// Its id.
    pub id: String,
    /// The stub as registered.
    #[serde(flatten)]
    pub stub: Stub,
    /// How many requests it answered.
    pub calls: u64,
}

/// A registered stub with the requests it answered (`GET /_mock/stubs/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StubDetails {
    /// Its id.
    pub id: String,
    /// The stub as registered.
    #[serde(flatten)]
    pub stub: Stub,
    /// How many requests it answered.
    pub calls: u64,
    /// The most recent requests it answered (at most 1,000), oldest first, redacted as the
    /// request log.
    pub requests: Vec<StubCall>,
}

/// A request a stub answered, secrets redacted as in the request log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StubCall {
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Request headers (lower-case names; secret values `[redacted]`).
    pub headers: BTreeMap<String, String>,
    /// Body (secret values redacted); absent when empty.
    pub body: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_example_parses_and_round_trips() {
        let json = r#"{"request": {"method": "POST", "path": "/sites/{siteId}/workbooks/{workbookId}/refresh",
             "query": {"overwrite": "true"}, "headers": {"X-Custom": "1"},
             "bodyContains": "<tsRequest", "minVersion": "3.0"},
 "response": {"status": 202, "contentType": "application/xml", "headers": {},
              "body": "<tsResponse><job id=\"{{uuid}}\" mode=\"Asynchronous\" type=\"RefreshExtract\"/></tsResponse>",
              "delayMs": 0},
 "auth": "session", "scopes": ["tableau:tasks:run"], "times": null, "priority": 0}"#;
        let stub: Stub = serde_json::from_str(json).unwrap();
        let built = Stub::post("/sites/{siteId}/workbooks/{workbookId}/refresh")
            .query("overwrite", "true")
            .header("X-Custom", "1")
            .body_contains("<tsRequest")
            .min_version("3.0")
            .respond_with(
                202,
                r#"<tsResponse><job id="{{uuid}}" mode="Asynchronous" type="RefreshExtract"/></tsResponse>"#,
            )
            .content_type("application/xml")
            .scope("tableau:tasks:run");
        assert_eq!(stub, built);
        let again: Stub = serde_json::from_str(&serde_json::to_string(&stub).unwrap()).unwrap();
        assert_eq!(again, stub);
        let minimal: Stub = serde_json::from_str(r#"{"request":{"path":"/x"}}"#).unwrap();
        assert_eq!(minimal, Stub::any("/x"));
        assert_eq!(minimal.response.status, 200);
        let none: Stub =
            serde_json::from_str(r#"{"request":{"path":"/x"},"auth":"none","response":null}"#)
                .unwrap();
        assert_eq!(none.auth, StubAuth::Anonymous);
        assert!(serde_json::from_str::<Stub>(r#"{"request":{"path":"/x"},"bogus":1}"#).is_err());
        assert!(serde_json::from_str::<Stub>(r#"{"request":{}}"#).is_err());
        for not_objects in [
            r#"{"request":["/x"]}"#,
            r#"{"request":{"path":"/x"},"response":[null,null]}"#,
        ] {
            assert!(
                serde_json::from_str::<Stub>(not_objects).is_err(),
                "{not_objects}"
            );
        }
    }

    #[test]
    fn listed_stubs_flatten_and_read_back() {
        let info = StubInfo {
            id: "stub-1".into(),
            stub: Stub::get("/x").respond_with(200, "<a/>"),
            calls: 3,
        };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["id"], "stub-1");
        assert_eq!(json["calls"], 3);
        assert_eq!(json["request"]["path"], "/x");
        let back: StubInfo = serde_json::from_value(json).unwrap();
        assert_eq!(back, info);
    }

    #[test]
    fn expectations() {
        let exactly = Expectation::from(2);
        assert!(exactly.is_met_by(2) && !exactly.is_met_by(1) && !exactly.is_met_by(3));
        assert_eq!(exactly.to_string(), "exactly 2");
        let at_least = Expectation::from(1..);
        assert!(at_least.is_met_by(5) && !at_least.is_met_by(0));
        assert_eq!(at_least.to_string(), "at least 1");
        let between = Expectation::from(2..4);
        assert!(between.is_met_by(3) && !between.is_met_by(4));
        assert_eq!(between.to_string(), "between 2 and 3");
        assert_eq!(Expectation::from(..=2).to_string(), "at most 2");
    }
}
