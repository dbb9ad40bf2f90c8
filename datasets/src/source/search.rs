//! Where a dataset is looked for, in order: an explicit data directory; `$ZOO_DATA_DIR/<dataset>`;
//! the user's cache (`~/.cache/cnn-zoo/<dataset>` on Linux); known system locations (Debian's
//! `/usr/share/datasets/fashion-mnist`). Then, online, the official files are downloaded into the
//! cache (or the explicit directory) and checked against their published MD5. Offline and not
//! found, Fashion-MNIST falls back to the subset shipped in this crate, announced on stderr,
//! unless a folder was named; any other dataset is an error that says where it looked and how
//! to get the data.

use std::fmt;
use std::path::PathBuf;

use super::bundled::bundled_fashion_mnist;
use super::kind::DatasetKind;
use super::load_dir::load_from;
use crate::download::fetch;
use crate::error::{DatasetError, Result};
use crate::image_set::ImageSet;

/// The environment variable naming a folder that holds one sub-folder per dataset.
pub const DATA_DIR_ENV: &str = "ZOO_DATA_DIR";

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
