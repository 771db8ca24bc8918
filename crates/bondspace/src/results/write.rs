//! Writing a result directory: each file atomically, `summary.json` last, with the names of
//! [`super::files`].

use std::path::Path;

use super::analysis::{Analysis, ModeResults, overlaps_d, overlaps_f};
use super::files::{self, counts, decay, dipoles, modes, participation};
use crate::config::Configuration;
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

/// Writes [`files::MODES_XYZ`] (one extended-XYZ frame per mode: the configuration with the
/// columns of [`files::mode_frames`]) and [`files::MODES_BONDS`] (the bonds and each mode's
/// f_α, a LAMMPS dump local) into `dir`, when `a` has modes.
pub fn write_mode_frames<const D: usize>(
    dir: &Path,
    cfg: &Configuration<D>,
    a: &Analysis<D>,
) -> Result<()> {
    use std::fmt::Write;
    let Some(m) = &a.modes else {
        return Ok(());
    };
    use files::mode_frames as mf;
    let net = &a.network;
    let n = cfg.len();
    // a field in network numbering → per-particle 3-vectors in file numbering, rattlers zero
    let expand = |f: &[f64]| -> Vec<[f64; 3]> {
        let mut out = vec![[0.0; 3]; n];
        for (p, &orig) in net.kept.iter().enumerate() {
            for c in 0..D {
                out[orig][c] = f[p * D + c];
            }
        }
        out
    };
    let has_phm = !m.phm.is_empty();
    let mut cols: Vec<(&str, char, usize)> =
        vec![(mf::ID, 'I', 1), (mf::D, 'R', 3), (mf::F, 'R', 3)];
    if has_phm {
        cols.push((mf::D_PH, 'R', 3));
        cols.push((mf::F_PH, 'R', 3));
    }
    cols.push((mf::D_MAG, 'R', 1));
    let (od, of) = if has_phm {
        (overlaps_d(m), overlaps_f(m))
    } else {
        (Vec::new(), Vec::new())
    };
    let fmt = crate::models::fmt_f64;
    let mut s = String::new();
    for k in 0..m.modes.lambda.len() {
        let l = m.modes.lambda[k];
        let mut keys = vec![
            (mf::MODE.to_string(), k.to_string()),
            (mf::LAMBDA.to_string(), fmt(l)),
            (mf::LAMBDA_REL.to_string(), fmt(l / a.scales.lambda_0)),
            (
                mf::PARTICIPATION_N.to_string(),
                fmt(m.modes.participation_n[k]),
            ),
        ];
        if has_phm {
            keys.push((mf::OVERLAP_D.to_string(), fmt(od[k])));
            keys.push((mf::OVERLAP_F.to_string(), fmt(of[k])));
        }
        let (comment, labels) = crate::io::xyz::comment_line(cfg, &cols, &keys);
        let dv = expand(&m.modes.displacement[k]);
        let fv = expand(&m.modes.particle_force[k]);
        let (dp, fp) = if has_phm {
            (expand(&m.phm[k].displacement), expand(&m.phm[k].force))
        } else {
            (Vec::new(), Vec::new())
        };
        let _ = writeln!(s, "{n}\n{comment}");
        for i in 0..n {
            crate::io::xyz::atom_columns(&mut s, cfg, i, labels.as_deref());
            let _ = write!(s, " {}", i + 1);
            let mut vecs = vec![&dv[i], &fv[i]];
            if has_phm {
                vecs.push(&dp[i]);
                vecs.push(&fp[i]);
            }
            for v in vecs {
                let _ = write!(s, " {} {} {}", fmt(v[0]), fmt(v[1]), fmt(v[2]));
            }
            let mag = dv[i].iter().map(|x| x * x).sum::<f64>().sqrt();
            let _ = writeln!(s, " {}", fmt(mag));
        }
    }
    crate::io::write_atomic(&dir.join(files::MODES_XYZ), s.as_bytes())?;

    // the bond network with f_α per mode, as LAMMPS dump local frames
    let bonds = net.bonds_original();
    let l = &cfg.simbox.lengths;
    let lz = if D == 3 { l[D - 1] } else { 1.0 };
    let mut b = String::new();
    for k in 0..m.modes.lambda.len() {
        let _ = writeln!(
            b,
            "ITEM: TIMESTEP\n{k}\nITEM: NUMBER OF ENTRIES\n{}\nITEM: BOX BOUNDS pp pp pp\n0 {}\n0 {}\n0 {}\nITEM: ENTRIES {}",
            bonds.len(),
            fmt(l[0]),
            fmt(l[1]),
            fmt(lz),
            files::mode_bonds::COLUMNS.join(" ")
        );
        for (j, (pair, f)) in bonds.iter().zip(&m.modes.bond_force[k]).enumerate() {
            let _ = writeln!(
                b,
                "{} {} {} {} {}",
                j + 1,
                pair[0] + 1,
                pair[1] + 1,
                fmt(*f),
                fmt(f.abs())
            );
        }
    }
    crate::io::write_atomic(&dir.join(files::MODES_BONDS), b.as_bytes())
}
