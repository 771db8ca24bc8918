#!/usr/bin/env bash
# Behaviour check for refactors: runs a fixed set of small commands (an IPL ensemble with modes,
# PHMs and participation and its report; a harmonic slicing ensemble and its report; SWAP
# batches of `prepare --samples`; single spectra by dense and slicing with modes and dipoles;
# `inspect --json`) with the build of a reference commit and with this tree's build, and
# compares every output file byte for byte. Wall-time fields (keys ending in `seconds` or
# `per_second`) are dropped from JSON files before the comparison; nothing else is.
#
# usage: scripts/behaviour-check.sh [REF]   (default REF: 0e9ca4d, the last commit before the
#        redesign of the top floors). Exit 0 when every file agrees, 1 otherwise.
# Takes about 5 minutes on 2 cores after both builds (the reference build is cached under
# target/behaviour-ref; BONDSPACE_REF_BIN=path uses an existing reference binary instead).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REF=${1:-0e9ca4d}
WORK=$ROOT/target/behaviour-check
REFSRC=$ROOT/target/behaviour-ref/src
rm -rf "$WORK"
mkdir -p "$WORK"
REFBIN=${BONDSPACE_REF_BIN:-}
if [ -z "$REFBIN" ]; then
  if [ ! -d "$REFSRC" ] || [ "$(git -C "$REFSRC" rev-parse HEAD 2>/dev/null)" != "$(git rev-parse "$REF")" ]; then
    rm -rf "$REFSRC"
    git worktree prune
    git worktree add --detach "$REFSRC" "$REF" >/dev/null
  fi
  (cd "$REFSRC" && CARGO_TARGET_DIR=$ROOT/target/behaviour-ref/target cargo build --release -q -p bondspace-cli)
  REFBIN=$ROOT/target/behaviour-ref/target/release/bondspace
fi
cargo build --release -q -p bondspace-cli
NEWBIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/bondspace
run() { # run BIN DIR: the fixed commands, in DIR
  local B=$1 D=$2
  mkdir -p "$D" && cd "$D"
  "$B" ensemble --model ipl --dim 3 -n 300 --tp inf,1.0 --sweeps 500 --samples 4 --seed 1 \
    --modes 3 --phm --participation -o E --quiet 2>/dev/null
  "$B" report E 2>/dev/null
  "$B" ensemble --model harmonic --dim 2 -n 200 --pressure 0.1,0.2 --samples 2 --seed 2 \
    --method slicing -o EH --quiet 2>/dev/null
  "$B" report EH 2>/dev/null
  mkdir -p P
  "$B" prepare ipl --dim 2 -n 200 --tp 1.0 --sweeps 300 --samples 2 --seed 3 -o P/g.xyz --quiet 2>/dev/null
  "$B" prepare ipl --dim 3 -n 200 --tp 1.0 --sweeps 200 --seed 4 -o P/one.xyz --quiet 2>/dev/null
  "$B" prepare harmonic --dim 3 -n 200 --pressure 0.1 --seed 2 -o H.xyz --quiet 2>/dev/null
  "$B" spectrum H.xyz -o SH --method slicing --modes 2 --dipoles 3 --quiet 2>/dev/null
  "$B" spectrum E/ipl-3d-n300-tpinf/sample-0000/config.xyz -o SD --modes 3 --phm \
    --participation --dipoles 2 --quiet 2>/dev/null
  "$B" spectrum P/g-0001.xyz -o SP --method explicit --quiet 2>/dev/null
  "$B" inspect H.xyz --json > inspect-H.json
  "$B" inspect P/g-0000.xyz > inspect-P.txt
}
echo "reference $REF ..."
(run "$REFBIN" "$WORK/ref")
echo "this tree ..."
(run "$NEWBIN" "$WORK/new")
python3 - "$WORK/ref" "$WORK/new" <<'PY'
import json, os, sys
ref, new = sys.argv[1], sys.argv[2]
def files(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items()
                if not (k.endswith("seconds") or k.endswith("per_second"))}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
a, b = files(ref), files(new)
bad = 0
for f in sorted(a ^ b):
    print(f"only in {'reference' if f in a else 'this tree'}: {f}"); bad += 1
for f in sorted(a & b):
    x = open(os.path.join(ref, f), "rb").read()
    y = open(os.path.join(new, f), "rb").read()
    if f.endswith(".json"):
        same = strip(json.loads(x)) == strip(json.loads(y))
        # beyond the values: the same keys in the same order, the same layout
        same = same and [l.split(":")[0] for l in x.decode().splitlines()] == \
                        [l.split(":")[0] for l in y.decode().splitlines()]
    else:
        same = x == y
    if not same:
        print(f"differs: {f}"); bad += 1
print(f"{len(a & b)} files compared, {bad} differences")
sys.exit(1 if bad else 0)
PY
