//! External check against packings made by jax-md (`shared/external/jaxmd`): energy and the
//! stress tensor's trace (pressure) of every sample must match the reference values.

#![allow(clippy::needless_range_loop)]

use std::path::PathBuf;

use bondspace::io::xyz::read_xyz;
use bondspace::{state, with_dim};

fn external_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/external/jaxmd")
}

#[test]
fn energy_and_pressure_match_jaxmd() {
    let dirs = [
        "3d_bi_N128_Lp-1.0",
        "3d_bi_N128_Lp-4.0",
        "2d_polyuniform_N64_Lp-1.0",
        "2d_polyuniform_N64_Lp-4.0",
    ];
    let mut checked = 0;
    for d in dirs {
        let dir = external_dir().join(d);
        let text = std::fs::read_to_string(dir.join("reference.json"))
            .unwrap_or_else(|e| panic!("{}: {e} (is shared/ beside the clone?)", dir.display()));
        let refs: serde_json::Value = serde_json::from_str(&text).unwrap();
        for r in refs.as_array().unwrap() {
            let k = r["sample"].as_u64().unwrap();
            let cfg = read_xyz(&dir.join(format!("sample{k}.xyz"))).unwrap();
            let st = with_dim!(&cfg, c => state::state(c)).unwrap();
            let e_ref = r["energy"].as_f64().unwrap();
            let stress = r["stress"].as_array().unwrap();
            let dim = stress.len();
            // jax-md's stress is −(virial)/V: its trace is −d p.
            let trace: f64 = (0..dim).map(|a| stress[a][a].as_f64().unwrap()).sum();
            let p_ref = -trace / dim as f64;
            assert!(
                (st.energy - e_ref).abs() <= 1e-10 * e_ref.abs(),
                "{d} sample {k}: energy {} vs {e_ref}",
                st.energy
            );
            assert!(
                (st.pressure - p_ref).abs() <= 1e-9 * p_ref.abs(),
                "{d} sample {k}: pressure {} vs {p_ref}",
                st.pressure
            );
            assert!(
                st.max_force < 1e-10,
                "{d} sample {k}: max force {}",
                st.max_force
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 40);
}
