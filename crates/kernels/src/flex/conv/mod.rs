//! 2-D convolution: forward with an optional fused bias and ReLU, and all three gradients.

pub(crate) mod geometry;
pub(crate) mod im2col;
pub(crate) mod kernels;
pub(crate) mod op;
