//! Unified access tokens (docs/protocol.md section 15) over a real socket: a valid UAT signs in
//! (XML and JSON) on the cloud flavour, every rejection is 401001 with its reason in the request
//! log, the server flavour and servers older than 3.27 refuse UATs, and configurations come from
//! the control API and seed files (PEM or JWKS) and go away on reset.
//!
//! The keys in `tests/keys/uat-*.pem` are throw-away RSA 2048 keys made with `openssl genpkey`
//! for these tests only; UATs are minted by hand so each claim can be broken on purpose.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use tableau_mock_server::{MockServer, MockServerBuilder, UatConfig};

const KEY_A: &str = include_str!("keys/uat-a.pem");
const PUBLIC_A: &str = include_str!("keys/uat-a.pub.pem");
const KEY_B: &str = include_str!("keys/uat-b.pem");
const PUBLIC_B: &str = include_str!("keys/uat-b.pub.pem");

const ISSUER: &str = "https://idp.example";
const TENANT: &str = "tenant-1";
const KID: &str = "key-a";
const START: time::OffsetDateTime = time::macros::datetime!(2026-11-28 10:00:00 UTC);
/// A user of the cloud data set (`analytics`), by e-mail.
const USER: &str = "admin@example.com";

fn encoding_key(private_pem: &str) -> EncodingKey {
    let key = RsaPrivateKey::from_pkcs8_pem(private_pem).unwrap();
    EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes())
}

fn mint_with(private_pem: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &encoding_key(private_pem)).unwrap()
}

fn mint(claims: &Value) -> String {
    mint_with(KEY_A, Some(KID), claims)
}

/// The claims of a valid UAT at `now`, as the provider mints them.
fn claims(now: i64) -> Value {
    json!({
        "iss": ISSUER,
        "https://tableau.com/tenantId": TENANT,
        "email": USER,
        "scp": ["tableau:content:read", "tableau:users:read"],
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

fn config() -> UatConfig {
    UatConfig::with_pem("ci", ISSUER, TENANT, KID, PUBLIC_A)
}

fn cloud() -> MockServerBuilder {
    MockServer::builder().cloud().fixed_start(START)
}

async fn cloud_mock() -> MockServer {
    let mock = cloud().start().await;
    mock.create_uat_config(config()).await;
    mock
}

async fn now(mock: &MockServer) -> i64 {
    mock.now().await.unix_timestamp()
}

async fn sign_in(mock: &MockServer, jwt: &str, json_body: bool) -> (u16, String) {
    let request = reqwest::Client::new().post(format!("{}/api/3.27/auth/signin", mock.uri()));
    let request = if json_body {
        request
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(
            json!({"credentials": {"jwt": jwt, "isUat": true, "site": {"contentUrl": "analytics"}}})
                .to_string(),
        )
    } else {
        request.header("content-type", "application/xml").body(format!(
            r#"<tsRequest><credentials jwt="{jwt}" isUat="true"><site contentUrl="analytics"/></credentials></tsRequest>"#
        ))
    };
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The last request's status and refusal reason.
async fn last_refusal(mock: &MockServer) -> (Option<u16>, Option<String>) {
    let log = mock.requests().await;
    let last = log.last().unwrap();
    (last.status, last.refusal.clone())
}

async fn expect_refused(mock: &MockServer, jwt: &str, reason: &str) {
    let (status, body) = sign_in(mock, jwt, false).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains(r#"code="401001""#), "{body}");
    assert!(!body.contains(reason), "the wire does not say why: {body}");
    let (logged, refusal) = last_refusal(mock).await;
    assert_eq!(logged, Some(401));
    assert_eq!(refusal.as_deref(), Some(reason));
}

#[tokio::test]
async fn a_valid_uat_signs_in_in_xml_and_json_as_a_uat_session_with_its_scopes() {
    let mock = cloud_mock().await;
    let now = now(&mock).await;
    let (status, body) = sign_in(&mock, &mint(&claims(now)), false).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<credentials token="), "{body}");
    assert!(
        !body.contains("estimatedTimeToExpiration"),
        "PAT sign-ins only"
    );
    let (status, body) = sign_in(&mock, &mint(&claims(now)), true).await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();

    let sessions = mock.sessions().await;
    assert_eq!(sessions.len(), 2);
    for session in &sessions {
        assert_eq!(
            (
                session.credential.as_str(),
                session.user.as_str(),
                session.site.as_str()
            ),
            ("uat", USER, "analytics")
        );
    }
    // The control API lists them the same way.
    let listed: Value = reqwest::get(format!("{}/_mock/sessions", mock.uri()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["credential"], "uat");

    // The session carries the UAT's scopes: with tableau:users:read the user look-up works,
    // without it the same call is 401002.
    let look_up = |answer: Value| {
        let url = format!(
            "{}/api/3.27/sites/{}/users/{}",
            mock.uri(),
            answer["credentials"]["site"]["id"].as_str().unwrap(),
            answer["credentials"]["user"]["id"].as_str().unwrap()
        );
        let token = answer["credentials"]["token"].as_str().unwrap().to_owned();
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .header("x-tableau-auth", token)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(look_up(answer).await.0, 200);
    let mut narrow = claims(now);
    narrow["scp"] = json!(["tableau:content:read"]);
    let (status, body) = sign_in(&mock, &mint(&narrow), true).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = look_up(serde_json::from_str(&body).unwrap()).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("401002"), "{body}");
    let (_, refusal) = last_refusal(&mock).await;
    assert_eq!(
        refusal.as_deref(),
        Some("the JWT's scopes (scp) do not allow the call")
    );
}

#[tokio::test]
async fn every_rejection_is_401001_with_its_reason_in_the_request_log() {
    let mock = cloud_mock().await;
    let now = now(&mock).await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = claims(now);
        change(&mut claims);
        mint(&claims)
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong key",
            mint_with(KEY_B, Some(KID), &claims(now)),
            "bad signature",
        ),
        (
            "unknown kid",
            mint_with(KEY_B, Some("key-b"), &claims(now)),
            "kid names no key of a UAT configuration",
        ),
        (
            "no kid",
            mint_with(KEY_A, None, &claims(now)),
            "kid names no key of a UAT configuration",
        ),
        (
            "wrong issuer",
            with(&|c| c["iss"] = json!("https://other.example")),
            "iss is not the configuration's issuer",
        ),
        (
            "wrong tenant",
            with(&|c| c["https://tableau.com/tenantId"] = json!("tenant-2")),
            "https://tableau.com/tenantId is not the configuration's tenant",
        ),
        (
            "no tenant",
            with(&|c| {
                c.as_object_mut()
                    .unwrap()
                    .remove("https://tableau.com/tenantId");
            }),
            "https://tableau.com/tenantId is not the configuration's tenant",
        ),
        (
            "expired beyond the leeway",
            with(&|c| c["exp"] = json!(now - 31)),
            "expired",
        ),
        (
            "exp more than 10 minutes ahead",
            with(&|c| c["exp"] = json!(now + 631)),
            "exp too far ahead",
        ),
        (
            "exp not an integer",
            with(&|c| c["exp"] = json!("soon")),
            "exp missing or not an integer",
        ),
        (
            "nbf in the future",
            with(&|c| c["nbf"] = json!(now + 31)),
            "not valid yet (nbf)",
        ),
        ("no jti", with(&|c| c["jti"] = json!("")), "jti missing"),
        (
            "unknown user",
            with(&|c| c["email"] = json!("nobody@example.com")),
            "the user-name claim names no user of the site",
        ),
        (
            "user name in sub instead of email",
            with(&|c| {
                c.as_object_mut().unwrap().remove("email");
                c["sub"] = json!(USER);
            }),
            "the user-name claim names no user of the site",
        ),
        (
            "empty scp",
            with(&|c| c["scp"] = json!([])),
            "scp missing or empty",
        ),
        (
            "scp a string",
            with(&|c| c["scp"] = json!("tableau:content:read")),
            "scp missing or empty",
        ),
    ];
    for (case, jwt, reason) in cases {
        let (status, body) = sign_in(&mock, &jwt, false).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert!(body.contains(r#"code="401001""#), "{case}: {body}");
        let (_, refusal) = last_refusal(&mock).await;
        assert_eq!(
            refusal.as_deref(),
            Some(format!("unified access token refused: {reason}").as_str()),
            "{case}"
        );
    }
    assert!(mock.sessions().await.is_empty(), "no session was created");

    // An HS256 token (a connected app's kind) sent as a UAT.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(now),
        &EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    expect_refused(&mock, &hs, "unified access token refused: alg is not RS256").await;
    expect_refused(
        &mock,
        "not.a.jwt",
        "unified access token refused: malformed JWT",
    )
    .await;
}

#[tokio::test]
async fn a_replayed_jti_is_refused_and_a_refused_token_does_not_burn_its_jti() {
    let mock = cloud_mock().await;
    let now = now(&mock).await;
    let mut first = claims(now);
    first["jti"] = json!("the-one-jti");
    let jwt = mint(&first);
    // Refused for another reason first (wrong tenant): the jti stays unused.
    let mut wrong = first.clone();
    wrong["https://tableau.com/tenantId"] = json!("tenant-2");
    assert_eq!(sign_in(&mock, &mint(&wrong), false).await.0, 401);
    assert_eq!(sign_in(&mock, &jwt, false).await.0, 200);
    expect_refused(&mock, &jwt, "unified access token refused: jti replayed").await;
    // The same jti in a new token (JSON this time) is a replay too.
    let mut again = claims(now);
    again["jti"] = json!("the-one-jti");
    let (status, _) = sign_in(&mock, &mint(&again), true).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_clock_is_the_mocks_with_30_seconds_of_leeway() {
    let mock = cloud_mock().await;
    let now = now(&mock).await;
    let mut late = claims(now);
    late["exp"] = json!(now - 20);
    late["nbf"] = json!(now - 320);
    assert_eq!(
        sign_in(&mock, &mint(&late), false).await.0,
        200,
        "within leeway"
    );
    let mut early = claims(now);
    early["nbf"] = json!(now + 20);
    assert_eq!(
        sign_in(&mock, &mint(&early), false).await.0,
        200,
        "within leeway"
    );
    let mut longest = claims(now);
    longest["exp"] = json!(now + 600);
    assert_eq!(
        sign_in(&mock, &mint(&longest), false).await.0,
        200,
        "10 minutes"
    );

    // A token minted now is stale once the mock's clock has moved 10 minutes.
    let jwt = mint(&claims(now));
    mock.advance_clock(Duration::from_secs(600)).await;
    expect_refused(&mock, &jwt, "unified access token refused: expired").await;
}

#[tokio::test]
async fn the_configuration_decides_the_user_claim_the_scopes_and_whether_it_is_on() {
    let mock = cloud().start().await;
    let control = mock.control_client();
    let mut by_sub = UatConfig::with_pem("by-sub", ISSUER, TENANT, "key-b", PUBLIC_B);
    by_sub.username_claim = "sub".to_owned();
    by_sub.scopes = Some(vec!["tableau:content:*".to_owned()]);
    let info = control.create_uat_config(by_sub).await.unwrap();
    assert_eq!(info.key_ids, ["key-b"]);
    assert_eq!(info.username_claim, "sub");
    let now = now(&mock).await;
    let base = || {
        let mut c = claims(now);
        c.as_object_mut().unwrap().remove("email");
        c["sub"] = json!(USER);
        c["scp"] = json!(["tableau:content:read"]);
        c
    };
    assert_eq!(
        sign_in(&mock, &mint_with(KEY_B, Some("key-b"), &base()), false)
            .await
            .0,
        200
    );
    // sub is case-sensitive (the user name as stored).
    let mut shouted = base();
    shouted["sub"] = json!("ADMIN@example.com");
    expect_refused(
        &mock,
        &mint_with(KEY_B, Some("key-b"), &shouted),
        "unified access token refused: the user-name claim names no user of the site",
    )
    .await;
    // A scope outside tableau:content:* is not allowed, nor a wider one than allowed.
    for scp in [json!(["tableau:users:read"]), json!(["tableau:*:read"])] {
        let mut wide = base();
        wide["scp"] = scp;
        expect_refused(
            &mock,
            &mint_with(KEY_B, Some("key-b"), &wide),
            "unified access token refused: scp asks for a scope the configuration does not allow",
        )
        .await;
    }

    // A disabled configuration refuses every token.
    let mut off = UatConfig::with_pem("off", ISSUER, TENANT, "key-a", PUBLIC_A);
    off.enabled = false;
    mock.create_uat_config(off).await;
    expect_refused(
        &mock,
        &mint(&claims(now)),
        "unified access token refused: the UAT configuration is disabled",
    )
    .await;
}

#[tokio::test]
async fn a_jwks_configuration_picks_the_key_by_kid() {
    let mock = cloud().start().await;
    let jwk = |kid: &str, public_pem: &str| {
        let public = RsaPublicKey::from_public_key_pem(public_pem).unwrap();
        json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    };
    let answer = reqwest::Client::new()
        .post(format!("{}/_mock/uat-configs", mock.uri()))
        .json(&json!({
            "name": "jwks", "issuer": ISSUER, "tenantId": TENANT,
            "jwks": {"keys": [jwk("key-a", PUBLIC_A), jwk("key-b", PUBLIC_B)]},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let info: Value = answer.json().await.unwrap();
    assert_eq!(info["keyIds"], json!(["key-a", "key-b"]));
    assert_eq!(info["usernameClaim"], "email", "the default");
    assert_eq!(info["scopes"], Value::Null, "any scope");
    let now = now(&mock).await;
    for (key, kid) in [(KEY_A, "key-a"), (KEY_B, "key-b")] {
        let (status, body) = sign_in(&mock, &mint_with(key, Some(kid), &claims(now)), true).await;
        assert_eq!(status, 200, "{kid}: {body}");
    }
    expect_refused(
        &mock,
        &mint_with(KEY_A, Some("key-b"), &claims(now)),
        "unified access token refused: bad signature",
    )
    .await;
}

#[tokio::test]
async fn the_control_api_refuses_unusable_configurations_and_says_why() {
    let mock = cloud_mock().await;
    let post = |body: Value| {
        let url = format!("{}/_mock/uat-configs", mock.uri());
        async move {
            let answer = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap();
            (
                status,
                body["error"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    let base = json!({"name": "x", "issuer": ISSUER, "tenantId": TENANT, "keyId": "k", "publicKeyPem": PUBLIC_A});
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = base.clone();
        change(&mut body);
        body
    };
    let private = RsaPrivateKey::from_pkcs8_pem(KEY_A).unwrap();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with(&|b| b["name"] = json!("ci")),
            409,
            "UAT configuration 'ci' exists",
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("keyId");
            }),
            400,
            "keyId is required with publicKeyPem",
        ),
        (
            with(&|b| b["publicKeyPem"] = json!(KEY_A)),
            400,
            "publicKeyPem is not an RSA public key",
        ),
        (with(&|b| b["jwks"] = json!({"keys": []})), 400, "not both"),
        (
            with(&|b| {
                let o = b.as_object_mut().unwrap();
                o.remove("keyId");
                o.remove("publicKeyPem");
            }),
            400,
            "needs publicKeyPem (with keyId) or jwks",
        ),
        (
            json!({"name": "x", "issuer": ISSUER, "tenantId": TENANT, "jwks": {"keys": [{
                "kty": "RSA", "kid": "k",
                "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
                "d": URL_SAFE_NO_PAD.encode(private.d().to_bytes_be()),
            }]}}),
            400,
            "holds private key material",
        ),
        (
            json!({"name": "x", "issuer": ISSUER, "tenantId": TENANT, "jwks": {"keys": [{"kty": "EC", "kid": "k"}]}}),
            400,
            "is not an RSA key",
        ),
        (
            json!({"name": "x", "issuer": ISSUER, "tenantId": TENANT, "jwks": {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}}),
            400,
            "has no kid",
        ),
        (
            with(&|b| b["scopes"] = json!(["tableau:content"])),
            400,
            "not of the form tableau:<resource>:<action>",
        ),
        (
            with(&|b| b["scopes"] = json!([])),
            400,
            "scopes must not be empty",
        ),
        (
            with(&|b| b["issuer"] = json!("")),
            400,
            "issuer must not be empty",
        ),
        (with(&|b| b["kid"] = json!("k")), 400, "unknown field `kid`"),
    ];
    for (body, status, message) in cases {
        let (got_status, got_message) = post(body.clone()).await;
        assert_eq!(got_status, status, "{body}: {got_message}");
        assert!(got_message.contains(message), "{got_message} / {message}");
        assert!(
            !got_message.contains("MII"),
            "no key material echoed: {got_message}"
        );
    }
}

#[tokio::test]
async fn the_server_flavour_refuses_uats_whatever_it_holds() {
    let mock = MockServer::builder().fixed_start(START).start().await;
    mock.create_uat_config(config()).await;
    mock.create_site("cloudish", "Cloudish").await;
    let now = now(&mock).await;
    let request = format!(
        r#"<tsRequest><credentials jwt="{}" isUat="true"><site contentUrl=""/></credentials></tsRequest>"#,
        mint(&claims(now))
    );
    let response = reqwest::Client::new()
        .post(format!("{}/api/3.27/auth/signin", mock.uri()))
        .header("content-type", "application/xml")
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.text().await.unwrap().contains("401001"));
    assert_eq!(
        last_refusal(&mock).await.1.as_deref(),
        Some("Tableau Server has no unified access tokens")
    );
}

#[tokio::test]
async fn a_cloud_older_than_3_27_refuses_uats() {
    let mock = cloud().api_version("3.26").start().await;
    mock.create_uat_config(config()).await;
    let now = now(&mock).await;
    let request = reqwest::Client::new()
        .post(format!("{}/api/3.26/auth/signin", mock.uri()))
        .header("content-type", "application/json")
        .body(
            json!({"credentials": {"jwt": mint(&claims(now)), "isUat": true, "site": {"contentUrl": "analytics"}}})
                .to_string(),
        );
    assert_eq!(request.send().await.unwrap().status(), 401);
    assert_eq!(
        last_refusal(&mock).await.1.as_deref(),
        Some("server version below 3.27 has no unified access token sign-in")
    );
}

#[tokio::test]
async fn seed_configurations_survive_reset_and_control_api_ones_do_not() {
    let seed = format!(
        r#"
[[sites]]
contentUrl = "analytics"
name = "Analytics"

[[users]]
site = "analytics"
name = "admin@example.com"
email = "admin@example.com"

[[uatConfigs]]
name = "seeded"
issuer = "{ISSUER}"
tenantId = "{TENANT}"
keyId = "key-a"
publicKeyPem = """
{PUBLIC_A}"""
scopes = ["tableau:content:read", "tableau:users:*"]
"#
    );
    let mock = cloud().seed_toml(&seed).start().await;
    mock.create_uat_config(UatConfig::with_pem(
        "added", ISSUER, TENANT, "key-b", PUBLIC_B,
    ))
    .await;
    let now = now(&mock).await;
    assert_eq!(sign_in(&mock, &mint(&claims(now)), false).await.0, 200);
    let jwt_b = |now: i64| mint_with(KEY_B, Some("key-b"), &claims(now));
    assert_eq!(sign_in(&mock, &jwt_b(now), false).await.0, 200);

    mock.reset().await;
    assert!(mock.sessions().await.is_empty());
    assert_eq!(sign_in(&mock, &mint(&claims(now)), false).await.0, 200);
    expect_refused(
        &mock,
        &jwt_b(now),
        "unified access token refused: kid names no key of a UAT configuration",
    )
    .await;
    // After the reset the name is free again.
    mock.create_uat_config(UatConfig::with_pem(
        "added", ISSUER, TENANT, "key-b", PUBLIC_B,
    ))
    .await;
    assert_eq!(sign_in(&mock, &jwt_b(now), false).await.0, 200);
}

#[tokio::test]
async fn a_seed_with_a_bad_uat_configuration_is_refused() {
    let seed = r#"
[[sites]]
contentUrl = "analytics"
name = "Analytics"

[[uatConfigs]]
name = "bad"
issuer = "i"
tenantId = "t"
keyId = "k"
publicKeyPem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"
"#;
    let error = cloud().seed_toml(seed).try_start().await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error
            .to_string()
            .contains("publicKeyPem is not an RSA public key"),
        "{error}"
    );
}

/// Any claim of a valid UAT replaced by a value of any JSON type, and tokens that are not JWTs
/// at all: the answer is 200 (when the change happens to keep the token valid, such as another
/// `jti`) or 401001 with a UAT refusal in the log; never a 5xx, never a panic.
#[test]
fn hostile_uats_get_401001_and_never_break_the_server() {
    use proptest::prelude::*;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(cloud_mock());
    let now = rt.block_on(now(&mock));
    let value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,24}".prop_map(Value::from),
        proptest::collection::vec(".{0,12}".prop_map(Value::from), 0..3).prop_map(Value::from),
        Just(json!({"nested": {"deeper": [1, 2]}})),
    ];
    let claim = prop_oneof![
        Just("iss"),
        Just("https://tableau.com/tenantId"),
        Just("email"),
        Just("scp"),
        Just("exp"),
        Just("nbf"),
        Just("jti"),
    ];
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        claim in claim,
        value in value,
        remove in any::<bool>(),
        junk in "[A-Za-z0-9_=.-]{0,200}",
        raw in any::<bool>(),
    )| {
        let jwt = if raw {
            junk
        } else {
            let mut claims = claims(now);
            if remove {
                claims.as_object_mut().unwrap().remove(claim);
            } else {
                claims[claim] = value;
            }
            mint(&claims)
        };
        let (status, body) = rt.block_on(sign_in(&mock, &jwt, true));
        prop_assert!(status == 200 || status == 401, "{status}: {body}");
        if status == 401 {
            prop_assert!(body.contains("401001"), "{body}");
            let (_, refusal) = rt.block_on(last_refusal(&mock));
            let refusal = refusal.unwrap_or_default();
            prop_assert!(refusal.starts_with("unified access token refused: "), "{refusal}");
        }
    });
    rt.block_on(mock.shutdown());
}
