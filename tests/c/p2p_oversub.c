/* Oversubscribed speed sanity: 8 ranks on a machine of 2 cores. Ranks 0 and 1
 * ping-pong 2000 small messages while the other six wait in MPI_Recv for a final
 * message from rank 0: the waiting ranks must sleep rather than take the cores
 * from the two that work, so the job ends well within the runner's time. The
 * microseconds per round trip are printed for information, not checked. */
/* np: 8 */
#include <mpi.h>
#include <stdio.h>

static int rank, size;

#include "check.h"

#define ROUNDS 2000

int main(int argc, char **argv)
{
    int msg[2] = { 0, 0 };

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    if (rank == 0) {
        double t0, t1;
        /* One round before timing: the first message to a peer sets up the pair. */
        MPI_Send(msg, 2, MPI_INT, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(msg, 2, MPI_INT, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        t0 = MPI_Wtime();
        for (int i = 0; i < ROUNDS; i++) {
            msg[0] = i;
            MPI_Send(msg, 2, MPI_INT, 1, 1, MPI_COMM_WORLD);
            MPI_Recv(msg, 2, MPI_INT, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            CHECK(msg[0] == i && msg[1] == i + 1, "round %d: got %d %d back", i, msg[0], msg[1]);
        }
        t1 = MPI_Wtime();
        printf("p2p_oversub: %d ranks, %d round trips of 8 bytes: %.1f us per round trip\n",
               size, ROUNDS, (t1 - t0) / ROUNDS * 1e6);
        fflush(stdout);
        for (int r = 2; r < size; r++) {
            msg[0] = 1000 + r;
            MPI_Send(msg, 2, MPI_INT, r, 2, MPI_COMM_WORLD);
        }
    } else if (rank == 1) {
        MPI_Recv(msg, 2, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(msg, 2, MPI_INT, 0, 0, MPI_COMM_WORLD);
        for (int i = 0; i < ROUNDS; i++) {
            MPI_Recv(msg, 2, MPI_INT, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            CHECK(msg[0] == i, "round %d: got %d", i, msg[0]);
            msg[1] = i + 1;
            MPI_Send(msg, 2, MPI_INT, 0, 1, MPI_COMM_WORLD);
        }
    } else {
        MPI_Recv(msg, 2, MPI_INT, 0, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(msg[0] == 1000 + rank, "final message %d", msg[0]);
    }
    MPI_Finalize();
    return 0;
}
