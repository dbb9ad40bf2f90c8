use burn::module::{Module, ModuleDisplay};
use burn::tensor::{Device, Tensor};

use crate::{ActivationTap, BlockActivation, FeatureMapTap, LayerActivation, LayerTap};
use crate::{ConfigError, ModelSummary, NoTap};

/// An image classifier of the zoo: images in, logits out.
///
/// A model implements one forward pass, [`forward_tapped`](Self::forward_tapped), generic over
/// a [`LayerTap`] that observes it; `forward`, `block_activations`, `feature_maps` and
/// `summary` are that pass with different taps. The softmax is not part of the model: losses
/// take logits, and predictions apply `softmax` themselves. The training crate is generic over
/// this trait, so every model it implements can be trained, evaluated, benchmarked and
/// inspected by the shared command line.
pub trait ImageClassifier: Module + ModuleDisplay + core::fmt::Display + 'static {
    /// Logits `[batch, num_classes]` for images `[batch, channels, height, width]`, reporting
    /// every layer and block to `tap`.
    fn forward_tapped<T: LayerTap>(&self, images: Tensor<4>, tap: &mut T) -> Tensor<2>;

    /// The first convolution's weights `[out_channels, in_channels, kh, kw]`: the filters that
    /// look at the pixels.
    fn first_filters(&self) -> Tensor<4>;

    /// The number of classes the model predicts.
    fn num_classes(&self) -> usize;

    /// The model's name, as printed by summaries and the command line.
    fn name(&self) -> String;

    /// Values that [`num_params`](Module::num_params) counts but no optimizer trains
    /// (batch-norm running statistics).
    fn non_trainable_params(&self) -> usize {
        0
    }

    /// Logits `[batch, num_classes]` for images `[batch, channels, height, width]`.
    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_tapped(images, &mut NoTap)
    }

    /// The output of every block (after its pooling), shallowest first, for images
    /// `[batch, c, h, w]`.
    fn block_activations(&self, images: Tensor<4>) -> Vec<BlockActivation> {
        let mut tap = ActivationTap::default();
        self.forward_tapped(images, &mut tap);
        tap.blocks
    }

    /// The feature maps of every convolution (after its ReLU) and every pooling, shallowest
    /// first, with the logits.
    fn feature_maps(&self, images: Tensor<4>) -> (Vec<LayerActivation>, Tensor<2>) {
        let mut tap = FeatureMapTap::default();
        let logits = self.forward_tapped(images, &mut tap);
        (tap.layers, logits)
    }

    /// The layer-by-layer table for one input of shape `[channels, height, width]`, computed by
    /// running the model on zeros on `device`.
    fn summary(&self, input_shape: [usize; 3], device: &Device) -> ModelSummary
    where
        Self: Sized,
    {
        let model = self.valid();
        ModelSummary::collect(
            self.name(),
            input_shape,
            Module::num_params(self),
            self.non_trainable_params(),
            device,
            |x, tap| {
                model.forward_tapped(x, tap);
            },
        )
    }
}

/// A model's configuration, which knows the input it expects and builds the model.
///
/// ```
/// use burn::tensor::Device;
/// use zoo_core::{ConfigError, ModelConfig};
///
/// /// Any zoo model with fresh weights, and the input it takes.
/// fn fresh<C: ModelConfig>(config: &C, device: &Device) -> Result<(C::Model, [usize; 3]), ConfigError> {
///     Ok((config.build(device)?, config.input_shape()))
/// }
/// ```
pub trait ModelConfig {
    /// The model it builds.
    type Model: ImageClassifier;

    /// The input `[channels, height, width]` the model takes.
    fn input_shape(&self) -> [usize; 3];

    /// Builds the model with fresh weights on `device` (an error for an invalid configuration).
    fn build(&self, device: &Device) -> Result<Self::Model, ConfigError>;
}
