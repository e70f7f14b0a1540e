//! Handler tests through `oneshot` (no socket): every endpoint × format × error code, with
//! snapshots of the bodies (tokens redacted).

mod common;

use common::*;

fn snap(answer: &Answer) -> String {
    let content_type = answer
        .headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    format!(
        "{} {}\n{}",
        answer.status.as_u16(),
        content_type,
        answer.redacted()
    )
}

const SIGNIN: &str = "/api/3.27/auth/signin";
const XML_OUT: &[(&str, &str)] = &[("content-type", "application/xml")];
const JSON_OUT: &[(&str, &str)] = &[
    ("content-type", "application/xml"),
    ("accept", "application/json"),
];

#[tokio::test]
async fn server_info_in_both_formats_and_any_case() {
    let state = state();
    let app = app(&state);
    let xml = call(&app, "GET", "/api/2.4/serverInfo", &[], "").await;
    insta::assert_snapshot!("serverinfo_xml", snap(&xml));
    let json = call(
        &app,
        "GET",
        "/api/3.27/serverinfo",
        &[("accept", "application/json")],
        "",
    )
    .await;
    insta::assert_snapshot!("serverinfo_json", snap(&json));
    let upper = call(
        &app,
        "GET",
        "/api/3.0/SERVERINFO",
        &[("x-tableau-auth", "garbage")],
        "",
    )
    .await;
    assert_eq!(upper.status, 200, "serverinfo never reads X-Tableau-Auth");
    assert_tableau_error(
        &call(&app, "GET", "/api/2.3/serverinfo", &[], "").await,
        "404003",
    );
}

#[tokio::test]
async fn sign_in_answers() {
    let state = state();
    let app = app(&state);
    let a = call(
        &app,
        "POST",
        SIGNIN,
        XML,
        password_xml("admin", "admin", ""),
    )
    .await;
    insta::assert_snapshot!("signin_password_xml", snap(&a));
    let a = call(
        &app,
        "POST",
        SIGNIN,
        JSON,
        password_json("ADMIN", "admin", "ANALYTICS"),
    )
    .await;
    insta::assert_snapshot!("signin_password_json_case_insensitive", snap(&a));
    let a = call(
        &app,
        "POST",
        "/api/2.4/auth/signin",
        &[],
        pat_xml("admin-pat", PAT_SECRET, ""),
    )
    .await;
    insta::assert_snapshot!("signin_pat_xml_no_content_type", snap(&a));
    let a = call(
        &app,
        "POST",
        SIGNIN,
        JSON,
        pat_json("viewer-pat", "pat-secret-of-viewer", ""),
    )
    .await;
    insta::assert_snapshot!("signin_pat_json", snap(&a));
    let body = format!(
        r#"<tsRequest xmlns="http://tableau.com/api"><credentials name="admin" password="admin"><site contentUrl=""/><user id="{VIEWER_ID}"/></credentials></tsRequest>"#
    );
    let a = call(&app, "POST", SIGNIN, XML, body).await;
    insta::assert_snapshot!("signin_impersonation_xml", snap(&a));
}

#[tokio::test]
async fn sign_in_errors_in_both_formats() {
    let state = state();
    let app = app(&state);
    let cases: Vec<(&str, String, &str)> = vec![
        ("two_families", r#"<tsRequest><credentials name="a" password="b" personalAccessTokenName="c" personalAccessTokenSecret="d"><site contentUrl=""/></credentials></tsRequest>"#.into(), "400000"),
        ("no_site", r#"<tsRequest><credentials name="admin" password="admin"/></tsRequest>"#.into(), "400000"),
        ("pre_release_names", r#"<tsRequest><credentials clientId="admin-pat" personalAccessToken="x"><site contentUrl=""/></credentials></tsRequest>"#.into(), "400000"),
        ("doctype", r#"<!DOCTYPE tsRequest><tsRequest/>"#.into(), "400000"),
        ("empty", String::new(), "400000"),
        ("wrong_password", password_xml("admin", "nope", ""), "401001"),
        ("unknown_site", password_xml("admin", "admin", "nowhere"), "401001"),
        ("wrong_pat_secret", pat_xml("admin-pat", "nope", ""), "401001"),
        ("uat", r#"<tsRequest><credentials jwt="a.b.c" isUat="true"><site contentUrl=""/></credentials></tsRequest>"#.into(), "401001"),
        ("impersonate_unknown", r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/><user id="nobody"/></credentials></tsRequest>"#.to_owned(), "404002"),
        ("impersonate_as_viewer", format!(r#"<tsRequest><credentials name="viewer" password="viewer-pw"><site contentUrl=""/><user id="{ADMIN_ID}"/></credentials></tsRequest>"#), "403004"),
    ];
    for (name, body, code) in cases {
        let xml = call(&app, "POST", SIGNIN, XML_OUT, body.clone()).await;
        assert_tableau_error(&xml, code);
        insta::assert_snapshot!(format!("signin_error_{name}_xml"), snap(&xml));
        let json = call(&app, "POST", SIGNIN, JSON_OUT, body).await;
        assert_tableau_error(&json, code);
        insta::assert_snapshot!(format!("signin_error_{name}_json"), snap(&json));
    }
    let bad_type = call(
        &app,
        "POST",
        SIGNIN,
        &[("content-type", "text/plain")],
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_tableau_error(&bad_type, "400000");
    let json_body_as_xml = call(
        &app,
        "POST",
        SIGNIN,
        XML,
        password_json("admin", "admin", ""),
    )
    .await;
    assert_tableau_error(&json_body_as_xml, "400000");
    let get = call(&app, "GET", SIGNIN, &[("accept", "application/json")], "").await;
    assert_tableau_error(&get, "405000");
    insta::assert_snapshot!("signin_get_json", snap(&get));
    let big = format!("<tsRequest>{}</tsRequest>", " ".repeat(70 * 1024));
    let too_large = call(&app, "POST", SIGNIN, XML, big).await;
    assert_tableau_error(&too_large, "413000");
    insta::assert_snapshot!("signin_too_large_xml", snap(&too_large));
    let too_new = call(
        &app,
        "POST",
        "/api/3.28/auth/signin",
        XML,
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_tableau_error(&too_new, "404003");
    let not_a_version = call(&app, "POST", "/api/latest/auth/signin", XML, "").await;
    assert_tableau_error(&not_a_version, "404003");
    insta::assert_snapshot!("unknown_version_xml", snap(&not_a_version));
}

#[tokio::test]
async fn version_gates_use_the_servers_version() {
    let old = builder().api_version("3.5").build_state().unwrap();
    let app = app(&old);
    let pat = call(
        &app,
        "POST",
        "/api/3.5/auth/signin",
        XML,
        pat_xml("admin-pat", PAT_SECRET, ""),
    )
    .await;
    assert_tableau_error(&pat, "401001");
    let password = call(
        &app,
        "POST",
        "/api/2.4/auth/signin",
        XML,
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_eq!(password.status, 200);
    let too_new = call(
        &app,
        "POST",
        "/api/3.6/auth/signin",
        XML,
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_tableau_error(&too_new, "404003");
    let pre_impersonation = builder().api_version("3.10").build_state().unwrap();
    let app = app_of(&pre_impersonation);
    let body = format!(
        r#"<tsRequest><credentials personalAccessTokenName="admin-pat" personalAccessTokenSecret="{PAT_SECRET}"><site contentUrl=""/><user id="{VIEWER_ID}"/></credentials></tsRequest>"#
    );
    assert_tableau_error(
        &call(&app, "POST", "/api/3.10/auth/signin", XML, body).await,
        "401001",
    );
    let info = call(&app, "GET", "/api/3.10/serverinfo", &[], "").await;
    assert!(
        info.body.contains("<restApiVersion>3.10</restApiVersion>"),
        "{}",
        info.body
    );
}

fn app_of(state: &tableau_mock_server::AppState) -> axum::Router {
    app(state)
}

#[tokio::test]
async fn authenticated_endpoints() {
    let state = state();
    let app = app(&state);
    let token = sign_in_admin(&app).await;
    let auth = [("x-tableau-auth", token.as_str())];
    let auth_json = [
        ("x-tableau-auth", token.as_str()),
        ("accept", "application/json"),
    ];

    let current = call(&app, "GET", "/api/3.27/sessions/current", &auth, "").await;
    insta::assert_snapshot!("sessions_current_xml", snap(&current));
    let current = call(&app, "GET", "/api/3.27/sessions/current", &auth_json, "").await;
    insta::assert_snapshot!("sessions_current_json", snap(&current));

    let user_path = format!("/api/3.27/sites/{DEFAULT_SITE}/users/{VIEWER_ID}");
    let user = call(&app, "GET", &user_path, &auth, "").await;
    insta::assert_snapshot!("user_lookup_xml", snap(&user));
    let user = call(&app, "GET", &user_path, &auth_json, "").await;
    insta::assert_snapshot!("user_lookup_json", snap(&user));
    let unknown_user = format!("/api/3.27/sites/{DEFAULT_SITE}/users/nobody");
    let a = call(&app, "GET", &unknown_user, &auth_json, "").await;
    assert_tableau_error(&a, "404002");
    insta::assert_snapshot!("user_lookup_unknown_json", snap(&a));
    let other_site = format!("/api/3.27/sites/{ANALYTICS_SITE}/users/{VIEWER_ID}");
    let a = call(&app, "GET", &other_site, &auth, "").await;
    assert_tableau_error(&a, "403004");
    insta::assert_snapshot!("user_lookup_other_site_xml", snap(&a));
    let a = call(
        &app,
        "GET",
        &format!("/api/3.27/sites/nope/users/{VIEWER_ID}"),
        &auth,
        "",
    )
    .await;
    assert_tableau_error(&a, "404000");
    insta::assert_snapshot!("user_lookup_unknown_site_xml", snap(&a));

    let missing = call(&app, "GET", "/api/3.27/sessions/current", &[], "").await;
    assert_tableau_error(&missing, "401000");
    insta::assert_snapshot!("missing_token_xml", snap(&missing));
    let bogus = call(
        &app,
        "GET",
        "/api/3.27/sessions/current",
        &[("x-tableau-auth", "bogus"), ("accept", "application/json")],
        "",
    )
    .await;
    assert_tableau_error(&bogus, "401002");
    insta::assert_snapshot!("invalid_token_json", snap(&bogus));
    assert_tableau_error(
        &call(&app, "GET", "/api/3.0/sessions/current", &auth, "").await,
        "404003",
    );
    assert_tableau_error(
        &call(&app, "POST", "/api/3.27/sessions/current", &auth, "").await,
        "405000",
    );

    let out = call(&app, "POST", "/api/3.27/auth/signout", &auth, "").await;
    assert_eq!(out.status, 204);
    assert!(out.body.is_empty());
    assert_tableau_error(
        &call(&app, "POST", "/api/3.27/auth/signout", &auth, "").await,
        "401002",
    );
    assert_tableau_error(
        &call(&app, "GET", "/api/3.27/sessions/current", &auth, "").await,
        "401002",
    );
}

#[tokio::test]
async fn switch_site_answers_and_errors() {
    let state = state();
    let app = app(&state);
    let token = sign_in_password(&app, "admin", "admin", "").await;
    let auth = [
        ("x-tableau-auth", token.as_str()),
        ("content-type", "application/xml"),
    ];
    let same = call(
        &app,
        "POST",
        "/api/3.27/auth/switchSite",
        &auth,
        r#"<tsRequest><site contentUrl=""/></tsRequest>"#,
    )
    .await;
    assert_tableau_error(&same, "403070");
    insta::assert_snapshot!("switch_same_site_xml", snap(&same));
    let lonely = call(
        &app,
        "POST",
        "/api/3.27/auth/switchSite",
        &auth,
        r#"<tsRequest><site contentUrl="lonely"/></tsRequest>"#,
    )
    .await;
    assert_tableau_error(&lonely, "401003");
    insta::assert_snapshot!("switch_no_membership_xml", snap(&lonely));
    let json_auth = [
        ("x-tableau-auth", token.as_str()),
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    let unknown = call(
        &app,
        "POST",
        "/api/3.27/auth/switchSite",
        &json_auth,
        r#"{"site":{"contentUrl":"nowhere"}}"#,
    )
    .await;
    assert_tableau_error(&unknown, "401003");
    insta::assert_snapshot!("switch_unknown_site_json", snap(&unknown));
    assert_tableau_error(
        &call(&app, "POST", "/api/2.5/auth/switchSite", &auth, "").await,
        "404003",
    );
    let switched = call(
        &app,
        "POST",
        "/api/3.27/auth/switchSite",
        &json_auth,
        r#"{"site":{"contentUrl":"Analytics"}}"#,
    )
    .await;
    insta::assert_snapshot!("switch_ok_json", snap(&switched));
    let new_token = switched.token();
    assert_ne!(new_token, token);
    assert!(new_token.ends_with(ANALYTICS_SITE));
    assert_tableau_error(
        &call(&app, "GET", "/api/3.27/sessions/current", &auth, "").await,
        "401002",
    );
}

#[tokio::test]
async fn admin_calls() {
    let state = state();
    let app = app(&state);
    let admin = sign_in_password(&app, "admin", "admin", "").await;
    let viewer = sign_in_password(&app, "viewer", "viewer-pw", "").await;
    let viewer_session = call(
        &app,
        "GET",
        "/api/3.27/sessions/current",
        &[
            ("x-tableau-auth", viewer.as_str()),
            ("accept", "application/json"),
        ],
        "",
    )
    .await;
    let viewer_session_id = viewer_session.json()["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/3.27/sessions/{viewer_session_id}");
    let forbidden = call(
        &app,
        "DELETE",
        &path,
        &[("x-tableau-auth", viewer.as_str())],
        "",
    )
    .await;
    assert_tableau_error(&forbidden, "403004");
    insta::assert_snapshot!("delete_session_forbidden_xml", snap(&forbidden));
    assert_eq!(
        call(
            &app,
            "DELETE",
            &path,
            &[("x-tableau-auth", admin.as_str())],
            ""
        )
        .await
        .status,
        204
    );
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", viewer.as_str())],
            "",
        )
        .await,
        "401002",
    );
    assert_tableau_error(
        &call(
            &app,
            "DELETE",
            &path,
            &[("x-tableau-auth", admin.as_str())],
            "",
        )
        .await,
        "404003",
    );
    assert_tableau_error(
        &call(
            &app,
            "DELETE",
            "/api/3.8/sessions/x",
            &[("x-tableau-auth", admin.as_str())],
            "",
        )
        .await,
        "404003",
    );

    let viewer = sign_in_password(&app, "viewer", "viewer-pw", "").await;
    assert_tableau_error(
        &call(
            &app,
            "POST",
            "/api/3.27/auth/revokeAllServerAdminTokens",
            &[("x-tableau-auth", viewer.as_str())],
            "",
        )
        .await,
        "403004",
    );
    let pat_session = sign_in_admin(&app).await;
    let revoked = call(
        &app,
        "DELETE",
        "/api/3.27/auth/serverAdminAccessTokens",
        &[("x-tableau-auth", admin.as_str())],
        "",
    )
    .await;
    assert_eq!(revoked.status, 204);
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", pat_session.as_str())],
            "",
        )
        .await,
        "401002",
    );
    assert_tableau_error(
        &call(
            &app,
            "POST",
            SIGNIN,
            XML,
            pat_xml("admin-pat", PAT_SECRET, ""),
        )
        .await,
        "401001",
    );
    let viewer_pat = call(
        &app,
        "POST",
        SIGNIN,
        XML,
        pat_xml("viewer-pat", "pat-secret-of-viewer", ""),
    )
    .await;
    assert_eq!(viewer_pat.status, 200, "non-admin PATs survive");
    assert_tableau_error(
        &call(
            &app,
            "POST",
            "/api/3.27/auth/serverAdminAccessTokens",
            &[("x-tableau-auth", admin.as_str())],
            "",
        )
        .await,
        "405000",
    );
}

/// Every axum rejection and fallback answers a Tableau (or control-API) error body.
#[tokio::test]
async fn router_level_rejections_are_mapped() {
    let state = state();
    let app = app(&state);
    for path in [
        "/",
        "/api",
        "/api/",
        "/api/3.27",
        "/api/3.27/",
        "/nope",
        "/api/3.27/auth/signin/extra",
        "/api/%ZZ/x",
    ] {
        let answer = call(&app, "GET", path, &[], "").await;
        assert_tableau_error(&answer, "404003");
    }
    let answer = call(
        &app,
        "PATCH",
        "/api/3.27/serverinfo",
        &[("accept", "application/json")],
        "",
    )
    .await;
    assert_tableau_error(&answer, "405000");
    let huge = vec![b'x'; 2 * 1024 * 1024];
    let answer = call(&app, "POST", SIGNIN, XML, huge).await;
    assert_tableau_error(&answer, "413000");
    let unknown_control = call(&app, "GET", "/_mock/nothing", &[], "").await;
    assert_eq!(unknown_control.status, 404);
    assert!(unknown_control.json()["error"].is_string());
    let wrong_method = call(&app, "DELETE", "/_mock/health", &[], "").await;
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.json()["error"].is_string());
    let bad_json = call(
        &app,
        "POST",
        "/_mock/sites",
        &[("content-type", "application/json")],
        "{",
    )
    .await;
    assert_eq!(bad_json.status, 400);
    assert!(bad_json.json()["error"].is_string());
    let big_json = call(&app, "POST", "/_mock/sites", &[], vec![b' '; 100 * 1024]).await;
    assert_eq!(big_json.status, 413);
    assert!(big_json.json()["error"].is_string());
}
