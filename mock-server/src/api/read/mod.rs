//! The read side after sign-in (docs/protocol.md section 12): sites, users, projects,
//! workbooks, views and data sources, paged.
//!
//! This is the hook's placeholder: nothing is routed yet. The read side replaces this module's
//! body, keeping the two functions' signatures; the contract is described at the top of
//! [`super`] (`api/mod.rs`).

use axum::response::Response;
use http::Method;

use super::{Ctx, ReadRoute};
use crate::error::ApiError;
use crate::sessions::Session;

/// The read endpoints ([`ReadRoute::endpoint`]): none yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadEndpoint {}

/// The read route at `method` and `segments` (the path after `/api/{version}/`, repeated
/// slashes already collapsed), or `None`. The auth surface, including
/// `GET sites/{luid}/users/{luid}` and, on Tableau Cloud, `GET sites`, is routed before this is
/// asked.
pub(crate) fn route(_method: &Method, _segments: &[&str]) -> Option<ReadRoute> {
    None
}

/// Answers a read route for an authenticated `session` whose site, scope and the route's
/// version have been checked; `query` is the URL's query string, if any.
pub(crate) fn serve(
    _ctx: &Ctx<'_>,
    _session: &Session,
    route: &ReadRoute,
    _query: Option<&str>,
) -> Result<Response, ApiError> {
    match route.endpoint {}
}
