//! A bounds-checked matrix product on top of the `gemm` crate (the one Burn's flex backend uses,
//! with its AVX-512 kernels picked at run time).

/// A read-only strided matrix: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatRef<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major `rows x cols` matrix at the start of `data`.
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose (a view, nothing is copied).
    pub(crate) fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }

    fn check(&self, what: &str) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.rs + (self.cols - 1) * self.cs;
            assert!(
                last < self.data.len(),
                "{what}: a {}x{} view with strides ({}, {}) needs {} elements, has {}",
                self.rows,
                self.cols,
                self.rs,
                self.cs,
                last + 1,
                self.data.len()
            );
        }
    }
}

/// `dst = (accumulate ? dst : 0) + a · b`, where `dst` is row-major `a.rows x b.cols` with row
/// stride `ldd`. `parallel` lets the product use rayon's threads (for one large product);
/// kernels that already run one product per thread pass `false`.
pub(crate) fn matmul(
    dst: &mut [f32],
    ldd: usize,
    a: MatRef<'_>,
    b: MatRef<'_>,
    accumulate: bool,
    parallel: bool,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "matmul: inner dimensions differ");
    a.check("matmul lhs");
    b.check("matmul rhs");
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        ldd >= n && (m - 1) * ldd + n <= dst.len(),
        "matmul: destination too small"
    );
    if k == 0 {
        if !accumulate {
            for row in dst.chunks_mut(ldd).take(m) {
                row[..n].fill(0.0);
            }
        }
        return;
    }
    let parallelism = if parallel {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: every index the product touches is inside the slices (checked above), `dst` does
    // not alias `a` or `b` (a `&mut` and two `&` borrows), and strides fit in isize because the
    // slices' lengths do.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            ldd as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &MatRef, b: &MatRef) -> Vec<f32> {
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    c[i * b.cols + j] += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
                }
            }
        }
        c
    }

    #[test]
    fn products_with_strides_and_accumulation() {
        let a: Vec<f32> = (0..12).map(|v| v as f32 * 0.5 - 2.0).collect();
        let b: Vec<f32> = (0..20).map(|v| (v % 7) as f32 - 3.0).collect();
        let a = MatRef::row_major(&a, 3, 4);
        let b = MatRef::row_major(&b, 4, 5);
        let mut c = vec![f32::NAN; 15];
        matmul(&mut c, 5, a, b, false, false);
        assert_eq!(c, naive(&a, &b));
        matmul(&mut c, 5, a, b, true, true);
        let twice: Vec<f32> = naive(&a, &b).iter().map(|v| 2.0 * v).collect();
        assert_eq!(c, twice);
        // Transposed views: (b^T a^T) = (a b)^T.
        let mut ct = vec![0.0; 15];
        matmul(&mut ct, 3, b.t(), a.t(), false, false);
        let expected = naive(&b.t(), &a.t());
        assert_eq!(ct, expected);
    }

    #[test]
    #[should_panic(expected = "needs")]
    fn views_outside_the_data_are_refused() {
        let a = vec![0.0; 5];
        let mut c = vec![0.0; 4];
        matmul(
            &mut c,
            2,
            MatRef::row_major(&a, 2, 3),
            MatRef::row_major(&a, 3, 2),
            false,
            false,
        );
    }
}
