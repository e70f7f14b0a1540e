//! Rendering sign-in and switch-site bodies in the canonical compact form (docs/protocol.md section 3).

use secrecy::{ExposeSecret, SecretString};

use super::WireFormat;
use crate::credentials::{CredentialFamily, Credentials};
use crate::redacted::Redacted;

/// A rendered request body. `Debug` never shows it: a sign-in body carries a secret.
#[derive(Clone, Debug)]
pub struct RequestBody {
    format: WireFormat,
    text: Redacted<SecretString>,
}

impl RequestBody {
    /// The body's format.
    pub fn format(&self) -> WireFormat {
        self.format
    }

    /// The `Content-Type` to send with it.
    pub fn content_type(&self) -> &'static str {
        self.format.media_type()
    }

    /// The body text. Call this only where the body is written to the wire.
    pub fn expose_secret(&self) -> &str {
        self.text.expose_secret()
    }
}

/// A value cannot be written in the requested format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The value holds a character that XML 1.0 cannot carry (a control character other than
    /// TAB, LF or CR, U+FFFE or U+FFFF). JSON can carry it.
    #[error(
        "the {field} contains a character that XML 1.0 cannot carry (U+{code_point:04X}); \
         send the request as JSON instead (WireFormat::Json)"
    )]
    XmlUnrepresentable {
        /// Which value (`password`, `content URL`, …).
        field: &'static str,
        /// The offending character's code point.
        code_point: u32,
    },
}

/// The body of `POST auth/signin`.
///
/// ```
/// use secrecy::SecretString;
/// use tableau_auth_core::{Credentials, SignInRequest, WireFormat};
///
/// let creds = Credentials::personal_access_token("ci-token", "SECRET")
///     .with_site("MarketingTeam");
/// let body = SignInRequest::new(&creds).render(WireFormat::Xml).unwrap();
/// assert_eq!(
///     body.expose_secret(),
///     r#"<tsRequest><credentials personalAccessTokenName="ci-token" personalAccessTokenSecret="SECRET"><site contentUrl="MarketingTeam"/></credentials></tsRequest>"#
/// );
/// let json = SignInRequest::new(&creds).render(WireFormat::Json).unwrap();
/// assert_eq!(
///     json.expose_secret(),
///     r#"{"credentials":{"personalAccessTokenName":"ci-token","personalAccessTokenSecret":"SECRET","site":{"contentUrl":"MarketingTeam"}}}"#
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SignInRequest<'a> {
    credentials: &'a Credentials,
}

/// One attribute (XML) or key (JSON) of the `credentials` element, in wire order.
enum Value<'a> {
    Text {
        name: &'static str,
        field: &'static str,
        value: &'a str,
    },
    Bool {
        name: &'static str,
        value: bool,
    },
}

impl<'a> SignInRequest<'a> {
    /// The sign-in body for these credentials.
    pub fn new(credentials: &'a Credentials) -> Self {
        SignInRequest { credentials }
    }

    fn attributes(&self) -> Vec<Value<'a>> {
        let text = |name, field, value| Value::Text { name, field, value };
        match self.credentials.family() {
            CredentialFamily::Password { username, password } => vec![
                text("name", "user name", username.as_str()),
                text("password", "password", password.expose_secret()),
            ],
            CredentialFamily::PersonalAccessToken { name, secret } => vec![
                text("personalAccessTokenName", "token name", name.as_str()),
                text(
                    "personalAccessTokenSecret",
                    "token secret",
                    secret.expose_secret(),
                ),
            ],
            CredentialFamily::ConnectedApp { jwt } => vec![text("jwt", "JWT", jwt.expose_secret())],
            CredentialFamily::UnifiedAccessToken { jwt } => vec![
                text("jwt", "JWT", jwt.expose_secret()),
                Value::Bool {
                    name: "isUat",
                    value: true,
                },
            ],
        }
    }

    /// Renders the body in the canonical compact form of docs/protocol.md section 3.
    pub fn render(&self, format: WireFormat) -> Result<RequestBody, RenderError> {
        let site = self.credentials.site();
        let user = self.credentials.impersonated_user_id();
        let mut out = String::with_capacity(256);
        match format {
            WireFormat::Xml => {
                out.push_str("<tsRequest><credentials");
                for value in self.attributes() {
                    match value {
                        Value::Text { name, field, value } => {
                            xml_attribute(&mut out, name, field, value)?
                        }
                        Value::Bool { name, value } => {
                            xml_attribute(&mut out, name, name, bool_str(value))?
                        }
                    }
                }
                out.push_str("><site");
                xml_attribute(&mut out, "contentUrl", "site content URL", site)?;
                out.push_str("/>");
                if let Some(user) = user {
                    out.push_str("<user");
                    xml_attribute(&mut out, "id", "impersonated user id", user)?;
                    out.push_str("/>");
                }
                out.push_str("</credentials></tsRequest>");
            }
            WireFormat::Json => {
                out.push_str("{\"credentials\":{");
                for value in self.attributes() {
                    match value {
                        Value::Text { name, value, .. } => {
                            json_key(&mut out, name);
                            json_string(&mut out, value);
                        }
                        Value::Bool { name, value } => {
                            json_key(&mut out, name);
                            out.push_str(bool_str(value));
                        }
                    }
                    out.push(',');
                }
                out.push_str("\"site\":{\"contentUrl\":");
                json_string(&mut out, site);
                out.push('}');
                if let Some(user) = user {
                    out.push_str(",\"user\":{\"id\":");
                    json_string(&mut out, user);
                    out.push('}');
                }
                out.push_str("}}");
            }
        }
        Ok(RequestBody {
            format,
            text: Redacted::new(SecretString::from(out)),
        })
    }
}

/// The body of `POST auth/switchSite`.
///
/// ```
/// use tableau_auth_core::{SwitchSiteRequest, WireFormat};
///
/// let body = SwitchSiteRequest::new("finance").render(WireFormat::Xml).unwrap();
/// assert_eq!(body.expose_secret(), r#"<tsRequest><site contentUrl="finance"/></tsRequest>"#);
/// let body = SwitchSiteRequest::new("finance").render(WireFormat::Json).unwrap();
/// assert_eq!(body.expose_secret(), r#"{"site":{"contentUrl":"finance"}}"#);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SwitchSiteRequest<'a> {
    content_url: &'a str,
}

impl<'a> SwitchSiteRequest<'a> {
    /// A request to switch to the site with this content URL.
    pub fn new(content_url: &'a str) -> Self {
        SwitchSiteRequest { content_url }
    }

    /// Renders the body in the canonical compact form.
    pub fn render(&self, format: WireFormat) -> Result<RequestBody, RenderError> {
        let mut out = String::with_capacity(64);
        match format {
            WireFormat::Xml => {
                out.push_str("<tsRequest><site");
                xml_attribute(&mut out, "contentUrl", "site content URL", self.content_url)?;
                out.push_str("/></tsRequest>");
            }
            WireFormat::Json => {
                out.push_str("{\"site\":{\"contentUrl\":");
                json_string(&mut out, self.content_url);
                out.push_str("}}");
            }
        }
        Ok(RequestBody {
            format,
            text: Redacted::new(SecretString::from(out)),
        })
    }
}

fn bool_str(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// Whether XML 1.0's `Char` production admits `c`.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Writes ` name="value"`, escaping per docs/protocol.md section 3.
fn xml_attribute(
    out: &mut String,
    name: &str,
    field: &'static str,
    value: &str,
) -> Result<(), RenderError> {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
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
            c if is_xml_char(c) => out.push(c),
            c => {
                return Err(RenderError::XmlUnrepresentable {
                    field,
                    code_point: u32::from(c),
                });
            }
        }
    }
    out.push('"');
    Ok(())
}

fn json_key(out: &mut String, name: &str) {
    json_string(out, name);
    out.push(':');
}

/// Writes a JSON string literal (serde_json's escaping).
fn json_string(out: &mut String, value: &str) {
    // Serialising a `&str` cannot fail: serde_json only fails on maps with non-string keys
    // and on I/O errors, neither of which applies.
    if let Ok(literal) = serde_json::to_string(value) {
        out.push_str(&literal);
    }
}
