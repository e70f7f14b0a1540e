//! Strict JSON request bodies: unknown, duplicate or `null` keys are refused.

use serde::{Deserialize, Deserializer};

use super::{BodyError, RawCredentials, SignInRequest, SwitchSiteRequest};

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    credentials: CredentialsBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CredentialsBody {
    #[serde(default, deserialize_with = "present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    password: Option<String>,
    #[serde(default, deserialize_with = "present")]
    personal_access_token_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    personal_access_token_secret: Option<String>,
    #[serde(default, deserialize_with = "present")]
    jwt: Option<String>,
    #[serde(default, deserialize_with = "present")]
    is_uat: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    site: Option<SiteBody>,
    #[serde(default, deserialize_with = "present")]
    user: Option<UserBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SiteBody {
    content_url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchSiteBody {
    site: SiteBody,
}

fn malformed(error: serde_json::Error) -> BodyError {
    BodyError::new(format!("malformed JSON: {error}"))
}

pub(super) fn parse_sign_in(body: &[u8]) -> Result<SignInRequest, BodyError> {
    let parsed: SignInBody = serde_json::from_slice(body).map_err(malformed)?;
    let c = parsed.credentials;
    RawCredentials {
        name: c.name,
        password: c.password,
        pat_name: c.personal_access_token_name,
        pat_secret: c.personal_access_token_secret,
        jwt: c.jwt,
        is_uat: c.is_uat,
        site_content_url: c.site.map(|site| site.content_url),
        user_id: c.user.map(|user| user.id),
    }
    .into_request()
}

pub(super) fn parse_switch_site(body: &[u8]) -> Result<SwitchSiteRequest, BodyError> {
    let parsed: SwitchSiteBody = serde_json::from_slice(body).map_err(malformed)?;
    Ok(SwitchSiteRequest {
        content_url: parsed.site.content_url,
    })
}

#[cfg(test)]
mod tests {
    use super::super::CredentialFamily;
    use super::*;

    #[test]
    fn accepts_pat_and_jwt() {
        let r = parse_sign_in(
            br#"{"credentials":{"personalAccessTokenName":"n","personalAccessTokenSecret":"s","site":{"contentUrl":"x"},"user":{"id":"u"}}}"#,
        )
        .unwrap();
        assert_eq!(
            r.credentials,
            CredentialFamily::PersonalAccessToken {
                name: "n".into(),
                secret: "s".into()
            }
        );
        assert_eq!(r.impersonate_user_id.as_deref(), Some("u"));
        let r =
            parse_sign_in(br#"{"credentials":{"jwt":"j","isUat":true,"site":{"contentUrl":""}}}"#)
                .unwrap();
        assert_eq!(
            r.credentials,
            CredentialFamily::Jwt {
                jwt: "j".into(),
                is_uat: Some(true)
            }
        );
    }

    #[test]
    fn refuses_strictly() {
        for body in [
            r#"{"credentials":{"name":"a","password":"p","site":{"contentUrl":""},"x":1}}"#,
            r#"{"credentials":{"name":"a","name":"b","password":"p","site":{"contentUrl":""}}}"#,
            r#"{"credentials":{"name":"a","password":null,"site":{"contentUrl":""}}}"#,
            r#"{"credentials":{"name":"a","password":"p"}}"#,
            r#"{"credentials":{"clientId":"a","personalAccessToken":"p","site":{"contentUrl":""}}}"#,
            r#"{"credentials":{"jwt":"j","isUat":"false","site":{"contentUrl":""}}}"#,
            r#"{"credentials":{"name":"a","password":"p","site":{"contentUrl":""}}} x"#,
            r#"{"credentials":{"name":"a","password":"p","site":{"contentUrl":"","id":"1"}}}"#,
            r#"[]"#,
        ] {
            assert!(parse_sign_in(body.as_bytes()).is_err(), "accepted: {body}");
        }
    }
}
