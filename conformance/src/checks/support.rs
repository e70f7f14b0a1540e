//! Pieces the checks share: the full sign-in → use → sign-out flow, reading sign-in bodies back
//! from the mock's log, and reading Tableau codes out of client errors.

use tableau_auth::{Client, Error, Session, SessionManager};
use tableau_auth_core::{AuthProvider, Feature, WireFormat};
use tableau_mock_server::ConnectedApp;

use crate::context::Target;
use crate::outcome::{CheckResult, Failure, ResultExt, ensure, fail};
use crate::validate::{ValidatedSignIn, validate_json, validate_xml};

/// The Tableau error code a client error carries, if any.
pub(crate) fn code_of(err: &Error) -> Option<u32> {
    err.tableau_code().map(|code| code.get())
}

/// Fails unless `result` is an error with this Tableau code; returns the error's message.
pub(crate) fn expect_code<T>(
    result: Result<T, Error>,
    code: u32,
    what: &str,
) -> Result<String, Failure> {
    match result {
        Ok(_) => fail(format!("{what}: succeeded, expected Tableau error {code}")),
        Err(err) if code_of(&err) == Some(code) => Ok(err.to_string()),
        Err(err) => fail(format!("{what}: expected Tableau error {code}, got: {err}")),
    }
}

/// Fails unless the session manager has signed in exactly `expected` times.
pub(crate) fn expect_sign_ins(manager: &SessionManager, expected: u64) -> Result<(), Failure> {
    let count = manager.sign_in_count();
    ensure(count == expected, || {
        format!("the manager signed in {count} times, expected {expected}")
    })
}

/// The name of a format for messages.
pub(crate) fn format_name(format: WireFormat) -> &'static str {
    match format {
        WireFormat::Xml => "XML",
        WireFormat::Json => "JSON",
    }
}

/// Reads the most recent sign-in body from the mock's log and validates it against
/// docs/protocol.md section 3 (values of secrets are redacted in the log; the structure is what is judged).
pub(crate) async fn last_sign_in_body(
    target: &Target,
    format: WireFormat,
) -> Result<ValidatedSignIn, Failure> {
    let log = target
        .control()?
        .requests()
        .await
        .context("mock control API")?;
    let entry = log
        .iter()
        .rev()
        .find(|r| r.method == "POST" && r.path.to_ascii_lowercase().ends_with("/auth/signin"))
        .context("the mock's log holds no sign-in")?;
    let content_type = entry
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    ensure(content_type.starts_with(format.media_type()), || {
        format!(
            "the sign-in was sent as `{content_type}`, expected {}",
            format.media_type()
        )
    })?;
    let body = entry
        .body
        .as_deref()
        .context("the logged sign-in has no body")?;
    match format {
        WireFormat::Xml => validate_xml(body),
        WireFormat::Json => validate_json(body),
    }
    .map_err(|e| {
        Failure(format!(
            "the sign-in body breaks docs/protocol.md section 3: {e}"
        ))
    })
}

/// Signs in with `provider` in `format`, proves the session works (current session, user
/// look-up), signs out and proves the token is refused afterwards.
pub(crate) async fn full_session(
    target: &Target,
    client: &Client,
    provider: &dyn AuthProvider,
    format: WireFormat,
    expected_family: &str,
) -> CheckResult {
    let client = client.with_format(format);
    let session = client.sign_in(provider).await.context("sign-in")?;
    if target.control().is_ok() {
        let body = last_sign_in_body(target, format).await?;
        ensure(body.family == expected_family, || {
            format!(
                "the provider sent a {} body, expected {expected_family}",
                body.family
            )
        })?;
    }
    use_session(&client, &session).await?;
    client.sign_out(&session).await.context("sign-out")?;
    refused_after_sign_out(&client, &session).await?;
    Ok(format!(
        "{} sign-in, session and user look-up work; sign-out ends the session",
        format_name(format)
    ))
}

/// Calls `sessions/current` (when the version has it) and the user look-up.
pub(crate) async fn use_session(client: &Client, session: &Session) -> Result<(), Failure> {
    if session.api_version().supports(Feature::CurrentSession) {
        let current = client
            .current_session(session)
            .await
            .context("GET sessions/current")?;
        ensure(current.user.id == session.user_id(), || {
            "sessions/current names another user than the sign-in did".into()
        })?;
        ensure(current.site.id == session.site_id(), || {
            "sessions/current names another site than the sign-in did".into()
        })?;
    }
    let user = client
        .get_user(session, session.user_id())
        .await
        .context("GET sites/{site}/users/{user}")?;
    ensure(user.id == session.user_id(), || {
        "the user look-up answered another user".into()
    })
}

/// After sign-out the token must get 401002.
pub(crate) async fn refused_after_sign_out(
    client: &Client,
    session: &Session,
) -> Result<(), Failure> {
    let result = client.get_user(session, session.user_id()).await;
    expect_code(result, 401_002, "a call with the signed-out token").map(drop)
}

/// An enabled connected app on the target's site: what the checks register.
pub(crate) fn app_on_site(
    target: &Target,
    client_id: &str,
    secret_id: &str,
    secret_value: &str,
) -> ConnectedApp {
    ConnectedApp {
        site: target.site().to_owned(),
        client_id: client_id.to_owned(),
        secret_id: secret_id.to_owned(),
        secret_value: secret_value.to_owned(),
        enabled: true,
    }
}
