/* MPI_THREAD_MULTIPLE: two threads create and free communicators at the same
 * time, each from its own parent, so that context ids are agreed concurrently
 * (in different orders on different processes). */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>

static int rank, size;

#include "check.h"

#define ROUNDS 60

static MPI_Comm parents[2];

static void *worker(void *arg)
{
    int t = (int)(long)arg;

    for (int i = 0; i < ROUNDS; i++) {
        MPI_Comm c, d;
        int r, n, x = rank * 100 + t, y = -1;
        MPI_Comm_dup(parents[t], &c);
        /* Splits with the threads' roles swapped on odd ranks keep the order of
         * creations different between processes. */
        MPI_Comm_split(c, 0, (rank % 2) ? -rank : rank, &d);
        MPI_Comm_rank(c, &r);
        MPI_Comm_size(c, &n);
        MPI_Sendrecv(&x, 1, MPI_INT, (r + 1) % n, i, &y, 1, MPI_INT, (r + n - 1) % n, i, c,
                     MPI_STATUS_IGNORE);
        CHECK(y == ((r + n - 1) % n) * 100 + t, "thread %d round %d: got %d", t, i, y);
        MPI_Comm_free(&d);
        MPI_Comm_free(&c);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int provided;
    pthread_t th[2];

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (provided < MPI_THREAD_MULTIPLE) {
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &parents[0]);
    MPI_Comm_dup(MPI_COMM_WORLD, &parents[1]);
    /* Odd ranks start the threads in the other order. */
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, worker, (void *)(long)(rank % 2 ? 1 - i : i));
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    MPI_Comm_free(&parents[0]);
    MPI_Comm_free(&parents[1]);
    MPI_Finalize();
    return 0;
}
