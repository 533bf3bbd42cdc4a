/* MPI_Isendrecv and MPI_Isendrecv_replace (MPI 4.0) and their large-count forms around
 * the ring of all ranks (to rank+1, from rank-1; to itself at one rank), small and
 * rendezvous sizes: the receive's status and data; different send and receive types;
 * the replace form with a vector type whose gaps must stay untouched and whose
 * outgoing data must not be overwritten by the incoming (large messages are read from
 * the sender's memory after the receive was posted); several outstanding at once,
 * completed in reverse order and by MPI_Waitall; the request completes only when both
 * halves have (a receive whose message comes later keeps it open); MPI_PROC_NULL;
 * errors: NULL request, bad rank, bad tag, truncation. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static inline int val(int src, int round, int i)
{
    return src * 1000003 + round * 7777 + i;
}

#define GAP (-12345)

int main(int argc, char **argv)
{
    const int ns[] = { 0, 1, 250, 100000 };   /* ints */
    int next, prev, count, flag;
    MPI_Status st;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    for (int k = 0; k < 4; k++) {
        int n = ns[k];
        int *sb = malloc((3 * n + 3) * sizeof(int)), *rb = malloc((3 * n + 3) * sizeof(int));
        MPI_Datatype vec;
        MPI_Request r;

        /* Contiguous both ways. */
        for (int i = 0; i < n; i++) {
            sb[i] = val(rank, k, i);
            rb[i] = -1;
        }
        if (k % 2) /* the large-count form */
            MPI_Isendrecv_c(sb, n, MPI_INT, next, 10 + k, rb, n, MPI_INT, prev, 10 + k,
                            MPI_COMM_WORLD, &r);
        else
            MPI_Isendrecv(sb, n, MPI_INT, next, 10 + k, rb, n, MPI_INT, prev, 10 + k,
                          MPI_COMM_WORLD, &r);
        CHECK(r != MPI_REQUEST_NULL, "MPI_Isendrecv gave a null request");
        MPI_Wait(&r, &st);
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK(r == MPI_REQUEST_NULL, "MPI_Wait left the request");
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 10 + k && count == n,
              "isendrecv %d ints: source %d tag %d count %d", n, st.MPI_SOURCE, st.MPI_TAG, count);
        for (int i = 0; i < n; i++)
            CHECK(rb[i] == val(prev, k, i), "isendrecv %d ints: int %d is %d", n, i, rb[i]);

        /* Ints out, a vector of ints (every third) in, wildcards; tested to the end. */
        MPI_Type_vector(n, 1, 3, MPI_INT, &vec);
        MPI_Type_commit(&vec);
        for (int i = 0; i < 3 * n + 3; i++)
            rb[i] = GAP;
        MPI_Isendrecv(sb, n, MPI_INT, next, 20, rb, 1, vec, MPI_ANY_SOURCE, MPI_ANY_TAG,
                      MPI_COMM_WORLD, &r);
        flag = 0;
        while (!flag)
            MPI_Test(&r, &flag, &st);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 20, "isendrecv into a vector: source %d "
              "tag %d", st.MPI_SOURCE, st.MPI_TAG);
        for (int i = 0; i < 3 * n + 3; i++)
            CHECK(rb[i] == (i % 3 == 0 && i / 3 < n ? val(prev, k, i / 3) : GAP),
                  "isendrecv into a vector of %d: int %d is %d", n, i, rb[i]);

        /* Replace with the vector: the gaps stay, the outgoing data leave intact. */
        for (int i = 0; i < 3 * n + 3; i++)
            rb[i] = i % 3 == 0 && i / 3 < n ? val(rank, k + 50, i / 3) : GAP;
        MPI_Isendrecv_replace(rb, 1, vec, next, 30, prev, 30, MPI_COMM_WORLD, &r);
        MPI_Wait(&r, &st);
        MPI_Get_count(&st, vec, &count);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 30 && count == (n ? 1 : 0),
              "isendrecv_replace %d: source %d tag %d count %d", n, st.MPI_SOURCE, st.MPI_TAG,
              count);
        for (int i = 0; i < 3 * n + 3; i++)
            CHECK(rb[i] == (i % 3 == 0 && i / 3 < n ? val(prev, k + 50, i / 3) : GAP),
                  "isendrecv_replace of %d: int %d is %d", n, i, rb[i]);
        MPI_Type_free(&vec);

        /* Contiguous replace, several outstanding, completed in reverse. */
        {
            int *bufs[3];
            MPI_Request rs[3];
            for (int j = 0; j < 3; j++) {
                bufs[j] = malloc((n + 1) * sizeof(int));
                for (int i = 0; i < n; i++)
                    bufs[j][i] = val(rank, k + 10 * j, i);
                if (j == 1)
                    MPI_Isendrecv_replace_c(bufs[j], n, MPI_INT, next, 40 + j, prev, 40 + j,
                                            MPI_COMM_WORLD, &rs[j]);
                else
                    MPI_Isendrecv_replace(bufs[j], n, MPI_INT, next, 40 + j, prev, 40 + j,
                                          MPI_COMM_WORLD, &rs[j]);
            }
            if (k % 2) {
                MPI_Waitall(3, rs, MPI_STATUSES_IGNORE);
            } else {
                for (int j = 2; j >= 0; j--)
                    MPI_Wait(&rs[j], MPI_STATUS_IGNORE);
            }
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < n; i++)
                    CHECK(bufs[j][i] == val(prev, k + 10 * j, i),
                          "outstanding replace %d of %d ints: int %d is %d", j, n, i, bufs[j][i]);
                free(bufs[j]);
            }
        }
        free(sb);
        free(rb);
    }

    /* Complete only when both halves are: the message for the receive comes after
     * the send has been received. */
    {
        int out = val(rank, 99, 0), in = -1, got = -1, late = val(rank, 98, 0);
        MPI_Request r;

        MPI_Isendrecv(&out, 1, MPI_INT, next, 5, &in, 1, MPI_INT, prev, 6, MPI_COMM_WORLD, &r);
        MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
        CHECK(!flag, "isendrecv complete before its receive's message was sent");
        MPI_Recv(&got, 1, MPI_INT, prev, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(got == val(prev, 99, 0), "the send half delivered %d", got);
        MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
        CHECK(!flag, "isendrecv complete before its receive's message was sent (2)");
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Send(&late, 1, MPI_INT, next, 6, MPI_COMM_WORLD);
        MPI_Wait(&r, &st);
        CHECK(in == val(prev, 98, 0) && st.MPI_TAG == 6, "late receive: %d tag %d", in,
              st.MPI_TAG);
    }

    /* MPI_PROC_NULL both ways: complete at once. */
    {
        int x = 7;
        MPI_Request r;
        MPI_Isendrecv_replace(&x, 1, MPI_INT, MPI_PROC_NULL, 1, MPI_PROC_NULL, 1, MPI_COMM_WORLD,
                              &r);
        MPI_Test(&r, &flag, &st);
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK(flag && st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG && count == 0 &&
              x == 7, "proc null: flag %d source %d tag %d count %d x %d", flag, st.MPI_SOURCE,
              st.MPI_TAG, count, x);
    }

    /* Errors. */
    {
        int x[4] = {0, 0, 0, 0}, y = 0, rc;
        MPI_Request r;

        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        CHECK_ERROR(MPI_Isendrecv(x, 1, MPI_INT, next, 1, &y, 1, MPI_INT, prev, 1, MPI_COMM_WORLD,
                                 NULL),
                   MPI_ERR_ARG, "MPI_Isendrecv", "NULL request");
        CHECK_ERROR(MPI_Isendrecv(x, 1, MPI_INT, size, 1, &y, 1, MPI_INT, prev, 1, MPI_COMM_WORLD,
                                 &r),
                   MPI_ERR_RANK, "MPI_Isendrecv", "dest == size");
        CHECK_ERROR(MPI_Isendrecv_replace(x, 1, MPI_INT, next, -5, prev, 1, MPI_COMM_WORLD, &r),
                   MPI_ERR_TAG, "MPI_Isendrecv_replace", "negative send tag");
        CHECK_ERROR(MPI_Isendrecv_replace(x, -1, MPI_INT, next, 1, prev, 1, MPI_COMM_WORLD, &r),
                   MPI_ERR_COUNT, "MPI_Isendrecv_replace", "negative count");
        /* Four ints into room for one. */
        MPI_Isendrecv(x, 4, MPI_INT, next, 3, &y, 1, MPI_INT, prev, 3, MPI_COMM_WORLD, &r);
        rc = MPI_Wait(&r, &st);
        CHECK_ERROR(rc, MPI_ERR_TRUNCATE, "MPI_Wait", "truncated receive half");
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    }

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("p2p_isendrecv: OK on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
