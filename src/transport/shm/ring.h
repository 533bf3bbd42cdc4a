/* A ring of frames with one writer and one reader in shared memory, as the
 * node's segment (shm.c) and the mailboxes of processes of other jobs (mbox.c)
 * hold them: each frame is a 32-byte header (a sequence number, stored last with
 * release, the payload's length and the protocol's header) and its payload,
 * cache-line aligned; a frame that would not fit before the ring's end is
 * preceded by a wrap marker. Where the ring is, how much room the reader has
 * given back, and who is woken is the caller's. */
#ifndef BT_RING_H
#define BT_RING_H

#include "transport/bt_frame.h"
#include "util/bt_util.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define BT_RING_HDR  32
#define BT_RING_WRAP 0xff   /* frame type: skip to the ring's start */

typedef struct bt_ring_frame {
    _Atomic uint32_t seq;       /* written last, with release: the frame is there */
    uint32_t         len;
    bt_msg_hdr_t     hdr;
} bt_ring_frame_t;

_Static_assert(sizeof(bt_ring_frame_t) == BT_RING_HDR, "frame header is 32 bytes");

/* Bytes a frame of len payload bytes takes. */
static inline size_t bt_ring_frame_size(size_t len)
{
    return BT_ALIGN_UP(BT_RING_HDR + len, (size_t)BT_CACHELINE);
}

/* Writer: starts the frame for len payload bytes at position pos of ring, after a
 * wrap marker when pad (the bytes left before the ring's end) is not 0, which
 * takes a sequence number and pad bytes of *tail. The frame is the reader's once
 * its seq is stored. */
static inline bt_ring_frame_t *bt_ring_put(char *ring, size_t pos, size_t pad, uint32_t *seq,
                                           uint64_t *tail, const bt_msg_hdr_t *hdr, size_t len)
{
    bt_ring_frame_t *f;

    if (pad) {
        f = (bt_ring_frame_t *)(ring + pos);
        f->len = 0;
        f->hdr.type = BT_RING_WRAP;
        atomic_store_explicit(&f->seq, (*seq)++, memory_order_release);
        *tail += pad;
        pos = 0;
    }
    f = (bt_ring_frame_t *)(ring + pos);
    f->len = (uint32_t)len;
    f->hdr = *hdr;
    return f;
}

/* Reader: the next frame of a ring of `bytes` (a power of two) at *head with
 * sequence number *seq, past any wrap marker; NULL when none has arrived. */
static inline bt_ring_frame_t *bt_ring_next(char *ring, size_t bytes, uint64_t *head,
                                            uint32_t *seq)
{
    for (;;) {
        bt_ring_frame_t *f = (bt_ring_frame_t *)(ring + (*head & (bytes - 1)));

        if (atomic_load_explicit(&f->seq, memory_order_acquire) != *seq)
            return NULL;
        if (f->hdr.type != BT_RING_WRAP)
            return f;
        (*seq)++;
        *head += bytes - (*head & (bytes - 1));
    }
}

/* Reader: frees frame f, whose sequence number has been taken (seq is the next
 * one), moving *head past it. A later frame's header may start on any line of
 * this one: each line is stamped with a sequence number already consumed, so that
 * stale payload bytes never pass for the next frame. */
static inline void bt_ring_free(bt_ring_frame_t *f, uint32_t seq, uint64_t *head)
{
    size_t fsize = bt_ring_frame_size(f->len);

    for (size_t o = BT_CACHELINE; o < fsize; o += BT_CACHELINE)
        atomic_store_explicit((_Atomic uint32_t *)((char *)f + o), seq - 1,
                              memory_order_relaxed);
    *head += fsize;
}

#endif
