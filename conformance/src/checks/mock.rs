//! The mock's own conformance: invalid requests get the right Tableau error, with a
//! well-formed body in XML and in JSON (whose XML envelope carries the schema, as a success
//! answer's does), and the corrections of docs/protocol.md's evidence log behave as a real
//! server does. These probe invalid input or need fixtures, so they run only against a mock
//! server.

use std::sync::Arc;

use tableau_auth::{ConnectedAppProvider, ExposeSecret, PasswordProvider, Session};
use tableau_auth_core::AuthProvider;

use super::providers::{pat_provider, user_fixture};
use super::support::{app_on_site, code_of, expect_code};
use crate::context::{CheckContext, Target};
use crate::outcome::{CheckResult, Failure, ResultExt, ensure, fail};
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
            "a version above the server's gets 404001 \"Version 'X' is not a valid version of the API.\"",
            version_too_new
        ),
        check!(
            "mock.version-malformed",
            "mock",
            provider = "mock",
            MockControl,
            "a version that is not digits.digits gets 404001",
            version_malformed
        ),
        check!(
            "mock.wrong-method",
            "mock",
            provider = "mock",
            MockControl,
            "GET on auth/signin gets 405000 \"Method Not Allowed\"",
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
            "a multipart/form-data sign-in gets 406000 \"Bad Request\", \"Content type '…' not supported\"",
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
        check!(
            "mock.error-schema",
            "mock",
            provider = "mock",
            MockControl,
            "an XML error body carries xmlns:xsi and xsi:schemaLocation exactly as a success body does",
            error_schema
        ),
        check!(
            "mock.media-types",
            "mock",
            provider = "mock",
            MockControl,
            "an XML sign-in sent as form-urlencoded, text/plain or with no Content-Type signs in",
            media_types
        ),
        check!(
            "mock.repeated-slashes",
            "mock",
            provider = "mock",
            MockControl,
            "repeated slashes count as one: //api/3.27//auth/signin signs in",
            repeated_slashes
        ),
        check!(
            "mock.no-session-id",
            "mock",
            provider = "mock",
            MockControl,
            "sessions/current carries a site and a user and no session id, in XML and JSON",
            no_session_id
        ),
        check!(
            "mock.sessions-list",
            "mock",
            provider = "mock",
            MockControl,
            "GET /_mock/sessions lists the live session with its id and credential, never its token",
            sessions_list
        ),
        check!(
            "mock.delete-session-by-id",
            "mock",
            provider = "mock",
            applies = Server,
            MockControl,
            "DELETE sessions/{id} with an id from /_mock/sessions ends that session (401002)",
            delete_session_by_id
        ),
        check!(
            "mock.other-site",
            "mock",
            provider = "mock",
            MockControl,
            "a /sites/{luid}/ path of another site than the session's gets 403010 with the real wording",
            other_site
        ),
        check!(
            "mock.query-user-forbidden",
            "mock",
            provider = "mock",
            MockControl,
            "a user who is not an administrator looking up another user gets 403133",
            query_user_forbidden
        ),
        check!(
            "mock.jwt-scopes",
            "mock",
            provider = "connected-app",
            MockControl,
            "a JWT session without tableau:users:read gets 401002 on the user look-up; tableau:users:* allows it",
            jwt_scopes
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
    summary: Option<&'static str>,
    detail: Option<String>,
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
            summary: None,
            detail: None,
        }
    }

    fn summary(mut self, summary: &'static str) -> Self {
        self.summary = Some(summary);
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn body(mut self, content_type: &'static str, body: impl Into<String>) -> Self {
        self.content_type = Some(content_type);
        self.body = Some(body.into());
        self
    }
}

/// The `tsResponse` envelope of every XML answer (docs/protocol.md section 2).
const SCHEMA_LOCATION_PREFIX: &str =
    "http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Sends the probe asking for XML, then for JSON, and checks status, code, summary, detail and
/// body shape (in XML with the schema attributes).
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
            check_texts(
                &probe,
                format,
                error.get("summary").and_then(|s| s.as_str()),
                error.get("detail").and_then(|s| s.as_str()),
            )?;
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
            ensure(
                root.attribute((XSI, "schemaLocation"))
                    .is_some_and(|location| location.starts_with(SCHEMA_LOCATION_PREFIX)),
                || "the error's tsResponse has no xsi:schemaLocation".into(),
            )?;
            let error = root
                .children()
                .find(|n| n.has_tag_name(("http://tableau.com/api", "error")))
                .context("no error element")?;
            let text = |part: &str| {
                error
                    .children()
                    .find(|n| n.has_tag_name(("http://tableau.com/api", part)))
                    .map(|n| n.text().unwrap_or_default())
            };
            for part in ["summary", "detail"] {
                ensure(text(part).is_some(), || format!("no {part}"))?;
            }
            check_texts(&probe, format, text("summary"), text("detail"))?;
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

/// The probe's expected summary and detail, when it has them.
fn check_texts(
    probe: &Probe,
    format: &str,
    summary: Option<&str>,
    detail: Option<&str>,
) -> Result<(), Failure> {
    if let Some(expected) = probe.summary {
        ensure(summary == Some(expected), || {
            format!("{format}: summary {summary:?}, expected {expected:?}")
        })?;
    }
    if let Some(expected) = &probe.detail {
        ensure(detail == Some(expected.as_str()), || {
            format!("{format}: detail {detail:?}, expected {expected:?}")
        })?;
    }
    Ok(())
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
        Probe::new(reqwest::Method::GET, "/api/99.0/serverinfo", 404, "404001")
            .summary("Resource Not Found")
            .detail("Version '99.0' is not a valid version of the API."),
    )
    .await
}
async fn version_malformed(cx: &CheckContext) -> CheckResult {
    run(
        cx,
        Probe::new(reqwest::Method::GET, "/api/3.x/serverinfo", 404, "404001")
            .detail("Version '3.x' is not a valid version of the API."),
    )
    .await
}
async fn wrong_method(cx: &CheckContext) -> CheckResult {
    run(
        cx,
        Probe::new(reqwest::Method::GET, SIGNIN, 405, "405000")
            .summary("Method Not Allowed")
            .detail("The HTTP method 'GET' is not supported for the given resource"),
    )
    .await
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
    let media_type = "multipart/form-data; boundary=conformance";
    run(
        cx,
        Probe::new(reqwest::Method::POST, SIGNIN, 406, "406000")
            .body(media_type, body)
            .summary("Bad Request")
            .detail(format!("Content type '{media_type}' not supported")),
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

/// The `tsResponse` start tag of an answer.
fn envelope(body: &str) -> Option<&str> {
    let start = body.find("<tsResponse")?;
    let end = body[start..].find('>')? + start;
    Some(&body[start..=end])
}

async fn error_schema(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let http = reqwest::Client::new();
    let info = http
        .get(format!("{}/api/3.27/serverinfo", target.url()))
        .send()
        .await
        .context("serverinfo")?
        .text()
        .await
        .context("serverinfo body")?;
    let error = http
        .get(format!("{}/api/3.27/sessions/current", target.url()))
        .send()
        .await
        .context("sessions/current")?
        .text()
        .await
        .context("error body")?;
    let (success, refusal) = (envelope(&info), envelope(&error));
    ensure(success.is_some() && success == refusal, || {
        format!("error envelope {refusal:?} differs from the success envelope {success:?}")
    })?;
    ensure(
        success
            .is_some_and(|tag| tag.contains("xmlns:xsi=") && tag.contains("xsi:schemaLocation=")),
        || format!("no schema attributes in {success:?}"),
    )?;
    Ok("401000's tsResponse is the same element as serverinfo's, with xmlns:xsi and xsi:schemaLocation".into())
}

/// A PAT sign-in body (XML) for `provider`'s credentials.
async fn pat_body(provider: &dyn AuthProvider) -> Result<String, Failure> {
    let credentials = provider.credentials().await.context("provider")?;
    let body = tableau_auth_core::SignInRequest::new(&credentials)
        .render(tableau_auth_core::WireFormat::Xml)
        .context("rendering")?;
    Ok(body.expose_secret().to_owned())
}

async fn media_types(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let http = reqwest::Client::new();
    for content_type in [
        None,
        Some("application/x-www-form-urlencoded"),
        Some("text/plain; charset=utf-8"),
    ] {
        // A fresh PAT each time: a PAT signs in one session at a time anyway.
        let (_, _, provider) = pat_provider(&target, None).await?;
        let mut request = http
            .post(format!("{}{SIGNIN}", target.url()))
            .body(pat_body(&provider).await?);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let status = request.send().await.context("sign-in")?.status();
        ensure(status == 200, || {
            format!("a sign-in sent as {content_type:?} answered {status}")
        })?;
    }
    Ok("no Content-Type, form-urlencoded and text/plain are read as XML".into())
}

async fn repeated_slashes(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, _, provider) = pat_provider(&target, None).await?;
    let answer = reqwest::Client::new()
        .post(format!("{}//api/3.27//auth/signin", target.url()))
        .header("Content-Type", "application/xml")
        .body(pat_body(&provider).await?)
        .send()
        .await
        .context("sign-in")?;
    let status = answer.status();
    ensure(status == 200, || {
        format!("//api/3.27//auth/signin answered {status}")
    })?;
    Ok("//api/3.27//auth/signin signed in".into())
}

/// A PAT session of a fresh user of the target's site with `role`.
async fn pat_session(target: &Target, role: &str) -> Result<(Session, String), Failure> {
    let user = user_fixture(target, "unused", role).await?;
    let token = target
        .control()?
        .create_pat(target.site(), &user.name, &target.unique("conformance-pat"))
        .await
        .context("mock control API")?;
    let provider = tableau_auth::PersonalAccessTokenProvider::new(token.name, token.secret)
        .context("provider")?
        .site(target.site());
    let session = target
        .client()?
        .sign_in(&provider)
        .await
        .context("sign-in")?;
    Ok((session, user.id))
}

/// An authenticated raw request with `session`'s token.
async fn raw(
    session: &Session,
    method: reqwest::Method,
    path: &str,
    accept_json: bool,
) -> Result<(u16, String), Failure> {
    let mut request = reqwest::Client::new()
        .request(method, session.api_url(path).context("URL")?)
        .header("X-Tableau-Auth", session.token().expose_secret());
    if accept_json {
        request = request.header("Accept", "application/json");
    }
    let response = request.send().await.context("request")?;
    let status = response.status().as_u16();
    Ok((status, response.text().await.context("body")?))
}

async fn no_session_id(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (session, _) = pat_session(&target, "Creator").await?;
    let (status, xml) = raw(&session, reqwest::Method::GET, "sessions/current", false).await?;
    ensure(status == 200, || format!("XML: {status}"))?;
    let doc = roxmltree::Document::parse(&xml).context("XML answer")?;
    let element = doc
        .descendants()
        .find(|n| n.has_tag_name("session"))
        .context("no session element")?;
    ensure(element.attributes().len() == 0, || {
        format!("<session> has attributes: {xml}")
    })?;
    let (status, json) = raw(&session, reqwest::Method::GET, "sessions/current", true).await?;
    ensure(status == 200, || format!("JSON: {status}"))?;
    let value: serde_json::Value = serde_json::from_str(&json).context("JSON answer")?;
    let keys: Vec<&String> = value["session"]
        .as_object()
        .context("no session object")?
        .keys()
        .collect();
    ensure(keys == ["site", "user"], || {
        format!("the session object has {keys:?}")
    })?;
    Ok("<session> has no id attribute; JSON session has only site and user".into())
}

async fn sessions_list(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (session, user_id) = pat_session(&target, "Creator").await?;
    let listed = target
        .control()?
        .sessions()
        .await
        .context("mock control API")?;
    ensure(listed.len() == 1, || {
        format!("{} sessions listed", listed.len())
    })?;
    let entry = &listed[0];
    ensure(
        entry.site == target.site() && entry.credential == "pat",
        || format!("listed {entry:?}"),
    )?;
    let text = serde_json::to_string(&listed).context("JSON")?;
    ensure(!text.contains(session.token().expose_secret()), || {
        "the token is listed".into()
    })?;
    ensure(!text.contains(&user_id), || {
        "user LUIDs are not listed".into()
    })?;
    Ok(format!(
        "one pat session on {:?}, id {}",
        entry.site, entry.id
    ))
}

async fn delete_session_by_id(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let admin = user_fixture(&target, "admin-pw", "ServerAdministrator").await?;
    let client = target.client()?;
    let admin = client
        .sign_in(&PasswordProvider::new(admin.name, admin.password).context("provider")?)
        .await
        .context("administrator's sign-in")?;
    let (victim, _) = pat_session(&target, "Viewer").await?;
    let id = target
        .control()?
        .sessions()
        .await
        .context("mock control API")?
        .into_iter()
        .find(|s| s.credential == "pat")
        .context("the PAT session is not listed")?
        .id;
    let (status, body) = raw(
        &admin,
        reqwest::Method::DELETE,
        &format!("sessions/{id}"),
        false,
    )
    .await?;
    ensure(status == 204, || {
        format!("DELETE answered {status}: {body}")
    })?;
    expect_code(
        client.get_user(&victim, victim.user_id()).await,
        401_002,
        "the deleted session",
    )?;
    Ok("204, then the session's token gets 401002".into())
}

async fn other_site(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let other = target
        .control()?
        .create_site(&target.unique("conformance-other"), "Other")
        .await
        .context("mock control API")?;
    let (session, user_id) = pat_session(&target, "SiteAdministratorCreator").await?;
    let (status, body) = raw(
        &session,
        reqwest::Method::GET,
        &format!("sites/{}/users/{user_id}", other.id),
        true,
    )
    .await?;
    ensure(status == 403, || format!("{status}: {body}"))?;
    let value: serde_json::Value = serde_json::from_str(&body).context("JSON error")?;
    ensure(value["error"]["code"] == "403010", || body.clone())?;
    let detail = value["error"]["detail"].as_str().unwrap_or_default();
    let expected_end = format!(
        "is authenticated for site '{}' and may not access or modify resources on site '{}'.",
        session.site_id(),
        other.id
    );
    ensure(detail.ends_with(&expected_end), || {
        format!("detail {detail:?}")
    })?;
    Ok("403010 naming both sites".into())
}

async fn query_user_forbidden(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (viewer, viewer_id) = pat_session(&target, "Viewer").await?;
    let other = user_fixture(&target, "unused", "Creator").await?;
    let client = target.client()?;
    let me = client
        .get_user(&viewer, &viewer_id)
        .await
        .context("a Viewer looking up themself")?;
    ensure(me.id == viewer_id, || "another user answered".into())?;
    expect_code(
        client.get_user(&viewer, &other.id).await,
        403_133,
        "a Viewer looking up another user",
    )?;
    Ok("themself: 200; another user: 403133".into())
}

async fn jwt_scopes(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "unused", "Creator").await?;
    let client_id = target.unique("scope-app");
    let secret_id = target.unique("scope-secret");
    target
        .control()?
        .create_connected_app(app_on_site(
            &target,
            &client_id,
            &secret_id,
            "scope-secret-value",
        ))
        .await
        .context("mock control API")?;
    let clock = target.mock_clock().await?;
    let client = target.client()?;
    let mut verdicts = Vec::new();
    for (scopes, allowed) in [
        (&["tableau:content:read"][..], false),
        (&["tableau:users:read"][..], true),
        (&["tableau:users:*"][..], true),
    ] {
        let provider = ConnectedAppProvider::new(
            client_id.clone(),
            secret_id.clone(),
            "scope-secret-value",
            user.name.clone(),
        )
        .context("provider")?
        .scopes(scopes.iter().copied())
        .context("scopes")?
        .site(target.site())
        .time_source(Arc::clone(&clock) as Arc<dyn tableau_auth_core::TimeSource>);
        let session = client.sign_in(&provider).await.context("JWT sign-in")?;
        let result = client.get_user(&session, session.user_id()).await;
        match (allowed, result) {
            (true, Ok(_)) => {}
            (false, Err(err)) if code_of(&err) == Some(401_002) => {}
            (_, Ok(_)) => return fail(format!("{scopes:?}: the look-up was allowed")),
            (_, Err(err)) => return fail(format!("{scopes:?}: {err}")),
        }
        client
            .current_session(&session)
            .await
            .context("sessions/current needs no scope")?;
        verdicts.push(format!(
            "{}: {}",
            scopes[0],
            if allowed { "200" } else { "401002" }
        ));
    }
    Ok(verdicts.join(", "))
}
