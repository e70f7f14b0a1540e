//! Sites, users, personal access tokens and connected apps (docs/protocol.md section 11).

use foldhash::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::content::SiteContent;

/// Site roles the official Python client knows (docs/protocol.md section 11).
pub const SITE_ROLES: &[&str] = &[
    "Creator",
    "Explorer",
    "ExplorerCanPublish",
    "Viewer",
    "Unlicensed",
    "SiteAdministratorCreator",
    "SiteAdministratorExplorer",
    "ServerAdministrator",
    "ReadOnly",
    "Interactor",
    "Publisher",
    "SiteAdministrator",
    "UnlicensedWithPublish",
    "ViewerWithPublish",
];

/// Whether `role` is a site role the mock accepts.
pub fn is_valid_role(role: &str) -> bool {
    SITE_ROLES.contains(&role)
}

/// SHA-256 of a secret.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Constant-time comparison of a candidate secret with a stored digest.
pub fn digest_matches(candidate: &str, stored: &[u8; 32]) -> bool {
    digest(candidate).ct_eq(stored).into()
}

/// A site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// LUID (shared with the sessions on the site).
    pub id: Arc<str>,
    /// URL name (`""` is the Default site).
    pub content_url: String,
    /// Display name.
    pub name: String,
    /// Maximum lifetime of a new PAT on the site, in days (a site setting on Tableau Cloud).
    pub pat_lifetime_days: u32,
}

/// A user on one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// LUID (differs per site for the same name; shared with the user's sessions).
    pub id: Arc<str>,
    /// LUID of the site.
    pub site_id: String,
    /// User name as stored.
    pub name: String,
    /// Site role.
    pub site_role: String,
    /// Full name.
    pub full_name: String,
    /// E-mail address.
    pub email: String,
    /// Last successful sign-in.
    pub last_login: Option<OffsetDateTime>,
}

impl User {
    /// Server administrators may impersonate, delete sessions and revoke admin PATs.
    pub fn is_server_admin(&self) -> bool {
        self.site_role == "ServerAdministrator"
    }

    /// Site and server administrators may look up any user of the site.
    pub fn is_admin(&self) -> bool {
        self.is_server_admin()
            || matches!(
                self.site_role.as_str(),
                "SiteAdministrator" | "SiteAdministratorCreator" | "SiteAdministratorExplorer"
            )
    }
}

/// A personal access token. The secret is kept only as its SHA-256 digest.
#[derive(Clone)]
pub struct Pat {
    /// Internal id (links sessions to the PAT; shared with its session).
    pub id: Arc<str>,
    /// Site LUID.
    pub site_id: String,
    /// Owner's user LUID.
    pub user_id: String,
    /// Token name (unique per user).
    pub name: String,
    /// SHA-256 of the secret.
    pub secret_digest: [u8; 32],
    /// End of the maximum lifetime.
    pub expires_at: OffsetDateTime,
    /// Last successful sign-in (creation time until first use).
    pub last_used: OffsetDateTime,
    /// Revoked tokens never sign in again.
    pub revoked: bool,
}

impl std::fmt::Debug for Pat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pat")
            .field("id", &self.id)
            .field("site_id", &self.site_id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("secret_digest", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("last_used", &self.last_used)
            .field("revoked", &self.revoked)
            .finish()
    }
}

/// Idle limit of a PAT: 15 consecutive days without use.
pub const PAT_IDLE_LIMIT: time::Duration = time::Duration::days(15);

impl Pat {
    /// Whether the PAT can still sign in at `now`.
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        !self.revoked && now <= self.expires_at && now - self.last_used <= PAT_IDLE_LIMIT
    }
}

/// A connected app secret (direct trust).
#[derive(Clone)]
pub struct ConnectedAppRecord {
    /// Site LUID.
    pub site_id: String,
    /// Client id (the JWT `iss`).
    pub client_id: String,
    /// Secret id (the JWT `kid`).
    pub secret_id: String,
    /// The HMAC key, used as UTF-8 bytes exactly as shown.
    pub secret_value: String,
    /// Disabled apps refuse every JWT.
    pub enabled: bool,
}

impl std::fmt::Debug for ConnectedAppRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectedAppRecord")
            .field("site_id", &self.site_id)
            .field("client_id", &self.client_id)
            .field("secret_id", &self.secret_id)
            .field("secret_value", &"[redacted]")
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// A unified access token configuration with its keys parsed (docs/protocol.md section 15).
#[derive(Clone)]
pub struct UatRecord {
    /// Unique name.
    pub name: String,
    /// The JWTs' `iss`.
    pub issuer: String,
    /// The JWTs' `https://tableau.com/tenantId`.
    pub tenant_id: String,
    /// The RSA public keys by key id (the JWT header's `kid`).
    pub keys: Vec<(String, jsonwebtoken::DecodingKey)>,
    /// The claim that names the user (`email`: matched against e-mail addresses).
    pub username_claim: String,
    /// The scopes a JWT may ask for (patterns); `None`: any.
    pub scopes: Option<Vec<String>>,
    /// Disabled configurations refuse every JWT.
    pub enabled: bool,
}

impl std::fmt::Debug for UatRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key_ids: Vec<&str> = self.keys.iter().map(|(kid, _)| kid.as_str()).collect();
        f.debug_struct("UatRecord")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("tenant_id", &self.tenant_id)
            .field("key_ids", &key_ids)
            .field("username_claim", &self.username_claim)
            .field("scopes", &self.scopes)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// Everything but the sessions.
#[derive(Clone, Default)]
pub struct Directory {
    /// Sites in creation order.
    pub sites: Vec<Site>,
    /// Users by LUID.
    pub users: HashMap<Arc<str>, User>,
    /// (site LUID, lower-cased name) → user LUID.
    user_index: HashMap<(String, String), Arc<str>>,
    /// Lower-cased user name → password digest (a password belongs to the name, on every site).
    passwords: HashMap<String, [u8; 32]>,
    /// Personal access tokens.
    pub pats: Vec<Pat>,
    /// Connected app secrets.
    pub apps: Vec<ConnectedAppRecord>,
    /// Unified access token configurations (docs/protocol.md section 15).
    pub uats: Vec<UatRecord>,
    /// Site LUID → the site's projects, workbooks and data sources. Shared with the seed's
    /// copy that reset restores (copied on the first edit), so 100,000 seeded workbooks are
    /// held once.
    pub content: HashMap<String, Arc<SiteContent>>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("sites", &self.sites)
            .field("users", &self.users)
            .field(
                "passwords",
                &format_args!("[{} redacted]", self.passwords.len()),
            )
            .field("pats", &self.pats)
            .field("apps", &self.apps)
            .field("uats", &self.uats)
            .field(
                "content",
                &format_args!(
                    "[{} workbooks]",
                    self.content
                        .values()
                        .map(|c| c.workbooks.len())
                        .sum::<usize>()
                ),
            )
            .finish()
    }
}

impl Directory {
    /// Site by content URL, case-insensitively.
    pub fn site_by_content_url(&self, content_url: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|site| site.content_url.eq_ignore_ascii_case(content_url))
            .or_else(|| {
                let lower = content_url.to_lowercase();
                self.sites
                    .iter()
                    .find(|site| site.content_url.to_lowercase() == lower)
            })
    }

    /// Site by LUID.
    pub fn site_by_id(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|site| &*site.id == id)
    }

    /// The content of a site (empty when it has none yet).
    pub fn content(&self, site_id: &str) -> &SiteContent {
        static EMPTY: std::sync::OnceLock<SiteContent> = std::sync::OnceLock::new();
        self.content
            .get(site_id)
            .map_or_else(|| EMPTY.get_or_init(SiteContent::default), |c| &**c)
    }

    /// The content of a site, for an edit.
    pub fn content_mut(&mut self, site_id: &str) -> &mut SiteContent {
        Arc::make_mut(self.content.entry(site_id.to_owned()).or_default())
    }

    /// Adds a site.
    pub fn add_site(&mut self, site: Site) {
        self.sites.push(site);
    }

    /// User on a site by name, case-insensitively.
    pub fn user_by_name(&self, site_id: &str, name: &str) -> Option<&User> {
        let key = (site_id.to_owned(), name.to_lowercase());
        self.user_index.get(&key).and_then(|id| self.users.get(id))
    }

    /// User on a site by name, case-sensitively (the JWT `sub`).
    pub fn user_by_exact_name(&self, site_id: &str, name: &str) -> Option<&User> {
        self.user_by_name(site_id, name)
            .filter(|user| user.name == name)
    }

    /// Adds a user; `password`, when given, becomes the password of the name on every site.
    pub fn add_user(&mut self, user: User, password: Option<&str>) {
        if let Some(password) = password {
            self.passwords
                .insert(user.name.to_lowercase(), digest(password));
        }
        self.user_index.insert(
            (user.site_id.clone(), user.name.to_lowercase()),
            Arc::clone(&user.id),
        );
        self.users.insert(Arc::clone(&user.id), user);
    }

    /// Whether `password` is the password of `name` (constant-time digest comparison).
    pub fn password_matches(&self, name: &str, password: &str) -> bool {
        match self.passwords.get(&name.to_lowercase()) {
            Some(stored) => digest_matches(password, stored),
            None => {
                // Same work whether or not the user exists.
                let _ = digest_matches(password, &[0; 32]);
                false
            }
        }
    }

    /// Index of the PAT named `name` owned by `user_id`.
    pub fn pat_index(&self, user_id: &str, name: &str) -> Option<usize> {
        self.pats
            .iter()
            .position(|pat| pat.user_id == user_id && pat.name == name)
    }

    /// Index of the PAT on `site_id` named `name` whose secret matches.
    pub fn find_pat(&self, site_id: &str, name: &str, secret: &str) -> Option<usize> {
        let candidate = digest(secret);
        let mut found = None;
        for (index, pat) in self.pats.iter().enumerate() {
            if pat.site_id == site_id && pat.name == name {
                let equal: bool = candidate.ct_eq(&pat.secret_digest).into();
                if equal && found.is_none() {
                    found = Some(index);
                }
            }
        }
        found
    }

    /// The user of `site_id` that a UAT's user-name claim names: with the claim `email`, the
    /// user whose e-mail address is `value` (ASCII case-insensitively), or whose name is, when
    /// the user has no e-mail address (on Tableau Cloud the user name is the e-mail address);
    /// with any other claim, the user named exactly `value`.
    pub fn user_for_uat(&self, site_id: &str, claim: &str, value: &str) -> Option<&User> {
        if claim != "email" {
            return self.user_by_exact_name(site_id, value);
        }
        if value.is_empty() {
            return None;
        }
        let mut users: Vec<&User> = self
            .users
            .values()
            .filter(|user| user.site_id == site_id)
            .filter(|user| {
                let address = if user.email.is_empty() {
                    &user.name
                } else {
                    &user.email
                };
                address.eq_ignore_ascii_case(value)
            })
            .collect();
        // Deterministic when two users share an address: the first by LUID.
        users.sort_by(|a, b| a.id.cmp(&b.id));
        users.first().copied()
    }

    /// The enabled-or-not app holding secret `secret_id`.
    pub fn app_by_secret_id(&self, secret_id: &str) -> Option<&ConnectedAppRecord> {
        self.apps.iter().find(|app| app.secret_id == secret_id)
    }
}
