#!/usr/bin/env bash
# Set up the Python side of Baton in $ROOT/.venv:
#   1. a virtual environment (.venv), made first because `make install` puts
#      bin/, lib/ and include/ into it;
#   2. Baton built and installed into it (mpicc, mpiexec, libmpi, mpi.h);
#   3. numpy and pytest from PyPI;
#   4. the real mpi4py from PyPI, compiled from its source distribution with
#      Baton's mpicc (never a prebuilt wheel, never a cached wheel built
#      against another MPI);
#   5. the same mpi4py source distribution unpacked under build/ (not part of
#      our tree) so that tests/python/test_upstream.py can run its test suite.
#
# Usage: scripts/setup-python.sh [ROOT]    (ROOT defaults to the repository root)
# Environment:
#   PYTHON=python3            interpreter used to create the venv
#   BATON_MPI4PY_VERSION=...  override the pinned mpi4py version
#   BATON_SETUP_FORCE=1       rebuild mpi4py even if the pinned version is installed
#   BATON_SETUP_VERBOSE=1     show mpi4py's full build output (its configure step)
set -euo pipefail

ROOT=$(cd "${1:-$(dirname "$0")/..}" && pwd)
PYTHON=${PYTHON:-python3}
VERSION=${BATON_MPI4PY_VERSION:-4.1.2}
VENV=$ROOT/.venv
PY=$VENV/bin/python
SDIST_DIR=$ROOT/build/python
LOG=$SDIST_DIR/mpi4py-build.log

cd "$ROOT"

# 1. venv first: make install writes into it.
if [ ! -x "$PY" ]; then
    echo "== creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

# 2. Baton itself. Always run: make is a no-op when nothing changed, and
#    installing again keeps .venv in step with the tree.
echo "== building and installing Baton into $VENV"
make -C "$ROOT" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
# Unlink what a previous install put there first: cp cannot overwrite an
# mpiexec that is running ("Text file busy"), but a running one keeps its
# unlinked file.
rm -f "$VENV/bin/mpiexec" "$VENV/bin/mpicc" "$VENV/lib/libmpi.so.0"
make -C "$ROOT" install PREFIX="$VENV" >/dev/null
MPICC=$VENV/bin/mpicc
test -x "$MPICC" || { echo "setup-python: $MPICC missing after make install" >&2; exit 1; }

# 3. numpy, pytest, and the MPI Forum's machine-readable API (scripts/gen_bindings.py
#    and tests/test_exports.py read the standard's procedures from it).
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$PY" -c 'import numpy, pytest, pympistandard' 2>/dev/null; then
    echo "== installing numpy, pytest and pympistandard"
    "$PY" -m pip install --quiet numpy pytest pympistandard==0.2.0
fi

# 4. mpi4py from source against Baton. Rebuild when the version differs, when
#    forced, or when the installed one was not built against this tree's mpi.h
#    (we record the hash of mpi.h and of libmpi's export list next to it).
stamp_now() {
    cat "$ROOT/include/mpi.h" "$ROOT/src/libmpi.map" 2>/dev/null | sha256sum | cut -d' ' -f1
}
STAMP_FILE=$VENV/.baton-mpi4py-stamp
installed=$("$PY" -c 'import importlib.metadata as m; print(m.version("mpi4py"))' 2>/dev/null || true)
want_stamp="$VERSION $(stamp_now)"
have_stamp=$(cat "$STAMP_FILE" 2>/dev/null || true)
if [ "${BATON_SETUP_FORCE:-0}" = 1 ] || [ "$installed" != "$VERSION" ] || [ "$have_stamp" != "$want_stamp" ]; then
    echo "== building mpi4py $VERSION from source with $MPICC (log: $LOG)"
    mkdir -p "$SDIST_DIR"
    # --no-binary + --no-cache-dir: compile here and now, and never pick up a
    # wheel that pip built earlier against another MPI.
    if ! MPICC="$MPICC" "$PY" -m pip install -v \
            --no-binary mpi4py --no-cache-dir --force-reinstall --no-deps \
            "mpi4py==$VERSION" >"$LOG" 2>&1; then
        tail -60 "$LOG" >&2
        echo "setup-python: building mpi4py failed; full log in $LOG" >&2
        exit 1
    fi
    [ "${BATON_SETUP_VERBOSE:-0}" = 1 ] && cat "$LOG"
    echo "$want_stamp" >"$STAMP_FILE"
    # What mpi4py's configure step found missing in Baton (each becomes a
    # NotImplementedError, or an absent constant, at run time).
    grep -o "failed check for '[A-Za-z0-9_]*'" "$LOG" | cut -d"'" -f2 >"$SDIST_DIR/mpi4py-missing.txt" || true
    echo "   mpi4py configure marked $(wc -l <"$SDIST_DIR/mpi4py-missing.txt") MPI names missing (list: $SDIST_DIR/mpi4py-missing.txt)"
fi

# 5. mpi4py's source distribution for its test suite (a download, unpacked
#    under build/, not kept in our tree).
if [ ! -f "$SDIST_DIR/mpi4py-$VERSION/test/main.py" ]; then
    echo "== fetching the mpi4py $VERSION source distribution into $SDIST_DIR"
    mkdir -p "$SDIST_DIR"
    "$PY" -m pip download --quiet --no-binary mpi4py --no-deps --no-cache-dir \
        --dest "$SDIST_DIR" "mpi4py==$VERSION"
    tar -xzf "$SDIST_DIR/mpi4py-$VERSION.tar.gz" -C "$SDIST_DIR"
fi

# Check: the installed mpi4py talks to Baton.
lib=$("$PY" -c 'from mpi4py import MPI; print(MPI.Get_library_version())')
echo "== mpi4py $("$PY" -c 'import mpi4py; print(mpi4py.__version__)') reports: $lib"
case "$lib" in
    *Baton*) ;;
    *) echo "setup-python: mpi4py is not linked against Baton" >&2; exit 1 ;;
esac
