//! Micro-benchmark of the session manager's cached `token()`: a warm manager (already signed
//! in against an in-process mock server) answering from its cached session.
//!
//! Run with `cargo bench -p tableau-auth --bench token`. Target: under 1 µs.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::Criterion;
use tableau_auth::{AuthProvider, Client, Credentials, ProviderError, SessionManager, async_trait};

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

fn cached_token(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mock = runtime.block_on(tableau_mock_server::MockServer::start());
    let client = Client::builder()
        .server_url(&mock.uri())
        .build()
        .expect("a client for the mock");
    let manager = SessionManager::new(client, Arc::new(Admin));
    runtime
        .block_on(manager.token())
        .expect("the first sign-in succeeds");
    assert_eq!(manager.sign_in_count(), 1);

    c.bench_function("session_manager/cached_token", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(manager.token().await.expect("cached token")) });
    });
    assert_eq!(
        manager.sign_in_count(),
        1,
        "the benchmark must measure the cache, not sign-ins"
    );
    drop(mock);
}

// Written out rather than `criterion_group!`, whose generated `pub fn` has no docs.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    cached_token(&mut criterion);
    criterion.final_summary();
}
