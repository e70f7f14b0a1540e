//! The password provider: the bodies it produces, its errors and its `Debug`.

use insta::assert_snapshot;
use proptest::prelude::*;
use tableau_auth_core::{
    AuthProvider, CredentialKind, Credentials, ProviderError, SignInRequest, WireFormat,
};
use tableau_auth_password::PasswordProvider;

fn credentials(provider: &PasswordProvider) -> Credentials {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(provider.credentials())
        .unwrap()
}

fn body(provider: &PasswordProvider, format: WireFormat) -> String {
    SignInRequest::new(&credentials(provider))
        .render(format)
        .unwrap()
        .expose_secret()
        .to_owned()
}

fn full() -> PasswordProvider {
    PasswordProvider::new("jdoe", "fake-p@ss & <word> ")
        .unwrap()
        .site("finance")
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
fn default_site_body() {
    let provider = PasswordProvider::new("jdoe", "fake-pass").unwrap();
    assert_snapshot!(body(&provider, WireFormat::Xml), @r#"<tsRequest><credentials name="jdoe" password="fake-pass"><site contentUrl=""/></credentials></tsRequest>"#);
}

#[test]
fn credentials_carry_family_site_and_impersonation() {
    let provider = full();
    assert_eq!(provider.name(), "password");
    let creds = credentials(&provider);
    assert_eq!(creds.kind(), CredentialKind::Password);
    assert_eq!(creds.site(), "finance");
    assert_eq!(
        creds.impersonated_user_id(),
        Some("9f9e9d9c-1111-2222-3333-444455556666")
    );
}

#[test]
fn a_trailing_space_in_the_password_survives() {
    let provider = PasswordProvider::new("jdoe", "pass ").unwrap();
    assert!(body(&provider, WireFormat::Json).contains(r#""password":"pass ""#));
}

#[test]
fn refuses_an_empty_or_blank_user_name() {
    for username in ["", "   ", "\t\n"] {
        let err = PasswordProvider::new(username, "SECRET-not-shown").unwrap_err();
        assert!(
            matches!(err, ProviderError::InvalidConfiguration { .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "password provider is misconfigured: the user name is empty; give the Tableau user \
             name to sign in as"
        );
    }
}

#[test]
fn debug_redacts_the_password() {
    assert_eq!(
        format!("{:?}", full()),
        r#"PasswordProvider(Credentials { family: Password { username: "jdoe", password: [redacted] }, target: SignInTarget { content_url: "finance", impersonate: Some("9f9e9d9c-1111-2222-3333-444455556666") } })"#
    );
}

proptest! {
    #[test]
    fn debug_never_shows_the_password(
        username in "[a-z]{1,12}",
        password in "SECRET-[ -~]{12,40}",
    ) {
        let provider = PasswordProvider::new(username, password.as_str()).unwrap();
        let debug = format!("{provider:?}");
        prop_assert!(!debug.contains(&password));
        let creds_debug = format!("{:?}", credentials(&provider));
        prop_assert!(!creds_debug.contains(&password));
    }
}
