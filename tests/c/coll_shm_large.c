/* Large reductions through the node's shared segment (shm_large), a slot's worth
 * of elements per round: BATON_SHM_COLL_LARGE bytes a rank, here also the smallest
 * slot, a page, so that a few KiB take many rounds.
 *   A: allreduce and reduce (every root) of counts around a slot's boundaries, a
 *      sum of doubles, in place and not;
 *   B: a 12-byte contiguous type (a slot holds no whole number of them) with a
 *      non-commutative user op, which must be applied in rank order;
 *   C: back-to-back calls with a late rank, mixed with small collectives: every
 *      result must be that of its own call (the two slot sets alternate);
 *   D: counts below the number of ranks: some ranks reduce an empty share. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_SHM_COLL_LARGE=4096,256K */
/* env-matrix: BATON_COLL_ALLREDUCE=shm_large */
/* env-matrix: BATON_COLL_REDUCE=shm_large */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

#include "check.h"

/* B: x -> m x + c (mod P), and the op composes them: in o inout. */
#define P 10007
typedef struct { int m, c, n; } affine_t;

static void compose(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    const affine_t *f = in;
    affine_t *g = inout;
    for (int i = 0; i < *len; i++) {
        affine_t r = { (int)((long long)f[i].m * g[i].m % P),
                       (int)(((long long)f[i].m * g[i].c + f[i].c) % P), f[i].n + g[i].n };
        g[i] = r;
    }
}

static affine_t affine_of(int r, long k)
{
    affine_t f = { (int)((r * 7L + k) % (P - 1)) + 1, (int)((r * 13L + 3 * k) % P), 1 };
    return f;
}

static double value_of(int r, long k, int call)
{
    return (double)(r + 1) * (double)(k % 1000) + call;
}

/* A and C: sum of doubles; root < 0: allreduce. */
static void check_sum(long count, int root, int in_place, int call)
{
    double *s = malloc((size_t)(count + 1) * sizeof(double));
    double *r = malloc((size_t)(count + 1) * sizeof(double));
    int want = root < 0 || rank == root;

    for (long k = 0; k < count; k++) {
        s[k] = value_of(rank, k, call);
        r[k] = in_place && want ? s[k] : -1.0;
    }
    r[count] = -2.0;   /* past the end: must stay */
    if (root < 0)
        MPI_Allreduce(in_place ? MPI_IN_PLACE : s, r, (int)count, MPI_DOUBLE, MPI_SUM,
                      MPI_COMM_WORLD);
    else
        MPI_Reduce(in_place && want ? MPI_IN_PLACE : s, r, (int)count, MPI_DOUBLE, MPI_SUM, root,
                   MPI_COMM_WORLD);
    if (want) {
        for (long k = 0; k < count; k++) {
            double e = (double)size * (size + 1) / 2 * (double)(k % 1000) + (double)call * size;
            CHECK(r[k] == e, "%s of %ld doubles (root %d%s, call %d): [%ld] = %g, not %g",
                  root < 0 ? "MPI_Allreduce" : "MPI_Reduce", count, root,
                  in_place ? ", in place" : "", call, k, r[k], e);
        }
        CHECK(r[count] == -2.0, "%s of %ld doubles wrote past the end",
              root < 0 ? "MPI_Allreduce" : "MPI_Reduce", count);
    }
    free(s);
    free(r);
}

static void check_affine(MPI_Datatype t, MPI_Op op, long count, int root)
{
    affine_t *s = malloc((size_t)count * sizeof(affine_t) + 1);
    affine_t *r = malloc((size_t)count * sizeof(affine_t) + 1);

    for (long k = 0; k < count; k++)
        s[k] = affine_of(rank, k);
    memset(r, 0xff, (size_t)count * sizeof(affine_t));
    if (root < 0)
        MPI_Allreduce(s, r, (int)count, t, op, MPI_COMM_WORLD);
    else
        MPI_Reduce(s, r, (int)count, t, op, root, MPI_COMM_WORLD);
    if (root < 0 || rank == root)
        for (long k = 0; k < count; k++) {
            /* f_0 o f_1 o ... o f_{size-1} */
            affine_t e = affine_of(size - 1, k);
            for (int i = size - 2; i >= 0; i--) {
                affine_t f = affine_of(i, k);
                int len = 1;
                compose(&f, &e, &len, NULL);
            }
            CHECK(r[k].m == e.m && r[k].c == e.c && r[k].n == size,
                  "%s of %ld affine maps (root %d): [%ld] = (%d,%d,%d), not (%d,%d,%d)",
                  root < 0 ? "MPI_Allreduce" : "MPI_Reduce", count, root, k, r[k].m, r[k].c,
                  r[k].n, e.m, e.c, size);
        }
    free(s);
    free(r);
}

int main(int argc, char **argv)
{
    /* Around one slot of a page (512 doubles) and of 256 KiB (32768), and more. */
    static const long counts[] = { 511, 512, 513, 1025, 1536 + 5, 32767, 32768, 32769,
                                   3 * 32768 + 7 };
    enum { NCOUNTS = sizeof(counts) / sizeof(counts[0]) };
    MPI_Datatype t;
    MPI_Op op;
    int call = 0;
    double t0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    t0 = MPI_Wtime();

    /* A */
    for (int i = 0; i < NCOUNTS; i++) {
        check_sum(counts[i], -1, i % 2, call++);
        check_sum(counts[i], (i + 1) % size, (i / 2) % 2, call++);
    }
    for (int root = 0; root < size; root++)
        check_sum(1025, root, root % 2, call++);

    /* B */
    MPI_Type_contiguous(3, MPI_INT, &t);
    MPI_Type_commit(&t);
    MPI_Op_create(compose, 0, &op);
    check_affine(t, op, 341, -1);        /* 4092 bytes: one page-sized slot */
    check_affine(t, op, 1000, -1);
    check_affine(t, op, 30000, size - 1);
    check_affine(t, op, 1000, 0);

    /* C */
    for (int r = 0; r < 16; r++) {
        long v = rank, sum = 0;
        if (rank == r % size)
            usleep(r % 3 ? 500 : 3000);
        check_sum(r % 2 ? 700 : 2000, r % 3 == 0 ? -1 : r % size, 0, call++);
        if (r % 4 == 0) {
            MPI_Allreduce(&v, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
            CHECK(sum == (long)size * (size - 1) / 2, "C: small allreduce %ld", sum);
            MPI_Barrier(MPI_COMM_WORLD);
        }
    }

    /* D */
    for (long count = 1; count < size; count++) {
        check_sum(count, -1, 0, call++);
        check_sum(count, (int)count % size, 1, call++);
    }

    MPI_Op_free(&op);
    MPI_Type_free(&t);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("coll_shm_large: OK (%.2f s)\n", MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
