//! Top-k predictions for image files, preprocessed as in training.

use std::path::{Path, PathBuf};

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::Device;
use burn::tensor::activation::softmax;
use zoo_core::ImageClassifier;
use zoo_datasets::folder::decode_image;
use zoo_datasets::{ImageBatcher, ImageItem};

use crate::config::TrainConfig;
use crate::data::batcher;
use crate::error::{Result, TrainError};
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
/// Images per forward pass of `predict`: a thousand files never become one batch.
pub const PREDICT_BATCH: usize = 32;

/// Top-`k` classes with probabilities for each image file, decoded and normalised as the run
/// `config` was trained (the same batcher as training and evaluation), [`PREDICT_BATCH`] files
/// at a time.
pub fn predict<M: ImageClassifier, C>(
    model: &M,
    config: &TrainConfig<C>,
    paths: &[PathBuf],
    k: usize,
    device: &Device,
) -> Result<Vec<Prediction>> {
    let batcher = batcher(config);
    in_batches(paths, |chunk| {
        let images = batcher
            .batch(decode_images(chunk, config.image_shape)?, device)
            .images;
        top_predictions(model, images, &config.classes, chunk, k)
    })
}

/// Top-`k` predictions of a model with published ImageNet weights: each image preprocessed as
/// torchvision evaluates ImageNet (short side 256, centre crop 224, ImageNet mean and std),
/// [`PREDICT_BATCH`] files at a time.
pub fn predict_imagenet<M: ImageClassifier>(
    model: &M,
    classes: &[String],
    paths: &[PathBuf],
    k: usize,
    device: &Device,
) -> Result<Vec<Prediction>> {
    use zoo_datasets::imagenet;
    let side = imagenet::CROP as usize;
    let batcher = ImageBatcher::new([3, side, side], imagenet::normalization());
    in_batches(paths, |chunk| {
        let items = chunk
            .iter()
            .enumerate()
            .map(|(index, path)| {
                Ok(ImageItem {
                    pixels: imagenet::decode(path)?,
                    shape: [3, side, side],
                    label: 0,
                    index,
                })
            })
            .collect::<Result<Vec<_>, zoo_datasets::DatasetError>>()?;
        top_predictions(
            model,
            batcher.batch(items, device).images,
            classes,
            chunk,
            k,
        )
    })
}

/// `predict_chunk` over `paths` in chunks of [`PREDICT_BATCH`], the predictions in order.
fn in_batches(
    paths: &[PathBuf],
    mut predict_chunk: impl FnMut(&[PathBuf]) -> Result<Vec<Prediction>>,
) -> Result<Vec<Prediction>> {
    let mut predictions = Vec::with_capacity(paths.len());
    for chunk in paths.chunks(PREDICT_BATCH) {
        predictions.extend(predict_chunk(chunk)?);
    }
    Ok(predictions)
}

/// Softmax of the model's logits for `images`, and each image's `k` most probable `classes`.
fn top_predictions<M: ImageClassifier>(
    model: &M,
    images: burn::tensor::Tensor<4>,
    classes: &[String],
    paths: &[PathBuf],
    k: usize,
) -> Result<Vec<Prediction>> {
    let values = class_probabilities(model.forward(images), classes.len())?;
    Ok(paths
        .iter()
        .zip(values.chunks_exact(classes.len()))
        .map(|(path, row)| Prediction {
            path: path.clone(),
            top: top_classes(row, classes, k),
        })
        .collect())
}

/// The softmax of `logits` `[n, classes]` on the host, row by row; an error unless the model
/// has one output per class name.
pub fn class_probabilities(logits: burn::tensor::Tensor<2>, classes: usize) -> Result<Vec<f32>> {
    let outputs = logits.dims()[1];
    if outputs != classes {
        return Err(TrainError::ClassCount { outputs, classes });
    }
    host_values(softmax(logits, 1), "probabilities")
}

/// The `k` most probable of one image's `probabilities` as `(class name, probability)`, most
/// probable first.
pub fn top_classes(probabilities: &[f32], classes: &[String], k: usize) -> Vec<(String, f32)> {
    top_k(probabilities, k.min(classes.len()))
        .into_iter()
        .map(|i| (classes[i].clone(), probabilities[i]))
        .collect()
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
