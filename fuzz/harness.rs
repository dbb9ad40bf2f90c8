//! What each fuzz target does with its input: exactly what the zoo does with a file of that kind,
//! from its bytes. A returned error is the right answer to a bad file; a panic, an abort or a
//! run-away allocation is a bug.
//!
//! The same functions replay the committed corpus as an ordinary test
//! (`models/lecture-cnn/tests/fuzz_corpus.rs`), so CI re-checks every input found here.

// Each user of this file calls a different part of it.
#![allow(dead_code)]

use std::path::Path;

use burn::tensor::Device;
use lecture_cnn::{LectureCnn, LectureCnnConfig};
use zoo_datasets::OfficialSplit;
use zoo_datasets::cifar::{self, CifarKind};
use zoo_datasets::{folder, idx, mnist};

/// A fuzz target: takes any bytes, must not panic.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name: the corpus folders under `fuzz/corpus/`.
pub const TARGETS: [(&str, Target); 7] = [
    ("idx", idx),
    ("idx_gz", idx_gz),
    ("cifar_batch", cifar_batch),
    ("cifar_targz", cifar_targz),
    ("image", image),
    ("burnpack", burnpack),
    ("run_config", run_config),
];

/// An IDX file as images (rank 3) and as labels (rank 1); a two-byte split point makes the
/// rest an images file and a labels file that become an MNIST-style set.
pub fn idx(data: &[u8]) {
    let path = Path::new("fuzz-idx");
    let _ = idx::parse_idx(path, data, 3);
    let _ = idx::parse_idx(path, data, 1);
    if data.len() < 2 {
        return;
    }
    let rest = &data[2..];
    let mid = usize::from(u16::from_le_bytes([data[0], data[1]])).min(rest.len());
    let (images, labels) = rest.split_at(mid);
    let (Ok(images), Ok(labels)) = (
        idx::parse_idx(Path::new("images"), images, 3),
        idx::parse_idx(Path::new("labels"), labels, 1),
    ) else {
        return;
    };
    let classes = (0..10).map(|i| i.to_string()).collect();
    if let Ok(set) = mnist::idx_set(
        "fuzz",
        ("images".into(), images),
        ("labels".into(), labels),
        classes,
    ) {
        use burn::data::dataset::Dataset;
        for i in 0..set.len().min(4) {
            let _ = set.get(i);
        }
    }
}

/// A gzipped IDX file, decompressed as the loader does for `*.gz`, then parsed.
pub fn idx_gz(data: &[u8]) {
    if let Ok(bytes) = idx::gunzip(Path::new("fuzz-idx.gz"), data) {
        idx(&bytes);
    }
}

/// A CIFAR-10 and a CIFAR-100 binary batch.
pub fn cifar_batch(data: &[u8]) {
    for kind in [CifarKind::Cifar10, CifarKind::Cifar100] {
        let _ = cifar::parse_batch(Path::new("fuzz-batch.bin"), data, kind);
    }
}

/// The official CIFAR-10 `.tar.gz`, unpacked into a fresh folder and its test split loaded.
pub fn cifar_targz(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let kind = CifarKind::Cifar10;
    if std::fs::write(dir.path().join(kind.archive()), data).is_err() {
        return;
    }
    if let Ok(Some(batches)) = cifar::unpack_archive(dir.path(), kind) {
        let _ = cifar::load_cifar_split("fuzz", &batches, kind, OfficialSplit::Test);
    }
}

/// An image file of an image-folder dataset (PNG or JPEG), decoded into grey and RGB inputs.
pub fn image(data: &[u8]) {
    for shape in [[1, 28, 28], [3, 32, 32]] {
        let _ = folder::decode_image_bytes(Path::new("fuzz.png"), data, shape);
    }
}

// Small (2 base filters) so that a whole weights file is a short fuzz input.
thread_local! {
    static MODEL: LectureCnn = LectureCnnConfig::new(10)
        .with_base_filters(2)
        .init(&Device::flex())
        .expect("the lecture CNN with 2 base filters builds");
}

/// A burnpack weights file, parsed and loaded into the lecture CNN.
pub fn burnpack(data: &[u8]) {
    let path = Path::new("fuzz.bpk");
    let Ok(record) = zoo_core::parse_record(path, data.to_vec()) else {
        return;
    };
    let model = MODEL.with(Clone::clone);
    let _ = zoo_core::fit_record(model, path, record);
}

/// A run's `config.json`, read as `eval`, `predict` and `train --resume` do.
pub fn run_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("config.json");
    if let Ok(config) = zoo_train::TrainConfig::<LectureCnnConfig>::parse(path, text, "lecture-cnn")
    {
        let _ = config.model.num_params();
    }
}
