#!/usr/bin/env python3
"""Measured per-sample costs at the paper's sizes and the projected core-hours of its full study.

Usage: scripts/study-cost.py BONDSPACE GLASS_N2000.xyz [GROUP_DIR ...] [--tau-032 SWEEPS]
                             [--rate ATTEMPTS_PER_S] [--tau TP:TAU_Q:EQ_SWEEPS ...]
                             [--save FILE | --load FILE]
  BONDSPACE       the release binary (target/release/bondspace)
  GLASS_N2000.xyz a 3D IPL glass of N = 2000 (e.g. a sample's config.xyz of GROUP_DIR)
  GROUP_DIR       chain-sampled ensemble groups at N = 2000 (scripts/tp-table.py reads the same);
                  their chains give the SWAP seconds per sample (2 tau_Q sweeps at the chain's
                  measured rate) and per chain (its equilibration), their samples the slicing time
                  A group whose chains are still equilibrating counts with tau_Q the mean of
                  their last three Q relaxations and "equilibration >= the sweeps so far".
  --tau-032       tau_Q at Tp = 0.32 in sweeps when no group of that Tp is given (an
                  extrapolation, printed as such)
  --tau TP:T:E    a Tp measured earlier (no group here): tau_Q = T sweeps and E sweeps to
                  equilibrate a chain of N = 2000 (README, the table of the paper's Tp); needs
                  --rate; a group of the same Tp takes precedence
  --rate R        SWAP attempts per second of one core measured on a quiet machine (`bondspace
                  bench --swap`), used instead of the chains' own rates (which count whatever
                  shared the machine while they ran)
  --save FILE     write the measured stage times (JSON) to FILE; --load FILE reuses them
                  instead of measuring again

Every stage below is run here on one thread (RAYON_NUM_THREADS=1) and timed by its wall clock:
  quench          `prepare ipl --tp inf` (random start, overlaps removed, FIRE then CG): an upper
                  bound of the quench of an equilibrated liquid;
  slicing         `spectrum --method slicing` (P(lambda) and D(omega), 30 bins);
  top-50          `spectrum --method sparse --modes 50 --phm` (Lanczos, PHMs, decay profiles);
  participation   `spectrum --method dense --participation` (every mode: only on a subset);
  harmonic        `prepare harmonic --pressure 0.1` and the same slicing and top-50 at
                  N = 1000, 2000, 4000.
The paper's full study: 10^4 IPL glasses at each of Tp = 0.32, 0.45, 0.6, 1.0 (N = 2000, 3D) with
slicing and top-50 each, participation on 100 per Tp, equilibration of 32 chains per Tp (the `--full` preset); 10^3
harmonic packings at each N with slicing and top-50.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

PER_TP = 10_000
PARTICIPATION_PER_TP = 100
CHAINS = 32
HARMONIC_PER_N = 1_000
TPS = [1.0, 0.6, 0.45, 0.32]


def run(binary, *args):
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    t = time.perf_counter()
    subprocess.run([binary, "--quiet", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t


def chain_costs(group, quiet_rate=None):
    chains = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(group, "chain-*.json")))]
    if not chains:
        sys.exit(f"error: {group}: no chain-*.json")
    n = chains[0]["n"]
    tp = float(chains[0]["options"]["temperature"])
    rate = quiet_rate or sum(c["sweep"] * n / c["seconds"] for c in chains) / len(chains)
    taus, running = [], False
    for c in chains:
        if c.get("tau"):
            taus.append(c["tau"])
        else:
            last = [x["length"] for x in c["overlap_relaxations"][-3:]]
            if last:
                taus.append(sum(last) / len(last))
                running = True
    tau = sum(taus) / len(taus)
    eq = [c["equilibrated_at"] if c.get("equilibrated_at") is not None else c["sweep"]
          for c in chains]
    eq_s = (sum(eq) / len(eq)) * n / rate
    src = ("running chain: τ_Q of its last 3 Q relaxations, equilibration ≥ its sweeps so far"
           if running else "measured (chains)")
    return tp, {"tau": tau, "rate": rate, "swap_s": 2 * tau * n / rate, "eq_s": eq_s, "src": src}


def main():
    argv = sys.argv[1:]
    tau032 = None
    save = load = None
    for flag in ("--save", "--load"):
        if flag in argv:
            k = argv.index(flag)
            if flag == "--save":
                save = argv[k + 1]
            else:
                load = argv[k + 1]
            del argv[k:k + 2]
    quiet_rate = None
    if "--rate" in argv:
        k = argv.index("--rate")
        quiet_rate = float(argv[k + 1])
        del argv[k:k + 2]
    given = {}
    while "--tau" in argv:
        k = argv.index("--tau")
        try:
            tp, tau, eq = (float(x) for x in argv[k + 1].split(":"))
        except (IndexError, ValueError):
            sys.exit("error: --tau takes TP:TAU_Q:EQ_SWEEPS, e.g. --tau 1:428:7700")
        given[tp] = (tau, eq)
        del argv[k:k + 2]
    if given and not quiet_rate:
        sys.exit("error: --tau needs --rate")
    if "--tau-032" in argv:
        k = argv.index("--tau-032")
        tau032 = float(argv[k + 1])
        del argv[k:k + 2]
    if len(argv) < 2 or (len(argv) < 3 and not given):
        sys.exit(__doc__)
    binary, glass, groups = argv[0], argv[1], argv[2:]
    swap = dict(chain_costs(g, quiet_rate) for g in groups)
    for tp, (tau, eq) in given.items():
        if tp in swap:
            print(f"note: --tau {tp:g} ignored: a group of that Tp is given", file=sys.stderr)
        swap.setdefault(tp, {"tau": tau, "rate": quiet_rate, "swap_s": 2 * tau * 2000 / quiet_rate,
                             "eq_s": eq * 2000 / quiet_rate,
                             "src": "τ_Q and equilibration given (--tau), at --rate"})
    if load:
        saved = json.load(open(load))
        t, harm = saved["t"], {int(k): v for k, v in saved["harmonic"].items()}
    else:
        t, harm = measure(binary, glass)
    if save:
        json.dump({"t": t, "harmonic": harm}, open(save, "w"), indent=1)
    report(t, harm, swap, tau032)


def measure(binary, glass):
    with tempfile.TemporaryDirectory() as tmp:
        t = {}
        t["quench"] = run(binary, "prepare", "ipl", "--dim", "3", "-n", "2000", "--tp", "inf",
                          "--seed", "1", "-o", f"{tmp}/q.xyz")
        t["slicing"] = run(binary, "spectrum", glass, "-o", f"{tmp}/s", "--method", "slicing")
        t["top50"] = run(binary, "spectrum", glass, "-o", f"{tmp}/m", "--method", "sparse",
                         "--modes", "50", "--phm")
        t["participation"] = run(binary, "spectrum", glass, "-o", f"{tmp}/p", "--method", "dense",
                                 "--participation")
        harm = {}
        for n in (1000, 2000, 4000):
            f = f"{tmp}/h{n}.xyz"
            prep = run(binary, "prepare", "harmonic", "--dim", "3", "-n", str(n), "--pressure",
                       "0.1", "--seed", "1", "-o", f)
            sl = run(binary, "spectrum", f, "-o", f"{tmp}/hs{n}", "--method", "slicing")
            top = run(binary, "spectrum", f, "-o", f"{tmp}/hm{n}", "--method", "sparse",
                      "--modes", "50", "--phm")
            harm[n] = (prep, sl, top)
    return t, harm


def report(t, harm, swap, tau032):
    print("Measured on one thread (wall seconds per sample):")
    print("| stage | N = 2000 IPL |")
    print("|---|---|")
    for k in ("quench", "slicing", "top50", "participation"):
        print(f"| {k} | {t[k]:.1f} |")
    print()
    print("| Tp | τ_Q (sweeps) | attempts/s | SWAP s/sample (2 τ_Q) | equilibration s/chain | source |")
    print("|---|---|---|---|---|---|")
    rates = [v["rate"] for v in swap.values()]
    rows = {}
    for tp in TPS:
        if tp in swap:
            v = swap[tp]
            src = v["src"]
        elif tp == 0.32 and tau032:
            rate = min(rates)
            # equilibration: at least 10 tau_Q and 3 tau_C with tau_C ~ 5 tau_Q measured above
            v = {"tau": tau032, "rate": rate, "swap_s": 2 * tau032 * 2000 / rate,
                 "eq_s": 15 * tau032 * 2000 / rate}
            src = "extrapolated τ_Q (--tau-032), equilibration ≈ 15 τ_Q"
        else:
            continue
        rows[tp] = v
        print(f"| {tp:g} | {v['tau']:.3g} | {v['rate']:.3g} | {v['swap_s']:.1f} | {v['eq_s']:.0f} | {src} |")
    print()
    print("| N (harmonic, p = 0.1) | prepare s | slicing s | top-50 s |")
    print("|---|---|---|---|")
    for n, (a, b, c) in harm.items():
        print(f"| {n} | {a:.1f} | {b:.1f} | {c:.1f} |")
    print()
    per_sample_analysis = t["quench"] + t["slicing"] + t["top50"]
    total = 0.0
    print("Projected core-hours of the paper's full study:")
    print("| part | core-hours |")
    print("|---|---|")
    for tp, v in rows.items():
        h = (PER_TP * (v["swap_s"] + per_sample_analysis) + CHAINS * v["eq_s"]
             + PARTICIPATION_PER_TP * t["participation"]) / 3600
        total += h
        print(f"| IPL Tp = {tp:g}: {PER_TP} × (SWAP {v['swap_s']:.1f} s + quench, slicing, top-50 "
              f"{per_sample_analysis:.1f} s) + {CHAINS} chains × {v['eq_s']:.0f} s + "
              f"{PARTICIPATION_PER_TP} × participation | {h:.0f} |")
    for n, (a, b, c) in harm.items():
        h = HARMONIC_PER_N * (a + b + c) / 3600
        total += h
        print(f"| harmonic N = {n}: {HARMONIC_PER_N} × {a + b + c:.1f} s | {h:.0f} |")
    missing = [tp for tp in TPS if tp not in rows]
    note = f" (without Tp = {', '.join(map(str, missing))})" if missing else ""
    print(f"| **total**{note} | **{total:.0f}** (goal ≤ 384: one day on 16 cores) |")


if __name__ == "__main__":
    main()
