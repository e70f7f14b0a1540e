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

/// The wait a throttling server asked for, put on the final answer (in its extensions) when the
/// transport gave up because the wait ends after the retry deadline; the layer that reads the
/// answer turns it into [`Error::Throttled`](crate::Error::Throttled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServerWait {
    /// How long the server asked to wait.
    pub(crate) wait: Duration,
    /// When that wait ends, by the client's clock.
    pub(crate) retry_at: SystemTime,
}

/// The most of a 429's body read for a wait in its text.
pub(crate) const THROTTLE_TEXT_LIMIT: usize = 16 * 1024;

/// A wait written in a throttling answer's text, as Tableau Cloud does instead of sending
/// `Retry-After` ("Please retry after 29 minutes"): `retry after`, `retry in`, `try again after`
/// or `try again in`, then a number and a unit (seconds, minutes or hours, singular, plural or
/// abbreviated), case-insensitive. The longest wait named wins.
pub(crate) fn wait_in_text(text: &str) -> Option<Duration> {
    let lower = text.to_ascii_lowercase();
    let mut longest: Option<Duration> = None;
    for phrase in ["retry after", "retry in", "try again after", "try again in"] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(phrase) {
            let start = from + found + phrase.len();
            from = start;
            if let Some(wait) = number_and_unit(&lower[start..]) {
                longest = Some(longest.map_or(wait, |w| w.max(wait)));
            }
        }
    }
    longest
}

/// `29 minutes`, `1 hour`, `30s`, … at the start of `text` (after blanks).
fn number_and_unit(text: &str) -> Option<Duration> {
    let text = text.trim_start();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number: u64 = text.get(..digits)?.parse().ok()?;
    let rest = text[digits..].trim_start();
    let unit: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
    let seconds = match unit.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        _ => return None,
    };
    Some(Duration::from_secs(number.checked_mul(seconds)?))
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
    fn reads_a_wait_from_the_message_text() {
        let minutes = |m: u64| Some(Duration::from_secs(m * 60));
        assert_eq!(
            wait_in_text("<detail>Please retry after 29 minutes</detail>"),
            minutes(29)
        );
        assert_eq!(
            wait_in_text(r#"{"error":{"detail":"Too many requests. Retry after 1 minute."}}"#),
            minutes(1)
        );
        assert_eq!(
            wait_in_text("try again in 2 hours"),
            Some(Duration::from_secs(7_200))
        );
        assert_eq!(
            wait_in_text("RETRY AFTER 30s"),
            Some(Duration::from_secs(30))
        );
        // The longest of several, and none without a number and a unit.
        assert_eq!(
            wait_in_text("retry after 5 seconds, or retry after 10 minutes"),
            minutes(10)
        );
        assert_eq!(wait_in_text("Too many requests"), None);
        assert_eq!(wait_in_text("retry after a while"), None);
        assert_eq!(wait_in_text("retry after 5 fortnights"), None);
        assert_eq!(wait_in_text("retry after 99999999999999999999 hours"), None);
        assert_eq!(wait_in_text("retry after"), None);
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

/// The client's own readers of what a throttled answer says: arbitrary text and header values
/// never panic, and a wait written in any text is found.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn any_text_gives_a_wait_or_none(text in any::<String>(), tail in "[ -~]{0,40}") {
            // Arbitrary text, and text that starts a phrase and ends in anything.
            let _ = wait_in_text(&text);
            for phrase in ["retry after ", "Retry In ", "TRY AGAIN AFTER ", "try again in "] {
                let _ = wait_in_text(&format!("{text}{phrase}{tail}"));
            }
        }

        #[test]
        fn a_written_wait_is_found_in_any_text(
            before in any::<String>(),
            after in any::<String>(),
            number in 0u64..1_000_000,
            unit in prop::sample::select(vec![("seconds", 1u64), ("s", 1), ("min", 60), ("Minutes", 60), ("hour", 3_600), ("HRS", 3_600)]),
        ) {
            let text = format!("{before} Please retry after {number} {} {after}", unit.0);
            let found = wait_in_text(&text);
            // The longest wait named wins, so `before` or `after` may name a longer one.
            prop_assert!(found.is_some_and(|wait| wait >= Duration::from_secs(number * unit.1)), "{:?} in {:?}", found, text);
        }

        #[test]
        fn any_retry_after_header_gives_a_wait_or_none(value in "[ -~]{0,60}", bytes in proptest::collection::vec(any::<u8>(), 0..60)) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            for value in [
                http::HeaderValue::from_str(&value).ok(),
                http::HeaderValue::from_bytes(&bytes).ok(),
            ]
            .into_iter()
            .flatten()
            {
                let mut headers = HeaderMap::new();
                headers.insert(http::header::RETRY_AFTER, value.clone());
                let wait = retry_after(&headers, now);
                if let Ok(seconds) = value.to_str().unwrap_or_default().trim().parse::<u64>() {
                    prop_assert_eq!(wait, Some(Duration::from_secs(seconds)));
                }
            }
        }
    }
}
