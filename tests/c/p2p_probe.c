/* Probes and matched probes around the ring (to rank+1, from rank-1; to itself at
 * one rank), eager and rendezvous sizes:
 *   MPI_Probe, then a receive sized by MPI_Get_count of the probe's status;
 *   MPI_Iprobe is false for a message nobody sent, true (and leaves the message in
 *   place: twice the same answer) once it is there;
 *   MPI_Mprobe/MPI_Improbe take the message out of matching: a later MPI_Recv on
 *   the same (source, tag) gets the next message, MPI_Mrecv/MPI_Imrecv the probed
 *   one, and set the handle to MPI_MESSAGE_NULL;
 *   MPI_PROC_NULL: probes say so at once, the matched ones give
 *   MPI_MESSAGE_NO_PROC, whose receive is empty with source MPI_PROC_NULL. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, next, prev;

#include "check.h"

static const int ns[] = { 0, 3, 200, 5000, 90000 };   /* doubles */
#define NN 5

static inline double val(int src, int tag, int i)
{
    return src * 1e6 + tag * 1e3 + i + 0.25;
}

static double *make(int n, int tag)
{
    double *b = malloc((n + 1) * sizeof(double));
    for (int i = 0; i < n; i++)
        b[i] = val(rank, tag, i);
    return b;
}

static void verify(const double *b, int n, const MPI_Status *st, int tag, const char *what)
{
    int count;
    MPI_Get_count(st, MPI_DOUBLE, &count);
    CHECK(st->MPI_SOURCE == prev && st->MPI_TAG == tag, "%s: source %d tag %d, expected %d %d",
          what, st->MPI_SOURCE, st->MPI_TAG, prev, tag);
    CHECK(count == n, "%s: count %d, expected %d", what, count, n);
    for (int i = 0; i < n; i++)
        CHECK(b[i] == val(prev, tag, i), "%s: element %d of %d is %g", what, i, n, b[i]);
}

static void check_no_proc(const MPI_Status *st, const char *what)
{
    int count = -1;
    CHECK(st->MPI_SOURCE == MPI_PROC_NULL && st->MPI_TAG == MPI_ANY_TAG,
          "%s: source %d tag %d, expected MPI_PROC_NULL MPI_ANY_TAG", what, st->MPI_SOURCE,
          st->MPI_TAG);
    MPI_Get_count(st, MPI_DOUBLE, &count);
    CHECK(count == 0, "%s: count %d", what, count);
}

int main(int argc, char **argv)
{
    MPI_Status st, st2;
    MPI_Request sreq[2 * NN], req;
    MPI_Message msg;
    double *sb[2 * NN];
    int flag, count;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    /* Nothing sent on tag 999. */
    flag = 1;
    MPI_Iprobe(prev, 999, MPI_COMM_WORLD, &flag, &st);
    CHECK(!flag, "MPI_Iprobe found a message nobody sent");
    MPI_Improbe(MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, &flag, &msg, &st);
    CHECK(!flag, "MPI_Improbe found a message nobody sent");

    /* 1: MPI_Probe, then a receive of exactly the probed size, in the reverse
     * order of the sends (the probe may have to wait for its message to arrive). */
    for (int k = 0; k < NN; k++) {
        sb[k] = make(ns[k], 10 + k);
        MPI_Isend(sb[k], ns[k], MPI_DOUBLE, next, 10 + k, MPI_COMM_WORLD, &sreq[k]);
    }
    for (int k = NN - 1; k >= 0; k--) {
        double *rb;
        MPI_Probe(prev, 10 + k, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_DOUBLE, &count);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 10 + k && count == ns[k],
              "MPI_Probe: source %d tag %d count %d, expected %d %d %d", st.MPI_SOURCE,
              st.MPI_TAG, count, prev, 10 + k, ns[k]);
        rb = malloc((count + 1) * sizeof(double));
        MPI_Recv(rb, count, MPI_DOUBLE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, &st2);
        verify(rb, ns[k], &st2, 10 + k, "receive after MPI_Probe");
        free(rb);
    }
    MPI_Waitall(NN, sreq, MPI_STATUSES_IGNORE);
    for (int k = 0; k < NN; k++)
        free(sb[k]);

    /* 2: MPI_Iprobe with wildcards until the message is there; it stays there. */
    for (int k = 0; k < NN; k++) {
        double *rb;
        sb[0] = make(ns[k], 20 + k);
        MPI_Isend(sb[0], ns[k], MPI_DOUBLE, next, 20 + k, MPI_COMM_WORLD, &sreq[0]);
        flag = 0;
        while (!flag)
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        MPI_Get_count(&st, MPI_DOUBLE, &count);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 20 + k && count == ns[k],
              "MPI_Iprobe: source %d tag %d count %d", st.MPI_SOURCE, st.MPI_TAG, count);
        MPI_Iprobe(prev, 20 + k, MPI_COMM_WORLD, &flag, &st2);
        MPI_Get_count(&st2, MPI_DOUBLE, &count);
        CHECK(flag && st2.MPI_SOURCE == prev && st2.MPI_TAG == 20 + k && count == ns[k],
              "second MPI_Iprobe: flag %d source %d tag %d count %d", flag, st2.MPI_SOURCE,
              st2.MPI_TAG, count);
        rb = malloc((count + 1) * sizeof(double));
        MPI_Recv(rb, count, MPI_DOUBLE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        verify(rb, ns[k], &st, 20 + k, "receive after MPI_Iprobe");
        free(rb);
        MPI_Wait(&sreq[0], MPI_STATUS_IGNORE);
        free(sb[0]);
        MPI_Iprobe(prev, 20 + k, MPI_COMM_WORLD, &flag, &st);
        CHECK(!flag, "MPI_Iprobe finds a message that was received");
    }
    MPI_Barrier(MPI_COMM_WORLD);

    /* 3: matched probes. Two messages on each tag: the first is probed out of
     * matching, a plain receive then gets the second, the matched receive the
     * first. Blocking and nonblocking forms alternate. */
    for (int k = 0; k < NN; k++) {
        int tag = 30 + k, n2 = ns[(k + 2) % NN];
        double *rb1, *rb2;

        sb[2 * k] = make(ns[k], tag);
        /* The second message's values come from another tag to tell them apart. */
        sb[2 * k + 1] = make(n2, tag + 100);
        MPI_Isend(sb[2 * k], ns[k], MPI_DOUBLE, next, tag, MPI_COMM_WORLD, &sreq[2 * k]);
        MPI_Isend(sb[2 * k + 1], n2, MPI_DOUBLE, next, tag, MPI_COMM_WORLD, &sreq[2 * k + 1]);

        msg = MPI_MESSAGE_NULL;
        if (k % 2) {
            flag = 0;
            while (!flag)
                MPI_Improbe(prev, tag, MPI_COMM_WORLD, &flag, &msg, &st);
        } else {
            MPI_Mprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &msg, &st);
        }
        CHECK(msg != MPI_MESSAGE_NULL && msg != MPI_MESSAGE_NO_PROC, "matched probe gave no "
              "message");
        MPI_Get_count(&st, MPI_DOUBLE, &count);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == tag && count == ns[k],
              "matched probe: source %d tag %d count %d, expected %d %d %d", st.MPI_SOURCE,
              st.MPI_TAG, count, prev, tag, ns[k]);

        rb2 = malloc((n2 + 1) * sizeof(double));
        MPI_Recv(rb2, n2, MPI_DOUBLE, prev, tag, MPI_COMM_WORLD, &st2);
        {
            int c2;
            MPI_Get_count(&st2, MPI_DOUBLE, &c2);
            CHECK(c2 == n2, "receive after a matched probe got %d elements, expected the "
                  "second message's %d (did it get the probed one?)", c2, n2);
            for (int i = 0; i < n2; i++)
                CHECK(rb2[i] == val(prev, tag + 100, i), "second message: element %d is %g", i,
                      rb2[i]);
        }

        rb1 = malloc((count + 1) * sizeof(double));
        if (k % 2) {
            MPI_Imrecv(rb1, count, MPI_DOUBLE, &msg, &req);
            CHECK(msg == MPI_MESSAGE_NULL, "MPI_Imrecv left the message handle");
            MPI_Wait(&req, &st);
        } else {
            MPI_Mrecv(rb1, count, MPI_DOUBLE, &msg, &st);
            CHECK(msg == MPI_MESSAGE_NULL, "MPI_Mrecv left the message handle");
        }
        verify(rb1, ns[k], &st, tag, "matched receive");
        free(rb1);
        free(rb2);
    }
    MPI_Waitall(2 * NN, sreq, MPI_STATUSES_IGNORE);
    for (int k = 0; k < 2 * NN; k++)
        free(sb[k]);

    /* 4: MPI_PROC_NULL. */
    {
        double d = 5.0;
        memset(&st, 0x55, sizeof(st));
        MPI_Probe(MPI_PROC_NULL, 1, MPI_COMM_WORLD, &st);
        check_no_proc(&st, "MPI_Probe(MPI_PROC_NULL)");
        flag = 0;
        memset(&st, 0x55, sizeof(st));
        MPI_Iprobe(MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        CHECK(flag, "MPI_Iprobe(MPI_PROC_NULL) flag is false");
        check_no_proc(&st, "MPI_Iprobe(MPI_PROC_NULL)");

        msg = MPI_MESSAGE_NULL;
        MPI_Mprobe(MPI_PROC_NULL, 1, MPI_COMM_WORLD, &msg, &st);
        CHECK(msg == MPI_MESSAGE_NO_PROC, "MPI_Mprobe(MPI_PROC_NULL) did not give "
              "MPI_MESSAGE_NO_PROC");
        check_no_proc(&st, "MPI_Mprobe(MPI_PROC_NULL)");
        memset(&st, 0x55, sizeof(st));
        MPI_Mrecv(&d, 1, MPI_DOUBLE, &msg, &st);
        CHECK(msg == MPI_MESSAGE_NULL, "MPI_Mrecv(MPI_MESSAGE_NO_PROC) left the handle");
        check_no_proc(&st, "MPI_Mrecv(MPI_MESSAGE_NO_PROC)");
        CHECK(d == 5.0, "MPI_Mrecv(MPI_MESSAGE_NO_PROC) wrote the buffer");

        flag = 0;
        msg = MPI_MESSAGE_NULL;
        MPI_Improbe(MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &msg, &st);
        CHECK(flag && msg == MPI_MESSAGE_NO_PROC, "MPI_Improbe(MPI_PROC_NULL): flag %d", flag);
        check_no_proc(&st, "MPI_Improbe(MPI_PROC_NULL)");
        MPI_Imrecv(&d, 1, MPI_DOUBLE, &msg, &req);
        CHECK(msg == MPI_MESSAGE_NULL, "MPI_Imrecv(MPI_MESSAGE_NO_PROC) left the handle");
        memset(&st, 0x55, sizeof(st));
        MPI_Wait(&req, &st);
        check_no_proc(&st, "MPI_Imrecv(MPI_MESSAGE_NO_PROC)");
        CHECK(d == 5.0, "MPI_Imrecv(MPI_MESSAGE_NO_PROC) wrote the buffer");
    }

    MPI_Finalize();
    return 0;
}
