//! The real Fashion-MNIST subset shipped in this crate: the fallback when the full set is
//! nowhere to be found and no folder was named.

use std::path::PathBuf;

use super::kind::DatasetKind;
use super::search::{LoadedDataset, Location};
use crate::OfficialSplit;
use crate::error::Result;
use crate::idx::{gunzip, parse_idx};
use crate::image_set::ImageSet;
use crate::mnist::{FASHION_MNIST_CLASSES, idx_set};

const SUBSET_TRAIN_IMAGES: &[u8] =
    include_bytes!("../../data/fashion-mnist-subset/train-images-idx3-ubyte.gz");
const SUBSET_TRAIN_LABELS: &[u8] =
    include_bytes!("../../data/fashion-mnist-subset/train-labels-idx1-ubyte.gz");
const SUBSET_TEST_IMAGES: &[u8] =
    include_bytes!("../../data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz");
const SUBSET_TEST_LABELS: &[u8] =
    include_bytes!("../../data/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz");

/// The Fashion-MNIST subset shipped in this crate: the first 1,000 training and 500 test
/// images of the real dataset.
pub fn bundled_fashion_mnist() -> Result<LoadedDataset> {
    let classes: Vec<String> = FASHION_MNIST_CLASSES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let split = |split: OfficialSplit, images: &[u8], labels: &[u8]| -> Result<ImageSet> {
        let parse = |bytes: &[u8], file: &str, rank| -> Result<_> {
            let path = PathBuf::from(format!("<bundled>/{file}"));
            let raw = gunzip(&path, bytes)?;
            Ok((path.clone(), parse_idx(&path, &raw, rank)?))
        };
        let (images_name, labels_name) = crate::mnist::idx_file_names(split);
        idx_set(
            &format!("fashion-mnist-subset/{split}"),
            parse(images, &format!("{images_name}.gz"), 3)?,
            parse(labels, &format!("{labels_name}.gz"), 1)?,
            classes.clone(),
        )
    };
    Ok(LoadedDataset {
        kind: DatasetKind::FashionMnist,
        train: split(
            OfficialSplit::Train,
            SUBSET_TRAIN_IMAGES,
            SUBSET_TRAIN_LABELS,
        )?,
        test: split(OfficialSplit::Test, SUBSET_TEST_IMAGES, SUBSET_TEST_LABELS)?,
        location: Location::BundledSubset,
    })
}
