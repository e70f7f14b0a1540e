//! Path resolution of the REST API surface (spec section 1).

use http::Method;

use crate::error::ApiError;
use crate::version::ApiVersion;

/// An endpoint of the auth surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET serverinfo` (any case).
    ServerInfo,
    /// `POST auth/signin`.
    SignIn,
    /// `POST auth/signout`.
    SignOut,
    /// `POST auth/switchSite`.
    SwitchSite,
    /// `GET sessions/current`.
    CurrentSession,
    /// `DELETE sessions/{id}`.
    DeleteSession(String),
    /// `GET sites/{site}/users/{user}`.
    UserLookup {
        /// Site LUID from the path.
        site_id: String,
        /// User LUID from the path.
        user_id: String,
    },
    /// `DELETE auth/serverAdminAccessTokens` or `POST auth/revokeAllServerAdminTokens`.
    RevokeAdminTokens(Method),
}

impl Endpoint {
    /// The one method the endpoint serves.
    pub fn method(&self) -> Method {
        match self {
            Self::ServerInfo | Self::CurrentSession | Self::UserLookup { .. } => Method::GET,
            Self::SignIn | Self::SignOut | Self::SwitchSite => Method::POST,
            Self::DeleteSession(_) => Method::DELETE,
            Self::RevokeAdminTokens(method) => method.clone(),
        }
    }

    /// The first API version that has the endpoint (sign-in, sign-out and the user look-up are
    /// served at every version).
    pub fn since(&self) -> ApiVersion {
        match self {
            Self::ServerInfo => ApiVersion::new(2, 4),
            Self::SwitchSite => ApiVersion::new(2, 6),
            Self::CurrentSession => ApiVersion::new(3, 1),
            Self::DeleteSession(_) => ApiVersion::new(3, 9),
            Self::RevokeAdminTokens(_) => ApiVersion::new(3, 10),
            Self::SignIn | Self::SignOut | Self::UserLookup { .. } => ApiVersion::new(0, 0),
        }
    }

    /// Whether `X-Tableau-Auth` is required.
    pub fn needs_auth(&self) -> bool {
        !matches!(self, Self::ServerInfo | Self::SignIn)
    }

    /// Whether the endpoint reads a request body (and so checks `Content-Type`).
    pub fn takes_body(&self) -> bool {
        matches!(self, Self::SignIn | Self::SwitchSite)
    }
}

fn unknown(path: &str) -> ApiError {
    ApiError::resource_not_found(format!(
        "Unknown resource '{}' specified in URI.",
        path.chars().take(200).collect::<String>()
    ))
}

/// Resolves `path` into an endpoint and the URL's version. Unknown paths and versions that are
/// malformed, newer than `server`, or older than the endpoint get 404003.
pub fn resolve(path: &str, server: ApiVersion) -> Result<(Endpoint, ApiVersion), ApiError> {
    let rest = path.strip_prefix("/api/").ok_or_else(|| unknown(path))?;
    let (version_text, rest) = rest.split_once('/').ok_or_else(|| unknown(path))?;
    // No endpoint has more than four segments; longer paths are unknown (and need no `Vec`).
    let mut segments = [""; 4];
    let mut count = 0;
    for segment in rest.split('/') {
        *segments.get_mut(count).ok_or_else(|| unknown(path))? = segment;
        count += 1;
    }
    let endpoint = match &segments[..count] {
        [info] if info.eq_ignore_ascii_case("serverinfo") => Endpoint::ServerInfo,
        ["auth", "signin"] => Endpoint::SignIn,
        ["auth", "signout"] => Endpoint::SignOut,
        ["auth", "switchSite"] => Endpoint::SwitchSite,
        ["auth", "serverAdminAccessTokens"] => Endpoint::RevokeAdminTokens(Method::DELETE),
        ["auth", "revokeAllServerAdminTokens"] => Endpoint::RevokeAdminTokens(Method::POST),
        ["sessions", "current"] => Endpoint::CurrentSession,
        ["sessions", id] if !id.is_empty() => Endpoint::DeleteSession((*id).to_owned()),
        ["sites", site, "users", user] if !site.is_empty() && !user.is_empty() => {
            Endpoint::UserLookup {
                site_id: (*site).to_owned(),
                user_id: (*user).to_owned(),
            }
        }
        _ => return Err(unknown(path)),
    };
    let version = ApiVersion::parse(version_text)
        .filter(|v| *v <= server && *v >= endpoint.since())
        .ok_or_else(|| unknown(path))?;
    Ok((endpoint, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: ApiVersion = ApiVersion::DEFAULT;

    #[test]
    fn resolves_the_surface() {
        assert_eq!(
            resolve("/api/2.4/serverInfo", V).unwrap().0,
            Endpoint::ServerInfo
        );
        assert_eq!(
            resolve("/api/3.27/auth/signin", V).unwrap().0,
            Endpoint::SignIn
        );
        assert_eq!(
            resolve("/api/1.0/auth/signin", V).unwrap().0,
            Endpoint::SignIn
        );
        assert!(resolve("/api/2.3/serverinfo", V).is_err());
        assert!(resolve("/api/3.28/auth/signin", V).is_err());
        assert!(resolve("/api/x/auth/signin", V).is_err());
        assert!(resolve("/api/3.27/auth/signin/", V).is_err());
        assert!(resolve("/api/3.27/auth/SignIn", V).is_err());
        assert!(resolve("/api/3.8/sessions/abc", V).is_err());
        assert_eq!(
            resolve("/api/3.9/sessions/abc", V).unwrap().0,
            Endpoint::DeleteSession("abc".into())
        );
        assert!(matches!(
            resolve("/api/3.27/sites/s/users/u", V).unwrap().0,
            Endpoint::UserLookup { .. }
        ));
        assert!(resolve("/other", V).is_err());
        assert!(resolve("/api/3.27/sites/s/users/u/x", V).is_err());
        assert!(resolve("/api/3.27/sessions/current/", V).is_err());
    }
}
