/* Waiting in the node's shared-memory collectives and receives, with the sleepers
 * fencing for everyone (membarrier) and with a fence on every publish: ranks that
 * come late by longer than the polling phase, so the others go to sleep on their
 * doorbells and must be woken by the late rank's arrival or message.
 *   A: broadcasts with rotating roots; a reader is late now and then while the
 *      root runs ahead (its slot sets are reused every few rounds): every value
 *      must be that of its own round;
 *   B: reductions to a late root, the other ranks running ahead;
 *   C: allreduce and barrier with one late rank;
 *   D: a blocking receive whose sender is late, and a sender whose ring is full
 *      while the receiver is late. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_MEMBARRIER=auto,off */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

#include "check.h"

static void late(int who, int round)
{
    if (rank == who)
        usleep(round % 2 ? 4000 : 1000);
}

int main(int argc, char **argv)
{
    enum { ROUNDS = 24 };
    double t0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    t0 = MPI_Wtime();

    /* A: one root for more rounds than there are slot sets (64 at most), then
     * rotating roots. */
    for (int r = 0; r < 300; r++) {
        int root = r < 200 ? 0 : (r / 7) % size;
        long v[4] = { 0 };
        if (r % 100 == 1 || r % 10 == 0)
            late(size - 1 - root, r);
        if (rank == root)
            for (int i = 0; i < 4; i++)
                v[i] = 1000L * r + i;
        MPI_Bcast(v, 4, MPI_LONG, root, MPI_COMM_WORLD);
        for (int i = 0; i < 4; i++)
            CHECK(v[i] == 1000L * r + i, "A: round %d element %d is %ld", r, i, v[i]);
    }

    /* B */
    for (int r = 0; r < 150; r++) {
        int root = (size - 1 + r / 9) % size;
        long mine = rank + 100L * r, sum = -1;
        if (r % 10 == 1)
            late(root, r);
        MPI_Reduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, root, MPI_COMM_WORLD);
        if (rank == root)
            CHECK(sum == (long)size * (size - 1) / 2 + 100L * r * size,
                  "B: round %d sum %ld", r, sum);
    }

    /* C */
    for (int r = 0; r < ROUNDS; r++) {
        long mine = rank + r, sum = 0;
        late(r % size, r);
        MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
        CHECK(sum == (long)size * (size - 1) / 2 + (long)r * size, "C: round %d sum %ld", r, sum);
        late((r + 1) % size, r);
        MPI_Barrier(MPI_COMM_WORLD);
    }

    /* D: around the ring of ranks. */
    if (size > 1) {
        int next = (rank + 1) % size, prev = (rank + size - 1) % size;
        char buf[512];
        for (int r = 0; r < 6; r++) {
            long v = -1, out = 10L * rank + r;
            MPI_Request req;
            MPI_Irecv(&v, 1, MPI_LONG, prev, r, MPI_COMM_WORLD, &req);
            late(r % size, r);
            MPI_Send(&out, 1, MPI_LONG, next, r, MPI_COMM_WORLD);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
            CHECK(v == 10L * prev + r, "D: round %d got %ld from %d", r, v, prev);
        }
        /* 600 messages of 512 bytes fill a small ring; the receiver starts late. */
        if (rank == 0) {
            for (int i = 0; i < 600; i++) {
                memset(buf, i & 0xff, sizeof(buf));
                MPI_Send(buf, sizeof(buf), MPI_CHAR, 1, 99, MPI_COMM_WORLD);
            }
        } else if (rank == 1) {
            usleep(5000);
            for (int i = 0; i < 600; i++) {
                MPI_Recv(buf, sizeof(buf), MPI_CHAR, 0, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                CHECK(buf[0] == (char)(i & 0xff) && buf[511] == (char)(i & 0xff),
                      "D: message %d of the full ring", i);
            }
        }
    }

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("coll_shm_wait: OK (%.2f s)\n", MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
