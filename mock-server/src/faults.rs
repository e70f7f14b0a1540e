//! Fault injection: the next N requests whose path ends with a given suffix get a canned
//! answer, a delay or a dropped connection instead of reaching the handler.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ApiError;
use crate::format::Format;
use crate::version::ApiVersion;

/// A fault to inject (the JSON body of `POST /_mock/faults`).
///
/// ```
/// use tableau_mock_server::Fault;
/// let fault = Fault::new("/auth/signin").method("POST").status(503).retry_after("2").times(2);
/// assert_eq!(fault.times, Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// Matches requests whose path ends with this suffix (`""` matches every path).
    pub path: String,
    /// Matches only this method (case-insensitive), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Status of the canned answer (default 500 when an answer is synthesized).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Extra response headers (e.g. `Location`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    #[schema(nullable)]
    pub headers: BTreeMap<String, String>,
    /// Response body; by default a Tableau error body for statuses ≥ 400, else empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `Content-Type` of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Cuts the body after this many bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295.0)]
    pub truncate_body_at: Option<usize>,
    /// `Retry-After` value: seconds or an HTTP date (JSON accepts a number or a string).
    #[serde(
        default,
        deserialize_with = "retry_after",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_after: Option<String>,
    /// Delay before answering, in milliseconds.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    pub delay_ms: u64,
    /// Close the connection without answering.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(nullable)]
    pub drop_connection: bool,
    /// How many matching requests get the fault; `None` means every one until reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 4_294_967_295.0)]
    pub times: Option<u32>,
}

/// `null` means "not given", as for the `Option` fields (the contract's example sends it).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn retry_after<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Seconds(u64),
        Text(String),
    }
    Ok(Option::<Value>::deserialize(d)?.map(|value| match value {
        Value::Seconds(seconds) => seconds.to_string(),
        Value::Text(text) => text,
    }))
}

impl Fault {
    /// A fault for paths ending with `path`; with nothing else set it answers 500.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            method: None,
            status: None,
            headers: BTreeMap::new(),
            body: None,
            content_type: None,
            truncate_body_at: None,
            retry_after: None,
            delay_ms: 0,
            drop_connection: false,
            times: None,
        }
    }

    /// Matches only `method`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Answers with `status`.
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Answers with this body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets the answer's `Content-Type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Cuts the body after `bytes` bytes.
    pub fn truncate_body_at(mut self, bytes: usize) -> Self {
        self.truncate_body_at = Some(bytes);
        self
    }

    /// Sets `Retry-After` (seconds or an HTTP date).
    pub fn retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }

    /// Delays the answer.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Delays the answer by `ms` milliseconds.
    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    /// Closes the connection without answering.
    pub fn drop_connection(mut self) -> Self {
        self.drop_connection = true;
        self
    }

    /// Applies to the next `times` matching requests only.
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Checks the fault can be served; the message says what is wrong.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if let Some(status) = self.status {
            if !(100..=599).contains(&status) {
                return Err(format!("status {status} is not an HTTP status"));
            }
        }
        if let Some(method) = &self.method {
            if http::Method::from_bytes(method.as_bytes()).is_err() {
                return Err(format!("'{method}' is not an HTTP method"));
            }
        }
        for (name, value) in &self.headers {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err()
                || http::HeaderValue::from_str(value).is_err()
            {
                return Err(format!("header '{name}' is not a valid header"));
            }
        }
        for (what, value) in [
            ("contentType", &self.content_type),
            ("retryAfter", &self.retry_after),
        ] {
            if let Some(value) = value {
                if http::HeaderValue::from_str(value).is_err() {
                    return Err(format!("{what} is not a valid header value"));
                }
            }
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        if self
            .truncate_body_at
            .is_some_and(|at| at > u32::MAX as usize)
        {
            return Err("truncateBodyAt must be at most 4294967295".into());
        }
        if self.delay_ms > 600_000 {
            return Err("delayMs must be at most 600000".into());
        }
        Ok(())
    }

    /// Whether the fault answers by itself (otherwise it only delays the real answer).
    pub(crate) fn synthesizes_answer(&self) -> bool {
        self.status.is_some()
            || self.body.is_some()
            || self.retry_after.is_some()
            || !self.headers.is_empty()
            || self.content_type.is_some()
            || self.truncate_body_at.is_some()
            || self.delay_ms == 0
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        path.ends_with(&self.path)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// The canned answer (`format` and the server's `version` are used for the default Tableau
    /// error body).
    pub(crate) fn response(&self, format: Format, version: ApiVersion) -> Response {
        let status = self
            .status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (mut body, mut content_type) = match &self.body {
            Some(body) => (body.clone().into_bytes(), None),
            None if status.as_u16() >= 400 => (
                ApiError::for_status(status)
                    .body(format, version)
                    .into_bytes(),
                Some(format.content_type().to_owned()),
            ),
            None => (Vec::new(), None),
        };
        if let Some(at) = self.truncate_body_at {
            body.truncate(at);
        }
        if self.content_type.is_some() {
            content_type.clone_from(&self.content_type);
        }
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Some(value) = content_type.and_then(|v| http::HeaderValue::from_str(&v).ok()) {
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        if let Some(value) = self
            .retry_after
            .as_deref()
            .and_then(|v| http::HeaderValue::from_str(v).ok())
        {
            headers.insert(http::header::RETRY_AFTER, value);
        }
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// The active faults, first registered first matched.
#[derive(Debug, Default)]
pub struct FaultStore {
    faults: Mutex<Vec<Fault>>,
}

impl FaultStore {
    /// Registers a fault.
    pub fn add(&self, fault: Fault) {
        self.lock().push(fault);
    }

    /// Takes one use of the first fault matching the request.
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut faults = self.lock();
        let index = faults.iter().position(|f| f.matches(method, path))?;
        let fault = faults[index].clone();
        match &mut faults[index].times {
            Some(1) => {
                faults.remove(index);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(fault)
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_match_by_suffix_and_count_down() {
        let store = FaultStore::default();
        store.add(
            Fault::new("/auth/signin")
                .method("post")
                .status(503)
                .times(2),
        );
        assert!(store.take("GET", "/api/3.27/auth/signin").is_none());
        assert!(store.take("POST", "/api/3.27/auth/signin").is_some());
        assert!(store.take("POST", "/api/2.4/auth/signin").is_some());
        assert!(store.take("POST", "/api/2.4/auth/signin").is_none());
        assert!(store.take("POST", "/auth/signin").is_none());
    }

    #[test]
    fn retry_after_accepts_numbers_and_dates() {
        let f: Fault = serde_json::from_str(r#"{"path":"/x","retryAfter":2}"#).unwrap();
        assert_eq!(f.retry_after.as_deref(), Some("2"));
        let f: Fault =
            serde_json::from_str(r#"{"path":"/x","retryAfter":"Wed, 21 Oct 2015 07:28:00 GMT"}"#)
                .unwrap();
        assert!(f.retry_after.unwrap().starts_with("Wed"));
        assert!(serde_json::from_str::<Fault>(r#"{"path":"/x","bogus":1}"#).is_err());
        let nulls: Fault = serde_json::from_str(
            r#"{"path":"/x","method":null,"status":null,"headers":null,"body":null,"contentType":null,"truncateBodyAt":null,"retryAfter":null,"delayMs":null,"dropConnection":null,"times":null}"#,
        )
        .expect("null means not given");
        assert_eq!(nulls, Fault::new("/x"));
        assert!(Fault::new("/x").status(1000).validate().is_err());
    }
}
