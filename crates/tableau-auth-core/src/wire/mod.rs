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

/// Opaque values at least this long (tokens, secrets, JWTs) keep a body out of error messages.
const OPAQUE_RUN: usize = 24;

/// Whether `text` holds what looks like an opaque value: a run of at least [`OPAQUE_RUN`]
/// letters, digits and `|+/=_-.~:%` with a digit in it (a session token is 22, 32 and 36 such
/// characters joined by `|`). Words, numbers and plain host names are not.
fn holds_opaque_value(text: &str) -> bool {
    let mut run = 0;
    let mut digit = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "|+/=_-.~:%".contains(c) {
            run += 1;
            digit |= c.is_ascii_digit();
            if run >= OPAQUE_RUN && digit {
                return true;
            }
        } else {
            run = 0;
            digit = false;
        }
    }
    false
}

/// A short, printable excerpt of a body for error messages: at most 120 characters, control
/// characters shown as spaces. `None` when the start of the body names a credential or a token
/// (a truncated sign-in answer, say), or holds a long opaque value (a body that lost its start,
/// where no marker is left, say), because the excerpt could then show a secret.
fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(480)]);
    let lower = text.to_ascii_lowercase();
    if SENSITIVE_MARKERS
        .iter()
        .any(|marker| lower.contains(marker))
        || holds_opaque_value(&text)
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
