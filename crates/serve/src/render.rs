//! Feature maps, inputs and filters as PNG bytes (zoo-viz's grids).

use zoo_core::ImageClassifier;
use zoo_viz::grid::{MapGrid, feature_map_grid, input_image};
use zoo_viz::png_bytes;

use crate::analysis::LayerMaps;

/// One layer's grid (or the input as the model sees it), at most `max_channels` channels.
pub(crate) fn layer(maps: &LayerMaps, max_channels: Option<usize>) -> Result<Vec<u8>, String> {
    let [c, h, w] = maps.shape;
    let caption = format!("{} {}: {c} x {h} x {w}", maps.name, maps.kind);
    let image = if maps.name == "input" {
        input_image(&maps.values, maps.shape, &caption, 128)
    } else {
        let grid = MapGrid {
            max_channels,
            ..MapGrid::new(caption).with_min_cell(32)
        };
        feature_map_grid(&maps.values, maps.shape, &grid)
    };
    image
        .and_then(|image| png_bytes(&image))
        .map_err(|e| e.to_string())
}

/// The first convolution's filters (`visualize`'s grid).
pub(crate) fn filters<M: ImageClassifier>(model: &M) -> Result<Vec<u8>, String> {
    let (image, _) = zoo_train::visualize::filters_grid(model).map_err(|e| format!("{e:#}"))?;
    png_bytes(&image).map_err(|e| e.to_string())
}
