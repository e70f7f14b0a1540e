//! The control API under `/_mock/`: JSON in and out, refusals as `{"error": "…"}`.
//!
//! - [`wire`]: the routes and JSON bodies, shared with [`ControlClient`](crate::ControlClient);
//! - [`access`]: the control-token check, one layer over every route but `/health`;
//! - [`handlers`]: the HTTP handlers;
//! - [`operations`]: what the calls do to the running state (also behind
//!   [`MockServer`](crate::MockServer)'s helpers);
//! - [`edits`]: validated changes to the directory (also used by seed data);
//! - [`error`]: why a call failed, and its status;
//! - [`openapi`]: the OpenAPI 3.1 document of every call (`GET /_mock/openapi.json`), from the
//!   handlers' annotations and the wire types.

mod access;
pub(crate) mod edits;
pub(crate) mod error;
mod handlers;
mod openapi;
mod operations;
pub(crate) mod wire;

use axum::Router;
use axum::handler::Handler;
use axum::middleware;
use axum::routing::{MethodFilter, on};
use http::Method;

use crate::state::AppState;
pub(crate) use error::ControlError;

/// A method of a control route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Get,
    Post,
    Delete,
}

impl Verb {
    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Delete => MethodFilter::DELETE,
        }
    }

    fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Delete => Method::DELETE,
        }
    }
}

/// A router and the list of what it routes: every control route goes through
/// [`Table::route`], so the OpenAPI test ([`openapi`]) can compare the document with the routes
/// actually served.
struct Table {
    router: Router<AppState>,
    listed: Vec<(Method, &'static str)>,
}

impl Table {
    fn new() -> Self {
        Self {
            router: Router::new(),
            listed: Vec::new(),
        }
    }

    fn route<H, T>(mut self, verb: Verb, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(verb.filter(), handler));
        self.listed.push((verb.method(), path));
        self
    }
}

/// The routes that need no control token.
fn open() -> Table {
    Table::new().route(Verb::Get, wire::HEALTH, handlers::health)
}

/// The routes that need the control token (when one is configured).
fn guarded() -> Table {
    use Verb::{Delete, Get, Post};
    Table::new()
        .route(Post, wire::SITES, handlers::create_site)
        .route(Post, wire::USERS, handlers::create_user)
        .route(Post, wire::TOKENS, handlers::create_token)
        .route(Post, wire::TOKENS_REVOKE, handlers::revoke_token)
        .route(Post, wire::CONNECTED_APPS, handlers::create_connected_app)
        .route(Post, wire::UAT_CONFIGS, handlers::create_uat_config)
        .route(Post, wire::PROJECTS, handlers::create_project)
        .route(Post, wire::WORKBOOKS, handlers::create_workbook)
        .route(Post, wire::DATASOURCES, handlers::create_datasource)
        .route(Get, wire::CLOCK, handlers::clock)
        .route(Post, wire::CLOCK_ADVANCE, handlers::advance_clock)
        .route(Post, wire::FAULTS, handlers::inject_fault)
        .route(Get, wire::REQUESTS, handlers::requests)
        .route(Post, wire::RESET, handlers::reset)
        .route(Get, wire::SESSIONS, handlers::sessions)
        .route(Post, wire::STUBS, handlers::create_stub)
        .route(Get, wire::STUBS, handlers::list_stubs)
        .route(Get, wire::STUB, handlers::get_stub)
        .route(Delete, wire::STUB, handlers::delete_stub)
        .route(Get, wire::OPENAPI, handlers::openapi)
}

/// Every control route as served: method and full path (`/_mock/...`).
#[cfg(test)]
pub(crate) fn served_routes() -> Vec<(Method, String)> {
    open()
        .listed
        .into_iter()
        .chain(guarded().listed)
        .map(|(method, path)| (method, format!("{}{path}", wire::PREFIX)))
        .collect()
}

/// The control routes, to be nested under [`wire::PREFIX`].
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    // Every route in `guarded` needs the control token (when one is configured).
    // A route layer runs only for a matched route and method, so an unknown route stays
    // 404 and a wrong method 405, with or without the token.
    let guarded = guarded().router.route_layer(middleware::from_fn_with_state(
        state.clone(),
        access::require_token,
    ));
    open()
        .router
        .merge(guarded)
        .fallback(|| async { ControlError::NotFound("no such control route".into()) })
        .method_not_allowed_fallback(|| async {
            ControlError::MethodNotAllowed("method not allowed on this control route".into())
        })
}
