//! [`SessionManagerBuilder`]: the session manager's settings, and its constructors.

use std::sync::Arc;
use std::time::Duration;

use tableau_auth_core::AuthProvider;

use crate::client::Client;
use crate::manager::SessionManager;
use crate::policy::PolicyConfig;
use crate::session::Session;
use crate::source::{NoSignIn, SessionSource, SignIn};
use crate::store::{SessionStore, SharedSessions};

/// The default [`SessionManagerBuilder::sign_in_timeout`].
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(120);

impl SessionManager {
    /// A manager with the default settings (the server's idle limit: 120 minutes on Tableau
    /// Cloud, 240 elsewhere; 14-day PAT warning; stop after 3 supersessions in 10 minutes;
    /// 2-minute sign-in timeout).
    pub fn new(client: Client, provider: Arc<dyn AuthProvider>) -> SessionManager {
        SessionManager::builder(client, provider).build()
    }

    /// Configures a manager.
    pub fn builder(client: Client, provider: Arc<dyn AuthProvider>) -> SessionManagerBuilder {
        SessionManagerBuilder::new(client, provider)
    }

    /// A manager that starts with `session` — typically one made from a token with
    /// [`Session::from_token`] — and has no credential provider.
    ///
    /// It shares the session like any manager and handles its end: when the server rejects
    /// the token (401002), it cannot sign in again and answers [`Error::NoProvider`] (with a
    /// hint) from then on. It does not replace the session before the idle limit either (it
    /// could not), so the session lives as long as the server keeps it. To sign in again when
    /// it ends, use [`SessionManager::builder`] with a provider and
    /// [`session`](SessionManagerBuilder::session).
    ///
    /// [`Error::NoProvider`]: crate::Error::NoProvider
    pub fn from_session(client: Client, session: Session) -> SessionManager {
        SessionManager::builder_from_session(client, session).build()
    }

    /// Configures a manager that starts with `session` and has no credential provider (see
    /// [`from_session`](SessionManager::from_session)).
    pub fn builder_from_session(client: Client, session: Session) -> SessionManagerBuilder {
        SessionManagerBuilder {
            source: Arc::new(NoSignIn),
            provider: None,
            client,
            config: PolicyConfig::default(),
            sign_in_timeout: DEFAULT_SIGN_IN_TIMEOUT,
            initial: Some(session),
            can_sign_in: false,
        }
    }
}

/// Configures a [`SessionManager`]. Start with [`SessionManager::builder`].
#[derive(Debug)]
#[must_use]
pub struct SessionManagerBuilder {
    client: Client,
    /// `None` for a manager built from a session alone.
    provider: Option<Arc<dyn AuthProvider>>,
    source: Arc<dyn SessionSource>,
    config: PolicyConfig,
    sign_in_timeout: Duration,
    initial: Option<Session>,
    can_sign_in: bool,
}

impl SessionManagerBuilder {
    fn new(client: Client, provider: Arc<dyn AuthProvider>) -> Self {
        SessionManagerBuilder {
            source: Arc::new(SignIn::new(client.clone(), Arc::clone(&provider))),
            provider: Some(provider),
            client,
            config: PolicyConfig::default(),
            sign_in_timeout: DEFAULT_SIGN_IN_TIMEOUT,
            initial: None,
            can_sign_in: true,
        }
    }

    /// The server's idle session limit. By default it is known from the server: 120 minutes
    /// for Tableau Cloud (a host under `online.tableau.com`), 240 minutes (Tableau Server's
    /// default, `wgserver.session.idle_limit`) for any other. Set it when a Tableau Server's
    /// administrator changed the limit. The manager signs in again shortly before it, and a
    /// PAT session the server rejects although it was used within it counts as superseded
    /// (see [`max_supersessions`](SessionManagerBuilder::max_supersessions)).
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.session_lifetime = Some(lifetime);
        self
    }

    /// Starts with `session` (for example one made from a token with
    /// [`Session::from_token`]) instead of signing in at first use. With a provider, the
    /// manager signs in with it when that session ends; without one
    /// ([`SessionManager::builder_from_session`]) it cannot.
    pub fn session(mut self, session: Session) -> Self {
        self.initial = Some(session);
        self
    }

    /// How long before the idle limit the manager signs in again (default 5 minutes).
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.config.refresh_buffer = buffer;
        self
    }

    /// A `tracing` warning fires at sign-in when the PAT has less than this left
    /// (default 14 days).
    pub fn pat_expiry_warning(mut self, threshold: Duration) -> Self {
        self.config.pat_expiry_warning = threshold;
        self
    }

    /// Stop with [`Error::PatInUseElsewhere`](crate::Error::PatInUseElsewhere) after `count`
    /// supersessions of a PAT session within `window` (default 3 within 10 minutes).
    pub fn max_supersessions(mut self, count: u32, window: Duration) -> Self {
        self.config.max_supersessions = count.max(1);
        self.config.supersession_window = window;
        self
    }

    /// The longest a sign-in (or a site switch) may take, from the credential provider to the
    /// server's answer, retries included (default [`DEFAULT_SIGN_IN_TIMEOUT`], 2 minutes).
    /// Past it, every task waiting for that sign-in gets
    /// [`Error::SignInTimeout`](crate::Error::SignInTimeout) and the next call tries again.
    /// Keep it above the retry policy's total deadline plus one request timeout, or it cuts
    /// off retries that would have succeeded.
    pub fn sign_in_timeout(mut self, timeout: Duration) -> Self {
        self.sign_in_timeout = timeout;
        self
    }

    /// Wraps where the manager gets new sessions from: `wrap` receives the current source
    /// (the sign-in with the client and provider, or an earlier wrapper) and returns the one
    /// to use. This is the seam for session stores shared between processes: consult the
    /// store, else call the inner source and write its session. The manager's rules stay
    /// around the source. See [`SessionSource`].
    pub fn wrap_source(
        mut self,
        wrap: impl FnOnce(Arc<dyn SessionSource>) -> Arc<dyn SessionSource>,
    ) -> Self {
        self.source = wrap(self.source);
        self
    }

    /// Shares the session with every process that uses the same store and credential: a
    /// [`FileStore`](crate::FileStore) for the processes of one user on one machine, a
    /// `RedisStore` (feature `redis`) for a fleet. When the manager needs a session, the store
    /// is consulted first (a stored session is checked with `GET sessions/current` before it
    /// is used), and only one process signs in when none is alive; see
    /// [`SharedSessions`](crate::SharedSessions) and the [store documentation](crate::store).
    /// The provider must have a store identity
    /// ([`AuthProvider::store_identity`](tableau_auth_core::AuthProvider::store_identity)),
    /// otherwise every sign-in fails with [`Error::Configuration`](crate::Error::Configuration).
    pub fn session_store(self, store: Arc<dyn SessionStore>) -> Self {
        let client = self.client.clone();
        let Some(provider) = self.provider.clone() else {
            tracing::warn!(
                "a session store needs a credential provider: a manager built from a session \
                 alone ignores it"
            );
            return self;
        };
        self.wrap_source(move |sign_in| {
            Arc::new(SharedSessions::wrapping(client, provider, store, sign_in))
        })
    }

    /// Builds the manager. It does not sign in until first asked for a token (and not at all
    /// while a session it was given is alive).
    pub fn build(self) -> SessionManager {
        SessionManager::from_parts(
            self.client,
            self.source,
            self.config,
            self.sign_in_timeout,
            self.initial,
            self.can_sign_in,
        )
    }
}
