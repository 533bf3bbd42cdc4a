"""The benchmark programs of bench/c build without warnings, and the plain-C machine
tools (no MPI) run and print their JSON lines: bench/run.py reads those lines for
the report's hardware floors and ceilings."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench" / "c"
BUILD = ROOT / os.environ.get("BATON_BUILDS", "build").split()[0]
WARN = ["-Wall", "-Wextra", "-Werror"]
TOOLS = {  # program: (options, the (bench, variant) records it must print)
    "cacheline": (["-t", "0.01"], {("cacheline", "")}),
    "cswitch": (["-t", "0.01"], {("cswitch", "")}),
    "memcpy_bw": (["-t", "0.01", "-s", "1"], {("memcpy", ""), ("memcpy", "2m")}),
    "cma_bw": (["-t", "0.01", "-s", "1"],
               {("cma", "one"), ("cma", "two"), ("cma", "one-2m"), ("cma", "two-2m")}),
}
MPI_PROGRAMS = sorted(p.stem for p in BENCH.glob("*.c") if p.stem not in TOOLS)


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_machine_tool(name, tmp_path):
    exe = tmp_path / name
    subprocess.run(["cc", "-std=c11", "-O2", "-pthread", *WARN, "-o", str(exe),
                    str(BENCH / (name + ".c"))], check=True, timeout=120)
    opts, want = TOOLS[name]
    r = subprocess.run([str(exe), *opts], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    got = {(rec["bench"], rec["variant"]) for rec in recs}
    if name == "cma_bw" and not recs:
        # A sandbox that forbids process_vm_readv: the tool must say so, not fail.
        assert "process_vm_readv" in r.stderr
        return
    assert got == want, r.stdout
    assert all(rec["value"] > 0 for rec in recs), r.stdout
    if len(want) > 1:
        # -v picks variants by their whole name ("two" is not "two-2m").
        pick = max(want)
        r = subprocess.run([str(exe), *opts, "-v", pick[1]], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        recs = [json.loads(line) for line in r.stdout.splitlines()]
        assert [(rec["bench"], rec["variant"]) for rec in recs] == [pick], r.stdout
    # A bad option is a usage error, not a run.
    r = subprocess.run([str(exe), "-x"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "usage" in r.stderr


@pytest.mark.parametrize("name", MPI_PROGRAMS)
def test_mpi_benchmark_builds(name, tmp_path):
    mpicc = BUILD / "bin" / "mpicc"
    if not mpicc.exists():
        pytest.skip("no %s" % mpicc)
    subprocess.run([str(mpicc), "-O2", *WARN, "-o", str(tmp_path / name),
                    str(BENCH / (name + ".c"))], check=True, timeout=120)


# --------------------------------------------------------------------------- MPI-IO (issue 17)
# The driver and the report, on records made here (no real 1 GiB run): the MPI-IO
# jobs, the sequential ceiling, the folders they clean, the report's tables and
# target rows.
import importlib.util  # noqa: E402


def load(name):
    spec = importlib.util.spec_from_file_location("bench_" + name, ROOT / "bench" / (name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench_run():
    return load("run")


@pytest.fixture(scope="module")
def report():
    return load("report")


def test_seq_io_cleans_up_and_reports_each_place(tmp_path):
    exe = tmp_path / "seq_io"
    subprocess.run(["cc", "-std=c11", "-O2", *WARN, "-o", str(exe), str(BENCH / "seq_io.c")],
                   check=True, timeout=120)
    d = tmp_path / "place"
    d.mkdir()
    r = subprocess.run([str(exe), "-d", str(d), "-l", "here", "-m", "3", "-b", "2", "-r", "2"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["bench"], x["variant"], x["label"], x["bytes"], x["unit"]) for x in recs] == [
        ("seqio", "write", "here", 3 << 20, "MB/s"), ("seqio", "read", "here", 3 << 20, "MB/s")]
    assert all(x["value"] > 0 for x in recs)
    assert list(d.iterdir()) == [], "seq_io left its file behind"
    # A place it cannot write to: an error naming it, nothing printed.
    gone = tmp_path / "no-such-place"
    r = subprocess.run([str(exe), "-d", str(gone), "-m", "1"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and str(gone) in r.stderr and r.stdout == "", r
    r = subprocess.run([str(exe), "-m", "1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "usage" in r.stderr, "no -d must be a usage error"


def test_io_darray_prints_driver_records(tmp_path):
    mpicc, mpiexec = BUILD / "bin" / "mpicc", BUILD / "bin" / "mpiexec"
    if not mpiexec.exists():
        pytest.skip("no %s" % mpiexec)
    exe = tmp_path / "io_darray"
    subprocess.run([str(mpicc), "-O2", *WARN, "-o", str(exe), str(BENCH / "io_darray.c")],
                   check=True, timeout=120)
    d = tmp_path / "place"
    d.mkdir()
    r = subprocess.run([str(mpiexec), "-n", "2", str(exe), "-d", str(d), "-l", "shm", "-m", "2",
                        "-r", "2", "-s", "4"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["variant"] for x in recs] == ["darray-write", "darray-read", "segmented-write",
                                            "segmented-read"], r.stdout
    for x in recs:
        assert (x["bench"], x["label"], x["ranks"], x["unit"], x["iters"]) == (
            "io", "shm", 2, "MB/s", 2), x
        assert x["value"] > 0 and 0 < x["bytes"] <= 2 << 20, x
    assert recs[2]["bytes"] == 2 << 20            # segmented: the whole total
    assert recs[0]["bytes"] == 64 ** 3 * 8        # darray: the largest cube within it
    assert list(d.iterdir()) == [], "io_darray left its file behind"


def test_io_jobs_in_the_plans(bench_run):
    full = [j for j in bench_run.make_local_plan(False, 0.1) if j.kind == "io"]
    assert sorted((j.name, j.ranks, j.place, j.mib) for j in full) == [
        ("io-disk-4", 4, "disk", 1024), ("io-disk-8", 8, "disk", 1024),
        ("io-shm-4", 4, "shm", 1024), ("io-shm-8", 8, "shm", 1024)]
    quick = [j for j in bench_run.make_local_plan(True, 0.04) if j.kind == "io"]
    assert quick and all(j.mib < 1024 for j in quick)
    assert {j.place for j in quick} == {"shm", "disk"}
    assert bench_run.io_ceiling_places(full) == [("disk", 1024), ("shm", 1024)]
    # 1 GiB four times over takes longer than the other jobs' budget.
    assert bench_run.job_timeout(full[0], 0.1) > 4 * 1024 / 50.0
    # "disk" is a disk: not tmpfs (as /tmp is on some machines), unless / itself is.
    assert bench_run.fs_type("/dev/shm") == "tmpfs"
    if bench_run.fs_type("/") != "tmpfs":
        assert bench_run.fs_type(bench_run.IO_PLACES["disk"]) != "tmpfs"


def fake_launcher(tmp_path, body):
    """A launcher that runs no MPI: it drops a file into the -d folder it is given,
    then does `body` (shell)."""
    sh = tmp_path / "fake-mpiexec"
    sh.write_text("#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = -d ] && d=$2; shift; done\n"
                  "echo partial > \"$d/io_darray.1.dat\"\necho \"$d\" > %s/dir\n%s\n"
                  % (tmp_path, body))
    sh.chmod(0o755)
    return sh


@pytest.mark.parametrize("outcome", ["ok", "fails", "hangs"])
def test_io_job_cleans_its_folder(bench_run, tmp_path, monkeypatch, outcome):
    monkeypatch.setitem(bench_run.IO_PLACES, "shm", str(tmp_path / "place"))
    # the launch's working directory (build/bench/ is not there in a clean clone)
    monkeypatch.setattr(bench_run, "BUILD", str(tmp_path))
    rec = ('{"bench": "io", "variant": "darray-write", "label": "shm", "ranks": 4, '
           '"bytes": 1024, "value": 5.5, "unit": "MB/s", "iters": 1}')
    body = {"ok": "echo '%s'" % rec, "fails": "echo '%s'; exit 3" % rec,
            "hangs": "sleep 60"}[outcome]
    t = bench_run.Target("fake", "Fake", "cc", [str(fake_launcher(tmp_path, body))])
    t.bindir = str(tmp_path)
    job = bench_run.Job("io-shm-4", "io", 4, ["-m", "1"], 1, program="io_darray",
                        place="shm", mib=1)
    if outcome == "hangs":
        monkeypatch.setattr(bench_run, "job_timeout", lambda job, pt: 1.0)
    recs, err = bench_run.run_job(t, job, 0.01)
    used = (tmp_path / "dir").read_text().strip()
    assert used.startswith(str(tmp_path / "place")) and used != str(tmp_path / "place")
    assert not os.path.exists(used), "the job's folder outlived it (%s)" % outcome
    assert os.listdir(tmp_path / "place") == []
    if outcome == "ok":
        assert err is None and [r["value"] for r in recs] == [5.5]
    elif outcome == "fails":
        assert err.startswith("exit 3")
    else:
        assert err.startswith("timeout")


def io_raw(values, ceilings, reps=1):
    """raw.json of a run: values[(target, place, variant, ranks)] = MB/s (the same in
    every repetition), ceilings[(place, write|read)] = MB/s."""
    recs = []
    for rep in range(reps):
        for (t, place, v, n), x in values.items():
            nb = 1 << 30 if v.startswith("segmented") else 512 ** 3 * 8
            recs.append({"target": t, "rep": rep, "job": "io-%s-%d" % (place, n), "bench": "io",
                         "variant": v, "label": place, "ranks": n, "bytes": nb, "value": x,
                         "unit": "MB/s", "iters": 1})
        for (place, w), x in ceilings.items():
            recs.append({"target": "machine", "rep": rep, "job": "seqio-" + place,
                         "bench": "seqio", "variant": w, "label": place, "ranks": 1,
                         "bytes": 1 << 30, "value": x, "unit": "MB/s", "iters": 1})
    targets = [{"name": n, "label": lab, "peer": n != "baton", "family": n, "version": "",
                "missing": None, "py_missing": None, "mpicc": "mpicc", "launcher": "mpiexec"}
               for n, lab in (("baton", "Baton"), ("mpich", "MPICH (Debian)"),
                              ("openmpi", "Open MPI (Debian)"))]
    meta = {"date": "2026-12-05-0300", "mode": "quick", "reps": reps, "point_time": 0.04,
            "run_seconds": 1, "total_seconds": 2, "machine": {}, "command": "bench/run.py",
            "targets": targets, "failures": [], "sections": ["local"], "hosts": None,
            "io_places": {"shm": {"dir": "/dev/shm", "fs": "tmpfs", "mib": 1024},
                          "disk": {"dir": "build/bench/io", "fs": "ext4", "mib": 1024}}}
    return {"meta": meta, "records": recs}


def io_values(baton, mpich, openmpi, places=("shm", "disk")):
    return {(t, p, v, n): x for p in places for v in ("darray-write", "darray-read",
                                                      "segmented-write", "segmented-read")
            for n in (4, 8) for t, x in (("baton", baton), ("mpich", mpich),
                                         ("openmpi", openmpi))}


def summary_rows(report, raw):
    d = report.Data(raw)
    return d, {row[0]: row for row in report.build_summary(d).rows if "MPI-IO" in row[0]}


def test_report_io_tables_and_targets(report):
    values = io_values(2000.0, 1000.0, 1500.0)
    # The worst point: Baton's segmented read to disk at 8 ranks, below Open MPI's.
    values[("baton", "disk", "segmented-read", 8)] = 1200.0
    ceil = {("shm", "write"): 2200.0, ("shm", "read"): 4000.0,
            ("disk", "write"): 1800.0, ("disk", "read"): 2000.0}
    d, rows = summary_rows(report, io_raw(values, ceil))
    shm = rows["MPI-IO to shm (darray, segmented; write, read; 4 and 8 ranks)"]
    assert shm[1] == "≥ 1.0× best peer" and shm[4] == "1.33×" and shm[5] is True, shm
    disk = rows["MPI-IO to disk (darray, segmented; write, read; 4 and 8 ranks)"]
    assert disk[2] == "1,200 at segmented-read, 8 ranks" and disk[4] == "0.80×", disk
    assert disk[3] == "1,500 (Open MPI (Debian))" and disk[5] is False, disk
    # Against the ceiling of the same place and direction: shm's worst is a read
    # (2000 / 4000), disk's the segmented read at 8 ranks (1200 / 2000).
    seq = rows["MPI-IO to shm against one sequential stream"]
    assert seq[1] == "≥ 0.8× the sequential ceiling" and seq[4] == "0.50×" and seq[5] is False
    assert "(seq_io read)" in seq[3], seq
    seq = rows["MPI-IO to disk against one sequential stream"]
    assert seq[2] == "1,200 MB/s at segmented-read, 8 ranks" and seq[4] == "0.60×", seq
    text = report.render(d, report.build_summary(d), [], None)
    sec = text.split("## MPI-IO", 1)[1].split("\n## ", 1)[0]
    assert "**shm** (`/dev/shm`, tmpfs); sequential ceiling (MB/s): write 2,200, read 4,000" in sec
    assert "**disk** (`build/bench/io`, ext4)" in sec
    assert "| pattern | ranks | bytes | Baton | MPICH (Debian) | Open MPI (Debian) | " \
           "Baton / best peer | Baton / ceiling |" in sec
    assert "| darray-write | 4 | 1024 MiB | 2,000 | 1,000 | 1,500 | 1.33× | 0.91× |" in sec
    assert "| segmented-read | 8 | 1024 MiB | 1,200 | 1,000 | 1,500 | 0.80× | 0.60× |" in sec
    # The tables of a place come by pattern, then ranks; 8 rows each.
    rows_shm = [line.split(" | ")[0] for line in sec.split("**disk**")[0].splitlines()
                if line.startswith("| ") and line[2:5] in ("dar", "seg")]
    assert rows_shm == ["| darray-write"] * 2 + ["| darray-read"] * 2 + \
        ["| segmented-write"] * 2 + ["| segmented-read"] * 2


def test_report_io_meets_and_missing(report):
    ceil = {(p, w): 1000.0 for p in ("shm", "disk") for w in ("write", "read")}
    d, rows = summary_rows(report, io_raw(io_values(1000.0, 900.0, 950.0), ceil))
    assert all(r[5] is True for r in rows.values()) and len(rows) == 4, rows
    # No ceiling measured (seq_io failed): the row says so, it does not pass.
    d, rows = summary_rows(report, io_raw(io_values(1000.0, 900.0, 950.0, ("shm",)), {}))
    assert rows["MPI-IO to shm against one sequential stream"][2:] == (
        "not measured", "–", "–", None)
    assert "Baton / ceiling" in report.render(d, report.build_summary(d), [], None)
    # A run without MPI-IO has neither the rows nor the section.
    d, rows = summary_rows(report, io_raw({}, {}))
    assert rows == {} and "## MPI-IO" not in report.render(d, report.build_summary(d), [], None)
