#!/usr/bin/env bash
# Harmonic packings near jamming: time per packing and rattler fraction against the pressure.
# Usage: scripts/jamming-table.sh [BONDSPACE] [SIZES] [PRESSURES] [SEEDS]
#   e.g. scripts/jamming-table.sh target/release/bondspace "500 2000" "1e-1 1e-2 1e-3 1e-4 1e-5 1e-6" "1"
# Prints one markdown row per (d, N, p, seed): wall seconds of `prepare harmonic` (one thread),
# the pressure reached, the max force against f_typ and the force resolution, the rattler fraction,
# and whether `spectrum`'s balance check accepts the file (`inspect` prints that check too).
set -euo pipefail
BIN=${1:-target/release/bondspace}
SIZES=${2:-"500 2000"}
PRESSURES=${3:-"1e-1 1e-2 1e-3 1e-4 1e-5 1e-6"}
SEEDS=${4:-"1"}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "| d | N | p | seed | seconds | p reached | max force / f_typ | max force / resolution | rattlers / N | balanced |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for d in 2 3; do
  for n in $SIZES; do
    for p in $PRESSURES; do
      for seed in $SEEDS; do
        f="$OUT/h-$d-$n-$p-$seed.xyz"
        t0=$(date +%s.%N)
        if RAYON_NUM_THREADS=1 "$BIN" --quiet prepare harmonic --dim "$d" -n "$n" --pressure "$p" \
            --seed "$seed" -o "$f" > "$OUT/log" 2>&1; then
          t1=$(date +%s.%N)
          "$BIN" inspect "$f" --json > "$OUT/i.json"
          python3 - "$OUT/i.json" "$d" "$n" "$p" "$seed" "$(echo "$t1 - $t0" | bc)" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
d, n, p, seed, secs = sys.argv[2:7]
def g(*keys):
    for k in keys:
        if k in j and j[k] is not None:
            return j[k]
    return float("nan")
mf = g("max_force"); ft = g("typical_pair_force"); fr = g("force_resolution")
rat = g("rattlers", "n_rattlers")
bal = "yes" if mf <= max(1e-8 * ft, fr) else "no"
print(f"| {d} | {n} | {p} | {seed} | {float(secs):.1f} | {g('pressure'):.6g} | {mf/ft:.2g} | {mf/fr:.2g} | {rat/int(n):.3f} | {bal} |")
PY
        else
          t1=$(date +%s.%N)
          echo "| $d | $n | $p | $seed | $(echo "$t1 - $t0" | bc) | failed: $(tail -1 "$OUT/log" | cut -c1-80) | | | | |"
        fi
      done
    done
  done
done
