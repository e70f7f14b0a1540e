//! The session manager: single flight, re-authentication, supersessions, refresh.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Clock, password, pat, requests_to};
use tableau_auth::{
    AuthProvider, Credentials, Error, ErrorCode, ExposeSecret, LoadReason, LoadRequest,
    ProviderError, Session, SessionManager, SessionSource, async_trait,
};
use tableau_mock_server::{Fault, MockServer};

async fn get_current(manager: &SessionManager) -> Result<reqwest::Response, Error> {
    let url = manager.api_url("sessions/current").await?;
    manager.send(manager.client().http().get(url)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cold_callers_cause_one_sign_in() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(pat(&mock)));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().expose_secret().to_owned());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1);
    assert_eq!(manager.sign_in_count(), 1);
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
    assert_eq!(requests_to(&mock, "/serverinfo").await.len(), 1);
}

#[tokio::test]
async fn signs_in_again_after_idle_expiry() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(password(&mock)));
    assert!(get_current(&manager).await.unwrap().status().is_success());
    let first = manager.session().await.unwrap();

    // The server's clock passes its idle limit; ours does not notice.
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    let response = get_current(&manager).await.expect("re-authenticated");
    assert!(response.status().is_success());
    assert_eq!(manager.sign_in_count(), 2);
    let second = manager.session().await.unwrap();
    assert_ne!(
        first.token().expose_secret(),
        second.token().expose_secret()
    );
    assert_eq!(
        second.site_id(),
        first.site_id(),
        "same site after re-sign-in"
    );
    let statuses: Vec<_> = requests_to(&mock, "/sessions/current")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(200), Some(401), Some(200)]);
}

#[tokio::test]
async fn refreshes_before_the_idle_limit() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::builder(clock.client(&mock), Arc::new(password(&mock)))
        .session_lifetime(Duration::from_secs(240 * 60))
        .refresh_buffer(Duration::from_secs(5 * 60))
        .build();
    get_current(&manager).await.unwrap();
    clock.time.advance(Duration::from_secs(230 * 60));
    mock.advance_clock(Duration::from_secs(230 * 60)).await;
    get_current(&manager).await.unwrap();
    assert_eq!(manager.sign_in_count(), 1, "use slides the idle limit");

    clock.time.advance(Duration::from_secs(236 * 60));
    mock.advance_clock(Duration::from_secs(236 * 60)).await;
    get_current(&manager).await.unwrap();
    assert_eq!(manager.sign_in_count(), 2);
    let rejected = requests_to(&mock, "/sessions/current")
        .await
        .iter()
        .filter(|r| r.status == Some(401))
        .count();
    assert_eq!(
        rejected, 0,
        "refreshed before the server could reject the token"
    );
}

#[tokio::test]
async fn signs_in_again_after_a_pat_supersession_with_a_diagnosis() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    get_current(&manager).await.unwrap();

    // Another process signs in with the same PAT.
    clock.client(&mock).sign_in(&pat(&mock)).await.unwrap();
    assert!(get_current(&manager).await.unwrap().status().is_success());
    assert_eq!(manager.sign_in_count(), 2);

    // A bare client sees the diagnosis.
    let client = clock.client(&mock);
    let session = client.sign_in(&pat(&mock)).await.unwrap();
    client.sign_in(&pat(&mock)).await.unwrap();
    let err = client.current_session(&session).await.unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::INVALID_CREDENTIALS));
    let text = err.to_string();
    assert!(
        text.contains(
            "the personal access token was probably used to sign in elsewhere (one session per PAT)"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn stops_after_three_supersessions_within_ten_minutes() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    let other = clock.client(&mock);
    get_current(&manager).await.unwrap();
    for round in 1..=2 {
        other.sign_in(&pat(&mock)).await.unwrap();
        get_current(&manager)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
    }
    other.sign_in(&pat(&mock)).await.unwrap();
    let err = get_current(&manager).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::PatInUseElsewhere {
                supersessions: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("one session per PAT"), "{err}");
    assert_eq!(manager.sign_in_count(), 3);
    let before = requests_to(&mock, "/auth/signin").await.len();
    assert!(matches!(
        manager.token().await,
        Err(Error::PatInUseElsewhere { .. })
    ));
    assert_eq!(
        requests_to(&mock, "/auth/signin").await.len(),
        before,
        "no fighting"
    );

    manager.resume().await;
    get_current(&manager).await.expect("resumed");
}

#[tokio::test]
async fn supersessions_outside_the_window_do_not_stop_the_manager() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    let other = clock.client(&mock);
    for _ in 0..4 {
        get_current(&manager).await.unwrap();
        other.sign_in(&pat(&mock)).await.unwrap();
        clock.time.advance(Duration::from_secs(6 * 60));
        mock.advance_clock(Duration::from_secs(6 * 60)).await;
    }
    get_current(&manager).await.expect("spread out over time");
}

#[tokio::test]
async fn a_revoked_pat_stops_after_one_attempt() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(pat(&mock)));
    get_current(&manager).await.unwrap();
    let creds = mock.default_credentials();
    assert!(mock.revoke_pat("", &creds.username, &creds.pat_name).await);

    let err = get_current(&manager).await.unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::SIGNIN_ERROR), "{err:?}");
    assert!(err.to_string().contains("revoked"), "{err}");
    let sign_ins: Vec<_> = requests_to(&mock, "/auth/signin")
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(sign_ins, [Some(200), Some(401)]);
    assert_eq!(requests_to(&mock, "/sessions/current").await.len(), 2);

    // Stopped: later calls get the same error without asking the server again.
    for _ in 0..3 {
        let again = get_current(&manager).await.unwrap_err();
        assert_eq!(again.tableau_code(), Some(ErrorCode::SIGNIN_ERROR));
        assert!(manager.token().await.is_err());
    }
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
    assert_eq!(requests_to(&mock, "/sessions/current").await.len(), 2);

    // After the credentials are fixed, resume() lets it sign in again.
    let new_secret = mock
        .create_pat("", &creds.username, "replacement")
        .await
        .secret;
    let fixed = SessionManager::new(
        Clock::new().client(&mock),
        Arc::new(
            tableau_auth::PersonalAccessTokenProvider::new("replacement", new_secret)
                .unwrap()
                .site(&creds.site_content_url),
        ),
    );
    get_current(&fixed).await.expect("a new token signs in");
    manager.resume().await;
    let still_revoked = get_current(&manager).await.unwrap_err();
    assert_eq!(still_revoked.tableau_code(), Some(ErrorCode::SIGNIN_ERROR));
    assert_eq!(
        requests_to(&mock, "/auth/signin").await.len(),
        4,
        "resume() allowed exactly one more attempt"
    );
}

#[tokio::test]
async fn a_wrong_password_is_tried_once_however_often_asked() {
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();
    let provider = tableau_auth::PasswordProvider::new(&creds.username, "not-the-password")
        .unwrap()
        .site(&creds.site_content_url);
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(provider));
    for _ in 0..5 {
        let err = manager.token().await.unwrap_err();
        assert_eq!(err.tableau_code(), Some(ErrorCode::SIGNIN_ERROR), "{err:?}");
    }
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_of_token_report_a_dead_token_and_get_one_new_session() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    let dead = manager.token().await.unwrap();
    // Another sign-in with the same PAT ends the manager's session.
    clock.client(&mock).sign_in(&pat(&mock)).await.unwrap();

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let manager = manager.clone();
            let dead = dead.clone();
            tokio::spawn(async move {
                manager.invalidate(&dead).await?;
                manager.token().await
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().expose_secret().to_owned());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "every task got the one new token");
    assert_ne!(tokens[0], dead.expose_secret());
    assert_eq!(manager.sign_in_count(), 2);
    let url = manager.api_url("sessions/current").await.unwrap();
    let status = manager
        .client()
        .http()
        .get(url)
        .header("x-tableau-auth", &tokens[0])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_holding_a_dead_token_cause_one_sign_in() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    get_current(&manager).await.unwrap();
    clock.client(&mock).sign_in(&pat(&mock)).await.unwrap();

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { get_current(&manager).await.map(|r| r.status()) })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap().is_success());
    }
    assert_eq!(manager.sign_in_count(), 2);
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 3);
}

#[tokio::test]
async fn sign_out_on_demand_and_sign_in_again_later() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(password(&mock)));
    get_current(&manager).await.unwrap();
    manager.try_sign_out().await.unwrap();
    assert!(manager.cached_session().is_none());
    manager.try_sign_out().await.expect("nothing to sign out");
    get_current(&manager).await.unwrap();
    assert_eq!(manager.sign_in_count(), 2);
    assert_eq!(requests_to(&mock, "/auth/signout").await.len(), 1);
}

#[tokio::test]
async fn switched_site_is_kept_when_signing_in_again() {
    let mock = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(password(&mock)));
    let switched = manager.switch_site("analytics").await.unwrap();
    assert_eq!(switched.site_content_url(), "analytics");
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    get_current(&manager).await.unwrap();
    let session = manager.session().await.unwrap();
    assert_eq!(session.site_content_url(), "analytics");
    assert_eq!(session.site_id(), switched.site_id());
}

#[tokio::test]
async fn switching_to_the_current_site_keeps_the_session_and_its_idle_time() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(password(&mock)));
    let first = manager.session().await.unwrap();
    clock.time.advance(Duration::from_secs(230 * 60));
    mock.advance_clock(Duration::from_secs(230 * 60)).await;
    get_current(&manager).await.unwrap();
    let same = manager.switch_site("").await.expect("403070 is success");
    assert!(Arc::ptr_eq(&first, &same), "the same session");
    clock.time.advance(Duration::from_secs(10 * 60));
    mock.advance_clock(Duration::from_secs(10 * 60)).await;
    get_current(&manager).await.unwrap();
    assert_eq!(
        manager.sign_in_count(),
        1,
        "10 idle minutes since the last use: no refresh"
    );
}

#[tokio::test]
async fn the_token_is_not_sent_to_another_server() {
    let mock = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let manager = SessionManager::new(Clock::new().client(&mock), Arc::new(password(&mock)));
    let url = format!("{}/api/3.27/sessions/current", elsewhere.uri());
    let err = manager
        .send(manager.client().http().get(url))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Configuration(_)), "{err:?}");
    assert!(elsewhere.requests().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_waiter_gets_the_real_error_of_the_one_failed_sign_in() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    mock.inject_fault(Fault::new("/serverinfo").drop_connection())
        .await;
    let manager = SessionManager::new(clock.client(&mock), Arc::new(password(&mock)));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.token().await })
        })
        .collect();
    let mut texts = Vec::new();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        let cause = std::error::Error::source(&err).expect("the cause");
        assert!(
            cause.downcast_ref::<reqwest::Error>().is_some(),
            "{cause:?}"
        );
        texts.push(err.to_string());
    }
    texts.dedup();
    assert_eq!(texts.len(), 1, "one error, shared: {texts:?}");
    // One sign-in was attempted per flight, each with the policy's 4 attempts.
    let attempts = requests_to(&mock, "/serverinfo").await.len() as u64;
    assert_eq!(attempts, 4 * manager.sign_in_count());
}

/// A provider that never answers until told to.
#[derive(Debug, Default)]
struct Stuck {
    answer: tokio::sync::Notify,
    released: std::sync::atomic::AtomicBool,
    asked: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl AuthProvider for Stuck {
    fn name(&self) -> &str {
        "stuck"
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        use std::sync::atomic::Ordering::SeqCst;
        self.asked.fetch_add(1, SeqCst);
        if !self.released.load(SeqCst) {
            self.answer.notified().await;
        }
        Ok(Credentials::password("admin", "admin"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_sign_in_times_out_for_every_waiter_and_the_next_call_signs_in() {
    use std::sync::atomic::Ordering::SeqCst;
    let mock = MockServer::start().await;
    let provider = Arc::new(Stuck::default());
    let manager = SessionManager::builder(Clock::new().client(&mock), provider.clone())
        .sign_in_timeout(Duration::from_millis(200))
        .build();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.token().await })
        })
        .collect();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert!(
            matches!(err, Error::SignInTimeout { timeout } if timeout == Duration::from_millis(200)),
            "{err:?}"
        );
    }
    assert_eq!(provider.asked.load(SeqCst), 1, "one sign-in, shared");
    assert!(requests_to(&mock, "/auth/signin").await.is_empty());

    provider.released.store(true, SeqCst);
    manager.token().await.expect("the next call signs in again");
    assert_eq!(provider.asked.load(SeqCst), 2);
    assert_eq!(manager.sign_in_count(), 2);
}

/// The seam for a cross-process store: an in-memory "store" shared by two managers, consulted
/// before signing in and written after, keyed on the rejected token.
#[derive(Debug, Default)]
struct SharedStore {
    session: std::sync::Mutex<Option<Session>>,
    reasons: std::sync::Mutex<Vec<LoadReason>>,
}

#[derive(Debug)]
struct ThroughStore {
    store: Arc<SharedStore>,
    sign_in: Arc<dyn SessionSource>,
}

#[async_trait]
impl SessionSource for ThroughStore {
    async fn load(&self, request: &LoadRequest<'_>) -> Result<Session, Error> {
        self.store.reasons.lock().unwrap().push(request.reason);
        let stored = self.store.session.lock().unwrap().clone();
        if let Some(stored) = stored {
            let dead = request
                .replacing
                .is_some_and(|r| r.token().expose_secret() == stored.token().expose_secret());
            if !dead {
                return Ok(stored);
            }
        }
        let fresh = self.sign_in.load(request).await?;
        *self.store.session.lock().unwrap() = Some(fresh.clone());
        Ok(fresh)
    }
}

#[tokio::test]
async fn a_session_source_lets_two_managers_share_one_pat_session() {
    let mock = MockServer::start().await;
    let clock = Clock::new();
    let store = Arc::new(SharedStore::default());
    let managers: Vec<_> = (0..2)
        .map(|_| {
            let store = Arc::clone(&store);
            SessionManager::builder(clock.client(&mock), Arc::new(pat(&mock)))
                .wrap_source(move |sign_in| Arc::new(ThroughStore { store, sign_in }))
                .build()
        })
        .collect();
    for manager in &managers {
        assert!(get_current(manager).await.unwrap().status().is_success());
    }
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 1);
    let tokens: Vec<_> = {
        let mut tokens = Vec::new();
        for manager in &managers {
            tokens.push(manager.token().await.unwrap().expose_secret().to_owned());
        }
        tokens
    };
    assert_eq!(tokens[0], tokens[1]);

    // The session dies on the server: the first manager to notice signs in, the other adopts.
    mock.advance_clock(Duration::from_secs(241 * 60)).await;
    for manager in &managers {
        assert!(get_current(manager).await.unwrap().status().is_success());
    }
    assert_eq!(requests_to(&mock, "/auth/signin").await.len(), 2);
    assert_eq!(
        *store.reasons.lock().unwrap(),
        [
            LoadReason::FirstUse,
            LoadReason::FirstUse,
            LoadReason::Rejected,
            LoadReason::Rejected
        ]
    );
    let mut after = Vec::new();
    for manager in &managers {
        after.push(manager.token().await.unwrap().expose_secret().to_owned());
    }
    assert_eq!(after[0], after[1], "one session again");
    assert_ne!(after[0], tokens[0]);
}
