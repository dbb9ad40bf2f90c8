//! The real Fashion-MNIST: the shipped subset always, the full Debian package when installed
//! (`apt-get install dataset-fashion-mnist`; CI installs it and sets `CI`, which makes its
//! absence a failure rather than a skip).

use std::path::Path;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use zoo_datasets::{DatasetKind, ImageBatcher, LoadOptions, bundled_fashion_mnist, load_from};

const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";

#[test]
fn shipped_subset_is_real_fashion_mnist() {
    let data = bundled_fashion_mnist().unwrap();
    assert_eq!((data.train.len(), data.test.len()), (1000, 500));
    let hist = data.train.label_histogram();
    assert_eq!(hist.iter().sum::<usize>(), 1000);
    assert!(hist.iter().all(|&n| (70..=130).contains(&n)), "{hist:?}");
    let (mean, std) = data.train.pixel_stats()[0];
    assert!((mean - 0.286).abs() < 0.02, "mean {mean}");
    assert!((std - 0.353).abs() < 0.02, "std {std}");
    // The first test image of Fashion-MNIST is an ankle boot.
    assert_eq!(data.test.label(0), 9);
}

#[test]
fn full_debian_fashion_mnist() {
    let dir = Path::new(DEBIAN_DIR);
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install dataset-fashion-mnist ({DEBIAN_DIR} is missing)"
        );
        eprintln!("skipped: {DEBIAN_DIR} not installed (apt-get install dataset-fashion-mnist)");
        return;
    }
    let data = load_from(DatasetKind::FashionMnist, dir, &LoadOptions::default()).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_eq!(data.train.label_histogram(), vec![6_000; 10]);
    assert_eq!(data.test.label_histogram(), vec![1_000; 10]);
    let (mean, std) = data.train.pixel_stats()[0];
    assert!((mean - 0.286).abs() < 0.001, "mean {mean}");
    assert!((std - 0.353).abs() < 0.001, "std {std}");
    // The shipped subset is the head of the real training set.
    let subset = bundled_fashion_mnist().unwrap();
    assert_eq!(subset.train.image(999), data.train.image(999));
    assert_eq!(subset.test.image(499), data.test.image(499));
}

#[test]
fn batches_have_the_models_shape_and_normalised_statistics() {
    let data = bundled_fashion_mnist().unwrap();
    let batcher = ImageBatcher::new([1, 28, 28], DatasetKind::FashionMnist.normalization());
    let items: Vec<_> = (0..500).map(|i| data.test.get(i).unwrap()).collect();
    let batch = batcher.batch(items.clone(), &Device::flex());
    assert_eq!(batch.images.dims(), [500, 1, 28, 28]);
    let mean = batch.images.clone().mean().into_scalar::<f32>();
    let std = batch
        .images
        .flatten::<1>(0, 3)
        .var(0)
        .sqrt()
        .into_scalar::<f32>();
    assert!(mean.abs() < 0.05, "normalised mean {mean}");
    assert!((std - 1.0).abs() < 0.1, "normalised std {std}");
    assert_eq!(batch.targets.slice(0..1).into_scalar::<i64>(), 9);
    // Padded to 32x32 for the lecture CNN, and to 3 channels for an RGB model.
    let padded = ImageBatcher::new([3, 32, 32], DatasetKind::FashionMnist.normalization());
    let batch = padded.batch(items[..4].to_vec(), &Device::flex());
    assert_eq!(batch.images.dims(), [4, 3, 32, 32]);
}
