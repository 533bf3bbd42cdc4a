/* Messages of every size class around a ring of all ranks (each rank sends to
 * rank+1 and receives from rank-1; at one rank it talks to itself): empty, tiny,
 * around the eager limit, rendezvous sizes up to 16 MiB. The bytes depend on the
 * sender, the message and the position, and are checked one by one. Blocking
 * MPI_Send against a pre-posted MPI_Irecv, then MPI_Recv against MPI_Isend, so
 * both the posted and the unexpected paths carry every size (up to 1 MiB for the
 * latter; 16 MiB goes from rank 0 to rank 1 only, and only with rings of 64 KiB
 * or more). */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"
#include "pattern.h"

/* The library's eager limit as the transport derives it from the environment:
 * min(BATON_EAGER_MAX, ring/4 - frame header). */
static size_t env_size(const char *name, size_t dflt)
{
    const char *s = getenv(name);
    char *end;
    size_t v;
    if (!s || !*s)
        return dflt;
    v = strtoull(s, &end, 0);
    if (*end == 'k' || *end == 'K')
        v <<= 10;
    else if (*end == 'm' || *end == 'M')
        v <<= 20;
    return v;
}

static size_t ring_bytes(void)
{
    size_t ring = env_size("BATON_SHM_RING", size <= 8 ? 128 << 10 : 64 << 10);
    if (ring < 1024)
        ring = 1024;
    return (ring + 63) / 64 * 64;
}

static size_t eager_limit(void)
{
    size_t frame = ring_bytes() / 4 - 32, eager = env_size("BATON_EAGER_MAX", 32 << 10);
    return eager < frame ? eager : frame;
}

int main(int argc, char **argv)
{
    size_t sizes[32];
    int nsizes = 0;
    size_t eager;
    int next, prev;
    MPI_Status st;
    MPI_Request req;
    int count;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    eager = eager_limit();

    {
        size_t fixed[] = { 0, 1, 7, 64, 1024, eager - 1, eager, eager + 1, 32767, 32768, 32769,
                           65536, 1 << 20, 16 << 20 };
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
            sizes[nsizes++] = fixed[i];
    }

    for (int k = 0; k < nsizes; k++) {
        size_t n = sizes[k];
        /* The 16 MiB message goes from rank 0 to rank 1 only, and not through small
         * rings: 16 MiB through a 4 KiB ring is four thousand hand-overs between
         * sender and receiver, each a futex wake-up when ranks outnumber cores, which
         * takes seconds on a loaded machine; 1 MiB wraps a small ring often enough. */
        int big = n > (1 << 20);
        if (big && ring_bytes() < (64 << 10))
            continue;
        int sends = !big || rank == 0, recvs = !big || rank == 1 % size;
        unsigned char *sb = malloc(n + 1), *rb = malloc(n + 16);
        CHECK(sb && rb, "malloc of %zu bytes", n);
        if (sends)
            fill(sb, n, rank, k);

        /* 1: receive posted first, blocking send. */
        if (recvs) {
            memset(rb, 0xa5, n + 16);
            MPI_Irecv(rb, (int)n, MPI_BYTE, prev, k, MPI_COMM_WORLD, &req);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        if (sends)
            MPI_Send(sb, (int)n, MPI_BYTE, next, k, MPI_COMM_WORLD);
        if (!recvs) {
            free(sb);
            free(rb);
            continue;
        }
        MPI_Wait(&req, &st);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == k, "posted: status source %d tag %d, "
              "expected %d %d", st.MPI_SOURCE, st.MPI_TAG, prev, k);
        MPI_Get_count(&st, MPI_BYTE, &count);
        CHECK(count == (int)n, "posted: count %d, expected %zu", count, n);
        verify(rb, n, prev, k, "posted");
        for (int i = 0; i < 16; i++)
            CHECK(rb[n + i] == 0xa5, "posted: %zu-byte message wrote past its end (byte %zu)",
                  n, n + i);

        /* 2: send first (the message waits unexpected), blocking receive. The 16 MiB
         * message takes this path at 1 MiB already: skip it here, to stay fast. */
        if (big) {
            free(sb);
            free(rb);
            continue;
        }
        memset(rb, 0x5a, n + 16);
        fill(sb, n, rank, k + 100);
        MPI_Isend(sb, (int)n, MPI_BYTE, next, 1000 + k, MPI_COMM_WORLD, &req);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Recv(rb, (int)n + 16, MPI_BYTE, prev, 1000 + k, MPI_COMM_WORLD, &st);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 1000 + k, "unexpected: status source %d "
              "tag %d", st.MPI_SOURCE, st.MPI_TAG);
        MPI_Get_count(&st, MPI_BYTE, &count);
        CHECK(count == (int)n, "unexpected: count %d, expected %zu", count, n);
        verify(rb, n, prev, k + 100, "unexpected");
        for (int i = 0; i < 16; i++)
            CHECK(rb[n + i] == 0x5a, "unexpected: %zu-byte message wrote past its end", n);
        free(sb);
        free(rb);
    }

    MPI_Finalize();
    return 0;
}
