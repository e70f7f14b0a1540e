//! Tableau error bodies (docs/protocol.md section 5) and the error for bodies we cannot read.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::{excerpt, looks_like_json, xml};

/// A Tableau error code such as `401001`. Its first three digits are the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorCode(u32);

impl ErrorCode {
    /// 400000: the body is missing, malformed or incomplete.
    pub const BAD_REQUEST: ErrorCode = ErrorCode(400_000);
    /// 401000: no `X-Tableau-Auth` header.
    pub const UNAUTHORIZED: ErrorCode = ErrorCode(401_000);
    /// 401001: sign-in refused (wrong credentials, revoked or expired PAT, unknown site, bad JWT).
    pub const SIGNIN_ERROR: ErrorCode = ErrorCode(401_001);
    /// 401002: the token is unknown, signed out, expired or superseded.
    pub const INVALID_CREDENTIALS: ErrorCode = ErrorCode(401_002);
    /// 401003: switch-site destination not found or unavailable.
    pub const SWITCH_SITE_ERROR: ErrorCode = ErrorCode(401_003);
    /// 403004: the caller lacks the role.
    pub const FORBIDDEN: ErrorCode = ErrorCode(403_004);
    /// 403070: switch site to the current site.
    pub const SAME_SITE: ErrorCode = ErrorCode(403_070);
    /// 404000: unknown site LUID in the path.
    pub const SITE_NOT_FOUND: ErrorCode = ErrorCode(404_000);
    /// 404002: unknown user.
    pub const USER_NOT_FOUND: ErrorCode = ErrorCode(404_002);
    /// 400006: an invalid page number (not a positive integer, or past the last page).
    pub const INVALID_PAGE_NUMBER: ErrorCode = ErrorCode(400_006);
    /// 400007: an invalid page size (not a positive integer).
    pub const INVALID_PAGE_SIZE: ErrorCode = ErrorCode(400_007);
    /// 400065: a filter names a field the method does not know, or has no value.
    pub const INVALID_FILTER: ErrorCode = ErrorCode(400_065);
    /// 403010: the path names another site than the one the session is signed in to.
    pub const OTHER_SITE: ErrorCode = ErrorCode(403_010);
    /// 403014: a page size over the limit (1,000).
    pub const PAGE_SIZE_LIMIT_EXCEEDED: ErrorCode = ErrorCode(403_014);
    /// 403069: `GET sites` on Tableau Cloud, which does not list sites.
    pub const SITES_QUERY_NOT_SUPPORTED: ErrorCode = ErrorCode(403_069);
    /// 403133: a user who is not an administrator looked up another user.
    pub const USER_QUERY_FORBIDDEN: ErrorCode = ErrorCode(403_133);
    /// 404001: the version in the URL is newer than the server's, or malformed.
    pub const INVALID_API_VERSION: ErrorCode = ErrorCode(404_001);
    /// 404003: an unknown resource, or an endpoint the URL's version does not have yet.
    pub const RESOURCE_NOT_FOUND: ErrorCode = ErrorCode(404_003);
    /// 406000: a request body media type the server does not read (`multipart/*` on sign-in).
    pub const UNSUPPORTED_MEDIA_TYPE: ErrorCode = ErrorCode(406_000);
    /// 429000: throttled; Tableau Cloud says how long to wait in the detail text.
    pub const TOO_MANY_REQUESTS: ErrorCode = ErrorCode(429_000);
    /// 405000: wrong method (often a redirect that turned a POST into a GET).
    pub const METHOD_NOT_ALLOWED: ErrorCode = ErrorCode(405_000);
    /// 413000: body too large.
    pub const ENTITY_TOO_LARGE: ErrorCode = ErrorCode(413_000);

    /// The code as a number.
    pub const fn new(code: u32) -> Self {
        ErrorCode(code)
    }

    /// The code as a number.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The HTTP status its first three digits name.
    pub const fn http_status(self) -> u32 {
        self.0 / 1000
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ErrorCode {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(ErrorCode)
    }
}

/// An error a Tableau server reported, with its code, summary and detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Tableau error {code} ({summary}): {detail}")]
pub struct TableauError {
    /// The HTTP status of the answer.
    pub http_status: u16,
    /// The Tableau error code.
    pub code: ErrorCode,
    /// The short summary (`Signin Error`).
    pub summary: String,
    /// The longer detail.
    pub detail: String,
}

/// A body was not what a Tableau server sends: not XML or JSON, not a Tableau document, or a
/// Tableau document missing a required part. Keeps the HTTP status when known and, for bodies
/// that are not Tableau documents at all, a short excerpt (never for Tableau documents, which
/// can carry a token, nor for any body whose start names a token or a credential).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ParseError {
    /// The HTTP status, when the caller knew it.
    pub status: Option<u16>,
    /// What was wrong.
    pub reason: String,
    /// The start of the body, for bodies that are not Tableau documents and name no credential.
    pub excerpt: Option<String>,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unexpected response")?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        write!(f, ": {}", self.reason)?;
        match &self.excerpt {
            Some(excerpt) if !excerpt.is_empty() => write!(f, "; the body starts with `{excerpt}`"),
            Some(_) => f.write_str("; the body is empty"),
            None => Ok(()),
        }
    }
}

impl ParseError {
    /// A body that is not a Tableau document at all (HTML page, empty, truncated).
    pub(crate) fn not_tableau(reason: impl Into<String>, body: &[u8]) -> Self {
        ParseError {
            status: None,
            reason: reason.into(),
            excerpt: excerpt(body),
        }
    }

    /// A Tableau document that lacks a required part. No excerpt: it may hold a token.
    pub(crate) fn missing(what: impl Into<String>) -> Self {
        ParseError {
            status: None,
            reason: what.into(),
            excerpt: None,
        }
    }

    /// Records the HTTP status of the answer.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

#[derive(Deserialize)]
struct JsonErrorEnvelope {
    error: JsonError,
}

#[derive(Deserialize)]
struct JsonError {
    code: serde_json::Value,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    detail: String,
}

impl TableauError {
    /// Parses an error body (XML or JSON, detected from the body) of an answer with this
    /// HTTP status.
    ///
    /// ```
    /// use tableau_auth_core::{ErrorCode, TableauError};
    ///
    /// let body = br#"{"error":{"summary":"Signin Error","detail":"Error signing in to Tableau Server","code":"401001"}}"#;
    /// let err = TableauError::parse(401, body).unwrap();
    /// assert_eq!(err.code, ErrorCode::SIGNIN_ERROR);
    /// assert_eq!(err.summary, "Signin Error");
    ///
    /// let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
    /// let err = TableauError::parse(502, html).unwrap_err();
    /// assert_eq!(err.status, Some(502));
    /// assert!(err.to_string().contains("502 Bad Gateway"));
    /// ```
    pub fn parse(http_status: u16, body: &[u8]) -> Result<TableauError, ParseError> {
        let parsed = if looks_like_json(body) {
            Self::parse_json(http_status, body)
        } else {
            Self::parse_xml(http_status, body)
        };
        parsed.map_err(|e| e.with_status(http_status))
    }

    fn parse_json(http_status: u16, body: &[u8]) -> Result<TableauError, ParseError> {
        // serde's messages can quote the body ("invalid type: string \"…\""): name the
        // problem and where it is, never what was there.
        let envelope: JsonErrorEnvelope = serde_json::from_slice(body).map_err(|e| {
            let reason = match e.classify() {
                serde_json::error::Category::Data => {
                    "not a Tableau JSON error body (no `error` object with a `code`)".to_owned()
                }
                _ => format!("malformed JSON at line {} column {}", e.line(), e.column()),
            };
            ParseError::not_tableau(reason, body)
        })?;
        let code = match &envelope.error.code {
            serde_json::Value::String(s) => s.parse().ok(),
            serde_json::Value::Number(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(ErrorCode),
            _ => None,
        }
        .ok_or_else(|| ParseError::not_tableau("the error code is not a number", body))?;
        Ok(TableauError {
            http_status,
            code,
            summary: envelope.error.summary,
            detail: envelope.error.detail,
        })
    }

    fn parse_xml(http_status: u16, body: &[u8]) -> Result<TableauError, ParseError> {
        let root = xml::parse(body).map_err(|reason| ParseError::not_tableau(reason, body))?;
        let error = (root.name == "tsResponse")
            .then(|| root.child("error"))
            .flatten()
            .ok_or_else(|| ParseError::not_tableau("not a Tableau error body", body))?;
        let code = error
            .attribute("code")
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| ParseError::not_tableau("the error has no numeric code", body))?;
        let text = |name| {
            error
                .child(name)
                .map(|e| e.text.trim().to_owned())
                .unwrap_or_default()
        };
        Ok(TableauError {
            http_status,
            code,
            summary: text("summary"),
            detail: text("detail"),
        })
    }
}
