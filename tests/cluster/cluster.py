"""A throwaway test cluster on one machine: network namespaces on a bridge,
each host with its own address, hostname, /etc/hosts view and sshd; optionally
a Slurm (slurmctld + one slurmd per host, munge) on top of it.

Standard library only.  Needs root.  See README.md beside this file.

Layout (prefix "btn", n hosts):

    netns btn-sw    bridge btn-br0 (10.47.0.254/24), one veth port per host
    netns btn-hI    eth0 = 10.47.0.I/24, lo up, IPv6 off;
                    a holder process (unshare --uts, hostname hI; in its mount
                    namespace its own /etc/hosts, /dev/shm and boot_id) that
                    every process of the host joins (net + uts + mount)
    sshd per host   listens on 10.47.0.I:22, keys in the temp dir
    <tmp>/bin/ssh   ssh wrapper with the cluster's client config: from inside
                    any host, `<tmp>/bin/ssh h2 cmd` reaches h2

The root network namespace is left untouched: the hosts reach each other, not
the machine's own network.  Everything the harness starts runs inside one of
its namespaces, so down() (and the leftover sweep of the next up()) can find
and end every process by namespace, never by name.
"""

import atexit
import errno
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SSHD = "/usr/sbin/sshd"
# absolute paths: run()/popen() callers may pass an env= without PATH
NSENTER = shutil.which("nsenter") or "/usr/bin/nsenter"
SETSID = shutil.which("setsid") or "/usr/bin/setsid"
SUBNET = "10.47.0"
LOCK_DIR = "/run/lock" if os.path.isdir("/run/lock") else tempfile.gettempdir()

_live = []                 # clusters that are up (for atexit / signals)
_live_lock = threading.RLock()
_prev_handlers = {}


class ClusterError(RuntimeError):
    pass


# --------------------------------------------------------------------------
# helpers

def _run(argv, check=True, timeout=30, **kw):
    """Run a short setup command; on failure raise with its output."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    try:
        p = subprocess.run(argv, timeout=timeout, text=True, **kw)
    except subprocess.TimeoutExpired as e:
        raise ClusterError(f"timed out after {timeout}s: {' '.join(argv)}") from e
    if check and p.returncode != 0:
        raise ClusterError(f"failed ({p.returncode}): {' '.join(argv)}\n{p.stdout or ''}")
    return p


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _netns_list():
    p = _run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in (p.stdout or "").splitlines() if line.strip()]


def _netns_pids(ns):
    p = _run(["ip", "netns", "pids", ns], check=False)
    return [int(x) for x in (p.stdout or "").split() if x.isdigit()]


def _kill_pids(pids, grace=2.0):
    """SIGTERM, wait up to `grace` s, SIGKILL, wait up to 2 s.  Returns the
    pids that are still there (should be none)."""
    pids = [p for p in pids if p != os.getpid()]
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for pid in pids:             # reap our own children
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
            pids = [p for p in pids if _alive(p)]
            if not pids:
                return []
            time.sleep(0.02)
    return pids


def _tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            data = f.readlines()
    except OSError as e:
        return f"  ({path}: {e.strerror})"
    return "".join("  " + line for line in data[-lines:]) or f"  ({path} is empty)"


def _wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        r = pred()
        if r or time.monotonic() >= deadline:
            return r
        time.sleep(step)


def _spawn(argv, log, pidfile, env=None, cwd=None, timeout=10.0):
    """Start argv detached (its own session, not our child: a test's
    child-subreaper or leftover-children check never sees the harness's
    daemons) and return its pid, which `sh` writes before exec'ing argv."""
    script = 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec "$@"'
    with open(log, "ab") as lf:
        p = subprocess.Popen([SETSID, "--fork", "/bin/sh", "-c", script, pidfile, *argv],
                             stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                             env=env, cwd=cwd)
    p.wait(timeout=timeout)
    if not _wait_for(lambda: os.path.exists(pidfile), timeout):
        raise ClusterError(f"{argv[0]} did not start within {timeout:.0f} s:\n" + _tail(log))
    with open(pidfile) as f:
        return int(f.read().strip())


def cluster_available():
    """(ok, reason): can this process build a namespace cluster here?"""
    if os.geteuid() != 0:
        return False, "the namespace cluster needs root (network namespaces, sshd)"
    for tool in ("ip", "nsenter", "unshare", "setsid", "ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            return False, f"`{tool}` not found (packages: iproute2, util-linux, openssh-client)"
    if not os.access(SSHD, os.X_OK):
        return False, f"{SSHD} not found (package openssh-server)"
    # a probe namespace; remove probes of dead processes first
    for ns in _netns_list():
        m = re.fullmatch(r"btnprobe-(\d+)", ns)
        if m and not _alive(int(m.group(1))):
            _run(["ip", "netns", "del", ns], check=False)
    probe = f"btnprobe-{os.getpid()}"
    try:
        p = _run(["ip", "netns", "add", probe], check=False)
        if p.returncode != 0:
            return False, f"cannot create a network namespace: {p.stdout.strip()}"
        p = _run(["ip", "netns", "exec", probe, "unshare", "--uts", "hostname", "probe"],
                 check=False)
        if p.returncode != 0:
            return False, f"cannot make a UTS namespace inside a netns: {p.stdout.strip()}"
    finally:
        _run(["ip", "netns", "del", probe], check=False)
    return True, ""


def slurm_available():
    """(ok, reason): are Slurm's and munge's programs installed?"""
    for tool in ("slurmctld", "slurmd", "srun", "sinfo", "munged"):
        if shutil.which(tool) is None and not os.access(f"/usr/sbin/{tool}", os.X_OK):
            return False, f"`{tool}` not found (packages slurm-wlm, munge)"
    return True, ""


def _which(tool):
    return shutil.which(tool) or f"/usr/sbin/{tool}"


# --------------------------------------------------------------------------
# cleanup on every exit path

def _cleanup_all():
    with _live_lock:
        live = list(_live)
    for c in reversed(live):
        try:
            c.down()
        except Exception:
            pass


def _on_signal(signum, frame):
    _cleanup_all()
    prev = _prev_handlers.get(signum, signal.SIG_DFL)
    if callable(prev):
        prev(signum, frame)
    elif prev != signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


_atexit_done = []


def _install_handlers():
    if not _atexit_done:
        atexit.register(_cleanup_all)
        _atexit_done.append(True)
    if _prev_handlers or threading.current_thread() is not threading.main_thread():
        return
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            _prev_handlers[s] = signal.signal(s, _on_signal)
        except (ValueError, OSError):
            pass


# --------------------------------------------------------------------------

class Cluster:
    """n hosts h1..hn as network namespaces; use as a context manager or
    call up()/down().  All attributes below are valid after up().

      hosts        ["h1", "h2", ...]
      addr(h)      "10.47.0.I"
      ssh_path     <tmp>/bin/ssh (a wrapper: /usr/bin/ssh -F <tmp>/ssh_config)
      bin_dir      <tmp>/bin, to put first in PATH
      tmpdir       the cluster's private directory (0700)
      run(h, argv, **kw) / popen(h, argv, **kw)   run inside host h
    """

    def __init__(self, n=2, prefix="btn", subnet=SUBNET, self_loopback=False,
                 private_shm=True, own_boot_id=True, keep_tmp=None, lock_timeout=600.0):
        if not 1 <= n <= 9:
            raise ValueError("n must be 1..9")
        self.n = n
        self.base_prefix = prefix
        self.prefix = prefix
        self.subnet = subnet
        # Debian's installer maps the machine's own name to 127.0.1.1; True
        # reproduces that in each host's /etc/hosts (a launcher must not hand
        # out the address its own hostname resolves to).
        self.self_loopback = self_loopback
        self.private_shm = private_shm
        self.own_boot_id = own_boot_id
        if keep_tmp is None:
            keep_tmp = os.environ.get("BATON_CLUSTER_KEEP", "") not in ("", "0")
        self.keep_tmp = keep_tmp
        self.lock_timeout = lock_timeout
        self.hosts = [f"h{i}" for i in range(1, n + 1)]
        self.tmpdir = None
        self.ssh_path = None
        self.bin_dir = None
        self.ssh_config = None
        self._lock_fd = None
        self._lock_path = None
        self._holders = {}       # host -> pid of the holder
        self._daemons = []       # (name, pid, logpath), started by the harness
        self._popens = []        # processes started by popen()
        self._namespaces = []
        self._down_hooks = []    # callables run first by down() (Slurm)
        self._is_up = False
        self._closing = False
        self._owner = os.getpid()
        self.up_seconds = None
        self.down_seconds = None

    # ---- naming
    def ns(self, host):
        return f"{self.prefix}-{host}"

    @property
    def sw_ns(self):
        return f"{self.prefix}-sw"

    @property
    def bridge(self):
        return f"{self.prefix}-br0"

    def addr(self, host):
        return f"{self.subnet}.{self._index(host)}"

    def _index(self, host):
        if host not in self.hosts:
            raise KeyError(f"no host {host!r} in this cluster ({', '.join(self.hosts)})")
        return int(host[1:])

    def holder_pid(self, host):
        return self._holders[host]

    def host_dir(self, host):
        return os.path.join(self.tmpdir, host)

    # ---- lifecycle
    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def _lock(self):
        """Take the lock of a prefix: first the one asked for, else a free
        one of prefix2..prefix9 (another session's cluster keeps its own),
        waiting up to lock_timeout s in total."""
        candidates = [self.base_prefix] + [f"{self.base_prefix}{k}" for k in range(2, 10)]
        deadline = time.monotonic() + self.lock_timeout
        while True:
            for pfx in candidates:
                path = os.path.join(LOCK_DIR, f"{pfx}-cluster.lock")
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as e:
                    os.close(fd)
                    if e.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    continue
                try:
                    same = os.stat(path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if not same:      # its owner's down() unlinked it meanwhile
                    os.close(fd)
                    continue
                self._lock_fd = fd
                self._lock_path = path
                self.prefix = pfx
                return
            if time.monotonic() >= deadline:
                raise ClusterError(f"all cluster prefixes {candidates[0]}..{candidates[-1]} "
                                   f"are in use by other sessions")
            time.sleep(0.5)

    def _sweep_leftovers(self):
        """Remove what a crashed earlier run with this prefix left: its
        namespaces (after ending the processes in them) and temp dirs."""
        pat = re.compile(rf"{re.escape(self.prefix)}-(sw|h\d+)")
        stale = [ns for ns in _netns_list() if pat.fullmatch(ns)]
        pids = []
        for ns in stale:
            pids += _netns_pids(ns)
        left = _kill_pids(sorted(set(pids)))
        if left:
            raise ClusterError(f"leftover processes {left} in namespaces {stale} would not die")
        for ns in stale:
            _run(["ip", "netns", "del", ns], check=False)
        tmp = tempfile.gettempdir()
        for name in os.listdir(tmp):
            if name.startswith(f"{self.prefix}-cluster-"):
                path = os.path.join(tmp, name)
                try:
                    with open(os.path.join(path, "owner")) as f:
                        owner = int(f.read().strip())
                except (OSError, ValueError):
                    owner = None
                if owner is None or not _alive(owner) or owner == os.getpid():
                    shutil.rmtree(path, ignore_errors=True)

    def up(self):
        if self._is_up:
            return self
        t0 = time.monotonic()
        ok, why = cluster_available()
        if not ok:
            raise ClusterError(why)
        self._lock()
        with _live_lock:
            _live.append(self)
        _install_handlers()
        self._is_up = True          # from here on, down() undoes what exists
        try:
            self._sweep_leftovers()
            self._make_tmp()
            self._make_network()
            self._make_holders()
            self._make_ssh()
        except BaseException:
            self.down()
            raise
        self.up_seconds = time.monotonic() - t0
        return self

    def _make_tmp(self):
        self.tmpdir = tempfile.mkdtemp(prefix=f"{self.prefix}-cluster-")
        os.chmod(self.tmpdir, 0o700)
        with open(os.path.join(self.tmpdir, "owner"), "w") as f:
            f.write(f"{os.getpid()}\n")
        self.bin_dir = os.path.join(self.tmpdir, "bin")
        os.mkdir(self.bin_dir)
        os.mkdir(os.path.join(self.tmpdir, "pids"))
        for h in self.hosts:
            os.mkdir(self.host_dir(h))
        lines = ["127.0.0.1\tlocalhost"]
        for h in self.hosts:
            lines.append(f"{self.addr(h)}\t{h}")
        with open(os.path.join(self.tmpdir, "hosts"), "w") as f:
            f.write("\n".join(lines) + "\n")
        for h in self.hosts:
            with open(os.path.join(self.host_dir(h), "hosts"), "w") as f:
                own = [f"127.0.1.1\t{h}"] if self.self_loopback else []
                f.write("\n".join(lines[:1] + own + lines[1:]) + "\n")

    def _netns_add(self, ns):
        _run(["ip", "netns", "add", ns])
        self._namespaces.append(ns)
        _run(["ip", "-n", ns, "link", "set", "lo", "up"])
        for key in ("all", "default"):
            _run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                  f"net.ipv6.conf.{key}.disable_ipv6=1"])
        # lo existed before the sysctl; turn it off there too
        _run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
              "net.ipv6.conf.lo.disable_ipv6=1"], check=False)

    def _make_network(self):
        sw = self.sw_ns
        self._netns_add(sw)
        _run(["ip", "-n", sw, "link", "add", self.bridge, "type", "bridge"])
        _run(["ip", "-n", sw, "addr", "add", f"{self.subnet}.254/24", "dev", self.bridge])
        _run(["ip", "-n", sw, "link", "set", self.bridge, "up"])
        for h in self.hosts:
            ns = self.ns(h)
            self._netns_add(ns)
            port = f"{self.prefix}-{h}"
            _run(["ip", "link", "add", port, "netns", sw, "type", "veth",
                  "peer", "name", "eth0", "netns", ns])
            _run(["ip", "-n", sw, "link", "set", port, "master", self.bridge, "up"])
            _run(["ip", "-n", ns, "addr", "add", f"{self.addr(h)}/24", "dev", "eth0"])
            _run(["ip", "-n", ns, "link", "set", "eth0", "up"])

    def _make_holders(self):
        # The holder's mount namespace is the one `ip netns exec` makes (a
        # slave of the root one: later mounts still propagate in; its /sys
        # shows this netns's interfaces); it adds a private /etc/hosts.
        # A host's own /dev/shm and boot_id, as on separate machines: what
        # wrongly takes two hosts for one node fails here as it would there,
        # and peers that detect "same node" by boot_id do not use shared
        # memory between hosts.
        script = 'set -e; hostname "$1"; mount --bind "$2" /etc/hosts; '
        if self.private_shm:
            script += 'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm; '
        if self.own_boot_id:
            script += 'mount --bind "$4" /proc/sys/kernel/random/boot_id; '
        script += ': > "$3"; exec sleep infinity'
        for h in self.hosts:
            d = self.host_dir(h)
            boot_id = os.path.join(d, "boot_id")
            with open("/proc/sys/kernel/random/uuid") as f, open(boot_id, "w") as g:
                g.write(f.read())
            self._holders[h] = _spawn(
                ["ip", "netns", "exec", self.ns(h), "unshare", "--uts",
                 "sh", "-c", script, "holder", h, os.path.join(d, "hosts"),
                 os.path.join(d, "holder.ready"), boot_id],
                os.path.join(d, "holder.log"), os.path.join(d, "holder.pid"))
        for h in self.hosts:
            ready = os.path.join(self.host_dir(h), "holder.ready")
            pid = self._holders[h]
            if not _wait_for(lambda: os.path.exists(ready) or not _alive(pid), 10):
                raise ClusterError(f"holder of {h} not ready after 10 s")
            if not _alive(pid):
                raise ClusterError(f"holder of {h} exited:\n"
                                   + _tail(os.path.join(self.host_dir(h), "holder.log")))

    def _make_ssh(self):
        t = self.tmpdir
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)   # privilege separation
        key = os.path.join(t, "id_ed25519")
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "baton-cluster",
              "-f", key])
        auth = os.path.join(t, "authorized_keys")
        shutil.copyfile(key + ".pub", auth)
        os.chmod(auth, 0o600)
        for h in self.hosts:
            d = self.host_dir(h)
            hostkey = os.path.join(d, "ssh_host_ed25519_key")
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", h, "-f", hostkey])
            conf = os.path.join(d, "sshd_config")
            with open(conf, "w") as f:
                f.write(f"""\
ListenAddress {self.addr(h)}
Port 22
AddressFamily inet
HostKey {hostkey}
PidFile {os.path.join(d, 'sshd.pid')}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile {auth}
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
PermitUserEnvironment no
LoginGraceTime 20
MaxStartups 200:30:400
MaxSessions 200
ClientAliveInterval 10
ClientAliveCountMax 3
LogLevel INFO
""")
            self._daemon(h, f"sshd-{h}", [SSHD, "-D", "-e", "-f", conf],
                         os.path.join(d, "sshd.log"))
        self.ssh_config = os.path.join(t, "ssh_config")
        with open(self.ssh_config, "w") as f:
            for h in self.hosts:
                f.write(f"Host {h}\n    HostName {self.addr(h)}\n")
            f.write(f"""\
Host *
    User root
    Port 22
    IdentityFile {key}
    IdentitiesOnly yes
    UserKnownHostsFile /dev/null
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking no
    BatchMode yes
    LogLevel ERROR
    ConnectTimeout 5
    ServerAliveInterval 5
    ServerAliveCountMax 3
    ControlMaster no
    ControlPath none
    ForwardAgent no
    ForwardX11 no
    AddressFamily inet
""")
        self.ssh_path = os.path.join(self.bin_dir, "ssh")
        with open(self.ssh_path, "w") as f:
            f.write(f'#!/bin/sh\nexec /usr/bin/ssh -F "{self.ssh_config}" "$@"\n')
        os.chmod(self.ssh_path, 0o755)
        # every sshd listening (bounded)
        for h in self.hosts:
            port_hex = ":0016"
            addr_hex = "".join(f"{int(x):02X}" for x in reversed(self.addr(h).split(".")))

            def listening(h=h, want=f"{addr_hex}{port_hex}"):
                name, pid, log = self._daemon_of(f"sshd-{h}")
                if not _alive(pid):
                    raise ClusterError(f"sshd of {h} exited:\n" + _tail(log))
                r = self.run(h, ["cat", "/proc/net/tcp"], stdout=subprocess.PIPE,
                             text=True, timeout=10)
                return any(want in line and " 0A " in line for line in r.stdout.splitlines())
            if not _wait_for(listening, 10):
                raise ClusterError(f"sshd of {h} not listening after 10 s:\n"
                                   + _tail(os.path.join(self.host_dir(h), "sshd.log")))

    # ---- running things in a host
    def nsenter_argv(self, host, cwd=None):
        """The command prefix that enters host's namespaces (net, uts, mount)."""
        if not self._is_up or host not in self._holders:
            raise ClusterError(f"cluster is not up (host {host})")
        hp = self._holders[host]
        return [NSENTER, f"--net=/run/netns/{self.ns(host)}",
                f"--uts=/proc/{hp}/ns/uts", f"--mount=/proc/{hp}/ns/mnt",
                f"--wd={os.path.abspath(cwd or os.getcwd())}", "--"]

    def env(self, base=None, **extra):
        """A copy of the environment (or `base`) with bin_dir first in PATH."""
        e = dict(os.environ if base is None else base)
        e["PATH"] = self.bin_dir + os.pathsep + e.get("PATH", os.defpath)
        e.update({k: str(v) for k, v in extra.items()})
        return e

    def run(self, host, argv, timeout=300, **kw):
        """subprocess.run(argv) inside host (as root, same filesystem, the
        caller's environment unless env= is given).  Bounded by timeout."""
        argv = [str(a) for a in argv]
        return subprocess.run(self.nsenter_argv(host, kw.get("cwd")) + argv,
                              timeout=timeout, **kw)

    def popen(self, host, argv, **kw):
        """subprocess.Popen(argv) inside host.  The harness ends it at down()
        if it is still running."""
        argv = [str(a) for a in argv]
        p = subprocess.Popen(self.nsenter_argv(host, kw.get("cwd")) + argv, **kw)
        self._popens.append(p)
        return p

    def ssh_argv(self, host, *cmd):
        return [self.ssh_path, host, *cmd]

    def _daemon(self, host, name, argv, log, env=None):
        """Start a daemon (in the foreground mode) inside host; returns its pid."""
        pid = _spawn(self.nsenter_argv(host, self.tmpdir) + argv, log,
                     os.path.join(self.tmpdir, "pids", name), env=env)
        self._daemons.append((name, pid, log))
        return pid

    def daemon_alive(self, name):
        return _alive(self._daemon_of(name)[1])

    def _daemon_of(self, name):
        for d in self._daemons:
            if d[0] == name:
                return d
        raise KeyError(name)

    def _ours(self, pids):
        """Those of pids that still live in one of our network namespaces (a
        daemon that died by itself may have its pid reused by a stranger)."""
        inodes = set()
        for ns in self._namespaces:
            try:
                inodes.add(os.stat(f"/run/netns/{ns}").st_ino)
            except OSError:
                pass
        out = []
        for pid in pids:
            try:
                if os.stat(f"/proc/{pid}/ns/net").st_ino in inodes:
                    out.append(pid)
            except OSError:
                pass
        return out

    def stop_daemons(self, names):
        """End the harness's daemons with these names (by their pids)."""
        chosen = [d for d in self._daemons if d[0] in names]
        left = _kill_pids(self._ours([pid for _, pid, _ in chosen]))
        for d in chosen:
            self._daemons.remove(d)
        if left:
            raise ClusterError(f"daemons {left} survived SIGKILL")

    def set_link(self, host, up):
        """Unplug (up=False) or plug back (up=True) host's cable at the
        switch: its traffic to the other hosts stops or resumes, its
        processes keep running.  A test that unplugs plugs back (finally:)."""
        _run(["ip", "-n", self.sw_ns, "link", "set", f"{self.prefix}-{host}",
              "up" if up else "down"])

    def host_pids(self, host):
        """The pids in host's namespace that are not the harness's own
        (holder, sshd, Slurm daemons): what tests and launchers started."""
        ours = {pid for _, pid, _ in self._daemons} | set(self._holders.values())
        # slurmctld forks its own helper (slurmscriptd) at start: the harness's too
        ctld = {pid for name, pid, _ in self._daemons if name == "slurmctld"}
        return [p for p in _netns_pids(self.ns(host))
                if p not in ours and not (ctld and _ppid(p) in ctld)]

    def kill_host_processes(self, host, sig=signal.SIGKILL):
        """Send sig to every process host_pids(host) lists (a host "dying"
        under a job, while its sshd stays)."""
        pids = self.host_pids(host)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        return pids

    def pids(self):
        """Every pid now in the cluster's namespaces."""
        out = []
        for ns in self._namespaces:
            out += _netns_pids(ns)
        return sorted(set(out))

    def down(self):
        """End everything up() and popen() started, delete the namespaces and
        the temp dir.  Idempotent; safe on a half-made cluster."""
        if not self._is_up or os.getpid() != self._owner or self._closing:
            return
        self._closing = True      # a signal arriving during down() does not re-enter
        try:
            self._down()
        finally:
            self._closing = False

    def _down(self):
        t0 = time.monotonic()
        errors = []
        for hook in reversed(self._down_hooks):
            try:
                hook()
            except Exception as e:
                errors.append(f"down hook: {e}")
        self._down_hooks.clear()
        # our own processes first (by pid): popen()s, daemons, holders
        popens = [p for p in self._popens if p.poll() is None]
        _kill_pids([p.pid for p in popens], grace=1.0)
        for p in popens:
            try:
                p.wait(timeout=1)
            except subprocess.TimeoutExpired:
                errors.append(f"pid {p.pid} did not exit")
        for group in ([pid for _, pid, _ in reversed(self._daemons)],
                      list(self._holders.values())):
            left = _kill_pids(self._ours(group), grace=1.0)
            if left:
                errors.append(f"pids {left} survived SIGKILL")
        # anything else living in our namespaces (ranks, ssh sessions, ...)
        for _ in range(3):
            rest = self.pids()
            if not rest:
                break
            left = _kill_pids(rest, grace=1.0)
            if left:
                errors.append(f"processes {left} survived SIGKILL")
        for ns in reversed(self._namespaces):
            p = _run(["ip", "netns", "del", ns], check=False)
            if p.returncode != 0 and ns in _netns_list():
                errors.append(f"ip netns del {ns}: {p.stdout.strip()}")
        self._namespaces.clear()
        self._holders.clear()
        self._daemons.clear()
        self._popens.clear()
        if self.tmpdir and not self.keep_tmp:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        self._is_up = False
        with _live_lock:
            if self in _live:
                _live.remove(self)
        if self._lock_fd is not None:
            try:
                os.unlink(self._lock_path)    # still locked: nobody else holds it
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None
        self.down_seconds = time.monotonic() - t0
        if errors:
            raise ClusterError("cluster down() incomplete: " + "; ".join(errors))


# --------------------------------------------------------------------------

class SlurmCluster:
    """Slurm on a Cluster: munged and slurmctld in h1, one slurmd per host,
    all configured from files in the cluster's temp dir, ended by pid at
    down() (also by the cluster's own down()).

      conf            path of slurm.conf
      env(**extra)    environment for Slurm's commands (SLURM_CONF, PATH)
      run(argv, host="h1", **kw)       any command with that environment
      srun(args, host="h1", **kw)      runs `srun *args`
      salloc(args, command, ...)       runs `salloc *args command...`
      popen(argv, host="h1", **kw)
      logs()          the tails of the daemons' logs
    """

    def __init__(self, cluster, cpus=2, ctld_port=6817, slurmd_port=6818,
                 timeout=30.0, debug="info"):
        self.c = cluster
        self.cpus = cpus
        self.ctld_port = ctld_port
        self.slurmd_port = slurmd_port
        self.timeout = timeout
        self.debug = debug
        self.dir = None
        self.conf = None
        self.munge_socket = None
        self._names = []
        self._is_up = False
        self.up_seconds = None

    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def _p(self, *parts):
        return os.path.join(self.dir, *parts)

    def up(self):
        if self._is_up:
            return self
        ok, why = slurm_available()
        if not ok:
            raise ClusterError(why)
        t0 = time.monotonic()
        c = self.c
        self.dir = os.path.join(c.tmpdir, "slurm")
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self._is_up = True
        c._down_hooks.append(self.down)
        try:
            self._start_munge()
            self._write_conf()
            self._start_slurm()
            self._wait_idle()
        except BaseException:
            self.down()
            raise
        self.up_seconds = time.monotonic() - t0
        return self

    def _start_munge(self):
        c = self.c
        mdir = self._p("munge")
        os.makedirs(mdir, mode=0o700, exist_ok=True)
        key = os.path.join(mdir, "munge.key")
        _run(["dd", "if=/dev/urandom", f"of={key}", "bs=1024", "count=1"])
        os.chmod(key, 0o400)
        self.munge_socket = os.path.join(mdir, "munge.socket")
        log = os.path.join(mdir, "munged.log")
        c._daemon("h1", "munged", [
            _which("munged"), "--foreground", "--force",
            f"--key-file={key}", f"--socket={self.munge_socket}",
            f"--pid-file={os.path.join(mdir, 'munged.pid')}",
            f"--log-file={log}", f"--seed-file={os.path.join(mdir, 'munged.seed')}",
            "--num-threads=2"], os.path.join(mdir, "munged.out"))
        self._names.append("munged")
        pid = c._daemon_of("munged")[1]
        if not _wait_for(lambda: os.path.exists(self.munge_socket) or not _alive(pid), 10) \
                or not _alive(pid):
            raise ClusterError("munged did not come up:\n" + _tail(log)
                               + "\n" + _tail(os.path.join(mdir, "munged.out")))

    def _write_conf(self):
        c = self.c
        d = self.dir
        for sub in ("state", "spool", "tmp", "log"):
            os.makedirs(self._p(sub), exist_ok=True)
        for h in c.hosts:
            os.makedirs(self._p("spool", h), exist_ok=True)
            os.makedirs(self._p("tmp", h), exist_ok=True)
        self.conf = self._p("slurm.conf")
        nodes = "\n".join(
            f"NodeName={h} NodeAddr={c.addr(h)} NodeHostname={h} CPUs={self.cpus} "
            f"RealMemory=1000 State=UNKNOWN" for h in c.hosts)
        with open(self.conf, "w") as f:
            f.write(f"""\
# written by tests/cluster/cluster.py
ClusterName={c.prefix}
SlurmctldHost=h1({c.addr('h1')})
SlurmctldPort={self.ctld_port}
SlurmdPort={self.slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={self.munge_socket}
CredType=cred/munge
StateSaveLocation={self._p('state')}
SlurmdSpoolDir={self._p('spool', '%n')}
TmpFS={self._p('tmp', '%n')}
SlurmctldPidFile={self._p('slurmctld.pid')}
SlurmdPidFile={self._p('slurmd.%n.pid')}
SlurmctldLogFile={self._p('log', 'slurmctld.log')}
SlurmdLogFile={self._p('log', 'slurmd.%n.log')}
SlurmctldDebug={self.debug}
SlurmdDebug={self.debug}
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MailProg=/bin/true
KillWait=5
MessageTimeout=10
SlurmdTimeout=60
SlurmctldTimeout=60
InactiveLimit=0
MinJobAge=10
{nodes}
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")
        # proctrack/linuxproc, task/none and jobacct_gather/none load no cgroup
        # plugin (and the hosts' mount namespaces have no /sys/fs/cgroup); should
        # one be loaded anyway, v1 with nothing constrained is what works here.
        with open(self._p("cgroup.conf"), "w") as f:
            f.write("CgroupPlugin=cgroup/v1\nCgroupAutomount=no\nConstrainCores=no\n"
                    "ConstrainRAMSpace=no\nConstrainDevices=no\n")

    def _start_slurm(self):
        c = self.c
        env = self.env()
        c._daemon("h1", "slurmctld", [_which("slurmctld"), "-D", "-c", "-f", self.conf],
                  self._p("log", "slurmctld.out"), env=env)
        self._names.append("slurmctld")
        for h in c.hosts:
            c._daemon(h, f"slurmd-{h}", [_which("slurmd"), "-D", "-N", h, "-f", self.conf],
                      self._p("log", f"slurmd.{h}.out"), env=env)
            self._names.append(f"slurmd-{h}")

    def logs(self, lines=15):
        out = []
        for name in ("munge/munged.out", "munge/munged.log", "log/slurmctld.out",
                     "log/slurmctld.log"):
            out.append(f"--- {name}\n" + _tail(self._p(name), lines))
        for h in self.c.hosts:
            for name in (f"log/slurmd.{h}.out", f"log/slurmd.{h}.log"):
                out.append(f"--- {name}\n" + _tail(self._p(name), lines))
        return "\n".join(out)

    def _wait_idle(self):
        c = self.c
        last = ""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for name in self._names:
                if not c.daemon_alive(name):
                    raise ClusterError(f"{name} exited while Slurm was coming up\n"
                                       f"{self.logs()}")
            r = self.run(["sinfo", "-h", "-N", "-o", "%N %t"], timeout=15,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            last = r.stdout.strip()
            states = dict(line.split()[:2] for line in last.splitlines()
                          if len(line.split()) >= 2)
            if r.returncode == 0 and all(states.get(h) == "idle" for h in c.hosts):
                return
            time.sleep(0.5)
        raise ClusterError(f"Slurm nodes not idle after {self.timeout:.0f} s; "
                           f"last sinfo:\n{last}\n{self.logs()}")

    def env(self, base=None, **extra):
        e = self.c.env(base)
        e["SLURM_CONF"] = self.conf
        e.update({k: str(v) for k, v in extra.items()})
        return e

    def run(self, argv, host="h1", timeout=120, **kw):
        kw.setdefault("env", self.env())
        return self.c.run(host, argv, timeout=timeout, **kw)

    def popen(self, argv, host="h1", **kw):
        kw.setdefault("env", self.env())
        return self.c.popen(host, argv, **kw)

    def srun(self, args, host="h1", timeout=120, **kw):
        return self.run(["srun", *args], host=host, timeout=timeout, **kw)

    def salloc(self, args, command, host="h1", timeout=120, **kw):
        return self.run(["salloc", *args, *command], host=host, timeout=timeout, **kw)

    def down(self):
        if not self._is_up:
            return
        self._is_up = False
        if self.c._is_up:
            # slurmd first (they end their job steps), then slurmctld, munged
            slurmds = [n for n in self._names if n.startswith("slurmd-")]
            for group in (slurmds, ["slurmctld"], ["munged"]):
                self.c.stop_daemons([n for n in group if n in self._names])
        self._names = []
        if self.down in self.c._down_hooks:
            self.c._down_hooks.remove(self.down)


# --------------------------------------------------------------------------

def main(argv=None):
    """python3 tests/cluster/cluster.py [-n N] [--slurm] [--host hI] [CMD...]

    Bring a cluster up, run CMD (default: an interactive shell) inside a host
    with the cluster's PATH (and SLURM_CONF with --slurm), then take it all
    down again.  For trying things by hand."""
    import argparse
    ap = argparse.ArgumentParser(description=main.__doc__.split("\n\n")[1])
    ap.add_argument("-n", type=int, default=2, help="number of hosts (2)")
    ap.add_argument("--slurm", action="store_true", help="also start Slurm")
    ap.add_argument("--host", default="h1", help="where CMD runs (h1)")
    ap.add_argument("--prefix", default="btn")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    ok, why = cluster_available()
    if not ok:
        print(f"cluster unavailable: {why}", file=sys.stderr)
        return 2
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    with Cluster(a.n, prefix=a.prefix) as c:
        s = SlurmCluster(c).up() if a.slurm else None
        env = (s or c).env(PS1=f"[{a.host}] \\w# ")
        print(f"cluster {c.prefix}: hosts {', '.join(c.hosts)} "
              f"({', '.join(c.addr(h) for h in c.hosts)}), up in {c.up_seconds:.2f} s; "
              f"ssh: {c.ssh_path}; temp dir {c.tmpdir}"
              + (f"; SLURM_CONF={s.conf}" if s else ""), file=sys.stderr)
        # Ctrl-C is for CMD (same process group); the cluster goes down when
        # CMD ends.  A handler, not SIG_IGN, which CMD would inherit.
        signal.signal(signal.SIGINT, lambda *_: None)
        rc = c.run(a.host, cmd or ["bash", "--norc", "-i"], env=env, timeout=None).returncode
    return rc


if __name__ == "__main__":
    sys.exit(main())
