"""The namespace cluster itself works: names, addresses, ssh, TCP, no IPv6,
cleanup on every exit path, and Slurm on top of it."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from cluster import Cluster, cluster_available
from xhosts import cmdline

HERE = os.path.dirname(os.path.abspath(__file__))


def out(cp):
    """stdout of a CompletedProcess, failing with everything it said."""
    assert cp.returncode == 0, (
        f"command failed ({cp.returncode}): {cp.args}\n"
        f"--- stdout\n{cp.stdout}\n--- stderr\n{cp.stderr}")
    return cp.stdout


def run(c, host, argv, timeout=30, **kw):
    return c.run(host, argv, timeout=timeout, capture_output=True, text=True, **kw)


def netns_names():
    p = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    return {line.split()[0] for line in p.stdout.splitlines() if line.strip()}


# ---------------------------------------------------------------- hosts

def test_each_host_has_its_own_hostname(cluster):
    for h in cluster.hosts:
        got = out(run(cluster, h, ["hostname"])).strip()
        assert got == h, f"`hostname` inside {h} says {got!r}"
    assert os.uname().nodename not in cluster.hosts, "the root namespace's hostname changed"


def test_each_host_has_its_own_address(cluster):
    for h in cluster.hosts:
        links = sorted(out(run(cluster, h, ["ls", "/sys/class/net"])).split())
        assert links == ["eth0", "lo"], f"{h} has interfaces {links}, want eth0 and lo only"
        addrs = out(run(cluster, h, ["ip", "-4", "-o", "addr", "show"]))
        have = sorted(line.split()[3] for line in addrs.splitlines())
        assert have == sorted(["127.0.0.1/8", f"{cluster.addr(h)}/24"]), \
            f"{h} has IPv4 addresses {have}"
        assert cluster.addr(h) == f"10.47.0.{h[1:]}"


def test_ipv6_is_off(cluster):
    for h in cluster.hosts:
        for key in ("all", "default"):
            v = out(run(cluster, h, ["cat", f"/proc/sys/net/ipv6/conf/{key}/disable_ipv6"]))
            assert v.strip() == "1", f"{h}: net.ipv6.conf.{key}.disable_ipv6 = {v.strip()}"
        v6 = out(run(cluster, h, ["ip", "-6", "-o", "addr", "show"])).strip()
        assert v6 == "", f"{h} still has IPv6 addresses:\n{v6}"


def test_hosts_do_not_share_dev_shm_or_boot_id(cluster):
    name = f"/dev/shm/btn-smoke-{os.getpid()}"
    out(run(cluster, "h1", ["sh", "-c", f"echo h1 > {name}"]))
    try:
        assert not os.path.exists(name), "h1's /dev/shm is the machine's"
        r = run(cluster, "h2", ["cat", name])
        assert r.returncode != 0, f"h2 sees h1's {name}"
        assert out(run(cluster, "h1", ["cat", name])).strip() == "h1"
    finally:
        run(cluster, "h1", ["rm", "-f", name])
    ids = [out(run(cluster, h, ["cat", "/proc/sys/kernel/random/boot_id"])).strip()
           for h in cluster.hosts]
    with open("/proc/sys/kernel/random/boot_id") as f:
        ids.append(f.read().strip())
    assert len(set(ids)) == len(ids), f"boot_ids of {cluster.hosts} + machine: {ids}"
    # the file system itself is shared
    tmp = out(run(cluster, "h2", ["ls", "-d", cluster.tmpdir])).strip()
    assert tmp == cluster.tmpdir


def test_host_names_resolve_inside_hosts(cluster):
    for h in cluster.hosts:
        for other in cluster.hosts:
            got = out(run(cluster, h, ["getent", "ahostsv4", other])).split()[0]
            assert got == cluster.addr(other), f"in {h}, {other} resolves to {got}"


def test_ssh_by_name_between_hosts(cluster):
    for src in cluster.hosts:
        for dst in cluster.hosts:
            got = out(run(cluster, src, [cluster.ssh_path, dst, "hostname"])).strip()
            assert got == dst, f"ssh {dst} from {src} reached {got!r}"
    # `ssh` found through PATH (the launcher's default)
    got = out(run(cluster, "h1", ["ssh", "h2", "echo", "ok"], env=cluster.env())).strip()
    assert got == "ok"
    # and by address
    got = out(run(cluster, "h1", [cluster.ssh_path, cluster.addr("h2"), "hostname"])).strip()
    assert got == "h2"


def test_tcp_between_hosts(cluster):
    server = textwrap.dedent("""
        import socket, sys
        s = socket.socket(); s.settimeout(15)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], 5555)); s.listen(1)
        print("listening", flush=True)
        c, peer = s.accept(); c.settimeout(5)
        data = c.recv(100)
        c.sendall(socket.gethostname().encode() + b" got " + data + b" from " + peer[0].encode())
        c.close()
    """)
    client = textwrap.dedent("""
        import socket, sys
        c = socket.create_connection((sys.argv[1], 5555), timeout=5)
        c.sendall(b"hello"); c.shutdown(socket.SHUT_WR)
        print(c.recv(200).decode())
    """)
    srv = cluster.popen("h2", [sys.executable, "-c", server, cluster.addr("h2")],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert srv.stdout.readline().strip() == "listening", "server in h2 did not start"
        got = out(run(cluster, "h1", [sys.executable, "-c", client, "h2"], timeout=15)).strip()
        assert got == f"h2 got hello from {cluster.addr('h1')}"
        srv.wait(timeout=10)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()
        srv.stdout.close()


ICMP_ECHO = textwrap.dedent("""
    import os, socket, struct, sys, time
    def csum(b):
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        s = (s >> 16) + (s & 0xffff); s += s >> 16
        return ~s & 0xffff
    ident = os.getpid() & 0xffff
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(1)
    for seq in range(3):
        body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"baton-cluster!"  # even length
        pkt = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        s.sendto(pkt, (sys.argv[1], 0))
        try:
            while True:
                data, peer = s.recvfrom(256)
                t, _, _, i, q = struct.unpack("!BBHHH", data[20:28])
                if t == 0 and i == ident and q == seq:
                    print("reply from", peer[0]); sys.exit(0)
        except socket.timeout:
            pass
    print("no reply"); sys.exit(1)
""")


def test_icmp_echo_between_hosts(cluster):
    # `ping` (iputils-ping) may not be installed: the same echo from Python
    for src, dst in (("h1", "h2"), ("h2", "h1")):
        got = out(run(cluster, src, [sys.executable, "-c", ICMP_ECHO, cluster.addr(dst)],
                      timeout=15)).strip()
        assert got == f"reply from {cluster.addr(dst)}", f"{src} -> {dst}: {got}"


def test_self_loopback_option():
    with Cluster(2, prefix="btnl", self_loopback=True) as c:
        got = out(run(c, "h1", ["getent", "ahostsv4", "h1"])).split()[0]
        assert got == "127.0.1.1", f"with self_loopback, h1 resolves to {got} in h1"
        got = out(run(c, "h2", ["getent", "ahostsv4", "h1"])).split()[0]
        assert got == c.addr("h1"), f"with self_loopback, h1 resolves to {got} in h2"


def test_unplug_and_kill_host_processes(cluster):
    probe = [sys.executable, "-c",
             "import socket; socket.create_connection(('h2', 22), timeout=1).close()"]
    cluster.set_link("h2", False)
    try:
        r = run(cluster, "h1", probe)
        assert r.returncode != 0, "h1 still reaches h2 with h2 unplugged"
    finally:
        cluster.set_link("h2", True)
    ok = lambda: run(cluster, "h1", probe).returncode == 0
    deadline = time.monotonic() + 5
    while not ok():
        assert time.monotonic() < deadline, "h1 does not reach h2 after plugging it back"
        time.sleep(0.1)
    # processes started over ssh are a test's own; the harness's daemons are not
    before = set(cluster.host_pids("h2"))
    out(run(cluster, "h1", [cluster.ssh_path, "h2", "nohup sleep 302 >/dev/null 2>&1 &"]))
    # only the sleep: the ssh session's own processes (sshd's child, the shell) come
    # and go on their own while it starts
    new = _wait(lambda: {p for p in set(cluster.host_pids("h2")) - before
                         if cmdline(p) == "sleep 302"}, 5)
    assert new, "the process started over ssh is not in host_pids(h2)"
    killed = cluster.kill_host_processes("h2")
    assert new <= set(killed)
    assert _wait(lambda: not (set(cluster.host_pids("h2")) & new), 5), "still alive"
    got = out(run(cluster, "h1", [cluster.ssh_path, "h2", "hostname"])).strip()
    assert got == "h2", "sshd of h2 did not survive kill_host_processes"


def _wait(pred, timeout):
    deadline = time.monotonic() + timeout
    while True:
        r = pred()
        if r or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def test_two_clusters_at_once():
    with Cluster(2, prefix="btnp") as a, Cluster(2, prefix="btnp") as b:
        assert a.prefix != b.prefix and a.prefix.startswith("btnp") \
            and b.prefix.startswith("btnp"), (a.prefix, b.prefix)
        assert not set(a.pids()) & set(b.pids())
        for c in (a, b):
            got = out(run(c, "h1", [c.ssh_path, "h2", "hostname"])).strip()
            assert got == "h2"


def test_three_hosts(cluster3):
    assert cluster3.hosts == ["h1", "h2", "h3"]
    assert cluster3.prefix != "" and all(ns in netns_names()
                                         for ns in map(cluster3.ns, cluster3.hosts))
    got = out(run(cluster3, "h3", [cluster3.ssh_path, "h1",
                                   f"{cluster3.ssh_path} h2 hostname"])).strip()
    assert got == "h2", f"h3 -> h1 -> h2 reached {got!r}"


def test_root_namespace_untouched(cluster):
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True,
                           timeout=10).stdout
    assert f"{cluster.prefix}-" not in links, f"the root namespace has cluster links:\n{links}"
    addrs = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True,
                           timeout=10).stdout
    assert f" {cluster.subnet}." not in addrs, f"the root namespace has a cluster address:\n{addrs}"


# ---------------------------------------------------------------- cleanup

def _snapshot(c):
    pids = c.pids()
    assert len(pids) >= 2 * len(c.hosts), f"expected holders and sshds, got pids {pids}"
    return pids, [c.ns(h) for h in c.hosts] + [c.sw_ns], c.tmpdir


def _assert_gone(pids, namespaces, tmpdir, how):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = [p for p in pids if os.path.exists(f"/proc/{p}")
                 and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"]
        left_ns = sorted(set(namespaces) & netns_names())
        if not alive and not left_ns and not os.path.exists(tmpdir):
            return
        time.sleep(0.05)
    raise AssertionError(f"after {how}: pids still alive {alive}, namespaces left {left_ns}, "
                         f"temp dir exists: {os.path.exists(tmpdir)}")


def test_down_leaves_nothing():
    c = Cluster(2, prefix="btnt")
    with c:
        # a tracked process, and an untracked one started through ssh
        c.popen("h2", ["sleep", "300"], stdout=subprocess.DEVNULL)
        out(run(c, "h1", [c.ssh_path, "h2", "nohup sleep 301 >/dev/null 2>&1 &"]))
        pids, namespaces, tmpdir = _snapshot(c)
    _assert_gone(pids, namespaces, tmpdir, "down()")
    assert c.up_seconds < 10 and c.down_seconds < 10, (c.up_seconds, c.down_seconds)
    print(f"up {c.up_seconds:.2f} s, down {c.down_seconds:.2f} s")


_CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {here!r})
    from cluster import Cluster
    c = Cluster(2, prefix={prefix!r}).up()
    print(c.prefix, c.tmpdir, *c.pids(), flush=True)
    if sys.argv[1] == "crash":
        os._exit(3)          # no atexit, no finalizer: leaves everything
    time.sleep(60)
""")


def _child(how, prefix):
    p = subprocess.Popen([sys.executable, "-c", _CHILD.format(here=HERE, prefix=prefix), how],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    assert line, f"child cluster did not come up: {p.communicate(timeout=10)[1]}"
    pfx, tmpdir, pids = line[0], line[1], [int(x) for x in line[2:]]
    namespaces = [f"{pfx}-h1", f"{pfx}-h2", f"{pfx}-sw"]
    return p, pfx, tmpdir, pids, namespaces


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_cleans_up(sig):
    p, pfx, tmpdir, pids, namespaces = _child("wait", "btns")
    try:
        p.send_signal(sig)
        p.wait(timeout=15)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        p.stderr.close()
    _assert_gone(pids, namespaces, tmpdir, f"signal {sig.name} to the owner")


def test_next_up_sweeps_a_crashed_run():
    p, pfx, tmpdir, pids, namespaces = _child("crash", "btnc")
    assert p.wait(timeout=15) == 3
    p.stdout.close()
    p.stderr.close()
    assert set(namespaces) <= netns_names(), "the crash should have left its namespaces"
    c = Cluster(2, prefix=pfx)
    with c:
        assert c.prefix == pfx
        _assert_gone(pids, [], tmpdir, "the next up() with the same prefix")
        new = c.pids()
    _assert_gone(new, namespaces, c.tmpdir, "down()")


# ---------------------------------------------------------------- Slurm

def test_srun_runs_on_every_host(slurm):
    got = out(slurm.srun(["-N", "2", "hostname"], capture_output=True, text=True, timeout=60))
    assert sorted(got.split()) == ["h1", "h2"], f"srun -N 2 hostname printed {got!r}"


def test_srun_has_pmi2(slurm):
    got = out(slurm.srun(["--mpi=list"], capture_output=True, text=True, timeout=30))
    print(got)
    assert "pmi2" in got.split(), f"srun --mpi=list shows no pmi2:\n{got}"


def test_srun_pmi2_environment(slurm):
    got = out(slurm.srun(["--mpi=pmi2", "-N", "2", "-n", "3", "sh", "-c",
                          'echo "$(hostname) $PMI_RANK $PMI_SIZE ${PMI_FD:+fd}"'],
                         capture_output=True, text=True, timeout=60))
    rows = sorted(line.split() for line in got.splitlines())
    assert [r[1:] for r in rows] == [["0", "3", "fd"], ["1", "3", "fd"], ["2", "3", "fd"]], got
    assert sorted({r[0] for r in rows}) == ["h1", "h2"], got


def test_salloc_then_srun(slurm):
    got = out(slurm.salloc(["-N", "2"], ["sh", "-c", 'echo "$SLURM_JOB_NODELIST"; srun hostname'],
                           capture_output=True, text=True, timeout=60))
    lines = got.split()
    assert lines[0] == "h[1-2]" and sorted(lines[1:]) == ["h1", "h2"], got


def test_availability_reason_is_given():
    ok, why = cluster_available()
    assert ok or why, "cluster_available() must give a reason when it says no"
