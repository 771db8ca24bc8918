//! Neighbour search: cell grids, Verlet lists with a skin, the bond list and rattlers.
//!
//! The module owns every spatial search of the crate: the cell grids and their arithmetic
//! ([`CellGrid`], the particle-by-particle [`MovableCells`] of the Monte Carlo,
//! [`neighbour_cells`]), the pair search ([`pairs_within`], [`bonds`], [`VerletList`],
//! [`check_box`]) and the rattler mask ([`rattlers`]).
//!
//! Pairs are found with a cell grid of edge ≥ the largest pair reach (plus skin), in O(N).
//! When a box edge holds fewer than three cells the grid would visit the same neighbour cell
//! twice, so the search falls back to all pairs with the minimum image (small systems only).
//! The minimum-image convention needs every box edge to exceed twice the largest pair reach;
//! a smaller box is refused with an error rather than analysed wrongly.
//!
//! Pair lists are always sorted by `(i, j)` with `i < j`, so every result is independent of
//! the search path and of the thread count.

mod cells;
mod pairs;
mod rattlers;

pub use cells::{CellGrid, MovableCells, neighbour_cells, wrapped_cell_index};
pub use pairs::{VerletList, bonds, check_box, pairs_within};
pub use rattlers::rattlers;
