//! Sending one request: retries (throttling, gateway errors, connection failures) and
//! redirects handled by hand (reqwest's own redirect handling is off).

use http::StatusCode;
use http::header::LOCATION;
use url::Url;

use crate::builder::check_scheme;
use crate::client::Client;
use crate::error::Error;
use crate::retry::{is_refused_unprocessed, is_retryable_status, retry_after};

/// The most redirects a sign-in follows.
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
    /// 301/302/303/307/308 to any host, at most
    /// [`MAX_REDIRECTS`] hops, never from https to http.
    AnyHost,
    /// Authenticated calls: only to the same origin (the token must not travel elsewhere).
    SameOrigin,
}

pub(crate) fn transport_error(error: reqwest::Error) -> Error {
    if error.is_timeout() {
        Error::Timeout(Some(error))
    } else {
        Error::Transport(error)
    }
}

impl Client {
    /// Sends `request`, following redirects as `follow` allows and retrying per the policy.
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
                check_scheme(&target, self.inner().allow_insecure_http)?;
                Ok(target)
            }
        }
    }

    /// Sends `request` once, then again per the retry policy while the answer is 429, 502,
    /// 503 or 504 or the connection failed (and the request may be replayed).
    async fn execute_with_retries(
        &self,
        request: reqwest::Request,
        replay: Replay,
    ) -> Result<reqwest::Response, Error> {
        let inner = self.inner();
        let policy = &inner.retry;
        let start = inner.time.now();
        let mut request = request;
        let mut attempt = 1u32;
        loop {
            let spare = if attempt < policy.get_max_attempts() {
                request.try_clone()
            } else {
                None
            };
            let method = request.method().clone();
            let path = request.url().path().to_owned();
            tracing::trace!(%method, %path, attempt, "sending request");
            let outcome = inner.http.execute(request).await;
            let (wait_hint, failure) = match outcome {
                Ok(response) => {
                    tracing::debug!(%method, %path, status = response.status().as_u16(), "response");
                    let status = response.status();
                    let retryable = is_retryable_status(status)
                        && (replay == Replay::Safe || is_refused_unprocessed(status));
                    if !retryable || spare.is_none() {
                        return Ok(response);
                    }
                    (
                        retry_after(response.headers(), inner.time.now()),
                        Ok(response),
                    )
                }
                Err(error) => {
                    let retryable = error.is_connect()
                        || (replay == Replay::Safe
                            && (error.is_request() || error.is_timeout() || error.is_body()));
                    tracing::debug!(%method, %path, error = %error, retryable, "request failed");
                    if !retryable || spare.is_none() {
                        return Err(transport_error(error));
                    }
                    (None, Err(error))
                }
            };
            let Some(next) = spare else {
                return failure.map_err(transport_error);
            };
            let delay = policy.delay(attempt, wait_hint);
            let elapsed = inner.time.now().duration_since(start).unwrap_or_default();
            if elapsed.saturating_add(delay) > policy.get_total_deadline() {
                tracing::debug!(%method, %path, ?delay, "retry deadline reached; giving up");
                return failure.map_err(transport_error);
            }
            tracing::debug!(%method, %path, attempt, ?delay, "retrying after a delay");
            inner.sleep.sleep(delay).await;
            request = next;
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(url: &str) -> Client {
        Client::builder().server_url(url).build().unwrap()
    }

    #[test]
    fn never_downgrades_from_https() {
        let client = client("https://tableau.example.com");
        let from = Url::parse("https://tableau.example.com/api/3.27/auth/signin").unwrap();
        for follow in [Follow::AnyHost, Follow::SameOrigin] {
            let err = client
                .redirect_target(
                    &from,
                    "http://tableau.example.com/api/3.27/auth/signin",
                    StatusCode::MOVED_PERMANENTLY,
                    follow,
                )
                .unwrap_err();
            assert!(
                matches!(err, Error::Redirect { status: 301, .. }),
                "{err:?}"
            );
        }
    }

    #[test]
    fn sign_in_may_move_to_another_host_but_authenticated_calls_may_not() {
        let client = client("https://online.tableau.com");
        let from = Url::parse("https://online.tableau.com/api/3.27/auth/signin").unwrap();
        let pod = "https://10ay.online.tableau.com/api/3.27/auth/signin";
        let found = StatusCode::FOUND;
        assert!(
            client
                .redirect_target(&from, pod, found, Follow::AnyHost)
                .is_ok()
        );
        assert!(
            client
                .redirect_target(&from, pod, found, Follow::SameOrigin)
                .is_err()
        );
        assert!(
            client
                .redirect_target(
                    &from,
                    "/tableau/api/3.27/auth/signin",
                    found,
                    Follow::SameOrigin
                )
                .is_ok()
        );
    }
}
