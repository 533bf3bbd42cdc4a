/* The network transport's frame header and the check every received frame
 * passes before anything in it is used.
 *
 * The check is apart from net.c so that it depends on nothing but its
 * arguments: the receiver's state it reads is passed in, and a malformed
 * frame is reported rather than ended on, so that net.c ends the job and a
 * test (tests/fuzz/fuzz_netheader.c) can run the same code on any bytes. */
#ifndef BT_NET_FRAME_H
#define BT_NET_FRAME_H

#include "transport/bt_frame.h"

#include <stddef.h>
#include <stdint.h>

#define BT_NET_REORDER 1024 /* frames a peer may be ahead of its sequence */

/* What precedes every payload on the wire. */
typedef struct bt_net_hdr {
    uint64_t     job[2];    /* the job's secret: frames without it are not ours */
    uint32_t     src;       /* sender's world rank */
    uint32_t     seq;       /* per ordered pair, from 0 */
    uint32_t     len;       /* payload bytes */
    uint32_t     reserved;
    bt_msg_hdr_t msg;
} bt_net_hdr_t;

/* What the receiver knows when a frame arrives. */
typedef struct bt_net_rx {
    const uint64_t *job;       /* the job's secret, two words */
    int             size;      /* ranks in the world */
    const int      *local_of;  /* by world rank: local index, -1 on another node */
    const uint32_t *seq_in;    /* by world rank: the sequence number expected next */
    int             nearly;    /* frames held because they came ahead */
} bt_net_rx_t;

/* How a frame of the job is malformed. */
typedef struct bt_net_bad {
    int                src;    /* the sender, -1 when the frame's claim is the fault */
    const char        *what;
    unsigned long long value;
} bt_net_bad_t;

enum {
    BT_NET_FRAME_BAD = -1,     /* the job's, but malformed: *bad_p says how */
    BT_NET_FRAME_FOREIGN = 0,  /* not the job's: dropped */
    BT_NET_FRAME_NEXT = 1,     /* the next from its sender */
    BT_NET_FRAME_AHEAD = 2     /* ahead of earlier ones (a provider may complete a
                                  long frame after a short one behind it) */
};

/* got: bytes received, header included.  Past NEXT or AHEAD, src is a rank of
 * another node and len the payload's exact length. */
int bt_net_frame_check(const bt_net_hdr_t *h, size_t got, const bt_net_rx_t *rx,
                       bt_net_bad_t *bad_p);

#endif
