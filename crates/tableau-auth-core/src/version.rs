//! REST API versions and the features they gate.

use std::fmt;
use std::str::FromStr;

/// A Tableau REST API version, `MAJOR.MINOR` (for example `3.27`).
///
/// Versions order numerically (`3.9 < 3.10`), unlike strings.
///
/// ```
/// use tableau_auth_core::{ApiVersion, Feature};
///
/// let v: ApiVersion = "3.27".parse().unwrap();
/// assert!(v > ApiVersion::new(3, 9));
/// assert!(v.supports(Feature::PersonalAccessToken));
/// assert_eq!(v.to_string(), "3.27");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    major: u16,
    minor: u16,
}

impl ApiVersion {
    /// The newest version this library knows (Tableau 2025.3).
    pub const LATEST_KNOWN: ApiVersion = ApiVersion::new(3, 27);
    /// The oldest version that answers `serverinfo` (Tableau 10.1). Older servers answer 404003.
    pub const OLDEST_WITH_SERVER_INFO: ApiVersion = ApiVersion::new(2, 4);

    /// Builds a version from its two numbers.
    pub const fn new(major: u16, minor: u16) -> Self {
        ApiVersion { major, minor }
    }

    /// The major number (the `3` of `3.27`).
    pub const fn major(self) -> u16 {
        self.major
    }

    /// The minor number (the `27` of `3.27`).
    pub const fn minor(self) -> u16 {
        self.minor
    }

    /// Whether a server speaking this version offers `feature`.
    pub fn supports(self, feature: Feature) -> bool {
        self >= feature.minimum_version()
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The text was not a REST API version of the form `digits.digits`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a REST API version (expected MAJOR.MINOR, for example 3.27)")]
pub struct ApiVersionParseError {
    input: String,
}

impl FromStr for ApiVersion {
    type Err = ApiVersionParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ApiVersionParseError {
            input: s.chars().take(40).collect(),
        };
        let (major, minor) = s.split_once('.').ok_or_else(err)?;
        let number = |part: &str| {
            if part.is_empty() || part.len() > 5 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            part.parse::<u16>().map_err(|_| err())
        };
        Ok(ApiVersion::new(number(major)?, number(minor)?))
    }
}

/// A part of the auth surface that needs a minimum REST API version on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `GET serverinfo` (2.4).
    ServerInfo,
    /// `POST auth/switchSite` (2.6, Tableau Server only).
    SwitchSite,
    /// `GET sessions/current` (3.1).
    CurrentSession,
    /// Personal access token sign-in (3.6, Tableau Server 2019.4).
    PersonalAccessToken,
    /// `DELETE sessions/{id}` (3.9).
    DeleteSession,
    /// Revoking server administrators' PATs (3.10).
    RevokeAdminTokens,
    /// Impersonation with a PAT sign-in (3.11).
    PersonalAccessTokenImpersonation,
    /// Connected-app JWT sign-in (3.17 on Tableau Server 2022.3; Tableau Cloud had it at 3.16).
    ConnectedApp,
    /// Unified access token sign-in (`isUat="true"`, 3.27, Tableau Cloud only).
    UnifiedAccessToken,
}

impl Feature {
    /// The oldest server version that offers the feature.
    pub const fn minimum_version(self) -> ApiVersion {
        match self {
            Feature::ServerInfo => ApiVersion::new(2, 4),
            Feature::SwitchSite => ApiVersion::new(2, 6),
            Feature::CurrentSession => ApiVersion::new(3, 1),
            Feature::PersonalAccessToken => ApiVersion::new(3, 6),
            Feature::DeleteSession => ApiVersion::new(3, 9),
            Feature::RevokeAdminTokens => ApiVersion::new(3, 10),
            Feature::PersonalAccessTokenImpersonation => ApiVersion::new(3, 11),
            Feature::ConnectedApp => ApiVersion::new(3, 17),
            Feature::UnifiedAccessToken => ApiVersion::new(3, 27),
        }
    }

    /// The Tableau Server release that introduced the feature, for error messages.
    pub const fn first_release(self) -> &'static str {
        match self {
            Feature::ServerInfo => "10.1",
            Feature::SwitchSite => "10.3",
            Feature::CurrentSession => "2018.2",
            Feature::PersonalAccessToken => "2019.4",
            Feature::DeleteSession => "2020.2",
            Feature::RevokeAdminTokens => "2020.4",
            Feature::PersonalAccessTokenImpersonation => "2021.1",
            Feature::ConnectedApp => "2022.3",
            Feature::UnifiedAccessToken => "2025.3 (Tableau Cloud only)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_numerically() {
        let v = |s: &str| s.parse::<ApiVersion>().unwrap();
        assert!(v("3.9") < v("3.10"));
        assert!(v("2.8") < v("3.0"));
        assert!(v("3.27") > v("3.6"));
        assert_eq!(v("3.05"), ApiVersion::new(3, 5));
        assert_eq!(v("10.0").to_string(), "10.0");
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in [
            "",
            "3",
            "3.",
            ".3",
            "3.x",
            "a.b",
            "3.1.2",
            "-3.1",
            "3.-1",
            " 3.1",
            "3.1 ",
            "99999999.1",
            "3,1",
            "v3.1",
        ] {
            let err = bad.parse::<ApiVersion>().unwrap_err();
            assert!(
                err.to_string().contains("is not a REST API version"),
                "{bad}"
            );
        }
    }

    #[test]
    fn feature_gates_follow_the_spec() {
        let v = ApiVersion::new;
        assert!(!v(3, 5).supports(Feature::PersonalAccessToken));
        assert!(v(3, 6).supports(Feature::PersonalAccessToken));
        assert!(!v(3, 16).supports(Feature::ConnectedApp));
        assert!(v(3, 17).supports(Feature::ConnectedApp));
        assert!(!v(3, 0).supports(Feature::CurrentSession));
        assert!(v(3, 1).supports(Feature::CurrentSession));
        assert!(!v(3, 10).supports(Feature::PersonalAccessTokenImpersonation));
        assert!(v(3, 11).supports(Feature::PersonalAccessTokenImpersonation));
        assert!(ApiVersion::LATEST_KNOWN.supports(Feature::ConnectedApp));
    }
}
