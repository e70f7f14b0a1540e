//! Hostile input: billion laughs, external entities, deep nesting, huge and duplicate
//! attributes, and property tests over arbitrary bodies, headers and paths. Nothing panics,
//! nothing answers 5xx, and every non-2xx carries a well-formed Tableau error body.

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;

/// Outer hang detector: "quickly" means well under this.
const HANG: Duration = Duration::from_secs(10);

async fn sign_in_raw(app: &axum::Router, body: impl Into<axum::body::Body>) -> Answer {
    tokio::time::timeout(HANG, call(app, "POST", "/api/3.27/auth/signin", XML, body))
        .await
        .expect("answered within the hang detector")
}

#[tokio::test]
async fn hostile_xml_is_refused() {
    let state = state();
    let app = app(&state);
    let laughs = {
        let mut dtd = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for n in 1..10 {
            let prev = if n == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", n - 1)
            };
            dtd.push_str(&format!(
                "<!ENTITY lol{n} \"{}\">",
                format!("&{prev};").repeat(10)
            ));
        }
        dtd.push_str("]>");
        format!(
            r#"{dtd}<tsRequest><credentials name="&lol9;" password="x"><site contentUrl=""/></credentials></tsRequest>"#
        )
    };
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><tsRequest><credentials name="&xxe;" password="x"><site contentUrl=""/></credentials></tsRequest>"#.to_owned();
    let deep_over_limit = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let deep_under_limit = format!("<tsRequest>{}", "<a>".repeat(10_000));
    let deep_closed = format!("{}{}", "<a>".repeat(5_000), "</a>".repeat(5_000));
    let duplicate = r#"<tsRequest><credentials name="admin" name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#.to_owned();
    let huge_attribute = password_xml("admin", &"x".repeat(100 * 1024), "");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("billion laughs", laughs.into_bytes(), "400000"),
        ("external entity", xxe.into_bytes(), "400000"),
        ("10,000 deep, over the limit", deep_over_limit.into_bytes(), "413000"),
        ("10,000 deep, unclosed", deep_under_limit.into_bytes(), "400000"),
        ("5,000 deep, closed", deep_closed.into_bytes(), "400000"),
        ("duplicate attributes", duplicate.into_bytes(), "400000"),
        ("huge attribute", huge_attribute.into_bytes(), "413000"),
        ("invalid UTF-8", b"<tsRequest>\xff\xfe</tsRequest>".to_vec(), "400000"),
        ("NUL character reference", password_xml("admin", "&#0;", "").into_bytes(), "400000"),
        ("U+FFFE", password_xml("admin", "\u{FFFE}", "").into_bytes(), "400000"),
        ("two roots", format!("{}{}", password_xml("admin", "admin", ""), "<tsRequest/>").into_bytes(), "400000"),
        ("text after the root", format!("{}trailing", password_xml("admin", "admin", "")).into_bytes(), "400000"),
        ("unclosed root", b"<tsRequest><credentials name=\"admin\" password=\"admin\"><site contentUrl=\"\"/></credentials>".to_vec(), "400000"),
        ("external namespace", br#"<tsRequest xmlns="urn:evil"><credentials name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#.to_vec(), "400000"),
    ];
    for (name, body, code) in cases {
        let answer = sign_in_raw(&app, body).await;
        assert_eq!(
            tableau_error_code(&answer).as_deref(),
            Some(code),
            "{name}: {}",
            answer.body
        );
        assert_tableau_error(&answer, code);
    }
    // Literal TAB/LF in an attribute are normalised to spaces by XML, so "a\tb" written
    // literally is not the password "a\tb"; written as &#9; it is.
    state
        .create_user("", "tabby", Some("a\tb"), "Viewer")
        .unwrap();
    let literal = sign_in_raw(&app, password_xml("tabby", "a\tb", "")).await;
    assert_tableau_error(&literal, "401001");
    let escaped = sign_in_raw(&app, password_xml("tabby", "a&#9;b", "")).await;
    assert_eq!(escaped.status, 200, "{}", escaped.body);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn check(answer: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(
        answer.status.as_u16() < 500,
        "5xx: {} {}",
        answer.status,
        answer.body
    );
    if !answer.status.is_success() {
        let code = tableau_error_code(answer);
        prop_assert!(
            code.is_some(),
            "not a Tableau error body: {} {}",
            answer.status,
            answer.body
        );
        let code = code.unwrap_or_default();
        prop_assert_eq!(&code[..3], answer.status.as_str());
    }
    Ok(())
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/xml".to_owned())),
        Just(Some("application/json; charset=utf-8".to_owned())),
        Just(Some("TEXT/XML".to_owned())),
        "[ -~]{0,30}".prop_map(Some),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let valid_xml = password_xml("admin", "admin", "");
    let valid_json = password_json("admin", "admin", "");
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "[ -~]{0,256}".prop_map(String::into_bytes),
        (0..valid_xml.len(), any::<u8>()).prop_map(move |(at, byte)| {
            let mut b = valid_xml.clone().into_bytes();
            b[at] = byte;
            b
        }),
        (0..valid_json.len(), 0..valid_json.len()).prop_map(move |(a, b)| {
            let mut bytes = valid_json.clone().into_bytes();
            bytes.truncate(a.max(b));
            bytes.drain(..a.min(b));
            bytes
        }),
    ]
}

fn fuzz_auth_endpoints(cases: u32) {
    let rt = runtime();
    let state = state();
    let app = app(&state);
    let token = rt.block_on(sign_in_admin(&app));
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        endpoint in prop_oneof![Just("auth/signin"), Just("auth/switchSite"), Just("auth/signout")],
        version in prop_oneof![Just("3.27".to_owned()), Just("2.4".to_owned()), "[0-9.a-z]{0,6}"],
        content_type in content_type(),
        accept in prop_oneof![Just(None), Just(Some("application/json")), Just(Some("*/*"))],
        with_token in any::<bool>(),
        body in body(),
    )| {
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(ct) = &content_type {
            if http::HeaderValue::from_str(ct).is_ok() {
                headers.push(("content-type", ct));
            }
        }
        if let Some(accept) = accept {
            headers.push(("accept", accept));
        }
        if with_token {
            headers.push(("x-tableau-auth", &token));
        }
        let path = format!("/api/{version}/{endpoint}");
        if path.parse::<http::Uri>().is_ok() {
            let answer = rt.block_on(async { tokio::time::timeout(HANG, call(&app, "POST", &path, &headers, body)).await.expect("no hang") });
            check(&answer)?;
        }
    });
}

#[test]
fn arbitrary_bodies_and_headers_on_auth_endpoints() {
    fuzz_auth_endpoints(256);
}

#[test]
fn arbitrary_paths_under_api() {
    let rt = runtime();
    let state = state();
    let app = app(&state);
    let token = rt.block_on(sign_in_admin(&app));
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        segments in proptest::collection::vec("[a-zA-Z0-9._~%-]{0,12}|serverinfo|auth|sessions|sites|users|current|signin|3\\.27", 0..6),
        method in prop_oneof![Just("GET"), Just("POST"), Just("DELETE"), Just("PUT"), Just("HEAD")],
        with_token in any::<bool>(),
    )| {
        let path = format!("/api/{}", segments.join("/"));
        if path.parse::<http::Uri>().is_ok() {
            let headers: Vec<(&str, &str)> = if with_token { vec![("x-tableau-auth", token.as_str())] } else { vec![] };
            let answer = rt.block_on(call(&app, method, &path, &headers, ""));
            if method != "HEAD" {
                check(&answer)?;
            } else {
                prop_assert!(answer.status.as_u16() < 500);
            }
        }
    });
}

fn fuzz_control_api(cases: u32) {
    let rt = runtime();
    let state = state();
    let app = app(&state);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        route in prop_oneof![Just("sites"), Just("users"), Just("tokens"), Just("tokens/revoke"), Just("connected-apps"), Just("clock/advance"), Just("faults")],
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            "\\{\"[a-zA-Z]{1,12}\":(\"[ -~]{0,12}\"|[0-9]{1,5}|true|null|-1)(,\"[a-zA-Z]{1,12}\":\"[ -~]{0,8}\"){0,4}\\}".prop_map(String::into_bytes),
        ],
    )| {
        let answer = rt.block_on(call(&app, "POST", &format!("/_mock/{route}"), &[], body));
        prop_assert!(answer.status.as_u16() < 500, "{} {}", answer.status, answer.body);
        if !answer.status.is_success() {
            let value: serde_json::Value = serde_json::from_str(&answer.body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(value["error"].is_string());
        }
    });
}

#[test]
fn arbitrary_control_api_bodies() {
    fuzz_control_api(256);
}

/// Long fuzzing for `just soak`: at least 100,000 cases per parser.
#[test]
#[ignore = "long-running fuzzing; run with `just soak`"]
fn soak_fuzz_parsers() {
    fuzz_auth_endpoints(100_000);
    fuzz_control_api(100_000);
}
