//! [`SessionMiddleware`]: the session manager as a layer of your own
//! [`reqwest_middleware`] stack (feature `middleware`).
//!
//! It owns nothing but a [`SessionManager`]: the token, the re-sign-in rules and the refusal
//! to send the token to another origin are the manager's, through the same code path as
//! [`SessionManager::send`].

use async_trait::async_trait;
use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use crate::error::Error;
use crate::manager::{Dispatch, SessionManager};

/// Adds `X-Tableau-Auth` from a [`SessionManager`] to every request of a
/// [`reqwest_middleware::ClientWithMiddleware`], and signs in again once when the server
/// rejects the token.
///
/// The rules are those of [`SessionManager::send`], by the same code: when the answer is a 401
/// (401002 or 401000) the manager signs in again — keyed on the rejected session, so many
/// requests failing at once cause one sign-in — and the request is sent once more through the
/// rest of the stack (if its body can be cloned). Supersessions of a personal access token are
/// counted and a refused sign-in (401001) stops the manager, as with `send`. Any other answer
/// is returned as it is.
///
/// Errors of the manager (a failed sign-in, a final 401 as [`Error::SessionExpired`], a
/// request for another origin) are `reqwest_middleware::Error::Middleware`, holding the
/// [`Error`]; errors of the layers below pass through unchanged.
///
/// **Redirects.** The token is only put on requests for the session's server. Build the stack
/// on [`Client::http`](crate::Client::http) (automatic redirects off) or on a
/// `reqwest::Client` with `redirect::Policy::none()`: reqwest's default policy would follow a
/// redirect to another host with the header still on.
///
/// ```
/// use std::sync::Arc;
/// use tableau_auth::{Client, Error, PersonalAccessTokenProvider, SessionManager, SessionMiddleware};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let mock = tableau_mock_server::MockServer::start().await;
/// # let creds = mock.default_credentials();
/// # let server_url = mock.uri();
/// let client = Client::builder().server_url(&server_url).build()?;
/// let provider = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)?;
/// let manager = SessionManager::new(client.clone(), Arc::new(provider));
///
/// // Your stack: the middleware next to your own layers (retries, tracing, …).
/// let http = tableau_auth::reqwest_middleware::ClientBuilder::new(client.http().clone())
///     .with(SessionMiddleware::new(manager.clone()))
///     .build();
///
/// let url = manager.api_url("sessions/current").await?;
/// let response = http.get(url).send().await.expect("sent");
/// assert!(response.status().is_success());
/// # Ok::<(), Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct SessionMiddleware {
    manager: SessionManager,
}

impl SessionMiddleware {
    /// A middleware that takes its session from `manager` (clones of a manager share one
    /// session, so the same manager can serve `send`, `token` and this middleware).
    pub fn new(manager: SessionManager) -> Self {
        SessionMiddleware { manager }
    }

    /// The manager the session comes from.
    pub fn manager(&self) -> &SessionManager {
        &self.manager
    }
}

impl From<SessionManager> for SessionMiddleware {
    fn from(manager: SessionManager) -> Self {
        SessionMiddleware::new(manager)
    }
}

#[async_trait]
impl Middleware for SessionMiddleware {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let mut dispatch = ThroughNext { next, extensions };
        self.manager.exchange(request, &mut dispatch).await
    }
}

/// Sends through the rest of the middleware stack (each send a fresh run of it).
struct ThroughNext<'a> {
    next: Next<'a>,
    extensions: &'a mut Extensions,
}

#[async_trait]
impl Dispatch for ThroughNext<'_> {
    type Error = reqwest_middleware::Error;

    async fn dispatch(
        &mut self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, reqwest_middleware::Error> {
        self.next.clone().run(request, self.extensions).await
    }

    fn auth_error(error: Error) -> reqwest_middleware::Error {
        reqwest_middleware::Error::middleware(error)
    }
}
