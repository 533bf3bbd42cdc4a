/* BATON_ASYNC_PROGRESS=1: operations that need the target's handler (a window
 * over user memory without single copy, BATON_SHM_LMT=copy; a target on
 * another node) complete while the target computes without MPI calls: the
 * progress thread serves them. The target watches its own memory for the
 * origins' last puts (without the thread they arrive only after it computed). */
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
    /* A first exchange with the target while it is in MPI: connections between
     * hosts are made at first use, which may take a good part of a second. */
    if (rank != target) {
        long warm;
        MPI_Win_lock(MPI_LOCK_SHARED, target, 0, win);
        MPI_Get(&warm, 1, MPI_LONG, target, 13, 1, MPI_LONG, win);
        MPI_Win_unlock(target, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == target) {
        double t0 = MPI_Wtime();
        volatile double x = 0;
        int arrived = 0;
        /* Compute without MPI calls (MPI_Wtime is not communication) until every
         * origin's put has landed or 3 s have passed. */
        while (MPI_Wtime() - t0 < 3.0 && arrived < size - 1) {
            for (int i = 0; i < 10000; i++)
                x += i * 1e-9;
            arrived = 0;
            for (int r = 0; r < size - 1; r++)
                arrived += ((volatile long *)mem)[r] == 100 + r;
        }
        CHECK(arrived == size - 1, "only %d of %d origins' puts arrived while I computed for "
              "%.1f s: the progress thread did not serve them", arrived, size - 1,
              MPI_Wtime() - t0);
    } else {
        long v = 100 + rank, got = 0, one = 1, old;
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, target, 0, win);
        MPI_Get(&got, 1, MPI_LONG, target, rank, 1, MPI_LONG, win);
        MPI_Fetch_and_op(&one, &old, MPI_LONG, target, 15, MPI_SUM, win);
        MPI_Accumulate(&v, 1, MPI_LONG, target, 14, 1, MPI_LONG, MPI_SUM, win);
        MPI_Put(&v, 1, MPI_LONG, target, rank, 1, MPI_LONG, win);
        MPI_Win_unlock(target, win);
        CHECK(got == 0, "get %ld before my put, expected 0", got);
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
