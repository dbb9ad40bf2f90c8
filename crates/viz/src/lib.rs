//! Pictures of the CNN zoo's models and runs, from plain numbers (no tensors, no Burn):
//!
//! - [`grid`]: feature maps, first-layer filters and input images as PNG grids, every cell
//!   normalised on its own and enlarged with nearest-neighbour so small maps stay visible;
//! - [`chart`]: line charts (training curves of one or several runs, the translation probe);
//! - [`page`]: the `index.html` that shows one input's pictures with its top-5 prediction.
//!
//! Text is drawn with the DejaVu Sans font shipped in the crate, so pictures look the same on
//! every machine and need no system fonts.
//!
//! ```
//! use zoo_viz::grid::{MapGrid, feature_map_grid};
//!
//! // Two 4x4 feature maps of one layer.
//! let maps: Vec<f32> = (0..32).map(|i| i as f32).collect();
//! let image = feature_map_grid(&maps, [2, 4, 4], &MapGrid::new("conv1 (Conv2d+ReLU)")).unwrap();
//! assert!(image.width() > 8 && image.height() > 4);
//! ```

pub mod chart;
pub mod error;
mod font;
pub mod grid;
pub mod page;
mod text;

pub use error::VizError;

/// Writes `image` as a PNG file at `path`, replacing it atomically (a reader never sees half a
/// picture, even while a run redraws its curves).
pub fn save_png(image: &image::RgbImage, path: &std::path::Path) -> Result<(), VizError> {
    write_atomic(path, &png_bytes(image)?)
}

/// Encodes a picture as PNG bytes (for a file, or an HTTP response).
pub fn png_bytes(image: &image::RgbImage) -> Result<Vec<u8>, VizError> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| VizError::Encode(e.to_string()))?;
    Ok(bytes)
}

/// Writes `bytes` to a file beside `path`, then renames it over `path`.
pub(crate) fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), VizError> {
    let io = |error| VizError::Io {
        path: path.to_path_buf(),
        error,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
