//! Snapshots of every sign-in body the core renders: each family, both formats, Default and
//! named sites, with and without impersonation, and a secret full of characters to escape.

use insta::assert_snapshot;
use tableau_auth_core::{Credentials, RenderError, SignInRequest, SwitchSiteRequest, WireFormat};

const NASTY: &str = "p&ss<w>rd\"q'\ttab\nlf\rcr é✓😀";

fn families() -> Vec<(&'static str, Credentials)> {
    vec![
        ("password", Credentials::password("jdoe", "s3cret")),
        (
            "pat",
            Credentials::personal_access_token("ci-token", "SECRET"),
        ),
        (
            "connected_app",
            Credentials::connected_app("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqZG9lIn0.sig"),
        ),
        ("uat", Credentials::unified_access_token("eyJ.payload.sig")),
    ]
}

fn render(creds: &Credentials, format: WireFormat) -> String {
    SignInRequest::new(creds)
        .render(format)
        .expect("renderable")
        .expose_secret()
        .to_owned()
}

#[test]
fn every_family_in_both_formats() {
    for (family, base) in families() {
        let variants = [
            ("default_site", base.clone()),
            ("named_site", base.clone().with_site("MarketingTeam")),
            (
                "impersonation",
                base.clone()
                    .with_site("MarketingTeam")
                    .with_impersonation("9f9e9d9c-8b8a-7978-6766-555453525150"),
            ),
        ];
        for (variant, creds) in variants {
            for (format, ext) in [(WireFormat::Xml, "xml"), (WireFormat::Json, "json")] {
                assert_snapshot!(
                    format!("{family}__{variant}__{ext}"),
                    render(&creds, format)
                );
            }
        }
    }
}

#[test]
fn secrets_that_need_escaping() {
    let creds = Credentials::password("j&d<o>e", NASTY).with_site("a&b");
    assert_snapshot!("escaping__password__xml", render(&creds, WireFormat::Xml));
    assert_snapshot!("escaping__password__json", render(&creds, WireFormat::Json));
    let creds = Credentials::personal_access_token("tok\"en", NASTY);
    assert_snapshot!("escaping__pat__xml", render(&creds, WireFormat::Xml));
    assert_snapshot!("escaping__pat__json", render(&creds, WireFormat::Json));
}

#[test]
fn switch_site_bodies() {
    for (format, ext) in [(WireFormat::Xml, "xml"), (WireFormat::Json, "json")] {
        let body = SwitchSiteRequest::new("finance&ops")
            .render(format)
            .unwrap();
        assert_snapshot!(format!("switch_site__{ext}"), body.expose_secret());
    }
}

#[test]
fn xml_refuses_characters_it_cannot_carry_and_json_does_not() {
    let creds = Credentials::password("jdoe", "SECRET-with-\u{1}-control");
    let err = SignInRequest::new(&creds)
        .render(WireFormat::Xml)
        .unwrap_err();
    assert_eq!(
        err,
        RenderError::XmlUnrepresentable {
            field: "password",
            code_point: 1
        }
    );
    assert_snapshot!("xml_unrepresentable_message", err.to_string());
    assert!(!err.to_string().contains("SECRET-with"));
    let json = render(&creds, WireFormat::Json);
    assert_eq!(
        json,
        r#"{"credentials":{"name":"jdoe","password":"SECRET-with-\u0001-control","site":{"contentUrl":""}}}"#
    );
    for bad in ['\u{0}', '\u{8}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
        let creds = Credentials::password("jdoe", "x").with_site(format!("site{bad}"));
        assert!(
            SignInRequest::new(&creds).render(WireFormat::Xml).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn debug_of_a_body_is_redacted() {
    let creds = Credentials::password("jdoe", "SECRET-password-1");
    let body = SignInRequest::new(&creds).render(WireFormat::Xml).unwrap();
    assert_eq!(
        format!("{body:?}"),
        "RequestBody { format: Xml, text: [redacted] }"
    );
    assert_eq!(
        format!("{creds:?}"),
        r#"Credentials { family: Password { username: "jdoe", password: [redacted] }, target: SignInTarget { content_url: "", impersonate: None } }"#
    );
}
