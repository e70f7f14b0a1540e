//! Stubs behind the mock's authentication (issue 16, docs/mock-server.md "Stubs"): the Rust
//! API, matching and precedence, `times`, templates, every refusal of the auth layer, a stub
//! overriding a built-in read, the auth surface refused, expectations, many stubs, reset.

mod common;

use std::time::Duration;

use common::{
    ADMIN_ID, ANALYTICS_SITE, DEFAULT_SITE, PAT_SECRET, START, builder,
    connected_app_jwt_with_scopes, jwt_xml, pat_xml,
};
use tableau_mock_server::{MockServer, Stub, StubAuth};

const REFRESH: &str = "/sites/{siteId}/workbooks/{workbookId}/refresh";

struct Reply {
    status: u16,
    content_type: Option<String>,
    body: String,
}

impl Reply {
    /// The Tableau error code of an error body (XML), if any.
    fn code(&self) -> Option<String> {
        common::attr(&self.body, "code")
    }
}

async fn send(
    mock: &MockServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let http = reqwest::Client::new();
    let mut request = http.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}{path}", mock.uri()),
    );
    if let Some(token) = token {
        request = request.header("X-Tableau-Auth", token);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/xml")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    Reply {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: response.text().await.unwrap(),
    }
}

async fn sign_in(mock: &MockServer, body: &str) -> String {
    let reply = send(mock, "POST", "/api/3.27/auth/signin", None, Some(body)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    common::attr(&reply.body, "token").unwrap()
}

async fn admin(mock: &MockServer) -> String {
    sign_in(mock, &pat_xml("admin-pat", PAT_SECRET, "")).await
}

fn refresh_path(site: &str, workbook: &str) -> String {
    format!("/api/3.27/sites/{site}/workbooks/{workbook}/refresh")
}

fn refresh_stub() -> Stub {
    Stub::post(REFRESH).respond_with(
        202,
        r#"<tsResponse><job id="{{uuid}}" mode="Asynchronous" type="RefreshExtract" site="{{siteId}}" user="{{userId}}" workbook="{{path.workbookId}}"/></tsResponse>"#,
    )
}

#[tokio::test]
async fn a_stub_answers_an_endpoint_the_mock_does_not_model_with_its_templates_filled() {
    let mock = builder().start().await;
    let path = refresh_path(DEFAULT_SITE, "wb-1");
    let token = admin(&mock).await;
    let before = send(&mock, "POST", &path, Some(&token), Some("<tsRequest/>")).await;
    assert_eq!(before.status, 404, "no stub yet: {}", before.body);
    assert_eq!(before.code().as_deref(), Some("404003"));

    let id = mock.mount(refresh_stub()).await;
    let first = send(&mock, "POST", &path, Some(&token), Some("<tsRequest/>")).await;
    assert_eq!(first.status, 202, "{}", first.body);
    assert_eq!(
        first.content_type.as_deref(),
        Some("application/xml;charset=utf-8")
    );
    assert!(first.body.contains(&format!(r#"site="{DEFAULT_SITE}""#)));
    assert!(first.body.contains(&format!(r#"user="{ADMIN_ID}""#)));
    assert!(first.body.contains(r#"workbook="wb-1""#));
    let job = common::attr(&first.body, "id").unwrap();
    assert_eq!(job.len(), 36, "a LUID: {job}");
    let second = send(&mock, "POST", &path, Some(&token), Some("<tsRequest/>")).await;
    assert_ne!(
        common::attr(&second.body, "id").unwrap(),
        job,
        "{{{{uuid}}}} is fresh per answer"
    );

    let details = mock.stub(&id).await.unwrap();
    assert_eq!(details.calls, 2);
    assert_eq!(details.requests.len(), 2);
    assert_eq!(details.requests[0].path, path);
    assert_eq!(details.requests[0].headers["x-tableau-auth"], "[redacted]");
    assert_eq!(details.requests[0].body.as_deref(), Some("<tsRequest/>"));
    assert_eq!(mock.stubs().await[0].calls, 2);
}

#[tokio::test]
async fn the_auth_layer_runs_first_with_the_built_in_answers() {
    let mock = builder().start().await;
    mock.mount(refresh_stub().scope("tableau:tasks:run")).await;
    let own = refresh_path(DEFAULT_SITE, "wb-1");

    let missing = send(&mock, "POST", &own, None, None).await;
    assert_eq!(
        (missing.status, missing.code().as_deref()),
        (401, Some("401000"))
    );
    let dead = send(&mock, "POST", &own, Some("not-a-token"), None).await;
    assert_eq!((dead.status, dead.code().as_deref()), (401, Some("401002")));

    let token = admin(&mock).await;
    let other_site = send(
        &mock,
        "POST",
        &refresh_path(ANALYTICS_SITE, "wb-1"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (other_site.status, other_site.code().as_deref()),
        (403, Some("403010")),
        "{}",
        other_site.body
    );
    let unknown_site = send(
        &mock,
        "POST",
        &refresh_path("00000000-0000-4000-8000-000000000bad", "wb-1"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (unknown_site.status, unknown_site.code().as_deref()),
        (404, Some("404000"))
    );
    // A PAT session is not limited by scopes.
    assert_eq!(
        send(&mock, "POST", &own, Some(&token), None).await.status,
        202
    );

    // Signed out: the token is dead.
    let signed_out = send(&mock, "POST", "/api/3.27/auth/signout", Some(&token), None).await;
    assert_eq!(signed_out.status, 204);
    let after = send(&mock, "POST", &own, Some(&token), None).await;
    assert_eq!(
        (after.status, after.code().as_deref()),
        (401, Some("401002"))
    );

    // A JWT session needs the stub's scope.
    let without = sign_in(
        &mock,
        &jwt_xml(
            &connected_app_jwt_with_scopes("admin", START, "jti-a", &["tableau:content:read"]),
            "",
        ),
    )
    .await;
    let refused = send(&mock, "POST", &own, Some(&without), None).await;
    assert_eq!(
        (refused.status, refused.code().as_deref()),
        (401, Some("401002"))
    );
    let with = sign_in(
        &mock,
        &jwt_xml(
            &connected_app_jwt_with_scopes("admin", START, "jti-b", &["tableau:tasks:*"]),
            "",
        ),
    )
    .await;
    assert_eq!(
        send(&mock, "POST", &own, Some(&with), None).await.status,
        202
    );

    let stub = &mock.stubs().await[0];
    assert_eq!(stub.calls, 2, "refused requests are not the stub's calls");
}

#[tokio::test]
async fn a_stub_without_auth_answers_anyone_and_the_url_version_counts() {
    let mock = builder().start().await;
    mock.mount(
        Stub::get("/sites/{siteId}/jobs/{jobId}")
            .no_auth()
            .min_version("3.10")
            .respond_with(
                200,
                r#"{"job":{"id":"{{path.jobId}}","site":"{{siteId}}"}}"#,
            ),
    )
    .await;
    let reply = send(&mock, "GET", "/api/3.27/sites/s-1/jobs/j-1", None, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    assert_eq!(reply.body, r#"{"job":{"id":"j-1","site":"s-1"}}"#);
    let old = send(&mock, "GET", "/api/3.9/sites/s-1/jobs/j-1", None, None).await;
    assert_eq!((old.status, old.code().as_deref()), (404, Some("404003")));
    let too_new = send(&mock, "GET", "/api/9.0/sites/s-1/jobs/j-1", None, None).await;
    assert_eq!(
        (too_new.status, too_new.code().as_deref()),
        (404, Some("404001"))
    );
    assert_eq!(mock.stubs().await[0].stub.auth, StubAuth::Anonymous);
}

#[tokio::test]
async fn precedence_is_priority_then_the_newest_and_times_run_out() {
    let mock = builder().start().await;
    let token = admin(&mock).await;
    let path = format!("/api/3.27/sites/{DEFAULT_SITE}/schedules");
    let answer =
        |body: &'static str| Stub::get("/sites/{siteId}/schedules").respond_with(200, body);
    mock.mount(answer("<old/>")).await;
    mock.mount(answer("<new/>")).await;
    assert_eq!(
        send(&mock, "GET", &path, Some(&token), None).await.body,
        "<new/>"
    );
    mock.mount(answer("<high/>").priority(10)).await;
    mock.mount(answer("<newest-but-low/>")).await;
    assert_eq!(
        send(&mock, "GET", &path, Some(&token), None).await.body,
        "<high/>"
    );
    mock.mount(answer("<twice/>").priority(20).times(2)).await;
    for _ in 0..2 {
        assert_eq!(
            send(&mock, "GET", &path, Some(&token), None).await.body,
            "<twice/>"
        );
    }
    assert_eq!(
        send(&mock, "GET", &path, Some(&token), None).await.body,
        "<high/>",
        "the exhausted stub no longer matches"
    );
    let once = mock
        .mount(
            Stub::delete("/sites/{siteId}/schedules/{id}")
                .respond_with(204, "")
                .times(1),
        )
        .await;
    let delete = format!("{path}/s-1");
    assert_eq!(
        send(&mock, "DELETE", &delete, Some(&token), None)
            .await
            .status,
        204
    );
    let gone = send(&mock, "DELETE", &delete, Some(&token), None).await;
    assert_eq!((gone.status, gone.code().as_deref()), (404, Some("404003")));
    assert_eq!(mock.stub(&once).await.unwrap().calls, 1);
}

#[tokio::test]
async fn query_headers_and_body_must_match() {
    let mock = builder().start().await;
    let token = admin(&mock).await;
    mock.mount(
        // Flows: a path the mock does not serve itself (POST to the read side's
        // `datasources` would be 405000, a method the built-in route lacks).
        Stub::post("/sites/{siteId}/flows")
            .query("overwrite", "true")
            .header("X-Custom", "1")
            .body_contains("<flow")
            .respond_with(201, "<created/>")
            .response_header("Location", "/x")
            .delay(Duration::from_millis(1)),
    )
    .await;
    let base = format!("/api/3.27/sites/{DEFAULT_SITE}/flows");
    let http = reqwest::Client::new();
    let post = |query: &str, header: Option<&str>, body: &str| {
        let mut request = http
            .post(format!("{}{base}{query}", mock.uri()))
            .header("X-Tableau-Auth", &token)
            .body(body.to_owned());
        if let Some(value) = header {
            request = request.header("X-Custom", value);
        }
        request.send()
    };
    let ok = post("?a=1&overwrite=true", Some("1"), "<tsRequest><flow/>")
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    assert_eq!(ok.headers()["location"], "/x");
    for (query, header, body) in [
        ("?overwrite=false", Some("1"), "<flow"),
        ("", Some("1"), "<flow"),
        ("?overwrite=true", None, "<flow"),
        ("?overwrite=true", Some("2"), "<flow"),
        ("?overwrite=true", Some("1"), "<workbook"),
    ] {
        let refused = post(query, header, body).await.unwrap();
        assert_eq!(refused.status(), 404, "{query} {header:?} {body}");
    }
}

#[tokio::test]
async fn a_stub_overrides_a_built_in_read_and_removing_it_restores_the_read() {
    let mock = builder().start().await;
    let token = admin(&mock).await;
    let path = format!("/api/3.27/sites/{DEFAULT_SITE}/users/{ADMIN_ID}");
    let built_in = send(&mock, "GET", &path, Some(&token), None).await;
    assert_eq!(built_in.status, 200);
    assert!(
        built_in.body.contains(r#"name="admin""#),
        "{}",
        built_in.body
    );
    let id = mock
        .mount(Stub::get("/sites/{siteId}/users/{userId}").respond_with(
            200,
            r#"<tsResponse><user id="{{path.userId}}" name="stubbed"/></tsResponse>"#,
        ))
        .await;
    let stubbed = send(&mock, "GET", &path, Some(&token), None).await;
    assert!(
        stubbed.body.contains(r#"name="stubbed""#),
        "{}",
        stubbed.body
    );
    // The override still runs the site check of a built-in read.
    let other = send(
        &mock,
        "GET",
        &format!("/api/3.27/sites/{ANALYTICS_SITE}/users/{ADMIN_ID}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(other.code().as_deref(), Some("403010"));
    assert!(mock.remove_stub(&id).await);
    assert!(!mock.remove_stub(&id).await);
    let again = send(&mock, "GET", &path, Some(&token), None).await;
    assert!(again.body.contains(r#"name="admin""#), "{}", again.body);
}

#[tokio::test]
#[should_panic(expected = "auth surface")]
async fn the_auth_surface_cannot_be_stubbed() {
    let mock = builder().start().await;
    mock.mount(Stub::post("/auth/signin").respond_with(200, "<hijacked/>"))
        .await;
}

#[tokio::test]
async fn the_sign_in_path_stays_the_mock_s_own() {
    let mock = builder().start().await;
    // A stub for any one-segment path would cover serverinfo: refused too.
    for path in [
        "/auth/signin",
        "/sessions/current",
        "/serverInfo",
        "/{anything}",
    ] {
        let refused = mock
            .control_client()
            .create_stub(&Stub::any(path))
            .await
            .unwrap_err();
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(400), "{path}");
        assert!(refused.to_string().contains("auth surface"), "{refused}");
    }
    assert!(mock.stubs().await.is_empty());
}

#[tokio::test]
async fn an_expectation_met_passes_when_the_guard_drops() {
    let mock = builder().start().await;
    let token = admin(&mock).await;
    {
        let guard = mock.mount_as_scoped(refresh_stub().expect(2)).await;
        for _ in 0..2 {
            let path = refresh_path(DEFAULT_SITE, "wb");
            assert_eq!(
                send(&mock, "POST", &path, Some(&token), None).await.status,
                202
            );
        }
        assert_eq!(guard.calls().await, 2);
        assert_eq!(guard.received_requests().await.len(), 2);
    }
    assert!(mock.stubs().await.is_empty(), "the guard removed its stub");
    let after = send(
        &mock,
        "POST",
        &refresh_path(DEFAULT_SITE, "wb"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(after.status, 404);
    mock.mount(refresh_stub().expect(0..=1)).await;
    // Dropping the server checks the mounted stub: 0 calls is within 0..=1.
}

#[tokio::test]
#[should_panic(expected = "expected exactly 1 call(s), got 0")]
async fn an_unmet_expectation_panics_when_the_guard_drops() {
    let mock = builder().start().await;
    let token = admin(&mock).await;
    let _guard = mock.mount_as_scoped(refresh_stub().expect(1)).await;
    // The wrong site: refused by the auth layer, so the stub never answers.
    let refused = send(
        &mock,
        "POST",
        &refresh_path(ANALYTICS_SITE, "wb"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
#[should_panic(expected = "at least 1 call(s), got 0")]
async fn an_unmet_expectation_panics_when_the_server_drops() {
    let mock = builder().start().await;
    mock.mount(Stub::get("/sites/{siteId}/jobs").expect(1..))
        .await;
    drop(mock);
}

#[test]
fn the_failure_lists_the_requests_seen() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            let mock = builder().start().await;
            let token = admin(&mock).await;
            let _guard = mock.mount_as_scoped(refresh_stub().expect(1)).await;
            send(
                &mock,
                "POST",
                &refresh_path(ANALYTICS_SITE, "wb"),
                Some(&token),
                None,
            )
            .await;
        });
    }))
    .unwrap_err();
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("it answered no request"), "{message}");
    assert!(
        message.contains(&format!(
            "POST /api/3.27/sites/{ANALYTICS_SITE}/workbooks/wb/refresh -> 403"
        )),
        "{message}"
    );
    assert!(!message.contains(PAT_SECRET), "{message}");
}

#[tokio::test]
async fn no_second_panic_while_already_panicking() {
    // A test that fails for another reason must not get a double panic (an abort) from the
    // guard or the server: the inner panic is the one reported.
    let outcome = tokio::spawn(async {
        let mock = builder().start().await;
        let _guard = mock.mount_as_scoped(refresh_stub().expect(5)).await;
        mock.mount(refresh_stub().expect(5)).await;
        panic!("the test's own failure");
    })
    .await
    .unwrap_err();
    let message = outcome.into_panic();
    assert_eq!(
        message.downcast_ref::<&str>().copied(),
        Some("the test's own failure")
    );
}

#[tokio::test]
async fn thousands_of_stubs_each_answer_their_own_path() {
    let mock = builder().request_log(0).start().await;
    let token = admin(&mock).await;
    for i in 0..1500 {
        mock.mount(
            Stub::get(format!("/sites/{{siteId}}/workbooks/wb-{i}/connections"))
                .respond_with(200, format!("<n>{i}</n>")),
        )
        .await;
    }
    mock.mount(Stub::get("/sites/{siteId}/workbooks/{id}/connections").respond_with(200, "<any/>"))
        .await;
    for i in [0, 1, 777, 1499] {
        let path = format!("/api/3.27/sites/{DEFAULT_SITE}/workbooks/wb-{i}/connections");
        let reply = send(&mock, "GET", &path, Some(&token), None).await;
        assert_eq!(
            reply.body, "<any/>",
            "the newest stub wins: it matches every workbook"
        );
    }
    mock.reset().await;
    let token = admin(&mock).await;
    for i in 0..1500 {
        mock.mount(
            Stub::get(format!("/sites/{{siteId}}/workbooks/wb-{i}/connections"))
                .respond_with(200, format!("<n>{i}</n>")),
        )
        .await;
    }
    for i in [0, 1, 777, 1499] {
        let path = format!("/api/3.27/sites/{DEFAULT_SITE}/workbooks/wb-{i}/connections");
        let reply = send(&mock, "GET", &path, Some(&token), None).await;
        assert_eq!(reply.body, format!("<n>{i}</n>"));
    }
    assert_eq!(mock.stubs().await.len(), 1500);
}

#[tokio::test]
async fn reset_clears_the_stubs() {
    let mock = builder().start().await;
    mock.mount(refresh_stub()).await;
    mock.mount(refresh_stub().expect(3)).await;
    assert_eq!(mock.stubs().await.len(), 2);
    mock.reset().await;
    assert!(mock.stubs().await.is_empty());
    let token = admin(&mock).await;
    let reply = send(
        &mock,
        "POST",
        &refresh_path(DEFAULT_SITE, "wb"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(reply.code().as_deref(), Some("404003"));
    // The dropped stub's expectation is not checked when the server drops.
}

#[tokio::test]
async fn the_control_api_registers_lists_shows_and_deletes_stubs() {
    let mock = builder().control_token("ctl").start().await;
    let http = reqwest::Client::new();
    let control = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{}/_mock{path}", mock.uri()))
            .header("X-Mock-Control", "ctl")
    };
    let contract_example = serde_json::json!({
        "request": {"method": "POST", "path": "/sites/{siteId}/workbooks/{workbookId}/refresh",
                    "query": {"overwrite": "true"}, "headers": {"X-Custom": "1"},
                    "bodyContains": "<tsRequest", "minVersion": "3.0"},
        "response": {"status": 202, "contentType": "application/xml", "headers": {},
                     "body": "<tsResponse><job id=\"{{uuid}}\" mode=\"Asynchronous\" type=\"RefreshExtract\"/></tsResponse>",
                     "delayMs": 0},
        "auth": "session", "scopes": ["tableau:tasks:run"], "times": null, "priority": 0
    });
    let without_token = http
        .post(format!("{}/_mock/stubs", mock.uri()))
        .json(&contract_example)
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status(), 401);
    let created = control(reqwest::Method::POST, "/stubs")
        .json(&contract_example)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let token = admin(&mock).await;
    let answered = http
        .post(format!(
            "{}{}?overwrite=true",
            mock.uri(),
            refresh_path(DEFAULT_SITE, "wb-9")
        ))
        .header("X-Tableau-Auth", &token)
        .header("X-Custom", "1")
        .header("Content-Type", "application/xml")
        .body(r#"<tsRequest><credentials password="hunter2"/></tsRequest>"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 202);

    let list: serde_json::Value = control(reqwest::Method::GET, "/stubs")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["calls"], 1);
    assert_eq!(
        list[0]["request"]["path"],
        contract_example["request"]["path"]
    );
    assert_eq!(list[0]["scopes"][0], "tableau:tasks:run");

    let details: serde_json::Value = control(reqwest::Method::GET, &format!("/stubs/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["calls"], 1);
    let request = &details["requests"][0];
    assert_eq!(request["method"], "POST");
    assert_eq!(request["headers"]["x-tableau-auth"], "[redacted]");
    assert_eq!(request["headers"]["x-custom"], "1");
    let body = request["body"].as_str().unwrap();
    assert!(
        !body.contains("hunter2") && body.contains("[redacted]"),
        "{body}"
    );
    assert!(
        !details.to_string().contains(&token),
        "no session token anywhere"
    );

    let invalid = control(reqwest::Method::POST, "/stubs")
        .json(&serde_json::json!({"request": {"path": "/sites/{siteId}/x"}, "response": {"status": 1000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 400);
    let message: serde_json::Value = invalid.json().await.unwrap();
    assert!(
        message["error"].as_str().unwrap().contains("status"),
        "{message}"
    );

    let deleted = control(reqwest::Method::DELETE, &format!("/stubs/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let gone = control(method, &format!("/stubs/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(gone.status(), 404);
    }
    let gone = send(
        &mock,
        "POST",
        &refresh_path(DEFAULT_SITE, "wb-9"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(gone.code().as_deref(), Some("404003"));
}

#[tokio::test]
async fn the_control_client_covers_the_stub_calls_and_the_openapi_document() {
    let mock = builder().start().await;
    let control = mock.control_client();
    let id = control
        .create_stub(&Stub::get("/sites/{siteId}/jobs/{jobId}").respond_with(200, "<job/>"))
        .await
        .unwrap();
    let token = admin(&mock).await;
    let path = format!("/api/3.27/sites/{DEFAULT_SITE}/jobs/j-1");
    assert_eq!(
        send(&mock, "GET", &path, Some(&token), None).await.body,
        "<job/>"
    );
    let listed = control.stubs().await.unwrap();
    assert_eq!((listed[0].id.as_str(), listed[0].calls), (id.as_str(), 1));
    assert_eq!(listed[0].stub.request.method.as_deref(), Some("GET"));
    let details = control.stub(&id).await.unwrap();
    assert_eq!(details.requests[0].path, path);
    control.delete_stub(&id).await.unwrap();
    let missing = control.stub(&id).await.unwrap_err();
    assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        control
            .delete_stub("no/such id")
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(404)
    );
    let document = control.openapi().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["paths"]["/_mock/stubs/{id}"]["delete"].is_object());
    control.create_stub(&Stub::get("/x")).await.unwrap();
    control.reset().await.unwrap();
    assert!(
        control.stubs().await.unwrap().is_empty(),
        "reset clears the stubs"
    );
}

#[tokio::test]
async fn control_bodies_must_be_objects() {
    let mock = builder().start().await;
    let http = reqwest::Client::new();
    for (path, body) in [
        ("/_mock/sites", r#"["finance","Finance"]"#),
        ("/_mock/stubs", r#"[{"path":"/x"}]"#),
        (
            "/_mock/stubs",
            r#"{"request":{"path":"/x"},"response":[null,null]}"#,
        ),
    ] {
        let answer = http
            .post(format!("{}{path}", mock.uri()))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{path} {body}");
    }
    assert!(mock.stubs().await.is_empty());
}
