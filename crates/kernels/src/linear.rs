//! Fully connected layers.

use burn::nn::Linear;
use burn::tensor::Tensor;

/// `layer.forward(x)`; for inference on a few rows of flex tensors with a large weight (the
/// latency case), the product is split across the threads by output columns.
///
/// ```
/// use burn::nn::LinearConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::default();
/// let fc = LinearConfig::new(1296, 576).init(&device);
/// let y = zoo_kernels::linear(&fc, Tensor::<2>::ones([1, 1296], &device));
/// assert_eq!(y.dims(), [1, 576]);
/// ```
pub fn linear(layer: &Linear, x: Tensor<2>) -> Tensor<2> {
    #[cfg(feature = "flex")]
    if crate::enabled() {
        let weight = layer.weight.val();
        let bias = layer.bias.as_ref().map(|b| b.val());
        if crate::flex::linear::takes(&x, &weight, bias.as_ref()) {
            return crate::flex::linear::run(x, weight, bias);
        }
    }
    layer.forward(x)
}
