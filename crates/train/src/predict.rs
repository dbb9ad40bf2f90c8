//! Top-k predictions for image files, preprocessed as in training.

use std::path::{Path, PathBuf};

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::Device;
use burn::tensor::activation::softmax;
use zoo_core::ImageClassifier;
use zoo_datasets::ImageItem;
use zoo_datasets::folder::decode_image;

use crate::config::TrainConfig;
use crate::data::batcher;
use crate::eval::top_k;
use crate::outputs::host_values;

/// The top classes of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The image file.
    pub path: PathBuf,
    /// `(class name, probability)`, most probable first.
    pub top: Vec<(String, f32)>,
}

/// Decodes each file into the dataset's image shape (grey or RGB, resized to the stored size),
/// pads/resizes and normalises it as in training, and returns the `k` most probable classes.
pub fn predict<M: ImageClassifier, C>(
    model: &M,
    config: &TrainConfig<C>,
    paths: &[PathBuf],
    k: usize,
    device: &Device,
) -> anyhow::Result<Vec<Prediction>> {
    let items = decode_images(paths, config.image_shape)?;
    let batch = batcher(config).batch(items, device);
    let probabilities = softmax(model.forward(batch.images), 1);
    let n = config.classes.len();
    let values = host_values(probabilities, "probabilities")?;
    Ok(paths
        .iter()
        .zip(values.chunks_exact(n))
        .map(|(path, row)| Prediction {
            path: path.clone(),
            top: top_k(row, k.min(n))
                .into_iter()
                .map(|i| (config.classes[i].clone(), row[i]))
                .collect(),
        })
        .collect())
}

/// Decodes image files into items of the dataset's stored `shape` (grey or RGB, resized), as
/// training stored its images; the first file that cannot be read or decoded is the error.
pub fn decode_images(
    paths: &[PathBuf],
    shape: [usize; 3],
) -> Result<Vec<ImageItem>, zoo_datasets::DatasetError> {
    paths
        .iter()
        .enumerate()
        .map(|(index, path)| {
            Ok(ImageItem {
                pixels: decode_image(path, shape)?,
                shape,
                label: 0,
                index,
            })
        })
        .collect()
}

/// `path: class (p%), class (p%), ...`
pub fn format_prediction(p: &Prediction) -> String {
    let classes: Vec<String> = p
        .top
        .iter()
        .map(|(name, prob)| format!("{name} {:.1}%", 100.0 * prob))
        .collect();
    format!("{}: {}", display(&p.path), classes.join(", "))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
