//! Each fast kernel against Burn's stock op on flex, at the shapes of the lecture CNN's training
//! step (batch 64, 1x32x32) and of VGG-16 (3x32x32 at batch 64, 224x224 at batch 1): forward
//! and backward together where the op trains, forward alone for inference.
//!
//! `cargo bench -p zoo-kernels --features flex` (all), or a filter:
//! `cargo bench -p zoo-kernels --features flex -- lecture/conv2`. `bench/kernel-table.py` turns
//! the results into the per-op table of docs/benchmarks.md.

use std::cell::RefCell;
use std::hint::black_box;
use std::time::Duration;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{DropoutConfig, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Distribution, Tensor};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use zoo_kernels::{FusedAdamConfig, with_kernels};

/// As in the zoo's binaries (see their `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PATHS: [(&str, bool); 2] = [("stock", false), ("fast", true)];

fn images(shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

fn conv(channels: [usize; 2], same: bool, device: &Device) -> Conv2d {
    let padding = if same {
        PaddingConfig2d::Same
    } else {
        PaddingConfig2d::Valid
    };
    Conv2dConfig::new(channels, [3, 3])
        .with_padding(padding)
        .init(device)
}

/// A convolution + ReLU layer: forward and backward (as in training; the input's gradient only
/// past the first layer), and forward alone.
fn bench_conv(c: &mut Criterion, group: &str, x: [usize; 4], out: usize, same: bool) {
    let train = Device::flex().autodiff();
    let layer = conv([x[1], out], same, &train);
    let mut input = images(x, &train);
    if !group.ends_with("conv1") {
        input = input.require_grad();
    }
    let mut g = c.benchmark_group(group);
    for (name, fast) in PATHS {
        g.bench_function(BenchmarkId::new("train", name), |b| {
            b.iter(|| {
                with_kernels(fast, || {
                    let y = zoo_kernels::conv2d_relu(&layer, input.clone());
                    black_box(y.sum().backward())
                })
            })
        });
    }
    let plain = layer.valid();
    let input = input.inner();
    for (name, fast) in PATHS {
        g.bench_function(BenchmarkId::new("infer", name), |b| {
            b.iter(|| {
                with_kernels(fast, || {
                    black_box(zoo_kernels::conv2d_relu(&plain, input.clone()))
                })
            })
        });
    }
    g.finish();
}

/// `op`'s forward and backward pass (`sum()` as the loss), with Burn's op and the zoo's kernel.
fn bench_train_op(
    c: &mut Criterion,
    group: &str,
    x: [usize; 4],
    op: impl Fn(Tensor<4>) -> Tensor<4>,
) {
    let device = Device::flex().autodiff();
    let input = images(x, &device).require_grad();
    let mut g = c.benchmark_group(group);
    for (name, fast) in PATHS {
        g.bench_function(BenchmarkId::new("train", name), |b| {
            b.iter(|| with_kernels(fast, || black_box(op(input.clone()).sum().backward())))
        });
    }
    g.finish();
}

/// 2x2 max pooling.
fn bench_pool(c: &mut Criterion, group: &str, x: [usize; 4]) {
    let pool = MaxPool2dConfig::new([2, 2]).init();
    bench_train_op(c, group, x, |t| zoo_kernels::max_pool2d(&pool, t));
}

/// Dropout.
fn bench_dropout(c: &mut Criterion, group: &str, x: [usize; 4], prob: f64) {
    let layer = DropoutConfig::new(prob).init();
    bench_train_op(c, group, x, |t| zoo_kernels::dropout(&layer, t));
}

/// A dense layer's inference on one row (the latency case).
fn bench_linear(c: &mut Criterion, group: &str, d_in: usize, d_out: usize) {
    let device = Device::flex();
    let layer = LinearConfig::new(d_in, d_out).init(&device);
    let x = Tensor::<2>::random([1, d_in], Distribution::Normal(0.0, 1.0), &device);
    let mut g = c.benchmark_group(group);
    for (name, fast) in PATHS {
        g.bench_function(BenchmarkId::new("infer", name), |b| {
            b.iter(|| with_kernels(fast, || black_box(zoo_kernels::linear(&layer, x.clone()))))
        });
    }
    g.finish();
}

/// One Adam step over the lecture CNN's parameters (870,058, in its layers' shapes).
fn bench_adam(c: &mut Criterion) {
    let device = Device::flex().autodiff();
    let model = (
        conv([1, 36], true, &device),
        conv([36, 72], true, &device),
        conv([72, 144], false, &device),
        LinearConfig::new(1296, 576).init(&device),
        LinearConfig::new(576, 10).init(&device),
    );
    let x = images([8, 1, 32, 32], &device);
    let forward = |m: &(Conv2d, Conv2d, Conv2d, burn::nn::Linear, burn::nn::Linear)| {
        let a = m.0.forward(x.clone()).mean();
        let b = m.1.forward(images([1, 36, 8, 8], &device)).mean();
        let c = m.2.forward(images([1, 72, 8, 8], &device)).mean();
        let d = m.3.forward(Tensor::<2>::ones([1, 1296], &device)).mean();
        let e = m.4.forward(Tensor::<2>::ones([1, 576], &device)).mean();
        a + b + c + d + e
    };
    let mut g = c.benchmark_group("lecture/adam");
    for (name, fast) in PATHS {
        let optim: RefCell<ModuleOptimizer> = RefCell::new(if fast {
            FusedAdamConfig::new().init()
        } else {
            AdamConfig::new().init()
        });
        let current = RefCell::new(Some(model.clone()));
        g.bench_function(BenchmarkId::new("step", name), |b| {
            b.iter_batched(
                // Untimed: the gradients of the current parameters.
                || {
                    let m = current.borrow_mut().take().unwrap();
                    let grads = GradientsParams::from_grads(forward(&m).backward(), &m);
                    (m, grads)
                },
                |(m, grads)| {
                    let next = with_kernels(fast, || optim.borrow_mut().step(1e-3, m, grads));
                    *current.borrow_mut() = Some(next);
                },
                // One setup per step: each needs the previous step's parameters.
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn lecture(c: &mut Criterion) {
    bench_conv(c, "lecture/conv1", [64, 1, 32, 32], 36, true);
    bench_conv(c, "lecture/conv2", [64, 36, 16, 16], 72, true);
    bench_conv(c, "lecture/conv3", [64, 72, 8, 8], 144, false);
    bench_pool(c, "lecture/pool1", [64, 36, 32, 32]);
    bench_pool(c, "lecture/pool2", [64, 72, 16, 16]);
    bench_pool(c, "lecture/pool3", [64, 144, 6, 6]);
    bench_dropout(c, "lecture/dropout1", [64, 36, 16, 16], 0.25);
    bench_dropout(c, "lecture/dropout-dense", [64, 576, 1, 1], 0.5);
    bench_linear(c, "lecture/fc1", 1296, 576);
    bench_adam(c);
}

fn vgg(c: &mut Criterion) {
    bench_conv(c, "vgg32/conv1_2", [64, 64, 32, 32], 64, true);
    bench_conv(c, "vgg32/conv4_2", [64, 512, 4, 4], 512, true);
    bench_conv(c, "vgg224/conv1_2", [1, 64, 224, 224], 64, true);
    bench_conv(c, "vgg224/conv5_2", [1, 512, 14, 14], 512, true);
    bench_pool(c, "vgg224/pool1", [1, 64, 224, 224]);
    bench_linear(c, "vgg224/fc1", 25088, 4096);
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = lecture, vgg
}
criterion_main!(benches);
