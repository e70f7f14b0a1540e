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
