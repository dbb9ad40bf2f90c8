//! What every command does with a model's outputs: the cross-entropy of logits, and reading
//! values back to the host.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor};

use crate::error::{Result, TrainError};

/// The mean cross-entropy of `logits` `[batch, classes]` against class indices `[batch]`, as
/// training, evaluation and Keras' `sparse_categorical_crossentropy(from_logits=True)` compute
/// it.
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits, targets)
}

/// The values of a tensor (scores `[batch, classes]`, feature maps) on the host, row-major
/// (one sync); `what` names them in the error.
pub fn host_values<const D: usize>(values: Tensor<D>, what: &str) -> Result<Vec<f32>> {
    values
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| TrainError::DeviceRead {
            what: what.to_string(),
            error: format!("{e:?}"),
        })
}
