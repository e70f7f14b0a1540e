//! Seed data: the embedded default data set and TOML seed files.
//!
//! The TOML keys mirror the control API's JSON (camelCase):
//!
//! ```toml
//! [[sites]]
//! contentUrl = "finance"
//! name = "Finance"
//!
//! [[users]]
//! site = "finance"
//! name = "ana"
//! password = "pw"
//! siteRole = "Creator"
//!
//! [[tokens]]
//! site = "finance"
//! user = "ana"
//! name = "ci"
//! secret = "fixed-secret"   # optional: random at each start when absent
//! expiresInDays = 365       # optional
//!
//! [[connectedApps]]
//! site = "finance"
//! clientId = "client"
//! secretId = "kid-1"
//! secretValue = "c2VjcmV0"
//! enabled = true
//! ```

use serde::Deserialize;
use time::OffsetDateTime;

use crate::control::ControlError;
use crate::control::edits::{self, NewUser};
use crate::directory::Directory;
use crate::ids::IdGenerator;
use crate::types::{ConnectedApp, DefaultCredentials};

/// A data set: sites, users, tokens and connected apps.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Sites. The Default site (`contentUrl = ""`) is added when missing.
    #[serde(default)]
    pub sites: Vec<SeedSite>,
    /// Users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Personal access tokens. The first one (with its owner) makes the default credentials.
    #[serde(default)]
    pub tokens: Vec<SeedToken>,
    /// Connected apps.
    #[serde(default)]
    pub connected_apps: Vec<ConnectedApp>,
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seed")
            .field("sites", &self.sites.len())
            .field("users", &self.users.len())
            .field("tokens", &self.tokens.len())
            .field("connected_apps", &self.connected_apps.len())
            .finish()
    }
}

/// A seeded site.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedSite {
    /// URL name.
    pub content_url: String,
    /// Display name.
    pub name: String,
    /// Fixed LUID (random when absent).
    #[serde(default)]
    pub id: Option<String>,
}

/// A seeded user.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    /// Site content URL.
    pub site: String,
    /// User name.
    pub name: String,
    /// Password (of the name, on every site).
    #[serde(default)]
    pub password: Option<String>,
    /// Site role (default `Creator`).
    #[serde(default = "creator")]
    pub site_role: String,
    /// Fixed LUID.
    #[serde(default)]
    pub id: Option<String>,
    /// Full name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

fn creator() -> String {
    "Creator".to_owned()
}

/// A seeded personal access token.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedToken {
    /// Site content URL.
    pub site: String,
    /// Owner's user name.
    pub user: String,
    /// Token name.
    pub name: String,
    /// Secret (random at each start when absent).
    #[serde(default)]
    pub secret: Option<String>,
    /// Maximum lifetime in days (default 365).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// A seed that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The file cannot be read.
    #[error("cannot read seed file {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TOML is invalid.
    #[error("invalid seed TOML: {0}")]
    Toml(String),
    /// An entry is inconsistent (unknown site, duplicate user, unknown role…).
    #[error("invalid seed entry: {0}")]
    Entry(String),
}

impl From<ControlError> for SeedError {
    fn from(error: ControlError) -> Self {
        Self::Entry(error.to_string())
    }
}

impl Seed {
    /// The embedded default data set (contracts section 1).
    pub fn default_data() -> Seed {
        let user = |site: &str| SeedUser {
            site: site.to_owned(),
            name: "admin".to_owned(),
            password: Some("admin".to_owned()),
            site_role: "ServerAdministrator".to_owned(),
            id: None,
            full_name: None,
            email: None,
        };
        Seed {
            sites: vec![
                SeedSite {
                    content_url: String::new(),
                    name: "Default".to_owned(),
                    id: None,
                },
                SeedSite {
                    content_url: "analytics".to_owned(),
                    name: "analytics".to_owned(),
                    id: None,
                },
            ],
            users: vec![user(""), user("analytics")],
            tokens: vec![SeedToken {
                site: String::new(),
                user: "admin".to_owned(),
                name: "admin-pat".to_owned(),
                secret: None,
                expires_in_days: None,
            }],
            connected_apps: Vec::new(),
        }
    }

    /// Parses a TOML seed (feature `toml`).
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Seed, SeedError> {
        toml::from_str(text).map_err(|e| SeedError::Toml(e.to_string()))
    }

    /// Reads a TOML seed file (feature `toml`).
    #[cfg(feature = "toml")]
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Seed, SeedError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// Builds the directory (ids and missing secrets from `ids`) and the default credentials.
    pub(crate) fn materialise(
        &self,
        ids: &IdGenerator,
        now: OffsetDateTime,
    ) -> Result<(Directory, DefaultCredentials), SeedError> {
        let mut dir = Directory::default();
        if !self.sites.iter().any(|s| s.content_url.is_empty()) {
            edits::add_site(&mut dir, ids, "", "Default", None)?;
        }
        for site in &self.sites {
            edits::add_site(
                &mut dir,
                ids,
                &site.content_url,
                &site.name,
                site.id.as_deref(),
            )?;
        }
        for user in &self.users {
            edits::add_user(
                &mut dir,
                ids,
                NewUser {
                    site: &user.site,
                    name: &user.name,
                    password: user.password.as_deref(),
                    site_role: &user.site_role,
                    id: user.id.as_deref(),
                    full_name: user.full_name.as_deref(),
                    email: user.email.as_deref(),
                },
            )?;
        }
        let mut defaults = DefaultCredentials::default();
        for (index, token) in self.tokens.iter().enumerate() {
            let info = edits::add_pat(
                &mut dir,
                ids,
                now,
                &token.site,
                &token.user,
                &token.name,
                token.secret.as_deref(),
                token.expires_in_days,
            )?;
            if index == 0 {
                defaults.site_content_url.clone_from(&token.site);
                defaults.username.clone_from(&token.user);
                defaults.pat_name = info.name;
                defaults.pat_secret = info.secret;
            }
        }
        if self.tokens.is_empty() {
            if let Some(user) = self
                .users
                .iter()
                .find(|u| u.password.is_some())
                .or(self.users.first())
            {
                defaults.site_content_url.clone_from(&user.site);
                defaults.username.clone_from(&user.name);
            }
        }
        defaults.password = self
            .users
            .iter()
            .filter(|u| u.name.to_lowercase() == defaults.username.to_lowercase())
            .find_map(|u| u.password.clone())
            .unwrap_or_default();
        for app in &self.connected_apps {
            edits::add_app(&mut dir, app)?;
        }
        Ok((dir, defaults))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_data_set() {
        let ids = IdGenerator::new(Some(1));
        let (dir, defaults) = Seed::default_data()
            .materialise(&ids, OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(dir.sites.len(), 2);
        assert_eq!(defaults.username, "admin");
        assert_eq!(defaults.password, "admin");
        assert_eq!(defaults.pat_name, "admin-pat");
        assert!(!defaults.pat_secret.is_empty());
        let debug = format!("{dir:?} {defaults:?}");
        assert!(!debug.contains(&defaults.pat_secret));
    }

    #[cfg(feature = "toml")]
    #[test]
    fn toml_seed() {
        let seed = Seed::from_toml(
            r#"
            [[sites]]
            contentUrl = "finance"
            name = "Finance"
            [[users]]
            site = "finance"
            name = "ana"
            password = "pw"
            [[tokens]]
            site = "finance"
            user = "ana"
            name = "ci"
            secret = "s3cret"
            [[connectedApps]]
            site = "finance"
            clientId = "c"
            secretId = "k"
            secretValue = "v"
            "#,
        )
        .unwrap();
        let (dir, defaults) = seed
            .materialise(&IdGenerator::new(Some(1)), OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(dir.sites.len(), 2, "Default site added");
        assert_eq!(defaults.pat_secret, "s3cret");
        assert_eq!(defaults.password, "pw");
        assert!(dir.apps[0].enabled);
        assert!(
            Seed::from_toml("[[users]]\nsite=''\nname='x'\nsiteRole='Boss'\n")
                .unwrap()
                .materialise(&IdGenerator::new(None), OffsetDateTime::UNIX_EPOCH)
                .is_err()
        );
        assert!(Seed::from_toml("bogus = 1").is_err());
    }
}
