/* Single-core memcpy bandwidth, the ceiling for a one-copy message transfer.
 * Plain C, no MPI. Sizes default to 4 MiB (caches) and 256 MiB (DRAM); each
 * size runs for about -t seconds (default 0.5) after one warm-up copy.
 * Value: MB/s (10^6 bytes copied per second), the best of 5 rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t sizes[8] = {(size_t)4 << 20, (size_t)256 << 20};
    int nsizes = 2;
    double budget = 0.5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-t") == 0) {
            budget = atof(argv[i + 1]);
        } else if (strcmp(argv[i], "-s") == 0) {
            nsizes = 0;
            for (char *t = strtok(argv[i + 1], ","); t && nsizes < 8; t = strtok(NULL, ","))
                sizes[nsizes++] = (size_t)(atof(t) * 1024 * 1024);   /* MiB */
        } else {
            fprintf(stderr, "usage: %s [-s MIB,MIB...] [-t SECONDS]\n", argv[0]);
            return 2;
        }
    }
    for (int s = 0; s < nsizes; s++) {
        size_t n = sizes[s];
        char *a = aligned_alloc(4096, n), *b = aligned_alloc(4096, n);
        if (!a || !b) { fprintf(stderr, "memcpy_bw: out of memory\n"); return 2; }
        memset(a, 1, n);
        memset(b, 2, n);
        memcpy(b, a, n);
        double t = now();
        memcpy(b, a, n);
        double one = now() - t;
        long reps = (long)(budget / 5 / (one > 0 ? one : 1e-9));
        if (reps < 1) reps = 1;
        double best = 0;
        for (int round = 0; round < 5; round++) {
            t = now();
            for (long r = 0; r < reps; r++) {
                memcpy(b, a, n);
                __asm__ __volatile__("" : : "r"(b) : "memory");
            }
            double bw = (double)n * reps / (now() - t) / 1e6;
            if (bw > best) best = bw;
        }
        printf("{\"bench\": \"memcpy\", \"variant\": \"\", \"ranks\": 1, \"bytes\": %zu, "
               "\"value\": %.6g, \"unit\": \"MB/s\", \"iters\": %ld}\n", n, best, reps * 5);
        free(a);
        free(b);
    }
    return 0;
}
