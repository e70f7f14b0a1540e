//! Why a control call failed, answered as `{"error": "message"}` with a 4xx status.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::wire::{ErrorBody, json_answer};

/// Why a control operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ControlError {
    /// 400: invalid input.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or wrong `X-Mock-Control`.
    #[error("missing or wrong X-Mock-Control header")]
    Unauthorized,
    /// 404: the referenced site, user or token does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 405: wrong method for a control route.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: it already exists.
    #[error("{0}")]
    Conflict(String),
    /// 413: body too large.
    #[error("{0}")]
    TooLarge(String),
}

impl ControlError {
    /// HTTP status of the error.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        json_answer(
            self.status(),
            &ErrorBody {
                error: self.to_string(),
            },
        )
    }
}
