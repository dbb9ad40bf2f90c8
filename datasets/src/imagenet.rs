//! torchvision's ImageNet evaluation preprocessing, for published ImageNet weights: the short
//! side resized to 256 (antialiased), the centre 224x224 cropped, RGB, then normalised with
//! ImageNet's mean and standard deviation (`transforms.Resize(256)`, `CenterCrop(224)`,
//! `ToTensor()`, `Normalize(...)`, as `VGG16_Weights.IMAGENET1K_V1.transforms()` does).

use std::path::Path;

use image::imageops::FilterType;

use crate::batcher::Normalization;
use crate::error::{DatasetError, Result};
use crate::folder::image_to_chw;

/// The side the short side is resized to.
pub const RESIZE: u32 = 256;
/// The side of the centre crop (the models' input).
pub const CROP: u32 = 224;

/// ImageNet's per-channel mean and standard deviation (RGB, pixels in [0, 1]).
pub fn normalization() -> Normalization {
    Normalization::new(vec![0.485, 0.456, 0.406], vec![0.229, 0.224, 0.225])
}

/// The image at `path` as torchvision's ImageNet preprocessing sees it: `[3, 224, 224]` bytes,
/// channel-major (normalise with [`normalization`]).
pub fn decode(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
    let img = image::load_from_memory(&bytes).map_err(|e| DatasetError::Image {
        path: path.into(),
        reason: e.to_string(),
    })?;
    Ok(resize_crop(&img))
}

/// Resize (short side 256; the image crate's triangle filter widens with the scale, so a
/// downscale is antialiased as PIL's bilinear is) and centre crop 224.
pub fn resize_crop(img: &image::DynamicImage) -> Vec<u8> {
    let (w, h) = (img.width().max(1), img.height().max(1));
    let scale = RESIZE as f64 / w.min(h) as f64;
    let (nw, nh) = (
        ((w as f64 * scale).round() as u32).max(CROP),
        ((h as f64 * scale).round() as u32).max(CROP),
    );
    let resized = img.resize_exact(nw, nh, FilterType::Triangle);
    let (left, top) = ((nw - CROP) / 2, (nh - CROP) / 2);
    let cropped = resized.crop_imm(left, top, CROP, CROP);
    image_to_chw(&cropped, [3, CROP as usize, CROP as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_side_to_256_then_the_centre_224() {
        // 512 wide, 300 high: resized to 437x256, cropped at x 106..330, y 16..240. The left
        // half red, the right half blue: the crop's left and right columns keep those colours.
        let img = image::RgbImage::from_fn(512, 300, |x, _| {
            if x < 256 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let chw = resize_crop(&image::DynamicImage::ImageRgb8(img));
        assert_eq!(chw.len(), 3 * 224 * 224);
        let px = |c: usize, y: usize, x: usize| chw[(c * 224 + y) * 224 + x];
        assert_eq!((px(0, 100, 0), px(2, 100, 0)), (255, 0));
        assert_eq!((px(0, 100, 223), px(2, 100, 223)), (0, 255));
        // The red/blue border sits at the centre of the crop.
        assert!(
            px(0, 100, 108) > 200 && px(2, 100, 117) > 200,
            "border at the centre"
        );
    }
}
