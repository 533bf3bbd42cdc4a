"""Every BATON_* variable, from the one table in src/util/env.c, with an empty,
a non-numeric, a negative and a huge value: mpiexec refuses each bad value
before it starts anything (one line naming the variable and the value, status
2), MPI_Init refuses it in a singleton and for the variables only the library
can check (BATON_COLL_<NAME>), and an empty value counts as unset. The README's
table of variables is generated from the code's."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import clean_env, mpi_program

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / os.environ.get("BATON_BUILDS", "build").split()[0]
MPIEXEC = str(BUILD / "bin" / "mpiexec")

sys.path.insert(0, str(ROOT / "scripts"))
import gen_env_table  # noqa: E402  (the table's one reader, beside the README's writer)

TABLE = [e for e in gen_env_table.entries() if e[0].startswith("BATON_")]
BAD = {"non-numeric": "abc", "negative": "-1", "huge": "99999999999999999999999"}

HELLO = r"""
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    int rank;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0)
        printf("hello\n");
    MPI_Finalize();
    return 0;
}
"""


@pytest.fixture(scope="module")
def hello(tmp_path_factory):
    return mpi_program(tmp_path_factory, "hello", HELLO)


def variables():
    for name, kind, _lo, _hi, choices, _dflt, _what in TABLE:
        if name.endswith("_"):
            name += "ALLREDUCE"        # a family: one of its members
        yield name, kind, choices


def test_table_is_read():
    assert len(TABLE) >= 20 and ("BATON_EAGER_MAX", "SIZE") in [(n, k) for n, k, *_ in TABLE]


@pytest.mark.parametrize("name,kind,choices", list(variables()))
def test_bad_values(hello, name, kind, choices, tmp_path):
    for what, value in BAD.items():
        # In a directory of its own: BATON_TRACE's value is a file to write.
        res = subprocess.run([MPIEXEC, "-n", "2", hello], capture_output=True, text=True,
                             env=clean_env(**{name: value}), timeout=60, cwd=tmp_path)
        if kind == "TEXT":
            # Any text is a value (names, paths, addresses); these are not read
            # by a job on one host, which runs.
            assert res.returncode == 0 and res.stdout == "hello\n", (what, res.stderr)
            continue
        assert res.returncode != 0, (what, res.stdout)
        line = "%s=%s: " % (name, value)
        if name.startswith("BATON_COLL_") and name != "BATON_COLL_TRACE":
            # Only the library knows the algorithms: MPI_Init refuses it.
            assert "Baton: " + line + "not an algorithm of ALLREDUCE (one of: " in res.stderr
            assert "MPI_Init" in res.stderr
        else:
            assert res.returncode == 2, (what, res.stderr)
            assert res.stderr.startswith("mpiexec: " + line), (what, res.stderr)
            assert res.stderr.count("\n") == 1, res.stderr
            assert res.stdout == ""


@pytest.mark.parametrize("name,kind,choices", list(variables()))
def test_empty_is_unset(hello, name, kind, choices):
    res = subprocess.run([MPIEXEC, "-n", "2", hello], capture_output=True, text=True,
                         env=clean_env(**{name: ""}), timeout=60)
    assert res.returncode == 0 and res.stdout == "hello\n", res.stderr


def test_good_values_pass(hello):
    env = clean_env(BATON_EAGER_MAX="16KiB", BATON_SHM_RING="64k", BATON_SPIN_US="100",
                    BATON_NET_RMA="off", BATON_COLL_TRACE="no", BATON_SHM_LMT="copy",
                    BATON_COLL_ALLREDUCE="ring", BATON_KILL_TIMEOUT="0.5", BATON_PMI="2")
    res = subprocess.run([MPIEXEC, "-n", "3", hello], capture_output=True, text=True, env=env,
                         timeout=60)
    assert res.returncode == 0 and res.stdout == "hello\n", res.stderr


def test_singleton_refuses(hello):
    res = subprocess.run([hello], capture_output=True, text=True,
                         env=clean_env(BATON_EAGER_MAX="lots"), timeout=60)
    assert res.returncode != 0 and res.stdout == ""
    assert "Baton: BATON_EAGER_MAX=lots: expected a size in bytes" in res.stderr


@pytest.mark.parametrize("opt", [["-genv", "BATON_SHM_RING", "12"], ["-x", "BATON_SHM_RING=12"],
                                 ["-env", "BATON_SHM_RING", "12"]])
def test_genv_refused(hello, opt):
    res = subprocess.run([MPIEXEC, *opt, "-n", "2", hello], capture_output=True, text=True,
                         env=clean_env(), timeout=60)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr == "mpiexec: BATON_SHM_RING=12: out of range (1024 to 268435456)\n"


@pytest.mark.parametrize("value", ["abc", "-3", "2s", "99999999999999999999999"])
def test_mpiexec_timeout_refused(hello, value):
    """MPIEXEC_TIMEOUT (no BATON_ prefix, so not in the sweep above) is checked
    like the table's variables; --timeout takes the same values."""
    res = subprocess.run([MPIEXEC, "-n", "2", hello], capture_output=True, text=True,
                         env=clean_env(MPIEXEC_TIMEOUT=value), timeout=60)
    assert res.returncode == 2 and res.stdout == "", res.stderr
    assert res.stderr == ("mpiexec: MPIEXEC_TIMEOUT=%s: expected seconds from 0 to 31536000\n"
                          % value)
    res = subprocess.run([MPIEXEC, "--timeout", value, "-n", "2", hello], capture_output=True,
                         text=True, env=clean_env(), timeout=60)
    assert res.returncode == 2 and res.stdout == "", res.stderr
    assert res.stderr == ("mpiexec: --timeout: expected seconds from 0 to 31536000, got '%s'\n"
                          % value)


def test_mpiexec_timeout_empty_is_unset(hello):
    res = subprocess.run([MPIEXEC, "-n", "2", hello], capture_output=True, text=True,
                         env=clean_env(MPIEXEC_TIMEOUT=""), timeout=60)
    assert res.returncode == 0 and res.stdout == "hello\n", res.stderr


def test_readme_table_is_generated():
    """The README's table is scripts/gen_env_table.py's output from the code's table."""
    res = subprocess.run([sys.executable, gen_env_table.__file__, "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
