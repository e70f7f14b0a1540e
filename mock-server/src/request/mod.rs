//! The mock's own strict parser of request bodies (docs/protocol.md section 3): sign-in and switch site,
//! in XML and JSON. It never shares code with the client's rendering.

mod json;
mod xml;

use crate::format::Format;

/// One credential family of a sign-in.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum CredentialFamily {
    /// `name` + `password`.
    Password {
        /// User name.
        name: String,
        /// Password.
        password: String,
    },
    /// `personalAccessTokenName` + `personalAccessTokenSecret`.
    PersonalAccessToken {
        /// Token name.
        name: String,
        /// Token secret.
        secret: String,
    },
    /// `jwt` (+ optional `isUat`).
    Jwt {
        /// The compact JWT.
        jwt: String,
        /// `isUat`, when given.
        is_uat: Option<bool>,
    },
}

impl std::fmt::Debug for CredentialFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password { name, .. } => f
                .debug_struct("Password")
                .field("name", name)
                .field("password", &"[redacted]")
                .finish(),
            Self::PersonalAccessToken { name, .. } => f
                .debug_struct("PersonalAccessToken")
                .field("name", name)
                .field("secret", &"[redacted]")
                .finish(),
            Self::Jwt { is_uat, .. } => f
                .debug_struct("Jwt")
                .field("jwt", &"[redacted]")
                .field("is_uat", is_uat)
                .finish(),
        }
    }
}

/// A parsed sign-in request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignInRequest {
    /// The credential family.
    pub credentials: CredentialFamily,
    /// `site/@contentUrl`.
    pub site_content_url: String,
    /// `user/@id`: impersonation.
    pub impersonate_user_id: Option<String>,
}

/// A parsed switch-site request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SwitchSiteRequest {
    /// Destination `contentUrl`.
    pub content_url: String,
}

/// Why a body was refused (always 400000 on the wire).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BodyError(pub String);

impl BodyError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// The raw attribute/key values of a `credentials` element, before family selection.
#[derive(Default)]
pub(crate) struct RawCredentials {
    pub name: Option<String>,
    pub password: Option<String>,
    pub pat_name: Option<String>,
    pub pat_secret: Option<String>,
    pub jwt: Option<String>,
    pub is_uat: Option<bool>,
    pub site_content_url: Option<String>,
    pub user_id: Option<String>,
}

impl RawCredentials {
    pub(crate) fn into_request(self) -> Result<SignInRequest, BodyError> {
        let password = self.name.is_some() || self.password.is_some();
        let pat = self.pat_name.is_some() || self.pat_secret.is_some();
        let jwt = self.jwt.is_some() || self.is_uat.is_some();
        let families = usize::from(password) + usize::from(pat) + usize::from(jwt);
        if families == 0 {
            return Err(BodyError::new("credentials carry no credential family"));
        }
        if families > 1 {
            return Err(BodyError::new(
                "credentials carry more than one credential family",
            ));
        }
        let credentials = match (
            self.name,
            self.password,
            self.pat_name,
            self.pat_secret,
            self.jwt,
        ) {
            (Some(name), Some(password), None, None, None) => {
                CredentialFamily::Password { name, password }
            }
            (None, None, Some(name), Some(secret), None) => {
                CredentialFamily::PersonalAccessToken { name, secret }
            }
            (None, None, None, None, Some(jwt)) => CredentialFamily::Jwt {
                jwt,
                is_uat: self.is_uat,
            },
            _ => return Err(BodyError::new("credential family is incomplete")),
        };
        let site_content_url = self
            .site_content_url
            .ok_or_else(|| BodyError::new("credentials need a site with a contentUrl"))?;
        if self.user_id.as_deref() == Some("") {
            return Err(BodyError::new("user id is empty"));
        }
        Ok(SignInRequest {
            credentials,
            site_content_url,
            impersonate_user_id: self.user_id,
        })
    }
}

/// Parses a sign-in body in `format`.
pub(crate) fn parse_sign_in(body: &[u8], format: Format) -> Result<SignInRequest, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::new("the request body is empty"));
    }
    match format {
        Format::Xml => xml::parse_sign_in(body),
        Format::Json => json::parse_sign_in(body),
    }
}

/// [`parse_sign_in`], and, for an XML body, the body as the request log keeps it (redacted,
/// from the same parse) when `log` asks for it.
pub(crate) fn parse_sign_in_logged(
    body: &[u8],
    format: Format,
    log: bool,
) -> (Result<SignInRequest, BodyError>, Option<String>) {
    if !log || format != Format::Xml || body.iter().all(u8::is_ascii_whitespace) {
        return (parse_sign_in(body, format), None);
    }
    xml::parse_sign_in_logged(body)
}

/// Parses a switch-site body in `format`.
pub(crate) fn parse_switch_site(
    body: &[u8],
    format: Format,
) -> Result<SwitchSiteRequest, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::new("the request body is empty"));
    }
    match format {
        Format::Xml => xml::parse_switch_site(body),
        Format::Json => json::parse_switch_site(body),
    }
}

/// Whether `c` is a character XML 1.0 can carry.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Whether every character of `text` is one XML 1.0 can carry. Printable ASCII, TAB, LF and CR
/// are checked byte by byte; only text with other bytes is decoded.
pub(crate) fn all_xml_chars(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, 0x20..=0x7f | b'\t' | b'\n' | b'\r'))
        || text.chars().all(is_xml_char)
}

/// Refuses values with characters XML 1.0 cannot carry (XML bodies only: JSON carries any
/// Unicode scalar value).
pub(crate) fn check_chars(what: &str, value: &str) -> Result<(), BodyError> {
    if all_xml_chars(value) {
        Ok(())
    } else {
        Err(BodyError::new(format!(
            "{what} contains a character XML 1.0 cannot carry"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_ascii_fast_path_knows_the_control_characters() {
        assert!(all_xml_chars("a\tb\nc\rd ~\u{7f}"));
        assert!(!all_xml_chars("a\u{1}b"));
        assert!(!all_xml_chars("a\u{0}"));
        assert!(all_xml_chars("caf\u{e9} \u{10000}"));
        assert!(!all_xml_chars("caf\u{e9}\u{FFFE}"));
        assert!(!all_xml_chars("\u{e9}\u{1f}"));
    }

    proptest! {
        #[test]
        fn all_xml_chars_is_the_character_check(text in any::<String>()) {
            prop_assert_eq!(all_xml_chars(&text), text.chars().all(is_xml_char));
        }
    }
}
