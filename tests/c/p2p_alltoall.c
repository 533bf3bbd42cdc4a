/* Every rank sends to every rank (itself included) at once with MPI_Isend and
 * MPI_Irecv, completed by one MPI_Waitall: small, eager-limit and rendezvous sizes,
 * the receives posted before the sends in one round and after them in the next.
 * The bytes depend on (sender, receiver, round, position). */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static inline unsigned char pat(int src, int dst, int round, size_t i)
{
    return (unsigned char)(src * 53 + dst * 29 + round * 7 + i + (i >> 9));
}

int main(int argc, char **argv)
{
    const size_t sizes[] = { 0, 1, 100, 993, 4000, 32769, 65536, 300000 };
    const int nsizes = (int)(sizeof(sizes) / sizeof(sizes[0]));

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    for (int round = 0; round < 2 * nsizes; round++) {
        size_t n = sizes[round / 2];
        int recv_first = round % 2 == 0;
        unsigned char **sb = malloc(size * sizeof(*sb)), **rb = malloc(size * sizeof(*rb));
        MPI_Request *reqs = malloc(2 * size * sizeof(*reqs));
        MPI_Status *sts = malloc(2 * size * sizeof(*sts));

        for (int p = 0; p < size; p++) {
            sb[p] = malloc(n + 1);
            rb[p] = malloc(n + 1);
            CHECK(sb[p] && rb[p], "malloc");
            for (size_t i = 0; i < n; i++)
                sb[p][i] = pat(rank, p, round, i);
            memset(rb[p], 0xee, n + 1);
        }
        if (recv_first) {
            for (int p = 0; p < size; p++)
                MPI_Irecv(rb[p], (int)n, MPI_BYTE, p, round, MPI_COMM_WORLD, &reqs[p]);
            MPI_Barrier(MPI_COMM_WORLD);
            /* Start with the next rank so that not everyone hits rank 0 first. */
            for (int k = 0; k < size; k++) {
                int p = (rank + k) % size;
                MPI_Isend(sb[p], (int)n, MPI_BYTE, p, round, MPI_COMM_WORLD, &reqs[size + p]);
            }
        } else {
            for (int k = 0; k < size; k++) {
                int p = (rank + size - k) % size;
                MPI_Isend(sb[p], (int)n, MPI_BYTE, p, round, MPI_COMM_WORLD, &reqs[size + p]);
            }
            MPI_Barrier(MPI_COMM_WORLD);
            for (int p = 0; p < size; p++)
                MPI_Irecv(rb[p], (int)n, MPI_BYTE, p, round, MPI_COMM_WORLD, &reqs[p]);
        }
        CHECK(MPI_Waitall(2 * size, reqs, sts) == MPI_SUCCESS, "MPI_Waitall");
        for (int p = 0; p < size; p++) {
            int count;
            CHECK(reqs[p] == MPI_REQUEST_NULL && reqs[size + p] == MPI_REQUEST_NULL,
                  "MPI_Waitall left a request");
            CHECK(sts[p].MPI_SOURCE == p && sts[p].MPI_TAG == round,
                  "round %d: status from %d says source %d tag %d", round, p, sts[p].MPI_SOURCE,
                  sts[p].MPI_TAG);
            MPI_Get_count(&sts[p], MPI_BYTE, &count);
            CHECK(count == (int)n, "round %d: count %d from %d, expected %zu", round, count, p, n);
            for (size_t i = 0; i < n; i++)
                CHECK(rb[p][i] == pat(p, rank, round, i), "round %d: %zu bytes from %d: byte %zu "
                      "is %u, expected %u", round, n, p, i, rb[p][i], pat(p, rank, round, i));
            CHECK(rb[p][n] == 0xee, "round %d: %zu bytes from %d wrote past the end", round, n, p);
            free(sb[p]);
            free(rb[p]);
        }
        free(sb);
        free(rb);
        free(reqs);
        free(sts);
    }

    MPI_Finalize();
    return 0;
}
