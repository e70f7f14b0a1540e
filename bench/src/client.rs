//! The session manager's rows, against an in-process mock: cached `token()`, the overhead of
//! `manager.send` over a bare reqwest call, and single flight under 1,000 concurrent callers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tableau_auth::{Client, ExposeSecret, SessionManager};
use tableau_auth_core::{AuthProvider, Credentials, ProviderError, async_trait};
use tableau_mock_server::MockServer;

use crate::report::{Row, Verdict, seconds};

/// Settings of the client rows.
#[derive(Debug, Clone, Copy)]
pub struct ClientBench {
    /// Cached `token()` calls timed together.
    pub token_calls: u32,
    /// Authenticated calls each way.
    pub calls: usize,
    /// Calls per block; the two ways alternate block by block.
    pub block: usize,
    /// Concurrent `token()` callers on a cold manager.
    pub callers: usize,
}

/// The mock's default administrator, signing in with a password.
#[derive(Debug)]
struct Admin;

#[async_trait]
impl AuthProvider for Admin {
    fn name(&self) -> &str {
        "bench-admin"
    }

    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        Ok(Credentials::password("admin", "admin"))
    }
}

fn manager_for(mock: &MockServer) -> Result<SessionManager, String> {
    let client = Client::builder()
        .server_url(&mock.uri())
        .build()
        .map_err(|e| format!("cannot build a client: {e}"))?;
    Ok(SessionManager::new(client, Arc::new(Admin)))
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// All client rows.
pub async fn rows(bench: ClientBench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mock = MockServer::start().await;
    let manager = manager_for(&mock)?;
    manager
        .token()
        .await
        .map_err(|e| format!("the first sign-in failed: {e}"))?;

    // Cached token(): many calls timed together (criterion's `token` bench is the authority).
    for _ in 0..bench.token_calls.min(10_000) {
        let _ = manager.token().await;
    }
    let started = Instant::now();
    for _ in 0..bench.token_calls {
        let token = manager
            .token()
            .await
            .map_err(|e| format!("token() failed: {e}"))?;
        std::hint::black_box(token);
    }
    let per_call = started.elapsed().as_secs_f64() / f64::from(bench.token_calls.max(1));
    rows.push(Row::new(
        format!(
            "cached token(), mean of {} calls (criterion: `token` bench)",
            bench.token_calls
        ),
        seconds(per_call),
        "< 1 µs",
        Verdict::from_bool(per_call < 1e-6),
    ));

    // manager.send vs the same request with the same reqwest client and the token set by hand.
    let http = manager.client().http().clone();
    let url = manager
        .api_url("sessions/current")
        .await
        .map_err(|e| format!("no api url: {e}"))?;
    let token = manager
        .token()
        .await
        .map_err(|e| format!("token() failed: {e}"))?;
    let token = token.expose_secret().to_owned();
    let via_manager = || async {
        let started = Instant::now();
        let response = manager
            .send(http.get(url.clone()))
            .await
            .map_err(|e| format!("manager.send failed: {e}"))?;
        let status = response.status();
        let _ = response
            .bytes()
            .await
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        let elapsed = started.elapsed();
        if status.is_success() {
            Ok(elapsed)
        } else {
            Err(format!("manager.send answered {status}"))
        }
    };
    let bare = || async {
        let started = Instant::now();
        let response = http
            .get(url.clone())
            .header("X-Tableau-Auth", &token)
            .send()
            .await
            .map_err(|e| format!("reqwest failed: {e}"))?;
        let status = response.status();
        let _ = response
            .bytes()
            .await
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        let elapsed = started.elapsed();
        if status.is_success() {
            Ok(elapsed)
        } else {
            Err(format!("bare call answered {status}"))
        }
    };
    // Warm-up: one block each way, not counted.
    for _ in 0..bench.block {
        via_manager().await?;
        bare().await?;
    }
    let mut managed = Vec::with_capacity(bench.calls);
    let mut plain = Vec::with_capacity(bench.calls);
    let block = bench.block.max(1);
    let blocks = bench.calls.div_ceil(block);
    for index in 0..blocks {
        // Alternate which way goes first, so neither always follows the other.
        for way in 0..2 {
            let manager_turn = (index + way) % 2 == 0;
            for _ in 0..block {
                if manager_turn {
                    managed.push(via_manager().await?);
                } else {
                    plain.push(bare().await?);
                }
            }
        }
    }
    let managed_median = median(&mut managed);
    let plain_median = median(&mut plain);
    let ratio = managed_median.as_secs_f64() / plain_median.as_secs_f64();
    rows.push(Row::info(
        format!(
            "authenticated GET, bare reqwest (median of {}, blocks of {block})",
            plain.len()
        ),
        seconds(plain_median.as_secs_f64()),
    ));
    rows.push(Row::info(
        format!(
            "authenticated GET via manager.send (median of {})",
            managed.len()
        ),
        seconds(managed_median.as_secs_f64()),
    ));
    rows.push(Row::new(
        "manager.send / bare reqwest, per call",
        format!("{ratio:.3}×"),
        "≤ 1.05×",
        Verdict::from_bool(ratio <= 1.05),
    ));
    drop(manager);
    drop(mock);

    // Single flight: a fresh mock and a cold manager, `callers` tasks released together.
    let mock = MockServer::start().await;
    let manager = manager_for(&mock)?;
    let barrier = Arc::new(tokio::sync::Barrier::new(bench.callers));
    let mut tasks = Vec::with_capacity(bench.callers);
    for _ in 0..bench.callers {
        let manager = manager.clone();
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            manager.token().await.map(|_| ())
        }));
    }
    let mut failures = 0;
    for task in tasks {
        if !matches!(task.await, Ok(Ok(()))) {
            failures += 1;
        }
    }
    let requests = mock
        .requests()
        .await
        .iter()
        .filter(|r| r.path.ends_with("/auth/signin"))
        .count();
    rows.push(Row::new(
        format!(
            "single flight: {} concurrent token() on a cold manager → sign-in requests",
            bench.callers
        ),
        format!(
            "{requests} (manager counted {}; {failures} callers failed)",
            manager.sign_in_count()
        ),
        "= 1",
        Verdict::from_bool(requests == 1 && failures == 0),
    ));
    Ok(rows)
}
