//! The HTTP handlers of the control API: each reads its JSON body, runs one operation on the
//! state ([`super::operations`]) and writes the answer. The control token is checked before any
//! of them runs ([`super::access`]).

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::error::ControlError;
use super::wire::{
    ClockAdvance, Health, NewDataSource, NewProject, NewSite, NewToken, NewUser, NewWorkbook,
    TokenRef, json_answer,
};
use crate::faults::Fault;
use crate::state::AppState;
use crate::types::{ClockInfo, ConnectedApp, ConnectedAppInfo, UatConfig};

/// Control bodies over this size are refused (413).
const CONTROL_BODY_LIMIT: usize = 64 * 1024;

type Answer = Result<Response, ControlError>;

async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, ControlError> {
    let bytes = axum::body::to_bytes(body, CONTROL_BODY_LIMIT)
        .await
        .map_err(|_| ControlError::TooLarge(format!("body over {CONTROL_BODY_LIMIT} bytes")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ControlError::BadRequest(format!("invalid JSON body: {e}")))
}

pub(super) async fn health() -> Response {
    json_answer(
        StatusCode::OK,
        &Health {
            status: "ok".to_owned(),
        },
    )
}

pub(super) async fn create_site(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewSite = read_json(body).await?;
    let site = state.create_site(&new.content_url, &new.name, new.pat_lifetime_days)?;
    Ok(json_answer(StatusCode::CREATED, &site))
}

pub(super) async fn create_user(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewUser = read_json(body).await?;
    let role = new.site_role.as_deref().unwrap_or("Creator");
    let user = state.create_user(&new.site, &new.name, new.password.as_deref(), role)?;
    Ok(json_answer(StatusCode::CREATED, &user))
}

pub(super) async fn create_token(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewToken = read_json(body).await?;
    let pat = state.create_pat(&new.site, &new.user, &new.name, new.expires_in_days)?;
    Ok(json_answer(StatusCode::CREATED, &pat))
}

pub(super) async fn revoke_token(State(state): State<AppState>, body: Body) -> Answer {
    let token: TokenRef = read_json(body).await?;
    state.revoke_pat(&token.site, &token.user, &token.name)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn create_connected_app(State(state): State<AppState>, body: Body) -> Answer {
    let app: ConnectedApp = read_json(body).await?;
    state.create_connected_app(&app)?;
    Ok(json_answer(
        StatusCode::CREATED,
        &ConnectedAppInfo::from(&app),
    ))
}

pub(super) async fn create_uat_config(State(state): State<AppState>, body: Body) -> Answer {
    let config: UatConfig = read_json(body).await?;
    let info = state.create_uat_config(&config)?;
    Ok(json_answer(StatusCode::CREATED, &info))
}

pub(super) async fn create_project(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewProject = read_json(body).await?;
    let project = state.create_project(&new)?;
    Ok(json_answer(StatusCode::CREATED, &project))
}

pub(super) async fn create_workbook(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewWorkbook = read_json(body).await?;
    let workbook = state.create_workbook(&new)?;
    Ok(json_answer(StatusCode::CREATED, &workbook))
}

pub(super) async fn create_datasource(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewDataSource = read_json(body).await?;
    let datasource = state.create_datasource(&new)?;
    Ok(json_answer(StatusCode::CREATED, &datasource))
}

fn clock_answer(state: &AppState) -> Response {
    json_answer(
        StatusCode::OK,
        &ClockInfo {
            now: state.now(),
            offset_seconds: state.clock_offset_seconds(),
        },
    )
}

pub(super) async fn clock(State(state): State<AppState>) -> Response {
    clock_answer(&state)
}

pub(super) async fn advance_clock(State(state): State<AppState>, body: Body) -> Answer {
    let advance: ClockAdvance = read_json(body).await?;
    let by = Duration::try_from_secs_f64(advance.seconds)
        .map_err(|_| ControlError::BadRequest("seconds must be a non-negative number".into()))?;
    state.advance_clock(by);
    Ok(clock_answer(&state))
}

pub(super) async fn inject_fault(State(state): State<AppState>, body: Body) -> Answer {
    let fault: Fault = read_json(body).await?;
    state.inject_fault(fault.clone())?;
    Ok(json_answer(StatusCode::CREATED, &fault))
}

pub(super) async fn requests(State(state): State<AppState>) -> Response {
    json_answer(StatusCode::OK, &state.requests())
}

pub(super) async fn sessions(State(state): State<AppState>) -> Response {
    json_answer(StatusCode::OK, &state.sessions())
}

pub(super) async fn reset(State(state): State<AppState>) -> Response {
    state.reset();
    StatusCode::NO_CONTENT.into_response()
}
