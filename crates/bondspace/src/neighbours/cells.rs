//! Cell grids over the periodic box: the static [`CellGrid`] (CSR layout, built once from all
//! positions) used by the pair search, the [`MovableCells`] grid updated one particle at a time
//! used by the SWAP Monte Carlo, and the shared cell arithmetic ([`wrapped_cell_index`],
//! [`neighbour_cells`]).

use crate::geometry::SimBox;

/// The cell of a position `w` already wrapped into the box, on a grid of `dims` cells per
/// direction, index x-fastest (a coordinate that rounds onto the upper edge goes to the last
/// cell).
#[inline]
pub fn wrapped_cell_index<const D: usize>(
    simbox: &SimBox<D>,
    dims: &[usize; D],
    w: &[f64; D],
) -> usize {
    let mut idx = 0usize;
    for k in (0..D).rev() {
        let c = ((w[k] / simbox.lengths[k] * dims[k] as f64) as usize).min(dims[k] - 1);
        idx = idx * dims[k] + c;
    }
    idx
}

/// Most cells per particle of a [`CellGrid`] (at least 3 per direction remain).
pub const MAX_CELLS_PER_PARTICLE: usize = 2;

/// Shrinks the cells per direction (never below 3) until their product is at most `cap`
/// (or every direction is at 3): fewer, larger cells, each still at least as wide as asked.
fn cap_cells<const D: usize>(dims: &mut [usize; D], cap: usize) {
    let total = |d: &[usize; D]| d.iter().fold(1f64, |p, &x| p * x as f64);
    let cap = cap as f64;
    while total(dims) > cap {
        let k = (0..D).max_by_key(|&k| dims[k]).unwrap_or(0);
        if dims[k] <= 3 {
            break;
        }
        let shrink = (total(dims) / cap).powf(1.0 / D as f64).max(1.01);
        dims[k] = ((dims[k] as f64 / shrink).floor() as usize).clamp(3, dims[k] - 1);
    }
}

/// A regular grid of cells over the periodic box with particles binned into it (CSR layout).
#[derive(Clone, Debug)]
pub struct CellGrid<const D: usize> {
    /// Cells per direction (each ≥ 3).
    pub dims: [usize; D],
    /// `start[c]..start[c+1]` indexes `particles` for cell `c`.
    start: Vec<usize>,
    /// Particle indices grouped by cell.
    particles: Vec<u32>,
}

impl<const D: usize> CellGrid<D> {
    /// Bins `positions` into cells of edge at least `min_edge`; `None` if some box edge would
    /// hold fewer than three cells. The grid has at most `MAX_CELLS_PER_PARTICLE` (2) cells per
    /// particle (and at least 3 per direction): a wide or dilute box gets larger cells rather
    /// than a grid of mostly empty ones (1024³ cells would need 8 GiB).
    pub fn new(simbox: &SimBox<D>, positions: &[[f64; D]], min_edge: f64) -> Option<Self> {
        let mut dims = [0usize; D];
        for k in 0..D {
            let n = (simbox.lengths[k] / min_edge).floor();
            if n.is_nan() || n < 3.0 {
                return None;
            }
            dims[k] = if n >= 1e9 { 1_000_000_000 } else { n as usize };
        }
        cap_cells(&mut dims, MAX_CELLS_PER_PARTICLE * positions.len().max(1));
        let ncells: usize = dims.iter().product();
        let cell_of: Vec<usize> = positions
            .iter()
            .map(|p| Self::cell_index(simbox, &dims, p))
            .collect();
        let mut start = vec![0usize; ncells + 1];
        for &c in &cell_of {
            start[c + 1] += 1;
        }
        for c in 0..ncells {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut particles = vec![0u32; positions.len()];
        for (i, &c) in cell_of.iter().enumerate() {
            particles[fill[c]] = i as u32;
            fill[c] += 1;
        }
        Some(Self {
            dims,
            start,
            particles,
        })
    }

    /// The cell containing position `p` (any real position; it is wrapped).
    #[inline]
    pub fn cell_index(simbox: &SimBox<D>, dims: &[usize; D], p: &[f64; D]) -> usize {
        wrapped_cell_index(simbox, dims, &simbox.wrap(p))
    }

    /// Particles in cell `c`.
    #[inline]
    pub fn cell(&self, c: usize) -> &[u32] {
        &self.particles[self.start[c]..self.start[c + 1]]
    }

    /// Number of cells.
    pub fn n_cells(&self) -> usize {
        self.start.len() - 1
    }

    /// Coordinates of cell `c`.
    #[inline]
    pub fn coords(&self, mut c: usize) -> [usize; D] {
        let mut x = [0usize; D];
        for k in 0..D {
            x[k] = c % self.dims[k];
            c /= self.dims[k];
        }
        x
    }

    /// Calls `f` with the 3^D cells around cell `c` (itself included), each exactly once.
    #[inline]
    pub fn for_each_neighbour_cell(&self, c: usize, f: impl FnMut(usize)) {
        neighbour_cells(&self.dims, c, f);
    }
}

/// Calls `f` with the 3^D cells around cell `c` of a periodic grid of `dims` cells (each ≥ 3,
/// so that every neighbour is visited exactly once), cell index x-fastest.
#[inline]
pub fn neighbour_cells<const D: usize>(dims: &[usize; D], mut c: usize, mut f: impl FnMut(usize)) {
    let mut x = [0usize; D];
    for (k, xk) in x.iter_mut().enumerate() {
        *xk = c % dims[k];
        c /= dims[k];
    }
    for m in 0..3usize.pow(D as u32) {
        let mut mm = m;
        let mut off = [0usize; D];
        for o in off.iter_mut() {
            *o = mm % 3;
            mm /= 3;
        }
        let mut idx = 0usize;
        for k in (0..D).rev() {
            idx = idx * dims[k] + (x[k] + dims[k] + off[k] - 1) % dims[k];
        }
        f(idx);
    }
}

/// A regular grid of cells over positions wrapped into the box, updated one particle at a time
/// ([`MovableCells::relocate`]); every cell lists its members and its 3^D neighbour cells.
///
/// The cells have edge ≥ the requested edge, at most 64 per direction; when some box edge holds
/// fewer than three cells the grid is a single cell holding everything (its stencil is itself).
/// A cell's members are in insertion order, and a relocated particle is swap-removed from its
/// old cell and appended to its new one, so the order in which a search visits candidates
/// depends only on the history of relocations.
#[derive(Clone, Debug)]
pub struct MovableCells<const D: usize> {
    dims: [usize; D],
    cell_of: Vec<u32>,
    members: Vec<Vec<u32>>,
    stencil: Vec<Vec<u32>>,
}

impl<const D: usize> MovableCells<D> {
    /// Bins the wrapped positions `positions` into cells of edge ≥ `edge`.
    pub fn new(simbox: &SimBox<D>, edge: f64, positions: &[[f64; D]]) -> Self {
        let mut dims = [1usize; D];
        let mut grid = true;
        for k in 0..D {
            let n = (simbox.lengths[k] / edge).floor();
            if n < 3.0 {
                grid = false;
            }
            dims[k] = (n.max(1.0) as usize).min(64);
        }
        if !grid {
            dims = [1; D];
        }
        let ncells: usize = dims.iter().product();
        let stencil = (0..ncells)
            .map(|c| {
                if ncells == 1 {
                    return vec![0];
                }
                let mut cells = Vec::with_capacity(3usize.pow(D as u32));
                neighbour_cells(&dims, c, |cc| cells.push(cc as u32));
                cells
            })
            .collect();
        let mut cells = Self {
            dims,
            cell_of: vec![0; positions.len()],
            members: vec![Vec::new(); ncells],
            stencil,
        };
        for (i, p) in positions.iter().enumerate() {
            let c = cells.index(simbox, p);
            cells.cell_of[i] = c as u32;
            cells.members[c].push(i as u32);
        }
        cells
    }

    /// Cells per direction.
    pub fn dims(&self) -> [usize; D] {
        self.dims
    }

    /// The cell of a position wrapped into the box.
    #[inline]
    pub fn index(&self, simbox: &SimBox<D>, p: &[f64; D]) -> usize {
        wrapped_cell_index(simbox, &self.dims, p)
    }

    /// The cell particle `i` is binned in.
    #[inline]
    pub fn cell_of(&self, i: usize) -> usize {
        self.cell_of[i] as usize
    }

    /// The particles binned in cell `c`.
    #[inline]
    pub fn members(&self, c: usize) -> &[u32] {
        &self.members[c]
    }

    /// The cells around cell `c` (itself included), each once, in the order of
    /// [`neighbour_cells`].
    #[inline]
    pub fn stencil(&self, c: usize) -> &[u32] {
        &self.stencil[c]
    }

    /// Moves particle `i` to the cell of its new (wrapped) position `p`, if that changed.
    pub fn relocate(&mut self, simbox: &SimBox<D>, i: usize, p: &[f64; D]) {
        let c = self.index(simbox, p);
        let old = self.cell_of[i] as usize;
        if c != old {
            let m = &mut self.members[old];
            let k = m
                .iter()
                .position(|&j| j as usize == i)
                .expect("particle in its cell");
            m.swap_remove(k);
            self.members[c].push(i as u32);
            self.cell_of[i] = c as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_boxes_get_a_capped_grid() {
        // a 1e6-wide box with two particles: at most 2 cells per particle, 3 per direction
        let b = SimBox::new([1e6, 1e6, 1e6]).unwrap();
        let x = vec![[1.0, 2.0, 3.0], [5e5, 5e5, 5e5]];
        let g = CellGrid::new(&b, &x, 1.0).unwrap();
        assert_eq!(g.dims, [3, 3, 3]);
        // an elongated box keeps its aspect as far as the cap allows
        let b = SimBox::new([1e4, 10.0]).unwrap();
        let x: Vec<[f64; 2]> = (0..100).map(|i| [100.0 * i as f64, 5.0]).collect();
        let g = CellGrid::new(&b, &x, 1.0).unwrap();
        assert!(g.n_cells() <= 200, "{:?}", g.dims);
        assert!(g.dims[0] >= 3 && g.dims[1] >= 3);
        // an ordinary box is untouched
        let b = SimBox::new([20.0, 20.0]).unwrap();
        let x: Vec<[f64; 2]> = (0..400)
            .map(|i| [(i % 20) as f64, (i / 20) as f64])
            .collect();
        assert_eq!(CellGrid::new(&b, &x, 2.0).unwrap().dims, [10, 10]);
    }

    #[test]
    fn movable_cells_follow_relocations() {
        let b = SimBox::new([10.0, 10.0]).unwrap();
        let x = vec![[0.5, 0.5], [9.5, 9.5], [5.0, 5.0], [0.6, 0.4]];
        let mut cells = MovableCells::new(&b, 3.0, &x);
        assert_eq!(cells.dims(), [3, 3]);
        let c0 = cells.cell_of(0);
        assert_eq!(cells.members(c0), &[0, 3]);
        assert_eq!(cells.stencil(c0).len(), 9);
        assert!(cells.stencil(c0).contains(&(cells.cell_of(1) as u32)));
        // moving 0 into 2's cell swap-removes it from its old cell and appends it
        cells.relocate(&b, 0, &[5.5, 5.5]);
        assert_eq!(cells.members(c0), &[3]);
        assert_eq!(cells.members(cells.cell_of(2)), &[2, 0]);
        // static and movable grids agree on the cell of a wrapped position
        for p in &x {
            let dims = cells.dims();
            assert_eq!(CellGrid::cell_index(&b, &dims, p), cells.index(&b, p));
        }
        // a box too small for three cells is one cell holding everything
        let one = MovableCells::new(&b, 4.0, &x);
        assert_eq!(one.dims(), [1, 1]);
        assert_eq!(one.members(0).len(), 4);
        assert_eq!(one.stencil(0), &[0]);
    }
}
