//! The control API of docs/mock-server.md, through `oneshot`.

mod common;

use common::*;
use serde_json::json;

async fn post(app: &axum::Router, path: &str, body: serde_json::Value) -> Answer {
    call(
        app,
        "POST",
        path,
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await
}

#[tokio::test]
async fn sites_users_tokens_and_apps() {
    let state = state();
    let app = app(&state);
    assert_eq!(
        call(&app, "GET", "/_mock/health", &[], "").await.json(),
        json!({"status": "ok"})
    );

    let site = post(
        &app,
        "/_mock/sites",
        json!({"contentUrl": "finance", "name": "Finance"}),
    )
    .await;
    assert_eq!(site.status, 201);
    assert_eq!(site.json()["contentUrl"], "finance");
    assert!(uuid::Uuid::parse_str(site.json()["id"].as_str().unwrap()).is_ok());
    assert_eq!(
        post(
            &app,
            "/_mock/sites",
            json!({"contentUrl": "FINANCE", "name": "x"})
        )
        .await
        .status,
        409
    );

    let user = post(
        &app,
        "/_mock/users",
        json!({"site": "finance", "name": "ana", "password": "pw"}),
    )
    .await;
    assert_eq!(user.status, 201);
    assert_eq!(user.json()["siteRole"], "Creator");
    assert_eq!(user.json()["site"], "finance");
    assert_eq!(
        post(
            &app,
            "/_mock/users",
            json!({"site": "finance", "name": "ANA"})
        )
        .await
        .status,
        409
    );
    assert_eq!(
        post(
            &app,
            "/_mock/users",
            json!({"site": "nowhere", "name": "bo"})
        )
        .await
        .status,
        404
    );
    let bad_role = post(
        &app,
        "/_mock/users",
        json!({"site": "finance", "name": "bo", "siteRole": "Boss"}),
    )
    .await;
    assert_eq!(bad_role.status, 400);
    let message = bad_role.json()["error"].as_str().unwrap().to_owned();
    assert!(message.contains("Boss"), "{message}");
    // The refusal lists the roles there are, so the caller need not look them up.
    for role in [
        "Creator",
        "Explorer",
        "Viewer",
        "SiteAdministratorCreator",
        "Unlicensed",
    ] {
        assert!(message.contains(role), "{message}");
    }
    assert_eq!(
        post(
            &app,
            "/_mock/users",
            json!({"site": "finance", "name": "bo", "extra": 1})
        )
        .await
        .status,
        400
    );

    let token = post(
        &app,
        "/_mock/tokens",
        json!({"site": "finance", "user": "ana", "name": "ci", "expiresInDays": 30}),
    )
    .await;
    assert_eq!(token.status, 201);
    let token = token.json();
    assert_eq!(token["expiresAt"], "2026-12-28T10:00:00Z");
    let secret = token["secret"].as_str().unwrap();
    let signed_in = call(
        &app,
        "POST",
        "/api/3.27/auth/signin",
        XML,
        pat_xml("ci", secret, "finance"),
    )
    .await;
    assert_eq!(signed_in.status, 200);
    assert_eq!(
        attr(&signed_in.body, "estimatedTimeToExpiration").as_deref(),
        Some("30:00:00")
    );
    assert_eq!(
        post(
            &app,
            "/_mock/tokens",
            json!({"site": "finance", "user": "ana", "name": "ci"})
        )
        .await
        .status,
        409
    );
    assert_eq!(
        post(
            &app,
            "/_mock/tokens",
            json!({"site": "finance", "user": "zed", "name": "ci"})
        )
        .await
        .status,
        404
    );
    let revoke = json!({"site": "finance", "user": "ana", "name": "ci"});
    let revoked = post(&app, "/_mock/tokens/revoke", revoke.clone()).await;
    assert_eq!((revoked.status.as_u16(), revoked.body.as_str()), (204, ""));
    assert_eq!(post(&app, "/_mock/tokens/revoke", revoke).await.status, 404);
    assert_tableau_error(
        &call(
            &app,
            "GET",
            "/api/3.27/sessions/current",
            &[("x-tableau-auth", &signed_in.token())],
            "",
        )
        .await,
        "401002",
    );

    let app_body = json!({"site": "finance", "clientId": "c", "secretId": "k", "secretValue": "v", "enabled": true});
    let created = post(&app, "/_mock/connected-apps", app_body.clone()).await;
    assert_eq!(created.status, 201);
    assert!(
        !created.body.contains("\"v\""),
        "the secret value is not echoed"
    );
    assert_eq!(
        post(&app, "/_mock/connected-apps", app_body).await.status,
        409
    );
}

#[tokio::test]
async fn clock_faults_requests_and_reset() {
    let state = state();
    let app = app(&state);
    assert_eq!(
        call(&app, "GET", "/_mock/clock", &[], "").await.json(),
        json!({"now": "2026-11-28T10:00:00Z", "offsetSeconds": 0})
    );
    let advanced = post(&app, "/_mock/clock/advance", json!({"seconds": 86400})).await;
    assert_eq!(
        advanced.json(),
        json!({"now": "2026-11-29T10:00:00Z", "offsetSeconds": 86400})
    );
    assert_eq!(
        post(&app, "/_mock/clock/advance", json!({"seconds": -1}))
            .await
            .status,
        400
    );

    let fault = post(
        &app,
        "/_mock/faults",
        json!({"path": "/serverinfo", "status": 429, "retryAfter": 7, "times": 1}),
    )
    .await;
    assert_eq!(fault.status, 201);
    assert_eq!(
        post(&app, "/_mock/faults", json!({"path": "/x", "status": 1000}))
            .await
            .status,
        400
    );
    assert_eq!(
        post(&app, "/_mock/faults", json!({"status": 500}))
            .await
            .status,
        400,
        "path is required"
    );
    let throttled = call(
        &app,
        "GET",
        "/api/3.27/serverinfo",
        &[("accept", "application/json")],
        "",
    )
    .await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.headers["retry-after"], "7");
    assert_eq!(tableau_error_code(&throttled).as_deref(), Some("429000"));
    assert_eq!(
        call(&app, "GET", "/api/3.27/serverinfo", &[], "")
            .await
            .status,
        200
    );

    let log = call(&app, "GET", "/_mock/requests", &[], "").await.json();
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2, "control calls are not logged: {log}");
    assert_eq!(entries[0]["status"], 429);
    assert_eq!(entries[0]["method"], "GET");
    assert_eq!(entries[0]["path"], "/api/3.27/serverinfo");

    let reset = call(&app, "POST", "/_mock/reset", &[], "").await;
    assert_eq!(reset.status, 204);
    assert_eq!(
        call(&app, "GET", "/_mock/clock", &[], "").await.json()["offsetSeconds"],
        0
    );
    assert_eq!(
        call(&app, "GET", "/_mock/requests", &[], "").await.json(),
        json!([])
    );
}

#[test]
fn debug_output_of_the_state_holds_no_secret() {
    let state = state();
    let mut pat = None;
    futures_lite_block_on(async {
        let app = app(&state);
        let token = sign_in_admin(&app).await;
        pat = Some(token);
        let created = post(
            &app,
            "/_mock/connected-apps",
            json!({"site": "", "clientId": "c", "secretId": "k2", "secretValue": "connected-app-secret-value"}),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.body);
    });
    let debug = format!("{state:?}");
    let session_token = pat.unwrap();
    for secret in [
        PAT_SECRET,
        "pat-secret-of-viewer",
        "viewer-pw",
        "connected-app-secret-value",
        session_token.as_str(),
        "c2VjcmV0LXZhbHVl",
    ] {
        assert!(!debug.contains(secret), "{secret} in Debug output");
    }
    assert!(debug.contains("[redacted]"));
    let creds = state.default_credentials();
    assert_eq!(creds.pat_secret, PAT_SECRET);
    assert_eq!(
        format!("{creds:?}"),
        r#"DefaultCredentials { site_content_url: "", username: "admin", password: "[redacted]", pat_name: "admin-pat", pat_secret: "[redacted]" }"#
    );
}

fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}
