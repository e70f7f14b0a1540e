//! Tableau-shaped errors of the REST API surface. An error renders itself, in the format it
//! carries, as `<tsResponse><error code=…>` or `{"error": {…}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::format::Format;
use crate::render::{NAMESPACE, escape, respond, to_json};

/// An error answered on the REST API surface: an HTTP status, a Tableau error code, a summary
/// and a detail, answered in its format (see [`ApiError::in_format`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Tableau error code, e.g. `401001`.
    pub code: String,
    /// The short summary (`<summary>`).
    pub summary: String,
    /// The longer detail (`<detail>`).
    pub detail: String,
    /// The format of the answer.
    pub format: Format,
}

impl ApiError {
    /// Builds an error from its parts.
    pub fn new(status: StatusCode, code: &str, summary: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            summary: summary.to_owned(),
            detail: detail.into(),
            format: Format::Xml,
        }
    }

    /// 400000: malformed, incomplete or contradictory request body.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "400000", "Bad Request", detail)
    }

    /// 401000: no `X-Tableau-Auth` header.
    pub fn missing_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "401000",
            "Unauthorized Access",
            "No authentication credentials were provided.",
        )
    }

    /// 401001: sign-in refused. Deliberately unspecific, like a real server.
    pub fn signin() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "401001",
            "Signin Error",
            "Error signing in to Tableau Server",
        )
    }

    /// 401002: unknown, expired, signed-out or superseded token.
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "401002",
            "Unauthorized Access",
            "Invalid authentication credentials were provided.",
        )
    }

    /// 401003: switch-site destination not found or unavailable.
    pub fn switch_site(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "401003",
            "Switch Site Error",
            detail,
        )
    }

    /// 403004: the caller lacks the role.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "403004", "Forbidden", detail)
    }

    /// 403070: switch site to the current site.
    pub fn same_site() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "403070",
            "Cannot switch to the same site",
            "The user is already signed in to this site.",
        )
    }

    /// 404000: site LUID in the path is unknown.
    pub fn site_not_found(site_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404000",
            "Site not found",
            format!("Site '{site_id}' could not be found."),
        )
    }

    /// 404002: user not found.
    pub fn user_not_found(user_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404002",
            "User not found",
            format!("User '{user_id}' could not be found."),
        )
    }

    /// 404003: unknown resource or unsupported version in the URI.
    pub fn resource_not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404003",
            "Resource Not Found",
            detail,
        )
    }

    /// 405000: wrong method for the resource.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "405000",
            "Invalid request method",
            format!("Request method '{method}' not supported for this resource."),
        )
    }

    /// 413000: body over the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "413000",
            "Request Entity Too Large",
            format!("The request body exceeds the limit of {limit} bytes."),
        )
    }

    /// A generic error for an arbitrary status (used by fault injection): code is
    /// `status × 1000`, the summary is the canonical reason phrase.
    pub fn for_status(status: StatusCode) -> Self {
        let summary = status.canonical_reason().unwrap_or("Error");
        Self::new(
            status,
            &format!("{}000", status.as_u16()),
            summary,
            summary.to_owned(),
        )
    }

    /// The same error, answered in `format` (XML until set): the format of the request's
    /// `Accept`, which whoever answers the request knows.
    pub fn in_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The error body in `format`.
    pub fn body(&self, format: Format) -> String {
        match format {
            Format::Xml => format!(
                "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"{NAMESPACE}\"><error code=\"{}\"><summary>{}</summary><detail>{}</detail></error></tsResponse>",
                escape(&self.code),
                escape(&self.summary),
                escape(&self.detail)
            ),
            // The code is a string in JSON too.
            Format::Json => to_json(&JsonErrorBody {
                error: JsonError {
                    summary: &self.summary,
                    detail: &self.detail,
                    code: &self.code,
                },
            }),
        }
    }
}

#[derive(Serialize)]
struct JsonErrorBody<'a> {
    error: JsonError<'a>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    summary: &'a str,
    detail: &'a str,
    code: &'a str,
}

/// The error as a response: its status and its body in its format.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body(self.format);
        respond(self.status, self.format, body)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} ({}): {}",
            self.status.as_u16(),
            self.code,
            self.summary,
            self.detail
        )
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(error: ApiError) -> (StatusCode, String, String) {
        let response = error.into_response();
        let status = response.status();
        let content_type = response.headers()[http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn an_error_answers_in_its_format() {
        let (status, content_type, body) = answer(ApiError::forbidden("a < b & \"c\"")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(content_type, "application/xml;charset=utf-8");
        assert_eq!(
            body,
            "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\"><error code=\"403004\"><summary>Forbidden</summary><detail>a &lt; b &amp; &quot;c&quot;</detail></error></tsResponse>"
        );
        let json = ApiError::for_status(StatusCode::TOO_MANY_REQUESTS).in_format(Format::Json);
        let (status, content_type, body) = answer(json).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(content_type, "application/json;charset=utf-8");
        assert_eq!(
            body,
            r#"{"error":{"summary":"Too Many Requests","detail":"Too Many Requests","code":"429000"}}"#
        );
    }
}
