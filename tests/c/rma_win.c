/* One-sided communication: every window flavor, every operation, every
 * synchronization mode, derived datatypes on both sides, and the errors
 * (MPI_ERR_RMA_CONFLICT among them). */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include "check.h"

#include <stdint.h>

static int rank, size;

static void check_values(const int *buf, int n, int (*want)(int), const char *what)
{
    for (int i = 0; i < n; i++)
        CHECK(buf[i] == want(i), "%s: element %d is %d, expected %d", what, i, buf[i], want(i));
}

static int left(void) { return (rank + size - 1) % size; }
static int right(void) { return (rank + 1) % size; }
static int want_left(int i) { return left() * 1000 + i; }

/* Put, get, accumulate under fence on one window of any flavor; base holds n ints. */
static void fence_ops(MPI_Win win, int *base, int n, const char *flavor)
{
    int *got = malloc(sizeof(int) * (size_t)n), *src = malloc(sizeof(int) * (size_t)n);

    for (int i = 0; i < n; i++) {
        base[i] = -1;
        src[i] = rank * 1000 + i;
    }
    MPI_Win_fence(MPI_MODE_NOPRECEDE, win);
    MPI_Put(src, n, MPI_INT, right(), 0, n, MPI_INT, win);
    MPI_Win_fence(0, win);
    check_values(base, n, want_left, flavor);
    /* Get back what I put at my right, and accumulate 1 into everyone's copy. */
    MPI_Get(got, n, MPI_INT, right(), 0, n, MPI_INT, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < n; i++)
        CHECK(got[i] == rank * 1000 + i, "%s get: element %d is %d", flavor, i, got[i]);
    for (int t = 0; t < size; t++) {
        int ones[3] = { 1, 1, 1 };
        MPI_Accumulate(ones, 3, MPI_INT, t, 0, 3, MPI_INT, MPI_SUM, win);
    }
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
    for (int i = 0; i < 3 && i < n; i++)
        CHECK(base[i] == want_left(i) + size, "%s accumulate: element %d is %d, expected %d",
              flavor, i, base[i], want_left(i) + size);
    free(got);
    free(src);
}

static void flavors(void)
{
    const int n = 37;
    MPI_Win win;
    int *base, *mem, flag, *flavor, *model, *du;
    MPI_Aint *sz;
    void *b;

    /* Win_create over my memory. */
    mem = malloc(sizeof(int) * n);
    MPI_Win_create(mem, sizeof(int) * n, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_get_attr(win, MPI_WIN_BASE, &b, &flag);
    CHECK(flag && b == mem, "MPI_WIN_BASE is %p, expected %p", b, (void *)mem);
    MPI_Win_get_attr(win, MPI_WIN_SIZE, &sz, &flag);
    CHECK(flag && *sz == (MPI_Aint)sizeof(int) * n, "MPI_WIN_SIZE is %ld", (long)*sz);
    MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &du, &flag);
    CHECK(flag && *du == (int)sizeof(int), "MPI_WIN_DISP_UNIT is %d", *du);
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    CHECK(flag && *flavor == MPI_WIN_FLAVOR_CREATE, "flavor is %d", *flavor);
    MPI_Win_get_attr(win, MPI_WIN_MODEL, &model, &flag);
    CHECK(flag && *model == MPI_WIN_UNIFIED, "model is %d", *model);
    fence_ops(win, mem, n, "Win_create");
    MPI_Win_free(&win);
    CHECK(win == MPI_WIN_NULL, "Win_free did not set MPI_WIN_NULL");
    free(mem);

    /* Win_allocate. */
    MPI_Win_allocate(sizeof(int) * n, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    CHECK(*flavor == MPI_WIN_FLAVOR_ALLOCATE, "allocate flavor is %d", *flavor);
    fence_ops(win, base, n, "Win_allocate");
    MPI_Win_free(&win);

    /* Win_allocate_shared over my node: the peers' memory is contiguous and
     * directly readable. */
    {
        MPI_Comm node;
        int nr, ns;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
        MPI_Comm_rank(node, &nr);
        MPI_Comm_size(node, &ns);
        MPI_Win_allocate_shared(sizeof(int) * (nr + 1), sizeof(int), MPI_INFO_NULL, node, &base,
                                &win);
        for (int i = 0; i <= nr; i++)
            base[i] = nr * 100 + i;
        MPI_Win_fence(0, win);
        for (int r = 0; r < ns; r++) {
            MPI_Aint qs;
            int qdu, *qb;
            MPI_Win_shared_query(win, r, &qs, &qdu, &qb);
            CHECK(qs == (MPI_Aint)sizeof(int) * (r + 1) && qdu == (int)sizeof(int),
                  "shared_query(%d): size %ld disp_unit %d", r, (long)qs, qdu);
            if (r > 0) {
                int *prev;
                MPI_Aint ps;
                MPI_Win_shared_query(win, r - 1, &ps, &qdu, &prev);
                CHECK((char *)qb == (char *)prev + ps, "shared memory of %d does not follow "
                      "%d's", r, r - 1);
            }
            for (int i = 0; i <= r; i++)
                CHECK(qb[i] == r * 100 + i, "shared load of rank %d element %d: %d", r, i, qb[i]);
        }
        {
            MPI_Aint qs;
            int qdu, *qb, *r0;
            MPI_Win_shared_query(win, MPI_PROC_NULL, &qs, &qdu, &qb);
            MPI_Win_shared_query(win, 0, &qs, &qdu, &r0);
            CHECK(qb == r0, "shared_query(MPI_PROC_NULL) is not rank 0's memory");
        }
        MPI_Win_fence(0, win);
        MPI_Win_free(&win);

        /* alloc_shared_noncontig: every part on its own page. */
        {
            MPI_Info info;
            MPI_Info_create(&info);
            MPI_Info_set(info, "alloc_shared_noncontig", "true");
            MPI_Win_allocate_shared(3, 1, info, node, &base, &win);
            MPI_Info_free(&info);
            CHECK(((uintptr_t)base & 4095) == 0, "noncontig part at %p is not page aligned",
                  (void *)base);
            MPI_Win_get_info(win, &info);
            {
                char v[64];
                MPI_Info_get(info, "alloc_shared_noncontig", sizeof(v) - 1, v, &flag);
                CHECK(flag && strcmp(v, "true") == 0, "get_info alloc_shared_noncontig: %s",
                      flag ? v : "(absent)");
            }
            MPI_Info_free(&info);
            MPI_Win_free(&win);
        }
        MPI_Comm_free(&node);
    }

    /* Dynamic: attach, put to an address, detach. */
    {
        int *region = calloc(8, sizeof(int)), *addrs = malloc(sizeof(MPI_Aint) * 2 * size);
        MPI_Aint mine, *all = malloc(sizeof(MPI_Aint) * size);
        int v = rank + 7;
        MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &win);
        MPI_Win_attach(win, region, 8 * sizeof(int));
        MPI_Get_address(region, &mine);
        MPI_Allgather(&mine, 1, MPI_AINT, all, 1, MPI_AINT, MPI_COMM_WORLD);
        MPI_Win_fence(0, win);
        MPI_Put(&v, 1, MPI_INT, right(), all[right()] + 4 * (MPI_Aint)sizeof(int), 1, MPI_INT,
                win);
        MPI_Win_fence(0, win);
        CHECK(region[4] == left() + 7, "dynamic put: %d, expected %d", region[4], left() + 7);
        MPI_Win_detach(win, region);
        MPI_Win_free(&win);
        free(region);
        free(all);
        free(addrs);
    }
}

/* Post/start/complete/wait in a ring, with Win_test. */
static void pscw(void)
{
    MPI_Group world, g;
    MPI_Win win;
    int *base, v = rank + 1, flag = 0;

    MPI_Win_allocate(sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
    *base = 0;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int round = 0; round < 3; round++) {
        int from = left(), to = right();
        MPI_Group_incl(world, 1, &from, &g);
        MPI_Win_post(g, 0, win);
        MPI_Group_free(&g);
        MPI_Group_incl(world, 1, &to, &g);
        MPI_Win_start(g, 0, win);
        MPI_Group_free(&g);
        MPI_Accumulate(&v, 1, MPI_INT, to, 0, 1, MPI_INT, MPI_SUM, win);
        MPI_Win_complete(win);
        if (round == 2) {
            while (!flag)
                MPI_Win_test(win, &flag);
        } else {
            MPI_Win_wait(win);
        }
        CHECK(*base == (round + 1) * (left() + 1), "PSCW round %d: %d, expected %d", round, *base,
              (round + 1) * (left() + 1));
    }
    MPI_Group_free(&world);
    MPI_Win_free(&win);
}

/* Locks, flushes, request-based operations and every accumulate op. */
static void passive(void)
{
    MPI_Win win;
    long long *base;
    MPI_Request req[4];
    long long one = 1, got = 0, res[2];

    MPI_Win_allocate(4 * sizeof(long long), sizeof(long long), MPI_INFO_NULL, MPI_COMM_WORLD,
                     &base, &win);
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
    base[0] = 0; base[1] = 1; base[2] = 0; base[3] = -5;
    MPI_Win_unlock(rank, win);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int t = 0; t < size; t++) {
        long long mx = rank, big = 1000 + rank;
        MPI_Win_lock(MPI_LOCK_SHARED, t, 0, win);
        MPI_Accumulate(&one, 1, MPI_LONG_LONG, t, 0, 1, MPI_LONG_LONG, MPI_SUM, win);
        MPI_Accumulate(&mx, 1, MPI_LONG_LONG, t, 2, 1, MPI_LONG_LONG, MPI_MAX, win);
        MPI_Raccumulate(&big, 1, MPI_LONG_LONG, t, 3, 1, MPI_LONG_LONG, MPI_MIN, win, &req[0]);
        MPI_Wait(&req[0], MPI_STATUS_IGNORE);
        MPI_Win_flush(t, win);
        MPI_Win_unlock(t, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, win);
    MPI_Rget(&got, 1, MPI_LONG_LONG, right(), 0, 1, MPI_LONG_LONG, win, &req[0]);
    MPI_Rget_accumulate(NULL, 0, MPI_DATATYPE_NULL, res, 2, MPI_LONG_LONG, left(), 2, 2,
                        MPI_LONG_LONG, MPI_NO_OP, win, &req[1]);
    MPI_Waitall(2, req, MPI_STATUSES_IGNORE);
    MPI_Win_flush_all(win);
    MPI_Win_flush_local_all(win);
    MPI_Win_flush_local(right(), win);
    CHECK(got == size, "sum under lock: %lld, expected %d", got, size);
    CHECK(res[0] == size - 1 && res[1] == -5, "max/min: %lld %lld, expected %d -5", res[0], res[1],
          size - 1);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    /* Rput then Get_accumulate with MPI_REPLACE; MPI_Win_sync on my own memory. */
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, right(), MPI_MODE_NOCHECK, win);
    {
        long long v = 42 + rank, old = 0, nv = 7;
        MPI_Rput(&v, 1, MPI_LONG_LONG, right(), 1, 1, MPI_LONG_LONG, win, &req[0]);
        MPI_Wait(&req[0], MPI_STATUS_IGNORE);
        MPI_Get_accumulate(&nv, 1, MPI_LONG_LONG, &old, 1, MPI_LONG_LONG, right(), 1, 1,
                           MPI_LONG_LONG, MPI_REPLACE, win);
        MPI_Win_flush(right(), win);
        CHECK(old == 42 + rank, "get_accumulate replace: old %lld", old);
    }
    MPI_Win_unlock(right(), win);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_sync(win);
    CHECK(base[1] == 7, "after replace: %lld", base[1]);
    MPI_Win_free(&win);

    /* Every op on doubles and ints, checked against a local reduction. */
    {
        MPI_Op ops[] = { MPI_SUM, MPI_PROD, MPI_MIN, MPI_MAX, MPI_BAND, MPI_BOR, MPI_BXOR,
                         MPI_LAND, MPI_LOR, MPI_LXOR, MPI_REPLACE };
        const int nops = (int)(sizeof(ops) / sizeof(ops[0]));
        int *ib, v = rank + 2;
        MPI_Win_allocate(sizeof(int) * nops, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &ib,
                         &win);
        for (int k = 0; k < nops; k++)
            ib[k] = 3;
        MPI_Win_fence(0, win);
        for (int k = 0; k < nops; k++)
            if (ops[k] != MPI_REPLACE || rank == size - 1)
                MPI_Accumulate(&v, 1, MPI_INT, 0, k, 1, MPI_INT, ops[k], win);
        MPI_Win_fence(0, win);
        if (rank == 0) {
            for (int k = 0; k < nops; k++) {
                int e = 3;
                for (int r = 0; r < size; r++) {
                    int x = r + 2;
                    if (ops[k] == MPI_REPLACE) { if (r == size - 1) e = x; continue; }
                    MPI_Reduce_local(&x, &e, 1, MPI_INT, ops[k]);
                }
                CHECK(ib[k] == e, "op %d: %d, expected %d", k, ib[k], e);
            }
        }
        MPI_Win_free(&win);
    }
}

/* Derived datatypes on both sides, through load/store and through single copy. */
static void derived(void)
{
    MPI_Datatype vec, idx, pair;
    const int n = 24;
    int *mem, *base;
    MPI_Win wins[2];

    MPI_Type_vector(4, 2, 3, MPI_INT, &vec);                /* 8 ints over 11 */
    MPI_Type_commit(&vec);
    {
        int bl[3] = { 3, 1, 4 }, dp[3] = { 20, 1, 12 };      /* 8 ints, out of order */
        MPI_Type_indexed(3, bl, dp, MPI_INT, &idx);
        MPI_Type_commit(&idx);
    }
    MPI_Type_contiguous(2, MPI_DOUBLE_INT, &pair);
    MPI_Type_commit(&pair);
    mem = malloc(sizeof(int) * n);
    MPI_Win_create(mem, sizeof(int) * n, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &wins[0]);
    MPI_Win_allocate(sizeof(int) * n, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &wins[1]);
    for (int w = 0; w < 2; w++) {
        int *m = w ? base : mem, src[11], back[24];
        for (int i = 0; i < n; i++)
            m[i] = -1;
        for (int i = 0; i < 11; i++)
            src[i] = rank * 100 + i;
        MPI_Win_fence(0, wins[w]);
        MPI_Put(src, 1, vec, right(), 0, 1, idx, wins[w]);
        MPI_Win_fence(0, wins[w]);
        {
            /* vec picks 0,1,3,4,6,7,9,10; idx places them at 20,21,22,1,12,13,14,15. */
            int order[8] = { 20, 21, 22, 1, 12, 13, 14, 15 }, pick[8] = { 0, 1, 3, 4, 6, 7, 9, 10 };
            for (int k = 0; k < 8; k++)
                CHECK(m[order[k]] == left() * 100 + pick[k], "%s derived put: [%d] is %d, "
                      "expected %d", w ? "allocate" : "create", order[k], m[order[k]],
                      left() * 100 + pick[k]);
            /* The checks above read memory the next epoch writes. */
            MPI_Win_fence(0, wins[w]);
            for (int i = 0; i < 24; i++)
                back[i] = -2;
            MPI_Get(back, 8, MPI_INT, right(), 0, 1, idx, wins[w]);
            MPI_Accumulate(src, 1, vec, right(), 0, 1, idx, MPI_SUM, wins[w]);
            MPI_Win_fence(0, wins[w]);
            for (int k = 0; k < 8; k++)
                CHECK(back[k] == rank * 100 + pick[k], "derived get: [%d] is %d", k, back[k]);
            for (int k = 0; k < 8; k++)
                CHECK(m[order[k]] == 2 * (left() * 100 + pick[k]), "derived accumulate: [%d] "
                      "is %d", order[k], m[order[k]]);
        }
        MPI_Win_fence(0, wins[w]);
    }
    MPI_Win_free(&wins[0]);
    MPI_Win_free(&wins[1]);
    free(mem);
    /* MAXLOC on pairs (types with holes), through single copy. */
    {
        struct { double v; int i; } pv[2], *pm = malloc(sizeof(pv) * 1);
        MPI_Win win;
        pm[0].v = -1; pm[0].i = -1; pm[1].v = 1e9; pm[1].i = -1;
        MPI_Win_create(pm, sizeof(pv), 1, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
        pv[0].v = rank; pv[0].i = rank; pv[1].v = rank; pv[1].i = rank;
        MPI_Win_fence(0, win);
        MPI_Accumulate(pv, 1, pair, 0, 0, 1, pair, MPI_MAXLOC, win);
        MPI_Win_fence(0, win);
        if (rank == 0)
            CHECK(pm[0].v == size - 1 && pm[0].i == size - 1 && pm[1].v == 1e9 && pm[1].i == -1,
                  "MAXLOC: (%g,%d) (%g,%d)", pm[0].v, pm[0].i, pm[1].v, pm[1].i);
        MPI_Win_free(&win);
        free(pm);
    }
    MPI_Type_free(&vec);
    MPI_Type_free(&idx);
    MPI_Type_free(&pair);
}

static int deleted;
static int del_fn(MPI_Win w, int k, void *v, void *x) { deleted += *(int *)v; return MPI_SUCCESS; }
static int handled;
static void win_errh(MPI_Win *w, int *code, ...) { handled = *code; }

static void objects(void)
{
    MPI_Win win;
    int *base, key, val = 5, *out, flag, len;
    char name[MPI_MAX_OBJECT_NAME];
    MPI_Group g, wg;
    MPI_Errhandler eh, got;

    MPI_Win_allocate(sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
    CHECK(MPI_Win_f2c(MPI_Win_c2f(win)) == win, "Win_f2c(Win_c2f(win)) is not win");
    MPI_Win_set_name(win, "halo");
    MPI_Win_get_name(win, name, &len);
    CHECK(strcmp(name, "halo") == 0 && len == 4, "name '%s'", name);
    MPI_Win_get_group(win, &g);
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Group_compare(g, wg, &flag);
    CHECK(flag == MPI_IDENT, "window group differs from the world's");
    MPI_Group_free(&g);
    MPI_Group_free(&wg);
    MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, del_fn, &key, NULL);
    MPI_Win_set_attr(win, key, &val);
    MPI_Win_get_attr(win, key, &out, &flag);
    CHECK(flag && out == &val, "user attribute not returned");
    MPI_Win_create_errhandler(win_errh, &eh);
    MPI_Win_set_errhandler(win, eh);
    MPI_Win_get_errhandler(win, &got);
    CHECK(got == eh, "get_errhandler returned another handler");
    MPI_Errhandler_free(&got);
    MPI_Win_call_errhandler(win, MPI_ERR_OTHER);
    CHECK(handled == MPI_ERR_OTHER, "the window's handler was not called (%d)", handled);
    /* An error of an operation goes to the window's handler. */
    handled = 0;
    MPI_Put(&val, 1, MPI_INT, 0, 0, 1, MPI_INT, win);
    CHECK(handled != 0, "a put outside an epoch did not reach the window's handler");
    MPI_Errhandler_free(&eh);
    MPI_Win_free(&win);
    CHECK(deleted == 5, "attribute delete callback ran %d", deleted);
    MPI_Win_free_keyval(&key);
}

static void errors(void)
{
    MPI_Win win, dyn;
    int *base, v = 1, r;
    MPI_Aint sz;
    int du;
    void *bp;

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    CHECK_ERR(MPI_Win_allocate(-1, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win), MPI_ERR_SIZE,
              "MPI_Win_allocate", "size");
    CHECK_ERR(MPI_Win_create(&v, 4, 0, MPI_INFO_NULL, MPI_COMM_WORLD, &win), MPI_ERR_DISP,
              "MPI_Win_create", "disp_unit");
    CHECK_ERR(MPI_Win_free(NULL), MPI_ERR_ARG, "MPI_Win_free", NULL);
    win = MPI_WIN_NULL;
    CHECK_ERR(MPI_Win_fence(0, win), MPI_ERR_WIN, "MPI_Win_fence", "MPI_WIN_NULL");

    MPI_Win_allocate(4 * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
    CHECK_ERR(MPI_Put(&v, 1, MPI_INT, 0, 0, 1, MPI_INT, win), MPI_ERR_RMA_SYNC, "MPI_Put",
              "epoch");
    CHECK_ERR(MPI_Win_unlock(0, win), MPI_ERR_RMA_SYNC, "MPI_Win_unlock", "not locked");
    CHECK_ERR(MPI_Win_complete(win), MPI_ERR_RMA_SYNC, "MPI_Win_complete", NULL);
    CHECK_ERR(MPI_Win_wait(win), MPI_ERR_RMA_SYNC, "MPI_Win_wait", NULL);
    CHECK_ERR(MPI_Win_flush(0, win), MPI_ERR_RMA_SYNC, "MPI_Win_flush", NULL);
    CHECK_ERR(MPI_Win_lock(99, 0, 0, win), MPI_ERR_LOCKTYPE, "MPI_Win_lock", "lock_type");
    CHECK_ERR(MPI_Win_lock(MPI_LOCK_SHARED, size, 0, win), MPI_ERR_RANK, "MPI_Win_lock", NULL);
    MPI_Win_lock(MPI_LOCK_SHARED, rank, 0, win);
    CHECK_ERR(MPI_Put(&v, 1, MPI_INT, rank, 4, 1, MPI_INT, win), MPI_ERR_RMA_RANGE, "MPI_Put",
              "outside");
    CHECK_ERR(MPI_Get(&v, 2, MPI_INT, rank, 3, 2, MPI_INT, win), MPI_ERR_RMA_RANGE, "MPI_Get",
              NULL);
    CHECK_ERR(MPI_Put(&v, 1, MPI_INT, rank, -1, 1, MPI_INT, win), MPI_ERR_DISP, "MPI_Put", NULL);
    CHECK_ERR(MPI_Accumulate(&v, 1, MPI_INT, size + 1, 0, 1, MPI_INT, MPI_SUM, win),
              MPI_ERR_RANK, "MPI_Accumulate", "target_rank");
    CHECK_ERR(MPI_Accumulate(&v, 1, MPI_INT, rank, 0, 1, MPI_INT, MPI_OP_NULL, win), MPI_ERR_OP,
              "MPI_Accumulate", NULL);
    CHECK_ERR(MPI_Accumulate(&v, 1, MPI_FLOAT, rank, 0, 1, MPI_FLOAT, MPI_BAND, win), MPI_ERR_OP,
              "MPI_Accumulate", NULL);
    CHECK_ERR(MPI_Win_lock(MPI_LOCK_SHARED, rank, 0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_lock",
              "holds a lock");
    CHECK_ERR(MPI_Win_free(&win), MPI_ERR_RMA_SYNC, "MPI_Win_free", "epoch");
    CHECK_ERR(MPI_Win_fence(0, win), MPI_ERR_RMA_SYNC, "MPI_Win_fence", NULL);
    MPI_Win_unlock(rank, win);
    CHECK_ERR(MPI_Win_attach(win, &v, 4), MPI_ERR_RMA_FLAVOR, "MPI_Win_attach", NULL);
    CHECK_ERR(MPI_Win_set_attr(win, MPI_WIN_BASE, &v), MPI_ERR_KEYVAL, "MPI_Win_set_attr", NULL);
    CHECK_ERR(MPI_Win_lock_all(MPI_MODE_NOPUT, win), MPI_ERR_ASSERT, "MPI_Win_lock_all", NULL);
    {
        MPI_Request req;
        CHECK_ERR(MPI_Rput(&v, 1, MPI_INT, rank, 0, 1, MPI_INT, win, &req), MPI_ERR_RMA_SYNC,
                  "MPI_Rput", "passive");
    }
    MPI_Win_free(&win);

    /* Win_create: my own memory is shared with me, the others' reads as size 0. */
    MPI_Win_create(&v, sizeof(v), 1, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_shared_query(win, rank, &sz, &du, &bp);
    CHECK(sz == sizeof(v) && bp == &v, "shared_query of my Win_create memory: %ld %p", (long)sz,
          bp);
    if (size > 1) {
        MPI_Win_shared_query(win, (rank + 1) % size, &sz, &du, &bp);
        CHECK(sz == 0 && !bp, "shared_query of another's Win_create memory: %ld %p", (long)sz, bp);
    }
    MPI_Win_free(&win);

    MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &dyn);
    MPI_Win_set_errhandler(dyn, MPI_ERRORS_RETURN);
    CHECK_ERR(MPI_Win_shared_query(dyn, 0, &sz, &du, &bp), MPI_ERR_RMA_FLAVOR,
              "MPI_Win_shared_query", NULL);
    MPI_Win_lock_all(0, dyn);
    {
        MPI_Aint a;
        MPI_Get_address(&r, &a);
        CHECK_ERR(MPI_Put(&v, 1, MPI_INT, rank, a, 1, MPI_INT, dyn), MPI_ERR_RMA_RANGE, "MPI_Put",
                  "attached");
    }
    MPI_Win_unlock_all(dyn);
    CHECK_ERR(MPI_Win_detach(dyn, &v), MPI_ERR_RMA_ATTACH, "MPI_Win_detach", NULL);
    MPI_Win_free(&dyn);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

/* Whether world rank r shares my node (its window memory is in my mapping). */
static int on_my_node(int r)
{
    MPI_Comm node;
    MPI_Group wg, ng;
    int nr;

    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Comm_group(node, &ng);
    MPI_Group_translate_ranks(wg, 1, &r, ng, &nr);
    MPI_Group_free(&wg);
    MPI_Group_free(&ng);
    MPI_Comm_free(&node);
    return nr != MPI_UNDEFINED;
}

/* Calls that must succeed between the refused ones (the window returns errors). */
#define OK(call) CHECK((call) == MPI_SUCCESS, "%s failed", #call)

/* MPI_ERR_RMA_CONFLICT: a lock on a target this process holds locked already
 * (Win_lock twice, Win_lock with Win_lock_all, Win_lock_all twice), and a
 * window locked and exposed at once (Win_lock of a target between its Win_post
 * and Win_wait, Win_post of a locked window). Epoch calls out of order stay
 * MPI_ERR_RMA_SYNC. After each refused call the epochs in force still work. */
static void conflicts(void)
{
    int t = (rank + 1) % size, pred = (rank + size - 1) % size, one = 1, old = -1, *base;
    int t_local = on_my_node(t);
    MPI_Group wg, gt, gpred;
    MPI_Win win;

    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Group_incl(wg, 1, &t, &gt);
    MPI_Group_incl(wg, 1, &pred, &gpred);
    MPI_Win_allocate(sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
    *base = 0;
    MPI_Barrier(MPI_COMM_WORLD);

    OK(MPI_Win_lock(MPI_LOCK_SHARED, t, 0, win));
    CHECK_SAYS(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, t, 0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_lock",
               "holds a lock on target,Win_lock");
    CHECK_SAYS(MPI_Win_lock_all(0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_lock_all",
               "holds a lock (Win_lock)");
    CHECK_SAYS(MPI_Win_start(gt, 0, win), MPI_ERR_RMA_SYNC, "MPI_Win_start", "access epoch");
    OK(MPI_Fetch_and_op(&one, &old, MPI_INT, t, 0, MPI_SUM, win));
    OK(MPI_Win_unlock(t, win));
    CHECK(old >= 0, "fetch_and_op after refused calls returned %d", old);

    OK(MPI_Win_lock_all(0, win));
    CHECK_SAYS(MPI_Win_lock(MPI_LOCK_SHARED, t, 0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_lock",
               "Win_lock_all");
    CHECK_SAYS(MPI_Win_lock_all(0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_lock_all",
               "Win_lock_all");
    CHECK_SAYS(MPI_Win_post(gpred, 0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_post",
               "locked,this process");
    OK(MPI_Fetch_and_op(&one, &old, MPI_INT, t, 0, MPI_SUM, win));
    OK(MPI_Win_unlock_all(win));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(*base == 2, "after refused calls my window holds %d, expected 2", *base);

    /* Every rank exposes its window to its predecessor, which then may not
     * lock it; my successor is exposed to me once everyone posted. */
    OK(MPI_Win_post(gpred, 0, win));
    MPI_Barrier(MPI_COMM_WORLD);
    if (t_local) {
        CHECK_SAYS(MPI_Win_lock(MPI_LOCK_SHARED, t, 0, win), MPI_ERR_RMA_CONFLICT,
                   "MPI_Win_lock", "exposes its window");
        CHECK_SAYS(MPI_Win_lock_all(0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_lock_all",
                   "exposes its window");
    }
    OK(MPI_Win_start(gt, 0, win));
    OK(MPI_Put(&one, 1, MPI_INT, t, 0, 1, MPI_INT, win));
    OK(MPI_Win_complete(win));
    OK(MPI_Win_wait(win));
    CHECK(*base == 1, "PSCW put after refused locks: %d", *base);
    MPI_Barrier(MPI_COMM_WORLD);

    /* Another process (or I, alone) holds my window locked: I may not post. */
    CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, t, 0, win) == MPI_SUCCESS, "lock after Win_wait");
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_SAYS(MPI_Win_post(gpred, 0, win), MPI_ERR_RMA_CONFLICT, "MPI_Win_post", "locked");
    MPI_Barrier(MPI_COMM_WORLD);
    OK(MPI_Win_unlock(t, win));
    MPI_Barrier(MPI_COMM_WORLD);
    /* Unlocked and no longer exposed: both work again. */
    CHECK(MPI_Win_lock(MPI_LOCK_SHARED, t, 0, win) == MPI_SUCCESS, "lock after unlock");
    OK(MPI_Win_unlock(t, win));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(MPI_Win_post(gpred, 0, win) == MPI_SUCCESS, "post after unlock");
    OK(MPI_Win_start(gt, 0, win));
    OK(MPI_Win_complete(win));
    OK(MPI_Win_wait(win));

    MPI_Win_free(&win);
    MPI_Group_free(&gt);
    MPI_Group_free(&gpred);
    MPI_Group_free(&wg);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    flavors();
    pscw();
    passive();
    derived();
    objects();
    errors();
    conflicts();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("rma_win: OK\n");
    MPI_Finalize();
    return 0;
}
