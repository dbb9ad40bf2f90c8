//! Loading a dataset from a folder that holds its files, one format each: IDX (MNIST,
//! Fashion-MNIST), CIFAR binary batches or their archive, image folders.

use std::path::Path;

use super::kind::DatasetKind;
use super::search::{LoadOptions, LoadedDataset, Location};
use crate::OfficialSplit;
use crate::cifar::{batch_dir, load_cifar_split, unpack_archive};
use crate::error::{DatasetError, Result};
use crate::folder::load_image_folder;
use crate::mnist::{FASHION_MNIST_CLASSES, load_idx_split};

/// Loads both splits of `kind` from `dir`.
pub fn load_from(kind: DatasetKind, dir: &Path, options: &LoadOptions) -> Result<LoadedDataset> {
    let name = kind.id();
    let (train, test) = match kind {
        DatasetKind::Mnist | DatasetKind::FashionMnist => {
            let classes: Vec<String> = if kind == DatasetKind::FashionMnist {
                FASHION_MNIST_CLASSES
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                (0..10).map(|d| d.to_string()).collect()
            };
            (
                load_idx_split(name, dir, OfficialSplit::Train, classes.clone())?,
                load_idx_split(name, dir, OfficialSplit::Test, classes)?,
            )
        }
        DatasetKind::Cifar10 | DatasetKind::Cifar100 => {
            let cifar = kind.cifar().expect("cifar");
            let batches = match batch_dir(dir, cifar) {
                Some(d) => d,
                None => unpack_archive(dir, cifar)?.ok_or_else(|| DatasetError::Missing {
                    path: dir.join(cifar.folder()),
                })?,
            };
            (
                load_cifar_split(name, &batches, cifar, OfficialSplit::Train)?,
                load_cifar_split(name, &batches, cifar, OfficialSplit::Test)?,
            )
        }
        DatasetKind::Folder => {
            let shape = options.folder_shape.unwrap_or([3, 32, 32]);
            let test_dir = ["test", "val"]
                .iter()
                .map(|s| dir.join(s))
                .find(|d| d.is_dir())
                .ok_or_else(|| DatasetError::Missing {
                    path: dir.join("test"),
                })?;
            let train = load_image_folder("folder/train", &dir.join("train"), shape)?;
            let test = load_image_folder("folder/test", &test_dir, shape)?;
            if train.classes() != test.classes() {
                return Err(DatasetError::format(
                    &test_dir,
                    format!(
                        "test classes {:?} differ from the training classes {:?}",
                        test.classes(),
                        train.classes()
                    ),
                ));
            }
            (train, test)
        }
    };
    Ok(LoadedDataset {
        kind,
        train,
        test,
        location: Location::Dir(dir.to_path_buf()),
    })
}
