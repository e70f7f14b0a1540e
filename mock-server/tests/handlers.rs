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

/// Status, every response header (sorted) and the body: for the 204 answers, whose headers
/// are all there is to see (no `Content-Type`, no body in either format). The
/// `content-length: 0` seen here is axum's; hyper drops it from a 204 on the wire (RFC 9110
/// section 8.6), which `binary.rs` checks.
fn snap_with_headers(answer: &Answer) -> String {
    let mut headers: Vec<String> = answer
        .headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
        .collect();
    headers.sort();
    if headers.is_empty() {
        headers.push("[no headers]".to_owned());
    }
    format!(
        "{}\n{}\n[body: {} bytes]\n{}",
        answer.status.as_u16(),
        headers.join("\n"),
        answer.body.len(),
        answer.redacted()
    )
}

/// The same request twice: as given (no `Accept`, so an XML answer) and with
/// `Accept: application/json`. Only for requests that change no state.
async fn call_both(
    app: &axum::Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (Answer, Answer) {
    let xml = call(app, method, path, headers, body.to_owned()).await;
    let mut json_headers = headers.to_vec();
    json_headers.push(("accept", "application/json"));
    let json = call(app, method, path, &json_headers, body.to_owned()).await;
    (xml, json)
}

/// Asserts the error `code` in both answers of [`call_both`] and snapshots them as
/// `{name}_xml` and `{name}_json`.
fn snapshot_error_pair(name: &str, (xml, json): &(Answer, Answer), code: &str) {
    assert_tableau_error(xml, code);
    assert!(
        xml.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml"),
        "{name}: XML by default"
    );
    insta::assert_snapshot!(format!("{name}_xml"), snap(xml));
    assert_tableau_error(json, code);
    assert!(
        json.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{name}: JSON when asked"
    );
    insta::assert_snapshot!(format!("{name}_json"), snap(json));
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
    let body = serde_json::json!({"credentials": {"name": "admin", "password": "admin",
        "site": {"contentUrl": ""}, "user": {"id": VIEWER_ID}}})
    .to_string();
    let a = call(&app, "POST", SIGNIN, JSON, body).await;
    assert_eq!(a.json()["credentials"]["user"]["id"], VIEWER_ID);
    insta::assert_snapshot!("signin_impersonation_json", snap(&a));
}

/// Connected-app sign-in (docs/protocol.md section 9) in both formats, each JWT minted against the fixed
/// start instant with a fixed `jti`. No `estimatedTimeToExpiration`: that is for PATs only.
#[tokio::test]
async fn jwt_sign_in_answers() {
    let state = state();
    let app = app(&state);
    let xml_jwt = connected_app_jwt("admin", START, "jti-handlers-xml");
    let xml = call(&app, "POST", SIGNIN, XML, jwt_xml(&xml_jwt, "")).await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    assert!(attr(&xml.body, "estimatedTimeToExpiration").is_none());
    insta::assert_snapshot!("signin_jwt_xml", snap(&xml));
    let json_jwt = connected_app_jwt("viewer", START, "jti-handlers-json");
    let json = call(&app, "POST", SIGNIN, JSON, jwt_json(&json_jwt, "")).await;
    assert_eq!(json.status, 200, "{}", json.body);
    assert!(
        json.json()["credentials"]
            .get("estimatedTimeToExpiration")
            .is_none()
    );
    insta::assert_snapshot!("signin_jwt_json", snap(&json));
    for (answer, jwt, user) in [(&xml, &xml_jwt, ADMIN_ID), (&json, &json_jwt, VIEWER_ID)] {
        assert!(!answer.body.contains(jwt.as_str()), "the JWT is not echoed");
        assert!(!answer.body.contains(JWT_SECRET));
        let current = call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[
                ("x-tableau-auth", answer.token().as_str()),
                ("accept", "application/json"),
            ],
            "",
        )
        .await;
        assert_eq!(current.json()["session"]["user"]["id"], user);
    }
}

/// docs/protocol.md sections 1 and 6: the URL's version never blocks a sign-in. A 3.27 server accepts a
/// JWT sign-in at `/api/2.4/` (where the Python client signs in first) and at 3.16 (below
/// JWT's own "since"); only the server's version gates JWT.
#[tokio::test]
async fn jwt_sign_in_is_served_at_every_url_version() {
    let state = state();
    let app = app(&state);
    for version in ["2.4", "3.16", "3.27"] {
        let jwt = connected_app_jwt("admin", START, &format!("jti-url-{version}"));
        let answer = call(
            &app,
            "POST",
            &format!("/api/{version}/auth/signin"),
            XML,
            jwt_xml(&jwt, ""),
        )
        .await;
        assert_eq!(answer.status, 200, "{version}: {}", answer.body);
        let current = call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", answer.token().as_str())],
            "",
        )
        .await;
        assert_eq!(current.status, 200, "{version}: {}", current.body);
    }
}

/// Throttling (the 429 row of docs/protocol.md section 5) as fault injection produces it: a Tableau error
/// body in the asked format plus `Retry-After`; the request never reaches the handler.
#[tokio::test]
async fn throttling_in_both_formats() {
    let state = state();
    let app = app(&state);
    let fault = call(
        &app,
        "POST",
        "/_mock/faults",
        &[("content-type", "application/json")],
        r#"{"path":"/auth/signin","status":429,"retryAfter":2,"times":2}"#,
    )
    .await;
    assert_eq!(fault.status, 201, "{}", fault.body);
    let pair = call_both(
        &app,
        "POST",
        SIGNIN,
        XML,
        &password_xml("admin", "admin", ""),
    )
    .await;
    for answer in [&pair.0, &pair.1] {
        assert_eq!(answer.headers["retry-after"], "2");
    }
    snapshot_error_pair("throttled", &pair, "429000");
    let after = call(
        &app,
        "POST",
        SIGNIN,
        XML,
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_eq!(after.status, 200, "two uses only: {}", after.body);
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
        &[("content-type", "multipart/form-data; boundary=x")],
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_tableau_error(&bad_type, "406000");
    let json_body_as_xml = call(
        &app,
        "POST",
        SIGNIN,
        XML,
        password_json("admin", "admin", ""),
    )
    .await;
    assert_tableau_error(&json_body_as_xml, "400000");
    snapshot_error_pair(
        "signin_get",
        &call_both(&app, "GET", SIGNIN, &[], "").await,
        "405000",
    );
    let big = format!("<tsRequest>{}</tsRequest>", " ".repeat(70 * 1024));
    snapshot_error_pair(
        "signin_too_large",
        &call_both(&app, "POST", SIGNIN, XML, &big).await,
        "413000",
    );
    let too_new = call(
        &app,
        "POST",
        "/api/3.28/auth/signin",
        XML,
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_tableau_error(&too_new, "404001");
    snapshot_error_pair(
        "unknown_version",
        &call_both(&app, "POST", "/api/latest/auth/signin", XML, "").await,
        "404001",
    );
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
    assert_tableau_error(&too_new, "404001");
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
    snapshot_error_pair(
        "user_lookup_unknown",
        &call_both(&app, "GET", &unknown_user, &auth, "").await,
        "404002",
    );
    let other_site = format!("/api/3.27/sites/{ANALYTICS_SITE}/users/{VIEWER_ID}");
    snapshot_error_pair(
        "user_lookup_other_site",
        &call_both(&app, "GET", &other_site, &auth, "").await,
        "403010",
    );
    let unknown_site = format!("/api/3.27/sites/nope/users/{VIEWER_ID}");
    snapshot_error_pair(
        "user_lookup_unknown_site",
        &call_both(&app, "GET", &unknown_site, &auth, "").await,
        "404000",
    );

    snapshot_error_pair(
        "missing_token",
        &call_both(&app, "GET", "/api/3.27/sessions/current", &[], "").await,
        "401000",
    );
    snapshot_error_pair(
        "invalid_token",
        &call_both(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", "bogus")],
            "",
        )
        .await,
        "401002",
    );
    assert_tableau_error(
        &call(&app, "GET", "/api/3.0/sessions/current", &auth, "").await,
        "404003",
    );
    assert_tableau_error(
        &call(&app, "POST", "/api/3.27/sessions/current", &auth, "").await,
        "405000",
    );

    // A second session, signed out with `Accept: application/json`: the 204 is the same.
    let other = sign_in_password(&app, "admin", "admin", "").await;
    let out = call(&app, "POST", "/api/3.27/auth/signout", &auth, "").await;
    assert_eq!(out.status, 204);
    assert!(out.body.is_empty());
    assert!(
        out.headers.get("content-type").is_none(),
        "no body, no type"
    );
    insta::assert_snapshot!("signout_no_content", snap_with_headers(&out));
    let out_json = call(
        &app,
        "POST",
        "/api/3.27/auth/signout",
        &[
            ("x-tableau-auth", other.as_str()),
            ("accept", "application/json"),
        ],
        "",
    )
    .await;
    assert_eq!(snap_with_headers(&out_json), snap_with_headers(&out));
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
    let switch = "/api/3.27/auth/switchSite";
    snapshot_error_pair(
        "switch_same_site",
        &call_both(
            &app,
            "POST",
            switch,
            &auth,
            r#"<tsRequest><site contentUrl=""/></tsRequest>"#,
        )
        .await,
        "403070",
    );
    snapshot_error_pair(
        "switch_no_membership",
        &call_both(
            &app,
            "POST",
            switch,
            &auth,
            r#"<tsRequest><site contentUrl="lonely"/></tsRequest>"#,
        )
        .await,
        "401003",
    );
    snapshot_error_pair(
        "switch_unknown_site",
        &call_both(
            &app,
            "POST",
            switch,
            &auth,
            r#"<tsRequest><site contentUrl="nowhere"/></tsRequest>"#,
        )
        .await,
        "401003",
    );
    let json_auth = [
        ("x-tableau-auth", token.as_str()),
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    // A JSON body is refused for the same reason as the XML one.
    assert_tableau_error(
        &call(
            &app,
            "POST",
            switch,
            &json_auth,
            r#"{"site":{"contentUrl":"nowhere"}}"#,
        )
        .await,
        "401003",
    );
    assert_tableau_error(
        &call(&app, "POST", "/api/2.5/auth/switchSite", &auth, "").await,
        "404003",
    );
    let switched = call(
        &app,
        "POST",
        switch,
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

    // And back to the Default site, XML in and out.
    let back = call(
        &app,
        "POST",
        switch,
        &[
            ("x-tableau-auth", new_token.as_str()),
            ("content-type", "application/xml"),
        ],
        r#"<tsRequest><site contentUrl=""/></tsRequest>"#,
    )
    .await;
    assert_eq!(back.status, 200, "{}", back.body);
    insta::assert_snapshot!("switch_ok_xml", snap(&back));
    let third = back.token();
    assert_ne!(third, new_token);
    assert!(third.ends_with(DEFAULT_SITE));
    assert!(
        attr(&back.body, "estimatedTimeToExpiration").is_none(),
        "a password session has no PAT to expire"
    );
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", new_token.as_str())],
            "",
        )
        .await,
        "401002",
    );
    let current = call(
        &app,
        "GET",
        "/api/3.27/sessions/current",
        &[
            ("x-tableau-auth", third.as_str()),
            ("accept", "application/json"),
        ],
        "",
    )
    .await;
    assert_eq!(current.json()["session"]["user"]["id"], ADMIN_ID);
}

/// The id of the newest session of `user`, from `GET /_mock/sessions` (`sessions/current`
/// shows none, as on a real server).
async fn session_id(app: &axum::Router, user: &str) -> String {
    let sessions = call(app, "GET", "/_mock/sessions", &[], "").await;
    assert_eq!(sessions.status, 200, "{}", sessions.body);
    let list = sessions.json();
    let newest = list
        .as_array()
        .unwrap()
        .iter()
        .rfind(|session| session["user"] == user)
        .unwrap_or_else(|| panic!("no session of {user}: {list}"));
    newest["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn admin_calls() {
    let state = state();
    let app = app(&state);
    let admin = sign_in_password(&app, "admin", "admin", "").await;
    let viewer = sign_in_password(&app, "viewer", "viewer-pw", "").await;
    let viewer_session_id = session_id(&app, "viewer").await;
    let path = format!("/api/3.27/sessions/{viewer_session_id}");
    snapshot_error_pair(
        "delete_session_forbidden",
        &call_both(
            &app,
            "DELETE",
            &path,
            &[("x-tableau-auth", viewer.as_str())],
            "",
        )
        .await,
        "403004",
    );
    let deleted = call(
        &app,
        "DELETE",
        &path,
        &[("x-tableau-auth", admin.as_str())],
        "",
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    assert!(deleted.headers.get("content-type").is_none());
    insta::assert_snapshot!("delete_session_no_content", snap_with_headers(&deleted));
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
    // The same 204 when JSON is asked for.
    let second_viewer = sign_in_password(&app, "viewer", "viewer-pw", "").await;
    let second_path = format!("/api/3.27/sessions/{}", session_id(&app, "viewer").await);
    let deleted_json = call(
        &app,
        "DELETE",
        &second_path,
        &[
            ("x-tableau-auth", admin.as_str()),
            ("accept", "application/json"),
        ],
        "",
    )
    .await;
    assert_eq!(
        snap_with_headers(&deleted_json),
        snap_with_headers(&deleted)
    );
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", second_viewer.as_str())],
            "",
        )
        .await,
        "401002",
    );
    snapshot_error_pair(
        "delete_session_unknown",
        &call_both(
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
    for (method, path, name) in [
        (
            "POST",
            "/api/3.27/auth/revokeAllServerAdminTokens",
            "revoke_all_admin_tokens_forbidden",
        ),
        (
            "DELETE",
            "/api/3.27/auth/serverAdminAccessTokens",
            "delete_admin_tokens_forbidden",
        ),
    ] {
        snapshot_error_pair(
            name,
            &call_both(
                &app,
                method,
                path,
                &[("x-tableau-auth", viewer.as_str())],
                "",
            )
            .await,
            "403004",
        );
    }
    assert_eq!(
        call(
            &app,
            "POST",
            SIGNIN,
            XML,
            pat_xml("admin-pat", PAT_SECRET, ""),
        )
        .await
        .status,
        200,
        "a refused revoke revokes nothing"
    );
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

/// Both spellings of "revoke admin PATs" (docs/protocol.md section 1), each on a fresh server: 204 with no
/// body in either format, the admin's PAT session ends and the PAT is dead, other PATs survive.
#[tokio::test]
async fn revoke_admin_tokens_in_both_spellings() {
    for (method, path, name) in [
        (
            "DELETE",
            "/api/3.27/auth/serverAdminAccessTokens",
            "delete_admin_tokens_no_content",
        ),
        (
            "POST",
            "/api/3.27/auth/revokeAllServerAdminTokens",
            "revoke_all_admin_tokens_no_content",
        ),
    ] {
        let mut answers = Vec::new();
        for accept in ["application/xml", "application/json"] {
            let state = state();
            let app = app(&state);
            let admin = sign_in_password(&app, "admin", "admin", "").await;
            let pat_session = sign_in_admin(&app).await;
            let revoked = call(
                &app,
                method,
                path,
                &[("x-tableau-auth", admin.as_str()), ("accept", accept)],
                "",
            )
            .await;
            assert_eq!(revoked.status, 204, "{name} {accept}: {}", revoked.body);
            assert!(revoked.body.is_empty());
            assert!(revoked.headers.get("content-type").is_none());
            answers.push(snap_with_headers(&revoked));
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
            let still = call(
                &app,
                "GET",
                "/api/3.27/sessions/current",
                &[("x-tableau-auth", admin.as_str())],
                "",
            )
            .await;
            assert_eq!(still.status, 200, "a password session is not a PAT session");
        }
        assert_eq!(
            answers[0], answers[1],
            "{name}: the same 204 in both formats"
        );
        insta::assert_snapshot!(name, answers[0].clone());
    }
}

/// docs/protocol.md section 1: the revoke calls exist since 3.10. On a server whose newest version is 3.9
/// they are unknown at every URL version (below "since", or above the server); on 3.10 they
/// work. `DELETE sessions/{id}` (since 3.9) is served on the 3.9 server.
#[tokio::test]
async fn revoke_admin_tokens_needs_a_3_10_server() {
    let old = builder().api_version("3.9").build_state().unwrap();
    let app = app(&old);
    let signin = call(
        &app,
        "POST",
        "/api/3.9/auth/signin",
        XML,
        password_xml("admin", "admin", ""),
    )
    .await;
    assert_eq!(signin.status, 200, "{}", signin.body);
    let admin = signin.token();
    let auth = [("x-tableau-auth", admin.as_str())];
    for (method, path, code) in [
        ("DELETE", "/api/3.9/auth/serverAdminAccessTokens", "404003"),
        ("POST", "/api/3.9/auth/revokeAllServerAdminTokens", "404003"),
        ("DELETE", "/api/3.10/auth/serverAdminAccessTokens", "404001"),
        (
            "POST",
            "/api/3.10/auth/revokeAllServerAdminTokens",
            "404001",
        ),
        ("DELETE", "/api/3.27/auth/serverAdminAccessTokens", "404001"),
    ] {
        assert_tableau_error(&call(&app, method, path, &auth, "").await, code);
    }
    snapshot_error_pair(
        "revoke_all_admin_tokens_on_3_9",
        &call_both(
            &app,
            "POST",
            "/api/3.9/auth/revokeAllServerAdminTokens",
            &auth,
            "",
        )
        .await,
        "404003",
    );
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/3.9/auth/signin",
            XML,
            pat_xml("admin-pat", PAT_SECRET, ""),
        )
        .await
        .status,
        200,
        "the 404s revoked nothing"
    );
    let viewer = call(
        &app,
        "POST",
        "/api/3.9/auth/signin",
        XML,
        password_xml("viewer", "viewer-pw", ""),
    )
    .await
    .token();
    let current = call(
        &app,
        "GET",
        "/api/3.9/sessions/current",
        &[("x-tableau-auth", viewer.as_str())],
        "",
    )
    .await;
    assert_eq!(current.status, 200, "{}", current.body);
    let id = session_id(&app, "viewer").await;
    assert_eq!(
        call(
            &app,
            "DELETE",
            &format!("/api/3.9/sessions/{id}"),
            &auth,
            ""
        )
        .await
        .status,
        204,
        "DELETE sessions/{{id}} is a 3.9 call"
    );

    for (method, spelling) in [
        ("DELETE", "serverAdminAccessTokens"),
        ("POST", "revokeAllServerAdminTokens"),
    ] {
        let new = builder().api_version("3.10").build_state().unwrap();
        let app = app_of(&new);
        let admin = call(
            &app,
            "POST",
            "/api/3.10/auth/signin",
            XML,
            password_xml("admin", "admin", ""),
        )
        .await
        .token();
        let revoked = call(
            &app,
            method,
            &format!("/api/3.10/auth/{spelling}"),
            &[("x-tableau-auth", admin.as_str())],
            "",
        )
        .await;
        assert_eq!(revoked.status, 204, "{spelling}: {}", revoked.body);
        assert_tableau_error(
            &call(
                &app,
                "POST",
                "/api/3.10/auth/signin",
                XML,
                pat_xml("admin-pat", PAT_SECRET, ""),
            )
            .await,
            "401001",
        );
    }
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
    ] {
        let answer = call(&app, "GET", path, &[], "").await;
        assert_tableau_error(&answer, "404003");
    }
    let answer = call(&app, "GET", "/api/%ZZ/x", &[], "").await;
    assert_tableau_error(&answer, "404001");
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

// --- The second round of corrections (docs/protocol.md, evidence log), in both flavours ------

/// One request of a table: snapshot name, method, path, headers, body, expected code.
type Case<'a> = (
    &'a str,
    &'a str,
    String,
    Vec<(&'a str, &'a str)>,
    String,
    &'a str,
);

/// `{flavor}_{name}`: one snapshot per flavour.
fn flavoured(fixture: &Fixture, name: &str) -> String {
    format!("{}_{name}", fixture.flavor)
}

/// Every corrected code, in XML and JSON, on Tableau Server and on Tableau Cloud.
#[tokio::test]
async fn corrected_codes_in_both_flavours_and_formats() {
    for fixture in fixtures() {
        let app = fixture.app();
        let admin = fixture.sign_in_pat(&app, "admin-pat").await;
        let viewer = fixture.sign_in_pat(&app, "viewer-pat").await;
        let jwt = fixture
            .sign_in_jwt(
                &app,
                fixture.admin,
                "jti-corrections",
                &["tableau:content:read"],
            )
            .await;
        let cases: Vec<Case<'_>> = vec![
            (
                "version_too_new",
                "GET",
                "/api/3.28/serverinfo".into(),
                vec![],
                String::new(),
                "404001",
            ),
            (
                "version_malformed",
                "GET",
                "/api/v3.27/serverinfo".into(),
                vec![],
                String::new(),
                "404001",
            ),
            (
                "method_not_allowed",
                "GET",
                SIGNIN.into(),
                vec![],
                String::new(),
                "405000",
            ),
            (
                "media_type_multipart",
                "POST",
                SIGNIN.into(),
                vec![("content-type", "multipart/form-data; boundary=----x")],
                fixture.pat_xml("admin-pat"),
                "406000",
            ),
            (
                "other_site",
                "GET",
                format!(
                    "/api/3.27/sites/{}/users/{}",
                    fixture.other_site_id, fixture.admin_id
                ),
                vec![("x-tableau-auth", admin.as_str())],
                String::new(),
                "403010",
            ),
            (
                "unknown_site",
                "GET",
                format!("/api/3.27/sites/nowhere/users/{}", fixture.admin_id),
                vec![("x-tableau-auth", admin.as_str())],
                String::new(),
                "404000",
            ),
            (
                "query_user_forbidden",
                "GET",
                format!(
                    "/api/3.27/sites/{}/users/{}",
                    fixture.site_id, fixture.admin_id
                ),
                vec![("x-tableau-auth", viewer.as_str())],
                String::new(),
                "403133",
            ),
            (
                "scope_missing",
                "GET",
                format!(
                    "/api/3.27/sites/{}/users/{}",
                    fixture.site_id, fixture.admin_id
                ),
                vec![("x-tableau-auth", jwt.as_str())],
                String::new(),
                "401002",
            ),
            (
                "uat_refused",
                "POST",
                SIGNIN.into(),
                vec![("content-type", "application/xml")],
                format!(
                    r#"<tsRequest><credentials jwt="a.b.c" isUat="true"><site contentUrl="{}"/></credentials></tsRequest>"#,
                    fixture.site
                ),
                "401001",
            ),
        ];
        for (name, method, path, headers, body, code) in cases {
            let pair = call_both(&app, method, &path, &headers, &body).await;
            snapshot_error_pair(&flavoured(&fixture, name), &pair, code);
            for answer in [&pair.0, &pair.1] {
                if code == "403010" {
                    assert!(
                        answer.body.contains(&format!(
                            "User &apos;{}&apos; is authenticated for site &apos;{}&apos; and may not access or modify resources on site &apos;{}&apos;.",
                            fixture.admin, fixture.site_id, fixture.other_site_id
                        )) || answer.body.contains(&format!(
                            "User '{}' is authenticated for site '{}' and may not access or modify resources on site '{}'.",
                            fixture.admin, fixture.site_id, fixture.other_site_id
                        )),
                        "{}",
                        answer.body
                    );
                }
            }
        }
        // The refusals changed nothing: the sessions still work.
        for token in [&admin, &viewer, &jwt] {
            let current = call(
                &app,
                "GET",
                "/api/3.27/sessions/current",
                &[("x-tableau-auth", token.as_str())],
                "",
            )
            .await;
            assert_eq!(current.status, 200, "{}", current.body);
        }
    }
}

/// Error bodies carry `xmlns:xsi` and `xsi:schemaLocation` of the server's version, exactly as
/// success bodies do (real error bodies in tableau/rest-api-samples#82).
#[tokio::test]
async fn error_bodies_carry_the_schema_like_success_bodies() {
    let old = builder().api_version("3.15").build_state().unwrap();
    let app = app(&old);
    let info = call(&app, "GET", "/api/3.15/serverinfo", &[], "").await;
    let error = call(&app, "GET", "/api/3.15/sessions/current", &[], "").await;
    assert_tableau_error(&error, "401000");
    let envelope = |body: &str| body[..body.find("><").unwrap() + 1].to_owned();
    assert_eq!(envelope(&error.body), envelope(&info.body));
    let doc = roxmltree::Document::parse(&error.body).unwrap();
    let root = doc.root_element();
    assert_eq!(
        root.attribute((
            "http://www.w3.org/2001/XMLSchema-instance",
            "schemaLocation"
        )),
        Some(
            "http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_15.xsd"
        )
    );
}

/// Repeated slashes count as one, as on a real pod (`//api/3.27/auth/signin` signs in).
#[tokio::test]
async fn repeated_slashes_count_as_one() {
    for fixture in fixtures() {
        let app = fixture.app();
        for path in [
            "//api/3.27/auth/signin",
            "/api//3.27/auth//signin",
            "///api///3.27///auth///signin",
        ] {
            let answer = call(&app, "POST", path, XML, fixture.pat_xml("admin-pat")).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.body);
            let current = call(
                &app,
                "GET",
                "//api/3.27//sessions/current",
                &[("x-tableau-auth", answer.token().as_str())],
                "",
            )
            .await;
            assert_eq!(current.status, 200, "{}", current.body);
        }
        // A trailing slash is still another path.
        assert_tableau_error(
            &call(
                &app,
                "POST",
                "/api/3.27/auth/signin/",
                XML,
                fixture.pat_xml("admin-pat"),
            )
            .await,
            "404003",
        );
    }
}

/// Media types (docs/protocol.md section 2): none, XML types, form-urlencoded (PowerShell's
/// default) and text/plain are read as XML; JSON types as JSON.
#[tokio::test]
async fn media_types_read_as_xml_or_json() {
    for fixture in fixtures() {
        let app = fixture.app();
        for content_type in [
            None,
            Some("application/xml"),
            Some("text/xml; charset=utf-8"),
            Some("application/x-www-form-urlencoded"),
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            Some("text/plain"),
            Some("TEXT/PLAIN;charset=UTF-8"),
        ] {
            let headers: Vec<(&str, &str)> = content_type
                .map(|value| vec![("content-type", value)])
                .unwrap_or_default();
            let answer = call(&app, "POST", SIGNIN, &headers, fixture.pat_xml("admin-pat")).await;
            assert_eq!(answer.status, 200, "{content_type:?}: {}", answer.body);
        }
        let json = pat_json("admin-pat", PAT_SECRET, fixture.site);
        for content_type in [
            "application/json",
            "application/json;charset=utf-8",
            "text/json",
        ] {
            let answer = call(
                &app,
                "POST",
                SIGNIN,
                &[("content-type", content_type)],
                json.clone(),
            )
            .await;
            assert_eq!(answer.status, 200, "{content_type}: {}", answer.body);
        }
        // A JSON body sent as text/plain is read as XML: 400000, not a sign-in.
        let answer = call(
            &app,
            "POST",
            SIGNIN,
            &[("content-type", "text/plain")],
            json,
        )
        .await;
        assert_tableau_error(&answer, "400000");
        for refused in [
            "multipart/mixed",
            "application/octet-stream",
            "text/html",
            "json",
        ] {
            let answer = call(
                &app,
                "POST",
                SIGNIN,
                &[("content-type", refused), ("accept", "application/json")],
                fixture.pat_xml("admin-pat"),
            )
            .await;
            assert_tableau_error(&answer, "406000");
            assert_eq!(answer.json()["error"]["summary"], "Bad Request");
            assert_eq!(
                answer.json()["error"]["detail"],
                format!("Content type '{refused}' not supported")
            );
        }
    }
}

/// `sessions/current` shows the site and the user and no session id, in both formats and
/// flavours.
#[tokio::test]
async fn the_current_session_has_no_id() {
    for fixture in fixtures() {
        let app = fixture.app();
        let token = fixture.sign_in_pat(&app, "admin-pat").await;
        let auth = [("x-tableau-auth", token.as_str())];
        let (xml, json) = call_both(&app, "GET", "/api/3.27/sessions/current", &auth, "").await;
        assert!(xml.body.contains("<session><site "), "{}", xml.body);
        let session = &json.json()["session"];
        let keys: Vec<&str> = session
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["site", "user"]);
        insta::assert_snapshot!(flavoured(&fixture, "sessions_current_xml"), snap(&xml));
        insta::assert_snapshot!(flavoured(&fixture, "sessions_current_json"), snap(&json));
    }
}

/// `sessions/current` answers are rendered once and kept, but never outlive the data they show:
/// a later sign-in of the same user moves `lastLogin`, and the next call shows it, in each
/// format; two users' sessions never see each other's answer.
#[tokio::test]
async fn the_current_session_follows_directory_changes() {
    let state = state();
    let app = app(&state);
    let current = |token: String, json: bool| {
        let app = app.clone();
        async move {
            let mut headers = vec![("x-tableau-auth", token.as_str())];
            if json {
                headers.push(("accept", "application/json"));
            }
            let answer = call(&app, "GET", "/api/3.27/sessions/current", &headers, "").await;
            assert_eq!(answer.status, 200, "{}", answer.body);
            answer.body
        }
    };
    let first = sign_in_password(&app, "admin", "admin", "").await;
    let xml_before = current(first.clone(), false).await;
    let json_before = current(first.clone(), true).await;
    assert_eq!(current(first.clone(), false).await, xml_before);
    assert!(json_before.starts_with('{'), "{json_before}");
    let viewer = sign_in_password(&app, "viewer", "viewer-pw", "").await;
    let viewer_xml = current(viewer, false).await;
    assert!(viewer_xml.contains("name=\"viewer\""), "{viewer_xml}");
    assert_eq!(current(first.clone(), false).await, xml_before);

    let advanced = call(
        &app,
        "POST",
        "/_mock/clock/advance",
        &[("content-type", "application/json")],
        r#"{"seconds": 3600}"#,
    )
    .await;
    assert_eq!(advanced.status, 200, "{}", advanced.body);
    sign_in_admin(&app).await;
    let xml_after = current(first.clone(), false).await;
    let json_after = current(first, true).await;
    let last_login = |body: &str| attr(body, "lastLogin").unwrap();
    assert_ne!(last_login(&xml_after), last_login(&xml_before));
    assert_ne!(json_after, json_before);
    assert!(json_after.contains(&last_login(&xml_after)), "{json_after}");
}

/// `GET /_mock/sessions` lists the live sessions with their ids (never a token); an id is what
/// `DELETE sessions/{id}` takes.
#[tokio::test]
async fn mock_sessions_list_ids_for_delete_sessions() {
    let state = state();
    let app = app(&state);
    let password = sign_in_password(&app, "admin", "admin", "").await;
    let pat = sign_in_admin(&app).await;
    let jwt = connected_app_jwt_with_scopes(
        "viewer",
        START,
        "jti-sessions-list",
        &["tableau:users:read"],
    );
    let jwt = call(&app, "POST", SIGNIN, XML, jwt_xml(&jwt, ""))
        .await
        .token();
    let listed = call(&app, "GET", "/_mock/sessions", &[], "").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    for token in [&password, &pat, &jwt] {
        assert!(!listed.body.contains(token.as_str()), "a token was listed");
    }
    insta::assert_snapshot!("mock_sessions", listed.body);
    let list = listed.json();
    let credentials: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["credential"].as_str().unwrap())
        .collect();
    assert_eq!(credentials, ["password", "pat", "connected-app"]);
    let jwt_id = list[2]["id"].as_str().unwrap();
    let deleted = call(
        &app,
        "DELETE",
        &format!("/api/3.27/sessions/{jwt_id}"),
        &[("x-tableau-auth", password.as_str())],
        "",
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", jwt.as_str())],
            "",
        )
        .await,
        "401002",
    );
    let after = call(&app, "GET", "/_mock/sessions", &[], "").await.json();
    assert_eq!(after.as_array().unwrap().len(), 2);

    let cloud = cloud_state();
    let app = self::app(&cloud);
    sign_in_pat_on(&app, "viewer-pat", "pat-secret-of-viewer", "analytics").await;
    let listed = call(&app, "GET", "/_mock/sessions", &[], "").await.json();
    assert_eq!(listed[0]["site"], "analytics");
    assert_eq!(listed[0]["user"], "viewer@example.com");
    assert_eq!(listed[0]["credential"], "pat");
}

async fn sign_in_pat_on(app: &axum::Router, name: &str, secret: &str, site: &str) -> String {
    let answer = call(app, "POST", SIGNIN, XML, pat_xml(name, secret, site)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.token()
}

/// JWT sessions are limited by their scopes (docs/protocol.md section 13); wildcards match one
/// segment; PAT and password sessions are not limited.
#[tokio::test]
async fn jwt_scopes_limit_the_calls() {
    for fixture in fixtures() {
        let app = fixture.app();
        let lookup = format!(
            "/api/3.27/sites/{}/users/{}",
            fixture.site_id, fixture.viewer_id
        );
        for (n, (scopes, status)) in [
            (&["tableau:content:read"][..], 401),
            (&["tableau:users:read"][..], 200),
            (&["tableau:users:*"][..], 200),
            (&["tableau:*:*"][..], 200),
            (&["tableau:content:read", "tableau:users:read"][..], 200),
            (&["tableau:users:write"][..], 401),
            (&["tableau:sites:read"][..], 401),
        ]
        .into_iter()
        .enumerate()
        {
            let token = fixture
                .sign_in_jwt(&app, fixture.admin, &format!("jti-scopes-{n}"), scopes)
                .await;
            let auth = [("x-tableau-auth", token.as_str())];
            let answer = call(&app, "GET", &lookup, &auth, "").await;
            assert_eq!(answer.status, status, "{scopes:?}: {}", answer.body);
            if status == 401 {
                assert_tableau_error(&answer, "401002");
                // The session itself is alive: scope-free calls work.
                let current = call(&app, "GET", "/api/3.27/sessions/current", &auth, "").await;
                assert_eq!(current.status, 200, "{}", current.body);
            }
        }
        let pat = fixture.sign_in_pat(&app, "admin-pat").await;
        let answer = call(
            &app,
            "GET",
            &lookup,
            &[("x-tableau-auth", pat.as_str())],
            "",
        )
        .await;
        assert_eq!(
            answer.status, 200,
            "PAT sessions have no scopes: {}",
            answer.body
        );
    }
}

/// `DELETE sessions/{id}` needs `tableau:sessions:delete` from a JWT session; the revoke calls
/// accept no JWT session at all (Tableau Server).
#[tokio::test]
async fn jwt_scopes_of_the_administrator_calls() {
    let state = state();
    let app = app(&state);
    let victim = sign_in_password(&app, "viewer", "viewer-pw", "").await;
    let listed = call(&app, "GET", "/_mock/sessions", &[], "").await.json();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/3.27/sessions/{id}");
    let sign_in = |jti: &'static str, scopes: &'static [&'static str]| {
        let app = app.clone();
        async move {
            let jwt = connected_app_jwt_with_scopes("admin", START, jti, scopes);
            call(&app, "POST", SIGNIN, XML, jwt_xml(&jwt, ""))
                .await
                .token()
        }
    };
    let without = sign_in("jti-admin-1", &["tableau:content:read"]).await;
    assert_tableau_error(
        &call(
            &app,
            "DELETE",
            &path,
            &[("x-tableau-auth", without.as_str())],
            "",
        )
        .await,
        "401002",
    );
    let everything = sign_in("jti-admin-2", &["tableau:*:*"]).await;
    for (method, revoke) in [
        ("DELETE", "/api/3.27/auth/serverAdminAccessTokens"),
        ("POST", "/api/3.27/auth/revokeAllServerAdminTokens"),
    ] {
        assert_tableau_error(
            &call(
                &app,
                method,
                revoke,
                &[("x-tableau-auth", everything.as_str())],
                "",
            )
            .await,
            "401002",
        );
    }
    let with = sign_in("jti-admin-3", &["tableau:sessions:delete"]).await;
    let deleted = call(
        &app,
        "DELETE",
        &path,
        &[("x-tableau-auth", with.as_str())],
        "",
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", victim.as_str())],
            "",
        )
        .await,
        "401002",
    );
}

/// The user look-up: anyone may look up themself; site and server administrators anyone on
/// the site; others get 403133, whether or not the user exists.
#[tokio::test]
async fn who_may_look_up_whom() {
    for fixture in fixtures() {
        let app = fixture.app();
        let admin = fixture.sign_in_pat(&app, "admin-pat").await;
        let viewer = fixture.sign_in_pat(&app, "viewer-pat").await;
        let path = |user: &str| format!("/api/3.27/sites/{}/users/{user}", fixture.site_id);
        let get = |token: &str, user: &str| {
            let app = app.clone();
            let path = path(user);
            let token = token.to_owned();
            async move {
                call(
                    &app,
                    "GET",
                    &path,
                    &[("x-tableau-auth", token.as_str())],
                    "",
                )
                .await
            }
        };
        assert_eq!(get(&viewer, fixture.viewer_id).await.status, 200);
        assert_tableau_error(&get(&viewer, fixture.admin_id).await, "403133");
        assert_tableau_error(&get(&viewer, "no-such-user").await, "403133");
        assert_eq!(get(&admin, fixture.viewer_id).await.status, 200);
        assert_tableau_error(&get(&admin, "no-such-user").await, "404002");
    }
}

// --- The Tableau Cloud flavour ----------------------------------------------------------------

/// What Tableau Cloud refuses, in both formats (docs/protocol.md section 14).
#[tokio::test]
async fn cloud_refusals_in_both_formats() {
    let state = cloud_state();
    let app = app(&state);
    let admin = sign_in_pat_on(&app, "admin-pat", PAT_SECRET, "analytics").await;
    let auth = vec![
        ("x-tableau-auth", admin.as_str()),
        ("content-type", "application/xml"),
    ];
    let sessions = call(&app, "GET", "/_mock/sessions", &[], "").await.json();
    let id = sessions[0]["id"].as_str().unwrap().to_owned();
    let cases: Vec<Case<'_>> = vec![
        (
            "cloud_password_refused",
            "POST",
            SIGNIN.into(),
            vec![("content-type", "application/xml")],
            password_xml("viewer@example.com", "viewer-pw", "analytics"),
            "401001",
        ),
        (
            "cloud_default_site_refused",
            "POST",
            SIGNIN.into(),
            vec![("content-type", "application/xml")],
            pat_xml("admin-pat", PAT_SECRET, ""),
            "401001",
        ),
        (
            "cloud_impersonation_refused",
            "POST",
            SIGNIN.into(),
            vec![("content-type", "application/xml")],
            format!(
                r#"<tsRequest><credentials personalAccessTokenName="admin-pat" personalAccessTokenSecret="{PAT_SECRET}"><site contentUrl="analytics"/><user id="{CLOUD_VIEWER_ID}"/></credentials></tsRequest>"#
            ),
            "403004",
        ),
        (
            "cloud_switch_site",
            "POST",
            "/api/3.27/auth/switchSite".into(),
            auth.clone(),
            r#"<tsRequest><site contentUrl="finance"/></tsRequest>"#.into(),
            "405000",
        ),
        (
            "cloud_delete_session",
            "DELETE",
            format!("/api/3.27/sessions/{id}"),
            auth.clone(),
            String::new(),
            "405000",
        ),
        (
            "cloud_delete_admin_tokens",
            "DELETE",
            "/api/3.27/auth/serverAdminAccessTokens".into(),
            auth.clone(),
            String::new(),
            "405000",
        ),
        (
            "cloud_revoke_all_admin_tokens",
            "POST",
            "/api/3.27/auth/revokeAllServerAdminTokens".into(),
            auth.clone(),
            String::new(),
            "405000",
        ),
        (
            "cloud_sites_query",
            "GET",
            "/api/3.27/sites".into(),
            auth.clone(),
            String::new(),
            "403069",
        ),
    ];
    for (name, method, path, headers, body, code) in cases {
        let pair = call_both(&app, method, &path, &headers, &body).await;
        snapshot_error_pair(name, &pair, code);
    }
    // The refusals ended nothing and signed nobody in.
    let after = call(&app, "GET", "/_mock/sessions", &[], "").await.json();
    assert_eq!(after.as_array().unwrap().len(), 1, "{after}");
    let current = call(&app, "GET", "/api/3.27/sessions/current", &auth, "").await;
    assert_eq!(current.status, 200);
    // GET sites: a JWT session needs tableau:sites:read before it is told 403069.
    let jwt = connected_app_jwt_with_scopes(
        "admin@example.com",
        START,
        "jti-cloud-sites",
        &["tableau:content:read"],
    );
    let jwt = call(&app, "POST", SIGNIN, XML, jwt_xml(&jwt, "analytics"))
        .await
        .token();
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sites",
            &[("x-tableau-auth", jwt.as_str())],
            "",
        )
        .await,
        "401002",
    );
    let jwt = connected_app_jwt_with_scopes(
        "admin@example.com",
        START,
        "jti-cloud-sites-2",
        &["tableau:sites:read"],
    );
    let jwt = call(&app, "POST", SIGNIN, XML, jwt_xml(&jwt, "analytics"))
        .await
        .token();
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sites",
            &[("x-tableau-auth", jwt.as_str())],
            "",
        )
        .await,
        "403069",
    );
}

/// On Tableau Server, `GET sites` is the read side's, not the Cloud refusal.
#[tokio::test]
async fn the_sites_query_is_refused_on_cloud_only() {
    let state = state();
    let app = app(&state);
    let token = sign_in_admin(&app).await;
    let answer = call(
        &app,
        "GET",
        "/api/3.27/sites",
        &[("x-tableau-auth", token.as_str())],
        "",
    )
    .await;
    assert_ne!(
        tableau_error_code(&answer).as_deref(),
        Some("403069"),
        "{}",
        answer.body
    );
}

/// Tableau Cloud's sessions idle out after 120 minutes (the default of the flavour).
#[tokio::test]
async fn cloud_sessions_idle_out_after_120_minutes() {
    let state = cloud_state();
    let app = app(&state);
    let token = sign_in_pat_on(&app, "admin-pat", PAT_SECRET, "analytics").await;
    let auth = [("x-tableau-auth", token.as_str())];
    let advance = |seconds: u64| {
        let app = app.clone();
        async move {
            let answer = call(
                &app,
                "POST",
                "/_mock/clock/advance",
                &[("content-type", "application/json")],
                format!(r#"{{"seconds":{seconds}}}"#),
            )
            .await;
            assert_eq!(answer.status, 200, "{}", answer.body);
        }
    };
    advance(119 * 60).await;
    assert_eq!(
        call(&app, "GET", "/api/3.27/sessions/current", &auth, "")
            .await
            .status,
        200
    );
    advance(120 * 60 + 1).await;
    assert_tableau_error(
        &call(&app, "GET", "/api/3.27/sessions/current", &auth, "").await,
        "401002",
    );
    // The builder's setting still wins.
    let long = cloud_builder()
        .session_idle(std::time::Duration::from_secs(240 * 60))
        .build_state()
        .unwrap();
    let app = self::app(&long);
    let token = sign_in_pat_on(&app, "admin-pat", PAT_SECRET, "analytics").await;
    let answer = call(
        &app,
        "POST",
        "/_mock/clock/advance",
        &[],
        r#"{"seconds":14000}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    let current = call(
        &app,
        "GET",
        "/api/3.27/sessions/current",
        &[("x-tableau-auth", token.as_str())],
        "",
    )
    .await;
    assert_eq!(current.status, 200, "{}", current.body);
}

/// On Tableau Cloud a PAT's lifetime is a site setting: 180 days by default, the site's
/// `patLifetimeDays` when set, and no token may outlive it.
#[tokio::test]
async fn cloud_pat_lifetime_is_a_site_setting() {
    let state = cloud_state();
    let app = app(&state);
    let answer = call(
        &app,
        "POST",
        SIGNIN,
        XML,
        pat_xml("admin-pat", PAT_SECRET, "analytics"),
    )
    .await;
    assert_eq!(
        attr(&answer.body, "estimatedTimeToExpiration").as_deref(),
        Some("180:00:00")
    );
    let json = [("content-type", "application/json")];
    let made = call(
        &app,
        "POST",
        "/_mock/tokens",
        &json,
        r#"{"site":"finance","user":"admin@example.com","name":"ci"}"#,
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let secret = made.json()["secret"].as_str().unwrap().to_owned();
    let answer = call(&app, "POST", SIGNIN, XML, pat_xml("ci", &secret, "finance")).await;
    assert_eq!(
        attr(&answer.body, "estimatedTimeToExpiration").as_deref(),
        Some("30:00:00")
    );
    let too_long = call(
        &app,
        "POST",
        "/_mock/tokens",
        &json,
        r#"{"site":"finance","user":"admin@example.com","name":"ci2","expiresInDays":31}"#,
    )
    .await;
    assert_eq!(too_long.status, 400, "{}", too_long.body);
    assert!(
        too_long.json()["error"]
            .as_str()
            .unwrap()
            .contains("30 days")
    );
    let site = call(
        &app,
        "POST",
        "/_mock/sites",
        &json,
        r#"{"contentUrl":"ops","name":"Ops","patLifetimeDays":7}"#,
    )
    .await;
    assert_eq!(site.status, 201, "{}", site.body);
    assert_eq!(site.json()["patLifetimeDays"], 7);
    for bad in [0, 366] {
        let site = call(
            &app,
            "POST",
            "/_mock/sites",
            &json,
            format!(r#"{{"contentUrl":"x{bad}","name":"X","patLifetimeDays":{bad}}}"#),
        )
        .await;
        assert_eq!(site.status, 400, "{bad}: {}", site.body);
    }
    let default_site = call(
        &app,
        "POST",
        "/_mock/sites",
        &json,
        r#"{"contentUrl":"","name":"Default"}"#,
    )
    .await;
    assert_eq!(
        default_site.status, 400,
        "Tableau Cloud has no Default site"
    );
    // On Tableau Server an explicit lifetime may exceed the site's default.
    let server = state_of_server();
    let app = self::app(&server);
    let made = call(
        &app,
        "POST",
        "/_mock/tokens",
        &json,
        r#"{"site":"","user":"admin","name":"long","expiresInDays":400}"#,
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
}

fn state_of_server() -> tableau_mock_server::AppState {
    state()
}
