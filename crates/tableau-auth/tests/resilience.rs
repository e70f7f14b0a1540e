//! Retries, dropped connections and redirects, with injected faults and a manual clock.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Clock, password, requests_to};
use tableau_auth::{Error, ErrorCode, SessionManager, TimeSource};
use tableau_mock_server::{Fault, MockServer};

fn ms(values: &[u64]) -> Vec<Duration> {
    values.iter().map(|&v| Duration::from_millis(v)).collect()
}

#[tokio::test]
async fn retries_503_with_exponential_backoff() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    mock.inject_fault(Fault::new("/auth/signin").status(503).times(2))
        .await;
    client
        .sign_in(&password(&mock))
        .await
        .expect("third attempt");
    assert_eq!(clock.sleep.requested(), ms(&[100, 200]));
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 3);
}

#[tokio::test]
async fn gives_up_after_the_last_attempt() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(Fault::new("/auth/signin").status(503))
        .await;
    let err = clock
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .unwrap_err();
    assert_eq!(
        err.tableau_error().map(|e| e.http_status),
        Some(503),
        "{err:?}"
    );
    assert_eq!(clock.sleep.requested(), ms(&[100, 200, 400]));
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 4);
}

#[tokio::test]
async fn honours_retry_after_in_seconds_and_as_a_date() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    mock.inject_fault(
        Fault::new("/serverinfo")
            .status(429)
            .retry_after("7")
            .times(1),
    )
    .await;
    client.server_info().await.expect("after waiting");
    assert_eq!(clock.sleep.requested(), [Duration::from_secs(7)]);

    let date = httpdate::fmt_http_date(clock.time.now() + Duration::from_secs(30));
    mock.inject_fault(
        Fault::new("/auth/signin")
            .status(429)
            .retry_after(date)
            .times(1),
    )
    .await;
    client
        .sign_in(&password(&mock))
        .await
        .expect("after waiting");
    assert_eq!(
        clock.sleep.requested(),
        [Duration::from_secs(7), Duration::from_secs(30)]
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_not_waited_for() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(Fault::new("/auth/signin").status(429).retry_after("3600"))
        .await;
    let err = clock
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .unwrap_err();
    assert_eq!(
        err.tableau_error().map(|e| e.http_status),
        Some(429),
        "{err:?}"
    );
    assert!(clock.sleep.requested().is_empty());
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
}

#[tokio::test]
async fn other_4xx_answers_are_never_retried() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    for status in [400, 403, 404, 500] {
        mock.inject_fault(Fault::new("/auth/signin").status(status).times(1))
            .await;
        let err = clock
            .client(&mock)
            .sign_in(&password(&mock))
            .await
            .unwrap_err();
        assert_eq!(err.tableau_error().map(|e| e.http_status), Some(status));
    }
    assert!(clock.sleep.requested().is_empty());
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 4);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_sign_in() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(Fault::new("/auth/signin").drop_connection().times(1))
        .await;
    clock
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .expect("second attempt");
    assert_eq!(clock.sleep.requested(), ms(&[100]));
}

#[tokio::test]
async fn a_non_idempotent_call_is_not_replayed_after_a_dropped_connection() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    let session = client.sign_in(&password(&mock)).await.unwrap();
    mock.inject_fault(Fault::new("/auth/switchSite").drop_connection().times(1))
        .await;
    let err = client.switch_site(&session, "analytics").await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(clock.sleep.requested().is_empty());

    // The same through the manager: a POST of the caller's own.
    let manager = SessionManager::new(client.clone(), Arc::new(password(&mock)));
    let url = manager.api_url("auth/switchSite").await.unwrap();
    mock.inject_fault(Fault::new("/auth/switchSite").drop_connection().times(1))
        .await;
    let request = client
        .http()
        .post(url)
        .header("content-type", "application/xml")
        .body(r#"<tsRequest><site contentUrl="analytics"/></tsRequest>"#);
    assert!(matches!(
        manager.send(request).await,
        Err(Error::Transport(_))
    ));
    assert!(clock.sleep.requested().is_empty());
}

#[tokio::test]
async fn a_non_idempotent_call_is_retried_after_429_and_503_but_not_after_502_or_504() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    for (status, retried) in [(429, true), (503, true), (502, false), (504, false)] {
        let session = client.sign_in(&password(&mock)).await.unwrap();
        let before = requests_to(&mock, "/auth/switchSite").await.len();
        mock.inject_fault(
            Fault::new("/auth/switchSite")
                .status(status)
                .retry_after("1")
                .times(1),
        )
        .await;
        let outcome = client.switch_site(&session, "analytics").await;
        let attempts = requests_to(&mock, "/auth/switchSite").await.len() - before;
        if retried {
            assert!(outcome.is_ok(), "{status}: {outcome:?}");
            assert_eq!(
                attempts, 2,
                "{status} was turned away unprocessed: sent again"
            );
        } else {
            let err = outcome.unwrap_err();
            assert_eq!(err.tableau_error().map(|e| e.http_status), Some(status));
            assert_eq!(attempts, 1, "after a {status} the switch may have happened");
        }
    }
}

#[tokio::test]
async fn server_info_follows_a_redirect_to_another_server() {
    let entry = MockServer::start().await;
    let pod = MockServer::start().await;
    for path in ["serverinfo", "auth/signin"] {
        entry
            .inject_fault(
                Fault::new(format!("/{path}"))
                    .status(301)
                    .header("Location", format!("{}/api/3.27/{path}", pod.uri())),
            )
            .await;
    }
    let client = Clock::new().client(&entry);
    let session = client
        .sign_in(&password(&entry))
        .await
        .expect("negotiated and signed in at the pod");
    assert_eq!(session.server_url().as_str(), format!("{}/", pod.uri()));
    assert_eq!(requests_to(&pod, "/serverinfo").await.len(), 1);
    assert_eq!(requests_to(&pod, "/auth/signin").await.len(), 1);
}

#[tokio::test]
async fn sign_in_re_posts_the_same_body_on_redirects() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    let target = format!("{}/api/3.27/auth/signin", mock.uri());
    mock.inject_fault(
        Fault::new("/auth/signin")
            .status(301)
            .header("Location", &target)
            .times(1),
    )
    .await;
    mock.inject_fault(
        Fault::new("/auth/signin")
            .status(302)
            .header("Location", "/api/3.27/auth/signin")
            .times(1),
    )
    .await;
    client.sign_in(&password(&mock)).await.expect("followed");
    let sign_ins = requests_to(&mock, "/auth/signin").await;
    let seen: Vec<_> = sign_ins
        .iter()
        .map(|r| (r.method.as_str(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("POST", Some(301)),
            ("POST", Some(302)),
            ("POST", Some(200))
        ]
    );
    assert!(sign_ins.iter().all(|r| r.body == sign_ins[0].body));
}

#[tokio::test]
async fn a_sign_in_redirected_to_another_server_keeps_using_it() {
    let entry = MockServer::start().await;
    let pod = MockServer::start().await;
    let clock = Clock::new();
    let client = clock.client(&entry);
    let target = format!("{}/api/3.27/auth/signin", pod.uri());
    entry
        .inject_fault(
            Fault::new("/auth/signin")
                .status(307)
                .header("Location", target),
        )
        .await;
    let session = client.sign_in(&password(&entry)).await.expect("followed");
    assert_eq!(session.server_url().as_str(), format!("{}/", pod.uri()));
    client
        .current_session(&session)
        .await
        .expect("served by the pod");
    assert_eq!(requests_to(&pod, "/sessions/current").await.len(), 1);
    assert!(requests_to(&entry, "/sessions/current").await.is_empty());
}

#[tokio::test]
async fn sign_in_follows_at_most_five_redirects() {
    let mock = MockServer::start().await;
    mock.inject_fault(
        Fault::new("/auth/signin")
            .status(308)
            .header("Location", "/api/3.27/auth/signin"),
    )
    .await;
    let err = Clock::new()
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::TooManyRedirects { hops: 5, .. }),
        "{err:?}"
    );
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 6);
}

#[tokio::test]
async fn an_authenticated_call_never_follows_to_another_host() {
    let mock = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let session = client.sign_in(&password(&mock)).await.unwrap();
    let location = format!("{}/api/3.27/sessions/current", elsewhere.uri());
    mock.inject_fault(
        Fault::new("/sessions/current")
            .status(302)
            .header("Location", &location),
    )
    .await;
    let err = client.current_session(&session).await.unwrap_err();
    match &err {
        Error::Redirect {
            status: 302,
            location: named,
            ..
        } => assert_eq!(named, &location),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains(&location), "{err}");
    assert!(elsewhere.requests().await.is_empty());
}

#[tokio::test]
async fn method_not_allowed_suggests_https_and_the_pod() {
    let mock = MockServer::start().await;
    mock.inject_fault(Fault::new("/auth/signin").status(405).times(1))
        .await;
    let err = Clock::new()
        .client(&mock)
        .sign_in(&password(&mock))
        .await
        .unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::METHOD_NOT_ALLOWED));
    let hint = err.hint().unwrap_or_default();
    assert!(hint.contains("https://") && hint.contains("pod"), "{hint}");
}

#[tokio::test]
async fn a_server_without_serverinfo_is_too_old() {
    let mock = MockServer::builder().api_version("2.3").start().await;
    let err = Clock::new().client(&mock).api_version().await.unwrap_err();
    assert!(matches!(err, Error::ServerTooOld { .. }), "{err:?}");
    assert!(err.to_string().contains("2.4"), "{err}");
}
