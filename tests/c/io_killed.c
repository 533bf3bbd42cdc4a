/* A rank killed in the middle of collective writes ends the job: the others,
 * waiting in MPI_File_write_all for a rank that is gone, are ended with a
 * message that names it, and nothing is left running or lying around (the file
 * and its directory are unlinked as soon as every rank has the file open). */
/* np: 1 2 3 4 8 */
/* expect: fail "was killed by signal 9" */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int rank, size;

#include "check.h"
#include "io_common.h"

#define BLOCK (256 << 10)

int main(int argc, char **argv)
{
    static char buf[BLOCK];
    MPI_File fh;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    io_setup();
    CHECK(MPI_File_open(MPI_COMM_WORLD, io_path("data"), MPI_MODE_CREATE | MPI_MODE_RDWR,
                        MPI_INFO_NULL, &fh) == MPI_SUCCESS, "MPI_File_open failed");
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK(unlink(io_path("data")) == 0 && rmdir(io_dir) == 0, "cannot clean up %s", io_dir);
    }
    for (int i = 0; i < 40; i++) {
        if (i == 3 && rank == size - 1)
            raise(SIGKILL);
        for (int k = 0; k < BLOCK; k++)
            buf[k] = (char)(rank + i + k);
        MPI_File_write_at_all(fh, ((MPI_Offset)i * size + rank) * BLOCK, buf, BLOCK, MPI_CHAR,
                              MPI_STATUS_IGNORE);
    }
    CHECK(0, "40 collective writes ended though rank %d was killed in the fourth", size - 1);
    io_done();   /* not reached */
    MPI_Finalize();
    return 0;
}
