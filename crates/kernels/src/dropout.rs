//! Dropout.

use burn::nn::Dropout;
use burn::tensor::Tensor;

/// `dropout.forward(x)`: in training, on the fast kernel (a counter-based generator, drawn in
/// parallel, the mask never stored); the input unchanged where Burn's layer would leave it so
/// (not training, no autodiff, probability 0).
///
/// The masks follow [`seed`]: the same seed and the same sequence of calls give the same masks.
///
/// ```
/// use burn::nn::DropoutConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::default();
/// let dropout = DropoutConfig::new(0.5).init();
/// let x = Tensor::<2>::ones([4, 8], &device);
/// // Not on an autodiff device: nothing is dropped.
/// let y = zoo_kernels::dropout(&dropout, x.clone());
/// assert_eq!(y.into_data(), x.into_data());
/// ```
pub fn dropout<const D: usize>(dropout: &Dropout, x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    if crate::enabled()
        && dropout.training.is_enabled()
        && dropout.prob > 0.0
        && crate::flex::route_of(&[&x]) == crate::flex::Route::Tracked
    {
        return crate::flex::dropout::run(x, dropout.prob);
    }
    dropout.forward(x)
}

/// Seeds the fast kernels' dropout masks (Burn's own dropout follows `device.seed`; call both).
///
/// The stream is the process's, as Burn's generator is: dropout calls from several threads at
/// once interleave their draws, so reproducing masks takes the same calls in the same order.
///
/// ```
/// zoo_kernels::seed(42);
/// ```
pub fn seed(seed: u64) {
    #[cfg(feature = "flex")]
    crate::flex::dropout::seed(seed);
    #[cfg(not(feature = "flex"))]
    let _ = seed;
}
