//! The memory allocator of the zoo's binaries: mimalloc, keeping freed memory for reuse.
//!
//! A training step frees and allocates the same large tensors every step. glibc's malloc hands
//! large blocks back to the kernel and page-faults them in again on the next step (a quarter of
//! the lecture CNN's training step on flex, measured in docs/benchmarks.md); mimalloc returns
//! them after 10 ms by default, which a VGG-16 step outlasts. With purging off, a step reuses
//! the previous step's memory.

pub use mimalloc::MiMalloc as Allocator;

/// `mi_option_purge_delay` in mimalloc.h (the same position in mimalloc 2 and 3; the sys crate
/// leaves experimental options unnamed "for stability reasons" and documents passing them by
/// number).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Turns off mimalloc's purging of freed memory: the process keeps its peak memory for reuse.
/// [`run`](crate::run) calls it first; it changes nothing in a binary that allocates with
/// another allocator.
#[allow(unsafe_code)]
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` is not thread safe; `run` calls this before it starts any thread
    // (the rayon pool starts with the first tensor operation).
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)]
    fn the_option_is_the_purge_delay() {
        // SAFETY: reads an option; tests of this crate do not set options concurrently.
        let default = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        // The purge delay's default: 10 ms in mimalloc 2, 1000 ms in mimalloc 3 (options.c);
        // the options around position 15 default to 0, 1 or -1.
        assert!(
            [10, 1000].contains(&default),
            "option {PURGE_DELAY} (= {default}) is not mimalloc's purge delay"
        );
    }
}
