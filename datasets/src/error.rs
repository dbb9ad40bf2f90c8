//! Every way a dataset can be refused, each naming the file and what is wrong.

use std::path::PathBuf;

use thiserror::Error;

/// Why a dataset could not be loaded. Each variant names the file it is about.
#[derive(Debug, Error)]
pub enum DatasetError {
    /// A file that must exist does not.
    #[error("{}: file not found", path.display())]
    Missing {
        /// The missing file.
        path: PathBuf,
    },
    /// Reading or decompressing a file failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
    /// A file ends before the data its header announces.
    #[error("{}: truncated: {what} needs {expected} bytes, the file has {actual}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What was being read.
        what: String,
        /// Bytes needed.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// A file that is not in the expected format (magic number, dimensions, trailing bytes).
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Image and label files that disagree on the number of examples.
    #[error("{} has {images} images but {} has {labels} labels", images_path.display(), labels_path.display())]
    CountMismatch {
        /// The image file.
        images_path: PathBuf,
        /// The label file.
        labels_path: PathBuf,
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A label outside `0..classes`.
    #[error("{}: label {label} of example {index} is out of range (the dataset has {classes} classes)", path.display())]
    LabelOutOfRange {
        /// The file.
        path: PathBuf,
        /// The example's index.
        index: usize,
        /// The label found.
        label: usize,
        /// The number of classes.
        classes: usize,
    },
    /// An image file that cannot be decoded.
    #[error("{}: cannot decode image: {reason}", path.display())]
    Image {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        reason: String,
    },
    /// An image folder with a class folder that holds no image, or no class folder at all.
    #[error("{}: {reason}", path.display())]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// A downloaded file whose checksum differs from the published one.
    #[error("{}: MD5 checksum mismatch: expected {expected}, got {actual} (the file was removed; download it again)", path.display())]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The published checksum.
        expected: String,
        /// The checksum of the file.
        actual: String,
    },
    /// A download that failed.
    #[error("downloading {url}: {reason}")]
    Download {
        /// The address.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A dataset too large for the memory that can be reserved.
    #[error("{}: {images} images need {megabytes} MB of memory, which cannot be reserved", path.display())]
    OutOfMemory {
        /// The dataset's folder.
        path: PathBuf,
        /// Number of images.
        images: usize,
        /// The memory they need, decoded.
        megabytes: usize,
    },
    /// An explicit `--data-dir` that is a file, not a folder.
    #[error("{}: not a folder (the data folder holds the dataset's files)", path.display())]
    NotAFolder {
        /// The path given.
        path: PathBuf,
    },
    /// The dataset is in none of the places searched.
    #[error("{dataset} not found (searched: {searched}); {hint}")]
    NotFound {
        /// The dataset's name.
        dataset: String,
        /// The places searched, joined.
        searched: String,
        /// How to get the data.
        hint: String,
    },
    /// An image folder asked for a channel count other than 1 (grey) or 3 (RGB).
    #[error("image folders load 1 or 3 channels, not {channels}")]
    Channels {
        /// The channels asked for.
        channels: usize,
    },
    /// A dataset name that names no dataset.
    #[error("unknown dataset '{name}' (known: {known})")]
    UnknownDataset {
        /// The name given.
        name: String,
        /// The names known, comma-separated.
        known: String,
    },
    /// Pixels that do not divide into one image of `shape` per label.
    #[error("{name}: {bytes} bytes of pixels for {labels} labels of shape {shape:?}")]
    PixelCount {
        /// The set's name.
        name: String,
        /// Bytes of pixels given.
        bytes: usize,
        /// Labels given.
        labels: usize,
        /// The shape of one image.
        shape: [usize; 3],
    },
    /// A validation fraction outside `(0, 1)`.
    #[error("validation fraction {fraction} must be between 0 and 1 (exclusive)")]
    ValidationFraction {
        /// The fraction given.
        fraction: f64,
    },
    /// A validation fraction that leaves the training or the validation split empty.
    #[error("validation fraction {fraction} of {examples} examples leaves an empty split")]
    EmptySplit {
        /// The fraction given.
        fraction: f64,
        /// The examples split.
        examples: usize,
    },
}

impl DatasetError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            DatasetError::Missing { path }
        } else {
            DatasetError::Io {
                path,
                error: source,
            }
        }
    }

    pub(crate) fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        DatasetError::Format {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// Result with a [`DatasetError`].
pub type Result<T, E = DatasetError> = std::result::Result<T, E>;
