/* Partitioned transfer around a ring when the two sides cut the bytes differently:
 * 6 send partitions, 4 receive partitions, of MPI_INT or of a vector type (two
 * blocks of 3 ints, stride 5) on either side. In lockstep with the sender, the
 * receiver checks after each group of MPI_Pready(_range, _list) that exactly the
 * receive partitions whose bytes have all been readied arrive (Parrived), with
 * their data, the gaps of a vector buffer untouched. Then many quick rounds on
 * the same requests (one with a partition readied twice: MPI_ERR_ARG, and the
 * round completes), zero-size partitions, and MPI_Status counts. */
/* np: 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include "check.h"

#include <stdlib.h>
#include <string.h>

static int rank = -1, next, prev;
static MPI_Datatype vec;   /* 2 blocks of 3 ints, stride 5: 6 ints of data, extent 8 */

#define SP 6
#define RP 4
#define GAP (-7)

static int value(int who, int round, long i)
{
    return who * 1000000 + round * 100000 + (int)(i % 100000);
}

/* Memory index of the i-th int of the type signature of a buffer of ints (vector 0)
 * or of vectors. */
static long where(int vector, long i)
{
    return vector ? i / 6 * 8 + (i % 6) / 3 * 5 + i % 3 : i;
}

/* Ints of memory a buffer of total signature ints takes. */
static long span(int vector, long total)
{
    return vector ? total / 6 * 8 : total;
}

/* Whether receive partition q's ints [q * rn, (q + 1) * rn) are all in readied
 * send partitions of sn ints. */
static int covered(const int *readied, long sn, long rn, int q)
{
    for (int j = 0; j < SP; j++)
        if (!readied[j] && j * sn < (q + 1) * rn && (j + 1) * sn > q * rn)
            return 0;
    return 1;
}

static void fill(int *out, int svec, long total, int round)
{
    for (long i = 0; i < total; i++)
        out[where(svec, i)] = value(rank, round, i);
}

static void clear(int *in, int rvec, long total)
{
    for (long k = 0; k < span(rvec, total); k++)
        in[k] = GAP;
}

/* Receive partition q holds prev's data (or all of them: q = -1); gaps are GAP. */
static void check_in(const int *in, int rvec, long total, long rn, int q, int round,
                     const char *what)
{
    long lo = q < 0 ? 0 : q * rn, hi = q < 0 ? total : (q + 1) * rn;
    for (long i = lo; i < hi; i++)
        CHECK(in[where(rvec, i)] == value(prev, round, i), "%s, round %d: int %ld of the "
              "signature = %d, expected %d", what, round, i, in[where(rvec, i)],
              value(prev, round, i));
    if (rvec)
        for (long k = 0; k < span(rvec, total); k++)
            CHECK(k % 8 == 3 || k % 8 == 4 ? in[k] == GAP : 1, "%s, round %d: the gap at "
                  "int %ld of the buffer was written (%d)", what, round, k, in[k]);
}

/* One layout: send and receive types (vector or int), m scales the sizes. */
static void layout(int svec, int rvec, long m, MPI_Comm ack)
{
    long total = 72 * m;                 /* ints of the signature */
    long sn = total / SP, rn = total / RP;
    int *out = malloc(span(svec, total) * sizeof(int) + 1);
    int *in = malloc(span(rvec, total) * sizeof(int) + 1);
    MPI_Request s, r;
    char what[96];

    snprintf(what, sizeof(what), "send %s x %d, receive %s x %d, %ld ints",
             svec ? "vector" : "int", SP, rvec ? "vector" : "int", RP, total);
    CHECK(out && in, "malloc");
    memset(out, 0, span(svec, total) * sizeof(int));
    CHECK(MPI_Psend_init(out, SP, svec ? sn / 6 : sn, svec ? vec : MPI_INT, next, 7,
                         MPI_COMM_WORLD, MPI_INFO_NULL, &s) == MPI_SUCCESS, "Psend_init");
    CHECK(MPI_Precv_init(in, RP, rvec ? rn / 6 : rn, rvec ? vec : MPI_INT, prev, 7,
                         MPI_COMM_WORLD, MPI_INFO_NULL, &r) == MPI_SUCCESS, "Precv_init");

    /* Lockstep rounds: groups of send partitions readied by one call each. */
    static const int groups[3][7] = {
        { 5, 0, 3, 1, 4, 2, -1 },        /* MPI_Pready, one at a time */
        { 1, 2, 4, 5, 0, 3, -1 },        /* MPI_Pready_range of two, then singles */
        { 5, 0, 3, 2, 4, 1, -1 },        /* MPI_Pready_list of three, twice */
    };
    for (int round = 0; round < 3; round++) {
        int readied[SP] = { 0 }, k = 0;
        fill(out, svec, total, round);
        clear(in, rvec, total);
        MPI_Start(&r);
        MPI_Start(&s);
        while (k < SP) {
            int g = round == 0 || (round == 1 && k >= 4) ? 1 : round == 1 ? 2 : 3;
            const int *part = &groups[round][k];
            if (g == 1)
                CHECK(MPI_Pready(part[0], s) == MPI_SUCCESS, "Pready(%d)", part[0]);
            else if (g == 2)
                CHECK(MPI_Pready_range(part[0], part[1], s) == MPI_SUCCESS, "Pready_range");
            else
                CHECK(MPI_Pready_list(3, part, s) == MPI_SUCCESS, "Pready_list");
            for (int i = 0; i < g; i++)
                readied[part[i]] = 1;
            k += g;
            /* Covered partitions arrive (within 10 s); the others do not. */
            for (int q = 0; q < RP; q++) {
                int flag = 0, want = covered(readied, sn, rn, q);
                double t0 = MPI_Wtime();
                do {
                    CHECK(MPI_Parrived(r, q, &flag) == MPI_SUCCESS, "Parrived(%d)", q);
                    CHECK(flag || !want || MPI_Wtime() - t0 < 10, "%s, round %d: receive "
                          "partition %d never arrived though its bytes were readied by "
                          "rank %d", what, round, q, prev);
                } while (want && !flag);
                CHECK(flag == want, "%s, round %d: receive partition %d arrived before "
                      "rank %d readied all its bytes", what, round, q, prev);
                if (want)
                    check_in(in, rvec, total, rn, q, round, what);
            }
            /* The sender goes on only when its receiver has looked. */
            MPI_Sendrecv(MPI_BOTTOM, 0, MPI_INT, prev, 0, MPI_BOTTOM, 0, MPI_INT, next, 0,
                         ack, MPI_STATUS_IGNORE);
        }
        MPI_Status st;
        int got = -1;
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Wait(&r, &st);
        check_in(in, rvec, total, rn, -1, round, what);
        MPI_Get_count(&st, rvec ? vec : MPI_INT, &got);
        CHECK(got == (rvec ? total / 6 : total), "%s: status count %d", what, got);
    }

    /* Many quick rounds on the same requests. */
    for (int round = 3; round < 40; round++) {
        fill(out, svec, total, round);
        MPI_Start(&r);
        MPI_Start(&s);
        if (round == 5) {
            /* A partition twice: an error; the others are ready all the same. */
            int rc = MPI_Pready_list(3, (int[]){ 1, 0, 1 }, s);
            CHECK_ERROR(rc, MPI_ERR_ARG, "MPI_Pready_list", "partition 1 twice in a list");
            CHECK_ERROR(MPI_Pready(0, s), MPI_ERR_ARG, "MPI_Pready", "partition 0 again");
            MPI_Pready_range(2, SP - 1, s);
        } else if (round % 2)
            MPI_Pready_range(0, SP - 1, s);
        else
            for (int p = SP - 1; p >= 0; p--)
                MPI_Pready(p, s);
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        check_in(in, rvec, total, rn, -1, round, what);
    }
    MPI_Request_free(&s);
    MPI_Request_free(&r);
    free(out);
    free(in);
}

int main(int argc, char **argv)
{
    int size;
    MPI_Comm ack;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_dup(MPI_COMM_WORLD, &ack);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Type_vector(2, 3, 5, MPI_INT, &vec);
    MPI_Type_commit(&vec);

    /* m = 1: partitions of a few dozen bytes; m = 1024: of 48 KiB and more. */
    for (int m = 1; m <= 1024; m *= 1024)
        for (int svec = 0; svec < 2; svec++)
            for (int rvec = 0; rvec < 2; rvec++)
                layout(svec, rvec, m, ack);

    /* Zero-size partitions: they arrive when the sender has readied them all (not
     * at the receive's start, as mpi4py's test_p2p_buf_part checks), and the
     * rounds complete with a count of 0. */
    {
        int x = 1, y = 2, flag = 0, got = -1;
        MPI_Request s, r;
        MPI_Status st;
        MPI_Psend_init(&x, 3, 0, MPI_INT, next, 8, MPI_COMM_WORLD, MPI_INFO_NULL, &s);
        MPI_Precv_init(&y, 2, 0, MPI_INT, prev, 8, MPI_COMM_WORLD, MPI_INFO_NULL, &r);
        for (int round = 0; round < 3; round++) {
            MPI_Start(&r);
            MPI_Start(&s);
            MPI_Pready(1, s);
            MPI_Parrived(r, 1, &flag);
            CHECK(!flag, "zero-size round %d: partition 1 arrived before rank %d readied "
                  "all its partitions", round, prev);
            MPI_Sendrecv(MPI_BOTTOM, 0, MPI_INT, prev, 0, MPI_BOTTOM, 0, MPI_INT, next, 0, ack,
                         MPI_STATUS_IGNORE);
            MPI_Pready_list(2, (int[]){ 2, 0 }, s);
            double t0 = MPI_Wtime();
            do {
                MPI_Parrived(r, 1, &flag);
                CHECK(flag || MPI_Wtime() - t0 < 10, "zero-size round %d: partition 1 never "
                      "arrived though rank %d readied all its partitions", round, prev);
            } while (!flag);
            MPI_Wait(&s, MPI_STATUS_IGNORE);
            MPI_Wait(&r, &st);
            MPI_Get_count(&st, MPI_INT, &got);
            CHECK(got == 0 && y == 2, "zero-size round %d: count %d, buffer %d", round, got, y);
        }
        MPI_Request_free(&s);
        MPI_Request_free(&r);
    }
    MPI_Type_free(&vec);
    MPI_Comm_free(&ack);
    MPI_Finalize();
    return 0;
}
