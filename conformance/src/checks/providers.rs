//! Every provider signs in with XML and with JSON against fixtures made through the control
//! API, its body is spec-correct in the mock's log, its session works and sign-out ends it.

use std::sync::Arc;

use tableau_auth::{
    ConnectedAppProvider, EnvironmentProvider, PasswordProvider, PersonalAccessTokenProvider,
};
use tableau_auth_core::{AuthProvider, ProviderChain, StaticEnv, WireFormat};

use super::support::{app_on_site, full_session};
use crate::context::{CheckContext, Target};
use crate::outcome::{CheckResult, Failure, ResultExt};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "signin.password.xml",
            "password",
            provider = "password",
            applies = Server,
            MockControl,
            "password sign-in in XML; body spec-correct; session works; sign-out ends it",
            password_xml
        ),
        check!(
            "signin.password.json",
            "password",
            provider = "password",
            applies = Server,
            MockControl,
            "password sign-in in JSON; body spec-correct; session works; sign-out ends it",
            password_json
        ),
        check!(
            "signin.password.escaping",
            "password",
            provider = "password",
            applies = Server,
            MockControl,
            "a password with & < > \" ' TAB LF CR and non-ASCII signs in with XML and JSON",
            password_escaping
        ),
        check!(
            "signin.pat.xml",
            "pat",
            provider = "pat",
            MockControl,
            "PAT sign-in in XML; body spec-correct; session works; sign-out ends it",
            pat_xml
        ),
        check!(
            "signin.pat.json",
            "pat",
            provider = "pat",
            MockControl,
            "PAT sign-in in JSON; body spec-correct; session works; sign-out ends it",
            pat_json
        ),
        check!(
            "signin.jwt.xml",
            "connected-app",
            provider = "connected-app",
            MockControl,
            "connected-app JWT sign-in in XML; session works; sign-out ends it",
            jwt_xml
        ),
        check!(
            "signin.jwt.json",
            "connected-app",
            provider = "connected-app",
            MockControl,
            "connected-app JWT sign-in in JSON; session works; sign-out ends it",
            jwt_json
        ),
        check!(
            "signin.jwt.escaping",
            "connected-app",
            provider = "connected-app",
            MockControl,
            "a connected-app secret with & < > \" ' and non-ASCII signs (the key is never decoded)",
            jwt_escaping
        ),
        check!(
            "signin.env-pat.xml",
            "env",
            provider = "env",
            MockControl,
            "the environment provider in PAT mode signs in with XML",
            env_pat_xml
        ),
        check!(
            "signin.env-pat.json",
            "env",
            provider = "env",
            MockControl,
            "the environment provider in PAT mode signs in with JSON",
            env_pat_json
        ),
        check!(
            "signin.env-password.xml",
            "env",
            provider = "env",
            applies = Server,
            MockControl,
            "the environment provider in password mode signs in with XML",
            env_password_xml
        ),
        check!(
            "signin.env-password.json",
            "env",
            provider = "env",
            applies = Server,
            MockControl,
            "the environment provider in password mode signs in with JSON",
            env_password_json
        ),
        check!(
            "signin.env-connected-app.xml",
            "env",
            provider = "env",
            MockControl,
            "the environment provider in connected-app mode signs in with XML",
            env_jwt_xml
        ),
        check!(
            "signin.env-connected-app.json",
            "env",
            provider = "env",
            MockControl,
            "the environment provider in connected-app mode signs in with JSON",
            env_jwt_json
        ),
        check!(
            "signin.chain.xml",
            "chain",
            provider = "chain",
            MockControl,
            "a chain falls through an unconfigured environment to a PAT and signs in with XML",
            chain_xml
        ),
        check!(
            "signin.chain.json",
            "chain",
            provider = "chain",
            MockControl,
            "a chain falls through an unconfigured environment to a PAT and signs in with JSON",
            chain_json
        ),
        check!(
            "chain.stops-on-misconfiguration",
            "chain",
            provider = "chain",
            MockControl,
            "a half-configured environment stops the chain before any request",
            chain_stops
        ),
    ]
}

pub(crate) const NASTY_SECRET: &str = "p&ss<w>rd\"q'\ttab\nlf\rcr é✓😀";

/// A user made for this check on the target's site (the Default site on Tableau Server).
pub(crate) struct UserFixture {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) password: String,
}

pub(crate) async fn user_fixture(
    target: &Target,
    password: &str,
    role: &str,
) -> Result<UserFixture, Failure> {
    let name = target.unique("conformance-user");
    let user = target
        .control()?
        .create_user(target.site(), &name, Some(password), role)
        .await
        .context("mock control API")?;
    Ok(UserFixture {
        name,
        id: user.id,
        password: password.to_owned(),
    })
}

pub(crate) async fn pat_fixture(
    target: &Target,
    expires_in_days: Option<u32>,
) -> Result<(UserFixture, String, String), Failure> {
    let user = user_fixture(target, "unused-password", "Creator").await?;
    let control = target.control()?;
    let name = target.unique("conformance-pat");
    let token = match expires_in_days {
        Some(days) => control
            .create_pat_expiring_in(target.site(), &user.name, &name, days)
            .await
            .context("mock control API")?,
        None => control
            .create_pat(target.site(), &user.name, &name)
            .await
            .context("mock control API")?,
    };
    Ok((user, token.name, token.secret))
}

/// A PAT provider for a fresh PAT fixture on the target's site.
pub(crate) async fn pat_provider(
    target: &Target,
    expires_in_days: Option<u32>,
) -> Result<(UserFixture, String, PersonalAccessTokenProvider), Failure> {
    let (user, name, secret) = pat_fixture(target, expires_in_days).await?;
    let provider = PersonalAccessTokenProvider::new(name.clone(), secret)
        .context("provider")?
        .site(target.site());
    Ok((user, name, provider))
}

/// A provider that signs in as a fresh user of the target's site: a password on Tableau
/// Server, a PAT on Tableau Cloud (which refuses password sign-in).
pub(crate) async fn any_provider(
    target: &Target,
    password: &str,
    role: &str,
) -> Result<Arc<dyn AuthProvider>, Failure> {
    let user = user_fixture(target, password, role).await?;
    if target.flavor() == tableau_mock_server::Flavor::Cloud {
        let token = target
            .control()?
            .create_pat(target.site(), &user.name, &target.unique("conformance-pat"))
            .await
            .context("mock control API")?;
        return Ok(Arc::new(
            PersonalAccessTokenProvider::new(token.name, token.secret)
                .context("provider")?
                .site(target.site()),
        ));
    }
    Ok(Arc::new(
        PasswordProvider::new(user.name, user.password).context("provider")?,
    ))
}

/// Registers a connected app and returns a provider for `user` that follows the mock's clock.
pub(crate) async fn connected_app(
    target: &Target,
    user: &str,
    secret_value: &str,
) -> Result<ConnectedAppProvider, Failure> {
    let client_id = target.unique("conformance-app");
    let secret_id = target.unique("conformance-secret");
    target
        .control()?
        .create_connected_app(app_on_site(target, &client_id, &secret_id, secret_value))
        .await
        .context("mock control API")?;
    let clock = target.mock_clock().await?;
    // The checks look users up, which a JWT session may do only with `tableau:users:read`
    // (docs/protocol.md section 13).
    Ok(
        ConnectedAppProvider::new(client_id, secret_id, secret_value, user)
            .context("connected-app provider")?
            .scopes(["tableau:content:read", "tableau:users:read"])
            .context("scopes")?
            .site(target.site())
            .time_source(clock),
    )
}

async fn password(cx: &CheckContext, format: WireFormat) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "conformance-pw", "Creator").await?;
    let provider = PasswordProvider::new(user.name, user.password).context("provider")?;
    full_session(&target, &target.client()?, &provider, format, "password").await
}

async fn password_xml(cx: &CheckContext) -> CheckResult {
    password(cx, WireFormat::Xml).await
}
async fn password_json(cx: &CheckContext) -> CheckResult {
    password(cx, WireFormat::Json).await
}

async fn password_escaping(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, NASTY_SECRET, "Creator").await?;
    let provider = PasswordProvider::new(user.name, user.password).context("provider")?;
    let client = target.client()?;
    for format in [WireFormat::Xml, WireFormat::Json] {
        full_session(&target, &client, &provider, format, "password").await?;
    }
    Ok("the server accepted the exact password in both formats".into())
}

async fn pat(cx: &CheckContext, format: WireFormat) -> CheckResult {
    let target = cx.target().await?;
    let (_, _, provider) = pat_provider(&target, None).await?;
    full_session(&target, &target.client()?, &provider, format, "pat").await
}

async fn pat_xml(cx: &CheckContext) -> CheckResult {
    pat(cx, WireFormat::Xml).await
}
async fn pat_json(cx: &CheckContext) -> CheckResult {
    pat(cx, WireFormat::Json).await
}

async fn jwt(cx: &CheckContext, format: WireFormat, secret_value: &str) -> CheckResult {
    let target = cx.target().await?;
    let user = user_fixture(&target, "unused-password", "Creator").await?;
    let provider = connected_app(&target, &user.name, secret_value).await?;
    full_session(&target, &target.client()?, &provider, format, "jwt").await
}

async fn jwt_xml(cx: &CheckContext) -> CheckResult {
    jwt(
        cx,
        WireFormat::Xml,
        "c2VjcmV0LXZhbHVlLWxvb2tzLWxpa2UtYmFzZTY0PQ==",
    )
    .await
}
async fn jwt_json(cx: &CheckContext) -> CheckResult {
    jwt(
        cx,
        WireFormat::Json,
        "c2VjcmV0LXZhbHVlLWxvb2tzLWxpa2UtYmFzZTY0PQ==",
    )
    .await
}
async fn jwt_escaping(cx: &CheckContext) -> CheckResult {
    jwt(cx, WireFormat::Xml, "s&e<c>r\"e't é✓ ==").await
}

async fn env(cx: &CheckContext, mode: &str, format: WireFormat) -> CheckResult {
    let target = cx.target().await?;
    let url = target.url().to_owned();
    let (env, family) = match mode {
        "pat" => {
            let (_, name, secret) = pat_fixture(&target, None).await?;
            let env = StaticEnv::from_vars(&[
                ("TABLEAU_SERVER_URL", &url),
                ("TABLEAU_SITE", target.site()),
                ("TABLEAU_PAT_NAME", &name),
            ])
            .with_var("TABLEAU_PAT_SECRET_FILE", "/run/secrets/tableau-pat")
            .with_file("/run/secrets/tableau-pat", format!("{secret}\n"));
            (env, "pat")
        }
        "password" => {
            let user = user_fixture(&target, "trailing space ", "Creator").await?;
            let env = StaticEnv::from_vars(&[
                ("TABLEAU_SERVER_URL", &url),
                ("TABLEAU_AUTH", "Password"),
                ("TABLEAU_USERNAME", &user.name),
                ("TABLEAU_PASSWORD", &user.password),
            ]);
            (env, "password")
        }
        _ => {
            let user = user_fixture(&target, "unused-password", "Creator").await?;
            let client_id = target.unique("env-app");
            let secret_id = target.unique("env-secret");
            let secret_value = "env-connected-app-secret-value";
            target
                .control()?
                .create_connected_app(app_on_site(&target, &client_id, &secret_id, secret_value))
                .await
                .context("mock control API")?;
            let env = StaticEnv::from_vars(&[
                ("TABLEAU_SERVER_URL", &url),
                ("TABLEAU_SITE", target.site()),
                ("TABLEAU_JWT_CLIENT_ID", &client_id),
                ("TABLEAU_JWT_SECRET_ID", &secret_id),
                ("TABLEAU_JWT_SECRET", secret_value),
                ("TABLEAU_JWT_USERNAME", &user.name),
                (
                    "TABLEAU_JWT_SCOPES",
                    "tableau:content:read, tableau:users:read",
                ),
            ]);
            (env, "jwt")
        }
    };
    let provider = EnvironmentProvider::from_source(env);
    provider.check().context("environment provider")?;
    full_session(&target, &target.client()?, &provider, format, family).await
}

async fn env_pat_xml(cx: &CheckContext) -> CheckResult {
    env(cx, "pat", WireFormat::Xml).await
}
async fn env_pat_json(cx: &CheckContext) -> CheckResult {
    env(cx, "pat", WireFormat::Json).await
}
async fn env_password_xml(cx: &CheckContext) -> CheckResult {
    env(cx, "password", WireFormat::Xml).await
}
async fn env_password_json(cx: &CheckContext) -> CheckResult {
    env(cx, "password", WireFormat::Json).await
}
async fn env_jwt_xml(cx: &CheckContext) -> CheckResult {
    env(cx, "connected-app", WireFormat::Xml).await
}
async fn env_jwt_json(cx: &CheckContext) -> CheckResult {
    env(cx, "connected-app", WireFormat::Json).await
}

async fn chain(cx: &CheckContext, format: WireFormat) -> CheckResult {
    let target = cx.target().await?;
    let (_, _, pat) = pat_provider(&target, None).await?;
    let chain = ProviderChain::first_try("env", EnvironmentProvider::from_source(StaticEnv::new()))
        .or_else("pat", pat);
    full_session(&target, &target.client()?, &chain, format, "pat").await
}

async fn chain_xml(cx: &CheckContext) -> CheckResult {
    chain(cx, WireFormat::Xml).await
}
async fn chain_json(cx: &CheckContext) -> CheckResult {
    chain(cx, WireFormat::Json).await
}

async fn chain_stops(cx: &CheckContext) -> CheckResult {
    let target = cx.target().await?;
    let (_, name, secret) = pat_fixture(&target, None).await?;
    let before = target
        .control()?
        .requests()
        .await
        .context("mock control API")?
        .len();
    let half_set = StaticEnv::from_vars(&[("TABLEAU_PAT_NAME", "only-the-name")]);
    let pat: Arc<dyn AuthProvider> = Arc::new(
        PersonalAccessTokenProvider::new(name, secret)
            .context("provider")?
            .site(target.site()),
    );
    let chain = ProviderChain::first_try("env", EnvironmentProvider::from_source(half_set))
        .or_else_shared("pat", pat);
    let client = target.client()?;
    match client.sign_in(&chain).await {
        Ok(_) => {
            return Err(Failure(
                "the chain fell through a misconfigured environment".into(),
            ));
        }
        Err(tableau_auth::Error::Provider(err)) if !err.is_not_configured() => {
            let message = err.to_string();
            if !message.contains("TABLEAU_PAT_SECRET") {
                return Err(Failure(format!(
                    "the error does not name the missing variable: {message}"
                )));
            }
        }
        Err(other) => {
            return Err(Failure(format!(
                "expected a configuration error, got: {other}"
            )));
        }
    }
    let log = target
        .control()?
        .requests()
        .await
        .context("mock control API")?;
    let signins = log[before.min(log.len())..]
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("/auth/signin"))
        .count();
    if signins != 0 {
        return Err(Failure(format!("{signins} sign-in request(s) were sent")));
    }
    Ok("InvalidConfiguration naming TABLEAU_PAT_SECRET; no sign-in was sent".into())
}
