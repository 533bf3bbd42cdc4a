"""The tests of mpi4py's own suite that tests/python/test_upstream.py does not run.

One entry per test id (module.Class.method) with its reason: the MPI feature Baton
lacks. Only missing features belong here. A test that fails because Baton does
something wrong stays in the run, and fails, until Baton is fixed.
When a feature lands, run with BATON_UPSTREAM_RUN_EXCLUDED=1: test_upstream.py then
runs these too and lists those that pass, whose entries can go.
"""

# Empty since the communicator API of MPI 4.1 landed (issue 15): every test of the
# modules test_upstream.py runs passes. One-sided, I/O and dynamic-process modules
# are not run at all until their features exist.
EXCLUDED = {}
