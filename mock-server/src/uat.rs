//! Unified access tokens (docs/protocol.md section 15): the configurations' keys, and the
//! verification of a UAT sign-in against the virtual clock with 30 s leeway. Only the cloud
//! flavour calls [`verify`]; the server flavour refuses UATs before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use rsa::RsaPublicKey;
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::DecodePublicKey;
use serde_json::Value;

use crate::api::grants;
use crate::directory::{Directory, Site, UatRecord};
use crate::jwt::{self, LEEWAY_SECONDS, Shared, Verified};
use crate::types::UatConfig;

/// The claim that carries the tenant id.
pub const TENANT_ID_CLAIM: &str = "https://tableau.com/tenantId";

/// Members of a JWK that only a private key has (RFC 7518 section 6.3.2, 6.4).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Why a UAT was refused (all are 401001 on the wire; the reason goes to the debug log and
/// the request log's `refusal`, never a value from the token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UatRejection {
    /// Not a well-formed JWT.
    #[error("malformed JWT")]
    Malformed,
    /// `alg` is not RS256.
    #[error("alg is not RS256")]
    Algorithm,
    /// No `kid`, or it names no key of a UAT configuration.
    #[error("kid names no key of a UAT configuration")]
    UnknownKid,
    /// Every configuration with that key is disabled.
    #[error("the UAT configuration is disabled")]
    Disabled,
    /// The signature does not verify with the key of `kid`.
    #[error("bad signature")]
    Signature,
    /// `iss` is not the configuration's issuer.
    #[error("iss is not the configuration's issuer")]
    Issuer,
    /// The tenant-id claim is not the configuration's tenant.
    #[error("https://tableau.com/tenantId is not the configuration's tenant")]
    Tenant,
    /// `exp` missing or not an integer.
    #[error("exp missing or not an integer")]
    ExpMissing,
    /// `exp` in the past.
    #[error("expired")]
    Expired,
    /// `exp` more than 10 minutes ahead.
    #[error("exp too far ahead")]
    TooLong,
    /// `nbf` not an integer, or in the future.
    #[error("not valid yet (nbf)")]
    NotYetValid,
    /// `jti` missing.
    #[error("jti missing")]
    JtiMissing,
    /// `jti` seen before.
    #[error("jti replayed")]
    Replayed,
    /// `scp` missing, empty or not an array of strings.
    #[error("scp missing or empty")]
    Scope,
    /// `scp` asks for a scope the configuration does not allow.
    #[error("scp asks for a scope the configuration does not allow")]
    ScopeNotAllowed,
    /// The user-name claim is missing or names no user of the site.
    #[error("the user-name claim names no user of the site")]
    UnknownUser,
}

impl From<Shared> for UatRejection {
    fn from(shared: Shared) -> Self {
        match shared {
            Shared::Malformed => Self::Malformed,
            Shared::Algorithm => Self::Algorithm,
            Shared::UnknownKid => Self::UnknownKid,
            Shared::ExpMissing => Self::ExpMissing,
            Shared::Expired => Self::Expired,
            Shared::TooLong => Self::TooLong,
            Shared::JtiMissing => Self::JtiMissing,
            Shared::Replayed => Self::Replayed,
        }
    }
}

/// Verifies `jwt` for a sign-in to `site` at `now` (Unix seconds).
pub(crate) fn verify(
    dir: &Directory,
    site: &Site,
    jwt: &str,
    now: i64,
    seen: &Mutex<HashMap<String, i64>>,
) -> Result<Verified, UatRejection> {
    let kid = jwt::header_kid(jwt, Algorithm::RS256)?;
    let candidates: Vec<(&UatRecord, &DecodingKey)> = dir
        .uats
        .iter()
        .filter_map(|config| {
            config
                .keys
                .iter()
                .find(|(id, _)| *id == kid)
                .map(|(_, key)| (config, key))
        })
        .collect();
    if candidates.is_empty() {
        return Err(UatRejection::UnknownKid);
    }
    let validation = jwt::signature_only(Algorithm::RS256);
    // The configuration whose key verifies the signature, and whose issuer is the JWT's (two
    // configurations may hold the same key under the same key id).
    let mut outcome = Err(UatRejection::Disabled);
    for (config, key) in candidates.into_iter().filter(|(config, _)| config.enabled) {
        let claims = match jsonwebtoken::decode::<Value>(jwt, key, &validation) {
            Ok(data) => data.claims,
            Err(_) => {
                if matches!(outcome, Err(UatRejection::Disabled)) {
                    outcome = Err(UatRejection::Signature);
                }
                continue;
            }
        };
        let issuer_ok = claims.get("iss").and_then(Value::as_str) == Some(config.issuer.as_str());
        if issuer_ok {
            outcome = Ok((config, claims));
            break;
        }
        outcome = Err(UatRejection::Issuer);
    }
    let (config, claims) = outcome?;
    if claims.get(TENANT_ID_CLAIM).and_then(Value::as_str) != Some(config.tenant_id.as_str()) {
        return Err(UatRejection::Tenant);
    }
    let exp = jwt::checked_exp(&claims, now)?;
    if let Some(nbf) = claims.get("nbf") {
        let nbf = nbf.as_i64().ok_or(UatRejection::NotYetValid)?;
        if nbf > now.saturating_add(LEEWAY_SECONDS) {
            return Err(UatRejection::NotYetValid);
        }
    }
    let jti = jwt::jti(&claims)?;
    let scopes: Box<[Box<str>]> = match claims.get("scp") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().filter(|s| !s.is_empty()).map(Box::from))
            .collect::<Option<_>>()
            .ok_or(UatRejection::Scope)?,
        _ => return Err(UatRejection::Scope),
    };
    if let Some(allowed) = &config.scopes {
        let all_allowed = scopes
            .iter()
            .all(|asked| allowed.iter().any(|pattern| grants(pattern, asked)));
        if !all_allowed {
            return Err(UatRejection::ScopeNotAllowed);
        }
    }
    let username = claims
        .get(config.username_claim.as_str())
        .and_then(Value::as_str)
        .ok_or(UatRejection::UnknownUser)?;
    let user = dir
        .user_for_uat(&site.id, &config.username_claim, username)
        .ok_or(UatRejection::UnknownUser)?;
    jwt::record_jti(seen, jti, exp, now)?;
    Ok(Verified {
        user_id: Arc::clone(&user.id),
        scopes,
    })
}

/// Why a configuration cannot be registered (400 on the control API, an invalid seed entry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ConfigError(pub String);

fn bad(message: impl Into<String>) -> ConfigError {
    ConfigError(message.into())
}

/// The keys of a configuration: its PEM public key under its key id, or the RSA keys of its
/// JWKS under theirs. Checked here, so a bad key is a 400 when it is registered rather than a
/// 401001 at every sign-in.
pub(crate) fn keys_of(config: &UatConfig) -> Result<Vec<(String, DecodingKey)>, ConfigError> {
    match (&config.public_key_pem, &config.jwks) {
        (Some(_), Some(_)) => Err(bad(
            "give either publicKeyPem (with keyId) or jwks, not both",
        )),
        (None, None) => Err(bad(
            "a UAT configuration needs publicKeyPem (with keyId) or jwks",
        )),
        (Some(pem), None) => {
            let kid = config
                .key_id
                .as_deref()
                .filter(|kid| !kid.is_empty())
                .ok_or_else(|| bad("keyId is required with publicKeyPem"))?;
            let public = RsaPublicKey::from_public_key_pem(pem.trim())
                .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
                .map_err(|_| {
                    bad(
                        "publicKeyPem is not an RSA public key in PEM (BEGIN PUBLIC KEY or \
                         BEGIN RSA PUBLIC KEY); a private key does not belong here",
                    )
                })?;
            Ok(vec![(kid.to_owned(), decoding_key(&public)?)])
        }
        (None, Some(jwks)) => {
            if config.key_id.is_some() {
                return Err(bad(
                    "keyId goes with publicKeyPem; the keys of a jwks carry their own kid",
                ));
            }
            jwks_keys(jwks)
        }
    }
}

fn decoding_key(public: &RsaPublicKey) -> Result<DecodingKey, ConfigError> {
    let der = public
        .to_pkcs1_der()
        .map_err(|_| bad("the RSA public key cannot be encoded"))?;
    Ok(DecodingKey::from_rsa_der(der.as_bytes()))
}

fn jwks_keys(jwks: &Value) -> Result<Vec<(String, DecodingKey)>, ConfigError> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("jwks must be a JWKS object: {\"keys\": [...]}"))?;
    let mut out: Vec<(String, DecodingKey)> = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        let object = key
            .as_object()
            .ok_or_else(|| bad(format!("jwks key {index} is not an object")))?;
        if PRIVATE_MEMBERS
            .iter()
            .any(|member| object.contains_key(*member))
        {
            return Err(bad(format!(
                "jwks key {index} holds private key material: give public keys only"
            )));
        }
        let text = |name: &str| object.get(name).and_then(Value::as_str);
        if text("kty") != Some("RSA") {
            return Err(bad(format!(
                "jwks key {index} is not an RSA key (kty must be RSA: UATs are RS256)"
            )));
        }
        if let Some(alg) = object.get("alg") {
            if alg.as_str() != Some("RS256") {
                return Err(bad(format!("jwks key {index} has an alg other than RS256")));
            }
        }
        let kid = text("kid")
            .filter(|kid| !kid.is_empty())
            .ok_or_else(|| bad(format!("jwks key {index} has no kid")))?;
        if out.iter().any(|(id, _)| id == kid) {
            return Err(bad(format!("jwks has two keys with kid '{kid}'")));
        }
        let component = |name: &str| {
            text(name)
                .and_then(|value| URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).ok())
                .map(|bytes| rsa::BigUint::from_bytes_be(&bytes))
                .ok_or_else(|| bad(format!("jwks key {index}: {name} is not base64url")))
        };
        let public = RsaPublicKey::new(component("n")?, component("e")?)
            .map_err(|_| bad(format!("jwks key {index} is not a usable RSA public key")))?;
        out.push((kid.to_owned(), decoding_key(&public)?));
    }
    if out.is_empty() {
        return Err(bad("jwks has no keys"));
    }
    Ok(out)
}

/// Checks the scopes a configuration allows: at least one, each `tableau:<resource>:<action>`
/// (a segment may be `*`).
pub(crate) fn check_allowed_scopes(scopes: &[String]) -> Result<(), ConfigError> {
    if scopes.is_empty() {
        return Err(bad(
            "scopes must not be empty (leave it out to allow any scope)",
        ));
    }
    for scope in scopes {
        let parts: Vec<&str> = scope.split(':').collect();
        let well_formed = parts.len() == 3
            && parts[0] == "tableau"
            && parts[1..].iter().all(|part| {
                !part.is_empty()
                    && (*part == "*"
                        || part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            });
        if !well_formed {
            return Err(bad(format!(
                "scope '{}' is not of the form tableau:<resource>:<action>",
                scope.chars().take(100).collect::<String>()
            )));
        }
    }
    Ok(())
}
