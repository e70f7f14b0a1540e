//! Time seams: [`TimeSource`] (what time is it) and [`Sleep`] (wait), each with a real and a
//! manual implementation, so expiry and back-off are tested without waiting.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// A boxed future returned by [`Sleep::sleep`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Tells the current time.
pub trait TimeSource: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// Waits for a duration.
pub trait Sleep: Send + Sync + fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTimeSource;

impl TimeSource for SystemTimeSource {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Sleeps with `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when told to. Clones share the same time.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tableau_auth_core::{ManualTimeSource, TimeSource};
///
/// let clock = ManualTimeSource::new(SystemTime::UNIX_EPOCH);
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(90));
/// ```
#[derive(Debug, Clone)]
pub struct ManualTimeSource {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualTimeSource {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> Self {
        ManualTimeSource {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock.
    pub fn set(&self, to: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl TimeSource for ManualTimeSource {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A [`Sleep`] that returns at once and records every requested duration; when built with
/// [`ManualSleep::advancing`], it also moves a [`ManualTimeSource`] by that much.
///
/// ```
/// use std::time::Duration;
/// use tableau_auth_core::{ManualSleep, Sleep};
///
/// let sleep = ManualSleep::new();
/// tokio::runtime::Builder::new_current_thread().build().unwrap()
///     .block_on(sleep.sleep(Duration::from_secs(2)));
/// assert_eq!(sleep.requested(), vec![Duration::from_secs(2)]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualSleep {
    requested: Arc<Mutex<Vec<Duration>>>,
    clock: Option<ManualTimeSource>,
}

impl ManualSleep {
    /// A sleep that only records.
    pub fn new() -> Self {
        Self::default()
    }

    /// A sleep that records and advances `clock` by each requested duration.
    pub fn advancing(clock: ManualTimeSource) -> Self {
        ManualSleep {
            requested: Arc::default(),
            clock: Some(clock),
        }
    }

    /// Every duration asked for so far, in order.
    pub fn requested(&self) -> Vec<Duration> {
        self.requested
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Sleep for ManualSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.requested
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(duration);
        if let Some(clock) = &self.clock {
            clock.advance(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_sleep_advances_its_clock() {
        let clock = ManualTimeSource::new(SystemTime::UNIX_EPOCH);
        let sleep = ManualSleep::advancing(clock.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(sleep.sleep(Duration::from_millis(250)));
        rt.block_on(sleep.sleep(Duration::from_secs(1)));
        assert_eq!(
            sleep.requested(),
            vec![Duration::from_millis(250), Duration::from_secs(1)]
        );
        assert_eq!(
            clock.now(),
            SystemTime::UNIX_EPOCH + Duration::from_millis(1250)
        );
    }

    #[test]
    fn clones_of_a_manual_clock_share_time() {
        let clock = ManualTimeSource::new(SystemTime::UNIX_EPOCH);
        let other = clock.clone();
        other.set(SystemTime::UNIX_EPOCH + Duration::from_secs(5));
        assert_eq!(clock.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(5));
    }
}
