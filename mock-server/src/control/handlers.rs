//! The HTTP handlers of the control API: each reads its JSON body, runs one operation on the
//! state ([`super::operations`]) and writes the answer. The control token is checked before any
//! of them runs ([`super::access`]).

use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::error::ControlError;
use super::wire::{
    ClockAdvance, ErrorBody, Health, NewDataSource, NewProject, NewSite, NewToken, NewUser,
    NewWorkbook, TokenRef, json_answer,
};
use crate::faults::Fault;
use crate::state::AppState;
use crate::stubs::{Stub, StubDetails};
#[allow(unused_imports, reason = "named in the OpenAPI annotations")]
use crate::stubs::{StubCreated, StubInfo};
use crate::types::{ClockInfo, ConnectedApp, ConnectedAppInfo, UatConfig};
#[allow(unused_imports, reason = "named in the OpenAPI annotations")]
use crate::types::{
    DataSourceInfo, PatInfo, ProjectInfo, RecordedRequest, SessionInfo, SiteInfo, UatConfigInfo,
    UserInfo, WorkbookInfo,
};

/// Control bodies over this size are refused (413).
const CONTROL_BODY_LIMIT: usize = 64 * 1024;

type Answer = Result<Response, ControlError>;

async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, ControlError> {
    let bytes = axum::body::to_bytes(body, CONTROL_BODY_LIMIT)
        .await
        .map_err(|_| ControlError::TooLarge(format!("body over {CONTROL_BODY_LIMIT} bytes")))?;
    // Through a `Value` first: serde's derive would also read a struct from an array of its
    // fields (`["finance","Finance"]`), which no call documents.
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ControlError::BadRequest(format!("invalid JSON body: {e}")))?;
    if !value.is_object() {
        return Err(ControlError::BadRequest(
            "invalid JSON body: expected an object".into(),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| ControlError::BadRequest(format!("invalid JSON body: {e}")))
}

#[utoipa::path(
    get,
    path = "/_mock/health",
    responses(
        (status = 200, description = "the mock is up", body = Health)
    ),
    security(())
)]
pub(super) async fn health() -> Response {
    json_answer(
        StatusCode::OK,
        &Health {
            status: "ok".to_owned(),
        },
    )
}

#[utoipa::path(
    post,
    path = "/_mock/sites",
    request_body = NewSite,
    responses(
        (status = 201, description = "the site", body = SiteInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_site(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewSite = read_json(body).await?;
    let site = state.create_site(&new.content_url, &new.name, new.pat_lifetime_days)?;
    Ok(json_answer(StatusCode::CREATED, &site))
}

#[utoipa::path(
    post,
    path = "/_mock/users",
    request_body = NewUser,
    responses(
        (status = 201, description = "the user", body = UserInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "the site, user or token named does not exist", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_user(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewUser = read_json(body).await?;
    let role = new.site_role.as_deref().unwrap_or("Creator");
    let user = state.create_user(&new.site, &new.name, new.password.as_deref(), role)?;
    Ok(json_answer(StatusCode::CREATED, &user))
}

#[utoipa::path(
    post,
    path = "/_mock/tokens",
    request_body = NewToken,
    responses(
        (status = 201, description = "the token; its secret is shown only here", body = PatInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "the site, user or token named does not exist", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_token(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewToken = read_json(body).await?;
    let pat = state.create_pat(&new.site, &new.user, &new.name, new.expires_in_days)?;
    Ok(json_answer(StatusCode::CREATED, &pat))
}

#[utoipa::path(
    post,
    path = "/_mock/tokens/revoke",
    request_body = TokenRef,
    responses(
        (status = 204, description = "revoked; its live session ended"),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "the site, user or token named does not exist", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn revoke_token(State(state): State<AppState>, body: Body) -> Answer {
    let token: TokenRef = read_json(body).await?;
    state.revoke_pat(&token.site, &token.user, &token.name)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post,
    path = "/_mock/connected-apps",
    request_body = ConnectedApp,
    responses(
        (status = 201, description = "registered (without the secret value)", body = ConnectedAppInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "the site, user or token named does not exist", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_connected_app(State(state): State<AppState>, body: Body) -> Answer {
    let app: ConnectedApp = read_json(body).await?;
    state.create_connected_app(&app)?;
    Ok(json_answer(
        StatusCode::CREATED,
        &ConnectedAppInfo::from(&app),
    ))
}

#[utoipa::path(
    post,
    path = "/_mock/uat-configs",
    request_body = UatConfig,
    responses(
        (status = 201, description = "registered (the key ids it holds; used by --flavor cloud only)", body = UatConfigInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_uat_config(State(state): State<AppState>, body: Body) -> Answer {
    let config: UatConfig = read_json(body).await?;
    let info = state.create_uat_config(&config)?;
    Ok(json_answer(StatusCode::CREATED, &info))
}

#[utoipa::path(
    post,
    path = "/_mock/projects",
    request_body = NewProject,
    responses(
        (status = 201, description = "the project", body = ProjectInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "the site, parent project or owner named does not exist", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_project(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewProject = read_json(body).await?;
    let project = state.create_project(&new)?;
    Ok(json_answer(StatusCode::CREATED, &project))
}

#[utoipa::path(
    post,
    path = "/_mock/workbooks",
    request_body = NewWorkbook,
    responses(
        (status = 201, description = "the workbook and its views", body = WorkbookInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "the site, project or user named does not exist", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_workbook(State(state): State<AppState>, body: Body) -> Answer {
    let new: NewWorkbook = read_json(body).await?;
    let workbook = state.create_workbook(&new)?;
    Ok(json_answer(StatusCode::CREATED, &workbook))
}

#[utoipa::path(
    post,
    path = "/_mock/datasources",
    request_body = NewDataSource,
    responses(
        (status = 201, description = "the data source", body = DataSourceInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "the site, project or user named does not exist", body = ErrorBody),
        (status = 409, description = "it exists already", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
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

#[utoipa::path(
    get,
    path = "/_mock/clock",
    responses(
        (status = 200, description = "the virtual time", body = ClockInfo),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody)
    )
)]
pub(super) async fn clock(State(state): State<AppState>) -> Response {
    clock_answer(&state)
}

#[utoipa::path(
    post,
    path = "/_mock/clock/advance",
    request_body = ClockAdvance,
    responses(
        (status = 200, description = "the clock afterwards", body = ClockInfo),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn advance_clock(State(state): State<AppState>, body: Body) -> Answer {
    let advance: ClockAdvance = read_json(body).await?;
    let by = Duration::try_from_secs_f64(advance.seconds)
        .map_err(|_| ControlError::BadRequest("seconds must be a non-negative number".into()))?;
    state.advance_clock(by);
    Ok(clock_answer(&state))
}

#[utoipa::path(
    post,
    path = "/_mock/faults",
    request_body = Fault,
    responses(
        (status = 201, description = "the fault as registered", body = Fault),
        (status = 400, description = "invalid input", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn inject_fault(State(state): State<AppState>, body: Body) -> Answer {
    let fault: Fault = read_json(body).await?;
    state.inject_fault(fault.clone())?;
    Ok(json_answer(StatusCode::CREATED, &fault))
}

#[utoipa::path(
    get,
    path = "/_mock/requests",
    responses(
        (status = 200, description = "the request log, oldest first, secrets redacted", body = Vec<RecordedRequest>),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody)
    )
)]
pub(super) async fn requests(State(state): State<AppState>) -> Response {
    json_answer(StatusCode::OK, &state.requests())
}

#[utoipa::path(
    get,
    path = "/_mock/sessions",
    responses(
        (status = 200, description = "the live sessions, oldest first, never a token", body = Vec<SessionInfo>),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody)
    )
)]
pub(super) async fn sessions(State(state): State<AppState>) -> Response {
    json_answer(StatusCode::OK, &state.sessions())
}

#[utoipa::path(
    post,
    path = "/_mock/reset",
    responses(
        (status = 204, description = "back to the seed data, clock offset 0, no faults, no stubs, empty request log"),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody)
    )
)]
pub(super) async fn reset(State(state): State<AppState>) -> Response {
    state.reset();
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(
    post,
    path = "/_mock/stubs",
    request_body = Stub,
    responses(
        (status = 201, description = "registered", body = StubCreated),
        (status = 400, description = "an invalid stub; the message says why (the auth surface cannot be stubbed)", body = ErrorBody),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 413, description = "body over 64 KiB", body = ErrorBody)
    )
)]
pub(super) async fn create_stub(State(state): State<AppState>, body: Body) -> Answer {
    let stub: Stub = read_json(body).await?;
    let created = state.add_stub(stub)?;
    Ok(json_answer(StatusCode::CREATED, &created))
}

#[utoipa::path(
    get,
    path = "/_mock/stubs",
    responses(
        (status = 200, description = "the stubs, oldest first, with their call counts", body = Vec<StubInfo>),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody)
    )
)]
pub(super) async fn list_stubs(State(state): State<AppState>) -> Response {
    json_answer(StatusCode::OK, &state.stubs())
}

/// The `{id}` of a stub path (an id that does not decode names no stub).
fn stub_id(id: Result<Path<String>, PathRejection>) -> Result<String, ControlError> {
    id.map(|Path(id)| id)
        .map_err(|_| ControlError::NotFound("no such stub".into()))
}

#[utoipa::path(
    get,
    path = "/_mock/stubs/{id}",
    params(("id" = String, Path, description = "the stub's id")),
    responses(
        (status = 200, description = "the stub, its call count and the requests it answered (redacted)", body = StubDetails),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "no such stub", body = ErrorBody)
    )
)]
pub(super) async fn get_stub(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Answer {
    let details: StubDetails = state.stub(&stub_id(id)?)?;
    Ok(json_answer(StatusCode::OK, &details))
}

#[utoipa::path(
    delete,
    path = "/_mock/stubs/{id}",
    params(("id" = String, Path, description = "the stub's id")),
    responses(
        (status = 204, description = "removed (its expectation is not checked)"),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody),
        (status = 404, description = "no such stub", body = ErrorBody)
    )
)]
pub(super) async fn delete_stub(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Answer {
    state.remove_stub(&stub_id(id)?)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/_mock/openapi.json",
    responses(
        (status = 200, description = "this document: OpenAPI 3.1 of every /_mock call", content_type = "application/json", body = Object),
        (status = 401, description = "missing or wrong X-Mock-Control (with --control-token)", body = ErrorBody)
    )
)]
pub(super) async fn openapi() -> Response {
    let mut response = Response::new(Body::from(super::openapi::document()));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
