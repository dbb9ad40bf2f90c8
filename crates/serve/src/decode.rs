//! An uploaded image into the pixels a model was trained on, as `predict` decodes files.

use std::io::Cursor;

use axum::http::StatusCode;
use image::{ImageFormat, ImageReader, Limits};

use crate::ApiError;

/// The largest width or height decoded; a bigger header is refused before any pixel is.
pub const MAX_SIDE: u32 = 16_384;
/// The most memory one decode may allocate.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// Decodes PNG or JPEG bytes and converts them to the dataset's stored `shape` (grey or RGB,
/// resized with the triangle filter): [`zoo_datasets::folder::image_to_chw`], as `predict` does.
///
/// ```
/// let mut png = Vec::new();
/// image::GrayImage::new(56, 56)
///     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
///     .unwrap();
/// let pixels = zoo_serve::decode::decode_upload(&png, [1, 28, 28]).unwrap();
/// assert_eq!(pixels.len(), 28 * 28);
/// assert!(zoo_serve::decode::decode_upload(b"not an image", [1, 28, 28]).is_err());
/// ```
pub fn decode_upload(bytes: &[u8], shape: [usize; 3]) -> Result<Vec<u8>, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request("the upload is empty"));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ApiError::bad_request(format!("cannot read the upload: {e}")))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg) => {}
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("the upload is {other:?}; send PNG or JPEG"),
            ));
        }
        None => {
            return Err(ApiError::bad_request(
                "the upload is not a PNG or JPEG image",
            ));
        }
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(e) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the image is too large to decode ({e}; at most {MAX_SIDE} pixels a side)"),
        ),
        e => ApiError::bad_request(format!("cannot decode the image: {e}")),
    })?;
    Ok(zoo_datasets::folder::image_to_chw(&image, shape))
}
