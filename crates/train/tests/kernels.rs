//! The zoo's fast CPU kernels (zoo-kernels) against Burn's own ops, for whole models on flex:
//! the same weights and real images, one training step each way (the learner's `TrainStep`,
//! then SGD), comparing the logits, the loss, every parameter's update and the logits after.
//!
//! Tolerance: both sides compute in f32 on the CPU, adding the same products in other orders
//! (im2col blocks and per-thread weight-gradient sums against Burn's kernels, gemm blocking that
//! follows the CPU's caches), so results differ by rounding that grows with the depth of the
//! reductions and of the network. Logits and loss may differ by 1e-4 of their scale (measured
//! here over twelve seeds: at most 1.3e-6). Updates are compared in root mean square and may
//! differ by 2e-2: a max pool whose two largest inputs are within rounding of each other routes
//! its gradient by the rounding, and Fashion-MNIST's flat background makes exact ties that
//! another summation order breaks (see [`common::Tolerance`]; Burn's ops against themselves with
//! the images moved by 1e-6: up to 3.6e-3 over 30 seeds; one CI machine put this comparison
//! 1.2e-3 apart in a single element of conv1.bias, where this machine measures 6.9e-6). Logits
//! after the step may differ by 1e-3 (measured as above: 1.9e-4). A wrong tap, padding,
//! transposition or mask moves results by a large fraction of their scale.
//!
//! VGG-16 with batch norm is compared in its training-mode forward pass only. Its deepest blocks
//! normalise over the batch at 1x1 pixels, and the backward pass through those small variances
//! amplifies any rounding: Burn's ops against themselves, with the images scaled by 1 + 1e-6,
//! give updates 12-13% apart, as far apart as the two paths here (2.6e-2 to 1.4e-1 over six
//! seeds).

mod common;

use burn::tensor::Device;
use common::{
    Check, Tolerance, assert_outcomes_match, fashion_batch, lecture_cnn, run, small_vgg16, twins,
};
use zoo_core::ImageClassifier;
use zoo_kernels::with_kernels;

const TOLERANCE: Tolerance = Tolerance {
    output: 1e-4,
    update: 2e-2,
    after: 1e-3,
};

/// The model `init` builds, `check` on `images` real images with the fast kernels and with
/// Burn's ops.
fn compare<M: ImageClassifier>(
    name: &str,
    check: Check,
    images: usize,
    init: impl Fn(&Device) -> M,
) {
    let device = Device::flex().autodiff();
    // Seeded weights: the comparison is the same on every run.
    device.seed(1);
    let (reference, other) = twins(init, &device, &device);
    let batch = || fashion_batch(images, &device);
    let stock = with_kernels(false, || run(reference, batch(), check));
    let fast = with_kernels(true, || run(other, batch(), check));
    assert_outcomes_match(name, "kernels vs stock", check, &stock, &fast, TOLERANCE);
}

#[test]
fn lecture_cnn_step_matches_burns_ops() {
    // The lecture's training batch.
    let config = lecture_cnn();
    compare("lecture CNN", Check::Step, 64, |d| config.init(d).unwrap());
}

#[test]
fn vgg16_step_matches_burns_ops() {
    let config = small_vgg16(false);
    compare("VGG-16", Check::Step, 8, |d| config.init(d).unwrap());
}

#[test]
fn vgg16_bn_forward_matches_burns_ops() {
    let config = small_vgg16(true);
    compare("VGG-16-bn", Check::Forward, 16, |d| config.init(d).unwrap());
}
