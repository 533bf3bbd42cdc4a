/* What the plain-C machine tools (no MPI) share: a clock and their options
 *   -t SECONDS   time budget per measurement
 *   -s MIB,...   buffer sizes in MiB (at most 8)
 *   -v WORDS     variants, where the tool has some
 * Each tool prints JSON lines in the format of bench_common.h. */
#ifndef TOOL_COMMON_H
#define TOOL_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* clock_gettime, sched_setaffinity, process_vm_readv */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    double budget;
    size_t sizes[8];
    int nsizes;
    const char *variants;   /* NULL: the tool's default */
} tool_opts_t;

/* Fills o from the command line over the defaults already in it; 0, or 2 after a
 * usage message. */
static inline int tool_parse(tool_opts_t *o, int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "usage: %s %s\n", argv[0], usage);
            return 2;
        }
        if (strcmp(argv[i], "-t") == 0) {
            o->budget = atof(argv[i + 1]);
        } else if (strcmp(argv[i], "-s") == 0) {
            o->nsizes = 0;
            for (char *t = strtok(argv[i + 1], ","); t && o->nsizes < 8; t = strtok(NULL, ","))
                o->sizes[o->nsizes++] = (size_t)(atof(t) * 1024 * 1024);
        } else if (strcmp(argv[i], "-v") == 0) {
            o->variants = argv[i + 1];
        } else {
            fprintf(stderr, "usage: %s %s\n", argv[0], usage);
            return 2;
        }
    }
    return 0;
}

/* A buffer of n bytes on 4 KiB pages (huge 0) or on 2 MiB transparent huge pages
 * where the kernel grants them (huge 1), whatever malloc's own setting; not yet
 * touched. NULL when out of memory. */
static inline char *tool_alloc(size_t n, int huge)
{
    size_t align = huge ? (size_t)2 << 20 : 4096, len = (n + align - 1) / align * align;
    char *p = aligned_alloc(align, len ? len : align);

    if (p)
        (void)madvise(p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    return p;
}

/* Whether the comma-separated list (NULL: everything) names word. */
static inline int tool_wants(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = list; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
        if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return list == NULL;
}

#endif
