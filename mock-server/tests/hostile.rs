//! Hostile input: billion laughs, external entities, deep nesting, huge and duplicate
//! attributes, and property tests over arbitrary bodies, headers and paths. Nothing panics,
//! nothing answers 5xx, and every non-2xx carries a well-formed Tableau error body.

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

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
    // Small enough that a parser with DTD support would expand it and sign in: only refusing
    // every DOCTYPE gets this one right.
    let benign_entity = r#"<!DOCTYPE tsRequest [<!ENTITY who "admin">]><tsRequest><credentials name="&who;" password="admin"><site contentUrl=""/></credentials></tsRequest>"#.to_owned();
    let deep_over_limit = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let deep_under_limit = format!("<tsRequest>{}", "<a>".repeat(10_000));
    let deep_closed = format!("{}{}", "<a>".repeat(5_000), "</a>".repeat(5_000));
    let duplicate = r#"<tsRequest><credentials name="admin" name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#.to_owned();
    let huge_attribute = password_xml("admin", &"x".repeat(100 * 1024), "");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("billion laughs", laughs.into_bytes(), "400000"),
        ("external entity", xxe.into_bytes(), "400000"),
        ("internal entity that would sign in", benign_entity.into_bytes(), "400000"),
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
    let created = call(
        &app,
        "POST",
        "/_mock/users",
        &[],
        serde_json::json!({"site": "", "name": "tabby", "password": "a\tb", "siteRole": "Viewer"})
            .to_string(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
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

/// The settings of every property test here: `cases` cases, and a failing input is saved next
/// to this file (`hostile.regressions`) and replayed first on the next run.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
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

/// A request body: arbitrary bytes, or a switch-site body written in the format the request's
/// `Content-Type` names (so it can get past the parser), possibly with one byte changed.
#[derive(Debug, Clone)]
enum FuzzBody {
    Raw(Vec<u8>),
    Switch {
        site: &'static str,
        mutation: Option<(proptest::sample::Index, u8)>,
    },
}

impl FuzzBody {
    fn render(&self, content_type: Option<&str>) -> Vec<u8> {
        match self {
            Self::Raw(bytes) => bytes.clone(),
            Self::Switch { site, mutation } => {
                let json = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
                let mut bytes = if json {
                    serde_json::json!({"site": {"contentUrl": site}}).to_string()
                } else {
                    format!(r#"<tsRequest><site contentUrl="{site}"/></tsRequest>"#)
                }
                .into_bytes();
                if let Some((at, byte)) = mutation {
                    let at = at.index(bytes.len());
                    bytes[at] = *byte;
                }
                bytes
            }
        }
    }
}

fn body() -> impl Strategy<Value = FuzzBody> {
    let valid_xml = password_xml("admin", "admin", "");
    let valid_json = password_json("admin", "admin", "");
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..512).prop_map(FuzzBody::Raw),
        1 => "[ -~]{0,256}".prop_map(|s| FuzzBody::Raw(s.into_bytes())),
        1 => (0..valid_xml.len(), any::<u8>()).prop_map(move |(at, byte)| {
            let mut b = valid_xml.clone().into_bytes();
            b[at] = byte;
            FuzzBody::Raw(b)
        }),
        1 => (0..valid_json.len(), 0..valid_json.len()).prop_map(move |(a, b)| {
            let mut bytes = valid_json.clone().into_bytes();
            bytes.truncate(a.max(b));
            bytes.drain(..a.min(b));
            FuzzBody::Raw(bytes)
        }),
        4 => (
            prop_oneof![
                Just(""),
                Just("analytics"),
                Just("ANALYTICS"),
                Just("lonely"),
                Just("nowhere"),
            ],
            proptest::option::of((any::<proptest::sample::Index>(), any::<u8>())),
        )
            .prop_map(|(site, mutation)| FuzzBody::Switch { site, mutation }),
    ]
}

/// Which `X-Tableau-Auth` a fuzz case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenChoice {
    None,
    /// A live token: the shared one for sign-in and switch site, a throwaway one for sign-out
    /// (so sign-out never kills the token the switch-site cases need).
    Live,
    /// A token that was signed out before the run.
    Dead,
}

/// What the switch-site cases reached, to prove they got past authentication.
#[derive(Debug, Default)]
struct SwitchCoverage {
    /// Switch-site cases at 3.27 with the live shared token.
    live: u32,
    /// ... of which the answer came from after the auth check (anything but 401000/401002).
    past_auth: u32,
    /// ... of which the parser accepted the body and the handler decided (200, 401003, 403070).
    parsed: u32,
}

fn fuzz_auth_endpoints(cases: u32) {
    let rt = runtime();
    let state = state();
    let app = app(&state);
    let shared = std::cell::RefCell::new(rt.block_on(sign_in_password(&app, "admin", "admin", "")));
    let dead = rt.block_on(async {
        let token = sign_in_password(&app, "admin", "admin", "").await;
        let out = call(
            &app,
            "POST",
            "/api/3.27/auth/signout",
            &[("x-tableau-auth", token.as_str())],
            "",
        )
        .await;
        assert_eq!(out.status, 204, "{}", out.body);
        token
    });
    let coverage = std::cell::RefCell::new(SwitchCoverage::default());
    let per_endpoint = std::cell::RefCell::new(std::collections::BTreeMap::<&str, u32>::new());
    proptest!(config(cases), |(
        endpoint in prop_oneof![
            2 => Just("auth/signin"),
            3 => Just("auth/switchSite"),
            1 => Just("auth/signout"),
        ],
        version in prop_oneof![
            4 => Just("3.27".to_owned()),
            1 => Just("2.4".to_owned()),
            1 => "[0-9.a-z]{0,6}",
        ],
        content_type in content_type(),
        accept in prop_oneof![Just(None), Just(Some("application/json")), Just(Some("*/*"))],
        token_choice in prop_oneof![
            1 => Just(TokenChoice::None),
            4 => Just(TokenChoice::Live),
            1 => Just(TokenChoice::Dead),
        ],
        body in body(),
    )| {
        let path = format!("/api/{version}/{endpoint}");
        if path.parse::<http::Uri>().is_err() {
            return Ok(());
        }
        let content_type = content_type.filter(|ct| http::HeaderValue::from_str(ct).is_ok());
        let token = match token_choice {
            TokenChoice::None => None,
            TokenChoice::Dead => Some(dead.clone()),
            TokenChoice::Live if endpoint == "auth/signout" => {
                Some(rt.block_on(sign_in_password(&app, "admin", "admin", "")))
            }
            TokenChoice::Live => Some(shared.borrow().clone()),
        };
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(ct) = &content_type {
            headers.push(("content-type", ct));
        }
        if let Some(accept) = accept {
            headers.push(("accept", accept));
        }
        if let Some(token) = &token {
            headers.push(("x-tableau-auth", token));
        }
        let body = body.render(content_type.as_deref());
        let answer = rt.block_on(async {
            tokio::time::timeout(HANG, call(&app, "POST", &path, &headers, body))
                .await
                .expect("no hang")
        });
        check(&answer)?;
        *per_endpoint.borrow_mut().entry(endpoint).or_default() += 1;
        let code = tableau_error_code(&answer);
        let served = version == "3.27";
        if served && endpoint != "auth/signin" {
            // Authentication comes before everything these endpoints read.
            match token_choice {
                TokenChoice::None => {
                    prop_assert_eq!(code.as_deref(), Some("401000"), "{}", answer.body);
                }
                TokenChoice::Dead => {
                    prop_assert_eq!(code.as_deref(), Some("401002"), "{}", answer.body);
                }
                TokenChoice::Live if endpoint == "auth/signout" => {
                    prop_assert_eq!(answer.status.as_u16(), 204, "{}", answer.body);
                }
                TokenChoice::Live => {}
            }
        }
        if endpoint == "auth/switchSite" && token_choice == TokenChoice::Live && served {
            let mut coverage = coverage.borrow_mut();
            coverage.live += 1;
            if !matches!(code.as_deref(), Some("401000" | "401002")) {
                coverage.past_auth += 1;
            }
            if answer.status == 200 || matches!(code.as_deref(), Some("401003" | "403070")) {
                coverage.parsed += 1;
            }
        }
        if endpoint == "auth/switchSite" && token.is_some() && answer.status == 200 {
            // A switch ends the old session: it must be dead now, and the cases after this
            // one need a live token again.
            let old = token.unwrap_or_default();
            let auth = [("x-tableau-auth", old.as_str())];
            let current = rt.block_on(call(&app, "GET", "/api/3.27/sessions/current", &auth, ""));
            let current = tableau_error_code(&current);
            prop_assert_eq!(current.as_deref(), Some("401002"), "the switched-from token works");
            *shared.borrow_mut() = rt.block_on(sign_in_password(&app, "admin", "admin", ""));
        }
    });
    let coverage = coverage.into_inner();
    let per_endpoint = per_endpoint.into_inner();
    eprintln!("cases per endpoint: {per_endpoint:?}");
    eprintln!("switch-site coverage over {cases} cases: {coverage:?}");
    for endpoint in ["auth/signin", "auth/switchSite"] {
        // About a third and a half of the cases by the weights: a tenth holds for any seed.
        let seen = per_endpoint.get(endpoint).copied().unwrap_or_default();
        assert!(
            seen >= cases / 10,
            "too few {endpoint} cases: {per_endpoint:?} of {cases}"
        );
    }
    // These shares are far below what the weights above give (about 1/5 of the cases are
    // live switch-site cases, and about 1/20 reach the handler), so they hold for any seed.
    assert!(
        coverage.live >= cases / 20,
        "too few switch-site cases with a live token: {coverage:?} of {cases}"
    );
    assert_eq!(
        coverage.past_auth, coverage.live,
        "switch-site cases with the live token stopped at the auth check (the token died?): \
         {coverage:?}"
    );
    assert!(
        coverage.parsed >= cases / 200,
        "too few switch-site bodies reached the handler: {coverage:?} of {cases}"
    );
}

/// Cases of the auth-endpoint fuzz in every `cargo test` (so every `just ci`): by the weights
/// of [`fuzz_auth_endpoints`], about 2,000 sign-in, 3,000 switch-site and 1,000 sign-out cases.
const CI_AUTH_CASES: u32 = 6144;
/// Cases of the control-API fuzz in every `cargo test`.
const CI_CONTROL_CASES: u32 = 3072;

#[test]
fn arbitrary_bodies_and_headers_on_auth_endpoints() {
    fuzz_auth_endpoints(CI_AUTH_CASES);
}

#[test]
fn arbitrary_paths_under_api() {
    let rt = runtime();
    let state = state();
    let app = app(&state);
    let token = rt.block_on(sign_in_admin(&app));
    proptest!(config(256), |(
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
    proptest!(config(cases), |(
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
    fuzz_control_api(CI_CONTROL_CASES);
}

/// Long fuzzing for `just soak`: at least 100,000 cases per parser.
#[test]
#[ignore = "long-running fuzzing; run with `just soak`"]
fn soak_fuzz_parsers() {
    fuzz_auth_endpoints(100_000);
    fuzz_control_api(100_000);
}
