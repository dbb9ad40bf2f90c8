//! `visualize`: what a trained CNN computes for an input, as pictures: the input as the model
//! sees it, every convolution's and pooling's feature maps, the first-layer filters, and an
//! `index.html` that shows them with the top-5 prediction.

use std::path::{Path, PathBuf};

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::Device;
use zoo_core::ImageClassifier;
use zoo_datasets::ImageItem;
use zoo_viz::grid::{MapGrid, feature_map_grid, filter_grid, input_image};
use zoo_viz::page::{Figure, InputSection, render};

use crate::config::TrainConfig;
use crate::data::batcher;
use crate::error::{Result, TrainError};
use crate::outputs::host_values;
use crate::predict::{class_probabilities, top_classes};

/// One input to draw.
#[derive(Debug, Clone)]
pub struct VisualInput {
    /// Its title on the page (file name, or test index and true class).
    pub title: String,
    /// The decoded image, in the dataset's stored shape.
    pub item: ImageItem,
}

/// What `visualize` draws.
#[derive(Debug, Clone, PartialEq)]
pub struct VisualizeOptions {
    /// The folder the pictures and `index.html` go into (created if missing).
    pub out: PathBuf,
    /// Show at most this many channels per layer (the most active); all when `None`.
    pub max_channels: Option<usize>,
}

impl VisualizeOptions {
    /// All channels for inputs up to 64x64 (the lecture CNN: 144 maps of 6x6 fit on a page),
    /// the 64 most active above (VGG-16 at 224x224 has 512).
    pub fn default_max_channels(input_shape: [usize; 3]) -> Option<usize> {
        (input_shape[1].max(input_shape[2]) > 64).then_some(64)
    }
}

/// Draws every input's pictures into `options.out` and returns the path of its `index.html`.
pub fn visualize<M: ImageClassifier, C>(
    model: &M,
    config: &TrainConfig<C>,
    inputs: &[VisualInput],
    options: &VisualizeOptions,
    device: &Device,
) -> Result<PathBuf> {
    let out = &options.out;
    std::fs::create_dir_all(out)
        .map_err(|e| TrainError::io(format!("creating {}", out.display()), e))?;
    let filters = draw_filters(model, out)?;
    let batcher = batcher(config);
    let mut sections = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let images = batcher.batch(vec![input.item.clone()], device).images;
        let [_, c, h, w] = images.dims();
        let seen = host_values(images.clone(), "the input")?;
        let input_figure = save(
            out,
            &format!("input-{i}.png"),
            input_image(&seen, [c, h, w], &format!("input: {c} x {h} x {w}"), 128)?,
            format!(
                "{}: as the model sees it, {c} x {h} x {w} (padded or resized, normalised)",
                input.title
            ),
        )?;
        let (maps, logits) = model.feature_maps(images);
        let probabilities = class_probabilities(logits, config.classes.len())?;
        let top = top_classes(&probabilities, &config.classes, 5);
        let mut layers = Vec::new();
        for (j, layer) in maps.into_iter().enumerate() {
            let [_, c, h, w] = layer.output.dims();
            let values = host_values(layer.output, &layer.name)?;
            let caption = format!("{} {}: {c} x {h} x {w}", layer.name, layer.kind);
            let grid = MapGrid {
                max_channels: options.max_channels,
                ..MapGrid::new(caption)
            };
            let file = format!("input-{i}-{j:02}-{}.png", layer.name.replace('.', "_"));
            let note = grid.caption_for(c);
            layers.push(save(
                out,
                &file,
                feature_map_grid(&values, [c, h, w], &grid)?,
                note,
            )?);
        }
        sections.push(InputSection {
            title: input.title.clone(),
            top,
            input: input_figure,
            layers,
        });
    }
    let page = out.join("index.html");
    let title = format!("{}: feature maps", model.name());
    zoo_core::write_atomic(&page, render(&title, &filters, &sections).as_bytes())
        .map_err(|e| TrainError::io(format!("writing {}", page.display()), e))?;
    Ok(page)
}

fn draw_filters<M: ImageClassifier>(model: &M, out: &Path) -> Result<Figure> {
    let (image, caption) = filters_grid(model)?;
    save(out, "filters.png", image, caption)
}

/// The first convolution's filters as a grid (RGB cells for colour input, grey otherwise), with
/// its caption: `visualize`'s filters.png and `serve`'s `/api/filters`.
pub fn filters_grid<M: ImageClassifier>(model: &M) -> Result<(image::RgbImage, String)> {
    let weights = model.first_filters();
    let [o, i, kh, kw] = weights.dims();
    let values = host_values(weights, "the first-layer filters")?;
    let kind = match i {
        3 => "RGB".to_string(),
        1 => "grey".to_string(),
        n => format!("grey: mean over {n} input channels"),
    };
    let caption = format!("first-layer filters: {o} x {i} x {kh} x {kw} ({kind})");
    let image = filter_grid(&values, [o, i, kh, kw], &MapGrid::new(caption.clone()))?;
    Ok((image, caption))
}

fn save(out: &Path, file: &str, image: image::RgbImage, caption: String) -> Result<Figure> {
    zoo_viz::save_png(&image, &out.join(file))?;
    Ok(Figure {
        file: file.to_string(),
        caption,
    })
}
