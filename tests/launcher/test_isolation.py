"""What a running job leaves within reach of another user on its host, checked
from another uid (nobody), during the job: the node's shared segment is a memfd
that another user cannot open through /proc; the processes' environments (the
job key travels there under Slurm) and file tables are closed to it; the job
creates no file in /tmp or /dev/shm and, on one host, listens on no TCP port.
Needs root (to become nobody); skipped with the reason otherwise."""
import json
import os
import re
import subprocess

import pytest

from conftest import clean_env, mpi_program, started, wait_for_lines

NOBODY = 65534

WAITER = r"""
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int rank;
    char line[16];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    printf("pid %d rank %d\n", (int)getpid(), rank);
    fflush(stdout);
    if (rank == 0 && fgets(line, sizeof(line), stdin) == NULL)
        return 1;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")


@pytest.fixture(scope="module")
def waiter(tmp_path_factory):
    return mpi_program(tmp_path_factory, "waiter", WAITER)


def as_nobody(paths):
    """{path: error name or "ok"} of opening each path for reading as nobody."""
    code = ("import os, sys, json\n"
            "os.setgroups([]); os.setgid(%d); os.setuid(%d)\n"
            "out = {}\n"
            "for p in sys.argv[1:]:\n"
            "    try:\n"
            "        (os.listdir(p) if p.endswith('/fd') else open(p, 'rb').read(1))\n"
            "        out[p] = 'ok'\n"
            "    except OSError as e:\n"
            "        out[p] = type(e).__name__\n"
            "print(json.dumps(out))\n" % (NOBODY, NOBODY))
    res = subprocess.run(["python3", "-c", code, *paths], capture_output=True, text=True,
                         check=True, timeout=30)
    return json.loads(res.stdout)


def memfds(pid):
    fds = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("/memfd:baton"):
                fds.append("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            pass
    return fds


def descendants(pid):
    """pid and every process below it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in os.listdir("/proc/%d/task" % p):
            try:
                todo += [int(c) for c in open("/proc/%d/task/%s/children" % (p, task)).read().split()]
            except OSError:
                pass
    return out


def listening_inodes():
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in open(table).read().splitlines()[1:]:
                f = line.split()
                if f[3] == "0A":   # LISTEN
                    inodes.add(f[9])
    return inodes


def socket_inodes(pid):
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            m = re.match(r"socket:\[(\d+)\]", os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except OSError:
            continue
        if m:
            out.add(m.group(1))
    return out


@pytest.mark.parametrize("n", [1, 3])
def test_another_user_reaches_nothing(mpiexec, waiter, n):
    before = set(os.listdir("/tmp")) | {"shm:" + p for p in os.listdir("/dev/shm")}
    with started([mpiexec, "-n", str(n), waiter], stdin=subprocess.PIPE,
                 env=clean_env()) as job:
        out = wait_for_lines(job, r"^pid \d+ rank \d+$", n, timeout=30)
        pids = [int(p) for p in re.findall(r"^pid (\d+) rank", out, re.M)]
        procs = descendants(job.pid)
        assert set(pids) <= set(procs)
        segs = [fd for pid in pids for fd in memfds(pid)]
        assert segs or n == 1, "no shared segment found among the ranks' files"
        paths = segs + ["/proc/%d/environ" % p for p in procs] + \
            ["/proc/%d/fd" % p for p in procs]
        seen = as_nobody(paths)
        assert seen and all(v != "ok" for v in seen.values()), seen
        during = set(os.listdir("/tmp")) | {"shm:" + p for p in os.listdir("/dev/shm")}
        listening = listening_inodes()
        for pid in procs:
            assert not socket_inodes(pid) & listening, "pid %d listens on TCP" % pid
        job.stdin.write(b"go\n")
        job.stdin.close()
        assert job.wait(timeout=30) == 0, job.stderr.read().decode()
    new = {p for p in during - before if "baton" in p.lower() or p.startswith("shm:")}
    assert not new, new
