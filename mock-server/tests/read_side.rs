//! The read side (docs/protocol.md section 12) through `oneshot`: every endpoint in XML and
//! JSON (snapshots), paging, filters and sorting with their errors, the site check, role
//! rules, scopes, the control calls that add content, reset, and a property test that pages
//! through any list with any page size.

mod common;

use common::*;
use proptest::prelude::*;
use tableau_mock_server::{MockServer, Seed, SeedProject, SeedSite, SeedUser, SeedWorkbook};

/// The common seed plus content: projects (one nested), workbooks with views, a data source,
/// and a workbook on `analytics`.
fn content_seed() -> String {
    format!(
        r#"{SEED}
[[projects]]
site = ""
name = "Default"
owner = "admin"
id = "00000000-0000-4000-8000-0000000000f1"

[[projects]]
site = ""
name = "Finance"
description = "Money & <numbers>"
id = "00000000-0000-4000-8000-0000000000f2"

[[projects]]
site = ""
name = "Quarterly"
parent = "Finance"
owner = "viewer"
id = "00000000-0000-4000-8000-0000000000f3"

[[projects]]
site = "analytics"
name = "Default"
id = "00000000-0000-4000-8000-0000000000f4"

[[workbooks]]
site = ""
project = "Finance"
name = "Budget"
owner = "admin"
views = ["Summary", "By Region"]
id = "00000000-0000-4000-8000-0000000000e1"

[[workbooks]]
site = ""
project = "Default"
name = "Sales & Ops"
owner = "viewer"
description = "a \"quoted\" one"
id = "00000000-0000-4000-8000-0000000000e2"

[[workbooks]]
site = "analytics"
project = "Default"
name = "Elsewhere"
owner = "admin"
id = "00000000-0000-4000-8000-0000000000e3"

[[datasources]]
site = ""
project = "Finance"
name = "Ledger"
owner = "admin"
id = "00000000-0000-4000-8000-0000000000d1"
"#
    )
}

fn content_state() -> tableau_mock_server::AppState {
    MockServer::builder()
        .seed_toml(&content_seed())
        .deterministic(42)
        .fixed_start(START)
        .build_state()
        .unwrap()
}

const V: &str = "/api/3.27";

fn site_path(rest: &str) -> String {
    format!("{V}/sites/{DEFAULT_SITE}/{rest}")
}

async fn get(app: &axum::Router, token: &str, path: &str) -> Answer {
    call(app, "GET", path, &[("x-tableau-auth", token)], "").await
}

async fn get_json(app: &axum::Router, token: &str, path: &str) -> Answer {
    call(
        app,
        "GET",
        path,
        &[("x-tableau-auth", token), ("accept", "application/json")],
        "",
    )
    .await
}

fn snap(answer: &Answer) -> String {
    format!(
        "{} {}\n{}",
        answer.status.as_u16(),
        answer.headers["content-type"].to_str().unwrap(),
        answer.body
    )
}

/// Every endpoint answers 200 in both formats; the bodies are snapshots, the XML parses, the
/// JSON is an object whose every leaf is a string.
#[tokio::test]
async fn every_endpoint_in_both_formats() {
    let state = content_state();
    let app = app(&state);
    let token = sign_in_admin(&app).await;
    let cases = [
        ("sites", format!("{V}/sites")),
        ("site_by_id", format!("{V}/sites/{DEFAULT_SITE}")),
        ("site_by_name", format!("{V}/sites/Default?key=name")),
        (
            "site_by_content_url",
            format!("{V}/sites/analytics?key=contentUrl"),
        ),
        ("users", site_path("users")),
        ("projects", site_path("projects")),
        ("workbooks", site_path("workbooks")),
        (
            "workbook",
            site_path("workbooks/00000000-0000-4000-8000-0000000000e1"),
        ),
        (
            "workbook_views",
            site_path("workbooks/00000000-0000-4000-8000-0000000000e1/views"),
        ),
        ("views", site_path("views")),
        ("datasources", site_path("datasources")),
        (
            "datasource",
            site_path("datasources/00000000-0000-4000-8000-0000000000d1"),
        ),
    ];
    for (name, path) in cases {
        let xml = get(&app, &token, &path).await;
        assert_eq!(xml.status, 200, "{name}: {}", xml.body);
        roxmltree::Document::parse(&xml.body).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(format!("read_{name}_xml"), snap(&xml));
        let json = get_json(&app, &token, &path).await;
        assert_eq!(json.status, 200, "{name}: {}", json.body);
        assert_all_strings(&json.json(), name);
        insta::assert_snapshot!(format!("read_{name}_json"), snap(&json));
    }
}

fn assert_all_strings(value: &serde_json::Value, name: &str) {
    match value {
        serde_json::Value::Object(map) => map.values().for_each(|v| assert_all_strings(v, name)),
        serde_json::Value::Array(items) => items.iter().for_each(|v| assert_all_strings(v, name)),
        serde_json::Value::String(_) => {}
        other => panic!("{name}: a non-string leaf {other}"),
    }
}

/// Names of a list answer's items, in order (XML).
fn names(answer: &Answer, element: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(&answer.body).unwrap();
    let root = doc.root_element();
    let list = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() != "pagination")
        .unwrap_or_else(|| panic!("no list in {}", answer.body));
    list.children()
        .filter(|n| n.has_tag_name(element))
        .map(|n| n.attribute("name").unwrap().to_owned())
        .collect()
}

fn total(answer: &Answer) -> usize {
    attr(&answer.body, "totalAvailable")
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn filters_and_sorting() {
    let state = content_state();
    let app = app(&state);
    let token = sign_in_admin(&app).await;
    let users = get(&app, &token, &site_path("users")).await;
    assert_eq!(names(&users, "user"), ["admin", "viewer"]);
    let by_name = get(&app, &token, &site_path("users?filter=name:eq:viewer")).await;
    assert_eq!(names(&by_name, "user"), ["viewer"]);
    assert_eq!(total(&by_name), 1);
    // As the Python client encodes it, with `fields=_all_`.
    let encoded = get(
        &app,
        &token,
        &site_path("users?fields=_all_&filter=siteRole%3Aeq%3AViewer"),
    )
    .await;
    assert_eq!(names(&encoded, "user"), ["viewer"]);
    let none = get(&app, &token, &site_path("users?filter=name:eq:nobody")).await;
    assert_eq!((names(&none, "user").len(), total(&none)), (0, 0));
    let sorted = get(&app, &token, &site_path("users?sort=name:desc")).await;
    assert_eq!(names(&sorted, "user"), ["viewer", "admin"]);
    let workbook = get(
        &app,
        &token,
        &site_path("workbooks?filter=name:eq:Sales+%26+Ops"),
    )
    .await;
    assert_eq!(names(&workbook, "workbook"), ["Sales & Ops"]);
    let projects = get(&app, &token, &site_path("projects?sort=name:desc")).await;
    assert_eq!(
        names(&projects, "project"),
        ["Quarterly", "Finance", "Default"]
    );
    let views = get(&app, &token, &site_path("views?filter=name:eq:Summary")).await;
    assert_eq!(names(&views, "view"), ["Summary"]);
    let datasources = get(
        &app,
        &token,
        &site_path("datasources?filter=name:eq:Ledger"),
    )
    .await;
    assert_eq!(names(&datasources, "datasource"), ["Ledger"]);
    // The other filter fields of content: project and owner names, the parent project.
    for (path, element, expected) in [
        (
            "workbooks?filter=projectName:eq:Finance",
            "workbook",
            &["Budget"][..],
        ),
        (
            "workbooks?filter=ownerName:eq:viewer",
            "workbook",
            &["Sales & Ops"][..],
        ),
        (
            "workbooks?filter=ownerName:eq:admin,projectName:eq:Default",
            "workbook",
            &[][..],
        ),
        // As tableau-mcp sends it (tableau/tableau-mcp#206).
        (
            "datasources?filter=name:eq:Ledger,projectName:eq:Finance",
            "datasource",
            &["Ledger"][..],
        ),
        (
            "views?filter=projectName:eq:Finance&sort=name:asc",
            "view",
            &["By Region", "Summary"][..],
        ),
        (
            "projects?filter=parentProjectId:eq:00000000-0000-4000-8000-0000000000f2",
            "project",
            &["Quarterly"][..],
        ),
        (
            "projects?filter=ownerName:eq:admin",
            "project",
            &["Default"][..],
        ),
    ] {
        let answer = get(&app, &token, &site_path(path)).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(names(&answer, element), expected, "{path}");
    }
    let refused = get(
        &app,
        &token,
        &site_path("users?filter=projectName:eq:Finance"),
    )
    .await;
    assert_tableau_error(&refused, "400065");
    // The JSON of an empty list is `{}`.
    let empty = get_json(&app, &token, &site_path("workbooks?filter=name:eq:none")).await;
    assert_eq!(empty.json()["workbooks"], serde_json::json!({}));
    assert_eq!(empty.json()["pagination"]["totalAvailable"], "0");
}

/// Each refusal in both formats, with its code; snapshots of the bodies.
#[tokio::test]
async fn read_errors_in_both_formats() {
    let state = content_state();
    let app = app(&state);
    let token = sign_in_admin(&app).await;
    let cases = [
        (
            "page_past_the_end",
            site_path("workbooks?pageSize=1&pageNumber=3"),
            "400006",
        ),
        (
            "page_number_zero",
            site_path("workbooks?pageNumber=0"),
            "400006",
        ),
        (
            "page_number_text",
            site_path("projects?pageNumber=two"),
            "400006",
        ),
        (
            "page_size_zero",
            site_path("workbooks?pageSize=0"),
            "400007",
        ),
        ("page_size_text", site_path("users?pageSize=ten"), "400007"),
        (
            "page_size_above_1000",
            site_path("workbooks?pageSize=1001"),
            "403014",
        ),
        (
            "filter_unknown_field",
            site_path("workbooks?filter=color:eq:red"),
            "400065",
        ),
        (
            "filter_site_role_on_workbooks",
            site_path("workbooks?filter=siteRole:eq:Viewer"),
            "400065",
        ),
        (
            "filter_missing_value",
            site_path("users?filter=name:eq:"),
            "400065",
        ),
        (
            "filter_operator",
            site_path("users?filter=name:gt:a"),
            "400065",
        ),
        (
            "filter_on_sites",
            format!("{V}/sites?filter=name:eq:Default"),
            "400065",
        ),
        (
            "sort_unknown_field",
            site_path("projects?sort=size:asc"),
            "400065",
        ),
        (
            "sort_direction",
            site_path("projects?sort=name:up"),
            "400065",
        ),
        ("workbook_unknown", site_path("workbooks/nope"), "404006"),
        (
            "workbook_views_unknown",
            site_path("workbooks/nope/views"),
            "404006",
        ),
        (
            "workbook_of_another_site",
            site_path("workbooks/00000000-0000-4000-8000-0000000000e3"),
            "404006",
        ),
        (
            "datasource_unknown",
            site_path("datasources/nope"),
            "404011",
        ),
        (
            "other_site_content",
            format!("{V}/sites/{ANALYTICS_SITE}/workbooks"),
            "403010",
        ),
        (
            "unknown_site_content",
            format!("{V}/sites/00000000-0000-4000-8000-00000000dead/projects"),
            "404000",
        ),
        (
            "query_other_site_by_id",
            format!("{V}/sites/{ANALYTICS_SITE}"),
            "403010",
        ),
        (
            "query_unknown_site",
            format!("{V}/sites/nowhere?key=name"),
            "404000",
        ),
        (
            "query_site_bad_key",
            format!("{V}/sites/Default?key=color"),
            "400000",
        ),
        ("unknown_subresource", site_path("flows"), "404003"),
    ];
    for (name, path, code) in cases {
        let xml = get(&app, &token, &path).await;
        assert_tableau_error(&xml, code);
        insta::assert_snapshot!(format!("read_error_{name}_xml"), snap(&xml));
        let json = get_json(&app, &token, &path).await;
        assert_tableau_error(&json, code);
        insta::assert_snapshot!(format!("read_error_{name}_json"), snap(&json));
    }
    // The pipeline's own answers on read routes.
    let post = call(
        &app,
        "POST",
        &site_path("workbooks"),
        &[("x-tableau-auth", token.as_str())],
        "",
    )
    .await;
    assert_tableau_error(&post, "405000");
    let anonymous = call(&app, "GET", &site_path("workbooks"), &[], "").await;
    assert_tableau_error(&anonymous, "401000");
    let dead = get(&app, "not-a-token", &site_path("workbooks")).await;
    assert_tableau_error(&dead, "401002");
}

/// A server administrator may query any site by name; everyone sees content; `GET sites` shows
/// a non-administrator only the sites they have a user on; only administrators list users.
#[tokio::test]
async fn roles() {
    let state = content_state();
    let app = app(&state);
    let admin = sign_in_admin(&app).await;
    let sites = get(&app, &admin, &format!("{V}/sites")).await;
    assert_eq!(names(&sites, "site"), ["Default", "Analytics", "Lonely"]);
    let other = get(&app, &admin, &format!("{V}/sites/analytics?key=contentUrl")).await;
    assert_eq!(other.status, 200, "{}", other.body);
    // A name with a space and an ampersand, percent-encoded in the path as the Python client
    // sends it.
    let created = call(
        &app,
        "POST",
        "/_mock/sites",
        &[("content-type", "application/json")],
        r#"{"contentUrl":"ops","name":"Ops & Co"}"#,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let by_name = get(&app, &admin, &format!("{V}/sites/Ops%20%26%20Co?key=name")).await;
    assert_eq!(by_name.status, 200, "{}", by_name.body);
    assert_eq!(attr(&by_name.body, "contentUrl").as_deref(), Some("ops"));

    let viewer = sign_in_password(&app, "viewer", "viewer-pw", "").await;
    let sites = get(&app, &viewer, &format!("{V}/sites")).await;
    assert_eq!(
        names(&sites, "site"),
        ["Default", "Analytics"],
        "not Lonely"
    );
    let other = get(
        &app,
        &viewer,
        &format!("{V}/sites/analytics?key=contentUrl"),
    )
    .await;
    assert_tableau_error(&other, "403010");
    let own = get(&app, &viewer, &format!("{V}/sites/Default?key=name")).await;
    assert_eq!(own.status, 200, "{}", own.body);
    for (path, element, count) in [
        ("workbooks", "workbook", 2),
        ("views", "view", 3),
        ("datasources", "datasource", 1),
        ("projects", "project", 3),
    ] {
        let answer = get(&app, &viewer, &site_path(path)).await;
        assert_eq!(answer.status, 200, "a Viewer reads {path}: {}", answer.body);
        assert_eq!(names(&answer, element).len(), count, "{path}");
    }
    // Get users on site is for administrators; a Viewer may still look itself up.
    let users = get(&app, &viewer, &site_path("users")).await;
    assert_tableau_error(&users, "403004");
    let json = get_json(&app, &viewer, &site_path("users")).await;
    assert_tableau_error(&json, "403004");
    insta::assert_snapshot!("read_error_users_as_viewer_xml", snap(&users));
    let me = get(&app, &viewer, &site_path(&format!("users/{VIEWER_ID}"))).await;
    assert_eq!(me.status, 200, "{}", me.body);
}

/// JWT sessions need the route's scope: sites, users or content.
#[tokio::test]
async fn scopes_of_the_read_routes() {
    let state = content_state();
    let app = app(&state);
    for (n, (scopes, path, status)) in [
        (&["tableau:content:read"][..], site_path("workbooks"), 200),
        (&["tableau:users:read"][..], site_path("workbooks"), 401),
        (&["tableau:content:read"][..], site_path("users"), 401),
        (&["tableau:users:read"][..], site_path("users"), 200),
        (&["tableau:content:read"][..], format!("{V}/sites"), 401),
        (&["tableau:sites:read"][..], format!("{V}/sites"), 200),
        (
            &["tableau:content:read"][..],
            format!("{V}/sites/{DEFAULT_SITE}"),
            200,
        ),
        (
            &["tableau:sites:read"][..],
            format!("{V}/sites/{DEFAULT_SITE}"),
            200,
        ),
        (
            &["tableau:users:read"][..],
            format!("{V}/sites/{DEFAULT_SITE}"),
            401,
        ),
        (&["tableau:*:read"][..], site_path("datasources"), 200),
    ]
    .into_iter()
    .enumerate()
    {
        let jwt = connected_app_jwt_with_scopes("admin", START, &format!("jti-read-{n}"), scopes);
        let signin = call(
            &app,
            "POST",
            "/api/3.27/auth/signin",
            XML,
            jwt_xml(&jwt, ""),
        )
        .await;
        assert_eq!(signin.status, 200, "{}", signin.body);
        let answer = get(&app, &signin.token(), &path).await;
        assert_eq!(answer.status, status, "{scopes:?} {path}: {}", answer.body);
        if status == 401 {
            assert_tableau_error(&answer, "401002");
        }
    }
}

/// The control calls add content the read side serves; duplicates are 409, unknown
/// references 404 with a message; reset restores the seeded content.
#[tokio::test]
async fn control_calls_add_content_and_reset_restores_it() {
    let state = content_state();
    let app = app(&state);
    let control = |path: &str, body: serde_json::Value| {
        let app = app.clone();
        let path = format!("/_mock/{path}");
        async move {
            call(
                &app,
                "POST",
                &path,
                &[("content-type", "application/json")],
                body.to_string(),
            )
            .await
        }
    };
    let project = control(
        "projects",
        serde_json::json!({"site": "", "name": "Sales", "description": "", "parent": null}),
    )
    .await;
    assert_eq!(project.status, 201, "{}", project.body);
    assert_eq!(project.json()["name"], "Sales");
    assert_eq!(project.json()["site"], "");
    let child = control(
        "projects",
        serde_json::json!({"site": "", "name": "EMEA", "parent": "Sales"}),
    )
    .await;
    assert_eq!(child.status, 201, "{}", child.body);
    let again = control("projects", serde_json::json!({"site": "", "name": "sales"})).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let same_name_elsewhere = control(
        "projects",
        serde_json::json!({"site": "", "name": "Sales", "parent": "Finance"}),
    )
    .await;
    assert_eq!(
        same_name_elsewhere.status, 201,
        "another parent: {}",
        same_name_elsewhere.body
    );
    let workbook = control("workbooks", serde_json::json!({"site": "", "project": "Sales", "name": "Pipeline", "owner": "viewer", "views": ["Overview", "Detail"]})).await;
    assert_eq!(workbook.status, 201, "{}", workbook.body);
    let answer = workbook.json();
    assert_eq!(
        (answer["project"].as_str(), answer["owner"].as_str()),
        (Some("Sales"), Some("viewer"))
    );
    assert_eq!(answer["views"].as_array().unwrap().len(), 2);
    let single = control(
        "workbooks",
        serde_json::json!({"site": "", "project": "Sales", "name": "Solo", "owner": "admin"}),
    )
    .await;
    assert_eq!(
        single.json()["views"][0]["name"],
        "Solo",
        "one view named after the workbook"
    );
    let datasource = control(
        "datasources",
        serde_json::json!({"site": "", "project": "Sales", "name": "Orders", "owner": "admin"}),
    )
    .await;
    assert_eq!(datasource.status, 201, "{}", datasource.body);
    for (path, body, status, message) in [
        (
            "workbooks",
            serde_json::json!({"site": "", "project": "Sales", "name": "Pipeline", "owner": "admin"}),
            409,
            "exists",
        ),
        (
            "datasources",
            serde_json::json!({"site": "", "project": "Sales", "name": "orders", "owner": "admin"}),
            409,
            "exists",
        ),
        (
            "workbooks",
            serde_json::json!({"site": "nowhere", "project": "Sales", "name": "X", "owner": "admin"}),
            404,
            "no site",
        ),
        (
            "workbooks",
            serde_json::json!({"site": "", "project": "Nope", "name": "X", "owner": "admin"}),
            404,
            "no project 'Nope'",
        ),
        (
            "datasources",
            serde_json::json!({"site": "", "project": "Sales", "name": "X", "owner": "ghost"}),
            404,
            "no user 'ghost'",
        ),
        (
            "projects",
            serde_json::json!({"site": "", "name": "X", "parent": "Nope"}),
            404,
            "no project 'Nope'",
        ),
        (
            "projects",
            serde_json::json!({"site": "", "name": ""}),
            400,
            "name must not be empty",
        ),
        (
            "workbooks",
            serde_json::json!({"site": "", "project": "Sales", "name": "X"}),
            400,
            "owner",
        ),
    ] {
        let answer = control(path, body).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        let error = answer.json()["error"].as_str().unwrap().to_owned();
        assert!(error.contains(message), "{path}: {error}");
    }
    let token = sign_in_admin(&app).await;
    let workbooks = get(&app, &token, &site_path("workbooks")).await;
    assert_eq!(
        names(&workbooks, "workbook"),
        ["Budget", "Sales & Ops", "Pipeline", "Solo"]
    );
    let id = answer["id"].as_str().unwrap();
    let views = get(&app, &token, &site_path(&format!("workbooks/{id}/views"))).await;
    assert_eq!(names(&views, "view"), ["Overview", "Detail"]);
    assert!(
        views
            .body
            .contains("contentUrl=\"Pipeline/sheets/Overview\""),
        "{}",
        views.body
    );

    let reset = call(&app, "POST", "/_mock/reset", &[], "").await;
    assert_eq!(reset.status, 204);
    let token = sign_in_admin(&app).await;
    let workbooks = get(&app, &token, &site_path("workbooks")).await;
    assert_eq!(names(&workbooks, "workbook"), ["Budget", "Sales & Ops"]);
    let projects = get(&app, &token, &site_path("projects")).await;
    assert_eq!(total(&projects), 3);
}

/// The helpers of `MockServer` and `ControlClient` make the same calls.
#[tokio::test]
async fn mock_server_and_control_client_helpers() {
    let mock = MockServer::start().await;
    let project = mock.create_project("", "Sales", None).await;
    assert_eq!(project.site, "");
    let child = mock.create_project("", "EMEA", Some("Sales")).await;
    assert_ne!(child.id, project.id);
    let workbook = mock
        .create_workbook("", "EMEA", "Pipeline", "viewer", &["A", "B"])
        .await;
    assert_eq!(workbook.views.len(), 2);
    let datasource = mock.create_datasource("", "Sales", "Orders", "admin").await;
    assert_eq!(datasource.project, "Sales");
    let control = mock.control_client();
    let made = control
        .create_workbook("", "Sales", "Forecast", "admin", &[])
        .await
        .unwrap();
    assert_eq!(made.views[0].name, "Forecast");
    let refused = control.create_project("", "Sales", None).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(409));
    let refused = control
        .create_datasource("", "Nope", "X", "admin")
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(404));
    control
        .create_project("", "Ops", Some("Sales"))
        .await
        .unwrap();
    control
        .create_datasource("", "Ops", "Orders", "admin")
        .await
        .unwrap();
    mock.shutdown().await;
}

/// The embedded data sets hold the sample content (docs/mock-server.md, "Seed files"), on the Default site
/// of Tableau Server and on `analytics` of Tableau Cloud; the Cloud flavour serves everything
/// but `GET sites`.
#[tokio::test]
async fn default_data_sets_hold_the_sample_content() {
    for cloud in [false, true] {
        let builder = MockServer::builder().deterministic(7).fixed_start(START);
        let builder = if cloud { builder.cloud() } else { builder };
        let state = builder.build_state().unwrap();
        let app = app(&state);
        let creds = state.default_credentials();
        let body = pat_xml(&creds.pat_name, &creds.pat_secret, &creds.site_content_url);
        let signin = call(&app, "POST", "/api/3.27/auth/signin", XML, body).await;
        assert_eq!(signin.status, 200, "{}", signin.body);
        let token = signin.token();
        let site = attr(&signin.body, "id").unwrap();
        let path = |rest: &str| format!("{V}/sites/{site}/{rest}");
        let projects = get(&app, &token, &path("projects")).await;
        assert_eq!(names(&projects, "project"), ["Default", "Samples"]);
        let workbooks = get(&app, &token, &path("workbooks")).await;
        assert_eq!(names(&workbooks, "workbook"), ["Superstore", "Regional"]);
        let views = get(&app, &token, &path("views")).await;
        assert_eq!(
            names(&views, "view"),
            ["Overview", "Product", "Customers", "Obesity"]
        );
        let datasources = get(&app, &token, &path("datasources")).await;
        assert_eq!(names(&datasources, "datasource"), ["Sample - Superstore"]);
        let users = get(&app, &token, &path("users?filter=siteRole:eq:Viewer")).await;
        let viewer = if cloud {
            "viewer@example.com"
        } else {
            "viewer"
        };
        assert_eq!(names(&users, "user"), [viewer]);
        let sites = get(&app, &token, &format!("{V}/sites")).await;
        if cloud {
            assert_tableau_error(&sites, "403069");
        } else {
            assert_eq!(names(&sites, "site"), ["Default", "analytics"]);
        }
        let own = get(&app, &token, &format!("{V}/sites/{site}")).await;
        assert_eq!(own.status, 200, "{}", own.body);
    }
    // Tableau Server's `viewer` signs in with the password `viewer`.
    let state = MockServer::builder().build_state().unwrap();
    let app = app(&state);
    sign_in_password(&app, "viewer", "viewer", "").await;
}

fn paging_state(count: usize) -> tableau_mock_server::AppState {
    let mut seed = Seed {
        sites: vec![SeedSite::new("", "Default")],
        users: vec![SeedUser {
            site: String::new(),
            name: "admin".into(),
            password: Some("admin".into()),
            site_role: "ServerAdministrator".into(),
            id: None,
            full_name: None,
            email: None,
        }],
        ..Seed::default()
    };
    seed.projects.push(SeedProject {
        site: String::new(),
        name: "P".into(),
        description: None,
        parent: None,
        owner: None,
        id: None,
    });
    seed.workbooks = (0..count)
        .map(|i| SeedWorkbook {
            site: String::new(),
            project: "P".into(),
            name: format!("wb-{i}"),
            owner: "admin".into(),
            views: Vec::new(),
            description: None,
            id: None,
        })
        .collect();
    MockServer::builder()
        .seed(seed)
        .deterministic(1)
        .fixed_start(START)
        .build_state()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Paging through N workbooks with any page size sees each exactly once, every page says
    /// the same total, and the page after the last is 400006.
    #[test]
    fn paging_sees_every_item_once(count in 0usize..60, size in 1usize..=25, json in any::<bool>()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let state = paging_state(count);
            let app = app(&state);
            let token = sign_in_password(&app, "admin", "admin", "").await;
            let site = {
                let answer = get(&app, &token, "/api/3.27/sessions/current").await;
                attr(&answer.body, "id").unwrap()
            };
            let mut seen = Vec::new();
            let last = count.div_ceil(size).max(1);
            for page in 1..=last {
                let path = format!("{V}/sites/{site}/workbooks?pageSize={size}&pageNumber={page}");
                if json {
                    let answer = get_json(&app, &token, &path).await;
                    assert_eq!(answer.status, 200, "{}", answer.body);
                    let body = answer.json();
                    assert_eq!(body["pagination"]["totalAvailable"], count.to_string());
                    assert_eq!(body["pagination"]["pageNumber"], page.to_string());
                    if let Some(items) = body["workbooks"]["workbook"].as_array() {
                        seen.extend(items.iter().map(|w| w["name"].as_str().unwrap().to_owned()));
                    }
                } else {
                    let answer = get(&app, &token, &path).await;
                    assert_eq!(answer.status, 200, "{}", answer.body);
                    assert_eq!(total(&answer), count);
                    seen.extend(names(&answer, "workbook"));
                }
            }
            let mut expected: Vec<String> = (0..count).map(|i| format!("wb-{i}")).collect();
            assert_eq!(&seen, &expected, "in creation order, each once");
            seen.sort();
            expected.sort();
            seen.dedup();
            assert_eq!(seen.len(), count);
            let past = get(&app, &token, &format!("{V}/sites/{site}/workbooks?pageSize={size}&pageNumber={}", last + 1)).await;
            assert_tableau_error(&past, "400006");
        });
    }
}
