/* The check of a received network frame: see bt_net_frame.h. */
#include "transport/net/bt_net_frame.h"

int bt_net_frame_check(const bt_net_hdr_t *h, size_t got, const bt_net_rx_t *rx,
                       bt_net_bad_t *bad_p)
{
    uint32_t ahead;

    if (got < sizeof(*h) || h->job[0] != rx->job[0] || h->job[1] != rx->job[1])
        return BT_NET_FRAME_FOREIGN;
    if (h->src >= (uint32_t)rx->size || rx->local_of[h->src] >= 0) {
        *bad_p = (bt_net_bad_t){ -1, "source rank not on another node", h->src };
        return BT_NET_FRAME_BAD;
    }
    if (h->len != got - sizeof(*h)) {
        *bad_p = (bt_net_bad_t){ (int)h->src, "length does not match the frame", h->len };
        return BT_NET_FRAME_BAD;
    }
    ahead = h->seq - rx->seq_in[h->src];
    if (ahead == 0)
        return BT_NET_FRAME_NEXT;
    if (ahead >= BT_NET_REORDER || rx->nearly >= BT_NET_REORDER) {
        *bad_p = (bt_net_bad_t){ (int)h->src, "out of sequence", h->seq };
        return BT_NET_FRAME_BAD;
    }
    return BT_NET_FRAME_AHEAD;
}
