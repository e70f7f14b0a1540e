//! The cache on its own: single flight, shared errors, keyed re-loads, the load timeout,
//! cancelled callers and panicking loads. Loads are held open with semaphores, never sleeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::*;

type Cache = LazyCache<String, String>;

/// Loads that count themselves and wait for a permit before answering.
#[derive(Clone)]
struct Loads {
    started: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
}

impl Loads {
    fn new() -> Self {
        Loads {
            started: Arc::new(AtomicUsize::new(0)),
            gate: Arc::new(Semaphore::new(0)),
        }
    }

    /// A load that waits for one permit, then answers `answer`.
    fn load(
        &self,
        answer: Result<&str, &str>,
    ) -> impl FnOnce(Option<Previous<String>>) -> BoxedLoad {
        let loads = self.clone();
        let answer = answer.map(str::to_owned).map_err(str::to_owned);
        move |_previous| {
            Box::pin(async move {
                loads.started.fetch_add(1, Ordering::SeqCst);
                let _permit = loads.gate.acquire().await.map_err(|e| e.to_string())?;
                answer.map(Loaded::Replace)
            })
        }
    }

    fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    fn release(&self, permits: usize) {
        self.gate.add_permits(permits);
    }
}

type BoxedLoad =
    std::pin::Pin<Box<dyn Future<Output = Result<Loaded<String>, String>> + Send + 'static>>;

fn ready(answer: Result<&str, &str>) -> impl FnOnce(Option<Previous<String>>) -> BoxedLoad {
    let answer = answer.map(str::to_owned).map_err(str::to_owned);
    move |_previous| Box::pin(async move { answer.map(Loaded::Replace) })
}

fn always(_: &String) -> bool {
    true
}

fn cache() -> Arc<Cache> {
    Arc::new(LazyCache::new(Duration::from_secs(3600)))
}

/// Waits until `count` loads have started (yielding, not sleeping).
async fn until_started(loads: &Loads, count: usize) {
    while loads.started() < count {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_share_one_load() {
    let cache = cache();
    let loads = Loads::new();
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let (cache, loads) = (Arc::clone(&cache), loads.clone());
            tokio::spawn(async move { cache.get_or_load(always, loads.load(Ok("one"))).await })
        })
        .collect();
    until_started(&loads, 1).await;
    loads.release(1);
    for caller in callers {
        let entry = caller.await.unwrap().unwrap();
        assert_eq!((entry.value.as_str(), entry.generation), ("one", 1));
    }
    assert_eq!(loads.started(), 1);
    // Afterwards the value is served without a load.
    let entry = cache.get_or_load(always, ready(Ok("two"))).await.unwrap();
    assert_eq!(entry.value, "one");
}

/// On one thread, so that all twenty callers have joined the load before it fails (tasks run in
/// the order they were spawned, and the load task is spawned by the first caller): a caller that
/// arrives after a failure rightly starts a new load, which would make the count racy.
#[tokio::test(flavor = "current_thread")]
async fn every_waiter_gets_the_error_and_the_next_call_loads_again() {
    let cache = cache();
    let loads = Loads::new();
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let (cache, loads) = (Arc::clone(&cache), loads.clone());
            tokio::spawn(async move { cache.get_or_load(always, loads.load(Err("refused"))).await })
        })
        .collect();
    until_started(&loads, 1).await;
    loads.release(1);
    for caller in callers {
        match caller.await.unwrap() {
            Err(LoadError::Failed(error)) => assert_eq!(error, "refused"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(loads.started(), 1);
    assert!(cache.peek().is_none());
    let entry = cache.get_or_load(always, ready(Ok("later"))).await.unwrap();
    assert_eq!((entry.value.as_str(), entry.generation), ("later", 1));
}

#[tokio::test]
async fn a_failure_reported_twice_causes_one_load() {
    let cache = cache();
    let first = cache.get_or_load(always, ready(Ok("one"))).await.unwrap();
    assert_eq!(cache.report_failed(first.generation), Reported::Marked);
    assert_eq!(
        cache.report_failed(first.generation),
        Reported::AlreadyMarked
    );
    assert!(cache.peek().is_none(), "a failed entry is not handed out");
    assert!(cache.get(always).is_none());

    let second = cache.get_or_load(always, ready(Ok("two"))).await.unwrap();
    assert_eq!((second.value.as_str(), second.generation), ("two", 2));
    // A caller still holding the first entry reports it late: it gets the replacement.
    assert_eq!(cache.report_failed(first.generation), Reported::Replaced);
    let again = cache.get_or_load(always, ready(Ok("three"))).await.unwrap();
    assert_eq!(again.generation, 2);
}

#[tokio::test]
async fn a_load_receives_what_it_replaces() {
    let cache = cache();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorder = |answer: &'static str| {
        let seen = Arc::clone(&seen);
        move |previous: Option<Previous<String>>| {
            seen.lock()
                .unwrap()
                .push(previous.map(|p| (p.entry.generation, p.failed)));
            async move { Ok::<_, String>(Loaded::Replace(answer.to_owned())) }
        }
    };
    let first = cache.get_or_load(always, recorder("one")).await.unwrap();
    cache.get_or_load(|_| false, recorder("two")).await.unwrap();
    cache.report_failed(first.generation + 1);
    cache.get_or_load(always, recorder("three")).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [None, Some((1, false)), Some((2, true))]
    );
}

#[tokio::test]
async fn an_unusable_entry_is_replaced_and_a_kept_one_keeps_its_generation() {
    let cache = cache();
    cache.get_or_load(always, ready(Ok("one"))).await.unwrap();
    let second = cache
        .get_or_load(|_| false, ready(Ok("two")))
        .await
        .unwrap();
    assert_eq!((second.value.as_str(), second.generation), ("two", 2));
    let kept = cache
        .load_next(|_| async { Ok::<_, String>(Loaded::Keep) })
        .await
        .unwrap();
    assert_eq!((kept.value.as_str(), kept.generation), ("two", 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_reported_while_loading_marks_nothing() {
    let cache = cache();
    let first = cache.get_or_load(always, ready(Ok("one"))).await.unwrap();
    let loads = Loads::new();
    let refresh = {
        let (cache, loads) = (Arc::clone(&cache), loads.clone());
        tokio::spawn(async move { cache.get_or_load(|_| false, loads.load(Ok("two"))).await })
    };
    until_started(&loads, 1).await;
    assert_eq!(cache.report_failed(first.generation), Reported::Loading);
    loads.release(1);
    assert_eq!(refresh.await.unwrap().unwrap().generation, 2);
    assert_eq!(
        cache
            .get_or_load(always, ready(Ok("x")))
            .await
            .unwrap()
            .value,
        "two"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hung_load_times_out_for_every_waiter_and_the_next_call_loads_again() {
    let cache: Arc<Cache> = Arc::new(LazyCache::new(Duration::from_secs(30)));
    let hung = Loads::new(); // never released
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let (cache, hung) = (Arc::clone(&cache), hung.clone());
            tokio::spawn(async move { cache.get_or_load(always, hung.load(Ok("never"))).await })
        })
        .collect();
    for caller in callers {
        match caller.await.unwrap() {
            Err(LoadError::TimedOut(after)) => assert_eq!(after, Duration::from_secs(30)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(hung.started(), 1);
    let entry = cache.get_or_load(always, ready(Ok("fresh"))).await.unwrap();
    assert_eq!(entry.value, "fresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_caller_does_not_cancel_the_load() {
    let cache = cache();
    let loads = Loads::new();
    let impatient = {
        let (cache, loads) = (Arc::clone(&cache), loads.clone());
        tokio::spawn(async move { cache.get_or_load(always, loads.load(Ok("one"))).await })
    };
    until_started(&loads, 1).await;
    let patient = {
        let (cache, loads) = (Arc::clone(&cache), loads.clone());
        tokio::spawn(async move { cache.get_or_load(always, loads.load(Ok("other"))).await })
    };
    impatient.abort();
    assert!(impatient.await.unwrap_err().is_cancelled());
    loads.release(1);
    assert_eq!(patient.await.unwrap().unwrap().value, "one");
    assert_eq!(loads.started(), 1);
}

#[tokio::test]
async fn a_panicking_load_is_reported_and_the_next_call_loads_again() {
    let cache = cache();
    let outcome = cache
        .get_or_load(always, |_| async {
            if true {
                panic!("a provider bug");
            }
            Ok::<_, String>(Loaded::Replace(String::new()))
        })
        .await;
    assert!(matches!(outcome, Err(LoadError::Aborted)), "{outcome:?}");
    let entry = cache.get_or_load(always, ready(Ok("one"))).await.unwrap();
    assert_eq!(entry.value, "one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_waits_for_the_running_load() {
    let cache = cache();
    let loads = Loads::new();
    let loading = {
        let (cache, loads) = (Arc::clone(&cache), loads.clone());
        tokio::spawn(async move { cache.get_or_load(always, loads.load(Ok("one"))).await })
    };
    until_started(&loads, 1).await;
    let taking = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move { cache.take().await })
    };
    loads.release(1);
    loading.await.unwrap().unwrap();
    assert_eq!(
        taking.await.unwrap().map(|e| e.value),
        Some("one".to_owned())
    );
    assert!(cache.peek().is_none());
    assert!(cache.take().await.is_none());
}

#[test]
fn without_a_runtime_a_load_is_aborted_not_a_panic() {
    let cache = cache();
    // Poll the future by hand on a runtime-less thread: the load cannot be spawned.
    let outcome = futures_lite_block_on(cache.get_or_load(always, ready(Ok("one"))));
    assert!(matches!(outcome, Err(LoadError::Aborted)), "{outcome:?}");
}

/// A minimal executor for one future, without tokio's runtime.
fn futures_lite_block_on<F: Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}
