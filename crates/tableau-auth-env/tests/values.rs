//! What the environment provider sends: secrets verbatim (less one line ending from a file),
//! the bodies it produces, its `Debug`, and how it behaves in a `ProviderChain`.

use std::sync::Arc;

use insta::assert_snapshot;
use secrecy::ExposeSecret;
use tableau_auth_core::{
    AuthProvider, CredentialFamily, CredentialKind, Credentials, ProviderChain, ProviderError,
    SignInRequest, StaticEnv, WireFormat,
};
use tableau_auth_env::EnvironmentProvider;
use tableau_auth_pat::PersonalAccessTokenProvider;

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn credentials(env: &StaticEnv) -> Credentials {
    let provider = EnvironmentProvider::from_source(env.clone());
    run(provider.credentials()).unwrap()
}

fn password_of(creds: &Credentials) -> String {
    match creds.family() {
        CredentialFamily::Password { password, .. } => password.expose_secret().to_owned(),
        other => panic!("not a password: {other:?}"),
    }
}

fn pat_secret_of(creds: &Credentials) -> String {
    match creds.family() {
        CredentialFamily::PersonalAccessToken { secret, .. } => secret.expose_secret().to_owned(),
        other => panic!("not a PAT: {other:?}"),
    }
}

#[test]
fn a_file_loses_exactly_one_trailing_line_ending() {
    let cases: [(&[u8], &str); 7] = [
        (b"pass", "pass"),
        (b"pass\n", "pass"),
        (b"pass\r\n", "pass"),
        (b"pass\n\n", "pass\n"),
        (b"pass\r\n\r\n", "pass\r\n"),
        (b"pass \n", "pass "),
        (b"  pass\t\r\n", "  pass\t"),
    ];
    for (contents, expected) in cases {
        let env = StaticEnv::from_vars(&[
            ("TABLEAU_USERNAME", "jdoe"),
            ("TABLEAU_PASSWORD_FILE", "/run/secrets/password"),
        ])
        .with_file("/run/secrets/password", contents.to_vec());
        assert_eq!(password_of(&credentials(&env)), expected, "{contents:?}");
    }
}

#[test]
fn values_are_used_verbatim_and_a_trailing_space_survives() {
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_USERNAME", "jdoe"),
        ("TABLEAU_PASSWORD", " pass word "),
    ]);
    let creds = credentials(&env);
    assert_eq!(password_of(&creds), " pass word ");
    let body = SignInRequest::new(&creds).render(WireFormat::Json).unwrap();
    assert!(body.expose_secret().contains(r#""password":" pass word ""#));

    // A value holding a newline is not a file: nothing is stripped.
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_PAT_NAME", "ci-token"),
        ("TABLEAU_PAT_SECRET", "secret\n"),
    ]);
    assert_eq!(pat_secret_of(&credentials(&env)), "secret\n");
}

fn body(env: &StaticEnv, format: WireFormat) -> String {
    SignInRequest::new(&credentials(env))
        .render(format)
        .unwrap()
        .expose_secret()
        .to_owned()
}

fn pat_env() -> StaticEnv {
    StaticEnv::from_vars(&[
        ("TABLEAU_SERVER_URL", "https://tableau.example.com"),
        ("TABLEAU_SITE", "MarketingTeam"),
        ("TABLEAU_PAT_NAME", "ci-token"),
        ("TABLEAU_PAT_SECRET_FILE", "/run/secrets/pat"),
        (
            "TABLEAU_IMPERSONATE_USER_ID",
            "9f9e9d9c-1111-2222-3333-444455556666",
        ),
    ])
    .with_file("/run/secrets/pat", "FAKE-pat-secret==\n")
}

fn password_env() -> StaticEnv {
    StaticEnv::from_vars(&[
        ("TABLEAU_SITE", "finance"),
        ("TABLEAU_USERNAME", "jdoe"),
        ("TABLEAU_PASSWORD", "fake & \"quoted\" "),
    ])
}

fn jwt_env() -> StaticEnv {
    StaticEnv::from_vars(&[
        ("TABLEAU_SITE", "finance"),
        ("TABLEAU_JWT_CLIENT_ID", "client-id"),
        ("TABLEAU_JWT_SECRET_ID", "secret-id"),
        ("TABLEAU_JWT_SECRET", "FAKEc2VjcmV0"),
        ("TABLEAU_JWT_USERNAME", "jdoe@example.com"),
    ])
}

#[test]
fn pat_bodies() {
    assert_snapshot!("pat_xml", body(&pat_env(), WireFormat::Xml));
    assert_snapshot!("pat_json", body(&pat_env(), WireFormat::Json));
}

#[test]
fn password_bodies() {
    assert_snapshot!("password_xml", body(&password_env(), WireFormat::Xml));
    assert_snapshot!("password_json", body(&password_env(), WireFormat::Json));
}

#[test]
fn connected_app_bodies_with_the_token_redacted() {
    let creds = credentials(&jwt_env());
    let CredentialFamily::ConnectedApp { jwt: token } = creds.family() else {
        panic!("not a JWT");
    };
    let token = token.expose_secret();
    for (name, format) in [("jwt_xml", WireFormat::Xml), ("jwt_json", WireFormat::Json)] {
        let body = SignInRequest::new(&creds).render(format).unwrap();
        assert_snapshot!(name, body.expose_secret().replace(token, "[signed JWT]"));
    }
}

#[test]
fn each_connected_app_sign_in_mints_a_new_token() {
    let provider = EnvironmentProvider::from_source(jwt_env());
    assert_eq!(provider.kind(), Some(CredentialKind::ConnectedApp));
    let first = run(provider.credentials()).unwrap();
    let second = run(provider.credentials()).unwrap();
    let token = |creds: &Credentials| match creds.family() {
        CredentialFamily::ConnectedApp { jwt: token } => token.expose_secret().to_owned(),
        other => panic!("{other:?}"),
    };
    assert_ne!(token(&first), token(&second));
}

#[test]
fn debug_shows_the_choice_never_the_secret() {
    let provider = EnvironmentProvider::from_source(pat_env());
    assert_eq!(
        format!("{provider:?}"),
        r#"EnvironmentProvider { prefix: "TABLEAU_", server_url: Some("https://tableau.example.com"), api_version: None, target: SignInTarget { content_url: "MarketingTeam", impersonate: Some("9f9e9d9c-1111-2222-3333-444455556666") }, choice: Ok(PersonalAccessToken { name: "ci-token", secret: File { variable: "TABLEAU_PAT_SECRET_FILE", path: "/run/secrets/pat" } }), env: StaticEnv { vars: ["TABLEAU_IMPERSONATE_USER_ID", "TABLEAU_PAT_NAME", "TABLEAU_PAT_SECRET_FILE", "TABLEAU_SERVER_URL", "TABLEAU_SITE"], files: ["/run/secrets/pat"] }, time: SystemTimeSource }"#
    );
    assert_eq!(provider.name(), "env");
}

#[test]
fn accessors_report_the_environment() {
    let env = pat_env().with_var("TABLEAU_API_VERSION", "3.27");
    let provider = EnvironmentProvider::from_source(env);
    assert_eq!(provider.kind(), Some(CredentialKind::PersonalAccessToken));
    assert_eq!(provider.server_url(), Some("https://tableau.example.com"));
    assert_eq!(provider.target().content_url(), "MarketingTeam");
    assert_eq!(
        provider.api_version().map(|v| v.to_string()).as_deref(),
        Some("3.27")
    );
    assert_eq!(
        provider.target().impersonated_user_id(),
        Some("9f9e9d9c-1111-2222-3333-444455556666")
    );
    assert_eq!(provider.prefix(), "TABLEAU_");
}

#[test]
fn in_a_chain_an_unconfigured_environment_falls_through() {
    let fallback = PersonalAccessTokenProvider::new("fallback", "FAKE-secret").unwrap();
    let chain = ProviderChain::first_try("env", EnvironmentProvider::from_source(StaticEnv::new()))
        .or_else("pat", fallback);
    let creds = run(chain.credentials()).unwrap();
    assert_eq!(pat_secret_of(&creds), "FAKE-secret");
    assert_eq!(format!("{chain:?}"), r#"ProviderChain(["env", "pat"])"#);
}

#[test]
fn in_a_chain_a_configured_environment_wins() {
    let fallback = PersonalAccessTokenProvider::new("fallback", "FAKE-secret").unwrap();
    let chain = ProviderChain::first_try("env", EnvironmentProvider::from_source(pat_env()))
        .or_else("pat", fallback);
    let creds = run(chain.credentials()).unwrap();
    assert_eq!(pat_secret_of(&creds), "FAKE-pat-secret==");
}

#[test]
fn a_misconfigured_environment_stops_the_chain() {
    let half = StaticEnv::from_vars(&[("TABLEAU_PAT_NAME", "ci-token")]);
    let fallback = PersonalAccessTokenProvider::new("fallback", "FAKE-secret").unwrap();
    let chain = ProviderChain::first_try("env", EnvironmentProvider::from_source(half))
        .or_else("pat", fallback);
    let err = run(chain.credentials()).unwrap_err();
    assert!(
        matches!(err, ProviderError::InvalidConfiguration { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("TABLEAU_PAT_SECRET"), "{err}");
}

#[test]
fn when_nothing_in_the_chain_is_configured_every_attempt_is_listed() {
    let empty = StaticEnv::new();
    let chain = ProviderChain::first_try("env", EnvironmentProvider::from_source(empty.clone()))
        .or_else(
            "prod-env",
            EnvironmentProvider::with_prefix("PROD_TABLEAU_", empty),
        );
    let err = run(chain.credentials()).unwrap_err();
    assert!(err.is_not_configured());
    let text = err.to_string();
    assert!(
        text.contains("env: no credential variables are set (looked for TABLEAU_AUTH"),
        "{text}"
    );
    assert!(
        text.contains("prod-env: no credential variables are set (looked for PROD_TABLEAU_AUTH"),
        "{text}"
    );
}

#[test]
fn shared_providers_work_as_trait_objects() {
    let provider: Arc<dyn AuthProvider> =
        Arc::new(EnvironmentProvider::from_source(password_env()));
    let creds = run(provider.credentials()).unwrap();
    assert_eq!(creds.kind(), CredentialKind::Password);
    assert_eq!(creds.site(), "finance");
}

/// An environment whose secret file changes between reads, as a rotated Kubernetes secret does.
#[derive(Debug)]
struct Rotating {
    vars: StaticEnv,
    path: &'static str,
    secret: std::sync::Mutex<Vec<u8>>,
}

impl tableau_auth_core::Env for Rotating {
    fn var_os(&self, name: &str) -> Option<std::ffi::OsString> {
        self.vars.var_os(name)
    }

    fn read_file(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        if path == std::path::Path::new(self.path) {
            Ok(self.secret.lock().unwrap().clone())
        } else {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }
}

#[test]
fn a_rotated_secret_file_is_read_again_at_each_sign_in() {
    let env = Arc::new(Rotating {
        vars: StaticEnv::from_vars(&[
            ("TABLEAU_PAT_NAME", "ci-token"),
            ("TABLEAU_PAT_SECRET_FILE", "/run/secrets/pat"),
        ]),
        path: "/run/secrets/pat",
        secret: std::sync::Mutex::new(b"FAKE-first\n".to_vec()),
    });
    let provider = EnvironmentProvider::from_source(Arc::clone(&env));
    assert_eq!(
        pat_secret_of(&run(provider.credentials()).unwrap()),
        "FAKE-first"
    );
    *env.secret.lock().unwrap() = b"FAKE-rotated\n".to_vec();
    assert_eq!(
        pat_secret_of(&run(provider.credentials()).unwrap()),
        "FAKE-rotated"
    );
    // A file that becomes empty is a configuration error at that sign-in, naming the variable.
    env.secret.lock().unwrap().clear();
    let err = run(provider.credentials()).unwrap_err();
    assert!(err.to_string().contains("TABLEAU_PAT_SECRET_FILE"), "{err}");
    assert!(!err.to_string().contains("FAKE-"), "{err}");
}

/// Throw-away test keys of the unified-access-token provider's tests.
const UAT_KEY_A: &str = include_str!("../../tableau-auth-uat/tests/keys/a.pem");
const UAT_PUBLIC_A: &str = include_str!("../../tableau-auth-uat/tests/keys/a.pub.pem");
const UAT_KEY_B: &str = include_str!("../../tableau-auth-uat/tests/keys/b.pem");

fn uat_vars() -> [(&'static str, &'static str); 6] {
    [
        ("TABLEAU_SITE", "finance"),
        ("TABLEAU_UAT_ISSUER", "https://uat-issuer.example.com"),
        ("TABLEAU_UAT_TENANT_ID", "tenant-0123"),
        ("TABLEAU_UAT_KEY_ID", "key-2025-12"),
        ("TABLEAU_UAT_USERNAME", "jdoe@example.com"),
        (
            "TABLEAU_UAT_SCOPES",
            "tableau:content:read,tableau:users:read",
        ),
    ]
}

fn uat_token(creds: &Credentials) -> String {
    match creds.family() {
        CredentialFamily::UnifiedAccessToken { jwt } => jwt.expose_secret().to_owned(),
        other => panic!("not a UAT: {other:?}"),
    }
}

/// The JWT's payload, decoded without checking the signature (the UAT crate's tests do that).
fn uat_claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn unified_access_token_bodies_and_claims() {
    let env = StaticEnv::from_vars(&uat_vars())
        .with_var("TABLEAU_UAT_PRIVATE_KEY", UAT_KEY_A)
        .with_var("TABLEAU_UAT_USERNAME_CLAIM", "sub");
    let provider = EnvironmentProvider::from_source(env);
    assert_eq!(
        provider.check().unwrap(),
        CredentialKind::UnifiedAccessToken
    );
    let creds = run(provider.credentials()).unwrap();
    assert_eq!(creds.site(), "finance");
    let token = uat_token(&creds);
    let claims = uat_claims(&token);
    assert_eq!(claims["sub"], "jdoe@example.com");
    assert_eq!(claims["iss"], "https://uat-issuer.example.com");
    assert_eq!(claims["https://tableau.com/tenantId"], "tenant-0123");
    assert_eq!(
        claims["scp"],
        serde_json::json!(["tableau:content:read", "tableau:users:read"])
    );
    for (name, format) in [("uat_xml", WireFormat::Xml), ("uat_json", WireFormat::Json)] {
        let body = SignInRequest::new(&creds).render(format).unwrap();
        assert_snapshot!(name, body.expose_secret().replace(&token, "[signed JWT]"));
    }
    // Each sign-in signs a new token.
    assert_ne!(uat_token(&run(provider.credentials()).unwrap()), token);
    let debug = format!("{provider:?}");
    assert!(debug.contains("key: Value([redacted])"), "{debug}");
    for line in UAT_KEY_A.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!debug.contains(line));
    }
}

#[test]
fn a_rotated_private_key_file_is_read_again_at_each_sign_in() {
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;

    let env = Arc::new(Rotating {
        vars: StaticEnv::from_vars(&uat_vars())
            .with_var("TABLEAU_UAT_PRIVATE_KEY_FILE", "/run/secrets/uat.pem"),
        path: "/run/secrets/uat.pem",
        secret: std::sync::Mutex::new(UAT_KEY_A.as_bytes().to_vec()),
    });
    let provider = EnvironmentProvider::from_source(Arc::clone(&env));
    let public_a = rsa::RsaPublicKey::from_public_key_pem(UAT_PUBLIC_A).unwrap();
    let public_a =
        jsonwebtoken::DecodingKey::from_rsa_der(public_a.to_pkcs1_der().unwrap().as_bytes());
    let verifies_with_a = |token: &str| {
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);
        jsonwebtoken::decode::<serde_json::Value>(token, &public_a, &validation).is_ok()
    };
    assert!(verifies_with_a(&uat_token(
        &run(provider.credentials()).unwrap()
    )));

    *env.secret.lock().unwrap() = UAT_KEY_B.as_bytes().to_vec();
    assert!(!verifies_with_a(&uat_token(
        &run(provider.credentials()).unwrap()
    )));

    // A file that stops holding a usable key is a configuration error at that sign-in, naming
    // the variable and the path.
    *env.secret.lock().unwrap() = b"not a key\n".to_vec();
    let err = run(provider.credentials()).unwrap_err();
    assert_snapshot!(err.to_string(), @"env provider is misconfigured: the file named by TABLEAU_UAT_PRIVATE_KEY_FILE (/run/secrets/uat.pem) is not in PEM format: expected a PKCS#8 RSA private key, the text from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----");
}

/// What a session store gets from each family: the public parts (never a secret), the site,
/// and the secret it derives its key from — the family's own long-lived secret, never a JWT.
#[test]
fn every_family_gives_a_store_identity_with_its_own_secret() {
    let identity = |vars: &[(&str, &str)]| {
        let env = StaticEnv::from_vars(vars);
        run(EnvironmentProvider::from_source(env).store_identity())
            .unwrap()
            .expect("an identity")
    };
    let secret = |id: &tableau_auth_core::StoreIdentity| {
        String::from_utf8(id.secret().expose_secret().to_vec()).unwrap()
    };

    let pat = identity(&[
        ("TABLEAU_SITE", "finance"),
        ("TABLEAU_PAT_NAME", "ci"),
        ("TABLEAU_PAT_SECRET", "FAKE-pat-secret"),
    ]);
    assert_eq!(pat.kind(), CredentialKind::PersonalAccessToken);
    assert_eq!(pat.site(), "finance");
    assert_eq!(pat.parts().collect::<Vec<_>>(), [("token", "ci")]);
    assert_eq!(secret(&pat), "FAKE-pat-secret");

    let password = identity(&[
        ("TABLEAU_USERNAME", "jdoe"),
        ("TABLEAU_PASSWORD", "FAKE password "),
        ("TABLEAU_IMPERSONATE_USER_ID", "9f9e9d9c"),
    ]);
    assert_eq!(password.kind(), CredentialKind::Password);
    assert_eq!(
        password.parts().collect::<Vec<_>>(),
        [("user", "jdoe"), ("impersonate", "9f9e9d9c")]
    );
    assert_eq!(secret(&password), "FAKE password ");

    let app = identity(&[
        ("TABLEAU_JWT_CLIENT_ID", "client-id"),
        ("TABLEAU_JWT_SECRET_ID", "secret-id"),
        ("TABLEAU_JWT_SECRET", "FAKEc2VjcmV0"),
        ("TABLEAU_JWT_USERNAME", "jdoe@example.com"),
        (
            "TABLEAU_JWT_SCOPES",
            "tableau:users:read tableau:content:read",
        ),
    ]);
    assert_eq!(app.kind(), CredentialKind::ConnectedApp);
    assert_eq!(
        app.parts().collect::<Vec<_>>(),
        [
            ("client", "client-id"),
            ("secret id", "secret-id"),
            ("user", "jdoe@example.com"),
            ("scopes", "tableau:content:read tableau:users:read"),
        ]
    );
    assert_eq!(
        secret(&app),
        "FAKEc2VjcmV0",
        "the secret value, not a minted JWT"
    );

    let mut vars = uat_vars().to_vec();
    vars.push(("TABLEAU_UAT_PRIVATE_KEY", UAT_KEY_A));
    let uat = identity(&vars);
    assert_eq!(uat.kind(), CredentialKind::UnifiedAccessToken);
    assert_eq!(uat.site(), "finance");
    assert!(uat.parts().any(|part| part == ("tenant", "tenant-0123")));
    assert!(uat.parts().any(|part| part == ("key id", "key-2025-12")));
    // The key itself (its DER form), the same however the PEM is laid out.
    let key = uat.secret().expose_secret().to_vec();
    assert!(key.len() > 500, "an RSA private key, {} bytes", key.len());
    let one_line = UAT_KEY_A.replace('\n', "\\n");
    vars.pop();
    vars.push(("TABLEAU_UAT_PRIVATE_KEY", &one_line));
    assert_eq!(identity(&vars).secret().expose_secret().to_vec(), key);

    for id in [&pat, &password, &app, &uat] {
        let debug = format!("{id:?}");
        assert!(
            !debug.contains("FAKE") && debug.contains("[redacted]"),
            "{debug}"
        );
    }

    // Not configured and misconfigured answer as credentials() does.
    let none = run(EnvironmentProvider::from_source(StaticEnv::new()).store_identity());
    assert!(none.unwrap_err().is_not_configured());
    let half = StaticEnv::from_vars(&[("TABLEAU_PAT_NAME", "ci")]);
    let half = run(EnvironmentProvider::from_source(half).store_identity());
    assert!(matches!(
        half,
        Err(ProviderError::InvalidConfiguration { .. })
    ));
}
