//! The personal access token provider: the bodies it produces, its errors and its `Debug`.

use insta::assert_snapshot;
use proptest::prelude::*;
use tableau_auth_core::{
    AuthProvider, CredentialKind, Credentials, ProviderError, SignInRequest, WireFormat,
};
use tableau_auth_pat::PersonalAccessTokenProvider;

fn credentials(provider: &PersonalAccessTokenProvider) -> Credentials {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(provider.credentials())
        .unwrap()
}

fn body(provider: &PersonalAccessTokenProvider, format: WireFormat) -> String {
    SignInRequest::new(&credentials(provider))
        .render(format)
        .unwrap()
        .expose_secret()
        .to_owned()
}

fn full() -> PersonalAccessTokenProvider {
    PersonalAccessTokenProvider::new("ci-token", "FAKE+pat/secret==:0123456789abcdef")
        .unwrap()
        .site("MarketingTeam")
        .impersonate("9f9e9d9c-1111-2222-3333-444455556666")
}

#[test]
fn xml_body() {
    assert_snapshot!(body(&full(), WireFormat::Xml));
}

#[test]
fn json_body() {
    assert_snapshot!(body(&full(), WireFormat::Json));
}

#[test]
fn never_sends_the_pre_release_field_names() {
    for format in [WireFormat::Xml, WireFormat::Json] {
        let body = body(&full(), format);
        assert!(!body.contains("clientId"), "{body}");
        assert!(!body.contains("personalAccessToken=\""), "{body}");
        assert!(!body.contains("\"personalAccessToken\""), "{body}");
        assert!(body.contains("personalAccessTokenName"), "{body}");
        assert!(body.contains("personalAccessTokenSecret"), "{body}");
    }
}

#[test]
fn credentials_carry_family_site_and_impersonation() {
    let provider = full();
    assert_eq!(provider.name(), "pat");
    let creds = credentials(&provider);
    assert_eq!(creds.kind(), CredentialKind::PersonalAccessToken);
    assert_eq!(creds.site(), "MarketingTeam");
    assert_eq!(
        creds.impersonated_user_id(),
        Some("9f9e9d9c-1111-2222-3333-444455556666")
    );
}

#[test]
fn refuses_an_empty_name_or_secret() {
    let err = PersonalAccessTokenProvider::new(" ", "SECRET-not-shown").unwrap_err();
    assert!(matches!(err, ProviderError::InvalidConfiguration { .. }));
    assert_snapshot!(err.to_string(), @"pat provider is misconfigured: the personal access token name is empty; give the name shown in My Account Settings");

    for secret in ["", "  "] {
        let err = PersonalAccessTokenProvider::new("ci-token", secret).unwrap_err();
        assert!(matches!(err, ProviderError::InvalidConfiguration { .. }));
        assert_eq!(
            err.to_string(),
            "pat provider is misconfigured: the secret of personal access token `ci-token` is empty"
        );
    }
}

#[test]
fn debug_redacts_the_secret() {
    assert_eq!(
        format!("{:?}", full()),
        r#"PersonalAccessTokenProvider(Credentials { family: PersonalAccessToken { name: "ci-token", secret: [redacted] }, target: SignInTarget { content_url: "MarketingTeam", impersonate: Some("9f9e9d9c-1111-2222-3333-444455556666") } })"#
    );
}

proptest! {
    #[test]
    fn debug_never_shows_the_secret(
        name in "[a-z-]{1,20}",
        secret in "SECRET-[ -~]{12,40}",
    ) {
        let provider = PersonalAccessTokenProvider::new(name, secret.as_str()).unwrap();
        let debug = format!("{provider:?}");
        prop_assert!(!debug.contains(&secret));
        let creds_debug = format!("{:?}", credentials(&provider));
        prop_assert!(!creds_debug.contains(&secret));
    }
}
