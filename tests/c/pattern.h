/* Message bytes that depend on the sender, the message and the position, so that
 * a byte from another message, another sender or another place in the message
 * (a piece copied to the wrong offset: the pattern changes every 256 bytes and
 * every 64 KiB) is caught. verify checks them one by one with CHECK (check.h,
 * included first); check_status checks what a receive reports. */
#ifndef TESTS_PATTERN_H
#define TESTS_PATTERN_H

#include <stddef.h>

static inline unsigned char pat(int src, int msg, size_t i)
{
    return (unsigned char)(src * 37 + msg * 11 + i + (i >> 8) * 3 + (i >> 16) * 5);
}

static inline void fill(unsigned char *b, size_t n, int src, int msg)
{
    for (size_t i = 0; i < n; i++)
        b[i] = pat(src, msg, i);
}

static inline void verify(const unsigned char *b, size_t n, int src, int msg, const char *what)
{
    for (size_t i = 0; i < n; i++)
        CHECK(b[i] == pat(src, msg, i), "%s: message %d of %zu bytes from %d: byte %zu is %u, "
              "expected %u", what, msg, n, src, i, b[i], pat(src, msg, i));
}

/* A receive's status: `expect` elements of type t from rank src. */
static inline void check_status(MPI_Status *st, MPI_Datatype t, int expect, int src,
                                const char *what)
{
    int count;
    MPI_Get_count(st, t, &count);
    CHECK(count == expect, "%s: count %d, expected %d", what, count, expect);
    CHECK(st->MPI_SOURCE == src, "%s: source %d, expected %d", what, st->MPI_SOURCE, src);
}

#endif
