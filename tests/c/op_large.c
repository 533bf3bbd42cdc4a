/* Reductions on more than 2^31 elements (MPI_Reduce_local_c): a predefined op in
 * one pass, and a user op with an int-count callback, which must see the
 * elements in chunks of at most INT_MAX that cover everything once. Runs in a
 * single-process job on a machine with the memory; BATON_TEST_SKIP_LARGE skips. */
#include <mpi.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Until mpi.h declares it. */
int MPI_Reduce_local_c(const void *inbuf, void *inoutbuf, MPI_Count count, MPI_Datatype datatype,
                       MPI_Op op);

static int rank, size;

#include "check.h"

static int ncalls;
static long long seen;
static int lens[8];

/* inout ^= in + 1, and records the chunk lengths. */
static void xor_plus(void *in, void *inout, int *len, MPI_Datatype *type)
{
    const unsigned char *a = in;
    unsigned char *b = inout;
    (void)type;
    if (ncalls < 8)
        lens[ncalls] = *len;
    ncalls++;
    seen += *len;
    for (int i = 0; i < *len; i++)
        b[i] ^= (unsigned char)(a[i] + 1);
}

int main(int argc, char **argv)
{
    MPI_Count n = ((MPI_Count)1 << 31) + 77;
    unsigned char *a, *b;
    MPI_Op op;
    double phys;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (size > 1) {
        MPI_Finalize();   /* once per test run is enough */
        return 0;
    }
    if (getenv("BATON_TEST_SKIP_LARGE") || phys < 12.0 * (1 << 30) ||
        !(a = malloc((size_t)n)) || !(b = malloc((size_t)n))) {
        printf("SKIP: op_large needs 4.3 GB of memory\n");
        MPI_Finalize();
        return 0;
    }
    for (MPI_Count i = 0; i < n; i++) {
        a[i] = (unsigned char)i;
        b[i] = (unsigned char)(i >> 8);
    }

    CHECK(MPI_Reduce_local_c(a, b, n, MPI_BYTE, MPI_BXOR) == MPI_SUCCESS, "BXOR on 2^31 bytes");
    for (MPI_Count i = 0; i < n; i++)
        if (b[i] != (unsigned char)(i ^ (i >> 8)))
            CHECK(0, "BXOR: byte %lld is %d", (long long)i, b[i]);

    MPI_Op_create(xor_plus, 1, &op);
    CHECK(MPI_Reduce_local_c(a, b, n, MPI_BYTE, op) == MPI_SUCCESS, "user op on 2^31 bytes");
    CHECK(ncalls == 2 && lens[0] == INT_MAX && lens[1] == 78 && seen == n,
          "user op called %d times (%d, %d), %lld elements", ncalls, lens[0], lens[1], seen);
    for (MPI_Count i = 0; i < n; i++)
        if (b[i] != (unsigned char)((i ^ (i >> 8)) ^ (unsigned char)(i + 1)))
            CHECK(0, "user op: byte %lld is %d", (long long)i, b[i]);
    MPI_Op_free(&op);

    free(b);
    free(a);
    MPI_Finalize();
    return 0;
}
