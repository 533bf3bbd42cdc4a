/* One-sided atomics under contention and truly passive targets: a Fetch_and_op
 * counter and a Compare_and_swap spin lock where every increment must be
 * counted once, concurrent accumulates that must not lose updates (on shared
 * memory and on user memory through single copy), large accumulates racing
 * Fetch_and_op and Compare_and_swap on overlapping elements (the bulk path
 * under stripe locks against single atomics), and a target that computes
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

/* Adds one to rank 0's int at idx by a Compare_and_swap loop, from a value read
 * with Fetch_and_op(MPI_NO_OP), as a program's own atomic increment would. */
static void cas_increment(MPI_Win win, int idx)
{
    int old, got;

    MPI_Fetch_and_op(NULL, &old, MPI_INT, 0, idx, MPI_NO_OP, win);
    MPI_Win_flush(0, win);
    for (;;) {
        int next = old + 1;
        MPI_Compare_and_swap(&next, &old, &got, MPI_INT, 0, idx, win);
        MPI_Win_flush(0, win);
        if (got == old)
            break;
        old = got;
    }
}

/* Even ranks accumulate over the first hot elements of rank 0's ints again and
 * again (the bulk path from 16 elements on) while odd ranks hit them with
 * Fetch_and_op and Compare_and_swap increments: the single atomics land inside
 * the bulk updates' read-modify-writes, where a broken protocol loses updates
 * within a few thousand iterations (checked by breaking it). */
static void hot_atomicity(MPI_Win win, int *base, const char *what, int hot, int iters)
{
    int ones[64], one = 1, old, *want = calloc(hot, sizeof(int));

    for (int i = 0; i < 64; i++)
        ones[i] = 1;
    if (rank == 0)
        for (int i = 0; i < hot; i++)
            base[i] = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, win);
    for (int k = 0; k < iters; k++) {
        int idx = (k * 7) % hot;
        if (rank % 2 == 0) {
            MPI_Accumulate(ones, hot, MPI_INT, 0, 0, hot, MPI_INT, MPI_SUM, win);
        } else if (k % 8) {
            MPI_Fetch_and_op(&one, &old, MPI_INT, 0, idx, MPI_SUM, win);
        } else {
            cas_increment(win, idx);
        }
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        for (int r = 0; r < size; r++)
            for (int k = 0; k < iters; k++)
                for (int i = 0; i < hot; i++)
                    want[i] += r % 2 == 0 ? 1 : i == (k * 7) % hot;
        for (int i = 0; i < hot; i++)
            CHECK(base[i] == want[i], "%s: %d-element accumulates against single atomics: "
                  "element %d is %d, expected %d (an update was lost)", what, hot, i, base[i],
                  want[i]);
    }
    free(want);
}

/* Large accumulates (the vectorized path under stripe locks) racing single
 * atomics (Fetch_and_op, a Compare_and_swap increment) and Get_accumulate on
 * overlapping elements of rank 0's ints, from every rank at once: each element
 * must count every addition exactly once. The ranges cross stripes (4 KiB) and
 * cover most of the array, so the single atomics land inside bulk updates. */
static void bulk_atomicity(MPI_Win win, int *base, const char *what, int iters)
{
    enum { N = 4608, L = 1500 };
    int *ones = malloc(sizeof(int) * (L + 600)), *fetched = malloc(sizeof(int) * (L + 600));
    int *want = calloc(N, sizeof(int));
    int one = 1;

    for (int i = 0; i < L + 600; i++)
        ones[i] = 1;
    if (rank == 0)
        for (int i = 0; i < N; i++)
            base[i] = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, win);
    for (int k = 0; k < iters; k++) {
        int len = L + (k % 3) * 299, off = (rank * 1031 + k * 577) % (N - len);
        int idx = (off + k * 13 + rank * 7) % N, idx2 = (idx + 2 * len / 3) % N, old;
        if (k % 5 == 4)
            MPI_Get_accumulate(ones, len, MPI_INT, fetched, len, MPI_INT, 0, off, len, MPI_INT,
                               MPI_SUM, win);
        else
            MPI_Accumulate(ones, len, MPI_INT, 0, off, len, MPI_INT, MPI_SUM, win);
        MPI_Fetch_and_op(&one, &old, MPI_INT, 0, idx, MPI_SUM, win);
        if (k % 4 == 0) {
            cas_increment(win, idx2);
        }
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        for (int r = 0; r < size; r++)
            for (int k = 0; k < iters; k++) {
                int len = L + (k % 3) * 299, off = (r * 1031 + k * 577) % (N - len);
                int idx = (off + k * 13 + r * 7) % N, idx2 = (idx + 2 * len / 3) % N;
                for (int i = off; i < off + len; i++)
                    want[i]++;
                want[idx]++;
                if (k % 4 == 0)
                    want[idx2]++;
            }
        for (int i = 0; i < N; i++)
            CHECK(base[i] == want[i], "%s: bulk accumulates with atomics: element %d is %d, "
                  "expected %d (an update was lost)", what, i, base[i], want[i]);
    }
    free(ones);
    free(fetched);
    free(want);
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
    int *ibase, *imem;
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

    MPI_Win_allocate(4608 * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &ibase,
                     &win);
    bulk_atomicity(win, ibase, "allocate", one_node ? 1500 : 20);
    hot_atomicity(win, ibase, "allocate", 16, one_node ? 40000 : 20);
    hot_atomicity(win, ibase, "allocate", 64, one_node ? 20000 : 20);
    MPI_Win_free(&win);
    imem = malloc(4608 * sizeof(int));
    MPI_Win_create(imem, 4608 * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    bulk_atomicity(win, imem, "create", one_node ? 150 : 10);
    MPI_Win_free(&win);
    free(imem);

    if (size > 1)
        passive_target();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("rma_atomic: OK\n");
    MPI_Finalize();
    return 0;
}
