/* CHECK(cond, fmt, ...): the test programs' assertion. On failure it prints
 * "FAIL: <message> on rank <rank>" (the program defines `rank`) and ends the job
 * with MPI_Abort, so that the runner sees the failure on every rank count. */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <mpi.h>
#include <stdio.h>
#include <string.h>

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

/* CHECK_ERROR(rc, cls, call, what): rc is an error code of class cls whose message
 * names call ("" checks the class only); what says which check failed. */
#define CHECK_ERROR(rc, cls, call, what)                                             \
    do {                                                                             \
        int check_rc_ = (rc), check_cls_ = -1, check_len_ = 0;                       \
        char check_msg_[MPI_MAX_ERROR_STRING] = "";                                  \
        MPI_Error_class(check_rc_, &check_cls_);                                     \
        MPI_Error_string(check_rc_, check_msg_, &check_len_);                        \
        CHECK(check_cls_ == (cls), "%s: error class %d, expected %d (%s)", (what),    \
              check_cls_, (cls), check_msg_);                                        \
        CHECK(strstr(check_msg_, (call)) != NULL,                                    \
              "%s: the message '%s' does not name %s", (what), check_msg_, (call));  \
    } while (0)

/* CHECK_ERR(call_expr, cls, call, text): CHECK_ERROR on what call_expr returns, and
 * its message also says text (NULL: anything). The program's `rank` is passed in, so
 * that programs without one can include this file. */
static inline void check_err_text(int rc, const char *text, const char *expr, int rank)
{
    char msg[MPI_MAX_ERROR_STRING] = "";
    int len = 0;

    MPI_Error_string(rc, msg, &len);
    CHECK(!text || strstr(msg, text) != NULL, "%s: the message '%s' does not say '%s'", expr,
          msg, text);
}
#define CHECK_ERR(call_expr, cls, call, text)                                        \
    do {                                                                             \
        int check_err_rc_ = (call_expr);                                             \
        CHECK_ERROR(check_err_rc_, cls, call, #call_expr);                           \
        check_err_text(check_err_rc_, (text), #call_expr, rank);                     \
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
