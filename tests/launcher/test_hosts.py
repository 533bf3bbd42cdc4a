"""mpiexec on several hosts: options, hostfiles, placement, the proxies'
PMI, failure duties, I/O, and the job key.

Hosts are simulated on this machine: `-launcher fork` starts a local proxy per
host name (each one a separate node), and `-launcher ssh -launcher-exec
FAKESSH` runs the ssh command line through progs/fakessh.sh, which runs the
remote command here with a clean environment, as sshd would.  Host names for
ssh are 127.0.0.x: all loopback, so the head listens on 127.0.0.1.
"""
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import (FAKESSH, assert_gone, assert_signal_ends_the_job, assert_spam_lines,
                      clean_env, ctrl_c_job, jobinfo, mpiexec_lines, pids_of, proc_children,
                      prompt_on_terminal, signal_job, started, wait_for_lines)

FORK3 = ["-launcher", "fork", "-hosts", "a,b,c"]


def children_named(parent, word):
    """(pid, cmdline) of the children of parent whose command line contains word."""
    return [(pid, cmd) for pid, _, cmd in proc_children(parent) if word in cmd]


def assert_no_tcp_socket(pid):
    """Process pid holds no TCP socket (checked against /proc/net/tcp*)."""
    tcp = open("/proc/net/tcp").read() + open("/proc/net/tcp6").read()
    for fd in os.listdir("/proc/%d/fd" % pid):
        m = re.fullmatch(r"socket:\[(\d+)\]", os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        assert not (m and re.search(r"\s%s\s" % m[1], tcp)), "mpiexec has a TCP socket"


# ---- placement and what ranks learn ---------------------------------------

@pytest.mark.parametrize("args, mapping, hosts", [
    (["-hosts", "a,b,c", "-n", "5"], "(vector,(0,3,1))", [0, 1, 2, 0, 1]),
    (["-hosts", "a:3,b:2", "-n", "5"], "(vector,(0,1,3),(1,1,2))", [0, 0, 0, 1, 1]),
    (["-hosts", "a:3,b:2"], "(vector,(0,1,3),(1,1,2))", [0, 0, 0, 1, 1]),
    (["-hosts", "a,b,c", "-ppn", "2", "-n", "5"], "(vector,(0,2,2),(2,1,1))",
     [0, 0, 1, 1, 2]),
    (["-hosts", "a:1,b:2", "-n", "7"], "(vector,(0,1,1),(1,1,2))", [0, 1, 1, 0, 1, 1, 0]),
    (["-hosts", "a,b", "-ppn", "2", "-n", "7"], "(vector,(0,2,2))", [0, 0, 1, 1, 0, 0, 1]),
    (["-hosts", "a", "-n", "4"], "(vector,(0,1,4))", [0, 0, 0, 0]),
    (["-hosts", "a:4,b:4", "-n", "3"], "(vector,(0,1,3))", [0, 0, 0]),
])
@pytest.mark.parametrize("pmi", ["1", "2"])
def test_placement_mapping_and_local_ranks(run, prog, args, mapping, hosts, pmi):
    res = run("-launcher", "fork", *args, prog, "jobinfo", env=clean_env(BATON_PMI=pmi))
    assert res.rc == 0, res
    rows = jobinfo(res.out)
    assert sorted(rows) == list(range(len(hosts))), res
    for r, f in rows.items():
        on_host = [q for q in range(len(hosts)) if hosts[q] == hosts[r]]
        assert f["map"] == mapping, (r, f)
        assert f["local"] == "%d/%d" % (on_host.index(r), len(on_host)), (r, f)
        assert f["net"] == "127.0.0.1", f
    assert len({f["jobid"] for f in rows.values()}) == 1, rows


def test_job_key_is_served_and_cannot_be_put(run, prog):
    for args in [[], FORK3]:
        res = run(*args, "-n", "3", prog, "jobinfo")
        assert res.rc == 0, res
        rows = jobinfo(res.out)
        keys = {f["key"] for f in rows.values()}
        assert len(keys) == 1 and re.fullmatch(r"[0-9a-f]{64}", keys.pop()), rows
        assert all(f["put"] == "-1" for f in rows.values()), rows
        assert res.err.count("reserved_key") == 3, res
    # a new key per job
    k1 = jobinfo(run(*FORK3, "-n", "1", prog, "jobinfo").out)[0]["key"]
    k2 = jobinfo(run(*FORK3, "-n", "1", prog, "jobinfo").out)[0]["key"]
    assert k1 != k2


@pytest.mark.parametrize("pmi", ["1", "2"])
@pytest.mark.parametrize("n", [3, 7])
def test_fences_and_gets_across_proxies(run, prog, pmi, n):
    res = run(*FORK3, "-n", str(n), prog, "exchange", "3", env=clean_env(BATON_PMI=pmi))
    assert res.rc == 0, res
    assert len(res.out.splitlines()) == n and res.err == "", res


def test_no_host_option_runs_without_proxies(mpiexec, prog):
    with started([mpiexec, "-n", "2", prog, "sleep"]) as p:
        text = wait_for_lines(p, r"^pid \d+ rank \d+$", 2)
        assert children_named(p.pid, "baton-proxy") == []
        assert_no_tcp_socket(p.pid)
        p.terminate()
        p.communicate(timeout=10)
    assert_gone(pids_of(text).values())


def test_fork_job_listens_on_no_tcp_port(mpiexec, prog):
    with started([mpiexec, *FORK3, "-n", "3", prog, "sleep"]) as p:
        text = wait_for_lines(p, r"^pid \d+ rank \d+$", 3)
        assert_no_tcp_socket(p.pid)
        assert len(children_named(p.pid, "baton-proxy")) == 3
        p.terminate()
        p.communicate(timeout=10)
    assert_gone(pids_of(text).values())


# ---- failure duties across proxies ----------------------------------------

def test_rank_killed_on_second_host(run, prog):
    res = run("-launcher", "fork", "-hosts", "h1:3,h2:2", prog, "victim", "kill", "4", "0")
    assert res.rc == 137, res
    pids = pids_of(res.out)
    assert res.mpiexec_lines() == [
        "mpiexec: rank 4 (pid %d) on host h2 was killed by signal 9 (Killed)" % pids[4]], res
    assert res.elapsed < 2.0, res
    assert_gone(pids.values())


def test_rank_exit_code_on_second_host(run, prog):
    res = run("-launcher", "fork", "-hosts", "h1:3,h2:2", prog, "victim", "exit", "3", "7")
    assert res.rc == 7, res
    assert res.mpiexec_lines() == ["mpiexec: rank 3 on host h2 exited with status 7"], res
    assert res.elapsed < 2.0, res
    assert_gone(pids_of(res.out).values())


@pytest.mark.parametrize("pmi", ["1", "2"])
def test_abort_on_second_host(run, prog, pmi):
    res = run("-launcher", "fork", "-hosts", "h1:3,h2:2", prog, "victim", "abort", "4", "5",
              env=clean_env(BATON_PMI=pmi))
    assert res.rc == 5, res
    assert res.mpiexec_lines() == [
        "mpiexec: rank 4 on host h2 called MPI_Abort with error code 5"], res
    assert res.elapsed < 2.0, res
    assert_gone(pids_of(res.out).values())


def test_exit_without_finalize_on_second_host(run, prog):
    res = run("-launcher", "fork", "-hosts", "h1:3,h2:2", prog, "nofinalize", "3")
    assert res.rc == 1, res
    assert res.mpiexec_lines() == [
        "mpiexec: rank 3 on host h2 exited without calling MPI_Finalize"], res


def test_rank_leaving_a_fence_on_another_host(run, prog):
    res = run("-launcher", "fork", "-hosts", "h1:1,h2:2", prog, "victim", "skip", "0", "0")
    assert res.rc == 1, res
    assert len(res.mpiexec_lines()) == 1, res
    assert "rank 0" in res.err and "PMI fence" in res.err, res
    assert res.elapsed < 2.0, res


def test_killed_proxy_ends_the_job(mpiexec, prog):
    with started([mpiexec, "-launcher", "fork", "-hosts", "h1:2,h2:2", prog, "sleep"]) as p:
        text = wait_for_lines(p, r"^pid \d+ rank \d+$", 4)
        proxies = [pid for pid, cmd in children_named(p.pid, "baton-proxy")
                   if "--index 1 " in cmd + " "]
        assert len(proxies) == 1, children_named(p.pid, "baton-proxy")
        start = time.monotonic()
        os.kill(proxies[0], signal.SIGKILL)
        out, err = p.communicate(timeout=10)
        elapsed = time.monotonic() - start
    lines = mpiexec_lines(err.decode())
    assert p.returncode != 0, err
    assert len(lines) == 1 and "host h2" in lines[0], err
    assert elapsed < 2.5, elapsed
    assert_gone(pids_of(text).values())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_reaches_every_host(mpiexec, prog, sig):
    assert_signal_ends_the_job([mpiexec, *FORK3, "-n", "5", prog, "sleep"], 5, sig)


def test_rank_ignoring_sigterm_on_a_host_gets_sigkill(mpiexec, prog):
    res = signal_job([mpiexec, *FORK3, "-n", "3", prog, "sleep", "ignore-term"], 3,
                     signal.SIGTERM, env=clean_env(BATON_KILL_TIMEOUT="0.3"))
    assert res.rc == 128 + signal.SIGTERM, res
    assert 0.25 < res.elapsed < 1.5, res
    assert_gone(pids_of(res.out).values())


def test_ranks_and_proxies_die_when_mpiexec_is_killed(mpiexec, prog):
    with started([mpiexec, *FORK3, "-n", "3", prog, "sleep"]) as p:
        text = wait_for_lines(p, r"^pid \d+ rank \d+$", 3)
        proxies = [pid for pid, _ in children_named(p.pid, "baton-proxy")]
        p.kill()
        p.wait(timeout=5)
    p.stdout.close()
    p.stderr.close()
    deadline = time.monotonic() + 3
    for pid in list(pids_of(text).values()) + proxies:
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            assert time.monotonic() < deadline, "process %d survived mpiexec" % pid
            time.sleep(0.01)


# ---- I/O across proxies ---------------------------------------------------

def test_stdin_reaches_rank_0_through_its_proxy(run, prog):
    import random
    import zlib
    data = random.Random(3).randbytes(3 << 20)
    res = run(*FORK3, "-n", "3", prog, "stdin", input=data, text=False)
    assert res.rc == 0, res
    lines = sorted(res.out.decode().splitlines())
    assert lines == ["rank 0 read %d bytes adler32 %d" % (len(data), zlib.adler32(data)),
                     "rank 1 read 0 bytes adler32 1", "rank 2 read 0 bytes adler32 1"], lines


def test_stdin_unread_across_hosts_is_harmless(run):
    res = run(*FORK3, "-n", "3", "/bin/true", input=b"x" * (4 << 20), text=False)
    assert res.rc == 0, res
    assert res.elapsed < 2.0, res


def test_lines_of_ranks_on_several_hosts_are_never_spliced(run, prog):
    n, nlines, maxlen = 4, 2000, 3000
    res = run("-launcher", "fork", "-hosts", "a,b", "-n", str(n), prog, "spam", str(nlines),
              str(maxlen))
    assert res.rc == 0, res.err
    assert_spam_lines(res.out, n, nlines, maxlen)


def test_tag_output_across_hosts(run, prog):
    res = run(*FORK3, "-n", "3", "--tag-output", "sh", "-c", "echo out; echo err >&2")
    assert res.rc == 0, res
    assert sorted(res.out.splitlines()) == ["[0] out", "[1] out", "[2] out"], res
    assert sorted(res.err.splitlines()) == ["[0] err", "[1] err", "[2] err"], res


def test_line_longer_than_the_buffer_across_hosts(run):
    res = run(*FORK3, "-n", "1", "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' a; echo")
    assert res.rc == 0, res
    assert res.out == "a" * 200000 + "\n"


def test_working_directory_is_mpiexecs(mpiexec, tmp_path):
    res = subprocess.run([mpiexec, *FORK3, "-n", "2", "pwd"], cwd=tmp_path,
                         capture_output=True, text=True, env=clean_env(), timeout=30)
    assert res.returncode == 0, res
    assert res.stdout.splitlines() == [str(tmp_path)] * 2, res


def test_program_missing_on_the_hosts(run):
    res = run(*FORK3, "-n", "3", "no-such-program-baton")
    assert res.rc == 127, res
    assert res.elapsed < 2.0, res
    lines = res.mpiexec_lines()
    assert len(lines) == 1, res
    assert re.fullmatch(r"mpiexec: host [abc]: no-such-program-baton: command not found",
                        lines[0]), res


# ---- options and hostfiles -------------------------------------------------

def write(tmp_path, text, name="hosts"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("opt", ["-f", "-hostfile", "--hostfile", "-machinefile"])
def test_hostfile_forms(run, prog, tmp_path, opt):
    path = write(tmp_path, "# the cluster\n\nh1:2   # two slots\nh2 slots=2\n  h3\n")
    res = run("-launcher", "fork", opt, path, prog, "jobinfo")
    assert res.rc == 0, res
    rows = jobinfo(res.out)
    assert len(rows) == 5, res
    assert rows[0]["map"] == "(vector,(0,2,2),(2,1,1))", rows


@pytest.mark.parametrize("text, line, value", [
    ("h1\nh2:x\n", 2, "h2:x"),
    ("h1\nh2:0\n", 2, "h2:0"),
    ("h1:-1\n", 1, "h1:-1"),
    ("h1 slots=0\n", 1, "h1 slots=0"),
    ("h1 slots=-3\n", 1, "h1 slots=-3"),
    ("h1 slots=2 extra\n", 1, "h1 slots=2 extra"),
    ("h1 cpus=2\n", 1, "h1 cpus=2"),
    ("-oProxyCommand=x\n", 1, "-oProxyCommand=x"),
    ("h1:2 slots=3\n", 1, "h1:2 slots=3"),
    ("bad/name\n", 1, "bad/name"),
    ("h0\nh1\x00h2\n", 2, "h1"),
    ("h1\rh2\n", 1, "h1?h2"),
])
def test_hostfile_bad_lines(run, tmp_path, text, line, value):
    path = write(tmp_path, text)
    marker = tmp_path / "started"
    res = run("-launcher", "fork", "-f", path, "sh", "-c", "touch %s" % marker)
    assert res.rc == 2, res
    assert res.err.count("\n") == 1, res
    assert res.err.startswith("mpiexec: %s:%d: bad line '%s'" % (path, line, value)), res
    assert not marker.exists()


def test_hostfile_duplicate_host(run, tmp_path):
    path = write(tmp_path, "h1\nh2:2\n# again\nH2 slots=1\n")
    res = run("-launcher", "fork", "-f", path, "/bin/true")
    assert res.rc == 2, res
    assert res.err == "mpiexec: %s:4: host 'H2' is listed twice (first on line 2)\n" % path
    res = run("-launcher", "fork", "-hosts", "h2", "-f", write(tmp_path, "h1\nh2\n", "h"),
              "/bin/true")
    assert res.rc == 2, res
    assert res.err.endswith(":2: host 'h2' was given before, by another option\n"), res


@pytest.mark.parametrize("text, what", [("", "no hosts"), ("# only a comment\n\n", "no hosts")])
def test_hostfile_empty(run, tmp_path, text, what):
    path = write(tmp_path, text)
    res = run("-f", path, "/bin/true")
    assert res.rc == 2 and what in res.err and path in res.err, res


def test_hostfile_missing(run, tmp_path):
    res = run("-f", str(tmp_path / "nope"), "/bin/true")
    assert res.rc == 2, res
    assert res.err == "mpiexec: hostfile %s: No such file or directory\n" % (tmp_path / "nope")


@pytest.mark.parametrize("opt", ["-hosts", "-host", "--host", "-H"])
def test_host_option_spellings(run, prog, opt):
    res = run("-launcher", "fork", opt, "a,b:2", prog, "jobinfo")
    assert res.rc == 0, res
    assert jobinfo(res.out)[0]["map"] == "(vector,(0,1,1),(1,1,2))", res


@pytest.mark.parametrize("value, err", [
    ("a,,b", "bad host ''"), ("a:0", "bad host 'a:0'"), ("a:-2", "bad host 'a:-2'"),
    ("a:1x", "bad host 'a:1x'"), ("-x", "bad host '-x'"), ("", "empty host list"),
    ("a,b,a", "host 'a' is given twice"), ("a;rm", "bad host 'a;rm'"),
])
def test_bad_host_lists(run, value, err):
    res = run("-launcher", "fork", "-hosts", value, "/bin/true")
    assert res.rc == 2, res
    assert res.err.count("\n") == 1 and err in res.err and "-hosts" in res.err, res


def test_ten_thousand_hosts_are_refused_quickly(run, tmp_path):
    names = ",".join("node%05d" % i for i in range(10000))
    res = run("-launcher", "fork", "-hosts", names, "/bin/true")
    assert res.rc == 2 and "more than 4096 hosts" in res.err, res
    assert res.elapsed < 1.0, res
    path = write(tmp_path, "\n".join("node%05d" % i for i in range(10000)) + "\n")
    res = run("-launcher", "fork", "-f", path, "/bin/true")
    assert res.rc == 2 and "more than 4096 hosts" in res.err, res
    assert res.elapsed < 1.0, res
    # 4000 distinct names with a duplicate at the end: found in linear time
    path = write(tmp_path, "\n".join("node%05d" % i for i in range(4000)) + "\nnode00007\n",
                 "dup")
    res = run("-launcher", "fork", "-f", path, "/bin/true")
    assert res.rc == 2 and "node00007' is listed twice" in res.err, res
    assert res.elapsed < 1.0, res


@pytest.mark.parametrize("args, err", [
    (["-ppn", "0"], "-ppn"), (["-ppn", "x"], "-ppn"), (["-launcher", "rsh2"], "-launcher"),
    (["-bootstrap", "pbs"], "-bootstrap"), (["-launcher-exec", ""], "-launcher-exec"),
    (["-genvlist", "A,,B"], "-genvlist"), (["-genvlist", "1A"], "-genvlist"),
])
def test_bad_option_values(run, args, err):
    res = run(*args, "/bin/true")
    assert res.rc == 2, res
    assert err in res.err and res.err.startswith("mpiexec: "), res
    res = run(args[0])
    assert res.rc == 2 and "needs a value" in res.err, res


def test_ppn_without_hosts_runs_here(run):
    res = run("-ppn", "2", "-n", "3", "sh", "-c", "echo $MPI_LOCALNRANKS")
    assert res.rc == 0 and res.out.split() == ["3"] * 3, res


# ---- ssh: the command line, the environment, unknown hosts ------------------

def ssh_env(tmp_path, **extra):
    return clean_env(FAKESSH_LOG=str(tmp_path / "ssh.log"), **extra)


def test_ssh_command_line(run, prog, tmp_path):
    res = run("-launcher", "ssh", "-launcher-exec", FAKESSH, "-hosts", "127.0.0.1,127.0.0.2",
              "-n", "2", prog, "jobinfo", env=ssh_env(tmp_path))
    assert res.rc == 0, res
    calls = (tmp_path / "ssh.log").read_text().splitlines()
    assert len(calls) == 2, calls
    for i, call in enumerate(sorted(calls)):
        m = re.fullmatch(r"-x -o BatchMode=yes (\S+) '(/[^']+/baton-proxy)' --index (\d) "
                         r"--connect '127\.0\.0\.1:(\d+)'", call)
        assert m and m[1] == "127.0.0.%d" % (i + 1) and m[3] == str(i), call
        assert os.access(m[2], os.X_OK)
    rows = jobinfo(res.out)
    assert rows[0]["net"] == rows[1]["net"] == "127.0.0.1", rows
    assert rows[0]["map"] == "(vector,(0,2,1))", rows


@pytest.mark.parametrize("opts, expect", [
    ([], {"MYVAR": "mine", "OTHER": "other", "PMI_JUNK": "(unset)"}),
    (["-genvall"], {"MYVAR": "mine", "OTHER": "other"}),
    (["-genvnone"], {"MYVAR": "(unset)", "OTHER": "(unset)", "SET": "by-genv"}),
    (["-genvlist", "OTHER,NOPE"], {"MYVAR": "(unset)", "OTHER": "other"}),
    (["-genvnone", "-x", "MYVAR"], {"MYVAR": "mine", "OTHER": "(unset)"}),
])
def test_environment_reaches_remote_ranks(run, prog, tmp_path, opts, expect):
    env = ssh_env(tmp_path, MYVAR="mine", OTHER="other", PMI_JUNK="x")
    res = run("-launcher-exec", FAKESSH, "-hosts", "127.0.0.1,127.0.0.2", "-n", "2", *opts,
              "-genv", "SET", "by-genv", prog, "env", *expect, "BATON_PROXY_KEY", env=env)
    assert res.rc == 0, res
    for r in range(2):
        for name, value in list(expect.items()) + [("BATON_PROXY_KEY", "(unset)")]:
            assert "rank %d %s=%s" % (r, name, value) in res.out.splitlines(), res


def test_unknown_host_ends_the_job(run, prog, tmp_path):
    res = run("-launcher-exec", FAKESSH, "-hosts", "127.0.0.1,nosuchhost", "-n", "2", prog,
              "sleep", env=ssh_env(tmp_path))
    assert res.rc != 0, res
    lines = res.mpiexec_lines()
    assert len(lines) == 1 and "nosuchhost" in lines[0], res
    assert res.elapsed < 5, res


def test_slurm_allocation_is_used(run, prog, tmp_path):
    """Inside an allocation mpiexec asks scontrol for the nodes and starts the
    proxies with one srun (fakes of both here); the key goes by environment."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "scontrol").write_text(
        '#!/bin/sh\n[ "$1 $2 $3" = "show hostnames n[1-2]" ] || exit 3\n'
        'echo 127.0.0.1; echo 127.0.0.2\n')
    (bindir / "srun").write_text(
        '#!/bin/sh\necho "$@" > "%s"\n'
        'while [ "${1#--}" != "$1" ]; do shift; done\n'
        'SLURM_NODEID=0 "$@" & SLURM_NODEID=1 "$@" & wait\n' % (tmp_path / "srun.log"))
    for f in ["scontrol", "srun"]:
        (bindir / f).chmod(0o755)
    env = clean_env(SLURM_JOB_ID="42", SLURM_JOB_NODELIST="n[1-2]",
                    SLURM_TASKS_PER_NODE="2(x2)")
    env["PATH"] = "%s:%s" % (bindir, env["PATH"])
    res = run("-n", "3", prog, "jobinfo", env=env)
    assert res.rc == 0, res
    call = (tmp_path / "srun.log").read_text().split()
    assert call[:6] == ["--nodes=2", "--ntasks=2", "--ntasks-per-node=1",
                        "--nodelist=127.0.0.1,127.0.0.2", "--kill-on-bad-exit=1",
                        "--input=none"], call
    assert "--key" in call and "env" in call and not any(len(a) == 64 for a in call), call
    rows = jobinfo(res.out)
    assert rows[0]["map"] == "(vector,(0,1,2),(1,1,1))", rows
    res = run("-n", "2", prog, "env", "BATON_PROXY_KEY", "SLURM_NODEID", env=env)
    assert res.rc == 0, res
    assert "rank 0 BATON_PROXY_KEY=(unset)" in res.out.splitlines(), res


def test_ctrl_c_in_a_terminal_reaches_each_rank_on_every_host_once(mpiexec, prog):
    """Proxies and their ranks are out of the terminal's process group: the
    terminal's SIGINT reaches them through mpiexec only, once."""
    rc, out, err = ctrl_c_job([mpiexec, *FORK3, "-n", "4", prog, "count-int"], 4)
    assert sorted(re.findall(r"^rank \d got \d+ SIGINT$", out, re.M)) == [
        "rank %d got 1 SIGINT" % r for r in range(4)], out
    assert rc == 128 + signal.SIGINT, (rc, err)
    assert len(mpiexec_lines(err)) == 1, err
    assert_gone(pids_of(out).values())


def test_slow_reader_loses_no_output_of_remote_ranks(mpiexec, prog):
    """While mpiexec waits for its reader, the proxies' queues fill and their
    ranks' output waits in the pipes; none of it is lost when the ranks exit."""
    with started([mpiexec, "-launcher", "fork", "-hosts", "a,b", "-n", "4", prog,
                  "spam", "2000", "3000"]) as p:
        time.sleep(1.5)
        out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    lines = out.split(b"\n")[:-1]
    assert len(lines) == 8000, (len(lines), err)


def test_working_directory_missing_on_a_host(mpiexec, prog, tmp_path):
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("needs root and unshare to hide a directory from a fake host")
    work = tmp_path / "hidden" / "work"
    work.mkdir(parents=True)
    env = clean_env(FAKESSH_HIDE=str(tmp_path / "hidden"))
    res = subprocess.run([mpiexec, "-launcher-exec", FAKESSH, "-hosts", "127.0.0.1,127.0.0.2",
                          "-n", "2", prog, "sleep"], cwd=work, capture_output=True, text=True,
                         env=env, timeout=30)
    assert res.returncode == 1, res
    lines = [l for l in res.stderr.splitlines() if l.startswith("mpiexec:")]
    assert len(lines) == 1, res
    assert re.fullmatch(r"mpiexec: host 127\.0\.0\.[12]: cannot change to directory %s: No "
                        r"such file or directory" % re.escape(str(work)), lines[0]), res


def test_ssh_command_quotes_the_proxy_path(run, prog, mpiexec, tmp_path):
    """The remote command is one shell string: a path with spaces, quotes and
    shell syntax still names one file there."""
    import shutil
    weird = tmp_path / "it's a $(dir) `x`;"
    weird.mkdir()
    proxy = weird / "baton-proxy"
    shutil.copy(os.path.join(os.path.dirname(mpiexec), "baton-proxy"), proxy)
    res = run("-launcher-exec", FAKESSH, "-hosts", "127.0.0.1,127.0.0.2", "-n", "2", prog,
              "exchange", "1", env=ssh_env(tmp_path, BATON_PROXY=str(proxy)))
    assert res.rc == 0, res
    assert len(res.out.splitlines()) == 2, res


def test_explicit_slurm_launcher_with_hosts(run, prog, tmp_path):
    srun = tmp_path / "fake-srun"
    srun.write_text('#!/bin/sh\necho "$@" > "%s"\n'
                    'while [ "${1#--}" != "$1" ]; do shift; done\n'
                    'SLURM_NODEID=1 "$@" & SLURM_NODEID=0 "$@" & wait\n'
                    % (tmp_path / "srun.log"))
    srun.chmod(0o755)
    res = run("-launcher", "slurm", "-launcher-exec", str(srun), "-hosts",
              "127.0.0.1:2,127.0.0.2", prog, "jobinfo")
    assert res.rc == 0, res
    rows = jobinfo(res.out)
    assert [rows[r]["local"] for r in range(3)] == ["0/2", "1/2", "0/1"], rows
    assert "--nodelist=127.0.0.1,127.0.0.2" in (tmp_path / "srun.log").read_text()


def test_random_hostfiles_and_host_lists_never_crash_mpiexec(run, tmp_path):
    """200 random hostfiles and host lists (seeded): each is refused with one
    line and status 2, or runs /bin/true; mpiexec never dies of a signal."""
    import random
    rng = random.Random(1234)
    alphabet = "ab.-_:# \t=slots0123456789\n\r\x00\xff/'\"$"
    for i in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        if i % 2:
            path = tmp_path / "hf"
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
            args = ["-f", str(path)]
        else:
            args = ["-hosts", text.replace("\x00", "")]
        res = run("-launcher", "fork", "-n", "2", *args, "/bin/true", timeout=20)
        assert res.rc in (0, 2), (args, text, res)
        if res.rc == 2:
            assert res.err.count("\n") == 1 and res.err.startswith("mpiexec: "), (text, res)


def test_unfinished_line_of_a_remote_rank_reaches_a_terminal(mpiexec):
    """A prompt without newline on another host shows on mpiexec's terminal
    soon, not at exit."""
    seen, elapsed = prompt_on_terminal(
        [mpiexec, *FORK3, "-n", "1", "sh", "-c", "printf 'Name? '; sleep 2; echo"])
    assert b"Name? " in seen and elapsed < 1.0, (seen, elapsed)


def test_many_ranks_wrapping_round_few_hosts(run, prog):
    """The mapping stays one round of the pattern (short, however many ranks),
    and the head needs no descriptors per rank."""
    res = run("-launcher", "fork", "-hosts", "a:1,b:2", "-n", "300", prog, "jobinfo",
              timeout=60)
    assert res.rc == 0, res.err[-2000:]
    rows = jobinfo(res.out)
    assert len(rows) == 300 and {f["map"] for f in rows.values()} == {
        "(vector,(0,1,1),(1,1,2))"}, res.err[-500:]
    assert rows[297]["local"] == "99/100" and rows[299]["local"] == "199/200", rows[299]
