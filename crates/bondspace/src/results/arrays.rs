//! The arrays of the result files, in memory: exactly what [`write`](super::write) puts into
//! `counts.npz`, `modes.npz`, `decay.npz`, `participation.npz` and `dipoles.npz` (names of
//! [`super::files`], shapes row-major, particle arrays in the file's particle order with
//! rattlers zero), for front ends that hand arrays over without files (the Python module).

use super::analysis::{ModeResults, overlaps_d, overlaps_f};
use super::files::{counts, decay, dipoles, modes, participation};
use crate::error::Result;
use crate::io::npy::Npz;
use crate::modes::dipole::DipoleResponse;
use crate::operators::Network;
use crate::spectra::slicing::SliceCounts;

/// The data of a [`NamedArray`].
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    /// float64 values.
    F64(Vec<f64>),
    /// int64 values.
    I64(Vec<i64>),
}

/// One array of a result file.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedArray {
    /// Its name in the `.npz` archive.
    pub name: String,
    /// Its shape (row-major data).
    pub shape: Vec<u64>,
    /// Its values.
    pub data: ArrayData,
}

fn f64s(name: &str, shape: &[u64], v: Vec<f64>) -> NamedArray {
    NamedArray {
        name: name.to_string(),
        shape: shape.to_vec(),
        data: ArrayData::F64(v),
    }
}

fn i64s(name: &str, shape: &[u64], v: Vec<i64>) -> NamedArray {
    NamedArray {
        name: name.to_string(),
        shape: shape.to_vec(),
        data: ArrayData::I64(v),
    }
}

/// The archive of `arrays`, in their order.
pub(crate) fn to_npz(arrays: &[NamedArray]) -> Result<Npz> {
    let mut z = Npz::new();
    for a in arrays {
        match &a.data {
            ArrayData::F64(v) => z.add(&a.name, &a.shape, v)?,
            ArrayData::I64(v) => z.add(&a.name, &a.shape, v)?,
        }
    }
    Ok(z)
}

/// `counts.npz`: slicing edges and counts, in simulation units.
pub fn counts_arrays(c: &SliceCounts) -> Vec<NamedArray> {
    let n = c.lambda_counts.len() as u64;
    let as_i64 = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
    vec![
        f64s(counts::LAMBDA_EDGES, &[n + 1], c.lambda_edges.clone()),
        i64s(counts::LAMBDA_COUNTS, &[n], as_i64(&c.lambda_counts)),
        f64s(counts::OMEGA2_EDGES, &[n + 1], c.omega2_edges.clone()),
        i64s(counts::OMEGA2_COUNTS, &[n], as_i64(&c.omega2_counts)),
    ]
}

/// A field in network numbering as (N, D) values in the file's numbering, rattlers zero.
pub fn expand_field<const D: usize>(net: &Network<D>, f: &[f64]) -> Vec<f64> {
    let mut full = vec![0.0; net.n_total * D];
    for (p, &orig) in net.kept.iter().enumerate() {
        full[orig * D..orig * D + D].copy_from_slice(&f[p * D..p * D + D]);
    }
    full
}

/// The bonds (i, j) of `net` in the file's particle numbering, (N_b, 2).
pub fn bond_pairs<const D: usize>(net: &Network<D>) -> Vec<i64> {
    net.bonds_original()
        .iter()
        .flat_map(|b| b.map(i64::from))
        .collect()
}

/// `modes.npz` without its text note ([`super::write::MODES_NORMALIZATION`]): λ, f, F, D,
/// N·e, the bonds, the residuals and, with PHMs, D_PH, F_PH and the overlaps.
pub fn mode_arrays<const D: usize>(net: &Network<D>, m: &ModeResults) -> Vec<NamedArray> {
    let k = m.modes.lambda.len() as u64;
    let nb = net.n_bonds() as u64;
    let n = net.n_total as u64;
    let expand = |fields: &mut dyn Iterator<Item = &Vec<f64>>| -> Vec<f64> {
        fields.flat_map(|f| expand_field(net, f)).collect()
    };
    let shape = [k, n, D as u64];
    let mut out = vec![
        f64s(modes::LAMBDA, &[k], m.modes.lambda.clone()),
        f64s(modes::BOND_FORCE, &[k, nb], m.modes.bond_force.concat()),
        f64s(
            modes::PARTICLE_FORCE,
            &shape,
            expand(&mut m.modes.particle_force.iter()),
        ),
        f64s(
            modes::DISPLACEMENT,
            &shape,
            expand(&mut m.modes.displacement.iter()),
        ),
        f64s(
            modes::PARTICIPATION_N,
            &[k],
            m.modes.participation_n.clone(),
        ),
        i64s(modes::BONDS, &[nb, 2], bond_pairs(net)),
        f64s(modes::RESIDUAL, &[k], m.modes.residual.clone()),
    ];
    if !m.phm.is_empty() {
        let d: Vec<&Vec<f64>> = m.phm.iter().map(|p| &p.displacement).collect();
        out.push(f64s(
            modes::PHM_DISPLACEMENT,
            &shape,
            expand(&mut d.into_iter()),
        ));
        let f: Vec<&Vec<f64>> = m.phm.iter().map(|p| &p.force).collect();
        out.push(f64s(modes::PHM_FORCE, &shape, expand(&mut f.into_iter())));
        out.push(f64s(modes::OVERLAP_D, &[k], overlaps_d(m)));
        out.push(f64s(modes::OVERLAP_F, &[k], overlaps_f(m)));
    }
    out
}

/// `decay.npz`: the radii, the mode-averaged profiles, the per-mode profiles and the window.
pub fn decay_arrays(m: &ModeResults) -> Vec<NamedArray> {
    let mut out = Vec::new();
    if let Some((_, p)) = m.decay.first() {
        out.push(f64s(decay::R, &[p.r.len() as u64], p.r.clone()));
    }
    for (name, p) in &m.decay {
        out.push(f64s(name, &[p.mean.len() as u64], p.mean.clone()));
    }
    for (name, profiles) in &m.decay_modes {
        let bins = profiles.first().map_or(0, Vec::len) as u64;
        out.push(f64s(
            &decay::per_mode(name),
            &[profiles.len() as u64, bins],
            profiles.concat(),
        ));
    }
    out.push(f64s(
        decay::WINDOW,
        &[2],
        vec![m.decay_window.0, m.decay_window.1],
    ));
    out
}

/// `participation.npz`: every non-zero λ with N·e(F) of its mode.
pub fn participation_arrays(lambda: &[f64], ne: &[f64]) -> Vec<NamedArray> {
    vec![
        f64s(
            participation::LAMBDA,
            &[lambda.len() as u64],
            lambda.to_vec(),
        ),
        f64s(
            participation::PARTICIPATION_N,
            &[ne.len() as u64],
            ne.to_vec(),
        ),
    ]
}

/// `dipoles.npz`: the bonds (file numbering), κ_α and the compliances A_αα.
pub fn dipole_arrays<const D: usize>(net: &Network<D>, d: &[DipoleResponse]) -> Vec<NamedArray> {
    let n = d.len() as u64;
    let bonds = net.bonds_original();
    let pairs: Vec<i64> = d
        .iter()
        .flat_map(|x| bonds[x.bond].map(i64::from))
        .collect();
    vec![
        i64s(dipoles::BONDS, &[n, 2], pairs),
        f64s(dipoles::KAPPA, &[n], d.iter().map(|x| x.kappa).collect()),
        f64s(
            dipoles::COMPLIANCE,
            &[n],
            d.iter().map(|x| x.compliance).collect(),
        ),
    ]
}
