//! Captures every `tracing` event (TRACE, all targets, `log` records included) of full
//! sessions and searches the output for secrets and tokens.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::{APP_SECRET_VALUE, Clock, connected_app};
use tableau_auth::{
    AuthProvider, CredentialFamily, Credentials, ExposeSecret, PasswordProvider,
    PersonalAccessTokenProvider, ProviderChain, ProviderError, Session, SessionManager, TimeSource,
};
use tableau_mock_server::MockServer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Real time plus the offset the mock's clock was moved by, so that JWTs minted after
/// `advance_clock` are not already expired in the mock's eyes.
#[derive(Debug, Clone, Default)]
struct MockTime(Arc<Mutex<Duration>>);

impl TimeSource for MockTime {
    fn now(&self) -> SystemTime {
        SystemTime::now() + *self.0.lock().unwrap()
    }
}

const PASSWORD: &str = "Distinct-Pw-0xC0FFEE";

/// Wraps a provider and keeps every JWT it mints, to search the logs for them.
#[derive(Debug)]
struct KeepsJwts<P> {
    inner: P,
    minted: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl<P: AuthProvider> AuthProvider for KeepsJwts<P> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let credentials = self.inner.credentials().await?;
        if let CredentialFamily::ConnectedApp { jwt: token } = credentials.family() {
            self.minted
                .lock()
                .unwrap()
                .push(token.expose_secret().to_owned());
        }
        Ok(credentials)
    }
}

async fn get_current(manager: &SessionManager) {
    let url = manager.api_url("sessions/current").await.unwrap();
    let response = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap();
    assert!(response.status().is_success());
}

/// Runs sign-in, a call, a re-authentication after idle expiry and sign-out; returns every
/// token the manager held.
async fn full_session(
    mock: &MockServer,
    mock_time: &MockTime,
    manager: &SessionManager,
) -> Vec<String> {
    let mut tokens = Vec::new();
    get_current(manager).await;
    tokens.push(manager.token().await.unwrap().expose_secret().to_owned());
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    *mock_time.0.lock().unwrap() += Duration::from_secs(241 * 60);
    get_current(manager).await;
    tokens.push(manager.token().await.unwrap().expose_secret().to_owned());
    manager.try_sign_out().await.unwrap();
    tokens
}

#[tokio::test]
async fn a_full_session_logs_no_secret_and_no_token() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish()
        .try_init()
        .expect("the only subscriber of this test binary");

    let mock = MockServer::start().await;
    mock.create_user("", "jdoe", Some(PASSWORD), "Creator")
        .await;
    let short_pat = mock.create_pat_expiring_in("", "jdoe", "jdoe-pat", 3).await;
    let clock = Clock::new();
    let client = clock.client(&mock);
    let mock_time = MockTime::default();

    let mut tokens = Vec::new();
    // In a chain, so that the chain's own events are searched too.
    let provider = PasswordProvider::new("jdoe", PASSWORD).unwrap();
    let manager = SessionManager::new(
        client.clone(),
        Arc::new(ProviderChain::first_try("password", provider)),
    );
    tokens.extend(full_session(&mock, &mock_time, &manager).await);

    let provider = PersonalAccessTokenProvider::new("jdoe-pat", short_pat.secret.as_str()).unwrap();
    let manager = SessionManager::new(client.clone(), Arc::new(provider));
    tokens.extend(full_session(&mock, &mock_time, &manager).await);

    let minted = Arc::new(Mutex::new(Vec::new()));
    let provider = KeepsJwts {
        inner: connected_app(&mock)
            .await
            .time_source(Arc::new(mock_time.clone())),
        minted: Arc::clone(&minted),
    };
    let manager = SessionManager::new(client.clone(), Arc::new(provider));
    tokens.extend(full_session(&mock, &mock_time, &manager).await);

    // A session from a token someone else signed in for, used until the server ends it.
    let theirs = client
        .sign_in(&PasswordProvider::new("jdoe", PASSWORD).unwrap())
        .await
        .unwrap();
    tokens.push(theirs.token().expose_secret().to_owned());
    let session = Session::from_token(&client, theirs.token().clone())
        .await
        .unwrap();
    let manager = SessionManager::from_session(client.clone(), session);
    get_current(&manager).await;
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    let url = manager.api_url("sessions/current").await.unwrap();
    let ended = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap_err();
    let ended_text = format!("{ended} {ended:?}");

    // Failures are logged too: a wrong password and a revoked PAT.
    let wrong = PasswordProvider::new("jdoe", "Wrong-Pw-0xBADBAD").unwrap();
    let err = client.sign_in(&wrong).await.unwrap_err();
    let err_text = format!("{err} {err:?} {ended_text}");

    let output = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(output.contains("TRACE"), "TRACE level was captured");
    assert!(output.contains("signed in"), "{output}");
    assert!(output.contains("sign_in{provider="), "the sign-in span");
    assert!(output.contains("the chain's credentials come from this provider"));
    assert!(
        output.contains("expires soon"),
        "the PAT expiry warning fired"
    );
    let mut secrets = vec![
        PASSWORD.to_owned(),
        short_pat.secret.clone(),
        APP_SECRET_VALUE.to_owned(),
        "Wrong-Pw-0xBADBAD".to_owned(),
    ];
    let jwts = minted.lock().unwrap().clone();
    assert_eq!(jwts.len(), 2, "one JWT per sign-in");
    for jwt in &jwts {
        secrets.push(jwt.clone());
        // The signature alone would let nobody sign, but the whole JWT is a credential.
        secrets.extend(jwt.rsplit('.').next().map(str::to_owned));
    }
    for token in &tokens {
        secrets.push(token.clone());
        // The first two parts are the secret ones; the third is the site LUID.
        secrets.extend(token.split('|').take(2).map(str::to_owned));
    }
    assert_eq!(tokens.len(), 7);
    for secret in &secrets {
        assert!(!secret.is_empty());
        assert!(
            !output.contains(secret.as_str()),
            "a secret leaked into the logs"
        );
        assert!(
            !err_text.contains(secret.as_str()),
            "a secret leaked into an error"
        );
    }
}
