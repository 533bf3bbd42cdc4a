"""Baton under a real Slurm on the namespace cluster (slurmctld in h1, one
slurmd per host): direct launch with `srun --mpi=pmi2` (Baton's PMI-2 client,
Slurm's own channels) and `mpiexec` inside `salloc -N 2` (the allocation's hosts,
proxies started with one srun: `-launcher slurm` by default).

The program does ring point-to-point traffic and allreduces across the two
nodes, checks every result and prints its host."""
import os
import re
import subprocess
import time

import pytest

from xhosts import (CDIR, MPIEXEC, PROGS, PYTHON, ROOT, compile_programs, job_env, leftovers,
                    ranks_on_hosts, report)

TIMEOUT = 90


@pytest.fixture(scope="module")
def traffic(tmp_path_factory):
    d = tmp_path_factory.mktemp("xhosts-slurm")
    os.chmod(d, 0o755)
    return compile_programs(d, [PROGS / "xh_traffic.c"])["xh_traffic"]


def slurm_env(slurm, **extra):
    env = job_env(slurm.c, **extra)
    env["SLURM_CONF"] = slurm.conf
    # not inherited from a Slurm job that runs pytest itself
    for k in list(env):
        if k.startswith(("SLURM_", "SALLOC_", "SRUN_", "SBATCH_")) and k != "SLURM_CONF":
            del env[k]
    return env


def run(slurm, argv, timeout=TIMEOUT, env=None):
    try:
        r = slurm.run(argv, timeout=timeout, env=env or slurm_env(slurm),
                      stdin=subprocess.DEVNULL, capture_output=True, text=True,
                      cwd=str(MPIEXEC.parents[2]))
    except subprocess.TimeoutExpired as e:
        pytest.fail(report(f"no end after {timeout} s: {' '.join(argv)}\n{slurm.logs()}",
                           "killed", e.stdout if isinstance(e.stdout, str) else "",
                           e.stderr if isinstance(e.stderr, str) else ""))
    return r


def check(slurm, r, what):
    desc = report(what, r.returncode, r.stdout, r.stderr)
    assert r.returncode == 0, desc + "\n" + slurm.logs()
    assert "FAIL" not in r.stdout, desc
    assert "RESULT OK" in r.stdout, desc
    where = ranks_on_hosts(r.stdout)
    assert sorted(where) == [0, 1, 2, 3], desc
    assert set(where.values()) == {"h1", "h2"}, desc
    # block distribution: 2 ranks per node, in order
    assert where == {0: "h1", 1: "h1", 2: "h2", 3: "h2"}, desc
    assert len(re.findall(r"^rank \d on host h\d ok after \d+ rounds$", r.stdout, re.M)) == 4, desc
    left = leftovers(slurm.c, wait=5)
    assert not left, f"processes of the job left on the hosts: {left}"


def test_srun_pmi2_direct_launch(slurm, traffic):
    argv = ["srun", "--mpi=pmi2", "-N", "2", "-n", "4", "--kill-on-bad-exit=1",
            str(traffic), "1"]
    r = run(slurm, argv)
    check(slurm, r, " ".join(argv))


def test_mpiexec_inside_salloc(slurm, traffic):
    argv = ["salloc", "-N", "2", "-n", "4", str(MPIEXEC), "-n", "4", str(traffic), "1"]
    r = run(slurm, argv)
    check(slurm, r, " ".join(argv))


def test_mpiexec_inside_salloc_verbose_uses_srun(slurm, traffic):
    """With -v, mpiexec shows that it starts its proxies with one srun."""
    argv = ["salloc", "-N", "2", "-n", "4", str(MPIEXEC), "-v", "-n", "4", str(traffic), "0"]
    r = run(slurm, argv)
    check(slurm, r, " ".join(argv))
    assert re.search(r"^mpiexec: starting srun .*--nodes=2 .*baton-proxy", r.stderr, re.M), \
        report("no `mpiexec: starting srun` in -v output", r.returncode, r.stdout, r.stderr)


def test_srun_pmi2_rank_killed_on_h2(slurm, tmp_path, traffic):
    """Under srun, the last rank (on h2) raises SIGKILL: the step fails, srun
    ends the other tasks (--kill-on-bad-exit), nothing stays behind."""
    argv = ["srun", "--mpi=pmi2", "-N", "2", "-n", "4", "--kill-on-bad-exit=1",
            str(traffic), "0", "kill"]
    r = run(slurm, argv, timeout=60)
    desc = report(" ".join(argv), r.returncode, r.stdout, r.stderr)
    assert r.returncode != 0, desc
    assert "FAIL" not in r.stdout, desc
    left = leftovers(slurm.c, wait=10)
    assert not left, f"processes of the job left on the hosts: {left}\n{desc}"


def test_mpiexec_inside_salloc_rank_killed_on_h2(slurm, traffic):
    """Inside the allocation, the last rank (3, on h2) raises SIGKILL while the
    others wait in MPI_Barrier: mpiexec exits with 137 and names rank 3, h2 and
    the signal; nothing stays behind."""
    argv = ["salloc", "-N", "2", "-n", "4", str(MPIEXEC), "-n", "4", str(traffic), "0", "kill"]
    r = run(slurm, argv, timeout=60)
    desc = report(" ".join(argv), r.returncode, r.stdout, r.stderr)
    assert r.returncode == 137, desc
    assert re.search(r"^mpiexec: rank 3 \(pid \d+\) on host h2 was killed by signal 9", r.stderr,
                     re.M), desc
    left = leftovers(slurm.c, wait=10)
    assert not left, f"processes of the job left on the hosts: {left}\n{desc}"


def test_mpiexec_inside_salloc_abort_on_h2(slurm, tmp_path):
    exe = compile_programs(tmp_path, [CDIR / "launch_abort.c"])["launch_abort"]
    argv = ["salloc", "-N", "2", "-n", "4", str(MPIEXEC), "-n", "4", str(exe)]
    r = run(slurm, argv, timeout=60)
    desc = report(" ".join(argv), r.returncode, r.stdout, r.stderr)
    assert r.returncode == 3, desc
    assert "mpiexec: rank 3 on host h2 called MPI_Abort with error code 3" in r.stderr, desc
    left = leftovers(slurm.c, wait=10)
    assert not left, f"processes of the job left on the hosts: {left}\n{desc}"


def test_srun_pmi2_tutorial_hello_world(slurm):
    """A tutorial program (mpi4py) started directly by srun --mpi=pmi2 on both
    nodes: every rank reports, and the job's size is 4."""
    prog = ROOT / "examples" / "tutorial" / "hello_world.py"
    argv = ["srun", "--mpi=pmi2", "-N", "2", "-n", "4", PYTHON, str(prog)]
    r = run(slurm, argv)
    desc = report(" ".join(argv), r.returncode, r.stdout, r.stderr)
    assert r.returncode == 0, desc
    got = sorted(int(x) for x in re.findall(r"Hi, I am rank\s+(\d+)\s+among\s+4\s+available",
                                            r.stdout))
    assert got == [0, 1, 2, 3], desc


@pytest.mark.skipif(os.environ.get("BATON_CLUSTER_SLOW", "") in ("", "0"),
                    reason="takes ~30 s (TCP keepalive); set BATON_CLUSTER_SLOW=1 to run it")
def test_mpiexec_inside_salloc_link_to_h2_down(slurm, traffic):
    """Inside the allocation (no ssh to notice), h2's cable is pulled under a
    running job: mpiexec's TCP keepalive notices the silent host (about 25 s),
    ends the job naming h2, and nothing is left once the cable is back."""
    argv = ["salloc", "-N", "2", "-n", "4", str(MPIEXEC), "-n", "4", str(traffic), "100"]
    p = slurm.popen(argv, env=slurm_env(slurm), stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    cwd=str(MPIEXEC.parents[2]))
    try:
        time.sleep(4)           # the ranks are up and talking (100 s of traffic)
        assert p.poll() is None, report("ended early", p.returncode, *p.communicate())
        slurm.c.set_link("h2", False)
        try:
            out, err = p.communicate(timeout=60)
        finally:
            slurm.c.set_link("h2", True)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate(timeout=10)
        pytest.fail(report("no end 60 s after h2's link went down", "killed", out, err))
    desc = report(" ".join(argv), p.returncode, out, err)
    assert p.returncode != 0, desc
    assert "mpiexec: lost the connection to host h2" in err, desc
    left = leftovers(slurm.c, wait=10)
    assert not left, f"processes of the job left on the hosts: {left}\n{desc}"


def test_mpiexec_inside_salloc_spawns_on_the_other_node(slurm, tmp_path):
    """Two parents on h1, inside a 2-node allocation, spawn two children on h2
    (info "host"): mpiexec starts them inside the allocation, and parents and
    children reach each other over the network."""
    exe = compile_programs(tmp_path, [CDIR / "dyn_twojobs.c"])["dyn_twojobs"]
    argv = ["salloc", "-N", "2", "-n", "4", str(MPIEXEC), "-v", "-hosts", "h1:2", "-n", "2",
            str(exe), "hostspawn", "h2"]
    r = run(slurm, argv, timeout=60, env=slurm_env(slurm, DYN_SHOW_WHERE="1"))
    desc = report(" ".join(argv), r.returncode, r.stdout, r.stderr)
    assert r.returncode == 0, desc + "\n" + slurm.logs()
    # the parents' proxy by srun on h1 (its hosts are the allocation's), the
    # children in a step of their own on h2
    assert re.search(r"^mpiexec: starting srun .*--nodelist=h1 .*baton-proxy", r.stderr, re.M), desc
    lines = sorted(r.stdout.splitlines())
    assert lines[:2] == ["merged rank 0: parent", "merged rank 1: parent"], desc
    steps = set()
    for rank, line in zip((2, 3), lines[2:]):
        m = re.fullmatch(r"merged rank %d: spawned on h2 in step (\d+) with 2 on its node" % rank,
                         line)
        assert m, desc
        steps.add(m.group(1))
    assert len(steps) == 1 and steps != {"0"}, desc
    left = leftovers(slurm.c, wait=5)
    assert not left, f"processes of the job left on the hosts: {left}\n{desc}"


def test_universe_size_is_the_allocation(slurm, tmp_path):
    """Inside `salloc -N 2 -n 4`, a job of one rank has a universe of the
    allocation's 4 tasks (room for what it spawns)."""
    exe = compile_programs(tmp_path, [CDIR / "dyn_twojobs.c"])["dyn_twojobs"]
    argv = ["salloc", "-N", "2", "-n", "4", str(MPIEXEC), "-n", "1", str(exe), "universe"]
    r = run(slurm, argv, timeout=60)
    desc = report(" ".join(argv), r.returncode, r.stdout, r.stderr)
    assert r.returncode == 0, desc + "\n" + slurm.logs()
    assert r.stdout.splitlines() == ["rank 0 universe 4"], desc
