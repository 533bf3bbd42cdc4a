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
