"""Shared pieces of the Python tests: where the venv made by scripts/setup-python.sh
is, and how to run a job under its mpiexec. (A plain module rather than
conftest.py, whose name other test folders use too.)

BATON_VENV overrides the venv (default: <repo>/.venv). The tests skip, saying
why, when that venv has no mpi4py: run scripts/setup-python.sh first.
"""
import os
import signal
import subprocess
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("BATON_VENV", ROOT / ".venv"))
PYTHON = VENV / "bin" / "python"
MPIEXEC = VENV / "bin" / "mpiexec"

# Filled by test_upstream.py: {np: {"run": n, "passed": n, ...}}.
UPSTREAM_SUMMARY = {}


def venv_problem():
    """Why the venv cannot run the tests, or None when it can."""
    if not PYTHON.exists() or not MPIEXEC.exists():
        return "no %s or %s: run scripts/setup-python.sh" % (PYTHON, MPIEXEC)
    res = subprocess.run([str(PYTHON), "-c", "import mpi4py, numpy"],
                         capture_output=True, text=True, env=clean_env())
    if res.returncode != 0:
        return "mpi4py/numpy missing from %s: run scripts/setup-python.sh" % VENV
    return None


def clean_env(**extra):
    """The environment for a job: ours, less any PMI or launcher variables that
    would make a plain `python prog.py` think it was launched."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "PMIX_", "OMPI_", "HYDRA_", "MPI4PY_"))}
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    env.update(extra)
    return env


class Job:
    def __init__(self, argv, returncode, stdout, stderr, seconds, timed_out):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.timed_out = timed_out

    def describe(self):
        return "%s\nexit %s after %.1f s%s\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(map(str, self.argv)), self.returncode, self.seconds,
            " (TIMED OUT)" if self.timed_out else "", self.stdout, self.stderr)


def run_job(argv, timeout, cwd=None, env=None):
    """Run argv in its own process group; on timeout kill the whole group, so that
    no rank outlives the test."""
    t0 = time.monotonic()
    proc = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env or clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
    return Job(argv, proc.returncode, out, err, time.monotonic() - t0, timed_out)


def mpirun(np_, argv, timeout=120, **kw):
    return run_job([MPIEXEC, "-n", str(np_)] + list(argv), timeout, **kw)


def become_subreaper():
    """Orphans of the processes we start become our children (PR_SET_CHILD_SUBREAPER),
    so that assert_nothing_left can find any that outlives its job."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def _children():
    me = str(os.getpid())
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    stat = f.read()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == me:
                out.append(int(p))
    return out


def left_behind(seconds=5, ignore=()):
    """The processes still alive `seconds` after a job (reaped as they end, killed
    if they outlive the wait): [] when every one has ended. Children in ignore
    (there before the job: another test's daemons that came to us) are left alone."""
    deadline = time.time() + seconds
    left = []
    while time.time() < deadline:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        left = [p for p in _children() if p not in ignore]
        if not left:
            return []
        time.sleep(0.1)
    for p in left:
        os.kill(p, signal.SIGKILL)
    return left


def shm_entries():
    """Baton's entries in /dev/shm now."""
    return {p for p in os.listdir("/dev/shm") if "baton" in p.lower()}


def nothing_left():
    """The body of an autouse fixture (`yield from harness.nothing_left()`): the
    test's orphans become our children, and the test fails if any outlives it.
    Becoming a subreaper at the first such test, not at import, keeps the daemons
    of tests that ran earlier (the namespace cluster's) out of our children."""
    become_subreaper()
    before = set(_children())
    yield
    left = left_behind(ignore=before)
    assert not left, "processes left behind: %s" % left
