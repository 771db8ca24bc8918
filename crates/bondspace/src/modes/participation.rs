//! Participation and size of a mode: N·e of a particle field, the QLM size n and length ξ.
//!
//! The paper (Sec. IV.B.3) measures the spatial extent of the quasi-localized modes by the
//! participation N·e = (Σ_i F_i·F_i)² / Σ_i (F_i·F_i)² of the particle force modes F: at high
//! λ it settles on a plateau of a few tens of particles. The QLM size n is the N·e value 15 %
//! above that plateau, and ξ = a₀ n^{1/d} its length.

/// N·e = (Σ_i F_i·F_i)² / Σ_i (F_i·F_i)² of a particle field of length n·d: 1 for a field on
/// one particle, n for a field of equal magnitude on every particle. NaN for a zero field.
pub fn participation_n<const D: usize>(field: &[f64]) -> f64 {
    let (mut s2, mut s4) = (0.0, 0.0);
    for v in field.chunks_exact(D) {
        let m: f64 = v.iter().map(|x| x * x).sum();
        s2 += m;
        s4 += m * m;
    }
    if s4 > 0.0 { s2 * s2 / s4 } else { f64::NAN }
}

/// Factor between the QLM size n and the N·e plateau (the paper's "15 % above the plateau").
pub const QLM_SIZE_FACTOR: f64 = 1.15;

/// The QLM size n = 1.15 × plateau: the N·e value 15 % above the high-λ plateau.
pub fn qlm_size(plateau: f64) -> f64 {
    QLM_SIZE_FACTOR * plateau
}

/// The QLM length ξ = a₀ n^{1/d}.
pub fn xi(a0: f64, n: f64, d: usize) -> f64 {
    a0 * n.powf(1.0 / d as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participation_and_sizes() {
        let mut one = vec![0.0; 3 * 50];
        one[3 * 7 + 1] = -2.5;
        assert!((participation_n::<3>(&one) - 1.0).abs() < 1e-15);
        // equal magnitudes in different directions on every particle
        let uniform: Vec<f64> = (0..2 * 64)
            .map(|k| {
                if (k / 2) % 2 == 0 {
                    [0.6, 0.8][k % 2]
                } else {
                    [1.0, 0.0][k % 2]
                }
            })
            .collect();
        assert!((participation_n::<2>(&uniform) - 64.0).abs() < 1e-12);
        assert!(participation_n::<2>(&[0.0; 4]).is_nan());
        assert!((xi(1.2, 27.0, 3) - 3.6).abs() < 1e-14);
        assert!((xi(0.9, 16.0, 2) - 3.6).abs() < 1e-14);
        assert!((qlm_size(20.0) - 23.0).abs() < 1e-14);
    }
}
