/* Huge pages for large buffers. mpiexec adds glibc.malloc.hugetlb=1 to the ranks'
 * GLIBC_TUNABLES unless BATON_MALLOC_THP=0; where glibc's malloc then asks for
 * transparent huge pages (the kernel's "madvise" mode), MPI_Init moves
 * the free top of the heap to a 2 MiB boundary when the node's ranks fit its CPUs,
 * so that a 4 MiB block allocated next starts just past it (where it would start
 * anywhere in a 2 MiB stretch otherwise) and lies on 2 MiB pages. With
 * BATON_MALLOC_THP=0 on a kernel in "madvise" mode, the same block has none.
 * Under AddressSanitizer (its own allocator) there is nothing to check. */
/* np: 1 2 3 8 */
/* env-matrix: BATON_MALLOC_THP=1,0 */
/* hosts: skip (the network transport allocates its buffers first: not aligned yet) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* sched_getaffinity */
#endif
#include <mpi.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

#define HUGE ((size_t)2 << 20)

#ifndef NO_GLIBC_MALLOC

/* The kernel's THP mode: "always", "madvise", "never", or "" if it has none. */
static const char *thp_mode(void)
{
    static char line[128];
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    const char *modes[] = { "always", "madvise", "never" };

    if (f == NULL)
        return "";
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    for (int i = 0; i < 3; i++) {
        char want[16];
        snprintf(want, sizeof(want), "[%s]", modes[i]);
        if (strstr(line, want))
            return modes[i];
    }
    return "";
}

/* KiB of huge pages in the mapping that holds p (from /proc/self/smaps). */
static long huge_kib_at(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int inside = 0;
    long kib = -1;

    CHECK(f != NULL, "cannot read /proc/self/smaps");
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        size_t word = strcspn(line, " \t");
        if (word > 0 && line[word - 1] != ':') {   /* a mapping's first line */
            if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
                inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        } else if (inside && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1) {
            break;
        }
    }
    fclose(f);
    return kib;
}

static void check_heap(int ncpus, int nlocal, int tunable)
{
    const char *mode = thp_mode();
    /* glibc grows its heap to 2 MiB boundaries only with the tunable in "madvise"
     * mode; in "always" mode every block has huge pages inside it anyway. */
    int aligned = strcmp(mode, "madvise") == 0 && tunable;
    char *p = malloc((size_t)4 << 20);
    CHECK(p != NULL, "malloc of 4 MiB failed");
    memset(p, 7, (size_t)4 << 20);
    long kib = huge_kib_at(p);
    if (aligned && nlocal <= ncpus) {
        /* MPI_Init's own later blocks, and this test's, come first: a few KiB. */
        CHECK((uintptr_t)p % HUGE < 65536,
              "a 4 MiB block after MPI_Init starts at %p, not just past a 2 MiB boundary",
              (void *)p);
        CHECK(kib >= 2048, "a 4 MiB block after MPI_Init has %ld KiB on huge pages", kib);
    } else if (strcmp(mode, "madvise") == 0 && !tunable) {
        CHECK(kib == 0, "without glibc.malloc.hugetlb=1 a heap block has %ld KiB on huge "
              "pages", kib);
    }
    free(p);
}
#endif

int main(int argc, char **argv)
{
    cpu_set_t set;
    int ncpus, nlocal;
    MPI_Comm node;

    /* Before MPI_Init binds this rank to one CPU. */
    ncpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &nlocal);
    MPI_Comm_free(&node);

    const char *opt = getenv("BATON_MALLOC_THP"), *tun = getenv("GLIBC_TUNABLES");
    int asked = !opt || strcmp(opt, "0") != 0;
    int tunable = tun && strstr(tun, "glibc.malloc.hugetlb=1");
    CHECK(asked ? tunable : !tunable, "GLIBC_TUNABLES=%s with BATON_MALLOC_THP=%s",
          tun ? tun : "(unset)", opt ? opt : "(unset)");
#ifndef NO_GLIBC_MALLOC
    check_heap(ncpus, nlocal, tunable);
#else
    (void)ncpus;
#endif
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("init_malloc_thp: OK\n");
    MPI_Finalize();
    return 0;
}
