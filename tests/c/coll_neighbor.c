/* Neighbourhood collectives, blocking and nonblocking, on a 2-D Cartesian grid
 * (periodic in one dimension: MPI_PROC_NULL neighbours at the other's edges), a
 * periodic ring (at 1 and 2 ranks one process is both neighbours), a graph and an
 * asymmetric distributed graph. Every received element says who sent it, from
 * which of its blocks and which element it is; receive blocks of MPI_PROC_NULL
 * neighbours must stay untouched, and so must the gaps between displaced blocks.
 * Also blocks past the eager limit, polled to completion with MPI_Test, and a
 * strided send type. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

#define MAXN 16
#define SENTINEL -77

typedef struct {
    const char *name;
    MPI_Comm    comm;
    int         me, in, out;
    int         src[MAXN], dst[MAXN];
    int         kslot[MAXN];   /* the sender's block index of what arrives in slot i */
} topo_t;

static int val(int sender, int k, int j)
{
    return sender * 1000 + k * 10 + j;
}

/* Counts that differ per pair: what sender's block k holds. */
static int vcount(int sender, int k)
{
    return 1 + (sender + k) % 3;
}

static void check_slot(const topo_t *t, const char *what, int i, const int *got, int n, int k)
{
    int s = t->src[i];

    for (int j = 0; j < n; j++) {
        int exp = s == MPI_PROC_NULL ? SENTINEL : val(s, k, j);
        CHECK(got[j] == exp, "%s %s: slot %d (source %d) element %d is %d, expected %d", t->name,
              what, i, s, j, got[j], exp);
    }
}

static void run(const topo_t *t, int nonblocking)
{
    int sbuf[MAXN * 8], rbuf[MAXN * 8 + 8], scounts[MAXN], sdispls[MAXN], rcounts[MAXN];
    int rdispls[MAXN], total;
    MPI_Aint sd_w[MAXN], rd_w[MAXN];
    MPI_Datatype stypes[MAXN], rtypes[MAXN], blocks[MAXN];
    MPI_Request req = MPI_REQUEST_NULL;
    const char *what;

#define GO(blocking_call, nonblocking_call)                                  \
    do {                                                                     \
        for (int q_ = 0; q_ < MAXN * 8 + 8; q_++)                           \
            rbuf[q_] = SENTINEL;                                             \
        if (nonblocking) {                                                   \
            nonblocking_call;                                                \
            MPI_Wait(&req, MPI_STATUS_IGNORE);                               \
        } else {                                                             \
            blocking_call;                                                   \
        }                                                                    \
    } while (0)

    /* allgather: the same 2 elements to every destination. */
    what = nonblocking ? "Ineighbor_allgather" : "Neighbor_allgather";
    for (int j = 0; j < 2; j++)
        sbuf[j] = val(t->me, 0, j);
    GO(MPI_Neighbor_allgather(sbuf, 2, MPI_INT, rbuf, 2, MPI_INT, t->comm),
       MPI_Ineighbor_allgather(sbuf, 2, MPI_INT, rbuf, 2, MPI_INT, t->comm, &req));
    for (int i = 0; i < t->in; i++)
        check_slot(t, what, i, rbuf + 2 * i, 2, 0);

    /* allgatherv: each sender sends its own count; blocks placed backwards with a
     * gap of one element between them. */
    what = nonblocking ? "Ineighbor_allgatherv" : "Neighbor_allgatherv";
    for (int j = 0; j < vcount(t->me, 0); j++)
        sbuf[j] = val(t->me, 0, j);
    total = 0;
    for (int i = t->in - 1; i >= 0; i--) {
        rcounts[i] = t->src[i] == MPI_PROC_NULL ? 2 : vcount(t->src[i], 0);
        rdispls[i] = total;
        total += rcounts[i] + 1;
    }
    GO(MPI_Neighbor_allgatherv(sbuf, vcount(t->me, 0), MPI_INT, rbuf, rcounts, rdispls, MPI_INT,
                               t->comm),
       MPI_Ineighbor_allgatherv(sbuf, vcount(t->me, 0), MPI_INT, rbuf, rcounts, rdispls,
                                MPI_INT, t->comm, &req));
    for (int i = 0; i < t->in; i++) {
        check_slot(t, what, i, rbuf + rdispls[i], rcounts[i], 0);
        CHECK(rbuf[rdispls[i] + rcounts[i]] == SENTINEL, "%s %s: the gap after slot %d was "
              "written", t->name, what, i);
    }

    /* alltoall: block k to destination k. */
    what = nonblocking ? "Ineighbor_alltoall" : "Neighbor_alltoall";
    for (int k = 0; k < t->out; k++)
        for (int j = 0; j < 3; j++)
            sbuf[3 * k + j] = val(t->me, k, j);
    GO(MPI_Neighbor_alltoall(sbuf, 3, MPI_INT, rbuf, 3, MPI_INT, t->comm),
       MPI_Ineighbor_alltoall(sbuf, 3, MPI_INT, rbuf, 3, MPI_INT, t->comm, &req));
    for (int i = 0; i < t->in; i++)
        check_slot(t, what, i, rbuf + 3 * i, 3, t->kslot[i]);

    /* alltoallv: counts per pair, send blocks in reverse order, receive with gaps. */
    what = nonblocking ? "Ineighbor_alltoallv" : "Neighbor_alltoallv";
    total = 0;
    for (int k = t->out - 1; k >= 0; k--) {
        scounts[k] = vcount(t->me, k);
        sdispls[k] = total;
        for (int j = 0; j < scounts[k]; j++)
            sbuf[total + j] = val(t->me, k, j);
        total += scounts[k];
    }
    total = 0;
    for (int i = 0; i < t->in; i++) {
        rcounts[i] = t->src[i] == MPI_PROC_NULL ? 1 : vcount(t->src[i], t->kslot[i]);
        rdispls[i] = total;
        total += rcounts[i] + 2;
    }
    GO(MPI_Neighbor_alltoallv(sbuf, scounts, sdispls, MPI_INT, rbuf, rcounts, rdispls, MPI_INT,
                              t->comm),
       MPI_Ineighbor_alltoallv(sbuf, scounts, sdispls, MPI_INT, rbuf, rcounts, rdispls,
                               MPI_INT, t->comm, &req));
    for (int i = 0; i < t->in; i++) {
        check_slot(t, what, i, rbuf + rdispls[i], rcounts[i], t->kslot[i]);
        CHECK(rbuf[rdispls[i] + rcounts[i]] == SENTINEL, "%s %s: the gap after slot %d was "
              "written", t->name, what, i);
    }

    /* alltoallw: the same blocks, byte displacements, and every other receive block
     * as one element of a contiguous type of its count. */
    what = nonblocking ? "Ineighbor_alltoallw" : "Neighbor_alltoallw";
    for (int k = 0; k < t->out; k++) {
        sd_w[k] = (MPI_Aint)sdispls[k] * (MPI_Aint)sizeof(int);
        stypes[k] = MPI_INT;
    }
    int wcounts[MAXN];
    for (int i = 0; i < t->in; i++) {
        rd_w[i] = (MPI_Aint)rdispls[i] * (MPI_Aint)sizeof(int);
        blocks[i] = MPI_DATATYPE_NULL;
        if (i % 2) {
            MPI_Type_contiguous(rcounts[i], MPI_INT, &blocks[i]);
            MPI_Type_commit(&blocks[i]);
            rtypes[i] = blocks[i];
            wcounts[i] = 1;
        } else {
            rtypes[i] = MPI_INT;
            wcounts[i] = rcounts[i];
        }
    }
    GO(MPI_Neighbor_alltoallw(sbuf, scounts, sd_w, stypes, rbuf, wcounts, rd_w, rtypes, t->comm),
       MPI_Ineighbor_alltoallw(sbuf, scounts, sd_w, stypes, rbuf, wcounts, rd_w, rtypes, t->comm,
                               &req));
    for (int i = 0; i < t->in; i++) {
        check_slot(t, what, i, rbuf + rdispls[i], rcounts[i], t->kslot[i]);
        if (blocks[i] != MPI_DATATYPE_NULL)
            MPI_Type_free(&blocks[i]);
    }
#undef GO
}

/* Several nonblocking neighbourhood collectives in flight at once on one communicator. */
static void run_overlapped(const topo_t *t)
{
    int s1[2], s2[MAXN], r1[MAXN * 2], r2[MAXN];
    MPI_Request reqs[2];

    s1[0] = val(t->me, 0, 0);
    s1[1] = val(t->me, 0, 1);
    for (int k = 0; k < t->out; k++)
        s2[k] = val(t->me, k, 0);
    for (int i = 0; i < MAXN; i++)
        r1[2 * i] = r1[2 * i + 1] = r2[i] = SENTINEL;
    MPI_Ineighbor_allgather(s1, 2, MPI_INT, r1, 2, MPI_INT, t->comm, &reqs[0]);
    MPI_Ineighbor_alltoall(s2, 1, MPI_INT, r2, 1, MPI_INT, t->comm, &reqs[1]);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    for (int i = 0; i < t->in; i++) {
        check_slot(t, "overlapped Ineighbor_allgather", i, r1 + 2 * i, 2, 0);
        check_slot(t, "overlapped Ineighbor_alltoall", i, r2 + i, 1, t->kslot[i]);
    }
}

/* Blocks past the eager limit (rendezvous inside the schedule), completed by
 * polling MPI_Test, and a strided send type: every other int of a buffer twice as
 * long. */
#define BIG 40000
static void run_large(const topo_t *t)
{
    int *sbuf = malloc((size_t)MAXN * BIG * sizeof(int)), *rbuf = malloc((size_t)MAXN * BIG * sizeof(int));
    int *strided = malloc(2 * (size_t)BIG * sizeof(int)), flag = 0, polls = 0;
    MPI_Datatype every_other;
    MPI_Request req;

    for (int k = 0; k < t->out; k++)
        for (int j = 0; j < BIG; j++)
            sbuf[(size_t)k * BIG + j] = val(t->me, k, j % 10) + (j / 10) * 100000;
    for (size_t q = 0; q < (size_t)MAXN * BIG; q++)
        rbuf[q] = SENTINEL;
    MPI_Ineighbor_alltoall(sbuf, BIG, MPI_INT, rbuf, BIG, MPI_INT, t->comm, &req);
    while (!flag) {
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        polls++;
    }
    for (int i = 0; i < t->in; i++)
        for (int j = 0; j < BIG; j += 997) {
            int s = t->src[i];
            int exp = s == MPI_PROC_NULL ? SENTINEL : val(s, t->kslot[i], j % 10) + (j / 10) * 100000;
            CHECK(rbuf[(size_t)i * BIG + j] == exp, "%s large Ineighbor_alltoall: slot %d element "
                  "%d is %d, expected %d (after %d polls)", t->name, i, j,
                  rbuf[(size_t)i * BIG + j], exp, polls);
        }

    MPI_Type_vector(BIG, 1, 2, MPI_INT, &every_other);
    MPI_Type_commit(&every_other);
    for (int j = 0; j < BIG; j++) {
        strided[2 * j] = val(t->me, 0, j % 10);
        strided[2 * j + 1] = -1;
    }
    for (size_t q = 0; q < (size_t)MAXN * BIG; q++)
        rbuf[q] = SENTINEL;
    MPI_Neighbor_allgather(strided, 1, every_other, rbuf, BIG, MPI_INT, t->comm);
    for (int i = 0; i < t->in; i++)
        for (int j = 0; j < BIG; j += 991) {
            int s = t->src[i], exp = s == MPI_PROC_NULL ? SENTINEL : val(s, 0, j % 10);
            CHECK(rbuf[(size_t)i * BIG + j] == exp, "%s strided Neighbor_allgather: slot %d "
                  "element %d is %d, expected %d", t->name, i, j, rbuf[(size_t)i * BIG + j], exp);
        }
    MPI_Type_free(&every_other);
    free(strided);
    free(sbuf);
    free(rbuf);
}

static void run_all(const topo_t *t)
{
    run(t, 0);
    run(t, 1);
    run_overlapped(t);
    run_large(t);
}

int main(int argc, char **argv)
{
    int dims[2] = { 0, 0 }, periods[2] = { 0, 1 };
    topo_t t;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* 2-D grid: non-periodic dimension 0, periodic dimension 1. From my -1
     * neighbour comes its block for its +1 neighbour, and the other way round. */
    MPI_Dims_create(size, 2, dims);
    memset(&t, 0, sizeof(t));
    t.name = "2-D grid";
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &t.comm);
    MPI_Comm_rank(t.comm, &t.me);
    t.in = t.out = 4;
    for (int d = 0; d < 2; d++) {
        MPI_Cart_shift(t.comm, d, 1, &t.src[2 * d], &t.src[2 * d + 1]);
        t.dst[2 * d] = t.src[2 * d];
        t.dst[2 * d + 1] = t.src[2 * d + 1];
        t.kslot[2 * d] = 2 * d + 1;
        t.kslot[2 * d + 1] = 2 * d;
    }
    run_all(&t);
    MPI_Comm_free(&t.comm);

    /* A periodic ring: at 1 rank I am both my neighbours, at 2 the other one is. */
    memset(&t, 0, sizeof(t));
    t.name = "ring";
    periods[0] = 1;
    MPI_Cart_create(MPI_COMM_WORLD, 1, &size, periods, 0, &t.comm);
    MPI_Comm_rank(t.comm, &t.me);
    t.in = t.out = 2;
    MPI_Cart_shift(t.comm, 0, 1, &t.src[0], &t.src[1]);
    t.kslot[0] = 1;
    t.kslot[1] = 0;
    run_all(&t);
    MPI_Comm_free(&t.comm);

    /* A graph: the bidirectional ring, node i linked to i-1 and i+1 (at 1 and 2
     * ranks, a self loop and a double edge). */
    {
        int *index = malloc((size_t)size * sizeof(int)), *edges = malloc(2 * (size_t)size * sizeof(int));
        int nn, nb[2], st;
        for (int i = 0; i < size; i++) {
            index[i] = 2 * (i + 1);
            edges[2 * i] = (i - 1 + size) % size;
            edges[2 * i + 1] = (i + 1) % size;
        }
        memset(&t, 0, sizeof(t));
        t.name = "graph ring";
        MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &t.comm);
        MPI_Topo_test(t.comm, &st);
        CHECK(st == MPI_GRAPH, "Topo_test of a graph gave %d", st);
        MPI_Comm_rank(t.comm, &t.me);
        MPI_Graph_neighbors_count(t.comm, t.me, &nn);
        CHECK(nn == 2, "Graph_neighbors_count gave %d, expected 2", nn);
        MPI_Graph_neighbors(t.comm, t.me, 2, nb);
        t.in = t.out = 2;
        for (int i = 0; i < 2; i++) {
            t.src[i] = t.dst[i] = nb[i];
            /* From i-1 comes its block for its +1 neighbour, from i+1 its block for
             * its -1 one; with a repeated neighbour, occurrences pair in order. */
            t.kslot[i] = size >= 3 ? 1 - i : i;
        }
        run_all(&t);
        MPI_Comm_free(&t.comm);
        free(index);
        free(edges);
    }

    /* A distributed graph, asymmetric: I send to me+1 and me+3, receive from me-1
     * and me-3 (modulo size); weighted. */
    {
        int srcs[2], dsts[2], sw[2] = { 5, 6 }, dw[2] = { 7, 8 };
        memset(&t, 0, sizeof(t));
        t.name = "dist graph";
        for (int i = 0; i < 2; i++) {
            int off = 2 * i + 1;
            dsts[i] = (rank + off) % size;
            srcs[i] = ((rank - off) % size + size) % size;
        }
        MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, srcs, sw, 2, dsts, dw, MPI_INFO_NULL, 0,
                                       &t.comm);
        MPI_Comm_rank(t.comm, &t.me);
        t.in = t.out = 2;
        for (int i = 0; i < 2; i++) {
            t.src[i] = srcs[i];
            t.dst[i] = dsts[i];
            t.kslot[i] = i;
        }
        /* At 2 ranks both offsets reach the other process, at 1 myself: the blocks
         * pair in order, block i to slot i, as above. */
        run_all(&t);
        MPI_Comm_free(&t.comm);
    }

    MPI_Finalize();
    return 0;
}
