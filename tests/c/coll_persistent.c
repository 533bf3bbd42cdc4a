/* Persistent collectives (MPI 4.0): every MPI_<Coll>_init on MPI_COMM_WORLD, with
 * roots that are not rank 0, started four times (one by one with MPI_Start and
 * waited in reverse, then all at once with MPI_Startall and MPI_Waitall / MPI_Testall)
 * with new buffer contents before each start, and with blocking, nonblocking and
 * other persistent collectives (on a duplicate of the world) in between; a large
 * allreduce, and allreduce, gather, allgather and alltoall in place; MPI_Startall of persistent point-to-point and
 * collective requests together, watched with MPI_Request_get_status; a bcast and an
 * allreduce on a split communicator freed while they live on; inactive
 * requests complete at once; the errors: starting an active request, freeing an
 * active persistent collective, a NULL request, a bad root, a bad op. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

#define N 5          /* elements per rank block */
#define NA 3         /* alltoall block */
#define BIG 20011    /* large allreduce: odd, beyond the small-message algorithms */
#define ITERS 4

enum { BARRIER, BCAST, GATHER, GATHERV, SCATTER, SCATTERV, ALLGATHER, ALLGATHERV, ALLTOALL,
       ALLTOALLV, ALLTOALLW, REDUCE, ALLREDUCE, ALLREDUCE_BIG, ALLREDUCE_INPLACE, SCAN, EXSCAN,
       REDUCE_SCATTER, REDUCE_SCATTER_BLOCK, GATHER_INPLACE, ALLGATHER_INPLACE, ALLTOALL_INPLACE,
       NCOLL };
static const char *names[NCOLL] = {
    "barrier", "bcast", "gather", "gatherv", "scatter", "scatterv", "allgather", "allgatherv",
    "alltoall", "alltoallv", "alltoallw", "reduce", "allreduce", "allreduce (large)",
    "allreduce (in place)", "scan", "exscan", "reduce_scatter", "reduce_scatter_block",
    "gather (in place)", "allgather (in place)", "alltoall (in place)"};

static int v(int it, int r, int i)
{
    return (it + 1) * 100000 + r * 1000 + i;
}

/* Element i of the alltoall(v/w) block from src to dst. */
static int w(int it, int src, int dst, int i)
{
    return (it + 1) * 100000 + src * 1000 + dst * 10 + i;
}

static int vcount(int r)   /* the v-variants' per-rank counts */
{
    return r % 3 + 1;
}

static int a2av_count(int src, int dst)
{
    return (src + 2 * dst) % 3 + 1;
}

static int *ialloc(size_t n)
{
    int *p = calloc(n ? n : 1, sizeof(int));
    CHECK(p, "out of memory");
    return p;
}

/* Buffers of every collective. */
static int *bc, *g_s, *g_r, *gv_s, *gv_r, *gv_counts, *gv_displs, *sc_s, *sc_r, *scv_s,
    *scv_r, *scv_counts, *scv_displs, *ag_s, *ag_r, *agv_s, *agv_r, *agv_counts, *agv_displs,
    *a2a_s, *a2a_r, *a2av_s, *a2av_r, *a2av_sc, *a2av_sd, *a2av_rc, *a2av_rd, *a2aw_s,
    *a2aw_r, *a2aw_sd, *a2aw_rd, *red_s, *red_r, *ar_s, *ar_r, *arb_s, *arb_r, *arip, *gip, *agip, *a2aip,
    *scan_s, *scan_r, *exs_s, *exs_r, *rs_s, *rs_r, *rs_counts, *rsb_s, *rsb_r;
static MPI_Datatype *a2aw_types;
static int root_hi, root_mid, gv_total, scv_total, agv_total, rs_total;

static void setup(void)
{
    root_hi = size - 1;
    root_mid = size / 2;
    bc = ialloc(N);
    g_s = ialloc(N);
    g_r = ialloc((size_t)size * N);
    gv_counts = ialloc(size);
    gv_displs = ialloc(size);
    scv_counts = ialloc(size);
    scv_displs = ialloc(size);
    agv_counts = ialloc(size);
    agv_displs = ialloc(size);
    rs_counts = ialloc(size);
    gv_total = scv_total = agv_total = rs_total = 0;
    for (int r = 0; r < size; r++) {
        /* Gaps of one element between the blocks, which must stay untouched. */
        gv_counts[r] = scv_counts[r] = agv_counts[r] = rs_counts[r] = vcount(r);
        gv_displs[r] = scv_displs[r] = agv_displs[r] = gv_total + r;
        gv_total += vcount(r);
        rs_total += vcount(r);
    }
    gv_total += size;
    scv_total = agv_total = gv_total;
    gv_s = ialloc(vcount(rank));
    gv_r = ialloc(gv_total);
    sc_s = ialloc((size_t)size * N);
    sc_r = ialloc(N);
    scv_s = ialloc(scv_total);
    scv_r = ialloc(vcount(rank));
    ag_s = ialloc(N);
    ag_r = ialloc((size_t)size * N);
    agv_s = ialloc(vcount(rank));
    agv_r = ialloc(agv_total);
    a2a_s = ialloc((size_t)size * NA);
    a2a_r = ialloc((size_t)size * NA);
    a2av_sc = ialloc(size);
    a2av_sd = ialloc(size);
    a2av_rc = ialloc(size);
    a2av_rd = ialloc(size);
    a2aw_sd = ialloc(size);
    a2aw_rd = ialloc(size);
    a2aw_types = malloc((size_t)size * sizeof(MPI_Datatype));
    {
        int so = 0, ro = 0;
        for (int r = 0; r < size; r++) {
            a2av_sc[r] = a2av_count(rank, r);
            a2av_rc[r] = a2av_count(r, rank);
            a2av_sd[r] = so;
            a2av_rd[r] = ro;
            a2aw_sd[r] = so * (int)sizeof(int);
            a2aw_rd[r] = ro * (int)sizeof(int);
            a2aw_types[r] = MPI_INT;
            so += a2av_sc[r];
            ro += a2av_rc[r];
        }
        a2av_s = ialloc(so);
        a2av_r = ialloc(ro);
        a2aw_s = ialloc(so);
        a2aw_r = ialloc(ro);
    }
    red_s = ialloc(N);
    red_r = ialloc(N);
    ar_s = ialloc(N);
    ar_r = ialloc(N);
    arb_s = ialloc(BIG);
    arb_r = ialloc(BIG);
    arip = ialloc(N);
    gip = ialloc((size_t)size * N);
    agip = ialloc((size_t)size * N);
    a2aip = ialloc((size_t)size * NA);
    scan_s = ialloc(N);
    scan_r = ialloc(N);
    exs_s = ialloc(N);
    exs_r = ialloc(N);
    rs_s = ialloc(rs_total);
    rs_r = ialloc(vcount(rank));
    rsb_s = ialloc((size_t)size * N);
    rsb_r = ialloc(N);
}

static void init_all(MPI_Comm comm, MPI_Request *req)
{
    MPI_Info info = MPI_INFO_NULL;

    MPI_Barrier_init(comm, info, &req[BARRIER]);
    MPI_Bcast_init(bc, N, MPI_INT, root_hi, comm, info, &req[BCAST]);
    MPI_Gather_init(g_s, N, MPI_INT, g_r, N, MPI_INT, root_hi, comm, info, &req[GATHER]);
    MPI_Gatherv_init(gv_s, vcount(rank), MPI_INT, gv_r, gv_counts, gv_displs, MPI_INT, root_mid,
                     comm, info, &req[GATHERV]);
    MPI_Scatter_init(sc_s, N, MPI_INT, sc_r, N, MPI_INT, root_hi, comm, info, &req[SCATTER]);
    MPI_Scatterv_init(scv_s, scv_counts, scv_displs, MPI_INT, scv_r, vcount(rank), MPI_INT,
                      root_mid, comm, info, &req[SCATTERV]);
    MPI_Allgather_init(ag_s, N, MPI_INT, ag_r, N, MPI_INT, comm, info, &req[ALLGATHER]);
    MPI_Allgatherv_init(agv_s, vcount(rank), MPI_INT, agv_r, agv_counts, agv_displs, MPI_INT,
                        comm, info, &req[ALLGATHERV]);
    MPI_Alltoall_init(a2a_s, NA, MPI_INT, a2a_r, NA, MPI_INT, comm, info, &req[ALLTOALL]);
    MPI_Alltoallv_init(a2av_s, a2av_sc, a2av_sd, MPI_INT, a2av_r, a2av_rc, a2av_rd, MPI_INT,
                       comm, info, &req[ALLTOALLV]);
    MPI_Alltoallw_init(a2aw_s, a2av_sc, a2aw_sd, a2aw_types, a2aw_r, a2av_rc, a2aw_rd,
                       a2aw_types, comm, info, &req[ALLTOALLW]);
    MPI_Reduce_init(red_s, red_r, N, MPI_INT, MPI_SUM, root_mid, comm, info, &req[REDUCE]);
    MPI_Allreduce_init(ar_s, ar_r, N, MPI_INT, MPI_SUM, comm, info, &req[ALLREDUCE]);
    MPI_Allreduce_init(arb_s, arb_r, BIG, MPI_INT, MPI_MAX, comm, info, &req[ALLREDUCE_BIG]);
    MPI_Allreduce_init(MPI_IN_PLACE, arip, N, MPI_INT, MPI_SUM, comm, info,
                       &req[ALLREDUCE_INPLACE]);
    /* In place: the root's (gather) or every rank's (allgather) own block is already in
     * the receive buffer; alltoall sends what the receive buffer holds at the start. */
    MPI_Gather_init(rank == root_mid ? MPI_IN_PLACE : g_s, N, MPI_INT, gip, N, MPI_INT,
                    root_mid, comm, info, &req[GATHER_INPLACE]);
    MPI_Allgather_init(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, agip, N, MPI_INT, comm, info,
                       &req[ALLGATHER_INPLACE]);
    MPI_Alltoall_init(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, a2aip, NA, MPI_INT, comm, info,
                      &req[ALLTOALL_INPLACE]);
    MPI_Scan_init(scan_s, scan_r, N, MPI_INT, MPI_SUM, comm, info, &req[SCAN]);
    MPI_Exscan_init(exs_s, exs_r, N, MPI_INT, MPI_SUM, comm, info, &req[EXSCAN]);
    MPI_Reduce_scatter_init(rs_s, rs_r, rs_counts, MPI_INT, MPI_SUM, comm, info,
                            &req[REDUCE_SCATTER]);
    MPI_Reduce_scatter_block_init(rsb_s, rsb_r, N, MPI_INT, MPI_SUM, comm, info,
                                  &req[REDUCE_SCATTER_BLOCK]);
}

/* New contents for start `it`: inputs from it, outputs cleared to -1. */
static void fill(int it)
{
    int o;

    for (int i = 0; i < N; i++) {
        bc[i] = rank == root_hi ? v(it, root_hi, i) : -1;
        g_s[i] = ag_s[i] = red_s[i] = ar_s[i] = scan_s[i] = exs_s[i] = v(it, rank, i);
        arip[i] = v(it, rank, i);
        sc_r[i] = red_r[i] = ar_r[i] = scan_r[i] = exs_r[i] = rsb_r[i] = -1;
    }
    for (int i = 0; i < size * N; i++) {
        gip[i] = i / N == rank ? v(it, rank, i % N) : -1;
        agip[i] = i / N == rank ? v(it, rank, i % N) : -1;
        g_r[i] = ag_r[i] = -1;
        sc_s[i] = v(it, i / N, i % N);
        rsb_s[i] = v(it, rank, i);
    }
    for (int i = 0; i < vcount(rank); i++) {
        gv_s[i] = agv_s[i] = v(it, rank, i);
        scv_r[i] = rs_r[i] = -1;
    }
    for (int i = 0; i < gv_total; i++)
        gv_r[i] = agv_r[i] = scv_s[i] = -1;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < vcount(r); i++)
            scv_s[scv_displs[r] + i] = v(it, r, i);
    for (int d = 0; d < size; d++)
        for (int i = 0; i < NA; i++) {
            a2a_s[d * NA + i] = w(it, rank, d, i);
            a2aip[d * NA + i] = w(it + 3, rank, d, i);
            a2a_r[d * NA + i] = -1;
        }
    o = 0;
    for (int d = 0; d < size; d++)
        for (int i = 0; i < a2av_sc[d]; i++, o++) {
            a2av_s[o] = w(it, rank, d, i);
            a2aw_s[o] = w(it + 7, rank, d, i);
        }
    o = 0;
    for (int s = 0; s < size; s++)
        for (int i = 0; i < a2av_rc[s]; i++, o++)
            a2av_r[o] = a2aw_r[o] = -1;
    for (int i = 0; i < BIG; i++) {
        arb_s[i] = (rank * 7919 + i * 31 + it * 13) % 100003;
        arb_r[i] = -1;
    }
    for (int i = 0; i < rs_total; i++)
        rs_s[i] = v(it, rank, i);
}

static void verify(int it)
{
    int o;

    for (int i = 0; i < N; i++)
        CHECK(bc[i] == v(it, root_hi, i), "bcast start %d: element %d is %d", it, i, bc[i]);
    if (rank == root_hi)
        for (int i = 0; i < size * N; i++)
            CHECK(g_r[i] == v(it, i / N, i % N), "gather start %d: element %d is %d", it, i,
                  g_r[i]);
    if (rank == root_mid)
        for (int r = 0; r < size; r++) {
            for (int i = 0; i < vcount(r); i++)
                CHECK(gv_r[gv_displs[r] + i] == v(it, r, i),
                      "gatherv start %d: element %d from rank %d is %d", it, i, r,
                      gv_r[gv_displs[r] + i]);
            CHECK(gv_r[gv_displs[r] + vcount(r)] == -1, "gatherv start %d: gap after rank %d "
                  "written", it, r);
        }
    for (int i = 0; i < N; i++)
        CHECK(sc_r[i] == v(it, rank, i), "scatter start %d: element %d is %d", it, i, sc_r[i]);
    for (int i = 0; i < vcount(rank); i++)
        CHECK(scv_r[i] == v(it, rank, i), "scatterv start %d: element %d is %d", it, i, scv_r[i]);
    for (int i = 0; i < size * N; i++) {
        CHECK(ag_r[i] == v(it, i / N, i % N), "allgather start %d: element %d is %d", it, i,
              ag_r[i]);
        CHECK(agip[i] == v(it, i / N, i % N), "allgather in place start %d: element %d is %d",
              it, i, agip[i]);
        if (rank == root_mid)
            CHECK(gip[i] == v(it, i / N, i % N), "gather in place start %d: element %d is %d",
                  it, i, gip[i]);
    }
    for (int s = 0; s < size; s++)
        for (int i = 0; i < NA; i++)
            CHECK(a2aip[s * NA + i] == w(it + 3, s, rank, i),
                  "alltoall in place start %d: element %d from rank %d is %d", it, i, s,
                  a2aip[s * NA + i]);
    for (int r = 0; r < size; r++) {
        for (int i = 0; i < vcount(r); i++)
            CHECK(agv_r[agv_displs[r] + i] == v(it, r, i),
                  "allgatherv start %d: element %d from rank %d is %d", it, i, r,
                  agv_r[agv_displs[r] + i]);
        CHECK(agv_r[agv_displs[r] + vcount(r)] == -1, "allgatherv start %d: gap written", it);
    }
    for (int s = 0; s < size; s++)
        for (int i = 0; i < NA; i++)
            CHECK(a2a_r[s * NA + i] == w(it, s, rank, i),
                  "alltoall start %d: element %d from rank %d is %d", it, i, s, a2a_r[s * NA + i]);
    o = 0;
    for (int s = 0; s < size; s++)
        for (int i = 0; i < a2av_rc[s]; i++, o++) {
            CHECK(a2av_r[o] == w(it, s, rank, i), "alltoallv start %d: element %d from rank %d "
                  "is %d", it, i, s, a2av_r[o]);
            CHECK(a2aw_r[o] == w(it + 7, s, rank, i), "alltoallw start %d: element %d from rank "
                  "%d is %d", it, i, s, a2aw_r[o]);
        }
    for (int i = 0; i < N; i++) {
        int all = 0, upto = 0, below = 0;
        for (int r = 0; r < size; r++) {
            all += v(it, r, i);
            if (r <= rank)
                upto += v(it, r, i);
            if (r < rank)
                below += v(it, r, i);
        }
        if (rank == root_mid)
            CHECK(red_r[i] == all, "reduce start %d: element %d is %d, expected %d", it, i,
                  red_r[i], all);
        else
            CHECK(red_r[i] == -1, "reduce start %d: recvbuf written on a non-root", it);
        CHECK(ar_r[i] == all, "allreduce start %d: element %d is %d, expected %d", it, i,
              ar_r[i], all);
        CHECK(arip[i] == all, "allreduce in place start %d: element %d is %d, expected %d", it,
              i, arip[i], all);
        CHECK(scan_r[i] == upto, "scan start %d: element %d is %d, expected %d", it, i,
              scan_r[i], upto);
        if (rank > 0)
            CHECK(exs_r[i] == below, "exscan start %d: element %d is %d, expected %d", it, i,
                  exs_r[i], below);
    }
    for (int i = 0; i < BIG; i++) {
        int mx = -1;
        for (int r = 0; r < size; r++) {
            int x = (r * 7919 + i * 31 + it * 13) % 100003;
            mx = x > mx ? x : mx;
        }
        CHECK(arb_r[i] == mx, "large allreduce start %d: element %d is %d, expected %d", it, i,
              arb_r[i], mx);
    }
    {
        int off = 0;
        for (int r = 0; r < rank; r++)
            off += rs_counts[r];
        for (int i = 0; i < vcount(rank); i++) {
            int all = 0;
            for (int r = 0; r < size; r++)
                all += v(it, r, off + i);
            CHECK(rs_r[i] == all, "reduce_scatter start %d: element %d is %d, expected %d", it,
                  i, rs_r[i], all);
        }
        for (int i = 0; i < N; i++) {
            int all = 0;
            for (int r = 0; r < size; r++)
                all += v(it, r, rank * N + i);
            CHECK(rsb_r[i] == all, "reduce_scatter_block start %d: element %d is %d, "
                  "expected %d", it, i, rsb_r[i], all);
        }
    }
}

/* Collectives of other kinds between two starts. */
static void interleave(MPI_Comm dup, MPI_Request dup_bar, int it)
{
    int one = 1, n = 0, x = rank == root_mid ? 42 + it : -1;
    MPI_Request r;

    MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(n == size, "blocking allreduce between starts gave %d", n);
    MPI_Ibcast(&x, 1, MPI_INT, root_mid, MPI_COMM_WORLD, &r);
    MPI_Start(&dup_bar);
    MPI_Wait(&dup_bar, MPI_STATUS_IGNORE);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    CHECK(x == 42 + it, "ibcast between starts gave %d", x);
}

/* Persistent point-to-point around the ring and a persistent allreduce, started
 * together by MPI_Startall and watched with MPI_Request_get_status, which neither
 * frees nor deactivates them. */
static void mixed(void)
{
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int sbuf[4], rbuf[4], in, out;
    MPI_Request reqs[3];
    MPI_Status st[3];

    MPI_Send_init(sbuf, 4, MPI_INT, next, 9, MPI_COMM_WORLD, &reqs[0]);
    MPI_Allreduce_init(&in, &out, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[1]);
    MPI_Recv_init(rbuf, 4, MPI_INT, prev, 9, MPI_COMM_WORLD, &reqs[2]);
    for (int it = 0; it < 3; it++) {
        int flag = 0, done[3] = {0, 0, 0};
        for (int i = 0; i < 4; i++) {
            sbuf[i] = v(it, rank, i);
            rbuf[i] = -1;
        }
        in = rank + it;
        out = -1;
        MPI_Startall(3, reqs);
        while (!(done[0] && done[1] && done[2]))
            for (int k = 0; k < 3; k++) {
                MPI_Status s;
                MPI_Request_get_status(reqs[k], &flag, &s);
                CHECK(reqs[k] != MPI_REQUEST_NULL, "MPI_Request_get_status freed request %d", k);
                if (flag && k == 2)
                    CHECK(s.MPI_SOURCE == prev && s.MPI_TAG == 9,
                          "get_status of the receive: source %d tag %d", s.MPI_SOURCE, s.MPI_TAG);
                done[k] |= flag;
            }
        /* Still active: a second start is an error, and waitall completes them. */
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        CHECK_ERROR(MPI_Start(&reqs[1]), MPI_ERR_REQUEST, "MPI_Start",
                   "start of a completed but not yet waited persistent allreduce");
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Waitall(3, reqs, st);
        CHECK(st[2].MPI_SOURCE == prev, "waitall: receive from %d", st[2].MPI_SOURCE);
        for (int i = 0; i < 4; i++)
            CHECK(rbuf[i] == v(it, prev, i), "mixed start %d: received %d at %d", it, rbuf[i], i);
        CHECK(out == size * (size - 1) / 2 + size * it, "mixed start %d: allreduce gave %d", it,
              out);
        for (int k = 0; k < 3; k++)
            CHECK(reqs[k] != MPI_REQUEST_NULL, "waitall freed persistent request %d", k);
    }
    for (int k = 0; k < 3; k++)
        MPI_Request_free(&reqs[k]);
}

/* On a split of the world (odd and even ranks), whose handle is freed while the
 * requests live on: a bcast from its last rank and an allreduce, started three
 * times with world collectives in between. */
static void on_split(void)
{
    MPI_Comm half;
    MPI_Request reqs[2];
    int hrank, hsize, b[3], in[2], out[2];

    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &half);   /* reversed order */
    MPI_Comm_rank(half, &hrank);
    MPI_Comm_size(half, &hsize);
    MPI_Bcast_init(b, 3, MPI_INT, hsize - 1, half, MPI_INFO_NULL, &reqs[0]);
    MPI_Allreduce_init(in, out, 2, MPI_INT, MPI_MAX, half, MPI_INFO_NULL, &reqs[1]);
    MPI_Comm_free(&half);
    for (int it = 0; it < 3; it++) {
        int one = 1, n = 0;
        for (int i = 0; i < 3; i++)
            b[i] = hrank == hsize - 1 ? v(it, rank, i) : -1;
        in[0] = rank + it;
        in[1] = -rank;
        MPI_Startall(2, reqs);
        MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK(n == size, "world allreduce during split persistent ones gave %d", n);
        MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
        {
            /* The half's last rank is its lowest world rank (keys reversed). */
            int root_world = rank % 2, hi = rank % 2 + 2 * ((size - 1 - rank % 2) / 2);
            for (int i = 0; i < 3; i++)
                CHECK(b[i] == v(it, root_world, i), "split bcast start %d: element %d is %d",
                      it, i, b[i]);
            CHECK(out[0] == hi + it && out[1] == -(rank % 2),
                  "split allreduce start %d: %d %d, expected %d %d", it, out[0], out[1], hi + it,
                  -(rank % 2));
        }
    }
    MPI_Request_free(&reqs[0]);
    MPI_Request_free(&reqs[1]);
}

static void errors(void)
{
    int x = 0, y = 0, flag = 0, rc;
    MPI_Request req, bad;
    MPI_Status st;

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    /* Inactive: waits and tests complete at once with an empty status. */
    MPI_Allreduce_init(&x, &y, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &req);
    st.MPI_SOURCE = 77;
    MPI_Wait(&req, &st);
    CHECK(req != MPI_REQUEST_NULL && st.MPI_SOURCE == MPI_ANY_SOURCE,
          "wait on an inactive persistent collective: source %d", st.MPI_SOURCE);
    MPI_Request_get_status(req, &flag, MPI_STATUS_IGNORE);
    CHECK(flag == 1, "get_status of an inactive persistent collective: flag %d", flag);

    /* Active: a second start and a free are errors; the request stays usable. */
    MPI_Start(&req);
    CHECK_ERROR(MPI_Start(&req), MPI_ERR_REQUEST, "MPI_Start", "start of an active request");
    CHECK_ERROR(MPI_Startall(1, &req), MPI_ERR_REQUEST, "MPI_Startall",
               "startall of an active request");
    bad = req;
    CHECK_ERROR(MPI_Request_free(&bad), MPI_ERR_REQUEST, "MPI_Request_free",
               "free of an active persistent collective");
    CHECK(bad == req, "a refused MPI_Request_free changed the handle");
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(y == 0, "allreduce of zeros gave %d", y);
    CHECK(req != MPI_REQUEST_NULL, "wait freed a persistent collective request");
    rc = MPI_Request_free(&req);
    CHECK(rc == MPI_SUCCESS && req == MPI_REQUEST_NULL, "free of an inactive request: rc %d", rc);

    /* Argument errors of the init calls (the same on every rank). */
    CHECK_ERROR(MPI_Bcast_init(&x, 1, MPI_INT, 0, MPI_COMM_WORLD, MPI_INFO_NULL, NULL),
               MPI_ERR_ARG, "MPI_Bcast_init", "a NULL request");
    CHECK_ERROR(MPI_Reduce_init(&x, &y, 1, MPI_INT, MPI_SUM, size, MPI_COMM_WORLD, MPI_INFO_NULL,
                               &req),
               MPI_ERR_ROOT, "MPI_Reduce_init", "root == size");
    CHECK_ERROR(MPI_Allreduce_init(&x, &y, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD, MPI_INFO_NULL,
                                  &req),
               MPI_ERR_OP, "MPI_Allreduce_init", "MPI_OP_NULL");
    CHECK_ERROR(MPI_Barrier_init(MPI_COMM_NULL, MPI_INFO_NULL, &req), MPI_ERR_COMM,
               "MPI_Barrier_init", "MPI_COMM_NULL");
    CHECK_ERROR(MPI_Allgather_init(&x, -1, MPI_INT, &y, 1, MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL,
                                  &req),
               MPI_ERR_COUNT, "MPI_Allgather_init", "a negative count");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Request req[NCOLL], dup_bar;
    MPI_Comm dup;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    setup();
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Barrier_init(dup, MPI_INFO_NULL, &dup_bar);
    init_all(MPI_COMM_WORLD, req);
    for (int k = 0; k < NCOLL; k++)
        CHECK(req[k] != MPI_REQUEST_NULL, "%s_init gave MPI_REQUEST_NULL", names[k]);

    for (int it = 0; it < ITERS; it++) {
        fill(it);
        if (it % 2 == 0) {
            /* One by one, completed in reverse. */
            for (int k = 0; k < NCOLL; k++)
                MPI_Start(&req[k]);
            for (int k = NCOLL - 1; k >= 0; k--) {
                MPI_Status st;
                MPI_Wait(&req[k], &st);
                CHECK(req[k] != MPI_REQUEST_NULL, "wait freed the %s request", names[k]);
            }
        } else if (it == 1) {
            MPI_Startall(NCOLL, req);
            MPI_Waitall(NCOLL, req, MPI_STATUSES_IGNORE);
        } else {
            int flag = 0;
            MPI_Startall(NCOLL, req);
            while (!flag)
                MPI_Testall(NCOLL, req, &flag, MPI_STATUSES_IGNORE);
        }
        verify(it);
        interleave(dup, dup_bar, it);
    }
    for (int k = 0; k < NCOLL; k++) {
        MPI_Request_free(&req[k]);
        CHECK(req[k] == MPI_REQUEST_NULL, "free of the %s request left the handle", names[k]);
    }
    MPI_Request_free(&dup_bar);
    MPI_Comm_free(&dup);

    mixed();
    on_split();
    errors();

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("coll_persistent: OK on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
