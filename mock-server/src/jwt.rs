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

/// What a valid JWT signs in as.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The user LUID of `sub`.
    pub user_id: Arc<str>,
    /// The JWT's `scp`: what the session may call (docs/protocol.md section 13).
    pub scopes: Box<[Box<str>]>,
}

/// Verifies `jwt` for a sign-in to `site` at `now` (Unix seconds): the user and the scopes.
pub fn verify(
    dir: &Directory,
    site: &Site,
    jwt: &str,
    now: i64,
    seen: &Mutex<HashMap<String, i64>>,
) -> Result<Verified, JwtRejection> {
    if jwt.len() > 16 * 1024 {
        return Err(JwtRejection::Malformed);
    }
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| JwtRejection::Malformed)?;
    if header.alg != Algorithm::HS256 {
        return Err(JwtRejection::Algorithm);
    }
    let kid = header.kid.ok_or(JwtRejection::UnknownKid)?;
    let app = dir.app_by_secret_id(&kid).ok_or(JwtRejection::UnknownKid)?;
    if !app.enabled {
        return Err(JwtRejection::Disabled);
    }
    if *app.site_id != *site.id {
        return Err(JwtRejection::WrongSite);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_secret(app.secret_value.as_bytes());
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
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
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(JwtRejection::ExpMissing)?;
    if exp.saturating_add(LEEWAY_SECONDS) <= now {
        return Err(JwtRejection::Expired);
    }
    if exp > now.saturating_add(MAX_LIFETIME_SECONDS + LEEWAY_SECONDS) {
        return Err(JwtRejection::TooLong);
    }
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|jti| !jti.is_empty())
        .ok_or(JwtRejection::JtiMissing)?;
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
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    if seen.len() > 10_000 {
        seen.retain(|_, exp| exp.saturating_add(LEEWAY_SECONDS) > now);
    }
    if seen.contains_key(jti) {
        return Err(JwtRejection::Replayed);
    }
    seen.insert(jti.to_owned(), exp);
    Ok(Verified {
        user_id: Arc::clone(&user.id),
        scopes,
    })
}
