/* Bi-directional bandwidth (as osu_bibw): ranks 0 and 1 each post a window
 * of 64 receives and 64 sends at once, then wait for all 128.
 *   -v reused (default) one send and one receive buffer, as osu_bibw;
 *   -v distinct         a buffer per pending operation;
 *   -v reused,distinct  both, one after the other.
 * Value: MB/s, bytes moved in both directions per second. */
#include "bench_common.h"

#define WINDOW 64

typedef struct {
    MPI_Comm pair;
    int peer;
    int distinct;
    size_t bytes;
    char *sbuf, *rbuf;
    MPI_Request req[2 * WINDOW];
} bibw_t;

static void window(void *arg, long iters)
{
    bibw_t *c = arg;
    int n = (int)c->bytes;
    size_t stride = c->distinct ? c->bytes : 0;
    for (long it = 0; it < iters; it++) {
        for (int w = 0; w < WINDOW; w++)
            MPI_Irecv(c->rbuf + w * stride, n, MPI_CHAR, c->peer, 100, c->pair, &c->req[w]);
        for (int w = 0; w < WINDOW; w++)
            MPI_Isend(c->sbuf + w * stride, n, MPI_CHAR, c->peer, 100, c->pair,
                      &c->req[WINDOW + w]);
        MPI_Waitall(2 * WINDOW, c->req, MPI_STATUSES_IGNORE);
    }
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    bench_parse(&o, argc, argv, 1);
    const char *variants[2];
    int nvariants = bench_variants(&o, "reused", "reused", "distinct", variants);
    if (size < 2)
        bench_die("bibw needs at least 2 ranks");

    bibw_t c = {0};
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &c.pair);
    if (rank < 2) {
        c.peer = 1 - rank;
        for (int v = 0; v < nvariants; v++) {
            o.variant = variants[v];
            c.distinct = strcmp(o.variant, "distinct") == 0;
            /* Each variant has its own buffers; reused ones are one message long,
             * as osu_bw's (glibc maps a window's worth afresh, and the front of
             * such a block is on 4 KiB pages even where malloc gets huge pages). */
            size_t max = bench_max_size(&o) * (c.distinct ? WINDOW : 1);
            c.sbuf = bench_alloc(max, 'a');
            c.rbuf = bench_alloc(max, 0);
            for (int i = 0; i < o.nsizes; i++) {
                long iters;
                c.bytes = o.sizes[i];
                double per = bench_time_point(c.pair, &o, window, &c, &iters);
                if (rank == 0)
                    bench_print("bibw", &o, size, c.bytes,
                                2.0 * (double)c.bytes * WINDOW / per / 1e6, "MB/s", iters, NULL);
            }
            free(c.sbuf);
            free(c.rbuf);
        }
        MPI_Comm_free(&c.pair);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
