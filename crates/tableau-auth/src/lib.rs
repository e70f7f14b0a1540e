//! Sign in to the Tableau REST API (Tableau Server and Tableau Cloud), stay signed in, never
//! leak a secret.
//!
//! - [`Client`] talks to one server: `serverinfo` and version negotiation (once, cached),
//!   sign-in with any [`AuthProvider`], sign-out, switch site. Redirects are handled by hand
//!   (a sign-in re-sends its POST; an authenticated call never follows to another host), plain
//!   `http://` is refused except for the local machine, and throttling (429) and gateway
//!   errors are retried per a [`RetryPolicy`]. Certificates are checked against the built-in
//!   roots and the operating system's store. [`Session::from_token`] adopts a token another
//!   program signed in for.
//! - [`SessionManager`] shares one session between many tasks: one sign-in however many ask
//!   at once, a new sign-in when the server ends the session (once per failing request), a
//!   proactive refresh before the idle limit, and a clear error when a personal access token
//!   is used elsewhere, when a JWT lacks the scope a call needs ([`required_scope`]), or when
//!   the server refused the credentials and the manager stopped. [`SessionManager::send`]
//!   returns any other answer as it is; [`SessionManager::send_checked`] turns error answers
//!   into [`Error`]s. It gets new sessions from a [`SessionSource`] (a sign-in by default;
//!   the seam for stores shared between processes).
//! - [`SessionManagerBuilder::session_store`] shares that session with other processes: every
//!   process of a machine ([`FileStore`]) or of a fleet (`RedisStore`, feature `redis`) uses
//!   one session per credential and signs in again exactly once when it dies (a personal
//!   access token allows one session at a time). Sessions are stored encrypted with a key
//!   derived from the credential's own secret. See the [`store`] module and
//!   `TABLEAU_SESSION_STORE` ([`StoreSetting`]).
//! - `SessionMiddleware` (feature `middleware`) puts the manager's session into your own
//!   `reqwest_middleware` stack, with the same rules as [`SessionManager::send`].
//! - [`Error`] carries the Tableau code, summary and detail and a hint naming the likely
//!   cause. No `Display` or `Debug` output contains a secret or a token. It is `Clone`, so
//!   every task that waited for one sign-in gets its error.
//!
//! The credential providers are re-exported behind features (all on by default), and so is
//! every core type a user needs ([`ProviderChain`], [`StaticEnv`], the time seams, …), and the
//! [`reqwest`] crate the client is built on: all of it is under `tableau_auth::`.
//!
//! ```
//! use std::sync::Arc;
//! use tableau_auth::{AuthProvider, Client, Credentials, ProviderError, SessionManager, async_trait};
//!
//! #[derive(Debug)]
//! struct Admin;
//!
//! #[async_trait]
//! impl AuthProvider for Admin {
//!     fn name(&self) -> &str { "example" }
//!     async fn credentials(&self) -> Result<Credentials, ProviderError> {
//!         Ok(Credentials::password("admin", "admin"))
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let mock = tableau_mock_server::MockServer::start().await;
//! let client = Client::builder().server_url(&mock.uri()).build()?;
//! let manager = SessionManager::new(client.clone(), Arc::new(Admin));
//!
//! let session = manager.session().await?;
//! let me = client.current_session(&session).await?;
//! assert_eq!(me.user.name.as_deref(), Some("admin"));
//!
//! let url = session.api_url("sessions/current")?;
//! let response = manager.send(client.http().get(url)).await?;
//! assert!(response.status().is_success());
//! manager.sign_out().await;
//! # Ok::<(), tableau_auth::Error>(())
//! # }).unwrap();
//! ```

#![warn(missing_docs)]

// The modules, in dependency order: each one uses only modules above it (no cycles).
//
//   error          Error and its hints                          (core types only)
//   retry          RetryPolicy, the server's wait               (nothing of this crate)
//   transport      Transport: HTTP client, retries, redirects   error, retry
//   scopes         the scope a call needs, a JWT's scopes       (nothing of this crate)
//   session        Session, URLs under /api/{version}/          error
//   responses      answers -> results, Tableau errors -> hints  error, retry, scopes, session
//   client         Client: server info, versions, sign-in       error, responses, scopes, session, transport
//   builder        ClientBuilder (and Client::builder)          client, error, retry, transport
//   calls          sign out, switch site, current session, user, client, error, responses, session, transport
//                  Session::from_token
//   from_env       Client::from_env (feature `env`)             builder, client, error
//   cache          LazyCache: single flight, keyed, timeout     (nothing of this crate)
//   policy         re-sign-in rules: refresh, supersession, stop error, responses, session
//   source         SessionSource: where new sessions come from  client, error, session
//   store          SessionStore, FileStore, RedisStore, the     client, error, policy, session, source
//                  cross-process protocol (SharedSessions), TABLEAU_SESSION_STORE
//   manager        SessionManager: cache + policy + source      cache, client, error, policy, responses, session, source, transport
//   manager_builder SessionManagerBuilder (and the constructors) client, manager, policy, source, store
//   middleware     reqwest-middleware layer (feature)           error, manager
//
// docs/architecture.md draws the same layers and says what each may not touch.

mod builder;
mod cache;
mod calls;
mod client;
mod error;
#[cfg(feature = "env")]
mod from_env;
mod manager;
mod manager_builder;
#[cfg(feature = "middleware")]
mod middleware;
mod policy;
mod responses;
mod retry;
mod scopes;
mod session;
mod source;
pub mod store;
mod transport;

/// The README's example is compiled as a doctest, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

pub use builder::{ClientBuilder, DEFAULT_USER_AGENT};
pub use client::Client;
pub use error::Error;
pub use manager::SessionManager;
pub use manager_builder::{DEFAULT_SIGN_IN_TIMEOUT, SessionManagerBuilder};
pub use retry::RetryPolicy;
pub use scopes::{RequiredScope, required_scope};
pub use session::Session;
pub use source::{LoadReason, LoadRequest, SessionSource};
#[cfg(feature = "redis")]
pub use store::RedisStore;
pub use store::{
    FileStore, SessionOrigin, SessionStore, SharedSessions, StoreGuard, StoreKey, StoreSetting,
};

#[cfg(feature = "middleware")]
pub use middleware::SessionMiddleware;
/// The `reqwest-middleware` crate the [`SessionMiddleware`] is built for (feature
/// `middleware`): build your stack with this one, so the versions always match.
#[cfg(feature = "middleware")]
pub use reqwest_middleware;

/// The `reqwest` crate the [`Client`] is built on: [`Client::http`], the requests
/// [`SessionManager::send`] takes and the answers it returns, and the certificates
/// [`ClientBuilder::add_root_certificate`] takes are its types. Use this one
/// (`tableau_auth::reqwest::Certificate`), so the versions always match.
pub use reqwest;

// Everything a user of this crate needs from the core crate, under one path.
pub use secrecy::{self, ExposeSecret, SecretString};
pub use tableau_auth_core::{
    ApiVersion, ApiVersionParseError, AuthProvider, CredentialFamily, CredentialKind,
    CredentialKindParseError, Credentials, CurrentSession, Env, ErrorCode, Feature, ManualSleep,
    ManualTimeSource, ParseError, ProcessEnv, ProviderChain, ProviderError, REDACTED, Redacted,
    RenderError, Scope, ScopeListError, ScopeParseError, ScopeProblem, ServerInfo, SessionSite,
    SessionUser, SignInTarget, Sleep, SleepFuture, StaticEnv, StoreIdentity, SystemTimeSource,
    TableauError, TimeSource, TokioSleep, UserDetails, WireFormat, async_trait,
};

#[cfg(feature = "env")]
pub use tableau_auth_env::EnvironmentProvider;
#[cfg(feature = "jwt")]
pub use tableau_auth_jwt::ConnectedAppProvider;
#[cfg(feature = "password")]
pub use tableau_auth_password::PasswordProvider;
#[cfg(feature = "pat")]
pub use tableau_auth_pat::PersonalAccessTokenProvider;
#[cfg(feature = "uat")]
pub use tableau_auth_uat::{PrivateKey, UnifiedAccessTokenBuilder, UnifiedAccessTokenProvider};

/// The core crate (provider trait, value types, wire formats, time seams). Everything a user
/// needs is also re-exported at the top of this crate.
pub use tableau_auth_core as core;

/// The name of the session token header.
pub const AUTH_HEADER: &str = "x-tableau-auth";
