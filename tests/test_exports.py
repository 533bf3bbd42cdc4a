"""mpi.h and libmpi.so must agree: every function mpi.h declares is exported as
MPI_X and PMPI_X, and the library exports nothing else (mpi4py's configure step
trusts both)."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def declared():
    text = (ROOT / "include" / "mpi.h").read_text()
    return set(re.findall(r"^BATON_DECL\(\s*[\w\s\*]+?,\s*(\w+)\s*,", text, re.M))


def exported():
    out = subprocess.run(["nm", "-D", "--defined-only", str(ROOT / "build/lib/libmpi.so.0")],
                         capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split()[1] in "TWtw"}


def test_every_declared_function_is_exported_twice():
    syms = exported()
    missing = sorted("%s_%s" % (p, n) for n in declared() for p in ("MPI", "PMPI")
                     if "%s_%s" % (p, n) not in syms)
    assert not missing, "declared in mpi.h, not in libmpi.so: %s" % missing


def test_nothing_exported_beyond_mpi_h():
    names = declared()
    extra = sorted(s for s in exported()
                   if not (s.startswith("MPI_") and s[4:] in names) and
                   not (s.startswith("PMPI_") and s[5:] in names))
    assert not extra, "exported but not declared in mpi.h: %s" % extra
