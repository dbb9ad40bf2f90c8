//! The fused Adam step against Burn's Adam on flex, and optimizer records that load in both.

mod common;

use burn::nn::{Linear, LinearConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use common::{assert_close, normal};
use zoo_kernels::{FusedAdamConfig, with_kernels};

fn model(device: &Device) -> Linear {
    let mut linear = LinearConfig::new(300, 200).init(device);
    // Seeded values: Burn's initialisers draw from its global generator.
    linear.weight =
        burn::module::Param::from_tensor(normal([300, 200], 1, device).mul_scalar(0.05));
    linear.bias = Some(burn::module::Param::from_tensor(
        normal([200], 2, device).mul_scalar(0.05),
    ));
    linear
}

fn grads(model: &Linear, step: u64, device: &Device) -> GradientsParams {
    let x = normal([16, 300], 100 + step, device);
    let target = normal([16, 200], 200 + step, device);
    let loss = (model.forward(x) - target).powf_scalar(2.0).mean();
    GradientsParams::from_grads(loss.backward(), model)
}

fn train(mut optim: ModuleOptimizer, steps: u64, fast: bool) -> Linear {
    let device = Device::flex().autodiff();
    let mut m = model(&device);
    for step in 0..steps {
        let g = grads(&m, step, &device);
        m = with_kernels(fast, || optim.step(1e-2, m, g));
    }
    m
}

/// Identical arithmetic in the same order: results agree to the last bits (rounding in
/// `powi`, `sqrt` and fused multiply-adds may differ by an ulp).
const TOLERANCE: f64 = 1e-6;

fn assert_same(a: &Linear, b: &Linear) {
    assert_close("weight", &a.weight.val(), &b.weight.val(), TOLERANCE);
    assert_close(
        "bias",
        &a.bias.as_ref().unwrap().val(),
        &b.bias.as_ref().unwrap().val(),
        TOLERANCE,
    );
}

#[test]
fn fused_steps_match_burns_adam() {
    for decay in [None, Some(0.01)] {
        let fused = FusedAdamConfig::new()
            .with_epsilon(1e-7)
            .with_weight_decay(decay)
            .init();
        let stock = AdamConfig::new()
            .with_epsilon(1e-7)
            .with_weight_decay(decay.map(WeightDecayConfig::new))
            .init();
        let a = train(fused, 5, true);
        let b = train(stock, 5, false);
        assert_same(&a, &b);
        // And the parameters did move.
        let start = model(&Device::flex().autodiff());
        let moved = (a.weight.val() - start.weight.val())
            .abs()
            .max()
            .into_scalar::<f32>();
        assert!(moved > 1e-3, "{moved}");
    }
}

#[test]
fn records_are_interchangeable_with_burns_adam() {
    let device = Device::flex().autodiff();
    let mut m = model(&device);
    let mut fused = FusedAdamConfig::new().init();
    for step in 0..3 {
        let g = grads(&m, step, &device);
        m = with_kernels(true, || fused.step(1e-2, m, g));
    }
    // The fused optimizer's state, loaded into Burn's Adam, and the other way round.
    let bytes = fused.into_bytes().unwrap();
    let mut stock = AdamConfig::new().init().from_bytes(bytes).unwrap();
    let mut fused_again = FusedAdamConfig::new()
        .init()
        .from_bytes(stock.into_bytes().unwrap())
        .unwrap();
    let g = grads(&m, 3, &device);
    let a = with_kernels(true, || fused_again.step(1e-2, m.clone(), g));
    let g = grads(&m, 3, &device);
    let b = with_kernels(false, || stock.step(1e-2, m.clone(), g));
    assert_same(&a, &b);
}
