//! Copies between NCHW tensors and the column matrices of one block of a convolution.

use super::geometry::{Block, ConvGeometry};

/// The output columns `lo..hi` whose input column `ox * stride + offset` lies in `0..size`.
fn valid_range(out: usize, stride: usize, offset: isize, size: usize) -> (usize, usize) {
    let lo = if offset >= 0 {
        0
    } else {
        (offset.unsigned_abs()).div_ceil(stride)
    };
    let last = size as isize - 1 - offset;
    let hi = if last < 0 {
        0
    } else {
        (last as usize / stride + 1).min(out)
    };
    (lo.min(hi), hi)
}

/// Fills `col` (row-major `g.k() x block.cols(g)`) with the input patches of `block`: row
/// `(c * kh + i) * kw + j` holds input channel `c` shifted by kernel tap `(i, j)`, zero where the
/// tap falls in the padding. Images of the block follow each other along the columns.
pub(crate) fn im2col(x: &[f32], g: &ConvGeometry, block: &Block, col: &mut [f32]) {
    let [h, w] = g.in_size;
    let [kh, kw] = g.kernel;
    let [sh, sw] = g.stride;
    let [dh, dw] = g.dilation;
    let [ph, pw] = g.pad;
    let ow = g.out_size[1];
    let (ncols, seg) = (block.cols(g), block.segment(g));
    debug_assert!(col.len() >= g.k() * ncols);
    for bi in 0..block.images {
        let image = &x[(block.image + bi) * g.in_image()..][..g.in_image()];
        for (c, plane) in image.chunks_exact(h * w).enumerate() {
            for i in 0..kh {
                for j in 0..kw {
                    let row = (c * kh + i) * kw + j;
                    let dst = &mut col[row * ncols + bi * seg..][..seg];
                    let dx = (j * dw) as isize - pw;
                    let (lo, hi) = valid_range(ow, sw, dx, w);
                    for (r, d) in dst.chunks_exact_mut(ow).enumerate() {
                        let iy = ((block.row0 + r) * sh + i * dh) as isize - ph;
                        if iy < 0 || iy >= h as isize {
                            d.fill(0.0);
                            continue;
                        }
                        let src = &plane[iy as usize * w..][..w];
                        d[..lo].fill(0.0);
                        d[hi..].fill(0.0);
                        if lo == hi {
                            continue;
                        } else if sw == 1 {
                            let start = (lo as isize + dx) as usize;
                            d[lo..hi].copy_from_slice(&src[start..start + (hi - lo)]);
                        } else {
                            for (ox, v) in d[lo..hi].iter_mut().enumerate() {
                                *v = src[(((lo + ox) * sw) as isize + dx) as usize];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Copies the output-shaped `y` (`[batch, out_channels, oh, ow]`) of `block` into `dst`, row-major
/// `out_channels x block.cols(g)`: the layout of the product `w · col`.
pub(crate) fn gather(y: &[f32], g: &ConvGeometry, block: &Block, dst: &mut [f32]) {
    let (co, plane) = (g.out_channels, g.out_plane());
    let (ncols, seg) = (block.cols(g), block.segment(g));
    let offset = block.row0 * g.out_size[1];
    for bi in 0..block.images {
        let image = block.image + bi;
        for c in 0..co {
            let src = &y[(image * co + c) * plane + offset..][..seg];
            dst[c * ncols + bi * seg..][..seg].copy_from_slice(src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::ops::ConvOptions;

    #[test]
    fn valid_ranges() {
        // Padding 1, stride 1, 5 wide: tap 0 misses column 0, tap 2 misses column 4.
        assert_eq!(valid_range(5, 1, -1, 5), (1, 5));
        assert_eq!(valid_range(5, 1, 1, 5), (0, 4));
        // Stride 2 over 7 columns, padding 1: outputs 0..4 read -1, 1, 3, 5.
        assert_eq!(valid_range(4, 2, -1, 7), (1, 4));
        // Entirely outside: empty.
        assert_eq!(valid_range(3, 1, 10, 4), (0, 0));
        let (lo, hi) = valid_range(3, 1, -10, 4);
        assert_eq!(lo, hi);
    }

    /// im2col against the definition, element by element.
    #[test]
    fn patches_match_the_definition() {
        for (stride, pad, dilation) in [(1, 1, 1), (2, 1, 1), (1, 0, 2), (2, 2, 1)] {
            let x: Vec<f32> = (0..2 * 3 * 7 * 6).map(|v| v as f32 + 1.0).collect();
            let options = ConvOptions::new([stride; 2], [pad; 2], [dilation; 2], 1);
            let g = ConvGeometry::new([2, 3, 7, 6], [4, 3, 3, 3], &options).unwrap();
            for block in g.blocks(3) {
                let ncols = block.cols(&g);
                let mut col = vec![f32::NAN; g.k() * ncols];
                im2col(&x, &g, &block, &mut col);
                for bi in 0..block.images {
                    for r in 0..block.rows {
                        for ox in 0..g.out_size[1] {
                            for c in 0..3 {
                                for i in 0..3 {
                                    for j in 0..3 {
                                        let oy = block.row0 + r;
                                        let iy =
                                            (oy * stride + i * dilation) as isize - pad as isize;
                                        let ix =
                                            (ox * stride + j * dilation) as isize - pad as isize;
                                        let inside = (0..7).contains(&iy) && (0..6).contains(&ix);
                                        let want = if inside {
                                            x[(((block.image + bi) * 3 + c) * 7 + iy as usize) * 6
                                                + ix as usize]
                                        } else {
                                            0.0
                                        };
                                        let col_index =
                                            bi * block.segment(&g) + r * g.out_size[1] + ox;
                                        let got = col[((c * 3 + i) * 3 + j) * ncols + col_index];
                                        assert_eq!(got, want, "s{stride} p{pad} d{dilation}");
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
