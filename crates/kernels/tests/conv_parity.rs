//! The fast convolution against Burn's own on flex, over a grid of shapes: the forward pass
//! (plain and under autodiff) and the gradients of the input, the kernel and the bias.
//!
//! Tolerances, relative to each tensor's largest value: both sides add the same products in
//! another order in f32, so results differ by a few units of f32 rounding times the square root
//! of the number of terms (up to 648 per output, up to 64 x 256 = 16,384 per weight gradient):
//! 1e-5 for the forward pass, 1e-4 for the gradients. A wrong tap, padding or transposition
//! moves results by a large fraction of their scale.

mod common;

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use common::{assert_close, normal};
use zoo_kernels::{conv2d, conv2d_relu, with_kernels};

const FORWARD_TOLERANCE: f64 = 1e-5;
const GRADIENT_TOLERANCE: f64 = 1e-4;

#[derive(Debug, Clone, Copy)]
struct Case {
    batch: usize,
    channels: [usize; 2],
    size: [usize; 2],
    stride: usize,
    same: bool,
    bias: bool,
    relu: bool,
}

fn layer(case: &Case, device: &Device) -> Conv2d {
    let padding = if case.same {
        PaddingConfig2d::Same
    } else {
        PaddingConfig2d::Valid
    };
    let mut conv = Conv2dConfig::new(case.channels, [3, 3])
        .with_stride([case.stride; 2])
        .with_padding(padding)
        .with_bias(case.bias)
        .init(device);
    // Seeded weights, the same for every run of the test.
    let w = normal(conv.weight.dims(), 11, device).mul_scalar(0.2);
    conv.weight = burn::module::Param::from_tensor(w);
    if let Some(b) = &conv.bias {
        conv.bias = Some(burn::module::Param::from_tensor(
            normal(b.dims(), 12, device).mul_scalar(0.1),
        ));
    }
    conv
}

fn run(case: &Case, conv: &Conv2d, x: Tensor<4>, fast: bool) -> Tensor<4> {
    with_kernels(fast, || {
        if case.relu {
            conv2d_relu(conv, x)
        } else {
            conv2d(conv, x)
        }
    })
}

fn stock_reference(case: &Case, conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let y = conv.forward(x);
    if case.relu { relu(y) } else { y }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (channels, size) in [
        ([1, 36], [32, 32]),
        ([3, 8], [9, 7]),
        ([36, 72], [16, 16]),
        ([72, 144], [8, 8]),
        ([72, 16], [11, 13]),
    ] {
        for batch in [1, 64] {
            for stride in [1, 2] {
                for same in [false, true] {
                    for (bias, relu) in [(true, true), (false, false), (true, false)] {
                        // The big layers at batch 64 once per stride and padding.
                        if batch == 64 && channels[0] >= 36 && !(bias && relu) {
                            continue;
                        }
                        cases.push(Case {
                            batch,
                            channels,
                            size,
                            stride,
                            same,
                            bias,
                            relu,
                        });
                    }
                }
            }
        }
    }
    cases
}

#[test]
fn forward_matches_burn_on_flex() {
    let device = Device::flex();
    let mut worst: f64 = 0.0;
    for case in cases() {
        let conv = layer(&case, &device);
        let [h, w] = case.size;
        let x = normal([case.batch, case.channels[0], h, w], 3, &device);
        let fast = run(&case, &conv, x.clone(), true);
        let stock = stock_reference(&case, &conv, x);
        worst = worst.max(assert_close(
            &format!("{case:?} forward"),
            &fast,
            &stock,
            FORWARD_TOLERANCE,
        ));
    }
    println!("forward: worst error {worst:.2e} of scale");
}

#[test]
fn gradients_match_burn_on_flex() {
    let device = Device::flex().autodiff();
    let (mut worst_y, mut worst_g) = (0f64, 0f64);
    for case in cases() {
        let conv = layer(&case, &device);
        let [h, w] = case.size;
        let x = normal([case.batch, case.channels[0], h, w], 5, &device);
        let mut results = Vec::new();
        for fast in [true, false] {
            let x = x.clone().require_grad();
            let y = if fast {
                run(&case, &conv, x.clone(), true)
            } else {
                stock_reference(&case, &conv, x.clone())
            };
            // A loss that weights every output differently, so every gradient path matters.
            let weights = normal(y.dims(), 7, &device);
            let grads = (y.clone() * weights).sum().backward();
            let dx = x.grad(&grads).expect("input gradient");
            let dw = conv.weight.val().grad(&grads).expect("weight gradient");
            let db = conv
                .bias
                .as_ref()
                .map(|b| b.val().grad(&grads).expect("bias gradient"));
            results.push((y.inner(), dx, dw, db));
        }
        let (fast, stock) = (&results[0], &results[1]);
        worst_y = worst_y.max(assert_close(
            &format!("{case:?} y"),
            &fast.0,
            &stock.0,
            FORWARD_TOLERANCE,
        ));
        worst_g = worst_g
            .max(assert_close(
                &format!("{case:?} dx"),
                &fast.1,
                &stock.1,
                GRADIENT_TOLERANCE,
            ))
            .max(assert_close(
                &format!("{case:?} dw"),
                &fast.2,
                &stock.2,
                GRADIENT_TOLERANCE,
            ));
        if let (Some(a), Some(b)) = (&fast.3, &stock.3) {
            worst_g = worst_g.max(assert_close(
                &format!("{case:?} db"),
                a,
                b,
                GRADIENT_TOLERANCE,
            ));
        }
    }
    println!(
        "training: worst forward error {worst_y:.2e}, worst gradient error {worst_g:.2e} of scale"
    );
}

#[test]
fn an_input_without_gradient_gets_none_and_weights_still_train() {
    let device = Device::flex().autodiff();
    let case = Case {
        batch: 4,
        channels: [3, 4],
        size: [8, 8],
        stride: 1,
        same: true,
        bias: true,
        relu: true,
    };
    let conv = layer(&case, &device);
    let x = normal([4, 3, 8, 8], 1, &device); // images: no gradient wanted
    let grads = run(&case, &conv, x.clone(), true).sum().backward();
    assert!(x.grad(&grads).is_none());
    assert!(conv.weight.val().grad(&grads).is_some());
}

#[test]
fn other_backends_and_configurations_keep_burns_op() {
    // Groups: not covered by the kernels, so Burn's op runs; the result must still be right.
    let device = Device::flex();
    let conv = Conv2dConfig::new([4, 4], [3, 3])
        .with_groups(2)
        .init(&device);
    let x = normal([2, 4, 6, 6], 2, &device);
    let fast = with_kernels(true, || conv2d(&conv, x.clone()));
    assert_close("groups", &fast, &conv.forward(x), 0.0);
}
