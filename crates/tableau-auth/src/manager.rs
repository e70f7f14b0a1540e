//! [`SessionManager`]: one shared session, signed in lazily and again when it ends.
//!
//! A thin layer: the [`LazyCache`] holds the session and runs one sign-in at a time, the
//! [`Policy`] decides when a session is stale, when a rejection counts as a supersession and
//! when to stop, and the [`SessionSource`] signs in. This module wires them together and
//! sends authenticated requests ([`SessionManager::send`], and the middleware through
//! [`SessionManager::exchange`]). The constructors are in `manager_builder.rs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use http::header::ACCEPT;
use secrecy::{ExposeSecret, SecretString};
use tableau_auth_core::{CurrentSession, Feature, TimeSource};

use crate::cache::{Entry, LazyCache, LoadError, Loaded, Previous, Reported};
use crate::client::Client;
use crate::error::Error;
use crate::policy::{Live, Policy, PolicyConfig, is_token_rejection};
use crate::responses::{Call, error_from_response};
use crate::session::{Session, token_header};
use crate::source::{LoadReason, LoadRequest, SessionSource};
use crate::transport::{Follow, Replay, Transport};

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
///
/// A sign-in runs in a task of its own, bounded by the
/// [sign-in timeout](crate::SessionManagerBuilder::sign_in_timeout): every task waiting for it
/// gets its result (the same session, or the same error), and a caller that gives up does not
/// cancel it for the others.
///
/// A manager can also start from a session someone else signed in for
/// ([`SessionManager::from_session`], with [`Session::from_token`]): it uses it until the
/// server ends it, and then, having no credential provider, says so with
/// [`Error::NoProvider`].
#[derive(Clone, Debug)]
pub struct SessionManager {
    inner: Arc<ManagerInner>,
}

#[derive(Debug)]
struct ManagerInner {
    client: Client,
    source: Arc<dyn SessionSource>,
    policy: Arc<Policy>,
    cache: LazyCache<Arc<Live>, Error>,
    /// The site chosen with `switch_site`, kept for later sign-ins.
    site: Arc<Mutex<Option<String>>>,
    sign_ins: Arc<AtomicU64>,
    /// Whether sessions are replaced before the idle limit (not when the manager cannot sign
    /// in: a session from a token is used until the server ends it).
    refresh: bool,
}

/// Everything a sign-in needs, owned, so that it can run in a task of its own.
struct SignInJob {
    source: Arc<dyn SessionSource>,
    policy: Arc<Policy>,
    time: Arc<dyn TimeSource>,
    site: Option<String>,
    sign_ins: Arc<AtomicU64>,
}

impl SessionManager {
    pub(crate) fn from_parts(
        client: Client,
        source: Arc<dyn SessionSource>,
        config: PolicyConfig,
        sign_in_timeout: Duration,
        initial: Option<Session>,
        refresh: bool,
    ) -> Self {
        let cache = match initial {
            Some(session) => LazyCache::with_value(sign_in_timeout, Arc::new(Live::new(session))),
            None => LazyCache::new(sign_in_timeout),
        };
        SessionManager {
            inner: Arc::new(ManagerInner {
                client,
                source,
                policy: Arc::new(Policy::new(config)),
                cache,
                site: Arc::new(Mutex::new(None)),
                sign_ins: Arc::new(AtomicU64::new(0)),
                refresh,
            }),
        }
    }

    /// The client the manager signs in with.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// A valid session token, signing in first if needed.
    ///
    /// For calls made without [`send`](SessionManager::send): after each call that succeeds,
    /// report it with [`touch`](SessionManager::touch) (the server slides its idle limit on
    /// every call, and so must the manager, or it replaces a busy session when its idle limit
    /// would have passed); when the server rejects the token (401002), pass it to
    /// [`invalidate`](SessionManager::invalidate) and ask again.
    pub async fn token(&self) -> Result<SecretString, Error> {
        Ok(self.session().await?.token().clone())
    }

    /// Reports that a call you made yourself with `token` (from
    /// [`token`](SessionManager::token)) succeeded: the session was used now, so the manager's
    /// idle clock starts again, as the server's does.
    ///
    /// Without it the manager only sees its own calls, and replaces the session shortly before
    /// the idle limit counted from the last of them — with a personal access token that new
    /// sign-in ends the session you are still using. A token that is no longer the manager's
    /// current one is ignored.
    pub fn touch(&self, token: &SecretString) {
        if let Some(entry) = self.inner.cache.peek() {
            if entry.value.session().token().expose_secret() == token.expose_secret() {
                entry.value.touch(self.inner.client.now());
            }
        }
    }

    /// Tells the manager that the server rejected `token` (a 401002 on a call you made
    /// yourself with [`token`](SessionManager::token)), so the next call signs in again.
    ///
    /// Keyed on the token: when another task already replaced that session, nothing happens
    /// and the replacement is kept, so many tasks reporting the same dead token cause one
    /// sign-in. A PAT session that dies early counts as a supersession, as in `send`, and may
    /// return [`Error::PatInUseElsewhere`].
    pub async fn invalidate(&self, token: &SecretString) -> Result<(), Error> {
        match self.inner.cache.peek() {
            Some(entry)
                if entry.value.session().token().expose_secret() == token.expose_secret() =>
            {
                self.report_rejected(&entry)
            }
            _ => Ok(()),
        }
    }

    /// The current session, signing in first if needed.
    pub async fn session(&self) -> Result<Arc<Session>, Error> {
        Ok(Arc::clone(self.entry().await?.value.session()))
    }

    /// The cached session, if there is one, without signing in and without asking the server
    /// (unlike [`Client::current_session`], the REST call `GET sessions/current`).
    pub fn cached_session(&self) -> Option<Arc<Session>> {
        self.inner
            .cache
            .peek()
            .map(|entry| Arc::clone(entry.value.session()))
    }

    /// How many sessions the manager asked its source for: its sign-ins (for diagnostics and
    /// tests).
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
    /// answer, success or not, is returned as it is (a 404 or a 500 is `Ok`: check the status,
    /// or use [`send_checked`](SessionManager::send_checked)); a final 401 becomes an
    /// [`Error::SessionExpired`]. A 401002 on a young connected-app or UAT session for a call
    /// its JWT's scopes do not grant is [`Error::MissingScope`], without a new sign-in.
    ///
    /// `Accept` is set from the client's [`WireFormat`](crate::WireFormat) unless the request
    /// has one.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Error> {
        let (_, request) = request.build_split();
        let mut request = request.map_err(Error::from_reqwest)?;
        if !request.headers().contains_key(ACCEPT) {
            request.headers_mut().insert(
                ACCEPT,
                http::HeaderValue::from_static(self.inner.client.format().media_type()),
            );
        }
        let mut dispatch = ThroughTransport {
            transport: self.inner.client.transport(),
            replay: Replay::for_method(request.method()),
        };
        self.exchange(request, &mut dispatch).await
    }

    /// As [`send`](SessionManager::send), but an answer that is not a success (2xx) is an
    /// error: the Tableau error it carries, with its code and a hint
    /// ([`Error::Tableau`], [`Error::Throttled`], …), or [`Error::UnexpectedResponse`] for a
    /// body that is not a Tableau error. Use it when any failure should stop the caller; use
    /// `send` to handle statuses yourself (a 404 that means "not there yet", say).
    pub async fn send_checked(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Error> {
        let response = self.send(request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let now = self.inner.client.now();
        let error = match self.inner.cache.peek() {
            Some(entry) => {
                let call = Call::Authenticated {
                    session: entry.value.session(),
                    request: None,
                    usage: self.inner.policy.usage(&entry.value, now),
                    configured: self.inner.client.server_url(),
                };
                error_from_response(response, &call, now).await
            }
            None => error_from_response(response, &Call::Unknown, now).await,
        };
        Err(error)
    }

    /// Who the session is: `GET sessions/current` (REST API 3.1+) through the manager, so it
    /// signs in first when needed and again when the server has ended the session, like
    /// [`send`](SessionManager::send). For the session the manager holds without asking the
    /// server, see [`cached_session`](SessionManager::cached_session).
    pub async fn whoami(&self) -> Result<CurrentSession, Error> {
        let session = self.session().await?;
        if !session.api_version().supports(Feature::CurrentSession) {
            return Err(Error::unsupported(
                Feature::CurrentSession,
                session.api_version(),
            ));
        }
        let url = session.api_url("sessions/current")?;
        let response = self.send_checked(self.inner.client.http().get(url)).await?;
        let body = response.bytes().await.map_err(Error::from_reqwest)?;
        Ok(CurrentSession::parse(&body)?)
    }

    /// Switches the shared session to another site (Tableau Server only); later sign-ins keep
    /// that site.
    pub async fn switch_site(&self, content_url: &str) -> Result<Arc<Session>, Error> {
        // Signed in first (as the provider's site), like any call.
        self.entry().await?;
        let client = self.inner.client.clone();
        let job = self.job(Some(content_url.to_owned()));
        let site = Arc::clone(&self.inner.site);
        let entry = self
            .inner
            .cache
            .load_next(move |previous| switch_site_job(client, job, site, previous))
            .await
            .map_err(into_error)?;
        Ok(Arc::clone(entry.value.session()))
    }

    /// Signs the shared session out (if there is one), after any sign-in under way; the next
    /// call signs in again. **Best effort**: it never fails. A sign-out the server does not
    /// answer (a network error, a 5xx) is logged as a warning and the session is forgotten
    /// anyway — the end of a successful job must not turn into a failure because the goodbye
    /// got lost (the session expires at the idle limit regardless). To get the error, use
    /// [`try_sign_out`](SessionManager::try_sign_out).
    pub async fn sign_out(&self) {
        if let Err(error) = self.try_sign_out().await {
            tracing::warn!(
                error = %error,
                "sign-out failed; the session will end at the server's idle limit"
            );
        }
    }

    /// Signs the shared session out (if there is one), after any sign-in under way, and
    /// returns the server's error if the sign-out failed (a session the server had already
    /// ended counts as signed out). The session is forgotten either way; the next call signs
    /// in again.
    pub async fn try_sign_out(&self) -> Result<(), Error> {
        match self.inner.cache.take().await {
            Some(entry) => self.inner.client.sign_out(entry.value.session()).await,
            None => Ok(()),
        }
    }

    /// Clears a stop — [`Error::PatInUseElsewhere`], or credentials the server refused
    /// (401001) — and the supersession history. The next call signs in again.
    pub async fn resume(&self) {
        self.inner.policy.resume();
    }

    /// Sends `request` with the session's token through `dispatch`, with the re-sign-in rules
    /// of [`send`](SessionManager::send): one new sign-in and one resend after a token
    /// rejection, keyed on the rejected session, supersessions counted, the 401001 stop
    /// honoured, and never a token for another origin. `send` and the middleware both use it.
    pub(crate) async fn exchange<D: Dispatch>(
        &self,
        request: reqwest::Request,
        dispatch: &mut D,
    ) -> Result<reqwest::Response, D::Error> {
        let second_try = request.try_clone();
        let method = request.method().clone();
        let path = request.url().path().to_owned();
        let target = (&method, path.as_str());
        let entry = self.entry().await.map_err(D::auth_error)?;
        let request = authorize(entry.value.session(), request).map_err(D::auth_error)?;
        let response = dispatch.dispatch(request).await?;
        let error = match self.judge(&entry, response, target).await {
            Judged::Answer(response) => return Ok(response),
            Judged::Failed(error) => return Err(D::auth_error(error)),
            Judged::Rejected(error) => error,
        };
        let Some(again) = second_try else {
            tracing::debug!("the request body cannot be sent again; not retrying");
            self.report_rejected(&entry).map_err(D::auth_error)?;
            return Err(D::auth_error(error));
        };
        tracing::info!(
            code = ?error.tableau_code().map(|c| c.get()),
            "the server rejected the session token; signing in again"
        );
        let fresh = self.renew(&entry).await.map_err(D::auth_error)?;
        let again = authorize(fresh.value.session(), again).map_err(D::auth_error)?;
        let response = dispatch.dispatch(again).await?;
        match self.judge(&fresh, response, target).await {
            Judged::Answer(response) => Ok(response),
            Judged::Failed(error) => Err(D::auth_error(error)),
            Judged::Rejected(error) => {
                self.report_rejected(&fresh).map_err(D::auth_error)?;
                Err(D::auth_error(error))
            }
        }
    }

    /// A usable session: the cached one, or — single flight — a new sign-in.
    async fn entry(&self) -> Result<Entry<Arc<Live>>, Error> {
        let inner = &*self.inner;
        let now = inner.client.now();
        let fresh = |live: &Arc<Live>| !inner.refresh || inner.policy.is_fresh(live, now);
        if let Some(entry) = inner.cache.get(fresh) {
            return Ok(entry);
        }
        // Stopped: answer at once, without starting a sign-in.
        inner.policy.check()?;
        let job = self.job(self.site());
        inner
            .cache
            .get_or_load(fresh, move |previous| sign_in_job(job, previous))
            .await
            .map_err(into_error)
    }

    /// The session that replaces `failed` (which the server rejected): the one another task
    /// already got, or a new sign-in.
    async fn renew(&self, failed: &Entry<Arc<Live>>) -> Result<Entry<Arc<Live>>, Error> {
        self.report_rejected(failed)?;
        self.entry().await
    }

    /// Marks `entry` rejected (keyed: only while it is current, and counted once) and judges
    /// the rejection (a supersession may stop the manager).
    fn report_rejected(&self, entry: &Entry<Arc<Live>>) -> Result<(), Error> {
        match self.inner.cache.report_failed(entry.generation) {
            Reported::Marked => self
                .inner
                .policy
                .on_rejected(&entry.value, self.inner.client.now()),
            Reported::AlreadyMarked | Reported::Replaced | Reported::Loading => Ok(()),
        }
    }

    /// What an answer to an authenticated request (`target`: its method and path) means for
    /// the session.
    async fn judge(
        &self,
        entry: &Entry<Arc<Live>>,
        response: reqwest::Response,
        target: (&http::Method, &str),
    ) -> Judged {
        let now = self.inner.client.now();
        if response.status() != http::StatusCode::UNAUTHORIZED {
            entry.value.touch(now);
            return Judged::Answer(response);
        }
        let call = Call::Authenticated {
            session: entry.value.session(),
            request: Some(target),
            usage: self.inner.policy.usage(&entry.value, now),
            configured: self.inner.client.server_url(),
        };
        let error = error_from_response(response, &call, now).await;
        if is_token_rejection(&error) {
            Judged::Rejected(error)
        } else {
            Judged::Failed(error)
        }
    }

    fn site(&self) -> Option<String> {
        self.inner
            .site
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn job(&self, site: Option<String>) -> SignInJob {
        SignInJob {
            source: Arc::clone(&self.inner.source),
            policy: Arc::clone(&self.inner.policy),
            time: Arc::clone(self.inner.client.time_source()),
            site,
            sign_ins: Arc::clone(&self.inner.sign_ins),
        }
    }
}

/// The answer to an authenticated request, judged.
enum Judged {
    /// Anything but a 401: returned as it is.
    Answer(reqwest::Response),
    /// The token is dead (401002, 401000): sign in again.
    Rejected(Error),
    /// A 401 that signing in again cannot fix.
    Failed(Error),
}

/// Puts the session's token on `request`, unless the request is for another origin.
fn authorize(session: &Session, mut request: reqwest::Request) -> Result<reqwest::Request, Error> {
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
    Ok(request)
}

/// How [`SessionManager::exchange`] sends a request it has put the token on.
#[async_trait]
pub(crate) trait Dispatch: Send {
    /// What a failed send returns.
    type Error: Send;

    /// Sends the request.
    async fn dispatch(
        &mut self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, Self::Error>;

    /// Turns the manager's own errors (sign-in, refused request) into `Self::Error`.
    fn auth_error(error: Error) -> Self::Error;
}

/// `send`: through the client's transport (retries; redirects on the same origin only).
struct ThroughTransport<'a> {
    transport: &'a Transport,
    replay: Replay,
}

#[async_trait]
impl Dispatch for ThroughTransport<'_> {
    type Error = Error;

    async fn dispatch(&mut self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
        self.transport
            .execute(request, self.replay, Follow::SameOrigin)
            .await
    }

    fn auth_error(error: Error) -> Error {
        error
    }
}

/// Signs in (the load of the session cache): the policy first (a stop answers at once; a
/// rejected session is judged), then the source, then what the outcome teaches the policy.
async fn sign_in_job(
    job: SignInJob,
    previous: Option<Previous<Arc<Live>>>,
) -> Result<Loaded<Arc<Live>>, Error> {
    let now = job.time.now();
    let reason = match &previous {
        None => LoadReason::FirstUse,
        Some(previous) if previous.failed => {
            job.policy.on_rejected(&previous.entry.value, now)?;
            LoadReason::Rejected
        }
        Some(_) => {
            tracing::debug!("the session is close to its idle limit; signing in again");
            LoadReason::Refresh
        }
    };
    job.policy.check()?;
    job.sign_ins.fetch_add(1, Ordering::Relaxed);
    let request = LoadRequest {
        site: job.site.as_deref(),
        replacing: previous.as_ref().map(|p| &**p.entry.value.session()),
        reason,
    };
    let mut outcome = job.source.load(&request).await;
    if let Err(error) = &outcome {
        if job.policy.allows_fresh_mint(error) {
            tracing::warn!(
                "the server refused the JWT (401001); minting a fresh one once (a skewed clock \
                 or a jti the server saw before would not repeat)"
            );
            job.sign_ins.fetch_add(1, Ordering::Relaxed);
            outcome = job.source.load(&request).await;
        }
    }
    job.policy.after_sign_in(&outcome);
    Ok(Loaded::Replace(Arc::new(Live::new(outcome?))))
}

/// Switches the current session to another site (a load of the session cache). Without a
/// live session to switch, it signs in to that site directly.
async fn switch_site_job(
    client: Client,
    job: SignInJob,
    site: Arc<Mutex<Option<String>>>,
    previous: Option<Previous<Arc<Live>>>,
) -> Result<Loaded<Arc<Live>>, Error> {
    let target = job.site.clone();
    let loaded = match &previous {
        Some(previous) if !previous.failed => {
            let current = previous.entry.value.session();
            let content_url = target.as_deref().unwrap_or_default();
            let switched = client.switch_site(current, content_url).await?;
            if switched.token().expose_secret() == current.token().expose_secret() {
                // Already on that site (403070): the same session, just used.
                previous.entry.value.touch(client.now());
                Loaded::Keep
            } else {
                Loaded::Replace(Arc::new(Live::new(switched)))
            }
        }
        _ => sign_in_job(job, previous).await?,
    };
    *site.lock().unwrap_or_else(PoisonError::into_inner) = target;
    Ok(loaded)
}

fn into_error(error: LoadError<Error>) -> Error {
    match error {
        LoadError::Failed(error) => error,
        LoadError::TimedOut(timeout) => Error::SignInTimeout { timeout },
        LoadError::Aborted => Error::SignInAborted,
    }
}
