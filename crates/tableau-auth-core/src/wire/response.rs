//! Parsing what a server sends on the auth surface: sign-in and switch-site answers, server
//! info, the current session and a user. XML (current namespace, old namespace or none) and
//! JSON read into one element tree, so both formats share one extraction and unknown
//! attributes or elements are ignored.

use std::time::Duration;

use secrecy::SecretString;

use super::error_body::ParseError;
use super::looks_like_json;
use super::xml::{self, Element};
use crate::expiration::parse_estimated_time_to_expiration;
use crate::redacted::Redacted;
use crate::version::ApiVersion;

/// Reads a body into the `tsResponse` root, whatever the format.
fn document(body: &[u8]) -> Result<Element, ParseError> {
    if looks_like_json(body) {
        // serde's syntax errors name a position, never the body's content.
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            ParseError::not_tableau(
                format!("malformed JSON at line {} column {}", e.line(), e.column()),
                body,
            )
        })?;
        let mut root = Element {
            name: "tsResponse".to_owned(),
            ..Element::default()
        };
        let serde_json::Value::Object(map) = value else {
            return Err(ParseError::not_tableau(
                "the JSON body is not an object",
                body,
            ));
        };
        json_into(&mut root, map);
        Ok(root)
    } else {
        let root = xml::parse(body).map_err(|reason| ParseError::not_tableau(reason, body))?;
        if root.name != "tsResponse" {
            return Err(ParseError::not_tableau(
                "not a Tableau response (no tsResponse root)",
                body,
            ));
        }
        Ok(root)
    }
}

/// Scalars become attributes, objects become child elements, arrays repeat the child.
fn json_into(element: &mut Element, map: serde_json::Map<String, serde_json::Value>) {
    for (key, value) in map {
        json_member(element, key, value);
    }
}

fn json_member(element: &mut Element, key: String, value: serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut child = Element {
                name: key,
                ..Element::default()
            };
            json_into(&mut child, map);
            element.children.push(child);
        }
        Value::Array(items) => {
            for item in items {
                json_member(element, key.clone(), item);
            }
        }
        Value::String(s) => {
            element.attributes.insert(key, s);
        }
        Value::Null => {}
        other => {
            element.attributes.insert(key, other.to_string());
        }
    }
}

/// A value given as an attribute, as a child's text, or (JSON) as a child's `value` key.
fn field(element: &Element, name: &str) -> Option<String> {
    if let Some(value) = element.attribute(name) {
        return Some(value.to_owned());
    }
    let child = element.child(name)?;
    if let Some(value) = child.attribute("value") {
        return Some(value.to_owned());
    }
    Some(child.text.trim().to_owned())
}

fn required<'a>(parent: &'a Element, name: &str, path: &str) -> Result<&'a Element, ParseError> {
    parent
        .child(name)
        .ok_or_else(|| ParseError::missing(format!("the response has no `{path}` element")))
}

fn required_attribute(element: &Element, name: &str, path: &str) -> Result<String, ParseError> {
    element
        .attribute(name)
        .map(str::to_owned)
        .ok_or_else(|| ParseError::missing(format!("the response has no `{path}` value")))
}

/// The answer to a sign-in or a switch site.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignInResponse {
    /// The session token for `X-Tableau-Auth`. Opaque.
    pub token: Redacted<SecretString>,
    /// The site LUID (for `/sites/{site-luid}/...` URLs).
    pub site_id: String,
    /// The site content URL.
    pub site_content_url: String,
    /// The signed-in (or impersonated) user's LUID.
    pub user_id: String,
    /// How long the **personal access token** has left (`estimatedTimeToExpiration`), when the
    /// server said so in the `D:HH:MM` form; an unreadable value counts as absent.
    pub pat_expires_in: Option<Duration>,
}

impl SignInResponse {
    /// Parses a sign-in or switch-site answer (XML or JSON).
    ///
    /// ```
    /// use secrecy::ExposeSecret;
    /// use tableau_auth_core::SignInResponse;
    ///
    /// let body = br#"<tsResponse xmlns="http://tableau.com/api"><credentials token="abc|def|ghi">
    ///   <site id="a946d998" contentUrl="MarketingTeam"/><user id="1a96d216"/></credentials></tsResponse>"#;
    /// let response = SignInResponse::parse(body).unwrap();
    /// assert_eq!(response.token.expose_secret(), "abc|def|ghi");
    /// assert_eq!(response.site_id, "a946d998");
    /// assert_eq!(response.pat_expires_in, None);
    /// ```
    pub fn parse(body: &[u8]) -> Result<SignInResponse, ParseError> {
        let root = document(body)?;
        let credentials = required(&root, "credentials", "credentials")?;
        let site = required(credentials, "site", "credentials/site")?;
        let user = required(credentials, "user", "credentials/user")?;
        let token = required_attribute(credentials, "token", "credentials/@token")?;
        if token.is_empty() {
            return Err(ParseError::missing("the response has an empty token"));
        }
        // Only an estimate: an unreadable one counts as absent rather than failing a sign-in
        // whose session is live (dropping it would leave that session behind).
        let pat_expires_in = credentials
            .attribute("estimatedTimeToExpiration")
            .and_then(|value| parse_estimated_time_to_expiration(value).ok());
        Ok(SignInResponse {
            token: Redacted::new(SecretString::from(token)),
            site_id: required_attribute(site, "id", "credentials/site/@id")?,
            site_content_url: site.attribute("contentUrl").unwrap_or_default().to_owned(),
            user_id: required_attribute(user, "id", "credentials/user/@id")?,
            pat_expires_in,
        })
    }
}

/// The answer to `GET serverinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerInfo {
    /// The newest REST API version the server speaks.
    pub rest_api_version: ApiVersion,
    /// The product version (`2025.3.0`), when given.
    pub product_version: Option<String>,
    /// The build number, when given.
    pub build: Option<String>,
}

impl ServerInfo {
    /// Parses a server-info answer (XML or JSON).
    ///
    /// ```
    /// use tableau_auth_core::{ApiVersion, ServerInfo};
    ///
    /// let json = br#"{"serverInfo":{"productVersion":{"value":"2025.3.0","build":"20253.25.0923.1200"},"restApiVersion":"3.27"}}"#;
    /// let info = ServerInfo::parse(json).unwrap();
    /// assert_eq!(info.rest_api_version, ApiVersion::new(3, 27));
    /// assert_eq!(info.product_version.as_deref(), Some("2025.3.0"));
    /// ```
    pub fn parse(body: &[u8]) -> Result<ServerInfo, ParseError> {
        let root = document(body)?;
        let info = required(&root, "serverInfo", "serverInfo")?;
        let version = field(info, "restApiVersion").ok_or_else(|| {
            ParseError::missing("the response has no `serverInfo/restApiVersion`")
        })?;
        let rest_api_version = version
            .parse()
            .map_err(|e: crate::ApiVersionParseError| ParseError::missing(e.to_string()))?;
        Ok(ServerInfo {
            rest_api_version,
            product_version: field(info, "productVersion").filter(|v| !v.is_empty()),
            build: info
                .child("productVersion")
                .and_then(|p| p.attribute("build"))
                .map(str::to_owned),
        })
    }
}

/// The site part of `GET sessions/current`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionSite {
    /// Site LUID.
    pub id: String,
    /// Site name.
    pub name: Option<String>,
    /// Site content URL.
    pub content_url: String,
}

/// The user part of `GET sessions/current`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionUser {
    /// User LUID.
    pub id: String,
    /// User name.
    pub name: Option<String>,
    /// Site role (`Creator`, `ServerAdministrator`, …).
    pub site_role: Option<String>,
}

/// The answer to `GET sessions/current`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CurrentSession {
    /// The session's site.
    pub site: SessionSite,
    /// The session's user.
    pub user: SessionUser,
}

impl CurrentSession {
    /// Parses a current-session answer (XML or JSON).
    pub fn parse(body: &[u8]) -> Result<CurrentSession, ParseError> {
        let root = document(body)?;
        let session = required(&root, "session", "session")?;
        let site = required(session, "site", "session/site")?;
        let user = required(session, "user", "session/user")?;
        Ok(CurrentSession {
            site: SessionSite {
                id: required_attribute(site, "id", "session/site/@id")?,
                name: site.attribute("name").map(str::to_owned),
                content_url: site.attribute("contentUrl").unwrap_or_default().to_owned(),
            },
            user: SessionUser {
                id: required_attribute(user, "id", "session/user/@id")?,
                name: user.attribute("name").map(str::to_owned),
                site_role: user.attribute("siteRole").map(str::to_owned),
            },
        })
    }
}

/// The answer to `GET sites/{site-luid}/users/{user-luid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserDetails {
    /// User LUID.
    pub id: String,
    /// User name.
    pub name: Option<String>,
    /// Site role.
    pub site_role: Option<String>,
    /// Full name.
    pub full_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Last sign-in time (RFC 3339), as the server wrote it.
    pub last_login: Option<String>,
}

impl UserDetails {
    /// Parses a user answer (XML or JSON).
    pub fn parse(body: &[u8]) -> Result<UserDetails, ParseError> {
        let root = document(body)?;
        let user = required(&root, "user", "user")?;
        let attribute = |name: &str| user.attribute(name).map(str::to_owned);
        Ok(UserDetails {
            id: required_attribute(user, "id", "user/@id")?,
            name: attribute("name"),
            site_role: attribute("siteRole"),
            full_name: attribute("fullName"),
            email: attribute("email"),
            last_login: attribute("lastLogin"),
        })
    }
}
