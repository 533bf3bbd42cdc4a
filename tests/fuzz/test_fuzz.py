"""The libFuzzer harnesses of tests/fuzz: where untrusted bytes enter Baton.

Built once with `make fuzz` (clang, AddressSanitizer and UBSan) into build-fuzz/.
For every harness fuzz_<name>:
  - test_regressions runs each file of tests/fuzz/regress/<name>/ once: inputs
    that once crashed it, and hand-written valid and malformed seeds;
  - test_fuzz fuzzes it for $BATON_FUZZ_SECONDS seconds (default 30), starting
    from a copy of those files, so that the repository is never written.
Either fails with the input that crashed and the fuzzer's last 50 lines.  A
new crash's input, once the bug is fixed, belongs in tests/fuzz/regress/<name>/.
Skipped when clang or its libFuzzer is missing (Debian: apt-get install clang).
"""
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGRESS = Path(__file__).resolve().parent / "regress"
BUILD = ROOT / "build-fuzz"
TARGETS = ["control", "pmi", "hostfile", "options", "env", "netheader", "setup"]
CC = os.environ.get("FUZZ_CC", "clang")
# A single input that runs this long hangs.
UNIT_TIMEOUT = 30


def _seconds():
    text = os.environ.get("BATON_FUZZ_SECONDS", "30")
    if not text.isdigit() or int(text) < 1:
        pytest.fail("BATON_FUZZ_SECONDS=%r: expected a whole number of seconds, "
                    "at least 1" % text)
    return int(text)


def _libfuzzer_missing():
    """Why the harnesses cannot be built here, or None."""
    if shutil.which(CC) is None:
        return "%s is not installed (the fuzz tests need clang's libFuzzer)" % CC
    with tempfile.TemporaryDirectory() as d:
        probe = Path(d, "probe.c")
        probe.write_text("#include <stddef.h>\n#include <stdint.h>\n"
                         "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)\n"
                         "{ (void)d; (void)n; return 0; }\n")
        res = subprocess.run([CC, "-fsanitize=fuzzer,address,undefined", str(probe),
                              "-o", str(Path(d, "probe"))], capture_output=True, text=True)
    if res.returncode != 0:
        return "%s cannot build a libFuzzer program (-fsanitize=fuzzer): %s" % (
            CC, res.stderr.strip()[-300:])
    return None


@pytest.fixture(scope="module")
def fuzzers():
    why = _libfuzzer_missing()
    if why is not None:
        pytest.skip(why)
    res = subprocess.run(["make", "-s", "fuzz"], cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        pytest.fail("make fuzz failed:\n%s%s" % (res.stdout, res.stderr[-5000:]))
    return BUILD


def _inputs(name):
    files = sorted(p for p in (REGRESS / name).iterdir() if p.is_file())
    assert files, "no inputs in %s" % (REGRESS / name)
    return files


def _run(cmd, cwd, timeout):
    """Exit status and output (stdout and stderr) of a fuzzer run."""
    try:
        # a session of its own: no terminal for the code under test to wait on
        res = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired as e:
        out = (e.output or b"").decode(errors="replace")
        pytest.fail("%s did not end within %d s\n%s" % (cmd[0], timeout, _tail(out)))
    return res.returncode, res.stdout.decode(errors="replace")


def _tail(out):
    return "--- last 50 lines of output ---\n" + "\n".join(out.splitlines()[-50:])


@pytest.mark.parametrize("name", TARGETS)
def test_regressions(fuzzers, name, tmp_path):
    files = _inputs(name)
    status, out = _run([str(fuzzers / ("fuzz_" + name)), "-timeout=%d" % UNIT_TIMEOUT,
                        "-artifact_prefix=%s/" % tmp_path] + [str(p) for p in files],
                       tmp_path, timeout=UNIT_TIMEOUT * len(files) + 60)
    # each input is announced before it runs: the last one is the culprit
    running = re.findall(r"^Running: (.+)$", out, re.M)
    assert status == 0, "fuzz_%s failed (exit %d) on the regression input %s\n%s" % (
        name, status, running[-1] if running else "(none started)", _tail(out))


@pytest.mark.parametrize("name", TARGETS)
def test_fuzz(fuzzers, name, tmp_path):
    seconds = _seconds()
    corpus = tmp_path / "corpus"
    artifacts = tmp_path / "artifacts"
    shutil.copytree(REGRESS / name, corpus)
    artifacts.mkdir()
    status, out = _run([str(fuzzers / ("fuzz_" + name)),
                        "-max_total_time=%d" % seconds, "-rss_limit_mb=1024",
                        "-max_len=4096", "-timeout=%d" % UNIT_TIMEOUT,
                        # the code's own messages (bad input refused) would drown the log
                        "-close_fd_mask=3",
                        "-artifact_prefix=%s/" % artifacts, str(corpus)],
                       tmp_path, timeout=seconds + UNIT_TIMEOUT + 120)
    written = re.findall(r"Test unit written to (\S+)", out)
    crashes = written or sorted(str(p) for p in artifacts.iterdir())
    assert status == 0, (
        "fuzz_%s failed (exit %d) after fuzzing; crashing input: %s (once fixed, keep it "
        "in tests/fuzz/regress/%s/)\n%s" % (
            name, status, ", ".join(crashes) if crashes else "(none written)", name,
            _tail(out)))
