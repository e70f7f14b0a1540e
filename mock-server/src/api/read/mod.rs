//! The read side after sign-in (docs/protocol.md section 12): sites, users, projects,
//! workbooks, views and data sources, paged, in XML and JSON.
//!
//! [`route`] maps a GET path to a [`ReadRoute`] (what the pipeline checks: the path's site,
//! the JWT scope, the first version); [`serve`] answers it from the directory under its read
//! lock: the query string ([`query`]: paging, filters, sorting), the role rules, and the body
//! ([`render`]). The contract with the pipeline is described at the top of [`super`].

mod query;
mod render;

use axum::http::StatusCode;
use axum::response::Response;
use http::Method;

use super::{Ctx, ReadRoute, Scope};
use crate::content::SiteContent;
use crate::directory::{Directory, Site, User};
use crate::error::ApiError;
use crate::sessions::Session;
use crate::version::ApiVersion;
use query::{Field, Query};
use render::Renderer;

/// The read endpoints ([`ReadRoute::endpoint`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadEndpoint {
    /// `GET sites` (Tableau Server; Tableau Cloud refuses it on the auth surface).
    Sites,
    /// `GET sites/{luid}`, or `GET sites/{name}?key=name|contentUrl`: the segment.
    Site(String),
    /// `GET sites/{luid}/users`.
    Users,
    /// `GET sites/{luid}/projects`.
    Projects,
    /// `GET sites/{luid}/workbooks`.
    Workbooks,
    /// `GET sites/{luid}/workbooks/{luid}`.
    Workbook(String),
    /// `GET sites/{luid}/workbooks/{luid}/views` (not paged).
    WorkbookViews(String),
    /// `GET sites/{luid}/views`.
    Views,
    /// `GET sites/{luid}/datasources`.
    DataSources,
    /// `GET sites/{luid}/datasources/{luid}`.
    DataSource(String),
}

/// Query site accepts either scope (docs/protocol.md section 13).
const QUERY_SITE: Scope = Scope::AnyOf(&["tableau:sites:read", "tableau:content:read"]);

/// Every read endpoint exists since API 2.0, the first REST API version.
const SINCE: ApiVersion = ApiVersion::new(2, 0);

/// The read route at `method` and `segments` (the path after `/api/{version}/`, repeated
/// slashes already collapsed), or `None`. The auth surface, including
/// `GET sites/{luid}/users/{luid}` and, on Tableau Cloud, `GET sites`, is routed before this is
/// asked.
pub(crate) fn route(method: &Method, segments: &[&str]) -> Option<ReadRoute> {
    if *method != Method::GET {
        return None;
    }
    let on = |site: &str, scope: Scope, endpoint: ReadEndpoint| ReadRoute {
        site_id: Some(site.to_owned()),
        scope,
        since: SINCE,
        endpoint,
    };
    if segments.iter().any(|segment| segment.is_empty()) {
        return None;
    }
    Some(match segments {
        ["sites"] => ReadRoute {
            site_id: None,
            scope: Scope::SITES_READ,
            since: SINCE,
            endpoint: ReadEndpoint::Sites,
        },
        // The segment is a LUID, a name or a content URL depending on `?key=`, which the
        // route does not see: `serve` checks the site itself.
        ["sites", site] => ReadRoute {
            site_id: None,
            scope: QUERY_SITE,
            since: SINCE,
            endpoint: ReadEndpoint::Site((*site).to_owned()),
        },
        ["sites", site, "users"] => on(site, Scope::USERS_READ, ReadEndpoint::Users),
        ["sites", site, "projects"] => on(site, Scope::CONTENT_READ, ReadEndpoint::Projects),
        ["sites", site, "workbooks"] => on(site, Scope::CONTENT_READ, ReadEndpoint::Workbooks),
        ["sites", site, "workbooks", id] => on(
            site,
            Scope::CONTENT_READ,
            ReadEndpoint::Workbook((*id).to_owned()),
        ),
        ["sites", site, "workbooks", id, "views"] => on(
            site,
            Scope::CONTENT_READ,
            ReadEndpoint::WorkbookViews((*id).to_owned()),
        ),
        ["sites", site, "views"] => on(site, Scope::CONTENT_READ, ReadEndpoint::Views),
        ["sites", site, "datasources"] => on(site, Scope::CONTENT_READ, ReadEndpoint::DataSources),
        ["sites", site, "datasources", id] => on(
            site,
            Scope::CONTENT_READ,
            ReadEndpoint::DataSource((*id).to_owned()),
        ),
        _ => return None,
    })
}

/// Answers a read route for an authenticated `session` whose site, scope and the route's
/// version have been checked; `query` is the URL's query string, if any.
pub(crate) fn serve(
    ctx: &Ctx<'_>,
    session: &Session,
    route: &ReadRoute,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let query = Query::parse(query);
    let dir = ctx.state.read_directory();
    let caller = dir
        .users
        .get(&*session.user_id)
        .ok_or_else(ApiError::invalid_token)?;
    let out = Renderer::new(ctx.format, ctx.state.config().api_version, &dir);
    let content = dir.content(&session.site_id);
    let body = match &route.endpoint {
        ReadEndpoint::Sites => {
            query.check_filter(&[])?;
            let mut sites: Vec<&Site> = dir
                .sites
                .iter()
                .filter(|site| {
                    caller.is_server_admin() || dir.user_by_name(&site.id, &caller.name).is_some()
                })
                .collect();
            query.sort(&mut sites, &[Field::Name], |site, _| &site.name)?;
            let page = query.page(sites.len())?;
            out.sites(&page, &sites[page.range()])
        }
        ReadEndpoint::Site(segment) => {
            let segment = query::decode_segment(segment);
            let site = query_site(&dir, session, caller, &segment, &query)?;
            out.site(site)
        }
        ReadEndpoint::Users => {
            // Get users on site is for administrators (docs/protocol.md section 12.4).
            if !caller.is_admin() {
                return Err(ApiError::forbidden(
                    "Only site and server administrators may list the users of a site.",
                ));
            }
            let filters = query.check_filter(&[Field::Name, Field::SiteRole])?;
            let mut users: Vec<&User> = dir
                .users
                .values()
                .filter(|user| *user.site_id == *session.site_id)
                .filter(|user| filters.matches(Field::Name, &user.name))
                .filter(|user| filters.matches(Field::SiteRole, &user.site_role))
                .collect();
            // A stable order whatever the map's: by name, then LUID.
            users.sort_by(|a, b| {
                (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id))
            });
            query.sort(
                &mut users,
                &[Field::Name, Field::SiteRole],
                |user, field| match field {
                    Field::SiteRole => &user.site_role,
                    _ => &user.name,
                },
            )?;
            let page = query.page(users.len())?;
            out.users(&page, &users[page.range()])
        }
        ReadEndpoint::Projects => {
            let filters =
                query.check_filter(&[Field::Name, Field::ParentProjectId, Field::OwnerName])?;
            let mut projects: Vec<_> = content
                .projects
                .iter()
                .filter(|p| filters.matches(Field::Name, &p.name))
                .filter(|p| filters.matches_with(Field::ParentProjectId, || p.parent_id.as_deref()))
                .filter(|p| {
                    filters.matches_with(Field::OwnerName, || {
                        owner_name(&dir, p.owner_id.as_deref()?)
                    })
                })
                .collect();
            query.sort(&mut projects, &[Field::Name], |p, _| &p.name)?;
            let page = query.page(projects.len())?;
            out.projects(&page, &projects[page.range()])
        }
        ReadEndpoint::Workbooks => {
            let filters = query.check_filter(CONTENT_FILTERS)?;
            let mut workbooks: Vec<_> = content
                .workbooks
                .iter()
                .filter(|w| filters.matches(Field::Name, &w.name))
                .filter(|w| placed(&filters, &dir, content, &w.project_id, &w.owner_id))
                .collect();
            query.sort(&mut workbooks, &[Field::Name], |w, _| &w.name)?;
            let page = query.page(workbooks.len())?;
            out.workbooks(content, &page, &workbooks[page.range()])
        }
        ReadEndpoint::Workbook(id) => {
            let workbook = content
                .workbook(id)
                .ok_or_else(|| ApiError::workbook_not_found(id))?;
            out.workbook(content, workbook)
        }
        ReadEndpoint::WorkbookViews(id) => {
            let workbook = content
                .workbook(id)
                .ok_or_else(|| ApiError::workbook_not_found(id))?;
            out.workbook_views(workbook)
        }
        ReadEndpoint::Views => {
            let filters = query.check_filter(CONTENT_FILTERS)?;
            let mut views: Vec<_> = content
                .workbooks
                .iter()
                .filter(|w| placed(&filters, &dir, content, &w.project_id, &w.owner_id))
                .flat_map(|w| w.views.iter().map(move |v| (w, v)))
                .filter(|(_, v)| filters.matches(Field::Name, &v.name))
                .collect();
            query.sort(&mut views, &[Field::Name], |(_, v), _| &v.name)?;
            let page = query.page(views.len())?;
            out.views(&page, &views[page.range()])
        }
        ReadEndpoint::DataSources => {
            let filters = query.check_filter(CONTENT_FILTERS)?;
            let mut datasources: Vec<_> = content
                .datasources
                .iter()
                .filter(|d| filters.matches(Field::Name, &d.name))
                .filter(|d| placed(&filters, &dir, content, &d.project_id, &d.owner_id))
                .collect();
            query.sort(&mut datasources, &[Field::Name], |d, _| &d.name)?;
            let page = query.page(datasources.len())?;
            out.datasources(content, &page, &datasources[page.range()])
        }
        ReadEndpoint::DataSource(id) => {
            let datasource = content
                .datasource(id)
                .ok_or_else(|| ApiError::datasource_not_found(id))?;
            out.datasource(content, datasource)
        }
    };
    drop(dir);
    Ok(ctx.ok(StatusCode::OK, body))
}

/// The filter fields of workbooks, views and data sources.
const CONTENT_FILTERS: &[Field] = &[Field::Name, Field::ProjectName, Field::OwnerName];

/// The name of the user `id`.
fn owner_name<'d>(dir: &'d Directory, id: &str) -> Option<&'d str> {
    dir.users.get(id).map(|user| user.name.as_str())
}

/// Whether an item in project `project_id` owned by `owner_id` passes the `projectName` and
/// `ownerName` filters.
fn placed(
    filters: &query::Filters,
    dir: &Directory,
    content: &SiteContent,
    project_id: &str,
    owner_id: &str,
) -> bool {
    filters.matches_with(Field::ProjectName, || {
        content.project(project_id).map(|p| p.name.as_str())
    }) && filters.matches_with(Field::OwnerName, || owner_name(dir, owner_id))
}

/// `GET sites/{segment}`: by LUID (no `key`, or `key=id`), by name (`key=name`) or by content
/// URL (`key=contentUrl`). Unknown → 404000. By LUID only the session's own site (403010 for
/// another, as for every `/sites/{luid}/...` path); by name or content URL a server
/// administrator may query any site, everyone else only their own (403010).
fn query_site<'d>(
    dir: &'d Directory,
    session: &Session,
    caller: &User,
    segment: &str,
    query: &Query,
) -> Result<&'d Site, ApiError> {
    let (site, by_id) = match query.key.as_deref() {
        None | Some("id") => (dir.site_by_id(segment), true),
        Some("name") => (
            dir.sites
                .iter()
                .find(|site| site.name == segment)
                .or_else(|| {
                    dir.sites
                        .iter()
                        .find(|site| site.name.eq_ignore_ascii_case(segment))
                }),
            false,
        ),
        Some("contentUrl") => (dir.site_by_content_url(segment), false),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The key '{}' is not valid: use id, name or contentUrl.",
                other.chars().take(100).collect::<String>()
            )));
        }
    };
    let site = site.ok_or_else(|| ApiError::site_not_found(segment))?;
    let own = *site.id == *session.site_id;
    if own || (!by_id && caller.is_server_admin()) {
        Ok(site)
    } else {
        Err(ApiError::other_site(
            &caller.name,
            &session.site_id,
            &site.id,
        ))
    }
}
