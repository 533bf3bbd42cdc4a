/* One-sided atomics under contention and truly passive targets: a Fetch_and_op
 * counter and a Compare_and_swap spin lock where every increment must be
 * counted once, concurrent accumulates that must not lose updates (on shared
 * memory and on user memory through single copy), and a target that computes
 * for a second without MPI calls while the others lock, put, get and
 * fetch-and-op its window. */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include "check.h"

#include <stdint.h>
#include <unistd.h>

static int rank, size;
static int one_node;   /* every rank on my node: operations need no messages */

static void counter(MPI_Win win, long *base, const char *what, int iters)
{
    long one = 1, old, seen_max = -1;

    if (rank == 0)
        *base = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, win);
    for (int i = 0; i < iters; i++) {
        MPI_Fetch_and_op(&one, &old, MPI_LONG, 0, 0, MPI_SUM, win);
        MPI_Win_flush(0, win);
        CHECK(old > seen_max && old >= 0 && old < (long)iters * size,
              "%s fetch_and_op returned %ld", what, old);
        seen_max = old;
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
        MPI_Fetch_and_op(NULL, &old, MPI_LONG, 0, 0, MPI_NO_OP, win);
        MPI_Win_unlock(0, win);
        CHECK(old == (long)iters * size, "%s counter: %ld, expected %ld", what, old,
              (long)iters * size);
    }
}

/* A spin lock by Compare_and_swap guarding a non-atomic read-modify-write. */
static void spinlock(MPI_Win win, int *base)
{
    const int iters = one_node ? 50 : 5;
    int zero = 0, me = rank + 1, got, v;

    if (rank == 0)
        base[0] = base[1] = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, win);
    for (int i = 0; i < iters; i++) {
        do {
            MPI_Compare_and_swap(&me, &zero, &got, MPI_INT, 0, 0, win);
            MPI_Win_flush(0, win);
        } while (got != 0);
        MPI_Get(&v, 1, MPI_INT, 0, 1, 1, MPI_INT, win);
        MPI_Win_flush(0, win);
        v++;
        MPI_Put(&v, 1, MPI_INT, 0, 1, 1, MPI_INT, win);
        MPI_Win_flush(0, win);
        MPI_Compare_and_swap(&zero, &me, &got, MPI_INT, 0, 0, win);
        MPI_Win_flush(0, win);
        CHECK(got == me, "the spin lock was held by %d, not me", got - 1);
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        CHECK(base[1] == iters * size, "spin-locked counter %d, expected %d", base[1],
              iters * size);
}

/* Exclusive locks held long enough (a few ms, past the waiters' spinning) that
 * the waiters sleep and must be woken by the unlock; a read-modify-write by
 * get and put under the lock counts every holder once. */
static void lock_contention(void)
{
    const int rounds = 3;
    int *base, v;
    MPI_Win win;

    MPI_Win_allocate(sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
    *base = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    for (int k = 0; k < rounds; k++) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        MPI_Get(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, win);
        MPI_Win_flush(0, win);
        usleep(3000);
        v++;
        MPI_Put(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, win);
        MPI_Win_unlock(0, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
        CHECK(*base == rounds * size, "exclusive-lock counter %d, expected %d", *base,
              rounds * size);
        MPI_Win_unlock(0, win);
    }
    MPI_Win_free(&win);
}

/* Everyone adds into every element of rank 0's array at once. */
static void acc_atomicity(MPI_Win win, double *dbase, const char *what)
{
    enum { N = 64 };
    const int ITERS = one_node ? 1000 : 5;
    double add[N];

    if (rank == 0)
        for (int i = 0; i < N; i++)
            dbase[i] = 0;
    for (int i = 0; i < N; i++)
        add[i] = 1.0 + (i % 3);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    for (int k = 0; k < ITERS; k++)
        MPI_Accumulate(add, N, MPI_DOUBLE, 0, 0, N, MPI_DOUBLE, MPI_SUM, win);
    MPI_Win_unlock(0, win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        for (int i = 0; i < N; i++)
            CHECK(dbase[i] == (double)ITERS * size * (1.0 + (i % 3)), "%s accumulate [%d]: %g, "
                  "expected %g", what, i, dbase[i], (double)ITERS * size * (1.0 + (i % 3)));
}

/* The last rank computes for a second without MPI; the others finish their
 * lock/put/get/fetch_and_op epochs on its window long before. */
static void passive_target(void)
{
    int target = size - 1, same_node, *nodes = malloc(sizeof(int) * size), color;
    long *base;
    MPI_Win win;
    MPI_Comm node;

    /* Which ranks share my node: the lowest world rank of each node names it. */
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    color = rank;
    MPI_Allreduce(MPI_IN_PLACE, &color, 1, MPI_INT, MPI_MIN, node);
    MPI_Allgather(&color, 1, MPI_INT, nodes, 1, MPI_INT, MPI_COMM_WORLD);
    same_node = nodes[target] == color;
    free(nodes);
    MPI_Comm_free(&node);

    MPI_Win_allocate(sizeof(long) * (size + 1), sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD,
                     &base, &win);
    for (int i = 0; i <= size; i++)
        base[i] = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == target) {
        double t0 = MPI_Wtime();
        volatile double x = 0;
        while (MPI_Wtime() - t0 < 1.0)   /* MPI_Wtime is not communication */
            for (int i = 0; i < 10000; i++)
                x += i * 1e-9;
    } else {
        double t0 = MPI_Wtime(), dt;
        long v = 100 + rank, got = 0, one = 1, old;
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, target, 0, win);
        MPI_Put(&v, 1, MPI_LONG, target, rank, 1, MPI_LONG, win);
        MPI_Win_flush(target, win);
        MPI_Get(&got, 1, MPI_LONG, target, rank, 1, MPI_LONG, win);
        MPI_Fetch_and_op(&one, &old, MPI_LONG, target, size, MPI_SUM, win);
        MPI_Win_unlock(target, win);
        dt = MPI_Wtime() - t0;
        CHECK(got == v, "passive get %ld, expected %ld", got, v);
        /* On another node the target's handler runs when it is in MPI again. */
        CHECK(dt < 0.5 || !same_node, "the epoch on a computing target of my node took %.3f s "
              "(must not wait for it)", dt);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == target) {
        for (int r = 0; r < size - 1; r++)
            CHECK(base[r] == 100 + r, "passive put from %d: %ld", r, base[r]);
        CHECK(base[size] == size - 1, "passive fetch_and_op count %ld", base[size]);
    }
    MPI_Win_free(&win);
}

int main(int argc, char **argv)
{
    MPI_Win win;
    long *lbase;
    int *ibase;
    double *dbase, *dmem;
    long *lmem;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    {
        MPI_Comm node;
        int ns;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
        MPI_Comm_size(node, &ns);
        MPI_Comm_free(&node);
        one_node = ns == size;
    }

    MPI_Win_allocate(sizeof(long), sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &lbase, &win);
    counter(win, lbase, "allocate", one_node ? 20000 : 50);
    MPI_Win_free(&win);
    lmem = malloc(sizeof(long));
    MPI_Win_create(lmem, sizeof(long), sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    counter(win, lmem, "create", one_node ? 2000 : 50);
    MPI_Win_free(&win);
    free(lmem);

    MPI_Win_allocate(2 * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &ibase, &win);
    spinlock(win, ibase);
    MPI_Win_free(&win);
    lock_contention();

    MPI_Win_allocate(64 * sizeof(double), sizeof(double), MPI_INFO_NULL, MPI_COMM_WORLD, &dbase,
                     &win);
    acc_atomicity(win, dbase, "allocate");
    MPI_Win_free(&win);
    dmem = malloc(64 * sizeof(double));
    MPI_Win_create(dmem, 64 * sizeof(double), sizeof(double), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    acc_atomicity(win, dmem, "create");
    MPI_Win_free(&win);
    free(dmem);

    if (size > 1)
        passive_target();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("rma_atomic: OK\n");
    MPI_Finalize();
    return 0;
}
