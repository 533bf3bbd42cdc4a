/* Fuzzes the check every frame from the network passes before anything in it
 * is used, bt_net_frame_check in src/transport/net/frame.c.
 *
 * Input: byte 0 the world's size (1 to 64), byte 1 bit 0: the frame carries
 * the job's secret (else the secret is a fixed one the frame must guess),
 * bits 1-7 how many frames wait ahead of sequence (in steps of 8, up to the
 * limit and past it); bytes 2-9 which ranks share this rank's node (one bit
 * each); bytes 10-13 the sequence number expected from every rank (plus the
 * rank); the rest the frame as received, header first. */
#include "transport/net/bt_net_frame.h"

#include <stdlib.h>
#include <string.h>

#define BT_FUZZ_RANKS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static const uint64_t secret[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
    int local_of[BT_FUZZ_RANKS];
    uint32_t seq_in[BT_FUZZ_RANKS], base;
    bt_net_rx_t rx;
    bt_net_bad_t bad = { 0 };
    bt_net_hdr_t *h;
    size_t got;
    int kind;

    if (len < 14)
        return 0;
    rx.size = data[0] % BT_FUZZ_RANKS + 1;
    rx.nearly = (data[1] >> 1) * 8 + BT_NET_REORDER - 512;
    memcpy(&base, data + 10, sizeof(base));
    for (int r = 0; r < BT_FUZZ_RANKS; r++) {
        local_of[r] = data[2 + r / 8] >> (r % 8) & 1 ? r : -1;
        seq_in[r] = base + (uint32_t)r;
    }
    rx.local_of = local_of;
    rx.seq_in = seq_in;
    /* the frame in a buffer of exactly its length: a read past it is caught */
    got = len - 14;
    h = malloc(got > 0 ? got : 1);
    if (h == NULL)
        abort();
    memcpy(h, data + 14, got);
    rx.job = (data[1] & 1) && got >= sizeof(*h) ? h->job : secret;
    kind = bt_net_frame_check(h, got, &rx, &bad);
    switch (kind) {
    case BT_NET_FRAME_FOREIGN:
        break;
    case BT_NET_FRAME_BAD:
        if (bad.what == NULL || bad.src >= rx.size)
            abort();
        break;
    case BT_NET_FRAME_NEXT:
    case BT_NET_FRAME_AHEAD:
        /* what net.c relies on: a rank of another node, the exact length, and
         * a place among the frames held ahead */
        if (got < sizeof(*h) || h->src >= (uint32_t)rx.size || local_of[h->src] >= 0 ||
            h->len != got - sizeof(*h) ||
            (kind == BT_NET_FRAME_AHEAD &&
             (h->seq - seq_in[h->src] >= BT_NET_REORDER || rx.nearly >= BT_NET_REORDER)))
            abort();
        break;
    default:
        abort();
    }
    free(h);
    return 0;
}
