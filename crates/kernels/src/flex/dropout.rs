//! Dropout on flex training tensors: each element is kept with probability `1 - p` and scaled by
//! `1 / (1 - p)`, drawn from a counter-based generator (Philox) in parallel. The backward pass
//! draws the same mask again from the same (seed, stream) instead of storing it.

use std::mem::MaybeUninit;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::tensor::{Shape, Tensor};
use multiversion::multiversion;
use rayon::prelude::*;

use super::philox::{LANES, Stream};
use crate::flex::buffer::filled;
use crate::flex::parallel::{PARALLEL_ELEMENTS, min_len};
use crate::flex::{from_tracked, tensor_from_vec, tracked, values};

/// Elements per parallel task (a multiple of 4: one Philox block is 4 words).
const CHUNK: usize = 1 << 14;

static SEED: OnceLock<AtomicU64> = OnceLock::new();
static CALLS: AtomicU64 = AtomicU64::new(0);

fn seed_cell() -> &'static AtomicU64 {
    SEED.get_or_init(|| {
        // Unseeded runs differ, as with Burn's own generator.
        use std::hash::{BuildHasher, RandomState};
        AtomicU64::new(RandomState::new().hash_one(std::process::id()))
    })
}

/// Seeds the dropout masks: the same seed and the same sequence of dropout calls give the same
/// masks.
pub(crate) fn seed(seed: u64) {
    seed_cell().store(seed, Ordering::SeqCst);
    CALLS.store(0, Ordering::SeqCst);
}

/// The next call's stream.
fn next_stream() -> Stream {
    Stream {
        seed: seed_cell().load(Ordering::SeqCst),
        stream: CALLS.fetch_add(1, Ordering::SeqCst),
    }
}

/// The mask rule: element `i` is kept when its word is at least `threshold`.
#[derive(Debug, Clone, Copy)]
struct Mask {
    stream: Stream,
    threshold: u32,
    /// True when every element is dropped (`p` rounds to 1).
    drop_all: bool,
    scale: f32,
}

impl Mask {
    fn new(prob: f64, stream: Stream) -> Self {
        let threshold = (prob * 4294967296.0).round();
        Self {
            stream,
            threshold: threshold.min(u32::MAX as f64) as u32,
            drop_all: threshold >= 4294967296.0,
            scale: (1.0 / (1.0 - prob)) as f32,
        }
    }

    /// `out[i] = keep(start + i) ? v[i] * scale : 0` for a chunk starting at element `start`
    /// (a multiple of 4).
    fn apply(&self, start: usize, v: &[f32], out: &mut [MaybeUninit<f32>]) {
        if self.drop_all {
            out.fill(MaybeUninit::new(0.0));
            return;
        }
        let first = (start / 4) as u64;
        const SPAN: usize = 4 * LANES;
        let whole = v.len() / SPAN * SPAN;
        let (v_head, v_tail) = v.split_at(whole);
        let (out_head, out_tail) = out.split_at_mut(whole);
        lanes_apply(self, first, v_head, out_head);
        let tail_first = first + (whole / 4) as u64;
        for (b, (v, out)) in v_tail.chunks(4).zip(out_tail.chunks_mut(4)).enumerate() {
            let words = self.stream.block(tail_first + b as u64);
            for ((o, x), w) in out.iter_mut().zip(v).zip(words) {
                o.write(self.keep(w, *x));
            }
        }
    }

    /// `x` scaled if its word keeps it, else 0.
    #[inline(always)]
    fn keep(&self, word: u32, x: f32) -> f32 {
        if word >= self.threshold {
            x * self.scale
        } else {
            0.0
        }
    }

    /// The mask applied to all of `v`, in parallel.
    fn apply_all(&self, v: &[f32]) -> Vec<f32> {
        filled(v.len(), |out| {
            out.par_chunks_mut(CHUNK)
                .zip(v.par_chunks(CHUNK))
                .with_min_len(min_len(v.len(), PARALLEL_ELEMENTS))
                .enumerate()
                .for_each(|(i, (out, v))| self.apply(i * CHUNK, v, out))
        })
    }
}

/// [`Mask::apply`] on whole spans of `4 * LANES` elements, 16 Philox blocks at a time.
#[multiversion(targets = "simd")]
fn lanes_apply(mask: &Mask, first: u64, v: &[f32], out: &mut [MaybeUninit<f32>]) {
    const SPAN: usize = 4 * LANES;
    for (i, (v, out)) in v
        .chunks_exact(SPAN)
        .zip(out.chunks_exact_mut(SPAN))
        .enumerate()
    {
        let words = mask.stream.lanes(first + (i * LANES) as u64);
        for l in 0..LANES {
            for (w, word) in words.iter().enumerate() {
                out[4 * l + w].write(mask.keep(word[l], v[4 * l + w]));
            }
        }
    }
}

/// Dropout with probability `prob` of a flex training tensor.
pub(crate) fn run<const D: usize>(x: Tensor<D>, prob: f64) -> Tensor<D> {
    let x = tracked(x);
    let mask = Mask::new(prob, next_stream());
    let shape = x.primitive().shape();
    let y = tensor_from_vec(mask.apply_all(&values(x.primitive())), shape.clone());
    let out = match DropoutBackward
        .prepare::<NoCheckpointing>([x.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish((mask, shape), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    from_tracked(out)
}

#[derive(Debug)]
struct DropoutBackward;

impl Backward<Flex, 1> for DropoutBackward {
    type State = (Mask, Shape);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents;
        let dy: FlexTensor = grads.consume::<Flex>(&ops.node);
        if let Some(node) = parent {
            let (mask, shape) = ops.state;
            let dx = tensor_from_vec(mask.apply_all(&values(&dy)), shape);
            grads.register::<Flex>(node.id, dx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_repeat_for_the_same_stream_and_differ_across_streams() {
        let v = vec![1.0f32; 10_000];
        let s = |stream| Stream { seed: 9, stream };
        let a = Mask::new(0.3, s(0)).apply_all(&v);
        assert_eq!(a, Mask::new(0.3, s(0)).apply_all(&v));
        assert_ne!(a, Mask::new(0.3, s(1)).apply_all(&v));
        // Chunks see the same words as one pass would.
        let m = Mask::new(0.3, s(0));
        let by_parts = filled(10_000, |out| {
            m.apply(0, &v[..4000], &mut out[..4000]);
            m.apply(4000, &v[4000..], &mut out[4000..]);
        });
        assert_eq!(a, by_parts);
        // And as the scalar generator draws them, one block of 4 at a time.
        let scalar: Vec<f32> = (0..10_000)
            .map(|i| {
                let word = m.stream.block(i as u64 / 4)[i % 4];
                if word >= m.threshold { m.scale } else { 0.0 }
            })
            .collect();
        assert_eq!(a, scalar);
    }

    #[test]
    fn extreme_probabilities() {
        let v = vec![2.0f32; 100];
        let stream = Stream { seed: 1, stream: 1 };
        assert!(
            Mask::new(1.0, stream)
                .apply_all(&v)
                .iter()
                .all(|&x| x == 0.0)
        );
        assert!(
            Mask::new(0.0, stream)
                .apply_all(&v)
                .iter()
                .all(|&x| x == 2.0)
        );
    }
}
