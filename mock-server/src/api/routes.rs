//! The path of a REST request (`/api/{version}/{segments}`) and the endpoints of the auth
//! surface (docs/protocol.md section 1).

use std::borrow::Cow;

use http::Method;

use super::scope::Scope;
use crate::flavor::Flavor;
use crate::version::ApiVersion;

/// No route has more segments than this; a longer path is unknown.
pub(crate) const MAX_SEGMENTS: usize = 8;

/// The path with every run of slashes counted as one: a real Tableau Cloud pod answered
/// `POST //api/3.28/auth/signin` with 200 (docs/protocol.md section 1). Borrowed unless it had
/// a repeated slash.
pub(crate) fn normalize(path: &str) -> Cow<'_, str> {
    if !path.contains("//") {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len());
    let mut previous_slash = false;
    for c in path.chars() {
        if c == '/' && previous_slash {
            continue;
        }
        previous_slash = c == '/';
        out.push(c);
    }
    Cow::Owned(out)
}

/// A (normalized) path split into the URL's version text and the segments after it.
pub(crate) struct ApiPath<'a> {
    /// The version as written in the URL (not yet checked).
    pub version: &'a str,
    segments: [&'a str; MAX_SEGMENTS],
    /// `None` when the path has more segments than any route.
    count: Option<usize>,
}

impl<'a> ApiPath<'a> {
    /// Splits `/api/{version}/{rest}`; `None` for a path outside `/api/{version}/`.
    pub fn parse(path: &'a str) -> Option<Self> {
        let rest = path.strip_prefix("/api/")?;
        let (version, rest) = rest.split_once('/')?;
        let mut segments = [""; MAX_SEGMENTS];
        let mut count = Some(0);
        for segment in rest.split('/') {
            count = count.and_then(|n| {
                let slot = segments.get_mut(n)?;
                *slot = segment;
                Some(n + 1)
            });
        }
        Some(Self {
            version,
            segments,
            count,
        })
    }

    /// The segments after the version (`["auth", "signin"]`); `None` when there are more than
    /// any route has.
    pub fn segments(&self) -> Option<&[&'a str]> {
        self.count.map(|n| &self.segments[..n])
    }
}

/// An endpoint of the auth surface, which this module routes itself (the read side routes
/// through [`super::read::route`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `GET serverinfo` (any case).
    ServerInfo,
    /// `POST auth/signin`.
    SignIn,
    /// `POST auth/signout`.
    SignOut,
    /// `POST auth/switchSite` (not on Tableau Cloud).
    SwitchSite,
    /// `GET sessions/current`.
    CurrentSession,
    /// `DELETE sessions/{id}` (not on Tableau Cloud).
    DeleteSession(String),
    /// `GET sites/{site}/users/{user}`.
    UserLookup {
        /// Site LUID from the path.
        site_id: String,
        /// User LUID from the path.
        user_id: String,
    },
    /// `DELETE auth/serverAdminAccessTokens` or `POST auth/revokeAllServerAdminTokens` (not on
    /// Tableau Cloud).
    RevokeAdminTokens(Method),
    /// `GET sites` on Tableau Cloud, which refuses it with 403069 (the Migration SDK tells
    /// Cloud from Server by it). On Tableau Server `GET sites` is a read route.
    CloudSitesQuery,
}

impl Endpoint {
    /// The auth-surface endpoint at `segments`, whatever the method (the method is checked
    /// later, so a wrong one is 405000, not 404003).
    pub fn resolve(segments: &[&str], flavor: Flavor) -> Option<Endpoint> {
        Some(match segments {
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
            ["sites"] if flavor.is_cloud() => Endpoint::CloudSitesQuery,
            _ => return None,
        })
    }

    /// The one method the endpoint serves.
    pub fn method(&self) -> Method {
        match self {
            Self::ServerInfo
            | Self::CurrentSession
            | Self::UserLookup { .. }
            | Self::CloudSitesQuery => Method::GET,
            Self::SignIn | Self::SignOut | Self::SwitchSite => Method::POST,
            Self::DeleteSession(_) => Method::DELETE,
            Self::RevokeAdminTokens(method) => method.clone(),
        }
    }

    /// Whether `method` is served here. On Tableau Cloud, switch site, `DELETE sessions` and
    /// the revoke calls exist for no method: **Decision** (docs/protocol.md section 14), 405000.
    pub fn allows(&self, method: &Method, flavor: Flavor) -> bool {
        let missing_on_cloud = matches!(
            self,
            Self::SwitchSite | Self::DeleteSession(_) | Self::RevokeAdminTokens(_)
        );
        *method == self.method() && !(flavor.is_cloud() && missing_on_cloud)
    }

    /// The first API version that has the endpoint (sign-in, sign-out, the user look-up and
    /// Query sites are served at every version).
    pub fn since(&self) -> ApiVersion {
        match self {
            Self::ServerInfo => ApiVersion::new(2, 4),
            Self::SwitchSite => ApiVersion::new(2, 6),
            Self::CurrentSession => ApiVersion::new(3, 1),
            Self::DeleteSession(_) => ApiVersion::new(3, 9),
            Self::RevokeAdminTokens(_) => ApiVersion::new(3, 10),
            Self::SignIn | Self::SignOut | Self::UserLookup { .. } | Self::CloudSitesQuery => {
                ApiVersion::new(0, 0)
            }
        }
    }

    /// Whether `X-Tableau-Auth` is required.
    pub fn needs_auth(&self) -> bool {
        !matches!(self, Self::ServerInfo | Self::SignIn)
    }

    /// The site LUID of a `/sites/{luid}/...` path.
    pub fn site_id(&self) -> Option<&str> {
        match self {
            Self::UserLookup { site_id, .. } => Some(site_id),
            _ => None,
        }
    }

    /// The JWT scope the endpoint requires (docs/protocol.md section 13).
    pub fn scope(&self) -> Scope {
        match self {
            Self::ServerInfo
            | Self::SignIn
            | Self::SignOut
            | Self::SwitchSite
            | Self::CurrentSession => Scope::None,
            Self::UserLookup { .. } => Scope::USERS_READ,
            Self::DeleteSession(_) => Scope::SESSIONS_DELETE,
            Self::RevokeAdminTokens(_) => Scope::NotForJwt,
            Self::CloudSitesQuery => Scope::SITES_READ,
        }
    }

    /// Whether the endpoint reads a request body (and so checks `Content-Type`).
    pub fn takes_body(&self) -> bool {
        matches!(self, Self::SignIn | Self::SwitchSite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(path: &str) -> Option<Endpoint> {
        let path = normalize(path);
        let parsed = ApiPath::parse(&path)?;
        Endpoint::resolve(parsed.segments()?, Flavor::Server)
    }

    #[test]
    fn resolves_the_surface() {
        assert_eq!(endpoint("/api/2.4/serverInfo"), Some(Endpoint::ServerInfo));
        assert_eq!(endpoint("/api/3.27/auth/signin"), Some(Endpoint::SignIn));
        assert_eq!(
            endpoint("//api/3.27//auth///signin"),
            Some(Endpoint::SignIn)
        );
        assert_eq!(endpoint("/api/x/auth/signin"), Some(Endpoint::SignIn));
        assert_eq!(endpoint("/api/3.27/auth/signin/"), None);
        assert_eq!(endpoint("/api/3.27/auth/SignIn"), None);
        assert_eq!(
            endpoint("/api/3.9/sessions/abc"),
            Some(Endpoint::DeleteSession("abc".into()))
        );
        assert!(matches!(
            endpoint("/api/3.27/sites/s/users/u"),
            Some(Endpoint::UserLookup { .. })
        ));
        assert_eq!(endpoint("/other"), None);
        assert_eq!(endpoint("/api/3.27/sites/s/users/u/x"), None);
        assert_eq!(endpoint("/api/3.27/sessions/current/"), None);
        assert_eq!(endpoint("/api/3.27/sites"), None, "a read route on Server");
        assert_eq!(endpoint("/api/3.27/a/b/c/d/e/f/g/h/i"), None);
        let parsed = ApiPath::parse("/api/3.27/sites").unwrap();
        assert_eq!(
            Endpoint::resolve(parsed.segments().unwrap(), Flavor::Cloud),
            Some(Endpoint::CloudSitesQuery)
        );
    }

    #[test]
    fn cloud_lacks_switch_site_delete_sessions_and_revocation() {
        for endpoint in [
            Endpoint::SwitchSite,
            Endpoint::DeleteSession("x".into()),
            Endpoint::RevokeAdminTokens(Method::POST),
        ] {
            assert!(endpoint.allows(&endpoint.method(), Flavor::Server));
            assert!(!endpoint.allows(&endpoint.method(), Flavor::Cloud));
        }
        assert!(Endpoint::SignIn.allows(&Method::POST, Flavor::Cloud));
        assert!(!Endpoint::SignIn.allows(&Method::GET, Flavor::Cloud));
    }

    #[test]
    fn normalizes_repeated_slashes_only() {
        assert!(matches!(normalize("/api/3.27/x"), Cow::Borrowed(_)));
        assert_eq!(normalize("//api//3.27///x//"), "/api/3.27/x/");
    }
}
