//! Output buffers that a kernel fills completely, allocated without zeroing first (zeroing a
//! fresh output costs as much as writing it once more).

use std::mem::MaybeUninit;

/// A vector of `n` values, every one of which `fill` writes (`MaybeUninit::write`).
///
/// Debug builds fill the buffer with NaN first, so a kernel that skipped an element shows it.
pub(crate) fn filled(n: usize, fill: impl FnOnce(&mut [MaybeUninit<f32>])) -> Vec<f32> {
    let mut v: Vec<f32> = Vec::with_capacity(n);
    let spare = &mut v.spare_capacity_mut()[..n];
    if cfg!(debug_assertions) {
        spare.fill(MaybeUninit::new(f32::NAN));
    }
    fill(spare);
    // SAFETY: each caller's `fill` writes all `n` elements: it splits the output into disjoint
    // pieces that cover it (conv blocks, pooling planes and rows, element chunks), and the
    // parity tests compare every element with Burn's ops.
    unsafe { v.set_len(n) };
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_value_is_kept() {
        let v = filled(5, |out| {
            for (i, o) in out.iter_mut().enumerate() {
                o.write(i as f32);
            }
        });
        assert_eq!(v, [0.0, 1.0, 2.0, 3.0, 4.0]);
    }
}
