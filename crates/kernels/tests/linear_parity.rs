//! The split fully connected layer against Burn's on flex: both weight layouts, with and
//! without bias, batches 1 to 16 (larger batches take Burn's op).

mod common;

use burn::module::Param;
use burn::nn::{LinearConfig, LinearLayout};
use burn::tensor::Device;
use common::{assert_close, normal};
use zoo_kernels::{linear, with_kernels};

/// Each output sums 1296 products in another order: f32 rounding, relative to the scale.
const TOLERANCE: f64 = 1e-5;

#[test]
fn matches_burn_for_both_layouts() {
    let device = Device::flex();
    for layout in [LinearLayout::Row, LinearLayout::Col] {
        for bias in [true, false] {
            let mut fc = LinearConfig::new(1296, 576)
                .with_layout(layout)
                .with_bias(bias)
                .init(&device);
            if let Some(b) = &fc.bias {
                fc.bias = Some(Param::from_tensor(normal(b.dims(), 4, &device)));
            }
            for rows in [1, 3, 16, 17] {
                let x = normal([rows, 1296], rows as u64, &device);
                let fast = with_kernels(true, || linear(&fc, x.clone()));
                let what = format!("{layout:?} bias {bias} rows {rows}");
                assert_close(&what, &fast, &fc.forward(x), TOLERANCE);
            }
        }
    }
}

#[test]
fn training_keeps_burns_op() {
    let device = Device::flex().autodiff();
    let fc = LinearConfig::new(1296, 576).init(&device);
    let x = normal([2, 1296], 1, &device).require_grad();
    let y = with_kernels(true, || linear(&fc, x.clone()));
    let grads = y.sum().backward();
    assert!(x.grad(&grads).is_some() && fc.weight.val().grad(&grads).is_some());
}
