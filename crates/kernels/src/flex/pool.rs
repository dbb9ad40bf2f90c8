//! 2x2 max pooling with stride 2 (no padding, floor mode: an odd last row or column is dropped),
//! the pooling of the lecture CNN and of VGG.
//!
//! The forward pass keeps no indices: the backward pass finds each window's maximum again in the
//! input, which the autodiff graph holds anyway. Ties go to the first maximum in row-major order
//! and a NaN wins (the last one), as in Burn's flex backend and PyTorch.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::tensor::Tensor;
use std::mem::MaybeUninit;

use multiversion::multiversion;
use rayon::prelude::*;

use crate::flex::buffer::filled;
use crate::flex::parallel::{PARALLEL_ELEMENTS, min_len};
use crate::flex::{
    Route, dims, from_plain, from_tracked, plain, route_of, tensor_from_vec, tracked, values,
};

/// Planes per parallel task, so a task moves at least ~64 KiB.
fn planes_per_task(plane: usize) -> usize {
    (16_384 / plane.max(1)).max(1)
}

/// The window's maximum and its position (0..4, row-major). Branch-free (`|`, selects): the
/// data decides which element wins, so branches would be mispredicted half the time.
#[inline(always)]
fn window_max(a: f32, b: f32, c: f32, d: f32) -> (f32, usize) {
    let (mut m, mut at) = (a, 0);
    for (i, v) in [(1, b), (2, c), (3, d)] {
        let take = (v > m) | v.is_nan();
        m = if take { v } else { m };
        at = if take { i } else { at };
    }
    (m, at)
}

/// `y[p, oy, ox] = max of x[p, 2oy..2oy+2, 2ox..2ox+2]` for `planes` planes of `h x w`.
pub(crate) fn forward(x: &[f32], planes: usize, h: usize, w: usize) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    if oh == 0 || ow == 0 {
        return Vec::new();
    }
    let per_task = planes_per_task(h * w);
    filled(planes * oh * ow, |y| {
        y.par_chunks_mut(per_task * oh * ow)
            .zip(x.par_chunks(per_task * h * w))
            .with_min_len(min_len(x.len(), PARALLEL_ELEMENTS))
            .for_each(|(y, x)| forward_planes(y, x, h, w))
    })
}

#[multiversion(targets = "simd")]
fn forward_planes(y: &mut [MaybeUninit<f32>], x: &[f32], h: usize, w: usize) {
    let (oh, ow) = (h / 2, w / 2);
    for (y, x) in y.chunks_exact_mut(oh * ow).zip(x.chunks_exact(h * w)) {
        for (oy, y_row) in y.chunks_exact_mut(ow).enumerate() {
            let top = &x[2 * oy * w..][..2 * ow];
            let bottom = &x[(2 * oy + 1) * w..][..2 * ow];
            for ((v, t), b) in y_row
                .iter_mut()
                .zip(top.chunks_exact(2))
                .zip(bottom.chunks_exact(2))
            {
                v.write(window_max(t[0], t[1], b[0], b[1]).0);
            }
        }
    }
}

/// The input gradient: each output gradient goes to its window's maximum, zero elsewhere
/// (including an odd last row or column, which no window covers).
pub(crate) fn backward(x: &[f32], dy: &[f32], planes: usize, h: usize, w: usize) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    if oh == 0 || ow == 0 {
        return vec![0.0; planes * h * w];
    }
    let per_task = planes_per_task(h * w);
    filled(planes * h * w, |dx| {
        dx.par_chunks_mut(per_task * h * w)
            .zip(x.par_chunks(per_task * h * w))
            .zip(dy.par_chunks(per_task * oh * ow))
            .with_min_len(min_len(x.len(), PARALLEL_ELEMENTS))
            .for_each(|((dx, x), dy)| backward_planes(dx, x, dy, h, w))
    })
}

#[multiversion(targets = "simd")]
fn backward_planes(dx: &mut [MaybeUninit<f32>], x: &[f32], dy: &[f32], h: usize, w: usize) {
    let (oh, ow) = (h / 2, w / 2);
    for ((dx, x), dy) in dx
        .chunks_exact_mut(h * w)
        .zip(x.chunks_exact(h * w))
        .zip(dy.chunks_exact(oh * ow))
    {
        for oy in 0..oh {
            let (top, rest) = dx[2 * oy * w..].split_at_mut(w);
            let bottom = &mut rest[..w];
            let xt = &x[2 * oy * w..][..w];
            let xb = &x[(2 * oy + 1) * w..][..w];
            for (ox, &g) in dy[oy * ow..][..ow].iter().enumerate() {
                let (l, r) = (2 * ox, 2 * ox + 1);
                let (_, at) = window_max(xt[l], xt[r], xb[l], xb[r]);
                let pick = |i: usize| if at == i { g } else { 0.0 };
                top[l].write(pick(0));
                top[r].write(pick(1));
                bottom[l].write(pick(2));
                bottom[r].write(pick(3));
            }
            if w % 2 == 1 {
                top[w - 1].write(0.0);
                bottom[w - 1].write(0.0);
            }
        }
        for v in &mut dx[2 * oh * w..] {
            v.write(0.0);
        }
    }
}

/// Whether the fast pooling takes `x`.
pub(crate) fn takes(x: &Tensor<4>) -> bool {
    route_of(&[x]) != Route::Stock
}

/// 2x2, stride-2 max pooling of `x` (which [`takes`] accepted).
pub(crate) fn run(x: Tensor<4>) -> Tensor<4> {
    match route_of(&[&x]) {
        Route::Plain => from_plain(forward_plain(&plain(x))),
        Route::Tracked => {
            let x = tracked(x);
            let y = forward_plain(x.primitive());
            let out = match PoolBackward
                .prepare::<NoCheckpointing>([x.node()])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => prep.finish(x.primitive().clone(), y),
                OpsKind::UnTracked(prep) => prep.finish(y),
            };
            from_tracked::<4>(out)
        }
        Route::Stock => unreachable!("checked by `takes`"),
    }
}

fn forward_plain(x: &FlexTensor) -> FlexTensor {
    let [n, c, h, w] = dims::<4>(x);
    tensor_from_vec(forward(&values(x), n * c, h, w), [n, c, h / 2, w / 2])
}

#[derive(Debug)]
struct PoolBackward;

impl Backward<Flex, 1> for PoolBackward {
    /// The pooled input.
    type State = FlexTensor;

    fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        if let Some(node) = parent {
            let x = &ops.state;
            let [n, c, h, w] = dims::<4>(x);
            let dx = backward(&values(x), &values(&dy), n * c, h, w);
            grads.register::<Flex>(node.id, tensor_from_vec(dx, [n, c, h, w]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_ties_and_nans() {
        assert_eq!(window_max(1.0, 3.0, 3.0, 2.0), (3.0, 1));
        assert_eq!(window_max(0.0, 0.0, 0.0, 0.0), (0.0, 0));
        let (m, at) = window_max(1.0, f32::NAN, 5.0, f32::NAN);
        assert!(m.is_nan());
        assert_eq!(at, 3);
    }

    #[test]
    fn odd_sizes_drop_the_last_row_and_column() {
        // One 3x5 plane: windows (0..2, 0..2) and (0..2, 2..4).
        let x: Vec<f32> = (0..15).map(|v| v as f32).collect();
        assert_eq!(forward(&x, 1, 3, 5), vec![6.0, 8.0]);
        let dx = backward(&x, &[10.0, 20.0], 1, 3, 5);
        let mut want = vec![0.0; 15];
        want[6] = 10.0;
        want[8] = 20.0;
        assert_eq!(dx, want);
    }
}
