/* CHECK(cond, fmt, ...): the test programs' assertion. On failure it prints
 * "FAIL: <message> on rank <rank>" (the program defines `rank`) and ends the job
 * with MPI_Abort, so that the runner sees the failure on every rank count. */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <mpi.h>
#include <stdio.h>

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            printf("FAIL: ");                                              \
            printf(__VA_ARGS__);                                           \
            printf(" on rank %d\n", rank);                                 \
            fflush(stdout);                                                \
            MPI_Abort(MPI_COMM_WORLD, 1);                                  \
        }                                                                  \
    } while (0)

/* NO_GLIBC_MALLOC: built with AddressSanitizer, whose allocator replaces glibc's. */
#if defined(__SANITIZE_ADDRESS__)
#define NO_GLIBC_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_GLIBC_MALLOC 1
#endif
#endif

#endif
