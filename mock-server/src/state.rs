//! The server's state: configuration, clock, directory, sessions, faults and request log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use time::OffsetDateTime;

use crate::answer_cache::AnswerCache;
use crate::clock::Clock;
use crate::directory::Directory;
use crate::faults::FaultStore;
use crate::flavor::Flavor;
use crate::ids::IdGenerator;
use crate::request_log::RequestLog;
use crate::seed::{Seed, SeedError};
use crate::sessions::SessionStore;
use crate::stubs::store::StubStore;
use crate::types::DefaultCredentials;
use crate::version::ApiVersion;

/// Settings of one mock server (set through [`MockServerBuilder`](crate::MockServerBuilder)).
#[derive(Clone)]
pub(crate) struct Config {
    /// Tableau Server or Tableau Cloud.
    pub flavor: Flavor,
    /// Newest REST API version served.
    pub api_version: ApiVersion,
    /// Idle lifetime of a session (sliding).
    pub session_idle: Duration,
    /// When set, the control API needs `X-Mock-Control` with this value.
    pub control_token: Option<String>,
    /// Capacity of the request log (0 turns it off).
    pub request_log: usize,
    /// Cap on live sessions.
    pub max_sessions: usize,
    /// Fixed start instant of the virtual clock (it then moves only when advanced).
    pub fixed_start: Option<OffsetDateTime>,
    /// Seed of the id/token/secret generator.
    pub deterministic: Option<u64>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("flavor", &self.flavor)
            .field("api_version", &self.api_version)
            .field("session_idle", &self.session_idle)
            .field(
                "control_token",
                &self.control_token.as_ref().map(|_| "[redacted]"),
            )
            .field("request_log", &self.request_log)
            .field("max_sessions", &self.max_sessions)
            .field("fixed_start", &self.fixed_start)
            .field("deterministic", &self.deterministic)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            flavor: Flavor::Server,
            api_version: ApiVersion::DEFAULT,
            session_idle: Flavor::Server.default_session_idle(),
            control_token: None,
            request_log: 10_000,
            max_sessions: 1_000_000,
            fixed_start: None,
            deterministic: None,
        }
    }
}

/// The state of one mock server, opaque: what [`router`](crate::router) serves. Cheap to clone
/// (clones share it). Build it with
/// [`MockServerBuilder::build_state`](crate::MockServerBuilder::build_state).
#[derive(Clone, Debug)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub config: Config,
    pub clock: Clock,
    pub ids: IdGenerator,
    directory: RwLock<Directory>,
    /// Rendered `sessions/current` answers; emptied by every [`AppState::write_directory`].
    pub current_answers: AnswerCache,
    pub sessions: SessionStore,
    /// JWT ids seen, with their `exp`.
    pub jtis: Mutex<HashMap<String, i64>>,
    pub faults: FaultStore,
    pub log: RequestLog,
    /// The registered stubs.
    pub stubs: StubStore,
    initial: Directory,
    pub defaults: DefaultCredentials,
}

impl AppState {
    /// Builds the state from settings and seed data.
    pub(crate) fn new(config: Config, seed: &Seed) -> Result<AppState, SeedError> {
        let clock = Clock::new(config.fixed_start);
        let ids = IdGenerator::new(config.deterministic);
        let (initial, defaults) = seed.materialise(&ids, clock.now(), config.flavor)?;
        Ok(AppState {
            inner: Arc::new(Inner {
                sessions: SessionStore::new(config.session_idle, config.max_sessions),
                log: RequestLog::new(config.request_log),
                directory: RwLock::new(initial.clone()),
                current_answers: AnswerCache::default(),
                initial,
                defaults,
                clock,
                ids,
                jtis: Mutex::new(HashMap::new()),
                faults: FaultStore::default(),
                stubs: StubStore::default(),
                config,
            }),
        })
    }

    /// The settings.
    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Tableau Server or Tableau Cloud.
    pub fn flavor(&self) -> Flavor {
        self.inner.config.flavor
    }

    /// The control token, when the control API needs one.
    pub(crate) fn control_token(&self) -> Option<&str> {
        self.inner.config.control_token.as_deref()
    }

    /// The credentials of the seed data.
    pub fn default_credentials(&self) -> DefaultCredentials {
        self.inner.defaults.clone()
    }

    /// The virtual time.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    pub(crate) fn now_nanos(&self) -> i64 {
        self.inner.clock.now_nanos()
    }

    pub(crate) fn read_directory(&self) -> RwLockReadGuard<'_, Directory> {
        self.inner
            .directory
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The directory, for writing. Empties the cache of rendered answers, which are read and
    /// filled only under the read lock, so none outlives the data it was rendered from.
    pub(crate) fn write_directory(&self) -> RwLockWriteGuard<'_, Directory> {
        let guard = self
            .inner
            .directory
            .write()
            .unwrap_or_else(|p| p.into_inner());
        self.inner.current_answers.clear();
        guard
    }

    /// Back to the seed data: no sessions, clock offset 0, no faults, no stubs, empty request
    /// log.
    pub(crate) fn reset(&self) {
        let mut dir = self.write_directory();
        *dir = self.inner.initial.clone();
        self.inner.sessions.clear();
        drop(dir);
        self.inner
            .jtis
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.inner.clock.reset();
        self.inner.faults.clear();
        self.inner.stubs.clear();
        self.inner.log.clear();
    }

    /// Number of live sessions held.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }
}
