"""Baton across the namespace hosts: mpiexec started in h1 reaches h2 (h3) over
the cluster's ssh (-launcher-exec), one baton-proxy per host, shared memory
between the ranks of a host and the network transport between hosts.

  - C programs of tests/c (point-to-point, collectives, communicators) with
    uneven placements: h1:3,h2:2 and h1:2,h2:1,h3:2
    and every flat algorithm of the node-aware collectives forced (BATON_COLL_*)
  - placement (slots, hostfile, -ppn), environment, cwd, stdin, a host whose own
    name maps to 127.0.1.1
  - tutorial programs (examples/tutorial) with `mpiexec -hosts h1,h2 python`
  - failure duties: a rank on h2 killed by SIGKILL, MPI_Abort on h2, h2's proxy
    killed, h2 dying as a whole; the job ends quickly, names rank, host and what
    happened, and nothing is left on any host
  - strangers (issue 14): knocking on every port the job listens on

Every host sees the same 2 CPUs: BATON_BIND=none.  Programs are compiled with
the build's mpicc into a temp dir (/tmp is shared by the hosts).
"""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from xhosts import (CDIR, MPIEXEC, PROGS, PYTHON, ROOT, Job, comm,
                    compile_programs, job_env, leftovers, mpiexec_argv, ranks_on_hosts,
                    run_job)

sys.path.insert(0, str(ROOT / "scripts"))
import gen_env_table  # noqa: E402
# The rxm buffer size Baton's ranks use (src/util/env.c): a stranger's endpoint with
# another size is refused by rxm's own handshake before Baton sees its messages.
RXM_BUFFER_SIZE = next(e[5] for e in gen_env_table.entries() if e[0] == "FI_OFI_RXM_BUFFER_SIZE")

HERE = os.path.dirname(os.path.abspath(__file__))

P2P = ["p2p_sendrecv", "p2p_order", "p2p_match", "p2p_probe", "p2p_modes", "p2p_cancel",
       "p2p_truncate", "p2p_sizes", "p2p_threads"]
COLL = ["coll_barrier", "coll_bcast", "coll_reduce", "coll_allreduce", "coll_gather",
        "coll_allgather", "coll_alltoall", "coll_nonblocking", "coll_node_aware"]
COMM = ["comm_split", "comm_create", "comm_threads"]
THREE = ["p2p_match", "coll_allreduce", "coll_node_aware", "comm_split"]
# programs for other process counts, with the placement they run in
OTHER_NP = {"p2p_large_split": ("h1:3,h2:1", 4),   # np: 1 2 3 4
            "p2p_huge": ("h1:1,h2:1", 2)}          # np: 2; one message > 2 GiB over the network
# programs run once per value of these variables
ENV_MATRIX = {"coll_node_aware": [{"BATON_TEST_FORCE_TWOLEVEL": "1"},
                                  {"BATON_TEST_FORCE_TWOLEVEL": "0"}]}
JOB_TIMEOUT = 90


@pytest.fixture(scope="module")
def progs(tmp_path_factory):
    d = tmp_path_factory.mktemp("xhosts-progs")
    os.chmod(d, 0o755)
    srcs = [CDIR / f"{n}.c" for n in sorted(set(P2P + COLL + COMM + THREE) | set(OTHER_NP))]
    srcs += [PROGS / "xh_traffic.c"]
    progs = compile_programs(d, srcs)
    # not a rank: a process of its own with libfabric
    r = subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Werror", "-o",
                        str(d / "stranger"), str(PROGS / "stranger.c"), "-lfabric"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    progs["stranger"] = d / "stranger"
    return progs


@pytest.fixture
def clean(cluster):
    """The test leaves nothing running on any host (checked after it)."""
    before = leftovers(cluster, wait=0)
    assert not before, f"processes left by an earlier test: {before}"
    yield cluster
    left = leftovers(cluster, wait=5)
    if left:
        for pids in left.values():
            for pid, _ in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        pytest.fail(f"processes of the job left on the hosts after it ended: {left}")


def cases(names):
    for n in names:
        for env in ENV_MATRIX.get(n, [{}]):
            label = ",".join(f"{k}={v}" for k, v in env.items())
            yield pytest.param(n, env, id=n + (f"-{label}" if label else ""))


def check_program(cluster, progs, name, env, hosts, n):
    job = run_job(cluster, mpiexec_argv(cluster, hosts, n, progs[name]),
                  timeout=JOB_TIMEOUT, env=job_env(cluster, **env))
    assert job.p.returncode == 0, job.describe()
    assert "FAIL" not in job.stdout, job.describe()
    return job


# ------------------------------------------------------------------ C programs

@pytest.mark.parametrize("name,env", list(cases(P2P + COLL + COMM)))
def test_program_h1_3_h2_2(clean, progs, name, env):
    check_program(clean, progs, name, env, "h1:3,h2:2", 5)


# Every algorithm of the six node-aware collectives that runs over the network,
# forced with BATON_COLL_<KIND> (round i forces each kind's algorithm i, wrapping round).
FORCED = {"BARRIER": ["dissemination", "linear"],
          "BCAST": ["binomial", "scatter_allgather", "linear"],
          "GATHER": ["binomial", "linear"],
          "ALLGATHER": ["recursive_doubling", "bruck", "ring", "linear"],
          "REDUCE": ["binomial", "rabenseifner", "linear"],
          "ALLREDUCE": ["recursive_doubling", "ring", "rabenseifner", "reduce_bcast"]}


@pytest.mark.parametrize("round_", range(max(len(v) for v in FORCED.values())))
def test_forced_algorithms_across_hosts(clean, progs, round_):
    """coll_node_aware (its checks, the table's choice not forced to twolevel)
    with each collective forced to a flat algorithm across h1:3,h2:2; the
    trace (BATON_COLL_TRACE=1) shows the forced algorithm on the 5 ranks."""
    force = {k: v[round_ % len(v)] for k, v in FORCED.items()}
    env = {f"BATON_COLL_{k}": v for k, v in force.items()}
    env.update(BATON_TEST_FORCE_TWOLEVEL="0", BATON_COLL_TRACE="1")
    job = check_program(clean, progs, "coll_node_aware", env, "h1:3,h2:2", 5)
    for kind, alg in force.items():
        assert re.search(rf"^baton: {kind} on 5 ranks \(\d+ bytes\): {alg}$", job.stderr,
                         re.M), f"{kind} forced to {alg} never ran so\n" + job.describe(2000)


@pytest.mark.parametrize("name", sorted(OTHER_NP))
def test_program_other_np(clean, progs, name):
    hosts, n = OTHER_NP[name]
    check_program(clean, progs, name, {}, hosts, n)


@pytest.mark.parametrize("name,env", list(cases(THREE)))
def test_program_three_hosts(cluster3, progs, name, env):
    check_program(cluster3, progs, name, env, "h1:2,h2:1,h3:2", 5)
    left = leftovers(cluster3, wait=5)
    assert not left, f"processes left on the hosts: {left}"


def test_ranks_placed_by_slots(clean, progs):
    """h1:3,h2:2: ranks 0-2 on h1, 3-4 on h2, each rank in its own host's
    namespace (its hostname), results across the hosts checked."""
    job = check_program(clean, progs, "xh_traffic", {}, "h1:3,h2:2", 5)
    assert ranks_on_hosts(job.stdout) == {0: "h1", 1: "h1", 2: "h1", 3: "h2", 4: "h2"}, \
        job.describe()
    assert "RESULT OK" in job.stdout, job.describe()


def test_ranks_placed_on_three_hosts(cluster3, progs):
    job = check_program(cluster3, progs, "xh_traffic", {}, "h1:2,h2:1,h3:2", 5)
    assert ranks_on_hosts(job.stdout) == {0: "h1", 1: "h1", 2: "h2", 3: "h3", 4: "h3"}, \
        job.describe()
    assert "RESULT OK" in job.stdout, job.describe()


def test_hostfile_and_ppn(clean, progs, tmp_path):
    """-f hostfile with both line forms (`h1 slots=1`, `h2:3`): ranks 0 on h1,
    1-3 on h2; -ppn 2 over the same file: 0-1 on h1, 2-3 on h2."""
    hf = tmp_path / "hostfile"
    hf.write_text("# the cluster\nh1 slots=1\n\nh2:3\n")
    base = [str(MPIEXEC), "-launcher-exec", clean.ssh_path, "-f", str(hf), "-n", "4"]
    for extra, want in (([], {0: "h1", 1: "h2", 2: "h2", 3: "h2"}),
                        (["-ppn", "2"], {0: "h1", 1: "h1", 2: "h2", 3: "h2"})):
        job = run_job(clean, base + extra + [str(progs["xh_traffic"]), "0"], timeout=JOB_TIMEOUT)
        assert job.p.returncode == 0, job.describe()
        assert "RESULT OK" in job.stdout, job.describe()
        assert ranks_on_hosts(job.stdout) == want, job.describe()


def test_own_name_on_loopback(progs):
    """Debian's /etc/hosts maps the machine's own name to 127.0.1.1: on such
    hosts mpiexec must still hand out the address the hosts talk on, and the
    network transport must not bind to loopback (a cluster of its own, with
    `127.0.1.1 hI` in each host's /etc/hosts)."""
    from cluster import Cluster, cluster_available
    ok, why = cluster_available()
    if not ok:
        pytest.skip(f"namespace cluster unavailable: {why}")
    with Cluster(2, self_loopback=True) as c:
        r = c.run("h1", ["getent", "hosts", "h1"], capture_output=True, text=True, timeout=10)
        assert r.stdout.split()[:1] == ["127.0.1.1"], r.stdout
        job = run_job(c, mpiexec_argv(c, "h1:2,h2:2", 4, progs["xh_traffic"], 0),
                      timeout=JOB_TIMEOUT, env=job_env(c))
        assert job.p.returncode == 0, job.describe()
        assert "RESULT OK" in job.stdout, job.describe()
        assert ranks_on_hosts(job.stdout) == {0: "h1", 1: "h1", 2: "h2", 3: "h2"}, \
            job.describe()


# ------------------------------------------------------------------ what reaches the ranks

def sh_job(cluster, hosts, n, script, *extra, stdin=None):
    argv = [str(MPIEXEC), "-launcher-exec", cluster.ssh_path, "-hosts", hosts, "-n", str(n),
            *extra, "sh", "-c", script]
    r = cluster.run("h1", argv, capture_output=True, text=True, timeout=60, input=stdin,
                    env=job_env(cluster, XH_VALUE="two words"), cwd="/tmp")
    return r, f"{argv}\nexit {r.returncode}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"


def test_environment_and_cwd_reach_h2(clean):
    """mpiexec's environment (-genvall by default) and working directory reach
    the ranks on h2; -genvnone keeps it back but not -genv."""
    r, d = sh_job(clean, "h1,h2", 2, 'echo "$(hostname) $PMI_RANK $PWD [$XH_VALUE] [$XH_G]"')
    assert r.returncode == 0, d
    assert sorted(r.stdout.splitlines()) == ["h1 0 /tmp [two words] []",
                                             "h2 1 /tmp [two words] []"], d
    r, d = sh_job(clean, "h1,h2", 2, 'echo "$(hostname) $PMI_RANK [$XH_VALUE] [$XH_G]"',
                  "-genvnone", "-genv", "XH_G", "g")
    assert r.returncode == 0, d
    assert sorted(r.stdout.splitlines()) == ["h1 0 [] [g]", "h2 1 [] [g]"], d


def test_stdin_reaches_rank0_on_h2(clean):
    r, d = sh_job(clean, "h2,h1", 2, 'echo "$(hostname) $PMI_RANK $(cat)"', stdin="from stdin\n")
    assert r.returncode == 0, d
    assert sorted(x.strip() for x in r.stdout.splitlines()) == ["h1 1", "h2 0 from stdin"], d


def test_exit_status_of_rank_on_h2(clean):
    r, d = sh_job(clean, "h1,h2", 2, '[ "$PMI_RANK" = 1 ] && exit 7; exec sleep 30')
    assert r.returncode == 7, d
    assert "mpiexec: rank 1 on host h2 exited with status 7" in r.stderr, d


def test_program_missing_on_h2(clean):
    argv = [str(MPIEXEC), "-launcher-exec", clean.ssh_path, "-hosts", "h1,h2", "-n", "2",
            "/nonexistent/xh-prog"]
    r = clean.run("h1", argv, capture_output=True, text=True, timeout=60, env=job_env(clean))
    assert r.returncode != 0, r.stderr
    assert re.search(r"host h\d: /nonexistent/xh-prog: No such file or directory", r.stderr), \
        r.stderr


# ------------------------------------------------------------------ tutorial

# Runs a tutorial program unchanged, after printing where this rank runs.
WHERE = ("import runpy, socket, sys; from mpi4py import MPI; "
         "print('rank', MPI.COMM_WORLD.Get_rank(), 'of', MPI.COMM_WORLD.Get_size(), "
         "'on host', socket.gethostname(), flush=True); "
         "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def tutorial(clean, prog, n=4):
    path = ROOT / "examples" / "tutorial" / prog
    argv = [str(MPIEXEC), "-launcher-exec", clean.ssh_path, "-hosts", "h1,h2", "-n", str(n),
            PYTHON, "-c", WHERE, str(path)]
    job = run_job(clean, argv, timeout=JOB_TIMEOUT, cwd=str(path.parent))
    assert job.p.returncode == 0, job.describe()
    # one slot per host, wrapping round: 0, 2 on h1; 1, 3 on h2
    assert ranks_on_hosts(job.stdout) == {0: "h1", 1: "h2", 2: "h1", 3: "h2"}, job.describe()
    return job


def test_tutorial_hello_world(clean):
    job = tutorial(clean, "hello_world.py")
    for r in range(4):
        assert re.search(rf"Hi, I am rank\s+{r}\s+among\s+4\s+available ranks!", job.stdout), \
            job.describe()
    assert "You can command me privately" in job.stdout, job.describe()


def test_tutorial_allreduce_numpy(clean):
    job = tutorial(clean, "allreduce_numpy.py")
    # data = arange(10) * 0.1 * rank, summed over ranks 0..3: arange(10) * 0.6
    after = re.findall(r"Rank\s+(\d)\s+data after\s+allreduce\s+\[([^\]]*)\]", job.stdout)
    assert sorted(int(r) for r, _ in after) == [0, 1, 2, 3], job.describe()
    for r, vals in after:
        got = [float(x) for x in vals.split()]
        want = [i * 0.6 for i in range(10)]
        assert len(got) == 10 and all(abs(a - b) < 1e-9 for a, b in zip(got, want)), \
            f"rank {r}: {got}\n" + job.describe()


def test_tutorial_bcast_objects(clean):
    path = ROOT / "examples" / "tutorial" / "bcast_objects.py"
    if not path.exists():
        pytest.skip("examples/tutorial/bcast_objects.py not found")
    job = tutorial(clean, "bcast_objects.py")
    assert job.stdout.count("\n") >= 4, job.describe()


# ------------------------------------------------------------------ failure duties

def started(job, n, timeout=30):
    """Wait (bounded) until all n ranks printed their "rank R of N on host H"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(ranks_on_hosts(job.stdout)) == n:
            return
        if job.p.poll() is not None:
            break
        time.sleep(0.05)
    job.wait(10)
    pytest.fail("the job's ranks did not all start\n" + job.describe())


KILL_LINES = []      # the lines mpiexec printed for the rank killed on h2 (for the report)


def test_rank_killed_on_h2(clean, progs):
    """Rank 4 (on h2) raises SIGKILL while the others wait in MPI_Barrier: the
    job ends within a few seconds with status 137 and a line naming rank 4,
    host h2 and signal 9; nothing is left on any host."""
    job = Job(clean, "h1", mpiexec_argv(clean, "h1:3,h2:2", 5, progs["xh_traffic"], 0, "kill"),
              job_env(clean))
    started(job, 5)
    rc = job.wait(30)
    t_kill = job.arrival(r"^rank 4 raises SIGKILL")
    assert t_kill is not None, job.describe()
    took = job.t_end - t_kill
    KILL_LINES[:] = [line.rstrip("\n") for line in job.err]
    sys.stderr.write(f"mpiexec's stderr for the rank killed on h2 (mpiexec ended {took:.2f} s "
                     f"after the rank's last line arrived):\n" + job.stderr)
    assert rc == 137, job.describe()
    assert took < 3, f"the job took {took:.1f} s to end after rank 4 was killed\n" + job.describe()
    assert re.search(r"rank 4 \(pid \d+\) on host h2 was killed by signal 9", job.stderr), \
        job.describe()
    assert "FAIL" not in job.stdout, job.describe()


def test_abort_on_h2(clean, progs, tmp_path):
    """launch_abort: the last rank (4, on h2) calls MPI_Abort(MPI_COMM_WORLD, 3)
    while the others block in MPI_Recv: exit status 3, the line names rank 4 and
    h2."""
    exe = compile_programs(tmp_path, [CDIR / "launch_abort.c"])["launch_abort"]
    job = Job(clean, "h1", mpiexec_argv(clean, "h1:3,h2:2", 5, exe), job_env(clean))
    rc = job.wait(30)
    sys.stderr.write(f"test_abort_on_h2: exit {rc}:\n{job.stderr}")
    assert rc == 3, job.describe()
    assert re.search(r"rank 4 .*on host h2 called MPI_Abort with error code 3", job.stderr), \
        job.describe()
    assert job.elapsed < 15, job.describe()


def test_exit_without_finalize_on_h2(clean, tmp_path):
    exe = compile_programs(tmp_path, [CDIR / "launch_no_finalize.c"])["launch_no_finalize"]
    job = Job(clean, "h1", mpiexec_argv(clean, "h1:3,h2:2", 5, exe), job_env(clean))
    rc = job.wait(30)
    sys.stderr.write(f"test_exit_without_finalize_on_h2: exit {rc}:\n{job.stderr}")
    assert rc != 0, job.describe()
    assert re.search(r"rank 4 .*on host h2.*without calling MPI_Finalize", job.stderr), \
        job.describe()


def proxy_pid(cluster, host):
    pids = [p for p in cluster.host_pids(host) if comm(p) == "baton-proxy"]
    return pids


def long_job(clean, progs, secs=60):
    job = Job(clean, "h1", mpiexec_argv(clean, "h1:3,h2:2", 5, progs["xh_traffic"], secs),
              job_env(clean))
    started(job, 5)
    return job


def assert_lost_h2(job, name, what):
    """The job, whose host h2 was just lost, ends within 5 s naming h2."""
    t0 = time.monotonic()
    rc = job.wait(30)
    sys.stderr.write(f"{name}: exit {rc}:\n{job.stderr}")
    took = time.monotonic() - t0
    assert rc != 0, job.describe()
    assert "mpiexec: lost the connection to host h2" in job.stderr, job.describe()
    assert took < 5, f"the job took {took:.1f} s to end after {what}\n" + job.describe()


def test_proxy_killed_on_h2(clean, progs):
    """h2's baton-proxy is killed (SIGKILL) under a running job: the job ends
    within a few seconds, fails, and names host h2; h2's ranks die with it."""
    job = long_job(clean, progs)
    pids = proxy_pid(clean, "h2")
    assert len(pids) == 1, f"baton-proxy processes on h2: {pids}\n" + job.describe()
    os.kill(pids[0], signal.SIGKILL)
    assert_lost_h2(job, "test_proxy_killed_on_h2", "the proxy died")


def test_host_h2_dies(clean, progs):
    """Every process the job has on h2 (ssh session, proxy, ranks) is killed at
    once, as when the host dies: the job ends naming h2."""
    job = long_job(clean, progs)
    killed = clean.kill_host_processes("h2")
    assert killed, "nothing of the job ran on h2\n" + job.describe()
    assert_lost_h2(job, "test_host_h2_dies", "h2 died")


def test_sigterm_to_mpiexec_reaches_h2(clean, progs):
    job = long_job(clean, progs)
    job.p.send_signal(signal.SIGTERM)
    rc = job.wait(30)
    sys.stderr.write(f"test_sigterm_to_mpiexec_reaches_h2: exit {rc}:\n{job.stderr}")
    assert rc == 143, job.describe()
    assert "signal 15" in job.stderr, job.describe()
    assert job.elapsed < 20, job.describe()


# ------------------------------------------------------------------ strangers (issue 14)

KNOCK = PROGS / "knock.py"
STRANGER_MSGS = 5


def listening(cluster, pids_of_job):
    """{host: ["addr:port", ...]}: the TCP ports the job's processes listen on
    (`ss -ltnp` inside each host, filtered by the job's pids)."""
    out = {}
    for h in cluster.hosts:
        r = cluster.run(h, ["ss", "-ltnpH"], capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        pids = set(pids_of_job(h))
        for line in r.stdout.splitlines():
            f = line.split()
            if len(f) < 6:
                continue
            owners = {int(p) for p in re.findall(r"pid=(\d+)", line)}
            if owners & pids:
                out.setdefault(h, []).append(f[3])
    return out


def knock(cluster, modes, targets, hold=1.0, host="h2", timeout=60):
    import json
    r = cluster.run(host, [sys.executable, str(KNOCK), modes, str(hold), *targets],
                    capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"knock.py failed:\n{r.stdout}\n{r.stderr}"
    return json.loads(r.stdout)


def delayed_ssh(cluster, tmp_path, host, delay):
    """A -launcher-exec that starts the ssh to `host` `delay` seconds late: mpiexec's
    port stays open (waiting for that proxy) long enough to knock on it."""
    path = tmp_path / "slow-ssh"
    path.write_text(f'#!/bin/sh\nfor a in "$@"; do\n'
                    f'  [ "$a" = {host} ] && sleep {delay} && break\ndone\n'
                    f'exec "{cluster.ssh_path}" "$@"\n')
    path.chmod(0o755)
    os.chmod(tmp_path, 0o755)
    return str(path)


def test_strangers_on_mpiexec_port(clean, progs, tmp_path):
    """While mpiexec waits for h2's proxy (whose ssh starts 8 s late), a process
    in h2 that is not part of the job finds mpiexec's listening port with ss and
    (a) hangs up, (b) sends random bytes, (c) runs the handshake in form with a
    key that is not the job's, (d) sends 100 MB of garbage, (e) leaves 1,000
    connections idle for 1.5 s (mpiexec keeps at most 64 unproven ones).  h2's
    proxy still gets in, the job ends with correct results, and `mpiexec -v`
    reports the refused connections from h2's address."""
    slow = delayed_ssh(clean, tmp_path, "h2", 8)
    argv = [str(MPIEXEC), "-v", "-launcher-exec", slow, "-hosts", "h1:3,h2:2", "-n", "5",
            str(progs["xh_traffic"]), "1"]
    job = Job(clean, "h1", argv, job_env(clean))
    m = job.wait_line(r"^mpiexec: listening on (\S+) for", 10, stream="err")
    assert m, "mpiexec -v did not say where it listens\n" + job.describe()
    ports = []
    deadline = time.monotonic() + 3
    while not ports and time.monotonic() < deadline:
        ports = listening(clean, lambda h: [job.p.pid] if h == "h1" else []).get("h1", [])
    assert ports == [m.group(1)], (f"mpiexec listens on {ports} (ss), says {m.group(1)}\n"
                                   + job.describe())
    t0 = time.monotonic()
    res = knock(clean, "hangup,garbage,wellformed,flood100", ports)
    # refused before the idle ones come (1,000 at once push out the oldest
    # unproven connections, which might be these on a busy machine)
    for why in ("closed before proof", "bad proof"):
        assert job.wait_line(rf"^mpiexec: refused connection from 10\.47\.0\.2:\d+: {why}$",
                             2, stream="err"), f"no refusal ({why}) within 2 s\n" + job.describe()
    res.update(knock(clean, "idle1000", ports, hold=1.5))
    assert time.monotonic() - t0 < 8, "knocking took longer than h2's proxy was delayed"
    for mode in ("hangup", "garbage", "wellformed", "flood100"):
        assert res[mode]["connected"] == 1, res
    assert res["wellformed"].get("answers", 0) == 0, res    # no proof of mpiexec's came back
    assert res["flood100"]["bytes"] < 100 << 20, res       # mpiexec hung up on it
    assert res["idle1000"]["connected"] >= 64, res
    rc = job.wait(60)
    assert rc == 0, job.describe()
    assert "RESULT OK" in job.stdout, job.describe()
    assert ranks_on_hosts(job.stdout) == {0: "h1", 1: "h1", 2: "h1", 3: "h2", 4: "h2"}, \
        job.describe()
    refused = re.findall(r"^mpiexec: refused connection from 10\.47\.0\.2:\d+: (.+)$",
                         job.stderr, re.M)
    assert "bad proof" in refused, job.describe()
    assert "closed before proof" in refused, job.describe()
    m = re.search(r"^mpiexec: refused (\d+) connections$", job.stderr, re.M)
    assert m and int(m.group(1)) >= 4 + 64, job.describe()
    assert int(m.group(1)) == len(refused), job.describe()
    sys.stderr.write("knock.py: %s\nmpiexec -v (refusals counted): %s, reasons %s\n" % (
        res, m.group(0), sorted(set(refused))))


def test_strangers_on_ranks_ports(clean, progs):
    """During a 2-host job with ~6 s of checked p2p traffic, a process in h2 that
    is not part of the job connects to every TCP port the job's processes listen
    on (the ranks' network endpoints on h1 and h2) and (a) hangs up, (b) sends
    random bytes, (c) sends well-formed messages from a libfabric endpoint of its
    own (the provider Baton picks, with its settings, so the transport's handshake lets it
    in; the messages cannot carry the job's secret), (d) sends 100 MB of garbage,
    (e) leaves 1,000 connections idle for 1 s.  The job still ends with correct
    results in normal time, no rank dies, and every rank reports the stranger's
    messages it dropped."""
    argv = [str(MPIEXEC), "-v", "-launcher-exec", clean.ssh_path, "-hosts", "h1:3,h2:2",
            "-n", "5", str(progs["xh_traffic"]), "6"]
    job = Job(clean, "h1", argv, job_env(clean))
    started(job, 5)
    t_started = time.monotonic()
    ports = {}
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        ports = listening(clean, lambda h: clean.host_pids(h))
        if len(ports.get("h1", [])) >= 3 and len(ports.get("h2", [])) >= 2:
            break
        time.sleep(0.1)
    targets = [p for h in sorted(ports) for p in ports[h]]
    assert targets, "the job listens on no TCP port\n" + job.describe()
    res = knock(clean, "hangup,garbage,flood100,idle1000", targets, hold=1.0)
    r = clean.run("h2", [str(progs["stranger"]), "10.47.0.2", str(STRANGER_MSGS), *targets],
                  capture_output=True, text=True, timeout=30,
                  env=dict(os.environ, FI_OFI_RXM_BUFFER_SIZE=RXM_BUFFER_SIZE))
    res["wellformed"] = r.stdout.strip() + r.stderr.strip()
    assert time.monotonic() - t_started < 6, "the knocking outlasted the job's traffic"
    for mode in ("hangup", "garbage", "flood100"):
        assert res[mode]["connected"] >= 1, res
    assert res["wellformed"] == "sent %d failed 0" % (STRANGER_MSGS * len(targets)), res
    rc = job.wait(60)
    info = f"ports knocked on: {ports}\nknock.py: {res}\n" + job.describe()
    assert rc == 0, info
    assert "RESULT OK" in job.stdout, info
    assert "FAIL" not in job.stdout, info
    ok = re.findall(r"^rank (\d) on host (h\d) ok after \d+ rounds$", job.stdout, re.M)
    assert len(ok) == 5, info
    assert job.elapsed < 30, info
    dropped = re.findall(r"^Baton: rank (\d): dropped (\d+) network messages from outside the "
                         r"job \(without the job's secret\)$", job.stderr, re.M)
    assert sorted(int(r) for r, _ in dropped) == list(range(5)), info
    assert all(int(n) == STRANGER_MSGS for _, n in dropped), info
    sys.stderr.write(f"ports knocked on: {ports}\nknock.py: {res}\n")


def test_link_to_h2_down(clean, progs, tmp_path):
    """h2's cable is pulled under a running job (its processes keep running, no
    traffic passes): the job ends naming h2, and once the cable is back nothing
    is left on h2.  ssh notices the silent host first (its ServerAlive probes; 1 s
    x 3 here instead of the cluster's 5 s x 3, to keep the test short) and mpiexec
    ends the job when h2's ssh exits."""
    fast = tmp_path / "fast-ssh"
    fast.write_text(f'#!/bin/sh\nexec "{clean.ssh_path}" -o ServerAliveInterval=1 '
                    f'-o ServerAliveCountMax=3 "$@"\n')
    fast.chmod(0o755)
    os.chmod(tmp_path, 0o755)
    job = Job(clean, "h1", [str(MPIEXEC), "-launcher-exec", str(fast), "-hosts", "h1:3,h2:2",
                            "-n", "5", str(progs["xh_traffic"]), 120], job_env(clean))
    started(job, 5)
    clean.set_link("h2", False)
    try:
        t0 = time.monotonic()
        rc = job.wait(60)
        took = time.monotonic() - t0
    finally:
        clean.set_link("h2", True)
    sys.stderr.write(f"link down: mpiexec ended after {took:.1f} s with {rc}:\n{job.stderr}")
    assert rc != 0, job.describe()
    assert "mpiexec: lost the connection to host h2" in job.stderr, job.describe()
    assert took < 15, (f"the job took {took:.1f} s to end after h2's link went down\n"
                       + job.describe())
