//! Which JWT scope a REST call needs ([`required_scope`]), and the scopes a JWT grants
//! ([`jwt_scopes`]).
//!
//! A session signed in with a JWT (connected app or unified access token) may call only the
//! methods whose scope is in the JWT's `scp` claim; any other call is answered 401002, the same
//! code as a dead token (`docs/protocol.md` section 13). Knowing both sides lets the session
//! manager tell a missing scope from an expired session. Pure functions: no I/O, no state.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use tableau_auth_core::Scope;

/// What a REST call asks of a JWT session's scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequiredScope {
    /// The call needs no scope (sign-out, `sessions/current`, switch site, `serverinfo`).
    None,
    /// Any one of these scopes admits the call (for most calls there is exactly one).
    AnyOf(Vec<Scope>),
}

impl RequiredScope {
    /// Whether a JWT granting `granted` may make the call (wildcards count:
    /// `tableau:users:*` grants `tableau:users:read`).
    pub fn is_granted_by(&self, granted: &[Scope]) -> bool {
        match self {
            RequiredScope::None => true,
            RequiredScope::AnyOf(any) => any
                .iter()
                .any(|needed| granted.iter().any(|scope| scope.allows(needed))),
        }
    }

    /// The scope to add when the call is refused: the first alternative (`None` when the
    /// call needs none).
    pub fn first(&self) -> Option<&Scope> {
        match self {
            RequiredScope::None => None,
            RequiredScope::AnyOf(any) => any.first(),
        }
    }
}

/// One row of the table: a method, a path pattern under `/api/{version}/` (`*` stands for one
/// segment: a site, user or content LUID), and the scopes that admit it (empty: none needed).
struct Row {
    method: Method,
    pattern: &'static str,
    any_of: &'static [&'static str],
}

const fn row(method: Method, pattern: &'static str, any_of: &'static [&'static str]) -> Row {
    Row {
        method,
        pattern,
        any_of,
    }
}

const CONTENT_READ: &[&str] = &["tableau:content:read"];

/// The table, most specific rows first (the first match wins, so a literal segment such as
/// `flows/runs` comes before `flows/*`). "tableau-mcp" is Tableau's MCP server
/// (`tableau/tableau-mcp` at commit `c5e4bb2`): the "Required scopes" line of each method in
/// `src/sdks/tableau/methods/*Methods.ts` and the method's path in `src/sdks/tableau/apis/`.
static TABLE: &[Row] = &[
    // Authentication and the server: no scope. Sign-out: tableau-mcp
    // `authenticationMethods.ts` ("Required scopes: none"). Sign-in and serverinfo carry no
    // token at all (docs/protocol.md section 1). Switch site: no public source; a decision of
    // this project (protocol section 13).
    row(Method::POST, "auth/signin", &[]),
    row(Method::POST, "auth/signout", &[]),
    row(Method::POST, "auth/switchsite", &[]),
    row(Method::GET, "serverinfo", &[]),
    // tableau-mcp `serverMethods.ts`, getCurrentServerSession: "Required scopes: none".
    row(Method::GET, "sessions/current", &[]),
    // REST reference, server methods, Delete Server Session: "Scope added in API 3.27
    // (Tableau Cloud December 2025 / Server 2025.3). tableau:sessions:delete".
    row(Method::DELETE, "sessions/*", &["tableau:sessions:delete"]),
    // Query Sites: tableau-mcp `sitesMethods.ts` ("Required scopes: `tableau:sites:read`").
    row(Method::GET, "sites", &["tableau:sites:read"]),
    // Query Site: tableau-mcp `sitesMethods.ts` names `tableau:sites:read` in one version and
    // `tableau:content:read` in another; either admits it (protocol section 13, decision).
    row(
        Method::GET,
        "sites/*",
        &["tableau:sites:read", "tableau:content:read"],
    ),
    // Users: tableau-mcp `usersMethods.ts` (listUsers, getUserOnSite: `tableau:users:read`;
    // updateUser: `tableau:users:update`).
    row(Method::GET, "sites/*/users", &["tableau:users:read"]),
    row(Method::GET, "sites/*/users/*", &["tableau:users:read"]),
    row(Method::PUT, "sites/*/users/*", &["tableau:users:update"]),
    // Projects: tableau-mcp `projectsMethods.ts` (queryProjects: `tableau:content:read`).
    row(Method::GET, "sites/*/projects", CONTENT_READ),
    // Workbooks: tableau-mcp `workbooksMethods.ts` (getWorkbook, queryWorkbooksForSite,
    // queryWorkbookConnections: `tableau:content:read`; download `…/content`:
    // `tableau:workbooks:download`; delete: `tableau:workbooks:delete`; tags:
    // `tableau:workbook_tags:update`; validateWorkbookAndUpload: `tableau:workbooks:create`),
    // `viewsMethods.ts` (queryViewsForWorkbook: `tableau:content:read`).
    row(Method::GET, "sites/*/workbooks", CONTENT_READ),
    row(Method::GET, "sites/*/workbooks/*", CONTENT_READ),
    row(Method::GET, "sites/*/workbooks/*/views", CONTENT_READ),
    row(Method::GET, "sites/*/workbooks/*/connections", CONTENT_READ),
    row(
        Method::GET,
        "sites/*/workbooks/*/content",
        &["tableau:workbooks:download"],
    ),
    row(
        Method::DELETE,
        "sites/*/workbooks/*",
        &["tableau:workbooks:delete"],
    ),
    row(
        Method::PUT,
        "sites/*/workbooks/*/tags",
        &["tableau:workbook_tags:update"],
    ),
    row(
        Method::POST,
        "sites/*/workbooks/validateworkbookandupload",
        &["tableau:workbooks:create"],
    ),
    // Publish Workbook: tableau-mcp `src/server/oauth/scopes.ts`, the publish-workbook tool
    // (`tableau:workbooks:create`, with `tableau:file_uploads:create` for the upload itself).
    row(
        Method::POST,
        "sites/*/workbooks",
        &["tableau:workbooks:create"],
    ),
    // Update Workbook Now (refresh its extracts): the refresh-workbook-extract tool of a
    // tableau-mcp version found by the code search (`jwtScopes: ['tableau:tasks:run']`).
    row(
        Method::POST,
        "sites/*/workbooks/*/refresh",
        &["tableau:tasks:run"],
    ),
    // Views: tableau-mcp `viewsMethods.ts` (getView, queryViewsForSite, custom views:
    // `tableau:content:read`; view and custom-view data and image: `tableau:views:download`).
    row(Method::GET, "sites/*/views", CONTENT_READ),
    row(Method::GET, "sites/*/views/*", CONTENT_READ),
    row(
        Method::GET,
        "sites/*/views/*/data",
        &["tableau:views:download"],
    ),
    row(
        Method::GET,
        "sites/*/views/*/image",
        &["tableau:views:download"],
    ),
    row(Method::GET, "sites/*/customviews", CONTENT_READ),
    row(Method::GET, "sites/*/customviews/*", CONTENT_READ),
    row(
        Method::GET,
        "sites/*/customviews/*/data",
        &["tableau:views:download"],
    ),
    row(
        Method::GET,
        "sites/*/customviews/*/image",
        &["tableau:views:download"],
    ),
    // Data sources: tableau-mcp `datasourcesMethods.ts` (list and query:
    // `tableau:content:read`; delete: `tableau:datasources:delete`; tags:
    // `tableau:datasource_tags:update`). Update Data Source: Tableau's "Access Scopes for
    // Connected Apps" page, whose example is exactly this method and `tableau:datasources:update`.
    row(Method::GET, "sites/*/datasources", CONTENT_READ),
    row(Method::GET, "sites/*/datasources/*", CONTENT_READ),
    row(
        Method::PUT,
        "sites/*/datasources/*",
        &["tableau:datasources:update"],
    ),
    row(
        Method::DELETE,
        "sites/*/datasources/*",
        &["tableau:datasources:delete"],
    ),
    row(
        Method::PUT,
        "sites/*/datasources/*/tags",
        &["tableau:datasource_tags:update"],
    ),
    // File uploads (publishing): tableau-mcp `publishingMethods.ts` (initiate and append:
    // `tableau:file_uploads:create`).
    row(
        Method::POST,
        "sites/*/fileuploads",
        &["tableau:file_uploads:create"],
    ),
    row(
        Method::PUT,
        "sites/*/fileuploads/*",
        &["tableau:file_uploads:create"],
    ),
    // Extract refresh tasks: tableau-mcp `tasksMethods.ts` (list: `tableau:tasks:read`;
    // delete: `tableau:tasks:delete`; the Cloud update, a POST to the task:
    // `tableau:tasks:write`; flow run tasks: `tableau:flow_tasks:read`). Run Extract Refresh
    // Task (`…/runNow`): `tableau:tasks:run` in tableau-mcp's `runExtractRefreshTask` ("Required
    // scopes (Tableau Cloud): `tableau:tasks:run`", a version found by the code search), and in
    // users' working JWTs in Tableau's Python client issue #1581.
    row(
        Method::GET,
        "sites/*/tasks/extractrefreshes",
        &["tableau:tasks:read"],
    ),
    row(
        Method::POST,
        "sites/*/tasks/extractrefreshes/*/runnow",
        &["tableau:tasks:run"],
    ),
    row(
        Method::POST,
        "sites/*/tasks/extractrefreshes/*",
        &["tableau:tasks:write"],
    ),
    row(
        Method::DELETE,
        "sites/*/tasks/extractrefreshes/*",
        &["tableau:tasks:delete"],
    ),
    row(
        Method::GET,
        "sites/*/tasks/runflow",
        &["tableau:flow_tasks:read"],
    ),
    // Jobs: tableau-mcp `jobsMethods.ts` (listJobs: `tableau:jobs:read`); Query Job: the same
    // scope, per Tableau's Python client issue #1581 (a JWT without it got 401002 on a job
    // look-up, and one with it worked).
    row(Method::GET, "sites/*/jobs", &["tableau:jobs:read"]),
    row(Method::GET, "sites/*/jobs/*", &["tableau:jobs:read"]),
    // Flows: tableau-mcp `flowsMethods.ts` (runs: `tableau:flow_runs:read`; connections:
    // `tableau:flow_connections:read`; list and query: `tableau:flows:read`).
    row(
        Method::GET,
        "sites/*/flows/runs",
        &["tableau:flow_runs:read"],
    ),
    row(Method::GET, "sites/*/flows", &["tableau:flows:read"]),
    row(Method::GET, "sites/*/flows/*", &["tableau:flows:read"]),
    row(
        Method::GET,
        "sites/*/flows/*/connections",
        &["tableau:flow_connections:read"],
    ),
];

/// The scope a JWT session needs for `method` on `path`, when the call is one this crate knows
/// (`None` for any other: then nothing is claimed about it).
///
/// `path` may be a whole URL, a path with `/api/{version}/` (and any prefix before it, such as
/// a reverse proxy's), or the part after it (`sites/{site-luid}/users`). The query and
/// fragment are ignored, segments are compared without regard to case, and repeated slashes
/// count as one. The table covers the calls of Tableau's access-scope documentation and
/// Tableau's MCP server that users make most: sign-out, sessions, sites, users, projects,
/// workbooks, views, data sources, file uploads, extract refresh tasks, jobs and flows. Each row
/// names its source in the crate's code (`scopes.rs`).
///
/// ```
/// use reqwest::Method;
/// use tableau_auth::{RequiredScope, Scope, required_scope};
///
/// let users = required_scope(&Method::GET, "/api/3.27/sites/9a8b/users/1c2d").unwrap();
/// assert_eq!(users, RequiredScope::AnyOf(vec![Scope::USERS_READ]));
/// assert!(!users.is_granted_by(&[Scope::CONTENT_READ]));
/// assert!(users.is_granted_by(&["tableau:users:*".parse().unwrap()]));
///
/// assert_eq!(required_scope(&Method::GET, "sessions/current"), Some(RequiredScope::None));
/// assert_eq!(required_scope(&Method::GET, "sites/9a8b/metrics"), None);
/// ```
pub fn required_scope(method: &Method, path: &str) -> Option<RequiredScope> {
    let segments = api_segments(path);
    let row = TABLE
        .iter()
        .find(|row| row.method == method && matches(row.pattern, &segments))?;
    if row.any_of.is_empty() {
        return Some(RequiredScope::None);
    }
    let any_of: Vec<Scope> = row
        .any_of
        .iter()
        .filter_map(|text| text.parse().ok())
        .collect();
    (!any_of.is_empty()).then_some(RequiredScope::AnyOf(any_of))
}

/// The segments of `path` after `/api/{version}/` (or all of them, for a path without it).
fn api_segments(path: &str) -> Vec<&str> {
    let path = match path.find("://") {
        // A whole URL: from the first slash after the host.
        Some(scheme_end) => {
            let rest = &path[scheme_end + 3..];
            rest.find('/').map_or("", |slash| &rest[slash..])
        }
        None => path,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.iter().position(|s| s.eq_ignore_ascii_case("api")) {
        // `api`, then the version, then the call.
        Some(index) if segments.len() > index + 1 => segments[index + 2..].to_vec(),
        _ => segments,
    }
}

fn matches(pattern: &str, segments: &[&str]) -> bool {
    let parts: Vec<&str> = pattern.split('/').collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(part, segment)| *part == "*" || part.eq_ignore_ascii_case(segment))
}

/// The scopes in the `scp` claim of a JWT, read without checking its signature (it is one
/// the provider has just minted). `None` when the token is not a JWT or has no readable `scp`
/// (an array of strings, or one string of scopes separated by spaces); scopes that are not in
/// the `tableau:<resource>:<action>` form are left out. Never logs or returns the token.
pub(crate) fn jwt_scopes(jwt: &str) -> Option<Vec<Scope>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let texts: Vec<&str> = match claims.get("scp")? {
        serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
        serde_json::Value::String(text) => text.split_whitespace().collect(),
        _ => return None,
    };
    Some(texts.into_iter().filter_map(|t| t.parse().ok()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_in_the_table_is_valid() {
        for row in TABLE {
            for text in row.any_of {
                assert!(text.parse::<Scope>().is_ok(), "{text}");
            }
            assert!(
                row.pattern
                    .split('/')
                    .all(|p| p == "*" || p.chars().all(|c| !c.is_ascii_uppercase())),
                "patterns are lower case: {}",
                row.pattern
            );
        }
    }

    #[test]
    fn finds_the_scope_of_the_common_calls() {
        fn scope(method: Method, path: &str) -> Option<Scope> {
            required_scope(&method, path).and_then(|r| r.first().cloned())
        }
        let site = "/api/3.27/sites/a946d998-2ead-4894-bb50-1054a91dcab3";
        assert_eq!(
            scope(Method::GET, &format!("{site}/users")),
            Some(Scope::USERS_READ)
        );
        assert_eq!(
            scope(Method::GET, &format!("{site}/workbooks?pageSize=10")),
            Some(Scope::CONTENT_READ)
        );
        assert_eq!(
            scope(
                Method::POST,
                &format!("{site}/tasks/extractRefreshes/t1/runNow")
            ),
            Some(Scope::TASKS_RUN)
        );
        assert_eq!(
            scope(Method::POST, &format!("{site}/tasks/extractRefreshes/t1")),
            Some("tableau:tasks:write".parse().unwrap())
        );
        assert_eq!(
            scope(Method::GET, &format!("{site}/jobs/j1")),
            Some(Scope::JOBS_READ)
        );
        assert_eq!(
            scope(Method::GET, &format!("{site}/flows/runs")),
            Some("tableau:flow_runs:read".parse().unwrap())
        );
        assert_eq!(
            scope(Method::GET, &format!("{site}/flows/f1")),
            Some(Scope::FLOWS_READ)
        );
        assert_eq!(
            scope(
                Method::DELETE,
                "https://t.example.com/tableau/api/3.27/sessions/abc"
            ),
            Some(Scope::SESSIONS_DELETE)
        );
        // Repeated slashes, a relative path, any case.
        assert_eq!(
            scope(Method::GET, "//api//3.27//sites/s/USERS/u"),
            Some(Scope::USERS_READ)
        );
        assert_eq!(
            scope(Method::GET, "sites/s/views/v/image"),
            Some(Scope::VIEWS_DOWNLOAD)
        );
    }

    #[test]
    fn calls_without_a_scope_and_unknown_calls_differ() {
        for (method, path) in [
            (Method::POST, "/api/3.27/auth/signout"),
            (Method::POST, "/api/3.27/auth/switchSite"),
            (Method::GET, "/api/3.27/sessions/current"),
            (Method::GET, "/api/2.4/serverinfo"),
        ] {
            assert_eq!(
                required_scope(&method, path),
                Some(RequiredScope::None),
                "{method} {path}"
            );
        }
        for (method, path) in [
            (Method::GET, "/api/3.27/sites/s/metrics"),
            (Method::PATCH, "/api/3.27/sites/s/users/u"),
            (Method::GET, "/api/3.27/sites/s/users/u/groups"),
            (Method::GET, ""),
        ] {
            assert_eq!(required_scope(&method, path), None, "{method} {path}");
        }
    }

    #[test]
    fn query_site_admits_either_scope() {
        let site = required_scope(&Method::GET, "/api/3.27/sites/s").unwrap();
        assert!(site.is_granted_by(&[Scope::CONTENT_READ]));
        assert!(site.is_granted_by(&[Scope::SITES_READ]));
        assert!(!site.is_granted_by(&[Scope::USERS_READ]));
        assert_eq!(site.first(), Some(&Scope::SITES_READ));
        assert!(RequiredScope::None.is_granted_by(&[]));
    }

    fn jwt(payload: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn reads_the_scp_claim() {
        assert_eq!(
            jwt_scopes(&jwt(
                r#"{"sub":"a","scp":["tableau:content:read","tableau:users:*","not a scope"]}"#
            )),
            Some(vec![
                Scope::CONTENT_READ,
                "tableau:users:*".parse().unwrap()
            ])
        );
        assert_eq!(
            jwt_scopes(&jwt(r#"{"scp":"tableau:jobs:read tableau:tasks:run"}"#)),
            Some(vec![Scope::JOBS_READ, Scope::TASKS_RUN])
        );
        assert_eq!(jwt_scopes(&jwt(r#"{"sub":"a"}"#)), None);
        assert_eq!(jwt_scopes(&jwt(r#"{"scp":7}"#)), None);
        assert_eq!(jwt_scopes("not-a-jwt"), None);
        assert_eq!(jwt_scopes("a.!!!.c"), None);
        assert_eq!(jwt_scopes(&jwt("[1, 2")), None);
    }
}
