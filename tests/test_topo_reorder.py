"""MPI_Cart_create's reorder where it has something to gain: ranks placed round-robin
over fork "hosts" (mpiexec -hosts a,b gives each host one slot and wraps round), so
that consecutive ranks sit on different nodes, and a 2-D grid over four nodes.
tests/c/topo_reorder.c checks that the reordered grid is a bijection whose shifts
agree, never cuts more grid edges between nodes than the identity, and on a 1-D grid
cuts exactly one per node boundary; it prints the edges between nodes with and
without reorder. test_programs.py runs the same program in the usual placements."""
import os
import subprocess

import pytest

from test_programs import BUILDS, ROOT, TIMEOUT, built


# (hosts, ranks, a line the program must print). Round-robin placements gain on a
# 1-D grid by grouping the ranks by node (one edge between nodes per node boundary);
# four nodes of four gain on the 4x4 grid by giving each node a 2x2 tile (8 edges
# between nodes instead of the 12 of one row per node).
CASES = [
    ("a,b", 8, "1-D: 1 edges between nodes with reorder, 7 without"),
    ("a:3,b:1", 8, "1-D: 1 edges between nodes with reorder, 3 without"),
    ("a,b,c", 7, "1-D: 2 edges between nodes with reorder, 6 without"),
    ("a:4,b:4,c:4,d:4", 16, "2-D: 8 edges between nodes with reorder, 12 without"),
]


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("hosts,np_,line", CASES)
def test_reorder_placements(build, hosts, np_, line):
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
    assert line in res.stdout, report
