//! Property tests of the batcher and the augmentation: for any image shape, model input,
//! normalisation, padding and seed, the output has the right shape, holds only values the input
//! can produce, never reads outside the image, and repeats exactly for the same seed.

use proptest::prelude::*;
use zoo_datasets::{Augmentation, ImageBatcher, ImageItem, Normalization};

fn channels() -> impl Strategy<Value = usize> {
    prop_oneof![Just(1usize), Just(3usize)]
}

/// An image of any 1- or 3-channel shape up to 24x24, with random pixels.
fn image() -> impl Strategy<Value = ImageItem> {
    (
        channels(),
        1usize..=24,
        1usize..=24,
        any::<u64>(),
        0usize..100,
    )
        .prop_flat_map(|(c, h, w, index, label)| {
            proptest::collection::vec(any::<u8>(), c * h * w).prop_map(move |pixels| ImageItem {
                pixels,
                shape: [c, h, w],
                label,
                index: index as usize,
            })
        })
}

fn normalization() -> impl Strategy<Value = Normalization> {
    (
        proptest::collection::vec(0.0f32..1.0, 1..=3),
        proptest::collection::vec(0.05f32..1.0, 1..=3),
    )
        .prop_map(|(mean, std)| Normalization::new(mean, std))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn batches_have_the_model_shape_and_only_reachable_values(
        items in proptest::collection::vec(image(), 1..4),
        target in (channels(), 1usize..=24, 1usize..=24),
        norm in normalization(),
    ) {
        let target = [target.0, target.1, target.2];
        let batcher = ImageBatcher::new(target, norm.clone());
        let (images, labels) = batcher.batch_data(&items);
        let per_image: usize = target.iter().product();
        prop_assert_eq!(images.len(), items.len() * per_image);
        prop_assert_eq!(labels, items.iter().map(|i| i.label as i64).collect::<Vec<_>>());
        for (image, item) in images.chunks_exact(per_image).zip(&items) {
            let plane = target[1] * target[2];
            for (ch, values) in image.chunks_exact(plane).enumerate() {
                let mean = norm.mean.get(ch).or(norm.mean.first()).copied().unwrap();
                let std = norm.std.get(ch).or(norm.std.first()).copied().unwrap();
                let (lo, hi) = (-mean / std, (1.0 - mean) / std);
                for &v in values {
                    prop_assert!(v.is_finite() && v >= lo - 1e-4 && v <= hi + 1e-4,
                        "{v} outside [{lo}, {hi}]");
                }
            }
            // An image that fits, with the model's channels, is copied exactly into the centre,
            // and the zero border is normalised zero.
            let [c0, h0, w0] = item.shape;
            if c0 == target[0] && h0 <= target[1] && w0 <= target[2] {
                let (top, left) = ((target[1] - h0) / 2, (target[2] - w0) / 2);
                for ch in 0..c0 {
                    let mean = norm.mean.get(ch).or(norm.mean.first()).copied().unwrap();
                    let std = norm.std.get(ch).or(norm.std.first()).copied().unwrap();
                    for y in 0..target[1] {
                        for x in 0..target[2] {
                            let got = image[(ch * target[1] + y) * target[2] + x];
                            let inside = (top..top + h0).contains(&y) && (left..left + w0).contains(&x);
                            let raw = if inside {
                                f32::from(item.pixels[(ch * h0 + y - top) * w0 + x - left])
                            } else {
                                0.0
                            };
                            let want = (raw / 255.0 - mean) / std;
                            prop_assert!((got - want).abs() <= 1e-5 * want.abs().max(1.0),
                                "({ch}, {y}, {x}): {got} != {want}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn augmentation_crops_and_flips_within_the_image_reproducibly(
        item in image(),
        crop_padding in 0usize..=30,
        horizontal_flip in any::<bool>(),
        seed in any::<u64>(),
        draw in any::<u32>(),
    ) {
        let aug = Augmentation { crop_padding, horizontal_flip, seed };
        let mut a = item.clone();
        aug.apply(&mut a, draw);
        let mut b = item.clone();
        aug.apply(&mut b, draw);
        prop_assert_eq!(&a, &b, "same seed, index and draw: same image");
        prop_assert_eq!(a.shape, item.shape);
        prop_assert_eq!(a.label, item.label);
        prop_assert_eq!(a.pixels.len(), item.pixels.len());
        // Every output pixel is zero padding or a pixel of the same channel and row band.
        let [c, h, w] = item.shape;
        for ch in 0..c {
            let source = &item.pixels[ch * h * w..(ch + 1) * h * w];
            for &v in &a.pixels[ch * h * w..(ch + 1) * h * w] {
                prop_assert!(v == 0 || source.contains(&v));
            }
        }
        // Exactly one of the allowed moves: a shift by at most the padding (zero fill), then
        // maybe a mirror (checked for paddings up to the CIFAR standard's 4).
        if crop_padding <= 4 {
            let p = crop_padding as i64;
            let flips: &[bool] = if horizontal_flip { &[false, true] } else { &[false] };
            let moved = |dy: i64, dx: i64, flip: bool| -> Vec<u8> {
                let mut out = vec![0u8; c * h * w];
                for ch in 0..c {
                    for y in 0..h {
                        for x in 0..w {
                            let xx = if flip { w - 1 - x } else { x };
                            let (sy, sx) = (y as i64 + dy, xx as i64 + dx);
                            if (0..h as i64).contains(&sy) && (0..w as i64).contains(&sx) {
                                out[(ch * h + y) * w + x] =
                                    item.pixels[(ch * h + sy as usize) * w + sx as usize];
                            }
                        }
                    }
                }
                out
            };
            let found = (-p..=p).any(|dy| {
                (-p..=p).any(|dx| flips.iter().any(|&f| moved(dy, dx, f) == a.pixels))
            });
            prop_assert!(found, "not a shift within {p} pixels (and mirror)");
        }
        if crop_padding == 0 && !horizontal_flip {
            prop_assert_eq!(&a.pixels, &item.pixels, "nothing to do");
        }
    }
}
