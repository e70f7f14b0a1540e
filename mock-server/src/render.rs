//! Tableau-shaped response bodies in XML and JSON: the envelope, escaping, the credentials
//! answer. Error bodies render themselves ([`crate::error::ApiError`]).

use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::format::Format;
use crate::version::ApiVersion;

/// The namespace of every answer.
pub(crate) const NAMESPACE: &str = "http://tableau.com/api";

/// Builds a response with the format's content type.
pub fn respond(status: StatusCode, format: Format, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(format.content_type()),
    );
    response
}

/// Escapes an attribute value or text: the five entities, and TAB/LF/CR as character references.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    escape_into(&mut out, value);
    out
}

/// [`escape`], appended to `out`.
pub fn escape_into(out: &mut String, value: &str) {
    // Ids, names and URLs are nearly always printable ASCII with nothing to escape.
    let plain = value
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''));
    if plain {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if crate::request::is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// Appends ` key="value"`, the value escaped.
pub fn push_attribute(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push_str("=\"");
    escape_into(out, value);
    out.push('"');
}

/// Appends `<name a="v" …/>`.
pub fn push_empty_element(out: &mut String, name: &str, attributes: &[(&str, &str)]) {
    out.push('<');
    out.push_str(name);
    for (key, value) in attributes {
        push_attribute(out, key, value);
    }
    out.push_str("/>");
}

/// Room for a typical answer in its envelope: one allocation, no growth.
pub const XML_ANSWER_CAPACITY: usize = 1024;

/// Appends the opening of the `tsResponse` envelope of a success answer; close it with
/// [`XML_ENVELOPE_CLOSE`].
pub fn push_xml_envelope_open(out: &mut String, version: ApiVersion) {
    // Pushed piece by piece rather than through `write!`: this opens every XML answer.
    out.push_str("<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"");
    out.push_str(NAMESPACE);
    out.push_str(
        "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"",
    );
    out.push_str(NAMESPACE);
    out.push_str(" https://help.tableau.com/samples/en-us/rest_api/ts-api_");
    push_u32(out, version.major);
    out.push('_');
    push_u32(out, version.minor);
    out.push_str(".xsd\">");
}

/// Appends `n` in decimal.
fn push_u32(out: &mut String, n: u32) {
    push_u64(out, u64::from(n));
}

/// Appends `n` in decimal (digits pushed directly: `write!` costs several times more).
fn push_u64(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Appends `n` (below 100) as two digits, zero-padded.
pub(crate) fn push_two_digits(out: &mut String, n: u8) {
    debug_assert!(n < 100, "{n}");
    out.push(char::from(b'0' + n / 10));
    out.push(char::from(b'0' + n % 10));
}

/// The end of the `tsResponse` envelope.
pub const XML_ENVELOPE_CLOSE: &str = "</tsResponse>";

/// Wraps `inner` in the full `tsResponse` envelope of a success answer.
pub fn xml_envelope(version: ApiVersion, inner: &str) -> String {
    let mut out = String::with_capacity(XML_ANSWER_CAPACITY.max(inner.len() + 320));
    push_xml_envelope_open(&mut out, version);
    out.push_str(inner);
    out.push_str(XML_ENVELOPE_CLOSE);
    out
}

/// Serializes a value that cannot fail to serialize (plain structs of strings).
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"))
}

/// The `credentials` answer of sign-in and switch site.
#[derive(Debug, Clone)]
pub struct CredentialsAnswer {
    /// Session token.
    pub token: String,
    /// Site LUID.
    pub site_id: Arc<str>,
    /// Site content URL as stored.
    pub content_url: String,
    /// User LUID.
    pub user_id: Arc<str>,
    /// `D:HH:MM`, PAT sign-ins only.
    pub estimated_time_to_expiration: Option<String>,
}

#[derive(Serialize)]
struct JsonCredentialsBody<'a> {
    credentials: JsonCredentials<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCredentials<'a> {
    site: JsonSiteRef<'a>,
    user: JsonId<'a>,
    token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_time_to_expiration: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSiteRef<'a> {
    id: &'a str,
    content_url: &'a str,
}

#[derive(Serialize)]
struct JsonId<'a> {
    id: &'a str,
}

impl CredentialsAnswer {
    /// Renders the answer.
    pub fn render(&self, format: Format, version: ApiVersion) -> String {
        match format {
            Format::Xml => {
                let mut out = String::with_capacity(XML_ANSWER_CAPACITY);
                push_xml_envelope_open(&mut out, version);
                out.push_str("<credentials");
                push_attribute(&mut out, "token", &self.token);
                if let Some(estimate) = &self.estimated_time_to_expiration {
                    push_attribute(&mut out, "estimatedTimeToExpiration", estimate);
                }
                out.push('>');
                push_empty_element(
                    &mut out,
                    "site",
                    &[("id", &self.site_id), ("contentUrl", &self.content_url)],
                );
                push_empty_element(&mut out, "user", &[("id", &self.user_id)]);
                out.push_str("</credentials>");
                out.push_str(XML_ENVELOPE_CLOSE);
                out
            }
            Format::Json => to_json(&JsonCredentialsBody {
                credentials: JsonCredentials {
                    site: JsonSiteRef {
                        id: &self.site_id,
                        content_url: &self.content_url,
                    },
                    user: JsonId { id: &self.user_id },
                    token: &self.token,
                    estimated_time_to_expiration: self.estimated_time_to_expiration.as_deref(),
                },
            }),
        }
    }
}

/// `D:HH:MM` (days unpadded) of a non-negative duration, in whole minutes.
pub fn d_hh_mm(duration: time::Duration) -> String {
    let minutes = duration.whole_minutes().max(0).unsigned_abs();
    let mut out = String::with_capacity(12);
    push_u64(&mut out, minutes / (24 * 60));
    for part in [(minutes / 60) % 24, minutes % 60] {
        out.push(':');
        // Hours and minutes: below 60, so the cast keeps the value.
        push_two_digits(&mut out, part as u8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_what_format_wrote() {
        for version in [
            ApiVersion::new(3, 27),
            ApiVersion::new(2, 4),
            ApiVersion::new(0, 0),
            ApiVersion::new(4_000_000_000, 10),
        ] {
            let mut out = String::new();
            push_xml_envelope_open(&mut out, version);
            assert_eq!(
                out,
                format!(
                    "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"{NAMESPACE}\" \
                     xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                     xsi:schemaLocation=\"{NAMESPACE} https://help.tableau.com/samples/en-us/rest_api/ts-api_{}_{}.xsd\">",
                    version.major, version.minor
                )
            );
        }
    }

    #[test]
    fn escapes_and_formats() {
        assert_eq!(
            escape("a&b<\"'>\t\n\r"),
            "a&amp;b&lt;&quot;&apos;&gt;&#9;&#10;&#13;"
        );
        // The plain-ASCII fast path and the general path agree.
        assert_eq!(escape("Plain id-1_x/y:z"), "Plain id-1_x/y:z");
        assert_eq!(escape("caf\u{e9} \u{1}x"), "caf\u{e9} \u{FFFD}x");
        assert_eq!(escape("\u{7f}"), "\u{7f}");
        let mut out = String::new();
        push_empty_element(&mut out, "site", &[("id", "s&1"), ("contentUrl", "")]);
        assert_eq!(out, "<site id=\"s&amp;1\" contentUrl=\"\"/>");
        assert_eq!(
            d_hh_mm(time::Duration::minutes(364 * 1440 + 23 * 60 + 59)),
            "364:23:59"
        );
        assert_eq!(d_hh_mm(time::Duration::seconds(59)), "0:00:00");
        assert_eq!(d_hh_mm(time::Duration::minutes(-5)), "0:00:00");
        for minutes in (0..3000).chain([1_000_000_000, i64::MAX / 60]) {
            let expected = format!(
                "{}:{:02}:{:02}",
                minutes / 1440,
                (minutes / 60) % 24,
                minutes % 60
            );
            assert_eq!(d_hh_mm(time::Duration::minutes(minutes)), expected);
        }
    }
}
