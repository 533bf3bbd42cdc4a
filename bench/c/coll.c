/* Latency of one collective over message sizes (as osu_<coll>).
 *   -v barrier|bcast|reduce|allreduce|gather|scatter|allgather|alltoall
 *      or a comma-separated list of them (run one after the other)
 * bytes: the whole message for bcast, reduce and allreduce (MPI_DOUBLE, sum;
 * sizes not a multiple of 8 B are skipped for the reductions), the block each rank
 * contributes or receives for gather, scatter, allgather and alltoall
 * (MPI_CHAR). The root is rank 0. Barrier runs once, reported at 0 bytes.
 * Value: µs per call, averaged over the ranks (field "max" has the slowest
 * rank's). */
#include "bench_common.h"

enum { C_BARRIER, C_BCAST, C_REDUCE, C_ALLREDUCE, C_GATHER, C_SCATTER, C_ALLGATHER, C_ALLTOALL };
static const char *const names[] = {"barrier", "bcast", "reduce", "allreduce",
                                    "gather", "scatter", "allgather", "alltoall"};

typedef struct {
    int which;
    size_t bytes;
    char *sbuf, *rbuf;
} coll_t;

static void run(void *arg, long iters)
{
    coll_t *c = arg;
    int n = (int)c->bytes;
    int nd = (int)(c->bytes / sizeof(double));
    MPI_Comm w = MPI_COMM_WORLD;
    for (long i = 0; i < iters; i++) {
        switch (c->which) {
        case C_BARRIER: MPI_Barrier(w); break;
        case C_BCAST: MPI_Bcast(c->sbuf, n, MPI_CHAR, 0, w); break;
        case C_REDUCE: MPI_Reduce(c->sbuf, c->rbuf, nd, MPI_DOUBLE, MPI_SUM, 0, w); break;
        case C_ALLREDUCE: MPI_Allreduce(c->sbuf, c->rbuf, nd, MPI_DOUBLE, MPI_SUM, w); break;
        case C_GATHER: MPI_Gather(c->sbuf, n, MPI_CHAR, c->rbuf, n, MPI_CHAR, 0, w); break;
        case C_SCATTER: MPI_Scatter(c->sbuf, n, MPI_CHAR, c->rbuf, n, MPI_CHAR, 0, w); break;
        case C_ALLGATHER: MPI_Allgather(c->sbuf, n, MPI_CHAR, c->rbuf, n, MPI_CHAR, w); break;
        case C_ALLTOALL: MPI_Alltoall(c->sbuf, n, MPI_CHAR, c->rbuf, n, MPI_CHAR, w); break;
        }
    }
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    bench_parse(&o, argc, argv, 1);

    /* Which collectives, in the order given. */
    int which[8], nwhich = 0;
    {
        char copy[256], *save = NULL;
        snprintf(copy, sizeof copy, "%s", o.variant);
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int w = -1;
            for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
                if (strcmp(t, names[i]) == 0)
                    w = i;
            if (w < 0 || nwhich == 8)
                bench_die("-v must list collectives: barrier bcast reduce allreduce gather "
                          "scatter allgather alltoall");
            which[nwhich++] = w;
        }
        if (nwhich == 0)
            bench_die("-v must list collectives: barrier bcast reduce allreduce gather scatter "
                      "allgather alltoall");
    }

    /* Buffers for the largest need: send side of scatter and alltoall and
     * receive side of gather, allgather and alltoall hold a block per rank. */
    size_t max = bench_max_size(&o);
    coll_t c = {0};
    c.sbuf = bench_alloc(max * (size_t)size, 1);
    c.rbuf = bench_alloc(max * (size_t)size, 0);
    {
        double *d = (double *)c.sbuf;
        for (size_t i = 0; i < max * (size_t)size / sizeof(double); i++)
            d[i] = 1.0;
    }

    for (int k = 0; k < nwhich; k++) {
        c.which = which[k];
        o.variant = names[c.which];
        for (int i = 0; i < o.nsizes; i++) {
            long iters;
            c.bytes = o.sizes[i];
            if (c.which == C_BARRIER) {
                if (i > 0)
                    break;
                c.bytes = 0;
            }
            if ((c.which == C_REDUCE || c.which == C_ALLREDUCE) &&
                (c.bytes == 0 || c.bytes % sizeof(double)))
                continue;
            double per = bench_time_point(MPI_COMM_WORLD, &o, run, &c, &iters);
            bench_print_mean(names[c.which], &o, c.bytes, per, iters);
        }
    }
    free(c.sbuf);
    free(c.rbuf);
    MPI_Finalize();
    return 0;
}
