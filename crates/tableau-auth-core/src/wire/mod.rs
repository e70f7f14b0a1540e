//! The sign-in wire formats: request bodies we send and response bodies we read, in XML and
//! JSON (docs/protocol.md sections 2–5 and 8).

mod error_body;
mod request;
mod response;
mod xml;

pub use error_body::{ErrorCode, ParseError, TableauError};
pub use request::{RenderError, RequestBody, SignInRequest, SwitchSiteRequest};
pub use response::{
    CurrentSession, ServerInfo, SessionSite, SessionUser, SignInResponse, UserDetails,
};

/// The body format of a request, and the format asked for in the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WireFormat {
    /// `application/xml` (Tableau's default).
    #[default]
    Xml,
    /// `application/json`.
    Json,
}

impl WireFormat {
    /// The media type for `Content-Type` and `Accept`.
    pub const fn media_type(self) -> &'static str {
        match self {
            WireFormat::Xml => "application/xml",
            WireFormat::Json => "application/json",
        }
    }
}

/// The XML namespace of current servers.
pub const TABLEAU_NAMESPACE: &str = "http://tableau.com/api";
/// The XML namespace of very old servers (still accepted).
pub const LEGACY_TABLEAU_NAMESPACE: &str = "http://tableausoftware.com/api";

/// Whether a body looks like JSON (first non-blank byte is `{` or `[`).
fn looks_like_json(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{') | Some(b'[')
    )
}

/// Words that mark a body which may carry a credential or a session token.
const SENSITIVE_MARKERS: [&str; 5] = ["token", "password", "secret", "jwt", "credentials"];

/// A short, printable excerpt of a body for error messages: at most 120 characters, control
/// characters shown as spaces. `None` when the start of the body names a credential or a token
/// (a truncated sign-in answer, say), because the excerpt could then show its value.
fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(480)]);
    let lower = text.to_ascii_lowercase();
    if SENSITIVE_MARKERS
        .iter()
        .any(|marker| lower.contains(marker))
    {
        return None;
    }
    let mut out: String = text
        .chars()
        .take(120)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > 120 || body.len() > 480 {
        out.push('…');
    }
    Some(out.trim().to_owned())
}
