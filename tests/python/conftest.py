"""Prints the per-process-count summary of mpi4py's own test suite
(test_upstream.py) at the end of the session."""
import json

from harness import ROOT, UPSTREAM_SUMMARY


def pytest_terminal_summary(terminalreporter):
    if not UPSTREAM_SUMMARY:
        return
    tr = terminalreporter
    tr.section("mpi4py's own test suite on Baton")
    cols = ["run", "passed", "failed", "skipped", "excluded"]
    tr.write_line("%4s  %s   modules" % ("np", "  ".join("%8s" % c for c in cols)))
    for np_ in sorted(UPSTREAM_SUMMARY):
        s = UPSTREAM_SUMMARY[np_]
        tr.write_line("%4d  %s   %d" % (np_, "  ".join("%8d" % s[c] for c in cols),
                                        s["modules"]))
    out = ROOT / "build" / "python" / "upstream-summary.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({str(k): v for k, v in sorted(UPSTREAM_SUMMARY.items())},
                              indent=1) + "\n")
    tr.write_line("(also in %s)" % out.relative_to(ROOT))
