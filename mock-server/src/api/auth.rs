//! Sign in, sign out and switch site.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;

use super::{Ctx, no_content};
use crate::directory::{Directory, Site, User};
use crate::error::ApiError;
use crate::format::Format;
use crate::render::{CredentialsAnswer, d_hh_mm};
use crate::request::{CredentialFamily, SignInRequest, parse_sign_in_logged, parse_switch_site};
use crate::request_log::LoggedBody;
use crate::sessions::{Family, Session};
use crate::version::ApiVersion;

fn refuse(reason: &str) -> ApiError {
    tracing::debug!(reason, "sign-in refused");
    ApiError::signin().because(reason)
}

/// `POST auth/signin`.
pub(super) fn sign_in(
    ctx: &Ctx<'_>,
    body: &[u8],
    body_format: Format,
) -> Result<Response, ApiError> {
    let (request, logged) = parse_sign_in_logged(body, body_format, ctx.state.inner.log.enabled());
    let request = request.map_err(|e| ApiError::bad_request(e.0))?;
    let answer = authenticate(ctx, &request)?;
    let version = ctx.state.config().api_version;
    let mut response = ctx.ok(StatusCode::OK, answer.render(ctx.format, version));
    if let Some(logged) = logged {
        response.extensions_mut().insert(LoggedBody(logged));
    }
    Ok(response)
}

struct Authenticated {
    user_id: Arc<str>,
    family: Family,
    pat: Option<usize>,
    /// The JWT's scopes (JWT sign-ins only).
    scopes: Option<Box<[Box<str>]>>,
}

fn authenticate(ctx: &Ctx<'_>, request: &SignInRequest) -> Result<CredentialsAnswer, ApiError> {
    let state = ctx.state;
    let server = state.config().api_version;
    let cloud = state.flavor().is_cloud();
    let now = state.now();
    match &request.credentials {
        CredentialFamily::PersonalAccessToken { .. } if server < ApiVersion::PAT => {
            return Err(refuse("server version below 3.6 has no PAT sign-in"));
        }
        CredentialFamily::Jwt { .. } if server < ApiVersion::JWT => {
            return Err(refuse("server version below 3.17 has no JWT sign-in"));
        }
        CredentialFamily::Jwt {
            is_uat: Some(true), ..
        } if !cloud => {
            return Err(refuse("Tableau Server has no unified access tokens"));
        }
        CredentialFamily::Jwt {
            is_uat: Some(true), ..
        } if server < ApiVersion::UAT => {
            return Err(refuse(
                "server version below 3.27 has no unified access token sign-in",
            ));
        }
        CredentialFamily::Password { .. } if cloud => {
            return Err(refuse("Tableau Cloud refuses password sign-in"));
        }
        _ => {}
    }
    if cloud && request.site_content_url.is_empty() {
        return Err(refuse("Tableau Cloud has no Default site"));
    }
    // Directory before sessions: the same lock order everywhere.
    let mut dir = state.write_directory();
    let site = dir
        .site_by_content_url(&request.site_content_url)
        .cloned()
        .ok_or_else(|| refuse("unknown site"))?;
    let signer = match &request.credentials {
        CredentialFamily::Password { name, password } => {
            let password_ok = dir.password_matches(name, password);
            let user = dir.user_by_name(&site.id, name).filter(|_| password_ok);
            let user = user.ok_or_else(|| refuse("wrong user name or password"))?;
            Authenticated {
                user_id: Arc::clone(&user.id),
                family: Family::Password,
                pat: None,
                scopes: None,
            }
        }
        CredentialFamily::PersonalAccessToken { name, secret } => {
            let index = dir
                .find_pat(&site.id, name, secret)
                .ok_or_else(|| refuse("wrong PAT name or secret"))?;
            if !dir.pats[index].is_usable(now) {
                return Err(refuse("PAT revoked or expired"));
            }
            Authenticated {
                user_id: dir.pats[index].user_id.as_str().into(),
                family: Family::PersonalAccessToken,
                pat: Some(index),
                scopes: None,
            }
        }
        CredentialFamily::Jwt {
            jwt,
            is_uat: Some(true),
        } => {
            let verified =
                crate::uat::verify(&dir, &site, jwt, now.unix_timestamp(), &state.inner.jtis)
                    .map_err(|rejection| {
                        refuse(&format!("unified access token refused: {rejection}"))
                    })?;
            Authenticated {
                user_id: verified.user_id,
                family: Family::Uat,
                pat: None,
                scopes: Some(verified.scopes),
            }
        }
        CredentialFamily::Jwt { jwt, .. } => {
            let verified =
                crate::jwt::verify(&dir, &site, jwt, now.unix_timestamp(), &state.inner.jtis)
                    .map_err(|rejection| {
                        refuse(&format!("connected-app JWT refused: {rejection}"))
                    })?;
            Authenticated {
                user_id: verified.user_id,
                family: Family::Jwt,
                pat: None,
                scopes: Some(verified.scopes),
            }
        }
    };
    let signer_user = dir
        .users
        .get(&signer.user_id)
        .ok_or_else(|| refuse("owner gone"))?;
    let user_id = match &request.impersonate_user_id {
        None => Arc::clone(&signer_user.id),
        Some(_) if cloud => {
            return Err(ApiError::forbidden(
                "Impersonation is not available on Tableau Cloud.",
            ));
        }
        Some(target) => impersonate(&dir, &site, signer_user, signer.family, server, target)?,
    };
    let mut estimate = None;
    let mut pat_id = None;
    if let Some(index) = signer.pat {
        let pat = &mut dir.pats[index];
        pat.last_used = now;
        estimate = Some(d_hh_mm(pat.expires_at - now));
        pat_id = Some(Arc::clone(&pat.id));
    }
    if let Some(user) = dir.users.get_mut(&user_id) {
        user.last_login = Some(now);
    }
    let session = new_session(ctx, &site, user_id, signer.family, pat_id, signer.scopes);
    drop(dir);
    // Debug, not info: one line per sign-in cost a PAT sign-in about a tenth of its throughput
    // (docs/performance.md).
    tracing::debug!(site = %site.content_url, session = %session.id, "signed in");
    Ok(CredentialsAnswer {
        token: session.token.to_string(),
        site_id: site.id,
        content_url: site.content_url,
        user_id: Arc::clone(&session.user_id),
        estimated_time_to_expiration: estimate,
    })
}

fn impersonate(
    dir: &Directory,
    site: &Site,
    signer: &User,
    family: Family,
    server: ApiVersion,
    target: &str,
) -> Result<Arc<str>, ApiError> {
    if family == Family::PersonalAccessToken && server < ApiVersion::PAT_IMPERSONATION {
        return Err(refuse("PAT impersonation needs 3.11"));
    }
    if !signer.is_server_admin() {
        return Err(ApiError::forbidden(
            "Only server administrators can impersonate users.",
        ));
    }
    dir.users
        .get(target)
        .filter(|user| *user.site_id == *site.id)
        .map(|user| Arc::clone(&user.id))
        .ok_or_else(|| ApiError::user_not_found(target))
}

fn new_session(
    ctx: &Ctx<'_>,
    site: &Site,
    user_id: Arc<str>,
    family: Family,
    pat_id: Option<Arc<str>>,
    scopes: Option<Box<[Box<str>]>>,
) -> Arc<Session> {
    let state = ctx.state;
    let ids = &state.inner.ids;
    let session = Session::new(
        ids.uuid(),
        ids.session_token(&site.id),
        user_id,
        Arc::clone(&site.id),
        family,
        pat_id,
        scopes,
        state.now_nanos(),
    );
    state.inner.sessions.insert(session, state.now_nanos())
}

/// `POST auth/signout`: 204, the token is dead afterwards.
pub(super) fn sign_out(ctx: &Ctx<'_>, session: &Session) -> Response {
    ctx.state.inner.sessions.remove_token(&session.token);
    tracing::debug!(session = %session.id, "signed out");
    no_content()
}

/// `POST auth/switchSite`.
pub(super) fn switch_site(
    ctx: &Ctx<'_>,
    session: &Session,
    body: &[u8],
    body_format: Format,
) -> Result<Response, ApiError> {
    let request = parse_switch_site(body, body_format).map_err(|e| ApiError::bad_request(e.0))?;
    let dir = ctx.state.write_directory();
    if ctx.state.inner.sessions.peek(&session.token).is_none() {
        return Err(ApiError::invalid_token());
    }
    let destination = dir
        .site_by_content_url(&request.content_url)
        .cloned()
        .ok_or_else(|| ApiError::switch_site("The destination site was not found."))?;
    if destination.id == session.site_id {
        return Err(ApiError::same_site());
    }
    let name = dir
        .users
        .get(&session.user_id)
        .map(|user| user.name.clone())
        .unwrap_or_default();
    let user_id = dir
        .user_by_name(&destination.id, &name)
        .map(|user| Arc::clone(&user.id))
        .ok_or_else(|| {
            ApiError::switch_site("The user is not a member of the destination site.")
        })?;
    ctx.state.inner.sessions.remove_token(&session.token);
    let new = new_session(
        ctx,
        &destination,
        user_id,
        session.family,
        session.pat_id.clone(),
        session.scopes.clone(),
    );
    drop(dir);
    let answer = CredentialsAnswer {
        token: new.token.to_string(),
        site_id: destination.id,
        content_url: destination.content_url,
        user_id: Arc::clone(&new.user_id),
        estimated_time_to_expiration: None,
    };
    let version = ctx.state.config().api_version;
    Ok(ctx.ok(StatusCode::OK, answer.render(ctx.format, version)))
}
