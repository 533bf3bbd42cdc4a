/* The ring's receiver must never take old payload for a new frame header.
 * Payload words equal to sequence numbers the receiver is about to expect are left
 * in the ring by medium messages; then small messages land on those positions.
 * Without the stamping of consumed lines, a message is lost or garbage arrives. */
/* np: 2 */
/* env-matrix: BATON_SHM_RING=4096,5000,65536,131072 */
#include <mpi.h>
#include <stdio.h>

#define WORDS 1000

int main(int argc, char **argv)
{
    static unsigned big[WORDS];
    int rank, bad = 0;
    unsigned v;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (unsigned round = 0; round < 6; round++) {
        /* Medium messages whose words are the sequence numbers of frames to come. */
        for (unsigned m = 0; m < 60; m++) {
            for (int i = 0; i < WORDS; i++)
                big[i] = round * 300 + m + (unsigned)(i % 64);
            if (rank == 1)
                MPI_Send(big, WORDS, MPI_UNSIGNED, 0, 1, MPI_COMM_WORLD);
            else
                MPI_Recv(big, WORDS, MPI_UNSIGNED, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        for (unsigned k = 0; k < 200; k++) {
            if (rank == 1) {
                v = k;
                MPI_Send(&v, 1, MPI_UNSIGNED, 0, 2, MPI_COMM_WORLD);
                MPI_Recv(&v, 1, MPI_UNSIGNED, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else {
                v = ~0u;
                MPI_Recv(&v, 1, MPI_UNSIGNED, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (v != k && !bad++)
                    printf("FAIL: small message %u of round %u carried %u on rank 0\n", k, round, v);
                MPI_Send(&v, 1, MPI_UNSIGNED, 1, 3, MPI_COMM_WORLD);
            }
        }
    }
    if (bad)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Finalize();
    return 0;
}
