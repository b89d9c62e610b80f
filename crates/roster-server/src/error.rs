//! The server's error type: every failure becomes a SCIM error body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use roster_proto::{ScimError, ScimType};

/// A failed request, answered as a SCIM error body (RFC 7644 §3.12).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {scim_type:?}: {detail}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// SCIM detail code, where one applies.
    pub scim_type: Option<ScimType>,
    /// What went wrong, for a person.
    pub detail: String,
}

impl ApiError {
    /// An error with `status` and `scim_type`.
    pub fn new(status: StatusCode, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }
    /// 400 invalidFilter.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Some(ScimType::InvalidFilter),
            detail,
        )
    }
    /// 400 invalidSyntax.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Some(ScimType::InvalidSyntax),
            detail,
        )
    }
    /// 400 invalidValue.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Some(ScimType::InvalidValue),
            detail,
        )
    }
    /// 400 invalidPath.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(ScimType::InvalidPath), detail)
    }
    /// 400 noTarget.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(ScimType::NoTarget), detail)
    }
    /// 400 mutability.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(ScimType::Mutability), detail)
    }
    /// 400 tooMany.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(ScimType::TooMany), detail)
    }
    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, None, detail)
    }
    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, None, detail)
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }
    /// 409 uniqueness.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, Some(ScimType::Uniqueness), detail)
    }
    /// 412: the resource changed since the version the client named.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, None, detail)
    }
    /// 413.
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, None, detail)
    }
    /// 500, for faults of the server itself (the detail is logged, not sent).
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(detail = ?detail.to_string(), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "internal server error; see the server log",
        )
    }

    /// The SCIM error body.
    pub fn body(&self) -> ScimError {
        ScimError::new(self.status.as_u16(), self.scim_type, self.detail.clone())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        crate::http::scim_json(self.status, &self.body()).into_response()
    }
}

/// Result of a request handler or store operation.
pub type ApiResult<T> = Result<T, ApiError>;
