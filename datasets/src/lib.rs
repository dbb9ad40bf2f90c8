//! Image-classification datasets for the CNN zoo, turned into Burn batches.
//!
//! - Sources: MNIST and Fashion-MNIST ([`idx`], gzipped or not), CIFAR-10/100 ([`cifar`],
//!   official binary batches or their `.tar.gz`), image folders ([`folder`]).
//! - Finding the data: [`load`] searches an explicit folder, `$ZOO_DATA_DIR`, the user's cache
//!   and system locations, downloads the official files when online (MD5-checked), and falls back
//!   to a real Fashion-MNIST subset shipped in this crate ([`source`]).
//! - Preprocessing: [`ImageBatcher`] pads or resizes to the model's input, converts grey/RGB,
//!   normalises per channel; [`AugmentedDataset`] adds seeded random crops and flips.
//! - Bad files are refused with a [`DatasetError`] naming the file and what is wrong.
//!
//! ```
//! use burn::data::dataloader::batcher::Batcher;
//! use burn::data::dataset::Dataset;
//! use burn::prelude::*;
//! use zoo_datasets::{DatasetKind, ImageBatcher, bundled_fashion_mnist};
//!
//! let data = bundled_fashion_mnist().unwrap();
//! assert_eq!((data.train.len(), data.test.len()), (1000, 500));
//! // 28x28 grey -> 32x32, normalised with Fashion-MNIST's mean and std.
//! let batcher = ImageBatcher::new([1, 32, 32], DatasetKind::FashionMnist.normalization());
//! let items = (0..8).map(|i| data.train.get(i).unwrap()).collect();
//! let batch = batcher.batch(items, &Device::flex());
//! assert_eq!(batch.images.dims(), [8, 1, 32, 32]);
//! assert_eq!(data.train.classes()[9], "Ankle boot");
//! ```

pub mod augment;
pub mod batcher;
pub mod cifar;
pub mod download;
pub mod error;
pub mod folder;
pub mod idx;
pub mod image_set;
pub mod imagenet;
pub mod mnist;
pub mod source;

use std::fmt;

pub use augment::{Augmentation, AugmentedDataset};
pub use batcher::{ImageBatch, ImageBatcher, Normalization};
pub use error::{DatasetError, Result};
pub use image_set::{ImageItem, ImageSet};
pub use source::{
    DATA_DIR_ENV, DatasetKind, LoadOptions, LoadedDataset, Location, bundled_fashion_mnist, load,
    load_from, load_searching, search_path,
};

/// An official split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficialSplit {
    /// The training split.
    Train,
    /// The test split.
    Test,
}

impl fmt::Display for OfficialSplit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OfficialSplit::Train => "train",
            OfficialSplit::Test => "test",
        })
    }
}
