//! The [`MockServer`] handle used by tests, and its builder.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::control::wire;
use crate::faults::Fault;
use crate::flavor::Flavor;
use crate::seed::Seed;
use crate::server::{DEFAULT_MAX_CONNECTIONS, serve};
use crate::state::{AppState, Config};
use crate::stubs::{Stub, StubCall, StubDetails, StubId, StubInfo};
use crate::types::{
    ConnectedApp, DataSourceInfo, DefaultCredentials, PatInfo, ProjectInfo, RecordedRequest,
    SessionInfo, SiteInfo, UatConfig, UatConfigInfo, UserInfo, WorkbookInfo,
};
use crate::version::ApiVersion;

enum SeedSource {
    Default,
    Seed(Seed),
    #[cfg(feature = "toml")]
    Toml(String),
    #[cfg(feature = "toml")]
    File(std::path::PathBuf),
}

/// How long open connections may finish their requests once shutdown starts.
const DRAIN: Duration = Duration::from_secs(4);

/// Builds a [`MockServer`] with custom settings and data.
pub struct MockServerBuilder {
    config: Config,
    api_version: Option<String>,
    /// `None`: the flavour's default idle limit.
    session_idle: Option<Duration>,
    seed: SeedSource,
    bind: SocketAddr,
    front_door: Option<SocketAddr>,
    max_connections: usize,
}

impl std::fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("config", &self.config)
            .field("bind", &self.bind)
            .field("front_door", &self.front_door)
            .finish_non_exhaustive()
    }
}

fn invalid(message: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message.to_string())
}

impl MockServerBuilder {
    fn new() -> Self {
        Self {
            config: Config::default(),
            api_version: None,
            session_idle: None,
            seed: SeedSource::Default,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            front_door: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }

    /// Behaves as Tableau Server (the default) or Tableau Cloud; see [`Flavor`]. The flavour
    /// chooses the embedded data set, the default session idle limit and the default PAT
    /// lifetime.
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.config.flavor = flavor;
        self
    }

    /// Behaves as Tableau Cloud: `.flavor(Flavor::Cloud)`.
    pub fn cloud(self) -> Self {
        self.flavor(Flavor::Cloud)
    }

    /// Also listens on `addr` as a front door: every request there is answered
    /// `301 Moved Permanently` to the same path and query on the main address, as Tableau
    /// Cloud's `online.tableau.com` sends clients to their pod. See
    /// [`MockServer::front_door_uri`].
    pub fn front_door(mut self, addr: SocketAddr) -> Self {
        self.front_door = Some(addr);
        self
    }

    /// Newest REST API version served (`"3.27"` by default).
    pub fn api_version(mut self, version: &str) -> Self {
        self.api_version = Some(version.to_owned());
        self
    }

    /// Idle lifetime of sessions (by default 240 minutes on Server, 120 on Cloud).
    pub fn session_idle(mut self, idle: Duration) -> Self {
        self.session_idle = Some(idle);
        self
    }

    /// Protects the control API with `X-Mock-Control: token` (an empty token locks it).
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.config.control_token = Some(token.into());
        self
    }

    /// Capacity of the request log (10,000 by default; 0 turns it off).
    pub fn request_log(mut self, capacity: usize) -> Self {
        self.config.request_log = capacity;
        self
    }

    /// Cap on live sessions (1,000,000 by default); past it the least recently used is evicted.
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.config.max_sessions = max;
        self
    }

    /// Cap on concurrent connections (4,096 by default, at least 1,024 is advisable).
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Seed data instead of the flavour's embedded default data set ([`Seed::default_for`]).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = SeedSource::Seed(seed);
        self
    }

    /// Seed data from TOML text (feature `toml`; the format is in `docs/mock-server.md`).
    #[cfg(feature = "toml")]
    pub fn seed_toml(mut self, toml: &str) -> Self {
        self.seed = SeedSource::Toml(toml.to_owned());
        self
    }

    /// Seed data from a TOML file (feature `toml`).
    #[cfg(feature = "toml")]
    pub fn seed_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.seed = SeedSource::File(path.into());
        self
    }

    /// Listen address (`127.0.0.1:0` by default).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Starts the virtual clock at a fixed instant; it then moves only when advanced.
    pub fn fixed_start(mut self, start: OffsetDateTime) -> Self {
        self.config.fixed_start = Some(start);
        self
    }

    /// Seeds the generator of ids, tokens and secrets, for stable snapshots.
    pub fn deterministic(mut self, seed: u64) -> Self {
        self.config.deterministic = Some(seed);
        self
    }

    /// Builds the state without serving it (for [`router`](crate::router) and `oneshot`).
    pub fn build_state(&self) -> std::io::Result<AppState> {
        let mut config = self.config.clone();
        config.session_idle = self
            .session_idle
            .unwrap_or_else(|| config.flavor.default_session_idle());
        if let Some(text) = &self.api_version {
            config.api_version = ApiVersion::parse(text)
                .ok_or_else(|| invalid(format!("'{text}' is not a MAJOR.MINOR API version")))?;
        }
        let seed = match &self.seed {
            SeedSource::Default => Seed::default_for(config.flavor),
            SeedSource::Seed(seed) => seed.clone(),
            #[cfg(feature = "toml")]
            SeedSource::Toml(text) => Seed::from_toml(text).map_err(invalid)?,
            #[cfg(feature = "toml")]
            SeedSource::File(path) => Seed::from_file(path).map_err(invalid)?,
        };
        AppState::new(config, &seed).map_err(invalid)
    }

    /// Binds and starts serving. Fails when the settings or the seed are invalid
    /// ([`std::io::ErrorKind::InvalidInput`]) or an address cannot be bound.
    pub async fn try_start(self) -> std::io::Result<MockServer> {
        let state = self.build_state()?;
        let listener = bind(self.bind).await?;
        let address = listener.local_addr()?;
        let front_door = match self.front_door {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let front_door_address = front_door
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?;
        let (sender, receiver) = watch::channel(false);
        let app = crate::router(state.clone());
        let mut tasks = vec![tokio::spawn(serve(
            listener,
            app,
            receiver.clone(),
            self.max_connections,
            DRAIN,
        ))];
        if let Some(listener) = front_door {
            let redirect = crate::front_door::router(&loopback_uri(address));
            tasks.push(tokio::spawn(serve(
                listener,
                redirect,
                receiver,
                self.max_connections,
                DRAIN,
            )));
        }
        tracing::info!(
            %address,
            front_door = ?front_door_address,
            flavor = %state.flavor(),
            api_version = %state.config().api_version,
            control_token = state.control_token().is_some(),
            "mock server started"
        );
        Ok(MockServer {
            state,
            address,
            front_door: front_door_address,
            shutdown: sender,
            tasks,
        })
    }

    /// Binds and starts serving.
    ///
    /// # Panics
    /// When the settings or the seed are invalid or the address cannot be bound.
    pub async fn start(self) -> MockServer {
        match self.try_start().await {
            Ok(server) => server,
            Err(error) => panic!("cannot start the mock Tableau server: {error}"),
        }
    }
}

async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| std::io::Error::new(error.kind(), format!("cannot bind {addr}: {error}")))
}

/// `http://HOST:PORT` of a bound address; a wildcard address is reached at `127.0.0.1`.
fn loopback_uri(mut address: SocketAddr) -> String {
    if address.ip().is_unspecified() {
        address.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    format!("http://{address}")
}

/// A running mock Tableau server. Dropping it shuts it down; [`MockServer::shutdown`] also
/// waits for open requests to finish.
///
/// The helpers mirror the control API and panic on invalid input, like test helpers do.
/// `ControlClient` (feature `control-client`, see `MockServer::control_client`) makes the same
/// calls over HTTP and returns a `Result`.
#[derive(Debug)]
pub struct MockServer {
    state: AppState,
    address: SocketAddr,
    front_door: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for MockServer {
    /// Shuts the server down, then checks the expectations of the stubs still mounted
    /// ([`Stub::expect`]): an unmet one panics with the calls seen (not while the thread is
    /// already panicking).
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if std::thread::panicking() {
            return;
        }
        if let Some(failure) = self.state.unmet_expectations(None) {
            panic!("{failure}");
        }
    }
}

/// A stub mounted with [`MockServer::mount_as_scoped`]: dropping the guard removes the stub
/// and checks its expectation ([`Stub::expect`]), panicking with the calls seen when it is
/// not met (not while the thread is already panicking).
#[must_use = "dropping the guard removes the stub at once"]
#[derive(Debug)]
pub struct StubGuard {
    state: AppState,
    id: StubId,
}

impl StubGuard {
    /// The stub's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many requests the stub answered so far.
    pub async fn calls(&self) -> u64 {
        self.state.stub(&self.id).map(|d| d.calls).unwrap_or(0)
    }

    /// The requests the stub answered (the most recent 1,000), oldest first, redacted.
    pub async fn received_requests(&self) -> Vec<StubCall> {
        self.state
            .stub(&self.id)
            .map(|d| d.requests)
            .unwrap_or_default()
    }
}

impl Drop for StubGuard {
    fn drop(&mut self) {
        let Some(entry) = self.state.inner.stubs.remove(&self.id) else {
            return;
        };
        if std::thread::panicking() {
            return;
        }
        if let Some(failure) = self
            .state
            .describe_unmet(entry.unmet_expectation().into_iter())
        {
            panic!("{failure}");
        }
    }
}

fn must<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("mock server: {what} failed: {error}"),
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1:0` with the embedded default data set.
    ///
    /// # Panics
    /// When it cannot bind.
    pub async fn start() -> MockServer {
        MockServerBuilder::new().start().await
    }

    /// A builder for custom settings and seed data.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::new()
    }

    /// `http://127.0.0.1:PORT` (no trailing slash). A wildcard bind (`0.0.0.0`, `[::]`) is
    /// reached at `127.0.0.1`.
    pub fn uri(&self) -> String {
        loopback_uri(self.address)
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT` of the front door, when the builder asked for one
    /// ([`MockServerBuilder::front_door`]); a wildcard bind is reached at `127.0.0.1`.
    pub fn front_door_uri(&self) -> Option<String> {
        self.front_door.map(loopback_uri)
    }

    /// Tableau Server or Tableau Cloud.
    pub fn flavor(&self) -> Flavor {
        self.state.flavor()
    }

    /// Stops accepting connections, lets open requests finish (at most about 4 seconds) and
    /// returns once the server has stopped.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let tasks = std::mem::take(&mut self.tasks);
        let _ = tokio::time::timeout(DRAIN + Duration::from_millis(500), async {
            for task in tasks {
                let _ = task.await;
            }
        })
        .await;
    }

    /// A [`ControlClient`](crate::ControlClient) for this server, with its control token when
    /// it has one.
    #[cfg(feature = "control-client")]
    pub fn control_client(&self) -> crate::ControlClient {
        let client = crate::ControlClient::new(&self.uri());
        match self.state.control_token() {
            Some(token) => client.control_token(token),
            None => client,
        }
    }

    /// Number of sessions the server holds (expired ones not yet purged included).
    pub fn session_count(&self) -> usize {
        self.state.session_count()
    }

    /// The credentials of the seed data (the default PAT's secret is random per start).
    pub fn default_credentials(&self) -> DefaultCredentials {
        self.state.default_credentials()
    }

    /// Creates a site (its PAT lifetime the flavour's default: 365 days on Server, 180 on
    /// Cloud).
    ///
    /// # Panics
    /// When the content URL exists or the input is invalid (on Cloud, a `""` content URL).
    pub async fn create_site(&self, content_url: &str, name: &str) -> SiteInfo {
        must(
            "create_site",
            self.state.create_site(content_url, name, None),
        )
    }

    /// Creates a site whose PATs live `days` days by default (1–365; on Tableau Cloud, where
    /// it is a site setting, also their maximum).
    ///
    /// # Panics
    /// As [`MockServer::create_site`], and when `days` is outside 1–365.
    pub async fn create_site_with_pat_lifetime(
        &self,
        content_url: &str,
        name: &str,
        days: u32,
    ) -> SiteInfo {
        must(
            "create_site",
            self.state.create_site(content_url, name, Some(days)),
        )
    }

    /// Creates a user on `site` (a content URL).
    ///
    /// # Panics
    /// When the site is unknown, the user exists there, or the role is unknown.
    pub async fn create_user(
        &self,
        site: &str,
        name: &str,
        password: Option<&str>,
        site_role: &str,
    ) -> UserInfo {
        must(
            "create_user",
            self.state.create_user(site, name, password, site_role),
        )
    }

    /// Creates a PAT with the site's PAT lifetime (by default 365 days on Server, 180 on
    /// Cloud).
    ///
    /// # Panics
    /// When the site or user is unknown, or the user has a live PAT of that name.
    pub async fn create_pat(&self, site: &str, user: &str, name: &str) -> PatInfo {
        must("create_pat", self.state.create_pat(site, user, name, None))
    }

    /// Creates a PAT that expires in `days` days.
    ///
    /// # Panics
    /// As [`MockServer::create_pat`].
    pub async fn create_pat_expiring_in(
        &self,
        site: &str,
        user: &str,
        name: &str,
        days: u32,
    ) -> PatInfo {
        must(
            "create_pat",
            self.state.create_pat(site, user, name, Some(days)),
        )
    }

    /// Revokes a PAT and ends its live session; `false` when there is no such (live) token.
    pub async fn revoke_pat(&self, site: &str, user: &str, name: &str) -> bool {
        self.state.revoke_pat(site, user, name).is_ok()
    }

    /// Registers a connected app secret.
    ///
    /// # Panics
    /// When the site is unknown or the secret id exists.
    pub async fn create_connected_app(&self, app: ConnectedApp) {
        must(
            "create_connected_app",
            self.state.create_connected_app(&app),
        );
    }

    /// Registers a unified access token configuration (`POST /_mock/uat-configs`). Only the
    /// cloud flavour signs UATs in; the server flavour refuses them whatever it holds.
    ///
    /// # Panics
    /// When the name exists, the key is not an RSA public key (PEM with a key id, or a JWKS of
    /// public RSA keys with their `kid`s), or a scope is not `tableau:<resource>:<action>`.
    pub async fn create_uat_config(&self, config: UatConfig) -> UatConfigInfo {
        must("create_uat_config", self.state.create_uat_config(&config))
    }

    /// Creates a project on `site` (a content URL), under the project named `parent` or at the
    /// top level.
    ///
    /// # Panics
    /// When the site or parent is unknown, or the name exists under that parent.
    pub async fn create_project(
        &self,
        site: &str,
        name: &str,
        parent: Option<&str>,
    ) -> ProjectInfo {
        must(
            "create_project",
            self.state.create_project(&wire::NewProject {
                site: site.to_owned(),
                name: name.to_owned(),
                description: None,
                parent: parent.map(str::to_owned),
                owner: None,
            }),
        )
    }

    /// Creates a workbook in the project named `project`, owned by the user named `owner`,
    /// with `views` (one view named after the workbook when empty).
    ///
    /// # Panics
    /// When the site, project or owner is unknown, or the name exists in the project.
    pub async fn create_workbook(
        &self,
        site: &str,
        project: &str,
        name: &str,
        owner: &str,
        views: &[&str],
    ) -> WorkbookInfo {
        must(
            "create_workbook",
            self.state.create_workbook(&wire::NewWorkbook {
                site: site.to_owned(),
                project: project.to_owned(),
                name: name.to_owned(),
                owner: owner.to_owned(),
                views: Some(views.iter().map(|v| (*v).to_owned()).collect()),
                description: None,
            }),
        )
    }

    /// Creates a data source in the project named `project`, owned by the user named `owner`.
    ///
    /// # Panics
    /// When the site, project or owner is unknown, or the name exists in the project.
    pub async fn create_datasource(
        &self,
        site: &str,
        project: &str,
        name: &str,
        owner: &str,
    ) -> DataSourceInfo {
        must(
            "create_datasource",
            self.state.create_datasource(&wire::NewDataSource {
                site: site.to_owned(),
                project: project.to_owned(),
                name: name.to_owned(),
                owner: owner.to_owned(),
                description: None,
            }),
        )
    }

    /// Moves the virtual clock forward.
    pub async fn advance_clock(&self, by: Duration) {
        self.state.advance_clock(by);
    }

    /// The virtual time.
    pub async fn now(&self) -> OffsetDateTime {
        self.state.now()
    }

    /// The mock's clock as a [`TimeSource`](tableau_auth_core::TimeSource) for the client and
    /// the providers (`tableau_auth::TimeSource`; give it to `ClientBuilder::time_source` and
    /// to a provider's `time_source`). It always reads the server's virtual clock, so one
    /// [`advance_clock`](Self::advance_clock) moves the server, the client's proactive refresh
    /// and the `iat`/`exp` of the JWTs the providers mint together.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use tableau_mock_server::MockServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let start = time::macros::datetime!(2026-11-28 10:00:00 UTC);
    /// let mock = MockServer::builder().fixed_start(start).start().await;
    /// let clock = mock.time_source();
    /// assert_eq!(clock.now(), SystemTime::from(start));
    /// mock.advance_clock(Duration::from_secs(5 * 3600)).await;
    /// assert_eq!(clock.now(), SystemTime::from(start) + Duration::from_secs(5 * 3600));
    /// # }
    /// ```
    pub fn time_source(&self) -> std::sync::Arc<dyn tableau_auth_core::TimeSource> {
        std::sync::Arc::new(crate::clock::MockTimeSource {
            state: self.state.clone(),
        })
    }

    /// Injects a fault.
    ///
    /// # Panics
    /// When the fault is invalid (status, header names or values).
    pub async fn inject_fault(&self, fault: Fault) {
        must("inject_fault", self.state.inject_fault(fault));
    }

    /// The request log, oldest first.
    pub async fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// The live sessions, oldest first, never a token (`GET /_mock/sessions`): their ids are
    /// what `DELETE sessions/{id}` takes.
    pub async fn sessions(&self) -> Vec<SessionInfo> {
        self.state.sessions()
    }

    /// Back to the seed data, clock offset 0, no faults, no stubs (their expectations are
    /// dropped unchecked), empty request log.
    pub async fn reset(&self) {
        self.state.reset();
    }

    /// Registers a stub (`POST /_mock/stubs`); its id. With [`Stub::expect`], the expectation
    /// is checked when the server is dropped.
    ///
    /// # Panics
    /// When the stub is invalid (the message says why).
    pub async fn mount(&self, stub: Stub) -> StubId {
        must("mount", self.state.add_stub(stub)).id
    }

    /// Registers a stub until the returned guard is dropped; dropping the guard also checks
    /// its expectation ([`Stub::expect`]).
    ///
    /// # Panics
    /// When the stub is invalid (the message says why).
    pub async fn mount_as_scoped(&self, stub: Stub) -> StubGuard {
        let id = must("mount_as_scoped", self.state.add_stub(stub)).id;
        StubGuard {
            state: self.state.clone(),
            id,
        }
    }

    /// The registered stubs, oldest first, with their call counts (`GET /_mock/stubs`).
    pub async fn stubs(&self) -> Vec<StubInfo> {
        self.state.stubs()
    }

    /// One stub with the requests it answered (`GET /_mock/stubs/{id}`); `None` when unknown.
    pub async fn stub(&self, id: &str) -> Option<StubDetails> {
        self.state.stub(id).ok()
    }

    /// Removes a stub without checking its expectation; `false` when unknown.
    pub async fn remove_stub(&self, id: &str) -> bool {
        self.state.remove_stub(id).is_ok()
    }

    /// Checks the expectations of every mounted stub now, as dropping the server would.
    ///
    /// # Panics
    /// When one is not met, listing the calls seen.
    pub async fn verify(&self) {
        if let Some(failure) = self.state.unmet_expectations(None) {
            panic!("{failure}");
        }
    }
}
