/* Traffic across hosts with checked results, for the cluster tests.
 *   xh_traffic [SECONDS] [MODE]
 * Every rank prints "rank R of N on host H" first.  Then rounds of: a ring
 * MPI_Sendrecv of 4096 ints whose contents are checked, an MPI_Allreduce of the
 * round number checked against the exact sum, until rank 0 has run SECONDS
 * seconds (at least one round).  MODE "kill": the last rank raises SIGKILL once
 * every rank is past MPI_Init and an allreduce, while the others wait in
 * MPI_Barrier.  Prints "FAIL ..." and aborts with code 9 on a wrong result, and
 * "RESULT OK rounds=R" on rank 0 at the end. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEN 4096

int main(int argc, char **argv)
{
    int rank, size, round = 0, go = 1, v = 1;
    char host[256];
    double secs = argc > 1 ? atof(argv[1]) : 0.0;
    const char *mode = argc > 2 ? argv[2] : "";
    static int sbuf[LEN], rbuf[LEN];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    gethostname(host, sizeof host);
    host[sizeof host - 1] = 0;
    printf("rank %d of %d on host %s\n", rank, size, host);
    fflush(stdout);
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (v != size) {
        printf("FAIL rank %d: first allreduce gave %d, want %d\n", rank, v, size);
        fflush(stdout);
        MPI_Abort(MPI_COMM_WORLD, 9);
    }
    if (strcmp(mode, "kill") == 0) {
        if (rank == size - 1) {
            usleep(200000);
            printf("rank %d raises SIGKILL\n", rank);
            fflush(stdout);
            raise(SIGKILL);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        printf("FAIL rank %d left the barrier\n", rank);
        MPI_Finalize();
        return 1;
    }
    double t0 = MPI_Wtime();
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    while (go) {
        for (int i = 0; i < LEN; i++)
            sbuf[i] = rank * 1000003 + round * 7 + i;
        memset(rbuf, 0xff, sizeof rbuf);
        MPI_Sendrecv(sbuf, LEN, MPI_INT, right, round & 0x7fff, rbuf, LEN, MPI_INT, left,
                     round & 0x7fff, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < LEN; i++)
            if (rbuf[i] != left * 1000003 + round * 7 + i) {
                printf("FAIL rank %d round %d: ring element %d is %d, want %d\n", rank,
                       round, i, rbuf[i], left * 1000003 + round * 7 + i);
                fflush(stdout);
                MPI_Abort(MPI_COMM_WORLD, 9);
            }
        long long x = (long long)round * (rank + 1), sum = 0;
        MPI_Allreduce(&x, &sum, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
        if (sum != (long long)round * size * (size + 1) / 2) {
            printf("FAIL rank %d round %d: allreduce gave %lld\n", rank, round, sum);
            fflush(stdout);
            MPI_Abort(MPI_COMM_WORLD, 9);
        }
        round++;
        if (rank == 0)
            go = MPI_Wtime() - t0 < secs;
        MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (secs > 0)
            usleep(2000);
    }
    printf("rank %d on host %s ok after %d rounds\n", rank, host, round);
    fflush(stdout);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("RESULT OK rounds=%d\n", round);
    MPI_Finalize();
    return 0;
}
