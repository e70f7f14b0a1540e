//! Connected-app JWT sign-in over a real socket: acceptance and every rejection reason of
//! docs/protocol.md section 9. JWTs are minted by hand (`common::mint_jwt`) so each claim can be broken on purpose.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{JWT_SECRET as SECRET, SEED, START, attr, mint_jwt as mint};
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use tableau_mock_server::{ConnectedApp, MockServer};

fn header() -> Value {
    json!({"alg": "HS256", "typ": "JWT", "kid": "kid-1", "iss": "client-1"})
}

fn claims(now: i64) -> Value {
    json!({
        "iss": "client-1",
        "sub": "admin",
        "aud": "tableau",
        "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(),
        "scp": ["tableau:content:read"],
    })
}

async fn mock() -> MockServer {
    let mock = MockServer::builder()
        .seed_toml(SEED)
        .fixed_start(START)
        .start()
        .await;
    mock.create_connected_app(ConnectedApp {
        site: "".into(),
        client_id: "client-off".into(),
        secret_id: "kid-off".into(),
        secret_value: SECRET.into(),
        enabled: false,
    })
    .await;
    mock.create_connected_app(ConnectedApp {
        site: "analytics".into(),
        client_id: "client-a".into(),
        secret_id: "kid-a".into(),
        secret_value: SECRET.into(),
        enabled: true,
    })
    .await;
    mock
}

async fn sign_in(mock: &MockServer, jwt: &str, json_body: bool) -> (u16, String) {
    let request = reqwest::Client::new().post(format!("{}/api/3.27/auth/signin", mock.uri()));
    let request = if json_body {
        request.header("content-type", "application/json").body(
            json!({"credentials": {"jwt": jwt, "isUat": false, "site": {"contentUrl": ""}}})
                .to_string(),
        )
    } else {
        request
            .header("content-type", "application/xml")
            .body(format!(r#"<tsRequest><credentials jwt="{jwt}" isUat="false"><site contentUrl=""/></credentials></tsRequest>"#))
    };
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_valid_jwt_signs_in_once() {
    let mock = mock().await;
    let now = mock.now().await.unix_timestamp();
    let jwt = mint(&header(), &claims(now), SECRET, Algorithm::HS256);
    let (status, body) = sign_in(&mock, &jwt, false).await;
    assert_eq!(status, 200, "{body}");
    assert!(attr(&body, "token").is_some());
    assert!(
        attr(&body, "estimatedTimeToExpiration").is_none(),
        "PAT sign-ins only"
    );
    let (status, body) = sign_in(&mock, &jwt, true).await;
    assert_eq!(
        (status, attr(&body, "code").as_deref()),
        (401, Some("401001")),
        "replay refused: {body}"
    );
    let jwt = mint(&header(), &claims(now), SECRET, Algorithm::HS256);
    assert_eq!(
        sign_in(&mock, &jwt, true).await.0,
        200,
        "JSON body, fresh jti"
    );
}

#[tokio::test]
async fn every_rejection_reason_is_401001() {
    let mock = mock().await;
    let now = mock.now().await.unix_timestamp();
    let with = |f: &dyn Fn(&mut Value, &mut Value)| {
        let (mut h, mut c) = (header(), claims(now));
        f(&mut h, &mut c);
        mint(&h, &c, SECRET, Algorithm::HS256)
    };
    let cases: Vec<(&str, String)> = vec![
        ("HS512", {
            let mut h = header();
            h["alg"] = json!("HS512");
            mint(&h, &claims(now), SECRET, Algorithm::HS512)
        }),
        (
            "alg none",
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"kid-1"}"#),
                URL_SAFE_NO_PAD.encode(claims(now).to_string())
            ),
        ),
        ("not a JWT", "not-a-jwt".into()),
        (
            "no kid",
            with(&|h, _| {
                h.as_object_mut().unwrap().remove("kid");
            }),
        ),
        ("unknown kid", with(&|h, _| h["kid"] = json!("kid-x"))),
        (
            "disabled app",
            with(&|h, c| {
                h["kid"] = json!("kid-off");
                c["iss"] = json!("client-off");
            }),
        ),
        (
            "app of another site",
            with(&|h, c| {
                h["kid"] = json!("kid-a");
                c["iss"] = json!("client-a");
            }),
        ),
        (
            "bad signature",
            mint(&header(), &claims(now), "wrong-secret", Algorithm::HS256),
        ),
        (
            "base64-decoded key",
            mint(&header(), &claims(now), "secret-value", Algorithm::HS256),
        ),
        ("wrong iss", with(&|_, c| c["iss"] = json!("client-2"))),
        ("wrong aud", with(&|_, c| c["aud"] = json!("tableau-cloud"))),
        (
            "no exp",
            with(&|_, c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        (
            "float exp",
            with(&|_, c| c["exp"] = json!(now as f64 + 300.5)),
        ),
        (
            "expired past leeway",
            with(&|_, c| c["exp"] = json!(now - 31)),
        ),
        (
            "exp too far ahead",
            with(&|_, c| c["exp"] = json!(now + 631)),
        ),
        (
            "no jti",
            with(&|_, c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
        ),
        (
            "no scp",
            with(&|_, c| {
                c.as_object_mut().unwrap().remove("scp");
            }),
        ),
        ("empty scp", with(&|_, c| c["scp"] = json!([]))),
        (
            "scp not an array",
            with(&|_, c| c["scp"] = json!("tableau:content:read")),
        ),
        ("unknown sub", with(&|_, c| c["sub"] = json!("nobody"))),
        (
            "sub is case-sensitive",
            with(&|_, c| c["sub"] = json!("Admin")),
        ),
        (
            "sub on another site only",
            with(&|_, c| c["sub"] = json!("ghost")),
        ),
    ];
    for (reason, jwt) in cases {
        let (status, body) = sign_in(&mock, &jwt, false).await;
        assert_eq!(
            (status, attr(&body, "code").as_deref()),
            (401, Some("401001")),
            "{reason}: {body}"
        );
    }
    // Within the leeway, and an array aud, are accepted.
    assert_eq!(
        sign_in(&mock, &with(&|_, c| c["exp"] = json!(now - 29)), false)
            .await
            .0,
        200
    );
    assert_eq!(
        sign_in(&mock, &with(&|_, c| c["aud"] = json!(["tableau"])), false)
            .await
            .0,
        200
    );
    assert_eq!(
        sign_in(&mock, &with(&|_, c| c["exp"] = json!(now + 600)), false)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn jwt_expiry_follows_the_virtual_clock_and_isuat_true_is_refused() {
    let mock = mock().await;
    let now = mock.now().await.unix_timestamp();
    let jwt = mint(&header(), &claims(now), SECRET, Algorithm::HS256);
    mock.advance_clock(std::time::Duration::from_secs(331))
        .await;
    assert_eq!(sign_in(&mock, &jwt, false).await.0, 401);
    let now = mock.now().await.unix_timestamp();
    let jwt = mint(&header(), &claims(now), SECRET, Algorithm::HS256);
    let response = reqwest::Client::new()
        .post(format!("{}/api/3.27/auth/signin", mock.uri()))
        .body(format!(r#"<tsRequest><credentials jwt="{jwt}" isUat="true"><site contentUrl=""/></credentials></tsRequest>"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        sign_in(&mock, &jwt, false).await.0,
        200,
        "isUat=true did not burn the jti"
    );
}

#[tokio::test]
async fn jwt_needs_3_17_on_the_server() {
    let mock = MockServer::builder()
        .seed_toml(SEED)
        .fixed_start(START)
        .api_version("3.16")
        .start()
        .await;
    let jwt = mint(
        &header(),
        &claims(START.unix_timestamp()),
        SECRET,
        Algorithm::HS256,
    );
    let response = reqwest::Client::new()
        .post(format!("{}/api/3.16/auth/signin", mock.uri()))
        .body(format!(
            r#"<tsRequest><credentials jwt="{jwt}"><site contentUrl=""/></credentials></tsRequest>"#
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.text().await.unwrap().contains("401001"));
}
