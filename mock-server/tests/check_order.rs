//! The spec's check order as an order (docs/mock-server.md, "Check order"): path, version,
//! method, auth, content type, size, body. Each request here has two (or more) faults at once,
//! and the answer must be the error of the earliest check. Through `oneshot`, no socket.

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

#[tokio::test]
async fn path_and_version_come_before_the_method() {
    let state = state();
    let app = app(&state);
    for (method, path) in [
        // Unknown version + wrong method (sign-in is POST, serverinfo GET).
        ("GET", "/api/9.99/auth/signin"),
        ("GET", "/api/latest/auth/signin"),
        ("POST", "/api/3.28/serverinfo"),
        // Below the endpoint's "since" version + wrong method.
        ("GET", "/api/2.5/auth/switchSite"),
        ("POST", "/api/3.0/sessions/current"),
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

#[tokio::test]
async fn version_comes_before_auth() {
    let state = state();
    let app = app(&state);
    // No token, at a version the endpoint does not exist at: the version error, not 401000.
    for path in [
        "/api/2.5/auth/switchSite",
        "/api/3.0/sessions/current",
        "/api/3.28/auth/signout",
    ] {
        let method = if path.ends_with("current") {
            "GET"
        } else {
            "POST"
        };
        let answer = call(&app, method, path, XML, "").await;
        assert_tableau_error(&answer, "404003");
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
        &[("content-type", "text/plain")],
        oversize(""),
    )
    .await;
    assert_tableau_error(&answer, "405000");
}

#[tokio::test]
async fn auth_comes_before_content_type_size_and_body() {
    let state = state();
    let app = app(&state);
    let (_, dead) = tokens(&app).await;
    let text = [("content-type", "text/plain")];
    let text_dead = [
        ("content-type", "text/plain"),
        ("x-tableau-auth", dead.as_str()),
    ];
    // No token + text/plain on switch site: 401000, not the content-type error.
    let answer = call(&app, "POST", SWITCH, &text, "hello").await;
    assert_tableau_error(&answer, "401000");
    // A dead token + text/plain: 401002.
    let answer = call(&app, "POST", SWITCH, &text_dead, "hello").await;
    assert_tableau_error(&answer, "401002");
    // No token + an oversize malformed body with a good content type: 401000, not 413000.
    let answer = call(&app, "POST", SWITCH, XML, oversize("<tsRequest>")).await;
    assert_tableau_error(&answer, "401000");
    // No token + a malformed body: 401000, not 400000.
    let answer = call(&app, "POST", SWITCH, XML, "<tsRequest>").await;
    assert_tableau_error(&answer, "401000");
    // Everything wrong after auth, with a dead token: 401002.
    let answer = call(&app, "POST", SWITCH, &text_dead, oversize("<")).await;
    assert_tableau_error(&answer, "401002");
}

#[tokio::test]
async fn content_type_comes_before_size() {
    let state = state();
    let app = app(&state);
    let (live, _) = tokens(&app).await;
    let sessions = state.session_count();
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "xml"] {
        let headers = [("content-type", content_type)];
        // Sign-in (no auth): a bad media type and a body over 64 KiB give the media-type error.
        let answer = call(&app, "POST", SIGNIN, &headers, oversize("<tsRequest>")).await;
        assert_tableau_error(&answer, "400000");
        assert!(
            answer.body.contains("Content-Type"),
            "{content_type}: not the content-type error: {}",
            answer.body
        );
        // The same on switch site with a live token.
        let headers = [
            ("content-type", content_type),
            ("x-tableau-auth", live.as_str()),
        ];
        let answer = call(&app, "POST", SWITCH, &headers, oversize("{")).await;
        assert_tableau_error(&answer, "400000");
        assert!(answer.body.contains("Content-Type"), "{}", answer.body);
    }
    // Also when the body is over the 1 MiB the mock reads at all.
    let huge = vec![b'x'; 2 * 1024 * 1024];
    let answer = call(
        &app,
        "POST",
        SIGNIN,
        &[("content-type", "text/plain")],
        huge,
    )
    .await;
    assert_tableau_error(&answer, "400000");
    assert!(answer.body.contains("Content-Type"), "{}", answer.body);
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
