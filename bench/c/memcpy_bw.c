/* Single-core memcpy bandwidth, the ceiling for a one-copy message transfer.
 * Plain C, no MPI. Sizes default to 4 MiB (caches) and 256 MiB (DRAM); each
 * size runs for about -t seconds (default 0.5) after one warm-up copy, between
 * buffers on 4 KiB pages (variant "") and on 2 MiB pages (variant "2m", where
 * the kernel has transparent huge pages). -v picks them: "4k", "2m".
 * Value: MB/s (10^6 bytes copied per second), the best of 5 rounds. */
#include "tool_common.h"

int main(int argc, char **argv)
{
    tool_opts_t o = { .budget = 0.5, .sizes = {(size_t)4 << 20, (size_t)256 << 20}, .nsizes = 2 };
    if (tool_parse(&o, argc, argv, "[-s MIB,MIB...] [-t SECONDS] [-v 4k,2m]"))
        return 2;
    double budget = o.budget;
    for (int s = 0; s < o.nsizes * 2; s++) {
        size_t n = o.sizes[s / 2];
        int huge = s % 2;
        if (!tool_wants(o.variants, huge ? "2m" : "4k"))
            continue;
        char *a = tool_alloc(n, huge), *b = tool_alloc(n, huge);
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
        printf("{\"bench\": \"memcpy\", \"variant\": \"%s\", \"ranks\": 1, \"bytes\": %zu, "
               "\"value\": %.6g, \"unit\": \"MB/s\", \"iters\": %ld}\n", huge ? "2m" : "", n, best,
               reps * 5);
        free(a);
        free(b);
    }
    return 0;
}
