//! Max pooling.

use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2d;
use burn::tensor::Tensor;

/// `pool.forward(x)`, on the fast kernel for the 2x2, stride-2 pooling of these models (no
/// padding, no dilation, floor mode); Burn's op for every other pooling.
///
/// ```
/// use burn::nn::pool::MaxPool2dConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::default();
/// let pool = MaxPool2dConfig::new([2, 2]).init();
/// let y = zoo_kernels::max_pool2d(&pool, Tensor::<4>::ones([2, 36, 32, 32], &device));
/// assert_eq!(y.dims(), [2, 36, 16, 16]); // height and width halved, channels kept
/// ```
pub fn max_pool2d(pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if crate::enabled() && is_2x2(pool) && crate::flex::pool::takes(&x) {
        return crate::flex::pool::run(x);
    }
    pool.forward(x)
}

/// Whether `pool` is the 2x2, stride-2 pooling the fast kernel implements.
pub fn is_2x2(pool: &MaxPool2d) -> bool {
    let no_padding = match pool.padding {
        PaddingConfig2d::Valid => true,
        PaddingConfig2d::Explicit(a, b, c, d) => a + b + c + d == 0,
        // "Same" pads a 2x2 window only for odd sizes; leave it to Burn.
        PaddingConfig2d::Same => false,
    };
    pool.kernel_size == [2, 2]
        && pool.stride == [2, 2]
        && pool.dilation == [1, 1]
        && !pool.ceil_mode
        && no_padding
}
