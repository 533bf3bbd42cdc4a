/* CHECK(cond, fmt, ...): the test programs' assertion. On failure it prints
 * "FAIL: <message> on rank <rank>" (the program defines `rank`) and ends the job
 * with MPI_Abort, so that the runner sees the failure on every rank count. */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* CHECK_SAYS(rc, cls, call, words): rc is an error of class cls whose message
 * names call and contains every comma-separated piece of words. */
static inline void check_error_says(int rc, int errclass, const char *call, const char *words,
                                    int rank)
{
    char msg[MPI_MAX_ERROR_STRING] = "", w[256], *tok, *save;
    int cls = -1, len = 0;

    CHECK(rc != MPI_SUCCESS, "%s returned MPI_SUCCESS, expected an error (%s)", call, words);
    MPI_Error_class(rc, &cls);
    CHECK(cls == errclass, "%s: error class %d, expected %d (%s)", call, cls, errclass, words);
    MPI_Error_string(rc, msg, &len);
    CHECK(strstr(msg, call) != NULL, "message \"%s\" does not name %s", msg, call);
    snprintf(w, sizeof(w), "%s", words);
    for (tok = strtok_r(w, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        CHECK(strstr(msg, tok) != NULL, "%s: message \"%s\" does not say \"%s\"", call, msg,
              tok);
}
#define CHECK_SAYS(rc, cls, call, words) check_error_says((rc), (cls), (call), (words), rank)

/* large_buffer(bytes, prog, rank): a buffer of bytes (2 MiB aligned, huge pages
 * advised) on every rank of MPI_COMM_WORLD, or NULL on all of them, with a note
 * naming prog, when a rank lacks the memory or BATON_TEST_SKIP_LARGE=1 (the
 * sanitizer runs). Collective. */
static inline unsigned char *large_buffer(size_t bytes, const char *prog, int rank)
{
    const size_t huge = (size_t)2 << 20;
    const char *skip = getenv("BATON_TEST_SKIP_LARGE");
    unsigned char *buf = NULL;
    int ok, all_ok;

    if (!(skip && *skip == '1'))
        buf = aligned_alloc(huge, (bytes + (huge - 1)) & ~(huge - 1));
#ifdef MADV_HUGEPAGE   /* with _GNU_SOURCE, as the runner compiles */
    if (buf)
        (void)madvise(buf, bytes, MADV_HUGEPAGE);
#endif
    ok = buf != NULL;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!all_ok) {
        if (rank == 0)
            printf("note: %s skipped (no memory, or BATON_TEST_SKIP_LARGE)\n", prog);
        free(buf);
        return NULL;
    }
    return buf;
}

/* NO_GLIBC_MALLOC: built with AddressSanitizer, whose allocator replaces glibc's. */
#if defined(__SANITIZE_ADDRESS__)
#define NO_GLIBC_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_GLIBC_MALLOC 1
#endif
#endif

#endif
