//! The convolutional network of the Korea University deep-learning lecture 22 (a Keras
//! `Sequential` model), as a Burn module.
//!
//! Three blocks of `Conv2d(3x3) -> ReLU -> MaxPool2d(2) -> Dropout(0.25)` with 36, 72 and 144
//! filters, then `Flatten -> Dense(576) -> ReLU -> Dropout(0.5) -> Dense(num_classes)`. Max
//! pooling halves height and width, keeps the channels and has no parameters; the softmax of the
//! lecture is applied outside the module (the loss takes logits, predictions apply it).
//!
//! This library depends on `burn` with `std` only: no backend, no training. Pick a backend in your
//! own crate.
//!
//! ```
//! use burn::prelude::*;
//! use lecture_cnn::{LectureCnnConfig, ImageClassifier};
//!
//! let device = Device::flex();
//! let model = LectureCnnConfig::new(10).with_in_channels(1).init(&device).unwrap();
//! let images = Tensor::<4>::zeros([2, 1, 32, 32], &device);
//! let probabilities = burn::tensor::activation::softmax(model.forward(images), 1);
//! assert_eq!(probabilities.dims(), [2, 10]);
//! println!("{}", model.summary([1, 32, 32], &device));
//! ```

mod config;
pub mod lecture;
mod model;
#[cfg(feature = "pretrained")]
pub mod pretrained;

pub use config::{Conv3Padding, LectureCnnConfig, Pooling, WeightInit};
pub use model::LectureCnn;
pub use zoo_core::{BlockActivation, ConfigError, ImageClassifier, LayerTap, ModelSummary};

/// The README's code runs as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
