//! Property: whatever variables are set, reading them never panics, and no secret value
//! (sentinel-prefixed, at least 12 characters) appears in any error message, error source,
//! `Debug` output, or the `Debug` of the credentials produced.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use tableau_auth_core::{AuthProvider, StaticEnv};
use tableau_auth_env::EnvironmentProvider;

/// Variables holding a secret.
const SECRET_VARS: [&str; 4] = ["PAT_SECRET", "PASSWORD", "JWT_SECRET", "UAT_PRIVATE_KEY"];
/// Their `_FILE` forms.
const FILE_VARS: [&str; 4] = [
    "PAT_SECRET_FILE",
    "PASSWORD_FILE",
    "JWT_SECRET_FILE",
    "UAT_PRIVATE_KEY_FILE",
];
/// A throw-away RSA key of the unified-access-token provider's tests.
const UAT_KEY: &str = include_str!("../../tableau-auth-uat/tests/keys/a.pem");
/// Plain values, which `Debug` may show.
const PLAIN_VARS: [&str; 15] = [
    "SERVER_URL",
    "SITE",
    "PAT_NAME",
    "USERNAME",
    "JWT_CLIENT_ID",
    "JWT_SECRET_ID",
    "JWT_USERNAME",
    "JWT_SCOPES",
    "IMPERSONATE_USER_ID",
    "UAT_ISSUER",
    "UAT_TENANT_ID",
    "UAT_KEY_ID",
    "UAT_USERNAME",
    "UAT_USERNAME_CLAIM",
    "UAT_SCOPES",
];
/// Values that are not secrets but that messages never echo either (a user may paste a secret
/// into the wrong variable).
const UNECHOED_VARS: [&str; 2] = ["AUTH", "API_VERSION"];
const PATHS: [&str; 3] = ["/run/secrets/a", "/run/secrets/b", "/run/secrets/missing"];

/// A raw value, text or not.
#[derive(Debug, Clone)]
struct Raw {
    bytes: Vec<u8>,
    /// The sentinel it carries, if it is a secret.
    sentinel: Option<String>,
}

fn sentinel() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+/=]{5,24}".prop_map(|tail| format!("SECRET-{tail}"))
}

fn secret_raw() -> impl Strategy<Value = Raw> {
    prop_oneof![4 => text_secret_raw(), 1 => key_raw()]
}

/// A private key: the real test key (its body lines are the sentinels), or a PEM frame around
/// a sentinel.
fn key_raw() -> impl Strategy<Value = Raw> {
    (sentinel(), 0..4u8, 0..20usize).prop_map(|(sentinel, shape, line)| {
        let body: Vec<&str> = UAT_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        match shape {
            0 | 1 => Raw {
                bytes: if shape == 0 {
                    UAT_KEY.as_bytes().to_vec()
                } else {
                    UAT_KEY.trim_end().replace('\n', "\\n").into_bytes()
                },
                sentinel: Some(body[line % body.len()].to_owned()),
            },
            2 => Raw {
                bytes: format!(
                    "-----BEGIN PRIVATE KEY-----\n{sentinel}\n-----END PRIVATE KEY-----\n"
                )
                .into_bytes(),
                sentinel: Some(sentinel),
            },
            _ => Raw {
                bytes: format!("-----BEGIN PUBLIC KEY-----\n{sentinel}\n").into_bytes(),
                sentinel: Some(sentinel),
            },
        }
    })
}

fn text_secret_raw() -> impl Strategy<Value = Raw> {
    (sentinel(), 0..6u8).prop_map(|(sentinel, shape)| {
        let bytes = match shape {
            0 => sentinel.clone().into_bytes(),
            1 => format!("{sentinel} ").into_bytes(),
            2 => format!("{sentinel}\n").into_bytes(),
            3 => format!("{sentinel}\r\n\n").into_bytes(),
            4 => {
                let mut bytes = sentinel.clone().into_bytes();
                bytes.push(0xff);
                bytes
            }
            _ => b"  \t".to_vec(),
        };
        Raw {
            bytes,
            sentinel: Some(sentinel),
        }
    })
}

fn plain_raw() -> impl Strategy<Value = Raw> {
    prop_oneof![
        "[ -~]{0,16}".prop_map(String::into_bytes),
        Just(b"tableau:content:read tableau:users:*".to_vec()),
        Just(b"sub".to_vec()),
        "\\PC{0,8}".prop_map(String::into_bytes),
        Just(b" ".to_vec()),
        Just(b"ab\xffcd".to_vec()),
    ]
    .prop_map(|bytes| Raw {
        bytes,
        sentinel: None,
    })
}

fn unechoed_raw() -> impl Strategy<Value = Raw> {
    prop_oneof![
        prop_oneof![
            Just("pat"),
            Just("PASSWORD"),
            Just("connected-app"),
            Just("uat"),
            Just("3.27"),
            Just(" ")
        ]
        .prop_map(|text| Raw {
            bytes: text.as_bytes().to_vec(),
            sentinel: None,
        }),
        plain_raw(),
        secret_raw(),
    ]
}

fn path_raw() -> impl Strategy<Value = Raw> {
    proptest::sample::select(PATHS.as_slice()).prop_map(|path| Raw {
        bytes: path.as_bytes().to_vec(),
        sentinel: None,
    })
}

#[derive(Debug, Clone)]
struct Scenario {
    prefix: &'static str,
    vars: Vec<(String, Raw)>,
    files: Vec<(&'static str, Raw)>,
}

impl Scenario {
    fn env(&self) -> StaticEnv {
        let mut env = StaticEnv::new();
        for (name, raw) in &self.vars {
            env = env.with_var(name.clone(), OsString::from_vec(raw.bytes.clone()));
        }
        for (path, raw) in &self.files {
            env = env.with_file(*path, raw.bytes.clone());
        }
        env
    }

    fn sentinels(&self) -> Vec<String> {
        self.vars
            .iter()
            .map(|(_, raw)| raw)
            .chain(self.files.iter().map(|(_, raw)| raw))
            .filter_map(|raw| raw.sentinel.clone())
            .collect()
    }
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let named = |names: &'static [&'static str], value: BoxedStrategy<Raw>| {
        vec(option::weighted(0.5, value), names.len()).prop_map(move |values| {
            names
                .iter()
                .zip(values)
                .filter_map(|(name, value)| value.map(|value| (format!("TABLEAU_{name}"), value)))
                .collect::<Vec<_>>()
        })
    };
    (
        prop_oneof![4 => Just("TABLEAU_"), 1 => Just("PROD_TABLEAU_")],
        named(&SECRET_VARS, secret_raw().boxed()),
        named(&FILE_VARS, path_raw().boxed()),
        named(&PLAIN_VARS, plain_raw().boxed()),
        named(&UNECHOED_VARS, unechoed_raw().boxed()),
        (secret_raw(), secret_raw()),
        option::weighted(0.3, uat_family()),
    )
        .prop_map(|(prefix, secrets, files, plain, unechoed, (a, b), uat)| {
            let complete_uat = uat.is_some();
            let vars = secrets
                .into_iter()
                .chain(files)
                .chain(plain)
                .chain(unechoed)
                // A complete unified-access-token family overrides what was drawn for it, so
                // that the signing path is reached too.
                .filter(|(name, _)| {
                    !complete_uat
                        || ![
                            "TABLEAU_UAT_",
                            "TABLEAU_AUTH",
                            "TABLEAU_IMPERSONATE_USER_ID",
                            "TABLEAU_API_VERSION",
                            "TABLEAU_SITE",
                            "TABLEAU_SERVER_URL",
                        ]
                        .iter()
                        .any(|drawn| name.starts_with(drawn))
                })
                .chain(uat.into_iter().flatten())
                .map(|(name, raw)| {
                    // Under a custom prefix, the variables use it too.
                    (name.replacen("TABLEAU_", prefix, 1), raw)
                })
                .collect();
            Scenario {
                prefix,
                vars,
                files: vec![(PATHS[0], a), (PATHS[1], b)],
            }
        })
}

/// Every required unified-access-token variable, with usable values and a key (the real test
/// key or a damaged one), and `TABLEAU_AUTH=uat`.
fn uat_family() -> impl Strategy<Value = Vec<(String, Raw)>> {
    let plain = |text: &str| Raw {
        bytes: text.as_bytes().to_vec(),
        sentinel: None,
    };
    key_raw().prop_map(move |key| {
        [
            ("TABLEAU_UAT_ISSUER", plain("https://issuer.example.com")),
            ("TABLEAU_UAT_TENANT_ID", plain("tenant")),
            ("TABLEAU_UAT_KEY_ID", plain("kid")),
            ("TABLEAU_UAT_USERNAME", plain("jdoe@example.com")),
            ("TABLEAU_UAT_SCOPES", plain("tableau:content:read")),
            ("TABLEAU_UAT_PRIVATE_KEY", key),
            ("TABLEAU_AUTH", plain("uat")),
        ]
        .into_iter()
        .map(|(name, raw)| (name.to_owned(), raw))
        .collect()
    })
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = format!("{err} / {err:?}");
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(" / {cause} / {cause:?}"));
        source = cause.source();
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_input_panics_or_leaks_a_secret(scenario in scenario()) {
        let env = scenario.env();
        let sentinels = scenario.sentinels();
        let mut outputs = Vec::new();
        let provider = EnvironmentProvider::with_prefix(scenario.prefix, env);
        outputs.push(format!("{provider:?}"));
        if let Err(err) = provider.check() {
            outputs.push(error_chain(&err));
        }
        let result = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(provider.credentials());
        match result {
            Ok(creds) => outputs.push(format!("{creds:?}")),
            Err(err) => outputs.push(error_chain(&err)),
        }
        for output in &outputs {
            for sentinel in &sentinels {
                prop_assert!(
                    !output.contains(sentinel.as_str()),
                    "secret {sentinel:?} leaked in {output:?}"
                );
            }
        }
    }
}
