"""Fixtures for tests across hosts (see README.md beside this file).

  cluster    2 hosts h1, h2 (session scope)
  cluster3   3 hosts h1, h2, h3 (session scope, its own namespaces)
  slurm      Slurm on `cluster`: slurmctld in h1, slurmd on h1 and h2

Where the cluster cannot be built (not root, tools missing, no network
namespaces) the tests that use these fixtures are skipped with the reason,
and the reason is repeated in the summary at the end of the run.  A cluster
that can be built but fails to come up is an error, not a skip.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import (Cluster, SlurmCluster, cluster_available,  # noqa: E402
                     slurm_available)

_skip_reasons = set()


def _skip(reason):
    _skip_reasons.add(reason)
    pytest.skip(reason)


def _make(n):
    ok, why = cluster_available()
    if not ok:
        _skip(f"namespace cluster unavailable: {why}")
    c = Cluster(n=n)
    c.up()
    return c


@pytest.fixture(scope="session")
def cluster():
    c = _make(2)
    try:
        yield c
    finally:
        c.down()


@pytest.fixture(scope="session")
def cluster3():
    c = _make(3)
    try:
        yield c
    finally:
        c.down()


@pytest.fixture(scope="session")
def slurm(cluster):
    ok, why = slurm_available()
    if not ok:
        _skip(f"Slurm unavailable: {why}")
    s = SlurmCluster(cluster)
    s.up()
    try:
        yield s
    finally:
        s.down()


def pytest_terminal_summary(terminalreporter):
    for reason in sorted(_skip_reasons):
        terminalreporter.write_line(f"tests/cluster: SKIPPED tests across hosts: {reason}",
                                    yellow=True, bold=True)
