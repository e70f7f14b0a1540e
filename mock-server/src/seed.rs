//! Seed data: the embedded default data set and TOML seed files.
//!
//! The TOML keys mirror the control API's JSON (camelCase):
//!
//! ```toml
//! [[sites]]
//! contentUrl = "finance"
//! name = "Finance"
//! patLifetimeDays = 180     # optional: the default lifetime of its PATs (1–365)
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
//!
//! [[uatConfigs]]             # unified access tokens (used by the cloud flavour only)
//! name = "ci"
//! issuer = "https://idp.example"
//! tenantId = "t-1"
//! keyId = "k-1"              # with publicKeyPem; or jwks = { keys = [ ... ] } instead
//! publicKeyPem = """
//! -----BEGIN PUBLIC KEY-----
//! ...
//! -----END PUBLIC KEY-----
//! """
//! usernameClaim = "email"    # optional, default email
//! scopes = ["tableau:content:read"]   # optional, default any
//! enabled = true             # optional
//!
//! [[projects]]
//! site = "finance"
//! name = "Sales"
//! description = ""          # optional
//! parent = "Company"        # optional: a project name (top level when absent)
//! owner = "ana"             # optional
//!
//! [[workbooks]]
//! site = "finance"
//! project = "Sales"
//! name = "Pipeline"
//! owner = "ana"
//! views = ["Overview", "Detail"]   # optional: one view named after the workbook
//!
//! [[datasources]]
//! site = "finance"
//! project = "Sales"
//! name = "Orders"
//! owner = "ana"
//! ```
//!
//! Projects, workbooks and data sources also take an optional fixed `id` and `description`.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::control::ControlError;
use crate::control::edits::{self, NewContent, NewUser, SiteSpec};
use crate::directory::Directory;
use crate::flavor::Flavor;
use crate::ids::IdGenerator;
use crate::types::{ConnectedApp, DefaultCredentials, UatConfig};

/// A data set: sites, users, tokens and connected apps.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Sites. On Tableau Server the Default site (`contentUrl = ""`) is added when missing;
    /// Tableau Cloud has none (a `""` site is an error there).
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
    /// Unified access token configurations (the cloud flavour signs UATs in).
    #[serde(default)]
    pub uat_configs: Vec<UatConfig>,
    /// Projects, parents before their children.
    #[serde(default)]
    pub projects: Vec<SeedProject>,
    /// Workbooks with their views.
    #[serde(default)]
    pub workbooks: Vec<SeedWorkbook>,
    /// Published data sources.
    #[serde(default)]
    pub datasources: Vec<SeedDataSource>,
}

/// A seeded project.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedProject {
    /// Site content URL.
    pub site: String,
    /// Name (unique under its parent).
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Parent project's name (seeded before this one); top level when absent.
    #[serde(default)]
    pub parent: Option<String>,
    /// Owner's user name.
    #[serde(default)]
    pub owner: Option<String>,
    /// Fixed LUID.
    #[serde(default)]
    pub id: Option<String>,
}

/// A seeded workbook.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedWorkbook {
    /// Site content URL.
    pub site: String,
    /// Project name.
    pub project: String,
    /// Name (unique in its project).
    pub name: String,
    /// Owner's user name.
    pub owner: String,
    /// View names; one view named after the workbook when empty.
    #[serde(default)]
    pub views: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Fixed LUID.
    #[serde(default)]
    pub id: Option<String>,
}

/// A seeded data source.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedDataSource {
    /// Site content URL.
    pub site: String,
    /// Project name.
    pub project: String,
    /// Name (unique in its project).
    pub name: String,
    /// Owner's user name.
    pub owner: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Fixed LUID.
    #[serde(default)]
    pub id: Option<String>,
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seed")
            .field("sites", &self.sites.len())
            .field("users", &self.users.len())
            .field("tokens", &self.tokens.len())
            .field("connected_apps", &self.connected_apps.len())
            .field("uat_configs", &self.uat_configs.len())
            .field("projects", &self.projects.len())
            .field("workbooks", &self.workbooks.len())
            .field("datasources", &self.datasources.len())
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
    /// The default maximum lifetime of the site's PATs, in days, 1–365 (a site setting on
    /// Tableau Cloud); the flavour's default when absent (365 on Server, 180 on Cloud).
    #[serde(default)]
    pub pat_lifetime_days: Option<u32>,
}

impl SeedSite {
    /// A site with a random LUID and the flavour's PAT lifetime.
    pub fn new(content_url: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            content_url: content_url.into(),
            name: name.into(),
            id: None,
            pat_lifetime_days: None,
        }
    }
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
    /// Maximum lifetime in days (default: the site's PAT lifetime).
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
    /// The embedded default data set of the Tableau Server flavour (docs/mock-server.md, "Seed files"): the
    /// Default site, `analytics`, `admin` (password `admin`, ServerAdministrator) on both, the
    /// PAT `admin-pat` of `admin` on the Default site (its secret random at each start),
    /// `viewer` (password `viewer`, Viewer) on the Default site, and the sample content there,
    /// owned by `admin`: projects `Default` and `Samples`; in `Samples` the workbooks
    /// `Superstore` (views `Overview`, `Product`, `Customers`) and `Regional` (view `Obesity`)
    /// and the data source `Sample - Superstore`.
    pub fn default_data() -> Seed {
        let user = |site: &str, name: &str, role: &str| SeedUser {
            site: site.to_owned(),
            name: name.to_owned(),
            password: Some(name.to_owned()),
            site_role: role.to_owned(),
            id: None,
            full_name: None,
            email: None,
        };
        let (projects, workbooks, datasources) = Self::sample_content("", "admin");
        Seed {
            sites: vec![
                SeedSite::new("", "Default"),
                SeedSite::new("analytics", "analytics"),
            ],
            users: vec![
                user("", "admin", "ServerAdministrator"),
                user("analytics", "admin", "ServerAdministrator"),
                user("", "viewer", "Viewer"),
            ],
            tokens: vec![SeedToken {
                site: String::new(),
                user: "admin".to_owned(),
                name: "admin-pat".to_owned(),
                secret: None,
                expires_in_days: None,
            }],
            projects,
            workbooks,
            datasources,
            ..Seed::default()
        }
    }

    /// The sample content of the embedded data sets (docs/mock-server.md, "Seed files"), on `site`, owned by
    /// `owner`: projects `Default` and `Samples`; in `Samples` the workbooks `Superstore`
    /// (views `Overview`, `Product`, `Customers`) and `Regional` (view `Obesity`) and the data
    /// source `Sample - Superstore`.
    fn sample_content(
        site: &str,
        owner: &str,
    ) -> (Vec<SeedProject>, Vec<SeedWorkbook>, Vec<SeedDataSource>) {
        let project = |name: &str, description: &str| SeedProject {
            site: site.to_owned(),
            name: name.to_owned(),
            description: Some(description.to_owned()),
            parent: None,
            owner: Some(owner.to_owned()),
            id: None,
        };
        let workbook = |name: &str, views: &[&str]| SeedWorkbook {
            site: site.to_owned(),
            project: "Samples".to_owned(),
            name: name.to_owned(),
            owner: owner.to_owned(),
            views: views.iter().map(|v| (*v).to_owned()).collect(),
            description: None,
            id: None,
        };
        (
            vec![
                project(
                    "Default",
                    "The default project that was automatically created by Tableau.",
                ),
                project("Samples", "Sample content."),
            ],
            vec![
                workbook("Superstore", &["Overview", "Product", "Customers"]),
                workbook("Regional", &["Obesity"]),
            ],
            vec![SeedDataSource {
                site: site.to_owned(),
                project: "Samples".to_owned(),
                name: "Sample - Superstore".to_owned(),
                owner: owner.to_owned(),
                description: None,
                id: None,
            }],
        )
    }

    /// The embedded default data set of the Tableau Cloud flavour (docs/mock-server.md, "Seed files"): no
    /// Default site; the site `analytics` (name `Analytics`), `admin@example.com`
    /// (SiteAdministratorCreator) with the PAT `admin-pat` (its secret random at each start)
    /// and `viewer@example.com` (Viewer), e-mail addresses as user names, no passwords
    /// (Tableau Cloud refuses password sign-in), and the sample content on `analytics`, owned
    /// by `admin@example.com`.
    pub fn cloud_data() -> Seed {
        let user = |name: &str, role: &str| SeedUser {
            site: "analytics".to_owned(),
            name: name.to_owned(),
            password: None,
            site_role: role.to_owned(),
            id: None,
            full_name: None,
            email: Some(name.to_owned()),
        };
        let (projects, workbooks, datasources) =
            Self::sample_content("analytics", "admin@example.com");
        Seed {
            sites: vec![SeedSite::new("analytics", "Analytics")],
            users: vec![
                user("admin@example.com", "SiteAdministratorCreator"),
                user("viewer@example.com", "Viewer"),
            ],
            tokens: vec![SeedToken {
                site: "analytics".to_owned(),
                user: "admin@example.com".to_owned(),
                name: "admin-pat".to_owned(),
                secret: None,
                expires_in_days: None,
            }],
            projects,
            workbooks,
            datasources,
            ..Seed::default()
        }
    }

    /// The embedded default data set of `flavor`: [`Seed::default_data`] or
    /// [`Seed::cloud_data`].
    pub fn default_for(flavor: Flavor) -> Seed {
        match flavor {
            Flavor::Server => Self::default_data(),
            Flavor::Cloud => Self::cloud_data(),
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
        flavor: Flavor,
    ) -> Result<(Directory, DefaultCredentials), SeedError> {
        let mut dir = Directory::default();
        if flavor == Flavor::Server && !self.sites.iter().any(|s| s.content_url.is_empty()) {
            edits::add_site(
                &mut dir,
                ids,
                flavor,
                SiteSpec {
                    content_url: "",
                    name: "Default",
                    ..SiteSpec::default()
                },
            )?;
        }
        for site in &self.sites {
            edits::add_site(
                &mut dir,
                ids,
                flavor,
                SiteSpec {
                    content_url: &site.content_url,
                    name: &site.name,
                    id: site.id.as_deref(),
                    pat_lifetime_days: site.pat_lifetime_days,
                },
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
                flavor,
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
        for config in &self.uat_configs {
            edits::add_uat(&mut dir, config)?;
        }

        for project in &self.projects {
            edits::add_project(
                &mut dir,
                ids,
                now,
                edits::NewProject {
                    site: &project.site,
                    name: &project.name,
                    description: project.description.as_deref(),
                    parent: project.parent.as_deref(),
                    owner: project.owner.as_deref(),
                    id: project.id.as_deref(),
                },
            )?;
        }
        for workbook in &self.workbooks {
            edits::add_workbook(
                &mut dir,
                ids,
                now,
                NewContent {
                    site: &workbook.site,
                    project: &workbook.project,
                    name: &workbook.name,
                    owner: &workbook.owner,
                    description: workbook.description.as_deref(),
                    id: workbook.id.as_deref(),
                },
                &workbook.views,
            )?;
        }
        for datasource in &self.datasources {
            edits::add_datasource(
                &mut dir,
                ids,
                now,
                NewContent {
                    site: &datasource.site,
                    project: &datasource.project,
                    name: &datasource.name,
                    owner: &datasource.owner,
                    description: datasource.description.as_deref(),
                    id: datasource.id.as_deref(),
                },
            )?;
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
            .materialise(&ids, OffsetDateTime::UNIX_EPOCH, Flavor::Server)
            .unwrap();
        assert_eq!(dir.sites.len(), 2);
        assert_eq!(defaults.username, "admin");
        assert_eq!(defaults.password, "admin");
        assert_eq!(defaults.pat_name, "admin-pat");
        assert!(!defaults.pat_secret.is_empty());
        let debug = format!("{dir:?} {defaults:?}");
        assert!(!debug.contains(&defaults.pat_secret));
        let pat = &dir.pats[0];
        assert_eq!(pat.expires_at - pat.last_used, time::Duration::days(365));
    }

    #[test]
    fn cloud_data_set() {
        let ids = IdGenerator::new(Some(1));
        let (dir, defaults) = Seed::cloud_data()
            .materialise(&ids, OffsetDateTime::UNIX_EPOCH, Flavor::Cloud)
            .unwrap();
        let sites: Vec<(&str, &str)> = dir
            .sites
            .iter()
            .map(|s| (s.content_url.as_str(), s.name.as_str()))
            .collect();
        assert_eq!(sites, [("analytics", "Analytics")], "no Default site");
        assert_eq!(defaults.site_content_url, "analytics");
        assert_eq!(defaults.username, "admin@example.com");
        assert_eq!(defaults.password, "", "no password on Cloud");
        assert_eq!(defaults.pat_name, "admin-pat");
        let site = &dir.sites[0];
        let admin = dir.user_by_name(&site.id, "admin@example.com").unwrap();
        assert_eq!(
            (admin.site_role.as_str(), admin.email.as_str()),
            ("SiteAdministratorCreator", "admin@example.com")
        );
        let viewer = dir.user_by_name(&site.id, "viewer@example.com").unwrap();
        assert_eq!(viewer.site_role, "Viewer");
        let pat = &dir.pats[0];
        assert_eq!(
            pat.expires_at - pat.last_used,
            time::Duration::days(180),
            "Tableau Cloud's default PAT lifetime"
        );
        // Tableau Cloud has no Default site: a seed that names one is refused.
        let default_site = Seed {
            sites: vec![SeedSite::new("", "Default")],
            ..Seed::default()
        };
        assert!(
            default_site
                .materialise(&ids, OffsetDateTime::UNIX_EPOCH, Flavor::Cloud)
                .is_err()
        );
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
            .materialise(
                &IdGenerator::new(Some(1)),
                OffsetDateTime::UNIX_EPOCH,
                Flavor::Server,
            )
            .unwrap();
        assert_eq!(dir.sites.len(), 2, "Default site added");
        assert_eq!(defaults.pat_secret, "s3cret");
        assert_eq!(defaults.password, "pw");
        assert!(dir.apps[0].enabled);
        assert!(
            Seed::from_toml("[[users]]\nsite=''\nname='x'\nsiteRole='Boss'\n")
                .unwrap()
                .materialise(
                    &IdGenerator::new(None),
                    OffsetDateTime::UNIX_EPOCH,
                    Flavor::Server
                )
                .is_err()
        );
        assert!(Seed::from_toml("bogus = 1").is_err());
        // Content refers to sites, projects and owners that must exist.
        let content = |extra: &str| {
            Seed::from_toml(&format!(
                "[[users]]\nsite=''\nname='ana'\n[[projects]]\nsite=''\nname='P'\n{extra}"
            ))
            .unwrap()
            .materialise(
                &IdGenerator::new(Some(1)),
                OffsetDateTime::UNIX_EPOCH,
                Flavor::Server,
            )
        };
        let (dir, _) = content(
            "[[workbooks]]\nsite=''\nproject='P'\nname='W'\nowner='ana'\nviews=['A','B']\n\
             [[datasources]]\nsite=''\nproject='P'\nname='D'\nowner='ana'\n",
        )
        .unwrap();
        let site = dir.site_by_content_url("").unwrap();
        let content_of_site = dir.content(&site.id);
        assert_eq!(content_of_site.workbooks[0].views.len(), 2);
        assert_eq!(content_of_site.datasources[0].content_url, "D");
        for bad in [
            "[[workbooks]]\nsite=''\nproject='Nope'\nname='W'\nowner='ana'\n",
            "[[workbooks]]\nsite=''\nproject='P'\nname='W'\nowner='nobody'\n",
            "[[datasources]]\nsite='nowhere'\nproject='P'\nname='D'\nowner='ana'\n",
            "[[projects]]\nsite=''\nname='p'\n",
            "[[projects]]\nsite=''\nname='C'\nparent='Nope'\n",
        ] {
            assert!(content(bad).is_err(), "{bad}");
        }
    }
}
