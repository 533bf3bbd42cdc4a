#!/usr/bin/env bash
# The whole test suite: launcher tests, every C test program under mpiexec at
# several process counts (normal build and AddressSanitizer + UBSan build), and
# the Python tests (tutorial examples, mpi4py's own suite) on .venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

[ -x .venv/bin/python ] && .venv/bin/python -c 'import mpi4py, pytest, pympistandard' 2>/dev/null \
    || bash scripts/setup.sh
make -j"$(nproc)"
make -j"$(nproc)" SAN=1
make install PREFIX="$root/.venv" >/dev/null

export BATON_BUILDS="build build-san"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@" tests
