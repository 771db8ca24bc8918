//! Writing a result directory: each file atomically, `summary.json` last, with the names of
//! [`super::files`].

use std::path::Path;

use super::analysis::{Analysis, ModeResults, overlaps_d, overlaps_f};
use super::files::{self, counts, decay, dipoles, modes, participation};
use crate::error::{Error, Result};
use crate::io::npy::write_npy;
use crate::operators::Network;
use crate::spectra::Method;

/// Writes `summary.json` and `bond_spectrum.npy`, `hessian_spectrum.npy` (dense, explicit)
/// or `counts.npz` (slicing: `lambda_edges`, `lambda_counts`, `omega2_edges`,
/// `omega2_counts`, in simulation units) into `dir`.
pub fn write_results<const D: usize>(dir: &Path, a: &Analysis<D>) -> Result<()> {
    clear_results(dir)?;
    write_present(dir, a)
}

/// Creates `dir` and removes the result files of an earlier analysis from it (they must not
/// stand beside new ones).
pub(crate) fn clear_results(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for name in files::RESULT_FILES {
        let p = dir.join(name);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// Writes the files of every part present in `a` (each atomically), `summary.json` last.
pub(crate) fn write_present<const D: usize>(dir: &Path, a: &Analysis<D>) -> Result<()> {
    if let Some(c) = &a.counts {
        let mut z = crate::io::npy::Npz::new();
        let n = c.lambda_counts.len() as u64;
        let as_i64 = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
        z.add(counts::LAMBDA_EDGES, &[n + 1], &c.lambda_edges)?;
        z.add(counts::LAMBDA_COUNTS, &[n], &as_i64(&c.lambda_counts))?;
        z.add(counts::OMEGA2_EDGES, &[n + 1], &c.omega2_edges)?;
        z.add(counts::OMEGA2_COUNTS, &[n], &as_i64(&c.omega2_counts))?;
        z.write(&dir.join(files::COUNTS))?;
    } else if a.summary.method != Method::Sparse {
        // (sparse computes no spectrum: no spectrum files)
        let b = &a.spectrum.bond;
        write_npy(&dir.join(files::BOND_SPECTRUM), &[b.len() as u64], b)?;
        let h = &a.spectrum.hessian;
        write_npy(&dir.join(files::HESSIAN_SPECTRUM), &[h.len() as u64], h)?;
    }
    if let Some(m) = &a.modes {
        write_modes(&dir.join(files::MODES), &a.network, m)?;
        let mut z = crate::io::npy::Npz::new();
        if let Some((_, p)) = m.decay.first() {
            z.add(decay::R, &[p.r.len() as u64], &p.r)?;
        }
        for (name, p) in &m.decay {
            z.add(name, &[p.mean.len() as u64], &p.mean)?;
        }
        for (name, profiles) in &m.decay_modes {
            let bins = profiles.first().map_or(0, Vec::len) as u64;
            z.add(
                &decay::per_mode(name),
                &[profiles.len() as u64, bins],
                &profiles.concat(),
            )?;
        }
        z.add(decay::WINDOW, &[2], &[m.decay_window.0, m.decay_window.1])?;
        z.write(&dir.join(files::DECAY))?;
    }
    if let Some((l, ne)) = &a.participation {
        let mut z = crate::io::npy::Npz::new();
        z.add(participation::LAMBDA, &[l.len() as u64], l)?;
        z.add(participation::PARTICIPATION_N, &[ne.len() as u64], ne)?;
        z.write(&dir.join(files::PARTICIPATION))?;
    }
    if !a.dipoles.is_empty() {
        let mut z = crate::io::npy::Npz::new();
        let n = a.dipoles.len() as u64;
        let bonds = a.network.bonds_original();
        let pairs: Vec<i64> = a
            .dipoles
            .iter()
            .flat_map(|d| bonds[d.bond].map(i64::from))
            .collect();
        z.add(dipoles::BONDS, &[n, 2], &pairs)?;
        let kappa: Vec<f64> = a.dipoles.iter().map(|d| d.kappa).collect();
        z.add(dipoles::KAPPA, &[n], &kappa)?;
        let comp: Vec<f64> = a.dipoles.iter().map(|d| d.compliance).collect();
        z.add(dipoles::COMPLIANCE, &[n], &comp)?;
        z.write(&dir.join(files::DIPOLES))?;
    }
    write_summary(dir, a)
}

/// The normalization note stored in `modes.npz` (array `normalization`).
pub const MODES_NORMALIZATION: &str = "bond_force f: unit eigenvector of A = S M+ S^T (largest |f| positive); \
particle_force F = S^T f; displacement D = M+ S^T f (translation-free), so D.M.D = lambda and F = M D; \
phm_displacement, phm_force: unit D_PH and F_PH = M D_PH / |M D_PH|; overlap_X = 1 - |<X|X_PH>| of unit vectors; \
particle arrays are (K, N, d) in the file's particle order, rattlers zero";

/// Writes the arrays of [`files::modes`]: the modes, their residuals, the PHM arrays when
/// present, and the normalisation note.
fn write_modes<const D: usize>(path: &Path, net: &Network<D>, m: &ModeResults) -> Result<()> {
    let k = m.modes.lambda.len() as u64;
    let nb = net.n_bonds() as u64;
    let n = net.n_total as u64;
    // particle fields in the file's numbering, rattlers zero
    let expand = |fields: &mut dyn Iterator<Item = &Vec<f64>>| -> Vec<f64> {
        let mut out = Vec::new();
        for f in fields {
            let mut full = vec![0.0; net.n_total * D];
            for (p, &orig) in net.kept.iter().enumerate() {
                full[orig * D..orig * D + D].copy_from_slice(&f[p * D..p * D + D]);
            }
            out.extend(full);
        }
        out
    };
    let mut z = crate::io::npy::Npz::new();
    z.add(modes::LAMBDA, &[k], &m.modes.lambda)?;
    let f: Vec<f64> = m.modes.bond_force.concat();
    z.add(modes::BOND_FORCE, &[k, nb], &f)?;
    let shape = [k, n, D as u64];
    z.add(
        modes::PARTICLE_FORCE,
        &shape,
        &expand(&mut m.modes.particle_force.iter()),
    )?;
    z.add(
        modes::DISPLACEMENT,
        &shape,
        &expand(&mut m.modes.displacement.iter()),
    )?;
    z.add(modes::PARTICIPATION_N, &[k], &m.modes.participation_n)?;
    let bonds: Vec<i64> = net
        .bonds_original()
        .iter()
        .flat_map(|b| b.map(i64::from))
        .collect();
    z.add(modes::BONDS, &[nb, 2], &bonds)?;
    z.add(modes::RESIDUAL, &[k], &m.modes.residual)?;
    if !m.phm.is_empty() {
        let d: Vec<&Vec<f64>> = m.phm.iter().map(|p| &p.displacement).collect();
        z.add(modes::PHM_DISPLACEMENT, &shape, &expand(&mut d.into_iter()))?;
        let f: Vec<&Vec<f64>> = m.phm.iter().map(|p| &p.force).collect();
        z.add(modes::PHM_FORCE, &shape, &expand(&mut f.into_iter()))?;
        z.add(modes::OVERLAP_D, &[k], &overlaps_d(m))?;
        z.add(modes::OVERLAP_F, &[k], &overlaps_f(m))?;
    }
    z.add_text(modes::NORMALIZATION, MODES_NORMALIZATION)?;
    z.write(path)
}

fn write_summary<const D: usize>(dir: &Path, a: &Analysis<D>) -> Result<()> {
    let json = serde_json::to_string_pretty(&a.summary)
        .map_err(|e| Error::Numerical(format!("{}: {e}", files::SUMMARY)))?;
    crate::io::write_atomic(&dir.join(files::SUMMARY), json.as_bytes())
}
