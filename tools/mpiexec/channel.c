/* Frames between the head and a proxy, over a TCP connection that passed
 * the challenge-response (auth.c) or a socketpair of a local proxy.
 *
 * A frame is a header of two big-endian 32-bit words, type and body length,
 * then the body.  The length is checked against BT_CHAN_MAX and the type
 * against the known ones before any of the body is read; the bodies are
 * sequences of u32 (big-endian) and strings (u32 length, then the bytes),
 * read through bt_unpack, which never reads past the end.  The frame types
 * and their bodies are listed in mpiexec.h (enum bt_msg).
 *
 * Sockets are nonblocking: what the peer cannot take yet waits in the
 * channel's queue and is sent when poll() says there is room. */
#include "mpiexec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#define BT_CHAN_READ 65536

/* ---- bodies ---- */

static int bt_pack_reserve(bt_pack_t *pk, size_t more)
{
    size_t cap;
    unsigned char *grown;

    if (pk->failed)
        return -1;
    if (pk->len + more <= pk->cap)
        return 0;
    cap = pk->cap > 0 ? pk->cap : 256;
    while (cap < pk->len + more)
        cap *= 2;
    grown = realloc(pk->buf, cap);
    if (grown == NULL) {
        pk->failed = 1;
        return -1;
    }
    pk->buf = grown;
    pk->cap = cap;
    return 0;
}

void bt_pack_u32(bt_pack_t *pk, uint32_t v)
{
    unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };

    bt_pack_bytes(pk, b, 4);
}

void bt_pack_bytes(bt_pack_t *pk, const void *data, size_t len)
{
    if (len == 0 || bt_pack_reserve(pk, len) != 0)
        return;
    memcpy(pk->buf + pk->len, data, len);
    pk->len += len;
}

void bt_pack_str(bt_pack_t *pk, const char *s)
{
    size_t len = strlen(s);

    bt_pack_u32(pk, (uint32_t)len);
    bt_pack_bytes(pk, s, len);
}

void bt_pack_free(bt_pack_t *pk)
{
    if (pk == NULL)
        return; /* a frame without a body */
    free(pk->buf);
    *pk = (bt_pack_t){ 0 };
}

uint32_t bt_unpack_u32(bt_unpack_t *u)
{
    uint32_t v;

    if (u->failed || u->left < 4) {
        u->failed = 1;
        return 0;
    }
    v = (uint32_t)u->p[0] << 24 | (uint32_t)u->p[1] << 16 | (uint32_t)u->p[2] << 8 |
        (uint32_t)u->p[3];
    u->p += 4;
    u->left -= 4;
    return v;
}

/* A string holds no NUL: one would cut it short without anyone noticing. */
char *bt_unpack_str(bt_unpack_t *u)
{
    uint32_t len = bt_unpack_u32(u);
    char *s;

    if (u->failed || len > u->left || memchr(u->p, '\0', len) != NULL) {
        u->failed = 1;
        return NULL;
    }
    s = malloc((size_t)len + 1);
    if (s == NULL) {
        u->failed = 1;
        return NULL;
    }
    memcpy(s, u->p, len);
    s[len] = '\0';
    u->p += len;
    u->left -= len;
    return s;
}

/* The next BT_MSG_PAIRS body: as many of the key/value pairs (strings, known
 * good: they were checked on the way in) in pairs as fit in BT_CHAN_MAX, which
 * pairs moves past.  frame_p starts empty. */
void bt_pack_pairs_next(bt_unpack_t *pairs, bt_pack_t *frame_p)
{
    const unsigned char *start = pairs->p;
    uint32_t n = 0;

    while (pairs->left > 0 &&
           (size_t)(pairs->p - start) < BT_CHAN_MAX - 2 * BT_PMI_VALUE_MAX) {
        free(bt_unpack_str(pairs));
        free(bt_unpack_str(pairs));
        n++;
    }
    bt_pack_u32(frame_p, n);
    bt_pack_bytes(frame_p, start, (size_t)(pairs->p - start));
}

/* ---- the channel ---- */

void bt_chan_init(bt_chan_t *ch, int fd)
{
    *ch = (bt_chan_t){ .fd = fd };
}

/* A host that dies sends nothing, not even a reset: TCP keepalive notices
 * within about 25 s (idle 10 s, then 3 probes 5 s apart). */
void bt_chan_keepalive(int fd)
{
    int on = 1, idle = 10, intvl = 5, cnt = 3;

    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

void bt_chan_close(bt_chan_t *ch)
{
    if (ch->fd >= 0)
        close(ch->fd);
    free(ch->in);
    free(ch->out);
    *ch = (bt_chan_t){ .fd = -1 };
}

size_t bt_chan_queued(const bt_chan_t *ch)
{
    return ch->out_len - ch->out_off;
}

/* A failed send drops what is queued: the peer closed, and what it said
 * before it did is still to be read, so the reading side reports the loss. */
int bt_chan_flush(bt_chan_t *ch)
{
    while (ch->fd >= 0 && ch->out_off < ch->out_len) {
        ssize_t n = send(ch->fd, ch->out + ch->out_off, ch->out_len - ch->out_off,
                         MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            ch->broken = 1;
            ch->out_off = ch->out_len = 0;
            return -1;
        }
        ch->out_off += (size_t)n;
    }
    if (ch->out_off == ch->out_len)
        ch->out_off = ch->out_len = 0;
    return ch->fd >= 0 ? 0 : -1;
}

int bt_chan_flush_wait(bt_chan_t *ch, int timeout_ms)
{
    int64_t deadline = bt_now_ms() + timeout_ms;

    while (bt_chan_queued(ch) > 0) {
        struct pollfd pfd = { .fd = ch->fd, .events = POLLOUT };
        int64_t left = deadline - bt_now_ms();

        if (ch->fd < 0 || ch->broken || left <= 0)
            return -1;
        if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
            return -1;
        if (bt_chan_flush(ch) != 0)
            return -1;
    }
    return 0;
}

int bt_chan_send(bt_chan_t *ch, uint32_t type, const void *body, size_t len)
{
    unsigned char hdr[BT_CHAN_HDR] = {
        (unsigned char)(type >> 24), (unsigned char)(type >> 16),
        (unsigned char)(type >> 8), (unsigned char)type,
        (unsigned char)(len >> 24), (unsigned char)(len >> 16),
        (unsigned char)(len >> 8), (unsigned char)len };
    size_t need;

    if (ch->fd < 0 || ch->broken || len > BT_CHAN_MAX)
        return -1;
    /* move what is left to the front before growing */
    if (ch->out_off > 0) {
        memmove(ch->out, ch->out + ch->out_off, ch->out_len - ch->out_off);
        ch->out_len -= ch->out_off;
        ch->out_off = 0;
    }
    need = ch->out_len + BT_CHAN_HDR + len;
    if (need > ch->out_cap) {
        size_t cap = ch->out_cap > 0 ? ch->out_cap : 4096;
        unsigned char *grown;

        while (cap < need)
            cap *= 2;
        grown = realloc(ch->out, cap);
        if (grown == NULL)
            return -1;
        ch->out = grown;
        ch->out_cap = cap;
    }
    memcpy(ch->out + ch->out_len, hdr, BT_CHAN_HDR);
    if (len > 0)
        memcpy(ch->out + ch->out_len + BT_CHAN_HDR, body, len);
    ch->out_len += BT_CHAN_HDR + len;
    return bt_chan_flush(ch);
}

int bt_chan_send_pack(bt_chan_t *ch, uint32_t type, bt_pack_t *pk)
{
    int status = pk->failed ? -1 : bt_chan_send(ch, type, pk->buf, pk->len);

    bt_pack_free(pk);
    return status;
}

int bt_chan_read(bt_chan_t *ch, const char **why_p)
{
    ssize_t n;

    if (ch->fd < 0) {
        *why_p = "closed";
        return -1;
    }
    /* frames handled already leave the buffer */
    if (ch->in_off > 0) {
        memmove(ch->in, ch->in + ch->in_off, ch->in_len - ch->in_off);
        ch->in_len -= ch->in_off;
        ch->in_off = 0;
    }
    if (ch->in_cap - ch->in_len < BT_CHAN_READ) {
        /* at most one longest frame and one read beyond it */
        size_t cap = ch->in_len + BT_CHAN_READ;
        unsigned char *grown;

        if (cap > BT_CHAN_HDR + BT_CHAN_MAX + BT_CHAN_READ) {
            *why_p = "frame too long";
            return -1;
        }
        grown = realloc(ch->in, cap);
        if (grown == NULL) {
            *why_p = "out of memory";
            return -1;
        }
        ch->in = grown;
        ch->in_cap = cap;
    }
    do {
        n = read(ch->fd, ch->in + ch->in_len, ch->in_cap - ch->in_len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (n <= 0) {
        *why_p = n == 0 ? "connection closed" : strerror(errno);
        return -1;
    }
    ch->in_len += (size_t)n;
    return 1;
}

int bt_chan_next(bt_chan_t *ch, uint32_t *type_p, bt_unpack_t *body_p, const char **why_p)
{
    size_t have = ch->in_len - ch->in_off;
    const unsigned char *h;
    uint32_t type, len;

    /* before the first read there is no buffer to point into */
    if (have < BT_CHAN_HDR)
        return 0;
    h = ch->in + ch->in_off;
    type = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    if (type < BT_MSG_HELLO || type >= BT_MSG_END_) {
        *why_p = "unknown frame type";
        return -1;
    }
    if (len > BT_CHAN_MAX) {
        *why_p = "frame too long";
        return -1;
    }
    if (have < BT_CHAN_HDR + (size_t)len)
        return 0;
    *type_p = type;
    *body_p = (bt_unpack_t){ .p = h + BT_CHAN_HDR, .left = len };
    ch->in_off += BT_CHAN_HDR + (size_t)len;
    return 1;
}
