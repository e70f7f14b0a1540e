//! The control token: with one configured, a call needs `X-Mock-Control` with its value
//! (compared in constant time). [`require_token`] is one route layer over every control route
//! but `/_mock/health`, so a new route cannot forget the check.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use subtle::ConstantTimeEq;

use super::error::ControlError;
use super::wire::CONTROL_TOKEN_HEADER;
use crate::state::AppState;

fn check(expected: Option<&str>, headers: &HeaderMap) -> Result<(), ControlError> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let given = headers
        .get(CONTROL_TOKEN_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    // A missing header never matches, even a token configured as "" (which locks the API).
    if !given.is_empty() && bool::from(given.ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(ControlError::Unauthorized)
    }
}

/// Answers 401 unless the request carries the control token (when one is configured).
pub(super) async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match check(state.control_token(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTROL_TOKEN_HEADER, value.parse().unwrap());
        headers
    }

    #[test]
    fn the_token_must_match_exactly() {
        assert!(check(None, &HeaderMap::new()).is_ok());
        assert!(check(Some("s3"), &with("s3")).is_ok());
        assert!(check(Some("s3"), &with("s4")).is_err());
        assert!(check(Some("s3"), &with("s3 ")).is_err());
        assert!(check(Some("s3"), &HeaderMap::new()).is_err());
        assert!(
            check(Some(""), &HeaderMap::new()).is_err(),
            "an empty token locks"
        );
        assert!(check(Some(""), &with("")).is_err());
    }
}
