//! Server info, the current session, the user look-up, deleting sessions and revoking
//! administrators' PATs.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::{Ctx, no_content};
use crate::clock::{push_rfc3339, rfc3339};
use crate::directory::User;
use crate::error::ApiError;
use crate::format::Format;
use crate::render::{
    XML_ANSWER_CAPACITY, XML_ENVELOPE_CLOSE, escape, push_attribute, push_empty_element,
    push_xml_envelope_open, to_json, xml_envelope,
};
use crate::sessions::Session;
use crate::version::product_version;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerInfoBody<'a> {
    server_info: ServerInfo<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerInfo<'a> {
    product_version: ProductVersion<'a>,
    rest_api_version: String,
}

#[derive(Serialize)]
struct ProductVersion<'a> {
    value: &'a str,
    build: &'a str,
}

/// `GET serverinfo`: never reads `X-Tableau-Auth`.
pub(super) fn server_info(ctx: &Ctx<'_>) -> Response {
    let version = ctx.state.config().api_version;
    let (product, build) = product_version(version);
    let body = match ctx.format {
        Format::Xml => xml_envelope(
            version,
            &format!(
                "<serverInfo><productVersion build=\"{}\">{}</productVersion><restApiVersion>{version}</restApiVersion></serverInfo>",
                escape(build),
                escape(product)
            ),
        ),
        Format::Json => to_json(&ServerInfoBody {
            server_info: ServerInfo {
                product_version: ProductVersion {
                    value: product,
                    build,
                },
                rest_api_version: version.to_string(),
            },
        }),
    };
    ctx.ok(StatusCode::OK, body)
}

#[derive(Serialize)]
struct SessionBody<'a> {
    session: SessionJson<'a>,
}

#[derive(Serialize)]
struct SessionJson<'a> {
    site: SiteJson<'a>,
    user: UserJson<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SiteJson<'a> {
    id: &'a str,
    name: &'a str,
    content_url: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserJson<'a> {
    id: &'a str,
    name: &'a str,
    site_role: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_login: Option<String>,
    auth_setting: &'a str,
}

fn user_json(user: &User, full: bool) -> UserJson<'_> {
    UserJson {
        id: &user.id,
        name: &user.name,
        site_role: &user.site_role,
        full_name: full.then_some(user.full_name.as_str()),
        email: full.then_some(user.email.as_str()),
        last_login: user.last_login.map(rfc3339),
        auth_setting: "ServerDefault",
    }
}

/// Appends `<user …/>`.
fn push_user_xml(out: &mut String, user: &User, full: bool) {
    out.push_str("<user");
    push_attribute(out, "id", &user.id);
    push_attribute(out, "name", &user.name);
    push_attribute(out, "siteRole", &user.site_role);
    if full {
        push_attribute(out, "fullName", &user.full_name);
        push_attribute(out, "email", &user.email);
    }
    if let Some(last_login) = user.last_login {
        out.push_str(" lastLogin=\"");
        push_rfc3339(out, last_login);
        out.push('"');
    }
    push_attribute(out, "authSetting", "ServerDefault");
    out.push_str("/>");
}

/// `GET sessions/current`: the session's site and user, and no session id (a real server shows
/// none; `GET /_mock/sessions` lists the ids). The hottest authenticated call: the answer is
/// rendered once per user, site and format into one pre-sized buffer, under the directory's read
/// lock, and kept until the directory next changes (`AnswerCache`).
pub(super) fn current_session(ctx: &Ctx<'_>, session: &Session) -> Result<Response, ApiError> {
    let dir = ctx.state.read_directory();
    let cache = &ctx.state.inner.current_answers;
    if let Some(body) = cache.get(&session.user_id, &session.site_id, ctx.format) {
        drop(dir);
        return Ok(ctx.ok(StatusCode::OK, body));
    }
    let site = dir.site_by_id(&session.site_id);
    let user = dir.users.get(&*session.user_id);
    let (Some(site), Some(user)) = (site, user) else {
        return Err(ApiError::invalid_token());
    };
    let body = match ctx.format {
        Format::Xml => {
            let mut out = String::with_capacity(XML_ANSWER_CAPACITY);
            push_xml_envelope_open(&mut out, ctx.state.config().api_version);
            out.push_str("<session>");
            push_empty_element(
                &mut out,
                "site",
                &[
                    ("id", &site.id),
                    ("name", &site.name),
                    ("contentUrl", &site.content_url),
                ],
            );
            push_user_xml(&mut out, user, false);
            out.push_str("</session>");
            out.push_str(XML_ENVELOPE_CLOSE);
            out
        }
        Format::Json => to_json(&SessionBody {
            session: SessionJson {
                site: SiteJson {
                    id: &site.id,
                    name: &site.name,
                    content_url: &site.content_url,
                },
                user: user_json(user, false),
            },
        }),
    };
    let body = Bytes::from(body);
    cache.insert(&session.user_id, &session.site_id, ctx.format, body.clone());
    drop(dir);
    Ok(ctx.ok(StatusCode::OK, body))
}

#[derive(Serialize)]
struct UserBody<'a> {
    user: UserJson<'a>,
}

/// `GET sites/{site-luid}/users/{user-luid}`, once the pipeline has checked that the site is
/// the session's: a user who is neither a site nor a server administrator may look up only
/// themself (403133, before the user is looked for), an unknown user of the site is 404002.
pub(super) fn user(ctx: &Ctx<'_>, session: &Session, user_id: &str) -> Result<Response, ApiError> {
    let dir = ctx.state.read_directory();
    let caller_is_admin = dir
        .users
        .get(&*session.user_id)
        .is_some_and(|caller| caller.is_admin());
    if !caller_is_admin && user_id != &*session.user_id {
        return Err(ApiError::query_user_forbidden());
    }
    let user = dir
        .users
        .get(user_id)
        .filter(|user| *user.site_id == *session.site_id)
        .ok_or_else(|| ApiError::user_not_found(user_id))?;
    let body = match ctx.format {
        Format::Xml => {
            let mut out = String::with_capacity(XML_ANSWER_CAPACITY);
            push_xml_envelope_open(&mut out, ctx.state.config().api_version);
            push_user_xml(&mut out, user, true);
            out.push_str(XML_ENVELOPE_CLOSE);
            out
        }
        Format::Json => to_json(&UserBody {
            user: user_json(user, true),
        }),
    };
    Ok(ctx.ok(StatusCode::OK, body))
}

fn require_server_admin(ctx: &Ctx<'_>, session: &Session) -> Result<(), ApiError> {
    let dir = ctx.state.read_directory();
    match dir.users.get(&session.user_id) {
        Some(user) if user.is_server_admin() => Ok(()),
        _ => Err(ApiError::forbidden(
            "This call needs a server administrator.",
        )),
    }
}

/// `DELETE sessions/{id}` (server administrators).
pub(super) fn delete_session(
    ctx: &Ctx<'_>,
    session: &Session,
    id: &str,
) -> Result<Response, ApiError> {
    require_server_admin(ctx, session)?;
    match ctx.state.inner.sessions.remove_by_id(id) {
        Some(_) => Ok(no_content()),
        None => Err(ApiError::resource_not_found(format!(
            "Session '{id}' could not be found."
        ))),
    }
}

/// `DELETE auth/serverAdminAccessTokens` / `POST auth/revokeAllServerAdminTokens`: revokes
/// every PAT owned by a server administrator and ends their sessions.
pub(super) fn revoke_admin_tokens(ctx: &Ctx<'_>, session: &Session) -> Result<Response, ApiError> {
    require_server_admin(ctx, session)?;
    let mut dir = ctx.state.write_directory();
    let admins: std::collections::HashSet<Arc<str>> = dir
        .users
        .values()
        .filter(|user| user.is_server_admin())
        .map(|user| Arc::clone(&user.id))
        .collect();
    let mut revoked = Vec::new();
    for pat in dir
        .pats
        .iter_mut()
        .filter(|pat| admins.contains(pat.user_id.as_str()) && !pat.revoked)
    {
        pat.revoked = true;
        revoked.push(Arc::clone(&pat.id));
    }
    for pat_id in &revoked {
        ctx.state.inner.sessions.remove_by_pat(pat_id);
    }
    drop(dir);
    tracing::info!(
        count = revoked.len(),
        "revoked server administrators' tokens"
    );
    Ok(no_content())
}
