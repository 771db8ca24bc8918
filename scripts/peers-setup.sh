#!/usr/bin/env bash
# The environment of `bondspace bench --peers`: the SciPy peer scripts (../shared/peers) need
# NumPy, SciPy, threadpoolctl, PRIMME and scikit-sparse (CHOLMOD). scikit-sparse 0.4 builds
# against Debian 12's SuiteSparse 5 (0.5 needs SuiteSparse 7). Makes target/peers-venv, which
# the benchmark finds by default (or pass --peer-python).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists cholmod 2>/dev/null && ! [ -e /usr/include/suitesparse/cholmod.h ]; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libsuitesparse-dev libopenblas-dev pkg-config
  else
    echo "SuiteSparse (CHOLMOD) and OpenBLAS development files are needed" >&2
    exit 1
  fi
fi
python3 -m venv target/peers-venv
target/peers-venv/bin/pip install -q --no-cache-dir numpy scipy threadpoolctl primme "scikit-sparse<0.5"
target/peers-venv/bin/python -c "import sksparse.cholmod, scipy; print('peers ready: scipy', scipy.__version__)"
