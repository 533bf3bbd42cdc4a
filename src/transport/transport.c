/* The transports together: start-up in the order their PMI exchanges need,
 * polling both, and sleeping until either has work.
 *
 * A waiting rank sleeps on its futex doorbell in the node's segment, which its
 * local peers ring. The network cannot ring a futex, and the wait descriptor of
 * tcp;ofi_rxm (libfabric 1.17) is not signalled when data arrives while nobody
 * drives its progress, so a rank of a job across nodes sleeps in steps of
 * BT_TP_NET_NAP_MS and polls the network in between: after its spin phase a
 * waiting rank costs a wake-up a millisecond instead of a core, and a message
 * from another node may wait that long for it. */
#include "transport/bt_transport.h"

#include "util/bt_util.h"

#include <string.h>

#define BT_TP_NET_NAP_MS 1

/* While frames keep arriving through the segment, the network is polled once in
 * this many polls: reading its completion queue costs a system call (tcp's
 * epoll), which would otherwise come with every message between local ranks. */
#define BT_TP_NET_EVERY 8

static struct {
    int      net_up;
    int      mbox_up;
    unsigned net_skipped;
    size_t   frame_min;
} tp;

int bt_tp_init(void)
{
    tp.net_up = bt_rt.nnodes > 1;
    /* The network publishes its address before the segment's fence and reads
     * the others' after it: one fence for both. */
    if (tp.net_up && bt_net_open() != 0)
        return -1;
    if (bt_shm_init() != 0)
        return -1;
    tp.frame_min = bt_shm_frame_max();
    if (!tp.net_up)
        return 0;
    if (bt_net_connect() != 0)
        return -1;
    tp.frame_min = BT_MIN(tp.frame_min, bt_net_frame_max());
    return 0;
}

void bt_tp_finalize(void)
{
    if (tp.net_up)
        bt_net_close();
    tp.net_up = 0;
    bt_shm_mbox_close();
    tp.mbox_up = 0;
    bt_shm_finalize();
}

int bt_tp_quiet(void)
{
    return (!tp.net_up || bt_net_quiet()) && bt_shm_can_detach();
}

size_t bt_tp_frame_min(void)
{
    return tp.frame_min;
}

const char *bt_tp_net_describe(char *buf, size_t cap)
{
    return bt_net_describe(buf, cap);
}

int bt_tp_poll(bt_tp_recv_fn fn)
{
    int n = bt_shm_poll(fn);

    if (tp.mbox_up)
        n += bt_shm_mbox_poll(fn);

    if (tp.net_up && (n == 0 || ++tp.net_skipped >= BT_TP_NET_EVERY)) {
        tp.net_skipped = 0;
        n += bt_net_poll(fn);
    }
    return n;
}

/* This thread armed the mailbox's doorbell too (the mailbox may open while it
 * sleeps: another thread's handshake). */
static _Thread_local int tp_mbox_armed;
static _Thread_local uint32_t tp_mbox_seen;

uint32_t bt_tp_bell_arm(void)
{
    uint32_t seen = bt_shm_bell_arm();

    if (tp.mbox_up) {
        tp_mbox_seen = bt_shm_mbox_arm();
        tp_mbox_armed = 1;
    }
    return seen;
}

void bt_tp_bell_wait(uint32_t seen, int timeout_ms)
{
    if (tp.net_up || bt_shm_mbox_stalled())
        timeout_ms = BT_MIN(timeout_ms, BT_TP_NET_NAP_MS);
    if (tp_mbox_armed) {
        if (bt_shm_mbox_wait(bt_shm_bell_word(), seen, tp_mbox_seen, timeout_ms) == 0)
            return;
        timeout_ms = BT_MIN(timeout_ms, BT_TP_NET_NAP_MS);
    }
    bt_shm_bell_wait(seen, timeout_ms);
}

void bt_tp_bell_disarm(void)
{
    if (tp_mbox_armed) {
        bt_shm_mbox_disarm();
        tp_mbox_armed = 0;
    }
    bt_shm_bell_disarm();
}

void bt_tp_bell_ring_self(void)
{
    bt_shm_bell_ring_self();
}

uint64_t bt_tp_host(void)
{
    return bt_shm_mbox_host();
}

/* The address is this process's mailbox, then its network endpoint's address
 * when `net` asked for it (some process of the other job is on another host). */
int bt_tp_reach(void *addr, size_t cap, size_t *len_p, uint64_t job[2], int net)
{
    bt_shm_mbox_addr_t mb;
    size_t len = 0;

    if (cap < sizeof(mb) || bt_shm_mbox_open(&mb) != 0)
        return -1;
    memcpy(addr, &mb, sizeof(mb));
    if (!tp.mbox_up) {
        tp.mbox_up = 1;
        tp.frame_min = BT_MIN(tp.frame_min, bt_shm_mbox_frame_max());
    }
    job[0] = job[1] = 0;
    if (net) {
        if (!tp.net_up) {
            if (bt_net_open_alone() != 0)
                return -1;
            tp.net_up = 1;
            tp.frame_min = BT_MIN(tp.frame_min, bt_net_frame_max());
        }
        if (bt_net_self((char *)addr + sizeof(mb), cap - sizeof(mb), &len, job) != 0)
            return -1;
    }
    *len_p = sizeof(mb) + len;
    return 0;
}

int bt_tp_peer_add(int peer, uint64_t job_hash, int rank, const void *addr, size_t len,
                   const uint64_t job[2])
{
    bt_shm_mbox_addr_t mb;

    if (len < sizeof(mb))
        return -1;
    memcpy(&mb, addr, sizeof(mb));
    if (tp.mbox_up && mb.host == bt_shm_mbox_host())
        return bt_shm_mbox_peer_add(peer, &mb, job_hash, rank);
    /* On another host: through the network, which both ends opened. */
    if (!tp.net_up || len == sizeof(mb))
        return -1;
    return bt_net_peer_add(peer, (const char *)addr + sizeof(mb), len - sizeof(mb), job, rank);
}
