//! Training augmentation, seeded and reproducible: random crop with zero padding and horizontal
//! flip (the CIFAR standard).

use std::sync::atomic::{AtomicU32, Ordering};

use burn::data::dataset::Dataset;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::image_set::ImageItem;

/// What to draw for each training image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Augmentation {
    /// Pad by this many zero pixels on every side, then crop back to the original size at a
    /// random offset (0 turns cropping off).
    pub crop_padding: usize,
    /// Flip left-right with probability 1/2.
    pub horizontal_flip: bool,
    /// The seed of every draw.
    pub seed: u64,
}

impl Augmentation {
    /// The CIFAR standard: 4-pixel padding crop and horizontal flip.
    pub fn cifar(seed: u64) -> Self {
        Self {
            crop_padding: 4,
            horizontal_flip: true,
            seed,
        }
    }

    /// Applies the draw for `(index, epoch)` to an image in place.
    ///
    /// The draw depends only on the seed, the example's index and how many times it was drawn
    /// before, so data-loader threads cannot change it.
    pub fn apply(&self, item: &mut ImageItem, draw: u32) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(mix(self.seed, item.index as u64, draw));
        let [c, h, w] = item.shape;
        let p = self.crop_padding as i64;
        let (dy, dx) = if p > 0 {
            (rng.random_range(-p..=p), rng.random_range(-p..=p))
        } else {
            (0, 0)
        };
        let flip = self.horizontal_flip && rng.random_bool(0.5);
        if dy == 0 && dx == 0 && !flip {
            return;
        }
        let src = std::mem::take(&mut item.pixels);
        let mut out = vec![0u8; src.len()];
        for ch in 0..c {
            for y in 0..h {
                let sy = y as i64 + dy;
                if sy < 0 || sy >= h as i64 {
                    continue;
                }
                for x in 0..w {
                    let xx = if flip { w - 1 - x } else { x };
                    let sx = xx as i64 + dx;
                    if sx < 0 || sx >= w as i64 {
                        continue;
                    }
                    out[(ch * h + y) * w + x] = src[(ch * h + sy as usize) * w + sx as usize];
                }
            }
        }
        item.pixels = out;
    }
}

fn mix(seed: u64, index: u64, draw: u32) -> u64 {
    // SplitMix64 finaliser over the three inputs.
    let mut z = seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (u64::from(draw) << 40);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A dataset whose items are augmented; each example gets a new draw every time it is read
/// (once per epoch), reproducibly.
pub struct AugmentedDataset<D> {
    inner: D,
    augmentation: Augmentation,
    draws: Vec<AtomicU32>,
}

impl<D: Dataset<ImageItem>> AugmentedDataset<D> {
    /// Wraps `inner`.
    pub fn new(inner: D, augmentation: Augmentation) -> Self {
        let draws = (0..inner.len()).map(|_| AtomicU32::new(0)).collect();
        Self {
            inner,
            augmentation,
            draws,
        }
    }
}

impl<D: Dataset<ImageItem>> Dataset<ImageItem> for AugmentedDataset<D> {
    fn get(&self, index: usize) -> Result<ImageItem, burn::data::dataset::DatasetError> {
        let mut item = self.inner.get(index)?;
        let draw = self.draws[index].fetch_add(1, Ordering::Relaxed);
        self.augmentation.apply(&mut item, draw);
        Ok(item)
    }

    fn len(&self) -> usize {
        self.inner.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_set::ImageSet;

    fn set() -> ImageSet {
        let pixels: Vec<u8> = (0..4u8)
            .flat_map(|i| (0..16u8).map(move |p| p + 16 * i))
            .collect();
        ImageSet::new(
            "s",
            [1, 4, 4],
            pixels,
            vec![0, 1, 0, 1],
            vec!["a".into(), "b".into()],
        )
        .unwrap()
    }

    #[test]
    fn same_seed_same_images_and_new_draws_each_epoch() {
        let aug = Augmentation {
            crop_padding: 1,
            horizontal_flip: true,
            seed: 3,
        };
        let a = AugmentedDataset::new(set(), aug);
        let b = AugmentedDataset::new(set(), aug);
        let epoch1: Vec<_> = (0..4).map(|i| a.get(i).unwrap().pixels).collect();
        let again: Vec<_> = (0..4).map(|i| b.get(i).unwrap().pixels).collect();
        assert_eq!(epoch1, again);
        let epoch2: Vec<_> = (0..8).map(|i| a.get(i % 4).unwrap().pixels).collect();
        assert_ne!(epoch1, epoch2[..4].to_vec());
    }

    #[test]
    fn flip_only_mirrors_rows() {
        let mut item = set().get(0).unwrap();
        let aug = Augmentation {
            crop_padding: 0,
            horizontal_flip: true,
            seed: 0,
        };
        // Find a draw that flips, then check the mirror.
        let original = item.pixels.clone();
        for draw in 0..16 {
            let mut copy = item.clone();
            aug.apply(&mut copy, draw);
            if copy.pixels != original {
                assert_eq!(&copy.pixels[..4], &[3, 2, 1, 0]);
                item = copy;
                break;
            }
        }
        assert_ne!(item.pixels, original, "no draw flipped in 16 tries");
    }

    #[test]
    fn crops_keep_shape_and_labels() {
        let aug = Augmentation::cifar(1);
        let a = AugmentedDataset::new(set(), aug);
        for i in 0..4 {
            let item = a.get(i).unwrap();
            assert_eq!(item.pixels.len(), 16);
            assert_eq!(item.label, i % 2);
        }
    }
}
