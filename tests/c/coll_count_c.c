/* The large-count (_c) forms of every collective, blocking (MPI_X_c), nonblocking
 * (MPI_IX_c) and persistent (MPI_X_init_c), with small counts, non-zero roots and
 * different counts per rank in the v and w forms; values checked. Then the
 * neighbourhood collectives on a periodic Cartesian ring: their persistent forms
 * (MPI_Neighbor_X_init and _init_c, each started 3 times with new data) and the
 * blocking and nonblocking _c forms. Last, bad arguments to _c forms: the error
 * class and a message naming the call and the argument. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, size;

#include "check.h"

enum { BLK, NB, PERS, NMODES };
static const char *mode_name[] = { "blocking", "nonblocking", "persistent" };

#define UNP(...) __VA_ARGS__
/* Runs MPI_<Name>_c, MPI_<IName>_c or MPI_<Name>_init_c (one start) by mode. */
#define COLL(mode, Name, IName, args)                                                   \
    do {                                                                                \
        MPI_Request r_;                                                                 \
        int rc_;                                                                        \
        if ((mode) == BLK) {                                                            \
            rc_ = MPI_##Name##_c args;                                                  \
        } else if ((mode) == NB) {                                                      \
            rc_ = MPI_##IName##_c(UNP args, &r_);                                       \
            if (rc_ == MPI_SUCCESS)                                                     \
                rc_ = MPI_Wait(&r_, MPI_STATUS_IGNORE);                                 \
        } else {                                                                        \
            rc_ = MPI_##Name##_init_c(UNP args, MPI_INFO_NULL, &r_);                    \
            if (rc_ == MPI_SUCCESS)                                                     \
                rc_ = MPI_Start(&r_);                                                   \
            if (rc_ == MPI_SUCCESS)                                                     \
                rc_ = MPI_Wait(&r_, MPI_STATUS_IGNORE);                                 \
            if (rc_ == MPI_SUCCESS)                                                     \
                rc_ = MPI_Request_free(&r_);                                            \
        }                                                                               \
        CHECK(rc_ == MPI_SUCCESS, "MPI_%s_c (%s) returned %d", #Name, mode_name[mode],  \
              rc_);                                                                     \
    } while (0)

/* Element i of rank r's data. */
static int val(int r, int i)
{
    return r * 1000 + i + 1;
}

/* Rank r's count in the v forms: 1, 2, 3, 1, 2, ... */
static int vcount(int r)
{
    return r % 3 + 1;
}

static void test_bcast(int m)
{
    int root = size - 1, buf[5];
    for (int i = 0; i < 5; i++)
        buf[i] = rank == root ? val(root, i) : -1;
    COLL(m, Bcast, Ibcast, (buf, (MPI_Count)5, MPI_INT, root, MPI_COMM_WORLD));
    for (int i = 0; i < 5; i++)
        CHECK(buf[i] == val(root, i), "bcast_c (%s): buf[%d] = %d, expected %d",
              mode_name[m], i, buf[i], val(root, i));
}

static void test_gather_scatter(int m)
{
    int root = 1 % size, n = 3;
    int *all = malloc(sizeof(int) * (size_t)(n * size)), mine[3];

    for (int i = 0; i < n; i++)
        mine[i] = val(rank, i);
    for (int i = 0; i < n * size; i++)
        all[i] = -1;
    COLL(m, Gather, Igather, (mine, (MPI_Count)n, MPI_INT, all, (MPI_Count)n, MPI_INT, root,
                              MPI_COMM_WORLD));
    if (rank == root)
        for (int r = 0; r < size; r++)
            for (int i = 0; i < n; i++)
                CHECK(all[r * n + i] == val(r, i), "gather_c (%s): block %d[%d] = %d",
                      mode_name[m], r, i, all[r * n + i]);
    /* scatter back what the root has, from root size - 1 */
    root = size - 1;
    for (int i = 0; i < n * size; i++)
        all[i] = rank == root ? val(i / n, 100 + i % n) : -1;
    for (int i = 0; i < n; i++)
        mine[i] = -1;
    COLL(m, Scatter, Iscatter, (all, (MPI_Count)n, MPI_INT, mine, (MPI_Count)n, MPI_INT, root,
                                MPI_COMM_WORLD));
    for (int i = 0; i < n; i++)
        CHECK(mine[i] == val(rank, 100 + i), "scatter_c (%s): [%d] = %d, expected %d",
              mode_name[m], i, mine[i], val(rank, 100 + i));
    free(all);
}

/* Block r of the v forms' buffers: counts vcount(r), placed in reverse rank order
 * with a gap of one element after each block. */
static void v_layout(MPI_Count *counts, MPI_Aint *displs, int *total)
{
    int off = 0;
    for (int r = size - 1; r >= 0; r--) {
        counts[r] = vcount(r);
        displs[r] = off;
        off += vcount(r) + 1;
    }
    *total = off;
}

static void test_gatherv_scatterv(int m)
{
    MPI_Count *counts = malloc(sizeof(MPI_Count) * (size_t)size);
    MPI_Aint *displs = malloc(sizeof(MPI_Aint) * (size_t)size);
    int total, root = 1 % size, mine[3], *all;

    v_layout(counts, displs, &total);
    all = malloc(sizeof(int) * (size_t)total);
    for (int i = 0; i < total; i++)
        all[i] = -7;
    for (int i = 0; i < 3; i++)
        mine[i] = val(rank, i);
    COLL(m, Gatherv, Igatherv, (mine, (MPI_Count)vcount(rank), MPI_INT, all, counts, displs,
                                MPI_INT, root, MPI_COMM_WORLD));
    if (rank == root)
        for (int r = 0; r < size; r++) {
            for (int i = 0; i < vcount(r); i++)
                CHECK(all[displs[r] + i] == val(r, i), "gatherv_c (%s): block %d[%d] = %d",
                      mode_name[m], r, i, all[displs[r] + i]);
            CHECK(all[displs[r] + vcount(r)] == -7, "gatherv_c (%s): gap after block %d "
                  "written", mode_name[m], r);
        }
    root = size - 1;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < vcount(r); i++)
            all[displs[r] + i] = rank == root ? val(r, 50 + i) : -1;
    for (int i = 0; i < 3; i++)
        mine[i] = -1;
    COLL(m, Scatterv, Iscatterv, (all, counts, displs, MPI_INT, mine, (MPI_Count)vcount(rank),
                                  MPI_INT, root, MPI_COMM_WORLD));
    for (int i = 0; i < 3; i++)
        CHECK(mine[i] == (i < vcount(rank) ? val(rank, 50 + i) : -1),
              "scatterv_c (%s): [%d] = %d", mode_name[m], i, mine[i]);
    free(all);
    free(displs);
    free(counts);
}

static void test_allgather(int m)
{
    MPI_Count *counts = malloc(sizeof(MPI_Count) * (size_t)size);
    MPI_Aint *displs = malloc(sizeof(MPI_Aint) * (size_t)size);
    int total, mine[3], *all = malloc(sizeof(int) * (size_t)(4 * size));

    for (int i = 0; i < 3; i++)
        mine[i] = val(rank, i);
    COLL(m, Allgather, Iallgather, (mine, (MPI_Count)2, MPI_INT, all, (MPI_Count)2, MPI_INT,
                                    MPI_COMM_WORLD));
    for (int r = 0; r < size; r++)
        for (int i = 0; i < 2; i++)
            CHECK(all[r * 2 + i] == val(r, i), "allgather_c (%s): block %d[%d] = %d",
                  mode_name[m], r, i, all[r * 2 + i]);
    v_layout(counts, displs, &total);
    for (int i = 0; i < total; i++)
        all[i] = -7;
    COLL(m, Allgatherv, Iallgatherv, (mine, (MPI_Count)vcount(rank), MPI_INT, all, counts,
                                      displs, MPI_INT, MPI_COMM_WORLD));
    for (int r = 0; r < size; r++) {
        for (int i = 0; i < vcount(r); i++)
            CHECK(all[displs[r] + i] == val(r, i), "allgatherv_c (%s): block %d[%d] = %d",
                  mode_name[m], r, i, all[displs[r] + i]);
        CHECK(all[displs[r] + vcount(r)] == -7, "allgatherv_c (%s): gap after block %d",
              mode_name[m], r);
    }
    free(all);
    free(displs);
    free(counts);
}

/* In the alltoallv/w tests rank s sends rank d a2a_count(s, d) elements
 * val(s, 10 * d + i). */
static int a2a_count(int s, int d)
{
    return (s + 2 * d) % 3 + 1;
}

static void test_alltoall(int m)
{
    size_t p = (size_t)size;
    int *sb = malloc(sizeof(int) * 4 * p), *rb = malloc(sizeof(int) * 4 * p);
    MPI_Count *sc = malloc(sizeof(MPI_Count) * p), *rc = malloc(sizeof(MPI_Count) * p);
    MPI_Aint *sd = malloc(sizeof(MPI_Aint) * p), *rd = malloc(sizeof(MPI_Aint) * p);
    MPI_Datatype *types = malloc(sizeof(MPI_Datatype) * p);

    for (int d = 0; d < size; d++)
        for (int i = 0; i < 2; i++)
            sb[d * 2 + i] = val(rank, 10 * d + i);
    COLL(m, Alltoall, Ialltoall, (sb, (MPI_Count)2, MPI_INT, rb, (MPI_Count)2, MPI_INT,
                                  MPI_COMM_WORLD));
    for (int s = 0; s < size; s++)
        for (int i = 0; i < 2; i++)
            CHECK(rb[s * 2 + i] == val(s, 10 * rank + i), "alltoall_c (%s): from %d [%d] = %d",
                  mode_name[m], s, i, rb[s * 2 + i]);

    /* v: send blocks in rank order, receive blocks in reverse order, both with
     * room for 3 elements each. */
    for (int d = 0; d < size; d++) {
        sc[d] = a2a_count(rank, d);
        sd[d] = 3 * d;
        rc[d] = a2a_count(d, rank);
        rd[d] = 3 * (size - 1 - d);
        types[d] = MPI_INT;
        for (int i = 0; i < 3; i++)
            sb[3 * d + i] = val(rank, 10 * d + i);
    }
    for (int i = 0; i < 3 * size; i++)
        rb[i] = -7;
    COLL(m, Alltoallv, Ialltoallv, (sb, sc, sd, MPI_INT, rb, rc, rd, MPI_INT, MPI_COMM_WORLD));
    for (int s = 0; s < size; s++)
        for (int i = 0; i < 3; i++)
            CHECK(rb[rd[s] + i] == (i < rc[s] ? val(s, 10 * rank + i) : -7),
                  "alltoallv_c (%s): from %d [%d] = %d", mode_name[m], s, i, rb[rd[s] + i]);

    /* w: the same in byte displacements */
    for (int d = 0; d < size; d++) {
        sd[d] *= (MPI_Aint)sizeof(int);
        rd[d] *= (MPI_Aint)sizeof(int);
    }
    for (int i = 0; i < 3 * size; i++)
        rb[i] = -7;
    COLL(m, Alltoallw, Ialltoallw, (sb, sc, sd, types, rb, rc, rd, types, MPI_COMM_WORLD));
    for (int s = 0; s < size; s++)
        for (int i = 0; i < 3; i++) {
            int got = rb[rd[s] / (MPI_Aint)sizeof(int) + i];
            CHECK(got == (i < rc[s] ? val(s, 10 * rank + i) : -7),
                  "alltoallw_c (%s): from %d [%d] = %d", mode_name[m], s, i, got);
        }
    free(types);
    free(rd);
    free(sd);
    free(rc);
    free(sc);
    free(rb);
    free(sb);
}

static void test_reductions(int m)
{
    int n = 4, in[4], out[4], root = size - 1;
    int *big = malloc(sizeof(int) * (size_t)(3 * size)), total = 0;
    MPI_Count *rcounts = malloc(sizeof(MPI_Count) * (size_t)size);

    for (int i = 0; i < n; i++) {
        in[i] = val(rank, i);
        out[i] = -1;
    }
    COLL(m, Reduce, Ireduce, (in, out, (MPI_Count)n, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD));
    if (rank == root)
        for (int i = 0; i < n; i++) {
            int want = 0;
            for (int r = 0; r < size; r++)
                want += val(r, i);
            CHECK(out[i] == want, "reduce_c (%s): [%d] = %d, expected %d", mode_name[m], i,
                  out[i], want);
        }
    COLL(m, Allreduce, Iallreduce, (in, out, (MPI_Count)n, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    for (int i = 0; i < n; i++)
        CHECK(out[i] == val(size - 1, i), "allreduce_c (%s): [%d] = %d", mode_name[m], i,
              out[i]);
    COLL(m, Scan, Iscan, (in, out, (MPI_Count)n, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    for (int i = 0; i < n; i++) {
        int want = 0;
        for (int r = 0; r <= rank; r++)
            want += val(r, i);
        CHECK(out[i] == want, "scan_c (%s): [%d] = %d, expected %d", mode_name[m], i, out[i],
              want);
    }
    for (int i = 0; i < n; i++)
        out[i] = -1;
    COLL(m, Exscan, Iexscan, (in, out, (MPI_Count)n, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    for (int i = 0; rank > 0 && i < n; i++) {
        int want = 0;
        for (int r = 0; r < rank; r++)
            want += val(r, i);
        CHECK(out[i] == want, "exscan_c (%s): [%d] = %d, expected %d", mode_name[m], i, out[i],
              want);
    }

    /* reduce_scatter: block r has vcount(r) elements */
    for (int r = 0; r < size; r++) {
        rcounts[r] = vcount(r);
        total += vcount(r);
    }
    for (int i = 0; i < total; i++)
        big[i] = val(rank, i);
    for (int i = 0; i < n; i++)
        out[i] = -1;
    COLL(m, Reduce_scatter, Ireduce_scatter, (big, out, rcounts, MPI_INT, MPI_SUM,
                                              MPI_COMM_WORLD));
    {
        int first = 0;
        for (int r = 0; r < rank; r++)
            first += vcount(r);
        for (int i = 0; i < n; i++) {
            int want = 0;
            for (int r = 0; r < size; r++)
                want += val(r, first + i);
            CHECK(out[i] == (i < vcount(rank) ? want : -1),
                  "reduce_scatter_c (%s): [%d] = %d, expected %d", mode_name[m], i, out[i],
                  i < vcount(rank) ? want : -1);
        }
    }
    for (int i = 0; i < 2 * size; i++)
        big[i] = val(rank, i);
    COLL(m, Reduce_scatter_block, Ireduce_scatter_block, (big, out, (MPI_Count)2, MPI_INT,
                                                          MPI_SUM, MPI_COMM_WORLD));
    for (int i = 0; i < 2; i++) {
        int want = 0;
        for (int r = 0; r < size; r++)
            want += val(r, 2 * rank + i);
        CHECK(out[i] == want, "reduce_scatter_block_c (%s): [%d] = %d, expected %d",
              mode_name[m], i, out[i], want);
    }
    free(rcounts);
    free(big);
}

/* ---- neighbourhood collectives on a periodic ring ------------------------------
 * Neighbour 0 is the left one (-1), neighbour 1 the right one (+1). What arrives
 * from the left is the left rank's block for its right neighbour (1), and the
 * other way round. */

enum { NB_ALLGATHER, NB_ALLGATHERV, NB_ALLTOALL, NB_ALLTOALLV, NB_ALLTOALLW, NB_KINDS };
static const char *nb_name[] = { "allgather", "allgatherv", "alltoall", "alltoallv",
                                 "alltoallw" };
/* How the neighbourhood collective is called: the int form's persistent call, or
 * the _c form's blocking, nonblocking or persistent call. */
enum { NB_INIT, NB_C, NB_IC, NB_INIT_C, NB_FORMS };
static const char *nb_form[] = { "_init", "_c", "I.._c", "_init_c" };

/* Block b (0 left, 1 right) that rank r sends in round k. */
static int nb_val(int k, int r, int b, int i)
{
    return k * 100000 + r * 100 + b * 10 + i + 1;
}

/* Neighbour blocks have 2 elements (alltoall) or 1 + b (v, w: 1 to the left, 2 to
 * the right); receive block b sits at displacement 3 * (1 - b), reversed. */
static void nb_run(MPI_Comm ring, int kind, int form)
{
    int left = (rank - 1 + size) % size, right = (rank + 1) % size;
    int peer[2] = { left, right };
    int sb[6], rb[6], icnt[2], idsp[2], rounds = form == NB_INIT || form == NB_INIT_C ? 3 : 1;
    MPI_Count ccnt[2];
    MPI_Aint cdsp[2], sbyte[2], rbyte[2];
    int isdsp[2];
    MPI_Aint csdsp[2];
    MPI_Datatype types[2] = { MPI_INT, MPI_INT };
    MPI_Request req = MPI_REQUEST_NULL;
    int rc = MPI_SUCCESS;

    for (int b = 0; b < 2; b++) {
        /* v, w: 2 elements go to the left, 1 to the right; so 1 + b come from side b */
        int cnt = kind == NB_ALLGATHERV ? vcount(peer[b])
                  : kind == NB_ALLTOALLV || kind == NB_ALLTOALLW ? 1 + b : 2;
        icnt[b] = cnt;
        ccnt[b] = cnt;
        idsp[b] = 3 * (1 - b);
        cdsp[b] = idsp[b];
        rbyte[b] = idsp[b] * (MPI_Aint)sizeof(int);
        isdsp[b] = 3 * b;
        csdsp[b] = isdsp[b];
        sbyte[b] = isdsp[b] * (MPI_Aint)sizeof(int);
    }
    for (int k = 0; k < rounds; k++) {
        int scnt[2] = { 2, 1 };
        MPI_Count cscnt[2] = { 2, 1 };
        int gcount = kind == NB_ALLGATHERV ? vcount(rank) : 2;
        for (int i = 0; i < 6; i++) {
            sb[i] = nb_val(k, rank, i / 3, i % 3);
            rb[i] = -7;
        }
        if (kind == NB_ALLGATHER || kind == NB_ALLGATHERV)
            for (int i = 0; i < 3; i++)
                sb[i] = nb_val(k, rank, 9, i);
        if (kind == NB_ALLTOALL)     /* blocks of 2 */
            for (int i = 0; i < 4; i++)
                sb[i] = nb_val(k, rank, i / 2, i % 2);
        if (k == 0 || (form != NB_INIT && form != NB_INIT_C)) {
            switch (kind * NB_FORMS + form) {
#define NBCASE(K, F, call) case K * NB_FORMS + F: rc = call; break
            NBCASE(NB_ALLGATHER, NB_INIT,
                   MPI_Neighbor_allgather_init(sb, 2, MPI_INT, rb, 2, MPI_INT, ring, MPI_INFO_NULL,
                                               &req));
            NBCASE(NB_ALLGATHER, NB_C,
                   MPI_Neighbor_allgather_c(sb, 2, MPI_INT, rb, 2, MPI_INT, ring));
            NBCASE(NB_ALLGATHER, NB_IC,
                   MPI_Ineighbor_allgather_c(sb, 2, MPI_INT, rb, 2, MPI_INT, ring, &req));
            NBCASE(NB_ALLGATHER, NB_INIT_C,
                   MPI_Neighbor_allgather_init_c(sb, 2, MPI_INT, rb, 2, MPI_INT, ring,
                                                 MPI_INFO_NULL, &req));
            NBCASE(NB_ALLGATHERV, NB_INIT,
                   MPI_Neighbor_allgatherv_init(sb, gcount, MPI_INT, rb, icnt, idsp, MPI_INT, ring,
                                                MPI_INFO_NULL, &req));
            NBCASE(NB_ALLGATHERV, NB_C,
                   MPI_Neighbor_allgatherv_c(sb, gcount, MPI_INT, rb, ccnt, cdsp, MPI_INT, ring));
            NBCASE(NB_ALLGATHERV, NB_IC,
                   MPI_Ineighbor_allgatherv_c(sb, gcount, MPI_INT, rb, ccnt, cdsp, MPI_INT, ring,
                                              &req));
            NBCASE(NB_ALLGATHERV, NB_INIT_C,
                   MPI_Neighbor_allgatherv_init_c(sb, gcount, MPI_INT, rb, ccnt, cdsp, MPI_INT,
                                                  ring, MPI_INFO_NULL, &req));
            NBCASE(NB_ALLTOALL, NB_INIT,
                   MPI_Neighbor_alltoall_init(sb, 2, MPI_INT, rb, 2, MPI_INT, ring, MPI_INFO_NULL,
                                              &req));
            NBCASE(NB_ALLTOALL, NB_C,
                   MPI_Neighbor_alltoall_c(sb, 2, MPI_INT, rb, 2, MPI_INT, ring));
            NBCASE(NB_ALLTOALL, NB_IC,
                   MPI_Ineighbor_alltoall_c(sb, 2, MPI_INT, rb, 2, MPI_INT, ring, &req));
            NBCASE(NB_ALLTOALL, NB_INIT_C,
                   MPI_Neighbor_alltoall_init_c(sb, 2, MPI_INT, rb, 2, MPI_INT, ring, MPI_INFO_NULL,
                                                &req));
            NBCASE(NB_ALLTOALLV, NB_INIT,
                   MPI_Neighbor_alltoallv_init(sb, scnt, isdsp, MPI_INT, rb, icnt, idsp, MPI_INT,
                                               ring, MPI_INFO_NULL, &req));
            NBCASE(NB_ALLTOALLV, NB_C,
                   MPI_Neighbor_alltoallv_c(sb, cscnt, csdsp, MPI_INT, rb, ccnt, cdsp, MPI_INT,
                                            ring));
            NBCASE(NB_ALLTOALLV, NB_IC,
                   MPI_Ineighbor_alltoallv_c(sb, cscnt, csdsp, MPI_INT, rb, ccnt, cdsp, MPI_INT,
                                             ring, &req));
            NBCASE(NB_ALLTOALLV, NB_INIT_C,
                   MPI_Neighbor_alltoallv_init_c(sb, cscnt, csdsp, MPI_INT, rb, ccnt, cdsp, MPI_INT,
                                                 ring, MPI_INFO_NULL, &req));
            NBCASE(NB_ALLTOALLW, NB_INIT,
                   MPI_Neighbor_alltoallw_init(sb, scnt, sbyte, types, rb, icnt, rbyte, types, ring,
                                               MPI_INFO_NULL, &req));
            NBCASE(NB_ALLTOALLW, NB_C,
                   MPI_Neighbor_alltoallw_c(sb, cscnt, sbyte, types, rb, ccnt, rbyte, types, ring));
            NBCASE(NB_ALLTOALLW, NB_IC,
                   MPI_Ineighbor_alltoallw_c(sb, cscnt, sbyte, types, rb, ccnt, rbyte, types, ring,
                                             &req));
            NBCASE(NB_ALLTOALLW, NB_INIT_C,
                   MPI_Neighbor_alltoallw_init_c(sb, cscnt, sbyte, types, rb, ccnt, rbyte, types,
                                                 ring, MPI_INFO_NULL, &req));
#undef NBCASE
            }
            CHECK(rc == MPI_SUCCESS, "neighbor_%s%s returned %d", nb_name[kind], nb_form[form],
                  rc);
        }
        if (form == NB_INIT || form == NB_INIT_C)
            rc = MPI_Start(&req);
        if (rc == MPI_SUCCESS && form != NB_C)
            rc = MPI_Wait(&req, MPI_STATUS_IGNORE);
        CHECK(rc == MPI_SUCCESS, "neighbor_%s%s round %d: start/wait returned %d",
              nb_name[kind], nb_form[form], k, rc);
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++) {
                int at = kind == NB_ALLGATHER || kind == NB_ALLTOALL ? 2 * b + i : idsp[b] + i;
                int want;
                if (kind == NB_ALLGATHER || kind == NB_ALLTOALL) {
                    if (i >= 2)
                        continue;
                    want = kind == NB_ALLGATHER ? nb_val(k, peer[b], 9, i)
                                                : nb_val(k, peer[b], 1 - b, i);
                } else if (kind == NB_ALLGATHERV) {
                    want = i < icnt[b] ? nb_val(k, peer[b], 9, i) : -7;
                } else {
                    want = i < icnt[b] ? nb_val(k, peer[b], 1 - b, i) : -7;
                }
                CHECK(rb[at] == want, "neighbor_%s%s round %d: from %s [%d] = %d, expected %d",
                      nb_name[kind], nb_form[form], k, b ? "right" : "left", i, rb[at], want);
            }
    }
    if (form == NB_INIT || form == NB_INIT_C)
        MPI_Request_free(&req);
}

static void test_errors(void)
{
    MPI_Count counts[8] = { 0 }, neg[8];
    MPI_Aint displs[8] = { 0 };
    MPI_Request req;
    int buf[8];

    for (int i = 0; i < 8; i++)
        neg[i] = i == size - 1 ? -5 : 1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK_ERR(MPI_Bcast_c(buf, -1, MPI_INT, 0, MPI_COMM_WORLD), MPI_ERR_COUNT, "MPI_Bcast_c",
              "count is -1");
    CHECK_ERR(MPI_Gatherv_c(buf, 1, MPI_INT, buf, NULL, displs, MPI_INT, rank, MPI_COMM_WORLD),
              MPI_ERR_ARG, "MPI_Gatherv_c", "recvcounts is NULL");
    if (size <= 8)
        CHECK_ERR(MPI_Alltoallv_init_c(buf, neg, displs, MPI_INT, buf + 4, counts, displs,
                                       MPI_INT, MPI_COMM_WORLD, MPI_INFO_NULL, &req),
                  MPI_ERR_COUNT, "MPI_Alltoallv_init_c", "sendcounts[");
    CHECK_ERR(MPI_Ireduce_scatter_block_c(buf, buf + 4, -2, MPI_INT, MPI_SUM, MPI_COMM_WORLD,
                                          &req),
              MPI_ERR_COUNT, "MPI_Ireduce_scatter_block_c", "recvcount is -2");
    CHECK_ERR(MPI_Neighbor_alltoall_init(buf, 1, MPI_INT, buf + 4, 1, MPI_INT, MPI_COMM_WORLD,
                                         MPI_INFO_NULL, &req),
              MPI_ERR_TOPOLOGY, "MPI_Neighbor_alltoall_init", "no process topology");
    CHECK_ERR(MPI_Allreduce_init_c(buf, buf + 4, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, NULL),
              MPI_ERR_ARG, "MPI_Allreduce_init_c", "request is NULL");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    int dims[1], periods[1] = { 1 };
    MPI_Comm ring;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int m = 0; m < NMODES; m++) {
        test_bcast(m);
        test_gather_scatter(m);
        test_gatherv_scatterv(m);
        test_allgather(m);
        test_alltoall(m);
        test_reductions(m);
    }
    dims[0] = size;
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &ring);
    for (int kind = 0; kind < NB_KINDS; kind++)
        for (int form = 0; form < NB_FORMS; form++)
            nb_run(ring, kind, form);
    MPI_Comm_free(&ring);
    test_errors();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("coll_count_c: ok\n");
    MPI_Finalize();
    return 0;
}
