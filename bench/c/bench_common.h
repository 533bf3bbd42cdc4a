/* Shared helpers of Baton's benchmark programs: option parsing, buffers,
 * time-capped iteration counts, JSON-lines output.
 *
 * Plain MPI-3 C: every program here compiles with any MPI's mpicc.
 *
 * Timing of one point (one message size), see bench_time_point:
 *   1. warm-up rounds of growing length until one takes a fifth of the budget
 *      (-t seconds) or -w iterations in all;
 *   2. the iteration count that fits in the budget at the warm-up's speed,
 *      clamped to [-i min, -I max];
 *   3. barrier, then the timed loop, in chunks; the ranks stop early, all
 *      together, if the loop takes more than twice the budget.
 * The control traffic (Allreduce on the benchmark's communicator) is never
 * inside the timed region. An oversubscribed MPI that takes a scheduler slice
 * per operation thus still finishes each point in about the budget. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_MAX_SIZES 64

typedef struct {
    size_t sizes[BENCH_MAX_SIZES];
    int nsizes;
    double budget_s;    /* -t: seconds of timed loop per point */
    long warmup_max;    /* -w */
    long iters_min;     /* -i */
    long iters_max;     /* -I */
    const char *variant; /* -v: program-specific choice */
    const char *label;  /* -l: free text copied into every line */
} bench_opts_t;

typedef void (*bench_body_fn)(void *ctx, long iters);

static inline void bench_die(const char *what)
{
    int rank = -1;
    int init = 0;
    MPI_Initialized(&init);
    if (init)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "bench: rank %d: %s\n", rank, what);
    if (init)
        MPI_Abort(MPI_COMM_WORLD, 2);
    exit(2);
}

/* Default sizes: 0 and the powers of two from `first` to 4 MiB. */
static inline void bench_default_sizes(bench_opts_t *o, size_t first)
{
    o->nsizes = 0;
    o->sizes[o->nsizes++] = 0;
    for (size_t s = first; s <= ((size_t)4 << 20); s *= 2)
        o->sizes[o->nsizes++] = s;
}

static inline void bench_parse_sizes(bench_opts_t *o, const char *list)
{
    char *copy = strdup(list);
    char *save = NULL;
    o->nsizes = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (o->nsizes == BENCH_MAX_SIZES)
            bench_die("too many sizes in -s");
        char *end = NULL;
        double v = strtod(tok, &end);
        if (end == tok || v < 0)
            bench_die("bad size in -s");
        if (*end == 'K' || *end == 'k') v *= 1024;
        else if (*end == 'M' || *end == 'm') v *= 1024 * 1024;
        o->sizes[o->nsizes++] = (size_t)v;
    }
    free(copy);
}

static inline void bench_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [-s SIZES] [-t SECONDS] [-w WARMUP] [-i MIN_ITERS] [-I MAX_ITERS]\n"
            "          [-v VARIANT] [-l LABEL]\n"
            "  SIZES: comma-separated bytes, K and M suffixes allowed (e.g. 0,8,4K,1M)\n",
            prog);
}

static inline void bench_parse(bench_opts_t *o, int argc, char **argv, size_t first_size)
{
    memset(o, 0, sizeof *o);
    bench_default_sizes(o, first_size);
    o->budget_s = 0.5;
    o->warmup_max = 1000000;
    o->iters_min = 3;
    o->iters_max = 100000;
    o->variant = "";
    o->label = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-' || a[1] == 0 || a[2] != 0 || !v) {
            bench_usage(argv[0]);
            bench_die("bad command line");
        }
        switch (a[1]) {
        case 's': bench_parse_sizes(o, v); break;
        case 't': o->budget_s = atof(v); break;
        case 'w': o->warmup_max = atol(v); break;
        case 'i': o->iters_min = atol(v); break;
        case 'I': o->iters_max = atol(v); break;
        case 'v': o->variant = v; break;
        case 'l': o->label = v; break;
        default: bench_usage(argv[0]); bench_die("unknown option");
        }
        i++;
    }
    if (o->iters_min < 1) o->iters_min = 1;
    if (o->iters_max < o->iters_min) o->iters_max = o->iters_min;
}

/* Splits -v "a,b" into names that must each be one of the two allowed ones;
 * an empty -v means `dflt`. Returns how many (at most 2). */
static inline int bench_variants(const bench_opts_t *o, const char *dflt, const char *a,
                                 const char *b, const char *out[2])
{
    static char copy[64];
    char *save = NULL;
    int n = 0;
    snprintf(copy, sizeof copy, "%s", *o->variant ? o->variant : dflt);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == 2 || (strcmp(t, a) != 0 && strcmp(t, b) != 0))
            bench_die("bad -v: expected a comma-separated choice of two variants");
        out[n++] = t;
    }
    if (n == 0)
        bench_die("empty -v");
    return n;
}

static inline size_t bench_max_size(const bench_opts_t *o)
{
    size_t m = 0;
    for (int i = 0; i < o->nsizes; i++)
        if (o->sizes[i] > m) m = o->sizes[i];
    return m;
}

/* Page-aligned, touched once here so that no page fault lands in a timed loop. */
static void *bench_alloc(size_t bytes, int fill)
{
    void *p = NULL;
    if (bytes == 0) bytes = 1;
    if (posix_memalign(&p, 4096, bytes) != 0)
        bench_die("out of memory");
    memset(p, fill, bytes);
    return p;
}

static inline long bench_clamp(double v, long lo, long hi)
{
    if (!(v >= (double)lo)) return lo;   /* also catches NaN */
    if (v > (double)hi) return hi;
    return (long)v;
}

/* Runs one point; returns the seconds per iteration measured on this rank and
 * stores the iteration count (the same on all ranks) in *iters_p.
 *
 * Warm-up rounds of 1, then ever more iterations, until one round has taken
 * the slowest rank a fifth of the budget: the estimate then covers a stretch of
 * time long enough to include what the scheduler does to an oversubscribed
 * MPI, not just a lucky microsecond. The timed loop runs the count that fits
 * the budget at that speed, in 8 chunks (one if 64 or fewer); between chunks,
 * outside the timed region, the ranks agree to stop once the slowest has used
 * twice the budget.
 * Every decision is taken on values agreed by MPI_Allreduce, so all ranks run
 * the same iterations. */
static inline double bench_time_point(MPI_Comm comm, const bench_opts_t *o, bench_body_fn body,
                                      void *ctx, long *iters_p)
{
    double t, round_max, per, spent = 0, spent_max;
    long n = 1, warm = 0, done = 0, chunk;

    MPI_Barrier(comm);
    for (;;) {
        t = MPI_Wtime();
        body(ctx, n);
        t = MPI_Wtime() - t;
        warm += n;
        MPI_Allreduce(&t, &round_max, 1, MPI_DOUBLE, MPI_MAX, comm);
        if (round_max >= 0.2 * o->budget_s || warm >= o->warmup_max)
            break;
        /* Aim at a quarter of the budget for the next round, growing at most 8x. */
        double grow = round_max > 0 ? 0.25 * o->budget_s / round_max : 8;
        n = bench_clamp(n * (grow < 8 ? grow : 8), n + 1, o->warmup_max);
    }
    per = round_max / (double)n;

    n = bench_clamp(o->budget_s / (per > 0 ? per : 1e-9), o->iters_min, o->iters_max);
    /* Slow points (few iterations) run in one piece: with an MPI that takes a
     * scheduler slice per operation, a control Allreduce per chunk would cost
     * as much as the chunk itself. */
    chunk = n <= 64 ? n : n / 8;
    MPI_Barrier(comm);
    while (done < n) {
        long k = chunk < n - done ? chunk : n - done;
        t = MPI_Wtime();
        body(ctx, k);
        spent += MPI_Wtime() - t;
        done += k;
        if (done < n) {
            MPI_Allreduce(&spent, &spent_max, 1, MPI_DOUBLE, MPI_MAX, comm);
            if (spent_max > 2 * o->budget_s && done >= o->iters_min)
                break;
        }
    }
    *iters_p = done;
    return spent / (double)done;
}

static inline void bench_print(const char *bench, const bench_opts_t *o, int ranks, size_t bytes,
                        double value, const char *unit, long iters, const char *extra)
{
    printf("{\"bench\": \"%s\", \"variant\": \"%s\", \"label\": \"%s\", \"ranks\": %d, "
           "\"bytes\": %zu, \"value\": %.6g, \"unit\": \"%s\", \"iters\": %ld%s%s}\n",
           bench, o->variant, o->label, ranks, bytes, value, unit, iters,
           extra && *extra ? ", " : "", extra ? extra : "");
    fflush(stdout);
}

/* Prints one point measured on every rank of MPI_COMM_WORLD (per: seconds per
 * iteration on this rank): µs, the mean over the ranks, and "max", the slowest
 * rank's. Collective; rank 0 prints. */
static inline void bench_print_mean(const char *bench, const bench_opts_t *o, size_t bytes,
                                    double per, long iters)
{
    double sum = 0, worst = 0;
    int rank, size;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Reduce(&per, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&per, &worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        char extra[64];
        snprintf(extra, sizeof extra, "\"max\": %.6g", worst * 1e6);
        bench_print(bench, o, size, bytes, sum / size * 1e6, "us", iters, extra);
    }
}

#endif
