//! Core types for signing in to the Tableau REST API.
//!
//! This crate has no HTTP client and does no network I/O. Its only contact with the outside
//! world is through two seams, and only when asked: [`ProcessEnv`] reads environment variables
//! and the secret files `*_FILE` variables name (the [`Env`] trait; tests use [`StaticEnv`]),
//! and [`TokioSleep`] waits on tokio's timer (the [`Sleep`] trait; tests use [`ManualSleep`]).
//! Everything else is pure data. It defines:
//!
//! - the [`AuthProvider`] trait that every credential source implements, and
//!   [`ProviderChain`] to try several in order;
//! - [`Credentials`]: one sign-in's [`CredentialFamily`] (password, personal access token,
//!   connected app or unified access token) and [`SignInTarget`] (site and optional
//!   impersonated user), with secrets held as [`secrecy::SecretString`]. `Credentials` is itself
//!   a provider (static credentials);
//! - [`CredentialKind`], the one list of credential families, and [`Redacted`], the field
//!   wrapper that lets types holding secrets derive `Debug`;
//! - the wire formats: [`SignInRequest`] and [`SwitchSiteRequest`] render the canonical XML
//!   or JSON body; [`SignInResponse`], [`ServerInfo`], [`CurrentSession`], [`UserDetails`] and
//!   [`TableauError`] parse what a server answers;
//! - [`StoreIdentity`], what a session store shared between processes files and seals a
//!   provider's sessions under ([`AuthProvider::store_identity`]);
//! - [`Scope`], the access scopes of a connected-app or unified-access-token JWT
//!   (`tableau:<resource>:<action>`, with `*` wildcards);
//! - [`ApiVersion`] and [`Feature`] for version negotiation;
//! - the seams that keep tests honest: [`Env`] (variables and secret files) and
//!   [`TimeSource`]/[`Sleep`] (clock and waiting).
//!
//! ```
//! use tableau_auth_core::{Credentials, SignInRequest, SignInResponse, WireFormat};
//!
//! let creds = Credentials::password("jdoe", "s3cret & more").with_site("finance");
//! let body = SignInRequest::new(&creds).render(WireFormat::Xml)?;
//! assert_eq!(
//!     body.expose_secret(),
//!     r#"<tsRequest><credentials name="jdoe" password="s3cret &amp; more"><site contentUrl="finance"/></credentials></tsRequest>"#
//! );
//!
//! let answer = br#"{"credentials":{"site":{"id":"a946","contentUrl":"finance"},"user":{"id":"1a96"},"token":"t|o|k"}}"#;
//! let response = SignInResponse::parse(answer)?;
//! assert_eq!(response.user_id, "1a96");
//! assert!(!format!("{response:?}").contains("t|o|k"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod chain;
mod credentials;
mod env;
mod expiration;
mod provider;
mod redacted;
mod scope;
mod store_identity;
mod time;
mod version;
pub mod wire;

pub use chain::ProviderChain;
pub use credentials::{
    CredentialFamily, CredentialKind, CredentialKindParseError, Credentials, SignInTarget,
};
pub use env::{Env, ProcessEnv, StaticEnv};
pub use expiration::{ExpirationParseError, parse_estimated_time_to_expiration};
pub use provider::{AuthProvider, ProviderError};
pub use redacted::{REDACTED, Redacted};
pub use scope::{Scope, ScopeListError, ScopeParseError, ScopeProblem};
pub use store_identity::StoreIdentity;
pub use time::{
    ManualSleep, ManualTimeSource, Sleep, SleepFuture, SystemTimeSource, TimeSource, TokioSleep,
};
pub use version::{ApiVersion, ApiVersionParseError, Feature};
pub use wire::{
    CurrentSession, ErrorCode, ParseError, RenderError, RequestBody, ServerInfo, SessionSite,
    SessionUser, SignInRequest, SignInResponse, SwitchSiteRequest, TableauError, UserDetails,
    WireFormat,
};

pub use async_trait::async_trait;
pub use secrecy;
