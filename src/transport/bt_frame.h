/* What every transport carries: a small header of the protocol layer's, then a
 * payload. The transport knows nothing of matching; pt2pt/ gives the fields
 * their meaning. */
#ifndef BT_FRAME_H
#define BT_FRAME_H

#include <stddef.h>
#include <stdint.h>

typedef struct bt_msg_hdr {
    uint8_t  type;     /* pt2pt protocol message (BT_MSG_*) */
    uint8_t  flags;
    uint16_t reserved;
    uint32_t ctx;      /* context id */
    int32_t  tag;
    int32_t  src;      /* sender's rank in the communicator */
    uint64_t cookie;   /* a request of the sender or receiver, echoed back */
} bt_msg_hdr_t;

_Static_assert(sizeof(bt_msg_hdr_t) == 24, "bt_msg_hdr_t is part of the 32-byte frame header");

/* Called for every frame that arrives, with the sender's world rank; payload is
 * valid until the callback returns. */
typedef void (*bt_tp_recv_fn)(int src, const bt_msg_hdr_t *hdr, const void *payload, size_t len);

/* Called when a transport's read of a peer's memory has completed. */
typedef void (*bt_tp_read_fn)(void *arg);

#endif
