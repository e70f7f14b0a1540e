//! The mock's own conformance: invalid requests get the right Tableau error, with a
//! well-formed body in XML and in JSON. These probe invalid input, so they run only against a
//! mock server.

use crate::context::CheckContext;
use crate::outcome::{CheckResult, Context, ensure};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "mock.unknown-path",
            "mock",
            provider = "mock",
            MockControl,
            "an unknown path gets 404003",
            unknown_path
        ),
        check!(
            "mock.version-too-new",
            "mock",
            provider = "mock",
            MockControl,
            "a version above the server's gets 404003",
            version_too_new
        ),
        check!(
            "mock.version-malformed",
            "mock",
            provider = "mock",
            MockControl,
            "a version that is not digits.digits gets 404003",
            version_malformed
        ),
        check!(
            "mock.wrong-method",
            "mock",
            provider = "mock",
            MockControl,
            "GET on auth/signin gets 405000",
            wrong_method
        ),
        check!(
            "mock.missing-auth",
            "mock",
            provider = "mock",
            MockControl,
            "sessions/current without X-Tableau-Auth gets 401000",
            missing_auth
        ),
        check!(
            "mock.malformed-body",
            "mock",
            provider = "mock",
            MockControl,
            "an unclosed XML body gets 400000",
            malformed_body
        ),
        check!(
            "mock.doctype",
            "mock",
            provider = "mock",
            MockControl,
            "a body with a DOCTYPE (entity expansion) gets 400000",
            doctype
        ),
        check!(
            "mock.two-families",
            "mock",
            provider = "mock",
            MockControl,
            "a body with two credential families gets 400000",
            two_families
        ),
        check!(
            "mock.pre-release-fields",
            "mock",
            provider = "mock",
            MockControl,
            "the never-shipped clientId/personalAccessToken fields get 400000",
            pre_release
        ),
        check!(
            "mock.content-type",
            "mock",
            provider = "mock",
            MockControl,
            "a media type other than XML or JSON gets 400000",
            content_type
        ),
        check!(
            "mock.oversize",
            "mock",
            provider = "mock",
            MockControl,
            "a body over 64 KiB gets 413000",
            oversize
        ),
    ]
}

struct Probe {
    method: reqwest::Method,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Option<String>,
    status: u16,
    code: &'static str,
}

impl Probe {
    fn new(method: reqwest::Method, path: &'static str, status: u16, code: &'static str) -> Self {
        Probe {
            method,
            path,
            content_type: None,
            body: None,
            status,
            code,
        }
    }

    fn body(mut self, content_type: &'static str, body: impl Into<String>) -> Self {
        self.content_type = Some(content_type);
        self.body = Some(body.into());
        self
    }
}

/// Sends the probe asking for XML, then for JSON, and checks status, code and body shape.
async fn run(cx: &CheckContext, probe: Probe) -> CheckResult {
    let target = cx.target().await?;
    let http = reqwest::Client::new();
    for json in [false, true] {
        let mut request = http.request(
            probe.method.clone(),
            format!("{}{}", target.url(), probe.path),
        );
        if json {
            request = request.header("Accept", "application/json");
        }
        if let Some(content_type) = probe.content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(body) = &probe.body {
            request = request.body(body.clone());
        }
        let response = request.send().await.context("request")?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.context("body")?;
        let format = if json { "JSON" } else { "XML" };
        ensure(status == probe.status, || {
            format!("{format}: status {status}, expected {}", probe.status)
        })?;
        let code = if json {
            ensure(content_type.starts_with("application/json"), || {
                format!("JSON answer typed `{content_type}`")
            })?;
            let value: serde_json::Value =
                serde_json::from_str(&text).context("JSON error body")?;
            let error = value
                .get("error")
                .context("JSON error body has no `error`")?;
            ensure(error.get("summary").is_some_and(|s| s.is_string()), || {
                "no summary string".into()
            })?;
            ensure(error.get("detail").is_some_and(|s| s.is_string()), || {
                "no detail string".into()
            })?;
            error
                .get("code")
                .and_then(|c| c.as_str())
                .context("the JSON code is not a string")?
                .to_owned()
        } else {
            ensure(content_type.contains("xml"), || {
                format!("XML answer typed `{content_type}`")
            })?;
            let doc = roxmltree::Document::parse(&text).context("XML error body")?;
            let root = doc.root_element();
            ensure(root.tag_name().name() == "tsResponse", || {
                "root is not tsResponse".into()
            })?;
            ensure(
                root.tag_name().namespace() == Some("http://tableau.com/api"),
                || "wrong namespace".into(),
            )?;
            let error = root
                .children()
                .find(|n| n.has_tag_name(("http://tableau.com/api", "error")))
                .context("no error element")?;
            for part in ["summary", "detail"] {
                ensure(
                    error
                        .children()
                        .any(|n| n.has_tag_name(("http://tableau.com/api", part))),
                    || format!("no {part}"),
                )?;
            }
            error
                .attribute("code")
                .context("no code attribute")?
                .to_owned()
        };
        ensure(code == probe.code, || {
            format!("{format}: code {code}, expected {}", probe.code)
        })?;
    }
    Ok(format!("{} {} in XML and JSON", probe.status, probe.code))
}

const SIGNIN: &str = "/api/3.27/auth/signin";

async fn unknown_path(cx: &CheckContext) -> CheckResult {
    run(
        cx,
        Probe::new(
            reqwest::Method::GET,
            "/api/3.27/no/such/resource",
            404,
            "404003",
        ),
    )
    .await
}
async fn version_too_new(cx: &CheckContext) -> CheckResult {
    run(
        cx,
        Probe::new(reqwest::Method::GET, "/api/99.0/serverinfo", 404, "404003"),
    )
    .await
}
async fn version_malformed(cx: &CheckContext) -> CheckResult {
    run(
        cx,
        Probe::new(reqwest::Method::GET, "/api/3.x/serverinfo", 404, "404003"),
    )
    .await
}
async fn wrong_method(cx: &CheckContext) -> CheckResult {
    run(cx, Probe::new(reqwest::Method::GET, SIGNIN, 405, "405000")).await
}
async fn missing_auth(cx: &CheckContext) -> CheckResult {
    run(
        cx,
        Probe::new(
            reqwest::Method::GET,
            "/api/3.27/sessions/current",
            401,
            "401000",
        ),
    )
    .await
}
async fn malformed_body(cx: &CheckContext) -> CheckResult {
    let body = r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/>"#;
    run(
        cx,
        Probe::new(reqwest::Method::POST, SIGNIN, 400, "400000").body("application/xml", body),
    )
    .await
}
async fn doctype(cx: &CheckContext) -> CheckResult {
    let body = r#"<?xml version="1.0"?><!DOCTYPE tsRequest [<!ENTITY a "admin">]><tsRequest><credentials name="&a;" password="&a;"><site contentUrl=""/></credentials></tsRequest>"#;
    run(
        cx,
        Probe::new(reqwest::Method::POST, SIGNIN, 400, "400000").body("application/xml", body),
    )
    .await
}
async fn two_families(cx: &CheckContext) -> CheckResult {
    let body = r#"<tsRequest><credentials name="admin" password="admin" personalAccessTokenName="a" personalAccessTokenSecret="b"><site contentUrl=""/></credentials></tsRequest>"#;
    run(
        cx,
        Probe::new(reqwest::Method::POST, SIGNIN, 400, "400000").body("application/xml", body),
    )
    .await
}
async fn pre_release(cx: &CheckContext) -> CheckResult {
    let body = r#"{"credentials":{"clientId":"admin-pat","personalAccessToken":"x","site":{"contentUrl":""}}}"#;
    run(
        cx,
        Probe::new(reqwest::Method::POST, SIGNIN, 400, "400000").body("application/json", body),
    )
    .await
}
async fn content_type(cx: &CheckContext) -> CheckResult {
    let body = r#"<tsRequest><credentials name="admin" password="admin"><site contentUrl=""/></credentials></tsRequest>"#;
    run(
        cx,
        Probe::new(reqwest::Method::POST, SIGNIN, 400, "400000").body("text/plain", body),
    )
    .await
}
async fn oversize(cx: &CheckContext) -> CheckResult {
    let padding = "x".repeat(70 * 1024);
    let body = format!(
        r#"<tsRequest><credentials name="admin" password="{padding}"><site contentUrl=""/></credentials></tsRequest>"#
    );
    run(
        cx,
        Probe::new(reqwest::Method::POST, SIGNIN, 413, "413000").body("application/xml", body),
    )
    .await
}
