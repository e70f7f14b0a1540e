//! [`LazyCache`]: one value, loaded when needed and shared by every caller.
//!
//! It knows nothing of Tableau, sessions or policies (in the spirit of aws-config's
//! `LazyCache`). What it does:
//!
//! - **Single flight.** However many callers need a load at once, one load runs; the others
//!   wait for it and share its result, success or error (so `T` and `E` are `Clone`).
//! - **Keyed re-loads.** Every loaded value has a generation. A caller that saw a value fail
//!   reports that generation ([`LazyCache::report_failed`]); if the value was already
//!   replaced, or a load that will replace it is running, nothing is marked and the caller
//!   gets the replacement without a new load.
//! - **A load timeout.** Each load is bounded: a load that hangs ends with
//!   [`LoadError::TimedOut`] for every waiter, and the next call may load again.
//! - **No lock across a load.** The load runs in a task of its own and waiters watch for its
//!   result, so a caller that is cancelled does not cancel the load for the others, and the
//!   lock is only held to read or change the state.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tracing::Instrument;

/// A loaded value and its generation (1 for the first load, then one more per load).
#[derive(Debug, Clone)]
pub(crate) struct Entry<T> {
    /// The value.
    pub(crate) value: T,
    /// Which load produced it.
    pub(crate) generation: u64,
}

/// What a load replaces: the entry that was current when it started, and whether a caller
/// reported it failed.
#[derive(Debug, Clone)]
pub(crate) struct Previous<T> {
    /// The entry.
    pub(crate) entry: Entry<T>,
    /// Whether it was reported failed (otherwise the caller found it unusable, or the load
    /// was asked for explicitly).
    pub(crate) failed: bool,
}

/// What a load produced.
#[derive(Debug)]
pub(crate) enum Loaded<T> {
    /// A new value (it gets the next generation).
    Replace(T),
    /// The previous value stays, with its generation (a load that found nothing to change).
    Keep,
}

/// Why a load gave no value.
#[derive(Debug, Clone)]
pub(crate) enum LoadError<E> {
    /// The load failed with this error.
    Failed(E),
    /// The load did not finish within the load timeout, and was dropped.
    TimedOut(Duration),
    /// The load's task ended without a result: it panicked, the runtime is shutting down,
    /// or there is no runtime to run it on.
    Aborted,
}

/// The answer to [`LazyCache::report_failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reported {
    /// The failed entry was current and is now marked failed: the caller is the first to
    /// report it.
    Marked,
    /// The entry was already marked failed by an earlier report.
    AlreadyMarked,
    /// Another entry is current (or none): the failed one was replaced or cleared.
    Replaced,
    /// A load is running that will replace the entry; nothing was marked.
    Loading,
}

type Outcome<T, E> = Result<Entry<T>, LoadError<E>>;

/// The shared, lazily loaded value. See the module documentation.
pub(crate) struct LazyCache<T, E> {
    state: Arc<Mutex<State<T, E>>>,
    load_timeout: Duration,
}

struct State<T, E> {
    current: Option<Entry<T>>,
    /// The current entry was reported failed.
    failed: bool,
    flight: Option<Flight<T, E>>,
    /// The last generation handed out.
    generation: u64,
    /// The last flight id handed out.
    flights: u64,
}

struct Flight<T, E> {
    id: u64,
    result: watch::Receiver<Option<Outcome<T, E>>>,
}

/// The sending half of a flight: lands its outcome in the state and tells the waiters. If it
/// is dropped without landing (the load panicked, or its task was dropped), it lands
/// [`LoadError::Aborted`].
struct Landing<T, E> {
    state: Arc<Mutex<State<T, E>>>,
    id: u64,
    sender: Option<watch::Sender<Option<Outcome<T, E>>>>,
}

/// What a caller does after looking at the state.
enum Step<T, E> {
    Ready(Entry<T>),
    Wait(watch::Receiver<Option<Outcome<T, E>>>),
    Start(
        Landing<T, E>,
        watch::Receiver<Option<Outcome<T, E>>>,
        Option<Previous<T>>,
    ),
}

impl<T, E> fmt::Debug for LazyCache<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("LazyCache")
            .field("generation", &state.current.as_ref().map(|e| e.generation))
            .field("failed", &state.failed)
            .field("loading", &state.flight.is_some())
            .field("load_timeout", &self.load_timeout)
            .finish()
    }
}

fn lock<S>(state: &Mutex<S>) -> MutexGuard<'_, S> {
    // Every critical section leaves the state consistent, so a poisoned lock is still usable.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T, E> LazyCache<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// An empty cache whose loads may take at most `load_timeout`.
    pub(crate) fn new(load_timeout: Duration) -> Self {
        LazyCache {
            state: Arc::new(Mutex::new(State {
                current: None,
                failed: false,
                flight: None,
                generation: 0,
                flights: 0,
            })),
            load_timeout,
        }
    }

    /// A cache that starts with `value` as its first entry (generation 1), as if a load had
    /// given it.
    pub(crate) fn with_value(load_timeout: Duration, value: T) -> Self {
        let cache = Self::new(load_timeout);
        {
            let mut state = lock(&cache.state);
            state.generation = 1;
            state.current = Some(Entry {
                value,
                generation: 1,
            });
        }
        cache
    }

    /// The current entry, unless there is none or it was reported failed. Never loads.
    pub(crate) fn peek(&self) -> Option<Entry<T>> {
        let state = lock(&self.state);
        state.current.clone().filter(|_| !state.failed)
    }

    /// The current entry if it was not reported failed and `usable` accepts it. Never loads.
    pub(crate) fn get(&self, usable: impl Fn(&T) -> bool) -> Option<Entry<T>> {
        let state = lock(&self.state);
        state.usable(&usable)
    }

    /// The current entry if it was not reported failed and `usable` accepts it; otherwise
    /// the result of the running load, or of a new one made by `load` (which receives what
    /// it replaces).
    pub(crate) async fn get_or_load<L, F>(
        &self,
        usable: impl Fn(&T) -> bool,
        load: L,
    ) -> Outcome<T, E>
    where
        L: FnOnce(Option<Previous<T>>) -> F,
        F: Future<Output = Result<Loaded<T>, E>> + Send + 'static,
    {
        let step = {
            let mut state = lock(&self.state);
            if let Some(entry) = state.usable(&usable) {
                Step::Ready(entry)
            } else if let Some(flight) = &state.flight {
                Step::Wait(flight.result.clone())
            } else {
                self.begin(&mut state)
            }
        };
        match step {
            Step::Ready(entry) => Ok(entry),
            Step::Wait(result) => wait(result).await,
            Step::Start(landing, result, previous) => {
                self.spawn(landing, load(previous));
                wait(result).await
            }
        }
    }

    /// Runs `load` after any load already running (waiting for it first) and returns its
    /// result; callers arriving meanwhile share it. For a change that must happen whatever
    /// the current entry's state.
    pub(crate) async fn load_next<L, F>(&self, load: L) -> Outcome<T, E>
    where
        L: FnOnce(Option<Previous<T>>) -> F,
        F: Future<Output = Result<Loaded<T>, E>> + Send + 'static,
    {
        let mut load = Some(load);
        loop {
            let step = {
                let mut state = lock(&self.state);
                match &state.flight {
                    Some(flight) => Step::Wait(flight.result.clone()),
                    None => self.begin(&mut state),
                }
            };
            match step {
                Step::Ready(entry) => return Ok(entry),
                Step::Wait(result) => {
                    // Whatever it gave, ours runs next.
                    let _ = wait(result).await;
                }
                Step::Start(landing, result, previous) => {
                    let Some(load) = load.take() else {
                        return Err(LoadError::Aborted);
                    };
                    self.spawn(landing, load(previous));
                    return wait(result).await;
                }
            }
        }
    }

    /// Reports that the entry of `generation` failed (for example: a server rejected it), so
    /// that the next [`get_or_load`](LazyCache::get_or_load) loads a new one. Keyed: see
    /// [`Reported`].
    pub(crate) fn report_failed(&self, generation: u64) -> Reported {
        let mut state = lock(&self.state);
        let is_current = state
            .current
            .as_ref()
            .is_some_and(|entry| entry.generation == generation);
        if !is_current {
            Reported::Replaced
        } else if state.flight.is_some() {
            Reported::Loading
        } else if state.failed {
            Reported::AlreadyMarked
        } else {
            state.failed = true;
            Reported::Marked
        }
    }

    /// Waits for any running load, then removes the current entry and returns it (`None` if
    /// there is none or it was reported failed).
    pub(crate) async fn take(&self) -> Option<Entry<T>> {
        loop {
            let result = {
                let mut state = lock(&self.state);
                match &state.flight {
                    Some(flight) => flight.result.clone(),
                    None => {
                        let failed = std::mem::take(&mut state.failed);
                        return state.current.take().filter(|_| !failed);
                    }
                }
            };
            let _ = wait(result).await;
        }
    }

    /// Registers a new flight (under the lock); the caller spawns its load.
    fn begin(&self, state: &mut State<T, E>) -> Step<T, E> {
        state.flights += 1;
        let id = state.flights;
        let (sender, result) = watch::channel(None);
        state.flight = Some(Flight {
            id,
            result: result.clone(),
        });
        let previous = state.current.clone().map(|entry| Previous {
            entry,
            failed: state.failed,
        });
        let landing = Landing {
            state: Arc::clone(&self.state),
            id,
            sender: Some(sender),
        };
        Step::Start(landing, result, previous)
    }

    /// Runs `load` in a task of its own, bounded by the load timeout.
    fn spawn<F>(&self, landing: Landing<T, E>, load: F)
    where
        F: Future<Output = Result<Loaded<T>, E>> + Send + 'static,
    {
        let timeout = self.load_timeout;
        let task = async move {
            let outcome = match tokio::time::timeout(timeout, load).await {
                Ok(Ok(loaded)) => Ok(loaded),
                Ok(Err(error)) => Err(LoadError::Failed(error)),
                Err(_) => {
                    tracing::warn!(?timeout, "a load did not finish in time; dropped it");
                    Err(LoadError::TimedOut(timeout))
                }
            };
            landing.land(outcome);
        }
        // The load's own spans and events stay under the caller that started it.
        .in_current_span();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(task);
            }
            // Dropping the task drops its landing, which tells the waiters.
            Err(_) => drop(task),
        }
    }
}

impl<T, E> State<T, E>
where
    T: Clone,
{
    fn usable(&self, usable: &impl Fn(&T) -> bool) -> Option<Entry<T>> {
        self.current
            .as_ref()
            .filter(|entry| !self.failed && usable(&entry.value))
            .cloned()
    }
}

impl<T: Clone, E: Clone> Landing<T, E> {
    /// Stores the outcome (a success becomes the current entry), ends the flight and wakes
    /// every waiter with the outcome.
    fn land(mut self, outcome: Result<Loaded<T>, LoadError<E>>) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Result<Loaded<T>, LoadError<E>>) {
        let Some(sender) = self.sender.take() else {
            return;
        };
        let shared = {
            let mut state = lock(&self.state);
            if state.flight.as_ref().is_some_and(|f| f.id == self.id) {
                state.flight = None;
            }
            match outcome {
                Ok(Loaded::Replace(value)) => {
                    state.generation += 1;
                    let entry = Entry {
                        value,
                        generation: state.generation,
                    };
                    state.current = Some(entry.clone());
                    state.failed = false;
                    Ok(entry)
                }
                Ok(Loaded::Keep) => match &state.current {
                    Some(entry) => Ok(entry.clone()),
                    None => Err(LoadError::Aborted),
                },
                Err(error) => Err(error),
            }
        };
        sender.send_replace(Some(shared));
    }
}

impl<T, E> Drop for Landing<T, E> {
    fn drop(&mut self) {
        // Only reached without a landing when the load panicked or its task was dropped.
        let Some(sender) = self.sender.take() else {
            return;
        };
        {
            let mut state = lock(&self.state);
            if state.flight.as_ref().is_some_and(|f| f.id == self.id) {
                state.flight = None;
            }
        }
        sender.send_replace(Some(Err(LoadError::Aborted)));
    }
}

/// The outcome of a flight, once it lands.
async fn wait<T: Clone, E: Clone>(
    mut result: watch::Receiver<Option<Outcome<T, E>>>,
) -> Outcome<T, E> {
    let landed = match result.wait_for(Option::is_some).await {
        Ok(outcome) => outcome.clone(),
        Err(_) => None,
    };
    landed.unwrap_or(Err(LoadError::Aborted))
}

#[cfg(test)]
mod tests;
