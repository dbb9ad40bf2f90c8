//! Copies between NCHW tensors and the column matrices of one block of a convolution.

use multiversion::multiversion;

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
    if seg <= SMALL_SEGMENT && h * w <= SMALL_PLANE {
        return im2col_small(x, g, block, col);
    }
    // Stride 1, no dilation, output as wide as the input: each tap is one shifted copy.
    let flat = [sh, sw, dh, dw] == [1; 4] && ow == w;
    for bi in 0..block.images {
        let image = &x[(block.image + bi) * g.in_image()..][..g.in_image()];
        for (c, plane) in image.chunks_exact(h * w).enumerate() {
            for i in 0..kh {
                for j in 0..kw {
                    let row = (c * kh + i) * kw + j;
                    let dst = &mut col[row * ncols + bi * seg..][..seg];
                    let dx = (j * dw) as isize - pw;
                    if flat {
                        let dy = (block.row0 + i) as isize - ph;
                        shifted_plane(plane, [h, w], [dy, dx], block.rows, dst);
                        continue;
                    }
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

/// Output pixels per image up to which [`im2col_small`] is used.
const SMALL_SEGMENT: usize = 64;
/// Input pixels per plane up to which [`im2col_small`] is used.
const SMALL_PLANE: usize = 256;

/// im2col for small planes (the deep layers: 8x8 and smaller), where per-row copies would be a
/// few elements each. The source of every (tap, output pixel) is looked up once per block in a
/// table, then each channel is a branch-free gather from the plane with a zero appended (the
/// padding's entries point at that zero).
fn im2col_small(x: &[f32], g: &ConvGeometry, block: &Block, col: &mut [f32]) {
    let [h, w] = g.in_size;
    let [kh, kw] = g.kernel;
    let ow = g.out_size[1];
    let (ncols, seg) = (block.cols(g), block.segment(g));
    let zero = h * w;
    let table: Vec<u32> = (0..kh * kw)
        .flat_map(|tap| {
            let (i, j) = (tap / kw, tap % kw);
            (0..seg).map(move |p| {
                let (oy, ox) = (block.row0 + p / ow, p % ow);
                let iy = (oy * g.stride[0] + i * g.dilation[0]) as isize - g.pad[0];
                let ix = (ox * g.stride[1] + j * g.dilation[1]) as isize - g.pad[1];
                let inside = (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix);
                (if inside {
                    iy as usize * w + ix as usize
                } else {
                    zero
                }) as u32
            })
        })
        .collect();
    let mut padded = [0.0f32; SMALL_PLANE + 1];
    for bi in 0..block.images {
        let image = &x[(block.image + bi) * g.in_image()..][..g.in_image()];
        for (c, plane) in image.chunks_exact(h * w).enumerate() {
            padded[..zero].copy_from_slice(plane);
            for (tap, sources) in table.chunks_exact(seg).enumerate() {
                let row = c * kh * kw + tap;
                gather_from(&mut col[row * ncols + bi * seg..][..seg], &padded, sources);
            }
        }
    }
}

/// `dst[i] = src[sources[i]]` (AVX-512 and AVX2 have gather instructions for this).
#[multiversion(targets = "simd")]
fn gather_from(dst: &mut [f32], src: &[f32], sources: &[u32]) {
    for (d, &s) in dst.iter_mut().zip(sources) {
        *d = src[s as usize];
    }
}

/// `dst[r * w + ox] = plane[r + dy][ox + dx]` for `rows x w` outputs, zero outside the plane: the
/// im2col row of one tap when the output is as wide as the input (stride 1, "same" width). The
/// rows of the shifted window follow each other in memory, so this is one copy plus the `|dx|`
/// columns of each row that wrapped around into the neighbouring row, zeroed.
fn shifted_plane(
    plane: &[f32],
    [h, w]: [usize; 2],
    [dy, dx]: [isize; 2],
    rows: usize,
    dst: &mut [f32],
) {
    let (h, w) = (h as isize, w as isize);
    // Output rows whose input row exists: lo..hi.
    let lo = (-dy).clamp(0, rows as isize);
    let hi = (h - dy).clamp(lo, rows as isize);
    let (lo, hi) = (lo as usize, hi as usize);
    let wu = w as usize;
    dst[..lo * wu].fill(0.0);
    dst[hi * wu..].fill(0.0);
    if lo == hi {
        return;
    }
    // Flat source range of those rows, shifted by dx; clamp to the plane, zero what falls off.
    let start = (lo as isize + dy) * w + dx;
    let end = (hi as isize + dy) * w + dx;
    let body = &mut dst[lo * wu..hi * wu];
    let (from, to) = (start.max(0), end.min(h * w));
    let head = (from - start) as usize;
    body[..head].fill(0.0);
    let copied = (to - from).max(0) as usize;
    body[head..head + copied].copy_from_slice(&plane[from as usize..from as usize + copied]);
    body[head + copied..].fill(0.0);
    // Columns that came from the row before or after.
    if dx != 0 {
        let wrap = dx.unsigned_abs().min(wu);
        for row in body.chunks_exact_mut(wu) {
            if dx > 0 {
                row[wu - wrap..].fill(0.0);
            } else {
                row[..wrap].fill(0.0);
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

    /// im2col against the definition, element by element: the shifted-plane path (stride 1,
    /// "same" width, with row-tiled blocks for the 40x40 image) and the general one.
    #[test]
    fn patches_match_the_definition() {
        let cases = [
            // (input [n, c, h, w], kernel, stride, pad, dilation)
            ([2, 3, 7, 6], 3, 1, 1, 1),
            ([2, 2, 7, 6], 5, 1, 2, 1),
            ([1, 2, 40, 40], 3, 1, 1, 1),
            ([2, 3, 7, 6], 3, 2, 1, 1),
            ([2, 3, 7, 6], 3, 1, 0, 2),
            ([2, 3, 7, 6], 3, 2, 2, 1),
            ([2, 3, 7, 6], 3, 1, 0, 1),
            ([3, 4, 2, 2], 3, 1, 1, 1),
            ([2, 4, 8, 8], 3, 1, 0, 1),
            ([2, 2, 20, 12], 3, 1, 1, 1),
        ];
        for (dims, k, stride, pad, dilation) in cases {
            let [n, c_in, h, w] = dims;
            let x: Vec<f32> = (0..n * c_in * h * w).map(|v| v as f32 + 1.0).collect();
            let options = ConvOptions::new([stride; 2], [pad; 2], [dilation; 2], 1);
            let g = ConvGeometry::new(dims, [4, c_in, k, k], &options).unwrap();
            let [oh, ow] = g.out_size;
            for block in g.blocks(3) {
                let ncols = block.cols(&g);
                let mut col = vec![f32::NAN; g.k() * ncols];
                im2col(&x, &g, &block, &mut col);
                for bi in 0..block.images {
                    for r in 0..block.rows {
                        for ox in 0..ow {
                            for c in 0..c_in {
                                for i in 0..k {
                                    for j in 0..k {
                                        let oy = block.row0 + r;
                                        assert!(oy < oh);
                                        let at = |o: usize, t: usize| {
                                            (o * stride + t * dilation) as isize - pad as isize
                                        };
                                        let (iy, ix) = (at(oy, i), at(ox, j));
                                        let inside = (0..h as isize).contains(&iy)
                                            && (0..w as isize).contains(&ix);
                                        let want = if inside {
                                            let image = block.image + bi;
                                            x[((image * c_in + c) * h + iy as usize) * w
                                                + ix as usize]
                                        } else {
                                            0.0
                                        };
                                        let column = bi * block.segment(&g) + r * ow + ox;
                                        let got = col[((c * k + i) * k + j) * ncols + column];
                                        assert_eq!(
                                            got, want,
                                            "{dims:?} k{k} s{stride} p{pad} d{dilation}"
                                        );
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
