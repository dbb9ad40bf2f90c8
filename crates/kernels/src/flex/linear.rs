//! A fully connected layer on few rows (inference latency): the product split across the
//! threads by output columns. Reading a large weight matrix once is the whole cost at batch 1
//! (VGG-16's first dense layer is 411 MB), and one core cannot draw the memory bandwidth two
//! can.

use burn::backend::flex::FlexTensor;
use burn::tensor::Tensor;
use rayon::prelude::*;

use crate::flex::buffer::filled;
use crate::flex::gemm::{MatRef, matmul};
use crate::flex::parallel::{PARALLEL_ELEMENTS, split, threads};
use crate::flex::{Route, dims, from_plain, plain, route_of, tensor_from_vec, values};

/// Most input rows for this path; larger batches are products Burn's own matmul splits well.
const MAX_ROWS: usize = 16;
/// Fewest output columns per thread.
const MIN_COLUMNS: usize = 64;

/// Whether the split product takes `x · weight` (inference, few rows, a large weight).
pub(crate) fn takes(x: &Tensor<2>, weight: &Tensor<2>, bias: Option<&Tensor<1>>) -> bool {
    let plain_bias = bias.is_none_or(|b| route_of(&[b]) == Route::Plain);
    route_of(&[x, weight]) == Route::Plain
        && plain_bias
        && x.dims()[0] <= MAX_ROWS
        && weight.shape().num_elements() >= PARALLEL_ELEMENTS
}

/// `x · weight + bias` (which [`takes`] accepted).
pub(crate) fn run(x: Tensor<2>, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Tensor<2> {
    let (x, w) = (plain(x), plain(weight));
    let bias = bias.map(plain);
    let [rows, d_in] = dims::<2>(&x);
    let [_, d_out] = dims::<2>(&w);
    let x = values(&x);
    let bias = bias.as_ref().map(values);
    let contiguous;
    let w_view = match strided(&w) {
        Some(view) => view,
        None => {
            contiguous = values(&w).into_owned();
            MatRef::row_major(&contiguous, d_in, d_out)
        }
    };
    let x = MatRef::row_major(&x, rows, d_in);
    let columns = split(d_out, threads().min(d_out / MIN_COLUMNS).max(1));
    let parts: Vec<Vec<f32>> = columns
        .par_iter()
        .map(|range| {
            let mut part = vec![0.0f32; rows * range.len()];
            let w = MatRef {
                data: &w_view.data[range.start * w_view.cs..],
                cols: range.len(),
                ..w_view
            };
            matmul(&mut part, range.len(), x, w, false, false);
            part
        })
        .collect();
    let y = filled(rows * d_out, |y| {
        for (row, y) in y.chunks_exact_mut(d_out).enumerate() {
            for (range, part) in columns.iter().zip(&parts) {
                let src = &part[row * range.len()..][..range.len()];
                for ((o, v), col) in y[range.clone()].iter_mut().zip(src).zip(range.clone()) {
                    o.write(v + bias.as_ref().map_or(0.0, |b| b[col]));
                }
            }
        }
    });
    from_plain(tensor_from_vec(y, [rows, d_out]))
}

/// The weight as a strided matrix over its storage, without copying (Burn keeps a `Col`-layout
/// linear weight as a transposed view); `None` for negative strides.
fn strided(w: &FlexTensor) -> Option<MatRef<'_>> {
    let [rows, cols] = dims::<2>(w);
    let layout = w.layout();
    let &[rs, cs] = layout.strides() else {
        return None;
    };
    (rs >= 0 && cs >= 0).then(|| MatRef {
        data: &w.storage::<f32>()[layout.start_offset()..],
        rows,
        cols,
        rs: rs as usize,
        cs: cs as usize,
    })
}
