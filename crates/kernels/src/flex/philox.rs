//! Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
//! counter-based generator of cuRAND and of PyTorch's GPU dropout: any element's random number
//! is a pure function of (key, counter), so threads draw without sharing state and a backward
//! pass can draw the forward pass's mask again instead of storing it.

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Four random 32-bit words for `counter` under `key`.
#[inline(always)]
pub(crate) fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (counter, key);
    for _ in 0..10 {
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
        k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
    }
    c
}

/// Lanes of [`philox4x32_10_lanes`]: 16 counters, one AVX-512 register per word.
pub(crate) const LANES: usize = 16;

/// [`philox4x32_10`] for `LANES` counters at once, in structure-of-arrays form (word `w` of
/// counter `l` is `out[w][l]`), so the rounds compile to vector multiplies.
#[inline(always)]
pub(crate) fn philox4x32_10_lanes(counter: [[u32; LANES]; 4], key: [u32; 2]) -> [[u32; LANES]; 4] {
    let [mut c0, mut c1, mut c2, mut c3] = counter;
    let mut k = key;
    for _ in 0..10 {
        let mut n = [[0u32; LANES]; 4];
        for l in 0..LANES {
            let p0 = u64::from(M0) * u64::from(c0[l]);
            let p1 = u64::from(M1) * u64::from(c2[l]);
            n[0][l] = (p1 >> 32) as u32 ^ c1[l] ^ k[0];
            n[1][l] = p1 as u32;
            n[2][l] = (p0 >> 32) as u32 ^ c3[l] ^ k[1];
            n[3][l] = p0 as u32;
        }
        [c0, c1, c2, c3] = n;
        k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
    }
    [c0, c1, c2, c3]
}

/// A stream of random words: word `i` of stream `stream` under `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stream {
    pub seed: u64,
    pub stream: u64,
}

impl Stream {
    fn key(&self) -> [u32; 2] {
        [self.seed as u32, (self.seed >> 32) as u32]
    }

    /// Words `4 * block .. 4 * block + 4`.
    #[inline(always)]
    pub(crate) fn block(&self, block: u64) -> [u32; 4] {
        philox4x32_10(
            [
                block as u32,
                (block >> 32) as u32,
                self.stream as u32,
                (self.stream >> 32) as u32,
            ],
            self.key(),
        )
    }

    /// The words of blocks `first .. first + LANES`: word `w` of block `first + l` is
    /// `out[w][l]`, the same words as [`Stream::block`] gives one block at a time.
    #[inline(always)]
    pub(crate) fn lanes(&self, first: u64) -> [[u32; LANES]; 4] {
        let blocks: [u64; LANES] = std::array::from_fn(|l| first + l as u64);
        philox4x32_10_lanes(
            [
                blocks.map(|b| b as u32),
                blocks.map(|b| (b >> 32) as u32),
                [self.stream as u32; LANES],
                [(self.stream >> 32) as u32; LANES],
            ],
            self.key(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors of the Random123 distribution (kat_vectors, philox4x32 10 rounds).
    #[test]
    fn known_answers() {
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn lanes_give_the_same_words_as_single_blocks() {
        let s = Stream {
            seed: 0x0123_4567_89ab_cdef,
            stream: u64::MAX - 3,
        };
        // Across the 2^32 boundary of the low counter word too.
        for first in [0, 17, (1u64 << 32) - 5] {
            let lanes = s.lanes(first);
            for (l, block) in (first..first + LANES as u64).enumerate() {
                assert_eq!(s.block(block), lanes.map(|word| word[l]));
            }
        }
    }

    #[test]
    fn words_look_uniform() {
        // Mean of 2^16 words / 2^32 is 0.5 within a few standard errors (1/sqrt(12 n)).
        let s = Stream {
            seed: 42,
            stream: 7,
        };
        let n = 1 << 14;
        let mean = (0..n)
            .flat_map(|b| s.block(b))
            .map(|w| f64::from(w) / 4294967296.0)
            .sum::<f64>()
            / (4 * n) as f64;
        assert!(
            (mean - 0.5).abs() < 4.0 / (12.0 * (4 * n) as f64).sqrt(),
            "{mean}"
        );
    }
}
