//! The connected-app provider: the JWT it mints (verified with `jsonwebtoken`), the bodies it
//! produces, its limits and its `Debug`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use insta::{assert_json_snapshot, assert_snapshot};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use proptest::prelude::*;
use secrecy::ExposeSecret;
use serde_json::Value;
use tableau_auth_core::{
    AuthProvider, CredentialFamily, CredentialKind, Credentials, ManualTimeSource, ProviderError,
    Scope, SignInRequest, WireFormat,
};
use tableau_auth_jwt::ConnectedAppProvider;

/// Looks like base64 on purpose: the key is these bytes, never their decoding.
const SECRET_VALUE: &str = "FAKEc2VjcmV0LXZhbHVlLWZvci10ZXN0cw==";
const CLIENT_ID: &str = "0a1b2c3d-client";
const SECRET_ID: &str = "9z8y7x6w-secret-id";
const USERNAME: &str = "Jane.Doe@example.com";
/// 2023-11-14T22:13:20Z.
const NOW: u64 = 1_700_000_000;

fn clock() -> ManualTimeSource {
    ManualTimeSource::new(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
}

fn provider(clock: &ManualTimeSource) -> ConnectedAppProvider {
    ConnectedAppProvider::new(CLIENT_ID, SECRET_ID, SECRET_VALUE, USERNAME)
        .unwrap()
        .time_source(Arc::new(clock.clone()))
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn credentials(provider: &ConnectedAppProvider) -> Result<Credentials, ProviderError> {
    run(provider.credentials())
}

fn token(creds: &Credentials) -> String {
    match creds.family() {
        // A connected app, not a unified access token: isUat is never sent.
        CredentialFamily::ConnectedApp { jwt } => jwt.expose_secret().to_owned(),
        other => panic!("not a JWT: {other:?}"),
    }
}

/// Verifies the signature with the secret's UTF-8 bytes and the audience; `exp` is checked by
/// the callers against the manual clock (jsonwebtoken would compare it with the system clock).
fn verify(token: &str) -> Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["tableau"]);
    validation.set_issuer(&[CLIENT_ID]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(SECRET_VALUE.as_bytes()),
        &validation,
    )
    .expect("the token verifies with the secret value's bytes")
    .claims
}

fn raw_header(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

#[test]
fn the_token_verifies_and_carries_the_claims_of_spec_section_9() {
    let clock = clock();
    let provider = provider(&clock)
        .scopes(["tableau:content:read", "tableau:views:embed"])
        .unwrap();
    let token = token(&credentials(&provider).unwrap());

    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.kid.as_deref(), Some(SECRET_ID));
    assert_eq!(
        header.extras.get("iss").map(String::as_str),
        Some(CLIENT_ID)
    );

    let claims = verify(&token);
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], USERNAME, "sub keeps its case");
    assert_eq!(claims["aud"], "tableau");
    assert!(claims["exp"].is_u64(), "exp is a JSON integer");
    assert_eq!(claims["exp"].as_u64(), Some(NOW + 300), "default 5 minutes");
    let jti = claims["jti"].as_str().unwrap();
    let jti = uuid::Uuid::parse_str(jti).unwrap();
    assert_eq!(jti.get_version_num(), 4);
    assert_eq!(
        claims["scp"],
        serde_json::json!(["tableau:content:read", "tableau:views:embed"])
    );
}

#[test]
fn header_and_claims_snapshot() {
    let clock = clock();
    let token = token(&credentials(&provider(&clock)).unwrap());
    assert_json_snapshot!("header", raw_header(&token));
    assert_json_snapshot!("claims", verify(&token), { ".jti" => "[uuid v4]" });
}

#[test]
fn the_key_is_the_secret_text_never_its_base64_decoding() {
    let clock = clock();
    let token = token(&credentials(&provider(&clock)).unwrap());
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["tableau"]);
    validation.validate_exp = false;
    let decoded_key = DecodingKey::from_base64_secret(SECRET_VALUE).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&token, &decoded_key, &validation).is_err());
    let wrong = DecodingKey::from_secret(b"FAKEc2VjcmV0LXZhbHVlLWZvci10ZXN0cw=");
    assert!(jsonwebtoken::decode::<Value>(&token, &wrong, &validation).is_err());
}

#[test]
fn every_sign_in_mints_a_new_token_with_a_new_jti() {
    let clock = clock();
    let provider = provider(&clock);
    let first = token(&credentials(&provider).unwrap());
    let second = token(&credentials(&provider).unwrap());
    assert_ne!(first, second);
    assert_ne!(verify(&first)["jti"], verify(&second)["jti"]);
}

#[test]
fn exp_follows_the_time_source_and_the_lifetime() {
    let clock = clock();
    let provider = provider(&clock);
    clock.advance(Duration::from_millis(90_900));
    let claims = verify(&token(&credentials(&provider).unwrap()));
    assert_eq!(claims["exp"].as_u64(), Some(NOW + 90 + 300));

    for (lifetime, expected) in [(1, 1), (120, 120), (600, 600)] {
        let provider = provider
            .clone()
            .try_lifetime(Duration::from_secs(lifetime))
            .unwrap();
        let exp = verify(&token(&credentials(&provider).unwrap()))["exp"]
            .as_u64()
            .unwrap();
        assert_eq!(exp, NOW + 90 + expected);
        assert!(exp <= NOW + 90 + 600, "never more than 10 minutes ahead");
    }
}

#[test]
fn an_out_of_range_lifetime_is_refused_or_clamped() {
    let clock = clock();
    for lifetime in [
        Duration::ZERO,
        Duration::from_millis(999),
        Duration::from_secs(601),
        Duration::from_secs(3600),
    ] {
        let err = provider(&clock).try_lifetime(lifetime).unwrap_err();
        assert!(matches!(err, ProviderError::InvalidConfiguration { .. }));
    }
    let err = provider(&clock)
        .try_lifetime(Duration::from_secs(601))
        .unwrap_err();
    assert_snapshot!(err.to_string(), @"connected-app provider is misconfigured: a JWT lifetime of 601s is out of range: Tableau accepts between 1 second and 10 minutes");

    let clamped = provider(&clock).lifetime(Duration::from_secs(3600));
    assert_eq!(clamped.token_lifetime(), Duration::from_secs(600));
    let clamped = provider(&clock).lifetime(Duration::ZERO);
    assert_eq!(clamped.token_lifetime(), Duration::from_secs(1));
}

#[test]
fn empty_scopes_are_refused() {
    let clock = clock();
    let none: [&str; 0] = [];
    let err = provider(&clock).scopes(none).unwrap_err();
    assert!(matches!(err, ProviderError::InvalidConfiguration { .. }));
    assert_snapshot!(err.to_string(), @"connected-app provider is misconfigured: the scope list is empty; Tableau needs at least one scope (for example tableau:content:read)");
    let err = provider(&clock)
        .scopes(["tableau:content:read", " "])
        .unwrap_err();
    assert_snapshot!(err.to_string(), @"connected-app provider is misconfigured: the scope list contains an empty scope");
}

#[test]
fn a_scope_typo_is_refused_when_the_provider_is_built() {
    let clock = clock();
    for typo in [
        "a",
        "tableau:content.read",
        "tableau:Content:read",
        "tableau:content:read,tableau:views:embed",
        "tableau:mcp:content:read",
        "tablaeu:content:read",
    ] {
        let err = provider(&clock)
            .scopes(["tableau:views:embed", typo])
            .unwrap_err();
        assert!(
            matches!(err, ProviderError::InvalidConfiguration { .. }),
            "{typo}"
        );
        assert!(
            err.to_string().starts_with(
                "connected-app provider is misconfigured: scope 2 in the list is not a scope: "
            ),
            "{err}"
        );
    }
    let err = provider(&clock).scopes(["tableau:content"]).unwrap_err();
    assert_snapshot!(err.to_string(), @"connected-app provider is misconfigured: scope 1 in the list is not a scope: the scope has 2 colon-separated parts, not 3; a scope looks like tableau:<resource>:<action>, for example tableau:content:read, and * may stand for a whole resource or action");

    // Scope values and wildcards are accepted, and kept in order.
    let provider = provider(&clock)
        .scopes([Scope::VIEWS_EMBED.as_str(), "tableau:users:*"])
        .unwrap()
        .scopes([Scope::USERS_READ, Scope::CONTENT_READ])
        .unwrap();
    assert_eq!(
        provider.scope_list(),
        [Scope::USERS_READ, Scope::CONTENT_READ]
    );
    let claims = verify(&token(&credentials(&provider).unwrap()));
    assert_eq!(
        claims["scp"],
        serde_json::json!(["tableau:users:read", "tableau:content:read"])
    );
}

#[test]
fn empty_constructor_values_are_named_never_shown() {
    let err = ConnectedAppProvider::new("", "sid", "SECRET-value-not-shown", " ").unwrap_err();
    assert_snapshot!(err.to_string(), @"connected-app provider is misconfigured: the connected app's client ID and user name are empty");
    let err = ConnectedAppProvider::new("cid", "sid", "  ", "jdoe").unwrap_err();
    assert_snapshot!(err.to_string(), @"connected-app provider is misconfigured: the connected app's secret value is empty");
}

#[test]
fn xml_and_json_bodies_with_the_token_redacted() {
    let clock = clock();
    let provider = provider(&clock)
        .site("MarketingTeam")
        .impersonate("9f9e9d9c-1111-2222-3333-444455556666");
    let creds = credentials(&provider).unwrap();
    assert_eq!(creds.kind(), CredentialKind::ConnectedApp);
    let token = token(&creds);
    for (name, format) in [
        ("xml_body", WireFormat::Xml),
        ("json_body", WireFormat::Json),
    ] {
        let body = SignInRequest::new(&creds).render(format).unwrap();
        let body = body.expose_secret().replace(&token, "[signed JWT]");
        assert_snapshot!(name, body);
    }
}

#[test]
fn debug_redacts_the_secret_value() {
    let clock = clock();
    let provider = provider(&clock).site("finance");
    assert_eq!(
        format!("{provider:?}"),
        r#"ConnectedAppProvider { client_id: "0a1b2c3d-client", secret_id: "9z8y7x6w-secret-id", secret_value: [redacted], username: "Jane.Doe@example.com", scopes: ["tableau:content:read"], lifetime: 300s, time: ManualTimeSource { now: Mutex { data: SystemTime { tv_sec: 1700000000, tv_nsec: 0 }, poisoned: false, .. } }, target: SignInTarget { content_url: "finance", impersonate: None } }"#
    );
    assert_eq!(provider.name(), "connected-app");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_secret_signs_a_token_that_verifies_with_its_bytes(
        secret in "SECRET-[ -~]{12,60}",
        username in "[^\u{0}]{1,30}",
        lifetime in 1u64..=600,
    ) {
        prop_assume!(!username.trim().is_empty());
        let clock = clock();
        let provider = ConnectedAppProvider::new(CLIENT_ID, SECRET_ID, secret.as_str(), username.as_str())
            .unwrap()
            .time_source(Arc::new(clock))
            .try_lifetime(Duration::from_secs(lifetime))
            .unwrap();
        let debug = format!("{provider:?}");
        prop_assert!(!debug.contains(&secret));
        let token = token(&credentials(&provider).unwrap());
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["tableau"]);
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(
            &token,
            &DecodingKey::from_secret(secret.as_bytes()),
            &validation,
        )
        .unwrap()
        .claims;
        prop_assert_eq!(claims["sub"].as_str(), Some(username.as_str()));
        prop_assert_eq!(claims["exp"].as_u64(), Some(NOW + lifetime));
    }
}
