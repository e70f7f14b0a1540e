//! The transport on its own, without a client: retries and back-off, the total deadline,
//! `Retry-After`, replay safety and the redirect rules. Requests go to an in-process mock
//! server on loopback, whose faults script the answers; waits go to a `ManualSleep` that moves
//! a `ManualTimeSource`, so nothing sleeps.

use std::time::{Duration, SystemTime};

use tableau_auth_core::{ManualSleep, ManualTimeSource};
use tableau_mock_server::{Fault, MockServer, RecordedRequest};

use super::*;

/// A transport with a manual clock and a jitter-free policy of 4 attempts from 100 ms.
struct Harness {
    transport: Transport,
    sleep: ManualSleep,
}

impl Harness {
    fn new() -> Self {
        Harness::with_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_base_delay(Duration::from_millis(100))
                .with_jitter(false),
        )
    }

    fn with_policy(policy: RetryPolicy) -> Self {
        let time =
            ManualTimeSource::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let sleep = ManualSleep::advancing(time.clone());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Harness {
            transport: Transport::new(http, policy, false, Arc::new(sleep.clone()), Arc::new(time)),
            sleep,
        }
    }

    fn get(&self, url: &str) -> reqwest::Request {
        self.transport.http().get(url).build().unwrap()
    }

    /// A JSON POST (the mock logs JSON bodies, secrets redacted).
    fn post(&self, url: &str, body: &str) -> reqwest::Request {
        self.transport
            .http()
            .post(url)
            .header("content-type", "application/json")
            .body(format!(r#"{{"probe":"{body}"}}"#))
            .build()
            .unwrap()
    }

    fn slept_ms(&self) -> Vec<u128> {
        self.sleep
            .requested()
            .iter()
            .map(Duration::as_millis)
            .collect()
    }
}

async fn to(mock: &MockServer, suffix: &str) -> Vec<RecordedRequest> {
    mock.requests()
        .await
        .into_iter()
        .filter(|r| r.path.ends_with(suffix))
        .collect()
}

/// `/probe` answers 200 "done" once the faults registered before this one are used up.
async fn finally_ok(mock: &MockServer) {
    mock.inject_fault(Fault::new("/probe").status(200).body("done"))
        .await;
}

#[tokio::test]
async fn retries_gateway_errors_with_exponential_backoff() {
    let mock = MockServer::start().await;
    let harness = Harness::new();
    mock.inject_fault(Fault::new("/probe").status(503).times(1))
        .await;
    mock.inject_fault(Fault::new("/probe").status(502).times(1))
        .await;
    finally_ok(&mock).await;
    let response = harness
        .transport
        .execute(
            harness.get(&format!("{}/probe", mock.uri())),
            Replay::Safe,
            Follow::SameOrigin,
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "done");
    assert_eq!(harness.slept_ms(), [100, 200]);
    assert_eq!(to(&mock, "/probe").await.len(), 3);
}

#[tokio::test]
async fn hands_back_the_last_answer_when_the_attempts_run_out() {
    let mock = MockServer::start().await;
    let harness = Harness::new();
    mock.inject_fault(Fault::new("/probe").status(504)).await;
    let response = harness
        .transport
        .execute(
            harness.get(&format!("{}/probe", mock.uri())),
            Replay::Safe,
            Follow::SameOrigin,
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 504);
    assert_eq!(harness.slept_ms(), [100, 200, 400]);
    assert_eq!(to(&mock, "/probe").await.len(), 4);
}

#[tokio::test]
async fn never_starts_a_wait_that_ends_past_the_total_deadline() {
    let mock = MockServer::start().await;
    let harness = Harness::with_policy(
        RetryPolicy::default()
            .with_max_attempts(10)
            .with_base_delay(Duration::from_millis(100))
            .with_total_deadline(Duration::from_millis(250))
            .with_jitter(false),
    );
    mock.inject_fault(Fault::new("/probe").status(503)).await;
    let response = harness
        .transport
        .execute(
            harness.get(&format!("{}/probe", mock.uri())),
            Replay::Safe,
            Follow::SameOrigin,
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    // 100 ms, then 200 ms more would end at 300 ms > 250 ms: stop after the second attempt.
    assert_eq!(harness.slept_ms(), [100]);
    assert_eq!(to(&mock, "/probe").await.len(), 2);
}

#[tokio::test]
async fn honours_retry_after_in_seconds_and_as_a_date_within_the_deadline() {
    let mock = MockServer::start().await;
    let harness = Harness::new();
    let url = format!("{}/probe", mock.uri());
    mock.inject_fault(Fault::new("/probe").status(429).retry_after("7").times(1))
        .await;
    let date = httpdate::fmt_http_date(
        harness.transport.time_source().now() + Duration::from_secs(7 + 30),
    );
    mock.inject_fault(Fault::new("/probe").status(503).retry_after(date).times(1))
        .await;
    finally_ok(&mock).await;
    let response = harness
        .transport
        .execute(harness.get(&url), Replay::Safe, Follow::SameOrigin)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The date is read on the manual clock, which the first wait moved by 7 s.
    assert_eq!(harness.slept_ms(), [7_000, 30_000]);

    mock.inject_fault(Fault::new("/late").status(429).retry_after("3600"))
        .await;
    let response = harness
        .transport
        .execute(
            harness.get(&format!("{}/late", mock.uri())),
            Replay::Safe,
            Follow::SameOrigin,
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 429, "an hour is past the 60 s deadline");
    assert_eq!(harness.slept_ms().len(), 2, "and is not waited for");
    assert_eq!(to(&mock, "/late").await.len(), 1);
}

#[tokio::test]
async fn a_request_that_must_not_run_twice_is_resent_only_when_it_never_ran() {
    let mock = MockServer::start().await;
    let harness = Harness::new();
    let url = format!("{}/probe", mock.uri());
    for (status, resent) in [(429, true), (503, true), (502, false), (504, false)] {
        mock.inject_fault(Fault::new("/probe").status(status).times(1))
            .await;
        if resent {
            mock.inject_fault(Fault::new("/probe").status(200).times(1))
                .await;
        }
        let before = to(&mock, "/probe").await.len();
        let response = harness
            .transport
            .execute(
                harness.post(&url, "x"),
                Replay::OnlyIfNotSent,
                Follow::SameOrigin,
            )
            .await
            .unwrap();
        let sent = to(&mock, "/probe").await.len() - before;
        if resent {
            assert_eq!((response.status().as_u16(), sent), (200, 2), "{status}");
        } else {
            assert_eq!((response.status().as_u16(), sent), (status, 1), "{status}");
        }
    }

    // A dropped connection may have run the request: not resent …
    mock.inject_fault(Fault::new("/probe").drop_connection().times(1))
        .await;
    let waits = harness.slept_ms().len();
    let err = harness
        .transport
        .execute(
            harness.post(&url, "x"),
            Replay::OnlyIfNotSent,
            Follow::SameOrigin,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(harness.slept_ms().len(), waits);
    // … unless resending is harmless.
    mock.inject_fault(Fault::new("/probe").drop_connection().times(1))
        .await;
    finally_ok(&mock).await;
    let response = harness
        .transport
        .execute(harness.post(&url, "x"), Replay::Safe, Follow::SameOrigin)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(harness.slept_ms().len(), waits + 1);
}

#[tokio::test]
async fn a_redirect_re_sends_the_same_method_and_body() {
    let mock = MockServer::start().await;
    let harness = Harness::new();
    for (index, status) in [301, 302, 303, 307, 308].into_iter().enumerate() {
        mock.inject_fault(
            Fault::new(format!("/hop{index}"))
                .status(status)
                .header("Location", format!("/hop{}", index + 1)),
        )
        .await;
    }
    mock.inject_fault(Fault::new("/hop5").status(200).body("arrived"))
        .await;
    let response = harness
        .transport
        .execute(
            harness.post(&format!("{}/hop0", mock.uri()), "the body"),
            Replay::Safe,
            Follow::AnyHost,
        )
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "arrived");
    let log = mock.requests().await;
    let seen: Vec<_> = log
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let expected: Vec<_> = (0..=5)
        .map(|i| ("POST".to_owned(), format!("/hop{i}")))
        .collect();
    assert_eq!(seen, expected);
    let first = log[0].body.clone().unwrap_or_default();
    assert!(first.contains("the body"), "{first}");
    assert!(log.iter().all(|r| r.body.as_ref() == Some(&first)));
}

#[tokio::test]
async fn follows_at_most_five_redirects() {
    let mock = MockServer::start().await;
    let harness = Harness::new();
    mock.inject_fault(Fault::new("/loop").status(302).header("Location", "/loop"))
        .await;
    let err = harness
        .transport
        .execute(
            harness.get(&format!("{}/loop", mock.uri())),
            Replay::Safe,
            Follow::AnyHost,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::TooManyRedirects { hops: 5, .. }),
        "{err:?}"
    );
    assert_eq!(to(&mock, "/loop").await.len(), 6);
}

#[tokio::test]
async fn an_authenticated_request_stays_on_its_origin() {
    let mock = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let harness = Harness::new();
    let location = format!("{}/probe", elsewhere.uri());
    mock.inject_fault(
        Fault::new("/moved")
            .status(307)
            .header("Location", &location),
    )
    .await;
    finally_ok(&elsewhere).await;
    let url = format!("{}/moved", mock.uri());

    let err = harness
        .transport
        .execute(harness.get(&url), Replay::Safe, Follow::SameOrigin)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { status: 307, location: l, .. } if *l == location),
        "{err:?}"
    );
    assert!(elsewhere.requests().await.is_empty());

    // An unauthenticated one may move to another server (both are on loopback).
    let response = harness
        .transport
        .execute(harness.get(&url), Replay::Safe, Follow::AnyHost)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(to(&elsewhere, "/probe").await.len(), 1);
}

#[test]
fn never_downgrades_from_https() {
    let harness = Harness::new();
    let from = Url::parse("https://tableau.example.com/api/3.27/auth/signin").unwrap();
    for follow in [Follow::AnyHost, Follow::SameOrigin] {
        let err = harness
            .transport
            .redirect_target(
                &from,
                "http://tableau.example.com/api/3.27/auth/signin",
                StatusCode::MOVED_PERMANENTLY,
                follow,
            )
            .unwrap_err();
        assert!(
            matches!(err, Error::Redirect { status: 301, .. }),
            "{err:?}"
        );
    }
}

#[test]
fn sign_in_may_move_to_another_host_but_authenticated_calls_may_not() {
    let harness = Harness::new();
    let target = |from: &str, to: &str, follow| {
        let from = Url::parse(from).unwrap();
        harness
            .transport
            .redirect_target(&from, to, StatusCode::FOUND, follow)
    };
    let entry = "https://online.tableau.com/api/3.27/auth/signin";
    let pod = "https://10ay.online.tableau.com/api/3.27/auth/signin";
    assert!(target(entry, pod, Follow::AnyHost).is_ok());
    assert!(target(entry, pod, Follow::SameOrigin).is_err());
    assert!(target(entry, "/tableau/api/3.27/auth/signin", Follow::SameOrigin).is_ok());
}

#[test]
fn plain_http_only_to_the_local_machine_unless_allowed() {
    let strict = Harness::new();
    let from = Url::parse("http://127.0.0.1:8080/api/3.27/auth/signin").unwrap();
    let remote = "http://tableau.example.com/api/3.27/auth/signin";
    let err = strict
        .transport
        .redirect_target(&from, remote, StatusCode::FOUND, Follow::AnyHost)
        .unwrap_err();
    assert!(matches!(err, Error::InsecureUrl { .. }), "{err:?}");
    assert!(
        strict
            .transport
            .redirect_target(
                &from,
                "http://localhost:9000/x",
                StatusCode::FOUND,
                Follow::AnyHost
            )
            .is_ok()
    );

    let mut lenient = Harness::new();
    lenient.transport.allow_insecure_http = true;
    assert!(
        lenient
            .transport
            .redirect_target(&from, remote, StatusCode::FOUND, Follow::AnyHost)
            .is_ok()
    );
}
