//! [`SessionSource`]: where the session manager's cache gets a new session from.
//!
//! By default that is a sign-in with the manager's client and provider. This is the seam for
//! session stores shared between processes: a store wraps the sign-in source
//! ([`SessionManagerBuilder::wrap_source`](crate::SessionManagerBuilder::wrap_source)), looks
//! up its own copy before signing in and writes the new session after. The manager's rules
//! (single flight in the process, the 401001 stop, supersession counting, the sign-in timeout)
//! stay around the source, whatever it is.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tableau_auth_core::AuthProvider;

use crate::client::Client;
use crate::error::Error;
use crate::session::Session;

/// Produces a new session for a [`SessionManager`](crate::SessionManager).
///
/// The manager calls it at most once at a time (single flight), only when no usable session
/// is cached, and bounds each call by its sign-in timeout. A source that shares sessions
/// between processes keys its look-up on [`LoadRequest::replacing`]: a stored session whose
/// token differs from the one a caller saw rejected is newer and can be used without signing
/// in; one with the same token is the dead one.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use tableau_auth::{async_trait, Error, LoadRequest, Session, SessionSource};
///
/// /// Counts the sessions the manager asks for, then lets the sign-in do the work.
/// #[derive(Debug)]
/// struct Counting {
///     inner: Arc<dyn SessionSource>,
///     loads: AtomicUsize,
/// }
///
/// #[async_trait]
/// impl SessionSource for Counting {
///     async fn load(&self, request: &LoadRequest<'_>) -> Result<Session, Error> {
///         self.loads.fetch_add(1, Ordering::Relaxed);
///         self.inner.load(request).await
///     }
/// }
///
/// # fn build(client: tableau_auth::Client, provider: Arc<dyn tableau_auth::AuthProvider>) {
/// let manager = tableau_auth::SessionManager::builder(client, provider)
///     .wrap_source(|sign_in| Arc::new(Counting { inner: sign_in, loads: AtomicUsize::new(0) }))
///     .build();
/// # }
/// ```
#[async_trait]
pub trait SessionSource: Send + Sync + fmt::Debug {
    /// A new session for `request`.
    async fn load(&self, request: &LoadRequest<'_>) -> Result<Session, Error>;
}

/// What the manager asks its [`SessionSource`] for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct LoadRequest<'a> {
    /// The site content URL to sign in to, when it is not the provider's own (a site chosen
    /// with [`SessionManager::switch_site`](crate::SessionManager::switch_site)).
    pub site: Option<&'a str>,
    /// The session this load replaces, if there is one.
    pub replacing: Option<&'a Session>,
    /// Why the manager needs a new session.
    pub reason: LoadReason,
}

/// Why the manager needs a new session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadReason {
    /// No session yet (first use, or after a sign-out or a failed sign-in).
    FirstUse,
    /// The session is close to the server's idle limit.
    Refresh,
    /// The server rejected the session's token ([`LoadRequest::replacing`] is the dead one).
    Rejected,
}

/// The default source: a sign-in with the client and the provider.
#[derive(Debug)]
pub(crate) struct SignIn {
    client: Client,
    provider: Arc<dyn AuthProvider>,
}

impl SignIn {
    pub(crate) fn new(client: Client, provider: Arc<dyn AuthProvider>) -> Self {
        SignIn { client, provider }
    }
}

#[async_trait]
impl SessionSource for SignIn {
    async fn load(&self, request: &LoadRequest<'_>) -> Result<Session, Error> {
        self.client
            .sign_in_to_site(&*self.provider, request.site)
            .await
    }
}

/// The source of a manager built from a session without a credential provider
/// ([`SessionManager::from_session`](crate::SessionManager::from_session)): it has no way to
/// sign in, and says so.
#[derive(Debug)]
pub(crate) struct NoSignIn;

#[async_trait]
impl SessionSource for NoSignIn {
    async fn load(&self, request: &LoadRequest<'_>) -> Result<Session, Error> {
        tracing::warn!(
            reason = ?request.reason,
            "the session manager has no credential provider and cannot sign in again"
        );
        Err(Error::NoProvider)
    }
}
