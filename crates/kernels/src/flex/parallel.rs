//! Threading helpers: per-thread scratch buffers, disjoint writes from several threads, and
//! splitting work into one contiguous chunk per thread.

use std::cell::RefCell;
use std::mem::MaybeUninit;

/// The number of threads the kernels spread work over (rayon's pool).
pub(crate) fn threads() -> usize {
    rayon::current_num_threads().max(1)
}

/// Elements of a memory-bound pass below which a kernel stays on the calling thread. Handing
/// work to rayon's pool and waiting for it costs more than such a pass: measured here, a
/// two-item parallel loop called from outside the pool takes 8 µs (median; 31 µs at p90), a
/// pass over 40,000 floats 22 µs in parallel against 3.6 µs on one thread.
pub(crate) const PARALLEL_ELEMENTS: usize = 1 << 18;

/// Multiply-adds below which a convolution stays on the calling thread (~25 µs on one core).
pub(crate) const PARALLEL_MACS: usize = 1 << 22;

/// The `with_min_len` of a parallel loop doing `work` in all: everything in one job (on the
/// calling thread, no hand-off) below `threshold`.
pub(crate) fn min_len(work: usize, threshold: usize) -> usize {
    if work < threshold { usize::MAX } else { 1 }
}

thread_local! {
    static SCRATCH: RefCell<[Vec<f32>; 2]> = const { RefCell::new([Vec::new(), Vec::new()]) };
}

/// Runs `f` with two scratch buffers of this thread, of at least `a` and `b` elements (their
/// contents are whatever was left there). The buffers are kept for the next call, so a kernel
/// that runs every step allocates only once per thread.
pub(crate) fn with_scratch<R>(
    a: usize,
    b: usize,
    f: impl FnOnce(&mut [f32], &mut [f32]) -> R,
) -> R {
    SCRATCH.with(|cell| {
        // A kernel never nests scratch use; if one ever did, it gets fresh buffers instead of a
        // panic.
        let Ok(mut bufs) = cell.try_borrow_mut() else {
            return f(&mut vec![0.0; a], &mut vec![0.0; b]);
        };
        let [x, y] = &mut *bufs;
        if x.len() < a {
            x.resize(a, 0.0);
        }
        if y.len() < b {
            y.resize(b, 0.0);
        }
        f(&mut x[..a], &mut y[..b])
    })
}

/// A pointer to an output buffer that several threads write to, each to places no other thread
/// writes (the callers' tiling guarantees it).
#[derive(Clone, Copy)]
pub(crate) struct SharedOut {
    ptr: *mut MaybeUninit<f32>,
    len: usize,
}

// SAFETY: the pointer is only used through `slice`, whose callers write disjoint ranges.
unsafe impl Send for SharedOut {}
// SAFETY: as above.
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// Wraps `out`, which must outlive every use of the result.
    pub(crate) fn new(out: &mut [MaybeUninit<f32>]) -> Self {
        Self {
            ptr: out.as_mut_ptr(),
            len: out.len(),
        }
    }

    /// The range `start..start + len` of the output.
    ///
    /// # Safety
    /// No other thread may access this range while the slice lives, and the buffer passed to
    /// [`SharedOut::new`] must still be alive.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slice(&self, start: usize, len: usize) -> &mut [MaybeUninit<f32>] {
        assert!(start + len <= self.len, "write outside the output");
        // SAFETY: in bounds (checked above); exclusivity is the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }
}

/// Splits `0..n` into at most `parts` contiguous, near-equal ranges (none empty).
pub(crate) fn split(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|p| (p * n / parts)..((p + 1) * n / parts))
        .filter(|r| !r.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_everything_once() {
        for n in [0, 1, 2, 5, 64, 1000] {
            for parts in [1, 2, 3, 8, 100] {
                let ranges = split(n, parts);
                assert!(ranges.len() <= parts.max(1));
                let mut next = 0;
                for r in &ranges {
                    assert_eq!(r.start, next);
                    assert!(!r.is_empty());
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn scratch_is_reused_and_sized() {
        with_scratch(10, 3, |a, b| {
            assert_eq!((a.len(), b.len()), (10, 3));
            a[9] = 1.0;
        });
        with_scratch(4, 20, |a, b| assert_eq!((a.len(), b.len()), (4, 20)));
    }
}
