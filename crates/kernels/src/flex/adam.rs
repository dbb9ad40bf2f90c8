//! One Adam step for one parameter in a single pass over its values, gradient and moments
//! (Burn's Adam makes about ten passes), updating in place when the tensors are not shared.

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use multiversion::multiversion;
use rayon::prelude::*;

use crate::flex::parallel::PARALLEL_ELEMENTS;
use crate::flex::{tensor_from_vec, values};

/// Elements per parallel task.
const CHUNK: usize = 1 << 16;

/// Adam's constants for one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdamStep {
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    pub weight_decay: Option<f32>,
    pub lr: f32,
    /// The step number, from 1.
    pub time: usize,
}

/// A tensor whose storage this function may write: the same tensor when it is contiguous and
/// not shared, a contiguous copy otherwise.
fn writable(t: FlexTensor) -> FlexTensor {
    let dense = t.is_contiguous()
        && t.layout().start_offset() == 0
        && t.bytes().len() == t.layout().num_elements() * 4;
    if dense && t.is_unique() {
        t
    } else {
        tensor_from_vec(values(&t).into_owned(), t.shape())
    }
}

/// Updates `param` and the moments `(m, v)` (zero-initialised when `moments` is `None`, the
/// first step) with gradient `grad`, Burn's formulas in Burn's order of operations. Returns the
/// new parameter and moments.
pub(crate) fn step(
    param: FlexTensor,
    grad: &FlexTensor,
    moments: Option<(FlexTensor, FlexTensor)>,
    s: AdamStep,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let first = moments.is_none();
    let mut param = writable(param);
    let (mut m, mut v) = match moments {
        Some((m, v)) => (writable(m), writable(v)),
        None => {
            let zeros = || tensor_from_vec(vec![0.0; grad.layout().num_elements()], grad.shape());
            (zeros(), zeros())
        }
    };
    let g = values(grad);
    let t = s.time as i32;
    let bias_correction2_sqrt = (1.0 - s.beta_2.powi(t)).sqrt();
    let factor = bias_correction2_sqrt / (1.0 - s.beta_1.powi(t));
    let eps = s.epsilon * bias_correction2_sqrt;
    let c = Coefficients {
        beta_1: s.beta_1,
        beta_2: s.beta_2,
        factor,
        eps,
        lr: s.lr,
        weight_decay: s.weight_decay,
        first,
    };
    {
        let p = param.storage_mut::<f32>();
        let (ms, vs) = (m.storage_mut::<f32>(), v.storage_mut::<f32>());
        if p.len() < PARALLEL_ELEMENTS {
            update(p, ms, vs, &g, &c);
        } else {
            p.par_chunks_mut(CHUNK)
                .zip(ms.par_chunks_mut(CHUNK))
                .zip(vs.par_chunks_mut(CHUNK))
                .zip(g.par_chunks(CHUNK))
                .for_each(|(((p, m), v), g)| update(p, m, v, g, &c));
        }
    }
    (param, m, v)
}

/// The per-step constants of the update.
struct Coefficients {
    beta_1: f32,
    beta_2: f32,
    /// `sqrt(1 - beta_2^t) / (1 - beta_1^t)`.
    factor: f32,
    /// `epsilon * sqrt(1 - beta_2^t)`.
    eps: f32,
    lr: f32,
    weight_decay: Option<f32>,
    /// No moments yet: they start from zero.
    first: bool,
}

/// The update of one chunk, compiled for AVX-512, AVX2 and the baseline, chosen at run time.
#[multiversion(targets = "simd")]
fn update(p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], c: &Coefficients) {
    for (((p, m), v), &g) in p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
        let g = match c.weight_decay {
            Some(penalty) => *p * penalty + g,
            None => g,
        };
        let g1 = g * (1.0 - c.beta_1);
        let g2 = g * g * (1.0 - c.beta_2);
        if c.first {
            *m = g1;
            *v = g2;
        } else {
            *m = *m * c.beta_1 + g1;
            *v = *v * c.beta_2 + g2;
        }
        let delta = (*m * c.factor) / (v.sqrt() + c.eps);
        *p -= delta * c.lr;
    }
}
