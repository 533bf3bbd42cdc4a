/* Uni-directional bandwidth (as osu_bw): rank 0 keeps a window of 64
 * non-blocking sends in flight to rank 1, which answers each window with a
 * short acknowledgement.
 *   -v reused   (default) every pending receive (and send) targets one buffer,
 *               as osu_bw does;
 *   -v distinct each pending receive and send has its own buffer;
 *   -v reused,distinct  both, one after the other.
 * Value: MB/s (10^6 bytes per second). Ranks past 1 wait in MPI_Barrier. */
#include "bench_common.h"

#define WINDOW 64

typedef struct {
    MPI_Comm pair;
    int me;
    int distinct;
    size_t bytes;
    char *sbuf, *rbuf;
    MPI_Request req[WINDOW];
} bw_t;

static void window(void *arg, long iters)
{
    bw_t *c = arg;
    int n = (int)c->bytes;
    size_t stride = c->distinct ? c->bytes : 0;
    char ack = 0;
    for (long it = 0; it < iters; it++) {
        if (c->me == 0) {
            for (int w = 0; w < WINDOW; w++)
                MPI_Isend(c->sbuf + w * stride, n, MPI_CHAR, 1, 100, c->pair, &c->req[w]);
            MPI_Waitall(WINDOW, c->req, MPI_STATUSES_IGNORE);
            MPI_Recv(&ack, 1, MPI_CHAR, 1, 101, c->pair, MPI_STATUS_IGNORE);
        } else {
            for (int w = 0; w < WINDOW; w++)
                MPI_Irecv(c->rbuf + w * stride, n, MPI_CHAR, 0, 100, c->pair, &c->req[w]);
            MPI_Waitall(WINDOW, c->req, MPI_STATUSES_IGNORE);
            MPI_Send(&ack, 1, MPI_CHAR, 0, 101, c->pair);
        }
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
        bench_die("bw needs at least 2 ranks");

    bw_t c = {0};
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &c.pair);
    if (rank < 2) {
        c.me = rank;
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
                    bench_print("bw", &o, size, c.bytes, (double)c.bytes * WINDOW / per / 1e6,
                                "MB/s", iters, NULL);
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
