//! Sessions after sign-in: impersonation, switch site, and the session manager's recovery
//! from superseded PAT sessions, idle expiry and revoked PATs.

use std::sync::Arc;
use std::time::Duration;

use tableau_auth::{PasswordProvider, PersonalAccessTokenProvider, SessionManager};
use tableau_auth_core::AuthProvider;
use tableau_mock_server::Flavor;

use super::providers::{UserFixture, any_provider, pat_provider, user_fixture};
use super::support::{expect_code, expect_sign_ins, use_session};
use crate::context::{CheckContext, Target};
use crate::outcome::{CheckResult, Failure, ResultExt, ensure};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "session.impersonation",
            "session",
            provider = "password",
            applies = Server,
            MockControl,
            "an administrator's sign-in with <user id> gets a session of that user",
            impersonation
        ),
        check!(
            "session.impersonation-unknown-user",
            "session",
            provider = "password",
            applies = Server,
            MockControl,
            "impersonating an unknown user id gets 404002",
            impersonation_unknown
        ),
        check!(
            "session.switch-site",
            "session",
            provider = "session",
            applies = Server,
            MockControl,
            "switch site gives a new token for the other site; the old token dies",
            switch_site
        ),
        check!(
            "session.switch-site-same",
            "session",
            provider = "session",
            applies = Server,
            MockControl,
            "switching to the current site (403070) counts as success",
            switch_site_same
        ),
        check!(
            "session.switch-site-unknown",
            "session",
            provider = "session",
            applies = Server,
            MockControl,
            "switching to an unknown site gets 401003",
            switch_site_unknown
        ),
        check!(
            "session.pat.superseded",
            "session",
            provider = "pat",
            MockControl,
            "a second sign-in with the same PAT kills the first session (401002) and the manager recovers",
            pat_superseded
        ),
        check!(
            "session.idle-expiry",
            "session",
            provider = "session",
            MockControl,
            "a session idle past its limit gets 401002 and the manager signs in again",
            idle_expiry
        ),
        check!(
            "session.revoked-pat-stops",
            "session",
            provider = "pat",
            MockControl,
            "after a PAT is revoked the manager returns a typed error after one sign-in attempt",
            revoked_pat_stops
        ),
    ]
}

/// A fresh administrator on the Default site, and a password provider for it.
async fn admin(target: &Target) -> Result<(UserFixture, PasswordProvider), Failure> {
    let user = user_fixture(target, "admin-pw", "ServerAdministrator").await?;
    let provider =
        PasswordProvider::new(user.name.clone(), user.password.clone()).context("provider")?;
    Ok((user, provider))
}

async fn impersonation(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, admin) = admin(&target).await?;
    let victim = user_fixture(&target, "victim-pw", "Viewer").await?;
    let provider = admin.impersonate(victim.id.clone());
    let client = target.client()?;
    let session = client
        .sign_in(&provider)
        .await
        .context("impersonating sign-in")?;
    ensure(session.user_id() == victim.id, || {
        "the session is not the impersonated user's".into()
    })?;
    use_session(&client, &session).await?;
    let me = client
        .current_session(&session)
        .await
        .context("sessions/current")?;
    ensure(
        me.user.name.as_deref() == Some(victim.name.as_str()),
        || format!("sessions/current names {:?}", me.user.name),
    )?;
    client.sign_out(&session).await.context("sign-out")?;
    Ok("the session belongs to the impersonated user".into())
}

async fn impersonation_unknown(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, admin) = admin(&target).await?;
    let provider = admin.impersonate("00000000-0000-0000-0000-000000000000");
    expect_code(
        target.client()?.sign_in(&provider).await,
        404_002,
        "impersonating an unknown user",
    )?;
    Ok("404002".into())
}

async fn switch_site(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (admin_user, admin) = admin(&target).await?;
    let content_url = target.unique("conformance-site");
    let control = target.control()?;
    let site_id = control
        .create_site(&content_url, "Conformance")
        .await
        .context("mock control API")?
        .id;
    control
        .create_user(
            &content_url,
            &admin_user.name,
            Some(&admin_user.password),
            "SiteAdministratorCreator",
        )
        .await
        .context("mock control API")?;
    let client = target.client()?;
    let first = client.sign_in(&admin).await.context("sign-in")?;
    let second = client
        .switch_site(&first, &content_url)
        .await
        .context("switch site")?;
    ensure(second.site_id() == site_id, || {
        "the new session is not on the destination site".into()
    })?;
    ensure(second.site_content_url() == content_url, || {
        "wrong content URL after switching".into()
    })?;
    use_session(&client, &second).await?;
    expect_code(
        client.get_user(&first, first.user_id()).await,
        401_002,
        "the pre-switch token",
    )?;
    client.sign_out(&second).await.context("sign-out")?;
    Ok("new token on the new site; the old token is dead".into())
}

async fn switch_site_same(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, admin) = admin(&target).await?;
    let client = target.client()?;
    let session = client.sign_in(&admin).await.context("sign-in")?;
    let same = client
        .switch_site(&session, "")
        .await
        .context("switch to the current site")?;
    ensure(same.site_id() == session.site_id(), || {
        "the site changed".into()
    })?;
    use_session(&client, &same).await?;
    Ok("403070 treated as success; the session still works".into())
}

async fn switch_site_unknown(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, admin) = admin(&target).await?;
    let client = target.client()?;
    let session = client.sign_in(&admin).await.context("sign-in")?;
    expect_code(
        client.switch_site(&session, "no-such-site-here").await,
        401_003,
        "unknown site",
    )?;
    Ok("401003".into())
}

/// `GET sessions/current` through the manager.
async fn call_through(manager: &SessionManager) -> Result<(), Failure> {
    let url = manager.api_url("sessions/current").await.context("URL")?;
    let response = manager
        .send(manager.client().http().get(url))
        .await
        .context("a call through the manager")?;
    ensure(response.status().is_success(), || {
        format!("the call answered {}", response.status())
    })
}

/// A session manager over a fresh PAT; also returns the provider, the user and token names.
async fn pat_manager(
    target: &Target,
) -> Result<(SessionManager, PersonalAccessTokenProvider, String, String), Failure> {
    let (user, name, provider) = pat_provider(target, None).await?;
    let manager = SessionManager::new(
        target.client()?,
        Arc::new(provider.clone()) as Arc<dyn AuthProvider>,
    );
    Ok((manager, provider, user.name, name))
}

async fn pat_superseded(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (manager, provider, _, _) = pat_manager(&target).await?;
    let client = target.client()?;
    call_through(&manager).await?;
    let first = manager.session().await.context("session")?;
    // Another process signs in with the same PAT.
    let other = client
        .sign_in(&provider)
        .await
        .context("second sign-in with the PAT")?;
    expect_code(
        client.get_user(&first, first.user_id()).await,
        401_002,
        "the superseded token",
    )?;
    call_through(&manager).await?;
    expect_sign_ins(&manager, 2)?;
    expect_code(
        client.get_user(&other, other.user_id()).await,
        401_002,
        "the other process's token after the manager signed in again",
    )?;
    manager.try_sign_out().await.context("sign-out")?;
    Ok("401002 for the superseded token; the manager signed in again once".into())
}

async fn idle_expiry(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    // Tableau Server's idle limit is 240 minutes, Tableau Cloud's 120 (docs/protocol.md
    // section 7); Cloud refuses passwords, so its session is a PAT's.
    let (provider, idle): (Arc<dyn AuthProvider>, u64) = match target.flavor() {
        Flavor::Server => (Arc::new(admin(&target).await?.1), 241),
        Flavor::Cloud => (
            any_provider(&target, "unused", "SiteAdministratorCreator").await?,
            121,
        ),
    };
    let manager = SessionManager::new(target.client()?, provider);
    call_through(&manager).await?;
    let session = manager.session().await.context("session")?;
    target
        .control()?
        .advance_clock(Duration::from_secs(idle * 60))
        .await
        .context("mock control API")?;
    expect_code(
        target.client()?.get_user(&session, session.user_id()).await,
        401_002,
        &format!("a token idle for {idle} minutes"),
    )?;
    call_through(&manager).await?;
    expect_sign_ins(&manager, 2)?;
    Ok(format!(
        "401002 after {idle} idle minutes; the manager recovered with one sign-in"
    ))
}

async fn revoked_pat_stops(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (manager, _, user, token_name) = pat_manager(&target).await?;
    call_through(&manager).await?;
    target
        .control()?
        .revoke_pat(target.site(), &user, &token_name)
        .await
        .context("mock control API")?;
    let before = signins(&target).await?;
    let url = manager.api_url("sessions/current").await.context("URL")?;
    let result = manager.send(manager.client().http().get(url)).await;
    let message = expect_code(result, 401_001, "a call after the PAT was revoked")?;
    let attempts = signins(&target).await? - before;
    ensure(attempts == 1, || {
        format!("{attempts} sign-in attempts after the revocation, expected exactly 1")
    })?;
    Ok(format!("one re-sign-in attempt, then: {message}"))
}

async fn signins(target: &Target) -> Result<usize, Failure> {
    Ok(target
        .control()?
        .requests()
        .await
        .context("mock control API")?
        .iter()
        .filter(|r| r.method == "POST" && r.path.to_ascii_lowercase().ends_with("/auth/signin"))
        .count())
}
