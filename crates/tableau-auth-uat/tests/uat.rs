//! The unified-access-token provider: the JWT it signs (verified with the public key), the
//! bodies it produces, every construction error, key-file rotation and its `Debug`.
//!
//! The keys in `tests/keys/` are throw-away test keys made with `openssl genpkey` for these
//! tests only (see `tests/keys/README.md`); generating RSA keys at test time would be slow in
//! debug builds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use insta::{assert_json_snapshot, assert_snapshot};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::RsaPublicKey;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use secrecy::ExposeSecret;
use serde_json::Value;
use tableau_auth_core::{
    AuthProvider, CredentialFamily, CredentialKind, Credentials, ManualTimeSource, ProviderError,
    Scope, SignInRequest, WireFormat,
};
use tableau_auth_uat::{PrivateKey, UnifiedAccessTokenBuilder, UnifiedAccessTokenProvider};

const KEY_A: &str = include_str!("keys/a.pem");
const KEY_A_PKCS1: &str = include_str!("keys/a.pkcs1.pem");
const PUBLIC_A: &str = include_str!("keys/a.pub.pem");
const KEY_B: &str = include_str!("keys/b.pem");
const PUBLIC_B: &str = include_str!("keys/b.pub.pem");
const EC_KEY: &str = include_str!("keys/ec.pem");
const ENCRYPTED_A: &str = include_str!("keys/a.encrypted.pem");

const ISSUER: &str = "https://uat-issuer.example.com";
const TENANT: &str = "8f9d5e46-1111-4222-8333-444455556666";
const KID: &str = "test-key-2025-12";
const USERNAME: &str = "Jane.Doe@example.com";
/// 2023-11-14T22:13:20Z.
const NOW: u64 = 1_700_000_000;

fn clock() -> ManualTimeSource {
    ManualTimeSource::new(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW))
}

fn builder(clock: &ManualTimeSource) -> UnifiedAccessTokenBuilder {
    UnifiedAccessTokenProvider::builder()
        .issuer(ISSUER)
        .tenant_id(TENANT)
        .key_id(KID)
        .private_key(PrivateKey::from_pem(KEY_A).unwrap())
        .username(USERNAME)
        .scopes([Scope::CONTENT_READ, Scope::USERS_READ])
        .time_source(Arc::new(clock.clone()))
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn token(provider: &UnifiedAccessTokenProvider) -> String {
    let creds = run(provider.credentials()).unwrap();
    assert_eq!(creds.kind(), CredentialKind::UnifiedAccessToken);
    match creds.family() {
        CredentialFamily::UnifiedAccessToken { jwt } => jwt.expose_secret().to_owned(),
        other => panic!("not a UAT: {other:?}"),
    }
}

fn decoding_key(public_pem: &str) -> DecodingKey {
    let public = RsaPublicKey::from_public_key_pem(public_pem).unwrap();
    DecodingKey::from_rsa_der(public.to_pkcs1_der().unwrap().as_bytes())
}

/// Verifies the RS256 signature and the issuer; the times are checked by the callers against
/// the manual clock (jsonwebtoken would compare them with the system clock).
fn try_verify(token: &str, public_pem: &str) -> jsonwebtoken::errors::Result<Value> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["iss", "exp", "nbf"]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, &decoding_key(public_pem), &validation).map(|d| d.claims)
}

fn verify(token: &str, public_pem: &str) -> Value {
    try_verify(token, public_pem).expect("the token verifies with the matching public key")
}

fn message(result: Result<impl std::fmt::Debug, ProviderError>) -> String {
    let err = result.unwrap_err();
    assert!(
        matches!(err, ProviderError::InvalidConfiguration { .. }),
        "{err:?}"
    );
    assert_eq!(err.provider(), "uat");
    err.to_string()
}

#[test]
fn the_token_verifies_with_the_public_key_and_carries_the_documented_claims() {
    let clock = clock();
    let token = token(&builder(&clock).build().unwrap());

    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.kid.as_deref(), Some(KID));

    let claims = verify(&token, PUBLIC_A);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["https://tableau.com/tenantId"], TENANT);
    assert_eq!(claims["email"], USERNAME, "the user name keeps its case");
    assert_eq!(
        claims["scp"],
        serde_json::json!(["tableau:content:read", "tableau:users:read"])
    );
    for time in ["iat", "nbf", "exp"] {
        assert!(claims[time].is_u64(), "{time} is a JSON integer");
    }
    assert_eq!(claims["iat"].as_u64(), Some(NOW));
    assert_eq!(claims["nbf"].as_u64(), Some(NOW));
    assert_eq!(claims["exp"].as_u64(), Some(NOW + 300), "default 5 minutes");
    let jti = uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).unwrap();
    assert_eq!(jti.get_version_num(), 4);
    for absent in ["aud", "sub"] {
        assert!(claims.get(absent).is_none(), "no {absent}");
    }

    // Another key does not verify it.
    assert!(try_verify(&token, PUBLIC_B).is_err());
}

#[test]
fn header_and_claims_snapshot() {
    let clock = clock();
    let token = token(&builder(&clock).build().unwrap());
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    assert_json_snapshot!("header", header);
    assert_json_snapshot!("claims", verify(&token, PUBLIC_A), { ".jti" => "[uuid v4]" });
}

#[test]
fn jti_is_unique_even_within_one_second() {
    let clock = clock();
    let provider = builder(&clock).build().unwrap();
    let first = verify(&token(&provider), PUBLIC_A);
    let second = verify(&token(&provider), PUBLIC_A);
    assert_eq!(first["iat"], second["iat"], "same second");
    assert_ne!(first["jti"], second["jti"]);
}

#[test]
fn times_follow_the_time_source_and_the_lifetime() {
    let clock = clock();
    let provider = builder(&clock)
        .lifetime(Duration::from_millis(599_900))
        .build()
        .unwrap();
    assert_eq!(provider.token_lifetime(), Duration::from_secs(599));
    clock.advance(Duration::from_millis(90_900));
    let claims = verify(&token(&provider), PUBLIC_A);
    assert_eq!(claims["iat"].as_u64(), Some(NOW + 90));
    assert_eq!(claims["nbf"].as_u64(), Some(NOW + 90));
    assert_eq!(claims["exp"].as_u64(), Some(NOW + 90 + 599));

    let provider = builder(&clock)
        .lifetime(Duration::from_secs(1))
        .build()
        .unwrap();
    let claims = verify(&token(&provider), PUBLIC_A);
    assert_eq!(claims["exp"].as_u64(), Some(NOW + 90 + 1));
}

#[test]
fn the_user_name_claim_is_configurable() {
    let clock = clock();
    let provider = builder(&clock).username_claim("sub").build().unwrap();
    assert_eq!(provider.username_claim(), "sub");
    let claims = verify(&token(&provider), PUBLIC_A);
    assert_eq!(claims["sub"], USERNAME);
    assert!(claims.get("email").is_none());
}

#[test]
fn a_pkcs1_key_and_a_one_line_pem_sign_the_same_way() {
    let clock = clock();
    for pem in [
        KEY_A_PKCS1.to_owned(),
        KEY_A.trim_end().replace('\n', "\\n"),
    ] {
        let provider = builder(&clock)
            .private_key(PrivateKey::from_pem(pem).unwrap())
            .build()
            .unwrap();
        verify(&token(&provider), PUBLIC_A);
    }
    // Windows line endings, and text around the block.
    let crlf = format!(
        "Bag Attributes\r\n{}\r\ntrailing",
        KEY_A.replace('\n', "\r\n")
    );
    let provider = builder(&clock)
        .private_key(PrivateKey::from_pem(crlf).unwrap())
        .build()
        .unwrap();
    verify(&token(&provider), PUBLIC_A);
}

#[test]
fn xml_and_json_bodies_say_is_uat() {
    let clock = clock();
    let provider = builder(&clock).site("MarketingTeam").build().unwrap();
    assert_eq!(provider.target().content_url(), "MarketingTeam");
    assert_eq!(provider.target().impersonated_user_id(), None);
    let creds: Credentials = run(provider.credentials()).unwrap();
    let CredentialFamily::UnifiedAccessToken { jwt } = creds.family() else {
        panic!("not a UAT");
    };
    let token = jwt.expose_secret().to_owned();
    for (name, format) in [
        ("xml_body", WireFormat::Xml),
        ("json_body", WireFormat::Json),
    ] {
        let body = SignInRequest::new(&creds).render(format).unwrap();
        assert_snapshot!(name, body.expose_secret().replace(&token, "[signed JWT]"));
    }
}

#[test]
fn debug_shows_the_configuration_never_the_key() {
    let clock = clock();
    let provider = builder(&clock).site("finance").build().unwrap();
    assert_eq!(
        format!("{provider:?}"),
        r#"UnifiedAccessTokenProvider { issuer: "https://uat-issuer.example.com", tenant_id: "8f9d5e46-1111-4222-8333-444455556666", key_id: "test-key-2025-12", username_claim: "email", username: "Jane.Doe@example.com", scopes: ["tableau:content:read", "tableau:users:read"], lifetime: 300s, key: PrivateKey { source: Pem([redacted]) }, time: ManualTimeSource { now: Mutex { data: SystemTime { tv_sec: 1700000000, tv_nsec: 0 }, poisoned: false, .. } }, target: SignInTarget { content_url: "finance", impersonate: None } }"#
    );
    assert_eq!(provider.name(), "uat");
    assert_eq!(
        format!("{:?}", PrivateKey::from_pem(KEY_A).unwrap()),
        "PrivateKey { source: Pem([redacted]) }"
    );
    let builder_debug = format!("{:?}", builder(&clock));
    assert!(
        builder_debug.contains("key: Some(PrivateKey { source: Pem([redacted]) })"),
        "{builder_debug}"
    );
    assert_no_key_material(&builder_debug);
}

#[test]
fn missing_and_blank_settings_are_named_together() {
    assert_snapshot!(
        message(UnifiedAccessTokenProvider::builder().build()),
        @"uat provider is misconfigured: the unified access token's issuer, tenant id, key id, private key, user name and scopes are not set or empty"
    );
    let clock = clock();
    assert_snapshot!(
        message(builder(&clock).issuer(" ").username("").build()),
        @"uat provider is misconfigured: the unified access token's issuer and user name are not set or empty"
    );
    assert_snapshot!(
        message(builder(&clock).key_id("\t").build()),
        @"uat provider is misconfigured: the unified access token's key id is not set or empty"
    );
}

#[test]
fn bad_scopes_user_name_claims_and_lifetimes_are_refused() {
    let clock = clock();
    let none: [&str; 0] = [];
    assert_snapshot!(
        message(builder(&clock).scopes(none).build()),
        @"uat provider is misconfigured: the scope list is empty; Tableau needs at least one scope (for example tableau:content:read)"
    );
    assert_snapshot!(
        message(builder(&clock).scopes(["tableau:content:read", ""]).build()),
        @"uat provider is misconfigured: the scope list contains an empty scope"
    );
    assert_snapshot!(
        message(builder(&clock).scopes(["tableau:content:read", "tableau:Users:read"]).build()),
        @"uat provider is misconfigured: scope 2 in the list is not a scope: scopes are lower case; a scope looks like tableau:<resource>:<action>, for example tableau:content:read, and * may stand for a whole resource or action"
    );
    assert_snapshot!(
        message(builder(&clock).username_claim(" ").build()),
        @"uat provider is misconfigured: the user-name claim's name is empty; the UAT configuration names it (Tableau's default is email)"
    );
    for reserved in [
        "iss",
        "https://tableau.com/tenantId",
        "scp",
        "iat",
        "nbf",
        "exp",
        "jti",
    ] {
        let text = message(builder(&clock).username_claim(reserved).build());
        assert!(
            text.contains("the provider sets that claim itself"),
            "{text}"
        );
    }
    assert_snapshot!(
        message(builder(&clock).username_claim("scp").build()),
        @"uat provider is misconfigured: the user-name claim cannot be scp: the provider sets that claim itself (Tableau's default user-name claim is email)"
    );
    for lifetime in [
        Duration::ZERO,
        Duration::from_millis(999),
        Duration::from_secs(601),
        Duration::from_secs(3600),
    ] {
        let text = message(builder(&clock).lifetime(lifetime).build());
        assert!(text.contains("is out of range"), "{text}");
    }
    assert_snapshot!(
        message(builder(&clock).lifetime(Duration::from_secs(601)).build()),
        @"uat provider is misconfigured: a JWT lifetime of 601s is out of range: the provider signs tokens that live between 1 second and 10 minutes"
    );
}

/// The base64 body of every test key, to look for in outputs.
fn key_bodies() -> Vec<String> {
    [KEY_A, KEY_A_PKCS1, KEY_B, EC_KEY, ENCRYPTED_A]
        .iter()
        .map(|pem| {
            pem.lines()
                .filter(|line| !line.starts_with("-----"))
                .collect::<String>()
        })
        .collect()
}

/// Fails if `output` holds 12 or more consecutive characters of any test key's body.
fn assert_no_key_material(output: &str) {
    const WINDOW: usize = 12;
    let chars: Vec<char> = output.chars().collect();
    for body in key_bodies() {
        for window in chars.windows(WINDOW) {
            let piece: String = window.iter().collect();
            assert!(
                !body.contains(&piece),
                "key material {piece:?} in {output:?}"
            );
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = format!("{err} / {err:?}");
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(" / {cause} / {cause:?}"));
        source = cause.source();
    }
    text
}

#[test]
fn each_unusable_key_says_what_was_expected_and_shows_none_of_it() {
    let damaged = KEY_A.replacen("MII", "MIJ", 1);
    let truncated = &KEY_A[..KEY_A.len() / 2];
    let cases: [(&str, &str); 8] = [
        (
            "not pem",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ",
        ),
        ("public key", PUBLIC_A),
        ("ec key", EC_KEY),
        ("encrypted", ENCRYPTED_A),
        ("damaged", &damaged),
        ("truncated", truncated),
        ("empty", ""),
        (
            "other block",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n",
        ),
    ];
    let mut report = String::new();
    for (name, pem) in cases {
        let err = PrivateKey::from_pem(pem).unwrap_err();
        let text = message(Err::<(), _>(err.clone()));
        assert_no_key_material(&error_chain(&err));
        report.push_str(&format!("{name}: {text}\n"));
    }
    assert_snapshot!(report);
}

/// A scratch directory for key files, inside cargo's target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("uat-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_key_file_is_read_again_at_every_sign_in() {
    let dir = scratch("rotation");
    let path = dir.join("uat-key.pem");
    std::fs::write(&path, KEY_A).unwrap();
    let clock = clock();
    let key = PrivateKey::from_file(&path).unwrap();
    assert_eq!(key.path(), Some(path.as_path()));
    assert_eq!(
        format!("{key:?}"),
        format!("PrivateKey {{ source: File({path:?}) }}")
    );
    let provider = builder(&clock).private_key(key).build().unwrap();
    let first = token(&provider);
    verify(&first, PUBLIC_A);
    assert!(try_verify(&first, PUBLIC_B).is_err());

    // Rotated: the next sign-in signs with the new key.
    std::fs::write(&path, KEY_B).unwrap();
    let second = token(&provider);
    verify(&second, PUBLIC_B);
    assert!(try_verify(&second, PUBLIC_A).is_err());

    // Replaced by something unusable: a configuration error naming the file, at that sign-in.
    std::fs::write(&path, PUBLIC_B).unwrap();
    let err = run(provider.credentials()).unwrap_err();
    assert!(matches!(err, ProviderError::InvalidConfiguration { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "uat provider is misconfigured: the private key file {} is a public key or a \
             certificate; the provider signs with the private key, a PKCS#8 RSA private key \
             (-----BEGIN PRIVATE KEY-----), and the public key belongs on the UAT configuration \
             in Tableau Cloud Manager",
            path.display()
        )
    );

    // Gone: the error names the path and keeps the OS error as its source.
    std::fs::remove_file(&path).unwrap();
    let err = run(provider.credentials()).unwrap_err();
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    let io = std::error::Error::source(&err)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .expect("the io::Error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn an_unusable_key_file_is_refused_when_built() {
    let dir = scratch("files");
    let missing = dir.join("missing.pem");
    let text = message(PrivateKey::from_file(&missing));
    assert!(
        text.starts_with(&format!(
            "uat provider is misconfigured: cannot read the private key file {}: ",
            missing.display()
        )),
        "{text}"
    );
    let binary = dir.join("binary.pem");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x01]).unwrap();
    assert_eq!(
        message(PrivateKey::from_file(&binary)),
        format!(
            "uat provider is misconfigured: the private key file {} is not text (UTF-8); \
             expected a PKCS#8 RSA private key (-----BEGIN PRIVATE KEY-----)",
            binary.display()
        )
    );
    let ec = dir.join("ec.pem");
    std::fs::write(&ec, EC_KEY).unwrap();
    let err = PrivateKey::from_file(&ec).unwrap_err();
    assert!(err.to_string().contains("is not an RSA key"), "{err}");
    assert_no_key_material(&error_chain(&err));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A key text damaged in one of several ways.
    fn damaged_key() -> impl Strategy<Value = String> {
        let keys = prop_oneof![
            Just(KEY_A),
            Just(KEY_B),
            Just(KEY_A_PKCS1),
            Just(EC_KEY),
            Just(ENCRYPTED_A)
        ];
        (keys, 0usize..2000, 0u8..6, "[ -~]{0,3}").prop_map(|(key, at, how, junk)| {
            let at = at % key.len();
            match how {
                // Cut short.
                0 => key[..at].to_owned(),
                // A character replaced.
                1 => format!("{}{junk}{}", &key[..at], &key[at + 1..]),
                // Text inserted.
                2 => format!("{}{junk}{}", &key[..at], &key[at..]),
                // Lines dropped from the middle.
                3 => key
                    .lines()
                    .enumerate()
                    .filter(|(i, _)| i % 7 != at % 7)
                    .map(|(_, l)| l)
                    .collect::<Vec<_>>()
                    .join("\n"),
                // Relabelled.
                4 => key.replace("PRIVATE KEY", &format!("{junk}PRIVATE KEY")),
                // The body alone.
                _ => key
                    .lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn no_key_material_in_any_error_or_debug(text in damaged_key()) {
            match PrivateKey::from_pem(text.as_str()) {
                Ok(key) => {
                    assert_no_key_material(&format!("{key:?}"));
                    let clock = clock();
                    let builder = builder(&clock).private_key(key);
                    assert_no_key_material(&format!("{builder:?}"));
                    let provider = builder.build().unwrap();
                    assert_no_key_material(&format!("{provider:?}"));
                    match run(provider.credentials()) {
                        Ok(creds) => assert_no_key_material(&format!("{creds:?}")),
                        Err(err) => assert_no_key_material(&error_chain(&err)),
                    }
                }
                Err(err) => {
                    prop_assert!(matches!(err, ProviderError::InvalidConfiguration { .. }), "{:?}", err);
                    prop_assert!(err.to_string().contains("a PKCS#8 RSA private key"), "{}", err);
                    assert_no_key_material(&error_chain(&err));
                }
            }
        }
    }
}
