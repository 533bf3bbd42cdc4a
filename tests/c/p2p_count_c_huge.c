/* A count above 2^31 with MPI_Send_c/MPI_Recv_c: 2^31 + 1000 bytes from rank 0
 * to rank 1, checked; MPI_Get_count_c gives the count, MPI_Get_count
 * MPI_UNDEFINED. Skipped with a note when either rank lacks the memory, and
 * under the sanitizers (BATON_TEST_SKIP_LARGE). */
/* np: 2 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

static int rank;

#include "check.h"

int main(int argc, char **argv)
{
    MPI_Count count = ((MPI_Count)1 << 31) + 1000;
    size_t bytes = (size_t)count;
    unsigned char *buf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    buf = large_buffer(bytes, "p2p_count_c_huge", rank);
    if (!buf) {
        MPI_Finalize();
        return 0;
    }
    if (rank == 0) {
        for (size_t i = 0; i < bytes; i += 4096)
            buf[i] = (unsigned char)(i / 4096 * 7 + 1);
        buf[bytes - 1] = 0xab;
        CHECK(MPI_Send_c(buf, count, MPI_BYTE, 1, 3, MPI_COMM_WORLD) == MPI_SUCCESS,
              "MPI_Send_c");
    } else {
        MPI_Status st;
        MPI_Count got;
        int small;
        CHECK(MPI_Recv_c(buf, count, MPI_BYTE, 0, 3, MPI_COMM_WORLD, &st) == MPI_SUCCESS,
              "MPI_Recv_c");
        MPI_Get_count_c(&st, MPI_BYTE, &got);
        CHECK(got == count, "MPI_Get_count_c: %lld, expected %lld", (long long)got,
              (long long)count);
        MPI_Get_count(&st, MPI_BYTE, &small);
        CHECK(small == MPI_UNDEFINED, "MPI_Get_count: %d, expected MPI_UNDEFINED", small);
        for (size_t i = 0; i < bytes; i += 4096)
            CHECK(buf[i] == (unsigned char)(i / 4096 * 7 + 1), "byte %zu is %d", i, buf[i]);
        CHECK(buf[bytes - 1] == 0xab, "last byte %d", buf[bytes - 1]);
    }
    free(buf);
    MPI_Finalize();
    return 0;
}
