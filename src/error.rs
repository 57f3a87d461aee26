//! The one error type at the HTTP boundary.
//!
//! Lower layers return their own errors; handlers convert them with `?`. Internal failures are
//! logged once, here, and the client sees a stable code and a generic Spanish message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;

/// Errors a handler can answer with. The body is `{"error": {"code": …, "message": …}}`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("acceso denegado")]
    Forbidden,
    #[error("no encontrado")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// The report changed or is held by someone else.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("el cuerpo excede el límite permitido")]
    PayloadTooLarge,
    #[error("el servicio no está configurado: {0}")]
    NotConfigured(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What every error answer carries: `{"error": {"code": …, "message": …}}`. The OpenAPI
/// document's error responses are this type's schema.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `unauthorized`, `forbidden`, `not_found`, `bad_request`,
    /// `conflict`, `too_many_requests`, `payload_too_large`, `not_configured`,
    /// `unavailable`, `internal`.
    #[schema(example = "not_found")]
    pub code: &'static str,
    /// In Spanish, for people; may change between versions.
    #[schema(example = "no encontrado")]
    pub message: String,
}

/// Result alias for handlers.
pub type ApiResult<T, E = AppError> = Result<T, E>;

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            AppError::Store(StoreError::Conflict(_)) => (StatusCode::CONFLICT, "conflict"),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::NotConfigured(_) => (StatusCode::SERVICE_UNAVAILABLE, "not_configured"),
            // Answering 503 makes Meta retry: a delivery we could not store is never lost.
            AppError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            AppError::Store(StoreError::Conflict(m)) => m.clone(),
            AppError::Store(e) => {
                tracing::error!(error = %e, "store failure");
                "la base de datos no está disponible; reintente".to_owned()
            }
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "error interno".to_owned()
            }
            other => other.to_string(),
        };
        let body = Json(ErrorBody {
            error: ErrorDetail { code, message },
        });
        (status, body).into_response()
    }
}
