//! What a check runs against: nothing (offline), a fresh embedded mock server per check, or a
//! server given with `--server`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tableau_auth::{Client, ClientBuilder};
use tableau_auth_core::{ApiVersion, AuthProvider, TimeSource};
use tableau_mock_server::{ControlClient, MockServer, Seed};

use crate::outcome::{Context, Failure};
use crate::registry::Requirement;

/// How long one check may run before the runner reports it as failed (a hang, not a verdict).
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the checks of a run are sent.
#[derive(Debug, Clone)]
enum Mode {
    Offline,
    Embedded,
    /// A provider under test, against fresh embedded mocks built from `seed`.
    Provider {
        provider: Arc<dyn AuthProvider>,
        seed: Box<Seed>,
    },
    Remote {
        url: String,
        provider: Arc<dyn AuthProvider>,
        control: Option<ControlClient>,
        api_version: Option<ApiVersion>,
    },
}

/// The target of a run, handed to every check. Cloning it is cheap, and a clone shares the
/// run (its id and fixture counter), so every check may run in its own task.
#[derive(Debug, Clone)]
pub struct CheckContext {
    mode: Mode,
    run_id: String,
    fixtures: Arc<AtomicU64>,
    check_timeout: Duration,
}

impl CheckContext {
    /// Offline checks only; every other check is skipped.
    pub fn offline() -> Self {
        Self::with_mode(Mode::Offline)
    }

    /// Each check gets a fresh in-process mock server on a loopback port.
    pub fn embedded() -> Self {
        Self::with_mode(Mode::Embedded)
    }

    /// Each check gets a fresh in-process mock server built from `seed`, and the checks that
    /// use the configured provider use `provider`: how a crate with its own
    /// [`AuthProvider`] runs the suite (see [`crate::check_provider`]).
    pub fn provider_under_test(provider: Arc<dyn AuthProvider>, seed: Seed) -> Self {
        Self::with_mode(Mode::Provider {
            provider,
            seed: Box::new(seed),
        })
    }

    /// Checks run against `url` with `provider` (the environment provider, for the binary).
    /// `control` is the mock control API when `url` is a mock server that answers
    /// `/_mock/health`; checks that need it are skipped otherwise.
    pub fn remote(
        url: &str,
        provider: Arc<dyn AuthProvider>,
        control: Option<ControlClient>,
        api_version: Option<ApiVersion>,
    ) -> Self {
        Self::with_mode(Mode::Remote {
            url: url.trim_end_matches('/').to_owned(),
            provider,
            control,
            api_version,
        })
    }

    fn with_mode(mode: Mode) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or_default();
        CheckContext {
            mode,
            run_id: format!("{:08x}", nanos),
            fixtures: Arc::new(AtomicU64::new(0)),
            check_timeout: DEFAULT_CHECK_TIMEOUT,
        }
    }

    /// How long one check may run before it is reported as failed
    /// (default [`DEFAULT_CHECK_TIMEOUT`]).
    #[must_use]
    pub fn with_check_timeout(mut self, timeout: Duration) -> Self {
        self.check_timeout = timeout;
        self
    }

    /// How long one check may run.
    pub fn check_timeout(&self) -> Duration {
        self.check_timeout
    }

    /// Why a check with this requirement cannot run here, or `None` when it can.
    pub fn unavailable_reason(&self, requirement: Requirement) -> Option<String> {
        match (&self.mode, requirement) {
            (_, Requirement::Offline) => None,
            (Mode::Offline, _) => Some("no server in an offline run".into()),
            (Mode::Embedded | Mode::Provider { .. }, _) => None,
            (Mode::Remote { .. }, Requirement::Server) => None,
            (
                Mode::Remote {
                    control: Some(_), ..
                },
                Requirement::MockControl,
            ) => None,
            (Mode::Remote { control: None, .. }, Requirement::MockControl) => {
                Some("needs the mock server's control API (/_mock/health did not answer)".into())
            }
        }
    }

    /// A description of the target for the report.
    pub fn describe(&self) -> String {
        match &self.mode {
            Mode::Offline => "offline checks only".into(),
            Mode::Embedded => "the embedded mock server (a fresh one per check)".into(),
            Mode::Provider { provider, .. } => format!(
                "the embedded mock server (a fresh one per check) with provider {}",
                provider.name()
            ),
            Mode::Remote {
                url,
                control: Some(_),
                ..
            } => format!("{url} (a mock server: control API available)"),
            Mode::Remote { url, .. } => url.clone(),
        }
    }

    /// Whether checks run against a server started elsewhere.
    pub fn is_remote(&self) -> bool {
        matches!(self.mode, Mode::Remote { .. })
    }

    /// The target for one check: in embedded mode a fresh mock server, alive until the
    /// returned value is dropped.
    pub async fn target(&self) -> Result<Target, Failure> {
        match &self.mode {
            Mode::Offline => Err(Failure("no server in an offline run".into())),
            Mode::Embedded | Mode::Provider { .. } => {
                let mut builder = MockServer::builder();
                if let Mode::Provider { seed, .. } = &self.mode {
                    builder = builder.seed(Seed::clone(seed));
                }
                let mock = builder
                    .try_start()
                    .await
                    .map_err(|e| Failure(format!("cannot start the mock server: {e}")))?;
                let credentials = mock.default_credentials();
                let provider: Arc<dyn AuthProvider> =
                    if let Mode::Provider { provider, .. } = &self.mode {
                        provider.clone()
                    } else {
                        Arc::new(
                            tableau_auth::PersonalAccessTokenProvider::new(
                                credentials.pat_name,
                                credentials.pat_secret,
                            )
                            .map_err(|e| Failure(e.to_string()))?
                            .site(credentials.site_content_url),
                        )
                    };
                let url = mock.uri();
                Ok(Target {
                    control: Some(ControlClient::new(&url)),
                    url,
                    provider,
                    run_id: self.run_id.clone(),
                    fixtures: self.fixtures.clone(),
                    api_version: None,
                    _mock: Some(mock),
                })
            }
            Mode::Remote {
                url,
                provider,
                control,
                api_version,
            } => {
                // A mock server started elsewhere: put it back to its seed data (the seed's
                // credentials survive a reset) so no check sees another's clock, faults or log.
                if let Some(control) = control {
                    control.reset().await.context("mock control API")?;
                }
                Ok(Target {
                    url: url.clone(),
                    provider: provider.clone(),
                    control: control.clone(),
                    run_id: self.run_id.clone(),
                    fixtures: self.fixtures.clone(),
                    api_version: *api_version,
                    _mock: None,
                })
            }
        }
    }
}

/// The server one check talks to.
#[derive(Debug)]
pub struct Target {
    url: String,
    provider: Arc<dyn AuthProvider>,
    control: Option<ControlClient>,
    run_id: String,
    fixtures: Arc<AtomicU64>,
    api_version: Option<ApiVersion>,
    _mock: Option<MockServer>,
}

impl Target {
    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The configured provider: the environment provider against a remote server, the
    /// default PAT of a fresh embedded mock.
    pub fn provider(&self) -> Arc<dyn AuthProvider> {
        self.provider.clone()
    }

    /// The control API, or a failure naming it (checks that need it declare
    /// [`Requirement::MockControl`], so this fails only on a programming error).
    pub fn control(&self) -> Result<&ControlClient, Failure> {
        self.control
            .as_ref()
            .ok_or_else(|| Failure("this check needs the mock server's control API".into()))
    }

    /// A name unique to this run and call, so fixtures never collide on a shared mock.
    pub fn unique(&self, name: &str) -> String {
        let n = self.fixtures.fetch_add(1, Ordering::Relaxed);
        format!("{name}-{}-{n}", self.run_id)
    }

    /// The REST API version the run is pinned to (`TABLEAU_API_VERSION` with `--server`), or
    /// `None` when the client negotiates it.
    pub fn pinned_version(&self) -> Option<ApiVersion> {
        self.api_version
    }

    /// A client for this target with short timeouts, pinned to [`Target::pinned_version`]
    /// when the run is pinned.
    pub fn client(&self) -> Result<Client, Failure> {
        client_builder(&self.url, self.api_version, self.control.is_some())
            .build()
            .map_err(|e| Failure(format!("cannot build the client: {e}")))
    }

    /// A client that always negotiates the version with `serverinfo`, even in a pinned run:
    /// for the checks that prove the negotiation itself (version gates, a retried
    /// `serverinfo`), which a pinned client would skip.
    pub fn negotiating_client(&self) -> Result<Client, Failure> {
        client_builder(&self.url, None, self.control.is_some())
            .build()
            .map_err(|e| Failure(format!("cannot build the client: {e}")))
    }

    /// A clock that follows the mock's virtual clock (real time plus its offset), for the
    /// connected-app provider.
    pub async fn mock_clock(&self) -> Result<Arc<MockClock>, Failure> {
        let offset = self
            .control()?
            .clock()
            .await
            .context("mock control API")?
            .offset_seconds;
        Ok(Arc::new(MockClock(AtomicI64::new(offset))))
    }
}

/// The one place the runner configures its clients, so set-up (which builds a client for
/// `--server` before any credential is sent) and the checks apply the same URL rules: plain
/// http for loopback, like any user of the client, and towards a mock server (it has no TLS,
/// and its credentials are fixtures), which set-up proved with `/_mock/health`.
pub(crate) fn client_builder(
    url: &str,
    pinned: Option<ApiVersion>,
    mock_server: bool,
) -> ClientBuilder {
    let builder = Client::builder()
        .server_url(url)
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .allow_insecure_http(mock_server);
    match pinned {
        Some(version) => builder.api_version(version),
        None => builder,
    }
}

/// Real time plus the mock clock's offset.
#[derive(Debug)]
pub struct MockClock(AtomicI64);

impl MockClock {
    /// Records a new offset (after `clock/advance`).
    pub fn set_offset(&self, seconds: i64) {
        self.0.store(seconds, Ordering::SeqCst);
    }
}

impl TimeSource for MockClock {
    fn now(&self) -> SystemTime {
        let offset = self.0.load(Ordering::SeqCst);
        let now = SystemTime::now();
        if offset >= 0 {
            now + Duration::from_secs(offset.unsigned_abs())
        } else {
            now - Duration::from_secs(offset.unsigned_abs())
        }
    }
}
