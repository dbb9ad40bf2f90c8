//! The image of a request: its body (`Content-Type: image/png` or `image/jpeg`) or the field
//! `image` of a `multipart/form-data` form.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::ApiError;

/// The uploaded image's bytes (not yet decoded).
#[derive(Debug, Clone)]
pub struct Upload(pub Bytes);

/// An axum rejection as a JSON error with the rejection's own status (413 for a body over the
/// limit, 400 for a malformed form).
fn rejected(what: &str, rejection: impl IntoResponse + std::fmt::Display) -> ApiError {
    let message = format!("{what}: {rejection}");
    let status = rejection.into_response().status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            status,
            format!("{what}: the body is over the server's upload limit (serve --max-upload-mb)"),
        );
    }
    ApiError::new(status, message)
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        match essence {
            "image/png" | "image/jpeg" => Bytes::from_request(request, state)
                .await
                .map(Upload)
                .map_err(|e| rejected("reading the image", e)),
            "multipart/form-data" => {
                let mut form = Multipart::from_request(request, state)
                    .await
                    .map_err(|e| rejected("reading the form", e))?;
                while let Some(field) = form
                    .next_field()
                    .await
                    .map_err(|e| rejected("reading the form", e))?
                {
                    if field.name() == Some("image") {
                        return field
                            .bytes()
                            .await
                            .map(Upload)
                            .map_err(|e| rejected("reading the field 'image'", e));
                    }
                }
                Err(ApiError::bad_request("the form has no field named 'image'"))
            }
            "" => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "no Content-Type: send the image as image/png or image/jpeg, or as the field 'image' of multipart/form-data",
            )),
            other => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Content-Type {other}: send the image as image/png or image/jpeg, or as the field 'image' of multipart/form-data"
                ),
            )),
        }
    }
}
