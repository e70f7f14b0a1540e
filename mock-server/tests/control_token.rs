//! An empty control token locks the control API instead of leaving it open.

use tableau_mock_server::MockServer;

#[tokio::test]
async fn an_empty_control_token_locks_the_control_api() {
    let mock = MockServer::builder().control_token("").start().await;
    let client = reqwest::Client::new();
    let clock = format!("{}/_mock/clock", mock.uri());
    let without = client.get(&clock).send().await.unwrap().status();
    assert_eq!(without, 401, "no header does not match an empty token");
    let empty = client
        .get(&clock)
        .header("x-mock-control", "")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(empty, 401);
    let health = reqwest::get(format!("{}/_mock/health", mock.uri()))
        .await
        .unwrap()
        .status();
    assert_eq!(health, 200);
}

/// The token check is one layer over the control routes: each of them refuses a call without
/// the token before reading its body, `/_mock/health` does not, and an unknown route or a wrong
/// method keeps its own answer.
#[tokio::test]
async fn every_control_route_but_health_needs_the_token() {
    let mock = MockServer::builder().control_token("s3").start().await;
    let client = reqwest::Client::new();
    let routes = [
        ("GET", "clock"),
        ("GET", "requests"),
        ("POST", "sites"),
        ("POST", "users"),
        ("POST", "tokens"),
        ("POST", "tokens/revoke"),
        ("POST", "connected-apps"),
        ("POST", "clock/advance"),
        ("POST", "faults"),
        ("POST", "reset"),
    ];
    for (method, route) in routes {
        let url = format!("{}/_mock/{route}", mock.uri());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let without = client
            .request(method.clone(), &url)
            .body("not even JSON")
            .send()
            .await
            .unwrap();
        assert_eq!(without.status(), 401, "{method} {route}");
        let body: serde_json::Value = without.json().await.unwrap();
        assert!(body["error"].is_string(), "{method} {route}: {body}");
        let with = client
            .request(method.clone(), &url)
            .header("x-mock-control", "s3")
            .body("not even JSON")
            .send()
            .await
            .unwrap();
        assert_ne!(with.status(), 401, "{method} {route}");
    }
    let status = |method: reqwest::Method, route: &str| {
        let request = client.request(method, format!("{}/_mock/{route}", mock.uri()));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(reqwest::Method::GET, "health").await, 200);
    assert_eq!(status(reqwest::Method::GET, "nothing").await, 404);
    assert_eq!(status(reqwest::Method::DELETE, "sites").await, 405);
}
