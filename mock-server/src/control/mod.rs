//! The control API under `/_mock/`: JSON in and out, refusals as `{"error": "…"}`.
//!
//! - [`wire`]: the routes and JSON bodies, shared with [`ControlClient`](crate::ControlClient);
//! - [`access`]: the control-token check, one layer over every route but `/health`;
//! - [`handlers`]: the HTTP handlers;
//! - [`operations`]: what the calls do to the running state (also behind
//!   [`MockServer`](crate::MockServer)'s helpers);
//! - [`edits`]: validated changes to the directory (also used by seed data);
//! - [`error`]: why a call failed, and its status.

mod access;
pub(crate) mod edits;
pub(crate) mod error;
mod handlers;
mod operations;
pub(crate) mod wire;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

use crate::state::AppState;
pub(crate) use error::ControlError;

/// The control routes, to be nested under [`wire::PREFIX`].
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    // Every route in here needs the control token (when one is configured).
    let guarded = Router::new()
        .route(wire::SITES, post(handlers::create_site))
        .route(wire::USERS, post(handlers::create_user))
        .route(wire::TOKENS, post(handlers::create_token))
        .route(wire::TOKENS_REVOKE, post(handlers::revoke_token))
        .route(wire::CONNECTED_APPS, post(handlers::create_connected_app))
        .route(wire::UAT_CONFIGS, post(handlers::create_uat_config))
        .route(wire::PROJECTS, post(handlers::create_project))
        .route(wire::WORKBOOKS, post(handlers::create_workbook))
        .route(wire::DATASOURCES, post(handlers::create_datasource))
        .route(wire::CLOCK, get(handlers::clock))
        .route(wire::CLOCK_ADVANCE, post(handlers::advance_clock))
        .route(wire::FAULTS, post(handlers::inject_fault))
        .route(wire::REQUESTS, get(handlers::requests))
        .route(wire::RESET, post(handlers::reset))
        .route(wire::SESSIONS, get(handlers::sessions))
        // A route layer runs only for a matched route and method, so an unknown route stays
        // 404 and a wrong method 405, with or without the token.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            access::require_token,
        ));
    Router::new()
        .route(wire::HEALTH, get(handlers::health))
        .merge(guarded)
        .fallback(|| async { ControlError::NotFound("no such control route".into()) })
        .method_not_allowed_fallback(|| async {
            ControlError::MethodNotAllowed("method not allowed on this control route".into())
        })
}
