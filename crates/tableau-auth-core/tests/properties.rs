//! Properties of the wire formats: XML rendering round-trips through a real, independent XML
//! parser (roxmltree applies attribute-value normalisation); characters outside XML 1.0 get a
//! typed error; JSON round-trips anything; secrets never leak into Debug, Display or errors.

use proptest::prelude::*;
use secrecy::ExposeSecret;
use tableau_auth_core::{
    Credentials, ProviderError, RenderError, SignInRequest, SignInResponse, SwitchSiteRequest,
    WireFormat,
};

/// One character of XML 1.0's `Char` production, weighted towards the ones that need escaping.
fn xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec!['&', '<', '>', '"', '\'', '\t', '\n', '\r', ' ', ';', '#']),
        3 => proptest::char::range('\u{20}', '\u{7E}'),
        1 => proptest::char::range('\u{A0}', '\u{D7FF}'),
        1 => proptest::char::range('\u{E000}', '\u{FFFD}'),
        1 => proptest::char::range('\u{10000}', '\u{10FFFF}'),
    ]
}

fn xml_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(xml_char(), 0..40).prop_map(|chars| chars.into_iter().collect())
}

fn not_xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::range('\u{0}', '\u{8}'),
        Just('\u{B}'),
        Just('\u{C}'),
        proptest::char::range('\u{E}', '\u{1F}'),
        Just('\u{FFFE}'),
        Just('\u{FFFF}'),
    ]
}

fn parse_back(xml: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.is_element())
        .flat_map(|n| {
            n.attributes().map(move |a| {
                (
                    format!("{}@{}", n.tag_name().name(), a.name()),
                    a.value().to_owned(),
                )
            })
        })
        .collect()
}

proptest! {
    #[test]
    fn xml_round_trips_any_xml_chars(name in xml_string(), secret in xml_string(), site in xml_string(), user in xml_string()) {
        let creds = Credentials::password(name.clone(), secret.clone()).with_site(site.clone()).with_impersonation(user.clone());
        let body = SignInRequest::new(&creds).render(WireFormat::Xml).unwrap();
        let attrs = parse_back(body.expose_secret());
        prop_assert_eq!(attrs, vec![
            ("credentials@name".to_owned(), name),
            ("credentials@password".to_owned(), secret),
            ("site@contentUrl".to_owned(), site),
            ("user@id".to_owned(), user),
        ]);
    }

    #[test]
    fn xml_round_trips_pat(name in xml_string(), secret in xml_string()) {
        let creds = Credentials::personal_access_token(name.clone(), secret.clone());
        let body = SignInRequest::new(&creds).render(WireFormat::Xml).unwrap();
        let attrs = parse_back(body.expose_secret());
        prop_assert_eq!(&attrs[0], &("credentials@personalAccessTokenName".to_owned(), name));
        prop_assert_eq!(&attrs[1], &("credentials@personalAccessTokenSecret".to_owned(), secret));
    }

    #[test]
    fn xml_refuses_what_it_cannot_carry(prefix in xml_string(), bad in not_xml_char(), suffix in xml_string()) {
        let secret = format!("{prefix}{bad}{suffix}");
        let creds = Credentials::password("jdoe", secret.clone());
        let err = SignInRequest::new(&creds).render(WireFormat::Xml).unwrap_err();
        prop_assert_eq!(err, RenderError::XmlUnrepresentable { field: "password", code_point: u32::from(bad) });
        // JSON carries it.
        let json = SignInRequest::new(&creds).render(WireFormat::Json).unwrap();
        let value: serde_json::Value = serde_json::from_str(json.expose_secret()).unwrap();
        prop_assert_eq!(value["credentials"]["password"].as_str(), Some(secret.as_str()));
    }

    #[test]
    fn json_round_trips_any_string(name in any::<String>(), secret in any::<String>(), site in any::<String>()) {
        let creds = Credentials::personal_access_token(name.clone(), secret.clone()).with_site(site.clone());
        let json = SignInRequest::new(&creds).render(WireFormat::Json).unwrap();
        let value: serde_json::Value = serde_json::from_str(json.expose_secret()).unwrap();
        prop_assert_eq!(value["credentials"]["personalAccessTokenName"].as_str(), Some(name.as_str()));
        prop_assert_eq!(value["credentials"]["personalAccessTokenSecret"].as_str(), Some(secret.as_str()));
        prop_assert_eq!(value["credentials"]["site"]["contentUrl"].as_str(), Some(site.as_str()));
        prop_assert!(value["credentials"].get("user").is_none());
    }

    #[test]
    fn secrets_never_leak(tail in "[A-Za-z0-9&<>\"' \\t]{5,30}", bad in not_xml_char()) {
        let secret = format!("SECRET-{tail}");
        let with_bad = format!("SECRET-{tail}{bad}");
        for creds in [
            Credentials::password("jdoe", secret.clone()),
            Credentials::personal_access_token("tok", secret.clone()),
            Credentials::connected_app(secret.clone()),
            Credentials::unified_access_token(secret.clone()),
            Credentials::password("jdoe", with_bad.clone()),
        ] {
            let debug = format!("{creds:?} {:?}", creds.family());
            prop_assert!(!debug.contains("SECRET-"), "{}", debug);
            for format in [WireFormat::Xml, WireFormat::Json] {
                match SignInRequest::new(&creds).render(format) {
                    Ok(body) => {
                        let shown = format!("{:?}", body);
                        prop_assert!(!shown.contains("SECRET-"));
                    }
                    Err(err) => {
                        prop_assert!(!err.to_string().contains("SECRET-"));
                        let shown = format!("{:?}", err);
                        prop_assert!(!shown.contains("SECRET-"));
                    }
                }
            }
        }
        // A sign-in answer carrying the secret as its token, with a part missing.
        let answer = format!(r#"{{"credentials":{{"token":{},"site":{{"contentUrl":""}},"user":{{"id":"u"}}}}}}"#, serde_json::to_string(&secret).unwrap());
        let err = SignInResponse::parse(answer.as_bytes()).unwrap_err();
        prop_assert!(!err.to_string().contains("SECRET-"));
        let shown = format!("{:?}", err);
        prop_assert!(!shown.contains("SECRET-"));
        let ok = format!(r#"{{"credentials":{{"token":{},"site":{{"id":"s","contentUrl":""}},"user":{{"id":"u"}}}}}}"#, serde_json::to_string(&secret).unwrap());
        let parsed = SignInResponse::parse(ok.as_bytes()).unwrap();
        prop_assert_eq!(parsed.token.expose_secret(), secret.as_str());
        let shown = format!("{:?}", parsed);
        prop_assert!(!shown.contains("SECRET-"));
        let provider_error = ProviderError::failed("x", "could not sign");
        prop_assert!(!provider_error.to_string().contains("SECRET-"));
    }
}

// The switch-site body: the content URL round-trips in both formats, whatever it holds; a
// character XML 1.0 cannot carry is a typed error naming the field, and JSON carries it.
proptest! {
    #[test]
    fn switch_site_xml_round_trips_any_xml_chars(site in xml_string()) {
        let body = SwitchSiteRequest::new(&site).render(WireFormat::Xml).unwrap();
        prop_assert_eq!(body.format(), WireFormat::Xml);
        let doc = roxmltree::Document::parse(body.expose_secret()).expect("well-formed XML");
        prop_assert_eq!(doc.root_element().tag_name().name(), "tsRequest");
        prop_assert_eq!(parse_back(body.expose_secret()), vec![("site@contentUrl".to_owned(), site)]);
    }

    #[test]
    fn switch_site_json_round_trips_any_string(site in any::<String>()) {
        let body = SwitchSiteRequest::new(&site).render(WireFormat::Json).unwrap();
        prop_assert_eq!(body.format(), WireFormat::Json);
        let value: serde_json::Value = serde_json::from_str(body.expose_secret()).unwrap();
        prop_assert_eq!(value, serde_json::json!({"site": {"contentUrl": site}}));
    }

    #[test]
    fn switch_site_xml_refuses_what_it_cannot_carry(prefix in xml_string(), bad in not_xml_char(), suffix in xml_string()) {
        let site = format!("{prefix}{bad}{suffix}");
        let err = SwitchSiteRequest::new(&site).render(WireFormat::Xml).unwrap_err();
        prop_assert_eq!(err, RenderError::XmlUnrepresentable { field: "site content URL", code_point: u32::from(bad) });
        let json = SwitchSiteRequest::new(&site).render(WireFormat::Json).unwrap();
        let value: serde_json::Value = serde_json::from_str(json.expose_secret()).unwrap();
        prop_assert_eq!(value["site"]["contentUrl"].as_str(), Some(site.as_str()));
    }
}
