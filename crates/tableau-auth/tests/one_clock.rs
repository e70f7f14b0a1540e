//! One clock for the client, the connected-app provider and the session manager: the mock's own
//! clock (`MockServer::time_source`) drives all three, so one `advance_clock` moves everything;
//! or a `ManualTimeSource` is moved in step with the mock's clock by hand.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{connected_app, requests_to};
use tableau_auth::{Client, Error, ManualTimeSource, SessionManager, TimeSource};
use tableau_mock_server::MockServer;

const HOUR: Duration = Duration::from_secs(3600);

async fn get_current(manager: &SessionManager) -> Result<reqwest::Response, Error> {
    let url = manager.api_url("sessions/current").await?;
    manager.send(manager.client().http().get(url)).await
}

/// The manual clock, standing where the mock's clock stands.
async fn clock_of(mock: &MockServer) -> ManualTimeSource {
    ManualTimeSource::new(SystemTime::from(mock.now().await))
}

#[tokio::test]
async fn one_clock_drives_client_provider_and_manager_through_five_hours() {
    let mock = MockServer::start().await;
    let clock = clock_of(&mock).await;
    let client = Client::builder()
        .server_url(&mock.uri())
        .time_source(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let provider = connected_app(&mock)
        .await
        .time_source(Arc::new(clock.clone()));
    let manager = SessionManager::new(client, Arc::new(provider));
    let start = clock.now();
    assert!(get_current(&manager).await.unwrap().status().is_success());

    // Five hours pass, for us and for the server alike.
    for _ in 0..5 {
        clock.advance(HOUR);
        mock.advance_clock(HOUR).await;
    }

    // The manager saw the idle limit pass and signed in again before calling; the JWT it
    // minted has its exp five hours later too, which the server accepts.
    assert!(get_current(&manager).await.unwrap().status().is_success());
    assert_eq!(manager.sign_in_count(), 2);
    let sign_ins: Vec<_> = requests_to(&mock, "/auth/signin")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(sign_ins, [Some(200), Some(200)], "no refused JWT");
    let calls: Vec<_> = requests_to(&mock, "/sessions/current")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(calls, [Some(200), Some(200)], "no dead token was sent");
    let session = manager.session().await.unwrap();
    assert_eq!(session.issued_at(), start + 5 * HOUR);
}

#[tokio::test]
async fn the_mocks_time_source_lets_one_advance_clock_drive_mock_client_and_provider() {
    let mock = MockServer::start().await;
    let clock = mock.time_source();
    let client = Client::builder()
        .server_url(&mock.uri())
        .time_source(clock.clone())
        .build()
        .unwrap();
    let provider = connected_app(&mock).await.time_source(clock.clone());
    let manager = SessionManager::new(client, Arc::new(provider));
    assert!(get_current(&manager).await.unwrap().status().is_success());
    let first = manager.session().await.unwrap().issued_at();

    // Five hours pass: one call moves the server, the client and the provider.
    mock.advance_clock(5 * HOUR).await;

    assert!(get_current(&manager).await.unwrap().status().is_success());
    assert_eq!(
        manager.sign_in_count(),
        2,
        "the manager saw the idle limit pass"
    );
    let sign_ins: Vec<_> = requests_to(&mock, "/auth/signin")
        .await
        .iter()
        .map(|r| (r.status, r.refusal.clone()))
        .collect();
    assert_eq!(
        sign_ins,
        [(Some(200), None), (Some(200), None)],
        "the second JWT's exp is five hours later too, which the server accepts"
    );
    let calls: Vec<_> = requests_to(&mock, "/sessions/current")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(calls, [Some(200), Some(200)], "no dead token was sent");
    let second = manager.session().await.unwrap().issued_at();
    let elapsed = second.duration_since(first).unwrap();
    assert!(
        elapsed >= 5 * HOUR && elapsed < 5 * HOUR + Duration::from_secs(60),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_provider_on_another_clock_mints_jwts_the_server_finds_expired() {
    // The trap the shared clock avoids: the provider on the system clock, the server five
    // hours ahead. Both mints are refused (exp is in the server's past) and the manager stops.
    let mock = MockServer::start().await;
    let clock = clock_of(&mock).await;
    let client = Client::builder()
        .server_url(&mock.uri())
        .time_source(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let manager = SessionManager::new(client, Arc::new(connected_app(&mock).await));
    for _ in 0..5 {
        clock.advance(HOUR);
        mock.advance_clock(HOUR).await;
    }
    let err = get_current(&manager).await.unwrap_err();
    assert!(matches!(err, Error::SignInRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("clock"), "{err}");
    let sign_ins = requests_to(&mock, "/auth/signin").await;
    assert_eq!(sign_ins.len(), 2);
    // The mock says why, where a test can read it (the wire only says 401001).
    for refused in &sign_ins {
        assert_eq!(
            refused.refusal.as_deref(),
            Some("connected-app JWT refused: expired")
        );
    }
}
