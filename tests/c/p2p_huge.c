/* One message of more than 2 GiB: 2100 elements of a contiguous type of 1 MiB,
 * rank 0 to rank 1, checked word by word; the status counts 2100 elements of the
 * type, MPI_Get_elements in bytes is MPI_UNDEFINED (past INT_MAX) and
 * MPI_Get_elements_x gives the exact byte count. Skipped with a note when the
 * machine cannot give either rank the memory. */
/* np: 2 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int rank;

#include "check.h"

#define ELEM  ((size_t)1 << 20)
#define COUNT 2100

static inline uint64_t word(size_t i)
{
    return (uint64_t)i * 0x9e3779b97f4a7c15ull ^ 0x5bd1e995u;
}

int main(int argc, char **argv)
{
    size_t bytes = ELEM * COUNT, nwords = bytes / 8;
    uint64_t *buf = NULL;
    MPI_Datatype mib;
    int ok, all_ok, count;
    MPI_Count elems_x;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Type_contiguous((int)ELEM, MPI_BYTE, &mib);
    MPI_Type_commit(&mib);

    if (rank < 2)
        buf = aligned_alloc((size_t)2 << 20, bytes);
    /* Huge pages where the kernel offers them: 1075 faults instead of half a million. */
    if (buf)
        (void)madvise(buf, bytes, MADV_HUGEPAGE);
    ok = rank >= 2 || buf != NULL;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!all_ok) {
        if (rank == 0)
            printf("note: p2p_huge skipped, no memory for two buffers of %zu bytes\n", bytes);
        free(buf);
        MPI_Type_free(&mib);
        MPI_Finalize();
        return 0;
    }

    if (rank == 0) {
        for (size_t i = 0; i < nwords; i++)
            buf[i] = word(i);
        MPI_Send(buf, COUNT, mib, 1, 7, MPI_COMM_WORLD);
    } else if (rank == 1) {
        MPI_Status st;
        int elems;

        /* Not cleared first: touching 2 GiB costs seconds in a VM, and glibc serves an
         * allocation this size with fresh zero pages, which the check tells apart
         * from the pattern (no word of it is 0). */
        CHECK(MPI_Recv(buf, COUNT, mib, 0, 7, MPI_COMM_WORLD, &st) == MPI_SUCCESS, "MPI_Recv");
        CHECK(st.MPI_SOURCE == 0 && st.MPI_TAG == 7, "status source %d tag %d", st.MPI_SOURCE,
              st.MPI_TAG);
        MPI_Get_count(&st, mib, &count);
        CHECK(count == COUNT, "MPI_Get_count of the 1 MiB type: %d, expected %d", count, COUNT);
        MPI_Get_elements(&st, MPI_BYTE, &elems);
        CHECK(elems == MPI_UNDEFINED, "MPI_Get_elements in bytes: %d, expected MPI_UNDEFINED",
              elems);
        MPI_Get_count(&st, MPI_BYTE, &count);
        CHECK(count == MPI_UNDEFINED, "MPI_Get_count in bytes: %d, expected MPI_UNDEFINED", count);
        MPI_Get_elements_x(&st, MPI_BYTE, &elems_x);
        CHECK(elems_x == (MPI_Count)bytes, "MPI_Get_elements_x: %lld, expected %zu",
              (long long)elems_x, bytes);
        for (size_t i = 0; i < nwords; i++)
            CHECK(buf[i] == word(i), "word %zu (byte offset %zu) is %#llx, expected %#llx", i,
                  i * 8, (unsigned long long)buf[i], (unsigned long long)word(i));
    }
    free(buf);
    MPI_Type_free(&mib);
    MPI_Finalize();
    return 0;
}
