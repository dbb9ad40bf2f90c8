//! The shape arithmetic of a 2-D convolution (NCHW, one group), and how its output columns are
//! cut into blocks of work.

use burn::tensor::ops::ConvOptions;

/// Columns of im2col buffer per block, at most: 1 MiB of `f32`, so a block's columns and its
/// slice of the output stay in a core's L2 cache.
const COL_FLOATS: usize = 1 << 18;
/// Fewest output columns in a block (below this the matrix product is mostly overhead).
const MIN_COLS: usize = 64;
/// Most output columns in a block.
const MAX_COLS: usize = 4096;
/// Blocks per thread to aim for, so that threads finish together.
const BLOCKS_PER_THREAD: usize = 4;

/// A convolution `x [batch, in_channels, h, w] * w [out_channels, in_channels, kh, kw]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    pub batch: usize,
    pub in_channels: usize,
    pub in_size: [usize; 2],
    pub out_channels: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// Padding before the first row and column. Negative values crop (the input gradient's
    /// geometry can have them).
    pub pad: [isize; 2],
    pub out_size: [usize; 2],
}

impl ConvGeometry {
    /// The geometry of Burn's `conv2d(x, w, options)`; `None` when the kernels do not cover it
    /// (groups, an empty tensor, a kernel larger than the padded input).
    pub(crate) fn new(x: [usize; 4], w: [usize; 4], options: &ConvOptions<2>) -> Option<Self> {
        let [batch, in_channels, h, wd] = x;
        let [out_channels, w_in, kh, kw] = w;
        if options.groups != 1 || w_in != in_channels {
            return None;
        }
        let out = |size: usize, k: usize, d: usize, s: usize, (begin, end): (usize, usize)| {
            let span = d * (k - 1) + 1;
            let padded = size + begin + end;
            (padded >= span).then(|| (padded - span) / s + 1)
        };
        let oh = out(
            h,
            kh,
            options.dilation[0],
            options.stride[0],
            options.padding[0],
        )?;
        let ow = out(
            wd,
            kw,
            options.dilation[1],
            options.stride[1],
            options.padding[1],
        )?;
        let geometry = Self {
            batch,
            in_channels,
            in_size: [h, wd],
            out_channels,
            kernel: [kh, kw],
            stride: options.stride,
            dilation: options.dilation,
            pad: [options.padding[0].0 as isize, options.padding[1].0 as isize],
            out_size: [oh, ow],
        };
        let sizes = [batch, in_channels, h, wd, out_channels, kh, kw, oh, ow];
        sizes.iter().all(|&s| s > 0).then_some(geometry)
    }

    /// Rows of the im2col matrix: `in_channels * kh * kw`.
    pub(crate) fn k(&self) -> usize {
        self.in_channels * self.kernel[0] * self.kernel[1]
    }

    /// Elements of one input image.
    pub(crate) fn in_image(&self) -> usize {
        self.in_channels * self.in_size[0] * self.in_size[1]
    }

    /// Pixels of one output plane.
    pub(crate) fn out_plane(&self) -> usize {
        self.out_size[0] * self.out_size[1]
    }

    /// Multiply-adds of the forward pass (and of each gradient).
    pub(crate) fn macs(&self) -> usize {
        self.out_len() * self.k()
    }

    /// Elements of the output.
    pub(crate) fn out_len(&self) -> usize {
        self.batch * self.out_channels * self.out_plane()
    }

    /// The input gradient `dx = conv(dy, flipped w^T)` as a convolution of its own: stride 1
    /// only (a strided convolution's input gradient is a transposed convolution).
    pub(crate) fn input_grad(&self) -> Option<Self> {
        if self.stride != [1, 1] {
            return None;
        }
        let pad = |i: usize| (self.dilation[i] * (self.kernel[i] - 1)) as isize - self.pad[i];
        Some(Self {
            batch: self.batch,
            in_channels: self.out_channels,
            in_size: self.out_size,
            out_channels: self.in_channels,
            kernel: self.kernel,
            stride: [1, 1],
            dilation: self.dilation,
            pad: [pad(0), pad(1)],
            out_size: self.in_size,
        })
    }

    /// Cuts the output columns (every image's output pixels) into blocks: several whole images
    /// per block when the images are small, runs of output rows of one image when they are
    /// large.
    pub(crate) fn blocks(&self, threads: usize) -> Vec<Block> {
        let [oh, ow] = self.out_size;
        let plane = oh * ow;
        let total = self.batch * plane;
        let target = (COL_FLOATS / self.k())
            .clamp(MIN_COLS, MAX_COLS)
            .min(total.div_ceil(BLOCKS_PER_THREAD * threads).max(MIN_COLS));
        if plane <= target {
            let per_block = (target / plane).max(1);
            (0..self.batch)
                .step_by(per_block)
                .map(|image| Block {
                    image,
                    images: per_block.min(self.batch - image),
                    row0: 0,
                    rows: oh,
                })
                .collect()
        } else {
            let rows = (target / ow).max(1);
            (0..self.batch)
                .flat_map(|image| {
                    (0..oh).step_by(rows).map(move |row0| Block {
                        image,
                        images: 1,
                        row0,
                        rows: rows.min(oh - row0),
                    })
                })
                .collect()
        }
    }
}

/// A block of output columns: output rows `row0..row0 + rows` of images
/// `image..image + images` (several images only with all their rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    pub image: usize,
    pub images: usize,
    pub row0: usize,
    pub rows: usize,
}

impl Block {
    /// Output columns of one image in this block.
    pub(crate) fn segment(&self, g: &ConvGeometry) -> usize {
        self.rows * g.out_size[1]
    }

    /// Output columns in the block.
    pub(crate) fn cols(&self, g: &ConvGeometry) -> usize {
        self.images * self.segment(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(x: [usize; 4], w: [usize; 4], stride: usize, pad: usize) -> ConvGeometry {
        let options = ConvOptions::new([stride; 2], [pad; 2], [1, 1], 1);
        ConvGeometry::new(x, w, &options).unwrap()
    }

    #[test]
    fn output_sizes_follow_burn() {
        let g = geometry([2, 3, 32, 32], [8, 3, 3, 3], 1, 1);
        assert_eq!(g.out_size, [32, 32]);
        let g = geometry([2, 3, 8, 8], [8, 3, 3, 3], 1, 0);
        assert_eq!(g.out_size, [6, 6]);
        let g = geometry([2, 3, 9, 7], [8, 3, 3, 3], 2, 1);
        assert_eq!(g.out_size, [5, 4]);
        let options = ConvOptions::new([1, 1], [0, 0], [1, 1], 3);
        assert_eq!(
            ConvGeometry::new([1, 3, 8, 8], [3, 1, 3, 3], &options),
            None
        );
        let options = ConvOptions::new([1, 1], [0, 0], [1, 1], 1);
        assert_eq!(
            ConvGeometry::new([1, 3, 2, 2], [3, 3, 3, 3], &options),
            None
        );
    }

    #[test]
    fn blocks_cover_every_column_once() {
        for (x, w) in [
            ([64, 1, 32, 32], [36, 1, 3, 3]),
            ([64, 72, 8, 8], [144, 72, 3, 3]),
            ([1, 64, 224, 224], [64, 64, 3, 3]),
            ([3, 512, 2, 2], [512, 512, 3, 3]),
            ([5, 3, 17, 9], [4, 3, 3, 3]),
        ] {
            let g = geometry(x, w, 1, 1);
            for threads in [1, 2, 16] {
                let mut seen = vec![0u8; g.batch * g.out_size[0]];
                for b in g.blocks(threads) {
                    assert!(b.images == 1 || (b.row0 == 0 && b.rows == g.out_size[0]));
                    for i in b.image..b.image + b.images {
                        for r in b.row0..b.row0 + b.rows {
                            seen[i * g.out_size[0] + r] += 1;
                        }
                    }
                }
                assert!(seen.iter().all(|&s| s == 1), "{x:?} {threads}");
            }
        }
    }

    #[test]
    fn input_gradient_geometry_mirrors_the_forward_one() {
        let g = geometry([2, 3, 10, 10], [4, 3, 3, 3], 1, 0);
        let d = g.input_grad().unwrap();
        assert_eq!((d.in_channels, d.out_channels), (4, 3));
        assert_eq!((d.in_size, d.out_size), ([8, 8], [10, 10]));
        assert_eq!(d.pad, [2, 2]);
        assert_eq!(
            geometry([1, 3, 9, 9], [4, 3, 3, 3], 2, 1).input_grad(),
            None
        );
    }
}
