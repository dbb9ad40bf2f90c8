use burn::module::{Module, ModuleDisplay};
use burn::tensor::{Device, Tensor};

use crate::{BlockActivation, ModelSummary};

/// An image classifier of the zoo: images in, logits out.
///
/// The softmax is not part of the model: losses take logits, and predictions apply
/// `softmax` themselves. The training crate is generic over this trait, so every model it
/// implements can be trained, evaluated, benchmarked and inspected by the shared command line.
pub trait ImageClassifier: Module + ModuleDisplay + core::fmt::Display + 'static {
    /// Logits `[batch, num_classes]` for images `[batch, channels, height, width]`.
    fn forward(&self, images: Tensor<4>) -> Tensor<2>;

    /// The output of every block, shallowest first, for images `[batch, c, h, w]`.
    fn block_activations(&self, images: Tensor<4>) -> Vec<BlockActivation>;

    /// The layer-by-layer table for one input of shape `[channels, height, width]`, computed by
    /// running the model on zeros on `device`.
    fn summary(&self, input_shape: [usize; 3], device: &Device) -> ModelSummary;

    /// The number of classes the model predicts.
    fn num_classes(&self) -> usize;

    /// The model's name, as printed by summaries and the command line.
    fn name(&self) -> String;
}
