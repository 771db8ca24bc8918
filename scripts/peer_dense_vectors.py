#!/usr/bin/env python3
"""The SciPy peer of `bondspace spectrum --participation`: every eigenpair of A, dense.

A skilled user's script for the participation of every mode (paper Fig. 4), written on the
peer scripts' own reader and operators (`peer_ops.py` in --peer-dir, ../shared/peers):

  eigenpairs: scipy.linalg.eigh(K~, M~) with vectors on the pinned pencil (last kept particle
              pinned, rattlers removed; LAPACK dsygvd, scipy's default driver), then
              bondspace's zero rule (keep lambda > 1e-11 max|lambda|);
  N e(F):     the particle force of each mode, F = K [D~; 0] (K = S^T S), and its
              participation (sum |F_i|^2)^2 / sum |F_i|^4, in blocks of 256 modes.

usage: peer_dense_vectors.py CONFIG [--peer-dir DIR] [--threads T] [--save PREFIX]
Prints one JSON line: wall times t_*_s (read, bonds, sparse build, densify, eigh with vectors,
participation, total), sizes, peak RSS; --save writes PREFIX_lambda.npy and PREFIX_ne.npy
(ascending lambda).
"""
import argparse
import json
import os
import resource
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--peer-dir", default="../shared/peers",
                    help="folder of peer_ops.py (default ../shared/peers)")
    ap.add_argument("--threads", type=int, default=None, help="BLAS threads (threadpoolctl)")
    ap.add_argument("--save", help="write PREFIX_lambda.npy and PREFIX_ne.npy")
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.peer_dir))
    import numpy as np
    import scipy.linalg as sl
    from peer_ops import Network, clk, lap

    if a.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(a.threads)
    out = dict(script="peer_dense_vectors", config=a.config)
    T0 = clk()
    net = Network(a.config)
    out.update(n_particles=net.n_total, dim=net.dim, n_bonds=net.n_bonds)
    out["t_read_s"] = net.t_read
    out["t_bonds_s"] = net.t_bonds
    t0 = clk()
    M = net.M()
    K = net.K()
    Mt = net.pinned(M)
    Kt = net.pinned(K)
    lap(out, "sparse_build", t0)
    t0 = clk()
    Md = Mt.toarray()
    Kd = Kt.toarray()
    lap(out, "densify", t0)
    m = Md.shape[0]
    out["n_pencil"] = m
    t0 = clk()
    w, v = sl.eigh(Kd, Md)
    lap(out, "eigh_vectors", t0)
    del Md, Kd
    t0 = clk()
    keep = np.nonzero(w > 1e-11 * np.abs(w).max())[0]
    Kc = K.tocsc()[:, :m]
    d = net.dim
    ne = np.empty(len(keep))
    for s in range(0, len(keep), 256):
        cols = keep[s:s + 256]
        F = Kc @ v[:, cols]                                   # (nd, b)
        f2 = (F.reshape(net.n, d, len(cols)) ** 2).sum(axis=1)  # |F_i|^2, (n, b)
        ne[s:s + 256] = f2.sum(axis=0) ** 2 / (f2 ** 2).sum(axis=0)
    lap(out, "participation", t0)
    lam = w[keep]
    out["n_nonzero"] = int(len(lam))
    lap(out, "total", T0)
    out["peak_rss_MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if a.save:
        np.save(a.save + "_lambda.npy", lam)
        np.save(a.save + "_ne.npy", ne)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
