//! Four f64 lanes for the Monte Carlo pair kernels, written once and compiled twice: as plain
//! arrays ([`Plain4`], any CPU) and as AVX registers (`Avx4`, x86-64 with AVX2, chosen at run
//! time by the caller).
//!
//! Every operation is one IEEE operation per lane (no fused multiply-add, no approximate
//! reciprocal), so both types give bitwise the same results: a kernel generic over [`Lanes`]
//! computes the same numbers on every CPU. This module owns the lane type and its operations;
//! the potentials' formulas over lanes are in their own files, the Monte Carlo loops that use
//! them in `crate::prepare::swap`.

use std::ops::{Add, Div, Mul, Sub};

/// Four f64 lanes with elementwise IEEE arithmetic, comparisons as masks, and a transposed
/// load of four 4-double records.
pub trait Lanes:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// A per-lane mask (the result of a comparison).
    type Mask: Copy;
    /// Every lane `x`.
    fn splat(x: f64) -> Self;
    /// The lanes of an array.
    fn from_array(a: [f64; 4]) -> Self;
    /// The lanes as an array.
    fn to_array(self) -> [f64; 4];
    /// |x| per lane (the sign bit cleared).
    fn abs(self) -> Self;
    /// Each lane rounded to the nearest integer, ties to even.
    fn round(self) -> Self;
    /// `self < o` per lane (false for NaN).
    fn lt(self, o: Self) -> Self::Mask;
    /// `self > o` per lane (false for NaN).
    fn gt(self, o: Self) -> Self::Mask;
    /// `self` where the mask is set, +0.0 elsewhere (bitwise: the lane and-ed with the mask).
    fn keep(self, m: Self::Mask) -> Self;
    /// The columns of four records of four f64 each: `out[c][l] = rows[l][c]`.
    fn transpose(rows: [&[f64; 4]; 4]) -> [Self; 4];
    /// (l0 + l1) + (l2 + l3).
    #[inline(always)]
    fn sum(self) -> f64 {
        let a = self.to_array();
        (a[0] + a[1]) + (a[2] + a[3])
    }
}

/// Four lanes as a plain array (any CPU).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plain4(pub [f64; 4]);

macro_rules! plain_op {
    ($tr:ident, $f:ident, $op:tt) => {
        impl $tr for Plain4 {
            type Output = Plain4;
            #[inline(always)]
            fn $f(self, o: Plain4) -> Plain4 {
                Plain4(std::array::from_fn(|l| self.0[l] $op o.0[l]))
            }
        }
    };
}
plain_op!(Add, add, +);
plain_op!(Sub, sub, -);
plain_op!(Mul, mul, *);
plain_op!(Div, div, /);

impl Lanes for Plain4 {
    type Mask = [bool; 4];
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Plain4([x; 4])
    }
    #[inline(always)]
    fn from_array(a: [f64; 4]) -> Self {
        Plain4(a)
    }
    #[inline(always)]
    fn to_array(self) -> [f64; 4] {
        self.0
    }
    #[inline(always)]
    fn abs(self) -> Self {
        Plain4(self.0.map(f64::abs))
    }
    #[inline(always)]
    fn round(self) -> Self {
        Plain4(self.0.map(f64::round_ties_even))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> [bool; 4] {
        std::array::from_fn(|l| self.0[l] < o.0[l])
    }
    #[inline(always)]
    fn gt(self, o: Self) -> [bool; 4] {
        std::array::from_fn(|l| self.0[l] > o.0[l])
    }
    #[inline(always)]
    fn keep(self, m: [bool; 4]) -> Self {
        Plain4(std::array::from_fn(|l| if m[l] { self.0[l] } else { 0.0 }))
    }
    #[inline(always)]
    fn transpose(rows: [&[f64; 4]; 4]) -> [Self; 4] {
        std::array::from_fn(|c| Plain4(std::array::from_fn(|l| rows[l][c])))
    }
}

#[cfg(target_arch = "x86_64")]
pub use avx::Avx4;

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::Lanes;
    use std::arch::x86_64::*;
    use std::ops::{Add, Div, Mul, Sub};

    /// Four lanes in one AVX register.
    ///
    /// Only code compiled for AVX2 and reached after checking the CPU for it
    /// (`is_x86_feature_detected!("avx2")`) may use this type: its operations are AVX
    /// instructions, inlined into that code.
    #[derive(Clone, Copy, Debug)]
    pub struct Avx4(__m256d);

    macro_rules! avx_op {
        ($tr:ident, $f:ident, $intr:ident) => {
            impl $tr for Avx4 {
                type Output = Avx4;
                #[inline(always)]
                fn $f(self, o: Avx4) -> Avx4 {
                    // SAFETY: the type is only used on CPUs with AVX2 (see its docs)
                    Avx4(unsafe { $intr(self.0, o.0) })
                }
            }
        };
    }
    avx_op!(Add, add, _mm256_add_pd);
    avx_op!(Sub, sub, _mm256_sub_pd);
    avx_op!(Mul, mul, _mm256_mul_pd);
    avx_op!(Div, div, _mm256_div_pd);

    // SAFETY (every block below): the type is only used on CPUs with AVX2 (see its docs), and
    // the loads read four f64 through references to `[f64; 4]`.
    impl Lanes for Avx4 {
        type Mask = __m256d;
        #[inline(always)]
        fn splat(x: f64) -> Self {
            Avx4(unsafe { _mm256_set1_pd(x) })
        }
        #[inline(always)]
        fn from_array(a: [f64; 4]) -> Self {
            Avx4(unsafe { _mm256_loadu_pd(a.as_ptr()) })
        }
        #[inline(always)]
        fn to_array(self) -> [f64; 4] {
            let mut a = [0.0; 4];
            unsafe { _mm256_storeu_pd(a.as_mut_ptr(), self.0) };
            a
        }
        #[inline(always)]
        fn abs(self) -> Self {
            Avx4(unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), self.0) })
        }
        #[inline(always)]
        fn round(self) -> Self {
            Avx4(unsafe {
                _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(self.0)
            })
        }
        #[inline(always)]
        fn lt(self, o: Self) -> __m256d {
            unsafe { _mm256_cmp_pd::<_CMP_LT_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        fn gt(self, o: Self) -> __m256d {
            unsafe { _mm256_cmp_pd::<_CMP_GT_OQ>(self.0, o.0) }
        }
        #[inline(always)]
        fn keep(self, m: __m256d) -> Self {
            Avx4(unsafe { _mm256_and_pd(self.0, m) })
        }
        #[inline(always)]
        fn transpose(rows: [&[f64; 4]; 4]) -> [Self; 4] {
            unsafe {
                let r0 = _mm256_loadu_pd(rows[0].as_ptr());
                let r1 = _mm256_loadu_pd(rows[1].as_ptr());
                let r2 = _mm256_loadu_pd(rows[2].as_ptr());
                let r3 = _mm256_loadu_pd(rows[3].as_ptr());
                // (r0[0] r1[0] r0[2] r1[2]), (r0[1] r1[1] r0[3] r1[3]), same for r2, r3
                let t0 = _mm256_unpacklo_pd(r0, r1);
                let t1 = _mm256_unpackhi_pd(r0, r1);
                let t2 = _mm256_unpacklo_pd(r2, r3);
                let t3 = _mm256_unpackhi_pd(r2, r3);
                [
                    Avx4(_mm256_permute2f128_pd::<0x20>(t0, t2)),
                    Avx4(_mm256_permute2f128_pd::<0x20>(t1, t3)),
                    Avx4(_mm256_permute2f128_pd::<0x31>(t0, t2)),
                    Avx4(_mm256_permute2f128_pd::<0x31>(t1, t3)),
                ]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lanes_compute_per_lane() {
        let a = Plain4([1.0, -2.0, 3.5, 0.25]);
        let b = Plain4::splat(2.0);
        assert_eq!((a + b).0, [3.0, 0.0, 5.5, 2.25]);
        assert_eq!((a / b).0, [0.5, -1.0, 1.75, 0.125]);
        assert_eq!(a.abs().0, [1.0, 2.0, 3.5, 0.25]);
        assert_eq!(a.keep(a.lt(b)).0, [1.0, -2.0, 0.0, 0.25]);
        assert_eq!(a.sum(), 2.75);
        let rows = [
            [1.0, 2.0, 3.0, 4.0],
            [5.0, 6.0, 7.0, 8.0],
            [9.0; 4],
            [0.0; 4],
        ];
        let t = Plain4::transpose([&rows[0], &rows[1], &rows[2], &rows[3]]);
        assert_eq!(t[1].0, [2.0, 6.0, 9.0, 0.0]);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx_lanes_equal_plain_lanes_bitwise() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let rows = [
            [1.0, -2.5, 3.5, 1e-300],
            [0.1, 0.2, 0.3, -0.0],
            [7.0, -1e30, 2.0, 5.0],
            [f64::MIN_POSITIVE, 3.0, -4.0, 1.0 / 3.0],
        ];
        let r = [&rows[0], &rows[1], &rows[2], &rows[3]];
        let (p, v) = (Plain4::transpose(r), Avx4::transpose(r));
        for c in 0..4 {
            assert_eq!(p[c].0.map(f64::to_bits), v[c].to_array().map(f64::to_bits));
        }
        let f = |x: [Plain4; 4]| {
            let m = x[0].lt(x[1]);
            let g = x[2].gt(x[3]);
            ((x[0] * x[1] + x[2]) / (x[3] - x[1]).abs()).keep(m) - x[2].keep(g) + x[1].round()
        };
        let h = |x: [Avx4; 4]| {
            let m = x[0].lt(x[1]);
            let g = x[2].gt(x[3]);
            ((x[0] * x[1] + x[2]) / (x[3] - x[1]).abs()).keep(m) - x[2].keep(g) + x[1].round()
        };
        assert_eq!(f(p).0.map(f64::to_bits), h(v).to_array().map(f64::to_bits));
        assert_eq!(f(p).sum().to_bits(), h(v).sum().to_bits());
    }
}
