//! The datasets the zoo knows: names, shapes, classes, normalisation, official files (URLs and
//! MD5s) and what a folder must hold.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::search::{DATA_DIR_ENV, cache_dir};
use crate::batcher::Normalization;
use crate::cifar::{CifarKind, batch_dir};
use crate::download::Remote;
use crate::error::{DatasetError, Result};
use crate::mnist::has_idx_files;

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

    pub(super) fn cifar(self) -> Option<CifarKind> {
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

    pub(super) fn hint(self) -> String {
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
                DatasetError::UnknownDataset {
                    name: s.to_string(),
                    known: names.join(", "),
                }
            })
    }
}
