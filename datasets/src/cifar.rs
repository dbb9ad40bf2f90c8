//! CIFAR-10 and CIFAR-100 in their official binary format, from the folder or the `.tar.gz`.

use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::OfficialSplit;
use crate::error::{DatasetError, Result};
use crate::image_set::ImageSet;

/// CIFAR-10's ten classes, by label.
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Pixels of one CIFAR image: 3 x 32 x 32, channel-major.
pub const CIFAR_PIXELS: usize = 3 * 32 * 32;

/// Which CIFAR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CifarKind {
    /// 10 classes; a record is `<label><3072 pixels>`.
    Cifar10,
    /// 100 fine classes; a record is `<coarse><fine><3072 pixels>`.
    Cifar100,
}

impl CifarKind {
    /// Bytes of one record.
    pub fn record_size(self) -> usize {
        match self {
            CifarKind::Cifar10 => 1 + CIFAR_PIXELS,
            CifarKind::Cifar100 => 2 + CIFAR_PIXELS,
        }
    }

    /// The folder the official archive unpacks into.
    pub fn folder(self) -> &'static str {
        match self {
            CifarKind::Cifar10 => "cifar-10-batches-bin",
            CifarKind::Cifar100 => "cifar-100-binary",
        }
    }

    /// The official archive's file name.
    pub fn archive(self) -> &'static str {
        match self {
            CifarKind::Cifar10 => "cifar-10-binary.tar.gz",
            CifarKind::Cifar100 => "cifar-100-binary.tar.gz",
        }
    }

    /// The batch files of a split.
    pub fn files(self, split: OfficialSplit) -> Vec<String> {
        match (self, split) {
            (CifarKind::Cifar10, OfficialSplit::Train) => {
                (1..=5).map(|i| format!("data_batch_{i}.bin")).collect()
            }
            (CifarKind::Cifar10, OfficialSplit::Test) => vec!["test_batch.bin".into()],
            (CifarKind::Cifar100, OfficialSplit::Train) => vec!["train.bin".into()],
            (CifarKind::Cifar100, OfficialSplit::Test) => vec!["test.bin".into()],
        }
    }

    /// The file listing the class names, one per line.
    pub fn meta_file(self) -> &'static str {
        match self {
            CifarKind::Cifar10 => "batches.meta.txt",
            CifarKind::Cifar100 => "fine_label_names.txt",
        }
    }

    /// Number of classes.
    pub fn num_classes(self) -> usize {
        match self {
            CifarKind::Cifar10 => 10,
            CifarKind::Cifar100 => 100,
        }
    }
}

/// The folder holding the batch files: `dir` itself or `dir/<official folder>`.
pub fn batch_dir(dir: &Path, kind: CifarKind) -> Option<PathBuf> {
    [dir.join(kind.folder()), dir.to_path_buf()]
        .into_iter()
        .find(|d| {
            kind.files(OfficialSplit::Test)
                .iter()
                .all(|f| d.join(f).is_file())
        })
}

/// Unpacks the official `.tar.gz` found in `dir` (if any) next to it; returns the batch folder.
pub fn unpack_archive(dir: &Path, kind: CifarKind) -> Result<Option<PathBuf>> {
    let archive = dir.join(kind.archive());
    if !archive.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(&archive).map_err(|e| DatasetError::io(&archive, e))?;
    tar::Archive::new(GzDecoder::new(file))
        .unpack(dir)
        .map_err(|e| DatasetError::format(&archive, format!("cannot unpack: {e}")))?;
    batch_dir(dir, kind).map(Some).ok_or_else(|| {
        DatasetError::format(
            &archive,
            format!("the archive holds no {} folder", kind.folder()),
        )
    })
}

/// Decodes the records of one batch file; refuses a size that is not a multiple of the record
/// size and labels out of range.
pub fn parse_batch(path: &Path, bytes: &[u8], kind: CifarKind) -> Result<(Vec<u8>, Vec<u16>)> {
    let record = kind.record_size();
    if bytes.is_empty() || !bytes.len().is_multiple_of(record) {
        return Err(DatasetError::format(
            path,
            format!(
                "size {} is not a multiple of the {record}-byte {kind:?} record",
                bytes.len()
            ),
        ));
    }
    let n = bytes.len() / record;
    let mut pixels = Vec::with_capacity(n * CIFAR_PIXELS);
    let mut labels = Vec::with_capacity(n);
    for (index, rec) in bytes.chunks_exact(record).enumerate() {
        let label = match kind {
            CifarKind::Cifar10 => rec[0],
            CifarKind::Cifar100 => rec[1],
        } as usize;
        if label >= kind.num_classes() {
            return Err(DatasetError::LabelOutOfRange {
                path: path.into(),
                index,
                label,
                classes: kind.num_classes(),
            });
        }
        labels.push(label as u16);
        pixels.extend_from_slice(&rec[record - CIFAR_PIXELS..]);
    }
    Ok((pixels, labels))
}

/// The class names: from the meta file when present, CIFAR-10's built-in list otherwise, or
/// `class_N` for CIFAR-100 without its meta file.
fn class_names(dir: &Path, kind: CifarKind) -> Result<Vec<String>> {
    let meta = dir.join(kind.meta_file());
    if meta.is_file() {
        let text = std::fs::read_to_string(&meta).map_err(|e| DatasetError::io(&meta, e))?;
        let names: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        if names.len() != kind.num_classes() {
            return Err(DatasetError::format(
                &meta,
                format!(
                    "{} class names, expected {}",
                    names.len(),
                    kind.num_classes()
                ),
            ));
        }
        return Ok(names);
    }
    Ok(match kind {
        CifarKind::Cifar10 => CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect(),
        CifarKind::Cifar100 => (0..100).map(|i| format!("class_{i}")).collect(),
    })
}

/// Loads one split from a folder of batch files.
pub fn load_cifar_split(
    name: &str,
    dir: &Path,
    kind: CifarKind,
    split: OfficialSplit,
) -> Result<ImageSet> {
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for file in kind.files(split) {
        let path = dir.join(&file);
        let bytes = std::fs::read(&path).map_err(|e| DatasetError::io(&path, e))?;
        let (p, l) = parse_batch(&path, &bytes, kind)?;
        pixels.extend(p);
        labels.extend(l);
    }
    ImageSet::new(
        format!("{name}/{split}"),
        [3, 32, 32],
        pixels,
        labels,
        class_names(dir, kind)?,
    )
}
