//! Tableau Cloud (docs/protocol.md section 14): what it refuses, its idle limit and PAT
//! lifetime, and its front door. These run only against a Cloud target (the embedded Cloud
//! mock, or `--server` with `--flavor cloud`), and need the mock's control API.

use std::time::Duration;

use tableau_auth::{Client, ExposeSecret, PasswordProvider, Session};

use super::providers::{pat_provider, user_fixture};
use super::support::expect_code;
use crate::context::{CheckContext, Target};
use crate::outcome::{CheckResult, Failure, ResultExt, ensure, fail};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "cloud.password-refused",
            "cloud",
            provider = "password",
            applies = Cloud,
            MockControl,
            "a password sign-in with the right password gets 401001 (Tableau Cloud allows PATs and JWTs only)",
            password_refused
        ),
        check!(
            "cloud.default-site-refused",
            "cloud",
            provider = "pat",
            applies = Cloud,
            MockControl,
            "a sign-in to the Default site (contentUrl \"\") gets 401001: Tableau Cloud has none",
            default_site_refused
        ),
        check!(
            "cloud.impersonation-refused",
            "cloud",
            provider = "pat",
            applies = Cloud,
            MockControl,
            "a sign-in that impersonates gets 403004",
            impersonation_refused
        ),
        check!(
            "cloud.switch-site-refused",
            "cloud",
            provider = "session",
            applies = Cloud,
            MockControl,
            "switch site gets 405000 and the session stays usable",
            switch_site_refused
        ),
        check!(
            "cloud.admin-calls-refused",
            "cloud",
            provider = "mock",
            applies = Cloud,
            MockControl,
            "DELETE sessions/{id} and both revoke-admin-token calls get 405000",
            admin_calls_refused
        ),
        check!(
            "cloud.sites-query-refused",
            "cloud",
            provider = "mock",
            applies = Cloud,
            MockControl,
            "GET sites gets 403069, which the Migration SDK tells Cloud by",
            sites_query_refused
        ),
        check!(
            "cloud.idle-limit",
            "cloud",
            provider = "session",
            applies = Cloud,
            MockControl,
            "a session is alive after 119 idle minutes and dead (401002) after 121",
            idle_limit
        ),
        check!(
            "cloud.pat-lifetime",
            "cloud",
            provider = "pat",
            applies = Cloud,
            MockControl,
            "a new PAT lives 180 days (the site setting's default); a site's setting shortens it",
            pat_lifetime
        ),
        check!(
            "cloud.front-door.client",
            "cloud",
            provider = "transport",
            applies = Cloud,
            FrontDoor,
            "through the front door's 301 our client re-POSTs its sign-in to the pod and the session works",
            front_door_client
        ),
        check!(
            "cloud.front-door.get-follower",
            "cloud",
            provider = "transport",
            applies = Cloud,
            FrontDoor,
            "a client that follows the front door's 301 as a GET gets 405000 from the pod",
            front_door_get_follower
        ),
    ]
}

/// A PAT session of a fresh user of the target's site.
async fn session(target: &Target) -> Result<(Client, Session), Failure> {
    let (_, _, provider) = pat_provider(target, None).await?;
    let client = target.client()?;
    let session = client.sign_in(&provider).await.context("PAT sign-in")?;
    Ok((client, session))
}

/// A raw authenticated call: its status and Tableau code.
async fn raw(
    session: &Session,
    method: reqwest::Method,
    path: &str,
) -> Result<(u16, Option<String>), Failure> {
    let response = reqwest::Client::new()
        .request(method, session.api_url(path).context("URL")?)
        .header("X-Tableau-Auth", session.token().expose_secret())
        .header("Accept", "application/json")
        .send()
        .await
        .context("request")?;
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    Ok((status, body["error"]["code"].as_str().map(str::to_owned)))
}

async fn password_refused(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "the-right-password", "Creator").await?;
    let provider = PasswordProvider::new(user.name, user.password)
        .context("provider")?
        .site(target.site());
    expect_code(
        target.client()?.sign_in(&provider).await,
        401_001,
        "a password sign-in on Tableau Cloud",
    )?;
    Ok("401001 although the password is right".into())
}

async fn default_site_refused(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, _, provider) = pat_provider(&target, None).await?;
    expect_code(
        target.client()?.sign_in(&provider.site("")).await,
        401_001,
        "a sign-in to contentUrl \"\"",
    )?;
    Ok("401001".into())
}

async fn impersonation_refused(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let victim = user_fixture(&target, "unused", "Viewer").await?;
    let (_, _, provider) = pat_provider(&target, None).await?;
    expect_code(
        target
            .client()?
            .sign_in(&provider.impersonate(victim.id))
            .await,
        403_004,
        "an impersonating sign-in",
    )?;
    Ok("403004".into())
}

async fn switch_site_refused(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (client, session) = session(&target).await?;
    let other = target.unique("conformance-site");
    target
        .control()?
        .create_site(&other, "Other")
        .await
        .context("mock control API")?;
    expect_code(
        client.switch_site(&session, &other).await,
        405_000,
        "switch site on Tableau Cloud",
    )?;
    client
        .current_session(&session)
        .await
        .context("the session after the refused switch")?;
    Ok("405000; the session still works".into())
}

async fn admin_calls_refused(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, session) = session(&target).await?;
    let id = target
        .control()?
        .sessions()
        .await
        .context("mock control API")?
        .first()
        .map(|s| s.id.clone())
        .context("no session listed")?;
    for (method, path) in [
        (reqwest::Method::DELETE, format!("sessions/{id}")),
        (
            reqwest::Method::DELETE,
            "auth/serverAdminAccessTokens".to_owned(),
        ),
        (
            reqwest::Method::POST,
            "auth/revokeAllServerAdminTokens".to_owned(),
        ),
    ] {
        let (status, code) = raw(&session, method.clone(), &path).await?;
        ensure(status == 405 && code.as_deref() == Some("405000"), || {
            format!("{method} {path}: {status} {code:?}")
        })?;
    }
    let (status, _) = raw(&session, reqwest::Method::GET, "sessions/current").await?;
    ensure(status == 200, || {
        format!("the session died: sessions/current answered {status}")
    })?;
    Ok("405000 for all three; the session was not ended".into())
}

async fn sites_query_refused(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, session) = session(&target).await?;
    let (status, code) = raw(&session, reqwest::Method::GET, "sites").await?;
    ensure(status == 403 && code.as_deref() == Some("403069"), || {
        format!("GET sites: {status} {code:?}")
    })?;
    Ok("403069".into())
}

async fn idle_limit(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (client, session) = session(&target).await?;
    let control = target.control()?;
    control
        .advance_clock(Duration::from_secs(119 * 60))
        .await
        .context("mock control API")?;
    client
        .current_session(&session)
        .await
        .context("after 119 idle minutes")?;
    control
        .advance_clock(Duration::from_secs(121 * 60))
        .await
        .context("mock control API")?;
    expect_code(
        client.current_session(&session).await,
        401_002,
        "after 121 idle minutes",
    )?;
    Ok("alive at 119 idle minutes, 401002 at 121".into())
}

async fn pat_lifetime(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, session) = session(&target).await?;
    let left = session
        .pat_expires_in()
        .context("no estimatedTimeToExpiration")?;
    let day = 86_400;
    ensure((179 * day..=180 * day).contains(&left.as_secs()), || {
        format!("the PAT has {} days left", left.as_secs() / day)
    })?;
    let control = target.control()?;
    let site = target.unique("conformance-short");
    control
        .create_site_with_pat_lifetime(&site, "Short", 7)
        .await
        .context("mock control API")?;
    let user = target.unique("conformance-user");
    control
        .create_user(&site, &user, None, "Creator")
        .await
        .context("mock control API")?;
    let token = control
        .create_pat(&site, &user, "short")
        .await
        .context("mock control API")?;
    let provider = tableau_auth::PersonalAccessTokenProvider::new(token.name, token.secret)
        .context("provider")?
        .site(site);
    let short = target
        .client()?
        .sign_in(&provider)
        .await
        .context("sign-in")?;
    let left = short.pat_expires_in().context("no estimate")?.as_secs();
    ensure((6 * day..=7 * day).contains(&left), || {
        format!("the 7-day site's PAT has {} days left", left / day)
    })?;
    Ok("180 days by default, 7 on a site set to 7".into())
}

async fn front_door_client(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let front = target
        .front_door()
        .context("this target has no front door")?
        .to_owned();
    let (_, _, provider) = pat_provider(&target, None).await?;
    let client = Client::builder()
        .server_url(&front)
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .allow_insecure_http(true)
        .build()
        .context("client")?;
    let session = client
        .sign_in(&provider)
        .await
        .context("sign-in through the front door")?;
    ensure(
        session.server_url().as_str().starts_with(target.url()),
        || {
            format!(
                "the session talks to {}, not to the pod {}",
                session.server_url(),
                target.url()
            )
        },
    )?;
    client
        .current_session(&session)
        .await
        .context("sessions/current on the pod")?;
    client.sign_out(&session).await.context("sign-out")?;
    let log = target
        .control()?
        .requests()
        .await
        .context("mock control API")?;
    ensure(
        log.iter().any(|r| {
            r.method == "POST"
                && r.path.to_ascii_lowercase().ends_with("/auth/signin")
                && r.status == Some(200)
        }),
        || "the pod saw no successful POST sign-in".into(),
    )?;
    Ok(format!(
        "signed in through {front}; the session uses the pod"
    ))
}

async fn front_door_get_follower(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let front = target
        .front_door()
        .context("this target has no front door")?
        .to_owned();
    let (_, _, provider) = pat_provider(&target, None).await?;
    let credentials = tableau_auth_core::AuthProvider::credentials(&provider)
        .await
        .context("provider")?;
    let body = tableau_auth_core::SignInRequest::new(&credentials)
        .render(tableau_auth_core::WireFormat::Xml)
        .context("rendering")?;
    // reqwest's default policy follows a 301 by turning the POST into a GET, as browsers and
    // most HTTP clients do.
    let response = reqwest::Client::new()
        .post(format!("{front}/api/3.27/auth/signin"))
        .header("Content-Type", "application/xml")
        .header("Accept", "application/json")
        .body(body.expose_secret().to_owned())
        .send()
        .await
        .context("sign-in through the front door")?;
    let status = response.status().as_u16();
    let value: serde_json::Value = response.json().await.unwrap_or_default();
    let code = value["error"]["code"].as_str().map(str::to_owned);
    match (status, code.as_deref()) {
        (405, Some("405000")) => {}
        _ => return fail(format!("{status} {code:?}, expected 405 405000")),
    }
    Ok("405000 from the pod: the redirect turned the POST into a GET".into())
}
