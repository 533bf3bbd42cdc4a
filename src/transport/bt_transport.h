/* What the protocol layer hands a transport: a small header and a payload.
 * The transport knows nothing of matching; pt2pt/ gives the fields their meaning. */
#ifndef BT_TRANSPORT_H
#define BT_TRANSPORT_H

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

#endif
