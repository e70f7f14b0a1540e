//! The control API under `/_mock/` (contracts section 2): JSON in and out, errors as
//! `{"error": "…"}`.

pub mod ops;
mod service;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::clock::rfc3339;
use crate::faults::Fault;
use crate::state::AppState;
use crate::types::ConnectedApp;
pub use ops::ControlError;

const CONTROL_BODY_LIMIT: usize = 64 * 1024;

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        json_response(self.status(), &json!({ "error": self.to_string() }))
    }
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn guard(state: &AppState, headers: &HeaderMap) -> Result<(), ControlError> {
    let Some(expected) = &state.config().control_token else {
        return Ok(());
    };
    let given = headers
        .get("x-mock-control")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    // A missing header never matches, even a token configured as "" (which locks the API).
    if !given.is_empty() && bool::from(given.ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(ControlError::Unauthorized)
    }
}

async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, ControlError> {
    let bytes = axum::body::to_bytes(body, CONTROL_BODY_LIMIT)
        .await
        .map_err(|_| ControlError::TooLarge(format!("body over {CONTROL_BODY_LIMIT} bytes")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ControlError::BadRequest(format!("invalid JSON body: {e}")))
}

type Answer = Result<Response, ControlError>;

/// The control routes, to be nested under `/_mock`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/sites", post(sites))
        .route("/users", post(users))
        .route("/tokens", post(tokens))
        .route("/tokens/revoke", post(revoke))
        .route("/connected-apps", post(connected_apps))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/faults", post(faults))
        .route("/requests", get(requests))
        .route("/reset", post(reset))
        .fallback(|| async { ControlError::NotFound("no such control route".into()) })
        .method_not_allowed_fallback(|| async {
            ControlError::MethodNotAllowed("method not allowed on this control route".into())
        })
}

async fn health() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewSite {
    content_url: String,
    name: String,
}

async fn sites(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    guard(&state, &headers)?;
    let new: NewSite = read_json(body).await?;
    let site = state.create_site(&new.content_url, &new.name)?;
    Ok(json_response(StatusCode::CREATED, &json!(site)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewUserBody {
    site: String,
    name: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    site_role: Option<String>,
}

async fn users(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    guard(&state, &headers)?;
    let new: NewUserBody = read_json(body).await?;
    let role = new.site_role.as_deref().unwrap_or("Creator");
    let user = state.create_user(&new.site, &new.name, new.password.as_deref(), role)?;
    Ok(json_response(StatusCode::CREATED, &json!(user)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewToken {
    site: String,
    user: String,
    name: String,
    #[serde(default)]
    expires_in_days: Option<u32>,
}

async fn tokens(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    guard(&state, &headers)?;
    let new: NewToken = read_json(body).await?;
    let pat = state.create_pat(&new.site, &new.user, &new.name, new.expires_in_days)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"name": pat.name, "secret": pat.secret, "expiresAt": rfc3339(pat.expires_at)}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRef {
    site: String,
    user: String,
    name: String,
}

async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    guard(&state, &headers)?;
    let token: TokenRef = read_json(body).await?;
    state.revoke_pat(&token.site, &token.user, &token.name)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn connected_apps(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    guard(&state, &headers)?;
    let app: ConnectedApp = read_json(body).await?;
    state.create_connected_app(&app)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"site": app.site, "clientId": app.client_id, "secretId": app.secret_id, "enabled": app.enabled}),
    ))
}

fn clock_body(state: &AppState) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"now": rfc3339(state.now()), "offsetSeconds": state.clock_offset_seconds()}),
    )
}

async fn clock(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    guard(&state, &headers)?;
    Ok(clock_body(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

async fn advance(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    guard(&state, &headers)?;
    let advance: Advance = read_json(body).await?;
    let by = Duration::try_from_secs_f64(advance.seconds)
        .map_err(|_| ControlError::BadRequest("seconds must be a non-negative number".into()))?;
    state.advance_clock(by);
    Ok(clock_body(&state))
}

async fn faults(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Answer {
    guard(&state, &headers)?;
    let fault: Fault = read_json(body).await?;
    state.inject_fault(fault.clone())?;
    Ok(json_response(StatusCode::CREATED, &json!(fault)))
}

async fn requests(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    guard(&state, &headers)?;
    Ok(json_response(StatusCode::OK, &json!(state.requests())))
}

async fn reset(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    guard(&state, &headers)?;
    state.reset();
    Ok(StatusCode::NO_CONTENT.into_response())
}
