"""The profiling layer (MPI 4.1 section 15.2): a tool that defines MPI_ functions
and reaches Baton through their PMPI_ names sees every call the program makes,
exactly once, whether it is linked before libmpi or preloaded, and from C or from
Python (mpi4py calls the MPI_ names).

The tool is tests/pmpi/wrap.c, a small one of mpiP's kind (Debian and PyPI have no
PMPI tool that is not built for one MPI's ABI): it counts calls and bytes and
prints one line per rank at MPI_Finalize. tests/pmpi/traffic.c and traffic.py make
known traffic; the counts are computed here from the rank and the size. A count
too high means Baton called one of its own MPI_ names inside another call (the tool
would see calls the program never made); too low, that a call missed the tool."""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / os.environ.get("BATON_BUILDS", "build").split()[0]
SAN = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"] \
    if BUILD.name == "build-san" else []
VENV = ROOT / ".venv"
LINE = re.compile(r"pmpi-wrap rank (\d+): (.*)")


def expected(rank, size):
    """What traffic.c and traffic.py do on rank, as the tool prints it."""
    counts = {
        "Init": (1, 0),
        "Send": (0, 0) if rank == 0 else (1, 4 * rank),
        "Recv": (size - 1, 2 * size * (size - 1)) if rank == 0 else (0, 0),
        "Isend": (1, 28), "Irecv": (1, 28), "Wait": (2, 0), "Barrier": (2, 0),
        "Bcast": (3, 3 * 40), "Allreduce": (5, 5 * 32),
    }
    return " ".join("%s %d/%d" % (k, c, b) for k, (c, b) in counts.items())


def check(res, size):
    assert res.returncode == 0, res.stdout + res.stderr
    got = {}
    for line in res.stdout.splitlines():
        m = LINE.fullmatch(line)
        assert m, "unexpected output line %r\n%s" % (line, res.stdout + res.stderr)
        assert int(m.group(1)) not in got, "rank %s printed twice\n%s" % (m.group(1), res.stdout)
        got[int(m.group(1))] = m.group(2)
    assert sorted(got) == list(range(size)), res.stdout + res.stderr
    for rank in range(size):
        assert got[rank] == expected(rank, size), "rank %d of %d" % (rank, size)


def build(bin_dir, args):
    res = subprocess.run([str(bin_dir / "mpicc")] + args, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    """The tool as a shared library, a program linked with it and one without."""
    d = tmp_path_factory.mktemp("pmpi")
    build(BUILD / "bin", SAN + ["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-o",
                                str(d / "libwrap.so"), str(ROOT / "tests/pmpi/wrap.c")])
    build(BUILD / "bin", SAN + ["-Wall", "-Werror", "-o", str(d / "linked"),
                                str(ROOT / "tests/pmpi/traffic.c"), "-L" + str(d), "-lwrap",
                                "-Wl,-rpath," + str(d)])
    build(BUILD / "bin", SAN + ["-Wall", "-Werror", "-o", str(d / "plain"),
                                str(ROOT / "tests/pmpi/traffic.c")])
    return d


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "HYDRA_"))}
    if SAN:
        e.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    e.update(extra)
    return e


def mpiexec(bin_dir, n, argv, opts=()):
    return subprocess.run([str(bin_dir / "mpiexec")] + list(opts) + ["-n", str(n)] + argv,
                          capture_output=True, text=True, timeout=120, env=env())


@pytest.mark.parametrize("n", [1, 2, 3, 4, 8])
def test_tool_linked_before_libmpi(tool, n):
    check(mpiexec(BUILD / "bin", n, [str(tool / "linked")]), n)


@pytest.mark.parametrize("n", [1, 3])
def test_tool_preloaded(tool, n):
    # LD_PRELOAD for the ranks only: mpiexec itself does not load libmpi
    if SAN:
        pytest.skip("a preloaded sanitized library needs the sanitizer runtime first")
    res = mpiexec(BUILD / "bin", n, [str(tool / "plain")],
                  ["-genv", "LD_PRELOAD", str(tool / "libwrap.so")])
    check(res, n)


def test_tool_across_hosts(tool):
    # two fork "hosts": the network transport under the counted calls
    res = mpiexec(BUILD / "bin", 3, [str(tool / "linked")],
                  ["-launcher", "fork", "-hosts", "a:2,b:1"])
    check(res, 3)


@pytest.fixture(scope="module")
def python_tool(tmp_path_factory):
    """The tool built against the .venv's Baton, which mpi4py there is built on."""
    if not (VENV / "bin" / "python").exists():
        pytest.skip("no .venv with mpi4py (scripts/setup.sh makes it)")
    lib = tmp_path_factory.mktemp("pmpi-py") / "libwrap.so"
    build(VENV / "bin", ["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-o", str(lib),
                         str(ROOT / "tests/pmpi/wrap.c")])
    return lib


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_tool_under_python(python_tool, n):
    """mpi4py's MPI module, built against Baton, reaches the tool's MPI_ names;
    Bcast, Allreduce, Send and the rest of its buffer calls come as their _c forms."""
    res = mpiexec(VENV / "bin", n, [str(VENV / "bin" / "python"),
                                    str(ROOT / "tests/pmpi/traffic.py")],
                  ["-genv", "LD_PRELOAD", str(python_tool)])
    check(res, n)
