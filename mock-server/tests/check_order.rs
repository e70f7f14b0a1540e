//! The pipeline's check order as an order (the table at the top of `src/api/mod.rs`, and
//! docs/mock-server.md, "Check order"): faults, version, path, method, auth, site, JWT scopes,
//! content type, size, body. Each request here has two (or more) faults at once, and the
//! answer must be the error of the earliest check. Through `oneshot`, no socket; both flavours
//! where the check exists in both.

mod common;

use common::*;

const SIGNIN: &str = "/api/3.27/auth/signin";
const SWITCH: &str = "/api/3.27/auth/switchSite";
const SIGNOUT: &str = "/api/3.27/auth/signout";
const CURRENT: &str = "/api/3.27/sessions/current";

/// Over [`tableau_mock_server::BODY_LIMIT`] (64 KiB), under the 1 MiB the mock reads.
fn oversize(prefix: &str) -> Vec<u8> {
    let mut body = prefix.as_bytes().to_vec();
    body.resize(tableau_mock_server::BODY_LIMIT + 4 * 1024, b'x');
    body
}

/// A live token and one that was signed out, on a fresh state.
async fn tokens(app: &axum::Router) -> (String, String) {
    let live = sign_in_password(app, "admin", "admin", "").await;
    let dead = sign_in_password(app, "admin", "admin", "").await;
    let out = call(
        app,
        "POST",
        SIGNOUT,
        &[("x-tableau-auth", dead.as_str())],
        "",
    )
    .await;
    assert_eq!(out.status, 204, "{}", out.body);
    (live, dead)
}

/// A fault is served before anything else is looked at: even at a URL version the server
/// does not have, and with a wrong method.
#[tokio::test]
async fn faults_come_first() {
    for fixture in fixtures() {
        let app = fixture.app();
        let fault = call(
            &app,
            "POST",
            "/_mock/faults",
            &[("content-type", "application/json")],
            r#"{"path":"/auth/signin","status":503,"times":1}"#,
        )
        .await;
        assert_eq!(fault.status, 201, "{}", fault.body);
        let answer = call(&app, "GET", "/api/99.0/auth/signin", &[], "").await;
        assert_tableau_error(&answer, "503000");
    }
}

/// A URL version that is malformed or above the server's is 404001 whatever else is wrong:
/// an unknown path, a wrong method, no token.
#[tokio::test]
async fn the_version_comes_before_the_path_and_the_method() {
    for fixture in fixtures() {
        let app = fixture.app();
        for (method, path) in [
            ("GET", "/api/9.99/auth/signin"),
            ("GET", "/api/latest/auth/signin"),
            ("POST", "/api/3.28/serverinfo"),
            ("PUT", "/api/3.28/no/such/thing"),
            ("DELETE", "/api/x/sessions/current"),
            ("GET", "/api/3.28/sites/x/users/y"),
            ("POST", "//api/3.28//auth/switchSite"),
        ] {
            let answer = call(&app, method, path, &[], "").await;
            assert_tableau_error(&answer, "404001");
            assert!(
                answer.body.contains("is not a valid version of the API."),
                "{:?} {method} {path}: {}",
                fixture.flavor,
                answer.body
            );
        }
    }
}

/// An unknown path, or an endpoint below its "since" version, is 404003 before the method.
#[tokio::test]
async fn the_path_comes_before_the_method() {
    for fixture in fixtures() {
        let app = fixture.app();
        for (method, path) in [
            // Below the endpoint's "since" version + wrong method.
            ("GET", "/api/2.5/auth/switchSite"),
            ("POST", "/api/3.0/sessions/current"),
            ("PUT", "/api/2.3/serverinfo"),
            // Unknown path + a method no endpoint there serves.
            ("PUT", "/api/3.27/auth/nothing"),
        ] {
            let answer = call(&app, method, path, &[], "").await;
            assert_tableau_error(&answer, "404003");
            assert!(
                answer.body.contains("Unknown resource"),
                "{method} {path}: {}",
                answer.body
            );
        }
    }
}

#[tokio::test]
async fn version_comes_before_auth() {
    let state = state();
    let app = app(&state);
    // No token, at a version the endpoint does not exist at: the version error, not 401000.
    for (path, code) in [
        ("/api/2.5/auth/switchSite", "404003"),
        ("/api/3.0/sessions/current", "404003"),
        ("/api/3.28/auth/signout", "404001"),
    ] {
        let method = if path.ends_with("current") {
            "GET"
        } else {
            "POST"
        };
        let answer = call(&app, method, path, XML, "").await;
        assert_tableau_error(&answer, code);
    }
}

#[tokio::test]
async fn method_comes_before_auth() {
    let state = state();
    let app = app(&state);
    let (_, dead) = tokens(&app).await;
    for (method, path) in [
        ("GET", SWITCH),
        ("GET", SIGNOUT),
        ("POST", CURRENT),
        ("DELETE", SWITCH),
    ] {
        // Wrong method and no token.
        let answer = call(&app, method, path, &[], "").await;
        assert_tableau_error(&answer, "405000");
        // Wrong method and a dead token.
        let answer = call(&app, method, path, &[("x-tableau-auth", dead.as_str())], "").await;
        assert_tableau_error(&answer, "405000");
    }
    // Wrong method, no token, a bad content type and an oversize body: still the method.
    let answer = call(
        &app,
        "PUT",
        SWITCH,
        &[("content-type", "multipart/form-data")],
        oversize(""),
    )
    .await;
    assert_tableau_error(&answer, "405000");
}

/// The calls Tableau Cloud lacks are 405000 at the method step: before authentication, with a
/// dead token, a bad media type or a body over the limit.
#[tokio::test]
async fn on_cloud_the_missing_calls_are_refused_at_the_method_step() {
    let state = cloud_state();
    let app = app(&state);
    for (method, path) in [
        ("POST", SWITCH),
        (
            "DELETE",
            "/api/3.27/sessions/00000000-0000-4000-8000-000000000000",
        ),
        ("DELETE", "/api/3.27/auth/serverAdminAccessTokens"),
        ("POST", "/api/3.27/auth/revokeAllServerAdminTokens"),
    ] {
        for headers in [
            &[][..],
            &[("x-tableau-auth", "dead")][..],
            &[("content-type", "multipart/form-data")][..],
        ] {
            let answer = call(&app, method, path, headers, oversize("<")).await;
            assert_tableau_error(&answer, "405000");
        }
    }
    // Below the "since" version the path is unknown first, as on Server.
    assert_tableau_error(
        &call(&app, "POST", "/api/2.5/auth/switchSite", &[], "").await,
        "404003",
    );
}

/// Authentication comes before the site check: no token, or a dead one, on another site's
/// path or an unknown site's.
#[tokio::test]
async fn auth_comes_before_the_site() {
    for fixture in fixtures() {
        let app = fixture.app();
        let dead = fixture.sign_in_pat(&app, "admin-pat").await;
        fixture.sign_in_pat(&app, "admin-pat").await; // supersedes `dead`
        for site in [fixture.other_site_id, "no-such-site"] {
            let path = format!("/api/3.27/sites/{site}/users/{}", fixture.admin_id);
            assert_tableau_error(&call(&app, "GET", &path, &[], "").await, "401000");
            assert_tableau_error(
                &call(&app, "GET", &path, &[("x-tableau-auth", dead.as_str())], "").await,
                "401002",
            );
        }
    }
}

/// The site check comes before the JWT scopes and before the handler's own checks: a JWT
/// session without `tableau:users:read` asking about another site gets 403010 (or 404000 for
/// an unknown site), not 401002; a Viewer asking about another user of another site gets
/// 403010, not 403133.
#[tokio::test]
async fn the_site_comes_before_the_scopes_and_the_handler() {
    for fixture in fixtures() {
        let app = fixture.app();
        let jwt = fixture
            .sign_in_jwt(
                &app,
                fixture.admin,
                "jti-order-site",
                &["tableau:content:read"],
            )
            .await;
        let viewer = fixture.sign_in_pat(&app, "viewer-pat").await;
        for token in [&jwt, &viewer] {
            let auth = [("x-tableau-auth", token.as_str())];
            let other = format!(
                "/api/3.27/sites/{}/users/{}",
                fixture.other_site_id, fixture.admin_id
            );
            let answer = call(&app, "GET", &other, &auth, "").await;
            assert_tableau_error(&answer, "403010");
            let unknown = format!("/api/3.27/sites/no-such-site/users/{}", fixture.admin_id);
            assert_tableau_error(&call(&app, "GET", &unknown, &auth, "").await, "404000");
        }
    }
}

/// The JWT scopes come before the handler: a session without `tableau:users:read` gets 401002
/// for an unknown user (not 404002) and for another user (not 403133).
#[tokio::test]
async fn the_scopes_come_before_the_handler() {
    for fixture in fixtures() {
        let app = fixture.app();
        let jwt = fixture
            .sign_in_jwt(
                &app,
                fixture.viewer,
                "jti-order-scope",
                &["tableau:content:read"],
            )
            .await;
        let auth = [("x-tableau-auth", jwt.as_str())];
        for user in ["no-such-user", fixture.admin_id] {
            let path = format!("/api/3.27/sites/{}/users/{user}", fixture.site_id);
            assert_tableau_error(&call(&app, "GET", &path, &auth, "").await, "401002");
        }
    }
}

#[tokio::test]
async fn auth_comes_before_content_type_size_and_body() {
    let state = state();
    let app = app(&state);
    let (_, dead) = tokens(&app).await;
    let multipart = [("content-type", "multipart/form-data")];
    let multipart_dead = [
        ("content-type", "multipart/form-data"),
        ("x-tableau-auth", dead.as_str()),
    ];
    // No token + multipart on switch site: 401000, not the content-type error.
    let answer = call(&app, "POST", SWITCH, &multipart, "hello").await;
    assert_tableau_error(&answer, "401000");
    // A dead token + multipart: 401002.
    let answer = call(&app, "POST", SWITCH, &multipart_dead, "hello").await;
    assert_tableau_error(&answer, "401002");
    // No token + an oversize malformed body with a good content type: 401000, not 413000.
    let answer = call(&app, "POST", SWITCH, XML, oversize("<tsRequest>")).await;
    assert_tableau_error(&answer, "401000");
    // No token + a malformed body: 401000, not 400000.
    let answer = call(&app, "POST", SWITCH, XML, "<tsRequest>").await;
    assert_tableau_error(&answer, "401000");
    // Everything wrong after auth, with a dead token: 401002.
    let answer = call(&app, "POST", SWITCH, &multipart_dead, oversize("<")).await;
    assert_tableau_error(&answer, "401002");
}

#[tokio::test]
async fn content_type_comes_before_size() {
    let state = state();
    let app = app(&state);
    let (live, _) = tokens(&app).await;
    let sessions = state.session_count();
    for content_type in [
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "xml",
    ] {
        let headers = [("content-type", content_type)];
        // Sign-in (no auth): a bad media type and a body over 64 KiB give the media-type error.
        let answer = call(&app, "POST", SIGNIN, &headers, oversize("<tsRequest>")).await;
        assert_tableau_error(&answer, "406000");
        assert!(
            answer.body.contains(&format!(
                "Content type &apos;{content_type}&apos; not supported"
            )),
            "{content_type}: not the content-type error: {}",
            answer.body
        );
        // The same on switch site with a live token.
        let headers = [
            ("content-type", content_type),
            ("x-tableau-auth", live.as_str()),
        ];
        let answer = call(&app, "POST", SWITCH, &headers, oversize("{")).await;
        assert_tableau_error(&answer, "406000");
    }
    // Also when the body is over the 1 MiB the mock reads at all.
    let huge = vec![b'x'; 2 * 1024 * 1024];
    let answer = call(
        &app,
        "POST",
        SIGNIN,
        &[("content-type", "multipart/mixed")],
        huge,
    )
    .await;
    assert_tableau_error(&answer, "406000");
    assert_eq!(state.session_count(), sessions, "nothing changed state");
}

#[tokio::test]
async fn size_comes_before_the_body() {
    let state = state();
    let app = app(&state);
    let (live, _) = tokens(&app).await;
    let sessions = state.session_count();
    let json = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    // Oversize and malformed: 413000, not 400000.
    for (headers, body) in [
        (
            XML,
            oversize("<tsRequest><credentials name=\"admin\" password=\""),
        ),
        (XML, oversize("<!DOCTYPE x [<!ENTITY a \"b\">]><tsRequest>")),
        (XML, oversize("")),
        (&json[..], oversize("{\"credentials\":")),
        (
            &[("content-type", "text/plain")][..],
            oversize("<tsRequest>"),
        ),
    ] {
        let answer = call(&app, "POST", SIGNIN, headers, body).await;
        assert_tableau_error(&answer, "413000");
    }
    // Oversize and otherwise a valid sign-in: 413000, and no session is made.
    let mut valid = password_xml("admin", "admin", "").into_bytes();
    valid.resize(tableau_mock_server::BODY_LIMIT + 1, b' ');
    let answer = call(&app, "POST", SIGNIN, XML, valid).await;
    assert_tableau_error(&answer, "413000");
    // Switch site with a live token: oversize malformed (and oversize valid) bodies are 413000
    // and the session stays where it was.
    let auth = [
        ("content-type", "application/xml"),
        ("x-tableau-auth", live.as_str()),
    ];
    let answer = call(&app, "POST", SWITCH, &auth, oversize("<tsRequest><site")).await;
    assert_tableau_error(&answer, "413000");
    let mut switch = br#"<tsRequest><site contentUrl="analytics"/></tsRequest>"#.to_vec();
    switch.resize(tableau_mock_server::BODY_LIMIT + 1, b' ');
    let answer = call(&app, "POST", SWITCH, &auth, switch).await;
    assert_tableau_error(&answer, "413000");
    assert_eq!(state.session_count(), sessions, "nothing changed state");
    let current = call(
        &app,
        "GET",
        CURRENT,
        &[("x-tableau-auth", live.as_str())],
        "",
    )
    .await;
    assert_eq!(current.status, 200, "{}", current.body);
    assert!(
        current.body.contains(&format!("id=\"{DEFAULT_SITE}\"")),
        "still on the Default site: {}",
        current.body
    );
}
