//! Core types for signing in to the Tableau REST API.
//!
//! This crate has no I/O and no HTTP client. It defines:
//!
//! - the [`AuthProvider`] trait that every credential source implements, and
//!   [`ProviderChain`] to try several in order;
//! - [`Credentials`]: one sign-in's credential family (password, personal access token or
//!   connected-app JWT), site and optional impersonation, with secrets held as
//!   [`secrecy::SecretString`];
//! - the wire formats: [`SignInRequest`] and [`SwitchSiteRequest`] render the canonical XML
//!   or JSON body; [`SignInResponse`], [`ServerInfo`], [`CurrentSession`], [`UserDetails`] and
//!   [`TableauError`] parse what a server answers;
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
mod time;
mod version;
pub mod wire;

pub use chain::ProviderChain;
pub use credentials::{CredentialFamily, CredentialKind, Credentials};
pub use env::{Env, ProcessEnv, StaticEnv};
pub use expiration::{ExpirationParseError, parse_estimated_time_to_expiration};
pub use provider::{AuthProvider, ProviderError};
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

/// What every `Debug` implementation in this workspace prints in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// Prints [`REDACTED`] in `Debug` output.
#[derive(Clone, Copy)]
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}
