/* One-sided latency and bandwidth between ranks 0 (origin) and 1 (target), as
 * osu_put_latency, osu_put_bw and friends: Put, Get, Accumulate (MPI_SUM on
 * doubles) and Fetch_and_op (MPI_SUM on one long) on a Win_allocate window.
 * Latency, µs per operation: completed per operation by MPI_Win_flush inside
 * one MPI_Win_lock_all epoch (variants put-flush, get-flush, acc-flush,
 * fop-flush) or by MPI_Win_fence on both ranks (put-fence, get-fence,
 * acc-fence, fop-fence). Bandwidth, MB/s (10^6 bytes per second): a window of
 * 64 operations, then one MPI_Win_flush (put-bw, get-bw, acc-bw; sizes of 8
 * bytes and more). The target makes no MPI call during the flush variants'
 * timed loop. Further ranks wait in MPI_Barrier.
 * Prints one JSON line per variant and size. */
#include "bench_common.h"

#define RMA_WINDOW 64

typedef struct {
    MPI_Comm pair;
    MPI_Win win;
    int me, kind, fence, bw;
    size_t bytes;
    char *buf, *res;
} rma_t;

enum { RMA_PUT, RMA_GET, RMA_ACC, RMA_FOP };

/* name is one of the comma-separated names of list. */
static int rma_listed(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static void rma_ops(void *arg, long iters)
{
    rma_t *c = arg;
    int n = (int)c->bytes;

    for (long i = 0; i < iters; i++) {
        if (c->me == 0) {
            for (int w = 0; w < (c->bw ? RMA_WINDOW : 1); w++)
            switch (c->kind) {
            case RMA_PUT: MPI_Put(c->buf, n, MPI_CHAR, 1, 0, n, MPI_CHAR, c->win); break;
            case RMA_GET: MPI_Get(c->buf, n, MPI_CHAR, 1, 0, n, MPI_CHAR, c->win); break;
            case RMA_ACC:
                MPI_Accumulate(c->buf, n / 8, MPI_DOUBLE, 1, 0, n / 8, MPI_DOUBLE, MPI_SUM,
                               c->win);
                break;
            default:
                MPI_Fetch_and_op(c->buf, c->res, MPI_LONG, 1, 0, MPI_SUM, c->win);
                break;
            }
            if (!c->fence)
                MPI_Win_flush(1, c->win);
        }
        if (c->fence)
            MPI_Win_fence(0, c->win);
    }
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int kind, fence, bw; } variants[] = {
        { "put-flush", RMA_PUT, 0, 0 }, { "get-flush", RMA_GET, 0, 0 },
        { "acc-flush", RMA_ACC, 0, 0 }, { "fop-flush", RMA_FOP, 0, 0 },
        { "put-fence", RMA_PUT, 1, 0 }, { "get-fence", RMA_GET, 1, 0 },
        { "acc-fence", RMA_ACC, 1, 0 }, { "fop-fence", RMA_FOP, 1, 0 },
        { "put-bw", RMA_PUT, 0, 1 }, { "get-bw", RMA_GET, 0, 1 }, { "acc-bw", RMA_ACC, 0, 1 },
    };
    bench_opts_t o;
    int rank, size;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    bench_parse(&o, argc, argv, 8);
    if (size < 2)
        bench_die("rma_latency needs at least 2 ranks");
    if (!o.variant || !*o.variant)
        o.variant = "put-flush,get-flush,acc-flush,fop-flush,put-fence,get-fence,acc-fence,"
                    "fop-fence,put-bw,get-bw,acc-bw";

    rma_t c = {0};
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &c.pair);
    if (rank < 2) {
        size_t max = bench_max_size(&o);
        void *base;
        const char *all = o.variant;
        c.me = rank;
        c.buf = bench_alloc(max > 8 ? max : 8, 0);
        c.res = bench_alloc(8, 0);
        MPI_Win_allocate((MPI_Aint)(max > 8 ? max : 8), 1, MPI_INFO_NULL, c.pair, &base, &c.win);
        for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
            if (!rma_listed(all, variants[v].name))
                continue;
            c.kind = variants[v].kind;
            c.fence = variants[v].fence;
            c.bw = variants[v].bw;
            o.variant = variants[v].name;
            if (c.fence)
                MPI_Win_fence(0, c.win);
            else
                MPI_Win_lock_all(0, c.win);
            for (int i = 0; i < o.nsizes; i++) {
                long iters;
                c.bytes = c.kind == RMA_FOP ? 8 : o.sizes[i];
                if ((c.kind == RMA_ACC || c.bw) && c.bytes < 8)
                    continue;
                if (c.kind == RMA_FOP && i > 0)
                    break;
                double per = bench_time_point(c.pair, &o, rma_ops, &c, &iters);
                if (rank == 0 && c.bw)
                    bench_print("rma_latency", &o, size, c.bytes,
                                (double)c.bytes * RMA_WINDOW / per / 1e6, "MB/s", iters, NULL);
                else if (rank == 0)
                    bench_print("rma_latency", &o, size, c.bytes, per * 1e6, "us", iters, NULL);
            }
            if (c.fence)
                MPI_Win_fence(MPI_MODE_NOSUCCEED, c.win);
            else
                MPI_Win_unlock_all(c.win);
        }
        o.variant = all;
        MPI_Win_free(&c.win);
        free(c.buf);
        free(c.res);
        MPI_Comm_free(&c.pair);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
