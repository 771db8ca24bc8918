#!/usr/bin/env python3
"""The SWAP table of the README: per parent temperature, from chain-sampled ensemble groups.

Usage: scripts/tp-table.py GROUP_DIR [GROUP_DIR ...]
  GROUP_DIR: an ensemble group (e.g. DIR/ipl-3d-n2000-tp0.45) made with --chains M.

Prints, per group (one Tp), from its chain-cccc.json, samples' mc.json / summary.json and
pooled.json:
  tau_Q, tau_C   mean (over chains) of the relaxation times of the self-overlap Q and of the
                 size autocorrelation C in the last half of the equilibration, in sweeps;
  equilibrate    mean sweeps until the chain's checks passed (after the 200 tuning sweeps),
                 and how many chains passed them (the others hit the --sweeps cap);
  e_IS, G        inherent-state energy per particle and shear modulus, mean +- s.e. over the
                 samples (pooled.json);
  r1             lag-1 correlation of e_IS between successive snapshots of a chain, +- error;
  rate           attempted moves per second of one chain (one core), mean over chains;
  CPU-s/sample   SWAP seconds between two snapshots (spacing sweeps x N / rate), and
                 the slicing analysis (mean of the samples' summary.json seconds);
  CPU-s/chain    the equilibration of one chain (paid M times, not once per sample).
Only the Python standard library is used.
"""
import glob
import json
import os
import statistics
import sys


def mean(xs):
    return statistics.fmean(xs) if xs else float("nan")


def row(group):
    chains = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(group, "chain-*.json")))]
    if not chains:
        sys.exit(f"error: {group}: no chain-*.json (not a chain-sampled group)")
    pooled_path = os.path.join(group, "pooled.json")
    pooled = json.load(open(pooled_path)) if os.path.exists(pooled_path) else {}
    mcs, sums = [], []
    for d in sorted(glob.glob(os.path.join(group, "sample-*"))):
        try:
            mcs.append(json.load(open(os.path.join(d, "mc.json"))))
            sums.append(json.load(open(os.path.join(d, "summary.json"))))
        except OSError:
            pass
    n = chains[0]["n"]
    tp = float(chains[0]["options"]["temperature"])
    rate = mean([c["sweep"] * n / c["seconds"] for c in chains if c.get("seconds")])
    eq = [c for c in chains if c.get("equilibrated_at") is not None]
    passed = sum(1 for c in chains if c.get("equilibrated"))
    eq_sweeps = mean([c["equilibrated_at"] for c in eq])
    spacing = mean([c["spacing"] for c in chains if c.get("spacing")])
    swap_per_sample = spacing * n / rate
    analysis = mean([s["seconds"] for s in sums if s.get("seconds") is not None])
    e = pooled.get("energy_per_particle", [float("nan")] * 2)
    g = pooled.get("shear_modulus", [float("nan")] * 2)
    r1 = pooled.get("e_is_lag1") or [float("nan")] * 3
    return {
        "tp": tp,
        "n": n,
        "chains": len(chains),
        "passed": passed,
        "samples": len(sums),
        "tau_q": mean([c["tau"] for c in chains if c.get("tau")]),
        "tau_c": mean([c["tau_size"] for c in chains if c.get("tau_size")]),
        "eq_sweeps": eq_sweeps,
        "eq_seconds": eq_sweeps * n / rate,
        "e": e,
        "g": g,
        "r1": r1,
        "rate": rate,
        "spacing": spacing,
        "swap_s": swap_per_sample,
        "analysis_s": analysis,
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows = sorted((row(g) for g in sys.argv[1:]), key=lambda r: -r["tp"])
    print("| Tp | N | chains (passed) | samples | τ_Q (sweeps) | τ_C (sweeps) | sweeps to equilibrate | "
          "e_IS ± s.e. | G ± s.e. | lag-1 r(e_IS) | attempts/s | sweeps/sample | "
          "CPU-s/sample (SWAP + slicing analysis) | CPU-s/chain (equilibration) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['tp']:g} | {r['n']} | {r['chains']} ({r['passed']}) | {r['samples']} | "
              f"{r['tau_q']:.0f} | {r['tau_c']:.0f} | {r['eq_sweeps']:.0f} | "
              f"{r['e'][0]:.4f} ± {r['e'][1]:.4f} | {r['g'][0]:.2f} ± {r['g'][1]:.2f} | "
              f"{r['r1'][0]:+.2f} ± {r['r1'][1]:.2f} | {r['rate']:.3g} | {r['spacing']:.0f} | "
              f"{r['swap_s']:.1f} + {r['analysis_s']:.1f} | {r['eq_seconds']:.0f} |")


if __name__ == "__main__":
    main()
