//! Feature maps, filters and input images as PNG grids.
//!
//! Every cell is normalised on its own (its minimum black or dark blue, its maximum white or
//! yellow), so a weak map is as visible as a strong one, and enlarged with nearest-neighbour
//! sampling until it is at least [`MapGrid::min_cell`] pixels high: a 3x3 map of a deep layer
//! stays nine crisp squares instead of a blur.

use image::{Rgb, RgbImage};
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

use crate::VizError;
use crate::text::draw_text;

/// Height of the caption strip above a grid, in pixels.
const CAPTION: u32 = 24;
/// Pixels between cells.
const GAP: u32 = 2;
/// Width of one caption character, generously (DejaVu Sans at 15 px).
const CHAR_WIDTH: u32 = 9;

/// How a grid of one layer is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct MapGrid {
    /// The caption above the grid (layer name, kind and shape).
    pub caption: String,
    /// At most this many channels, the most active first (mean activation); all when `None`.
    pub max_channels: Option<usize>,
    /// Cells are enlarged (nearest-neighbour, by a whole factor) to at least this many pixels.
    pub min_cell: u32,
}

impl MapGrid {
    /// All channels, cells enlarged to at least 48 pixels.
    pub fn new(caption: impl Into<String>) -> Self {
        Self {
            caption: caption.into(),
            max_channels: None,
            min_cell: 48,
        }
    }

    /// Shows only the `n` most active channels (and says so in the caption).
    pub fn with_max_channels(mut self, n: usize) -> Self {
        self.max_channels = Some(n);
        self
    }

    /// The caption for a layer of `channels` channels: with a cap below that, it says which
    /// channels are shown.
    pub fn caption_for(&self, channels: usize) -> String {
        match self.max_channels {
            Some(shown) if shown < channels => format!(
                "{} (the {shown} most active of {channels} channels)",
                self.caption
            ),
            _ => self.caption.clone(),
        }
    }

    /// Enlarges cells to at least `pixels`.
    pub fn with_min_cell(mut self, pixels: u32) -> Self {
        self.min_cell = pixels;
        self
    }
}

/// The channels a grid shows: all in order, or the `max` with the largest mean activation,
/// largest first.
pub fn chosen_channels(values: &[f32], shape: [usize; 3], max: Option<usize>) -> Vec<usize> {
    let [c, h, w] = shape;
    match max {
        Some(max) if max < c => {
            let means: Vec<f32> = values
                .chunks_exact(h * w)
                .map(|map| map.iter().sum::<f32>() / (h * w) as f32)
                .collect();
            let mut order: Vec<usize> = (0..c).collect();
            order.sort_by(|&a, &b| means[b].total_cmp(&means[a]));
            order.truncate(max);
            order
        }
        _ => (0..c).collect(),
    }
}

/// One layer's feature maps `[channels, height, width]` (channel-major values) as a captioned
/// grid, each map in the viridis colour map.
pub fn feature_map_grid(
    values: &[f32],
    shape: [usize; 3],
    grid: &MapGrid,
) -> Result<RgbImage, VizError> {
    check(&grid.caption, values.len(), &shape)?;
    let [c, h, w] = shape;
    let channels = chosen_channels(values, shape, grid.max_channels);
    let cells = channels
        .iter()
        .map(|&ch| {
            let map = &values[ch * h * w..(ch + 1) * h * w];
            let (lo, hi) = range(map);
            cell(w, h, |x, y| {
                let v = unit(map[y * w + x], lo, hi);
                let color = ViridisRGB.get_color(v);
                Rgb([color.0, color.1, color.2])
            })
        })
        .collect();
    let caption = grid.caption_for(c);
    compose(cells, &caption, scale(h, w, grid.min_cell))
}

/// First-layer filters `[out, in, kh, kw]` as a grid: RGB cells for 3 input channels, grey
/// cells (the mean over input channels) otherwise; each filter normalised on its own.
pub fn filter_grid(
    weights: &[f32],
    shape: [usize; 4],
    grid: &MapGrid,
) -> Result<RgbImage, VizError> {
    check(&grid.caption, weights.len(), &shape)?;
    let [out, inputs, kh, kw] = shape;
    let size = inputs * kh * kw;
    let cells = weights
        .chunks_exact(size)
        .take(out)
        .map(|filter| pixels(filter, [inputs, kh, kw]))
        .collect();
    compose(cells, &grid.caption, scale(kh, kw, grid.min_cell))
}

/// An input image `[channels, height, width]` as the model sees it (after padding and
/// normalisation), stretched to its own range and enlarged to at least `min_side` pixels.
pub fn input_image(
    values: &[f32],
    shape: [usize; 3],
    caption: &str,
    min_side: u32,
) -> Result<RgbImage, VizError> {
    check(caption, values.len(), &shape)?;
    let [_, h, w] = shape;
    compose(vec![pixels(values, shape)], caption, scale(h, w, min_side))
}

/// Grey (one channel, or the mean of several) or RGB (three channels) pixels, normalised.
fn pixels(values: &[f32], [c, h, w]: [usize; 3]) -> RgbImage {
    let (lo, hi) = range(values);
    let plane = h * w;
    cell(w, h, |x, y| {
        let at = |ch: usize| unit(values[ch * plane + y * w + x], lo, hi);
        let byte = |v: f32| (v * 255.0).round() as u8;
        if c == 3 {
            Rgb([byte(at(0)), byte(at(1)), byte(at(2))])
        } else {
            let mean = (0..c).map(at).sum::<f32>() / c as f32;
            Rgb([byte(mean); 3])
        }
    })
}

fn check(what: &str, len: usize, shape: &[usize]) -> Result<(), VizError> {
    let expected: usize = shape.iter().product();
    if len != expected {
        return Err(VizError::Shape {
            what: what.to_string(),
            len,
            shape: shape.to_vec(),
        });
    }
    if expected == 0 {
        return Err(VizError::Empty(what.to_string()));
    }
    Ok(())
}

fn range(values: &[f32]) -> (f32, f32) {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// `v` in `[lo, hi]` mapped to `[0, 1]`; a constant map (a dead ReLU channel) is all 0.
fn unit(v: f32, lo: f32, hi: f32) -> f32 {
    if hi > lo && v.is_finite() {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn cell(w: usize, h: usize, pixel: impl Fn(usize, usize) -> Rgb<u8>) -> RgbImage {
    RgbImage::from_fn(w as u32, h as u32, |x, y| pixel(x as usize, y as usize))
}

/// The whole factor that makes an `h x w` cell at least `min` pixels on its shorter side.
fn scale(h: usize, w: usize, min: u32) -> u32 {
    let side = h.min(w).max(1) as u32;
    min.div_ceil(side).max(1)
}

/// Nearest-neighbour enlargement by a whole factor.
pub fn enlarge(image: &RgbImage, factor: u32) -> RgbImage {
    let factor = factor.max(1);
    RgbImage::from_fn(image.width() * factor, image.height() * factor, |x, y| {
        *image.get_pixel(x / factor, y / factor)
    })
}

/// Cells (all the same size) enlarged by `factor`, in a near-square grid on white, under a
/// caption.
fn compose(cells: Vec<RgbImage>, caption: &str, factor: u32) -> Result<RgbImage, VizError> {
    let Some(first) = cells.first() else {
        return Err(VizError::Empty(caption.to_string()));
    };
    let (cw, ch) = (first.width() * factor, first.height() * factor);
    let columns = (cells.len() as f64).sqrt().ceil() as u32;
    let rows = (cells.len() as u32).div_ceil(columns);
    let grid_width = columns * (cw + GAP) + GAP;
    let caption_width = caption.chars().count() as u32 * CHAR_WIDTH + 2 * GAP;
    let width = grid_width.max(caption_width);
    let height = CAPTION + rows * (ch + GAP) + GAP;
    let mut image = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    for (i, cell) in cells.iter().enumerate() {
        let (col, row) = (i as u32 % columns, i as u32 / columns);
        let big = enlarge(cell, factor);
        image::imageops::replace(
            &mut image,
            &big,
            i64::from(GAP + col * (cw + GAP)),
            i64::from(CAPTION + GAP + row * (ch + GAP)),
        );
    }
    draw_text(&mut image, caption, (GAP as i32 + 2, 4), 15.0)?;
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_are_normalised_one_by_one_and_enlarged() {
        // Map 0 spans 0..15, map 1 spans 1000..1015: both must use the whole colour range.
        let values: Vec<f32> = (0..16)
            .map(|i| i as f32)
            .chain((0..16).map(|i| 1000.0 + i as f32))
            .collect();
        let image = feature_map_grid(&values, [2, 4, 4], &MapGrid::new("t")).unwrap();
        let factor = scale(4, 4, 48);
        assert_eq!(factor, 12);
        let at = |cell: u32, x: u32, y: u32| {
            *image.get_pixel(
                GAP + cell * (4 * factor + GAP) + x * factor,
                CAPTION + GAP + y * factor,
            )
        };
        for cell in 0..2 {
            let low = ViridisRGB.get_color(0.0f32);
            let high = ViridisRGB.get_color(1.0f32);
            assert_eq!(at(cell, 0, 0), Rgb([low.0, low.1, low.2]));
            assert_eq!(at(cell, 3, 3), Rgb([high.0, high.1, high.2]));
        }
        // Nearest-neighbour: a whole enlarged cell has one colour.
        let first = *image.get_pixel(GAP + factor, CAPTION + GAP);
        assert_eq!(*image.get_pixel(GAP + 2 * factor - 1, CAPTION + GAP), first);
    }

    #[test]
    fn a_cap_keeps_the_most_active_channels_and_says_so() {
        let mut values = vec![0.0f32; 4 * 2 * 2];
        values[8..12].fill(5.0); // channel 2 is the most active
        values[4..8].fill(1.0); // then channel 1
        assert_eq!(chosen_channels(&values, [4, 2, 2], Some(2)), vec![2, 1]);
        assert_eq!(chosen_channels(&values, [4, 2, 2], None), vec![0, 1, 2, 3]);
        let grid = MapGrid::new("x").with_max_channels(2);
        let capped = feature_map_grid(&values, [4, 2, 2], &grid).unwrap();
        let all = feature_map_grid(&values, [4, 2, 2], &MapGrid::new("x")).unwrap();
        assert!(capped.height() < all.height() || capped.width() < all.width());
    }

    #[test]
    fn rgb_filters_keep_their_colours() {
        // One 1x1 filter: red input weight high, green low, blue in between.
        let image = filter_grid(&[1.0, -1.0, 0.0], [1, 3, 1, 1], &MapGrid::new("f")).unwrap();
        assert_eq!(*image.get_pixel(GAP, CAPTION + GAP), Rgb([255, 0, 128]));
    }

    #[test]
    fn wrong_lengths_and_empty_layers_are_errors() {
        let grid = MapGrid::new("conv1");
        assert!(matches!(
            feature_map_grid(&[0.0; 5], [1, 2, 2], &grid),
            Err(VizError::Shape { .. })
        ));
        assert!(matches!(
            feature_map_grid(&[], [0, 2, 2], &grid),
            Err(VizError::Empty(_))
        ));
    }

    #[test]
    fn captions_are_drawn() {
        let image = input_image(&[0.5; 4], [1, 2, 2], "input: 1 x 2 x 2", 8).unwrap();
        let dark = image
            .pixels()
            .take((image.width() * CAPTION) as usize)
            .filter(|p| p.0[0] < 128)
            .count();
        assert!(dark > 20, "{dark} dark caption pixels");
    }
}
