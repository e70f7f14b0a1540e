//! [`Transport`]: sending one request to a Tableau server, with retries and redirects.
//!
//! The transport owns the HTTP client (reqwest, its own redirect handling off), the
//! [`RetryPolicy`], the redirect rules, and the [`Sleep`] and [`TimeSource`] seams. It knows
//! nothing of clients, sessions or Tableau's answers: it sends a request and hands back the
//! final response (or a transport error). Everything above it ([`Client`](crate::Client), the
//! session manager) sends through it.
//!
//! The rules, all in this module:
//! - **Retries** (per the policy): 429, 502, 503 and 504 answers and failed connections, with
//!   exponential back-off or the server's wait (`Retry-After`, or a 429's "retry after N
//!   minutes" text), never starting a wait that would end after the policy's total deadline;
//!   when the server's own wait is the one that would, the answer says when to try again. A request that must not run twice
//!   ([`Replay::OnlyIfNotSent`]) is sent again only when it certainly never ran: a refused
//!   connection, a 429 or a 503.
//! - **Redirects** (301, 302, 303, 307, 308): the same request (method and body) is sent again
//!   to the `Location`, at most [`MAX_REDIRECTS`] hops, never from https to http. An
//!   authenticated request ([`Follow::SameOrigin`]) follows only on its own origin; an
//!   unauthenticated one ([`Follow::AnyHost`]) may move to another host, but plain http only to
//!   the local machine unless insecure http is allowed.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use http::header::LOCATION;
use reqwest::ResponseBuilderExt;
use tableau_auth_core::{Sleep, TimeSource};
use url::{Host, Url};

use crate::error::Error;
use crate::retry::{
    RetryPolicy, ServerWait, THROTTLE_TEXT_LIMIT, is_refused_unprocessed, is_retryable_status,
    retry_after, wait_in_text,
};

/// The most redirects a request follows.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// Whether a request may be sent again after it may already have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Sending it twice does no harm (GET, sign-in, sign-out).
    Safe,
    /// Only retried when it certainly never ran: the connection was refused, or the server
    /// answered 429 or 503. Never after a 502 or 504, or a failure once it was written.
    OnlyIfNotSent,
}

impl Replay {
    /// Replay safety of a caller's request, from its method.
    pub(crate) fn for_method(method: &http::Method) -> Replay {
        if method.is_idempotent() {
            Replay::Safe
        } else {
            Replay::OnlyIfNotSent
        }
    }
}

/// Which redirects a request follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    /// Unauthenticated calls (sign-in, server info): re-send the same request on
    /// 301/302/303/307/308 to any host, at most [`MAX_REDIRECTS`] hops, never from https to
    /// http, and to plain http only on the local machine unless insecure http is allowed.
    AnyHost,
    /// Authenticated calls: only to the same origin (the token must not travel elsewhere).
    SameOrigin,
}

/// Sends requests: retries, redirects, back-off and the clock. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
    allow_insecure_http: bool,
    sleep: Arc<dyn Sleep>,
    time: Arc<dyn TimeSource>,
}

impl Transport {
    /// A transport over `http`, which must not follow redirects itself
    /// (`reqwest::redirect::Policy::none()`): the transport applies its own rules.
    pub(crate) fn new(
        http: reqwest::Client,
        retry: RetryPolicy,
        allow_insecure_http: bool,
        sleep: Arc<dyn Sleep>,
        time: Arc<dyn TimeSource>,
    ) -> Self {
        Transport {
            http,
            retry,
            allow_insecure_http,
            sleep,
            time,
        }
    }

    /// The HTTP client, to build requests with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The clock (retry deadlines, `Retry-After` dates; the layers above use it for session
    /// ages).
    pub(crate) fn time_source(&self) -> &Arc<dyn TimeSource> {
        &self.time
    }

    /// Refuses `http://` for hosts other than the local machine, unless insecure http is
    /// allowed.
    pub(crate) fn check_scheme(&self, url: &Url) -> Result<(), Error> {
        check_scheme(url, self.allow_insecure_http)
    }

    /// Sends `request`, following redirects as `follow` allows and retrying per the policy.
    /// Returns the final answer whatever its status; errors are transport failures and
    /// refused redirects.
    pub(crate) async fn execute(
        &self,
        request: reqwest::Request,
        replay: Replay,
        follow: Follow,
    ) -> Result<reqwest::Response, Error> {
        let mut request = request;
        let mut hops = 0;
        loop {
            let again = request.try_clone();
            let response = self.execute_with_retries(request, replay).await?;
            let status = response.status();
            if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let Some(location) = response.headers().get(LOCATION) else {
                return Ok(response);
            };
            let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
            let from = response.url().clone();
            let target = self.redirect_target(&from, &location, status, follow)?;
            if hops == MAX_REDIRECTS {
                return Err(Error::TooManyRedirects { hops, location });
            }
            let Some(mut next) = again else {
                return Err(Error::Redirect {
                    status: status.as_u16(),
                    location,
                    reason: "the request body is a stream and cannot be sent again",
                });
            };
            tracing::debug!(
                status = status.as_u16(),
                from = %from.path(),
                to = %target.origin().ascii_serialization(),
                path = %target.path(),
                "following redirect"
            );
            *next.url_mut() = target;
            request = next;
            hops += 1;
        }
    }

    /// Where a redirect from `from` to `location` leads, if the rules allow following it.
    fn redirect_target(
        &self,
        from: &Url,
        location: &str,
        status: StatusCode,
        follow: Follow,
    ) -> Result<Url, Error> {
        let refuse = |reason| Error::Redirect {
            status: status.as_u16(),
            location: location.to_owned(),
            reason,
        };
        let target = from
            .join(location)
            .map_err(|_| refuse("the Location is not a valid URL"))?;
        if from.scheme() == "https" && target.scheme() != "https" {
            return Err(refuse(
                "a redirect from https to http would send the request unencrypted",
            ));
        }
        match follow {
            Follow::SameOrigin if target.origin() != from.origin() => Err(refuse(
                "an authenticated call never follows a redirect to another host (the session \
                 token must not travel there); point the client at that server instead",
            )),
            Follow::SameOrigin => Ok(target),
            Follow::AnyHost => {
                self.check_scheme(&target)?;
                Ok(target)
            }
        }
    }

    /// Sends `request` once, then again per the retry policy while the answer is 429, 502,
    /// 503 or 504 or the connection failed (and the request may be replayed).
    ///
    /// The server's wait (a `Retry-After` header, or for a 429 without one a wait written in
    /// its text) replaces the back-off. When that wait would end after the deadline, nothing
    /// is retried and the answer carries a [`ServerWait`] saying when to try again.
    async fn execute_with_retries(
        &self,
        request: reqwest::Request,
        replay: Replay,
    ) -> Result<reqwest::Response, Error> {
        let policy = &self.retry;
        let start = self.time.now();
        let mut request = request;
        let mut attempt = 1u32;
        loop {
            let spare = if attempt < policy.max_attempts() {
                request.try_clone()
            } else {
                None
            };
            let method = request.method().clone();
            let path = request.url().path().to_owned();
            tracing::trace!(%method, %path, attempt, "sending request");
            let outcome = self.http.execute(request).await;
            let (wait_hint, failure) = match outcome {
                Ok(response) => {
                    tracing::debug!(%method, %path, status = response.status().as_u16(), "response");
                    let status = response.status();
                    let retryable = is_retryable_status(status)
                        && (replay == Replay::Safe || is_refused_unprocessed(status));
                    if !retryable {
                        return Ok(response);
                    }
                    let (mut response, wait) = self.server_wait(response).await?;
                    if spare.is_none() {
                        // No attempt left; still say when to try again if the server's wait
                        // reaches past the deadline.
                        if let Some(wait) = wait {
                            let now = self.time.now();
                            let elapsed = now.duration_since(start).unwrap_or_default();
                            if elapsed.saturating_add(wait) > policy.total_deadline() {
                                mark_wait(&mut response, wait, now);
                            }
                        }
                        return Ok(response);
                    }
                    (wait, Ok(response))
                }
                Err(error) => {
                    let retryable = error.is_connect()
                        || (replay == Replay::Safe
                            && (error.is_request() || error.is_timeout() || error.is_body()));
                    tracing::debug!(%method, %path, error = %error, retryable, "request failed");
                    if !retryable || spare.is_none() {
                        return Err(Error::from_reqwest(error));
                    }
                    (None, Err(error))
                }
            };
            let Some(next) = spare else {
                return failure.map_err(Error::from_reqwest);
            };
            let delay = policy.delay(attempt, wait_hint);
            let now = self.time.now();
            let elapsed = now.duration_since(start).unwrap_or_default();
            if elapsed.saturating_add(delay) > policy.total_deadline() {
                tracing::debug!(%method, %path, ?delay, "retry deadline reached; giving up");
                return match (failure, wait_hint) {
                    (Ok(mut response), Some(wait)) => {
                        tracing::warn!(
                            %method,
                            %path,
                            wait_seconds = wait.as_secs(),
                            "the server asks to wait longer than the retry deadline; not retrying"
                        );
                        mark_wait(&mut response, wait, now);
                        Ok(response)
                    }
                    (failure, _) => failure.map_err(Error::from_reqwest),
                };
            }
            tracing::debug!(%method, %path, attempt, ?delay, "retrying after a delay");
            self.sleep.sleep(delay).await;
            request = next;
            attempt += 1;
        }
    }

    /// The wait the server asks for before a retry: `Retry-After`, or — for a 429 without
    /// it — a wait written in the answer's text (Tableau Cloud's "retry after 29 minutes").
    /// Reading the text consumes the body, so the answer is rebuilt around the bytes read.
    async fn server_wait(
        &self,
        response: reqwest::Response,
    ) -> Result<(reqwest::Response, Option<Duration>), Error> {
        if let Some(wait) = retry_after(response.headers(), self.time.now()) {
            return Ok((response, Some(wait)));
        }
        if response.status() != StatusCode::TOO_MANY_REQUESTS
            || response
                .content_length()
                .is_some_and(|length| length > THROTTLE_TEXT_LIMIT as u64)
        {
            return Ok((response, None));
        }
        let status = response.status();
        let version = response.version();
        let url = response.url().clone();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::from_reqwest)?;
        let wait = wait_in_text(&String::from_utf8_lossy(
            &body[..body.len().min(THROTTLE_TEXT_LIMIT)],
        ));
        let mut rebuilt = http::Response::builder()
            .status(status)
            .version(version)
            .url(url)
            .body(body)
            .map_err(|e| Error::Configuration(format!("cannot keep the 429 answer: {e}")))?;
        *rebuilt.headers_mut() = headers;
        Ok((reqwest::Response::from(rebuilt), wait))
    }
}

/// Puts the server's wait on a throttled (429) answer the transport gives up on; other
/// answers (a 503 with a long `Retry-After`) are returned as they are.
fn mark_wait(response: &mut reqwest::Response, wait: Duration, now: std::time::SystemTime) {
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        return;
    }
    response.extensions_mut().insert(ServerWait {
        wait,
        retry_at: now + wait,
    });
}

/// Refuses `http://` for hosts other than loopback, unless allowed.
pub(crate) fn check_scheme(url: &Url, allow_insecure_http: bool) -> Result<(), Error> {
    if url.scheme() == "https" || allow_insecure_http || is_loopback(url) {
        return Ok(());
    }
    Err(Error::InsecureUrl {
        host: url.host_str().unwrap_or_default().to_owned(),
    })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests;
