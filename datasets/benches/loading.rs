//! Decoding Fashion-MNIST and batching it (`cargo bench -p zoo-datasets`).
//!
//! Goals (issue 3): decoding the full Fashion-MNIST well under 1 s; batching under 5% of a
//! lecture-CNN training step (about 180 ms at batch 64 on flex here, see `lecture-cnn bench`).
//! Uses Debian's full dataset when installed, else the shipped subset.

use std::hint::black_box;
use std::path::Path;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::tensor::Device;
use criterion::{Criterion, criterion_group, criterion_main};
use zoo_datasets::{DatasetKind, ImageBatcher, LoadOptions, bundled_fashion_mnist, load_from};

const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    if Path::new(DEBIAN_DIR).is_dir() {
        group.bench_function("fashion-mnist full (70,000 images, gzip + IDX)", |b| {
            b.iter(|| {
                load_from(
                    DatasetKind::FashionMnist,
                    Path::new(DEBIAN_DIR),
                    &LoadOptions::default(),
                )
                .unwrap()
            })
        });
    }
    group.bench_function("fashion-mnist shipped subset (1,500 images)", |b| {
        b.iter(|| bundled_fashion_mnist().unwrap())
    });
    group.finish();
}

fn batch(c: &mut Criterion) {
    let data = bundled_fashion_mnist().unwrap();
    let device = Device::flex();
    let items: Vec<_> = (0..64).map(|i| data.train.get(i).unwrap()).collect();
    let batcher = ImageBatcher::new([1, 32, 32], DatasetKind::FashionMnist.normalization());
    c.bench_function("batch 64 items 28x28 -> [64, 1, 32, 32] on flex", |b| {
        b.iter(|| black_box(batcher.batch(items.clone(), &device)))
    });
    let rgb = ImageBatcher::new([3, 32, 32], DatasetKind::FashionMnist.normalization());
    c.bench_function("batch 64 items 28x28 -> [64, 3, 32, 32] on flex", |b| {
        b.iter(|| black_box(rgb.batch(items.clone(), &device)))
    });
}

criterion_group!(benches, decode, batch);
criterion_main!(benches);
