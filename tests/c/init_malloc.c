/* MPI_Init primes glibc's dynamic mmap threshold (BATON_MALLOC_PRIME, on by
 * default): a 2 MiB block must then come from the heap, not from a fresh mmap,
 * and be reused (no page faults when it is allocated again); with
 * BATON_MALLOC_PRIME=0 it comes from mmap as glibc's default has it. glibc marks
 * an mmapped block with bit 1 of the size word before it. Under AddressSanitizer
 * (its own allocator) there is nothing to check. */
/* np: 1 2 */
/* env-matrix: BATON_MALLOC_PRIME=1,0 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int rank;

#include "check.h"

#ifndef NO_GLIBC_MALLOC
/* The word glibc keeps before a block: its size and flags. */
static size_t size_word(const void *p)
{
    return *(volatile const size_t *)((const char *)p - sizeof(size_t));
}

static long faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static void check_malloc(void)
{
    const char *env = getenv("BATON_MALLOC_PRIME");
    int primed = !env || atoi(env) != 0;
    size_t n = (size_t)2 << 20;
    char *p = malloc(n);
    int mmapped = (size_word(p) & 2) != 0;
    long f0;

    CHECK(mmapped == !primed, "a 2 MiB malloc %s mmapped with BATON_MALLOC_PRIME=%s",
          mmapped ? "was" : "was not", env ? env : "(unset)");
    memset(p, 1, n);
    free(p);
    if (!primed)
        return;
    f0 = faults();
    for (int i = 0; i < 10; i++) {
        p = malloc(n - (size_t)i * 4096);
        memset(p, 2, n - (size_t)i * 4096);
        free(p);
    }
    CHECK(faults() - f0 < 64, "ten 2 MiB blocks took %ld page faults", faults() - f0);
}
#endif

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
#ifndef NO_GLIBC_MALLOC
    check_malloc();
#endif
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("init_malloc: OK\n");
    MPI_Finalize();
    return 0;
}
