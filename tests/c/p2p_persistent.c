/* Persistent requests around the ring (to rank+1, from rank-1; to itself at one
 * rank): MPI_Send_init, MPI_Ssend_init, MPI_Bsend_init, MPI_Rsend_init and
 * MPI_Recv_init (a named source and MPI_ANY_SOURCE), started several times with
 * MPI_Start and MPI_Startall, with new contents each time, small and rendezvous;
 * the handles survive completion (MPI_Wait, MPI_Waitall, MPI_Test); an
 * inactive persistent request completes at once with an empty status; a
 * synchronous persistent send stays incomplete until the receive is started;
 * MPI_Request_free releases inactive persistent requests. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, next, prev;

#include "check.h"

#define SMALL 10
#define BIG 80000
#define ITERS 5

static inline int val(int src, int tag, int it, int i)
{
    return src * 1000000 + tag * 100000 + it * 1000 + i % 1000 + i;
}

static void fill(int *b, int n, int tag, int it)
{
    for (int i = 0; i < n; i++)
        b[i] = val(rank, tag, it, i);
}

static void verify(const int *b, int n, const MPI_Status *st, int tag, int it, const char *what)
{
    int count;
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(st->MPI_SOURCE == prev && st->MPI_TAG == tag, "%s, start %d: source %d tag %d", what,
          it, st->MPI_SOURCE, st->MPI_TAG);
    CHECK(count == n, "%s, start %d: count %d, expected %d", what, it, count, n);
    for (int i = 0; i < n; i++)
        CHECK(b[i] == val(prev, tag, it, i), "%s, start %d: int %d of %d is %d", what, it, i, n,
              b[i]);
}

static void check_empty(const MPI_Status *st, const char *what)
{
    int count = -1;
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG && count == 0,
          "%s: status of an inactive request: source %d tag %d count %d", what, st->MPI_SOURCE,
          st->MPI_TAG, count);
}

int main(int argc, char **argv)
{
    int *s1 = malloc(SMALL * sizeof(int)), *s2 = malloc(BIG * sizeof(int));
    int *r1 = malloc(SMALL * sizeof(int)), *r2 = malloc(BIG * sizeof(int));
    MPI_Request reqs[4], sreq, rreq;
    MPI_Status sts[4], st;
    int flag;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    /* Receives first in the array so that Startall posts them before the sends. */
    MPI_Recv_init(r1, SMALL, MPI_INT, prev, 1, MPI_COMM_WORLD, &reqs[0]);
    MPI_Recv_init(r2, BIG, MPI_INT, MPI_ANY_SOURCE, 2, MPI_COMM_WORLD, &reqs[1]);
    MPI_Send_init(s1, SMALL, MPI_INT, next, 1, MPI_COMM_WORLD, &reqs[2]);
    MPI_Send_init(s2, BIG, MPI_INT, next, 2, MPI_COMM_WORLD, &reqs[3]);

    /* Inactive: complete at once, empty status, handle kept. */
    memset(&st, 0x44, sizeof(st));
    MPI_Wait(&reqs[0], &st);
    CHECK(reqs[0] != MPI_REQUEST_NULL, "MPI_Wait on an inactive persistent request freed it");
    check_empty(&st, "MPI_Wait");
    memset(&st, 0x44, sizeof(st));
    flag = 0;
    MPI_Test(&reqs[3], &flag, &st);
    CHECK(flag && reqs[3] != MPI_REQUEST_NULL, "MPI_Test on an inactive persistent request");
    check_empty(&st, "MPI_Test");

    for (int it = 0; it < ITERS; it++) {
        fill(s1, SMALL, 1, it);
        fill(s2, BIG, 2, it);
        memset(r1, 0, SMALL * sizeof(int));
        memset(r2, 0, BIG * sizeof(int));
        if (it % 2 == 0) {
            MPI_Startall(4, reqs);
            MPI_Waitall(4, reqs, sts);
        } else {
            /* One at a time, the sends first: they wait for the receives. */
            MPI_Start(&reqs[3]);
            MPI_Start(&reqs[2]);
            MPI_Start(&reqs[1]);
            MPI_Start(&reqs[0]);
            /* One MPI_Test each (an MPI_Test loop would not give the core away when
             * ranks outnumber cores, and take seconds), then MPI_Wait. */
            for (int k = 0; k < 4; k++) {
                flag = 0;
                MPI_Test(&reqs[k], &flag, &sts[k]);
                if (!flag)
                    MPI_Wait(&reqs[k], &sts[k]);
            }
        }
        for (int k = 0; k < 4; k++)
            CHECK(reqs[k] != MPI_REQUEST_NULL, "completion freed persistent request %d", k);
        verify(r1, SMALL, &sts[0], 1, it, "persistent small");
        verify(r2, BIG, &sts[1], 2, it, "persistent rendezvous");
    }

    /* Synchronous persistent send: not complete until the receive is started. */
    MPI_Ssend_init(s1, SMALL, MPI_INT, next, 3, MPI_COMM_WORLD, &sreq);
    MPI_Recv_init(r1, SMALL, MPI_INT, prev, 3, MPI_COMM_WORLD, &rreq);
    for (int it = 0; it < 3; it++) {
        int go = 0;
        fill(s1, SMALL, 3, it);
        MPI_Start(&sreq);
        for (int i = 0; i < 10; i++) {
            MPI_Test(&sreq, &flag, MPI_STATUS_IGNORE);
            CHECK(!flag, "MPI_Ssend_init request complete before the receive was started");
        }
        /* Everyone has tested before anyone starts its receive. */
        MPI_Allreduce(MPI_IN_PLACE, &go, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Start(&rreq);
        MPI_Wait(&rreq, &st);
        verify(r1, SMALL, &st, 3, it, "persistent synchronous");
        MPI_Wait(&sreq, MPI_STATUS_IGNORE);
        CHECK(sreq != MPI_REQUEST_NULL, "MPI_Wait freed the persistent synchronous send");
    }
    MPI_Request_free(&sreq);
    MPI_Request_free(&rreq);

    /* Buffered persistent send, three starts through one attached buffer. */
    {
        int bsize = 3 * (BIG * (int)sizeof(int) + MPI_BSEND_OVERHEAD);
        char *bbuf = malloc(bsize);
        void *det;
        int detsize;

        MPI_Buffer_attach(bbuf, bsize);
        MPI_Bsend_init(s2, BIG, MPI_INT, next, 4, MPI_COMM_WORLD, &sreq);
        for (int it = 0; it < 3; it++) {
            fill(s2, BIG, 4, it);
            MPI_Start(&sreq);
            MPI_Wait(&sreq, MPI_STATUS_IGNORE);   /* local: the bytes are in bbuf */
        }
        for (int it = 0; it < 3; it++) {
            MPI_Recv(r2, BIG, MPI_INT, prev, 4, MPI_COMM_WORLD, &st);
            verify(r2, BIG, &st, 4, it, "persistent buffered");
        }
        MPI_Request_free(&sreq);
        MPI_Buffer_detach(&det, &detsize);
        free(bbuf);
    }

    /* Ready persistent send: the receive is started before the barrier. */
    MPI_Rsend_init(s2, BIG, MPI_INT, next, 5, MPI_COMM_WORLD, &sreq);
    MPI_Recv_init(r2, BIG, MPI_INT, prev, 5, MPI_COMM_WORLD, &rreq);
    for (int it = 0; it < 3; it++) {
        fill(s2, BIG, 5, it);
        MPI_Start(&rreq);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Start(&sreq);
        MPI_Wait(&rreq, &st);
        MPI_Wait(&sreq, MPI_STATUS_IGNORE);
        verify(r2, BIG, &st, 5, it, "persistent ready");
        MPI_Barrier(MPI_COMM_WORLD);  /* the next round's send buffer is refilled */
    }
    MPI_Request_free(&sreq);
    MPI_Request_free(&rreq);

    for (int k = 0; k < 4; k++) {
        CHECK(MPI_Request_free(&reqs[k]) == MPI_SUCCESS, "MPI_Request_free of persistent %d", k);
        CHECK(reqs[k] == MPI_REQUEST_NULL, "MPI_Request_free left persistent request %d", k);
    }
    free(s1);
    free(s2);
    free(r1);
    free(r2);
    MPI_Finalize();
    return 0;
}
