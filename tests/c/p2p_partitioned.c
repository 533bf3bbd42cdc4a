/* Partitioned communication around a ring: sender and receiver cut the same bytes
 * into different partitions, partitions are marked ready out of order with
 * Pready, Pready_range and Pready_list over several rounds, Parrived reports
 * them; pairs with the same tag match in the order of their inits whatever order
 * they start in; MPI_PROC_NULL; bad input. */
#include "check.h"

#include <string.h>

static int rank = -1, size;

#define SP 4          /* sender's partitions */
#define SC 6          /* elements per sender partition */
#define RP 3          /* receiver's partitions */
#define RC 8          /* elements per receiver partition: RP * RC == SP * SC */

static int err_class(int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    return cls;
}

static int value(int who, int round, int i)
{
    return who * 100000 + round * 1000 + i;
}

/* Polls Parrived for every partition until all are in, at most 20 s. */
static void wait_arrived(MPI_Request r, int parts)
{
    double t0 = MPI_Wtime();
    for (int p = 0; p < parts; p++) {
        int flag = 0;
        while (!flag) {
            CHECK(MPI_Parrived(r, p, &flag) == MPI_SUCCESS, "MPI_Parrived(%d)", p);
            CHECK(MPI_Wtime() - t0 < 20, "partition %d never arrived", p);
        }
    }
}

int main(int argc, char **argv)
{
    int next, prev, out[SP * SC], in[RP * RC];
    MPI_Request s, r;
    MPI_Status st;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    CHECK(MPI_Psend_init(out, SP, SC, MPI_INT, next, 9, MPI_COMM_WORLD, MPI_INFO_NULL, &s) ==
          MPI_SUCCESS, "MPI_Psend_init");
    CHECK(MPI_Precv_init(in, RP, RC, MPI_INT, prev, 9, MPI_COMM_WORLD, MPI_INFO_NULL, &r) ==
          MPI_SUCCESS, "MPI_Precv_init");
    for (int round = 0; round < 4; round++) {
        memset(in, 0xff, sizeof(in));
        MPI_Start(&r);
        MPI_Start(&s);
        for (int i = 0; i < SP * SC; i++)
            out[i] = value(rank, round, i);
        if (round == 0) {
            for (int p = SP - 1; p >= 0; p--)
                CHECK(MPI_Pready(p, s) == MPI_SUCCESS, "MPI_Pready(%d)", p);
        } else if (round == 1) {
            CHECK(MPI_Pready_range(1, SP - 1, s) == MPI_SUCCESS, "Pready_range");
            CHECK(MPI_Pready(0, s) == MPI_SUCCESS, "Pready(0)");
        } else {
            int list[SP] = { 2, 0, 3, 1 };
            CHECK(MPI_Pready_list(SP, list, s) == MPI_SUCCESS, "Pready_list");
        }
        wait_arrived(r, RP);
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Wait(&r, &st);
        for (int i = 0; i < RP * RC; i++)
            CHECK(in[i] == value(prev, round, i), "round %d: in[%d] = %d, expected %d", round,
                  i, in[i], value(prev, round, i));
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 9, "status %d/%d", st.MPI_SOURCE,
              st.MPI_TAG);
    }
    /* The receive is inactive now: Parrived on it is an error. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    {
        int flag;
        CHECK(err_class(MPI_Parrived(r, 0, &flag)) == MPI_ERR_REQUEST, "Parrived inactive");
        CHECK(err_class(MPI_Pready(0, s)) == MPI_ERR_REQUEST, "Pready inactive");
    }
    MPI_Request_free(&s);
    MPI_Request_free(&r);

    /* Two pairs with one tag: the first init pairs with the first, though the
     * sender starts and readies the second first. */
    {
        int a[3], b[3], ra[3] = { 0 }, rb[3] = { 0 };
        MPI_Request sa, sb, qa, qb;
        MPI_Psend_init(a, 1, 3, MPI_INT, next, 4, MPI_COMM_WORLD, MPI_INFO_NULL, &sa);
        MPI_Psend_init(b, 3, 1, MPI_INT, next, 4, MPI_COMM_WORLD, MPI_INFO_NULL, &sb);
        MPI_Precv_init(ra, 3, 1, MPI_INT, prev, 4, MPI_COMM_WORLD, MPI_INFO_NULL, &qa);
        MPI_Precv_init(rb, 1, 3, MPI_INT, prev, 4, MPI_COMM_WORLD, MPI_INFO_NULL, &qb);
        for (int i = 0; i < 3; i++) {
            a[i] = 10 * rank + i;
            b[i] = -10 * rank - i - 1;
        }
        /* The receives are posted first-init first, the messages leave second-init
         * first: matched by arrival, they would cross. */
        MPI_Start(&qa);
        MPI_Start(&qb);
        MPI_Start(&sb);
        MPI_Pready_range(0, 2, sb);
        MPI_Start(&sa);
        MPI_Pready(0, sa);
        MPI_Request all[4] = { sa, sb, qa, qb };
        MPI_Waitall(4, all, MPI_STATUSES_IGNORE);
        for (int i = 0; i < 3; i++)
            CHECK(ra[i] == 10 * prev + i && rb[i] == -10 * prev - i - 1,
                  "same-tag pairs crossed: ra[%d] = %d, rb[%d] = %d", i, ra[i], i, rb[i]);
        MPI_Request_free(&sa);
        MPI_Request_free(&sb);
        MPI_Request_free(&qa);
        MPI_Request_free(&qb);
    }

    /* A context id comes back in a later communicator: the pairing starts again
     * there. First partitioned sends to myself on a dup of MPI_COMM_SELF, then a
     * ring on a dup of MPI_COMM_WORLD that gets the same context id. */
    for (int k = 0; k < 2; k++) {
        MPI_Comm d;
        int one = rank, got = -1;
        MPI_Comm_dup(k == 0 ? MPI_COMM_SELF : MPI_COMM_WORLD, &d);
        int to = k == 0 ? 0 : next, from = k == 0 ? 0 : prev;
        MPI_Psend_init(&one, 1, 1, MPI_INT, to, 5, d, MPI_INFO_NULL, &s);
        MPI_Precv_init(&got, 1, 1, MPI_INT, from, 5, d, MPI_INFO_NULL, &r);
        MPI_Start(&r);
        MPI_Start(&s);
        MPI_Pready(0, s);
        wait_arrived(r, 1);
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        CHECK(got == (k == 0 ? rank : prev), "reused context, pass %d: got %d", k, got);
        MPI_Request_free(&s);
        MPI_Request_free(&r);
        MPI_Comm_free(&d);
    }

    /* MPI_PROC_NULL: the rounds complete at once. */
    MPI_Psend_init(out, 2, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &s);
    MPI_Precv_init(in, 2, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &r);
    MPI_Start(&s);
    MPI_Start(&r);
    MPI_Pready(1, s);
    MPI_Wait(&s, MPI_STATUS_IGNORE);
    MPI_Wait(&r, &st);
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL, "PROC_NULL status source %d", st.MPI_SOURCE);

    /* Bad input. */
    MPI_Start(&s);
    MPI_Start(&r);
    {
        int flag, rc;
        CHECK(err_class(MPI_Pready(0, r)) == MPI_ERR_REQUEST, "Pready on a receive");
        CHECK(err_class(MPI_Parrived(s, 0, &flag)) == MPI_ERR_REQUEST, "Parrived on a send");
        CHECK(err_class(MPI_Pready(2, s)) == MPI_ERR_ARG, "Pready out of range");
        CHECK(err_class(MPI_Parrived(r, -1, &flag)) == MPI_ERR_ARG, "Parrived out of range");
        CHECK(err_class(MPI_Pready_range(1, 0, s)) == MPI_ERR_ARG, "Pready_range low > high");
        MPI_Request x;
        rc = MPI_Psend_init(out, 0, 1, MPI_INT, next, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &x);
        CHECK(err_class(rc) == MPI_ERR_ARG, "zero partitions");
        rc = MPI_Precv_init(in, 1, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD,
                            MPI_INFO_NULL, &x);
        CHECK(err_class(rc) == MPI_ERR_RANK, "Precv_init from MPI_ANY_SOURCE");
        rc = MPI_Precv_init(in, 1, 1, MPI_INT, prev, MPI_ANY_TAG, MPI_COMM_WORLD,
                            MPI_INFO_NULL, &x);
        CHECK(err_class(rc) == MPI_ERR_TAG, "Precv_init with MPI_ANY_TAG");
    }
    MPI_Pready_range(0, 1, s);
    MPI_Wait(&s, MPI_STATUS_IGNORE);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    MPI_Request_free(&s);
    MPI_Request_free(&r);
    MPI_Finalize();
    return 0;
}
