"""mpi.h and libmpi.so must agree: every function mpi.h declares is exported as
MPI_X and PMPI_X, and the library exports nothing else (mpi4py's configure step
trusts both)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import gen_bindings  # noqa: E402  (the standard's procedures, as the generator reads them)


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


def test_bindings_are_the_generators_output():
    """mpi.h's prototypes, the aliases, the export list and the README's list of
    missing procedures are scripts/gen_bindings.py's output from the standard and
    from the entry points src/api defines."""
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_bindings.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr + \
        "\nrun scripts/gen_bindings.py after adding or removing an entry point"


def test_exports_counted_against_the_standard():
    """Every exported name is one of the standard's C procedures, and the README's
    count says how many of them Baton has."""
    api = gen_bindings.standard()
    names = {s[4:] for s in exported() if s.startswith("MPI_")}
    strays = sorted(names - set(api))
    assert not strays, "exported but not in the standard: %s" % strays
    readme = (ROOT / "README.md").read_text()
    claim = "exports %d of the %d C procedures" % (len(names), len(api))
    assert claim in readme, "README should say: " + claim
    print("Baton exports %d of the standard's %d C procedures; missing: %s"
          % (len(names), len(api), " ".join(sorted(set(api) - names))))


def test_nothing_is_missing():
    """Baton exports every C procedure of the standard (MPI 5.0, as pympistandard
    lists them): one-sided, I/O, dynamic processes, the tools interface and the
    ABI's calls included."""
    names = {s[4:] for s in exported() if s.startswith("MPI_")}
    missing = sorted(set(gen_bindings.standard()) - names)
    assert not missing, "missing: %s" % ", ".join("MPI_" + n for n in missing)
