//! Secrets never reach the `tracing` output: capture it at TRACE level during sign-ins of every
//! family (successful and refused), switch site, sign-out and control calls, then search it.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn tracing_output_holds_no_secret() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = state();
    let app = app(&state);
    let tokens = rt.block_on(async {
        let mut tokens = vec![sign_in_admin(&app).await];
        tokens.push(sign_in_password(&app, "viewer", "viewer-pw", "").await);
        call(&app, "POST", "/api/3.27/auth/signin", XML, password_xml("admin", "wrong-password-xyz", "")).await;
        call(&app, "POST", "/api/3.27/auth/signin", XML, pat_xml("admin-pat", "wrong-pat-secret-xyz", "")).await;
        call(&app, "POST", "/api/3.27/auth/signin", XML, r#"<tsRequest><credentials jwt="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXh5eg" isUat="false"><site contentUrl=""/></credentials></tsRequest>"#).await;
        let switched = call(
            &app,
            "POST",
            "/api/3.27/auth/switchSite",
            &[("x-tableau-auth", tokens[0].as_str()), ("content-type", "application/xml")],
            r#"<tsRequest><site contentUrl="analytics"/></tsRequest>"#,
        )
        .await;
        tokens.push(switched.token());
        call(&app, "POST", "/api/3.27/auth/signout", &[("x-tableau-auth", tokens[1].as_str())], "").await;
        call(&app, "POST", "/_mock/tokens", &[], r#"{"site":"","user":"viewer","name":"n"}"#).await;
        tokens
    });
    let output = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(output.contains("signed in"), "the capture works: {output}");
    assert!(output.contains("sign-in refused"), "{output}");
    for secret in [
        PAT_SECRET,
        "viewer-pw",
        "wrong-password-xyz",
        "wrong-pat-secret-xyz",
        "c2lnbmF0dXJlLXh5eg",
        "eyJzdWIiOiJ4In0",
    ]
    .into_iter()
    .chain(tokens.iter().map(String::as_str))
    {
        assert!(
            !output.contains(secret),
            "{secret} leaked into tracing output"
        );
    }
}
