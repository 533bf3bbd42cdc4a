/* Partitioned rounds (not run by run.py; for before/after checks of src/pt2pt/part.c):
 * rank 0 sends P partitions of B bytes to rank 1 (MPI_Psend_init/MPI_Precv_init),
 * readying them all in a quick loop, ITER rounds on the same requests; rank 1
 * prints microseconds per round. With SYNC 1 the receiver has started each round
 * before the sender readies anything (a zero-byte message after its MPI_Start).
 *   mpicc -O2 -o part_round bench/c/part_round.c
 *   mpiexec -n 2 ./part_round [P=8] [B=65536] [ITER=500] [SYNC=0] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int rank, P = argc > 1 ? atoi(argv[1]) : 8, iters = argc > 3 ? atoi(argv[3]) : 500;
    int sync = argc > 4 && atoi(argv[4]);
    long B = argc > 2 ? atol(argv[2]) : 65536;
    MPI_Request r;
    double t0 = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char *buf = malloc((size_t)P * B);
    memset(buf, rank, (size_t)P * B);
    if (rank == 0)
        MPI_Psend_init(buf, P, B, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &r);
    else if (rank == 1)
        MPI_Precv_init(buf, P, B, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &r);
    for (int it = -50; it < iters && rank < 2; it++) {
        if (it == 0)
            t0 = MPI_Wtime();
        MPI_Start(&r);
        if (sync && rank == 1)
            MPI_Send(NULL, 0, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
        else if (sync)
            MPI_Recv(NULL, 0, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rank == 0)
            for (int p = 0; p < P; p++)
                MPI_Pready(p, r);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
    }
    double t = MPI_Wtime() - t0;
    if (rank == 1)
        printf("%.2f us/round %.2f GB/s\n", t / iters * 1e6, (double)P * B * iters / t / 1e9);
    if (rank < 2)
        MPI_Request_free(&r);
    free(buf);
    MPI_Finalize();
    return 0;
}
