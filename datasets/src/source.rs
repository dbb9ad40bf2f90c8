//! Which datasets exist, where they are looked for, and loading them.
//!
//! Search order: an explicit data directory; `$ZOO_DATA_DIR/<dataset>`; the user's cache
//! (`~/.cache/cnn-zoo/<dataset>` on Linux); known system locations (Debian's
//! `/usr/share/datasets/fashion-mnist`). Then, online, the official files are downloaded into the
//! cache (or the explicit directory) and checked against their published MD5. Offline and not
//! found, Fashion-MNIST falls back to the subset shipped in this crate, announced on stderr; any
//! other dataset is an error that says where it looked and how to get the data.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Split;
use crate::batcher::Normalization;
use crate::cifar::{CifarKind, batch_dir, load_cifar_split, unpack_archive};
use crate::download::{Remote, fetch};
use crate::error::{DatasetError, Result};
use crate::folder::load_image_folder;
use crate::idx::{gunzip, parse_idx};
use crate::image_set::ImageSet;
use crate::mnist::{FASHION_MNIST_CLASSES, has_idx_files, idx_set, load_idx_split};

/// The environment variable naming a folder that holds one sub-folder per dataset.
pub const DATA_DIR_ENV: &str = "ZOO_DATA_DIR";

const FASHION_MNIST_REMOTES: [Remote; 4] = [
    Remote::new(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz",
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    ),
    Remote::new(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz",
        "25c81989df183df01b3e8a0aad5dffbe",
    ),
    Remote::new(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz",
        "bef4ecab320f06d8554ea6380940ec79",
    ),
    Remote::new(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz",
        "bb300cfdad3c16e7a12a480ee83cd310",
    ),
];
const MNIST_REMOTES: [Remote; 4] = [
    Remote::new(
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz",
        "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    ),
    Remote::new(
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz",
        "d53e105ee54ea40749a09fcbcd1e9432",
    ),
    Remote::new(
        "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz",
        "9fb629c4189551a2d022fa330f9573f3",
    ),
    Remote::new(
        "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
        "ec29112dd5afa0611ce80d1b7f02629c",
    ),
];
const CIFAR10_REMOTES: [Remote; 1] = [Remote::new(
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    "c32a1d4ab5d03f1284b67883e8d87530",
)];
const CIFAR100_REMOTES: [Remote; 1] = [Remote::new(
    "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
    "03b5dce01913d631647c71ecec9e9cb8",
)];

/// The datasets of the zoo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// Handwritten digits, 28x28 grey, 60,000 + 10,000.
    Mnist,
    /// Zalando's clothes, 28x28 grey, 60,000 + 10,000.
    FashionMnist,
    /// 32x32 RGB, 10 classes, 50,000 + 10,000.
    Cifar10,
    /// 32x32 RGB, 100 classes, 50,000 + 10,000.
    Cifar100,
    /// An image folder (`<dir>/train/<class>/*.png` and `<dir>/test/...`).
    Folder,
}

impl DatasetKind {
    /// Every dataset, in the order `--help` lists them.
    pub const ALL: [DatasetKind; 5] = [
        DatasetKind::FashionMnist,
        DatasetKind::Mnist,
        DatasetKind::Cifar10,
        DatasetKind::Cifar100,
        DatasetKind::Folder,
    ];

    /// The name on the command line and in folder names.
    pub fn id(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
            DatasetKind::Cifar10 => "cifar10",
            DatasetKind::Cifar100 => "cifar100",
            DatasetKind::Folder => "folder",
        }
    }

    /// The image shape as stored, `[channels, height, width]` (`None` for folders).
    pub fn native_shape(self) -> Option<[usize; 3]> {
        match self {
            DatasetKind::Mnist | DatasetKind::FashionMnist => Some([1, 28, 28]),
            DatasetKind::Cifar10 | DatasetKind::Cifar100 => Some([3, 32, 32]),
            DatasetKind::Folder => None,
        }
    }

    /// Number of classes (`None` for folders: as many as sub-folders).
    pub fn num_classes(self) -> Option<usize> {
        match self {
            DatasetKind::Mnist | DatasetKind::FashionMnist | DatasetKind::Cifar10 => Some(10),
            DatasetKind::Cifar100 => Some(100),
            DatasetKind::Folder => None,
        }
    }

    /// The per-channel mean and standard deviation of the training images on `[0, 1]`.
    /// Image folders use ImageNet's.
    pub fn normalization(self) -> Normalization {
        match self {
            DatasetKind::Mnist => Normalization::new(vec![0.1307], vec![0.3081]),
            DatasetKind::FashionMnist => Normalization::new(vec![0.2860], vec![0.3530]),
            DatasetKind::Cifar10 => {
                Normalization::new(vec![0.4914, 0.4822, 0.4465], vec![0.2470, 0.2435, 0.2616])
            }
            DatasetKind::Cifar100 => {
                Normalization::new(vec![0.5071, 0.4865, 0.4409], vec![0.2673, 0.2564, 0.2762])
            }
            DatasetKind::Folder => {
                Normalization::new(vec![0.485, 0.456, 0.406], vec![0.229, 0.224, 0.225])
            }
        }
    }

    /// The official files and their published MD5 checksums.
    pub fn remotes(self) -> &'static [Remote] {
        match self {
            DatasetKind::FashionMnist => &FASHION_MNIST_REMOTES,
            DatasetKind::Mnist => &MNIST_REMOTES,
            DatasetKind::Cifar10 => &CIFAR10_REMOTES,
            DatasetKind::Cifar100 => &CIFAR100_REMOTES,
            DatasetKind::Folder => &[],
        }
    }

    /// Folders where a system package puts the dataset.
    pub fn system_dirs(self) -> Vec<PathBuf> {
        match self {
            DatasetKind::FashionMnist => vec!["/usr/share/datasets/fashion-mnist".into()],
            DatasetKind::Mnist => vec!["/usr/share/datasets/mnist".into()],
            _ => Vec::new(),
        }
    }

    fn cifar(self) -> Option<CifarKind> {
        match self {
            DatasetKind::Cifar10 => Some(CifarKind::Cifar10),
            DatasetKind::Cifar100 => Some(CifarKind::Cifar100),
            _ => None,
        }
    }

    /// Whether `dir` holds this dataset (or, for CIFAR, its official archive).
    pub fn is_in(self, dir: &Path) -> bool {
        match self {
            DatasetKind::Mnist | DatasetKind::FashionMnist => has_idx_files(dir),
            DatasetKind::Cifar10 | DatasetKind::Cifar100 => {
                let kind = self.cifar().expect("cifar");
                batch_dir(dir, kind).is_some() || dir.join(kind.archive()).is_file()
            }
            DatasetKind::Folder => dir.join("train").is_dir(),
        }
    }

    /// What a folder holding this dataset contains.
    pub fn expected_files(self) -> &'static str {
        match self {
            DatasetKind::FashionMnist | DatasetKind::Mnist => {
                "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)"
            }
            DatasetKind::Cifar10 => "cifar-10-batches-bin/ or cifar-10-binary.tar.gz",
            DatasetKind::Cifar100 => "cifar-100-binary/ or cifar-100-binary.tar.gz",
            DatasetKind::Folder => "train/<class>/*.png|jpg and test/<class>/*.png|jpg",
        }
    }

    fn hint(self) -> String {
        let cache = cache_dir(self)
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "the cache directory".into());
        match self {
            DatasetKind::FashionMnist => format!(
                "install it with `apt-get install dataset-fashion-mnist`, put the four IDX files in {cache}, or run once with internet access"
            ),
            DatasetKind::Folder => {
                "pass --data-dir DIR with DIR/train/<class>/*.png and DIR/test/<class>/*.png".into()
            }
            _ => format!(
                "put the official files in {cache} (or pass --data-dir, or set {DATA_DIR_ENV}), or run once with internet access to download them"
            ),
        }
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for DatasetKind {
    type Err = DatasetError;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.to_ascii_lowercase().replace('_', "-");
        DatasetKind::ALL
            .into_iter()
            .find(|k| k.id() == wanted || (wanted == "fashion" && *k == DatasetKind::FashionMnist))
            .ok_or_else(|| {
                let names: Vec<&str> = DatasetKind::ALL.iter().map(|k| k.id()).collect();
                DatasetError::Invalid(format!(
                    "unknown dataset '{s}' (known: {})",
                    names.join(", ")
                ))
            })
    }
}

/// `<user cache>/cnn-zoo/<dataset>`.
pub fn cache_dir(kind: DatasetKind) -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("cnn-zoo").join(kind.id()))
}

/// Where to look and whether to download.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// An explicit folder: the only place searched (and the download target).
    pub data_dir: Option<PathBuf>,
    /// Download the official files when the data is not found (needs the `download` feature).
    pub download: bool,
    /// For image folders: the shape images are decoded into (default `[3, 32, 32]`).
    pub folder_shape: Option<[usize; 3]>,
}

/// Where a dataset was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In this folder.
    Dir(PathBuf),
    /// The Fashion-MNIST subset shipped in this crate (1,000 train, 500 test images).
    BundledSubset,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Dir(d) => write!(f, "{}", d.display()),
            Location::BundledSubset => {
                f.write_str("the Fashion-MNIST subset shipped with zoo-datasets")
            }
        }
    }
}

/// A dataset's two official splits and where they came from.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// Which dataset.
    pub kind: DatasetKind,
    /// The training split.
    pub train: ImageSet,
    /// The test split.
    pub test: ImageSet,
    /// Where it was found.
    pub location: Location,
}

/// The folders searched for `kind`, in order.
pub fn search_path(kind: DatasetKind, options: &LoadOptions) -> Vec<PathBuf> {
    if let Some(dir) = &options.data_dir {
        return vec![dir.clone(), dir.join(kind.id())];
    }
    let mut dirs = Vec::new();
    if let Some(root) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        let root = PathBuf::from(root);
        dirs.push(root.join(kind.id()));
        dirs.push(root);
    }
    dirs.extend(cache_dir(kind));
    dirs.extend(kind.system_dirs());
    dirs
}

/// Finds and loads both splits of `kind`, searching [`search_path`].
///
/// An explicit [`LoadOptions::data_dir`] is used or refused: a file there, or a folder without
/// the dataset (after a download into it, when downloading is on, failed), is an error; the
/// shipped Fashion-MNIST subset stands in only when no folder was named.
pub fn load(kind: DatasetKind, options: &LoadOptions) -> Result<LoadedDataset> {
    if let Some(dir) = &options.data_dir
        && dir.exists()
        && !dir.is_dir()
    {
        return Err(DatasetError::NotAFolder { path: dir.clone() });
    }
    load_searching(kind, &search_path(kind, options), options)
}

/// [`load`] with another list of folders to search, in order.
pub fn load_searching(
    kind: DatasetKind,
    searched: &[PathBuf],
    options: &LoadOptions,
) -> Result<LoadedDataset> {
    let found = searched.iter().find(|d| kind.is_in(d)).cloned();
    let dir = match found {
        Some(dir) => Some(dir),
        None => try_download(kind, options)?,
    };
    match dir {
        Some(dir) => load_from(kind, &dir, options),
        // A folder the user named: that folder or an error, never other data.
        None if options.data_dir.is_some() => Err(not_found(kind, searched)),
        None if kind == DatasetKind::FashionMnist => {
            let list: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
            eprintln!(
                "note: Fashion-MNIST not found (searched: {}); using the 1,000-image training / 500-image test subset shipped with zoo-datasets. For the full 70,000 images: {}.",
                list.join(", "),
                kind.hint()
            );
            bundled_fashion_mnist()
        }
        None => Err(not_found(kind, searched)),
    }
}

fn not_found(kind: DatasetKind, searched: &[PathBuf]) -> DatasetError {
    let list: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
    DatasetError::NotFound {
        dataset: kind.id().into(),
        searched: if list.is_empty() {
            "nowhere (no folder given)".into()
        } else {
            list.join(", ")
        },
        hint: format!(
            "a data folder holds {}; {}",
            kind.expected_files(),
            kind.hint()
        ),
    }
}

/// Downloads into the explicit folder or the cache; `Ok(None)` when downloading is off or fails
/// for want of a network (the failure is reported on stderr).
fn try_download(kind: DatasetKind, options: &LoadOptions) -> Result<Option<PathBuf>> {
    if !options.download || kind.remotes().is_empty() {
        return Ok(None);
    }
    let Some(target) = options.data_dir.clone().or_else(|| cache_dir(kind)) else {
        return Ok(None);
    };
    for remote in kind.remotes() {
        match fetch(remote, &target) {
            Ok(_) => {}
            Err(err @ DatasetError::Checksum { .. }) => return Err(err),
            Err(err) => {
                eprintln!("note: {err} (no internet access?)");
                return Ok(None);
            }
        }
    }
    Ok(Some(target))
}

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
                load_idx_split(name, dir, Split::Train, classes.clone())?,
                load_idx_split(name, dir, Split::Test, classes)?,
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
                load_cifar_split(name, &batches, cifar, Split::Train)?,
                load_cifar_split(name, &batches, cifar, Split::Test)?,
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

const SUBSET_TRAIN_IMAGES: &[u8] =
    include_bytes!("../data/fashion-mnist-subset/train-images-idx3-ubyte.gz");
const SUBSET_TRAIN_LABELS: &[u8] =
    include_bytes!("../data/fashion-mnist-subset/train-labels-idx1-ubyte.gz");
const SUBSET_TEST_IMAGES: &[u8] =
    include_bytes!("../data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz");
const SUBSET_TEST_LABELS: &[u8] =
    include_bytes!("../data/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz");

/// The Fashion-MNIST subset shipped in this crate: the first 1,000 training and 500 test
/// images of the real dataset.
pub fn bundled_fashion_mnist() -> Result<LoadedDataset> {
    let classes: Vec<String> = FASHION_MNIST_CLASSES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let split = |split: Split, images: &[u8], labels: &[u8]| -> Result<ImageSet> {
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
        train: split(Split::Train, SUBSET_TRAIN_IMAGES, SUBSET_TRAIN_LABELS)?,
        test: split(Split::Test, SUBSET_TEST_IMAGES, SUBSET_TEST_LABELS)?,
        location: Location::BundledSubset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        for kind in DatasetKind::ALL {
            assert_eq!(kind.id().parse::<DatasetKind>().unwrap(), kind);
        }
        assert_eq!(
            "Fashion_MNIST".parse::<DatasetKind>().unwrap(),
            DatasetKind::FashionMnist
        );
        let err = "imagenet".parse::<DatasetKind>().unwrap_err();
        assert!(
            err.to_string().contains("known: fashion-mnist, mnist"),
            "{err}"
        );
    }

    #[test]
    fn explicit_dir_is_the_only_place_searched() {
        let opts = LoadOptions {
            data_dir: Some("/data/x".into()),
            ..Default::default()
        };
        let path = search_path(DatasetKind::Cifar10, &opts);
        assert_eq!(
            path,
            vec![PathBuf::from("/data/x"), PathBuf::from("/data/x/cifar10")]
        );
    }

    #[test]
    fn every_remote_has_a_file_name_and_an_md5() {
        for kind in DatasetKind::ALL {
            for remote in kind.remotes() {
                assert!(remote.url.starts_with("http"), "{}", remote.url);
                assert_eq!(remote.md5.len(), 32, "{}", remote.url);
                assert!(remote.md5.chars().all(|c| c.is_ascii_hexdigit()));
            }
        }
        let names: Vec<&str> = DatasetKind::FashionMnist
            .remotes()
            .iter()
            .map(|r| r.file_name())
            .collect();
        assert_eq!(names[0], "train-images-idx3-ubyte.gz");
        assert_eq!(
            DatasetKind::Cifar10.remotes()[0].file_name(),
            "cifar-10-binary.tar.gz"
        );
    }
}
