"""mpi4py's own test suite, run on Baton.

The suite is the test/ folder of the source distribution of the exact mpi4py
version installed in the venv; scripts/setup-python.sh downloads and unpacks it
under build/python/ (this test does the same when it is missing). It is never
copied into our tree.

At each process count N, one job runs every module listed for N, as mpi4py's
own runner does: `mpiexec -n N python upstream_runner.py TESTDIR OUTDIR
MODULES... -x ...` (one job rather than one per module saves ~60 interpreter
start-ups). upstream_runner.py drives mpi4py's test/main.py unchanged and records
every test's outcome per rank; each (N, module) is then one pytest test, which
fails when a test of that module failed or errored on any rank, or started and
never finished (a hang: the job is ended after BATON_UPSTREAM_TIMEOUT seconds).
Tests named in upstream_exclusions.EXCLUDED are not run (main.py's own -x
option), each for a stated reason naming the MPI feature Baton lacks. The
counts per process count (run, passed, failed, skipped, excluded) are printed at
the end of the session and written to build/python/upstream-summary.json.

BATON_UPSTREAM_NP="1 2" limits the process counts; BATON_UPSTREAM_MODULES
limits the modules; BATON_UPSTREAM_RUN_EXCLUDED=1 runs the excluded tests too
and lists, at the end, those that now pass (their exclusion can go).
"""
import collections
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from harness import (PYTHON, ROOT, UPSTREAM_SUMMARY, clean_env, mpirun,
                      venv_problem)
from upstream_exclusions import EXCLUDED

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "upstream_runner.py"
WORK = ROOT / "build" / "python"
TIMEOUT = float(os.environ.get("BATON_UPSTREAM_TIMEOUT", "600"))
RUN_EXCLUDED = os.environ.get("BATON_UPSTREAM_RUN_EXCLUDED") == "1"

ALL_NP = (1, 2, 3, 4, 5)
# Module -> process counts. test_datatype calls only local datatype functions
# (no communication) and takes ~40 s a run, mostly in pickle: once is enough.
MODULES = {
    "test_p2p_obj": ALL_NP,
    "test_p2p_buf": ALL_NP,
    "test_p2p_obj_matched": ALL_NP,
    "test_p2p_buf_matched": ALL_NP,
    "test_cco_buf": ALL_NP,
    "test_cco_nb_buf": ALL_NP,
    "test_cco_vec": ALL_NP,
    "test_cco_nb_vec": ALL_NP,
    "test_cco_obj": ALL_NP,   # blocking and nonblocking collectives on objects
    "test_status": ALL_NP,
    "test_request": ALL_NP,
    "test_op": ALL_NP,
    "test_environ": ALL_NP,
    "test_exceptions": ALL_NP,
    "test_errorcode": ALL_NP,
    "test_comm": ALL_NP,
    "test_group": ALL_NP,
    "test_msgspec": ALL_NP,
    "test_msgzero": ALL_NP,
    "test_pickle": ALL_NP,
    "test_util_pkl5": ALL_NP,
    "test_win": ALL_NP,
    "test_rma": ALL_NP,
    "test_rma_nb": ALL_NP,
    "test_util_sync": ALL_NP,
    "test_datatype": (1,),
    # The communicator API of MPI 4.1 (issue 15's part of the suite).
    "test_comm_topo": ALL_NP,
    "test_comm_inter": ALL_NP,
    "test_cco_buf_inter": ALL_NP,
    "test_cco_obj_inter": ALL_NP,
    "test_cco_vec_inter": ALL_NP,
    "test_cco_ngh_buf": ALL_NP,
    "test_cco_ngh_obj": ALL_NP,
    "test_cco_pr_buf": ALL_NP,
    "test_cco_pr_vec": ALL_NP,
    "test_cco_pr_ngh_buf": ALL_NP,
    "test_p2p_buf_part": ALL_NP,
    "test_errhandler": ALL_NP,
    "test_grequest": ALL_NP,
    "test_info": ALL_NP,
    "test_session": ALL_NP,
    "test_attributes": ALL_NP,
    "test_handle": ALL_NP,
    "test_mpiabi": (1, 2),   # local queries: what every rank sees alike
    "test_ulfm": ALL_NP,
    "test_threads": ALL_NP,
    "test_address": (1,),
    "test_pack": (1,),
    "test_io": ALL_NP,   # MPI-IO (issue 17)
    "test_file": ALL_NP,
    # Dynamic processes (issue 18): spawn, ports and names, and mpi4py.util.pool on
    # mpi4py.futures' spawned workers.
    "test_spawn": ALL_NP,
    "test_dynproc": ALL_NP,
    "test_util_pool": ALL_NP,
}

_problem = venv_problem()
if _problem:
    pytest.skip(_problem, allow_module_level=True)

VERSION = subprocess.run([str(PYTHON), "-c", "import mpi4py; print(mpi4py.__version__)"],
                         capture_output=True, text=True, env=clean_env(),
                         check=True).stdout.strip()
TESTDIR = WORK / ("mpi4py-%s" % VERSION) / "test"


def _fetch_suite():
    """The source distribution of the installed version, unpacked under build/."""
    if (TESTDIR / "main.py").exists():
        return
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(PYTHON), "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", "mpi4py", "--no-cache-dir", "--dest", str(WORK),
                    "mpi4py==%s" % VERSION], check=True, env=clean_env())
    with tarfile.open(WORK / ("mpi4py-%s.tar.gz" % VERSION)) as tar:
        try:
            tar.extractall(WORK, filter="data")
        except TypeError:   # Python without extraction filters
            tar.extractall(WORK)


def _selected_modules():
    mods = os.environ.get("BATON_UPSTREAM_MODULES")
    return [m for m in mods.split() if m in MODULES] if mods else list(MODULES)


def _selected():
    nps = os.environ.get("BATON_UPSTREAM_NP")
    nps = [int(x) for x in nps.split()] if nps else list(ALL_NP)
    for np_ in nps:
        for mod in _selected_modules():
            if np_ in MODULES[mod]:
                yield pytest.param(np_, mod, id="n%d-%s" % (np_, mod))


def _excluded_in(module):
    return {tid: why for tid, why in EXCLUDED.items() if tid.split(".")[0] == module}


def _collect(outdir):
    """Per test id: the worst outcome over the ranks, where it happened, and the
    tests that started but never ended (a hang or a crash)."""
    rank_of = {"error": 5, "fail": 4, "xpass": 3, "pass": 2, "xfail": 1, "skip": 0}
    results, started = {}, collections.defaultdict(set)
    for path in sorted(outdir.glob("rank-*.jsonl")):
        rank = int(re.search(r"rank-(\d+)", path.name).group(1))
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if rec["event"] == "start":
                started[rank].add(rec["id"])
                continue
            started[rank].discard(rec["id"])
            prev = results.get(rec["id"])
            if prev is None or rank_of[rec["outcome"]] > rank_of[prev[0]]:
                results[rec["id"]] = (rec["outcome"], rank, rec["detail"])
    unfinished = sorted({(tid, r) for r, ids in started.items() for tid in ids})
    return results, unfinished


def _last_line(text):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


@pytest.fixture(scope="module")
def suite():
    _fetch_suite()
    return TESTDIR


_RUNS = {}


def _module_of(tid):
    m = re.search(r"\b(test_\w+)\.", tid)
    return m.group(1) if m else "?"


def _run_np(suite, np_, modules):
    """One job for all the modules at np_; results grouped by module."""
    if np_ in _RUNS:
        return _RUNS[np_]
    outdir = WORK / "upstream-results" / ("n%d" % np_)
    shutil.rmtree(outdir, ignore_errors=True)
    args = [PYTHON, RUNNER, suite, outdir] + list(modules)
    if not RUN_EXCLUDED:
        # main.py's -x takes fnmatch patterns; a leading '*' keeps the pattern as
        # given (no trailing '*'), so each id excludes exactly that test.
        for tid in sorted(EXCLUDED):
            if tid.split(".")[0] in modules:
                args += ["-x", "*" + tid]
    # The suite's modules must import in the processes that mpi4py.futures spawns
    # (test_util_pool's tasks are its functions): their sys.path[0] is this
    # runner's folder, not the suite's as under mpi4py's own runner.
    job = mpirun(np_, args, timeout=TIMEOUT, cwd=suite, env=clean_env(PYTHONPATH=str(suite)))
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "job.log").write_text(job.describe())
    results, unfinished = _collect(outdir)
    by_module = collections.defaultdict(dict)
    for tid, res in results.items():
        by_module[_module_of(tid)][tid] = res
    hung = collections.defaultdict(list)
    for tid, rank in unfinished:
        hung[_module_of(tid)].append((tid, rank))
    _RUNS[np_] = (job, by_module, hung)
    return _RUNS[np_]


@pytest.mark.parametrize("np_,module", list(_selected()))
def test_upstream(suite, np_, module):
    modules = [m for m in _selected_modules() if np_ in MODULES[m]]
    job, by_module, hung = _run_np(suite, np_, modules)
    results = by_module.get(module, {})
    excluded = _excluded_in(module)

    counts = collections.Counter(outcome for outcome, _, _ in results.values())
    summary = UPSTREAM_SUMMARY.setdefault(np_, collections.Counter())
    summary["modules"] += 1
    summary["run"] += len(results)
    summary["passed"] += counts["pass"] + counts["xfail"]
    summary["skipped"] += counts["skip"]
    summary["excluded"] += len(excluded)

    problems = []
    now_passing = []
    for tid, (outcome, rank, detail) in sorted(results.items()):
        if tid in excluded and RUN_EXCLUDED:
            if outcome == "pass":
                now_passing.append(tid)
            continue
        if outcome in ("fail", "error", "xpass"):
            problems.append("%s: %s on rank %d: %s" % (tid, outcome, rank, _last_line(detail)))
    summary["failed"] += len(problems)
    for tid, rank in hung.get(module, []):
        problems.append("%s: started on rank %d and never finished" % (tid, rank))
    if not results and not problems:
        problems.append("no test of %s ran%s" % (
            module, " (the job timed out)" if job.timed_out else ""))
    if now_passing:
        print("excluded but passing now (remove from upstream_exclusions.py):\n  "
              + "\n  ".join(now_passing))
    if problems:
        pytest.fail("mpi4py %s, %s at -n %d: %d problem(s)\n  %s\n(the job's output: %s)" % (
            VERSION, module, np_, len(problems), "\n  ".join(problems),
            (WORK / "upstream-results" / ("n%d" % np_) / "job.log").relative_to(ROOT)),
            pytrace=False)


def test_upstream_jobs_ended_cleanly(suite):
    """Each job ended by itself, with a failing exit status only when some test
    failed."""
    bad = []
    for np_, (job, by_module, hung) in sorted(_RUNS.items()):
        failed = any(o in ("fail", "error", "xpass")
                     for res in by_module.values() for o, _, _ in res.values())
        if job.timed_out:
            bad.append("-n %d: timed out after %.0f s" % (np_, TIMEOUT))
        elif job.returncode != 0 and not failed and not RUN_EXCLUDED:
            bad.append("-n %d: exit %d with every test passing\n%s"
                       % (np_, job.returncode, job.describe()[-3000:]))
    assert not bad, "\n".join(bad)
