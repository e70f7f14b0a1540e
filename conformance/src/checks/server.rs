//! Checks that any Tableau server passes with the configured credentials (the environment
//! provider with `--server`, the default PAT of the embedded mock). They send only
//! spec-correct requests, one at a time, and at most one deliberately wrong sign-in.

use tableau_auth::{PasswordProvider, Session, SessionManager};
use tableau_auth_core::{ApiVersion, WireFormat};

use super::support::{expect_code, expect_sign_ins, full_session};
use crate::context::CheckContext;
use crate::outcome::{CheckResult, ResultExt, ensure};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "server.serverinfo",
            "server",
            provider = "server",
            Server,
            "serverinfo answers without a token and the client uses the pinned version, or else negotiates min(server, newest known)",
            server_info
        ),
        check!(
            "server.signin.xml",
            "server",
            provider = "server",
            Server,
            "the configured provider signs in with XML, the session works, sign-out ends it",
            signin_xml
        ),
        check!(
            "server.signin.json",
            "server",
            provider = "server",
            Server,
            "the configured provider signs in with JSON, the session works, sign-out ends it",
            signin_json
        ),
        check!(
            "server.manager.recovers",
            "server",
            provider = "server",
            Server,
            "the session manager signs in lazily, and after its session ends signs in again once and the call succeeds",
            manager_recovers
        ),
        check!(
            "server.signin.wrong-credentials",
            "server",
            provider = "server",
            Server,
            "a wrong sign-in gets 401001 and an error with a hint (the run's only wrong sign-in)",
            wrong_credentials
        ),
    ]
}

async fn server_info(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let client = target.client()?;
    let info = client.server_info().await.context("GET serverinfo")?;
    ensure(
        info.rest_api_version >= ApiVersion::OLDEST_WITH_SERVER_INFO,
        || format!("the server reports REST API {}", info.rest_api_version),
    )?;
    let negotiated = client.api_version().await.context("version negotiation")?;
    let (expected, how) = match target.pinned_version() {
        // TABLEAU_API_VERSION pins the client: it must use the pin, and the server must speak
        // it (a pin above the server's version would break every later call).
        Some(pinned) => {
            ensure(pinned <= info.rest_api_version, || {
                format!(
                    "TABLEAU_API_VERSION pins {pinned}, but the server speaks at most {}",
                    info.rest_api_version
                )
            })?;
            (pinned, " (pinned by TABLEAU_API_VERSION)")
        }
        None => (info.rest_api_version.min(ApiVersion::LATEST_KNOWN), ""),
    };
    ensure(negotiated == expected, || {
        format!("the client uses {negotiated}, expected {expected}{how}")
    })?;
    Ok(format!(
        "server speaks {}, client uses {negotiated}{how}",
        info.rest_api_version
    ))
}

async fn signin(cx: &CheckContext, format: WireFormat) -> CheckResult {
    let target = cx.target().await?;
    let client = target.client()?;
    let provider = target.provider();
    let family = match provider
        .credentials()
        .await
        .context("the configured provider")?
        .kind()
    {
        tableau_auth_core::CredentialKind::Password => "password",
        tableau_auth_core::CredentialKind::PersonalAccessToken => "pat",
        _ => "jwt",
    };
    full_session(&target, &client, provider.as_ref(), format, family).await
}

async fn signin_xml(cx: &CheckContext) -> CheckResult {
    signin(cx, WireFormat::Xml).await
}

async fn signin_json(cx: &CheckContext) -> CheckResult {
    signin(cx, WireFormat::Json).await
}

async fn wrong_credentials(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let client = target.client()?;
    let provider = PasswordProvider::new("tableau-conformance-no-such-user", "not-a-password")
        .context("provider")?;
    let message = expect_code(client.sign_in(&provider).await, 401_001, "wrong sign-in")?;
    ensure(message.contains("hint"), || {
        format!("the error gives no hint: {message}")
    })?;
    Ok("401001, and the error says what to check".into())
}

async fn manager_recovers(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let client = target.client()?;
    let manager = SessionManager::new(client.clone(), target.provider());
    let me = |session: &Session| session.user_id().to_owned();
    let first = manager.session().await.context("first sign-in")?;
    expect_sign_ins(&manager, 1)?;
    // End the session behind the manager's back: its next call gets 401002.
    client.sign_out(&first).await.context("sign-out")?;
    let url = manager
        .api_url(&format!("sites/{}/users/{}", first.site_id(), me(&first)))
        .await
        .context("URL")?;
    let response = manager
        .send(manager.client().http().get(url))
        .await
        .context("the call after the session ended")?;
    ensure(response.status().is_success(), || {
        format!("the retried call answered {}", response.status())
    })?;
    expect_sign_ins(&manager, 2)?;
    manager.try_sign_out().await.context("final sign-out")?;
    Ok("401002 on a dead session, one new sign-in, the call succeeded".into())
}
