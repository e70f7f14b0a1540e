//! The front door (`MockServerBuilder::front_door`): every request is answered
//! `301 Moved Permanently` to the same path and query on the pod (the main address). A client
//! that re-sends the POST signs in; one that follows the 301 the usual way turns the POST into
//! a GET and gets 405000 from the pod (tabcmd #158). Over real loopback sockets.

use std::net::SocketAddr;

use tableau_mock_server::{Flavor, MockServer};

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn pat_body(name: &str, secret: &str, site: &str) -> String {
    format!(
        r#"<tsRequest><credentials personalAccessTokenName="{name}" personalAccessTokenSecret="{secret}"><site contentUrl="{site}"/></credentials></tsRequest>"#
    )
}

#[tokio::test]
async fn the_front_door_redirects_to_the_pod_and_a_get_follower_gets_405000() {
    let mock = MockServer::builder()
        .cloud()
        .front_door(loopback())
        .start()
        .await;
    assert_eq!(mock.flavor(), Flavor::Cloud);
    let front = mock.front_door_uri().expect("a front door");
    assert_ne!(front, mock.uri());
    let creds = mock.default_credentials();
    let body = pat_body(&creds.pat_name, &creds.pat_secret, &creds.site_content_url);

    // Without following: a 301 to the same path and query on the pod, for every method.
    let manual = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, path) in [
        (reqwest::Method::POST, "/api/3.27/auth/signin"),
        (reqwest::Method::GET, "/api/3.27/serverinfo?format=xml"),
        (reqwest::Method::DELETE, "//api/3.27/sessions/x"),
    ] {
        let answer = manual
            .request(method.clone(), format!("{front}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 301, "{method} {path}");
        assert_eq!(
            answer.headers()["location"].to_str().unwrap(),
            format!("{}{path}", mock.uri())
        );
    }
    assert!(
        mock.requests().await.is_empty(),
        "the front door never reaches the pod by itself"
    );

    // Following the usual way (reqwest, like `requests`, turns a POST into a GET on a 301).
    let following = reqwest::Client::new();
    let answer = following
        .post(format!("{front}/api/3.27/auth/signin"))
        .header("content-type", "application/xml")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 405);
    let text = answer.text().await.unwrap();
    assert!(text.contains(r#"<error code="405000">"#), "{text}");
    assert!(
        text.contains("The HTTP method &apos;GET&apos; is not supported"),
        "{text}"
    );
    let log = mock.requests().await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!((log[0].method.as_str(), log[0].status), ("GET", Some(405)));

    // Re-sending the POST to the Location signs in.
    let redirect = manual
        .post(format!("{front}/api/3.27/auth/signin"))
        .header("content-type", "application/xml")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let signed_in = manual
        .post(location)
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    assert_eq!(mock.sessions().await.len(), 1);
}

#[tokio::test]
async fn a_server_flavour_may_have_a_front_door_too_and_none_by_default() {
    let plain = MockServer::start().await;
    assert_eq!(plain.front_door_uri(), None);
    assert_eq!(plain.flavor(), Flavor::Server);
    let mock = MockServer::builder().front_door(loopback()).start().await;
    let front = mock.front_door_uri().unwrap();
    let answer = reqwest::Client::new()
        .get(format!("{front}/api/3.27/serverinfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "a GET follows to the pod");
    mock.shutdown().await;
    assert!(
        reqwest::Client::new()
            .get(format!("{front}/api/3.27/serverinfo"))
            .send()
            .await
            .is_err(),
        "shutdown stops the front door too"
    );
}

#[tokio::test]
async fn an_unbindable_front_door_fails_the_start() {
    let taken = std::net::TcpListener::bind(loopback()).unwrap();
    let error = MockServer::builder()
        .front_door(taken.local_addr().unwrap())
        .try_start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("cannot bind"), "{error}");
}
