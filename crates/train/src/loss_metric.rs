//! The run's loss metric: Burn's [`LossMetric`](burn::train::metric::LossMetric) weighs every
//! batch alike, so a smaller last batch counts as much as a full one; this one weighs each
//! batch by its images, as Keras' `fit`, PyTorch's usual loop and `eval` average. It keeps
//! Burn's name, so Burn's checkpoint keeping and early stopping read it.

use std::sync::Arc;

use burn::tensor::{Tensor, TensorReadError};
use burn::train::ClassificationOutput;
use burn::train::metric::state::{FormatOptions, NumericMetricState};
use burn::train::metric::{
    Adaptor, Metric, MetricAttributes, MetricMetadata, MetricName, Numeric, NumericAttributes,
    NumericEntry, SerializedEntry,
};

use crate::metric_events::LOSS;

/// A batch's mean loss and its number of images.
pub struct BatchLoss {
    /// The batch's mean loss, one element.
    pub loss: Tensor<1>,
    /// Images in the batch.
    pub items: usize,
}

impl Adaptor<BatchLoss> for ClassificationOutput {
    fn adapt(&self) -> BatchLoss {
        BatchLoss {
            loss: self.loss.clone(),
            items: self.targets.dims()[0],
        }
    }
}

/// The mean loss per image over an epoch (named `Loss`, as Burn's).
#[derive(Clone)]
pub struct PerImageLoss {
    name: MetricName,
    state: NumericMetricState,
}

impl Default for PerImageLoss {
    fn default() -> Self {
        Self::new()
    }
}

impl PerImageLoss {
    /// A new metric.
    pub fn new() -> Self {
        Self {
            name: Arc::new(LOSS.to_string()),
            state: NumericMetricState::default(),
        }
    }
}

impl Metric for PerImageLoss {
    type Input = BatchLoss;

    fn update(
        &mut self,
        batch: &BatchLoss,
        _metadata: &MetricMetadata,
    ) -> Result<SerializedEntry, TensorReadError> {
        let loss = batch.loss.clone().mean().try_into_scalar::<f64>()?;
        self.state.update(loss, batch.items);
        Ok(self
            .state
            .compute_update(FormatOptions::new(self.name()).precision(2)))
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        Ok(self
            .state
            .compute_final(FormatOptions::new(self.name()).precision(2)))
    }

    fn clear(&mut self) {
        self.state.reset();
    }

    fn name(&self) -> MetricName {
        self.name.clone()
    }

    fn attributes(&self) -> MetricAttributes {
        NumericAttributes {
            unit: None,
            higher_is_better: false,
        }
        .into()
    }
}

impl Numeric for PerImageLoss {
    fn value(&self) -> Option<NumericEntry> {
        Some(self.state.current_value())
    }

    fn running_value(&self) -> Option<NumericEntry> {
        Some(self.state.running_value())
    }

    fn final_value(&self) -> NumericEntry {
        self.state.final_value()
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;

    #[test]
    fn batches_are_weighed_by_their_images() {
        let device = burn::tensor::Device::flex();
        let mut metric = PerImageLoss::new();
        let metadata = MetricMetadata {
            progress: burn::data::dataloader::Progress::new(1, 1, None),
            iteration: None,
            lr: None,
        };
        for (loss, items) in [(1.0, 64), (1.0, 64), (4.0, 32)] {
            let batch = BatchLoss {
                loss: Tensor::from_floats([loss], &device),
                items,
            };
            metric.update(&batch, &metadata).unwrap();
        }
        metric.compute().unwrap();
        // (64 + 64 + 4 * 32) / 160 = 1.6; Burn's LossMetric would give (1 + 1 + 4) / 3 = 2.
        let NumericEntry::Final(mean) = metric.final_value() else {
            panic!("not a final value");
        };
        assert!((mean - 1.6).abs() < 1e-12, "{mean}");
        assert_eq!(
            metric.name().as_str(),
            burn::train::metric::LossMetric::new().name().as_str()
        );
    }
}
