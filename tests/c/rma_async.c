/* BATON_ASYNC_PROGRESS=1: operations that need the target's handler (a window
 * over user memory without single copy, BATON_SHM_LMT=copy; a target on
 * another node) complete while the target computes for a second without MPI
 * calls: the progress thread serves them. */
/* np: 2 3 4 */
/* env-matrix: BATON_ASYNC_PROGRESS=1 */
/* env-matrix: BATON_SHM_LMT=copy */
#include "check.h"

static int rank, size;

int main(int argc, char **argv)
{
    long mem[16] = { 0 };
    int target;
    MPI_Win win;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    target = size - 1;
    MPI_Win_create(mem, sizeof(mem), sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == target) {
        double t0 = MPI_Wtime();
        volatile double x = 0;
        while (MPI_Wtime() - t0 < 1.0)   /* MPI_Wtime is not communication */
            for (int i = 0; i < 10000; i++)
                x += i * 1e-9;
    } else {
        double t0 = MPI_Wtime(), dt;
        long v = 100 + rank, got = 0, one = 1, old;
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, target, 0, win);
        MPI_Put(&v, 1, MPI_LONG, target, rank, 1, MPI_LONG, win);
        MPI_Get(&got, 1, MPI_LONG, target, rank, 1, MPI_LONG, win);
        MPI_Fetch_and_op(&one, &old, MPI_LONG, target, 15, MPI_SUM, win);
        MPI_Accumulate(&v, 1, MPI_LONG, target, 14, 1, MPI_LONG, MPI_SUM, win);
        MPI_Win_unlock(target, win);
        dt = MPI_Wtime() - t0;
        CHECK(got == v, "get %ld, expected %ld", got, v);
        /* Waiting for the target would take the whole second; each of these
         * requests waits for the thread's next pass (~100 us, more on a loaded
         * machine). */
        CHECK(dt < 0.8, "the epoch on a computing target took %.3f s: the progress thread did "
              "not serve it", dt);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == target) {
        long sum = 0;
        for (int r = 0; r < size - 1; r++) {
            CHECK(mem[r] == 100 + r, "put from %d: %ld", r, mem[r]);
            sum += 100 + r;
        }
        CHECK(mem[15] == size - 1 && mem[14] == sum, "fetch_and_op count %ld, accumulate %ld",
              mem[15], mem[14]);
    }
    MPI_Win_free(&win);
    if (rank == 0)
        printf("rma_async: OK\n");
    MPI_Finalize();
    return 0;
}
