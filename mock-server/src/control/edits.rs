//! Validated edits of a [`Directory`]: adding sites, users, PATs and connected apps, revoking a
//! PAT. The control API (through [`super::operations`]) and seed files both go through them, so
//! an entry is checked the same way wherever it comes from.

use std::sync::Arc;

use time::OffsetDateTime;

use super::error::ControlError;
use crate::content::{DataSource, Project, Rendered, View, Workbook};
use crate::directory::{
    ConnectedAppRecord, Directory, Pat, SITE_ROLES, Site, UatRecord, User, digest, is_valid_role,
};
use crate::flavor::Flavor;
use crate::ids::IdGenerator;
use crate::types::{
    ConnectedApp, DataSourceInfo, PatInfo, ProjectInfo, SiteInfo, UatConfig, UatConfigInfo,
    UserInfo, ViewInfo, WorkbookInfo,
};

fn check_text(what: &str, value: &str, allow_empty: bool) -> Result<(), ControlError> {
    if !allow_empty && value.is_empty() {
        return Err(ControlError::BadRequest(format!(
            "{what} must not be empty"
        )));
    }
    if value.len() > 1024 {
        return Err(ControlError::BadRequest(format!(
            "{what} is longer than 1024 bytes"
        )));
    }
    if !crate::request::all_xml_chars(value) {
        return Err(ControlError::BadRequest(format!(
            "{what} contains a character XML 1.0 cannot carry"
        )));
    }
    Ok(())
}

fn site_by_content_url<'d>(
    dir: &'d Directory,
    content_url: &str,
) -> Result<&'d Site, ControlError> {
    dir.site_by_content_url(content_url)
        .ok_or_else(|| ControlError::NotFound(format!("no site with contentUrl '{content_url}'")))
}

fn site_id(dir: &Directory, content_url: &str) -> Result<String, ControlError> {
    site_by_content_url(dir, content_url).map(|site| site.id.to_string())
}

/// A site to add.
#[derive(Default)]
pub(crate) struct SiteSpec<'a> {
    /// URL name (`""` is the Default site of Tableau Server).
    pub content_url: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Fixed LUID.
    pub id: Option<&'a str>,
    /// Default lifetime of the site's PATs (1–365 days); the flavour's when absent.
    pub pat_lifetime_days: Option<u32>,
}

/// The longest PAT lifetime a site may set (Tableau Cloud's limit, docs/protocol.md
/// section 6).
const MAX_SITE_PAT_LIFETIME_DAYS: u32 = 365;

/// Adds a site (409 when the content URL exists, case-insensitively; 400 for a `""` site on
/// Tableau Cloud, which has no Default site, and for a PAT lifetime outside 1–365 days).
pub(crate) fn add_site(
    dir: &mut Directory,
    ids: &IdGenerator,
    flavor: Flavor,
    spec: SiteSpec<'_>,
) -> Result<SiteInfo, ControlError> {
    let SiteSpec {
        content_url,
        name,
        id,
        pat_lifetime_days,
    } = spec;
    check_text("contentUrl", content_url, true)?;
    check_text("name", name, false)?;
    if flavor == Flavor::Cloud && content_url.is_empty() {
        return Err(ControlError::BadRequest(
            "Tableau Cloud has no Default site: contentUrl must not be empty".into(),
        ));
    }
    let pat_lifetime_days = pat_lifetime_days.unwrap_or(flavor.default_pat_lifetime_days());
    if !(1..=MAX_SITE_PAT_LIFETIME_DAYS).contains(&pat_lifetime_days) {
        return Err(ControlError::BadRequest(format!(
            "patLifetimeDays must be 1 to {MAX_SITE_PAT_LIFETIME_DAYS}"
        )));
    }
    if dir.site_by_content_url(content_url).is_some() {
        return Err(ControlError::Conflict(format!(
            "site '{content_url}' exists"
        )));
    }
    let id = id.map_or_else(|| ids.luid(), str::to_owned);
    check_text("id", &id, false)?;
    if dir.site_by_id(&id).is_some() {
        return Err(ControlError::Conflict(format!("site id '{id}' exists")));
    }
    let site = Site {
        id: id.into(),
        content_url: content_url.to_owned(),
        name: name.to_owned(),
        pat_lifetime_days,
    };
    dir.add_site(site.clone());
    Ok(SiteInfo {
        id: site.id.to_string(),
        content_url: site.content_url,
        name: site.name,
        pat_lifetime_days: site.pat_lifetime_days,
    })
}

/// A user to add.
#[derive(Default)]
pub(crate) struct NewUser<'a> {
    /// Site content URL.
    pub site: &'a str,
    /// User name.
    pub name: &'a str,
    /// Password (of the name, on every site).
    pub password: Option<&'a str>,
    /// Site role.
    pub site_role: &'a str,
    /// Fixed LUID.
    pub id: Option<&'a str>,
    /// Full name (defaults to the name).
    pub full_name: Option<&'a str>,
    /// E-mail (defaults to empty).
    pub email: Option<&'a str>,
}

/// Adds a user (409 when the name exists on the site).
pub(crate) fn add_user(
    dir: &mut Directory,
    ids: &IdGenerator,
    new: NewUser<'_>,
) -> Result<UserInfo, ControlError> {
    check_text("name", new.name, false)?;
    if !is_valid_role(new.site_role) {
        return Err(ControlError::BadRequest(format!(
            "unknown site role '{}'; the site roles are {}",
            new.site_role.chars().take(100).collect::<String>(),
            SITE_ROLES.join(", ")
        )));
    }
    let site_id = site_id(dir, new.site)?;
    if dir.user_by_name(&site_id, new.name).is_some() {
        return Err(ControlError::Conflict(format!(
            "user '{}' exists on site '{}'",
            new.name, new.site
        )));
    }
    let id = new.id.map_or_else(|| ids.luid(), str::to_owned);
    check_text("id", &id, false)?;
    if dir.users.contains_key(id.as_str()) {
        return Err(ControlError::Conflict(format!("user id '{id}' exists")));
    }
    let full_name = new.full_name.unwrap_or(new.name);
    let email = new.email.unwrap_or("");
    check_text("fullName", full_name, true)?;
    check_text("email", email, true)?;
    let user = User {
        id: id.into(),
        site_id,
        name: new.name.to_owned(),
        site_role: new.site_role.to_owned(),
        full_name: full_name.to_owned(),
        email: email.to_owned(),
        last_login: None,
    };
    let site = dir
        .site_by_id(&user.site_id)
        .map(|s| s.content_url.clone())
        .unwrap_or_default();
    let info = UserInfo {
        id: user.id.to_string(),
        name: user.name.clone(),
        site,
        site_role: user.site_role.clone(),
    };
    dir.add_user(user, new.password);
    Ok(info)
}

/// Adds a PAT. A revoked token of the same name is replaced; a live one is a conflict. Its
/// lifetime is `expires_in_days`, or else the site's PAT lifetime; on Tableau Cloud, where the
/// lifetime is a site setting, it may not exceed the site's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_pat(
    dir: &mut Directory,
    ids: &IdGenerator,
    flavor: Flavor,
    now: OffsetDateTime,
    site: &str,
    user: &str,
    name: &str,
    secret: Option<&str>,
    expires_in_days: Option<u32>,
) -> Result<PatInfo, ControlError> {
    check_text("name", name, false)?;
    let site_record = site_by_content_url(dir, site)?;
    let site_lifetime = site_record.pat_lifetime_days;
    let site_id = site_record.id.to_string();
    let days = expires_in_days.unwrap_or(site_lifetime);
    if days > 36_500 {
        return Err(ControlError::BadRequest(
            "expiresInDays must be at most 36500".into(),
        ));
    }
    if flavor == Flavor::Cloud && days > site_lifetime {
        return Err(ControlError::BadRequest(format!(
            "expiresInDays {days} is above the site's PAT lifetime of {site_lifetime} days"
        )));
    }
    let user_id = dir
        .user_by_name(&site_id, user)
        .map(|u| u.id.to_string())
        .ok_or_else(|| ControlError::NotFound(format!("no user '{user}' on site '{site}'")))?;
    if let Some(index) = dir.pat_index(&user_id, name) {
        if dir.pats[index].revoked {
            dir.pats.remove(index);
        } else {
            return Err(ControlError::Conflict(format!(
                "token '{name}' exists for '{user}'"
            )));
        }
    }
    let secret = secret.map_or_else(|| ids.pat_secret(), str::to_owned);
    if secret.is_empty() {
        return Err(ControlError::BadRequest("secret must not be empty".into()));
    }
    let expires_at = now + time::Duration::days(i64::from(days));
    dir.pats.push(Pat {
        id: ids.luid().into(),
        site_id,
        user_id,
        name: name.to_owned(),
        secret_digest: digest(&secret),
        expires_at,
        last_used: now,
        revoked: false,
    });
    Ok(PatInfo {
        name: name.to_owned(),
        secret,
        expires_at,
    })
}

/// Marks a PAT revoked; returns its internal id so the caller can end its session.
pub(crate) fn revoke_pat(
    dir: &mut Directory,
    site: &str,
    user: &str,
    name: &str,
) -> Result<String, ControlError> {
    let not_found =
        || ControlError::NotFound(format!("no token '{name}' for '{user}' on '{site}'"));
    let site_id = site_id(dir, site).map_err(|_| not_found())?;
    let user_id = dir
        .user_by_name(&site_id, user)
        .map(|u| u.id.to_string())
        .ok_or_else(not_found)?;
    let index = dir.pat_index(&user_id, name).ok_or_else(not_found)?;
    let pat = &mut dir.pats[index];
    if pat.revoked {
        return Err(not_found());
    }
    pat.revoked = true;
    Ok(pat.id.to_string())
}

/// Registers a connected app secret (409 when the secret id exists).
pub(crate) fn add_app(dir: &mut Directory, app: &ConnectedApp) -> Result<(), ControlError> {
    check_text("clientId", &app.client_id, false)?;
    check_text("secretId", &app.secret_id, false)?;
    if app.secret_value.is_empty() {
        return Err(ControlError::BadRequest(
            "secretValue must not be empty".into(),
        ));
    }
    let site_id = site_id(dir, &app.site)?;
    if dir.app_by_secret_id(&app.secret_id).is_some() {
        return Err(ControlError::Conflict(format!(
            "secret id '{}' exists",
            app.secret_id
        )));
    }
    dir.apps.push(ConnectedAppRecord {
        site_id,
        client_id: app.client_id.clone(),
        secret_id: app.secret_id.clone(),
        secret_value: app.secret_value.clone(),
        enabled: app.enabled,
    });
    Ok(())
}

/// Registers a unified access token configuration (409 when the name exists; 400 for a key
/// that is not an RSA public key, a bad scope, or a user-name claim the JWT cannot carry).
pub(crate) fn add_uat(
    dir: &mut Directory,
    config: &UatConfig,
) -> Result<UatConfigInfo, ControlError> {
    check_text("name", &config.name, false)?;
    check_text("issuer", &config.issuer, false)?;
    check_text("tenantId", &config.tenant_id, false)?;
    check_text("usernameClaim", &config.username_claim, false)?;
    if let Some(kid) = &config.key_id {
        check_text("keyId", kid, false)?;
    }
    if let Some(scopes) = &config.scopes {
        crate::uat::check_allowed_scopes(scopes).map_err(|e| ControlError::BadRequest(e.0))?;
    }
    let keys = crate::uat::keys_of(config).map_err(|e| ControlError::BadRequest(e.0))?;
    if dir.uats.iter().any(|uat| uat.name == config.name) {
        return Err(ControlError::Conflict(format!(
            "UAT configuration '{}' exists",
            config.name
        )));
    }
    let record = UatRecord {
        name: config.name.clone(),
        issuer: config.issuer.clone(),
        tenant_id: config.tenant_id.clone(),
        keys,
        username_claim: config.username_claim.clone(),
        scopes: config.scopes.clone(),
        enabled: config.enabled,
    };
    let info = UatConfigInfo {
        name: record.name.clone(),
        issuer: record.issuer.clone(),
        tenant_id: record.tenant_id.clone(),
        key_ids: record.keys.iter().map(|(kid, _)| kid.clone()).collect(),
        username_claim: record.username_claim.clone(),
        scopes: record.scopes.clone(),
        enabled: record.enabled,
    };
    dir.uats.push(record);
    Ok(info)
}

/// A project to add.
#[derive(Default)]
pub(crate) struct NewProject<'a> {
    /// Site content URL.
    pub site: &'a str,
    /// Name.
    pub name: &'a str,
    /// Description.
    pub description: Option<&'a str>,
    /// Parent project's name.
    pub parent: Option<&'a str>,
    /// Owner's user name.
    pub owner: Option<&'a str>,
    /// Fixed LUID.
    pub id: Option<&'a str>,
}

/// A workbook or data source to add.
#[derive(Default)]
pub(crate) struct NewContent<'a> {
    /// Site content URL.
    pub site: &'a str,
    /// Project name.
    pub project: &'a str,
    /// Name.
    pub name: &'a str,
    /// Owner's user name.
    pub owner: &'a str,
    /// Description.
    pub description: Option<&'a str>,
    /// Fixed LUID.
    pub id: Option<&'a str>,
}

fn user_on_site(
    dir: &Directory,
    site_id: &str,
    site: &str,
    name: &str,
) -> Result<Arc<str>, ControlError> {
    dir.user_by_name(site_id, name)
        .map(|u| Arc::clone(&u.id))
        .ok_or_else(|| ControlError::NotFound(format!("no user '{name}' on site '{site}'")))
}

fn new_id(
    dir: &Directory,
    ids: &IdGenerator,
    site_id: &str,
    id: Option<&str>,
) -> Result<Arc<str>, ControlError> {
    match id {
        None => Ok(ids.luid().into()),
        Some(id) => {
            check_text("id", id, false)?;
            if dir.content(site_id).id_in_use(id) {
                return Err(ControlError::Conflict(format!("id '{id}' exists")));
            }
            Ok(id.into())
        }
    }
}

/// Adds a project (409 when the name exists under that parent; 404 for an unknown site,
/// parent or owner).
pub(crate) fn add_project(
    dir: &mut Directory,
    ids: &IdGenerator,
    now: OffsetDateTime,
    new: NewProject<'_>,
) -> Result<ProjectInfo, ControlError> {
    check_text("name", new.name, false)?;
    let description = new.description.unwrap_or("");
    check_text("description", description, true)?;
    let site_id = site_id(dir, new.site)?;
    let content = dir.content(&site_id);
    let parent_id = match new.parent {
        None => None,
        Some(parent) => Some(
            content
                .project_by_name(parent)
                .map(|p| Arc::clone(&p.id))
                .ok_or_else(|| {
                    ControlError::NotFound(format!("no project '{parent}' on site '{}'", new.site))
                })?,
        ),
    };
    if content.project_exists(new.name, parent_id.as_deref()) {
        return Err(ControlError::Conflict(format!(
            "project '{}' exists under {} on site '{}'",
            new.name,
            new.parent
                .map_or_else(|| "the top level".to_owned(), |p| format!("'{p}'")),
            new.site
        )));
    }
    let owner_id = new
        .owner
        .map(|owner| user_on_site(dir, &site_id, new.site, owner))
        .transpose()?;
    let id = new_id(dir, ids, &site_id, new.id)?;
    dir.content_mut(&site_id).add_project(Project {
        id: Arc::clone(&id),
        name: new.name.to_owned(),
        description: description.to_owned(),
        parent_id,
        owner_id,
        created_at: now,
        updated_at: now,
    });
    Ok(ProjectInfo {
        id: id.to_string(),
        name: new.name.to_owned(),
        site: new.site.to_owned(),
    })
}

/// What a workbook and a data source both need: the site, the project and the owner, checked.
struct Placement {
    site_id: String,
    project_id: Arc<str>,
    project_name: String,
    owner_id: Arc<str>,
}

fn place(dir: &Directory, new: &NewContent<'_>) -> Result<Placement, ControlError> {
    check_text("name", new.name, false)?;
    check_text("description", new.description.unwrap_or(""), true)?;
    let site_id = site_id(dir, new.site)?;
    let project = dir
        .content(&site_id)
        .project_by_name(new.project)
        .ok_or_else(|| {
            ControlError::NotFound(format!(
                "no project '{}' on site '{}'",
                new.project, new.site
            ))
        })?;
    let (project_id, project_name) = (Arc::clone(&project.id), project.name.clone());
    let owner_id = user_on_site(dir, &site_id, new.site, new.owner)?;
    Ok(Placement {
        site_id,
        project_id,
        project_name,
        owner_id,
    })
}

/// Adds a workbook with its views (the workbook's name as its one view when `views` is empty);
/// 409 when the name exists in the project, 404 for an unknown site, project or owner.
pub(crate) fn add_workbook(
    dir: &mut Directory,
    ids: &IdGenerator,
    now: OffsetDateTime,
    new: NewContent<'_>,
    views: &[String],
) -> Result<WorkbookInfo, ControlError> {
    let placement = place(dir, &new)?;
    let content = dir.content(&placement.site_id);
    if content.workbook_exists(&placement.project_id, new.name) {
        return Err(ControlError::Conflict(format!(
            "workbook '{}' exists in project '{}'",
            new.name, placement.project_name
        )));
    }
    let views: Vec<String> = if views.is_empty() {
        vec![new.name.to_owned()]
    } else {
        views.to_vec()
    };
    for view in &views {
        check_text("view name", view, false)?;
    }
    let content_url = content.workbook_url(new.name);
    let id = new_id(dir, ids, &placement.site_id, new.id)?;
    let views: Vec<View> = crate::content::view_urls(&content_url, &views)
        .into_iter()
        .zip(views)
        .map(|(url, name)| View {
            id: ids.luid().into(),
            name,
            content_url: url,
        })
        .collect();
    let info = WorkbookInfo {
        id: id.to_string(),
        name: new.name.to_owned(),
        project: placement.project_name,
        owner: new.owner.to_owned(),
        views: views
            .iter()
            .map(|v| ViewInfo {
                id: v.id.to_string(),
                name: v.name.clone(),
            })
            .collect(),
    };
    dir.content_mut(&placement.site_id).add_workbook(Workbook {
        id,
        name: new.name.to_owned(),
        description: new.description.unwrap_or("").to_owned(),
        content_url,
        project_id: placement.project_id,
        owner_id: placement.owner_id,
        views,
        created_at: now,
        updated_at: now,
        rendered: Rendered::default(),
    });
    Ok(info)
}

/// Adds a data source; 409 when the name exists in the project, 404 for an unknown site,
/// project or owner.
pub(crate) fn add_datasource(
    dir: &mut Directory,
    ids: &IdGenerator,
    now: OffsetDateTime,
    new: NewContent<'_>,
) -> Result<DataSourceInfo, ControlError> {
    let placement = place(dir, &new)?;
    let content = dir.content(&placement.site_id);
    if content.datasource_exists(&placement.project_id, new.name) {
        return Err(ControlError::Conflict(format!(
            "data source '{}' exists in project '{}'",
            new.name, placement.project_name
        )));
    }
    let content_url = content.datasource_url(new.name);
    let id = new_id(dir, ids, &placement.site_id, new.id)?;
    let info = DataSourceInfo {
        id: id.to_string(),
        name: new.name.to_owned(),
        project: placement.project_name,
        owner: new.owner.to_owned(),
    };
    dir.content_mut(&placement.site_id)
        .add_datasource(DataSource {
            id,
            name: new.name.to_owned(),
            description: new.description.unwrap_or("").to_owned(),
            content_url,
            project_id: placement.project_id,
            owner_id: placement.owner_id,
            created_at: now,
            updated_at: now,
            rendered: Rendered::default(),
        });
    Ok(info)
}
