//! 1,000 tasks share one `SessionManager` while its session is invalidated again and again,
//! by PAT supersession and by idle expiry, at fixed points between phases.
//!
//! Every phase: all tasks ask the manager for its session, make an authenticated call through
//! `send`, and look at the session again. Between phases the test invalidates the session (or
//! not). It proves that each invalidation costs exactly one sign-in, that every call succeeds,
//! and that no task is ever handed a token older than one it has already seen.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::{Clock, pat};
use tableau_auth::{ExposeSecret, SessionManager};
use tableau_mock_server::{MockServer, RecordedRequest};
use tokio::sync::Barrier;

const TASKS: usize = 1000;
/// The mock's default idle limit is 240 minutes.
const PAST_IDLE_LIMIT: Duration = Duration::from_secs(241 * 60);
/// Moved on the manager's clock before every phase: more than the 10-minute supersession
/// window, so the manager never sees 3 supersessions in one window (it would stop), and far
/// less than the 235 minutes after which it refreshes proactively.
const BETWEEN_PHASES: Duration = Duration::from_secs(11 * 60);
/// The hang detector for each phase.
const PHASE_LIMIT: Duration = Duration::from_secs(120);

/// What happens to the session before a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    /// Nothing: the phase must not sign in (the first phase signs in for the first time).
    Nothing,
    /// Another client signs in with the same PAT, which ends the manager's session.
    Supersession,
    /// The server's clock passes its idle limit; the manager's does not (it learns from 401s).
    ServerIdleExpiry,
    /// Both clocks pass the idle limit: the manager refreshes before the server can refuse.
    IdleExpiry,
}

use Before::*;

const PHASES: &[Before] = &[
    Nothing,
    Supersession,
    ServerIdleExpiry,
    Nothing,
    Supersession,
    ServerIdleExpiry,
    IdleExpiry,
    Supersession,
    ServerIdleExpiry,
];

/// What one task saw in one phase.
#[derive(Debug, Default)]
struct Seen {
    /// The token `session()` handed out before the call.
    before: Option<String>,
    /// The status of the call through `send`.
    status: Option<u16>,
    /// The token of the current session after the call.
    after: Option<String>,
    /// Any error (the task never panics, so that the barriers cannot deadlock).
    error: Option<String>,
}

async fn phase(manager: &SessionManager, url: &str) -> Seen {
    let mut seen = Seen::default();
    match manager.session().await {
        Ok(session) => seen.before = Some(session.token().expose_secret().to_owned()),
        Err(error) => seen.error = Some(format!("session(): {error}")),
    }
    match manager.send(manager.client().http().get(url)).await {
        Ok(response) => seen.status = Some(response.status().as_u16()),
        Err(error) => seen.error = Some(format!("send(): {error}")),
    }
    seen.after = manager
        .cached_session()
        .map(|s| s.token().expose_secret().to_owned());
    seen
}

fn count(log: &[RecordedRequest], suffix: &str, status: Option<u16>) -> usize {
    log.iter()
        .filter(|r| r.path.ends_with(suffix) && r.status == status)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_see_one_sign_in_per_invalidation_and_never_an_older_token() {
    let mock = MockServer::builder().request_log(1_000_000).start().await;
    let clock = Clock::new();
    let manager = SessionManager::new(clock.client(&mock), Arc::new(pat(&mock)));
    let outsider = Clock::new().client(&mock);
    let url = format!("{}/api/3.27/sessions/current", mock.uri());

    // Two barriers of every task plus this one: `start` opens a phase, `done` closes it.
    let start = Arc::new(Barrier::new(TASKS + 1));
    let done = Arc::new(Barrier::new(TASKS + 1));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (manager, url) = (manager.clone(), url.clone());
            let (start, done) = (Arc::clone(&start), Arc::clone(&done));
            tokio::spawn(async move {
                let mut seen = Vec::with_capacity(PHASES.len());
                for _ in PHASES {
                    start.wait().await;
                    seen.push(phase(&manager, &url).await);
                    done.wait().await;
                }
                seen
            })
        })
        .collect();

    // The token of each sign-in generation (generation n = the manager's n-th sign-in).
    let mut generation_of: HashMap<String, u64> = HashMap::new();
    let mut outsider_tokens = Vec::new();
    for (index, &before) in PHASES.iter().enumerate() {
        clock.time.advance(BETWEEN_PHASES);
        match before {
            Nothing => {}
            Supersession => {
                let session = outsider.sign_in(&pat(&mock)).await.expect("outsider");
                outsider_tokens.push(session.token().expose_secret().to_owned());
            }
            ServerIdleExpiry => mock.advance_clock(PAST_IDLE_LIMIT).await,
            IdleExpiry => {
                mock.advance_clock(PAST_IDLE_LIMIT).await;
                clock.time.advance(PAST_IDLE_LIMIT);
            }
        }
        let sign_ins_before = manager.sign_in_count();
        let logged_before = mock.requests().await.len();

        let phase_run = async {
            start.wait().await;
            done.wait().await;
        };
        tokio::time::timeout(PHASE_LIMIT, phase_run)
            .await
            .unwrap_or_else(|_| panic!("phase {index} ({before:?}) hung"));

        // Exactly one sign-in per invalidation (and the first), none otherwise, by the
        // manager's count and by the server's log.
        let expected = u64::from(index == 0 || before != Nothing);
        let sign_ins = manager.sign_in_count() - sign_ins_before;
        assert_eq!(sign_ins, expected, "phase {index} ({before:?}): sign-ins");
        let log = mock.requests().await.split_off(logged_before);
        assert_eq!(
            count(&log, "/auth/signin", Some(200)) as u64,
            expected,
            "phase {index} ({before:?}): sign-ins in the mock's log"
        );
        // Every task's call succeeded exactly once; the manager can only learn of a
        // supersession or a server-side expiry from a refused call, and refreshes before a
        // client-visible expiry without one.
        assert_eq!(
            count(&log, "/sessions/current", Some(200)),
            TASKS,
            "phase {index} ({before:?})"
        );
        let refused = count(&log, "/sessions/current", Some(401));
        match before {
            Supersession | ServerIdleExpiry => assert!(refused >= 1, "phase {index}"),
            Nothing | IdleExpiry => assert_eq!(refused, 0, "phase {index} ({before:?})"),
        }
        let other = log.len() - count(&log, "", Some(200)) - refused;
        assert_eq!(other, 0, "phase {index}: unexpected answers in {log:?}");

        let current = manager.cached_session().expect("a session after the phase");
        let token = current.token().expose_secret().to_owned();
        let generation = manager.sign_in_count();
        let previous = generation_of.insert(token, generation);
        assert!(
            previous.is_none_or(|g| g == generation),
            "phase {index}: the current token belongs to generation {previous:?}"
        );
    }

    // Per task: every call succeeded, every token is one the manager got from a sign-in, and
    // the generations a task sees never go down. Within a phase, `before` is the previous
    // generation (the task asked before anyone noticed a server-side invalidation) or the new
    // one, and `after` is always the new one.
    let mut generation_after = Vec::new();
    let mut generation = 0;
    for (index, &before) in PHASES.iter().enumerate() {
        generation += u64::from(index == 0 || before != Nothing);
        generation_after.push(generation);
    }
    let mut stale_per_phase = vec![0usize; PHASES.len()];
    for (task_index, task) in tasks.into_iter().enumerate() {
        let seen = task.await.expect("task");
        let mut last = 0;
        for (index, phase) in seen.iter().enumerate() {
            let context = format!("task {task_index}, phase {index} ({:?})", PHASES[index]);
            assert_eq!(phase.error, None, "{context}");
            assert_eq!(phase.status, Some(200), "{context}");
            let generation = |token: &Option<String>| -> u64 {
                let token = token
                    .as_ref()
                    .unwrap_or_else(|| panic!("{context}: no token"));
                assert!(
                    !outsider_tokens.contains(token),
                    "{context}: handed another client's token"
                );
                *generation_of
                    .get(token)
                    .unwrap_or_else(|| panic!("{context}: a token of no known sign-in"))
            };
            let (before, after) = (generation(&phase.before), generation(&phase.after));
            let now = generation_after[index];
            // Only an invalidation the manager cannot see coming leaves it holding a dead token.
            let may_be_stale = matches!(PHASES[index], Supersession | ServerIdleExpiry);
            let previous = if may_be_stale {
                generation_after[index - 1]
            } else {
                now
            };
            assert!(
                before == now || before == previous,
                "{context}: handed generation {before}, expected {previous} or {now}"
            );
            assert_eq!(after, now, "{context}: the current session after the call");
            for generation in [before, after] {
                assert!(
                    generation >= last,
                    "{context}: generation {generation} after generation {last}"
                );
                last = generation;
            }
            stale_per_phase[index] += usize::from(before < now);
        }
    }
    // After each server-side invalidation, the dead token was handed out at least once (to the
    // task whose call discovered it): the race the monotonicity check is about did happen.
    for (index, &before) in PHASES.iter().enumerate() {
        if matches!(before, Supersession | ServerIdleExpiry) {
            assert!(
                stale_per_phase[index] >= 1,
                "phase {index}: {stale_per_phase:?}"
            );
        }
    }
    assert_eq!(manager.sign_in_count(), generation);
}
