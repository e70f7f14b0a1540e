//! The virtual clock: real time (or a fixed start instant) plus an offset that the control API
//! moves. All expiry is computed against it; nothing ever sleeps.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

use crate::render::push_two_digits;

/// The mock's clock.
#[derive(Debug)]
pub struct Clock {
    /// When set, the clock does not follow real time: now = fixed start + offset.
    fixed_start: Option<OffsetDateTime>,
    /// Offset in nanoseconds.
    offset_nanos: AtomicI64,
}

impl Clock {
    /// A clock that follows real time (plus offset), or stands at `fixed_start` (plus offset).
    pub fn new(fixed_start: Option<OffsetDateTime>) -> Self {
        Self {
            fixed_start,
            offset_nanos: AtomicI64::new(0),
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> OffsetDateTime {
        let base = self.fixed_start.unwrap_or_else(OffsetDateTime::now_utc);
        let offset = time::Duration::nanoseconds(self.offset_nanos.load(Ordering::Relaxed));
        base.checked_add(offset).unwrap_or(base)
    }

    /// [`now`](Self::now) as Unix nanoseconds (saturating), without the calendar arithmetic
    /// of an `OffsetDateTime`: what every request's session check reads.
    pub fn now_nanos(&self) -> i64 {
        let offset = self.offset_nanos.load(Ordering::Relaxed);
        let base = match self.fixed_start {
            Some(start) => i64::try_from(start.unix_timestamp_nanos()).unwrap_or(i64::MAX),
            None => match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
                Ok(since) => i64::try_from(since.as_nanos()).unwrap_or(i64::MAX),
                Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |n| -n),
            },
        };
        base.saturating_add(offset)
    }

    /// Moves the clock forward (saturating).
    pub fn advance(&self, by: Duration) {
        let nanos = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
                Some(current.saturating_add(nanos))
            });
    }

    /// The offset in whole seconds.
    pub fn offset_seconds(&self) -> i64 {
        self.offset_nanos.load(Ordering::Relaxed) / 1_000_000_000
    }

    /// Back to offset zero.
    pub fn reset(&self) {
        self.offset_nanos.store(0, Ordering::Relaxed);
    }
}

/// The mock's virtual clock as the client's [`TimeSource`](tableau_auth_core::TimeSource): what
/// [`MockServer::time_source`](crate::MockServer::time_source) hands out. It reads the server's
/// clock at each call, so [`MockServer::advance_clock`](crate::MockServer::advance_clock) (or
/// `POST /_mock/clock/advance`) moves it too.
#[derive(Clone)]
pub(crate) struct MockTimeSource {
    pub(crate) state: crate::state::AppState,
}

impl std::fmt::Debug for MockTimeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTimeSource")
            .field("now", &rfc3339(self.state.now()))
            .finish()
    }
}

impl tableau_auth_core::TimeSource for MockTimeSource {
    fn now(&self) -> std::time::SystemTime {
        self.state.now().into()
    }
}

/// RFC 3339 rendering in UTC with whole seconds (`2026-11-28T10:00:00Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    let mut out = String::with_capacity(20);
    push_rfc3339(&mut out, at);
    out
}

/// [`rfc3339`], appended to `out` (only digits, `-`, `T`, `:` and `Z`: nothing to escape).
/// Written digit by digit: this runs for every `GET sessions/current` and sign-in answer, and
/// `core::fmt` cost about six times as much (docs/performance.md).
pub fn push_rfc3339(out: &mut String, at: OffsetDateTime) {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year();
    if !(0..=9999).contains(&year) {
        use std::fmt::Write as _;
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            year,
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        return;
    }
    // 0..=9999, so both halves are below 100.
    let year = year.unsigned_abs();
    push_two_digits(out, (year / 100) as u8);
    push_two_digits(out, (year % 100) as u8);
    out.push('-');
    push_two_digits(out, u8::from(at.month()));
    out.push('-');
    push_two_digits(out, at.day());
    out.push('T');
    push_two_digits(out, at.hour());
    out.push(':');
    push_two_digits(out, at.minute());
    out.push(':');
    push_two_digits(out, at.second());
    out.push('Z');
}

/// Serde for times on the control API: written as [`rfc3339`] (UTC, whole seconds), read as
/// any RFC 3339 time.
pub(crate) mod rfc3339_seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// Writes `2026-11-28T10:00:00Z`.
    pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::rfc3339(*at))
    }

    /// Reads an RFC 3339 time.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_by_offset() {
        let start = time::macros::datetime!(2026-11-28 10:00:00 UTC);
        let clock = Clock::new(Some(start));
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clock.now(), start + time::Duration::seconds(90));
        assert_eq!(clock.offset_seconds(), 90);
        assert_eq!(rfc3339(clock.now()), "2026-11-28T10:01:30Z");
        for (at, text) in [
            (
                time::macros::datetime!(0005-01-02 03:04:05 UTC),
                "0005-01-02T03:04:05Z",
            ),
            (
                time::macros::datetime!(9999-12-31 23:59:59 UTC),
                "9999-12-31T23:59:59Z",
            ),
            (
                time::macros::datetime!(2026-11-28 10:00:00 +02:00),
                "2026-11-28T08:00:00Z",
            ),
        ] {
            assert_eq!(rfc3339(at), text);
        }
        clock.reset();
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn now_nanos_is_now_in_nanoseconds() {
        let start = time::macros::datetime!(2026-11-28 10:00:00.5 UTC);
        let fixed = Clock::new(Some(start));
        fixed.advance(Duration::from_millis(1500));
        assert_eq!(
            i128::from(fixed.now_nanos()),
            fixed.now().unix_timestamp_nanos()
        );
        let real = Clock::new(None);
        real.advance(Duration::from_secs(3600));
        let before = real.now().unix_timestamp_nanos();
        let nanos = i128::from(real.now_nanos());
        let after = real.now().unix_timestamp_nanos();
        assert!(
            before <= nanos && nanos <= after,
            "{before} {nanos} {after}"
        );
        real.advance(Duration::from_secs(u64::MAX));
        assert_eq!(real.now_nanos(), i64::MAX);
    }

    #[test]
    fn control_api_times_round_trip_in_whole_seconds() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct At(#[serde(with = "rfc3339_seconds")] OffsetDateTime);
        let at = time::macros::datetime!(2026-11-28 10:00:00.75 +01:00);
        let text = serde_json::to_string(&At(at)).unwrap();
        assert_eq!(text, r#""2026-11-28T09:00:00Z""#);
        let back: At = serde_json::from_str(r#""2026-11-28T09:00:00.75Z""#).unwrap();
        assert_eq!(back.0, at);
        assert!(serde_json::from_str::<At>(r#""yesterday""#).is_err());
    }
}
