//! REST API versions (`MAJOR.MINOR`).

/// A REST API version such as `3.27`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ApiVersion {
    /// Major part.
    pub major: u32,
    /// Minor part.
    pub minor: u32,
}

impl ApiVersion {
    /// A version from its parts.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// Parses `digits.digits` (ASCII digits only, each part at most 9 digits).
    pub fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.split_once('.')?;
        let part = |p: &str| -> Option<u32> {
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        };
        Some(Self::new(part(major)?, part(minor)?))
    }

    /// PAT sign-in needs 3.6 on the server.
    pub const PAT: ApiVersion = ApiVersion::new(3, 6);
    /// JWT sign-in needs 3.17 on the server.
    pub const JWT: ApiVersion = ApiVersion::new(3, 17);
    /// PAT impersonation needs 3.11 on the server.
    pub const PAT_IMPERSONATION: ApiVersion = ApiVersion::new(3, 11);
    /// First version with unified access token sign-in (Tableau Cloud, docs/protocol.md
    /// section 15).
    pub const UAT: ApiVersion = ApiVersion::new(3, 27);
    /// The default newest version of the mock.
    pub const DEFAULT: ApiVersion = ApiVersion::new(3, 27);
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("'{s}' is not a MAJOR.MINOR version"))
    }
}

/// The product version reported by serverinfo for an API version (docs/protocol.md section 8).
pub fn product_version(version: ApiVersion) -> (&'static str, &'static str) {
    const TABLE: &[((u32, u32), &str, &str)] = &[
        ((3, 27), "2025.3.0", "20253.25.0923.1200"),
        ((3, 25), "2025.1.0", "20251.25.0310.1200"),
        ((3, 23), "2024.2.0", "20242.24.0613.1200"),
        ((3, 19), "2023.1.0", "20231.23.0301.1200"),
        ((3, 17), "2022.3.0", "20223.22.1005.1200"),
        ((3, 15), "2022.1.0", "20221.22.0302.1200"),
        ((3, 14), "2021.4.0", "20214.21.1109.1200"),
        ((3, 11), "2021.1.0", "20211.21.0310.1200"),
        ((3, 10), "2020.4.0", "20204.20.1116.1200"),
        ((3, 7), "2020.1.0", "20201.20.0220.1200"),
        ((3, 6), "2019.4.0", "20194.19.1010.1200"),
        ((3, 5), "2019.3.0", "20193.19.0821.1200"),
        ((3, 1), "2018.2.0", "20182.18.0627.1200"),
        ((3, 0), "2018.1.0", "20181.18.0213.1200"),
    ];
    TABLE
        .iter()
        .find(|((major, minor), _, _)| ApiVersion::new(*major, *minor) <= version)
        .map(|(_, product, build)| (*product, *build))
        .unwrap_or(("10.5.0", "10500.18.0101.1200"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strictly() {
        assert_eq!(ApiVersion::parse("3.27"), Some(ApiVersion::new(3, 27)));
        assert_eq!(ApiVersion::parse("2.4"), Some(ApiVersion::new(2, 4)));
        for bad in [
            "3",
            "3.",
            ".3",
            "3.27.1",
            "v3.27",
            "+3.2",
            "3.-1",
            "99999999999999.1",
            "３.1",
        ] {
            assert_eq!(ApiVersion::parse(bad), None, "{bad}");
        }
        assert!(ApiVersion::new(3, 9) < ApiVersion::new(3, 10));
        assert_eq!(product_version(ApiVersion::new(3, 26)).0, "2025.1.0");
    }
}
