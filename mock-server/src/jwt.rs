//! Connected-app JWT verification (docs/protocol.md section 9), against the virtual clock with 30 s leeway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::directory::{Directory, Site};

/// Leeway on `exp`, in seconds.
pub const LEEWAY_SECONDS: i64 = 30;
/// How far ahead `exp` may be, in seconds.
pub const MAX_LIFETIME_SECONDS: i64 = 600;

/// Why a JWT was refused (all are 401001 on the wire; the reason goes to the debug log only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JwtRejection {
    /// Not a well-formed JWT.
    #[error("malformed JWT")]
    Malformed,
    /// `alg` is not HS256.
    #[error("alg is not HS256")]
    Algorithm,
    /// No `kid`, or it names no connected app secret.
    #[error("kid names no connected app secret")]
    UnknownKid,
    /// The app is disabled.
    #[error("connected app is disabled")]
    Disabled,
    /// The app belongs to another site.
    #[error("connected app belongs to another site")]
    WrongSite,
    /// Bad signature.
    #[error("bad signature")]
    Signature,
    /// `iss` is not the app's client id.
    #[error("iss is not the client id")]
    Issuer,
    /// `aud` is not `tableau`.
    #[error("aud is not tableau")]
    Audience,
    /// `exp` missing or not an integer.
    #[error("exp missing or not an integer")]
    ExpMissing,
    /// `exp` in the past.
    #[error("expired")]
    Expired,
    /// `exp` more than 10 minutes ahead.
    #[error("exp too far ahead")]
    TooLong,
    /// `jti` missing.
    #[error("jti missing")]
    JtiMissing,
    /// `jti` seen before.
    #[error("jti replayed")]
    Replayed,
    /// `scp` missing, empty or not an array of strings.
    #[error("scp missing or empty")]
    Scope,
    /// `sub` is not a user of the site.
    #[error("sub is not a user of the site")]
    UnknownUser,
}

/// What a valid JWT (a connected app's or a unified access token) signs in as.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The user's LUID (`sub` of a connected-app JWT, the user-name claim of a UAT).
    pub user_id: Arc<str>,
    /// The JWT's `scp`: what the session may call (docs/protocol.md section 13).
    pub scopes: Box<[Box<str>]>,
}

/// A refusal both JWT families share (connected apps here, unified access tokens in
/// [`crate::uat`]); each verifier turns it into its own rejection of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shared {
    Malformed,
    Algorithm,
    UnknownKid,
    ExpMissing,
    Expired,
    TooLong,
    JtiMissing,
    Replayed,
}

/// The header's `kid`, for a token of at most 16 KiB whose header parses and names `alg`.
pub(crate) fn header_kid(jwt: &str, alg: Algorithm) -> Result<String, Shared> {
    if jwt.len() > 16 * 1024 {
        return Err(Shared::Malformed);
    }
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| Shared::Malformed)?;
    if header.alg != alg {
        return Err(Shared::Algorithm);
    }
    header.kid.ok_or(Shared::UnknownKid)
}

/// A validation of the signature alone: the claims are checked one by one, on the mock's
/// virtual clock, so each refusal can say which one failed.
pub(crate) fn signature_only(alg: Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation
}

/// `exp`: present, not past (with [`LEEWAY_SECONDS`]) and at most [`MAX_LIFETIME_SECONDS`]
/// ahead.
pub(crate) fn checked_exp(claims: &Value, now: i64) -> Result<i64, Shared> {
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(Shared::ExpMissing)?;
    if exp.saturating_add(LEEWAY_SECONDS) <= now {
        return Err(Shared::Expired);
    }
    if exp > now.saturating_add(MAX_LIFETIME_SECONDS + LEEWAY_SECONDS) {
        return Err(Shared::TooLong);
    }
    Ok(exp)
}

/// The non-empty `jti`.
pub(crate) fn jti(claims: &Value) -> Result<&str, Shared> {
    claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|jti| !jti.is_empty())
        .ok_or(Shared::JtiMissing)
}

/// Records `jti` as used until its `exp` (plus leeway) has passed; [`Shared::Replayed`] when it
/// was used already. Call it last, so a token refused for another reason keeps its `jti`.
pub(crate) fn record_jti(
    seen: &Mutex<HashMap<String, i64>>,
    jti: &str,
    exp: i64,
    now: i64,
) -> Result<(), Shared> {
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    if seen.len() > 10_000 {
        seen.retain(|_, exp| exp.saturating_add(LEEWAY_SECONDS) > now);
    }
    if seen.contains_key(jti) {
        return Err(Shared::Replayed);
    }
    seen.insert(jti.to_owned(), exp);
    Ok(())
}

impl From<Shared> for JwtRejection {
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

/// Verifies `jwt` for a sign-in to `site` at `now` (Unix seconds): the user and the scopes.
pub fn verify(
    dir: &Directory,
    site: &Site,
    jwt: &str,
    now: i64,
    seen: &Mutex<HashMap<String, i64>>,
) -> Result<Verified, JwtRejection> {
    let kid = header_kid(jwt, Algorithm::HS256)?;
    let app = dir.app_by_secret_id(&kid).ok_or(JwtRejection::UnknownKid)?;
    if !app.enabled {
        return Err(JwtRejection::Disabled);
    }
    if *app.site_id != *site.id {
        return Err(JwtRejection::WrongSite);
    }
    let key = DecodingKey::from_secret(app.secret_value.as_bytes());
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &signature_only(Algorithm::HS256))
        .map_err(|_| JwtRejection::Signature)?
        .claims;
    if claims.get("iss").and_then(Value::as_str) != Some(app.client_id.as_str()) {
        return Err(JwtRejection::Issuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == "tableau",
        Some(Value::Array(items)) => items.iter().any(|a| a.as_str() == Some("tableau")),
        _ => false,
    };
    if !audience_ok {
        return Err(JwtRejection::Audience);
    }
    let exp = checked_exp(&claims, now)?;
    let jti = jti(&claims)?;
    let scopes: Box<[Box<str>]> = match claims.get("scp") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(Box::from))
            .collect::<Option<_>>()
            .ok_or(JwtRejection::Scope)?,
        _ => return Err(JwtRejection::Scope),
    };
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let user = dir
        .user_by_exact_name(&site.id, sub)
        .ok_or(JwtRejection::UnknownUser)?;
    record_jti(seen, jti, exp, now)?;
    Ok(Verified {
        user_id: Arc::clone(&user.id),
        scopes,
    })
}
