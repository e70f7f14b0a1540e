//! When and how long to wait before trying a failed call again.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

/// Bounded retries with exponential back-off and jitter, for throttling (429), gateway
/// errors (502, 503, 504) and connection failures. Other 4xx answers are never retried.
///
/// A `Retry-After` header (seconds or an HTTP date) replaces the computed delay. Retrying stops
/// after [`max_attempts`](RetryPolicy::with_max_attempts) attempts, or when the next wait would
/// end after the [`total_deadline`](RetryPolicy::with_total_deadline) (counted from the first attempt,
/// on the client's [`TimeSource`](crate::TimeSource)).
///
/// ```
/// use std::time::Duration;
/// use tableau_auth::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_base_delay(Duration::from_millis(100))
///     .with_jitter(false);
/// assert_eq!(policy.backoff(1), Duration::from_millis(100));
/// assert_eq!(policy.backoff(3), Duration::from_millis(400));
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    total_deadline: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, 250 ms base delay doubling up to 10 s, 60 s total, with jitter.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            total_deadline: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// How many attempts in total (the first one included); at least 1.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delay before the first retry; it doubles for each further one.
    #[must_use]
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest computed delay (a `Retry-After` may ask for more, within the deadline).
    #[must_use]
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// No retry is started if its wait would end later than this after the first attempt.
    ///
    /// The deadline governs the retries, not an attempt already under way: each attempt is
    /// bounded by the client's own timeout ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)),
    /// so the worst case is the deadline plus one timeout.
    #[must_use]
    pub fn with_total_deadline(mut self, deadline: Duration) -> Self {
        self.total_deadline = deadline;
        self
    }

    /// Whether to randomise computed delays (between half and all of the computed value), so
    /// that many clients do not retry in lock-step. `Retry-After` values are never randomised.
    #[must_use]
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// How many attempts in total (the first one included).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest computed delay.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// No retry starts whose wait would end later than this after the first attempt.
    pub fn total_deadline(&self) -> Duration {
        self.total_deadline
    }

    /// Whether computed delays are randomised.
    pub fn jitter(&self) -> bool {
        self.jitter
    }

    /// The computed delay after failed attempt number `attempt` (1-based), before jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }

    /// The delay to wait after failed attempt `attempt`, honouring `retry_after` when given.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait;
        }
        let delay = self.backoff(attempt);
        if self.jitter && !delay.is_zero() {
            let half = delay / 2;
            let extra = rand::random_range(0..=half.as_millis().min(u128::from(u64::MAX)) as u64);
            half + Duration::from_millis(extra)
        } else {
            delay
        }
    }
}

/// Whether an answer with this status is worth retrying.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Statuses that say the request was turned away before anyone acted on it (throttled, or the
/// service is unavailable), so even a request that must not run twice may be sent again. A 502
/// or 504 comes from a gateway that may already have passed the request on.
pub(crate) fn is_refused_unprocessed(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 503)
}

/// Reads `Retry-After`: delay-seconds or an HTTP date (relative to `now`). A date in the past
/// means "now".
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let policy = RetryPolicy::default()
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(5))
            .with_jitter(false);
        let delays: Vec<_> = (1..=5).map(|a| policy.delay(a, None).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
    }

    #[test]
    fn jitter_stays_between_half_and_all() {
        let policy = RetryPolicy::default().with_base_delay(Duration::from_secs(2));
        for _ in 0..100 {
            let d = policy.delay(1, None);
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(2),
                "{d:?}"
            );
        }
    }

    #[test]
    fn reads_retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        headers.insert(http::header::RETRY_AFTER, date.parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        headers.insert(http::header::RETRY_AFTER, past.parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn only_throttling_and_gateway_errors_are_retried() {
        for code in [429, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [400, 401, 403, 404, 405, 413, 500, 501] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
    }
}
