/* Allreduce three ways, per message size (MPI_DOUBLE, sum, on MPI_COMM_WORLD):
 *   -v blocking      MPI_Allreduce
 *   -v nonblocking   MPI_Iallreduce + MPI_Wait
 *   -v persistent    MPI_Start + MPI_Wait of one MPI_Allreduce_init request
 *   or a comma-separated list of them (run one after the other).
 * The persistent request is made once per size, outside the timed loop, so the
 * difference to nonblocking is what building the schedule at each call costs.
 * Needs MPI 4.0 (MPI_Allreduce_init), unlike the other programs here.
 * Value: µs per call, averaged over the ranks (field "max": the slowest rank's). */
#include "bench_common.h"

enum { V_BLOCKING, V_NONBLOCKING, V_PERSISTENT, V_COUNT };
static const char *const names[V_COUNT] = {"blocking", "nonblocking", "persistent"};

typedef struct {
    int which;
    int count;
    double *sbuf, *rbuf;
    MPI_Request preq;
} ar_t;

static void run(void *arg, long iters)
{
    ar_t *c = arg;
    MPI_Request r;

    for (long i = 0; i < iters; i++) {
        switch (c->which) {
        case V_BLOCKING:
            MPI_Allreduce(c->sbuf, c->rbuf, c->count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            break;
        case V_NONBLOCKING:
            MPI_Iallreduce(c->sbuf, c->rbuf, c->count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &r);
            MPI_Wait(&r, MPI_STATUS_IGNORE);
            break;
        case V_PERSISTENT:
            MPI_Start(&c->preq);
            MPI_Wait(&c->preq, MPI_STATUS_IGNORE);
            break;
        }
    }
}

int main(int argc, char **argv)
{
    bench_opts_t o;
    int which[V_COUNT], nwhich = 0;
    char copy[128], *save = NULL;

    MPI_Init(&argc, &argv);
    bench_parse(&o, argc, argv, 8);
    snprintf(copy, sizeof copy, "%s", *o.variant ? o.variant : "blocking,nonblocking,persistent");
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int w = -1;
        for (int i = 0; i < V_COUNT; i++)
            if (strcmp(t, names[i]) == 0)
                w = i;
        if (w < 0 || nwhich == V_COUNT)
            bench_die("-v must list variants: blocking nonblocking persistent");
        which[nwhich++] = w;
    }

    size_t max = bench_max_size(&o);
    ar_t c = {0};
    c.sbuf = bench_alloc(max, 0);
    c.rbuf = bench_alloc(max, 0);
    for (size_t i = 0; i < max / sizeof(double); i++)
        c.sbuf[i] = 1.0;

    for (int i = 0; i < o.nsizes; i++) {
        size_t bytes = o.sizes[i];
        if (bytes == 0 || bytes % sizeof(double))
            continue;
        c.count = (int)(bytes / sizeof(double));
        for (int k = 0; k < nwhich; k++) {
            long iters;
            c.which = which[k];
            o.variant = names[c.which];
            if (c.which == V_PERSISTENT)
                MPI_Allreduce_init(c.sbuf, c.rbuf, c.count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &c.preq);
            double per = bench_time_point(MPI_COMM_WORLD, &o, run, &c, &iters);
            if (c.which == V_PERSISTENT)
                MPI_Request_free(&c.preq);
            bench_print_mean("allreduce", &o, bytes, per, iters);
        }
    }
    free(c.sbuf);
    free(c.rbuf);
    MPI_Finalize();
    return 0;
}
