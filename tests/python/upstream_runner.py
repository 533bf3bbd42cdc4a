"""Run mpi4py's own test runner (test/main.py of its source distribution) in one
MPI rank, and record every test's outcome for tests/python/test_upstream.py.

    mpiexec -n N python upstream_runner.py TESTDIR OUTDIR [main.py arguments...]

Each rank appends one JSON line per event to OUTDIR/rank-<rank>.jsonl and flushes
it at once, so that when a test hangs and the job is killed the file still says
which test was running:
    {"event": "start", "id": "test_p2p_obj.TestP2PObjSelf.testSendRecv"}
    {"event": "end", "id": ..., "outcome": "pass|fail|error|skip|xfail|xpass",
     "detail": "traceback or skip reason"}
mpi4py's runner itself (argument parsing, -x/--xfile exclusion patterns, module
selection) is used unchanged.
"""
import json
import os
import sys
import time
import unittest


def main():
    testdir, outdir, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    sys.path.insert(0, testdir)
    sys.dont_write_bytecode = True
    import main as upstream_main  # mpi4py's test/main.py

    state = {"log": None}

    def log(record):
        if state["log"] is None:
            from mpi4py import MPI  # imported by the runner's setup by now
            rank = MPI.COMM_WORLD.Get_rank()
            os.makedirs(outdir, exist_ok=True)
            state["log"] = open(os.path.join(outdir, "rank-%d.jsonl" % rank), "a")
        state["log"].write(json.dumps(record) + "\n")
        state["log"].flush()

    class RecordingResult(unittest.TextTestResult):
        def startTest(self, test):
            self._t0 = time.monotonic()
            log({"event": "start", "id": test.id()})
            super().startTest(test)

        def _end(self, test, outcome, detail=""):
            t0 = getattr(self, "_t0", time.monotonic())
            log({"event": "end", "id": test.id(), "outcome": outcome,
                 "detail": detail, "secs": round(time.monotonic() - t0, 3)})

        def addSuccess(self, test):
            super().addSuccess(test)
            self._end(test, "pass")

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self._end(test, "fail", self.failures[-1][1])

        def addError(self, test, err):
            super().addError(test, err)
            # Errors in setUpClass/setUpModule come with a _ErrorHolder, not a test.
            self._end(test, "error", self.errors[-1][1])

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            self._end(test, "skip", reason)

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            self._end(test, "xfail")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            self._end(test, "xpass")

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                kind = "fail" if issubclass(err[0], test.failureException) else "error"
                # Recorded under the parent test's id: a failed subtest fails it.
                self._end(test, kind, "%s\n%s" % (subtest, self._exc_info_to_string(err, test)))

    class RecordingRunner(unittest.TextTestRunner):
        resultclass = RecordingResult

    try:
        upstream_main.main(module=None, argv=["main.py"] + args,
                           testRunner=RecordingRunner)
    except SystemExit as exc:
        # main.py exits with "not success"; the recorded outcomes are what count,
        # and the exit status still tells mpiexec whether anything failed.
        raise SystemExit(exc.code)


if __name__ == "__main__":
    main()
