/* Shared-memory transport: one segment per node, a single-producer/single-consumer
 * ring per ordered pair of local ranks, a futex doorbell per rank.
 *
 * Rings are reserved for every pair but their pages are touched only when a pair
 * talks, and a receiver polls only the senders that have announced themselves. */
#ifndef BT_SHM_H
#define BT_SHM_H

#include "transport/bt_frame.h"
#include <stddef.h>
#include <stdint.h>


int  bt_shm_init(void);            /* collective over the node, uses PMI */
void bt_shm_finalize(void);
/* This rank may leave the segment: always, but for its creator, which must stay
 * until every local rank has mapped it (they open it through its /proc/<pid>/fd). */
int  bt_shm_can_detach(void);

/* Largest payload one frame can carry (a quarter of a ring). */
size_t bt_shm_frame_max(void);

/* Reserves room for a frame of len payload bytes to local rank peer and returns
 * where the payload goes, or NULL when the ring has no room now. The frame is
 * invisible to the receiver until bt_shm_commit. One reservation per peer at a time. */
void *bt_shm_reserve(int peer, const bt_msg_hdr_t *hdr, size_t len);
void  bt_shm_commit(int peer);

/* Delivers the frames that have arrived (fn gets the sender's world rank; the
 * payload points into the ring); returns how many. */
int bt_shm_poll(bt_tp_recv_fn fn);

/* The next frame from local rank peer without delivering it: its payload, or NULL
 * when none has arrived. bt_shm_consume drops that frame; until then it stays
 * first in line for bt_shm_poll. */
const void *bt_shm_peek(int peer, const bt_msg_hdr_t **hdr, size_t *len);
void        bt_shm_consume(int peer);

/* Doorbell: arm (announce that a thread of this rank is about to sleep), then
 * re-check for work, then wait; every commit to this rank and every freed ring
 * slot for it rings the bell of a rank that is armed. */
uint32_t bt_shm_bell_arm(void);
void     bt_shm_bell_wait(uint32_t seen, int timeout_ms);
void     bt_shm_bell_disarm(void);
void     bt_shm_bell_ring_self(void);
/* Threads of this node's ranks that are not asleep on their doorbell. */
int      bt_shm_awake(void);   /* another thread of this rank made progress */

/* Single copy: reads len bytes at addr in local rank peer's memory. 0 or an errno. */
int bt_shm_cma_read(int peer, void *dst, uint64_t addr, size_t len);
/* The same, writing len bytes of src there (one-sided puts). */
int bt_shm_cma_write(int peer, const void *src, uint64_t addr, size_t len);
/* Wakes local rank peer if it sleeps on its doorbell, after a change in shared
 * memory it may wait for (one-sided locks and counters). */
void bt_shm_bell_ring(int peer);
int bt_shm_cma_usable(void);
/* 1 when this rank and local rank peer each run on one CPU and the two CPUs share
 * a last-level cache (as the kernel reports it), so that lines one writes reach
 * the other without leaving that cache. */
int bt_shm_share_cache(int peer);

/* Large messages that both ends copy with single copy. The receiver opens a job
 * for the bytes it accepts (-1: all its jobs are busy), tells the sender, and
 * both run it: the receiver reads pieces from the front of the message, the
 * sender writes pieces from the back, each claiming as it goes until nothing is
 * left. Addresses are those of the message's first byte. *last_p: this end
 * copied the last byte, so it completes both requests. 0 or an errno. */
int bt_shm_job_open(uint64_t total);
int bt_shm_job_pull(int peer, int job, void *dst, uint64_t src, int *last_p);
int bt_shm_job_push(int peer, int job, const void *src, uint64_t dst, int *last_p);


/* Collective channels. A channel is a sequence of rounds among some of the node's
 * ranks, its members (indexed as the ranks of the communicator that uses it):
 * every member takes the next round, waits until the round's slot set is
 * writable, writes its slot, arrives, then waits for the members whose slots it
 * reads (bt_shm_coll_arrived / _all_arrived) and reads them. One round in flight
 * per member at a time. Channel 0 (bt_shm_chan_world) has every rank of the node,
 * member i being local rank i. The node has 31 more: a member (the leader) takes a
 * free one for m members (bt_shm_chan_take: its id and the round to start after,
 * -1 when none is free) and tells the others; each opens it with the members'
 * local ranks and its own index, and closes it when done with it for good. It is
 * free again once every member has closed it. */
typedef struct bt_shm_chan bt_shm_chan_t;
bt_shm_chan_t *bt_shm_chan_world(void);
int            bt_shm_chan_take(int m, uint64_t *base_p);
int            bt_shm_chan_free(void);   /* how many are free now (a hint) */
bt_shm_chan_t *bt_shm_chan_open(int id, const int *locals, int m, int me, uint64_t base);
void           bt_shm_chan_close(bt_shm_chan_t *ch);

size_t   bt_shm_coll_slot_max(void);
uint64_t bt_shm_coll_next(bt_shm_chan_t *ch);
int      bt_shm_coll_writable(bt_shm_chan_t *ch, uint64_t round);
void    *bt_shm_coll_slot(const bt_shm_chan_t *ch, uint64_t round, int member);
/* An arrival carries a 24-bit tag of the caller's (the collective layer: the
 * bytes in the member's slot). bt_shm_coll_tag reads it while the member's latest
 * arrival is still that round: 1 and *tag_p, else 0 (it has gone on). */
#define BT_SHM_COLL_TAG_BITS 24
#define BT_SHM_COLL_TAG_MASK ((1u << BT_SHM_COLL_TAG_BITS) - 1)
void     bt_shm_coll_arrive(bt_shm_chan_t *ch, uint64_t round, uint32_t tag);
int      bt_shm_coll_arrived(const bt_shm_chan_t *ch, uint64_t round, int member);
int      bt_shm_coll_tag(const bt_shm_chan_t *ch, uint64_t round, int member, uint32_t *tag_p);
int      bt_shm_coll_all_arrived(bt_shm_chan_t *ch, uint64_t round);
/* Large reductions: two sets (use & 1) of a slot per rank, bt_shm_coll_large_max
 * bytes each. The ranks read a set only in the rounds of the use that wrote it,
 * and a use starts with a round every rank waits for all ranks to reach; so a
 * rank that completed use u has seen every rank done with use u - 1, and may
 * write set (u + 1) & 1 at once. */
size_t   bt_shm_coll_large_max(void);
void    *bt_shm_coll_large(uint64_t use, int local_rank);
/* Some member that shares this CPU (as far as it last said) has not arrived at round. */
int      bt_shm_coll_mate_behind(const bt_shm_chan_t *ch, uint64_t round);

/* Mailboxes (mbox.c): shared memory with processes of other jobs on this host,
 * which the node's segment does not hold. bt_shm_mbox_open makes this process's
 * mailbox (once) and says how others reach it; bt_shm_mbox_peer_add opens the
 * mailbox of peer index `peer` (the process of rank `rank` of the job hashed
 * `job`), at addr, for sending. Processes whose addresses carry the same host
 * (bt_shm_mbox_host) can use each other's mailboxes. */
typedef struct bt_shm_mbox_addr {
    uint64_t host;
    int32_t  pid;
    int32_t  fd;
} bt_shm_mbox_addr_t;

uint64_t bt_shm_mbox_host(void);
int      bt_shm_mbox_open(bt_shm_mbox_addr_t *addr_p);
int      bt_shm_mbox_up(void);
int      bt_shm_mbox_peer_add(int peer, const bt_shm_mbox_addr_t *addr, uint64_t job, int rank);
int      bt_shm_mbox_is_peer(int peer);
size_t   bt_shm_mbox_frame_max(void);
/* As bt_shm_reserve/commit/poll, for mailbox peers (by peer index). */
void    *bt_shm_mbox_reserve(int peer, const bt_msg_hdr_t *hdr, size_t len);
void     bt_shm_mbox_commit(int peer);
int      bt_shm_mbox_poll(bt_tp_recv_fn fn);
void     bt_shm_mbox_close(void);
/* Some send found its mailbox ring full: the owner will not say when it has room. */
int      bt_shm_mbox_stalled(void);
/* Sleeping with a mailbox: arm it too (its doorbell's value), then wait on the
 * node's doorbell (bell, seen: bt_shm_bell_word, bt_shm_bell_arm) and the
 * mailbox's at once: 0, or -1 when the kernel cannot (then nap). */
uint32_t bt_shm_mbox_arm(void);
void     bt_shm_mbox_disarm(void);
int      bt_shm_mbox_wait(_Atomic uint32_t *bell, uint32_t seen, uint32_t mbox_seen,
                          int timeout_ms);
_Atomic uint32_t *bt_shm_bell_word(void);

#endif
