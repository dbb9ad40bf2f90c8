//! The wrapper that makes any zoo model a Burn `Learner` model: cross-entropy on logits and
//! the non-finite-loss guard (loss and accuracy are Burn's metrics, fed by the steps' outputs).

use std::sync::Arc;

use burn::module::{Content, Module, ModuleDisplay};
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor};
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use zoo_core::ImageClassifier;
use zoo_datasets::ImageBatch;

use crate::guard::NonFiniteGuard;
use crate::outputs::cross_entropy;

/// A zoo model under training. Its record nests the model's under `model.`.
#[derive(Module, Debug)]
#[module(custom_display)]
pub struct TrainingModel<M> {
    /// The model.
    pub model: M,
    /// Stops the run at a non-finite training loss (none: no check).
    #[module(skip)]
    pub guard: Option<Arc<NonFiniteGuard>>,
    /// What the loss is multiplied by before the backward pass: `1 / devices` under Burn's
    /// multi-device strategies, which sum the devices' gradients, so that N devices with B/N
    /// images each step as one device with B images does. 1 otherwise.
    #[module(skip)]
    pub gradient_scale: f32,
}

impl<M: ImageClassifier> TrainingModel<M> {
    /// Wraps `model`; training steps are checked by `guard`.
    pub fn new(model: M, guard: Option<Arc<NonFiniteGuard>>) -> Self {
        Self {
            model,
            guard,
            gradient_scale: 1.0,
        }
    }

    /// Scales the loss by `scale` before the backward pass (see
    /// [`gradient_scale`](Self::gradient_scale)).
    pub fn with_gradient_scale(mut self, scale: f32) -> Self {
        self.gradient_scale = scale;
        self
    }

    /// Logits and cross-entropy loss for a batch.
    pub fn classify(&self, images: Tensor<4>, targets: Tensor<1, Int>) -> ClassificationOutput {
        let logits = self.model.forward(images);
        let loss = cross_entropy(logits.clone(), targets.clone());
        ClassificationOutput::new(loss, logits, targets)
    }
}

/// Burn's learner summary shows the model alone, not the wrapper's settings.
impl<M: Module + ModuleDisplay> ModuleDisplay for TrainingModel<M> {
    fn custom_content(&self, content: Content) -> Option<Content> {
        content.add("model", &self.model).optional()
    }
}

impl<M: ImageClassifier> TrainStep for TrainingModel<M> {
    type Input = ImageBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: ImageBatch) -> TrainOutput<ClassificationOutput> {
        let out = self.classify(batch.images, batch.targets);
        if let Some(guard) = &self.guard
            && !guard.check(&out.loss)
        {
            // A non-finite loss: no update, the run is being stopped.
            return TrainOutput {
                grads: GradientsParams::new(),
                item: out,
            };
        }
        let grads = if self.gradient_scale == 1.0 {
            out.loss.backward()
        } else {
            (out.loss.clone() * self.gradient_scale).backward()
        };
        TrainOutput::new(self, grads, out)
    }
}

impl<M: ImageClassifier> InferenceStep for TrainingModel<M> {
    type Input = ImageBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: ImageBatch) -> ClassificationOutput {
        self.classify(batch.images, batch.targets)
    }
}
