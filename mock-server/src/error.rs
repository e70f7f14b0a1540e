//! Tableau-shaped errors of the REST API surface and their rendering.

use axum::http::StatusCode;

use crate::format::Format;

/// An error answered on the REST API surface: an HTTP status, a Tableau error code, a summary
/// and a detail, rendered as `<tsResponse><error code=…>` or `{"error": {…}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Tableau error code, e.g. `401001`.
    pub code: String,
    /// The short summary (`<summary>`).
    pub summary: String,
    /// The longer detail (`<detail>`).
    pub detail: String,
    /// Optional `Retry-After` header value (only for throttling).
    pub retry_after: Option<String>,
}

impl ApiError {
    /// Builds an error from its parts.
    pub fn new(status: StatusCode, code: &str, summary: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            summary: summary.to_owned(),
            detail: detail.into(),
            retry_after: None,
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

    /// Renders the error body in `format`.
    pub fn body(&self, format: Format) -> String {
        match format {
            Format::Xml => crate::render::xml_error(self),
            Format::Json => crate::render::json_error(self),
        }
    }

    /// Renders the full response in `format`.
    pub fn into_response_in(self, format: Format) -> axum::response::Response {
        let body = self.body(format);
        let mut response = crate::render::respond(self.status, format, body);
        if let Some(value) = self
            .retry_after
            .and_then(|value| http::HeaderValue::from_str(&value).ok())
        {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, value);
        }
        response
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
