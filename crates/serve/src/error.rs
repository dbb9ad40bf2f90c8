//! What can go wrong: starting the server ([`ServeError`]) and answering one request
//! ([`ApiError`], a 4xx or 5xx with a JSON body).

use std::net::SocketAddr;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or not this machine's.
    #[error(
        "cannot listen on {addr}: {error} (choose another with --port, or --port 0 for any free one)"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The async runtime or the connection loop failed.
    #[error("the server failed: {0}")]
    Io(std::io::Error),
    /// The model could not run on a blank image at start-up.
    #[error("the model cannot run: {0}")]
    Model(String),
}

impl From<std::io::Error> for ServeError {
    /// The cause stays in the message only (not also a `source`), so it is printed once.
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

/// A request the server refuses or cannot answer: its status and a one-line reason, sent as
/// `{"error": "..."}`.
///
/// ```
/// use axum::http::StatusCode;
/// let error = zoo_serve::ApiError::bad_request("dx: 9 is outside -4..=4");
/// assert_eq!(error.status, StatusCode::BAD_REQUEST);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// 400, 404, 413, 415, 500 or 503.
    pub status: StatusCode,
    /// What was wrong, in one line.
    pub message: String,
}

impl ApiError {
    /// An error with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 400: a malformed request or an image that cannot be decoded.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500: the server's own failure.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}
