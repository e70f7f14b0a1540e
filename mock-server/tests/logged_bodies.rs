//! The request log's bodies: a sign-in body is logged from the handler's own parse. Its own
//! binary: the tracing capture of tests/secrets.rs must not share a process with other
//! sign-ins (tracing caches each call site's interest on first use).

mod common;

use common::*;

/// A sign-in body is logged from the handler's own parse (not parsed a second time by the
/// log): the same redacted text the log's own redaction gives, in XML; JSON bodies and refused
/// ones still go through the log's redaction.
#[tokio::test]
async fn logged_sign_in_bodies_are_redacted_whoever_parses_them() {
    let state = state();
    let app = app(&state);
    let pat = pat_xml("admin-pat", PAT_SECRET, "");
    sign_in_admin(&app).await;
    let wrong = pat_xml("admin-pat", "wrong-secret-abc", "");
    call(&app, "POST", "/api/3.27/auth/signin", XML, wrong.clone()).await;
    call(
        &app,
        "POST",
        "/api/3.27/auth/signin",
        JSON,
        pat_json("admin-pat", PAT_SECRET, ""),
    )
    .await;
    let log = call(&app, "GET", "/_mock/requests", &[], "").await.json();
    let bodies: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["body"].as_str().unwrap().to_owned())
        .collect();
    let redacted = |xml: &str, secret: &str| xml.replace(secret, "[redacted]");
    assert_eq!(
        bodies[0],
        redacted(&pat, PAT_SECRET),
        "from the handler's parse"
    );
    assert_eq!(
        bodies[1],
        redacted(&wrong, "wrong-secret-abc"),
        "refused: the log's own"
    );
    assert!(
        bodies[2].contains(r#""personalAccessTokenSecret":"[redacted]""#),
        "{}",
        bodies[2]
    );
    for body in &bodies {
        assert!(
            !body.contains(PAT_SECRET) && !body.contains("wrong-secret-abc"),
            "{body}"
        );
    }
}
