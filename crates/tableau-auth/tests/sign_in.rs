//! Signing in, out and across sites with every provider and both wire formats.

mod common;

use std::sync::Arc;

use common::{Clock, connected_app, password, pat, requests_to};
use tableau_auth::StaticEnv;
use tableau_auth::{
    ApiVersion, AuthProvider, Client, CredentialKind, Error, ErrorCode, ExposeSecret, Feature,
    PasswordProvider, PersonalAccessTokenProvider, WireFormat,
};
use tableau_mock_server::MockServer;

async fn sign_in_and_check(mock: &MockServer, provider: &dyn AuthProvider, format: WireFormat) {
    let client = Clock::new().client(mock).with_format(format);
    let session = client.sign_in(provider).await.expect("sign-in");
    assert!(!session.token().expose_secret().is_empty());
    assert_eq!(session.site_content_url(), "");
    assert_eq!(session.api_version(), ApiVersion::new(3, 27));
    let me = client
        .current_session(&session)
        .await
        .expect("current session");
    assert_eq!(me.user.id, session.user_id());
    assert_eq!(me.site.id, session.site_id());
    let user = client
        .get_user(&session, session.user_id())
        .await
        .expect("user");
    assert_eq!(user.name.as_deref(), Some("admin"));
    client.sign_out(&session).await.expect("sign-out");

    let sign_ins = requests_to(mock, "/auth/signin").await;
    let last = sign_ins.last().expect("a sign-in was recorded");
    let content_type = last
        .headers
        .get("content-type")
        .cloned()
        .unwrap_or_default();
    assert_eq!(content_type, format.media_type(), "{last:?}");
}

#[tokio::test]
async fn password_sign_in_in_xml_and_json() {
    let mock = MockServer::start().await;
    for format in [WireFormat::Xml, WireFormat::Json] {
        sign_in_and_check(&mock, &password(&mock), format).await;
    }
}

#[tokio::test]
async fn pat_sign_in_in_xml_and_json_reports_the_expiry_estimate() {
    let mock = MockServer::start().await;
    for format in [WireFormat::Xml, WireFormat::Json] {
        sign_in_and_check(&mock, &pat(&mock), format).await;
    }
    let client = Clock::new().client(&mock);
    let session = client.sign_in(&pat(&mock)).await.unwrap();
    assert_eq!(
        session.credential_kind(),
        Some(CredentialKind::PersonalAccessToken)
    );
    assert!(session.pat_expires_in().is_some());
}

#[tokio::test]
async fn connected_app_sign_in_in_xml_and_json() {
    let mock = MockServer::start().await;
    let provider = connected_app(&mock).await;
    for format in [WireFormat::Xml, WireFormat::Json] {
        sign_in_and_check(&mock, &provider, format).await;
    }
}

#[tokio::test]
async fn environment_provider_configures_the_client() {
    let mock = MockServer::start().await;
    let creds = mock.default_credentials();
    let uri = mock.uri();
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_SERVER_URL", uri.as_str()),
        ("TABLEAU_PAT_NAME", creds.pat_name.as_str()),
        ("TABLEAU_PAT_SECRET", creds.pat_secret.as_str()),
        ("TABLEAU_API_VERSION", "3.20"),
    ]);
    let (client, provider) = Client::from_env_source(env.clone()).expect("from env");
    assert_eq!(client.api_version().await.unwrap(), ApiVersion::new(3, 20));
    let session = client.sign_in(&provider).await.expect("sign-in");
    assert_eq!(session.api_version(), ApiVersion::new(3, 20));
    assert!(requests_to(&mock, "/api/3.20/auth/signin").await.len() == 1);
}

#[tokio::test]
async fn version_is_negotiated_once() {
    let mock = MockServer::builder().api_version("3.19").start().await;
    let client = Clock::new().client(&mock);
    assert_eq!(client.api_version().await.unwrap(), ApiVersion::new(3, 19));
    client.sign_in(&password(&mock)).await.unwrap();
    client.sign_in(&password(&mock)).await.unwrap();
    assert_eq!(requests_to(&mock, "/serverinfo").await.len(), 1);
    assert_eq!(requests_to(&mock, "/api/3.19/auth/signin").await.len(), 2);
}

#[tokio::test]
async fn pat_on_a_server_older_than_3_6_fails_before_sending() {
    let mock = MockServer::builder().api_version("3.5").start().await;
    let client = Clock::new().client(&mock);
    let err = client.sign_in(&pat(&mock)).await.unwrap_err();
    match &err {
        Error::UnsupportedByServer {
            feature,
            server_version,
            required,
            ..
        } => {
            assert_eq!(*feature, Feature::PersonalAccessToken);
            assert_eq!(*server_version, ApiVersion::new(3, 5));
            assert_eq!(*required, ApiVersion::new(3, 6));
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("3.6") && text.contains("3.5") && text.contains("2019.4"),
        "{text}"
    );
    assert!(requests_to(&mock, "/auth/signin").await.is_empty());
    // A password still works there.
    client.sign_in(&password(&mock)).await.unwrap();
}

#[tokio::test]
async fn jwt_on_a_server_older_than_3_17_fails_before_sending() {
    let mock = MockServer::builder().api_version("3.16").start().await;
    let provider = connected_app(&mock).await;
    let err = Clock::new()
        .client(&mock)
        .sign_in(&provider)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::UnsupportedByServer {
            feature: Feature::ConnectedApp,
            ..
        }
    ));
    assert!(err.to_string().contains("3.17"), "{err}");
    assert!(requests_to(&mock, "/auth/signin").await.is_empty());
}

#[tokio::test]
async fn wrong_credentials_name_the_likely_causes() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let provider = PasswordProvider::new("admin", "wrong")
        .unwrap()
        .site("a946d998-2ead-4894-bb50-1054a91dcab3");
    let err = client.sign_in(&provider).await.unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::SIGNIN_ERROR));
    let text = err.to_string();
    assert!(text.contains("looks like a site LUID"), "{text}");
    assert!(text.contains("content URL"), "{text}");
    assert!(!text.contains("wrong"), "{text}");

    let revoked = PersonalAccessTokenProvider::new("no-such-token", "s3cret-value").unwrap();
    let text = client.sign_in(&revoked).await.unwrap_err().to_string();
    assert!(text.contains("revoked"), "{text}");
    assert!(!text.contains("s3cret-value"), "{text}");
}

#[tokio::test]
async fn sign_out_after_expiry_succeeds() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let session = client.sign_in(&password(&mock)).await.unwrap();
    client.sign_out(&session).await.unwrap();
    client
        .sign_out(&session)
        .await
        .expect("already signed out is fine");
    let err = client.current_session(&session).await.unwrap_err();
    assert!(matches!(err, Error::SessionExpired { .. }), "{err:?}");
}

#[tokio::test]
async fn switch_site_and_same_site() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let session = client.sign_in(&password(&mock)).await.unwrap();
    let same = client
        .switch_site(&session, "")
        .await
        .expect("403070 is success");
    assert_eq!(
        same.token().expose_secret(),
        session.token().expose_secret()
    );
    let switched = client.switch_site(&session, "analytics").await.unwrap();
    assert_eq!(switched.site_content_url(), "analytics");
    assert_ne!(switched.site_id(), session.site_id());
    let me = client.current_session(&switched).await.unwrap();
    assert_eq!(me.site.content_url, "analytics");
}

#[tokio::test]
async fn plain_http_is_refused_for_remote_hosts() {
    let err = Client::builder()
        .server_url("http://tableau.example.com")
        .build()
        .unwrap_err();
    assert!(matches!(&err, Error::InsecureUrl { host } if host == "tableau.example.com"));
    assert!(err.to_string().contains("https://"), "{err}");
    Client::builder()
        .server_url("http://tableau.example.com")
        .allow_insecure_http(true)
        .build()
        .expect("explicitly allowed");
}

#[tokio::test]
async fn session_debug_redacts_the_token() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let session = Arc::new(client.sign_in(&pat(&mock)).await.unwrap());
    let debug = format!("{session:?}");
    assert!(debug.contains("token: [redacted]"), "{debug}");
    assert!(!debug.contains(session.token().expose_secret()), "{debug}");
}

#[tokio::test]
async fn every_handled_rejection_says_what_to_do() {
    let mock = MockServer::start().await;
    let client = Clock::new().client(&mock);
    let session = client.sign_in(&password(&mock)).await.unwrap();

    let err = client
        .switch_site(&session, "no-such-site")
        .await
        .unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::SWITCH_SITE_ERROR));
    assert!(
        err.hint().is_some_and(|h| h.contains("content URL")),
        "{err}"
    );

    let impersonating = password(&mock).impersonate("00000000-0000-0000-0000-000000000000");
    let err = client.sign_in(&impersonating).await.unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::USER_NOT_FOUND));
    assert!(err.hint().is_some_and(|h| h.contains("LUID")), "{err}");

    let err = client
        .get_user(&session, "00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(err.tableau_code(), Some(ErrorCode::USER_NOT_FOUND));
    assert!(
        err.to_string().contains("hint: no user with this LUID"),
        "{err}"
    );
}
