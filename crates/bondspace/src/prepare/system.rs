//! The particle system as a minimisation [`Objective`]: positions → energy and forces, with a
//! Verlet list that rebuilds itself when particles have moved more than half its skin.

use super::minimize::Objective;
use crate::error::Result;
use crate::geometry::SimBox;
use crate::models::{PairPotential, eval};
use crate::neighbours::VerletList;

/// Energy and gradient of `N` particles in a fixed periodic box.
pub struct ParticleSystem<'a, const D: usize, P: PairPotential> {
    pot: &'a P,
    simbox: SimBox<D>,
    sizes: &'a [f64],
    list: VerletList<D>,
    forces: Vec<[f64; D]>,
    scratch: Vec<Vec<[f64; D]>>,
    totals: eval::Totals,
    rel_tol: f64,
    fallback_force: f64,
    force_floor: f64,
    min_pressure: Option<f64>,
    max_step: f64,
}

impl<'a, const D: usize, P: PairPotential> ParticleSystem<'a, D, P> {
    /// A system at `positions`; the force tolerance is `rel_tol` × the mean |u′| over bonds
    /// (or × `fallback_force` when there are no bonds), and never below `force_floor` (the
    /// resolution of double-precision positions, [`crate::config::Configuration::force_resolution`]).
    pub fn new(
        pot: &'a P,
        simbox: SimBox<D>,
        positions: &[[f64; D]],
        sizes: &'a [f64],
        rel_tol: f64,
        fallback_force: f64,
        force_floor: f64,
    ) -> Result<Self> {
        let a0 = (simbox.volume() / positions.len().max(1) as f64).powf(1.0 / D as f64);
        let list = VerletList::new(pot, &simbox, positions, sizes, 0.3 * a0)?;
        Ok(Self {
            pot,
            simbox,
            sizes,
            list,
            forces: vec![[0.0; D]; positions.len()],
            scratch: Vec::new(),
            totals: eval::Totals::default(),
            rel_tol,
            fallback_force,
            force_floor,
            min_pressure: None,
            max_step: 0.1 * a0,
        })
    }

    /// Makes the minimisers stop (as converged) once the virial pressure of the last
    /// evaluation is below `p` (`None`: never).
    pub fn stop_below_pressure(&mut self, p: Option<f64>) {
        self.min_pressure = p;
    }

    /// Totals of the last evaluation.
    pub fn totals(&self) -> &eval::Totals {
        &self.totals
    }
}

impl<const D: usize, P: PairPotential> Objective for ParticleSystem<'_, D, P> {
    fn n_coords(&self) -> usize {
        self.forces.len() * D
    }

    fn block(&self) -> usize {
        D
    }

    fn eval(&mut self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        let (pos, _) = x.as_chunks::<D>();
        self.list.update(self.pot, &self.simbox, pos, self.sizes)?;
        self.totals = eval::energy_forces_par(
            self.pot,
            &self.simbox,
            pos,
            self.sizes,
            self.list.pairs(),
            &mut self.forces,
            &mut self.scratch,
        );
        for (g, f) in grad.iter_mut().zip(self.forces.as_flattened()) {
            *g = -f;
        }
        Ok(self.totals.energy)
    }

    fn force_tolerance(&self) -> f64 {
        let scale = self
            .totals
            .mean_pair_force()
            .filter(|f| *f > 0.0)
            .unwrap_or(self.fallback_force);
        (self.rel_tol * scale).max(self.force_floor)
    }

    fn max_step(&self) -> f64 {
        self.max_step
    }

    fn stop_early(&self) -> bool {
        self.min_pressure
            .is_some_and(|p| self.totals.pressure(D, self.simbox.volume()) < p)
    }
}
