//! What one forward pass shows: the top-5, every feature map, and how far a shift moves each
//! block's features. Plain computation on the model's thread, no HTTP.

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};
use zoo_core::{ActivationTap, FeatureMapTap, ImageClassifier};
use zoo_datasets::ImageItem;
use zoo_train::TrainError;
use zoo_train::outputs::host_values;
use zoo_train::predict::class_probabilities;
use zoo_train::probe::{cosine, shift_image};

use crate::ServedModel;

/// What the analyses return: their failures are reading values back from the device.
type Result<T> = std::result::Result<T, TrainError>;

/// A shift of the input in pixels: `dx` to the right, `dy` down, zero fill (as
/// `probe translation` shifts, in the stored image before padding and normalisation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    /// Pixels to the right (negative: to the left).
    pub dx: i32,
    /// Pixels down (negative: up).
    pub dy: i32,
}

impl Shift {
    /// Whether the input stays where it is.
    pub fn is_zero(self) -> bool {
        self.dx == 0 && self.dy == 0
    }
}

/// One class and its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassProbability {
    /// Its index among the model's outputs.
    pub index: usize,
    /// Its name.
    pub class: String,
    /// Softmax probability in `[0, 1]`.
    pub probability: f32,
}

/// One layer's output for one image, channel-major.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerMaps {
    /// The layer's name (`conv1`, `pool2`, `features.4`), or `input`.
    pub name: String,
    /// Its kind (`Conv2d+ReLU`, `MaxPool2d`), or `Input`.
    pub kind: String,
    /// `[channels, height, width]`.
    pub shape: [usize; 3],
    /// `channels * height * width` values.
    pub values: Vec<f32>,
}

/// How similar one block's output for the shifted input is to its output for the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockSimilarity {
    /// The block (`block1`, `features.4`).
    pub name: String,
    /// Cosine similarity of the two outputs (1: unchanged).
    pub cosine: f64,
}

/// Everything the page shows for one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The shift applied.
    pub shift: Shift,
    /// The most probable classes of the shifted input.
    pub top: Vec<ClassProbability>,
    /// The most probable classes of the input as uploaded (equal to `top` without a shift).
    pub unshifted_top: Vec<ClassProbability>,
    /// The shifted input as the model sees it (padded or resized, normalised).
    pub input: LayerMaps,
    /// Every convolution's (after its ReLU) and pooling's feature maps, shallowest first.
    pub layers: Vec<LayerMaps>,
    /// Per block, the similarity of the shifted input's features to the original's.
    pub blocks: Vec<BlockSimilarity>,
}

impl Analysis {
    /// Bytes the feature maps hold (what a cache of analyses counts).
    pub fn bytes(&self) -> usize {
        let values: usize = self.layers.iter().map(|l| l.values.len()).sum();
        (values + self.input.values.len()) * std::mem::size_of::<f32>()
    }

    /// The layer called `name` (`input` for the input).
    pub fn layer(&self, name: &str) -> Option<&LayerMaps> {
        if name == "input" {
            return Some(&self.input);
        }
        self.layers.iter().find(|l| l.name == name)
    }
}

impl<M: ImageClassifier> ServedModel<M> {
    fn item(&self, pixels: &[u8], shift: Shift) -> ImageItem {
        let pixels = if shift.is_zero() {
            pixels.to_vec()
        } else {
            shift_image(pixels, self.stored_shape, (shift.dx, shift.dy))
        };
        ImageItem {
            pixels,
            shape: self.stored_shape,
            label: 0,
            index: 0,
        }
    }

    /// The `k` most probable classes of decoded `pixels` (the stored shape) shifted by `shift`:
    /// `predict`'s path (one batch of one, softmax of the logits).
    pub fn predict(&self, pixels: &[u8], shift: Shift, k: usize) -> Result<Vec<ClassProbability>> {
        let images = self
            .batcher
            .batch(vec![self.item(pixels, shift)], &self.device)
            .images;
        let probabilities = class_probabilities(self.model.forward(images), self.classes.len())?;
        Ok(self.top(&probabilities, k))
    }

    /// The top-5, feature maps and block similarities of decoded `pixels` shifted by `shift`:
    /// the shifted and the original image go through the model as one batch of two.
    pub fn analyze(&self, pixels: &[u8], shift: Shift) -> Result<Analysis> {
        let mut items = vec![self.item(pixels, shift)];
        if !shift.is_zero() {
            items.push(self.item(pixels, Shift::default()));
        }
        let images = self.batcher.batch(items, &self.device).images;
        let input = first_image(&images, "input", "Input")?;
        let mut taps = (FeatureMapTap::default(), ActivationTap::default());
        let logits = self.model.forward_tapped(images, &mut taps);
        let (maps, blocks) = taps;
        let probabilities = class_probabilities(logits, self.classes.len())?;
        let (shifted, original) = probabilities.split_at(self.classes.len());
        let top = self.top(shifted, 5);
        let unshifted_top = if shift.is_zero() {
            top.clone()
        } else {
            self.top(original, 5)
        };
        let layers = maps
            .layers
            .into_iter()
            .map(|l| first_image(&l.output, &l.name, &l.kind))
            .collect::<Result<_>>()?;
        let blocks = blocks
            .blocks
            .into_iter()
            .map(|block| {
                let values = host_values(block.output, &block.name)?;
                let cosine = if shift.is_zero() {
                    1.0
                } else {
                    let (a, b) = values.split_at(values.len() / 2);
                    cosine(a, b)
                };
                Ok(BlockSimilarity {
                    name: block.name,
                    cosine,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Analysis {
            shift,
            top,
            unshifted_top,
            input,
            layers,
            blocks,
        })
    }

    fn top(&self, probabilities: &[f32], k: usize) -> Vec<ClassProbability> {
        zoo_train::eval::top_k(probabilities, k.min(self.classes.len()))
            .into_iter()
            .map(|index| ClassProbability {
                index,
                class: self.classes[index].clone(),
                probability: probabilities[index],
            })
            .collect()
    }
}

/// The first image of a batch `[n, c, h, w]` on the host.
fn first_image(batch: &Tensor<4>, name: &str, kind: &str) -> Result<LayerMaps> {
    let [_, c, h, w] = batch.dims();
    Ok(LayerMaps {
        name: name.to_string(),
        kind: kind.to_string(),
        shape: [c, h, w],
        values: host_values(batch.clone().narrow(0, 0, 1), name)?,
    })
}
