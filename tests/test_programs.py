"""Runs every C test program of tests/c under mpiexec at several process counts.

A program states how it is run in comment lines near its top:
  /* np: 1 2 3 4 8 */                    process counts (default: 1 2 3 4 8)
  /* env-matrix: BATON_X=a,b,c */        run once per value (one such line per variable;
                                         several lines multiply)
  /* expect: fail "MPI_Send" */          the job must fail and stderr must name this
  /* runner: skip */                     not an MPI program (compile-only checks, stubs)
  /* hosts: skip REASON */               not run across nodes (it checks one node's workings)

Every program is also run across two nodes on this machine: mpiexec -launcher fork
gives each host name its own proxy and node, so that ranks on different "hosts" talk
through the network transport (libfabric on loopback) while those of one host share
memory: 3 ranks as a:2,b:1 in both builds, 4 ranks as a:1,b:3 in the normal build
(programs for other counts only: 2 ranks as a,b). The point-to-point programs (p2p_*)
run the first of these twice: large messages read from the sender's memory (RMA
read, libfabric's tcp offers it) and streamed through frames (BATON_NET_RMA=0, as
on a provider without RMA).

BATON_BUILDS names the build trees to test, space-separated (default "build"; the
full suite uses "build build-san", the AddressSanitizer + UBSan build). Programs are
compiled with each tree's mpicc (with the sanitizers for build-san, where
BATON_TEST_SKIP_LARGE=1 tells programs to skip their multi-GiB parts).
"""
import itertools
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "python"))
from harness import shm_entries  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUILDS = os.environ.get("BATON_BUILDS", os.environ.get("BATON_BUILD", "build")).split()
CDIR = ROOT / "tests" / "c"
TIMEOUT = float(os.environ.get("BATON_TEST_TIMEOUT", "120"))


def parse(path):
    text = path.read_text()
    if "runner: skip" in text or "MPI_Init" not in text:
        return None
    m = re.search(r"/\*\s*np:([\d\s]+)\*/", text)
    nps = [int(x) for x in m.group(1).split()] if m else [1, 2, 3, 4, 8]
    envs = []
    for var, vals in re.findall(r"/\*\s*env-matrix:\s*(\w+)=([^*]+?)\s*\*/", text):
        envs.append([(var, v.strip()) for v in vals.split(",") if v.strip()])
    m = re.search(r'/\*\s*expect:\s*fail\s+"([^"]*)"\s*\*/', text)
    hosts = not re.search(r"/\*\s*hosts:\s*skip", text)
    return {"nps": nps, "envs": envs, "fail": m.group(1) if m else None, "hosts": hosts}


# Placements across two fork "hosts": (build-tree filter, ranks, host list).
PLACEMENTS = [(None, 3, "a:2,b:1"), ("build", 4, "a:1,b:3")]


PROGRAMS = {}
for src in sorted(CDIR.glob("*.c")):
    spec = parse(src)
    if spec:
        PROGRAMS[src.stem] = spec


def cases():
    for build in BUILDS:
        for name, spec in PROGRAMS.items():
            combos = list(itertools.product(*spec["envs"])) if spec["envs"] else [()]
            for np_ in spec["nps"]:
                for combo in combos:
                    label = ",".join("%s=%s" % kv for kv in combo)
                    yield pytest.param(build, name, np_, dict(combo), None, id="%s-%s-n%d%s" % (
                        build, name, np_, "-" + label if label else ""))
            if not spec["hosts"]:
                continue
            places = [(o, n, h) for o, n, h in PLACEMENTS if n in spec["nps"]]
            if not places and 2 in spec["nps"]:
                places = [(None, 2, "a,b")]
            for i, (only, np_, hosts) in enumerate(places):
                if only not in (None, build):
                    continue
                variants = [combos[0]]
                if i == 0 and name.startswith("p2p_"):
                    variants.append(combos[0] + (("BATON_NET_RMA", "0"),))
                for combo in variants:
                    label = ",".join("%s=%s" % kv for kv in combo)
                    yield pytest.param(build, name, np_, dict(combo), hosts,
                                       id="%s-%s-hosts-%s-n%d%s" % (
                                           build, name, hosts, np_, "-" + label if label else ""))


def is_san(build):
    return build.endswith("san")


def compile_one(build, name):
    tree = ROOT / build
    exe = tree / "tests" / name
    src = CDIR / (name + ".c")
    if exe.exists() and exe.stat().st_mtime > max(src.stat().st_mtime,
                                                  (tree / "lib" / "libmpi.so.0").stat().st_mtime):
        return name, None
    cmd = [str(tree / "bin" / "mpicc"), "-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-Wall",
           "-Werror", "-o", str(exe), str(src), "-lm", "-pthread"]
    if is_san(build):
        cmd[1:1] = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    return name, None if res.returncode == 0 else res.stderr


_built = {}


def built(build):
    """Compiles every program for a build tree once; name -> compiler errors or None."""
    if build not in _built:
        tree = ROOT / build
        if not (tree / "bin" / "mpiexec").exists():
            pytest.fail("%s is not built: run make%s first" % (build,
                        " SAN=1" if is_san(build) else ""))
        (tree / "tests").mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            _built[build] = dict(pool.map(lambda n: compile_one(build, n), PROGRAMS))
    return _built[build]


@pytest.mark.parametrize("build,name,np_,env,hosts", list(cases()))
def test_program(build, name, np_, env, hosts):
    errors = built(build)[name]
    if errors:
        pytest.fail("compile failed:\n" + errors)
    tree = ROOT / build
    san = is_san(build)
    spec = PROGRAMS[name]
    before = shm_entries()
    full_env = dict(os.environ, **env)
    if san:
        full_env.setdefault("BATON_TEST_SKIP_LARGE", "1")
        full_env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
        full_env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    cmd = [str(tree / "bin" / "mpiexec"), "-n", str(np_), str(tree / "tests" / name)]
    if hosts:
        # Every "host" here is this machine: binding would pile each host's local
        # rank 0 onto CPU 0.
        cmd[1:1] = ["-launcher", "fork", "-hosts", hosts]
        full_env["BATON_BIND"] = "none"
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=full_env)
    except subprocess.TimeoutExpired as e:
        pytest.fail("%s -n %d %s: no end after %ds (hang)\nstdout:\n%s\nstderr:\n%s" % (
            name, np_, env, TIMEOUT, e.stdout, e.stderr))
    report = "exit %d\nstdout:\n%s\nstderr:\n%s" % (res.returncode, res.stdout[-4000:],
                                                     res.stderr[-4000:])
    if spec["fail"] is not None:
        assert res.returncode != 0, "the job should have failed\n" + report
        assert spec["fail"] in res.stderr, "stderr does not name %r\n%s" % (spec["fail"], report)
    else:
        assert res.returncode == 0, report
        assert "FAIL" not in res.stdout, report
    if san:
        assert "runtime error:" not in res.stderr and "AddressSanitizer" not in res.stderr, report
    assert shm_entries() <= before, "left in /dev/shm: %s" % (shm_entries() - before)
