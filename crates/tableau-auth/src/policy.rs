//! [`Policy`]: when the session manager signs in again, and when it stops.
//!
//! The rules, without I/O (the manager calls them; the cache never sees them):
//! - **The idle limit**: the configured one, else the server's by its kind: 120 minutes on
//!   Tableau Cloud (`*.online.tableau.com`), 240 (Tableau Server's default) elsewhere.
//! - **Proactive refresh**: a session idle for longer than the idle limit minus the refresh
//!   buffer is not handed out; the manager signs in again before the server can refuse it.
//!   Callers of `token()` report their own successful calls (`touch`), so a busy session is
//!   not replaced.
//! - **Token rejection**: a 401 answer (401002 or 401000, or a 401 that is not a Tableau error)
//!   means the token is dead and one new sign-in may help ([`is_token_rejection`]).
//! - **Supersession**: a personal access token session rejected while it was used within the
//!   idle limit could not have expired: it was most likely ended by another sign-in with the
//!   same PAT. After `max_supersessions` within the window the manager stops with
//!   [`Error::PatInUseElsewhere`] instead of fighting. A rejection after a longer idle time is
//!   an ordinary expiry, and logged as one.
//! - **Refused credentials**: a sign-in refused with 401001 stops the manager; every later
//!   call gets [`Error::ManagerStopped`] without asking the server, until [`Policy::resume`].
//!   A JWT (connected app, unified access token) gets one freshly minted retry first: its
//!   401001 may be a clock or `jti` problem a new JWT does not have. A password or a PAT does
//!   not: repeating it could lock the account.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tableau_auth_core::{CredentialKind, ErrorCode};

use crate::error::Error;
use crate::responses::Usage;
use crate::session::Session;

/// Tableau Server's default idle limit (`wgserver.session.idle_limit`).
pub(crate) const SERVER_IDLE_LIMIT: Duration = Duration::from_secs(240 * 60);
/// Tableau Cloud's idle limit.
pub(crate) const CLOUD_IDLE_LIMIT: Duration = Duration::from_secs(120 * 60);

/// The manager's settings (see [`SessionManagerBuilder`](crate::SessionManagerBuilder)).
#[derive(Debug, Clone)]
pub(crate) struct PolicyConfig {
    /// The server's idle limit, when configured (else known from the server's kind).
    pub(crate) session_lifetime: Option<Duration>,
    /// How long before the idle limit a session is replaced.
    pub(crate) refresh_buffer: Duration,
    /// Warn at sign-in when the PAT has less than this left.
    pub(crate) pat_expiry_warning: Duration,
    /// Stop after this many supersessions …
    pub(crate) max_supersessions: u32,
    /// … within this window.
    pub(crate) supersession_window: Duration,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            session_lifetime: None,
            refresh_buffer: Duration::from_secs(5 * 60),
            pat_expiry_warning: Duration::from_secs(14 * 86_400),
            max_supersessions: 3,
            supersession_window: Duration::from_secs(10 * 60),
        }
    }
}

impl PolicyConfig {
    /// The idle limit the server applies to `session`: the configured one, else 120 minutes
    /// for a Tableau Cloud host and Tableau Server's default 240 elsewhere.
    pub(crate) fn idle_limit(&self, session: &Session) -> Duration {
        self.session_lifetime.unwrap_or_else(|| {
            if is_tableau_cloud(session.server_url()) {
                CLOUD_IDLE_LIMIT
            } else {
                SERVER_IDLE_LIMIT
            }
        })
    }

    fn pat_in_use_error(&self) -> Error {
        Error::PatInUseElsewhere {
            supersessions: self.max_supersessions,
            window: self.supersession_window,
        }
    }
}

/// A session as the manager holds it: the session and when it was last used successfully.
#[derive(Debug)]
pub(crate) struct Live {
    session: Arc<Session>,
    /// Milliseconds since the epoch of the last successful use (the server slides its idle
    /// limit on every call).
    last_used_ms: AtomicU64,
    /// Whether its rejection was already judged (a supersession is counted once per session).
    rejection_judged: AtomicBool,
    /// Whether it was ever used successfully.
    used: AtomicBool,
}

impl Live {
    /// A session just issued (or just checked, when it comes from a store): its idle time
    /// counts from then.
    pub(crate) fn new(session: Session) -> Self {
        Live {
            last_used_ms: AtomicU64::new(millis(session.active_at())),
            session: Arc::new(session),
            rejection_judged: AtomicBool::new(false),
            used: AtomicBool::new(false),
        }
    }

    /// The session.
    pub(crate) fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// Records a successful use at `now`.
    pub(crate) fn touch(&self, now: SystemTime) {
        self.last_used_ms.fetch_max(millis(now), Ordering::Relaxed);
        self.used.store(true, Ordering::Relaxed);
    }

    fn idle_ms(&self, now: SystemTime) -> u64 {
        millis(now).saturating_sub(self.last_used_ms.load(Ordering::Relaxed))
    }

    /// Whether the session was never used successfully.
    fn never_used(&self) -> bool {
        !self.used.load(Ordering::Relaxed)
    }
}

/// Whether `url` is a Tableau Cloud host (`online.tableau.com` or a pod under it).
pub(crate) fn is_tableau_cloud(url: &url::Url) -> bool {
    url.host_str().is_some_and(|host| {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        host == "online.tableau.com" || host.ends_with(".online.tableau.com")
    })
}

/// The re-sign-in rules and their state (supersession history, stops).
#[derive(Debug)]
pub(crate) struct Policy {
    config: PolicyConfig,
    state: Mutex<PolicyState>,
}

#[derive(Debug, Default)]
struct PolicyState {
    /// When PAT sessions were seen superseded, within the window.
    supersessions: VecDeque<SystemTime>,
    /// Stopped after too many supersessions.
    stopped: bool,
    /// The server refused the credentials (401001): every later call gets this error.
    refused: Option<Error>,
}

impl Policy {
    pub(crate) fn new(config: PolicyConfig) -> Self {
        Policy {
            config,
            state: Mutex::new(PolicyState::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, PolicyState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `live` may still be handed out at `now`: idle for less than the idle limit
    /// minus the refresh buffer.
    pub(crate) fn is_fresh(&self, live: &Live, now: SystemTime) -> bool {
        let refresh_after = self
            .config
            .idle_limit(&live.session)
            .saturating_sub(self.config.refresh_buffer);
        live.idle_ms(now) < as_millis(refresh_after)
    }

    /// What the manager knows of `live`'s use at `now`, for judging a 401002.
    pub(crate) fn usage(&self, live: &Live, now: SystemTime) -> Usage {
        Usage {
            idle: Duration::from_millis(live.idle_ms(now)),
            idle_limit: self.config.idle_limit(&live.session),
            never_used: live.never_used(),
        }
    }

    /// Fails when the manager is stopped: [`Error::PatInUseElsewhere`], or
    /// [`Error::ManagerStopped`] holding the refusal of its credentials.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let state = self.state();
        if state.stopped {
            return Err(self.config.pat_in_use_error());
        }
        match &state.refused {
            Some(refused) => Err(Error::ManagerStopped {
                cause: Box::new(refused.clone()),
            }),
            None => Ok(()),
        }
    }

    /// Whether a failed sign-in may be tried once more with a freshly minted JWT: a 401001 for
    /// a connected app or a unified access token (a skewed clock or a `jti` the server saw may
    /// not repeat). Never for a password or a PAT.
    pub(crate) fn allows_fresh_mint(&self, error: &Error) -> bool {
        matches!(error, Error::SignInRefused { kind, .. } if kind.is_jwt())
    }

    /// The server rejected `live`'s token at `now`. A PAT session that could not have expired
    /// yet counts as a supersession (once per session); too many within the window stop the
    /// manager, and the stop is returned.
    pub(crate) fn on_rejected(&self, live: &Live, now: SystemTime) -> Result<(), Error> {
        if live.rejection_judged.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let idle_limit = self.config.idle_limit(&live.session);
        let idle = live.idle_ms(now);
        if idle >= as_millis(idle_limit) {
            tracing::info!(
                idle_minutes = idle / 60_000,
                idle_limit_minutes = idle_limit.as_secs() / 60,
                "the session expired: it was idle for longer than the server's idle limit; \
                 signing in again"
            );
            return Ok(());
        }
        if live.session.credential_kind() != Some(CredentialKind::PersonalAccessToken) {
            return Ok(());
        }
        let window = self.config.supersession_window;
        let mut state = self.state();
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

    /// What a sign-in's outcome teaches: a refused sign-in (401001) stops the manager; a PAT
    /// close to its expiry is worth a warning.
    pub(crate) fn after_sign_in(&self, outcome: &Result<Session, Error>) {
        match outcome {
            Ok(session) => self.warn_if_pat_expires_soon(session),
            Err(error) => {
                tracing::warn!(error = %error, "sign-in failed");
                if error.tableau_code() == Some(ErrorCode::SIGNIN_ERROR) {
                    tracing::warn!(
                        "the server refused the credentials; the session manager stops until \
                         resume() is called"
                    );
                    // The refusal itself, not a stop wrapping an earlier one.
                    let refusal = match error {
                        Error::ManagerStopped { cause } => (**cause).clone(),
                        other => other.clone(),
                    };
                    self.state().refused = Some(refusal);
                }
            }
        }
    }

    /// Clears a stop and the supersession history.
    pub(crate) fn resume(&self) {
        let mut state = self.state();
        state.stopped = false;
        state.refused = None;
        state.supersessions.clear();
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

/// Whether an error for an authenticated call says the token is dead, so that one new sign-in
/// may help: a 401 answer (401002, 401000, or a 401 that is not a Tableau error).
pub(crate) fn is_token_rejection(error: &Error) -> bool {
    match error {
        Error::SessionExpired { .. } => true,
        // A 401002 for a scope the JWT lacks: the token is fine, a new one would fail the same.
        Error::MissingScope { .. } => false,
        Error::UnexpectedResponse(parse) => parse.status == Some(401),
        other => matches!(
            other.tableau_code(),
            Some(ErrorCode::INVALID_CREDENTIALS | ErrorCode::UNAUTHORIZED)
        ),
    }
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(as_millis)
        .unwrap_or(0)
}

fn as_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use tableau_auth_core::{ApiVersion, SignInResponse, TableauError};

    use super::*;

    const START: Duration = Duration::from_secs(1_800_000_000);
    const MINUTE: Duration = Duration::from_secs(60);

    fn at(offset: Duration) -> SystemTime {
        SystemTime::UNIX_EPOCH + START + offset
    }

    fn live(kind: CredentialKind, issued: Duration) -> Live {
        live_on("https://tableau.example.com/", kind, issued)
    }

    fn live_on(server: &str, kind: CredentialKind, issued: Duration) -> Live {
        let body = br#"<tsResponse><credentials token="t|o|k"><site id="s" contentUrl=""/><user id="u"/></credentials></tsResponse>"#;
        let response = SignInResponse::parse(body).unwrap();
        let server = url::Url::parse(server).unwrap();
        Live::new(Session::new(
            response,
            ApiVersion::new(3, 27),
            kind,
            at(issued),
            server,
        ))
    }

    const CLOUD: &str = "https://10ay.online.tableau.com/";

    fn refused() -> Error {
        Error::Tableau {
            error: TableauError {
                http_status: 401,
                code: ErrorCode::SIGNIN_ERROR,
                summary: "Signin Error".into(),
                detail: "Error signing in to Tableau Server".into(),
            },
            hint: None,
        }
    }

    #[test]
    fn a_session_is_fresh_until_the_refresh_buffer_and_use_slides_it() {
        let policy = Policy::new(PolicyConfig::default());
        let session = live(CredentialKind::Password, Duration::ZERO);
        assert!(policy.is_fresh(&session, at(234 * MINUTE)));
        assert!(!policy.is_fresh(&session, at(235 * MINUTE)));
        session.touch(at(200 * MINUTE));
        assert!(policy.is_fresh(&session, at(434 * MINUTE)));
        // An older use never moves the last use back.
        session.touch(at(10 * MINUTE));
        assert!(policy.is_fresh(&session, at(434 * MINUTE)));
    }

    #[test]
    fn the_idle_limit_is_the_configured_one_or_the_server_kind_s() {
        let config = PolicyConfig::default();
        let server = live(CredentialKind::Password, Duration::ZERO);
        let cloud = live_on(CLOUD, CredentialKind::Password, Duration::ZERO);
        assert_eq!(config.idle_limit(server.session()), 240 * MINUTE);
        assert_eq!(config.idle_limit(cloud.session()), 120 * MINUTE);
        for host in [
            "https://online.tableau.com/",
            "https://prod-useast-a.online.tableau.com/",
            "https://EU-WEST-1A.ONLINE.TABLEAU.COM./",
        ] {
            let session = live_on(host, CredentialKind::Password, Duration::ZERO);
            assert_eq!(config.idle_limit(session.session()), 120 * MINUTE, "{host}");
        }
        for host in [
            "https://notonline.tableau.com/",
            "https://online.tableau.com.example.com/",
            "http://127.0.0.1:8080/",
        ] {
            let session = live_on(host, CredentialKind::Password, Duration::ZERO);
            assert_eq!(config.idle_limit(session.session()), 240 * MINUTE, "{host}");
        }
        let configured = PolicyConfig {
            session_lifetime: Some(60 * MINUTE),
            ..PolicyConfig::default()
        };
        assert_eq!(configured.idle_limit(cloud.session()), 60 * MINUTE);

        // The proactive refresh follows it: 5 minutes before 120 on Cloud.
        let policy = Policy::new(config);
        assert!(policy.is_fresh(&cloud, at(114 * MINUTE)));
        assert!(!policy.is_fresh(&cloud, at(115 * MINUTE)));
        assert!(policy.is_fresh(&server, at(234 * MINUTE)));
    }

    #[test]
    fn an_idle_expiry_on_cloud_is_not_a_supersession() {
        // Stop at the first supersession, so that any count would show.
        let policy = Policy::new(PolicyConfig::default().with_max(1));
        // Idle for 130 minutes on Tableau Cloud: past its 120-minute limit, an ordinary expiry.
        let cloud = live_on(CLOUD, CredentialKind::PersonalAccessToken, Duration::ZERO);
        assert!(policy.on_rejected(&cloud, at(130 * MINUTE)).is_ok());
        assert!(policy.check().is_ok());
        // The same idle time on Tableau Server (240 minutes) could not have expired.
        let server = live(CredentialKind::PersonalAccessToken, Duration::ZERO);
        assert!(matches!(
            policy.on_rejected(&server, at(130 * MINUTE)),
            Err(Error::PatInUseElsewhere { .. })
        ));
        // And what the manager tells the hint: used within the limit or not.
        let usage = policy.usage(&cloud, at(130 * MINUTE));
        assert_eq!(usage.idle_limit, 120 * MINUTE);
        assert!(!crate::responses::probably_superseded(
            cloud.session(),
            usage
        ));
        let usage = policy.usage(&server, at(130 * MINUTE));
        assert!(crate::responses::probably_superseded(
            server.session(),
            usage
        ));
    }

    #[test]
    fn only_a_refused_jwt_may_be_minted_again() {
        let policy = Policy::new(PolicyConfig::default());
        let refused = |kind| Error::SignInRefused {
            error: TableauError {
                http_status: 401,
                code: ErrorCode::SIGNIN_ERROR,
                summary: "Signin Error".into(),
                detail: String::new(),
            },
            kind,
            hint: None,
        };
        assert!(policy.allows_fresh_mint(&refused(CredentialKind::ConnectedApp)));
        assert!(policy.allows_fresh_mint(&refused(CredentialKind::UnifiedAccessToken)));
        assert!(!policy.allows_fresh_mint(&refused(CredentialKind::Password)));
        assert!(!policy.allows_fresh_mint(&refused(CredentialKind::PersonalAccessToken)));
        assert!(!policy.allows_fresh_mint(&Error::SignInAborted));
    }

    #[test]
    fn the_third_early_pat_rejection_within_the_window_stops() {
        let policy = Policy::new(PolicyConfig::default());
        for minute in [0, 3] {
            let session = live(CredentialKind::PersonalAccessToken, minute * MINUTE);
            assert!(
                policy
                    .on_rejected(&session, at((minute + 1) * MINUTE))
                    .is_ok()
            );
        }
        let third = live(CredentialKind::PersonalAccessToken, 6 * MINUTE);
        let err = policy.on_rejected(&third, at(7 * MINUTE)).unwrap_err();
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
        assert!(matches!(
            policy.check(),
            Err(Error::PatInUseElsewhere { .. })
        ));
        policy.resume();
        assert!(policy.check().is_ok());
    }

    #[test]
    fn a_rejection_counts_once_per_session_and_only_for_young_pat_sessions() {
        let policy = Policy::new(PolicyConfig::default().with_max(2));
        let session = live(CredentialKind::PersonalAccessToken, Duration::ZERO);
        for _ in 0..5 {
            assert!(
                policy.on_rejected(&session, at(MINUTE)).is_ok(),
                "counted once"
            );
        }
        // Not a PAT, or idle past the limit: an ordinary end, not a supersession.
        let password = live(CredentialKind::Password, Duration::ZERO);
        assert!(policy.on_rejected(&password, at(2 * MINUTE)).is_ok());
        let expired = live(CredentialKind::PersonalAccessToken, Duration::ZERO);
        assert!(policy.on_rejected(&expired, at(241 * MINUTE)).is_ok());
        assert!(policy.check().is_ok());
        // Outside the window the first one no longer counts.
        let late = live(CredentialKind::PersonalAccessToken, 20 * MINUTE);
        assert!(policy.on_rejected(&late, at(21 * MINUTE)).is_ok());
        let again = live(CredentialKind::PersonalAccessToken, 22 * MINUTE);
        assert!(policy.on_rejected(&again, at(23 * MINUTE)).is_err());
    }

    #[test]
    fn refused_credentials_stop_until_resume() {
        let policy = Policy::new(PolicyConfig::default());
        policy.after_sign_in(&Err(Error::SignInAborted));
        assert!(policy.check().is_ok(), "only 401001 stops");
        policy.after_sign_in(&Err(refused()));
        let err = policy.check().unwrap_err();
        assert_eq!(err.tableau_code(), Some(ErrorCode::SIGNIN_ERROR));
        assert!(matches!(err, Error::ManagerStopped { .. }), "{err:?}");
        policy.resume();
        assert!(policy.check().is_ok());
    }

    #[test]
    fn only_401s_are_token_rejections() {
        let tableau = |status, code| TableauError {
            http_status: status,
            code,
            summary: String::new(),
            detail: String::new(),
        };
        let expired = Error::SessionExpired {
            error: tableau(401, ErrorCode::INVALID_CREDENTIALS),
            hint: None,
        };
        assert!(is_token_rejection(&expired));
        let unauthorized = Error::Tableau {
            error: tableau(401, ErrorCode::UNAUTHORIZED),
            hint: None,
        };
        assert!(is_token_rejection(&unauthorized));
        assert!(!is_token_rejection(&refused()));
        let forbidden = Error::Tableau {
            error: tableau(403, ErrorCode::FORBIDDEN),
            hint: None,
        };
        assert!(!is_token_rejection(&forbidden));
    }

    impl PolicyConfig {
        fn with_max(mut self, count: u32) -> Self {
            self.max_supersessions = count;
            self
        }
    }
}
