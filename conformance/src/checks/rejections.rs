//! Sign-ins a server must refuse, and how the client reports them: wrong password, wrong
//! site, revoked and expired PATs, version gates, connected-app JWTs that fail verification.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tableau_auth::{ConnectedAppProvider, PasswordProvider};
use tableau_auth_core::{AuthProvider, Credentials, ManualTimeSource, WireFormat};
use tableau_mock_server::Fault;

use super::providers::{connected_app, pat_provider, user_fixture};
use super::support::{app_on_site, expect_code};
use crate::context::{CheckContext, Target};
use crate::outcome::{CheckResult, Failure, ResultExt, ensure};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "signin.wrong-password",
            "rejections",
            provider = "password",
            applies = Server,
            MockControl,
            "a wrong password gets 401001 and a hint",
            wrong_password
        ),
        check!(
            "signin.wrong-site",
            "rejections",
            provider = "password",
            applies = Server,
            MockControl,
            "an unknown site content URL gets 401001 and a hint about content URLs",
            wrong_site
        ),
        check!(
            "pat.revoked",
            "rejections",
            provider = "pat",
            MockControl,
            "a revoked PAT gets 401001",
            pat_revoked
        ),
        check!(
            "pat.expired",
            "rejections",
            provider = "pat",
            MockControl,
            "a PAT past its lifetime (mock clock) gets 401001",
            pat_expired
        ),
        check!(
            "pat.idle-expired",
            "rejections",
            provider = "pat",
            MockControl,
            "a PAT unused for over 15 days gets 401001",
            pat_idle_expired
        ),
        check!(
            "version.pat-gate",
            "rejections",
            provider = "pat",
            MockControl,
            "PAT sign-in against a 3.5 server fails in the client, before any sign-in is sent",
            version_pat_gate
        ),
        check!(
            "version.jwt-gate",
            "rejections",
            provider = "connected-app",
            MockControl,
            "JWT sign-in against a 3.16 server fails in the client, before any sign-in is sent",
            version_jwt_gate
        ),
        check!(
            "jwt.expired",
            "rejections",
            provider = "connected-app",
            MockControl,
            "a JWT whose exp has passed gets 401001",
            jwt_expired
        ),
        check!(
            "jwt.wrong-secret",
            "rejections",
            provider = "connected-app",
            MockControl,
            "a JWT signed with another secret gets 401001",
            jwt_wrong_secret
        ),
        check!(
            "jwt.wrong-audience",
            "rejections",
            provider = "connected-app",
            MockControl,
            "a JWT with aud other than \"tableau\" gets 401001",
            jwt_wrong_audience
        ),
        check!(
            "jwt.replayed",
            "rejections",
            provider = "connected-app",
            MockControl,
            "a JWT sent twice (same jti) is refused the second time",
            jwt_replayed
        ),
    ]
}

async fn wrong_password(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "right-password", "Creator").await?;
    let provider = PasswordProvider::new(user.name, "wrong-password").context("provider")?;
    let message = expect_code(
        target.client()?.sign_in(&provider).await,
        401_001,
        "wrong password",
    )?;
    ensure(message.contains("hint"), || {
        format!("no hint in: {message}")
    })?;
    Ok("401001 with a hint".into())
}

async fn wrong_site(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "pw", "Creator").await?;
    // A site LUID where the content URL belongs: the commonest mistake.
    let provider = PasswordProvider::new(user.name, user.password)
        .context("provider")?
        .site("a946d998-2ead-4894-bb50-1054a91dcab3");
    let message = expect_code(
        target.client()?.sign_in(&provider).await,
        401_001,
        "unknown site",
    )?;
    ensure(message.to_lowercase().contains("content url"), || {
        format!("the hint does not mention the content URL: {message}")
    })?;
    Ok("401001, hint names content URL vs LUID".into())
}

async fn pat_revoked(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (user, name, provider) = pat_provider(&target, None).await?;
    target
        .control()?
        .revoke_pat(target.site(), &user.name, &name)
        .await
        .context("mock control API")?;
    expect_code(
        target.client()?.sign_in(&provider).await,
        401_001,
        "revoked PAT",
    )?;
    Ok("401001".into())
}

async fn pat_expired(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, _, provider) = pat_provider(&target, Some(1)).await?;
    let client = target.client()?;
    client
        .sign_in(&provider)
        .await
        .context("sign-in before expiry")?;
    target
        .control()?
        .advance_clock(Duration::from_secs(2 * 86_400))
        .await
        .context("mock control API")?;
    expect_code(client.sign_in(&provider).await, 401_001, "expired PAT")?;
    Ok("valid on day 0, 401001 on day 2 of a 1-day PAT".into())
}

async fn pat_idle_expired(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, _, provider) = pat_provider(&target, None).await?;
    let client = target.client()?;
    client.sign_in(&provider).await.context("first sign-in")?;
    target
        .control()?
        .advance_clock(Duration::from_secs(16 * 86_400))
        .await
        .context("mock control API")?;
    expect_code(
        client.sign_in(&provider).await,
        401_001,
        "PAT idle for 16 days",
    )?;
    Ok("401001 after 16 idle days".into())
}

pub(crate) fn server_info_body(version: &str) -> String {
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><serverInfo><productVersion build="old">old</productVersion><restApiVersion>{version}</restApiVersion></serverInfo></tsResponse>"#
    )
}

async fn version_gate(cx: &CheckContext, version: &str, jwt: bool) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "pw", "Creator").await?;
    if jwt {
        let provider = connected_app(&target, &user.name, "gate-secret").await?;
        refused_below(&target, version, &provider).await
    } else {
        let (_, _, provider) = pat_provider(&target, None).await?;
        refused_below(&target, version, &provider).await
    }
}

/// A version gate of the client: with the server answering `serverinfo` once as `version`,
/// signing in with `provider` must fail with `UnsupportedByServer` naming that version, and
/// no sign-in request may reach the server. The gate is the negotiation's: a client pinned to
/// a version that has the feature trusts the pin and never asks the server.
pub(crate) async fn refused_below(
    target: &Target,
    version: &str,
    provider: &dyn AuthProvider,
) -> CheckResult {
    let control = target.control()?;
    control
        .inject_fault(
            Fault::new("/serverinfo")
                .method("GET")
                .status(200)
                .content_type("application/xml")
                .body(server_info_body(version))
                .times(1),
        )
        .await
        .context("mock control API")?;
    let message = match target.negotiating_client()?.sign_in(provider).await {
        Ok(_) => return Err(Failure("the sign-in went ahead on an old server".into())),
        Err(err @ tableau_auth::Error::UnsupportedByServer { .. }) => err.to_string(),
        Err(other) => {
            return Err(Failure(format!(
                "expected UnsupportedByServer, got: {other}"
            )));
        }
    };
    ensure(message.contains(version), || {
        format!("the error does not name the server version: {message}")
    })?;
    let signins = control
        .requests()
        .await
        .context("mock control API")?
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("/auth/signin"))
        .count();
    ensure(signins == 0, || {
        format!("{signins} sign-in request(s) were sent")
    })?;
    Ok(format!("refused before sending: {message}"))
}

async fn version_pat_gate(cx: &CheckContext) -> CheckResult {
    version_gate(cx, "3.5", false).await
}
async fn version_jwt_gate(cx: &CheckContext) -> CheckResult {
    version_gate(cx, "3.16", true).await
}

async fn jwt_expired(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "pw", "Creator").await?;
    // A clock an hour behind the mock's: exp is 55 minutes in the past.
    let past = SystemTime::now() - Duration::from_secs(3_600);
    let provider = connected_app(&target, &user.name, "expiry-secret")
        .await?
        .time_source(std::sync::Arc::new(ManualTimeSource::new(past)));
    expect_code(
        target.client()?.sign_in(&provider).await,
        401_001,
        "expired JWT",
    )?;
    Ok("401001".into())
}

async fn jwt_wrong_secret(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "pw", "Creator").await?;
    let client_id = target.unique("conformance-app");
    let secret_id = target.unique("conformance-secret");
    target
        .control()?
        .create_connected_app(app_on_site(
            &target,
            &client_id,
            &secret_id,
            "the-right-secret",
        ))
        .await
        .context("mock control API")?;
    let provider = ConnectedAppProvider::new(client_id, secret_id, "a-wrong-secret", user.name)
        .context("provider")?
        .site(target.site())
        .time_source(target.mock_clock().await?);
    expect_code(
        target.client()?.sign_in(&provider).await,
        401_001,
        "JWT with the wrong secret",
    )?;
    Ok("401001".into())
}

/// Mints an HS256 JWT by hand with `aud` set to something other than `tableau`.
fn hand_minted(
    client_id: &str,
    secret_id: &str,
    secret: &str,
    user: &str,
    now: u64,
) -> Result<String, Failure> {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(secret_id.to_owned());
    let claims = serde_json::json!({
        "iss": client_id, "sub": user, "aud": "tableau-wrong", "exp": now + 300,
        "jti": format!("conformance-{now}-{}", std::process::id()), "scp": ["tableau:content:read"],
    });
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .context("minting")
}

async fn jwt_wrong_audience(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "pw", "Creator").await?;
    let client_id = target.unique("aud-app");
    let secret_id = target.unique("aud-secret");
    target
        .control()?
        .create_connected_app(app_on_site(
            &target,
            &client_id,
            &secret_id,
            "aud-secret-value",
        ))
        .await
        .context("mock control API")?;
    let offset = target
        .control()?
        .clock()
        .await
        .context("mock control API")?
        .offset_seconds;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let now = now.saturating_add_signed(offset);
    let token = hand_minted(&client_id, &secret_id, "aud-secret-value", &user.name, now)?;
    let provider = Fixed(Credentials::connected_app(token).with_site(target.site()));
    expect_code(
        target.client()?.sign_in(&provider).await,
        401_001,
        "JWT with the wrong audience",
    )?;
    Ok("401001".into())
}

async fn jwt_replayed(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "pw", "Creator").await?;
    let provider = connected_app(&target, &user.name, "replay-secret").await?;
    let credentials = tableau_auth_core::AuthProvider::credentials(&provider)
        .await
        .context("minting")?;
    let once = Fixed(credentials);
    let client = target.client()?.with_format(WireFormat::Xml);
    client
        .sign_in(&once)
        .await
        .context("first use of the JWT")?;
    expect_code(
        client.sign_in(&once).await,
        401_001,
        "second use of the same JWT",
    )?;
    Ok("first use accepted, replay refused with 401001".into())
}

/// A provider that always returns the same credentials (to replay a JWT, or send a hand-made one).
#[derive(Debug)]
pub(crate) struct Fixed(pub(crate) Credentials);

#[tableau_auth_core::async_trait]
impl tableau_auth_core::AuthProvider for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    async fn credentials(&self) -> Result<Credentials, tableau_auth_core::ProviderError> {
        Ok(self.0.clone())
    }
}
