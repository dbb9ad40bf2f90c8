//! The wrapper that makes any zoo model a Burn `Learner` model: cross-entropy on logits, the
//! step statistics, and the non-finite-loss guard.

use std::sync::Arc;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor};
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use zoo_core::ImageClassifier;
use zoo_datasets::ImageBatch;

use crate::outputs::{cross_entropy, host_values};
use crate::stats::{RunStats, StepSplit};

/// A zoo model under training. Its record nests the model's under `model.`.
#[derive(Module, Debug)]
pub struct TrainingModel<M> {
    /// The model.
    pub model: M,
    /// Where steps report loss and accuracy.
    #[module(skip)]
    pub stats: Option<Arc<RunStats>>,
    /// What the loss is multiplied by before the backward pass: `1 / devices` under Burn's
    /// multi-device strategies, which sum the devices' gradients, so that N devices with B/N
    /// images each step as one device with B images does. 1 otherwise.
    #[module(skip)]
    pub gradient_scale: f32,
}

impl<M: ImageClassifier> TrainingModel<M> {
    /// Wraps `model`, reporting to `stats`.
    pub fn new(model: M, stats: Option<Arc<RunStats>>) -> Self {
        Self {
            model,
            stats,
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

    /// Reports a step; `false` when its loss is not finite.
    fn report(&self, split: StepSplit, out: &ClassificationOutput) -> bool {
        let Some(stats) = &self.stats else {
            return true;
        };
        let items = out.targets.dims()[0];
        // Loss and correct count read back together: one wait for the device per step.
        let correct = out
            .output
            .clone()
            .detach()
            .argmax(1)
            .squeeze_dim::<1>(1)
            .equal(out.targets.clone())
            .float()
            .sum();
        let both = Tensor::cat(vec![out.loss.clone().detach(), correct], 0);
        // A device that cannot give back two numbers has failed: Burn's own metrics panic then.
        let values = host_values(both, "the loss").unwrap_or_else(|e| panic!("{e}"));
        let [loss, correct] = values[..] else {
            panic!("the loss and correct count: {} values", values.len());
        };
        let (loss, correct) = (f64::from(loss), correct.round() as usize);
        stats.record(split, items, loss, correct)
    }
}

impl<M: ImageClassifier> TrainStep for TrainingModel<M> {
    type Input = ImageBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: ImageBatch) -> TrainOutput<ClassificationOutput> {
        let out = self.classify(batch.images, batch.targets);
        if !self.report(StepSplit::Train, &out) {
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
        let out = self.classify(batch.images, batch.targets);
        self.report(StepSplit::Valid, &out);
        out
    }
}
