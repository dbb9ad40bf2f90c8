//! Loading every format from generated files, and refusing every kind of bad file.

mod fixtures;

use burn::data::dataset::Dataset;
use fixtures::*;
use zoo_datasets::{
    DatasetError, DatasetKind, LoadOptions, Location, load, load_from, load_searching,
};

fn opts() -> LoadOptions {
    LoadOptions::default()
}

#[test]
fn idx_plain_and_gzipped() {
    for gz in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        write_idx_dataset(dir.path(), 30, 20, gz);
        let data = load_from(DatasetKind::Mnist, dir.path(), &opts()).unwrap();
        assert_eq!((data.train.len(), data.test.len()), (30, 20));
        assert_eq!(data.train.shape(), [1, 28, 28]);
        assert_eq!(data.train.label(13), 3);
        assert_eq!(usize::from(data.test.image(1)[0]), 784 % 251);
        assert_eq!(data.location, Location::Dir(dir.path().into()));
    }
}

#[test]
fn missing_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 10, 10, true);
    std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let err = load_from(DatasetKind::FashionMnist, dir.path(), &opts()).unwrap_err();
    assert!(matches!(err, DatasetError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("t10k-labels-idx1-ubyte"), "{err}");
}

#[test]
fn truncated_idx_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 10, 10, false);
    let path = dir.path().join("train-images-idx3-ubyte");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let err = load_from(DatasetKind::Mnist, dir.path(), &opts()).unwrap_err();
    assert!(matches!(err, DatasetError::Truncated { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("train-images-idx3-ubyte: truncated"),
        "{err}"
    );
}

#[test]
fn truncated_gzip_stream_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 10, 10, true);
    let path = dir.path().join("train-images-idx3-ubyte.gz");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_from(DatasetKind::Mnist, dir.path(), &opts()).unwrap_err();
    assert!(
        err.to_string().contains("train-images-idx3-ubyte.gz"),
        "{err}"
    );
}

#[test]
fn wrong_magic_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 10, 10, false);
    let path = dir.path().join("train-labels-idx1-ubyte");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[3] = 3; // labels claiming three dimensions
    std::fs::write(&path, bytes).unwrap();
    let err = load_from(DatasetKind::Mnist, dir.path(), &opts()).unwrap_err();
    assert!(
        err.to_string().contains("3 dimensions, expected 1"),
        "{err}"
    );
}

/// Found by reading for the fuzz campaign: dimensions whose product fits in 64 bits but not
/// once the 16-byte header is added wrapped around (a panic with overflow checks, a wrong
/// "trailing bytes" error without). The input is also in fuzz/corpus/idx/.
#[test]
fn idx_dimensions_that_overflow_with_the_header_are_refused() {
    // 65535 * 42009217 * 6700417 = 2^64 - 1.
    let dims = [65535u32, 42009217, 6700417];
    let mut bytes = vec![0, 0, 8, 3];
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    let err = zoo_datasets::idx::parse_idx(std::path::Path::new("big.idx"), &bytes, 3)
        .unwrap_err()
        .to_string();
    assert!(err.contains("big.idx") && err.contains("overflow"), "{err}");
}

#[test]
fn image_and_label_counts_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 10, 10, false);
    let other = tempfile::tempdir().unwrap();
    write_idx_dataset(other.path(), 12, 10, false);
    std::fs::copy(
        other.path().join("train-labels-idx1-ubyte"),
        dir.path().join("train-labels-idx1-ubyte"),
    )
    .unwrap();
    let err = load_from(DatasetKind::Mnist, dir.path(), &opts()).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::CountMismatch {
                images: 10,
                labels: 12,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn label_out_of_range_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dataset(dir.path(), 10, 10, false);
    let path = dir.path().join("t10k-labels-idx1-ubyte");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[8 + 4] = 10;
    std::fs::write(&path, bytes).unwrap();
    let err = load_from(DatasetKind::Mnist, dir.path(), &opts()).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::LabelOutOfRange {
                index: 4,
                label: 10,
                classes: 10,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn cifar10_batches() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar10(&dir.path().join("cifar-10-batches-bin"), 7);
    let data = load_from(DatasetKind::Cifar10, dir.path(), &opts()).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (35, 7));
    assert_eq!(data.train.shape(), [3, 32, 32]);
    assert_eq!(data.test.classes()[3], "cat");
    let item = data.test.get(3).unwrap();
    assert_eq!(item.label, 3);
    // Channel-major: red plane first, then green, then blue.
    assert_eq!(
        (item.pixels[0], item.pixels[1024], item.pixels[2048]),
        (30, 31, 32)
    );
}

#[test]
fn cifar10_archive_is_unpacked() {
    let staging = tempfile::tempdir().unwrap();
    write_cifar10(&staging.path().join("cifar-10-batches-bin"), 3);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("cifar-10-binary.tar.gz");
    let enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(enc);
    tar.append_dir_all(
        "cifar-10-batches-bin",
        staging.path().join("cifar-10-batches-bin"),
    )
    .unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let options = LoadOptions {
        data_dir: Some(dir.path().into()),
        ..opts()
    };
    let data = load(DatasetKind::Cifar10, &options).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (15, 3));
}

#[test]
fn cifar_size_not_a_multiple_of_the_record() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar10(dir.path(), 2);
    let path = dir.path().join("data_batch_3.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.pop();
    std::fs::write(&path, bytes).unwrap();
    let err = load_from(DatasetKind::Cifar10, dir.path(), &opts()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("data_batch_3.bin"), "{text}");
    assert!(text.contains("not a multiple of the 3073-byte"), "{text}");
}

#[test]
fn cifar_label_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar10(dir.path(), 2);
    let path = dir.path().join("test_batch.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[3073] = 12;
    std::fs::write(&path, bytes).unwrap();
    let err = load_from(DatasetKind::Cifar10, dir.path(), &opts()).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::LabelOutOfRange {
                index: 1,
                label: 12,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn cifar100_fine_labels() {
    let dir = tempfile::tempdir().unwrap();
    let record = |coarse: u8, fine: u8| {
        let mut r = vec![coarse, fine];
        r.extend(std::iter::repeat_n(fine, 3072));
        r
    };
    let batch: Vec<u8> = (0..4).flat_map(|i| record(i, 90 + i)).collect();
    std::fs::write(dir.path().join("train.bin"), &batch).unwrap();
    std::fs::write(dir.path().join("test.bin"), &batch[..3074]).unwrap();
    let data = load_from(DatasetKind::Cifar100, dir.path(), &opts()).unwrap();
    assert_eq!(data.train.len(), 4);
    assert_eq!(data.train.label(2), 92);
    assert_eq!(data.train.classes().len(), 100);
}

#[test]
fn image_folders_train_and_test() {
    let dir = tempfile::tempdir().unwrap();
    write_image_folder(&dir.path().join("train"), &["cat", "dog", "emu"], 3, 40);
    write_image_folder(&dir.path().join("test"), &["cat", "dog", "emu"], 2, 16);
    let options = LoadOptions {
        folder_shape: Some([3, 32, 32]),
        ..opts()
    };
    let data = load_from(DatasetKind::Folder, dir.path(), &options).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (9, 6));
    assert_eq!(data.train.classes(), ["cat", "dog", "emu"]);
    assert_eq!(data.train.label_histogram(), vec![3, 3, 3]);
    // Resized from 40x40 and 16x16 to 32x32; the blue channel of "cat" stays near 255.
    let item = data.test.get(0).unwrap();
    assert_eq!(item.pixels.len(), 3 * 32 * 32);
    assert!(item.pixels[2 * 1024 + 500] > 240);
}

#[test]
fn empty_class_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_image_folder(&dir.path().join("train"), &["a", "b"], 2, 8);
    write_image_folder(&dir.path().join("test"), &["a", "b"], 1, 8);
    std::fs::create_dir_all(dir.path().join("train/c")).unwrap();
    let err = load_from(DatasetKind::Folder, dir.path(), &opts()).unwrap_err();
    assert!(matches!(err, DatasetError::EmptyFolder { .. }), "{err}");
    assert!(err.to_string().contains("train/c"), "{err}");
}

#[test]
fn undecodable_image_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_image_folder(&dir.path().join("train"), &["a", "b"], 2, 8);
    write_image_folder(&dir.path().join("test"), &["a", "b"], 1, 8);
    std::fs::write(dir.path().join("train/b/broken.png"), b"\x89PNG not really").unwrap();
    let err = load_from(DatasetKind::Folder, dir.path(), &opts()).unwrap_err();
    assert!(matches!(err, DatasetError::Image { .. }), "{err}");
    assert!(err.to_string().contains("broken.png"), "{err}");
}

#[test]
fn not_found_says_where_it_looked_and_how_to_get_the_data() {
    let empty = tempfile::tempdir().unwrap();
    let searched = vec![empty.path().join("a"), empty.path().join("b")];
    let err = load_searching(DatasetKind::Cifar10, &searched, &opts()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DatasetError::NotFound { .. }), "{text}");
    assert!(text.contains(&searched[1].display().to_string()), "{text}");
    assert!(text.contains("internet access"), "{text}");
}

#[test]
fn a_named_folder_is_used_or_refused_never_replaced_by_the_subset() {
    // Fashion-MNIST, the dataset with a shipped subset to fall back on.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let typo = tmp.path().join("fashon-mnist");
    for (dir, expected) in [
        (&file, "not a folder"),
        (&empty, "fashion-mnist not found"),
        (&typo, "fashion-mnist not found"),
    ] {
        let options = LoadOptions {
            data_dir: Some(dir.clone()),
            ..opts()
        };
        let err = load(DatasetKind::FashionMnist, &options).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expected), "{text}");
        assert!(text.contains(&dir.display().to_string()), "{text}");
        if expected != "not a folder" {
            // What the folder should hold, so the user sees what is missing.
            assert!(text.contains("train-images-idx3-ubyte"), "{text}");
        }
    }
    // The same folder with the data in it is used.
    write_idx_dataset(&empty, 6, 4, true);
    let options = LoadOptions {
        data_dir: Some(empty.clone()),
        ..opts()
    };
    let data = load(DatasetKind::FashionMnist, &options).unwrap();
    assert_eq!((data.train.len(), data.location), (6, Location::Dir(empty)));
}

#[test]
fn fashion_mnist_falls_back_to_the_shipped_subset() {
    let empty = tempfile::tempdir().unwrap();
    let data = load_searching(DatasetKind::FashionMnist, &[empty.path().into()], &opts()).unwrap();
    assert_eq!(data.location, Location::BundledSubset);
    assert_eq!((data.train.len(), data.test.len()), (1000, 500));
}

#[test]
fn the_first_folder_that_holds_the_data_wins() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    write_idx_dataset(second.path(), 5, 5, true);
    let third = tempfile::tempdir().unwrap();
    write_idx_dataset(third.path(), 7, 7, true);
    let searched = vec![
        first.path().into(),
        second.path().into(),
        third.path().into(),
    ];
    let data = load_searching(DatasetKind::Mnist, &searched, &opts()).unwrap();
    assert_eq!(data.train.len(), 5);
    assert_eq!(data.location, Location::Dir(second.path().into()));
}
