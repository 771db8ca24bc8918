//! `report.json`: the report's numbers, machine-readable. Per group: `n_samples`,
//! `n_equilibrated`, `chains`, `e_is_lag1 {r, se, pairs}` (samples drawn from chains: the lag-1
//! correlation of e_IS between successive snapshots), `n_nonpositive_g`, `e_is`, `e_is_se`,
//! `G`, `G_se`, `lambda0`, `lambda0_se`,
//! `tail {exponent, se, lambda_min, n_modes, estimator}`, `A_g {value, se, units, threshold}`,
//! `A_g_sim {value, se}`, `mid {exponent, se, window, n_modes}`, `plateau`, `plateau_se`,
//! `plateau_modes`, `xi`, `xi_se`, `omega_g`, `omega_g_se` (ω/ω₀), `xi_g`, `xi_g_se` (a₀),
//! `n_dipoles`, `decay {field: {exponent, se, n_modes, window}}`,
//! `overlap {exponent, se, n_modes, window}`, `omega_low {exponent, se, n_modes, window}`;
//! then the claims with their test and verdict. Eigenvalue cutoffs and windows are in λ/λ₀
//! (decay windows in r/a₀, the D(ω) window in ω/ω₀); a missing number is `null`.

use serde_json::{Map, Value, json};

use crate::claims::Claim;
use crate::stats::{Estimate, GroupStats, WindowFit};

fn est(e: Option<Estimate>) -> (Value, Value) {
    e.map_or((Value::Null, Value::Null), |e| {
        (json!(e.value), json!(e.se))
    })
}

fn window(w: &Option<WindowFit>) -> Value {
    w.as_ref().map_or(Value::Null, |w| {
        json!({
            "exponent": w.exponent.value,
            "se": w.exponent.se,
            "n_modes": w.n_modes,
            "window": [w.window.0, w.window.1],
        })
    })
}

/// One group's entry.
pub fn group(s: &GroupStats) -> Value {
    let p = &s.pooled;
    let (a, a_se) = est(s.a_g);
    let (asim, asim_se) = est(s.a_g_sim);
    let (pl, pl_se) = est(s.plateau);
    let (x, x_se) = est(s.xi);
    let (wg, wg_se) = est(s.omega_g);
    let (xg, xg_se) = est(s.xi_g);
    let mut decay = Map::new();
    for (f, w) in &s.decay {
        decay.insert(f.clone(), window(&Some(w.clone())));
    }
    json!({
        "name": s.name,
        "tp": s.tp.map(|t| t.to_string()),
        "n": s.n,
        "dim": s.dim,
        "n_samples": s.samples,
        "n_equilibrated": p.n_equilibrated,
        "chains": p.chains,
        "e_is_lag1": p.e_is_lag1.map(|(r, se, pairs)| json!({"r": r, "se": se, "pairs": pairs})),
        "n_nonpositive_g": p.n_nonpositive_g,
        "e_is": p.energy_per_particle.0,
        "e_is_se": p.energy_per_particle.1,
        "G": p.shear_modulus.0,
        "G_se": p.shear_modulus.1,
        "lambda0": p.lambda_0.0,
        "lambda0_se": s.lambda0_se,
        "acceptance": p.acceptance.map(|(m, w)| json!({"moves": m, "swaps": w})),
        "tail": s.tail.map(|t| json!({
            "exponent": t.exponent.value,
            "se": t.exponent.se,
            "lambda_min": t.lambda_min,
            "n_modes": t.n_modes,
            "ks": t.ks,
            "estimator": t.estimator,
        })),
        "A_g": json!({"value": a, "se": a_se, "units": "lambda/lambda0", "threshold": s.a_g_threshold}),
        "A_g_sim": json!({"value": asim, "se": asim_se}),
        "mid": s.mid.as_ref().map(|m| json!({
            "exponent": m.exponent.value,
            "se": m.exponent.se,
            "window": [m.window.0, m.window.1],
            "n_modes": m.n_modes,
        })),
        "plateau": pl,
        "plateau_se": pl_se,
        "plateau_modes": s.plateau_modes,
        "omega_g": wg,
        "omega_g_se": wg_se,
        "xi_g": xg,
        "xi_g_se": xg_se,
        "n_dipoles": s.dipoles,
        "xi": x,
        "xi_se": x_se,
        "decay": decay,
        "decay_qlm_only": s.decay_qlm_only,
        "overlap": window(&s.overlap_fit),
        "omega_low": window(&s.omega_low),
    })
}

/// The whole `report.json`.
pub fn report(stats: &[GroupStats], claims: &[Claim]) -> Value {
    json!({
        "groups": stats.iter().map(group).collect::<Vec<_>>(),
        "claims": claims,
    })
}
