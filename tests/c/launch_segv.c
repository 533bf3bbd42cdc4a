/* Rank 1 dies of SIGSEGV in the middle of an exchange while the other ranks wait
 * for its messages: mpiexec must end the job, fail, and name the signal. */
/* np: 2 3 4 8 */
/* expect: fail "was killed by signal 11" */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
/* Under AddressSanitizer (the build-san tree), let SIGSEGV kill the process as it
 * would without it, instead of ASan reporting it and exiting with status 1. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0";
}
#endif

int main(int argc, char **argv)
{
    int rank, size, v = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* A few rounds around the ring, then rank 1 stops answering for good. */
    for (int round = 0; round < 5; round++) {
        int next = (rank + 1) % size, prev = (rank + size - 1) % size;
        if (rank == 1 && round == 3) {
            usleep(50000);   /* its neighbours are blocked waiting for it */
            raise(SIGSEGV);
            printf("FAIL: still alive after SIGSEGV on rank %d\n", rank);
            return 1;
        }
        MPI_Sendrecv_replace(&v, 1, MPI_INT, next, round, prev, round, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
    }
    /* Rank 0 waits for rank 1 here at the latest. */
    MPI_Barrier(MPI_COMM_WORLD);
    printf("FAIL: the job went on without rank 1 on rank %d\n", rank);
    MPI_Finalize();
    return 0;
}
