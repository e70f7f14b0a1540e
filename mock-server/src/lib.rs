//! A stateful mock of the Tableau REST API authentication surface, for offline integration
//! tests: sign-in with a password, a personal access token, a connected-app JWT or (as Tableau
//! Cloud) a unified access token (XML and JSON), sessions, switch site, sign-out, the read side
//! (sites, users, projects, workbooks, views, data sources), every error code of
//! docs/protocol.md, a
//! virtual clock, fault injection and a request log, all driven by a control API under
//! `/_mock/`.
//!
//! ```
//! use tableau_mock_server::MockServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mock = MockServer::start().await;
//! let creds = mock.default_credentials();
//! let body = format!(
//!     r#"<tsRequest><credentials personalAccessTokenName="{}" personalAccessTokenSecret="{}"><site contentUrl=""/></credentials></tsRequest>"#,
//!     creds.pat_name, creds.pat_secret
//! );
//! let response = reqwest::Client::new()
//!     .post(format!("{}/api/3.27/auth/signin", mock.uri()))
//!     .header("Content-Type", "application/xml")
//!     .body(body)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(response.status(), 200);
//! assert!(response.text().await.unwrap().contains("estimatedTimeToExpiration"));
//! # }
//! ```
//!
//! See `docs/mock-server.md` for the control API, the seed file format and the behaviours it
//! models.
//!
//! # Features
//!
//! None is on by default, so a crate that dev-depends on the mock for [`MockServer`] compiles
//! only what serving needs.
//!
//! - `toml`: seed data from TOML text or files (`Seed::from_toml`, `Seed::from_file`,
//!   `MockServerBuilder::seed_toml`, `MockServerBuilder::seed_file`).
//! - `control-client`: `ControlClient`, the whole control API over HTTP with typed answers and
//!   errors, for a mock in another process (or [`MockServer`]'s, through
//!   `MockServer::control_client`).
//! - `cli`: the `tableau-mock-server` binary (`toml`, plus clap and tracing-subscriber):
//!   `cargo build --release -p tableau-mock-server --features cli`.

#![warn(missing_docs)]

mod answer_cache;
mod api;
mod clock;
mod content;
mod control;
#[cfg(feature = "control-client")]
mod control_client;
mod directory;
mod error;
mod faults;
mod flavor;
mod format;
mod front_door;
mod handle;
mod ids;
mod jwt;
mod render;
mod request;
mod request_log;
mod seed;
mod server;
mod sessions;
mod state;
mod stubs;
mod types;
mod uat;
mod version;

pub use api::BODY_READ_TIMEOUT;
#[cfg(feature = "control-client")]
pub use control_client::{ControlClient, ControlClientError};
pub use faults::Fault;
pub use flavor::Flavor;
pub use handle::{MockServer, MockServerBuilder, StubGuard};
pub use seed::{
    Seed, SeedDataSource, SeedError, SeedProject, SeedSite, SeedToken, SeedUser, SeedWorkbook,
};
pub use server::HEADER_READ_TIMEOUT;
pub use state::AppState;
pub use stubs::{
    Expectation, Stub, StubAuth, StubCall, StubCreated, StubDetails, StubId, StubInfo, StubRequest,
    StubResponse,
};
pub use types::{
    ClockInfo, ConnectedApp, ConnectedAppInfo, DataSourceInfo, DefaultCredentials, PatInfo,
    ProjectInfo, RecordedRequest, SessionInfo, SiteInfo, UatConfig, UatConfigInfo, UserInfo,
    ViewInfo, WorkbookInfo,
};

/// Request bodies over this size are answered 413000.
pub const BODY_LIMIT: usize = api::BODY_LIMIT;

/// The application: the REST API surface plus the control API under `/_mock/`. Test handlers
/// with `tower::ServiceExt::oneshot` without a socket.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .nest(control::wire::PREFIX, control::routes(&state))
        .fallback(api::entry)
        .with_state(state)
}
