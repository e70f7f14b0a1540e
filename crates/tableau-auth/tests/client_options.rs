//! Client builder options against the mock: user agent, proxy, pinned and negotiated versions,
//! and the PAT impersonation version gate.

mod common;

use common::{Clock, password, pat, requests_to};
use tableau_auth::{ApiVersion, Error, Feature};
use tableau_mock_server::MockServer;

#[tokio::test]
async fn every_request_carries_the_user_agent() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    client.sign_in(&password(&mock)).await.unwrap();
    let custom = Clock::new()
        .builder(&mock)
        .user_agent("publisher-job/2.1")
        .build()
        .unwrap();
    custom.sign_in(&password(&mock)).await.unwrap();

    let agents: Vec<_> = requests_to(&mock, "/auth/signin")
        .await
        .iter()
        .map(|r| r.headers.get("user-agent").cloned().unwrap_or_default())
        .collect();
    assert_eq!(agents.len(), 2);
    assert!(agents[0].starts_with("tableau-auth-rust/"), "{agents:?}");
    assert_eq!(agents[1], "publisher-job/2.1");
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    // The mock plays the proxy: a name that never resolves works only if the request goes
    // to the proxy, which gets the absolute URL and answers from its path.
    let proxy = MockServer::start().await;
    let client = Clock::new()
        .builder(&proxy)
        .server_url("http://tableau.example.invalid")
        .allow_insecure_http(true)
        .proxy(reqwest::Proxy::http(proxy.uri()).unwrap())
        .build()
        .unwrap();
    let session = client.sign_in(&password(&proxy)).await.expect("via proxy");
    assert_eq!(
        session.server_url().as_str(),
        "http://tableau.example.invalid/"
    );
    client.current_session(&session).await.expect("via proxy");
    assert_eq!(requests_to(&proxy, "/serverinfo").await.len(), 1);
    assert_eq!(requests_to(&proxy, "/auth/signin").await.len(), 1);
    assert_eq!(requests_to(&proxy, "/sessions/current").await.len(), 1);
}

#[tokio::test]
async fn a_pinned_version_is_used_without_asking_the_server() {
    let mock = MockServer::start().await;
    let client = Clock::new()
        .builder(&mock)
        .api_version(ApiVersion::new(3, 19))
        .build()
        .unwrap();
    assert_eq!(client.api_version().await.unwrap(), ApiVersion::new(3, 19));
    let session = client.sign_in(&password(&mock)).await.unwrap();
    assert_eq!(session.api_version(), ApiVersion::new(3, 19));
    assert_eq!(requests_to(&mock, "/api/3.19/auth/signin").await.len(), 1);
    assert!(requests_to(&mock, "/serverinfo").await.is_empty());
}

#[tokio::test]
async fn a_server_newer_than_we_know_is_spoken_to_at_our_newest_version() {
    let mock = MockServer::builder().api_version("3.40").start().await;
    let client = Clock::new().client(&mock);
    assert_eq!(
        client.server_info().await.unwrap().rest_api_version,
        ApiVersion::new(3, 40)
    );
    assert_eq!(
        client.api_version().await.unwrap(),
        ApiVersion::LATEST_KNOWN
    );
    client.sign_in(&pat(&mock)).await.unwrap();
    let path = format!("/api/{}/auth/signin", ApiVersion::LATEST_KNOWN);
    assert_eq!(requests_to(&mock, &path).await.len(), 1);
}

#[tokio::test]
async fn pat_impersonation_before_3_11_fails_before_sending() {
    let mock = MockServer::builder().api_version("3.10").start().await;
    let client = Clock::new().client(&mock);
    let err = client
        .sign_in(&pat(&mock).impersonate("1a96d216-e9b8-497b-a82a-0b899a965e01"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedByServer {
                feature: Feature::PersonalAccessTokenImpersonation,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("3.11"), "{err}");
    assert!(requests_to(&mock, "/auth/signin").await.is_empty());
    // Without impersonation the same PAT signs in on 3.10.
    client.sign_in(&pat(&mock)).await.unwrap();
}
