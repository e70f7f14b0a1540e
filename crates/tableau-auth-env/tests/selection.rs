//! The selection rules of docs/providers.md ("Rules"), one table row per rule and per error case; the
//! outcome of every row (the exact error message, or the choice made) is one snapshot.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use tableau_auth_core::{CredentialKind, ProviderError, StaticEnv};
use tableau_auth_env::EnvironmentProvider;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Chosen(CredentialKind),
    NotConfigured,
    Invalid,
}

struct Case {
    name: &'static str,
    prefix: &'static str,
    env: StaticEnv,
    expect: Expect,
}

const PAT: [(&str, &str); 2] = [
    ("TABLEAU_PAT_NAME", "ci-token"),
    ("TABLEAU_PAT_SECRET", "SECRET-pat-0123456789"),
];
const PASSWORD: [(&str, &str); 2] = [
    ("TABLEAU_USERNAME", "jdoe"),
    ("TABLEAU_PASSWORD", "SECRET-password-0123"),
];
const JWT: [(&str, &str); 4] = [
    ("TABLEAU_JWT_CLIENT_ID", "client-id"),
    ("TABLEAU_JWT_SECRET_ID", "secret-id"),
    ("TABLEAU_JWT_SECRET", "SECRET-jwt-0123456789"),
    ("TABLEAU_JWT_USERNAME", "jdoe@example.com"),
];

/// Throw-away test keys of the unified-access-token provider's tests.
const UAT_KEY: &str = include_str!("../../tableau-auth-uat/tests/keys/a.pem");
const UAT_PUBLIC_KEY: &str = include_str!("../../tableau-auth-uat/tests/keys/a.pub.pem");
const EC_KEY: &str = include_str!("../../tableau-auth-uat/tests/keys/ec.pem");
const UAT: [(&str, &str); 6] = [
    ("TABLEAU_UAT_ISSUER", "https://uat-issuer.example.com"),
    ("TABLEAU_UAT_TENANT_ID", "tenant-0123"),
    ("TABLEAU_UAT_KEY_ID", "key-2025-12"),
    ("TABLEAU_UAT_PRIVATE_KEY", UAT_KEY),
    ("TABLEAU_UAT_USERNAME", "jdoe@example.com"),
    (
        "TABLEAU_UAT_SCOPES",
        "tableau:content:read tableau:users:read",
    ),
];

/// `UAT` less the variables named.
fn uat_without(names: &[&str]) -> Vec<(&'static str, &'static str)> {
    UAT.iter()
        .copied()
        .filter(|(name, _)| !names.contains(name))
        .collect()
}

fn env(groups: &[&[(&str, &str)]]) -> StaticEnv {
    let vars: Vec<(&str, &str)> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    StaticEnv::from_vars(&vars)
}

fn non_utf8() -> OsString {
    OsString::from_vec(vec![b'S', b'E', 0xff, 0xfe])
}

fn cases() -> Vec<Case> {
    use CredentialKind::{
        ConnectedApp as Jwt, Password, PersonalAccessToken as Pat, UnifiedAccessToken as Uat,
    };
    use Expect::{Chosen, Invalid, NotConfigured};
    let case = |name, env, expect| Case {
        name,
        prefix: "TABLEAU_",
        env,
        expect,
    };
    vec![
        // Not configured.
        case("nothing set", StaticEnv::new(), NotConfigured),
        case(
            "only server, site and version",
            env(&[&[
                ("TABLEAU_SERVER_URL", "https://tableau.example.com"),
                ("TABLEAU_SITE", "finance"),
                ("TABLEAU_API_VERSION", "3.27"),
            ]]),
            NotConfigured,
        ),
        case(
            "blank credential values count as unset",
            env(&[&[("TABLEAU_PAT_NAME", ""), ("TABLEAU_PASSWORD", "  \t ")]]),
            NotConfigured,
        ),
        // One complete family.
        case("pat", env(&[&PAT]), Chosen(Pat)),
        case("password", env(&[&PASSWORD]), Chosen(Password)),
        case("connected app, default scope", env(&[&JWT]), Chosen(Jwt)),
        case(
            "connected app, scopes by spaces and commas",
            env(&[
                &JWT,
                &[(
                    "TABLEAU_JWT_SCOPES",
                    "tableau:content:read, tableau:views:embed,tableau:users:read",
                )],
            ]),
            Chosen(Jwt),
        ),
        case(
            "server, site, version and impersonation",
            env(&[
                &PAT,
                &[
                    ("TABLEAU_SERVER_URL", "https://10ay.online.tableau.com"),
                    ("TABLEAU_SITE", "MarketingTeam"),
                    ("TABLEAU_API_VERSION", "3.21"),
                    (
                        "TABLEAU_IMPERSONATE_USER_ID",
                        "9f9e9d9c-1111-2222-3333-444455556666",
                    ),
                ],
            ]),
            Chosen(Pat),
        ),
        case(
            "blank site means the Default site",
            env(&[&PAT, &[("TABLEAU_SITE", "   ")]]),
            Chosen(Pat),
        ),
        case(
            "secret from a _FILE",
            env(&[&[
                ("TABLEAU_PAT_NAME", "ci-token"),
                ("TABLEAU_PAT_SECRET_FILE", "/run/secrets/pat"),
            ]])
            .with_file("/run/secrets/pat", "SECRET-from-file-01\n"),
            Chosen(Pat),
        ),
        case(
            "blank value and a _FILE: the file is used",
            env(&[&[
                ("TABLEAU_USERNAME", "jdoe"),
                ("TABLEAU_PASSWORD", " "),
                ("TABLEAU_PASSWORD_FILE", "/run/secrets/password"),
            ]])
            .with_file("/run/secrets/password", "SECRET-from-file-02\r\n"),
            Chosen(Password),
        ),
        // TABLEAU_AUTH wins.
        case(
            "TABLEAU_AUTH picks one of two complete families",
            env(&[&PAT, &PASSWORD, &[("TABLEAU_AUTH", "pat")]]),
            Chosen(Pat),
        ),
        case(
            "TABLEAU_AUTH is case-insensitive",
            env(&[&PASSWORD, &JWT, &[("TABLEAU_AUTH", "PassWord")]]),
            Chosen(Password),
        ),
        case(
            "TABLEAU_AUTH=connected-app ignores a half-set PAT",
            env(&[
                &JWT,
                &[
                    ("TABLEAU_PAT_NAME", "ci-token"),
                    ("TABLEAU_AUTH", "CONNECTED-APP"),
                ],
            ]),
            Chosen(Jwt),
        ),
        case(
            "blank TABLEAU_AUTH counts as unset",
            env(&[&PASSWORD, &[("TABLEAU_AUTH", " ")]]),
            Chosen(Password),
        ),
        case(
            "TABLEAU_AUTH with its family missing",
            env(&[&PASSWORD, &[("TABLEAU_AUTH", "pat")]]),
            Invalid,
        ),
        case(
            "TABLEAU_AUTH with nothing else",
            env(&[&[("TABLEAU_AUTH", "connected-app")]]),
            Invalid,
        ),
        case(
            "unknown TABLEAU_AUTH",
            env(&[&PAT, &[("TABLEAU_AUTH", "SECRET-oops-pasted-here")]]),
            Invalid,
        ),
        // Half a family.
        case(
            "pat name only",
            env(&[&[("TABLEAU_PAT_NAME", "ci-token")]]),
            Invalid,
        ),
        case(
            "pat secret only",
            env(&[&[("TABLEAU_PAT_SECRET", "SECRET-pat-0123456789")]]),
            Invalid,
        ),
        case(
            "pat name with a blank secret",
            env(&[&[
                ("TABLEAU_PAT_NAME", "ci-token"),
                ("TABLEAU_PAT_SECRET", "   "),
            ]]),
            Invalid,
        ),
        case(
            "user name only",
            env(&[&[("TABLEAU_USERNAME", "jdoe")]]),
            Invalid,
        ),
        case(
            "password file only",
            env(&[&[("TABLEAU_PASSWORD_FILE", "/run/secrets/password")]]),
            Invalid,
        ),
        case(
            "connected app missing three",
            env(&[&[
                ("TABLEAU_JWT_CLIENT_ID", "client-id"),
                ("TABLEAU_JWT_SCOPES", "tableau:content:read"),
            ]]),
            Invalid,
        ),
        case(
            "connected app scopes only",
            env(&[&[("TABLEAU_JWT_SCOPES", "tableau:content:read")]]),
            Invalid,
        ),
        // Two families.
        case("two complete families", env(&[&PAT, &PASSWORD]), Invalid),
        case(
            "three families, one half set",
            env(&[
                &PAT,
                &JWT,
                &[("TABLEAU_PASSWORD_FILE", "/run/secrets/password")],
            ]),
            Invalid,
        ),
        // Values and files.
        case(
            "a secret and its _FILE both set",
            env(&[&PAT, &[("TABLEAU_PAT_SECRET_FILE", "/run/secrets/pat")]])
                .with_file("/run/secrets/pat", "SECRET-from-file-03"),
            Invalid,
        ),
        case(
            "unreadable _FILE",
            env(&[&[
                ("TABLEAU_JWT_CLIENT_ID", "client-id"),
                ("TABLEAU_JWT_SECRET_ID", "secret-id"),
                ("TABLEAU_JWT_SECRET_FILE", "/run/secrets/missing"),
                ("TABLEAU_JWT_USERNAME", "jdoe@example.com"),
            ]]),
            Invalid,
        ),
        case(
            "_FILE holding non-UTF-8 bytes",
            env(&[&[
                ("TABLEAU_PAT_NAME", "ci-token"),
                ("TABLEAU_PAT_SECRET_FILE", "/run/secrets/pat"),
            ]])
            .with_file("/run/secrets/pat", b"SECRET-\xff\xfe-bytes".to_vec()),
            Invalid,
        ),
        case(
            "_FILE holding only a newline",
            env(&[&[
                ("TABLEAU_PAT_NAME", "ci-token"),
                ("TABLEAU_PAT_SECRET_FILE", "/run/secrets/pat"),
            ]])
            .with_file("/run/secrets/pat", "\n"),
            Invalid,
        ),
        case(
            "non-UTF-8 secret",
            env(&[&[("TABLEAU_PAT_NAME", "ci-token")]]).with_var("TABLEAU_PAT_SECRET", non_utf8()),
            Invalid,
        ),
        case(
            "non-UTF-8 user name",
            env(&[&[("TABLEAU_PASSWORD", "SECRET-password-0123")]])
                .with_var("TABLEAU_USERNAME", non_utf8()),
            Invalid,
        ),
        case(
            "non-UTF-8 site",
            env(&[&PAT]).with_var("TABLEAU_SITE", non_utf8()),
            Invalid,
        ),
        case(
            "non-UTF-8 TABLEAU_AUTH",
            env(&[&PAT]).with_var("TABLEAU_AUTH", non_utf8()),
            Invalid,
        ),
        case(
            "invalid API version",
            env(&[&PAT, &[("TABLEAU_API_VERSION", "latest")]]),
            Invalid,
        ),
        case(
            "scopes that list nothing",
            env(&[&JWT, &[("TABLEAU_JWT_SCOPES", " , ,")]]),
            Invalid,
        ),
        case(
            "connected app scope typo",
            env(&[
                &JWT,
                &[(
                    "TABLEAU_JWT_SCOPES",
                    "tableau:content:read,tableau:views.embed",
                )],
            ]),
            Invalid,
        ),
        // Unified access tokens.
        case("unified access token", env(&[&UAT]), Chosen(Uat)),
        case(
            "unified access token, key from a _FILE, user-name claim and a wildcard scope",
            env(&[
                &uat_without(&["TABLEAU_UAT_PRIVATE_KEY", "TABLEAU_UAT_SCOPES"]),
                &[
                    ("TABLEAU_UAT_PRIVATE_KEY_FILE", "/run/secrets/uat.pem"),
                    ("TABLEAU_UAT_USERNAME_CLAIM", "sub"),
                    ("TABLEAU_UAT_SCOPES", "tableau:users:*,tableau:content:read"),
                ],
            ])
            .with_file("/run/secrets/uat.pem", UAT_KEY),
            Chosen(Uat),
        ),
        case(
            "TABLEAU_AUTH=uat picks it over a complete PAT",
            env(&[&UAT, &PAT, &[("TABLEAU_AUTH", "UAT")]]),
            Chosen(Uat),
        ),
        case(
            "TABLEAU_AUTH=uat with nothing else",
            env(&[&[("TABLEAU_AUTH", "uat")]]),
            Invalid,
        ),
        case(
            "unified access token without key and scopes",
            env(&[&uat_without(&[
                "TABLEAU_UAT_PRIVATE_KEY",
                "TABLEAU_UAT_SCOPES",
            ])]),
            Invalid,
        ),
        case(
            "unified access token user-name claim only",
            env(&[&[("TABLEAU_UAT_USERNAME_CLAIM", "email")]]),
            Invalid,
        ),
        case(
            "unified access token and connected app",
            env(&[&UAT, &JWT]),
            Invalid,
        ),
        case(
            "unified access token scopes that list nothing",
            env(&[
                &uat_without(&["TABLEAU_UAT_SCOPES"]),
                &[("TABLEAU_UAT_SCOPES", ",, ,")],
            ]),
            Invalid,
        ),
        case(
            "unified access token scope typo",
            env(&[
                &uat_without(&["TABLEAU_UAT_SCOPES"]),
                &[(
                    "TABLEAU_UAT_SCOPES",
                    "tableau:content:read tableau:Users:read",
                )],
            ]),
            Invalid,
        ),
        case(
            "unified access token with impersonation",
            env(&[
                &UAT,
                &[(
                    "TABLEAU_IMPERSONATE_USER_ID",
                    "9f9e9d9c-1111-2222-3333-444455556666",
                )],
            ]),
            Invalid,
        ),
        case(
            "unified access token key is a public key",
            env(&[
                &uat_without(&["TABLEAU_UAT_PRIVATE_KEY"]),
                &[("TABLEAU_UAT_PRIVATE_KEY", UAT_PUBLIC_KEY)],
            ]),
            Invalid,
        ),
        case(
            "unified access token key file holds an EC key",
            env(&[
                &uat_without(&["TABLEAU_UAT_PRIVATE_KEY"]),
                &[("TABLEAU_UAT_PRIVATE_KEY_FILE", "/run/secrets/uat.pem")],
            ])
            .with_file("/run/secrets/uat.pem", EC_KEY),
            Invalid,
        ),
        case(
            "unified access token key file missing",
            env(&[
                &uat_without(&["TABLEAU_UAT_PRIVATE_KEY"]),
                &[("TABLEAU_UAT_PRIVATE_KEY_FILE", "/run/secrets/missing")],
            ]),
            Invalid,
        ),
        case(
            "unified access token key and its _FILE both set",
            env(&[
                &UAT,
                &[("TABLEAU_UAT_PRIVATE_KEY_FILE", "/run/secrets/uat.pem")],
            ])
            .with_file("/run/secrets/uat.pem", UAT_KEY),
            Invalid,
        ),
        case(
            "unified access token user-name claim the provider sets itself",
            env(&[&UAT, &[("TABLEAU_UAT_USERNAME_CLAIM", "exp")]]),
            Invalid,
        ),
        // Custom prefix.
        Case {
            name: "custom prefix",
            prefix: "PROD_TABLEAU_",
            env: env(&[
                &PASSWORD,
                &[
                    ("PROD_TABLEAU_PAT_NAME", "prod-token"),
                    ("PROD_TABLEAU_PAT_SECRET", "SECRET-prod-0123456"),
                    ("PROD_TABLEAU_SITE", "prod"),
                ],
            ]),
            expect: Chosen(Pat),
        },
        Case {
            name: "custom prefix ignores TABLEAU_ variables",
            prefix: "PROD_TABLEAU_",
            env: env(&[&PAT]),
            expect: NotConfigured,
        },
        Case {
            name: "custom prefix, half set",
            prefix: "PROD_TABLEAU_",
            env: env(&[&[("PROD_TABLEAU_USERNAME", "jdoe")]]),
            expect: Invalid,
        },
        Case {
            name: "empty prefix",
            prefix: "",
            env: env(&[&PAT]),
            expect: Invalid,
        },
    ]
}

fn describe(provider: &EnvironmentProvider) -> (Expect, String) {
    match provider.check() {
        Ok(kind) => (
            Expect::Chosen(kind),
            format!(
                "chosen: {kind} (server_url: {:?}, site: {:?}, api_version: {}, impersonate: {:?})\n  {provider:?}",
                provider.server_url(),
                provider.target().content_url(),
                provider
                    .api_version()
                    .map_or_else(|| "none".to_owned(), |v| v.to_string()),
                provider.target().impersonated_user_id(),
            ),
        ),
        Err(err @ ProviderError::NotConfigured { .. }) => {
            (Expect::NotConfigured, format!("not configured: {err}"))
        }
        Err(err @ ProviderError::InvalidConfiguration { .. }) => {
            (Expect::Invalid, format!("invalid: {err}"))
        }
        Err(err) => panic!("unexpected error kind: {err:?}"),
    }
}

#[test]
fn every_selection_rule_and_error_case() {
    let mut report = String::new();
    for case in cases() {
        let provider = EnvironmentProvider::with_prefix(case.prefix, case.env.clone());
        let (outcome, text) = describe(&provider);
        let result = provider.check();
        assert_eq!(outcome, case.expect, "{}: {text}", case.name);
        assert!(
            !text.contains("SECRET-"),
            "{}: a secret value leaked: {text}",
            case.name
        );
        for key in [UAT_KEY, EC_KEY] {
            for line in key.lines().filter(|line| !line.starts_with("-----")) {
                assert!(
                    !text.contains(line),
                    "{}: key material leaked: {text}",
                    case.name
                );
            }
        }
        if let Err(err) = &result {
            assert_eq!(err.provider(), "env", "{}", case.name);
            assert!(!format!("{err:?}").contains("SECRET-"), "{}", case.name);
        }
        report.push_str(&format!("## {}\n{text}\n\n", case.name));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn unreadable_file_error_keeps_the_os_error_as_its_source() {
    let env = StaticEnv::from_vars(&[
        ("TABLEAU_PAT_NAME", "ci-token"),
        ("TABLEAU_PAT_SECRET_FILE", "/run/secrets/missing"),
    ]);
    let err = EnvironmentProvider::from_source(env).check().unwrap_err();
    let source = std::error::Error::source(&err).expect("the io::Error is the source");
    let io = source.downcast_ref::<std::io::Error>().unwrap();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}
