"""bondspace: computer glasses and their bond-force-response operator A = S M⁺ Sᵀ.

Python bindings of the Rust library bondspace (Giannini, Richard, Manning & Lerner, "Bond-space
operator disentangles quasi-localized and phononic modes in structural glasses", 2021). The
computations run in Rust, in-process, with the GIL released; numpy arrays go in and out.

Conventions
-----------
* Arrays are float64 (int64 for indices, bool for masks), C order. Positions have shape
  (N, d) with d = 2 or 3; box lengths shape (d,) (orthorhombic periodic box); sizes shape (N,)
  (λ_i for the IPL model, the radius for harmonic and soft spheres).
* Particle arrays (mode fields, operator rows/columns) are in the configuration's particle
  order; rattlers (particles with fewer than d + 1 bonds, removed iteratively) are zero
  there and flagged in ``rattlers``. Degrees of freedom are particle-major: d·i + k.
* λ are the non-zero eigenvalues of A (ascending), ω² the eigenvalues of the Hessian M, in
  simulation units; the scales λ₀, ω₀, a₀, G are in ``Spectrum.scales`` (keys of
  ``summary.json``).
* Bad input raises ``ValueError`` with the library's one-line message (the message the
  command line prints, without its advice on flags); a missing file ``FileNotFoundError``;
  any other failure ``RuntimeError``. Ctrl-C stops a long call (``KeyboardInterrupt``).
* ``progress``: None (silent), True (a tqdm bar when tqdm is installed, else a line on
  stderr), or a callable ``progress(done, total, message)`` called at most every 50 ms.

Example
-------
>>> import bondspace as bs
>>> glass = bs.prepare_ipl(dim=2, n=256, tp=float("inf"), seed=1)
>>> sp = bs.spectrum(glass, method="dense", modes=3)
>>> sp.lam[-3:] / sp.lambda_0            # the three largest λ/λ₀
>>> A = bs.bond_operator(glass)           # scipy.sparse.linalg.LinearOperator
>>> scipy.sparse.linalg.eigsh(A, k=3)     # the same three λ
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native

__all__ = [
    "Configuration",
    "Spectrum",
    "Operators",
    "BondOperator",
    "Ensemble",
    "prepare_ipl",
    "prepare_harmonic",
    "minimize",
    "spectrum",
    "operators",
    "bond_operator",
    "ensemble",
    "load_ensemble",
    "DEFAULT_TOLERANCE",
]

__version__ = _native.__version__

#: Default force tolerance of the minimisers, relative to the typical pair force.
DEFAULT_TOLERANCE: float = _native.DEFAULT_TOLERANCE

ProgressArg = Union[None, bool, Callable[[int, int, str], Any]]


def _callback(progress: ProgressArg) -> Optional[Callable[[int, int, str], Any]]:
    """The native callback for a ``progress`` argument."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    try:
        from tqdm.auto import tqdm  # type: ignore

        bar = tqdm(total=0, leave=False)

        def cb(done: int, total: int, message: str) -> None:
            if total and bar.total != total:
                bar.reset(total=total)
            bar.n = done
            if message:
                bar.set_description(message, refresh=False)
            bar.refresh()

        return cb
    except ImportError:

        def cb(done: int, total: int, message: str) -> None:
            of = f"/{total}" if total else ""
            end = "\n" if total and done >= total else ""
            sys.stderr.write(f"\r{message} {done}{of}   {end}")
            sys.stderr.flush()

        return cb


def _f64(a: Any, ndim: int, what: str) -> np.ndarray:
    """``a`` as a C-contiguous float64 array of ``ndim`` dimensions, or ValueError."""
    try:
        arr = np.ascontiguousarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"invalid input: {what} is not an array of numbers ({e})") from None
    if arr.ndim != ndim:
        raise ValueError(
            f"invalid input: {what} must have {ndim} dimension(s), got shape {arr.shape}"
        )
    return arr


class Configuration:
    """Particles in a periodic orthorhombic box with per-particle sizes and a pair model.

    Make one with :meth:`from_arrays`, :meth:`read`, :meth:`from_ase`, or the preparation
    functions. A configuration is immutable: the functions that change positions
    (:func:`minimize`) return a new one.
    """

    __slots__ = ("_c", "mc_report", "minimize_summary")

    def __init__(self, native: "_native.Configuration") -> None:
        self._c = native
        #: SWAP Monte Carlo report (dict) of a glass made by :func:`prepare_ipl` at finite Tp.
        self.mc_report: Optional[dict] = None
        #: What :func:`minimize` changed (dict), for a configuration it returned.
        self.minimize_summary: Optional[dict] = None

    @classmethod
    def from_arrays(
        cls,
        positions: Any,
        box: Any,
        sizes: Any,
        model: str = "ipl",
        *,
        species: Optional[Sequence[str]] = None,
        info: Optional[Dict[str, Any]] = None,
        **params: Any,
    ) -> "Configuration":
        """A configuration from numpy arrays.

        positions: (N, d) float64; box: (d,) box lengths (or a scalar for a cubic box, or a
        diagonal (d, d) cell matrix);
        sizes: (N,) — λ_i for ``model="ipl"``, radii for ``"harmonic"`` and
        ``"softsphere"``; ``params``: the model's parameters (e.g. ``ipl_n=10``, ``k=1``),
        the defaults otherwise (see :func:`model_keys`).
        """
        pos = _f64(positions, 2, "positions")
        try:
            b = np.asarray(box, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"invalid input: box is not an array of numbers ({e})") from None
        if b.ndim == 0:
            b = np.full(pos.shape[1], float(b))
        elif b.ndim == 2 and b.shape[0] == b.shape[1]:
            # a cell matrix (rows are the box vectors): orthorhombic only
            if np.any(b != np.diag(np.diag(b))):
                raise ValueError("invalid input: the box matrix is not diagonal (orthorhombic boxes only)")
            b = np.diag(b).copy()
        b = _f64(b, 1, "box")
        s = _f64(sizes, 1, "sizes")
        p = {str(k): _param(v) for k, v in params.items()}
        i = None if info is None else {str(k): _param(v) for k, v in info.items()}
        sp = None if species is None else [str(x) for x in species]
        return cls(_native.Configuration.from_arrays(pos, b, s, model, p, sp, i))

    @classmethod
    def read(
        cls,
        path: Union[str, os.PathLike],
        *,
        format: Optional[str] = None,
        frame: Optional[int] = None,
        model: Optional[str] = None,
        params: Optional[Dict[str, Any]] = None,
        size_column: Optional[str] = None,
        size_convention: Optional[str] = None,
        type_sizes: Optional[Sequence[float]] = None,
        dim: Optional[int] = None,
    ) -> "Configuration":
        """Reads extended XYZ, LAMMPS data or dump, or GSD (the readers and options of the
        command line: ``format`` "xyz" | "lammps-data" | "lammps-dump" | "gsd", ``frame``
        (negative counts from the end), ``model`` and ``params`` for files that name none,
        ``size_column``, ``size_convention`` "model" | "radius" | "diameter",
        ``type_sizes``, ``dim``)."""
        p = None if params is None else {str(k): _param(v) for k, v in params.items()}
        ts = None if type_sizes is None else [float(x) for x in type_sizes]
        return cls(
            _native.Configuration.read(
                os.fspath(path), format, frame, model, p, size_column, size_convention, ts, dim
            )
        )

    def write(self, path: Union[str, os.PathLike]) -> None:
        """Writes extended XYZ (the file ``bondspace prepare`` writes; ASE and OVITO read it)."""
        self._c.write(os.fspath(path))

    def to_xyz(self) -> str:
        """The extended-XYZ text."""
        return self._c.to_xyz_string()

    @classmethod
    def from_ase(
        cls,
        atoms: Any,
        model: Optional[str] = None,
        sizes: Any = None,
        **params: Any,
    ) -> "Configuration":
        """A configuration from an ASE ``Atoms`` with an orthorhombic periodic cell.

        The model and its parameters come from ``atoms.info`` (as bondspace writes them) unless
        given; the sizes from ``sizes``, else the array ``size`` (the model's size), else
        ``radius`` (converted by the model's size per radius). The dimension is 2 when the
        third direction is not periodic and every z is equal (how bondspace writes 2D files).
        """
        cell = np.asarray(atoms.cell[:], dtype=np.float64)
        if np.any(np.abs(cell - np.diag(np.diag(cell))) > 0):
            raise ValueError("invalid input: the cell is not orthorhombic")
        pbc = np.asarray(atoms.pbc, dtype=bool)
        pos = np.asarray(atoms.get_positions(), dtype=np.float64)
        two_d = (not pbc[2]) and pos.shape[0] > 0 and np.all(pos[:, 2] == pos[0, 2])
        d = 2 if two_d else 3
        if not np.all(pbc[:d]):
            raise ValueError("invalid input: the cell must be periodic in every direction")
        info = {k: v for k, v in atoms.info.items()}
        name = model or info.get("model")
        if name is None:
            raise ValueError(
                "invalid input: the Atoms name no pair model: give model= (ipl, harmonic, softsphere)"
            )
        keys = _native.model_keys(str(name))
        if keys is None:
            raise ValueError(f"invalid input: unknown model {name!r} (ipl, harmonic, softsphere)")
        p = {k: info[k] for k in keys if k in info} if model is None else {}
        p.update(params)
        rest = {k: v for k, v in info.items() if k not in ("model", "labels") and k not in keys}
        rest = {k: v for k, v in rest.items() if isinstance(v, (str, int, float, bool, np.number))}
        if sizes is not None:
            s = sizes
        elif "size" in atoms.arrays:
            s = atoms.arrays["size"]
        elif "radius" in atoms.arrays:
            probe = cls.from_arrays(
                np.zeros((0, d)), np.diag(cell)[:d], np.zeros(0), str(name), **p
            )
            s = np.asarray(atoms.arrays["radius"], dtype=np.float64) * probe.size_per_radius
        else:
            raise ValueError(
                "invalid input: no particle sizes: the Atoms have no 'size' or 'radius' array; give sizes="
            )
        species = list(atoms.get_chemical_symbols())
        if "label" in atoms.arrays and isinstance(info.get("labels"), str):
            names = info["labels"].split()
            idx = np.asarray(atoms.arrays["label"], dtype=np.int64)
            if idx.size and (idx.min() < 1 or idx.max() > len(names)):
                raise ValueError(f"invalid input: a label is not one of 1 to {len(names)} (labels=)")
            species = [names[i - 1] for i in idx]
        return cls.from_arrays(
            pos[:, :d],
            np.diag(cell)[:d],
            s,
            str(name),
            species=species,
            info=rest,
            **p,
        )

    def to_ase(self) -> Any:
        """An ASE ``Atoms``: exactly what ``ase.io.read`` gives of the file :meth:`write`
        writes (species ``X``, arrays ``size``, ``radius`` and, for labelled particles,
        ``label``; the model and the metadata in ``info``; a 2D configuration as z = 0 with
        ``pbc = (T, T, F)``; positions in full precision)."""
        import io

        import ase.io  # type: ignore

        return ase.io.read(io.StringIO(self.to_xyz()), format="extxyz")

    @property
    def dim(self) -> int:
        """Spatial dimension (2 or 3)."""
        return self._c.dim

    def __len__(self) -> int:
        return len(self._c)

    @property
    def n(self) -> int:
        """Number of particles."""
        return len(self._c)

    @property
    def positions(self) -> np.ndarray:
        """Positions (N, d), a copy."""
        return self._c.positions

    @property
    def box(self) -> np.ndarray:
        """Box lengths (d,)."""
        return self._c.box_lengths

    @property
    def sizes(self) -> np.ndarray:
        """Per-particle sizes (N,): λ_i (IPL) or radii."""
        return self._c.sizes

    @property
    def species(self) -> List[str]:
        """Species labels."""
        return self._c.species

    @property
    def model(self) -> str:
        """The pair model's name."""
        return self._c.model

    @property
    def params(self) -> Dict[str, str]:
        """The model's parameters, as written in files."""
        return self._c.params

    @property
    def size_per_radius(self) -> float:
        """Model size per unit radius (IPL λ is a diameter-like size: 2; radii: 1)."""
        return self._c.size_per_radius

    @property
    def info(self) -> Dict[str, str]:
        """The metadata of the file's comment line (energy, seed, tp, ...)."""
        return self._c.info

    def state(self) -> dict:
        """Energy, pressure, max force, bonds, rattlers, ... (``bondspace inspect --json``)."""
        return json.loads(self._c.state_json())

    def __repr__(self) -> str:
        return repr(self._c)


def _param(v: Any) -> str:
    """A parameter or metadata value as the text a file would hold."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def _number(v: str) -> Any:
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def model_keys(model: str) -> Optional[List[str]]:
    """The parameter names of a model (None for an unknown model)."""
    return _native.model_keys(model)


# ------------------------------------------------------------------------------------------
# preparation


def prepare_ipl(
    dim: int,
    n: int,
    tp: float = math.inf,
    seed: int = 1,
    *,
    sweeps: Optional[int] = None,
    density: Optional[float] = None,
    tolerance: float = DEFAULT_TOLERANCE,
    progress: ProgressArg = None,
) -> Configuration:
    """An IPL glass: SWAP Monte Carlo at parent temperature ``tp`` then the quench
    (``tp=inf``: instant quench); the same glass as ``bondspace prepare ipl`` with the same
    arguments. The Monte Carlo report is in ``.mc_report``."""
    c, mc = _native.prepare_ipl(
        int(dim), int(n), float(tp), int(seed), sweeps, density, float(tolerance), _callback(progress)
    )
    out = Configuration(c)
    out.mc_report = None if mc is None else json.loads(mc)
    return out


def prepare_harmonic(
    dim: int,
    n: int,
    pressure: float = 0.1,
    seed: int = 1,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    progress: ProgressArg = None,
) -> Configuration:
    """A harmonic-sphere packing (radii 0.5/0.7, 50:50, k = 1) at the target pressure, as
    ``bondspace prepare harmonic``."""
    return Configuration(
        _native.prepare_harmonic(
            int(dim), int(n), float(pressure), int(seed), float(tolerance), _callback(progress)
        )
    )


def minimize(
    config: Configuration, tolerance: float = DEFAULT_TOLERANCE, *, progress: ProgressArg = None
) -> Configuration:
    """Minimises at fixed box (FIRE then CG, to ``tolerance`` × the typical pair force), as
    ``bondspace minimize``; returns a new configuration (what changed: ``.minimize_summary``)."""
    c, summary = _native.minimize(config._c, float(tolerance), _callback(progress))
    out = Configuration(c)
    out.minimize_summary = json.loads(summary)
    return out


# ------------------------------------------------------------------------------------------
# spectra


@dataclass
class Spectrum:
    """The analysis of one configuration (what ``bondspace spectrum`` computes).

    ``lam``: the non-zero eigenvalues λ of A (ascending; empty for the methods ``slicing`` and
    ``sparse``); ``omega2``: the eigenvalues ω² of the Hessian; ``summary``: the content of
    ``summary.json``; ``counts``, ``modes``, ``decay``, ``participation``, ``dipoles``: the
    arrays of ``counts.npz``, ``modes.npz``, ``decay.npz``, ``participation.npz``,
    ``dipoles.npz`` (None when not computed); ``bonds``: (N_b, 2) particle pairs of the bond
    network; ``rattlers``: (N,) mask.
    """

    lam: np.ndarray
    omega2: np.ndarray
    summary: dict
    bonds: np.ndarray
    rattlers: np.ndarray
    counts: Optional[Dict[str, np.ndarray]] = None
    modes: Optional[Dict[str, np.ndarray]] = None
    decay: Optional[Dict[str, np.ndarray]] = None
    participation: Optional[Dict[str, np.ndarray]] = None
    dipoles: Optional[Dict[str, np.ndarray]] = None

    _SCALES = ("a0", "shear_modulus", "c_s", "omega_0", "lambda_0", "omega_ph")

    @property
    def scales(self) -> dict:
        """a₀, G, c_s, ω₀, λ₀, ω_ph of the configuration
        (keys of ``summary.json``)."""
        return {k: self.summary[k] for k in self._SCALES if k in self.summary}

    @property
    def lambda_0(self) -> float:
        """λ₀ = a₀^(2−d)/G."""
        return float(self.scales["lambda_0"])

    @property
    def omega_0(self) -> float:
        """ω₀ = λ₀^(−1/2)."""
        return float(self.scales["omega_0"])

    def p_lambda(self, bins: int = 30, lo: float = 1e-3, hi: float = 1e4) -> Tuple[np.ndarray, np.ndarray]:
        """P(λ/λ₀) on ``bins`` logarithmic bins of [lo, hi]: (edges, density per degree of
        freedom, i.e. counts / (N·d · bin width)), from ``lam`` (dense methods) or ``counts``
        (slicing, whose own edges are used)."""
        nd = self.summary["n_particles"] * self.summary["dim"]
        if self.counts is not None:
            e = self.counts["lambda_edges"] / self.lambda_0
            c = self.counts["lambda_counts"]
        else:
            e = np.geomspace(lo, hi, bins + 1)
            c, _ = np.histogram(self.lam / self.lambda_0, bins=e)
        return e, c / (nd * np.diff(e))

    def d_omega(self, bins: int = 30, lo: float = 1e-2, hi: float = 1e2) -> Tuple[np.ndarray, np.ndarray]:
        """D(ω/ω₀) on logarithmic bins (as :meth:`p_lambda`; the zero modes are left out)."""
        nd = self.summary["n_particles"] * self.summary["dim"]
        if self.counts is not None:
            e = np.sqrt(self.counts["omega2_edges"]) / self.omega_0
            c = self.counts["omega2_counts"]
        else:
            e = np.geomspace(lo, hi, bins + 1)
            w = np.sqrt(np.clip(self.omega2, 0, None)) / self.omega_0
            c, _ = np.histogram(w, bins=e)
        return e, c / (nd * np.diff(e))


def spectrum(
    config: Configuration,
    method: str = "auto",
    modes: int = 0,
    phm: bool = False,
    *,
    participation: bool = False,
    dipoles: int = 0,
    bins: int = 30,
    lambda_range: Tuple[float, float] = (1e-3, 1e4),
    omega_range: Tuple[float, float] = (1e-2, 1e2),
    ordering: str = "metis",
    allow_unbalanced: bool = False,
    output: Optional[Union[str, os.PathLike]] = None,
    progress: ProgressArg = None,
) -> Spectrum:
    """P(λ) of A and D(ω) of M, optionally the ``modes`` highest-λ modes (f, F, D, N·e; with
    ``phm`` their pseudo-harmonic modes), the participation of every mode and dipole
    responses: the options of ``bondspace spectrum``. ``method``: "dense", "explicit",
    "slicing", "sparse" or "auto". With ``output`` the result files of ``bondspace spectrum``
    are written there too (the same bytes)."""
    out = os.fspath(output) if output is not None else None
    r = _native.spectrum(
        config._c,
        method,
        int(modes),
        bool(phm),
        bool(participation),
        int(dipoles),
        int(bins),
        (float(lambda_range[0]), float(lambda_range[1])),
        (float(omega_range[0]), float(omega_range[1])),
        ordering,
        bool(allow_unbalanced),
        out,
        _callback(progress),
    )
    return Spectrum(
        lam=r["bond"],
        omega2=r["hessian"],
        summary=json.loads(r["summary"]),
        bonds=r["bonds"],
        rattlers=r["rattlers"],
        counts=r["counts"],
        modes=r["modes"],
        decay=r["decay"],
        participation=r["participation"],
        dipoles=r["dipoles"],
    )


# ------------------------------------------------------------------------------------------
# operators


@dataclass
class Operators:
    """S (N_b × Nd), M and K = SᵀS (Nd × Nd) as ``scipy.sparse.csr_array`` in the
    configuration's particle order (dof d·i + k; rattlers: empty rows and columns), the bonds
    (N_b, 2) that index the rows of S, and the rattler mask (N,)."""

    S: Any
    M: Any
    K: Any
    bonds: np.ndarray
    rattlers: np.ndarray


def _csr(parts: Tuple[np.ndarray, np.ndarray, np.ndarray, Tuple[int, int]]) -> Any:
    import scipy.sparse as sp  # type: ignore

    data, indices, indptr, shape = parts
    make = getattr(sp, "csr_array", sp.csr_matrix)
    return make((data, indices, indptr), shape=shape)


def operators(config: Configuration) -> Operators:
    """The sparse operators of the bond network of ``config`` (rattlers removed)."""
    r = _native.operators(config._c)
    return Operators(
        S=_csr(r["S"]), M=_csr(r["M"]), K=_csr(r["K"]), bonds=r["bonds"], rattlers=r["rattlers"]
    )


def _linear_operator_base() -> type:
    from scipy.sparse.linalg import LinearOperator  # type: ignore

    return LinearOperator


class BondOperator(_linear_operator_base()):  # type: ignore[misc]
    """A = S M⁺ Sᵀ (N_b × N_b) as a ``scipy.sparse.linalg.LinearOperator``: each product is
    Sᵀ, a solve with the sparse Cholesky factor of the pinned Hessian (one pass over the
    factor for a whole block in ``matmat``), then S. Symmetric positive semi-definite, so
    ``scipy.sparse.linalg.eigsh(A, k=10)`` gives the 10 largest λ. Rows and columns follow
    ``bonds``, the bond order of :func:`operators` and of ``Spectrum.bonds``."""

    def __init__(self, config: Configuration, ordering: str = "metis") -> None:
        self._op = _native.BondOperator(config._c, ordering)
        super().__init__(dtype=np.dtype(np.float64), shape=tuple(self._op.shape))

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        return self._op.apply(x)

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        return self._op.apply(np.ascontiguousarray(X, dtype=np.float64))

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        return self._matvec(x)

    def _rmatmat(self, X: np.ndarray) -> np.ndarray:
        return self._matmat(X)

    def _adjoint(self) -> "BondOperator":
        return self


def bond_operator(config: Configuration, ordering: str = "metis") -> BondOperator:
    """A = S M⁺ Sᵀ of ``config`` as a matrix-free ``LinearOperator`` (see :class:`BondOperator`)."""
    return BondOperator(config, ordering)


# ------------------------------------------------------------------------------------------
# ensembles


@dataclass
class Ensemble:
    """An ensemble directory read back: ``spec`` (``ensemble.json``), and per group name its
    pooled arrays (``pooled.npz``: P(λ/λ₀), D(ω/ω₀) per degree of freedom in the group's
    scales, with edges and counts; N·e(λ) with participation), its pooled summary
    (``pooled.json``) and its report numbers (the group's entry of ``report.json``: tail and
    mid exponents with errors, A_g, ξ, plateau, decay exponents, ...); ``claims``: the paper's
    claims against the numbers; ``report``: the whole of ``report.json``."""

    path: str
    spec: dict
    pooled: Dict[str, Dict[str, np.ndarray]] = field(default_factory=dict)
    summary: Dict[str, dict] = field(default_factory=dict)
    numbers: Dict[str, dict] = field(default_factory=dict)
    claims: List[dict] = field(default_factory=list)
    report: dict = field(default_factory=dict)

    @property
    def groups(self) -> List[str]:
        """Group names in the order of ``ensemble.json``."""
        return list(self.summary.keys())


def load_ensemble(path: Union[str, os.PathLike]) -> Ensemble:
    """Reads an ensemble directory (made by :func:`ensemble` or ``bondspace ensemble``) and
    computes its report numbers (as ``bondspace report``, without drawing)."""
    path = os.fspath(path)
    spec_path = os.path.join(path, "ensemble.json")
    if not os.path.isfile(spec_path):
        raise FileNotFoundError(f"{spec_path}: no such file (not an ensemble directory)")
    with open(spec_path) as f:
        spec = json.load(f)
    report = json.loads(_native.report_json(path))
    numbers = {g["name"]: g for g in report.get("groups", [])}
    ens = Ensemble(path=path, spec=spec, numbers=numbers, claims=report.get("claims", []), report=report)
    for name in numbers:
        gdir = os.path.join(path, name)
        pj = os.path.join(gdir, "pooled.json")
        if os.path.isfile(pj):
            with open(pj) as f:
                ens.summary[name] = json.load(f)
        else:
            ens.summary[name] = {}
        pz = os.path.join(gdir, "pooled.npz")
        if os.path.isfile(pz):
            with np.load(pz) as z:
                ens.pooled[name] = {k: z[k] for k in z.files}
    return ens


def ensemble(
    output: Union[str, os.PathLike],
    n: Union[int, Iterable[int]],
    *,
    model: str = "ipl",
    dim: int = 3,
    tp: Union[float, Iterable[float]] = math.inf,
    pressure: Union[float, Iterable[float]] = 0.1,
    samples: int = 1,
    seed: int = 1,
    sweeps: Optional[int] = None,
    chains: Optional[int] = None,
    spacing: float = 2.0,
    method: str = "dense",
    modes: int = 0,
    phm: bool = False,
    participation: bool = False,
    shard: Tuple[int, int] = (0, 1),
    progress: ProgressArg = None,
) -> Ensemble:
    """Runs (or resumes) an ensemble into ``output``, as ``bondspace ensemble`` with the same
    arguments (the same files, byte for byte), then returns :func:`load_ensemble` of it.
    Groups: every N × every Tp (``model="ipl"``, ``inf`` = instant quench) or every pressure
    (``model="harmonic"``). Finite-Tp groups draw their samples from ``chains`` long SWAP
    chains (default min(samples, 8); 0: each sample from its own run of ``sweeps`` sweeps),
    a snapshot every ``spacing`` relaxation times, as ``bondspace ensemble --chains
    --spacing``. Samples that fail are listed in a ``RuntimeWarning``."""
    ns = [int(n)] if isinstance(n, (int, np.integer)) else [int(x) for x in n]
    if model == "ipl":
        tps = [tp] if isinstance(tp, (int, float)) else list(tp)
        fams = [
            {"model": "ipl", "tp": None if math.isinf(float(t)) else float(t), "sweeps": sweeps}
            for t in tps
        ]
    elif model == "harmonic":
        ps = [pressure] if isinstance(pressure, (int, float)) else list(pressure)
        fams = [{"model": "harmonic", "pressure": float(p)} for p in ps]
    else:
        raise ValueError(f"invalid input: model {model!r}: expected ipl or harmonic")
    for f in fams:
        t = f.get("tp")
        if t is not None and not (t > 0):
            raise ValueError(f"invalid input: tp must be positive or inf, got {t}")
        p = f.get("pressure")
        if p is not None and not (p > 0 and math.isfinite(p)):
            raise ValueError(f"invalid input: pressure must be positive, got {p}")
    finite = any(f.get("tp") is not None for f in fams)
    if chains is not None and not finite:
        raise ValueError("invalid input: chains only apply to a finite tp")
    if not (math.isfinite(spacing) and spacing > 0):
        raise ValueError("invalid input: spacing must be positive")
    m = int(chains) if chains is not None else min(max(int(samples), 1), 8)
    spec = {
        "chains": {"chains": m, "spacing": float(spacing)} if finite and m > 0 else None,
        "groups": [{"dim": int(dim), "n": k, "family": f} for k in ns for f in fams],
        "samples": int(samples),
        "seed": int(seed),
        "analysis": {
            "method": method,
            "modes": int(modes),
            "phm": bool(phm),
            "participation": bool(participation),
        },
    }
    if spec["chains"] is None:
        del spec["chains"]
    r = _native.run_ensemble(os.fspath(output), json.dumps(spec), tuple(shard), _callback(progress))
    if r["failed"]:
        import warnings

        lines = "; ".join(f"{name}: {err}" for name, err in r["failed"])
        warnings.warn(f"{len(r['failed'])} sample(s) failed (a re-run retries them): {lines}", RuntimeWarning)
    return load_ensemble(output)
