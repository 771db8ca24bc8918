#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run calls it):
#   1. the Rust workspace: unit, property, CLI and interoperability tests (cargo test);
#   2. the Python package: installed from this tree by the README's command
#      (`pip install ./python`) into a fresh virtual environment, then its pytest suite
#      (python/tests), which compares it with the command-line binary of step 1.
# Needs the Rust toolchain and Python ≥ 3.9 with venv and pip (packages come from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
venv="$PWD/target/pytest-venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --no-cache-dir --upgrade pip
# maturin builds the extension with the dev profile here (dependencies at opt-level 3 and the
# library at 2, as in the Rust tests): it reuses what step 1 compiled instead of a second,
# release build of everything (the `test` profile cannot be used: it makes a test harness, not
# a loadable module). A user's `pip install ./python` builds the release profile.
MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/pip" install -q --no-cache-dir ./python pytest ase
BONDSPACE_BIN="$PWD/target/debug/bondspace" "$venv/bin/python" -m pytest -q -o faulthandler_timeout=300 python/tests
