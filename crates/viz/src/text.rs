//! Text on an RGB picture, drawn by plotters into the picture's own buffer.

use image::RgbImage;
use plotters::prelude::*;

use crate::VizError;
use crate::font;

/// Draws `text` in black at `(x, y)` (top left), `size` pixels high.
pub(crate) fn draw_text(
    image: &mut RgbImage,
    text: &str,
    (x, y): (i32, i32),
    size: f64,
) -> Result<(), VizError> {
    font::ensure();
    let (w, h) = image.dimensions();
    let draw = |e: String| VizError::Draw {
        what: format!("the caption {text:?}"),
        message: e,
    };
    let root = BitMapBackend::with_buffer(image.as_mut(), (w, h)).into_drawing_area();
    root.draw_text(
        text,
        &TextStyle::from((font::FAMILY, size).into_font()).color(&BLACK),
        (x, y),
    )
    .map_err(|e| draw(e.to_string()))?;
    root.present().map_err(|e| draw(e.to_string()))
}
