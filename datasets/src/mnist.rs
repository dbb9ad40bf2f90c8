//! MNIST and Fashion-MNIST from their IDX files.

use std::path::{Path, PathBuf};

use crate::OfficialSplit;
use crate::error::{DatasetError, Result};
use crate::idx::{IdxArray, find_file, read_idx};
use crate::image_set::ImageSet;

/// Fashion-MNIST's ten classes, by label.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// The IDX file names of a split: `(images, labels)`, without `.gz`.
pub fn idx_file_names(split: OfficialSplit) -> (&'static str, &'static str) {
    match split {
        OfficialSplit::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        OfficialSplit::Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
}

/// Whether `dir` holds both splits (plain or gzipped).
pub fn has_idx_files(dir: &Path) -> bool {
    [OfficialSplit::Train, OfficialSplit::Test]
        .into_iter()
        .all(|split| {
            let (images, labels) = idx_file_names(split);
            find_file(dir, images).is_some() && find_file(dir, labels).is_some()
        })
}

/// Loads one split of an MNIST-format dataset from `dir`.
///
/// Checks the IDX headers, that images are 3-D, that image and label counts agree and that
/// every label is below `classes.len()`.
pub fn load_idx_split(
    name: &str,
    dir: &Path,
    split: OfficialSplit,
    classes: Vec<String>,
) -> Result<ImageSet> {
    let (images_name, labels_name) = idx_file_names(split);
    let locate = |file: &str| -> Result<PathBuf> {
        find_file(dir, file).ok_or_else(|| DatasetError::Missing {
            path: dir.join(format!("{file}[.gz]")),
        })
    };
    let images_path = locate(images_name)?;
    let labels_path = locate(labels_name)?;
    let images = read_idx(&images_path, 3)?;
    let labels = read_idx(&labels_path, 1)?;
    idx_set(
        &format!("{name}/{split}"),
        (images_path, images),
        (labels_path, labels),
        classes,
    )
}

/// Builds a set from parsed IDX image and label arrays (paths are for error messages).
pub fn idx_set(
    name: &str,
    (images_path, images): (PathBuf, IdxArray),
    (labels_path, labels): (PathBuf, IdxArray),
    classes: Vec<String>,
) -> Result<ImageSet> {
    let (n, h, w) = (images.dims[0], images.dims[1], images.dims[2]);
    if h == 0 || w == 0 {
        return Err(DatasetError::format(
            &images_path,
            format!("images of {h}x{w} pixels"),
        ));
    }
    if n != labels.dims[0] {
        return Err(DatasetError::CountMismatch {
            images_path,
            labels_path,
            images: n,
            labels: labels.dims[0],
        });
    }
    if let Some((index, &label)) = labels
        .data
        .iter()
        .enumerate()
        .find(|(_, l)| usize::from(**l) >= classes.len())
    {
        return Err(DatasetError::LabelOutOfRange {
            path: labels_path,
            index,
            label: label.into(),
            classes: classes.len(),
        });
    }
    let labels = labels.data.into_iter().map(u16::from).collect();
    ImageSet::new(name, [1, h, w], images.data, labels, classes)
}
