//! The fast max pooling against Burn's on flex (exactly equal, ties and NaNs included), and the
//! fast dropout's rate, scaling, gradient and reproducibility.

mod common;

use std::sync::Mutex;

use burn::nn::DropoutConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use common::{assert_close, normal};
use zoo_kernels::{dropout, max_pool2d, seed, with_kernels};

fn pool() -> MaxPool2d {
    MaxPool2dConfig::new([2, 2]).init()
}

#[test]
fn pooling_matches_burn_exactly() {
    let device = Device::flex().autodiff();
    for (shape, seed) in [
        ([1, 1, 4, 4], 1),
        ([2, 3, 7, 9], 2),
        ([64, 36, 32, 32], 3),
        ([64, 144, 6, 6], 4),
        ([1, 512, 14, 14], 5),
    ] {
        // After a ReLU, as in the models: many windows are all zeros (ties).
        let x = relu(normal(shape, seed, &device)).require_grad();
        let weights = normal([shape[0], shape[1], shape[2] / 2, shape[3] / 2], 9, &device);
        let mut outs = Vec::new();
        for fast in [true, false] {
            let x = x.clone();
            let y = with_kernels(fast, || max_pool2d(&pool(), x.clone()));
            let grads = (y.clone() * weights.clone()).sum().backward();
            outs.push((y.inner(), x.grad(&grads).unwrap()));
        }
        assert_close(&format!("{shape:?} y"), &outs[0].0, &outs[1].0, 0.0);
        assert_close(&format!("{shape:?} dx"), &outs[0].1, &outs[1].1, 0.0);
        // Inference (no autodiff) too.
        let plain = x.clone().inner();
        let fast = with_kernels(true, || max_pool2d(&pool(), plain.clone()));
        assert_close(
            &format!("{shape:?} plain"),
            &fast,
            &pool().forward(plain),
            0.0,
        );
    }
}

#[test]
fn pooling_propagates_nan_like_burn() {
    let device = Device::flex();
    let x = Tensor::<4>::from_floats([[[[1.0, f32::NAN], [3.0, 2.0]]]], &device);
    let y = with_kernels(true, || max_pool2d(&pool(), x));
    assert!(y.into_scalar::<f32>().is_nan());
}

#[test]
fn other_poolings_keep_burns_op() {
    let device = Device::flex();
    let pool3 = MaxPool2dConfig::new([3, 3]).with_strides([1, 1]).init();
    assert!(!zoo_kernels::is_2x2(&pool3));
    let x = normal([2, 3, 8, 8], 1, &device);
    let y = with_kernels(true, || max_pool2d(&pool3, x.clone()));
    assert_close("3x3 pool", &y, &pool3.forward(x), 0.0);
}

/// The dropout tests draw from the process-wide stream: one at a time, so that the
/// reproducibility test sees no other test's draws in between.
static DRAWS: Mutex<()> = Mutex::new(());

fn kept_fraction(y: &Tensor<2>) -> (f64, f64, Vec<f32>) {
    let v = y.to_data().try_to_vec::<f32>().unwrap();
    let kept = v.iter().filter(|&&x| x != 0.0).count() as f64 / v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
    (kept, mean, v)
}

#[test]
fn dropout_keeps_its_rate_and_scaling() {
    let _draws = DRAWS.lock().unwrap_or_else(|e| e.into_inner());
    let device = Device::flex().autodiff();
    let n = 1 << 20;
    for p in [0.25, 0.5] {
        let layer = DropoutConfig::new(p).init();
        let x = Tensor::<2>::ones([1024, n / 1024], &device).require_grad();
        let y = with_kernels(true, || dropout(&layer, x.clone()));
        let (kept, mean, values) = kept_fraction(&y.clone().inner());
        // Binomial: the kept share is within 5 standard deviations of 1 - p.
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        assert!((kept - (1.0 - p)).abs() < 5.0 * sd, "p {p}: kept {kept}");
        // Kept elements are scaled by 1 / (1 - p), so the mean stays 1.
        let scale = (1.0 / (1.0 - p)) as f32;
        assert!(values.iter().all(|&v| v == 0.0 || v == scale));
        assert!(
            (mean - 1.0).abs() < 5.0 * sd / (1.0 - p),
            "p {p}: mean {mean}"
        );
        // The gradient of sum(y) is the mask times the scale: y itself, for x = 1.
        let grads = y.clone().sum().backward();
        let dx = x.grad(&grads).unwrap();
        assert_close("dropout gradient", &dx, &y.inner(), 0.0);
    }
}

#[test]
fn dropout_is_reproducible_from_the_seed() {
    let _draws = DRAWS.lock().unwrap_or_else(|e| e.into_inner());
    let device = Device::flex().autodiff();
    let layer = DropoutConfig::new(0.5).init();
    let x = Tensor::<2>::ones([64, 1000], &device);
    let draw = |s: u64| {
        seed(s);
        with_kernels(true, || {
            let first = dropout(&layer, x.clone()).inner().to_data();
            let second = dropout(&layer, x.clone()).inner().to_data();
            (first, second)
        })
    };
    let (a1, a2) = draw(7);
    let (b1, b2) = draw(7);
    assert_eq!(a1, b1);
    assert_eq!(a2, b2);
    assert_ne!(a1, a2, "two calls draw different masks");
    let (c1, _) = draw(8);
    assert_ne!(a1, c1, "another seed draws another mask");
}

#[test]
fn dropout_leaves_inference_alone() {
    let device = Device::flex();
    let layer = DropoutConfig::new(0.5).init();
    let x = normal([8, 16], 1, &device);
    let y = with_kernels(true, || dropout(&layer, x.clone()));
    assert_close("no autodiff", &y, &x, 0.0);
    let autodiff = Device::flex().autodiff();
    let x = normal([8, 16], 1, &autodiff);
    let frozen = DropoutConfig::new(0.0).init();
    assert_close("p = 0", &dropout(&frozen, x.clone()), &x, 0.0);
}
