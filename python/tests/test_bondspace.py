"""The Python module against the command line, SciPy and a dense numpy construction."""

import math
import re
import os
import signal
import threading
import time

import numpy as np
import pytest
import scipy.sparse.linalg as sla

import bondspace as bs


# ------------------------------------------------------------------------------------------
# configurations


def test_arrays_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    pos = rng.uniform(0, 10, size=(50, 2))
    sizes = rng.uniform(1, 2, size=50)
    c = bs.Configuration.from_arrays(pos, [10.0, 11.0], sizes, "ipl", ipl_n=10)
    assert c.dim == 2 and len(c) == 50 and c.model == "ipl"
    assert np.array_equal(c.positions, pos)
    assert np.array_equal(c.box, [10.0, 11.0])
    assert np.array_equal(c.sizes, sizes)
    assert c.positions.dtype == np.float64 and c.positions.shape == (50, 2)
    c.write(tmp_path / "c.xyz")
    back = bs.Configuration.read(tmp_path / "c.xyz")
    assert np.array_equal(back.positions, pos)
    assert np.array_equal(back.sizes, sizes)
    assert back.params == c.params
    # non-contiguous and integer inputs are converted
    c2 = bs.Configuration.from_arrays(np.asfortranarray(pos), 10, sizes, "ipl")
    assert np.array_equal(c2.positions, pos)
    c3 = bs.Configuration.from_arrays(pos, np.diag([10.0, 11.0]), sizes, "ipl")
    assert np.array_equal(c3.box, [10.0, 11.0])
    with pytest.raises(ValueError, match="not diagonal"):
        bs.Configuration.from_arrays(pos, [[10.0, 1.0], [0.0, 11.0]], sizes, "ipl")


def test_prepare_matches_cli(tmp_path, cli):
    cli("prepare", "ipl", "--dim", 2, "-n", 64, "--seed", 3, "-o", tmp_path / "a.xyz")
    g = bs.prepare_ipl(2, 64, seed=3)
    assert g.to_xyz() == (tmp_path / "a.xyz").read_text()
    cli("prepare", "ipl", "--dim", 2, "-n", 64, "--tp", 1.0, "--sweeps", 60, "--seed", 4,
        "-o", tmp_path / "s.xyz")
    s = bs.prepare_ipl(2, 64, tp=1.0, seed=4, sweeps=60)
    assert s.to_xyz() == (tmp_path / "s.xyz").read_text()
    assert s.mc_report["sweeps"] == 60
    cli("prepare", "harmonic", "--dim", 2, "-n", 64, "--pressure", 0.05, "--seed", 2,
        "-o", tmp_path / "h.xyz")
    h = bs.prepare_harmonic(2, 64, pressure=0.05, seed=2)
    assert h.to_xyz() == (tmp_path / "h.xyz").read_text()


# ------------------------------------------------------------------------------------------
# spectra


@pytest.fixture(scope="module")
def glass3d(tmp_path_factory):
    d = tmp_path_factory.mktemp("g3")
    g = bs.prepare_ipl(3, 250, seed=5)
    g.write(d / "g.xyz")
    return g, d / "g.xyz"


def test_spectrum_bitwise_equal_to_cli(glass3d, tmp_path, cli):
    g, path = glass3d
    cli("spectrum", path, "-o", tmp_path / "cli", "--modes", 4, "--phm", "--dipoles", 3)
    sp = bs.spectrum(bs.Configuration.read(path), method="dense", modes=4, phm=True, dipoles=3,
                     output=tmp_path / "py")
    lam = np.load(tmp_path / "cli" / "bond_spectrum.npy")
    w2 = np.load(tmp_path / "cli" / "hessian_spectrum.npy")
    assert np.array_equal(sp.lam, lam)
    assert np.array_equal(sp.omega2, w2)
    with np.load(tmp_path / "cli" / "modes.npz") as z:
        for k in z.files:
            if k == "normalization":
                continue
            assert np.array_equal(sp.modes[k], z[k]), k
    with np.load(tmp_path / "cli" / "decay.npz") as z:
        for k in z.files:
            assert np.array_equal(sp.decay[k], z[k], equal_nan=True), k
    with np.load(tmp_path / "cli" / "dipoles.npz") as z:
        for k in z.files:
            assert np.array_equal(sp.dipoles[k], z[k]), k
    # the files written by output= are those of the CLI (summary.json aside: it holds seconds)
    for f in ("bond_spectrum.npy", "hessian_spectrum.npy", "modes.npz", "decay.npz",
              "dipoles.npz", "modes.xyz", "modes_bonds.dump"):
        assert (tmp_path / "py" / f).read_bytes() == (tmp_path / "cli" / f).read_bytes(), f
    s = sp.summary
    assert s["n_nonzero"] == len(sp.lam) and s["n_sss"] == s["n_bonds"] - s["n_nonzero"]
    assert sp.lambda_0 > 0 and sp.scales["shear_modulus"] > 0
    e, p = sp.p_lambda()
    assert len(e) == 31 and np.all(p >= 0)


def test_slicing_counts(glass3d, tmp_path, cli):
    g, path = glass3d
    cli("spectrum", path, "-o", tmp_path / "cli", "--method", "slicing", "--bins", 12)
    sp = bs.spectrum(g, method="slicing", bins=12)
    with np.load(tmp_path / "cli" / "counts.npz") as z:
        for k in z.files:
            assert np.array_equal(sp.counts[k], z[k]), k
    assert sp.lam.size == 0


def test_eigsh_on_linear_operator(glass3d):
    g, _ = glass3d
    sp = bs.spectrum(g, method="dense")
    A = bs.bond_operator(g)
    assert A.shape == (sp.summary["n_bonds"],) * 2
    w = np.sort(sla.eigsh(A, k=6, which="LA", return_eigenvectors=False, tol=1e-12))
    np.testing.assert_allclose(w, sp.lam[-6:], rtol=1e-9)
    # a block product equals column-by-column products
    X = np.random.default_rng(0).normal(size=(A.shape[0], 3))
    AX = A @ X
    for j in range(3):
        np.testing.assert_allclose(AX[:, j], A @ X[:, j], rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------------
# operators against a dense numpy construction


def _dense_operators(c):
    """S, K and the Hessian M of a harmonic-sphere configuration built in numpy from the
    positions: u = k/2 (σ − r)² for r < σ = R_i + R_j; rattlers (fewer than d + 1 bonds,
    removed iteratively) have no rows or columns."""
    pos, L, R = c.positions, c.box, c.sizes
    k = float(c.params.get("k", "1"))
    n, d = pos.shape
    pairs = []
    for i in range(n):
        dx = pos[i + 1:] - pos[i]
        dx -= L * np.round(dx / L)
        r = np.linalg.norm(dx, axis=1)
        sig = R[i] + R[i + 1:]
        for j in np.nonzero(r < sig)[0]:
            pairs.append((i, i + 1 + j, dx[j], r[j], sig[j]))
    alive = np.ones(n, bool)
    while True:
        z = np.zeros(n, int)
        for i, j, *_ in pairs:
            if alive[i] and alive[j]:
                z[i] += 1
                z[j] += 1
        drop = alive & (z < d + 1)
        if not drop.any():
            break
        alive &= ~drop
    bonds = [(i, j, dx, r, s) for (i, j, dx, r, s) in pairs if alive[i] and alive[j]]
    S = np.zeros((len(bonds), n * d))
    M = np.zeros((n * d, n * d))
    for a, (i, j, dx, r, s) in enumerate(bonds):
        u = dx / r
        S[a, j * d:(j + 1) * d] = u
        S[a, i * d:(i + 1) * d] = -u
        du, d2u = -k * (s - r), k
        kb = d2u * np.outer(u, u) + du / r * (np.eye(d) - np.outer(u, u))
        for (p, q, sgn) in ((i, i, 1), (j, j, 1), (i, j, -1), (j, i, -1)):
            M[p * d:(p + 1) * d, q * d:(q + 1) * d] += sgn * kb
    return S, S.T @ S, M, np.array([(i, j) for i, j, *_ in bonds]), ~alive


@pytest.mark.parametrize("dim", [2, 3])
def test_operators_equal_dense_numpy(dim):
    c = bs.prepare_harmonic(dim, 60 if dim == 2 else 80, pressure=0.02, seed=7)
    ops = bs.operators(c)
    S, K, M, bonds, ratt = _dense_operators(c)
    assert np.array_equal(ops.bonds, bonds)
    assert np.array_equal(ops.rattlers, ratt)
    np.testing.assert_allclose(ops.S.toarray(), S, atol=1e-13)
    np.testing.assert_allclose(ops.K.toarray(), K, atol=1e-12)
    np.testing.assert_allclose(ops.M.toarray(), M, atol=1e-12)
    # the LinearOperator is the literal A = S M⁺ Sᵀ (pseudo-inverse on the kept dofs)
    keep = np.repeat(~ratt, dim)
    Mp = np.linalg.pinv(M[np.ix_(keep, keep)], rcond=1e-10, hermitian=True)
    Sk = S[:, keep]
    A_lit = Sk @ Mp @ Sk.T
    A = bs.bond_operator(c)
    A_op = A @ np.eye(A.shape[0])
    np.testing.assert_allclose(A_op, A_lit, atol=1e-9 * np.abs(A_lit).max())


# ------------------------------------------------------------------------------------------
# ASE


def test_ase_round_trip(tmp_path):
    ase_io = pytest.importorskip("ase.io")
    for g in (bs.prepare_ipl(2, 64, seed=2), bs.prepare_harmonic(3, 64, seed=2)):
        atoms = g.to_ase()
        back = bs.Configuration.from_ase(atoms)
        assert back.dim == g.dim and back.model == g.model and back.params == g.params
        assert np.array_equal(back.positions, g.positions)
        assert np.array_equal(back.sizes, g.sizes)
        assert np.array_equal(back.box, g.box)
        assert back.species == g.species
        # what ASE reads of our file is what to_ase gives (to the file's precision)
        g.write(tmp_path / "f.xyz")
        read = ase_io.read(tmp_path / "f.xyz", format="extxyz")
        np.testing.assert_allclose(read.get_positions(), atoms.get_positions(), atol=1e-12)
        np.testing.assert_allclose(read.arrays["size"], atoms.arrays["size"])
        assert read.info["model"] == g.model
        # and an Atoms that ASE read converts back
        again = bs.Configuration.from_ase(read)
        assert again.dim == g.dim
        np.testing.assert_allclose(again.positions, g.positions, atol=1e-12)
    # a plain Atoms with radii and a model given
    import ase

    a = ase.Atoms("X4", positions=np.random.default_rng(3).uniform(0, 6, (4, 3)),
                  cell=[6, 6, 6], pbc=True)
    a.arrays["radius"] = np.full(4, 0.5)
    c = bs.Configuration.from_ase(a, model="harmonic", k=2)
    np.testing.assert_allclose(c.sizes, 0.5)
    assert c.params["k"] == "2"


# ------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    "pos, box, sizes, what",
    [
        (np.zeros((4, 4)), [5, 5, 5, 5], np.ones(4), "shape (N, 2) or (N, 3)"),
        (np.zeros(12), [5, 5, 5], np.ones(4), "dimension"),
        (np.zeros((4, 3)), [5, 5], np.ones(4), "box must hold 3 lengths"),
        (np.zeros((4, 3)), [5, 5, 5], np.ones(3), "4 positions but 3 sizes"),
        (np.full((4, 3), np.nan), [5, 5, 5], np.ones(4), "not finite"),
        (np.zeros((4, 3)), [5, 0, 5], np.ones(4), "box"),
        (np.zeros((4, 3)), [5, -1, 5], np.ones(4), "box"),
        (np.zeros((4, 3)), [5, 5, 5], -np.ones(4), "sizes must be positive"),
        ([["a", "b"]], [5, 5], [1.0], "not an array of numbers"),
    ],
)
def test_malformed_arrays_raise_value_error(pos, box, sizes, what):
    with pytest.raises(ValueError, match=re.escape(what)):
        bs.Configuration.from_arrays(pos, box, sizes, "ipl")


def test_bad_model_and_options_raise_value_error(glass3d):
    with pytest.raises(ValueError, match="unknown model"):
        bs.Configuration.from_arrays(np.zeros((2, 2)), [5, 5], np.ones(2), "lj")
    with pytest.raises(ValueError, match="not a parameter of model ipl"):
        bs.Configuration.from_arrays(np.zeros((2, 2)), [5, 5], np.ones(2), "ipl", k=1)
    g, _ = glass3d
    with pytest.raises(ValueError, match="method"):
        bs.spectrum(g, method="magic")
    with pytest.raises(ValueError, match="modes requested"):
        bs.spectrum(g, modes=10**6)
    with pytest.raises(ValueError):
        bs.bond_operator(g) @ np.ones(3)


def test_file_errors_carry_the_cli_message(tmp_path, cli):
    bad = tmp_path / "bad.xyz"
    bad.write_text("3\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:size:R:1 model=ipl\n"
                   "X 0 0 0 1\nX 1 1 zz 1\nX 2 2 2 1\n")
    r = cli("inspect", bad, check=False)
    assert r.returncode == 2
    cli_line = r.stderr.strip().splitlines()[-1]
    with pytest.raises(ValueError) as e:
        bs.Configuration.read(bad)
    assert cli_line == f"error: {e.value}"
    with pytest.raises(FileNotFoundError):
        bs.Configuration.read(tmp_path / "missing.xyz")
    # a configuration that is not force-balanced
    g = bs.prepare_ipl(2, 64, seed=1)
    p = g.positions
    p[0] += 0.05
    moved = bs.Configuration.from_arrays(p, g.box, g.sizes, g.model, **g.params)
    with pytest.raises(ValueError, match="not force-balanced"):
        bs.spectrum(moved)
    assert bs.spectrum(bs.minimize(moved)).lam.size > 0


# ------------------------------------------------------------------------------------------
# ensembles


def test_ensemble_equals_cli_and_loads(tmp_path, cli):
    cli("ensemble", "--model", "ipl", "--dim", 2, "-n", 64, "--tp", "inf,1.0", "--sweeps", 40,
        "--samples", 3, "--seed", 9, "--participation", "--quiet", "-o", tmp_path / "cli")
    calls = []
    ens = bs.ensemble(tmp_path / "py", 64, dim=2, tp=[math.inf, 1.0], sweeps=40, samples=3,
                      seed=9, participation=True, progress=lambda *a: calls.append(a))
    assert calls and calls[-1][0] == calls[-1][1] == 6
    for name in ("ipl-2d-n64-tpinf", "ipl-2d-n64-tp1"):
        for f in ("pooled.npz", "pooled.json"):
            assert (tmp_path / "py" / name / f).read_bytes() == (tmp_path / "cli" / name / f).read_bytes()
    assert ens.groups == ["ipl-2d-n64-tpinf", "ipl-2d-n64-tp1"]
    pooled = ens.pooled["ipl-2d-n64-tp1"]
    assert pooled["P_lambda"].shape == pooled["lambda_counts"].shape
    assert ens.numbers["ipl-2d-n64-tp1"]["n_samples"] == 3
    assert isinstance(ens.claims, list)
    again = bs.load_ensemble(tmp_path / "cli")
    assert again.report == ens.report
    with pytest.raises(FileNotFoundError):
        bs.load_ensemble(tmp_path)


# ------------------------------------------------------------------------------------------
# long calls: progress, exceptions from the callback, Ctrl-C


def test_progress_and_callback_exception():
    seen = []
    bs.prepare_ipl(2, 64, tp=1.0, sweeps=300, seed=1, progress=lambda d, t, m: seen.append((d, t, m)))
    assert seen and any(t == 300 for _, t, _ in seen)

    class Stop(Exception):
        pass

    def stop(d, t, m):
        raise Stop()

    # (bounded: were the stop lost, the call would end after about 20 s and fail the timing)
    start = time.monotonic()
    with pytest.raises(Stop):
        bs.prepare_ipl(2, 64, tp=1.0, sweeps=200_000, seed=1, progress=stop)
    assert time.monotonic() - start < 5.0


def test_ctrl_c_interrupts_a_long_call():
    if not hasattr(signal, "SIGINT") or threading.current_thread() is not threading.main_thread():
        pytest.skip("needs SIGINT in the main thread")
    t = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    t.start()
    with pytest.raises(KeyboardInterrupt):
        bs.prepare_ipl(3, 500, tp=0.5, sweeps=20_000, seed=1)
    assert time.monotonic() - start < 5.0
