/* Collectives on intercommunicators, blocking, nonblocking and persistent: data
 * goes from one group to the other. Rooted ones with the root at the last rank of
 * its group (MPI_ROOT there, MPI_PROC_NULL at its group mates, whose buffers must
 * stay untouched), from each group in turn; every received value checked. Groups
 * of different sizes (even/odd world ranks, first third/rest); a non-commutative
 * op checks that reductions keep rank order. */
/* np: 1 2 3 4 5 8 */
#include "inter_common.h"

static it_inter_t t;
static int nb;          /* 1: the nonblocking forms, 2: the persistent ones, each waited for
                         * at once (and freed) */
static const char *const nb_names[] = { "blocking", "nonblocking", "persistent" };
static MPI_Op concat;   /* decimal digits: a then b, associative, not commutative */

#define RUN(B, I, ...)                                                                 \
    do {                                                                               \
        MPI_Request r_;                                                                \
        if (nb == 1) {                                                                 \
            CHECK(I(__VA_ARGS__, &r_) == MPI_SUCCESS, "%s failed", #I);                \
            MPI_Wait(&r_, MPI_STATUS_IGNORE);                                          \
        } else if (nb == 2) {                                                          \
            CHECK(B##_init(__VA_ARGS__, MPI_INFO_NULL, &r_) == MPI_SUCCESS,            \
                  "%s_init failed", #B);                                               \
            MPI_Start(&r_);                                                            \
            MPI_Wait(&r_, MPI_STATUS_IGNORE);                                          \
            MPI_Request_free(&r_);                                                     \
        } else {                                                                       \
            CHECK(B(__VA_ARGS__) == MPI_SUCCESS, "%s failed", #B);                     \
        }                                                                              \
    } while (0)

#define WHERE "shape %d %s root side %d: "
#define AT t.shape, nb_names[nb], root_side

static void concat_fn(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    long long *a = in, *b = inout;

    (void)dt;
    for (int i = 0; i < *len; i++) {
        long long p = 1;
        while (p <= b[i])
            p *= 10;
        b[i] = a[i] * p + b[i];
    }
}

/* 1 2 ... n as a decimal number: the concatenation of ranks' digits in order. */
static long long digits(int n)
{
    long long v = 0;

    for (int i = 1; i <= n; i++)
        v = v * 10 + i;
    return v;
}

/* The root's rank in its group, and my root argument. */
static int root_arg(int root_side, int *is_root, int *is_null, int *root_world)
{
    int rootl = (root_side == t.side ? t.lsize : t.rsize) - 1;

    *is_root = t.side == root_side && t.lrank == rootl;
    *is_null = t.side == root_side && !*is_root;
    *root_world = t.side == root_side ? t.local_world[rootl] : t.remote_world[rootl];
    if (t.side == root_side)
        return *is_root ? MPI_ROOT : MPI_PROC_NULL;
    return rootl;
}

/* Offsets of blocks of counts[0..n) laid out last first, one element apart. */
static int reversed_displs(const int *counts, int n, int *displs)
{
    int off = 0;

    for (int j = n - 1; j >= 0; j--) {
        displs[j] = off;
        off += counts[j] + 1;
    }
    return off;
}

/* The v-forms' gathering: rank j of a group gives j + 1 ints (world rank * 100 +
 * k), placed last first at the receiver; buf cleared. */
static void v_blocks(int *counts, int *displs, int *out, int *buf)
{
    int total;

    for (int j = 0; j < t.rsize; j++)
        counts[j] = j + 1;
    total = reversed_displs(counts, t.rsize, displs);
    for (int k = 0; k <= t.lrank; k++)
        out[k] = rank * 100 + k;
    for (int i = 0; i < total; i++)
        buf[i] = -1;
}

static void rooted(int root_side)
{
    int is_root, is_null, rw, root = root_arg(root_side, &is_root, &is_null, &rw);
    int buf[512], out[512], counts[64], displs[64];
    long long v[3], r[3];

    /* bcast */
    for (int i = 0; i < 5; i++)
        buf[i] = is_root ? 1000 * rank + i : -1;
    RUN(MPI_Bcast, MPI_Ibcast, buf, 5, MPI_INT, root, t.inter);
    for (int i = 0; i < 5; i++)
        CHECK(buf[i] == (is_null ? -1 : 1000 * rw + i), WHERE "bcast [%d] = %d", AT, i, buf[i]);

    /* gather: two ints from each leaf */
    out[0] = rank * 10;
    out[1] = rank * 10 + 1;
    for (int i = 0; i < 2 * t.rsize; i++)
        buf[i] = -1;
    RUN(MPI_Gather, MPI_Igather, out, 2, MPI_INT, buf, 2, MPI_INT, root, t.inter);
    for (int i = 0; i < 2 * t.rsize; i++)
        CHECK(buf[i] == (is_root ? t.remote_world[i / 2] * 10 + i % 2 : -1),
              WHERE "gather [%d] = %d", AT, i, buf[i]);

    /* gatherv: leaf l gives l + 1 ints, placed last first */
    v_blocks(counts, displs, out, buf);
    RUN(MPI_Gatherv, MPI_Igatherv, out, t.lrank + 1, MPI_INT, buf, counts, displs, MPI_INT, root,
        t.inter);
    if (is_root)
        for (int j = 0; j < t.rsize; j++)
            for (int k = 0; k <= j; k++)
                CHECK(buf[displs[j] + k] == t.remote_world[j] * 100 + k,
                      WHERE "gatherv block %d [%d] = %d", AT, j, k, buf[displs[j] + k]);
    if (is_null)
        CHECK(buf[0] == -1, WHERE "gatherv wrote at MPI_PROC_NULL", AT);

    /* scatter: two ints to each leaf */
    for (int j = 0; j < t.rsize; j++)
        for (int k = 0; k < 2; k++)
            out[2 * j + k] = 1000 * rank + 10 * j + k;
    buf[0] = buf[1] = -1;
    RUN(MPI_Scatter, MPI_Iscatter, out, 2, MPI_INT, buf, 2, MPI_INT, root, t.inter);
    for (int k = 0; k < 2; k++)
        CHECK(buf[k] == (t.side == root_side ? -1 : 1000 * rw + 10 * t.lrank + k),
              WHERE "scatter [%d] = %d", AT, k, buf[k]);

    /* scatterv: leaf l gets l + 1 ints */
    for (int j = 0; j < t.rsize; j++)
        for (int k = 0; k <= j; k++)
            out[displs[j] + k] = 1000 * rank + 10 * j + k;
    for (int k = 0; k <= t.lrank; k++)
        buf[k] = -1;
    RUN(MPI_Scatterv, MPI_Iscatterv, out, counts, displs, MPI_INT, buf, t.lrank + 1, MPI_INT,
        root, t.inter);
    for (int k = 0; k <= t.lrank; k++)
        CHECK(buf[k] == (t.side == root_side ? -1 : 1000 * rw + 10 * t.lrank + k),
              WHERE "scatterv [%d] = %d", AT, k, buf[k]);

    /* reduce: a sum, and the leaves' digits in rank order */
    for (int k = 0; k < 3; k++) {
        v[k] = (long long)(rank + 1) * (k + 1);
        r[k] = -1;
    }
    RUN(MPI_Reduce, MPI_Ireduce, v, r, 3, MPI_LONG_LONG, MPI_SUM, root, t.inter);
    for (int k = 0; k < 3; k++) {
        long long expect = 0;
        for (int j = 0; j < t.rsize; j++)
            expect += (long long)(t.remote_world[j] + 1) * (k + 1);
        CHECK(r[k] == (is_root ? expect : -1), WHERE "reduce sum [%d] = %lld, expected %lld",
              AT, k, r[k], is_root ? expect : -1);
    }
    v[0] = t.lrank + 1;
    r[0] = -1;
    RUN(MPI_Reduce, MPI_Ireduce, v, r, 1, MPI_LONG_LONG, concat, root, t.inter);
    CHECK(r[0] == (is_root ? digits(t.rsize) : -1), WHERE "reduce in rank order gave %lld", AT,
          r[0]);
}

static void unrooted(void)
{
    int root_side = -1;   /* for WHERE */
    int buf[512], out[512], counts[64], displs[64], scounts[64], sdispls[64], total, off;
    long long v[3], r[3], sumw = 0;
    MPI_Datatype pair, types[64], rtypes[64];

    for (int j = 0; j < t.rsize; j++)
        sumw += t.remote_world[j];

    RUN(MPI_Barrier, MPI_Ibarrier, t.inter);

    /* allgather: two ints from every member of the other group */
    out[0] = rank * 10;
    out[1] = rank * 10 + 1;
    RUN(MPI_Allgather, MPI_Iallgather, out, 2, MPI_INT, buf, 2, MPI_INT, t.inter);
    for (int i = 0; i < 2 * t.rsize; i++)
        CHECK(buf[i] == t.remote_world[i / 2] * 10 + i % 2, WHERE "allgather [%d] = %d", AT, i,
              buf[i]);

    /* allgatherv: rank l gives l + 1 ints */
    v_blocks(counts, displs, out, buf);
    RUN(MPI_Allgatherv, MPI_Iallgatherv, out, t.lrank + 1, MPI_INT, buf, counts, displs, MPI_INT,
        t.inter);
    for (int j = 0; j < t.rsize; j++)
        for (int k = 0; k <= j; k++)
            CHECK(buf[displs[j] + k] == t.remote_world[j] * 100 + k,
                  WHERE "allgatherv block %d [%d] = %d", AT, j, k, buf[displs[j] + k]);

    /* alltoall: block j to remote j */
    for (int j = 0; j < t.rsize; j++)
        for (int k = 0; k < 2; k++)
            out[2 * j + k] = rank * 1000 + j * 10 + k;
    RUN(MPI_Alltoall, MPI_Ialltoall, out, 2, MPI_INT, buf, 2, MPI_INT, t.inter);
    for (int j = 0; j < t.rsize; j++)
        for (int k = 0; k < 2; k++)
            CHECK(buf[2 * j + k] == t.remote_world[j] * 1000 + t.lrank * 10 + k,
                  WHERE "alltoall from %d [%d] = %d", AT, j, k, buf[2 * j + k]);

    /* alltoallv: (l + j) % 3 ints from local l to remote j, some empty */
    off = 0;
    for (int j = 0; j < t.rsize; j++) {
        scounts[j] = (t.lrank + j) % 3;
        sdispls[j] = off;
        for (int k = 0; k < scounts[j]; k++)
            out[off + k] = rank * 1000 + j * 10 + k;
        off += scounts[j];
        counts[j] = (j + t.lrank) % 3;
    }
    total = reversed_displs(counts, t.rsize, displs);
    for (int i = 0; i < total; i++)
        buf[i] = -1;
    RUN(MPI_Alltoallv, MPI_Ialltoallv, out, scounts, sdispls, MPI_INT, buf, counts, displs,
        MPI_INT, t.inter);
    for (int j = 0; j < t.rsize; j++)
        for (int k = 0; k < counts[j]; k++)
            CHECK(buf[displs[j] + k] == t.remote_world[j] * 1000 + t.lrank * 10 + k,
                  WHERE "alltoallv from %d [%d] = %d", AT, j, k, buf[displs[j] + k]);

    /* alltoallw: two MPI_INT out, one pair type in, byte displacements */
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    for (int j = 0; j < t.rsize; j++) {
        for (int k = 0; k < 2; k++)
            out[2 * j + k] = rank * 1000 + j * 10 + k;
        scounts[j] = 2;
        sdispls[j] = 2 * j * (int)sizeof(int);
        types[j] = MPI_INT;
        counts[j] = 1;
        displs[j] = 2 * (t.rsize - 1 - j) * (int)sizeof(int);
        rtypes[j] = pair;
    }
    RUN(MPI_Alltoallw, MPI_Ialltoallw, out, scounts, sdispls, types, buf, counts, displs, rtypes,
        t.inter);
    for (int j = 0; j < t.rsize; j++)
        for (int k = 0; k < 2; k++)
            CHECK(buf[2 * (t.rsize - 1 - j) + k] == t.remote_world[j] * 1000 + t.lrank * 10 + k,
                  WHERE "alltoallw from %d [%d] = %d", AT, j, k, buf[2 * (t.rsize - 1 - j) + k]);
    MPI_Type_free(&pair);

    /* allreduce: each group gets the other's sum and digits */
    for (int k = 0; k < 3; k++)
        v[k] = (long long)(rank + 1) * (k + 1);
    RUN(MPI_Allreduce, MPI_Iallreduce, v, r, 3, MPI_LONG_LONG, MPI_SUM, t.inter);
    for (int k = 0; k < 3; k++)
        CHECK(r[k] == (sumw + t.rsize) * (k + 1), WHERE "allreduce [%d] = %lld", AT, k, r[k]);
    v[0] = t.lrank + 1;
    RUN(MPI_Allreduce, MPI_Iallreduce, v, r, 1, MPI_LONG_LONG, concat, t.inter);
    CHECK(r[0] == digits(t.rsize), WHERE "allreduce in rank order gave %lld", AT, r[0]);

    /* reduce_scatter: 12 elements in all on both sides, spread over my group */
    off = 0;
    for (int i = 0; i < t.lsize; i++) {
        counts[i] = 12 / t.lsize + (i < 12 % t.lsize);
        if (i < t.lrank)
            off += counts[i];
    }
    for (int e = 0; e < 12; e++)
        out[e] = rank * 100 + e;
    RUN(MPI_Reduce_scatter, MPI_Ireduce_scatter, out, buf, counts, MPI_INT, MPI_SUM, t.inter);
    for (int e = 0; e < counts[t.lrank]; e++)
        CHECK(buf[e] == 100 * sumw + t.rsize * (off + e), WHERE "reduce_scatter [%d] = %d", AT,
              e, buf[e]);

    /* reduce_scatter_block: remote-size elements each, lsize * rsize in all */
    for (int e = 0; e < t.lsize * t.rsize; e++)
        out[e] = rank * 100 + e;
    RUN(MPI_Reduce_scatter_block, MPI_Ireduce_scatter_block, out, buf, t.rsize, MPI_INT, MPI_SUM,
        t.inter);
    for (int e = 0; e < t.rsize; e++)
        CHECK(buf[e] == 100 * sumw + t.rsize * (t.lrank * t.rsize + e),
              WHERE "reduce_scatter_block [%d] = %d", AT, e, buf[e]);
}

/* Messages past the eager limit: a bcast from each side and an allreduce. */
static void large(void)
{
    enum { N = 300000 };
    int *buf = malloc(N * sizeof(int)), *sum = malloc(N * sizeof(int));

    for (int root_side = 0; root_side < 2; root_side++) {
        int is_root, is_null, rw, root = root_arg(root_side, &is_root, &is_null, &rw);
        for (int i = 0; i < N; i++)
            buf[i] = is_root ? rank + i : -1;
        MPI_Bcast(buf, N, MPI_INT, root, t.inter);
        for (int i = 0; i < N; i += 997)
            CHECK(buf[i] == (is_null ? -1 : rw + i), "large bcast from side %d: [%d] = %d",
                  root_side, i, buf[i]);
    }
    for (int i = 0; i < N; i++)
        buf[i] = rank + i;
    MPI_Allreduce(buf, sum, N, MPI_INT, MPI_SUM, t.inter);
    {
        int sumw = 0;
        for (int j = 0; j < t.rsize; j++)
            sumw += t.remote_world[j];
        for (int i = 0; i < N; i += 997)
            CHECK(sum[i] == sumw + t.rsize * i, "large allreduce [%d] = %d", i, sum[i]);
    }
    free(sum);
    free(buf);
}

/* Persistent requests started again with new data, two of them in flight. */
static void persistent_twice(void)
{
    int is_root, is_null, rw, root = root_arg(1, &is_root, &is_null, &rw);
    int b[2], in, sum, expect;
    MPI_Request reqs[2];

    MPI_Bcast_init(b, 2, MPI_INT, root, t.inter, MPI_INFO_NULL, &reqs[0]);
    MPI_Allreduce_init(&in, &sum, 1, MPI_INT, MPI_SUM, t.inter, MPI_INFO_NULL, &reqs[1]);
    for (int round = 0; round < 3; round++) {
        b[0] = b[1] = is_root ? 100 * round + rank : -1;
        in = rank * (round + 1);
        MPI_Startall(2, reqs);
        MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
        CHECK(b[0] == (is_null ? -1 : 100 * round + rw) && b[1] == b[0],
              "persistent bcast round %d gave %d", round, b[0]);
        expect = 0;
        for (int j = 0; j < t.rsize; j++)
            expect += t.remote_world[j] * (round + 1);
        CHECK(sum == expect, "persistent allreduce round %d gave %d, expected %d", round, sum,
              expect);
    }
    MPI_Request_free(&reqs[0]);
    MPI_Request_free(&reqs[1]);
}

/* Several nonblocking collectives in flight at once on one intercommunicator. */
static void overlapped(void)
{
    MPI_Request reqs[4];
    int is_root, is_null, rw, root = root_arg(0, &is_root, &is_null, &rw);
    int b[3] = { -1, -1, -1 }, s = rank, sum = -1, a2a_out[64], a2a_in[64];
    long long sumw = 0;

    for (int j = 0; j < t.rsize; j++) {
        sumw += t.remote_world[j];
        a2a_out[j] = rank * 100 + j;
    }
    if (is_root)
        b[0] = b[1] = b[2] = 4242;
    MPI_Ibcast(b, 3, MPI_INT, root, t.inter, &reqs[0]);
    MPI_Iallreduce(&s, &sum, 1, MPI_INT, MPI_SUM, t.inter, &reqs[1]);
    MPI_Ibarrier(t.inter, &reqs[2]);
    MPI_Ialltoall(a2a_out, 1, MPI_INT, a2a_in, 1, MPI_INT, t.inter, &reqs[3]);
    MPI_Waitall(4, reqs, MPI_STATUSES_IGNORE);
    CHECK(b[0] == (is_null ? -1 : 4242) && b[2] == b[0], "overlapped bcast gave %d", b[0]);
    CHECK(sum == sumw, "overlapped allreduce gave %d, expected %lld", sum, sumw);
    for (int j = 0; j < t.rsize; j++)
        CHECK(a2a_in[j] == t.remote_world[j] * 100 + t.lrank, "overlapped alltoall [%d] = %d", j,
              a2a_in[j]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    MPI_Op_create(concat_fn, 0, &concat);
    if (wsize >= 2) {
        for (int shape = 0; shape < IT_SHAPES; shape++) {
            it_make(&t, shape, 0, 30);
            for (nb = 0; nb < 3; nb++) {
                rooted(0);
                rooted(1);
                unrooted();
            }
            overlapped();
            persistent_twice();
            large();
            it_free(&t);
        }
    }
    MPI_Op_free(&concat);
    MPI_Finalize();
    return 0;
}
