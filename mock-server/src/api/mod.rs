//! The REST API surface: one entry point, [`entry`], and the request pipeline behind it,
//! [`dispatch`], which reads top to bottom, one step per function. The first step that refuses
//! the request answers; a later step never runs for it, and nothing changes state before the
//! handler.
//!
//! | step | function | refuses with |
//! |---|---|---|
//! | 1. buffer the body | [`read_body`] | 408000 when it does not arrive in time |
//! | 2. faults | [`entry`] (`FaultStore::take`) | the injected answer |
//! | 3. resolve the route | [`resolve`]: the auth surface ([`routes::Endpoint`]), then the stubs ([`resolve_stub`]), then [`read::route`] | — |
//! | 4. version | [`check_version`] | 404001 for a URL version above the server's or not `digits.digits`; 404003 for an unknown path or an endpoint below its "since" version |
//! | 5. method | [`check_method`] | 405000 (also the calls Tableau Cloud lacks) |
//! | 6. authenticate | [`authenticate`] | 401000 without `X-Tableau-Auth`, 401002 for a dead token |
//! | 7. site | [`check_site`] | for a `/sites/{luid}/...` path: 404000 for an unknown LUID, 403010 for another site than the session's |
//! | 8. JWT scopes | [`check_scope`] | 401002 when a JWT session's `scp` lacks the route's scope |
//! | 9. stubs | [`serve_stub`] | a stub chosen at step 3 answers here (404003 in the rare case that its `times` ran out since) |
//! | 10. content type | [`body_format`] | 406000 for a body media type the server does not read |
//! | 11. size | [`body_bytes`] | 413000 over 64 KiB |
//! | 12. handler | [`handle`] | the endpoint's own errors |
//!
//! # The read side's hook
//!
//! The read endpoints (docs/protocol.md section 12) live in [`read`], which implements two
//! functions and one enum:
//!
//! - `read::route(method, segments) -> Option<ReadRoute>`: the route of a request, from its
//!   method and the path segments after `/api/{version}/`. The auth surface is routed first.
//!   When it answers `None` for a method other than GET, the pipeline asks again with GET: a
//!   route found then makes the request a 405000 rather than a 404003.
//! - `read::serve(ctx, session, &ReadRoute, query) -> Result<Response, ApiError>`: the answer,
//!   called only after steps 4–11 passed for the route. `ctx.format` is the answer's format,
//!   `ctx.state` the state (`ctx.state.flavor()` tells Server from Cloud); `query` is the raw
//!   query string.
//! - `read::ReadEndpoint`: what the read side needs to answer, carried in the route.
//!
//! A [`ReadRoute`] tells the pipeline the three things it checks: the site LUID of a
//! `/sites/{luid}/...` path (step 7; `None` when the path names no site LUID, as
//! `GET sites/{name}?key=name` does), the JWT scope (step 8) and the first API version that
//! has the route (step 4). Read routes always need a session.
//!
//! # Stubs
//!
//! A stub (docs/mock-server.md, "Stubs") is a route too: step 3 asks the stub index
//! ([`crate::stubs::store`]) for the best stub matching the method, path, query, headers, body
//! and URL version, after the auth surface (which cannot be stubbed) and before the read side
//! (which a stub may override). A stub route then goes through steps 4–8 like a built-in one —
//! its `auth`, its `{siteId}` segment and its `scopes` — and answers at step 9.

mod auth;
mod lookups;
pub(crate) mod read;
mod routes;
mod scope;

use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http::Method;
use http::request::Parts;

use crate::error::ApiError;
use crate::flavor::Flavor;
use crate::format::Format;
use crate::request_log::LoggedBody;
use crate::server::ConnectionKiller;
use crate::sessions::Session;
use crate::state::AppState;
use crate::stubs::store::{Incoming, StubDelay, StubEntry};
use crate::stubs::template::Values;
use crate::version::ApiVersion;
use read::ReadEndpoint;
pub(crate) use routes::MAX_SEGMENTS;
use routes::{ApiPath, Endpoint};
pub(crate) use scope::{Scope, grants};

/// Bodies over this size get 413000.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;
/// Bodies up to this size are read (and discarded when too large) so the client sees the answer.
pub(crate) const READ_LIMIT: usize = 1024 * 1024;

/// A request body after buffering.
pub(crate) enum Buffered {
    Bytes(Bytes),
    TooLarge(usize),
    Failed,
    /// The body did not arrive within [`BODY_READ_TIMEOUT`].
    TimedOut,
}

/// Time allowed for a request's body to arrive once its headers are in: a client that
/// trickles its body gets 408 and the connection is closed, so it cannot hold a slot forever.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Step 1: buffers the body (up to [`READ_LIMIT`], within [`BODY_READ_TIMEOUT`]).
async fn read_body(mut body: Body, parts: &Parts) -> Buffered {
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared {
        if length > READ_LIMIT as u64 {
            return Buffered::TooLarge(usize::try_from(length).unwrap_or(usize::MAX));
        }
    }
    if body.is_end_stream() {
        // No body (a GET): nothing to wait for, and no timer to register.
        return Buffered::Bytes(Bytes::new());
    }
    let read = async {
        let mut collected: Vec<u8> = Vec::new();
        loop {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
            match frame {
                None => return Buffered::Bytes(Bytes::from(collected)),
                Some(Err(_)) => return Buffered::Failed,
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if collected.len() + data.len() > READ_LIMIT {
                            return Buffered::TooLarge(collected.len() + data.len());
                        }
                        collected.extend_from_slice(&data);
                    }
                }
            }
        }
    };
    tokio::time::timeout(BODY_READ_TIMEOUT, read)
        .await
        .unwrap_or(Buffered::TimedOut)
}

/// Everything outside `/_mock/` arrives here: steps 1 and 2, then [`dispatch`], and the log.
pub(crate) async fn entry(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let format = Format::from_accept(&parts.headers);
    let version = state.config().api_version;
    let body = read_body(body, &parts).await;
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let normalized = routes::normalize(path);
    let log_refused = |status: Option<u16>, parsed: Option<LoggedBody>, refusal: Option<String>| {
        if state.inner.log.enabled() {
            let logged_body = match &body {
                // The handler parsed the body already and left it redacted.
                _ if parsed.is_some() => parsed.map(|LoggedBody(text)| text),
                Buffered::Bytes(bytes) => crate::request_log::redact_body(&parts.headers, bytes),
                Buffered::TooLarge(n) => Some(format!("[unparsed body, {n} bytes]")),
                Buffered::Failed | Buffered::TimedOut => {
                    Some("[unparsed body, 0 bytes]".to_owned())
                }
            };
            state.inner.log.push_refused(
                &parts.method,
                path,
                status,
                &parts.headers,
                logged_body,
                refusal,
            );
        }
    };
    let log = |status: Option<u16>, parsed: Option<LoggedBody>| log_refused(status, parsed, None);
    if matches!(body, Buffered::TimedOut) {
        tracing::debug!(%method, %path, "request body too slow; closing");
        let mut response = ApiError::for_status(StatusCode::REQUEST_TIMEOUT)
            .answered(format, version)
            .into_response();
        response.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
        log(Some(response.status().as_u16()), None);
        return response;
    }
    if let Some(fault) = state.inner.faults.take(method, &normalized) {
        tracing::debug!(%method, %path, "injecting fault");
        if fault.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(fault.delay_ms)).await;
        }
        if fault.drop_connection {
            log(None, None);
            return drop_connection().await;
        }
        if fault.synthesizes_answer() {
            let response = fault.response(format, version);
            log(Some(response.status().as_u16()), None);
            return response;
        }
    }
    let (mut response, refusal) = match dispatch(&state, &parts, &body, &normalized, format) {
        Ok(mut response) => {
            if let Some(StubDelay(delay)) = response.extensions_mut().remove::<StubDelay>() {
                tokio::time::sleep(delay).await;
            }
            (response, None)
        }
        Err(mut error) => {
            let refusal = error.reason.take();
            tracing::debug!(code = %error.code, %method, %path, reason = ?refusal, "request refused");
            (error.answered(format, version).into_response(), refusal)
        }
    };
    let parsed = response.extensions_mut().remove::<LoggedBody>();
    log_refused(Some(response.status().as_u16()), parsed, refusal);
    response
}

async fn drop_connection() -> Response {
    match ConnectionKiller::current() {
        Some(killer) => {
            killer.kill();
            std::future::pending::<Response>().await
        }
        // Without a socket (`oneshot`), a body that fails is the closest thing.
        None => Response::new(Body::new(FailingBody)),
    }
}

struct FailingBody;

impl HttpBody for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))))
    }
}

/// A route of the REST surface: an endpoint of the auth surface, or a read route.
#[derive(Debug)]
pub(crate) enum Route {
    /// Sign-in, sessions, the user look-up, … ([`routes::Endpoint`]).
    Auth(Endpoint),
    /// A read endpoint ([`read`]).
    Read(ReadRoute),
    /// A registered stub.
    Stub(StubRoute),
}

/// A stub chosen at step 3, and the `{siteId}` segment of the request's path.
#[derive(Debug)]
pub(crate) struct StubRoute {
    entry: Arc<StubEntry>,
    site_id: Option<String>,
}

/// A read route, as [`read::route`] answers it: what the pipeline checks, and what
/// [`read::serve`] needs.
#[derive(Debug)]
pub(crate) struct ReadRoute {
    /// The site LUID of a `/sites/{luid}/...` path, checked against the session's site
    /// (step 7); `None` when the path names no site LUID.
    pub site_id: Option<String>,
    /// The scope a JWT session needs (step 8).
    pub scope: Scope,
    /// The first API version that has the route (step 4).
    pub since: ApiVersion,
    /// What [`read::serve`] answers.
    pub endpoint: ReadEndpoint,
}

impl Route {
    fn since(&self) -> ApiVersion {
        match self {
            Route::Auth(endpoint) => endpoint.since(),
            Route::Read(read) => read.since,
            // A stub below its minVersion does not match at all.
            Route::Stub(_) => ApiVersion::new(0, 0),
        }
    }

    fn needs_auth(&self) -> bool {
        match self {
            Route::Auth(endpoint) => endpoint.needs_auth(),
            Route::Read(_) => true,
            Route::Stub(stub) => stub.entry.needs_auth(),
        }
    }

    fn site_id(&self) -> Option<&str> {
        match self {
            Route::Auth(endpoint) => endpoint.site_id(),
            Route::Read(read) => read.site_id.as_deref(),
            Route::Stub(stub) => stub.site_id.as_deref(),
        }
    }

    /// Whether a session with `granted` (a JWT's `scp`; `None` for password and PAT sessions)
    /// may make the call.
    fn allows(&self, granted: Option<&[Box<str>]>) -> bool {
        match self {
            Route::Auth(endpoint) => endpoint.scope().allows(granted),
            Route::Read(read) => read.scope.allows(granted),
            Route::Stub(stub) => stub.entry.allows(granted),
        }
    }

    fn takes_body(&self) -> bool {
        match self {
            Route::Auth(endpoint) => endpoint.takes_body(),
            Route::Read(_) | Route::Stub(_) => false,
        }
    }
}

/// A resolved route and whether the request's method is one it serves.
struct Resolved {
    route: Route,
    method_allowed: bool,
}

/// The pipeline after the faults: steps 3 to 12, one function each.
fn dispatch(
    state: &AppState,
    parts: &Parts,
    body: &Buffered,
    path: &str,
    format: Format,
) -> Result<Response, ApiError> {
    let config = state.config();
    let api_path = ApiPath::parse(path);
    let resolved = api_path
        .as_ref()
        .and_then(|api_path| resolve(state, parts, body, api_path, config.flavor));
    let resolved = check_version(path, api_path.as_ref(), resolved, config.api_version)?;
    check_method(&parts.method, &resolved)?;
    let route = resolved.route;
    let session = if route.needs_auth() {
        Some(authenticate(state, parts)?)
    } else {
        None
    };
    if let Some(session) = &session {
        check_site(state, &route, session)?;
        check_scope(&route, session)?;
    }
    if let Route::Stub(stub) = &route {
        return serve_stub(state, stub, parts, body, path, session.as_deref());
    }
    let body_format = body_format(parts, &route)?;
    let bytes = body_bytes(body)?;
    let ctx = Ctx { state, format };
    handle(&ctx, route, session, body_format, &bytes, parts.uri.query())
}

/// Step 3: the auth surface first, then the stubs, then the read side. A path the read side
/// serves with GET only is resolved with `method_allowed: false` for other methods.
fn resolve(
    state: &AppState,
    parts: &Parts,
    body: &Buffered,
    api_path: &ApiPath<'_>,
    flavor: Flavor,
) -> Option<Resolved> {
    let method = &parts.method;
    let segments = api_path.segments()?;
    let endpoint = Endpoint::resolve(segments, flavor);
    // The user look-up and Cloud's `GET sites` are reads, which a stub may override.
    let overridable = matches!(
        endpoint,
        None | Some(Endpoint::UserLookup { .. } | Endpoint::CloudSitesQuery)
    );
    if overridable {
        if let Some(stub) = resolve_stub(state, parts, body, api_path, segments) {
            return Some(Resolved {
                route: Route::Stub(stub),
                method_allowed: true,
            });
        }
    }
    if let Some(endpoint) = endpoint {
        let method_allowed = endpoint.allows(method, flavor);
        return Some(Resolved {
            route: Route::Auth(endpoint),
            method_allowed,
        });
    }
    if let Some(read) = read::route(method, segments) {
        return Some(Resolved {
            route: Route::Read(read),
            method_allowed: true,
        });
    }
    if *method == Method::GET {
        return None;
    }
    read::route(&Method::GET, segments).map(|read| Resolved {
        route: Route::Read(read),
        method_allowed: false,
    })
}

/// Step 3 for stubs: the best registered stub for the request (through the stub index).
fn resolve_stub(
    state: &AppState,
    parts: &Parts,
    body: &Buffered,
    api_path: &ApiPath<'_>,
    segments: &[&str],
) -> Option<StubRoute> {
    let incoming = Incoming {
        method: &parts.method,
        segments,
        version: ApiVersion::parse(api_path.version),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: match body {
            Buffered::Bytes(bytes) => Some(bytes),
            _ => None,
        },
    };
    let entry = state.inner.stubs.find(&incoming)?;
    let site_id = entry.site_id(segments).map(str::to_owned);
    Some(StubRoute { entry, site_id })
}

fn unknown(path: &str) -> ApiError {
    ApiError::resource_not_found(format!(
        "Unknown resource '{}' specified in URI.",
        path.chars().take(200).collect::<String>()
    ))
}

/// Step 4: a URL version that is not `digits.digits` or is above `server` → 404001 (whatever
/// the path); then an unknown path, or a route below its "since" version → 404003.
fn check_version(
    path: &str,
    api_path: Option<&ApiPath<'_>>,
    resolved: Option<Resolved>,
    server: ApiVersion,
) -> Result<Resolved, ApiError> {
    let api_path = api_path.ok_or_else(|| unknown(path))?;
    let version = ApiVersion::parse(api_path.version)
        .filter(|version| *version <= server)
        .ok_or_else(|| ApiError::invalid_version(api_path.version))?;
    let resolved = resolved.ok_or_else(|| unknown(path))?;
    if version < resolved.route.since() {
        return Err(unknown(path));
    }
    Ok(resolved)
}

/// Step 5: 405000 for a method the route does not serve.
fn check_method(method: &Method, resolved: &Resolved) -> Result<(), ApiError> {
    if resolved.method_allowed {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed(method.as_str()))
    }
}

/// Step 6: the validated session of `X-Tableau-Auth`: 401000 when missing, 401002 when
/// invalid. A valid token's idle time slides.
fn authenticate(state: &AppState, parts: &Parts) -> Result<Arc<Session>, ApiError> {
    const X_TABLEAU_AUTH: http::HeaderName = http::HeaderName::from_static("x-tableau-auth");
    let header = parts
        .headers
        .get(X_TABLEAU_AUTH)
        .ok_or_else(ApiError::missing_credentials)?;
    if header.is_empty() {
        return Err(ApiError::missing_credentials());
    }
    // A value that is not UTF-8 names no session (tokens are ASCII): 401002, like any
    // unknown token.
    let token = std::str::from_utf8(header.as_bytes()).map_err(|_| ApiError::invalid_token())?;
    state
        .inner
        .sessions
        .validate(token, state.now_nanos())
        .ok_or_else(ApiError::invalid_token)
}

/// Step 7: the `{luid}` of a `/sites/{luid}/...` path must be the session's site: an unknown
/// LUID → 404000, another site's → 403010.
fn check_site(state: &AppState, route: &Route, session: &Session) -> Result<(), ApiError> {
    let Some(site_id) = route.site_id() else {
        return Ok(());
    };
    if site_id == &*session.site_id {
        return Ok(());
    }
    let dir = state.read_directory();
    if dir.site_by_id(site_id).is_none() {
        return Err(ApiError::site_not_found(site_id));
    }
    let user = dir
        .users
        .get(&*session.user_id)
        .map(|user| user.name.as_str())
        .unwrap_or_default();
    Err(ApiError::other_site(user, &session.site_id, site_id))
}

/// Step 8: a JWT session may call only what its `scp` grants (401002 otherwise); password and
/// PAT sessions are not limited.
fn check_scope(route: &Route, session: &Session) -> Result<(), ApiError> {
    if route.allows(session.scopes.as_deref()) {
        Ok(())
    } else {
        tracing::debug!(?route, "the JWT's scopes do not allow the call");
        Err(ApiError::invalid_token().because("the JWT's scopes (scp) do not allow the call"))
    }
}

/// Step 9: **stubs** (docs/protocol.md section 16). The stub chosen at step 3 answers, after
/// authentication and before the built-in read endpoints: it takes one of its `times`, counts
/// and records the request, and fills in its body. When its `times` ran out between step 3
/// and here (another request took the last one), the request is answered as one that matches
/// nothing: 404003.
fn serve_stub(
    state: &AppState,
    stub: &StubRoute,
    parts: &Parts,
    body: &Buffered,
    path: &str,
    session: Option<&Session>,
) -> Result<Response, ApiError> {
    let entry = &stub.entry;
    if !entry.take() {
        return Err(unknown(path));
    }
    let logged_body = match body {
        Buffered::Bytes(bytes) => crate::request_log::redact_body(&parts.headers, bytes),
        Buffered::TooLarge(n) => Some(format!("[unparsed body, {n} bytes]")),
        Buffered::Failed | Buffered::TimedOut => Some("[unparsed body, 0 bytes]".to_owned()),
    };
    entry.record(&parts.method, parts.uri.path(), &parts.headers, logged_body);
    // The path is split again only for a body that quotes its segments ({{path.NAME}}).
    let api_path = if entry.uses_path() {
        ApiPath::parse(path)
    } else {
        None
    };
    let segments = api_path
        .as_ref()
        .and_then(ApiPath::segments)
        .unwrap_or_default();
    let site_id = session
        .map(|s| &*s.site_id)
        .or(stub.site_id.as_deref())
        .unwrap_or_default();
    let user_id = session.map(|s| &*s.user_id).unwrap_or_default();
    let uuid = || state.inner.ids.luid();
    Ok(entry.respond(&Values {
        site_id,
        user_id,
        segments,
        uuid: &uuid,
    }))
}

/// Step 10: the body's format, for the routes that read a body (sign-in, switch site);
/// 406000 for a media type the server does not read.
fn body_format(parts: &Parts, route: &Route) -> Result<Option<Format>, ApiError> {
    if !route.takes_body() {
        return Ok(None);
    }
    Format::from_content_type(&parts.headers)
        .map(Some)
        .map_err(|refused| ApiError::unsupported_media_type(&refused.0))
}

/// Step 11: the body, at most [`BODY_LIMIT`] bytes (413000 above, whatever it holds).
fn body_bytes(body: &Buffered) -> Result<Bytes, ApiError> {
    match body {
        Buffered::TooLarge(_) => Err(ApiError::too_large(BODY_LIMIT)),
        Buffered::Bytes(bytes) if bytes.len() > BODY_LIMIT => Err(ApiError::too_large(BODY_LIMIT)),
        Buffered::Bytes(bytes) => Ok(bytes.clone()),
        Buffered::Failed | Buffered::TimedOut => {
            Err(ApiError::bad_request("The request body could not be read."))
        }
    }
}

/// Step 12: the endpoint's handler.
fn handle(
    ctx: &Ctx<'_>,
    route: Route,
    session: Option<Arc<Session>>,
    body_format: Option<Format>,
    body: &[u8],
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let endpoint = match route {
        Route::Read(read) => {
            let session = session.ok_or_else(ApiError::missing_credentials)?;
            return read::serve(ctx, &session, &read, query);
        }
        Route::Auth(endpoint) => endpoint,
        // Answered at step 9.
        Route::Stub(_) => return Err(unknown("")),
    };
    match (endpoint, session, body_format) {
        (Endpoint::ServerInfo, _, _) => Ok(lookups::server_info(ctx)),
        (Endpoint::SignIn, _, Some(body_format)) => auth::sign_in(ctx, body, body_format),
        (Endpoint::SignOut, Some(session), _) => Ok(auth::sign_out(ctx, &session)),
        (Endpoint::SwitchSite, Some(session), Some(body_format)) => {
            auth::switch_site(ctx, &session, body, body_format)
        }
        (Endpoint::CurrentSession, Some(session), _) => lookups::current_session(ctx, &session),
        (Endpoint::DeleteSession(id), Some(session), _) => {
            lookups::delete_session(ctx, &session, &id)
        }
        (Endpoint::UserLookup { user_id, .. }, Some(session), _) => {
            lookups::user(ctx, &session, &user_id)
        }
        (Endpoint::RevokeAdminTokens(_), Some(session), _) => {
            lookups::revoke_admin_tokens(ctx, &session)
        }
        (Endpoint::CloudSitesQuery, Some(_), _) => Err(ApiError::sites_query_unsupported()),
        _ => Err(ApiError::resource_not_found(
            "Unknown resource specified in URI.",
        )),
    }
}

/// What handlers need.
pub(crate) struct Ctx<'a> {
    pub state: &'a AppState,
    pub format: Format,
}

impl Ctx<'_> {
    pub(crate) fn ok(&self, status: StatusCode, body: impl Into<Body>) -> Response {
        crate::render::respond(status, self.format, body)
    }
}

/// 204 No Content.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
