//! What a check runs against: nothing (offline), a fresh embedded mock server per check (of
//! each flavour the run covers), or a server given with `--server` (of one flavour).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tableau_auth::{Client, ClientBuilder};
use tableau_auth_core::{ApiVersion, AuthProvider, TimeSource};
use tableau_mock_server::{ControlClient, Flavor, MockServer, Seed};

use crate::outcome::{Failure, ResultExt};
use crate::registry::Requirement;

/// Why an offline check is skipped against `--server`: it would pass whatever the server does,
/// so counting it would overstate what the server proved.
pub const OFFLINE_AGAINST_A_SERVER: &str = "offline check: it judges this workspace's request bodies, not the server (it runs without --server)";

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
        /// Plain `http://` to a host that is not loopback is allowed (`--allow-http`).
        allow_http: bool,
    },
}

/// The target of a run, handed to every check. Cloning it is cheap, and a clone shares the
/// run (its id and fixture counter), so every check may run in its own task.
#[derive(Debug, Clone)]
pub struct CheckContext {
    mode: Mode,
    /// The flavours the run covers: both for the embedded mock by default, the server's for
    /// `--server`, none offline.
    flavors: Vec<Flavor>,
    /// The flavour of the check being run (set by the runner for each run of a check).
    flavor: Option<Flavor>,
    run_id: String,
    fixtures: Arc<AtomicU64>,
    check_timeout: Duration,
}

impl CheckContext {
    /// Offline checks only; every other check is skipped.
    pub fn offline() -> Self {
        Self::with_mode(Mode::Offline, Vec::new())
    }

    /// Each check gets a fresh in-process mock server on a loopback port, once as Tableau
    /// Server and once as Tableau Cloud (a check runs against the flavours it applies to;
    /// [`CheckContext::with_flavors`] narrows the run). A Cloud mock also has a front door.
    pub fn embedded() -> Self {
        Self::with_mode(Mode::Embedded, Flavor::ALL.to_vec())
    }

    /// Each check gets a fresh in-process mock server built from `seed`, and the checks that
    /// use the configured provider use `provider`: how a crate with its own
    /// [`AuthProvider`] runs the suite (see [`crate::check_provider`]).
    pub fn provider_under_test(provider: Arc<dyn AuthProvider>, seed: Seed) -> Self {
        Self::with_mode(
            Mode::Provider {
                provider,
                seed: Box::new(seed),
            },
            vec![Flavor::Server],
        )
    }

    /// Checks run against `url` with `provider` (the environment provider, for the binary).
    /// `control` is the mock control API when `url` is a mock server that answers
    /// `/_mock/health`; checks that need it are skipped otherwise, and so are the offline
    /// checks (they judge this workspace's renderer, not the server). The server is taken to
    /// be a Tableau Server; [`CheckContext::with_flavors`] says otherwise (see
    /// [`flavor_of_url`]). Plain `http://` is allowed only to a loopback host unless
    /// [`CheckContext::allow_http`] says otherwise.
    pub fn remote(
        url: &str,
        provider: Arc<dyn AuthProvider>,
        control: Option<ControlClient>,
        api_version: Option<ApiVersion>,
    ) -> Self {
        Self::with_mode(
            Mode::Remote {
                url: url.trim_end_matches('/').to_owned(),
                provider,
                control,
                api_version,
                allow_http: false,
            },
            vec![Flavor::Server],
        )
    }

    /// Against a server given with `--server`: whether the checks' clients may use plain
    /// `http://` to a host that is not loopback (`--allow-http`; the credentials and session
    /// tokens then cross the network unencrypted). Nothing else allows it. Ignored for the
    /// embedded mock (always loopback).
    #[must_use]
    pub fn allow_http(mut self, allow: bool) -> Self {
        if let Mode::Remote { allow_http, .. } = &mut self.mode {
            *allow_http = allow;
        }
        self
    }

    /// The flavours the run covers: for the embedded mock, which mocks each check runs
    /// against; for `--server`, which kind of server it is (give one). Checks that apply to
    /// none of them are skipped. Ignored offline.
    #[must_use]
    pub fn with_flavors(mut self, flavors: &[Flavor]) -> Self {
        if !matches!(self.mode, Mode::Offline) {
            let mut unique = Vec::new();
            for flavor in flavors {
                if !unique.contains(flavor) {
                    unique.push(*flavor);
                }
            }
            self.flavors = unique;
        }
        self
    }

    /// The flavours the run covers (none offline).
    pub fn flavors(&self) -> &[Flavor] {
        &self.flavors
    }

    /// The flavour of the check being run: `None` offline (and outside a run).
    pub fn flavor(&self) -> Option<Flavor> {
        self.flavor
    }

    /// This context for one run of a check against `flavor` (the runner's).
    pub(crate) fn for_flavor(&self, flavor: Option<Flavor>) -> Self {
        let mut context = self.clone();
        context.flavor = flavor;
        context
    }

    fn with_mode(mode: Mode, flavors: Vec<Flavor>) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or_default();
        CheckContext {
            mode,
            flavors,
            flavor: None,
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
            (Mode::Remote { .. }, Requirement::Offline) => Some(OFFLINE_AGAINST_A_SERVER.into()),
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
            (Mode::Remote { .. }, Requirement::FrontDoor) => {
                Some("needs the front door of the embedded Tableau Cloud mock".into())
            }
        }
    }

    /// A description of the target for the report.
    pub fn describe(&self) -> String {
        let flavors = self
            .flavors
            .iter()
            .map(|flavor| flavor.product())
            .collect::<Vec<_>>()
            .join(" and ");
        match &self.mode {
            Mode::Offline => "offline checks only".into(),
            Mode::Embedded => {
                format!("the embedded mock server as {flavors} (a fresh one per check)")
            }
            Mode::Provider { provider, .. } => format!(
                "the embedded mock server (a fresh one per check) with provider {}",
                provider.name()
            ),
            Mode::Remote {
                url,
                control: Some(_),
                ..
            } => format!("{url} ({flavors}; a mock server: control API available)"),
            Mode::Remote { url, .. } => format!("{url} ({flavors})"),
        }
    }

    /// Whether checks run against a server started elsewhere.
    pub fn is_remote(&self) -> bool {
        matches!(self.mode, Mode::Remote { .. })
    }

    /// The target for one check: in embedded mode a fresh mock server of the check's
    /// flavour (a Cloud one with a front door), alive until the returned value is dropped.
    pub async fn target(&self) -> Result<Target, Failure> {
        let flavor = self
            .flavor
            .or_else(|| self.flavors.first().copied())
            .unwrap_or_default();
        match &self.mode {
            Mode::Offline => Err(Failure("no server in an offline run".into())),
            Mode::Embedded | Mode::Provider { .. } => {
                let mut builder = MockServer::builder().flavor(flavor);
                if let Mode::Provider { seed, .. } = &self.mode {
                    builder = builder.seed(Seed::clone(seed));
                }
                if flavor == Flavor::Cloud {
                    builder = builder.front_door(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
                }
                let mock = builder
                    .try_start()
                    .await
                    .map_err(|e| Failure(format!("cannot start the mock server: {e}")))?;
                let credentials = mock.default_credentials();
                let site = credentials.site_content_url.clone();
                let front_door = mock.front_door_uri();
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
                    allow_http: true,
                    url,
                    provider,
                    flavor,
                    site,
                    front_door,
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
                allow_http,
            } => {
                // A mock server started elsewhere: put it back to its seed data (the seed's
                // credentials survive a reset) so no check sees another's clock, faults or log.
                if let Some(control) = control {
                    control.reset().await.context("mock control API")?;
                }
                // The fixtures go to the site the configured credentials sign in to.
                let site = provider
                    .credentials()
                    .await
                    .map(|credentials| credentials.site().to_owned())
                    .unwrap_or_default();
                Ok(Target {
                    url: url.clone(),
                    provider: provider.clone(),
                    flavor,
                    site,
                    front_door: None,
                    control: control.clone(),
                    allow_http: *allow_http,
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
    flavor: Flavor,
    site: String,
    front_door: Option<String>,
    control: Option<ControlClient>,
    /// The client may use plain http to a host that is not loopback (the embedded mock is
    /// loopback anyway; against `--server`, only with `--allow-http`).
    allow_http: bool,
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

    /// Tableau Server or Tableau Cloud.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The content URL of the site the configured credentials sign in to, where the checks
    /// make their fixtures (`""`, the Default site, on the embedded Server mock; `analytics`
    /// on the Cloud one, which has no Default site).
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The front door's URL (it redirects every request to [`Target::url`]), when the target
    /// has one: the embedded Cloud mock does.
    pub fn front_door(&self) -> Option<&str> {
        self.front_door.as_deref()
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
        client_builder(&self.url, self.api_version, self.allow_http)
            .build()
            .map_err(|e| Failure(format!("cannot build the client: {e}")))
    }

    /// A client that always negotiates the version with `serverinfo`, even in a pinned run:
    /// for the checks that prove the negotiation itself (version gates, a retried
    /// `serverinfo`), which a pinned client would skip.
    pub fn negotiating_client(&self) -> Result<Client, Failure> {
        client_builder(&self.url, None, self.allow_http)
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
/// `--server` before anything is sent) and the checks apply the same URL rules: plain http
/// for loopback, like any user of the client, and to another host only when `allow_http`
/// (`--allow-http`) says so.
pub(crate) fn client_builder(
    url: &str,
    pinned: Option<ApiVersion>,
    allow_http: bool,
) -> ClientBuilder {
    let builder = Client::builder()
        .server_url(url)
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .allow_insecure_http(allow_http);
    match pinned {
        Some(version) => builder.api_version(version),
        None => builder,
    }
}

/// The flavour a `--server URL` is taken to be without `--flavor`: Tableau Cloud when the
/// host is `online.tableau.com` or under it, Tableau Server otherwise.
///
/// ```
/// use tableau_conformance::{Flavor, flavor_of_url};
/// assert_eq!(flavor_of_url("https://10ay.online.tableau.com"), Flavor::Cloud);
/// assert_eq!(flavor_of_url("https://ONLINE.tableau.com/"), Flavor::Cloud);
/// assert_eq!(flavor_of_url("https://tableau.example.com"), Flavor::Server);
/// assert_eq!(flavor_of_url("https://notonline.tableau.com"), Flavor::Server);
/// ```
pub fn flavor_of_url(url: &str) -> Flavor {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let host = host.trim_end_matches('.');
    if host == "online.tableau.com" || host.ends_with(".online.tableau.com") {
        Flavor::Cloud
    } else {
        Flavor::Server
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
