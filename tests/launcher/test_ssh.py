"""mpiexec over real ssh: a private sshd on 127.0.0.1 and 127.0.0.2 (a host
key and a user key made for the test, started and stopped by each test), and
-launcher-exec a wrapper that points ssh at it.  Skipped where sshd cannot run
(not root, no /usr/sbin/sshd).  The namespace cluster tests run the same paths
across real hosts."""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import assert_gone, jobinfo, pids_of, signal_job

SSHD = "/usr/sbin/sshd"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def ssh_exec(tmp_path):
    """Path of an ssh wrapper that reaches this test's sshd."""
    if os.geteuid() != 0 or not os.access(SSHD, os.X_OK) or not shutil.which("ssh-keygen"):
        pytest.skip("needs root, %s and ssh-keygen for a private sshd" % SSHD)
    d = tmp_path / "sshd"
    d.mkdir()
    for key in ["hostkey", "userkey"]:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)],
                       check=True)
    shutil.copy(d / "userkey.pub", d / "authorized_keys")
    os.chmod(d / "authorized_keys", 0o600)
    port = free_port()
    (d / "config").write_text(
        "ListenAddress 127.0.0.1\nListenAddress 127.0.0.2\nPort %d\nHostKey %s\n"
        "PidFile none\nAuthorizedKeysFile %s\nStrictModes no\nUsePAM no\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nX11Forwarding no\n"
        % (port, d / "hostkey", d / "authorized_keys"))
    os.makedirs("/run/sshd", exist_ok=True)
    sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "config")],
                            stdout=subprocess.DEVNULL, stderr=open(d / "log", "w"))
    wrapper = d / "ssh"
    wrapper.write_text(
        "#!/bin/sh\nexec ssh -p %d -i %s -o StrictHostKeyChecking=no "
        "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \"$@\"\n" % (port, d / "userkey"))
    wrapper.chmod(0o755)
    deadline = time.monotonic() + 5
    while True:
        try:
            socket.create_connection(("127.0.0.2", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or sshd.poll() is not None:
                sshd.kill()
                sshd.wait()
                pytest.skip("sshd did not start: %s" % (d / "log").read_text()[-500:])
            time.sleep(0.05)
    try:
        yield str(wrapper)
    finally:
        sshd.terminate()
        sshd.wait(timeout=5)
        # its per-connection children end with their sessions
        time.sleep(0.2)


HOSTS = ["-hosts", "127.0.0.1:2,127.0.0.2:2"]


def test_job_over_ssh(run, prog, ssh_exec):
    res = run("-launcher-exec", ssh_exec, *HOSTS, prog, "jobinfo")
    assert res.rc == 0, res
    rows = jobinfo(res.out)
    assert sorted(rows) == [0, 1, 2, 3], res
    assert {f["map"] for f in rows.values()} == {"(vector,(0,2,2))"}, rows
    assert [rows[r]["local"] for r in range(4)] == ["0/2", "1/2", "0/2", "1/2"], rows
    assert {f["net"] for f in rows.values()} == {"127.0.0.1"}, rows
    assert len({f["key"] for f in rows.values()}) == 1, rows


def test_fences_over_ssh(run, prog, ssh_exec):
    res = run("-launcher-exec", ssh_exec, *HOSTS, prog, "exchange", "3")
    assert res.rc == 0 and len(res.out.splitlines()) == 4, res


def test_rank_killed_on_second_host_over_ssh(run, prog, ssh_exec):
    res = run("-launcher-exec", ssh_exec, *HOSTS, prog, "victim", "kill", "3", "0")
    assert res.rc == 137, res
    pids = pids_of(res.out)
    assert res.mpiexec_lines() == [
        "mpiexec: rank 3 (pid %d) on host 127.0.0.2 was killed by signal 9 (Killed)"
        % pids[3]], res
    assert res.elapsed < 3.0, res
    assert_gone(pids.values())


def test_stdin_over_ssh(run, prog, ssh_exec):
    res = run("-launcher-exec", ssh_exec, *HOSTS, prog, "stdin", input="hello\n")
    assert res.rc == 0, res
    assert "rank 0 read 6 bytes" in res.out and "rank 2 read 0 bytes" in res.out, res


def test_unreachable_host_over_ssh(run, prog, ssh_exec):
    res = run("-launcher-exec", ssh_exec, "-hosts", "127.0.0.1,127.0.0.3", "-n", "2", prog,
              "sleep")
    assert res.rc != 0, res
    assert len(res.mpiexec_lines()) == 1 and "127.0.0.3" in res.mpiexec_lines()[0], res
    assert res.elapsed < 5, res


def test_sigterm_over_ssh(mpiexec, prog, ssh_exec):
    res = signal_job([mpiexec, "-launcher-exec", ssh_exec, *HOSTS, prog, "sleep"], 4,
                     signal.SIGTERM)
    assert res.rc == 128 + signal.SIGTERM, res
    assert res.elapsed < 2.0, res
    assert_gone(pids_of(res.out).values())
