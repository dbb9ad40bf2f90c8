//! VGG-11/13/16/19, with and without batch normalisation, as Burn modules in torchvision's
//! layout (`features`, `avgpool`, `classifier`, same indices), plus a compact head for 32x32
//! images.
//!
//! VGG-16 is the lecture's model: 13 convolutions and 3 dense layers, 224x224x3 -> 7x7x512 ->
//! 4096 -> 4096 -> 1000, 138,357,544 parameters. This library depends on `burn` with `std` only:
//! no backend, no training.
//!
//! ```
//! use burn::prelude::*;
//! use vgg16::{ImageClassifier, VggArch, VggConfig};
//!
//! let device = Device::flex();
//! // VGG-16 for 32x32 images: features -> 1x1x512 -> 512 -> 512 -> 10.
//! let model = VggConfig::compact(VggArch::D, 10).init(&device).unwrap();
//! let logits = model.forward(Tensor::<4>::zeros([2, 3, 32, 32], &device));
//! assert_eq!(logits.dims(), [2, 10]);
//! ```
//!
//! Importing torchvision weights: see [`keys`] for the key table, and `pretrained` (feature
//! `pretrained`) for the loaders, torchvision's ImageNet weights and the export.

mod config;
pub mod keys;
mod model;
#[cfg(feature = "pretrained")]
pub mod pretrained;

pub use config::{
    FeatureSpec, VggArch, VggConfig, VggHead, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn,
    vgg19, vgg19_bn,
};
pub use keys::KeyMapping;
pub use model::{Vgg, VggLayer};
pub use zoo_core::{BlockActivation, ConfigError, ImageClassifier, LayerTap, ModelSummary};
