/* Message data copied between buffers at every small distance modulo a page: the
 * copies of 2 KiB and more whose destination is 1-31 bytes past the source (mod
 * 4 KiB) go in pieces (bt_copy), so sizes that are not a whole number of pieces,
 * and both directions, must arrive intact.
 *   A: send/recv at 2049 B to 300 KB (eager, streamed through the ring, single
 *      copy), receive buffer at page offsets 0-48 and send buffer at 0 or 16;
 *   B: Bcast and Allreduce (the node's shared-memory slots) into buffers at the
 *      same offsets, from a non-zero root. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"
#include "pattern.h"

int main(int argc, char **argv)
{
    static const size_t sizes[] = { 2049, 4096 + 17, 8192, 40000, 300001 };
    static const int offs[] = { 0, 1, 8, 15, 16, 24, 31, 32, 48 };
    enum { MAXB = 300001 + 8192 };
    unsigned char *sbase, *rbase;
    char what[96];
    int seed = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (posix_memalign((void **)&sbase, 4096, MAXB) || posix_memalign((void **)&rbase, 4096, MAXB))
        return 1;

    /* A: rank 0 to the last rank. */
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (int o = 0; o < (int)(sizeof(offs) / sizeof(offs[0])); o++)
            for (int so = 0; so <= 16; so += 16, seed++) {
                size_t n = sizes[s];
                unsigned char *sb = sbase + so, *rb = rbase + offs[o];
                if (size == 1)
                    continue;
                if (rank == 0) {
                    fill(sb, n, 0, seed);
                    MPI_Send(sb, (int)n, MPI_BYTE, size - 1, seed, MPI_COMM_WORLD);
                } else if (rank == size - 1) {
                    memset(rbase, 0, MAXB);
                    MPI_Recv(rb, (int)n, MPI_BYTE, 0, seed, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    snprintf(what, sizeof(what), "A: send offset %d, receive offset %d", so,
                             offs[o]);
                    verify(rb, n, 0, seed, what);
                    CHECK(rb[n] == 0, "A: %zu bytes at offset %d: wrote past the end", n, offs[o]);
                }
            }

    /* B */
    for (size_t s = 0; s < 3; s++)
        for (int o = 0; o < (int)(sizeof(offs) / sizeof(offs[0])); o++, seed++) {
            size_t n = sizes[s];
            int root = size - 1;
            unsigned char *b = rbase + offs[o];

            memset(rbase, 0, MAXB);
            if (rank == root)
                fill(b, n, 0, seed);
            MPI_Bcast(b, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
            snprintf(what, sizeof(what), "B: Bcast at offset %d", offs[o]);
            verify(b, n, 0, seed, what);
            CHECK(b[n] == 0, "B: Bcast of %zu bytes at offset %d wrote past the end", n, offs[o]);

            memset(sbase, 0, n);
            if (rank == 0)
                fill(sbase, n, 0, seed);
            memset(rbase, 0, MAXB);
            MPI_Allreduce(sbase, b, (int)n, MPI_BYTE, MPI_BOR, MPI_COMM_WORLD);
            snprintf(what, sizeof(what), "B: Allreduce at offset %d", offs[o]);
            verify(b, n, 0, seed, what);
            CHECK(b[n] == 0, "B: Allreduce of %zu bytes at offset %d wrote past the end", n,
                  offs[o]);
        }

    free(sbase);
    free(rbase);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("p2p_offsets: OK\n");
    MPI_Finalize();
    return 0;
}
