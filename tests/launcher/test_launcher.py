"""Tests of mpiexec and of the PMI client (src/runtime/pmi.c).

Each test names what it checks; a failing assertion prints mpiexec's exit
status, timing, stdout and stderr.
"""
import os
import random
import re
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import (assert_gone, assert_signal_ends_the_job, assert_spam_lines, clean_env,
                      ctrl_c_job, mpiexec_lines, pids_of, prompt_on_terminal, signal_job,
                      started, wait_for_lines)

RAW_PMI = str(Path(__file__).resolve().parent / "progs" / "raw_pmi.py")


# ---- PMI wire-up --------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 4])
def test_pmi1_put_fence_get_across_ranks(run, prog, n):
    res = run("-n", str(n), prog, "exchange", "3")
    assert res.rc == 0, res
    assert sorted(res.out.splitlines()) == sorted(
        "ok rank %d of %d local %d/%d" % (r, n, r, n) for r in range(n)), res
    assert res.err == "", res


@pytest.mark.parametrize("n", [1, 3])
def test_pmi2_put_fence_get_across_ranks(run, prog, n):
    res = run("-n", str(n), prog, "exchange", "3", env=clean_env(BATON_PMI="2"))
    assert res.rc == 0, res
    assert len(res.out.splitlines()) == n, res
    assert res.err == "", res


@pytest.mark.parametrize("pmi", ["1", "2"])
def test_eight_ranks_on_two_cores(run, prog, pmi):
    res = run("-n", "8", prog, "exchange", "2", env=clean_env(BATON_PMI=pmi))
    assert res.rc == 0, res
    assert len(res.out.splitlines()) == 8, res


def test_info_under_mpiexec(run, prog):
    res = run("-n", "3", prog, "info")
    assert res.rc == 0, res
    lines = sorted(res.out.splitlines())
    assert len(lines) == 3, res
    kvsnames = set()
    for r, line in enumerate(lines):
        fields = dict(f.split("=", 1) for f in line.split())
        assert fields["rank"] == str(r) and fields["size"] == "3", line
        assert fields["local_rank"] == str(r) and fields["local_size"] == "3", line
        assert fields["singleton"] == "0" and fields["appnum"] == "0", line
        assert fields["universe"] == "3", line
        kvsnames.add(fields["kvsname"])
    assert len(kvsnames) == 1, "ranks disagree on the job id: %r" % kvsnames


def test_singleton_without_pmi_environment(prog):
    res = subprocess.run([prog, "info"], capture_output=True, text=True, env=clean_env(),
                         timeout=10)
    assert res.returncode == 0, res
    fields = dict(f.split("=", 1) for f in res.stdout.split())
    assert fields["rank"] == "0" and fields["size"] == "1", res.stdout
    assert fields["singleton"] == "1" and fields["local_size"] == "1", res.stdout


@pytest.mark.parametrize("env", [dict(PMI_SIZE="4", PMI_RANK="1"),
                                 dict(OMPI_COMM_WORLD_SIZE="2", OMPI_COMM_WORLD_RANK="0")])
def test_client_refuses_a_job_it_cannot_join(prog, env):
    res = subprocess.run([prog, "info"], capture_output=True, text=True,
                         env=clean_env(**env), timeout=10)
    assert res.returncode == 99, res
    assert "launcher Baton cannot talk to" in res.stderr, res.stderr


def test_program_started_by_a_rank_does_not_use_the_rank_socket(run, prog, tmp_path):
    # The child inherits PMI_FD=3 but not the socket; fd 3 is a plain file here.
    res = run("-n", "1", "sh", "-c", '%s info 3<"%s"' % (prog, prog))
    assert res.rc == 99, res
    assert "PMI_FD=3 is not a socket" in res.err, res


def test_client_reports_a_dead_launcher(prog):
    # PMI_FD names a socket whose other end is closed: a clear error, no hang.
    import socket
    a, b = socket.socketpair()
    b.close()
    res = subprocess.run([prog, "info"], capture_output=True, text=True, timeout=10,
                         env=clean_env(PMI_FD=str(a.fileno()), PMI_RANK="0", PMI_SIZE="1"),
                         pass_fds=[a.fileno()])
    a.close()
    assert res.returncode == 99, res
    assert "launcher" in res.stderr, res.stderr


class FakeLauncher:
    """Serves one client from a script of (request must contain, answer) pairs,
    in the exact formats of other launchers."""

    def __init__(self, script):
        import socket
        import threading
        self.ours, self.theirs = socket.socketpair()
        self.script, self.errors, self.requests = script, [], []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _recv(self):
        chunk = self.ours.recv(4096)
        if not chunk:
            raise EOFError("client closed the connection")
        self.buf += chunk

    def _request(self):
        """The next PMI-1 line, or PMI-2 frame body (starts with a digit or space)."""
        while not self.buf:
            self._recv()
        if self.buf[:1].isdigit() or self.buf[:1] == b" ":
            while len(self.buf) < 6 or len(self.buf) < 6 + int(self.buf[:6]):
                self._recv()
            n = int(self.buf[:6])
            req, self.buf = self.buf[6:6 + n], self.buf[6 + n:]
        else:
            while b"\n" not in self.buf:
                self._recv()
            req, self.buf = self.buf.split(b"\n", 1)
        return req.decode()

    def _serve(self):
        self.buf = b""
        try:
            for want, answer in self.script:
                req = self._request()
                self.requests.append(req)
                if want not in req:
                    self.errors.append("expected %r in request %r" % (want, req))
                    return
                data = answer.encode()
                if not answer.endswith("\n"):  # a PMI-2 frame
                    data = b"%-6d" % len(data) + data
                self.ours.sendall(data)
        except Exception as e:  # reported by the test
            self.errors.append(repr(e))

    def run(self, prog, env):
        env = clean_env(PMI_FD=str(self.theirs.fileno()), **env)
        res = subprocess.run([prog, "info"], capture_output=True, text=True, timeout=10,
                             env=env, pass_fds=[self.theirs.fileno()])
        self.theirs.close()
        self.thread.join(5)
        self.ours.close()
        assert not self.errors, (self.errors, self.requests, res.stderr)
        assert res.returncode == 0, res
        return dict(f.split("=", 1) for f in res.stdout.split())


def test_client_against_slurm_pmi2_answers(prog):
    # Slurm's mpi/pmi2 plugin: PMI-1 init line first, "%-6d" frames, appnum=-1,
    # locality only through PMI_process_mapping.
    fake = FakeLauncher([
        ("cmd=init pmi_version=2 pmi_subversion=0",
         "cmd=response_to_init rc=0 pmi_version=2 pmi_subversion=0\n"),
        ("cmd=fullinit;pmijobid=777.0;pmirank=3;threaded=FALSE;",
         "cmd=fullinit-response;rc=0;pmi-version=2;pmi-subversion=0;rank=3;size=4;"
         "appnum=-1;debugged=FALSE;pmiverbose=FALSE;"),
        ("cmd=job-getid;", "cmd=job-getid-response;rc=0;jobid=777.0;"),
        ("key=universeSize;", "cmd=info-getjobattr-response;rc=0;found=FALSE;"),
        ("key=PMI_process_mapping;",
         "cmd=info-getjobattr-response;rc=0;found=TRUE;value=(vector,(0,2,2));"),
        ("cmd=finalize;", "cmd=finalize-response;rc=0;"),
    ])
    info = fake.run(prog, dict(PMI_RANK="3", PMI_SIZE="4", PMI_JOBID="777.0"))
    assert info == dict(rank="3", size="4", local_rank="1", local_size="2", singleton="0",
                        appnum="-1", universe="4", kvsname="777.0"), info


def test_client_against_hydra_pmi1_answers(prog):
    # Hydra-style PMI-1 answers carry extra fields; locality from the KVS key.
    fake = FakeLauncher([
        ("cmd=init pmi_version=1 pmi_subversion=1",
         "cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0\n"),
        ("cmd=get_maxes", "cmd=maxes kvsname_max=256 keylen_max=64 vallen_max=1024\n"),
        ("cmd=get_my_kvsname", "cmd=my_kvsname kvsname=kvs_42_0\n"),
        ("cmd=get_appnum", "cmd=appnum appnum=0\n"),
        ("cmd=get_universe_size", "cmd=universe_size size=3\n"),
        ("cmd=get kvsname=kvs_42_0 key=PMI_process_mapping",
         "cmd=get_result rc=0 msg=success value=(vector,(0,1,1),(1,1,2))\n"),
        ("cmd=finalize", "cmd=finalize_ack\n"),
    ])
    info = fake.run(prog, dict(PMI_RANK="2", PMI_SIZE="3"))
    assert info == dict(rank="2", size="3", local_rank="1", local_size="2", singleton="0",
                        appnum="0", universe="3", kvsname="kvs_42_0"), info


@pytest.mark.parametrize("mode", ["v1", "v2", "v2-direct"])
def test_pmi_server_wire_protocol(run, mode):
    res = run("-n", "3", sys.executable, RAW_PMI, mode)
    assert res.rc == 0, res
    assert res.out.splitlines() == ["raw ok"] * 3, res


# ---- how a job ends ------------------------------------------------------

def test_rank_exit_code_is_the_job_status(run, prog):
    res = run("-n", "3", prog, "victim", "exit", "1", "3")
    assert res.rc == 3, res
    assert res.mpiexec_lines() == ["mpiexec: rank 1 exited with status 3"], res
    assert res.elapsed < 5, res
    assert_gone(pids_of(res.out).values())


def test_rank_killed_while_others_wait_in_fence(run, prog):
    res = run("-n", "4", prog, "victim", "kill", "2", "0")
    assert res.rc == 137, res
    pids = pids_of(res.out)
    assert res.mpiexec_lines() == [
        "mpiexec: rank 2 (pid %d) was killed by signal 9 (Killed)" % pids[2]], res
    assert res.elapsed < 2.0, res
    assert_gone(pids.values())


@pytest.mark.parametrize("pmi", ["1", "2"])
def test_abort_sets_the_job_status(run, prog, pmi):
    res = run("-n", "3", prog, "victim", "abort", "2", "5", env=clean_env(BATON_PMI=pmi))
    assert res.rc == 5, res
    assert res.mpiexec_lines() == ["mpiexec: rank 2 called MPI_Abort with error code 5"], res
    assert "rank 2 aborting" in res.err, res
    assert res.elapsed < 2.0, res
    assert_gone(pids_of(res.out).values())


@pytest.mark.parametrize("pmi", ["1", "2"])
def test_fatal_error_is_not_called_an_abort(run, prog, pmi):
    """MPI_ERRORS_ARE_FATAL ends the job through the same PMI abort as MPI_Abort;
    the launcher says which it was (the rank has printed the error itself)."""
    res = run("-n", "3", prog, "victim", "error", "1", "1", env=clean_env(BATON_PMI=pmi))
    assert res.rc == 1, res
    assert res.mpiexec_lines() == [
        "mpiexec: rank 1 ended the job on an MPI error (MPI_ERRORS_ARE_FATAL; its message "
        "is above)"], res
    assert_gone(pids_of(res.out).values())


def test_exit_without_finalize_is_a_failure(run, prog):
    res = run("-n", "3", prog, "nofinalize", "1")
    assert res.rc == 1, res
    assert res.mpiexec_lines() == ["mpiexec: rank 1 exited without calling MPI_Finalize"], res


def test_rank_leaving_a_fence_others_wait_in(run, prog):
    res = run("-n", "3", prog, "victim", "skip", "0", "0")
    assert res.rc == 1, res
    assert res.mpiexec_lines() == [
        "mpiexec: rank 0 exited while other ranks wait for it in a PMI fence"], res
    assert res.elapsed < 2.0, res


def test_programs_without_pmi_exit_normally(run):
    res = run("-n", "2", "/bin/true")
    assert (res.rc, res.out, res.err) == (0, "", ""), res
    res = run("-n", "3", "sh", "-c", "echo rank $PMI_RANK")
    assert res.rc == 0 and sorted(res.out.splitlines()) == ["rank 0", "rank 1", "rank 2"], res


def test_plain_program_killed_by_signal(run):
    res = run("-n", "2", "sh", "-c", 'if [ "$PMI_RANK" = 1 ]; then kill -9 $$; fi; sleep 20')
    assert res.rc == 137, res
    assert len(res.mpiexec_lines()) == 1, res
    assert re.fullmatch(r"mpiexec: rank 1 \(pid \d+\) was killed by signal 9 \(Killed\)",
                        res.mpiexec_lines()[0]), res
    assert res.elapsed < 2.0, res


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_to_mpiexec_ends_every_rank(mpiexec, prog, sig):
    assert_signal_ends_the_job([mpiexec, "-n", "3", prog, "sleep"], 3, sig)


def test_rank_ignoring_sigterm_gets_sigkill(mpiexec, prog):
    res = signal_job([mpiexec, "-n", "2", prog, "sleep", "ignore-term"], 2, signal.SIGTERM,
                     env=clean_env(BATON_KILL_TIMEOUT="0.3"))
    assert res.rc == 128 + signal.SIGTERM, res
    assert 0.25 < res.elapsed < 1.2, res
    assert_gone(pids_of(res.out).values())


TIME_LIMIT_MSG = ("mpiexec: the job ran into its time limit of %s s (--timeout, "
                  "BATON_TIMEOUT or MPIEXEC_TIMEOUT), ended it\n")


@pytest.mark.parametrize("args,env,limit", [
    (["--timeout", "2"], {}, "2"),
    ([], {"MPIEXEC_TIMEOUT": "2"}, "2"),
    (["--timeout=1.5"], {"MPIEXEC_TIMEOUT": "30"}, "1.5"),    # the option wins
    (["-timeout", "2"], {"MPIEXEC_TIMEOUT": "0.5"}, "2"),
    ([], {"BATON_TIMEOUT": "1.5", "MPIEXEC_TIMEOUT": "30"}, "1.5"),
    (["-launcher", "fork", "-hosts", "h1:2,h2:1"], {"MPIEXEC_TIMEOUT": "2"}, "2"),
], ids=["option", "env", "option-over-env", "option-over-shorter-env", "baton-over-env",
        "env-hosts"])
def test_time_limit_ends_the_job(run, prog, args, env, limit):
    """--timeout, BATON_TIMEOUT and MPIEXEC_TIMEOUT end a job that sleeps forever
    alike: one line (ranks that are not MPI programs give no hang report), status
    124, every rank gone."""
    res = run(*args, "-n", "3", prog, "sleep", env=clean_env(**env))
    assert res.rc == 124, res
    assert res.err == TIME_LIMIT_MSG % limit, res
    assert float(limit) <= res.elapsed < float(limit) + 3, res
    pids = pids_of(res.out)
    assert len(pids) == 3, res
    assert_gone(pids.values())


def test_time_limit_spares_a_job_that_ends_in_time(run, prog):
    res = run("--timeout", "30", "-n", "2", prog, "exchange",
              env=clean_env(MPIEXEC_TIMEOUT="0.001"))
    assert res.rc == 0 and res.err == "", res
    res = run("-n", "2", prog, "exchange", env=clean_env(MPIEXEC_TIMEOUT="0"))
    assert res.rc == 0 and res.err == "", res


def test_ranks_die_when_mpiexec_is_killed(mpiexec, prog):
    with started([mpiexec, "-n", "3", prog, "sleep"]) as p:
        text = wait_for_lines(p, r"^pid \d+ rank \d+$", 3)
        p.kill()
        p.wait(timeout=5)
    p.stdout.close()
    p.stderr.close()
    # The ranks become our children (subreaper): wait for them to be killed.
    for pid in pids_of(text).values():
        deadline = time.monotonic() + 3
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break  # already reaped
            if done:
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
                break
            assert time.monotonic() < deadline, "rank %d survived mpiexec" % pid
            time.sleep(0.01)


def test_ctrl_c_in_a_terminal_reaches_each_rank_once(mpiexec, prog):
    """The terminal sends SIGINT to the whole foreground group: mpiexec must
    not forward it a second time, and must end with one message."""
    rc, out, err = ctrl_c_job([mpiexec, "-n", "2", prog, "count-int"], 2)
    assert sorted(re.findall(r"^rank \d got \d+ SIGINT$", out, re.M)) == [
        "rank 0 got 1 SIGINT", "rank 1 got 1 SIGINT"], out
    assert rc == 128 + signal.SIGINT, (rc, err)
    assert len(mpiexec_lines(err)) == 1, err
    assert_gone(pids_of(out).values())


def test_grandchild_holding_the_output_pipe_does_not_hang_the_job(run):
    res = run("-n", "1", "sh", "-c", "sleep 30 & echo $!")
    assert res.rc == 0, res
    assert res.elapsed < 1.5, res
    assert_gone([int(res.out.split()[0])])


# ---- I/O forwarding ------------------------------------------------------

def test_stdin_goes_to_rank_0_only(run, prog):
    data = random.Random(7).randbytes(3 << 20)
    res = run("-n", "3", prog, "stdin", input=data, text=False)
    assert res.rc == 0, res
    lines = sorted(res.out.decode().splitlines())
    assert lines == ["rank 0 read %d bytes adler32 %d" % (len(data), zlib.adler32(data)),
                     "rank 1 read 0 bytes adler32 1", "rank 2 read 0 bytes adler32 1"], lines


def test_stdin_unread_by_rank_0_is_harmless(run):
    res = run("-n", "2", "/bin/true", input=b"x" * (4 << 20), text=False)
    assert res.rc == 0, res
    assert res.elapsed < 2.0, res


def test_lines_of_ranks_are_never_spliced(run, prog):
    n, nlines, maxlen = 4, 2000, 3000
    res = run("-n", str(n), prog, "spam", str(nlines), str(maxlen))
    assert res.rc == 0, res.err
    assert_spam_lines(res.out, n, nlines, maxlen)


def test_tag_output_prefixes_every_line(run, prog):
    for flag in ["--tag-output", "-tag-output", "-prepend-rank", "-l"]:
        res = run("-n", "3", flag, prog, "spam", "200", "5000")
        assert res.rc == 0, res
        lines = res.out.split("\n")[:-1]
        assert len(lines) == 600, res
        for line in lines:
            m = re.fullmatch(r"\[(\d)\] (\d):\d+:[a-z]+", line)
            assert m and m[1] == m[2], "bad prefix: %r" % line[:100]
    res = run("-n", "2", "--tag-output", "sh", "-c", "echo out; echo err >&2")
    assert sorted(res.out.splitlines()) == ["[0] out", "[1] out"], res
    assert sorted(res.err.splitlines()) == ["[0] err", "[1] err"], res


def test_partial_last_line_is_delivered(run):
    res = run("-n", "1", "printf", "abc")
    assert (res.rc, res.out) == (0, "abc"), res
    res = run("-n", "3", "sh", "-c", 'printf "x$PMI_RANK"')
    assert sorted(res.out.split()) == ["x0", "x1", "x2"], res
    assert len(res.out.splitlines()) == 3, "partial lines spliced: %r" % res.out


def test_unfinished_line_reaches_a_terminal(mpiexec):
    """A prompt without newline shows on a terminal soon, not at exit."""
    seen, elapsed = prompt_on_terminal(
        [mpiexec, "-n", "1", "sh", "-c", "printf 'Name? '; sleep 2; echo"])
    assert b"Name? " in seen and elapsed < 1.0, (seen, elapsed)


def test_line_longer_than_the_buffer(run):
    res = run("-n", "1", "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' a; echo")
    assert res.rc == 0, res
    assert res.out == "a" * 200000 + "\n"


def test_closed_stdout_ends_the_job(mpiexec):
    with started([mpiexec, "-n", "2", "yes"]) as p:
        assert p.stdout.readline() == b"y\n"
        p.stdout.close()
        p.wait(timeout=5)
    p.stderr.close()
    # the ranks died of SIGPIPE, as `yes | head -1` would
    assert p.returncode == 128 + signal.SIGPIPE


# ---- options -------------------------------------------------------------

def test_environment_options(run, prog):
    env = clean_env(MYVAR="from-mpiexec", OVERRIDDEN="old")
    env.pop("NOT_SET_ANYWHERE", None)
    res = run("-np", "2", "-genv", "FOO", "bar baz", "-x", "QUX=1=2", "-x", "MYVAR",
              "-x", "NOT_SET_ANYWHERE", "-genv", "OVERRIDDEN", "new", prog, "env", "FOO",
              "QUX", "MYVAR", "NOT_SET_ANYWHERE", "OVERRIDDEN", env=env)
    assert res.rc == 0, res
    for r in range(2):
        for expect in ["FOO=bar baz", "QUX=1=2", "MYVAR=from-mpiexec",
                       "NOT_SET_ANYWHERE=(unset)", "OVERRIDDEN=new"]:
            assert "rank %d %s" % (r, expect) in res.out.splitlines(), res


def test_launcher_environment_of_ranks(run, prog):
    res = run("-n", "2", prog, "env", "PMI_FD", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID",
              "MPI_LOCALNRANKS", "BATON_JOBID", env=clean_env(PMI_JOBID="stale"))
    assert res.rc == 0, res
    values = dict(re.findall(r"^rank (\d \w+)=(.*)$", res.out, re.M))
    for r in "01":
        assert values[r + " PMI_FD"] == "3"
        assert values[r + " PMI_RANK"] == r and values[r + " MPI_LOCALRANKID"] == r
        assert values[r + " PMI_SIZE"] == "2" and values[r + " MPI_LOCALNRANKS"] == "2"
    assert values["0 BATON_JOBID"] == values["1 BATON_JOBID"] != "(unset)"


@pytest.mark.parametrize("given, extra, expect", [
    (None, [], "glibc.malloc.hugetlb=1"),
    ("glibc.malloc.check=0", [], "glibc.malloc.check=0:glibc.malloc.hugetlb=1"),
    (None, ["-genv", "GLIBC_TUNABLES", "glibc.malloc.tcache_count=0"],
     "glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1"),
    ("glibc.malloc.hugetlb=0", [], "glibc.malloc.hugetlb=0"),   # the user's choice stands
    (None, ["-genv", "BATON_MALLOC_THP", "0"], "(unset)"),
    ("glibc.malloc.check=0", ["-x", "BATON_MALLOC_THP=0"], "glibc.malloc.check=0"),
])
def test_malloc_huge_pages_for_ranks(run, prog, given, extra, expect):
    env = clean_env()
    env.pop("GLIBC_TUNABLES", None)
    env.pop("BATON_MALLOC_THP", None)
    if given is not None:
        env["GLIBC_TUNABLES"] = given
    res = run("-n", "2", *extra, prog, "env", "GLIBC_TUNABLES", env=env)
    assert res.rc == 0, res
    for r in range(2):
        assert "rank %d GLIBC_TUNABLES=%s" % (r, expect) in res.out.splitlines(), res


@pytest.mark.parametrize("opt", [["--map-by", "node"], ["-npernode", "2"], ["-rf", "x"],
                                 ["-iface", "eth0"]])
def test_unsupported_placement_options_are_rejected(run, tmp_path, opt):
    marker = tmp_path / "started"
    res = run(*opt, "-n", "2", "sh", "-c", "touch %s" % marker)
    assert res.rc == 2, res
    assert "not supported" in res.err and "-hosts" in res.err, res
    assert not marker.exists(), "ranks were started"


def test_unknown_option(run):
    res = run("--frobnicate", "/bin/true")
    assert res.rc == 2, res
    assert "unknown option '--frobnicate'" in res.err, res


def test_open_mpi_options_are_accepted(run):
    res = run("--oversubscribe", "--allow-run-as-root", "-np", "3", "/bin/true")
    assert (res.rc, res.err) == (0, ""), res


def test_bad_rank_counts(run):
    for bad in ["0", "-1", "x", "3x"]:
        res = run("-n", bad, "/bin/true")
        assert res.rc == 2, (bad, res)
    res = run()
    assert res.rc == 2 and "no program" in res.err, res


def test_unknown_program(run):
    res = run("-n", "4", "no-such-program-baton")
    assert res.rc == 127, res
    assert res.err == "mpiexec: no-such-program-baton: command not found\n", res
    res = run("-n", "4", "./no/such/path")
    assert res.rc == 127, res
    assert res.err.count("\n") == 1 and "No such file" in res.err, res


def test_help_and_version(run):
    res = run("--help")
    assert res.rc == 0 and "Usage: mpiexec" in res.out, res
    res = run("-h")
    assert res.rc == 0 and "srun --mpi=pmi2" in res.out, res
    res = run("--version")
    assert res.rc == 0 and "Baton" in res.out, res


def test_mpirun_is_the_same_program(mpiexec, tmp_path):
    mpirun = tmp_path / "mpirun"
    mpirun.symlink_to(os.path.abspath(mpiexec))
    res = subprocess.run([str(mpirun), "-np", "2", "echo", "hi"], capture_output=True,
                         text=True, env=clean_env(), timeout=10)
    assert (res.returncode, res.stdout) == (0, "hi\nhi\n"), res


def test_startup_is_fast(run):
    best = min(run("-n", "4", "/bin/true").elapsed for _ in range(5))
    assert best < 0.1, "mpiexec -n 4 /bin/true took %.3f s" % best
