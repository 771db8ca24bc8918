#!/usr/bin/env python3
"""Autocorrelation of the inherent-state energy along SWAP chains, in units of tau_Q.

Usage: scripts/eis-acf.py DIR [--max-lag K]
  DIR  the glasses of `bondspace prepare ipl --samples K --chains M --spacing s -o DIR/g.xyz`
       (their OUT-kkkk.xyz and OUT-kkkk.mc.json), or an ensemble group directory
       (sample-kkkk/config.xyz and mc.json).

Reads, per chain, the inherent-state energy per particle of every snapshot (the `energy` key of
the glass file over N) and the liquid's energy per particle at the snapshot (mc.json), in
snapshot order, and prints for each lag k (in snapshots, and in tau_Q = the chain's measured
relaxation time of the self-overlap):
  rho_IS(k), rho_liquid(k)   autocorrelations, the mean over all chains and the variance over
                             all snapshots, the products over every pair k apart in a chain;
  +- (1/sqrt(pairs))         Bartlett's standard error for independent values;
and the integrated autocorrelation time tau_int = 1/2 + sum_k rho(k) (in snapshots), summed
with Sokal's self-consistent window (k < 5 tau_int), from which the standard error of a mean
over n snapshots is sqrt(2 tau_int) times the naive one. Only the standard library is used.
"""
import glob
import json
import math
import os
import re
import sys


def header(path):
    with open(path) as f:
        n = int(f.readline())
        line = f.readline()
    keys = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
    return n, keys


def load(d):
    series = {}
    files = sorted(glob.glob(os.path.join(d, "*-[0-9][0-9][0-9][0-9].xyz")))
    pairs = [(f, f[:-4] + ".mc.json") for f in files]
    if not pairs:
        pairs = [(os.path.join(s, "config.xyz"), os.path.join(s, "mc.json"))
                 for s in sorted(glob.glob(os.path.join(d, "sample-*")))]
    for xyz, mcp in pairs:
        if not (os.path.exists(xyz) and os.path.exists(mcp)):
            continue
        n, k = header(xyz)
        mc = json.load(open(mcp))
        chain = int(mc.get("chain", k.get("chain", 0)))
        snap = int(mc.get("snapshot", k.get("snapshot", 0)))
        series.setdefault(chain, []).append((snap, float(k["energy"]) / n,
                                             mc.get("liquid_energy_per_particle"),
                                             mc.get("spacing"), mc.get("tau")))
    out = []
    for c in sorted(series):
        v = sorted(series[c])
        # keep the first run of consecutive snapshots
        run = [v[0]]
        for x in v[1:]:
            if x[0] != run[-1][0] + 1:
                break
            run.append(x)
        out.append(run)
    return out


def acf(series, kmax):
    allv = [x for s in series for x in s]
    m = sum(allv) / len(allv)
    var = sum((x - m) ** 2 for x in allv) / len(allv)
    if var <= 0:
        return []
    rho = []
    for k in range(1, kmax + 1):
        prods = [(s[t] - m) * (s[t + k] - m) for s in series for t in range(len(s) - k)]
        if not prods:
            break
        rho.append((sum(prods) / len(prods) / var, len(prods)))
    return rho


def tau_int(rho):
    """1/2 + sum rho(k) over Sokal's window k < 5 tau_int; None if the lags ran out first."""
    t = 0.5
    for k, (r, _) in enumerate(rho, start=1):
        t += r
        if k >= 5 * t:
            return t
    return None


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    kmax = 20
    if "--max-lag" in args:
        i = args.index("--max-lag")
        if i + 1 >= len(args):
            sys.exit(__doc__)
        kmax = int(args[i + 1])
        del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    chains = load(args[0])
    if not chains:
        sys.exit(f"error: {args[0]}: no glasses with mc.json")
    e_is = [[x[1] for x in c] for c in chains]
    liq = [[x[2] for x in c] for c in chains if all(y[2] is not None for y in c)]
    spacing = [x[3] for c in chains for x in c if x[3]]
    tau = [x[4] for c in chains for x in c if x[4]]
    if not spacing or not tau:
        sys.exit(f"error: {args[0]}: the samples' mc.json name no spacing or tau (not from chains)")
    sp = sum(spacing) / len(spacing)
    tq = sum(tau) / len(tau)
    total = sum(len(s) for s in e_is)
    if total < 2:
        sys.exit(f"error: {args[0]}: fewer than 2 snapshots")
    print(f"{len(chains)} chains, {total} snapshots (per chain {[len(s) for s in e_is]}), "
          f"spacing {sp:.0f} sweeps = {sp / tq:.2f} tau_Q (tau_Q = {tq:.0f} sweeps)")
    allv = [x for s in e_is for x in s]
    m = sum(allv) / len(allv)
    sd = math.sqrt(sum((x - m) ** 2 for x in allv) / (len(allv) - 1))
    print(f"e_IS = {m:.5f}, standard deviation over snapshots {sd:.5f}")
    ri = acf(e_is, kmax)
    rl = acf(liq, kmax) if liq else []
    print("| lag (snapshots) | lag (tau_Q) | rho_IS | rho_liquid | +- | pairs |")
    print("|---|---|---|---|---|---|")
    for k, (r, p) in enumerate(ri, start=1):
        lq = f"{rl[k - 1][0]:+.3f}" if k - 1 < len(rl) else "-"
        print(f"| {k} | {k * sp / tq:.2f} | {r:+.3f} | {lq} | {1 / math.sqrt(p):.3f} | {p} |")
    ti = tau_int(ri)
    if ti is None:
        print("tau_int(e_IS): the window did not close within --max-lag; raise it")
    else:
        print(f"tau_int(e_IS) = {ti:.2f} snapshots = {ti * sp / tq:.2f} tau_Q (Sokal window); "
              f"s.e. factor sqrt(2 tau_int) = {math.sqrt(max(2 * ti, 1e-9)):.2f}")
    if rl:
        tl = tau_int(rl)
        if tl is not None:
            print(f"tau_int(e_liquid) = {tl:.2f} snapshots = {tl * sp / tq:.2f} tau_Q")


if __name__ == "__main__":
    main()
