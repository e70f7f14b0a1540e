//! Transport faults injected by the mock: the client retries what is safe to retry and
//! recovers within its deadline.

use tableau_mock_server::Fault;

use super::providers::any_provider;
use crate::context::CheckContext;
use crate::outcome::{CheckResult, Failure, ResultExt, ensure};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "transport.503-then-success",
            "transport",
            provider = "transport",
            MockControl,
            "a 503 on sign-in is retried and the sign-in succeeds",
            unavailable_then_success
        ),
        check!(
            "transport.429-retry-after",
            "transport",
            provider = "transport",
            MockControl,
            "a 429 with Retry-After: 1 is honoured and the call succeeds",
            too_many_requests
        ),
        check!(
            "transport.dropped-connection",
            "transport",
            provider = "transport",
            MockControl,
            "a dropped connection on serverinfo is retried and succeeds",
            dropped_connection
        ),
    ]
}

/// Injects `fault`, signs in as a user made for this check (so a shared mock's configured
/// PAT is never involved: a password on Tableau Server, a PAT of its own on Tableau Cloud),
/// and returns how many times the faulted path was hit.
async fn sign_in_through(
    cx: &CheckContext,
    fault: Fault,
    path_suffix: &str,
) -> Result<usize, Failure> {
    let target = cx.target().await?;
    let control = target.control()?;
    let provider = any_provider(&target, "transport-pw", "Viewer").await?;
    control
        .inject_fault(fault)
        .await
        .context("mock control API")?;
    // Negotiating, so sign-in asks serverinfo even in a pinned run (the dropped-connection
    // fault is on serverinfo).
    let client = target.negotiating_client()?;
    let session = client
        .sign_in(provider.as_ref())
        .await
        .context("sign-in through the fault")?;
    client.sign_out(&session).await.context("sign-out")?;
    let hits = control
        .requests()
        .await
        .context("mock control API")?
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with(path_suffix))
        .count();
    Ok(hits)
}

async fn unavailable_then_success(cx: &CheckContext) -> CheckResult {
    let fault = Fault::new("/auth/signin")
        .method("POST")
        .status(503)
        .content_type("text/html")
        .body("<html><body>503 Service Unavailable</body></html>")
        .times(1);
    let hits = sign_in_through(cx, fault, "/auth/signin").await?;
    ensure(hits == 2, || {
        format!("expected 2 sign-in attempts (503, then success), saw {hits}")
    })?;
    Ok("503, then a successful retry".into())
}

async fn too_many_requests(cx: &CheckContext) -> CheckResult {
    let fault = Fault::new("/auth/signin")
        .method("POST")
        .status(429)
        .retry_after("1")
        .times(1);
    let hits = sign_in_through(cx, fault, "/auth/signin").await?;
    ensure(hits == 2, || {
        format!("expected 2 sign-in attempts (429, then success), saw {hits}")
    })?;
    Ok("429 with Retry-After: 1, then a successful retry".into())
}

async fn dropped_connection(cx: &CheckContext) -> CheckResult {
    let fault = Fault::new("/serverinfo")
        .method("GET")
        .drop_connection()
        .times(1);
    let hits = sign_in_through(cx, fault, "/serverinfo").await?;
    ensure(hits == 2, || {
        format!("expected 2 serverinfo attempts (dropped, then success), saw {hits}")
    })?;
    Ok("dropped connection, then a successful retry".into())
}
