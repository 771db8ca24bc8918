//! Pooling with the group's scales: a sample whose shear modulus is not positive (its own λ₀
//! undefined) stays in P(λ) and D(ω), is counted, and the pooled P(λ) integrates to
//! Σ n_nonzero / Σ N·d exactly.

use bondspace::ensemble::pool::{Pooling, summarize};
use bondspace::ensemble::{Family, Group};
use bondspace::results::{SampleRecord, Summary};
use bondspace::{Temperature, stats::Histogram};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn summary(n: usize, n_nonzero: usize, g: f64, a0: f64) -> Summary {
    let lambda_0 = if g > 0.0 {
        a0 * a0 * (n as f64 / a0.powi(3) / n as f64) / g
    } else {
        f64::NAN
    };
    let json = serde_json::json!({
        "n_particles": n, "n_rattlers": 0, "dim": 3, "n_bonds": 3 * n, "n_sss": 3 * n - n_nonzero,
        "n_nonzero": n_nonzero, "a0": a0, "shear_modulus": g, "c_s": null, "omega_0": null,
        "lambda_0": lambda_0, "omega_ph": null, "energy": 1.0, "pressure": 1.0, "max_force": 0.0,
        "min_hessian_eigenvalue": null, "method": "dense",
        "factor": {"ordering": "metis", "dim": 3 * n - 3, "nnz_l": 1, "symbolic_seconds": 0.0, "numeric_seconds": 0.0},
        "seconds": 0.0
    });
    serde_json::from_value(json).unwrap()
}

fn mass(h: &Histogram) -> f64 {
    h.density
        .iter()
        .zip(h.edges.windows(2))
        .map(|(d, w)| d * (w[1] - w[0]))
        .sum()
}

#[test]
fn samples_with_nonpositive_g_stay_in_and_the_normalisation_is_exact() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let n = 100;
    let nonzero = 3 * n - 3;
    let gs = [8.0, 7.5, -0.3, 9.1];
    let data: Vec<SampleRecord> = gs
        .iter()
        .enumerate()
        .map(|(k, &g)| {
            // eigenvalues spread over eleven decades, some outside the default bins
            let lambda: Vec<f64> = (0..nonzero)
                .map(|_| 1e-7 * 1e11f64.powf(rng.random::<f64>()))
                .collect();
            let omega2: Vec<f64> = (0..nonzero)
                .map(|_| 1e-5 * 1e9f64.powf(rng.random::<f64>()))
                .collect();
            let s = summary(n, nonzero, g, 1.2);
            SampleRecord {
                index: k,
                n_dof: (3 * n) as f64,
                lambda,
                omega2,
                energy_per_particle: 5.0,
                shear_modulus: g,
                lambda_0: s.scales.lambda_0,
                omega_0: s.scales.lambda_0.sqrt().recip(),
                a0: 1.2,
                summary: Some(s),
                ..Default::default()
            }
        })
        .collect();
    let pooling = Pooling::for_group(&data);
    assert!(pooling.group_scales && pooling.lambda_0.is_finite());
    let all: Vec<usize> = (0..data.len()).collect();
    let (p, d) = pooling.histograms(&data, &all);
    let expect = (data.len() * nonzero) as f64 / (data.len() * 3 * n) as f64;
    assert!(
        (mass(&p) - expect).abs() < 1e-12,
        "{} vs {expect}",
        mass(&p)
    );
    assert!(
        (mass(&d) - expect).abs() < 1e-12,
        "{} vs {expect}",
        mass(&d)
    );
    assert_eq!(p.counts.iter().sum::<usize>(), data.len() * nonzero);
    let group = Group {
        dim: 3,
        n,
        family: Family::Ipl {
            tp: Temperature::Infinite,
            sweeps: None,
        },
    };
    let s = summarize(&group, &data, &pooling);
    assert_eq!(s.n_nonpositive_g, 1);
    assert_eq!(s.samples.len(), 4);
    assert_eq!(s.n_nonzero_total, 4 * nonzero);
    // the group's λ₀ comes from the mean G, the negative one included
    let gbar = gs.iter().sum::<f64>() / 4.0;
    assert!((s.lambda_0.0 - 1.2f64.powi(-1) / gbar).abs() < 1e-12 * s.lambda_0.0);
}
