//! Sign in to the Tableau REST API (Tableau Server and Tableau Cloud), stay signed in, never
//! leak a secret.
//!
//! - [`Client`] talks to one server: `serverinfo` and version negotiation (once, cached),
//!   sign-in with any [`AuthProvider`], sign-out, switch site. Redirects are handled by hand
//!   (a sign-in re-sends its POST; an authenticated call never follows to another host), plain
//!   `http://` is refused except for the local machine, and throttling (429) and gateway
//!   errors are retried per a [`RetryPolicy`].
//! - [`SessionManager`] shares one session between many tasks: one sign-in however many ask
//!   at once, a new sign-in when the server ends the session (once per failing request), a
//!   proactive refresh before the idle limit, and a clear error when a personal access token
//!   is used elsewhere.
//! - [`Error`] carries the Tableau code, summary and detail and a hint naming the likely
//!   cause. No `Display` or `Debug` output contains a secret or a token.
//!
//! The credential providers are re-exported behind features (all on by default).
//!
//! ```
//! use std::sync::Arc;
//! use tableau_auth::{Client, SessionManager};
//! use tableau_auth_core::{AuthProvider, Credentials, ProviderError, async_trait};
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
//! manager.sign_out().await?;
//! # Ok::<(), tableau_auth::Error>(())
//! # }).unwrap();
//! ```

#![warn(missing_docs)]

mod builder;

/// The README's example is compiled as a doctest, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
mod calls;
mod client;
mod error;
#[cfg(feature = "env")]
mod from_env;
mod manager;
mod manager_config;
mod responses;
mod retry;
mod session;
mod transport;

pub use builder::{ClientBuilder, DEFAULT_USER_AGENT};
pub use client::Client;
pub use error::Error;
pub use manager::SessionManager;
pub use manager_config::SessionManagerBuilder;
pub use retry::RetryPolicy;
pub use session::Session;

pub use secrecy::{ExposeSecret, SecretString};
pub use tableau_auth_core::{
    ApiVersion, AuthProvider, CredentialKind, Credentials, CurrentSession, ErrorCode, Feature,
    ParseError, ProviderError, RenderError, ServerInfo, Sleep, TableauError, TimeSource,
    UserDetails, WireFormat,
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

/// The core crate (provider trait, value types, wire formats, time seams).
pub use tableau_auth_core as core;

/// The name of the session token header.
pub const AUTH_HEADER: &str = "x-tableau-auth";
