/* A count above 2^31 in a collective: MPI_Bcast_c of 2^31 + 1000 bytes (MPI_BYTE)
 * from rank 1 to rank 0, checked, then back from rank 0 with MPI_Ibcast_c.
 * Skipped with a note when either rank lacks the memory, and under the sanitizers
 * (BATON_TEST_SKIP_LARGE). */
/* np: 2 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

static int rank;

#include "check.h"

static unsigned char pattern(size_t i, int root)
{
    return (unsigned char)(i / 4096 * 7 + 1 + root);
}

static void check_bcast(unsigned char *buf, size_t bytes, MPI_Count count, int root, int nb)
{
    int rc;

    if (rank == root) {
        for (size_t i = 0; i < bytes; i += 4096)
            buf[i] = pattern(i, root);
        buf[bytes - 1] = (unsigned char)(0xab + root);
    } else {
        for (size_t i = 0; i < bytes; i += 4096)
            buf[i] = 0;
        buf[bytes - 1] = 0;
    }
    if (nb) {
        MPI_Request req;
        rc = MPI_Ibcast_c(buf, count, MPI_BYTE, root, MPI_COMM_WORLD, &req);
        if (rc == MPI_SUCCESS)
            rc = MPI_Wait(&req, MPI_STATUS_IGNORE);
    } else {
        rc = MPI_Bcast_c(buf, count, MPI_BYTE, root, MPI_COMM_WORLD);
    }
    CHECK(rc == MPI_SUCCESS, "%s from %d returned %d", nb ? "MPI_Ibcast_c" : "MPI_Bcast_c", root,
          rc);
    for (size_t i = 0; i < bytes; i += 4096)
        CHECK(buf[i] == pattern(i, root), "root %d: byte %zu is %d, expected %d", root, i,
              buf[i], pattern(i, root));
    CHECK(buf[bytes - 1] == (unsigned char)(0xab + root), "root %d: last byte %d", root,
          buf[bytes - 1]);
}

int main(int argc, char **argv)
{
    MPI_Count count = ((MPI_Count)1 << 31) + 1000;
    size_t bytes = (size_t)count;
    unsigned char *buf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    buf = large_buffer(bytes, "coll_count_c_huge", rank);
    if (!buf) {
        MPI_Finalize();
        return 0;
    }
    check_bcast(buf, bytes, count, 1, 0);
    check_bcast(buf, bytes, count, 0, 1);
    free(buf);
    MPI_Finalize();
    return 0;
}
