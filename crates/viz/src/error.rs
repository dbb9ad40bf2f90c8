//! What can go wrong when drawing.

use std::path::PathBuf;

/// An error while drawing or writing a picture.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// The numbers do not match the shape they claim.
    #[error("{what}: {len} values for shape {shape:?}")]
    Shape {
        /// What was drawn.
        what: String,
        /// The number of values given.
        len: usize,
        /// The shape claimed.
        shape: Vec<usize>,
    },
    /// Nothing to draw.
    #[error("{0}: nothing to draw")]
    Empty(String),
    /// plotters could not draw.
    #[error("drawing {what}: {message}")]
    Draw {
        /// What was drawn.
        what: String,
        /// plotters' message.
        message: String,
    },
    /// PNG encoding failed.
    #[error("encoding a PNG: {0}")]
    Encode(String),
    /// A file could not be written.
    #[error("writing {}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        error: std::io::Error,
    },
}
