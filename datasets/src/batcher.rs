//! From 8-bit images to normalised Burn batches: channel conversion, zero padding or resizing to
//! the model's input, per-channel normalisation.

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::{Device, Int, Tensor, TensorData};
use image::imageops::FilterType;
use serde::{Deserialize, Serialize};

use crate::image_set::ImageItem;

/// Per-channel mean and standard deviation on `[0, 1]`: `x' = (x / 255 - mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    /// Mean per channel (one value applies to every channel).
    pub mean: Vec<f32>,
    /// Standard deviation per channel (one value applies to every channel).
    pub std: Vec<f32>,
}

impl Normalization {
    /// A normalisation with these means and standard deviations.
    pub fn new(mean: Vec<f32>, std: Vec<f32>) -> Self {
        Self { mean, std }
    }

    fn channel(&self, c: usize) -> (f32, f32) {
        let pick = |v: &[f32]| v.get(c).or(v.first()).copied().unwrap_or(0.0);
        (pick(&self.mean), pick(&self.std).max(f32::EPSILON))
    }
}

/// One batch: images `[N, C, H, W]` (normalised) and class indices `[N]`.
#[derive(Debug, Clone)]
pub struct ImageBatch {
    /// The images.
    pub images: Tensor<4>,
    /// The labels.
    pub targets: Tensor<1, Int>,
}

/// Turns [`ImageItem`]s into an [`ImageBatch`] of the model's input shape.
///
/// Grey images become RGB by repeating the channel (RGB to grey uses ITU-R 601 luma); images
/// that fit in the target are zero-padded around the centre (Fashion-MNIST 28x28 -> 32x32),
/// larger ones are resized to it (triangle filter).
#[derive(Debug, Clone)]
pub struct ImageBatcher {
    target: [usize; 3],
    normalization: Normalization,
}

impl ImageBatcher {
    /// A batcher producing `[N, target[0], target[1], target[2]]` normalised with `normalization`.
    pub fn new(target: [usize; 3], normalization: Normalization) -> Self {
        Self {
            target,
            normalization,
        }
    }

    /// The output shape of one image.
    pub fn target(&self) -> [usize; 3] {
        self.target
    }

    /// Writes one image, converted and normalised, into `out` (`c * h * w` values).
    pub fn write_image(&self, pixels: &[u8], shape: [usize; 3], out: &mut [f32]) {
        let [c, h, w] = self.target;
        let [c0, h0, w0] = shape;
        let resized;
        let (pixels, h0, w0) = if h0 > h || w0 > w {
            resized = resize(pixels, shape, [h, w]);
            (&resized[..], h, w)
        } else {
            (pixels, h0, w0)
        };
        let (top, left) = ((h - h0) / 2, (w - w0) / 2);
        let plane0 = h0 * w0;
        for ch in 0..c {
            let (mean, std) = self.normalization.channel(ch);
            let zero = -mean / std;
            let dst = &mut out[ch * h * w..(ch + 1) * h * w];
            dst.fill(zero);
            for y in 0..h0 {
                let row = &mut dst[(top + y) * w + left..(top + y) * w + left + w0];
                for (x, v) in row.iter_mut().enumerate() {
                    let i = y * w0 + x;
                    let value = match (c0, c) {
                        (1, _) => f32::from(pixels[i]),
                        (_, 1) => {
                            0.299 * f32::from(pixels[i])
                                + 0.587 * f32::from(pixels[plane0 + i])
                                + 0.114 * f32::from(pixels[2 * plane0 + i])
                        }
                        _ => f32::from(pixels[(ch % c0) * plane0 + i]),
                    };
                    *v = (value / 255.0 - mean) / std;
                }
            }
        }
    }

    /// The batch as plain vectors: images `N * C * H * W`, labels `N`.
    pub fn batch_data(&self, items: &[ImageItem]) -> (Vec<f32>, Vec<i64>) {
        let per_image: usize = self.target.iter().product();
        let mut images = vec![0f32; items.len() * per_image];
        for (item, out) in items.iter().zip(images.chunks_exact_mut(per_image)) {
            self.write_image(&item.pixels, item.shape, out);
        }
        let labels = items.iter().map(|i| i.label as i64).collect();
        (images, labels)
    }
}

fn resize(pixels: &[u8], shape: [usize; 3], [h, w]: [usize; 2]) -> Vec<u8> {
    let [c, h0, w0] = shape;
    let plane0 = h0 * w0;
    let mut out = Vec::with_capacity(c * h * w);
    for ch in 0..c {
        let plane = image::GrayImage::from_raw(
            w0 as u32,
            h0 as u32,
            pixels[ch * plane0..(ch + 1) * plane0].to_vec(),
        )
        .expect("plane size matches its shape");
        let scaled = image::imageops::resize(&plane, w as u32, h as u32, FilterType::Triangle);
        out.extend_from_slice(scaled.as_raw());
    }
    out
}

impl Batcher<ImageItem, ImageBatch> for ImageBatcher {
    fn batch(&self, items: Vec<ImageItem>, device: &Device) -> ImageBatch {
        let [c, h, w] = self.target;
        let n = items.len();
        let (images, labels) = self.batch_data(&items);
        ImageBatch {
            images: Tensor::from_data(TensorData::new(images, [n, c, h, w]), device),
            targets: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pixels: Vec<u8>, shape: [usize; 3]) -> ImageItem {
        ImageItem {
            pixels,
            shape,
            label: 3,
            index: 0,
        }
    }

    #[test]
    fn zero_pads_around_the_centre_and_normalises() {
        let b = ImageBatcher::new([1, 4, 4], Normalization::new(vec![0.5], vec![0.5]));
        let (data, labels) = b.batch_data(&[item(vec![255; 4], [1, 2, 2])]);
        assert_eq!(labels, vec![3]);
        #[rustfmt::skip]
        let expected = [
            -1.0, -1.0, -1.0, -1.0,
            -1.0,  1.0,  1.0, -1.0,
            -1.0,  1.0,  1.0, -1.0,
            -1.0, -1.0, -1.0, -1.0,
        ];
        assert_eq!(data, expected);
    }

    #[test]
    fn grey_to_rgb_repeats_and_rgb_to_grey_uses_luma() {
        let identity = Normalization::new(vec![0.0], vec![1.0]);
        let b = ImageBatcher::new([3, 1, 1], identity.clone());
        let (data, _) = b.batch_data(&[item(vec![51], [1, 1, 1])]);
        assert_eq!(data, vec![0.2, 0.2, 0.2]);
        let b = ImageBatcher::new([1, 1, 1], identity);
        let (data, _) = b.batch_data(&[item(vec![255, 0, 0], [3, 1, 1])]);
        assert!((data[0] - 0.299).abs() < 1e-6);
    }

    #[test]
    fn larger_images_are_resized() {
        let b = ImageBatcher::new([1, 2, 2], Normalization::new(vec![0.0], vec![1.0]));
        let (data, _) = b.batch_data(&[item(vec![255; 16], [1, 4, 4])]);
        assert_eq!(data, vec![1.0; 4]);
    }

    #[test]
    fn per_channel_statistics() {
        let n = Normalization::new(vec![0.0, 0.5, 1.0], vec![1.0, 0.5, 0.25]);
        let b = ImageBatcher::new([3, 1, 1], n);
        let (data, _) = b.batch_data(&[item(vec![255, 255, 255], [3, 1, 1])]);
        assert_eq!(data, vec![1.0, 1.0, 0.0]);
    }
}
