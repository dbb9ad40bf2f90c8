//! What a model binary tells the generic training crate about its model.

use std::path::Path;

use burn::tensor::Device;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zoo_core::{ConfigError, ImageClassifier, ModelConfig, ModelSummary};
use zoo_datasets::DatasetKind;

use crate::error::{Result, TrainError};

/// The data a model is built for: input shape and number of classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSpec {
    /// `[channels, height, width]` of the images as stored.
    pub image_shape: [usize; 3],
    /// Number of classes.
    pub num_classes: usize,
}

/// A model with weights trained elsewhere and published (torchvision's ImageNet weights).
#[derive(Debug)]
pub struct Published<M> {
    /// The model, its weights loaded.
    pub model: M,
    /// Its class names, in output order.
    pub classes: Vec<String>,
    /// What the weights are (file, documented accuracy), printed before the predictions.
    pub description: String,
}

/// A model family of the zoo (the lecture CNN, VGG), as its binary describes it to the
/// command line and the training crate.
///
/// `Args` are the family's own command-line options (VGG's depth, batch norm, ...), flattened
/// into `train` and `summary`.
pub trait ModelFamily: 'static {
    /// The model.
    type Model: ImageClassifier;
    /// Its configuration, saved in the run's `config.json`.
    type Config: ModelConfig<Model = Self::Model>
        + Serialize
        + DeserializeOwned
        + Clone
        + std::fmt::Debug
        + Send
        + Sync;
    /// The family's command-line options.
    type Args: clap::Args + Clone + std::fmt::Debug + Send + Sync;

    /// The binary's name (`lecture-cnn`, `vgg16`).
    const NAME: &'static str;
    /// The dataset `train` uses when none is given.
    const DEFAULT_DATASET: DatasetKind;
    /// Default number of epochs of `train`.
    const DEFAULT_EPOCHS: usize = 10;
    /// Default batch size of `train`.
    const DEFAULT_BATCH_SIZE: usize = 64;
    /// Default learning rate of `train`.
    const DEFAULT_LEARNING_RATE: f64 = 1e-3;

    /// The configuration for `data`, from the command-line options.
    fn config(args: &Self::Args, data: &DataSpec) -> Result<Self::Config, ConfigError>;

    /// The data `summary` builds the model for when no dataset is named.
    fn summary_spec(args: &Self::Args) -> DataSpec;

    /// The model's input shape `[channels, height, width]` (what the batcher pads or resizes to).
    fn input_shape(config: &Self::Config) -> [usize; 3] {
        config.input_shape()
    }

    /// Builds the model with fresh weights.
    fn init(config: &Self::Config, device: &Device) -> Result<Self::Model, ConfigError> {
        config.build(device)
    }

    /// Loads weights from another framework into `model` (built by [`init`](Self::init) for the
    /// run's dataset) to start training from: `path` is a file in the source's layout, or
    /// `imagenet` for the family's published weights. Layers of the classifier whose shape does
    /// not fit (another number of classes, another head) keep their fresh weights, and say so;
    /// any other difference is an error.
    fn import_weights(
        model: Self::Model,
        config: &Self::Config,
        path: &Path,
    ) -> Result<Self::Model> {
        let _ = (model, config);
        Err(TrainError::Unsupported(format!(
            "{}: {} cannot import weights from other frameworks",
            path.display(),
            Self::NAME
        )))
    }

    /// Published weights for `predict --pretrained SPEC` (`vgg16`, or `vgg16=FILE` for a copy
    /// on disk): the model with them, its class names and a line describing them.
    fn published(spec: &str, device: &Device) -> Result<Published<Self::Model>> {
        let _ = device;
        Err(TrainError::Unsupported(format!(
            "{} has no published weights (asked for {spec})",
            Self::NAME
        )))
    }

    /// The model with its convolutional features frozen (no gradients): `train
    /// --freeze-features`.
    fn freeze_features(model: Self::Model) -> Self::Model {
        model
    }

    /// Writes the model's weights to `path` in the source framework's layout (`export`).
    fn export_weights(model: &Self::Model, path: &Path) -> Result<()> {
        let _ = model;
        Err(TrainError::Unsupported(format!(
            "{}: {} cannot export weights",
            path.display(),
            Self::NAME
        )))
    }

    /// `summary --lecture`: the model's summary beside what the lecture's code comments say,
    /// for the families the lecture writes out layer by layer (`None`: it does not).
    fn lecture_table(_summary: &ModelSummary) -> Option<String> {
        None
    }
}
