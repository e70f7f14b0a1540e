//! Offline checks: every family's body, rendered by core in both formats, is re-validated by
//! the independent spec validator and carries exactly the values it was given.

use tableau_auth_core::{Credentials, SignInRequest, WireFormat};

use crate::context::CheckContext;
use crate::outcome::{CheckResult, ResultExt, ensure};
use crate::validate::{validate_json, validate_xml};
use crate::{Check, check};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        check!(
            "wire.password.xml",
            "wire",
            provider = "password",
            Offline,
            "a password body renders as spec-correct XML with escaping",
            password_xml
        ),
        check!(
            "wire.password.json",
            "wire",
            provider = "password",
            Offline,
            "a password body renders as spec-correct JSON",
            password_json
        ),
        check!(
            "wire.pat.xml",
            "wire",
            provider = "pat",
            Offline,
            "a PAT body renders as spec-correct XML without pre-release fields",
            pat_xml
        ),
        check!(
            "wire.pat.json",
            "wire",
            provider = "pat",
            Offline,
            "a PAT body renders as spec-correct JSON without pre-release fields",
            pat_json
        ),
        check!(
            "wire.connected-app.xml",
            "wire",
            provider = "connected-app",
            Offline,
            "a connected-app JWT body (no isUat) renders as spec-correct XML",
            connected_app_xml
        ),
        check!(
            "wire.connected-app.json",
            "wire",
            provider = "connected-app",
            Offline,
            "a connected-app JWT body (no isUat) renders as spec-correct JSON",
            connected_app_json
        ),
        check!(
            "wire.uat.xml",
            "wire",
            provider = "uat",
            Offline,
            "a unified access token body (isUat=\"true\") renders as spec-correct XML",
            uat_xml
        ),
        check!(
            "wire.uat.json",
            "wire",
            provider = "uat",
            Offline,
            "a unified access token body (isUat true) renders as spec-correct JSON",
            uat_json
        ),
        check!(
            "wire.impersonation",
            "wire",
            provider = "wire",
            Offline,
            "impersonation adds exactly one user id in both formats",
            impersonation
        ),
        check!(
            "wire.xml-unrepresentable",
            "wire",
            provider = "wire",
            Offline,
            "characters XML cannot carry give a typed error, and JSON carries them",
            unrepresentable
        ),
    ]
}

const NASTY: &str = "p&ss<w>rd\"q'\ttab\nlf\rcr é✓😀";

/// A family's name, sample credentials, and the fields its body must carry.
type Sample = (
    &'static str,
    Credentials,
    &'static [(&'static str, &'static str)],
);

fn samples() -> [Sample; 4] {
    [
        (
            "password",
            Credentials::password("j&doe", NASTY).with_site("Marketing<Team>"),
            &[("name", "j&doe"), ("password", NASTY)],
        ),
        (
            "pat",
            Credentials::personal_access_token("ci \"token\"", NASTY).with_site(""),
            &[
                ("personalAccessTokenName", "ci \"token\""),
                ("personalAccessTokenSecret", NASTY),
            ],
        ),
        (
            "connected-app",
            Credentials::connected_app("eyJ.payload.sig").with_site("finance"),
            &[("jwt", "eyJ.payload.sig")],
        ),
        (
            "uat",
            Credentials::unified_access_token("eyJ.uat-payload.sig").with_site("finance"),
            &[("jwt", "eyJ.uat-payload.sig"), ("isUat", "true")],
        ),
    ]
}

fn render_and_validate(family: &str, format: WireFormat) -> CheckResult {
    let (_, creds, expected) = samples()
        .into_iter()
        .find(|(name, ..)| *name == family)
        .context("unknown family")?;
    let body = SignInRequest::new(&creds)
        .render(format)
        .context("rendering")?;
    let validated = match format {
        WireFormat::Xml => validate_xml(body.expose_secret()),
        WireFormat::Json => validate_json(body.expose_secret()),
    }
    .context("the rendered body breaks docs/protocol.md section 3")?;
    // On the wire, connected apps and unified access tokens are both the `jwt` family.
    let wire_family = match family {
        "connected-app" | "uat" => "jwt",
        other => other,
    };
    ensure(validated.family == wire_family, || {
        format!("validator saw family {}", validated.family)
    })?;
    ensure(validated.site == creds.site(), || {
        "the site content URL changed on the way".into()
    })?;
    ensure(validated.user_id.is_none(), || {
        "an impersonation element appeared".into()
    })?;
    for (name, value) in expected {
        ensure(
            validated.attributes.get(*name).map(String::as_str) == Some(*value),
            || format!("`{name}` did not survive rendering and parsing unchanged"),
        )?;
    }
    ensure(validated.attributes.len() == expected.len(), || {
        "extra credential attributes".into()
    })?;
    Ok(format!(
        "{} body validated independently",
        format.media_type()
    ))
}

async fn password_xml(_: &CheckContext) -> CheckResult {
    render_and_validate("password", WireFormat::Xml)
}
async fn password_json(_: &CheckContext) -> CheckResult {
    render_and_validate("password", WireFormat::Json)
}
async fn pat_xml(_: &CheckContext) -> CheckResult {
    render_and_validate("pat", WireFormat::Xml)
}
async fn pat_json(_: &CheckContext) -> CheckResult {
    render_and_validate("pat", WireFormat::Json)
}
async fn connected_app_xml(_: &CheckContext) -> CheckResult {
    render_and_validate("connected-app", WireFormat::Xml)
}
async fn connected_app_json(_: &CheckContext) -> CheckResult {
    render_and_validate("connected-app", WireFormat::Json)
}
async fn uat_xml(_: &CheckContext) -> CheckResult {
    render_and_validate("uat", WireFormat::Xml)
}
async fn uat_json(_: &CheckContext) -> CheckResult {
    render_and_validate("uat", WireFormat::Json)
}

async fn impersonation(_: &CheckContext) -> CheckResult {
    for (family, creds, _) in samples() {
        let creds = creds.with_impersonation("9f9e9d9c-8b8a-7978-6766-555453525150");
        for format in [WireFormat::Xml, WireFormat::Json] {
            let body = SignInRequest::new(&creds)
                .render(format)
                .context("rendering")?;
            let validated = match format {
                WireFormat::Xml => validate_xml(body.expose_secret()),
                WireFormat::Json => validate_json(body.expose_secret()),
            }
            .context(family)?;
            ensure(
                validated.user_id.as_deref() == Some("9f9e9d9c-8b8a-7978-6766-555453525150"),
                || format!("{family}: the user id did not round-trip"),
            )?;
        }
    }
    Ok("user id present and exact for every family and format".into())
}

async fn unrepresentable(_: &CheckContext) -> CheckResult {
    let creds = Credentials::password("jdoe", "bell\u{7}");
    let err = SignInRequest::new(&creds).render(WireFormat::Xml);
    ensure(err.is_err(), || "U+0007 was rendered into XML".into())?;
    let json = SignInRequest::new(&creds)
        .render(WireFormat::Json)
        .context("JSON rendering")?;
    let validated = validate_json(json.expose_secret()).context("JSON body")?;
    ensure(
        validated.attributes.get("password").map(String::as_str) == Some("bell\u{7}"),
        || "JSON did not carry U+0007".into(),
    )?;
    Ok("XML refused with a typed error; JSON carried the character".into())
}
