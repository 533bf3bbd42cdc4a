"""MPI_Cart_create's reorder where it has something to gain: ranks placed round-robin
over fork "hosts" (mpiexec -hosts a,b gives each host one slot and wraps round), so
that consecutive ranks sit on different nodes. tests/c/topo_reorder.c checks that the
reordered grid is a bijection whose shifts agree, never cuts more grid edges between
nodes than the identity, and on a 1-D grid cuts exactly one per node boundary.
test_programs.py runs the same program in the usual block placements."""
import os
import subprocess

import pytest

from test_programs import BUILDS, ROOT, TIMEOUT, built


@pytest.mark.parametrize("build", BUILDS)
# (hosts, ranks, grid edges between nodes of a 1-D grid without reorder)
@pytest.mark.parametrize("hosts,np_,cut", [("a,b", 8, 7), ("a:3,b:1", 8, 3), ("a,b,c", 7, 6)])
def test_reorder_round_robin(build, hosts, np_, cut):
    errors = built(build)["topo_reorder"]
    if errors:
        pytest.fail("compile failed:\n" + errors)
    tree = ROOT / build
    env = dict(os.environ, BATON_BIND="none")
    if "san" in build:
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
    cmd = [str(tree / "bin" / "mpiexec"), "-launcher", "fork", "-hosts", hosts, "-n", str(np_),
           str(tree / "tests" / "topo_reorder")]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    report = "exit %d\nstdout:\n%s\nstderr:\n%s" % (res.returncode, res.stdout[-4000:],
                                                     res.stderr[-4000:])
    assert res.returncode == 0, report
    assert "FAIL" not in res.stdout, report
    # The 1-D grid gains: one edge between nodes per boundary, not one per rank.
    nodes = len(hosts.split(","))
    assert "1-D: %d edges between nodes with reorder, %d without" % (nodes - 1, cut) \
        in res.stdout, report
