#include "util/bt_util.h"

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void bt_oom(size_t size)
{
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "Baton: out of memory allocating %zu bytes\n", size);
    if (n > 0)
        (void)!write(2, msg, (size_t)n);
    _exit(1);
}

void *bt_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        bt_oom(size);
    return p;
}

void *bt_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        bt_oom(n * size);
    return p;
}

void *bt_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        bt_oom(size);
    return q;
}

char *bt_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = bt_malloc(n);
    memcpy(d, s, n);
    return d;
}

double bt_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void bt_copy_near(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;
    size_t piece = BT_COPY_PIECE;

    /* An opaque size, or gcc expands each piece inline as `rep movsq`. */
    __asm__("" : "+r"(piece));
    for (; n > piece; n -= piece, d += piece, s += piece)
        memcpy(d, s, piece);
    memcpy(d, s, n);
}

void bt_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (!size)
        return;
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

long bt_futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}
