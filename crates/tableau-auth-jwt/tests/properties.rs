//! Properties of the connected-app JWT and the sign-in body that carries it: whatever the
//! client ID, secret ID, user name, scopes, site and impersonated user hold, the header and
//! the claims read back (with the signature checked against the secret value's bytes) to
//! exactly what was configured, and the XML and JSON bodies carry that JWT, site and user.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use proptest::prelude::*;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tableau_auth_core::{
    AuthProvider, CredentialFamily, ManualTimeSource, SignInRequest, WireFormat,
};
use tableau_auth_jwt::ConnectedAppProvider;

/// 2023-11-14T22:13:20Z.
const NOW: u64 = 1_700_000_000;

const SCOPES: &[&str] = &[
    "tableau:content:read",
    "tableau:users:read",
    "tableau:views:embed",
    "tableau:datasources:update",
    "tableau:sites:read",
    "tableau:tasks:run",
];

/// A configured value: not blank (the provider refuses blank ones), any other characters
/// that XML 1.0 can carry, weighted towards those that need escaping in XML or JSON.
fn value() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => prop::sample::select(vec!['&', '<', '>', '"', '\'', '\\', '/', '\t', '\n', ' ', '|']),
            3 => proptest::char::range('\u{21}', '\u{7E}'),
            1 => proptest::char::range('\u{A0}', '\u{D7FF}'),
            1 => proptest::char::range('\u{10000}', '\u{10FFFF}'),
        ],
        1..30,
    )
    .prop_map(|chars| chars.into_iter().collect::<String>())
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// The JSON of a JWT's first or second part.
fn part(jwt: &str, index: usize) -> Value {
    let text = jwt.split('.').nth(index).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).expect("base64url")).expect("JSON")
}

/// Every attribute of the XML body, as `element@name` and its value, in document order.
fn xml_attributes(xml: &str) -> Vec<(String, String)> {
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
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn header_claims_and_bodies_round_trip(
        client_id in value(),
        secret_id in value(),
        secret in "[!-~]{16,64}",
        username in value(),
        scopes in prop::sample::subsequence(SCOPES, 1..=SCOPES.len()),
        lifetime in 1u64..=600,
        site in prop_oneof![Just(String::new()), value()],
        impersonate in proptest::option::of(value()),
    ) {
        let clock = ManualTimeSource::new(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW));
        let mut provider = ConnectedAppProvider::new(
            client_id.as_str(),
            secret_id.as_str(),
            secret.as_str(),
            username.as_str(),
        )
        .unwrap()
        .scopes(scopes.iter().copied())
        .unwrap()
        .try_lifetime(Duration::from_secs(lifetime))
        .unwrap()
        .time_source(Arc::new(clock))
        .site(site.as_str());
        if let Some(user) = &impersonate {
            provider = provider.impersonate(user.as_str());
        }
        let credentials = run(provider.credentials()).unwrap();
        let CredentialFamily::ConnectedApp { jwt } = credentials.family() else {
            panic!("not a connected-app JWT");
        };
        let jwt = jwt.expose_secret().to_owned();

        // The header: HS256, the secret ID as `kid`, the client ID as `iss`.
        prop_assert_eq!(
            part(&jwt, 0),
            json!({"alg": "HS256", "typ": "JWT", "kid": secret_id, "iss": client_id})
        );
        // The claims, with the signature checked against the secret value's UTF-8 bytes.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["tableau"]);
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(
            &jwt,
            &DecodingKey::from_secret(secret.as_bytes()),
            &validation,
        )
        .unwrap()
        .claims;
        prop_assert_eq!(&claims, &part(&jwt, 1));
        let jti = claims["jti"].as_str().unwrap_or_default().to_owned();
        prop_assert_eq!(uuid_version(&jti), Some(4), "jti {}", jti);
        prop_assert_eq!(
            claims,
            json!({
                "iss": client_id,
                "sub": username,
                "aud": "tableau",
                "exp": NOW + lifetime,
                "jti": jti,
                "scp": scopes,
            })
        );
        // A wrong key does not verify it.
        let wrong = format!("{secret}x");
        prop_assert!(jsonwebtoken::decode::<Value>(
            &jwt,
            &DecodingKey::from_secret(wrong.as_bytes()),
            &validation,
        )
        .is_err());

        // The bodies carry the JWT, the site and the impersonated user, and nothing else.
        let xml = SignInRequest::new(&credentials).render(WireFormat::Xml).unwrap();
        let mut expected = vec![
            ("credentials@jwt".to_owned(), jwt.clone()),
            ("site@contentUrl".to_owned(), site.clone()),
        ];
        if let Some(user) = &impersonate {
            expected.push(("user@id".to_owned(), user.clone()));
        }
        prop_assert_eq!(xml_attributes(xml.expose_secret()), expected);
        let body = SignInRequest::new(&credentials).render(WireFormat::Json).unwrap();
        let mut expected = json!({"credentials": {"jwt": jwt, "site": {"contentUrl": site}}});
        if let Some(user) = &impersonate {
            expected["credentials"]["user"] = json!({"id": user});
        }
        prop_assert_eq!(serde_json::from_str::<Value>(body.expose_secret()).unwrap(), expected);
    }
}

/// The version nibble of a hyphenated UUID, or `None` when `text` is not one.
fn uuid_version(text: &str) -> Option<u32> {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lengths != [8, 4, 4, 4, 12] || !text.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) {
        return None;
    }
    groups[2].chars().next()?.to_digit(16)
}
