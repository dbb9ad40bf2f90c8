//! The model a server answers with, and what it needs to preprocess an upload as `predict` does.

use burn::tensor::Device;
use zoo_core::ImageClassifier;
use zoo_datasets::ImageBatcher;
use zoo_train::TrainConfig;
use zoo_train::data::batcher;

/// A trained model with its class names and preprocessing, as `serve` uses it.
#[derive(Debug)]
pub struct ServedModel<M> {
    /// The model, in inference mode on `device`.
    pub model: M,
    /// A title for the page (the run's name).
    pub title: String,
    /// One name per output.
    pub classes: Vec<String>,
    /// The shape `[c, h, w]` images are decoded into (the dataset's stored shape).
    pub stored_shape: [usize; 3],
    /// Pads and normalises decoded images into the model's input, as training did.
    pub batcher: ImageBatcher,
    /// Where the forward passes run.
    pub device: Device,
}

impl<M: ImageClassifier> ServedModel<M> {
    /// A run's model with the preprocessing its `config` trained with (the `predict` command's).
    pub fn from_run<C>(
        model: M,
        config: &TrainConfig<C>,
        title: impl Into<String>,
        device: Device,
    ) -> Self {
        Self {
            model,
            title: title.into(),
            classes: config.classes.clone(),
            stored_shape: config.image_shape,
            batcher: batcher(config),
            device,
        }
    }
}
