/* Large messages that both ends copy: the receiver reads pieces from the front of
 * the message, the sender writes pieces from the back while it is in MPI, and the
 * end that copies the last byte completes both requests. Around the ring (to
 * rank+1, from rank-1; to itself at one rank), so every rank sends and receives
 * large messages at the same time:
 *   A: sizes around where single copy starts (BATON_CMA_MIN) and multiples of the
 *      piece size, odd lengths and odd buffer offsets, each message in its own
 *      buffer, all in flight at once;
 *   B: one reused receive buffer, 40 messages one after the other;
 *   C: a vector receive type (unpacked after the copy) and a vector send type;
 *   D: a receive buffer smaller than the message (MPI_ERR_TRUNCATE under
 *      MPI_ERRORS_RETURN): the part that fits arrives, nothing past it is written;
 *   E: a sender that stays out of MPI for 50 ms after posting 24 messages: the
 *      receiver copies them alone (more than it has jobs for), and the sender's
 *      late help must find nothing left to do.
 * Bytes depend on the sender, the message and the position, checked one by one. */
/* np: 1 2 3 4 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_CMA_PIECE=4096,65536 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, next, prev;

#include "check.h"
#include "pattern.h"

/* A: all sizes in flight at once, each in its own buffer at an odd offset. */
static void part_a(void)
{
    static const size_t sizes[] = { 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 192 * 1024 + 5,
                                    256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1,
                                    256 * 1024 + 4095, 256 * 1024 + 4096 + 17,
                                    320 * 1024, 384 * 1024 + 1, 512 * 1024 - 3,
                                    (1 << 20) + 12345, 3 << 20 };
    enum { N = sizeof(sizes) / sizeof(sizes[0]) };
    unsigned char *sb[N], *rb[N];
    MPI_Request req[2 * N];
    MPI_Status st[2 * N];

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            int off = (i * 3 + round) % 8;
            sb[i] = malloc(sizes[i] + 8);
            rb[i] = malloc(sizes[i] + 8 + 64);
            CHECK(sb[i] && rb[i], "A: out of memory");
            fill(sb[i] + off, sizes[i], rank, i + round * N);
            memset(rb[i], 0xee, sizes[i] + 8 + 64);
            MPI_Irecv(rb[i] + off, (int)sizes[i], MPI_BYTE, prev, i, MPI_COMM_WORLD, &req[i]);
        }
        for (int i = 0; i < N; i++)
            MPI_Isend(sb[i] + (i * 3 + round) % 8, (int)sizes[i], MPI_BYTE, next, i,
                      MPI_COMM_WORLD, &req[N + i]);
        MPI_Waitall(2 * N, req, st);
        for (int i = 0; i < N; i++) {
            int off = (i * 3 + round) % 8;
            check_status(&st[i], MPI_BYTE, (int)sizes[i], prev, "A");
            verify(rb[i] + off, sizes[i], prev, i + round * N, "A");
            for (size_t g = sizes[i] + off; g < sizes[i] + 8 + 64; g++)
                CHECK(rb[i][g] == 0xee, "A: message %d: byte %zu past the message was written",
                      i, g - off);
            free(sb[i]);
            free(rb[i]);
        }
    }
}

/* B: one receive buffer for every message. */
static void part_b(void)
{
    const size_t n = (1 << 20) + 4097;
    unsigned char *sb = malloc(n), *rb = malloc(n);
    MPI_Request sreq;
    MPI_Status st;

    CHECK(sb && rb, "B: out of memory");
    for (int m = 0; m < 40; m++) {
        fill(sb, n, rank, 100 + m);
        MPI_Isend(sb, (int)n, MPI_BYTE, next, 7, MPI_COMM_WORLD, &sreq);
        MPI_Recv(rb, (int)n, MPI_BYTE, prev, 7, MPI_COMM_WORLD, &st);
        check_status(&st, MPI_BYTE, (int)n, prev, "B");
        verify(rb, n, prev, 100 + m, "B");
        MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    }
    free(sb);
    free(rb);
}

/* C: every other double of the receive buffer, then of the send buffer. */
static void part_c(void)
{
    const int count = 70000;   /* 560000 bytes of data */
    double *contig = malloc(count * sizeof(double)), *strided = malloc(2 * count * sizeof(double));
    MPI_Datatype vec;
    MPI_Status st;

    CHECK(contig && strided, "C: out of memory");
    MPI_Type_vector(count, 1, 2, MPI_DOUBLE, &vec);
    MPI_Type_commit(&vec);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < count; i++)
            contig[i] = rank * 1e6 + round * 1e5 + i;
        for (int i = 0; i < 2 * count; i++)
            strided[i] = -1;
        MPI_Sendrecv(contig, count, MPI_DOUBLE, next, 8, strided, 1, vec, prev, 8,
                     MPI_COMM_WORLD, &st);
        for (int i = 0; i < count; i++) {
            CHECK(strided[2 * i] == prev * 1e6 + round * 1e5 + i,
                  "C: vector receive, round %d: element %d is %g", round, i, strided[2 * i]);
            CHECK(strided[2 * i + 1] == -1, "C: vector receive wrote the gap after element %d", i);
        }
        for (int i = 0; i < 2 * count; i++)
            strided[i] = i % 2 ? -2 : rank * 1e6 + round * 1e5 + i / 2;
        MPI_Sendrecv(strided, 1, vec, next, 9, contig, count, MPI_DOUBLE, prev, 9,
                     MPI_COMM_WORLD, &st);
        check_status(&st, MPI_DOUBLE, count, prev, "C");
        for (int i = 0; i < count; i++)
            CHECK(contig[i] == prev * 1e6 + round * 1e5 + i,
                  "C: vector send, round %d: element %d is %g", round, i, contig[i]);
    }
    MPI_Type_free(&vec);
    free(contig);
    free(strided);
}

/* D: 1 MiB into a buffer of 600000 bytes, twice (the first may be a plain single copy). */
static void part_d(void)
{
    const size_t n = 1 << 20, cap = 600000;
    unsigned char *sb = malloc(n), *rb = malloc(cap + 64);
    MPI_Request req[2];
    MPI_Status st[2];
    int rc, cls;

    CHECK(sb && rb, "D: out of memory");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    for (int m = 0; m < 2; m++) {
        fill(sb, n, rank, 200 + m);
        memset(rb, 0xee, cap + 64);
        MPI_Irecv(rb, (int)cap, MPI_BYTE, prev, 10, MPI_COMM_WORLD, &req[0]);
        MPI_Isend(sb, (int)n, MPI_BYTE, next, 10, MPI_COMM_WORLD, &req[1]);
        rc = MPI_Waitall(2, req, st);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_IN_STATUS,
              "D: MPI_Waitall: error class %d, expected MPI_ERR_IN_STATUS", cls);
        MPI_Error_class(st[0].MPI_ERROR, &cls);
        CHECK(cls == MPI_ERR_TRUNCATE, "D: receive error class %d, expected MPI_ERR_TRUNCATE", cls);
        CHECK(st[1].MPI_ERROR == MPI_SUCCESS, "D: the send failed (%d)", st[1].MPI_ERROR);
        verify(rb, cap, prev, 200 + m, "D");
        for (size_t g = cap; g < cap + 64; g++)
            CHECK(rb[g] == 0xee, "D: byte %zu past the receive buffer was written", g);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    free(sb);
    free(rb);
}

/* E: the receiver waits for 24 messages while their sender computes. */
static void part_e(void)
{
    enum { M = 24 };
    const size_t n = 300 * 1024 + 5;
    unsigned char *sb = malloc(M * n), *rb = malloc(M * n);
    MPI_Request req[2 * M];
    MPI_Status st[2 * M];

    CHECK(sb && rb, "E: out of memory");
    for (int m = 0; m < M; m++) {
        fill(sb + m * n, n, rank, 300 + m);
        MPI_Irecv(rb + m * n, (int)n, MPI_BYTE, prev, 11, MPI_COMM_WORLD, &req[m]);
    }
    for (int m = 0; m < M; m++)
        MPI_Isend(sb + m * n, (int)n, MPI_BYTE, next, 11, MPI_COMM_WORLD, &req[M + m]);
    /* Even ranks stay out of MPI while their receiver copies; at one rank the
     * requests only complete in MPI_Waitall. */
    if (rank % 2 == 0 && size > 1) {
        double t = MPI_Wtime();
        while (MPI_Wtime() - t < 0.05)
            ;
    }
    MPI_Waitall(2 * M, req, st);
    for (int m = 0; m < M; m++) {
        check_status(&st[m], MPI_BYTE, (int)n, prev, "E");
        verify(rb + m * n, n, prev, 300 + m, "E");
    }
    free(sb);
    free(rb);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    part_a();
    part_b();
    part_c();
    part_d();
    part_e();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("p2p_large_split: OK\n");
    MPI_Finalize();
    return 0;
}
