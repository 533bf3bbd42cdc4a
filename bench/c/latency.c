/* One-way latency by ping-pong between ranks 0 and 1 (as osu_latency).
 * Any further ranks wait in MPI_Barrier meanwhile: "ping-pong between two of
 * 8 ranks" measures how much idle waiters disturb the pair.
 * Prints one JSON line per size: value = half the round trip, in µs. */
#include "bench_common.h"

typedef struct {
    MPI_Comm pair;
    int me;
    size_t bytes;
    char *sbuf, *rbuf;
} pingpong_t;

static void pingpong(void *arg, long iters)
{
    pingpong_t *c = arg;
    int n = (int)c->bytes;
    for (long i = 0; i < iters; i++) {
        if (c->me == 0) {
            MPI_Send(c->sbuf, n, MPI_CHAR, 1, 1, c->pair);
            MPI_Recv(c->rbuf, n, MPI_CHAR, 1, 1, c->pair, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(c->rbuf, n, MPI_CHAR, 0, 1, c->pair, MPI_STATUS_IGNORE);
            MPI_Send(c->sbuf, n, MPI_CHAR, 0, 1, c->pair);
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
    if (size < 2)
        bench_die("latency needs at least 2 ranks");

    pingpong_t c = {0};
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &c.pair);
    if (rank < 2) {
        size_t max = bench_max_size(&o);
        c.me = rank;
        c.sbuf = bench_alloc(max, 'a' + rank);
        c.rbuf = bench_alloc(max, 0);
        for (int i = 0; i < o.nsizes; i++) {
            long iters;
            c.bytes = o.sizes[i];
            double per = bench_time_point(c.pair, &o, pingpong, &c, &iters);
            if (rank == 0)
                bench_print("latency", &o, size, c.bytes, per * 1e6 / 2, "us", iters, NULL);
        }
        free(c.sbuf);
        free(c.rbuf);
        MPI_Comm_free(&c.pair);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
