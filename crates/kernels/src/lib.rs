//! Fast CPU kernels for the CNN zoo, on Burn's flex backend.
//!
//! Each function here does what a Burn layer's `forward` does, and takes a faster path when the
//! tensors are `f32` tensors of the flex backend (plain, or under autodiff for training):
//!
//! | function | Burn equivalent | the fast path |
//! |---|---|---|
//! | [`conv2d`], [`conv2d_relu`] | `Conv2d::forward` (then `relu`) | im2col + AVX-512 gemm per block of output columns, bias and ReLU fused; weight gradient summed per thread over the batch; input gradient as a convolution of the output gradient |
//! | [`max_pool2d`] | `MaxPool2d::forward` | 2x2 windows with stride 2, no index tensor: the backward pass finds the maxima again |
//! | [`dropout`] | `Dropout::forward` | masks from a counter-based generator (Philox4x32-10), drawn in parallel and drawn again in the backward pass instead of stored |
//! | [`linear`] | `Linear::forward` | inference on up to 16 rows: the product split across the threads by output columns (reading the weights is the cost) |
//! | [`FusedAdam`] | `burn::optim::Adam` | one pass per parameter, in place, same state record |
//!
//! On any other backend (wgpu, CUDA, ndarray), with other dtypes, or without this crate's `flex`
//! feature, each function is Burn's stock op, so a model can call them unconditionally. The
//! environment variable [`ENV_VAR`] (`ZOO_KERNELS=stock`) switches the fast paths off for a
//! whole process, and [`with_kernels`] for a closure, to compare both.
//!
//! The record layout of the layers is untouched: weights saved with or without the kernels load
//! either way.
//!
//! ```
//! use burn::nn::conv::Conv2dConfig;
//! use burn::nn::pool::MaxPool2dConfig;
//! use burn::tensor::{Device, Tensor};
//!
//! let device = Device::default();
//! let conv = Conv2dConfig::new([1, 36], [3, 3]).init(&device);
//! let pool = MaxPool2dConfig::new([2, 2]).init();
//! let x = Tensor::<4>::ones([8, 1, 32, 32], &device);
//! let y = zoo_kernels::max_pool2d(&pool, zoo_kernels::conv2d_relu(&conv, x)); // [8, 36, 15, 15]
//! assert_eq!(y.dims(), [8, 36, 15, 15]);
//! ```
#![allow(unsafe_code)] // the matrix products (`gemm`) and disjoint parallel writes; see flex/

#[cfg(feature = "optim")]
mod adam;
mod conv;
mod dropout;
#[cfg(feature = "flex")]
mod flex;
mod linear;
mod pool;
mod switch;

#[cfg(feature = "optim")]
pub use adam::{FusedAdam, FusedAdamConfig};
pub use conv::{conv2d, conv2d_relu, options as conv2d_options};
pub use dropout::{dropout, seed};
pub use linear::linear;
pub use pool::{is_2x2, max_pool2d};
pub use switch::{ENV_VAR, enabled, parse_setting, with_kernels};
