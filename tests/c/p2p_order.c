/* Non-overtaking: many messages of one (source, tag) arrive in the order they were
 * sent, with sizes that switch between eager, streamed and single-copy rendezvous
 * from one message to the next. Each rank sends to rank+1 and receives from rank-1
 * (itself at one rank):
 *   A: all sends started at once (MPI_Isend), then blocking receives one by one
 *      into a buffer large enough for any of them: the size comes from the status;
 *   B: all receives posted first, alternately naming the source and MPI_ANY_SOURCE
 *      (and MPI_ANY_TAG), then blocking sends;
 *   C: messages of different tags may be received in another order: a rendezvous
 *      message on tag 1 is received after the eager one sent later on tag 2. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

#define N 44
static const int sizes[] = { 0, 8, 993, 120000, 500, 991, 5000, 40000, 1, 270000, 33000 };
#define NSIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))
#define MAXSIZE 270000

static int msg_size(int k)
{
    return sizes[(k * 7 + k / NSIZES) % NSIZES];
}

static inline unsigned char pat(int src, int phase, int k, int i)
{
    return (unsigned char)(src * 13 + phase * 101 + k * 31 + i + (i >> 8));
}

static void fill(unsigned char *b, int n, int src, int phase, int k)
{
    for (int i = 0; i < n; i++)
        b[i] = pat(src, phase, k, i);
}

/* Which message of the sequence is this? The first byte tells which k it would
 * be, and then every byte and the size must agree. */
static void verify(const unsigned char *b, const MPI_Status *st, int src, int phase, int k)
{
    int count, n = msg_size(k);

    MPI_Get_count(st, MPI_BYTE, &count);
    CHECK(st->MPI_SOURCE == src, "phase %c: message %d from source %d, expected %d", 'A' + phase,
          k, st->MPI_SOURCE, src);
    CHECK(count == n, "phase %c: message %d has %d bytes, expected %d (overtaken?)", 'A' + phase,
          k, count, n);
    for (int i = 0; i < n; i++)
        CHECK(b[i] == pat(src, phase, k, i), "phase %c: message %d (%d bytes): byte %d is %u, "
              "expected %u (overtaken?)", 'A' + phase, k, n, i, b[i], pat(src, phase, k, i));
}

int main(int argc, char **argv)
{
    int next, prev;
    unsigned char *sb[N], *rb[N];
    MPI_Request sreq[N], rreq[N];
    MPI_Status st[N];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    for (int k = 0; k < N; k++) {
        sb[k] = malloc(MAXSIZE);
        rb[k] = malloc(MAXSIZE);
        CHECK(sb[k] && rb[k], "malloc");
    }

    /* A: sends first, receives one at a time. */
    for (int k = 0; k < N; k++) {
        fill(sb[k], msg_size(k), rank, 0, k);
        MPI_Isend(sb[k], msg_size(k), MPI_BYTE, next, 5, MPI_COMM_WORLD, &sreq[k]);
    }
    for (int k = 0; k < N; k++) {
        MPI_Recv(rb[0], MAXSIZE, MPI_BYTE, prev, 5, MPI_COMM_WORLD, &st[0]);
        verify(rb[0], &st[0], prev, 0, k);
    }
    MPI_Waitall(N, sreq, MPI_STATUSES_IGNORE);

    /* B: receives first, blocking sends. */
    for (int k = 0; k < N; k++) {
        memset(rb[k], 0, MAXSIZE);
        MPI_Irecv(rb[k], MAXSIZE, MPI_BYTE, k % 2 ? MPI_ANY_SOURCE : prev,
                  k % 3 ? 6 : MPI_ANY_TAG, MPI_COMM_WORLD, &rreq[k]);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    for (int k = 0; k < N; k++) {
        fill(sb[k], msg_size(k), rank, 1, k);
        MPI_Send(sb[k], msg_size(k), MPI_BYTE, next, 6, MPI_COMM_WORLD);
    }
    MPI_Waitall(N, rreq, st);
    for (int k = 0; k < N; k++) {
        CHECK(st[k].MPI_TAG == 6, "phase B: tag %d", st[k].MPI_TAG);
        verify(rb[k], &st[k], prev, 1, k);
    }
    MPI_Barrier(MPI_COMM_WORLD);

    /* C: tag 1 (rendezvous) then tag 2 (eager); received tag 2 first. */
    fill(sb[0], MAXSIZE, rank, 2, 0);
    fill(sb[1], 100, rank, 2, 1);
    MPI_Isend(sb[0], MAXSIZE, MPI_BYTE, next, 1, MPI_COMM_WORLD, &sreq[0]);
    MPI_Isend(sb[1], 100, MPI_BYTE, next, 2, MPI_COMM_WORLD, &sreq[1]);
    MPI_Recv(rb[1], 100, MPI_BYTE, prev, 2, MPI_COMM_WORLD, &st[1]);
    MPI_Recv(rb[0], MAXSIZE, MPI_BYTE, prev, 1, MPI_COMM_WORLD, &st[0]);
    MPI_Waitall(2, sreq, MPI_STATUSES_IGNORE);
    for (int i = 0; i < MAXSIZE; i++)
        CHECK(rb[0][i] == pat(prev, 2, 0, i), "phase C: tag 1 byte %d", i);
    for (int i = 0; i < 100; i++)
        CHECK(rb[1][i] == pat(prev, 2, 1, i), "phase C: tag 2 byte %d", i);
    CHECK(st[0].MPI_TAG == 1 && st[1].MPI_TAG == 2, "phase C: tags %d %d", st[0].MPI_TAG,
          st[1].MPI_TAG);

    for (int k = 0; k < N; k++) {
        free(sb[k]);
        free(rb[k]);
    }
    MPI_Finalize();
    return 0;
}
