//! The REST API surface: one entry point that buffers the body, applies faults, dispatches in
//! the spec's check order (path, version, method, auth, content type, size, body) and logs.

mod auth;
mod lookups;
mod routes;

use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::error::ApiError;
use crate::format::Format;
use crate::server::ConnectionKiller;
use crate::sessions::Session;
use crate::state::AppState;
use routes::Endpoint;

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

/// Everything outside `/_mock/` arrives here.
pub(crate) async fn entry(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let format = Format::from_accept(&parts.headers);
    let body = read_body(body, &parts).await;
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let log = |status: Option<u16>| {
        if state.inner.log.enabled() {
            let logged_body = match &body {
                Buffered::Bytes(bytes) => crate::request_log::redact_body(&parts.headers, bytes),
                Buffered::TooLarge(n) => Some(format!("[unparsed body, {n} bytes]")),
                Buffered::Failed | Buffered::TimedOut => {
                    Some("[unparsed body, 0 bytes]".to_owned())
                }
            };
            state
                .inner
                .log
                .push(&parts.method, path, status, &parts.headers, logged_body);
        }
    };
    if matches!(body, Buffered::TimedOut) {
        tracing::debug!(%method, %path, "request body too slow; closing");
        let mut response = ApiError::for_status(StatusCode::REQUEST_TIMEOUT)
            .in_format(format)
            .into_response();
        response.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
        log(Some(response.status().as_u16()));
        return response;
    }
    if let Some(fault) = state.inner.faults.take(method, path) {
        tracing::debug!(%method, %path, "injecting fault");
        if fault.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(fault.delay_ms)).await;
        }
        if fault.drop_connection {
            log(None);
            return drop_connection(&parts).await;
        }
        if fault.synthesizes_answer() {
            let response = fault.response(format);
            log(Some(response.status().as_u16()));
            return response;
        }
    }
    let response = match dispatch(&state, &parts, &body) {
        Ok(response) => response,
        Err(error) => {
            tracing::debug!(code = %error.code, %method, %path, "request refused");
            error.in_format(format).into_response()
        }
    };
    log(Some(response.status().as_u16()));
    response
}

async fn drop_connection(parts: &Parts) -> Response {
    match parts.extensions.get::<ConnectionKiller>() {
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

/// The validated session of `X-Tableau-Auth`: 401000 when missing, 401002 when invalid.
fn authenticate(state: &AppState, parts: &Parts) -> Result<Arc<Session>, ApiError> {
    let header = parts
        .headers
        .get("x-tableau-auth")
        .ok_or_else(ApiError::missing_credentials)?;
    if header.is_empty() {
        return Err(ApiError::missing_credentials());
    }
    let token = header.to_str().map_err(|_| ApiError::invalid_token())?;
    state
        .inner
        .sessions
        .validate(token, state.now_nanos())
        .ok_or_else(ApiError::invalid_token)
}

fn dispatch(state: &AppState, parts: &Parts, body: &Buffered) -> Result<Response, ApiError> {
    let server = state.config().api_version;
    let (endpoint, _url_version) = routes::resolve(parts.uri.path(), server)?;
    if parts.method != endpoint.method() {
        return Err(ApiError::method_not_allowed(parts.method.as_str()));
    }
    let session = if endpoint.needs_auth() {
        Some(authenticate(state, parts)?)
    } else {
        None
    };
    let body_format = if endpoint.takes_body() {
        Some(
            Format::from_content_type(&parts.headers)
                .ok_or_else(|| ApiError::bad_request("Content-Type must be XML or JSON."))?,
        )
    } else {
        None
    };
    let bytes = match body {
        Buffered::TooLarge(_) => return Err(ApiError::too_large(BODY_LIMIT)),
        Buffered::Bytes(bytes) if bytes.len() > BODY_LIMIT => {
            return Err(ApiError::too_large(BODY_LIMIT));
        }
        Buffered::Bytes(bytes) => bytes.clone(),
        Buffered::Failed | Buffered::TimedOut => {
            return Err(ApiError::bad_request("The request body could not be read."));
        }
    };
    let format = Format::from_accept(&parts.headers);
    let ctx = Ctx { state, format };
    match (endpoint, session, body_format) {
        (Endpoint::ServerInfo, _, _) => Ok(lookups::server_info(&ctx)),
        (Endpoint::SignIn, _, Some(body_format)) => auth::sign_in(&ctx, &bytes, body_format),
        (Endpoint::SignOut, Some(session), _) => Ok(auth::sign_out(&ctx, &session)),
        (Endpoint::SwitchSite, Some(session), Some(body_format)) => {
            auth::switch_site(&ctx, &session, &bytes, body_format)
        }
        (Endpoint::CurrentSession, Some(session), _) => lookups::current_session(&ctx, &session),
        (Endpoint::DeleteSession(id), Some(session), _) => {
            lookups::delete_session(&ctx, &session, &id)
        }
        (Endpoint::UserLookup { site_id, user_id }, Some(session), _) => {
            lookups::user(&ctx, &session, &site_id, &user_id)
        }
        (Endpoint::RevokeAdminTokens(_), Some(session), _) => {
            lookups::revoke_admin_tokens(&ctx, &session)
        }
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
    pub(crate) fn ok(&self, status: StatusCode, body: String) -> Response {
        crate::render::respond(status, self.format, body)
    }
}

/// 204 No Content.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
