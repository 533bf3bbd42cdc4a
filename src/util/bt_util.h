/* Small shared helpers: branch hints, alignment, allocation, environment. */
#ifndef BT_UTIL_H
#define BT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BT_CACHELINE 64
#define bt_likely(x)   __builtin_expect(!!(x), 1)
#define bt_unlikely(x) __builtin_expect(!!(x), 0)
#define BT_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define BT_MIN(a, b) ((a) < (b) ? (a) : (b))
#define BT_MAX(a, b) ((a) > (b) ? (a) : (b))
#define BT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that never returns NULL: out of memory ends the process with a message. */
void *bt_malloc(size_t size);
void *bt_calloc(size_t n, size_t size);
void *bt_realloc(void *p, size_t size);
char *bt_strdup(const char *s);

/* Configuration from the environment (every variable starts with BATON_). */
#include "util/bt_env.h"

/* Monotonic time in seconds. */
double bt_time_now(void);

/* Copies at most size-1 bytes and always terminates dst. */
void bt_strlcpy(char *dst, const char *src, size_t size);

/* futex(2) on a 32-bit word (op FUTEX_WAIT/FUTEX_WAKE, with FUTEX_PRIVATE_FLAG for a
 * word that no other process maps); ts: a relative time-out for FUTEX_WAIT, or NULL. */
struct timespec;
long bt_futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts);

/* memcpy for message data. glibc's memcpy copies 2 KiB to about 1 MiB with
 * `rep movsb`, and on AMD CPUs with fast short rep movsb (FSRM) that runs at
 * 3 GB/s instead of 40-90 when the destination is 1-31 bytes past the source modulo
 * 4 KiB (measured on an EPYC, glibc 2.36). That is the common case of a
 * page-aligned buffer of ours and a large malloc'd user buffer (page + 16, such as
 * every big NumPy array). Such copies go in 2 KiB pieces, which glibc copies with
 * vector loads and stores (about 90% of the normal speed). */
#define BT_COPY_PIECE 2048
void bt_copy_near(void *dst, const void *src, size_t n);

/* The destination is 1-31 bytes past the source modulo 4 KiB. The kernel's copy
 * (process_vm_readv/writev) has the same trap: 2.4 GB/s instead of 11. */
static inline int bt_copy_near_page(uintptr_t dst, uintptr_t src)
{
    uintptr_t dist = (dst - src) & 4095;
    return dist != 0 && dist < 32;
}

static inline void bt_copy(void *dst, const void *src, size_t n)
{
    if (bt_likely(n <= BT_COPY_PIECE || !bt_copy_near_page((uintptr_t)dst, (uintptr_t)src)))
        memcpy(dst, src, n);
    else
        bt_copy_near(dst, src, n);
}

/* A polling loop's pause between two looks at memory. */
static inline void bt_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
