//! Which Tableau product the mock imitates: Tableau Server (the default) or Tableau Cloud
//! (docs/protocol.md section 14).

use std::time::Duration;

/// The product the mock behaves as.
///
/// ```
/// use tableau_mock_server::Flavor;
/// assert_eq!("cloud".parse::<Flavor>(), Ok(Flavor::Cloud));
/// assert_eq!(Flavor::default(), Flavor::Server);
/// assert_eq!(Flavor::Cloud.to_string(), "cloud");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Flavor {
    /// Tableau Server: a Default site, password sign-in, switch site, administrator calls,
    /// 240-minute sessions.
    #[default]
    Server,
    /// Tableau Cloud: no Default site, no password sign-in, no switch site, no
    /// `DELETE sessions`, no impersonation, no admin-token revocation, `GET sites` refused
    /// (403069), 120-minute sessions, PAT lifetime a site setting (default 180 days).
    Cloud,
}

impl Flavor {
    /// Both flavours, Server first.
    pub const ALL: [Flavor; 2] = [Flavor::Server, Flavor::Cloud];

    /// `server` or `cloud`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Server => "server",
            Flavor::Cloud => "cloud",
        }
    }

    /// Whether this is Tableau Cloud.
    pub fn is_cloud(self) -> bool {
        self == Flavor::Cloud
    }

    /// The default idle lifetime of a session: 240 minutes on Server, 120 on Cloud.
    pub fn default_session_idle(self) -> Duration {
        match self {
            Flavor::Server => Duration::from_secs(240 * 60),
            Flavor::Cloud => Duration::from_secs(120 * 60),
        }
    }

    /// The default maximum lifetime of a PAT, in days: one year on Server, 180 days on Cloud
    /// (where it is a site setting).
    pub fn default_pat_lifetime_days(self) -> u32 {
        match self {
            Flavor::Server => 365,
            Flavor::Cloud => 180,
        }
    }

    /// The product's name, for messages: `Tableau Server` or `Tableau Cloud`.
    pub fn product(self) -> &'static str {
        match self {
            Flavor::Server => "Tableau Server",
            Flavor::Cloud => "Tableau Cloud",
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Flavor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "server" => Ok(Flavor::Server),
            "cloud" => Ok(Flavor::Cloud),
            _ => Err(format!("'{s}' is not a flavour: use server or cloud")),
        }
    }
}
