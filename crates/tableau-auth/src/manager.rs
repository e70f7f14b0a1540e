//! [`SessionManager`]: one shared session, signed in lazily and again when it ends.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use tableau_auth_core::{AuthProvider, CredentialKind, ErrorCode};

use crate::client::{Client, token_header};
use crate::error::Error;
use crate::manager_config::{ManagerConfig, SessionManagerBuilder};
use crate::responses::Call;
use crate::session::Session;
use crate::transport::{Follow, Replay, transport_error};

/// Keeps one session alive for many tasks: signs in on first use (one sign-in however many
/// tasks ask at once), refreshes before the idle limit, and signs in again — once per failing
/// request — when the server says the token is gone.
///
/// Clones share the session. One manager per personal access token per process is the safe
/// way to use a PAT from many tasks (Tableau allows one session per PAT: every sign-in ends
/// the previous session). When another process keeps signing in with the same PAT, the
/// manager notices (3 supersessions within 10 minutes by default) and stops with
/// [`Error::PatInUseElsewhere`] instead of fighting it. When the server refuses the
/// credentials themselves (401001: wrong password, revoked or expired PAT), the manager stops
/// too and answers every later call with that error without asking the server again, so a
/// long job cannot lock an account or flood the server; [`resume`](SessionManager::resume)
/// after fixing the credentials.
#[derive(Clone, Debug)]
pub struct SessionManager {
    inner: Arc<ManagerInner>,
}

#[derive(Debug)]
struct ManagerInner {
    client: Client,
    provider: Arc<dyn AuthProvider>,
    config: ManagerConfig,
    current: RwLock<Option<Arc<Session>>>,
    /// Milliseconds since the epoch of the last successful use of the current session.
    last_used_ms: AtomicU64,
    state: tokio::sync::Mutex<State>,
    sign_ins: AtomicU64,
    attempts_finished: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    /// The site chosen with `switch_site`, kept for later sign-ins.
    site: Option<String>,
    supersessions: VecDeque<SystemTime>,
    stopped: bool,
    /// The server refused the credentials (401001): every later call gets this error.
    refused: Option<Error>,
    last_failure: Option<Error>,
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl SessionManager {
    /// A manager with the default settings (240-minute idle lifetime, 14-day PAT warning,
    /// stop after 3 supersessions in 10 minutes).
    pub fn new(client: Client, provider: Arc<dyn AuthProvider>) -> SessionManager {
        SessionManager::builder(client, provider).build()
    }

    /// Configures a manager.
    pub fn builder(client: Client, provider: Arc<dyn AuthProvider>) -> SessionManagerBuilder {
        SessionManagerBuilder::new(client, provider)
    }

    pub(crate) fn from_config(
        client: Client,
        provider: Arc<dyn AuthProvider>,
        config: ManagerConfig,
    ) -> Self {
        SessionManager {
            inner: Arc::new(ManagerInner {
                client,
                provider,
                config,
                current: RwLock::new(None),
                last_used_ms: AtomicU64::new(0),
                state: tokio::sync::Mutex::new(State::default()),
                sign_ins: AtomicU64::new(0),
                attempts_finished: AtomicU64::new(0),
            }),
        }
    }

    /// The client the manager signs in with.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// A valid session token, signing in first if needed.
    ///
    /// For calls made without [`send`](SessionManager::send): when the server rejects the
    /// token (401002), pass it to [`invalidate`](SessionManager::invalidate) and ask again.
    pub async fn token(&self) -> Result<SecretString, Error> {
        Ok(self.session().await?.token().clone())
    }

    /// Tells the manager that the server rejected `token` (a 401002 on a call you made
    /// yourself with [`token`](SessionManager::token)), so the next call signs in again.
    ///
    /// Keyed on the token: when another task already replaced that session, nothing happens
    /// and the replacement is kept, so many tasks reporting the same dead token cause one
    /// sign-in. A PAT session that dies early counts as a supersession, as in `send`, and may
    /// return [`Error::PatInUseElsewhere`].
    pub async fn invalidate(&self, token: &SecretString) -> Result<(), Error> {
        let current = self.inner.current();
        match current {
            Some(session) if session.token().expose_secret() == token.expose_secret() => {
                self.inner.forget(&session).await
            }
            _ => Ok(()),
        }
    }

    /// The current session, signing in first if needed.
    pub async fn session(&self) -> Result<Arc<Session>, Error> {
        self.obtain(None).await
    }

    /// The current session without signing in, if there is one.
    pub fn current_session(&self) -> Option<Arc<Session>> {
        self.inner.current()
    }

    /// How many sign-ins this manager started (for diagnostics and tests).
    pub fn sign_in_count(&self) -> u64 {
        self.inner.sign_ins.load(Ordering::Relaxed)
    }

    /// The URL of `path` under `/api/{version}/` on the current session's server.
    pub async fn api_url(&self, path: &str) -> Result<url::Url, Error> {
        self.session().await?.api_url(path)
    }

    /// Sends a request with the session's `X-Tableau-Auth` header through the client (the
    /// builder's own client is not used: requests always go through the manager's client,
    /// whose redirects are off). The URL must be on the session's server.
    ///
    /// If the server answers 401 (401002 or 401000), the manager signs in again — at most
    /// once for this request, and not at all when another task already replaced the rejected
    /// session — and sends the request once more (only if its body can be cloned). Any other
    /// answer, success or not, is returned as it is; a final 401 becomes an
    /// [`Error::SessionExpired`].
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Error> {
        let (_, request) = request.build_split();
        let request = request.map_err(transport_error)?;
        let replay = Replay::for_method(request.method());
        let second_try = request.try_clone();

        let session = self.obtain(None).await?;
        let response = self.send_with(&session, request, replay).await?;
        if response.status() != http::StatusCode::UNAUTHORIZED {
            self.inner.touch(&session);
            return Ok(response);
        }
        let call = Call::Authenticated { session: &session };
        let error = self.inner.client.error_for(response, &call).await;
        if !is_token_rejection(&error) {
            return Err(error);
        }
        let Some(again) = second_try else {
            tracing::debug!("the request body cannot be sent again; not retrying");
            self.inner.forget(&session).await?;
            return Err(error);
        };
        tracing::info!(
            code = ?error.tableau_code().map(|c| c.get()),
            "the server rejected the session token; signing in again"
        );
        let fresh = self.obtain(Some(&session)).await?;
        let response = self.send_with(&fresh, again, replay).await?;
        if response.status() == http::StatusCode::UNAUTHORIZED {
            let call = Call::Authenticated { session: &fresh };
            let error = self.inner.client.error_for(response, &call).await;
            if is_token_rejection(&error) {
                self.inner.forget(&fresh).await?;
            }
            return Err(error);
        }
        self.inner.touch(&fresh);
        Ok(response)
    }

    async fn send_with(
        &self,
        session: &Session,
        mut request: reqwest::Request,
        replay: Replay,
    ) -> Result<reqwest::Response, Error> {
        let target = request.url().origin();
        if target != session.server_url().origin() {
            return Err(Error::Configuration(format!(
                "refusing to send the session token to {}: it is not the Tableau server ({})",
                target.ascii_serialization(),
                session.server_url().origin().ascii_serialization()
            )));
        }
        request
            .headers_mut()
            .insert(crate::AUTH_HEADER, token_header(session)?);
        self.inner
            .client
            .execute(request, replay, Follow::SameOrigin)
            .await
    }

    /// Switches the shared session to another site (Tableau Server only); later sign-ins keep
    /// that site.
    pub async fn switch_site(&self, content_url: &str) -> Result<Arc<Session>, Error> {
        let session = self.obtain(None).await?;
        let mut state = self.inner.state.lock().await;
        let switched = self.inner.client.switch_site(&session, content_url).await?;
        state.site = Some(content_url.to_owned());
        if switched.token().expose_secret() == session.token().expose_secret() {
            // Already on that site (403070): the same session, just used.
            self.inner.touch(&session);
            return Ok(session);
        }
        Ok(self.inner.install(switched))
    }

    /// Signs the shared session out (if there is one). The next call signs in again.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let _state = self.inner.state.lock().await;
        let session = self
            .inner
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match session {
            Some(session) => self.inner.client.sign_out(&session).await,
            None => Ok(()),
        }
    }

    /// Clears a stop — [`Error::PatInUseElsewhere`], or credentials the server refused
    /// (401001) — and the supersession history. The next call signs in again.
    pub async fn resume(&self) {
        let mut state = self.inner.state.lock().await;
        state.stopped = false;
        state.refused = None;
        state.supersessions.clear();
    }

    /// A fresh session: the current one, or — single flight — a new sign-in. `failed` is the
    /// session a server just rejected: if it has already been replaced, the replacement is
    /// returned without signing in.
    async fn obtain(&self, failed: Option<&Arc<Session>>) -> Result<Arc<Session>, Error> {
        let inner = &*self.inner;
        if failed.is_none() {
            if let Some(session) = inner.fresh_current() {
                return Ok(session);
            }
        }
        let attempts_seen = inner.attempts_finished.load(Ordering::Acquire);
        let mut state = inner.state.lock().await;
        if state.stopped {
            return Err(inner.config.pat_in_use_error());
        }
        if let Some(refused) = &state.refused {
            return Err(refused.clone_for_waiter());
        }
        if let Some(current) = inner.current() {
            let rejected = failed.is_some_and(|f| Arc::ptr_eq(f, &current));
            if rejected {
                inner.reject(&mut state, &current)?;
            } else if let Some(fresh) = inner.fresh_current() {
                return Ok(fresh);
            } else {
                tracing::debug!("the session is close to its idle limit; signing in again");
            }
        }
        if inner.attempts_finished.load(Ordering::Acquire) != attempts_seen {
            if let Some(error) = &state.last_failure {
                return Err(error.clone_for_waiter());
            }
        }
        inner.sign_ins.fetch_add(1, Ordering::Relaxed);
        let result = inner
            .client
            .sign_in_as(
                &*inner.provider,
                inner.client.format(),
                state.site.as_deref(),
            )
            .await;
        inner.attempts_finished.fetch_add(1, Ordering::Release);
        match result {
            Ok(session) => {
                state.last_failure = None;
                inner.warn_if_pat_expires_soon(&session);
                Ok(inner.install(session))
            }
            Err(error) => {
                tracing::warn!(error = %error, "sign-in failed");
                if error.tableau_code() == Some(ErrorCode::SIGNIN_ERROR) {
                    tracing::warn!(
                        "the server refused the credentials; the session manager stops until \
                         resume() is called"
                    );
                    state.refused = Some(error.clone_for_waiter());
                }
                state.last_failure = Some(error.clone_for_waiter());
                Err(error)
            }
        }
    }
}

fn is_token_rejection(error: &Error) -> bool {
    match error {
        Error::SessionExpired { .. } => true,
        Error::UnexpectedResponse(parse) => parse.status == Some(401),
        other => matches!(
            other.tableau_code(),
            Some(ErrorCode::INVALID_CREDENTIALS | ErrorCode::UNAUTHORIZED)
        ),
    }
}

impl ManagerInner {
    fn current(&self) -> Option<Arc<Session>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The current session if it is not within `refresh_buffer` of its idle limit.
    fn fresh_current(&self) -> Option<Arc<Session>> {
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let session = guard.as_ref()?;
        let now = millis(self.client.time_source().now());
        let idle = now.saturating_sub(self.last_used_ms.load(Ordering::Relaxed));
        (idle < self.config.refresh_after_ms()).then(|| Arc::clone(session))
    }

    fn install(&self, session: Session) -> Arc<Session> {
        let session = Arc::new(session);
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        self.last_used_ms
            .store(millis(session.issued_at()), Ordering::Relaxed);
        *guard = Some(Arc::clone(&session));
        session
    }

    /// Records a successful use of `session` (the server slid its idle limit).
    fn touch(&self, session: &Arc<Session>) {
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_some_and(|c| Arc::ptr_eq(c, session)) {
            let now = millis(self.client.time_source().now());
            self.last_used_ms.store(now, Ordering::Relaxed);
        }
    }

    /// Forgets `session` after the server rejected it (without signing in again).
    async fn forget(&self, session: &Arc<Session>) -> Result<(), Error> {
        let mut state = self.state.lock().await;
        match self.current() {
            Some(current) if Arc::ptr_eq(&current, session) => self.reject(&mut state, &current),
            _ => Ok(()),
        }
    }

    /// The server rejected the current session: drop it, and count a supersession when a PAT
    /// session died before it could have expired.
    fn reject(&self, state: &mut State, current: &Arc<Session>) -> Result<(), Error> {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = None;
        let now = self.client.time_source().now();
        let idle = millis(now).saturating_sub(self.last_used_ms.load(Ordering::Relaxed));
        let could_have_expired = idle >= self.config.lifetime_ms();
        if current.credential_kind() != CredentialKind::PersonalAccessToken || could_have_expired {
            return Ok(());
        }
        let window = self.config.supersession_window;
        state.supersessions.push_back(now);
        while let Some(first) = state.supersessions.front() {
            if now.duration_since(*first).unwrap_or_default() > window {
                state.supersessions.pop_front();
            } else {
                break;
            }
        }
        let seen = state.supersessions.len();
        tracing::warn!(
            supersessions = seen,
            window_minutes = window.as_secs() / 60,
            "the personal access token's session ended before its idle limit: another sign-in \
             with the same token (one session per PAT) or a revoked token; is the token used by \
             another process?"
        );
        if seen >= self.config.max_supersessions as usize {
            state.stopped = true;
            return Err(self.config.pat_in_use_error());
        }
        Ok(())
    }

    fn warn_if_pat_expires_soon(&self, session: &Session) {
        if let Some(left) = session.pat_expires_in() {
            if left < self.config.pat_expiry_warning {
                tracing::warn!(
                    days_left = left.as_secs() / 86_400,
                    hours_left = left.as_secs() / 3_600,
                    "the personal access token expires soon; create a new one and update the \
                     configuration before it does"
                );
            }
        }
    }
}

/// `Duration` helper kept here so the builder stays small.
pub(crate) fn as_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
