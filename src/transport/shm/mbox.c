/* Mailboxes: shared memory between processes of different jobs on one host (a
 * spawning job and its children, jobs joined through a port).
 *
 * The node's segment (shm.c) is made by a job's launcher-given ranks at start-up;
 * processes of another job meet later, in a handshake that says who they are. So
 * each process that meets another job on its host makes a mailbox of its own: a
 * memfd of BT_MBOX_SLOTS single-producer/single-consumer rings, which senders
 * open through its /proc/<pid>/fd entry. A sender claims a free ring (one
 * compare-and-swap on its slot's state), writes who it is into the slot and
 * raises the mailbox's high-water mark; the owner polls the rings below the mark.
 * A sender that finalizes closes its ring; the owner drains it and frees it
 * (punching its pages out of the memfd, which zeroes them), so that a program
 * that spawns again and again reuses the rings of the processes that have ended;
 * and the senders to an owner that has finalized give its mailbox's pages back
 * at their next handshake.
 * The rings and their frames are the node segment's (ring.h).
 *
 * The address a process gives the other job (bt_shm_mbox_addr_t) names its host
 * (boot id, pid, mount and network namespaces, and the address the launcher gave
 * it, so that mpiexec's "hosts" on one machine stay apart), its pid and the memfd's
 * descriptor. Peers on another host go through the network instead.
 *
 * A sender cannot ring its receiver's doorbell (that is in the receiver's job's
 * segment), so the mailbox has a doorbell of its own, and an owner about to sleep
 * waits on both at once (futex_waitv, Linux 5.16); without it, it naps in steps
 * as one with the network does (transport.c). A sender that waits for room in a
 * full ring naps in steps too: owners do not ring their senders. */
#include "transport/shm/bt_shm.h"
#include "transport/shm/ring.h"

#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif

#define BT_MBOX_MAGIC 0x4274584a4d424f58ull   /* "BtXJMBOX" */
#define BT_MBOX_SLOTS 512
#define BT_MBOX_RING  (128u << 10)

typedef struct bt_mbox_head {
    uint64_t         magic;
    uint64_t         job;       /* the owner: its job's hash and its rank there */
    int32_t          rank;
    int32_t          pid;
    _Atomic uint32_t closed;     /* the owner has finalized */
    _Atomic uint32_t hiwater __attribute__((aligned(BT_CACHELINE)));   /* rings ever used */
    /* The owner's doorbell: bumped by a sender that finds it sleeping. */
    _Atomic uint32_t bell __attribute__((aligned(BT_CACHELINE)));
    _Atomic uint32_t sleeping;   /* the owner's threads between arm and disarm */
} __attribute__((aligned(BT_CACHELINE))) bt_mbox_head_t;

/* One ring's control: the owner's consumed bytes on a line of their own, the
 * sender's name and the ring's state on another. */
enum { BT_MBOX_FREE, BT_MBOX_CLAIMED, BT_MBOX_READY, BT_MBOX_CLOSED };

typedef struct bt_mbox_slot {
    _Atomic uint64_t head;
    _Alignas(BT_CACHELINE) uint64_t job;
    int32_t          rank;
    _Atomic uint32_t state;   /* BT_MBOX_*: READY once job and rank are written */
} __attribute__((aligned(BT_CACHELINE))) bt_mbox_slot_t;


#define BT_MBOX_RINGS_OFF BT_ALIGN_UP(sizeof(bt_mbox_head_t) + \
                                      BT_MBOX_SLOTS * sizeof(bt_mbox_slot_t), (size_t)4096)
#define BT_MBOX_SIZE (BT_MBOX_RINGS_OFF + (size_t)BT_MBOX_SLOTS * BT_MBOX_RING)

/* A peer's mailbox, as its sender sees it. */
typedef struct bt_mbox_tx {
    char            *base;         /* the peer's mailbox, mapped */
    int              slot;
    uint64_t         tail, head_cache;
    uint32_t         seq;
    int              stalled;      /* the last reserve found the ring full */
    int              gone;         /* its owner has finalized: pages given back */
    bt_ring_frame_t *reserved;
    size_t           reserved_size;
} bt_mbox_tx_t;

/* One ring of this process's mailbox, as its owner sees it. */
typedef struct bt_mbox_rx {
    uint64_t head;
    uint32_t seq;
    int      peer;   /* its sender (seq 0: not known yet) */
} bt_mbox_rx_t;

static struct {
    int           fd;
    char         *base;        /* my mailbox */
    bt_mbox_rx_t *rx;          /* by ring */
    bt_mbox_tx_t **tx;         /* by peer index (NULL: not a mailbox peer) */
    int           ntx;
    int           nstalled;    /* senders whose ring was full at their last reserve */
    int           no_waitv;    /* the kernel has no futex_waitv */
    uint64_t      host;
    int           host_known;
} mbox = { .fd = -1 };

static inline bt_mbox_head_t *bt_mbox_head(char *base)
{
    return (bt_mbox_head_t *)base;
}

static inline bt_mbox_slot_t *bt_mbox_slot(char *base, int i)
{
    return (bt_mbox_slot_t *)(base + sizeof(bt_mbox_head_t)) + i;
}

static inline char *bt_mbox_ring(char *base, int i)
{
    return base + BT_MBOX_RINGS_OFF + (size_t)i * BT_MBOX_RING;
}

static uint64_t bt_mbox_hash(uint64_t h, const void *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
    return h;
}

/* Processes with the same key see the same /proc and memfds: the same boot, pid
 * and mount namespaces, and the same host as the launcher counts hosts (and the
 * same network namespace: a cluster of namespaces on one machine keeps its
 * hosts apart). */
static uint64_t bt_mbox_host(void)
{
    static const char *const ns[] = { "/proc/self/ns/pid", "/proc/self/ns/mnt",
                                      "/proc/self/ns/net" };
    const char *addr = getenv("BATON_NET_ADDR");
    uint64_t h = 0xcbf29ce484222325ull;
    char boot[64] = "";
    struct stat st;
    int fd;

    if (mbox.host_known)
        return mbox.host;
    if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)) >= 0) {
        ssize_t k = read(fd, boot, sizeof(boot) - 1);
        boot[k > 0 ? k : 0] = '\0';
        close(fd);
    }
    h = bt_mbox_hash(h, boot, strlen(boot));
    for (size_t i = 0; i < BT_ARRAY_LEN(ns); i++)
        if (stat(ns[i], &st) == 0)
            h = bt_mbox_hash(h, &st.st_ino, sizeof(st.st_ino));
    h = bt_mbox_hash(h, "|", 1);
    if (addr != NULL)
        h = bt_mbox_hash(h, addr, strlen(addr));
    mbox.host = h;
    mbox.host_known = 1;
    return h;
}

uint64_t bt_shm_mbox_host(void)
{
    return bt_mbox_host();
}

int bt_shm_mbox_open(bt_shm_mbox_addr_t *addr_p)
{
    if (mbox.base == NULL) {
        bt_mbox_head_t *h;

        mbox.fd = memfd_create("baton-mbox", MFD_CLOEXEC);
        if (mbox.fd < 0 || ftruncate(mbox.fd, (off_t)BT_MBOX_SIZE) != 0)
            goto err_fd;
        mbox.base = mmap(NULL, BT_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mbox.fd, 0);
        if (mbox.base == MAP_FAILED) {
            mbox.base = NULL;
            goto err_fd;
        }
        h = bt_mbox_head(mbox.base);
        h->job = bt_rt.job_hash;
        h->rank = bt_rt.rank;
        h->pid = (int32_t)getpid();
        atomic_store_explicit(&h->hiwater, 0, memory_order_relaxed);
        h->magic = BT_MBOX_MAGIC;
        mbox.rx = bt_calloc(BT_MBOX_SLOTS, sizeof(*mbox.rx));
    }
    addr_p->host = bt_mbox_host();
    addr_p->pid = (int32_t)getpid();
    addr_p->fd = mbox.fd;
    return 0;

err_fd:
    fprintf(stderr, "Baton: rank %d: cannot make a mailbox for other jobs' processes: %s\n",
            bt_rt.rank, strerror(errno));
    if (mbox.fd >= 0)
        close(mbox.fd);
    mbox.fd = -1;
    return -1;
}

int bt_shm_mbox_up(void)
{
    return mbox.base != NULL;
}

/* The mailboxes of owners that have finalized (spawned processes that ended)
 * give their pages back (the mapping stays, so that a late send is harmless). */
static void bt_mbox_sweep(void)
{
    for (int p = 0; p < mbox.ntx; p++) {
        bt_mbox_tx_t *tx = mbox.tx[p];
        if (tx == NULL || tx->gone ||
            !atomic_load_explicit(&bt_mbox_head(tx->base)->closed, memory_order_acquire))
            continue;
        (void)madvise(tx->base, BT_MBOX_SIZE, MADV_REMOVE);
        tx->gone = 1;
        if (tx->stalled) {
            tx->stalled = 0;
            mbox.nstalled--;
        }
    }
}

int bt_shm_mbox_peer_add(int peer, const bt_shm_mbox_addr_t *addr, uint64_t job, int rank)
{
    char path[64];
    bt_mbox_tx_t *tx;
    bt_mbox_head_t *h;
    bt_mbox_slot_t *s;
    uint32_t slot;
    char *base;
    int fd;

    bt_mbox_sweep();
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)addr->pid, (int)addr->fd);
    if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
        fprintf(stderr, "Baton: rank %d: cannot open the mailbox of rank %d of another job "
                "(%s): %s\n", bt_rt.rank, rank, path, strerror(errno));
        return -1;
    }
    base = mmap(NULL, BT_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED)
        return -1;
    h = bt_mbox_head(base);
    /* The pid may have been reused: the mailbox must be the one it said. */
    if (h->magic != BT_MBOX_MAGIC || h->job != job || h->rank != rank || h->pid != addr->pid)
        goto err_unmap;
    for (slot = 0; slot < BT_MBOX_SLOTS; slot++) {
        uint32_t free_state = BT_MBOX_FREE;
        if (atomic_compare_exchange_strong(&bt_mbox_slot(base, (int)slot)->state, &free_state,
                                           BT_MBOX_CLAIMED))
            break;
    }
    if (slot == BT_MBOX_SLOTS) {
        fprintf(stderr, "Baton: rank %d: the mailbox of rank %d of another job is full (%d "
                "live processes of other jobs on this host write to it)\n", bt_rt.rank, rank,
                BT_MBOX_SLOTS);
        goto err_unmap;
    }
    s = bt_mbox_slot(base, (int)slot);
    s->job = bt_rt.job_hash;
    s->rank = bt_rt.rank;
    {
        uint32_t hw = atomic_load(&h->hiwater);
        while (hw < slot + 1 && !atomic_compare_exchange_weak(&h->hiwater, &hw, slot + 1))
            ;
    }
    atomic_store_explicit(&s->state, BT_MBOX_READY, memory_order_release);
    if (peer >= mbox.ntx) {
        int cap = BT_MAX(2 * mbox.ntx, peer + 16);
        mbox.tx = bt_realloc(mbox.tx, (size_t)cap * sizeof(*mbox.tx));
        memset(mbox.tx + mbox.ntx, 0, (size_t)(cap - mbox.ntx) * sizeof(*mbox.tx));
        mbox.ntx = cap;
    }
    tx = bt_calloc(1, sizeof(*tx));
    tx->base = base;
    tx->slot = (int)slot;
    tx->seq = 1;
    mbox.tx[peer] = tx;
    return 0;

err_unmap:
    munmap(base, BT_MBOX_SIZE);
    return -1;
}

int bt_shm_mbox_is_peer(int peer)
{
    return peer < mbox.ntx && mbox.tx[peer] != NULL;
}

size_t bt_shm_mbox_frame_max(void)
{
    return BT_MBOX_RING / 4 - BT_RING_HDR;
}

void *bt_shm_mbox_reserve(int peer, const bt_msg_hdr_t *hdr, size_t len)
{
    bt_mbox_tx_t *tx = mbox.tx[peer];
    size_t size = bt_ring_frame_size(len);
    size_t pos = (size_t)(tx->tail & (BT_MBOX_RING - 1));
    size_t pad = pos + size > BT_MBOX_RING ? BT_MBOX_RING - pos : 0;
    char *ring = bt_mbox_ring(tx->base, tx->slot);
    bt_ring_frame_t *f;

    if (tx->tail + pad + size - tx->head_cache > BT_MBOX_RING) {
        tx->head_cache = atomic_load_explicit(&bt_mbox_slot(tx->base, tx->slot)->head,
                                              memory_order_acquire);
        if (tx->tail + pad + size - tx->head_cache > BT_MBOX_RING) {
            mbox.nstalled += !tx->stalled;
            tx->stalled = 1;
            return NULL;
        }
    }
    if (bt_unlikely(tx->stalled)) {
        tx->stalled = 0;
        mbox.nstalled--;
    }
    f = bt_ring_put(ring, pos, pad, &tx->seq, &tx->tail, hdr, len);
    tx->reserved = f;
    tx->reserved_size = size;
    return (char *)f + BT_RING_HDR;
}

void bt_shm_mbox_commit(int peer)
{
    bt_mbox_tx_t *tx = mbox.tx[peer];
    bt_mbox_head_t *h = bt_mbox_head(tx->base);

    atomic_store_explicit(&tx->reserved->seq, tx->seq++, memory_order_release);
    tx->tail += tx->reserved_size;
    tx->reserved = NULL;
    /* Pairs with the owner's store to `sleeping` before its last poll (Dekker). */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&h->sleeping, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&h->bell, 1, memory_order_release);
        bt_futex(&h->bell, FUTEX_WAKE, INT_MAX, NULL);
    }
}

int bt_shm_mbox_stalled(void)
{
    return mbox.nstalled > 0;
}

uint32_t bt_shm_mbox_arm(void)
{
    bt_mbox_head_t *h = bt_mbox_head(mbox.base);
    uint32_t seen = atomic_load(&h->bell);

    atomic_fetch_add(&h->sleeping, 1);
    return seen;
}

void bt_shm_mbox_disarm(void)
{
    atomic_fetch_sub(&bt_mbox_head(mbox.base)->sleeping, 1);
}

int bt_shm_mbox_wait(_Atomic uint32_t *bell, uint32_t seen, uint32_t mbox_seen, int timeout_ms)
{
    struct {
        uint64_t val, uaddr;
        uint32_t flags, reserved;
    } w[2] = { { seen, (uint64_t)(uintptr_t)bell, FUTEX_32, 0 },
               { mbox_seen, (uint64_t)(uintptr_t)&bt_mbox_head(mbox.base)->bell, FUTEX_32, 0 } };
    struct timespec ts;

    if (mbox.no_waitv)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    if (syscall(SYS_futex_waitv, w, 2, 0, &ts, CLOCK_MONOTONIC) < 0 && errno == ENOSYS) {
        mbox.no_waitv = 1;
        return -1;
    }
    return 0;
}

/* The next frame of ring i of my mailbox, past any wrap marker; NULL: none yet. */
static bt_ring_frame_t *bt_mbox_rx_next(int i)
{
    return bt_ring_next(bt_mbox_ring(mbox.base, i), BT_MBOX_RING, &mbox.rx[i].head,
                        &mbox.rx[i].seq);
}

/* Ring i's sender has closed it and everything it sent is delivered: the ring
 * goes back to the free ones, its pages zeroed (stale frames must never pass for
 * a new sender's). */
static void bt_mbox_rx_free(int i)
{
    bt_mbox_slot_t *s = bt_mbox_slot(mbox.base, i);

    if (fallocate(mbox.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)(BT_MBOX_RINGS_OFF + (size_t)i * BT_MBOX_RING), BT_MBOX_RING) != 0)
        memset(bt_mbox_ring(mbox.base, i), 0, BT_MBOX_RING);
    atomic_store_explicit(&s->head, 0, memory_order_relaxed);
    s->job = 0;
    s->rank = 0;
    memset(&mbox.rx[i], 0, sizeof(mbox.rx[i]));
    atomic_store_explicit(&s->state, BT_MBOX_FREE, memory_order_release);
}

int bt_shm_mbox_poll(bt_tp_recv_fn fn)
{
    uint32_t hiwater;
    int delivered = 0;

    if (mbox.base == NULL)
        return 0;
    hiwater = BT_MIN(atomic_load_explicit(&bt_mbox_head(mbox.base)->hiwater,
                                          memory_order_acquire), (uint32_t)BT_MBOX_SLOTS);
    for (uint32_t i = 0; i < hiwater; i++) {
        bt_mbox_slot_t *s = bt_mbox_slot(mbox.base, (int)i);
        bt_mbox_rx_t *rx = &mbox.rx[i];
        uint32_t state = atomic_load_explicit(&s->state, memory_order_acquire);
        uint64_t published = rx->head;
        bt_ring_frame_t *f;
        int got = 0;

        if (state < BT_MBOX_READY)
            continue;
        if (rx->seq == 0) {
            int peer;
            /* A sender this process does not know (yet): nothing of it is read. */
            if ((peer = bt_rt_peer_find(s->job, s->rank)) < bt_rt.size)
                continue;
            rx->peer = peer;
            rx->seq = 1;
        }
        while (got < 64 && (f = bt_mbox_rx_next((int)i)) != NULL) {
            rx->seq++;
            fn(rx->peer, &f->hdr, (char *)f + BT_RING_HDR, f->len);
            bt_ring_free(f, rx->seq, &rx->head);
            got++;
            /* Large frames: room goes back as they are copied out (as in shm.c). */
            if (rx->head - published >= BT_MBOX_RING / 8) {
                atomic_store_explicit(&s->head, rx->head, memory_order_release);
                published = rx->head;
            }
        }
        if (got) {
            atomic_store_explicit(&s->head, rx->head, memory_order_release);
            delivered += got;
        }
        /* Closed before the frames above were looked for: none can follow them. */
        if (state == BT_MBOX_CLOSED && bt_mbox_rx_next((int)i) == NULL)
            bt_mbox_rx_free((int)i);
    }
    return delivered;
}

void bt_shm_mbox_close(void)
{
    /* Everything sent is in the rings (finalize waited for the sends): each
     * ring is handed back to its owner, which frees it once drained. */
    for (int p = 0; p < mbox.ntx; p++)
        if (mbox.tx[p] != NULL) {
            atomic_store_explicit(&bt_mbox_slot(mbox.tx[p]->base, mbox.tx[p]->slot)->state,
                                  BT_MBOX_CLOSED, memory_order_release);
            munmap(mbox.tx[p]->base, BT_MBOX_SIZE);
            free(mbox.tx[p]);
        }
    free(mbox.tx);
    free(mbox.rx);
    if (mbox.base != NULL) {
        atomic_store_explicit(&bt_mbox_head(mbox.base)->closed, 1, memory_order_release);
        munmap(mbox.base, BT_MBOX_SIZE);
    }
    if (mbox.fd >= 0)
        close(mbox.fd);
    memset(&mbox, 0, sizeof(mbox));
    mbox.fd = -1;
}
