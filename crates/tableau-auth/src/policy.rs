//! [`Policy`]: when the session manager signs in again, and when it stops.
//!
//! The rules, without I/O (the manager calls them; the cache never sees them):
//! - **Proactive refresh**: a session idle for longer than the idle limit minus the refresh
//!   buffer is not handed out; the manager signs in again before the server can refuse it.
//! - **Token rejection**: a 401 answer (401002 or 401000, or a 401 that is not a Tableau error)
//!   means the token is dead and one new sign-in may help ([`is_token_rejection`]).
//! - **Supersession**: a personal access token session rejected before it could have expired
//!   was most likely ended by another sign-in with the same PAT. After `max_supersessions`
//!   within the window the manager stops with [`Error::PatInUseElsewhere`] instead of fighting.
//! - **Refused credentials**: a sign-in refused with 401001 stops the manager; every later
//!   call gets that error without asking the server, until [`Policy::resume`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tableau_auth_core::{CredentialKind, ErrorCode};

use crate::error::Error;
use crate::session::Session;

/// The manager's settings (see [`SessionManagerBuilder`](crate::SessionManagerBuilder)).
#[derive(Debug, Clone)]
pub(crate) struct PolicyConfig {
    /// The server's idle limit.
    pub(crate) session_lifetime: Duration,
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
            session_lifetime: Duration::from_secs(240 * 60),
            refresh_buffer: Duration::from_secs(5 * 60),
            pat_expiry_warning: Duration::from_secs(14 * 86_400),
            max_supersessions: 3,
            supersession_window: Duration::from_secs(10 * 60),
        }
    }
}

impl PolicyConfig {
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
}

impl Live {
    /// A session just issued (or just checked, when it comes from a store): its idle time
    /// counts from then.
    pub(crate) fn new(session: Session) -> Self {
        Live {
            last_used_ms: AtomicU64::new(millis(session.active_at())),
            session: Arc::new(session),
            rejection_judged: AtomicBool::new(false),
        }
    }

    /// The session.
    pub(crate) fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// Records a successful use at `now`.
    pub(crate) fn touch(&self, now: SystemTime) {
        self.last_used_ms.fetch_max(millis(now), Ordering::Relaxed);
    }

    fn idle_ms(&self, now: SystemTime) -> u64 {
        millis(now).saturating_sub(self.last_used_ms.load(Ordering::Relaxed))
    }
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
            .session_lifetime
            .saturating_sub(self.config.refresh_buffer);
        live.idle_ms(now) < as_millis(refresh_after)
    }

    /// Fails when the manager is stopped (PAT in use elsewhere, or refused credentials).
    pub(crate) fn check(&self) -> Result<(), Error> {
        let state = self.state();
        if state.stopped {
            return Err(self.config.pat_in_use_error());
        }
        match &state.refused {
            Some(refused) => Err(refused.clone()),
            None => Ok(()),
        }
    }

    /// The server rejected `live`'s token at `now`. A PAT session that could not have expired
    /// yet counts as a supersession (once per session); too many within the window stop the
    /// manager, and the stop is returned.
    pub(crate) fn on_rejected(&self, live: &Live, now: SystemTime) -> Result<(), Error> {
        if live.rejection_judged.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let could_have_expired = live.idle_ms(now) >= as_millis(self.config.session_lifetime);
        if live.session.credential_kind() != CredentialKind::PersonalAccessToken
            || could_have_expired
        {
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
                    self.state().refused = Some(error.clone());
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
        let body = br#"<tsResponse><credentials token="t|o|k"><site id="s" contentUrl=""/><user id="u"/></credentials></tsResponse>"#;
        let response = SignInResponse::parse(body).unwrap();
        let server = url::Url::parse("https://tableau.example.com/").unwrap();
        Live::new(Session::new(
            response,
            ApiVersion::new(3, 27),
            kind,
            at(issued),
            server,
        ))
    }

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
