//! Helpers shared by the parity tests: seeded random tensors and scale-relative comparison.

#![allow(dead_code)]

use burn::tensor::{Device, Distribution, Tensor, TensorData};

/// A tensor of `shape` with normal values, reproducible from `seed`.
pub fn normal<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    // A small LCG + Box-Muller: independent of Burn's generator and of test order.
    let n: usize = shape.iter().product();
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let values: Vec<f32> = (0..n)
        .map(|_| {
            let (u, v) = (next(), next());
            ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
        })
        .collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// Uniform values in `[lo, hi)` from Burn's generator (for tests that do not compare runs).
pub fn uniform<const D: usize>(shape: [usize; D], lo: f64, hi: f64, device: &Device) -> Tensor<D> {
    Tensor::random(shape, Distribution::Uniform(lo, hi), device)
}

/// The largest absolute difference between `a` and `b`, divided by the largest absolute value
/// of `b` (the reference): the error relative to the tensor's own scale.
pub fn scaled_error<const D: usize>(a: &Tensor<D>, b: &Tensor<D>) -> f64 {
    let a = a.to_data().try_to_vec::<f32>().unwrap();
    let b = b.to_data().try_to_vec::<f32>().unwrap();
    assert_eq!(a.len(), b.len(), "sizes differ");
    let scale = b.iter().fold(0f64, |m, v| m.max(f64::from(v.abs())));
    let diff = a
        .iter()
        .zip(&b)
        .fold(0f64, |m, (x, y)| m.max(f64::from((x - y).abs())));
    if scale == 0.0 { diff } else { diff / scale }
}

/// Asserts `scaled_error(a, b) <= tolerance`, naming `what`; returns the error.
pub fn assert_close<const D: usize>(
    what: &str,
    a: &Tensor<D>,
    b: &Tensor<D>,
    tolerance: f64,
) -> f64 {
    assert_eq!(a.dims(), b.dims(), "{what}: shapes differ");
    let error = scaled_error(a, b);
    assert!(
        error <= tolerance,
        "{what}: error {error:.2e} of the tensor's scale, tolerance {tolerance:.0e}"
    );
    error
}
