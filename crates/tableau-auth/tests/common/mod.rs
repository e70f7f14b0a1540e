//! Helpers shared by the integration tests: a mock server, clients with manual time, and the
//! default providers.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tableau_auth::{
    Client, ClientBuilder, ConnectedAppProvider, PasswordProvider, PersonalAccessTokenProvider,
    RetryPolicy,
};
use tableau_auth::{ManualSleep, ManualTimeSource};
use tableau_mock_server::{ConnectedApp, MockServer, RecordedRequest};

/// A client's manual clock and sleep, to drive and observe time without waiting.
pub struct Clock {
    pub time: ManualTimeSource,
    pub sleep: ManualSleep,
}

impl Clock {
    pub fn new() -> Self {
        let time =
            ManualTimeSource::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let sleep = ManualSleep::advancing(time.clone());
        Clock { time, sleep }
    }

    /// A builder for `mock` with this clock and sleep and a jitter-free retry policy.
    pub fn builder(&self, mock: &MockServer) -> ClientBuilder {
        Client::builder()
            .server_url(&mock.uri())
            .time_source(Arc::new(self.time.clone()))
            .sleep(Arc::new(self.sleep.clone()))
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(4)
                    .with_base_delay(Duration::from_millis(100))
                    .with_jitter(false),
            )
    }

    pub fn client(&self, mock: &MockServer) -> Client {
        self.builder(mock).build().expect("client")
    }
}

pub fn password(mock: &MockServer) -> PasswordProvider {
    let creds = mock.default_credentials();
    PasswordProvider::new(creds.username, creds.password)
        .expect("password provider")
        .site(creds.site_content_url)
}

pub fn pat(mock: &MockServer) -> PersonalAccessTokenProvider {
    let creds = mock.default_credentials();
    PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)
        .expect("pat provider")
        .site(creds.site_content_url)
}

pub const APP_CLIENT_ID: &str = "app-client-id";
pub const APP_SECRET_ID: &str = "app-secret-id";
pub const APP_SECRET_VALUE: &str = "c2VjcmV0LXZhbHVlLW9mLXRoZS1hcHA=";

/// Registers a connected app on the Default site and returns a provider for `admin`.
pub async fn connected_app(mock: &MockServer) -> ConnectedAppProvider {
    mock.create_connected_app(ConnectedApp {
        site: String::new(),
        client_id: APP_CLIENT_ID.into(),
        secret_id: APP_SECRET_ID.into(),
        secret_value: APP_SECRET_VALUE.into(),
        enabled: true,
    })
    .await;
    ConnectedAppProvider::new(APP_CLIENT_ID, APP_SECRET_ID, APP_SECRET_VALUE, "admin")
        .expect("jwt provider")
        // The tests look users up too, which a real server refuses without this scope.
        .scopes(["tableau:content:read", "tableau:users:read"])
        .expect("valid scopes")
}

/// The requests whose path ends with `suffix`.
pub async fn requests_to(mock: &MockServer, suffix: &str) -> Vec<RecordedRequest> {
    mock.requests()
        .await
        .into_iter()
        .filter(|r| {
            r.path
                .to_ascii_lowercase()
                .ends_with(&suffix.to_ascii_lowercase())
        })
        .collect()
}
