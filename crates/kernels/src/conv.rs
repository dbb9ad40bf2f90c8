//! Convolution layers, with the ReLU that follows them fused in.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use burn::tensor::module::conv2d as stock_conv2d;
use burn::tensor::ops::ConvOptions;

/// `conv.forward(x)`, on the fast kernels where they apply.
///
/// ```
/// use burn::nn::conv::Conv2dConfig;
/// use burn::nn::PaddingConfig2d;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::default();
/// let conv = Conv2dConfig::new([1, 8], [3, 3]).with_padding(PaddingConfig2d::Same).init(&device);
/// let y = zoo_kernels::conv2d(&conv, Tensor::<4>::ones([2, 1, 28, 28], &device));
/// assert_eq!(y.dims(), [2, 8, 28, 28]);
/// ```
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    forward(conv, x, false)
}

/// `relu(conv.forward(x))` as one operation on the fast kernels (the ReLU applied as the
/// convolution's output is written, its mask taken from that output in the backward pass),
/// Burn's two ops elsewhere.
///
/// ```
/// use burn::nn::conv::Conv2dConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::default();
/// let conv = Conv2dConfig::new([3, 4], [3, 3]).init(&device);
/// let y = zoo_kernels::conv2d_relu(&conv, Tensor::<4>::ones([1, 3, 8, 8], &device));
/// assert_eq!(y.dims(), [1, 4, 6, 6]);
/// assert!(y.min().into_scalar::<f32>() >= 0.0);
/// ```
pub fn conv2d_relu(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    forward(conv, x, true)
}

fn forward(conv: &Conv2d, x: Tensor<4>, fused_relu: bool) -> Tensor<4> {
    let options = options(conv, x.dims());
    let weight = conv.weight.val();
    let bias = conv.bias.as_ref().map(|b| b.val());
    #[cfg(feature = "flex")]
    if crate::enabled()
        && let Some(plan) = crate::flex::conv::op::plan(&x, &weight, bias.as_ref(), &options)
    {
        return crate::flex::conv::op::run(plan, x, weight, bias, fused_relu);
    }
    let y = stock_conv2d(x, weight, bias, options);
    if fused_relu { relu(y) } else { y }
}

/// The options Burn's `Conv2d::forward` passes to `conv2d` for an input of `dims`.
pub fn options(conv: &Conv2d, dims: [usize; 4]) -> ConvOptions<2> {
    let [_, _, h, w] = dims;
    let same = |k: usize, s: usize, size: usize| {
        // Burn's "same" padding: the output is ceil(size / stride), any odd pad at the end.
        let out = size.div_ceil(s);
        let total = ((out.max(1) - 1) * s + k).saturating_sub(size);
        (total / 2, total - total / 2)
    };
    let (rows, cols) = match &conv.padding {
        PaddingConfig2d::Valid => ((0, 0), (0, 0)),
        PaddingConfig2d::Same => (
            same(conv.kernel_size[0], conv.stride[0], h),
            same(conv.kernel_size[1], conv.stride[1], w),
        ),
        PaddingConfig2d::Explicit(top, left, bottom, right) => ((*top, *bottom), (*left, *right)),
    };
    ConvOptions::new_with_padding(conv.stride, [rows, cols], conv.dilation, conv.groups)
}
