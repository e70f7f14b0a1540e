//! Snapshots of parsed server answers: current and old servers, both namespaces, JSON, error
//! bodies and bodies that are not Tableau's at all.

use insta::assert_debug_snapshot;
use secrecy::ExposeSecret;
use tableau_auth_core::{CurrentSession, ServerInfo, SignInResponse, TableauError, UserDetails};

/// A parsed sign-in answer with the token shown, for snapshots of fake tokens.
#[derive(Debug)]
#[allow(dead_code)] // fields are read through Debug
struct Shown {
    token: String,
    site_id: String,
    site_content_url: String,
    user_id: String,
    pat_expires_in: Option<std::time::Duration>,
}

fn sign_in(body: &str) -> Shown {
    let r = SignInResponse::parse(body.as_bytes()).expect("parses");
    Shown {
        token: r.token.expose_secret().to_owned(),
        site_id: r.site_id,
        site_content_url: r.site_content_url,
        user_id: r.user_id,
        pat_expires_in: r.pat_expires_in,
    }
}

#[test]
fn sign_in_current_server_xml() {
    let body = r#"<?xml version='1.0' encoding='UTF-8'?>
<tsResponse xmlns="http://tableau.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_27.xsd">
  <credentials token="HvZMqFFfQQmOM4L-AZNIQA|5fI6T54OPK1Gn1p4w0RtHv6EkojWRTwq|a946d998-2ead-4894-bb50-1054a91dcab3" estimatedTimeToExpiration="364:23:59">
    <site id="a946d998-2ead-4894-bb50-1054a91dcab3" contentUrl="MarketingTeam"/>
    <user id="1a96d216-e9b8-497b-a82a-0b899a965e01"/>
  </credentials>
</tsResponse>"#;
    assert_debug_snapshot!(sign_in(body));
}

#[test]
fn sign_in_old_server_plain_token_old_namespace() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<tsResponse xmlns="http://tableausoftware.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://tableausoftware.com/api http://tableausoftware.com/api/ts-api-2.3.xsd">
  <credentials token="12ab34cd56ef78ab90cd12ef34ab56cd">
    <site id="9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d" contentUrl=""/>
    <user id="9f9e9d9c-8b8a-7978-6766-555453525150"/>
  </credentials>
</tsResponse>"#;
    assert_debug_snapshot!(sign_in(body));
}

#[test]
fn sign_in_with_prefixed_namespace_and_unknown_parts() {
    let body = r#"<ts:tsResponse xmlns:ts="http://tableau.com/api"><ts:credentials token="t|o|k" futureAttribute="x">
<ts:site id="s1" contentUrl="finance" name="Finance"><ts:extra/></ts:site><ts:user id="u1" name="ana"/><ts:future>text</ts:future>
</ts:credentials><ts:somethingElse/></ts:tsResponse>"#;
    assert_debug_snapshot!(sign_in(body));
}

#[test]
fn sign_in_json() {
    let body = r#"{"credentials":{"site":{"id":"a946d998-2ead-4894-bb50-1054a91dcab3","contentUrl":"MarketingTeam"},"user":{"id":"1a96d216-e9b8-497b-a82a-0b899a965e01"},"token":"HvZM|5fI6|a946","estimatedTimeToExpiration":"179:23:59","unknown":[1,2]}}"#;
    assert_debug_snapshot!(sign_in(body));
}

#[test]
fn sign_in_without_a_namespace_and_with_an_unreadable_estimate() {
    let body = r#"<tsResponse><credentials token="a|b|c" estimatedTimeToExpiration="soon"><site id="s1" contentUrl=""/><user id="u1"/></credentials></tsResponse>"#;
    let parsed = sign_in(body);
    assert_eq!(parsed.token, "a|b|c");
    assert_eq!(
        (parsed.site_id.as_str(), parsed.user_id.as_str()),
        ("s1", "u1")
    );
    assert_eq!(
        parsed.pat_expires_in, None,
        "an unreadable estimate counts as absent"
    );
}

#[test]
fn sign_in_missing_parts_are_typed_errors_without_the_token() {
    let body = r#"<tsResponse><credentials token="SECRET-token-value"><site contentUrl="x"/><user id="u"/></credentials></tsResponse>"#;
    let err = SignInResponse::parse(body.as_bytes()).unwrap_err();
    assert_debug_snapshot!(err);
    assert!(!err.to_string().contains("SECRET-token-value"));
}

#[test]
fn server_info_xml_and_json() {
    let xml = r#"<tsResponse xmlns="http://tableau.com/api"><serverInfo><productVersion build="20253.25.0923.1200">2025.3.0</productVersion><restApiVersion>3.27</restApiVersion></serverInfo></tsResponse>"#;
    let json = r#"{"serverInfo":{"productVersion":{"value":"2025.3.0","build":"20253.25.0923.1200"},"restApiVersion":"3.27"}}"#;
    let from_xml = ServerInfo::parse(xml.as_bytes()).unwrap();
    assert_eq!(from_xml, ServerInfo::parse(json.as_bytes()).unwrap());
    assert_debug_snapshot!(from_xml);
    let old = r#"<tsResponse xmlns="http://tableausoftware.com/api"><serverInfo><productVersion build="10100.16.1024.2100">10.1.0</productVersion><restApiVersion>2.4</restApiVersion></serverInfo></tsResponse>"#;
    assert_debug_snapshot!(
        "server_info_old",
        ServerInfo::parse(old.as_bytes()).unwrap()
    );
}

#[test]
fn session_and_user_lookups() {
    let session = r#"<tsResponse xmlns="http://tableau.com/api"><session><site id="a946" name="Default" contentUrl=""/><user id="1a96" name="admin" siteRole="ServerAdministrator" lastLogin="2026-11-28T10:00:00Z" authSetting="ServerDefault"/></session></tsResponse>"#;
    let json = r#"{"session":{"site":{"id":"a946","name":"Default","contentUrl":""},"user":{"id":"1a96","name":"admin","siteRole":"ServerAdministrator","lastLogin":"2026-11-28T10:00:00Z","authSetting":"ServerDefault"}}}"#;
    let parsed = CurrentSession::parse(session.as_bytes()).unwrap();
    assert_eq!(parsed, CurrentSession::parse(json.as_bytes()).unwrap());
    assert_debug_snapshot!(parsed);
    let user = r#"{"user":{"id":"1a96","name":"admin","siteRole":"ServerAdministrator","fullName":"admin","email":"","lastLogin":"2026-11-28T10:00:00Z","authSetting":"ServerDefault"}}"#;
    assert_debug_snapshot!(UserDetails::parse(user.as_bytes()).unwrap());
}

#[test]
fn error_bodies() {
    let xml = r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><error code="401001"><summary>Signin Error</summary><detail>Error signing in to Tableau Server</detail></error></tsResponse>"#;
    assert_debug_snapshot!(
        "error_xml",
        TableauError::parse(401, xml.as_bytes()).unwrap()
    );
    let json = r#"{"error":{"summary":"Unauthorized Access","detail":"Invalid authentication credentials were provided.","code":"401002"}}"#;
    assert_debug_snapshot!(
        "error_json",
        TableauError::parse(401, json.as_bytes()).unwrap()
    );
    let numeric = r#"{"error":{"summary":"Bad Request","detail":"x","code":400000}}"#;
    assert_eq!(
        TableauError::parse(400, numeric.as_bytes())
            .unwrap()
            .code
            .get(),
        400_000
    );
}

#[test]
fn bodies_that_are_not_tableau_documents() {
    let html = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>";
    assert_debug_snapshot!(
        "not_tableau_html_404",
        TableauError::parse(404, html.as_bytes()).unwrap_err()
    );
    assert_debug_snapshot!(
        "not_tableau_empty",
        TableauError::parse(502, b"").unwrap_err()
    );
    let truncated =
        r#"<tsResponse xmlns="http://tableau.com/api"><error code="401001"><summary>Signin"#;
    assert_debug_snapshot!(
        "not_tableau_truncated",
        TableauError::parse(401, truncated.as_bytes()).unwrap_err()
    );
    for cut in [
        r#"{"credentials":{"token":"SECRET-cut-token"#,
        r#"<tsResponse><credentials token="SECRET-cut-token"#,
        r#"<tsResponse><credentials token="SECRET-cut-token"><site id="s"/></tsResponse>"#,
    ] {
        let err = SignInResponse::parse(cut.as_bytes()).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SECRET-cut-token"), "{shown}");
        assert_eq!(err.excerpt, None, "a body naming a token gets no excerpt");
    }
    let truncated_json = r#"{"credentials":{"site":{"id":"a9"#;
    let err = SignInResponse::parse(truncated_json.as_bytes()).unwrap_err();
    assert!(err.reason.contains("malformed JSON"), "{err}");
    assert!(SignInResponse::parse(b"\xff\xfe<tsResponse/>").is_err());
    assert!(ServerInfo::parse(b"<tsResponse><serverInfo><restApiVersion>three</restApiVersion></serverInfo></tsResponse>").is_err());
}
