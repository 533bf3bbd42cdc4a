"""Only the job gets in: strangers knocking on the head's port while a
`-launcher ssh` job waits for its proxies (issue 14, the launcher's part).

progs/fakessh.sh holds the proxies back until a file exists, so that the
port stays open while the test connects to it; every connection goes to
the head's own address (127.0.0.1 here) and every loop is bounded.
"""
import contextlib
import os
import re
import socket
import subprocess
import time

import pytest
from pathlib import Path

from conftest import FAKESSH, assert_gone, clean_env, pids_of, started, wait_for_lines

HOSTS = "127.0.0.1,127.0.0.2"


@contextlib.contextmanager
def held_job(mpiexec, tmp_path, *args):
    """The job, its proxies held back: yields (Popen, go file, (addr, port));
    killed on the way out if it still runs."""
    log, go = tmp_path / "ssh.log", tmp_path / "go"
    env = clean_env(FAKESSH_LOG=str(log), FAKESSH_GO=str(go))
    with started([mpiexec, "-v", "-launcher-exec", FAKESSH, "-hosts", HOSTS, *args],
                 env=env) as p:
        deadline = time.monotonic() + 10
        while True:
            text = log.read_text() if log.exists() else ""
            m = re.search(r"--connect '(127\.0\.0\.1):(\d+)'", text)
            if m:
                break
            if time.monotonic() > deadline or p.poll() is not None:
                p.kill()
                out, err = p.communicate()
                raise AssertionError("no proxy was started: %r" % err)
            time.sleep(0.02)
        yield p, go, (m[1], int(m[2]))


def connect(addr):
    s = socket.create_connection(addr, timeout=5)
    s.settimeout(5)
    return s


def wait_closed(s):
    """Reads until the head closes the connection (bounded)."""
    deadline = time.monotonic() + 8
    try:
        while time.monotonic() < deadline:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    finally:
        s.close()
    return False


def finish(p, go, timeout=20):
    """Lets the held proxies start and waits for the job: (status, stdout, stderr)."""
    go.touch()
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode(), err.decode()


def test_strangers_are_refused_and_the_job_completes(mpiexec, prog, tmp_path):
    with held_job(mpiexec, tmp_path, "-n", "4", prog, "exchange", "3") as (p, go, addr):
        # (a) hangs up at once
        connect(addr).close()
        # (b) random bytes
        s = connect(addr)
        s.sendall(os.urandom(200))
        assert wait_closed(s), "the head kept a connection that sent random bytes"
        # (c) a well-formed frame without a proof (HELLO, then a long one)
        s = connect(addr)
        s.sendall(bytes([0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0]))
        s.close()
        s = connect(addr)
        body = b"\0\0\0\1" + b"\0\0\0\3key" + b"\0\0\0\5value" + b"x" * 80
        s.sendall(bytes([0, 0, 0, 3]) + len(body).to_bytes(4, "big") + body)
        assert wait_closed(s), "the head kept a connection that sent a frame without proof"
        # (d) 20 MB of garbage: the head reads 64 bytes and hangs up
        s = connect(addr)
        sent = 0
        chunk = b"\xff" * (1 << 20)
        try:
            while sent < 20 << 20:
                s.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        s.close()
        # a proxy with the wrong key
        proxy = os.path.join(os.path.dirname(mpiexec), "baton-proxy")
        wrong = subprocess.run([proxy, "--index", "0", "--connect", "%s:%d" % addr],
                               input="0" * 64 + "\n", capture_output=True, text=True,
                               timeout=15)
        assert wrong.returncode != 0 and "refused our proof" in wrong.stderr, wrong
        # (e) 200 idle connections
        idle = [connect(addr) for _ in range(200)]
        time.sleep(0.2)
        rc, out, err = finish(p, go)
        for s in idle:
            s.close()
    assert rc == 0, err
    assert sorted(out.splitlines()) == sorted(
        "ok rank %d of 4 local %d/2" % (r, r // 2) for r in range(4)), out
    refusals = re.findall(r"^mpiexec: refused connection from 127\.0\.0\.1:\d+: (.*)$",
                          err, re.M)
    assert "bad proof" in refusals and "closed before proof" in refusals, err
    assert refusals.count("bad proof") >= 4, err   # (b), (c), (d), the wrong key
    assert len(refusals) >= 205, (len(refusals), err[-2000:])
    total = re.findall(r"^mpiexec: refused (\d+) connections$", err, re.M)
    assert total and int(total[0]) == len(refusals), err[-500:]


def test_silent_stranger_times_out(mpiexec, prog, tmp_path):
    with held_job(mpiexec, tmp_path, "-n", "2", prog, "exchange", "1") as (p, go, addr):
        s = connect(addr)
        nonce = s.recv(64)
        assert len(nonce) == 32, nonce
        start = time.monotonic()
        s.settimeout(10)
        assert s.recv(1) == b"", "the head said more than its nonce to a stranger"
        waited = time.monotonic() - start
        s.close()
        rc, out, err = finish(p, go)
    assert 4.0 < waited < 7.0, waited
    assert rc == 0, err
    assert re.search(r"^mpiexec: refused connection from 127\.0\.0\.1:\d+: timed out$", err,
                     re.M), err
    assert "mpiexec: refused 1 connection\n" in err, err


def listening(port):
    """Local addresses listening on port (from /proc/net/tcp*)."""
    found = []
    for name in ["/proc/net/tcp", "/proc/net/tcp6"]:
        for line in open(name).read().splitlines()[1:]:
            f = line.split()
            local, state = f[1], f[3]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                found.append(local.split(":")[0])
    return found


def test_head_listens_narrowly_and_only_until_the_proxies_are_in(mpiexec, prog, tmp_path):
    with held_job(mpiexec, tmp_path, "-n", "2", prog, "sleep") as (p, go, addr):
        assert listening(addr[1]) == ["0100007F"], listening(addr[1])
        go.touch()
        text = wait_for_lines(p, r"^pid \d+ rank \d+$", 2)
        assert listening(addr[1]) == [], "the head still listens after every proxy came in"
        try:
            socket.create_connection(addr, timeout=2).close()
            refused = False
        except ConnectionRefusedError:
            refused = True
        assert refused
        p.terminate()
        p.communicate(timeout=10)
    assert_gone(pids_of(text).values())


EVIL = str(Path(__file__).resolve().parent / "progs" / "evil_proxy.py")


@pytest.mark.parametrize("evil", [
    "unknown-type", "huge-length", "rank-of-another-host", "rank-out-of-range",
    "truncated-body", "string-past-the-end", "pairs-count-lies", "reserved-key",
    "nul-in-string", "hello-twice", "stdin-ack-beyond-sent", "head-only-frame",
])
def test_malformed_frames_from_a_proxy_end_the_job_cleanly(run, prog, evil):
    """A proxy that knows the key but breaks the protocol: its host is dropped
    and the job ends, with one line naming the host; mpiexec never crashes."""
    res = run("-launcher-exec", EVIL, "-hosts", "127.0.0.1:2,127.0.0.2", prog, "sleep",
              env=clean_env(EVIL_PROXY=evil), timeout=30)
    assert res.rc not in (0, 128 + 6, 128 + 11, -6, -11), res
    lines = res.mpiexec_lines()
    assert len(lines) == 1 and "127.0.0.2" in lines[0], res
    assert res.elapsed < 5, res
