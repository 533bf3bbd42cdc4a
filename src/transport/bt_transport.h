/* The interface between the protocol layer (pt2pt/) and the transports.
 *
 * A transport moves frames, a small header and a payload, from one rank to
 * another, in order per pair; it knows nothing of matching, and pt2pt/ gives the
 * header's fields their meaning. Every peer is named by its rank in
 * MPI_COMM_WORLD: the ranks of my node are reached through shared memory
 * (transport/shm/), all others through the network (transport/net/), in one job.
 * Which is which comes from the launcher (bt_rt.local_of). The calls below
 * choose the transport per peer; pt2pt/ calls no transport directly. */
#ifndef BT_TRANSPORT_H
#define BT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "transport/bt_frame.h"

#include "runtime/bt_runtime.h"
#include "transport/net/bt_net.h"
#include "transport/shm/bt_shm.h"

/* Collective over the job (uses PMI): the node's segment, and the network
 * endpoint when the job spans nodes. */
int  bt_tp_init(void);
void bt_tp_finalize(void);
/* Nothing of this rank's is still in flight, and it may leave: its sends have
 * left, and the segment's creator has seen every local rank map it. */
int  bt_tp_quiet(void);

/* Processes of other jobs (runtime/peers.c) are reached through this process's
 * mailbox on the same host (shm/mbox.c) and through the network on others, whose
 * endpoint a job on one node opens only when it first needs it. bt_tp_host names
 * this host; bt_tp_reach says how others reach this process (its address, *len_p
 * bytes, and the secret its network frames carry), opening the mailbox, and the
 * network too when `net` (some of them are on another host); bt_tp_peer_add makes
 * the process at addr peer `peer` (made by bt_rt_peer_new). */
uint64_t bt_tp_host(void);
int bt_tp_reach(void *addr, size_t cap, size_t *len_p, uint64_t job[2], int net);
int bt_tp_peer_add(int peer, uint64_t job_hash, int rank, const void *addr, size_t len,
                   const uint64_t job[2]);

static inline int bt_tp_is_local(int peer)
{
    return bt_rt.local_of[peer] >= 0;
}

/* Largest payload one frame to peer can carry. */
static inline size_t bt_tp_frame_max(int peer)
{
    return bt_tp_is_local(peer) ? bt_shm_frame_max()
           : bt_shm_mbox_is_peer(peer) ? bt_shm_mbox_frame_max() : bt_net_frame_max();
}

/* Smallest frame_max over all peers: what an eager message may be. */
size_t bt_tp_frame_min(void);

/* Largest payload of a frame through the network (whether it is open or not). */
static inline size_t bt_tp_net_frame_max(void)
{
    return bt_net_frame_max();
}

/* The network endpoint's provider and interface, or NULL when there is none. */
const char *bt_tp_net_describe(char *buf, size_t cap);

/* Reserves room for a frame of len payload bytes to peer and returns where the
 * payload goes, or NULL when there is no room now. The frame is invisible to
 * the receiver until bt_tp_commit. One reservation per peer at a time. */
static inline void *bt_tp_reserve(int peer, const bt_msg_hdr_t *hdr, size_t len)
{
    int local = bt_rt.local_of[peer];
    if (local >= 0)
        return bt_shm_reserve(local, hdr, len);
    return bt_shm_mbox_is_peer(peer) ? bt_shm_mbox_reserve(peer, hdr, len)
                                     : bt_net_reserve(peer, hdr, len);
}

static inline void bt_tp_commit(int peer)
{
    int local = bt_rt.local_of[peer];
    if (local >= 0)
        bt_shm_commit(local);
    else if (bt_shm_mbox_is_peer(peer))
        bt_shm_mbox_commit(peer);
    else
        bt_net_commit(peer);
}

/* Delivers the frames that have arrived from every transport; returns how many. */
int bt_tp_poll(bt_tp_recv_fn fn);

/* The next frame from a peer on the node without delivering it (NULL: none, or
 * the peer is on another node); bt_tp_consume drops it. */
static inline const void *bt_tp_peek(int peer, const bt_msg_hdr_t **hdr, size_t *len)
{
    int local = bt_rt.local_of[peer];
    return local >= 0 ? bt_shm_peek(local, hdr, len) : NULL;
}

static inline void bt_tp_consume(int peer)
{
    bt_shm_consume(bt_rt.local_of[peer]);
}

/* Waiting: arm (announce that a thread of this rank is about to sleep), re-check
 * for work, then wait until a local peer or the network has something for this
 * rank (or timeout_ms passes), then disarm. */
uint32_t bt_tp_bell_arm(void);
void     bt_tp_bell_wait(uint32_t seen, int timeout_ms);
void     bt_tp_bell_disarm(void);
/* Wakes a thread of this rank that sleeps in bt_tp_bell_wait. */
void     bt_tp_bell_ring_self(void);
/* Threads of this node's ranks that are not asleep. */
static inline int bt_tp_awake(void)
{
    return bt_shm_awake();
}

/* Rendezvous by RMA read with a peer on another node (see bt_net.h): the
 * sender exposes its bytes (NULL: not with this peer), the receiver reads them
 * (-1: it cannot; done(arg) when they are in), the sender withdraws them. */
static inline void *bt_tp_expose(int peer, const void *buf, size_t len, uint64_t *addr_p,
                                 uint64_t *key_p)
{
    /* Mailbox peers take the message streamed through frames. */
    return bt_tp_is_local(peer) || bt_shm_mbox_is_peer(peer)
               ? NULL : bt_net_expose(buf, len, addr_p, key_p);
}

static inline void bt_tp_withdraw(void *mem)
{
    bt_net_withdraw(mem);
}

static inline int bt_tp_read(int peer, void *dst, size_t len, uint64_t addr, uint64_t key,
                             bt_tp_read_fn done, void *arg)
{
    return bt_tp_is_local(peer) || bt_shm_mbox_is_peer(peer)
               ? -1 : bt_net_read(peer, dst, len, addr, key, done, arg);
}

/* Single copy between ranks of the node (process_vm_readv/writev); see bt_shm.h. */
static inline int bt_tp_cma_usable(void)
{
    return bt_shm_cma_usable();
}

static inline int bt_tp_cma_read(int peer, void *dst, uint64_t addr, size_t len)
{
    return bt_shm_cma_read(bt_rt.local_of[peer], dst, addr, len);
}

static inline int bt_tp_cma_write(int peer, const void *src, uint64_t addr, size_t len)
{
    return bt_shm_cma_write(bt_rt.local_of[peer], src, addr, len);
}

/* Wakes a rank of my node (world rank peer) sleeping on its doorbell. */
static inline void bt_tp_bell_ring(int peer)
{
    bt_shm_bell_ring(bt_rt.local_of[peer]);
}

static inline int bt_tp_share_cache(int peer)
{
    return bt_shm_share_cache(bt_rt.local_of[peer]);
}

static inline int bt_tp_job_open(uint64_t total)
{
    return bt_shm_job_open(total);
}

static inline int bt_tp_job_pull(int peer, int job, void *dst, uint64_t src, int *last_p)
{
    return bt_shm_job_pull(bt_rt.local_of[peer], job, dst, src, last_p);
}

static inline int bt_tp_job_push(int peer, int job, const void *src, uint64_t dst, int *last_p)
{
    return bt_shm_job_push(bt_rt.local_of[peer], job, src, dst, last_p);
}

#endif
