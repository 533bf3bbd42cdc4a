/* MPI_Finalize first deletes MPI_COMM_SELF's attributes, in the reverse order of
 * setting, while MPI is still fully usable (libraries hook their cleanup there,
 * mpi4py among them): the delete callbacks communicate. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int rank, size, order[2], nrun;

static int cleanup(MPI_Comm comm, int keyval, void *value, void *extra)
{
    int x = rank, y = -1, flag = 0;

    order[nrun++] = (int)(intptr_t)value;
    MPI_Finalized(&flag);
    if (flag) {
        printf("FAIL: MPI_Finalized is true inside the MPI_COMM_SELF delete callback on rank %d\n",
               rank);
        fflush(stdout);
        _exit(1);
    }
    /* A ring exchange on MPI_COMM_WORLD. */
    MPI_Sendrecv(&x, 1, MPI_INT, (rank + 1) % size, 5, &y, 1, MPI_INT, (rank + size - 1) % size,
                 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (y != (rank + size - 1) % size) {
        printf("FAIL: ring exchange in the delete callback got %d on rank %d\n", y, rank);
        fflush(stdout);
        _exit(1);
    }
    return MPI_SUCCESS;
}

static void check_at_exit(void)
{
    if (nrun != 2 || order[0] != 2 || order[1] != 1) {
        printf("FAIL: MPI_COMM_SELF delete callbacks ran %d times, order %d %d on rank %d\n",
               nrun, order[0], order[1], rank);
        fflush(stdout);
        _exit(1);
    }
}

int main(int argc, char **argv)
{
    int k1, k2;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    atexit(check_at_exit);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, cleanup, &k1, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, cleanup, &k2, NULL);
    MPI_Comm_set_attr(MPI_COMM_SELF, k1, (void *)(intptr_t)1);
    MPI_Comm_set_attr(MPI_COMM_SELF, k2, (void *)(intptr_t)2);
    /* Freed keyvals: the attributes still hold them until MPI_Finalize. */
    MPI_Comm_free_keyval(&k1);
    MPI_Comm_free_keyval(&k2);
    MPI_Finalize();
    return 0;
}
