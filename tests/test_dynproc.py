"""Dynamic processes that need more than one mpiexec job, or none:

- two jobs started by separate mpiexec calls meet through MPI_Publish_name /
  MPI_Lookup_name and MPI_Comm_accept / MPI_Comm_connect (tests/c/dyn_twojobs.c),
  on one host and with each job across two fork "hosts";
- MPI_Abort in a job that spawned ends the spawned job too;
- a job across two fork "hosts" spawns on a third (info "host");
- a singleton (no mpiexec) spawns (tests/c/dyn_spawn.c).

Every test runs with pytest as a child subreaper, so that a process left behind
becomes our child: the test fails if one is still alive afterwards.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
import harness  # noqa: E402  (shared with test_futures)

BUILD = ROOT / os.environ.get("BATON_BUILD", "build")
MPIEXEC = str(BUILD / "bin" / "mpiexec")
TIMEOUT = 60



def compile_prog(name, tmp):
    exe = tmp / name
    res = subprocess.run([str(BUILD / "bin" / "mpicc"), "-std=c11", "-D_GNU_SOURCE", "-O1",
                          "-Wall", "-Werror", "-o", str(exe), str(ROOT / "tests" / "c" /
                                                                 (name + ".c"))],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return str(exe)


@pytest.fixture(autouse=True)
def nothing_left():
    yield from harness.nothing_left()


@pytest.mark.parametrize("ns,nc,hosts", [(1, 1, False), (2, 3, False), (2, 2, True)])
def test_two_jobs_accept_connect(tmp_path, ns, nc, hosts):
    exe = compile_prog("dyn_twojobs", tmp_path)
    env = dict(os.environ, BATON_NAME_DIR=str(tmp_path / "names"))
    service = "twojobs-%d" % os.getpid()
    extra = []
    if hosts:
        extra = ["-launcher", "fork", "-hosts", "a,b"]
        env["BATON_BIND"] = "none"
    server = subprocess.Popen([MPIEXEC] + extra + ["-n", str(ns), exe, "server", service],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    client = subprocess.Popen([MPIEXEC] + extra + ["-n", str(nc), exe, "client", service],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    sout, serr = server.communicate(timeout=TIMEOUT)
    cout, cerr = client.communicate(timeout=TIMEOUT)
    assert server.returncode == 0, sout + serr
    assert client.returncode == 0, cout + cerr
    assert "twojobs ok (server, %d+%d)" % (ns, nc) in sout, sout + serr
    assert "twojobs ok (client, %d+%d)" % (nc, ns) in cout, cout + cerr
    # the name is withdrawn, and the directory with it
    assert not (tmp_path / "names").exists()


@pytest.mark.parametrize("opts,universe", [
    ([], 3),                                                   # the ranks
    (["-launcher", "fork", "-hosts", "a:1,b:4"], 5),           # the hosts' slots
    (["-launcher", "fork", "-hosts", "a,b", "-ppn", "3"], 6),  # -ppn per host
    (["-launcher", "fork", "-hosts", "a:1,b:4", "-usize", "9"], 9),
    (["-usize", "7"], 7)])
def test_universe_size(tmp_path, opts, universe):
    """MPI_UNIVERSE_SIZE: -usize, else the hosts' slots where they outnumber the
    ranks, else the ranks; the same on every host."""
    exe = compile_prog("dyn_twojobs", tmp_path)
    res = subprocess.run([MPIEXEC] + opts + ["-n", "3", exe, "universe"], capture_output=True,
                         text=True, timeout=TIMEOUT, env=dict(os.environ, BATON_BIND="none"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(res.stdout.splitlines()) == ["rank %d universe %d" % (r, universe)
                                               for r in range(3)], res.stdout + res.stderr


def test_abort_ends_spawned_job(tmp_path):
    exe = compile_prog("dyn_twojobs", tmp_path)
    res = subprocess.run([MPIEXEC, "-n", "2", exe, "abort"], capture_output=True, text=True,
                         timeout=TIMEOUT)
    assert res.returncode == 3, res.stdout + res.stderr
    assert "spawned" in res.stdout
    assert "MPI_Abort" in res.stderr


@pytest.mark.parametrize("how", ["host", "hostfile"])
def test_spawn_on_another_host(tmp_path, how):
    # a job on two fork "hosts" spawns its children on a third (info "host", or
    # "hostfile" naming it): they reach their parents over the network
    exe = compile_prog("dyn_twojobs", tmp_path)
    where, mates = "c", 2
    if how == "hostfile":   # one child on each of two hosts
        (tmp_path / "hosts").write_text("# the children's hosts\nc slots=1\nd:1\n")
        where, mates = "@" + str(tmp_path / "hosts"), 1
    res = subprocess.run([MPIEXEC, "-launcher", "fork", "-hosts", "a,b", "-n", "2", exe,
                          "hostspawn", where], capture_output=True, text=True, timeout=TIMEOUT,
                         env=dict(os.environ, BATON_BIND="none", DYN_SHOW_WHERE="1"))
    assert res.returncode == 0, res.stdout + res.stderr
    host = socket.gethostname()
    assert sorted(res.stdout.splitlines()) == [
        "merged rank 0: parent", "merged rank 1: parent",
        "merged rank 2: spawned on %s in step none with %d on its node" % (host, mates),
        "merged rank 3: spawned on %s in step none with %d on its node" % (host, mates)], \
        res.stdout + res.stderr


def test_singleton_spawns(tmp_path):
    exe = compile_prog("dyn_spawn", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "BATON_JOBID"))}
    res = subprocess.run([exe], capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "FAIL" not in res.stdout, res.stdout


@pytest.mark.parametrize("kind", ["open to others", "a link"])
def test_name_directory_must_be_private(tmp_path, kind):
    """The names' directory has a predictable name: one that others may enter (or
    a link to one) is refused, so that nobody else reads or plants names."""
    real = tmp_path / "real"
    real.mkdir()
    if kind == "open to others":
        real.chmod(0o777)
        names = real
    else:
        real.chmod(0o700)
        names = tmp_path / "names"
        names.symlink_to(real)
    script = (
        "from mpi4py import MPI\n"
        "MPI.COMM_SELF.Set_errhandler(MPI.ERRORS_RETURN)\n"
        "for call in (lambda: MPI.Publish_name('svc', 'port'), "
        "lambda: MPI.Lookup_name('svc')):\n"
        "    try:\n"
        "        call()\n"
        "        print('accepted')\n"
        "    except MPI.Exception as e:\n"
        "        print(e.Get_error_class(), e.Get_error_string())\n")
    env = dict(os.environ, BATON_NAME_DIR=str(names))
    res = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", script],
                         capture_output=True, text=True, env=env, timeout=TIMEOUT)
    lines = res.stdout.splitlines()
    assert res.returncode == 0 and len(lines) == 2, res.stdout + res.stderr
    assert "accepted" not in res.stdout, res.stdout
    for line in lines:
        assert "BATON_NAME_DIR" in line and "only it may enter" in line, line
    assert list(real.iterdir()) == [], "a name was written into %s" % real
