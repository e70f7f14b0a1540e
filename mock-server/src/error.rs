//! Tableau-shaped errors of the REST API surface. An error renders itself, in the format it
//! carries, as `<tsResponse><error code=…>` or `{"error": {…}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::format::Format;
use crate::render::{XML_ENVELOPE_CLOSE, escape_into, push_xml_envelope_open, respond, to_json};
use crate::version::ApiVersion;

/// At most this many characters of a value the client sent (a version, a media type) are
/// quoted back in an error's detail.
const QUOTED_MAX: usize = 100;

/// `value` cut to [`QUOTED_MAX`] characters.
fn quoted(value: &str) -> String {
    value.chars().take(QUOTED_MAX).collect()
}

/// An error answered on the REST API surface: an HTTP status, a Tableau error code, a summary
/// and a detail, answered in its format and with the schema of its API version (see
/// [`ApiError::answered`]).
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
    /// The API version named in the XML answer's `xsi:schemaLocation` (the server's).
    pub version: ApiVersion,
    /// Why the mock refused, when the wire does not say (a 401001 is deliberately
    /// unspecific): for the debug log and [`RecordedRequest::refusal`](crate::RecordedRequest),
    /// never on the wire. A fixed text, never a value from the request.
    pub reason: Option<String>,
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
            version: ApiVersion::DEFAULT,
            reason: None,
        }
    }

    /// The same error, with why the mock refused (not shown on the wire).
    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
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

    /// 403010: a `/sites/{luid}/...` path of another site than the session's. The wording is
    /// real server output (docs/protocol.md section 5).
    pub fn other_site(user_name: &str, session_site: &str, path_site: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "403010",
            "Forbidden",
            format!(
                "User '{user_name}' is authenticated for site '{session_site}' and may not access or modify resources on site '{path_site}'."
            ),
        )
    }

    /// 403069: `GET sites` on Tableau Cloud.
    pub fn sites_query_unsupported() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "403069",
            "Forbidden",
            "Sites query is unsupported for Tableau Cloud.",
        )
    }

    /// 403133: a user who is not an administrator looks up another user.
    pub fn query_user_forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "403133",
            "Query user permissions forbidden",
            "The user does not have permissions to query user information for other users",
        )
    }

    /// 400006: a `pageNumber` that is not an integer, below 1 or past the last page
    /// (docs/protocol.md section 12.2; real server output quoted in TSC #1304).
    pub fn invalid_page_number(page_number: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "400006",
            "Bad Request",
            format!("Invalid page number '{}'", quoted(page_number)),
        )
    }

    /// 400007: a `pageSize` that is not an integer or is below 1 (docs/protocol.md section
    /// 12.2).
    pub fn invalid_page_size() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "400007",
            "Invalid page size",
            "The page size parameter is not an integer, is less than one.",
        )
    }

    /// 403014: a `pageSize` above 1000 (docs/protocol.md section 12.2).
    pub fn page_size_limit() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "403014",
            "Page size limit exceeded",
            "The specified page size is larger than the maximum page size",
        )
    }

    /// 400065: a filter or sort the endpoint does not know (docs/protocol.md section 12.3).
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "400065", "Bad Request", detail)
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

    /// 404001: a URL version newer than the server's, or not `digits.digits`.
    pub fn invalid_version(version: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404001",
            "Resource Not Found",
            format!(
                "Version '{}' is not a valid version of the API.",
                quoted(version)
            ),
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

    /// 404006: a workbook LUID the site does not hold (docs/protocol.md section 12.5).
    pub fn workbook_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404006",
            "Workbook not found",
            format!("Workbook '{}' could not be found.", quoted(id)),
        )
    }

    /// 404011: a data source LUID the site does not hold (docs/protocol.md section 12.5).
    pub fn datasource_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404011",
            "Datasource not found",
            format!("Datasource '{}' could not be found.", quoted(id)),
        )
    }

    /// 404003: unknown resource, or an endpoint below its "since" version.
    pub fn resource_not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404003",
            "Resource Not Found",
            detail,
        )
    }

    /// 405000: wrong method for the resource (the wording of real server output).
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "405000",
            "Method Not Allowed",
            format!(
                "The HTTP method '{}' is not supported for the given resource",
                quoted(method)
            ),
        )
    }

    /// 406000: a request body media type the server does not read; `media_type` as sent.
    pub fn unsupported_media_type(media_type: &str) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "406000",
            "Bad Request",
            format!("Content type '{}' not supported", quoted(media_type)),
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
    /// `status × 1000`, the summary is the canonical reason phrase. A 429 has the detail of
    /// real Tableau Cloud output, "Too many requests" (docs/protocol.md section 5).
    pub fn for_status(status: StatusCode) -> Self {
        let summary = status.canonical_reason().unwrap_or("Error");
        let detail = if status == StatusCode::TOO_MANY_REQUESTS {
            "Too many requests"
        } else {
            summary
        };
        Self::new(status, &format!("{}000", status.as_u16()), summary, detail)
    }

    /// The same error, answered in `format` (XML until set: the format of the request's
    /// `Accept`) with the schema of `version` (the server's newest version) in XML.
    pub fn answered(mut self, format: Format, version: ApiVersion) -> Self {
        self.format = format;
        self.version = version;
        self
    }

    /// The error body in `format`; in XML with the same envelope as a success answer
    /// (`xmlns:xsi`, `xsi:schemaLocation` of `version`).
    pub fn body(&self, format: Format, version: ApiVersion) -> String {
        match format {
            Format::Xml => {
                let mut out = String::with_capacity(512 + self.detail.len());
                push_xml_envelope_open(&mut out, version);
                out.push_str("<error code=\"");
                escape_into(&mut out, &self.code);
                out.push_str("\"><summary>");
                escape_into(&mut out, &self.summary);
                out.push_str("</summary><detail>");
                escape_into(&mut out, &self.detail);
                out.push_str("</detail></error>");
                out.push_str(XML_ENVELOPE_CLOSE);
                out
            }
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
        let body = self.body(self.format, self.version);
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
            "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_27.xsd\"><error code=\"403004\"><summary>Forbidden</summary><detail>a &lt; b &amp; &quot;c&quot;</detail></error></tsResponse>"
        );
        let (_, _, old) =
            answer(ApiError::forbidden("x").answered(Format::Xml, ApiVersion::new(3, 15))).await;
        assert!(
            old.contains("ts-api_3_15.xsd"),
            "the server's version: {old}"
        );
        let json = ApiError::for_status(StatusCode::TOO_MANY_REQUESTS)
            .answered(Format::Json, ApiVersion::DEFAULT);
        let (status, content_type, body) = answer(json).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(content_type, "application/json;charset=utf-8");
        assert_eq!(
            body,
            r#"{"error":{"summary":"Too Many Requests","detail":"Too many requests","code":"429000"}}"#
        );
        let long = "x".repeat(500);
        assert_eq!(
            ApiError::unsupported_media_type(&long).detail.len(),
            "Content type '' not supported".len() + 100
        );
    }
}
