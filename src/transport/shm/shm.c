/* The node's shared segment: layout, creation and attach, rings, doorbells.
 *
 * Segment layout (every part cache-line aligned):
 *   bt_shm_seg_t                 header
 *   bt_shm_rank_t[n]             per-rank doorbell, pid, announced-sender count
 *   uint16_t[n][n]               per receiver: senders that announced themselves (+1)
 *   bt_shm_head_t[n][n]          per ring: bytes the receiver has consumed
 *   bt_shm_flag_t[n]             per rank: the last collective round it arrived at
 *   bt_shm_job_t[n][BT_SHM_JOBS] per receiver: large messages both ends copy
 *   ring bytes [n][n]            ring (receiver r, sender s) at index r*n+s
 *   collective rounds            coll_sets sets of n slots of coll_slot bytes
 *   large collectives            2 sets of n slots of coll_large bytes
 *   bt_shm_flag_t[CHANS-1][n]    the arrivals of each further collective channel
 *   further channels' rounds     CHANS-1 times chan_sets sets of n slots
 *
 * The segment is a memfd: it has no name in /dev/shm at any time, so no crash can
 * leave it behind. The other ranks of the node open it through the creator's
 * /proc/<pid>/fd entry right after the creator published it. */
#include "transport/shm/bt_shm.h"
#include "transport/shm/ring.h"

#include "runtime/bt_pmi.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BT_SHM_MAGIC 0x4261746f6e53484dull   /* "BatonSHM" */
#define BT_SHM_JOBS  16                       /* open copy jobs per receiver */
/* Collective channels: 0 is MPI_COMM_WORLD's, the others go to other
 * communicators of the node's ranks, one each, as long as there are free ones. */
#define BT_SHM_CHANS 32

typedef struct bt_shm_seg {
    uint64_t         magic;
    uint32_t         nlocal;
    uint32_t         ring_bytes;
    _Atomic uint32_t attached;
    uint32_t         asym;        /* the node's ranks use membarrier (bt_shm_publish_fence) */
    /* Threads of the node's ranks that are not asleep on their doorbell: when they
     * outnumber the cores, a waiter should give its core away rather than poll. */
    _Atomic int32_t  awake __attribute__((aligned(BT_CACHELINE)));
} __attribute__((aligned(BT_CACHELINE))) bt_shm_seg_t;

/* Collective rounds: each rank announces its arrival on a line of its own, so
 * arrivals never contend for one line, and a rank that waits for one other rank
 * (the root of a broadcast) reads just that line. Slot sets are reused every
 * coll_sets rounds: a root runs that many rounds ahead of its readers, which
 * matters most when ranks share cores (a reader then takes many rounds in one
 * turn on its core instead of a turn per round). */
static size_t bt_shm_coll_sets(int n)
{
    /* A power of two (a set is round & (sets - 1)): 4 MiB of 8 KiB slots up to 32 ranks. */
    return n <= 8 ? 64 : n <= 32 ? 16 : 4;
}

/* The further channels' sets: fewer, as there are 31 of them (only the slots of
 * a channel's members are ever touched; the rest is address space). */
static size_t bt_shm_chan_sets(int n)
{
    return n <= 8 ? 16 : n <= 32 ? 8 : 4;
}

/* A rank's arrival word: the round in the high bits, the arrival's tag
 * (bt_shm_coll_arrive) in the low BT_SHM_COLL_TAG_BITS, so that a reader that sees
 * the round sees its tag in the same load. */
#define BT_SHM_ARRIVAL(round) ((uint64_t)(round) << BT_SHM_COLL_TAG_BITS)

typedef struct bt_shm_flag {
    _Atomic uint64_t arrival;   /* BT_SHM_ARRIVAL(round) | tag */
    _Atomic int32_t  cpu;       /* the CPU the rank last ran on, plus 1 (0: not known);
                                 * kept in channel 0's flags only */
} __attribute__((aligned(BT_CACHELINE))) bt_shm_flag_t;

/* A rank's view of a collective channel: the members (by index, as the
 * communicator's ranks) and where their arrivals and slots are. */
struct bt_shm_chan {
    /* What every round uses first: one cache line, where the struct is aligned. */
    uint64_t       round;       /* rounds this rank has entered */
    uint64_t       min;         /* every member has arrived at this round (seen last) */
    uint64_t       base;        /* the round before the channel's first here */
    size_t         sets;
    bt_shm_flag_t *flags;       /* by local rank */
    int           *local;       /* member index -> local rank; NULL: the same */
    char          *slots;       /* sets of n slots, by local rank */
    int            m, me;       /* members, my index */
    int            id;
};

typedef struct bt_shm_rank {
    _Atomic uint32_t bell;      /* futex word, bumped by every ring */
    _Atomic uint32_t sleeping;  /* threads of this rank between arm and disarm */
    _Atomic uint32_t nactive;   /* senders announced in this rank's active list */
    int32_t          pid;
    int32_t          llc;       /* id of the last-level cache of its one CPU, or -1 */
} __attribute__((aligned(BT_CACHELINE))) bt_shm_rank_t;

typedef struct bt_shm_head {
    _Atomic uint64_t head;
} __attribute__((aligned(BT_CACHELINE))) bt_shm_head_t;

/* One large message that both ends copy with the kernel's single copy: the
 * receiver reads pieces from the front, the sender writes pieces from the back,
 * each claiming as it goes, so the copy runs on two cores when the sender is in
 * MPI and on the receiver's alone when it is not. */
typedef struct bt_shm_job {
    _Atomic uint64_t claimed;   /* bytes claimed, from either end */
    _Atomic uint64_t done;      /* bytes copied */
    uint64_t         total;
    _Atomic uint32_t users;     /* ends not yet finished with the job; free at 0 */
} __attribute__((aligned(BT_CACHELINE))) bt_shm_job_t;

/* This rank's private view of one outgoing ring. */
typedef struct bt_shm_tx {
    uint64_t        tail;        /* bytes written */
    uint64_t        head_cache;  /* last seen receiver head */
    uint32_t        seq;
    int             announced;
    bt_ring_frame_t *reserved;
    size_t          reserved_size;
} bt_shm_tx_t;

/* This rank's private view of one incoming ring. */
typedef struct bt_shm_rx {
    uint64_t head;
    uint32_t seq;
} bt_shm_rx_t;

static struct {
    char           *base;
    size_t          size;
    int             fd;
    int             n, me;
    size_t          ring_bytes, frame_max;
    bt_shm_seg_t   *seg;
    bt_shm_rank_t  *ranks;
    _Atomic uint16_t *active;
    bt_shm_head_t  *heads;
    bt_shm_job_t   *jobs;
    char           *rings;
    bt_shm_tx_t    *tx;
    bt_shm_rx_t    *rx;
    bt_shm_flag_t  *flags;       /* collective arrivals, by local rank */
    bt_shm_flag_t  *chan_flags;  /* the same for channels 1.., CHANS-1 times n */
    _Atomic int32_t *chan_refs;  /* by channel: members that have not closed it (0: free) */
    size_t          coll_slot;
    bt_shm_chan_t   world __attribute__((aligned(BT_CACHELINE)));   /* channel 0 */
    char           *chan_slots;  /* channels 1..: chan_sets sets of n slots each */
    size_t          chan_sets;
    char           *large;       /* large collectives' slots */
    size_t          coll_large;
    int             large_touched;
    int8_t         *share;       /* by local rank: bt_shm_share_cache, -1 not known yet */
    int             bound_cpu;   /* the one CPU this rank may run on, plus 1; 0: several */
    int            *senders;     /* senders announced to me, polled in this order */
    int             nsenders;
    int             cma;
    int             asym;        /* sleepers fence for everyone (membarrier) */
    size_t          job_piece;   /* smallest claim of a copy job */
} shm = { .fd = -1 };

/* Waking a sleeper is the Dekker pattern: the side that publishes (a frame, a
 * consumed head, an arrival) stores, then loads the peer's `sleeping`; the side
 * that goes to sleep stores `sleeping`, then looks for work once more. Each side
 * needs a full fence between its store and its load, or both can miss the other.
 * The publishing side runs for every message and its fence waits for the cache
 * line it just wrote to leave the peer's cache; the sleeping side runs when a
 * rank has waited for a millisecond. So where the kernel allows it, the sleeper
 * forces the fence on every CPU that runs a rank (membarrier, a few microseconds)
 * and the publishers only keep the compiler from reordering. */
static inline void bt_shm_publish_fence(void)
{
    if (shm.asym)
        atomic_signal_fence(memory_order_seq_cst);
    else
        atomic_thread_fence(memory_order_seq_cst);
}

static int bt_shm_membarrier(int cmd)
{
    return (int)syscall(SYS_membarrier, cmd, 0, 0);
}

/* A number from a one-line file of sysfs; 0 or -1. */
static int bt_shm_read_long(const char *path, long *v)
{
    char buf[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    *v = strtol(buf, NULL, 10);
    return 0;
}

/* The one CPU this process may run on (MPI_Init binds ranks that fit the CPUs),
 * or -1. */
static int bt_shm_one_cpu(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1)
        return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            return c;
    return -1;
}

/* The id of the last-level cache of cpu; -1 when the kernel does not say. */
static int32_t bt_shm_llc_id(int cpu)
{
    int best_level = 0;
    int32_t id = -1;

    if (cpu < 0)
        return -1;
    for (int index = 0; index < 8; index++) {
        char path[96];
        long level, v;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu,
                 index);
        if (bt_shm_read_long(path, &level) != 0)
            break;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/id", cpu,
                 index);
        if (level > best_level && bt_shm_read_long(path, &v) == 0) {
            best_level = (int)level;
            id = (int32_t)v;
        }
    }
    return best_level >= 2 ? id : -1;
}

static size_t bt_shm_ring_default(int n)
{
    if (n <= 8)
        return 128 << 10;
    if (n <= 16)
        return 64 << 10;
    if (n <= 64)
        return 16 << 10;
    return 4 << 10;
}

/* Per rank and set, the part of a large reduction one round carries: the slots
 * of one set should stay in the caches the ranks share (about 512 KiB a set at
 * 2 ranks), and the whole area small next to the rings. */
static size_t bt_shm_coll_large_default(int n)
{
    return n <= 2 ? 256 << 10 : n <= 8 ? 128 << 10 : 64 << 10;
}

static void bt_shm_layout(int n, size_t ring_bytes, size_t coll_slot, size_t coll_large,
                          size_t offs[12])
{
    size_t off = BT_ALIGN_UP(sizeof(bt_shm_seg_t), BT_CACHELINE);
    offs[0] = off;                                   /* ranks */
    off += (size_t)n * sizeof(bt_shm_rank_t);
    offs[1] = off;                                   /* active lists */
    off = BT_ALIGN_UP(off + (size_t)n * n * sizeof(uint16_t), BT_CACHELINE);
    offs[2] = off;                                   /* heads */
    off += (size_t)n * n * sizeof(bt_shm_head_t);
    offs[3] = off;                                   /* collective arrivals */
    off += (size_t)n * sizeof(bt_shm_flag_t);
    offs[4] = off;                                   /* copy jobs */
    off += (size_t)n * BT_SHM_JOBS * sizeof(bt_shm_job_t);
    off = BT_ALIGN_UP(off, 4096);
    offs[5] = off;                                   /* rings */
    off += (size_t)n * n * ring_bytes;
    offs[6] = off;                                   /* collective slots */
    off += bt_shm_coll_sets(n) * (size_t)n * coll_slot;
    off = BT_ALIGN_UP(off, 4096);
    offs[7] = off;                                   /* large collectives */
    off += 2 * (size_t)n * coll_large;
    offs[9] = off;                                   /* further channels' users */
    off += BT_ALIGN_UP(BT_SHM_CHANS * sizeof(int32_t), BT_CACHELINE);
    offs[11] = off;                                  /* further channels' arrivals */
    off += (size_t)(BT_SHM_CHANS - 1) * n * sizeof(bt_shm_flag_t);
    off = BT_ALIGN_UP(off, 4096);
    offs[10] = off;                                  /* further channels' slots */
    off += (size_t)(BT_SHM_CHANS - 1) * bt_shm_chan_sets(n) * n * coll_slot;
    offs[8] = off;                                   /* total */
}

static inline char *bt_shm_ring(int receiver, int sender)
{
    return shm.rings + ((size_t)receiver * shm.n + sender) * shm.ring_bytes;
}

/* Maps [p, p+len) into this process ahead of use. The pages may be in use by other
 * ranks already: writes must not change them, so the fallback only reads. */
static void bt_shm_prefault(char *p, size_t len)
{
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23   /* Linux 5.14 */
#endif
    char *start = (char *)((uintptr_t)p & ~(uintptr_t)4095);

    if (madvise(start, (size_t)(p + len - start), MADV_POPULATE_WRITE) == 0)
        return;
    for (size_t o = 0; o < len; o += 4096)
        (void)*(volatile char *)(p + o);
}

static inline bt_shm_head_t *bt_shm_head_of(int receiver, int sender)
{
    return &shm.heads[(size_t)receiver * shm.n + sender];
}

static inline void bt_shm_wake(int peer)
{
    bt_shm_rank_t *r = &shm.ranks[peer];
    atomic_fetch_add_explicit(&r->bell, 1, memory_order_release);
    bt_futex(&r->bell, FUTEX_WAKE, INT_MAX, NULL);
}

/* Wakes local rank peer if a thread of it sleeps on its doorbell; the caller has
 * published what the sleeper waits for and fenced (bt_shm_publish_fence). */
static inline void bt_shm_wake_if_asleep(int peer)
{
    if (atomic_load_explicit(&shm.ranks[peer].sleeping, memory_order_relaxed))
        bt_shm_wake(peer);
}

static int bt_shm_cma_probe(void)
{
    /* Let any process of ours read our memory even where Yama restricts ptrace to
     * descendants; then check that the system call itself is allowed. */
    uint64_t src = 0x5eed, dst = 0;
    struct iovec l = { &dst, sizeof(dst) }, r = { &src, sizeof(src) };

    (void)prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)sizeof(dst) || dst != src)
        return 0;
    return 1;
}

int bt_shm_init(void)
{
    int n = bt_rt.local_size, me = bt_rt.local_rank;
    size_t ring = bt_env_size("BATON_SHM_RING", bt_shm_ring_default(n));
    /* A slot holds BATON_SHM_COLL_MAX bytes of data and the collective layer's
     * seal after them; slots start on a page, as page-aligned user buffers do
     * (memcpy between buffers at different offsets in their pages is slower). */
    size_t coll_max = bt_env_size("BATON_SHM_COLL_MAX", 8 << 10);
    size_t coll_slot = BT_ALIGN_UP(coll_max + BT_CACHELINE, (size_t)4096);
    size_t coll_large = BT_ALIGN_UP(BT_MAX(bt_env_size("BATON_SHM_COLL_LARGE",
                                                       bt_shm_coll_large_default(n)), (size_t)1),
                                    (size_t)4096);
    size_t offs[12];
    char key[64], val[128];
    int leader = bt_rt.local_ranks[0];
    int populate;

    /* A power of two, so that a position in the ring is a mask, not a division. */
    {
        size_t pow2 = 1024;
        while (pow2 < ring)
            pow2 <<= 1;
        ring = pow2;
    }
    bt_shm_layout(n, ring, coll_slot, coll_large, offs);
    shm.n = n;
    shm.me = me;
    shm.ring_bytes = ring;
    shm.frame_max = ring / 4 - BT_RING_HDR;
    shm.size = offs[8];
    shm.coll_slot = coll_slot;
    shm.chan_sets = bt_shm_chan_sets(n);
    shm.coll_large = coll_large;
    /* Small segments: this rank's own parts are touched up front (below), since a
     * first-touch fault costs ~10 us a page; the rest only as it is used, so that
     * a rank's resident memory does not count the rings of every other pair. (The
     * further channels' slots do not count: they are touched only when used.) */
    populate = offs[9] <= ((size_t)64 << 20);

    snprintf(key, sizeof(key), "bt-shm-%d", leader);
    if (me == 0) {
        shm.fd = memfd_create("baton-shm", MFD_CLOEXEC);
        if (shm.fd < 0 || ftruncate(shm.fd, (off_t)shm.size) != 0) {
            fprintf(stderr, "Baton: rank %d: cannot create the shared segment (%zu bytes): %s\n",
                    bt_rt.rank, shm.size, strerror(errno));
            return -1;
        }
        shm.base = mmap(NULL, shm.size, PROT_READ | PROT_WRITE, MAP_SHARED, shm.fd, 0);
        if (shm.base == MAP_FAILED)
            goto err_map;
        shm.seg = (bt_shm_seg_t *)shm.base;
        shm.seg->nlocal = (uint32_t)n;
        shm.seg->ring_bytes = (uint32_t)ring;
        {
            const char *mb = bt_env_str("BATON_SHM_MEMBARRIER", "auto");
            int cmds = strcmp(mb, "off") == 0 ? 0 : bt_shm_membarrier(MEMBARRIER_CMD_QUERY);
            shm.seg->asym = cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED);
        }
        atomic_store(&shm.seg->attached, 0);
        shm.seg->magic = BT_SHM_MAGIC;
        snprintf(val, sizeof(val), "%d:%d:%zu", (int)getpid(), shm.fd, shm.size);
        if (bt_pmi_put(key, val) != 0)
            return -1;
    }
    if (bt_pmi_fence() != 0)
        return -1;
    if (me != 0) {
        int pid, fd;
        size_t size;
        char path[64];

        if (bt_pmi_get(leader, key, val, sizeof(val)) != 0 ||
            sscanf(val, "%d:%d:%zu", &pid, &fd, &size) != 3 || size != shm.size) {
            fprintf(stderr, "Baton: rank %d: no shared segment published by rank %d\n",
                    bt_rt.rank, leader);
            return -1;
        }
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
        shm.fd = open(path, O_RDWR | O_CLOEXEC);
        if (shm.fd < 0) {
            fprintf(stderr, "Baton: rank %d: cannot open the node's shared segment %s: %s\n",
                    bt_rt.rank, path, strerror(errno));
            return -1;
        }
        shm.base = mmap(NULL, shm.size, PROT_READ | PROT_WRITE, MAP_SHARED, shm.fd, 0);
        if (shm.base == MAP_FAILED)
            goto err_map;
        shm.seg = (bt_shm_seg_t *)shm.base;
        if (shm.seg->magic != BT_SHM_MAGIC || shm.seg->nlocal != (uint32_t)n) {
            fprintf(stderr, "Baton: rank %d: the shared segment does not match this job\n",
                    bt_rt.rank);
            return -1;
        }
    }
    shm.ranks = (bt_shm_rank_t *)(shm.base + offs[0]);
    shm.active = (_Atomic uint16_t *)(shm.base + offs[1]);
    shm.heads = (bt_shm_head_t *)(shm.base + offs[2]);
    shm.flags = (bt_shm_flag_t *)(shm.base + offs[3]);
    shm.jobs = (bt_shm_job_t *)(shm.base + offs[4]);
    shm.rings = shm.base + offs[5];
    shm.chan_refs = (_Atomic int32_t *)(shm.base + offs[9]);
    shm.chan_flags = (bt_shm_flag_t *)(shm.base + offs[11]);
    shm.chan_slots = shm.base + offs[10];
    shm.large = shm.base + offs[7];
    shm.world = (bt_shm_chan_t){ .id = 0, .m = n, .me = me, .flags = shm.flags,
                                 .slots = shm.base + offs[6], .sets = bt_shm_coll_sets(n) };
    if (populate) {
        /* The headers, and the rings this rank receives on (senders write them). */
        bt_shm_prefault(shm.base, offs[5]);
        bt_shm_prefault(shm.base + offs[9], offs[10] - offs[9]);
        bt_shm_prefault(bt_shm_ring(me, 0), (size_t)n * ring);
    }
    shm.ranks[me].pid = (int32_t)getpid();
    shm.bound_cpu = bt_shm_one_cpu() + 1;
    shm.ranks[me].llc = bt_shm_llc_id(shm.bound_cpu - 1);
    shm.tx = bt_calloc((size_t)n, sizeof(bt_shm_tx_t));
    shm.rx = bt_calloc((size_t)n, sizeof(bt_shm_rx_t));
    shm.senders = bt_calloc((size_t)n, sizeof(int));
    shm.share = bt_malloc((size_t)n);
    memset(shm.share, -1, (size_t)n);
    for (int i = 0; i < n; i++) {
        shm.tx[i].seq = 1;
        shm.rx[i].seq = 1;
    }
    /* The creator keeps its descriptor for the life of the job (late ranks open it
     * through /proc); the others need theirs no longer once mapped. */
    if (me != 0) {
        close(shm.fd);
        shm.fd = -1;
    }
    /* Every rank of the node must take part, or none: the creator decides. */
    if (shm.seg->asym && bt_shm_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) != 0) {
        fprintf(stderr, "Baton: rank %d: membarrier registration failed (%s); run with "
                        "BATON_SHM_MEMBARRIER=off\n", bt_rt.rank, strerror(errno));
        return -1;
    }
    shm.asym = (int)shm.seg->asym;
    atomic_fetch_add(&shm.seg->awake, 1);
    /* The creator may be asleep in MPI_Finalize waiting for the last of us. */
    if (atomic_fetch_add(&shm.seg->attached, 1) + 1 == (uint32_t)n && me != 0)
        bt_shm_wake(0);
    {
        const char *mode = bt_env_str("BATON_SHM_LMT", "auto");
        shm.cma = strcmp(mode, "copy") != 0 && bt_shm_cma_probe();
        shm.job_piece = BT_MAX(bt_env_size("BATON_CMA_PIECE", 64 << 10), (size_t)4096);
        if (strcmp(mode, "cma") == 0 && !shm.cma) {
            fprintf(stderr, "Baton: BATON_SHM_LMT=cma but single copy (process_vm_readv) is not "
                            "permitted here\n");
            return -1;
        }
    }
    return 0;

err_map:
    fprintf(stderr, "Baton: rank %d: cannot map the shared segment (%zu bytes): %s\n",
            bt_rt.rank, shm.size, strerror(errno));
    return -1;
}

void bt_shm_finalize(void)
{
    if (shm.base && shm.base != MAP_FAILED)
        munmap(shm.base, shm.size);
    if (shm.fd >= 0)
        close(shm.fd);
    free(shm.tx);
    free(shm.rx);
    free(shm.senders);
    free(shm.share);
    memset(&shm, 0, sizeof(shm));
    shm.fd = -1;
}

size_t bt_shm_frame_max(void)
{
    return shm.frame_max;
}

int bt_shm_cma_usable(void)
{
    return shm.cma;
}

int bt_shm_share_cache(int peer)
{
    if (shm.share[peer] < 0) {
        /* Both wrote theirs before MPI_Init's end, and it does not change. */
        int32_t a = shm.ranks[shm.me].llc, b = shm.ranks[peer].llc;
        shm.share[peer] = (int8_t)(a >= 0 && a == b);
    }
    return shm.share[peer];
}

void *bt_shm_reserve(int peer, const bt_msg_hdr_t *hdr, size_t len)
{
    bt_shm_tx_t *tx = &shm.tx[peer];
    size_t size = bt_ring_frame_size(len);
    size_t pos = (size_t)(tx->tail & (shm.ring_bytes - 1));
    size_t pad = (pos + size > shm.ring_bytes) ? shm.ring_bytes - pos : 0;
    char *ring = bt_shm_ring(peer, shm.me);
    bt_ring_frame_t *f;

    if (tx->tail + pad + size - tx->head_cache > shm.ring_bytes) {
        tx->head_cache = atomic_load_explicit(&bt_shm_head_of(peer, shm.me)->head,
                                              memory_order_acquire);
        if (tx->tail + pad + size - tx->head_cache > shm.ring_bytes)
            return NULL;
    }
    if (bt_unlikely(!tx->announced)) {
        /* First frame to this peer: add myself to its list of senders to poll. */
        bt_shm_rank_t *r = &shm.ranks[peer];
        uint32_t slot = atomic_fetch_add(&r->nactive, 1);
        atomic_store_explicit(&shm.active[(size_t)peer * shm.n + slot], (uint16_t)(shm.me + 1),
                              memory_order_release);
        tx->announced = 1;
    }
    f = bt_ring_put(ring, pos, pad, &tx->seq, &tx->tail, hdr, len);
    tx->reserved = f;
    tx->reserved_size = size;
    return (char *)f + BT_RING_HDR;
}

void bt_shm_commit(int peer)
{
    bt_shm_tx_t *tx = &shm.tx[peer];

    atomic_store_explicit(&tx->reserved->seq, tx->seq++, memory_order_release);
    tx->tail += tx->reserved_size;
    tx->reserved = NULL;
    /* Pairs with the armed receiver's store to `sleeping` before its last poll. */
    bt_shm_publish_fence();
    bt_shm_wake_if_asleep(peer);
}

static void bt_shm_discover_senders(void)
{
    bt_shm_rank_t *me = &shm.ranks[shm.me];
    uint32_t n = atomic_load_explicit(&me->nactive, memory_order_acquire);

    while ((uint32_t)shm.nsenders < n) {
        uint16_t v = atomic_load_explicit(&shm.active[(size_t)shm.me * shm.n + shm.nsenders],
                                          memory_order_acquire);
        if (!v)
            break;   /* the sender took the slot but has not written it yet */
        shm.senders[shm.nsenders++] = v - 1;
    }
}

/* Where the next frame from sender s starts (or will). */
static inline bt_ring_frame_t *bt_shm_rx_at(int s)
{
    return (bt_ring_frame_t *)(bt_shm_ring(shm.me, s) +
                              (shm.rx[s].head & (shm.ring_bytes - 1)));
}

/* The next frame from sender s, past any wrap marker; NULL when none has arrived. */
static inline bt_ring_frame_t *bt_shm_rx_next(int s)
{
    return bt_ring_next(bt_shm_ring(shm.me, s), shm.ring_bytes, &shm.rx[s].head, &shm.rx[s].seq);
}

/* Frees the room of frame f, which bt_shm_rx_next returned and whose sequence
 * number has been taken (rx->seq advanced past it). */
static inline void bt_shm_rx_free(int s, bt_ring_frame_t *f)
{
    bt_ring_free(f, shm.rx[s].seq, &shm.rx[s].head);
}

/* Tells sender s how far this rank has consumed its ring. */
static inline void bt_shm_rx_publish(int s)
{
    atomic_store_explicit(&bt_shm_head_of(shm.me, s)->head, shm.rx[s].head, memory_order_release);
    /* The sender may be asleep waiting for room in this ring. */
    bt_shm_publish_fence();
    bt_shm_wake_if_asleep(s);
}

int bt_shm_poll(bt_tp_recv_fn fn)
{
    int delivered = 0;

    bt_shm_discover_senders();
    for (int i = 0; i < shm.nsenders; i++) {
        int s = shm.senders[i];
        bt_ring_frame_t *f;
        int got = 0;
        uint64_t published = shm.rx[s].head;

        /* A bounded batch per sender keeps one busy sender from starving the rest. */
        while (got < 64 && (f = bt_shm_rx_next(s))) {
            shm.rx[s].seq++;
            fn(bt_rt.local_ranks[s], &f->hdr, (char *)f + BT_RING_HDR, f->len);
            bt_shm_rx_free(s, f);
            got++;
            /* Large frames: give their room back as they are copied out, so that the
             * sender copies the next ones in meanwhile, rather than wait for the
             * whole batch (bandwidth at 32-96 KiB, 2 ranks: 19-20 -> 25-27 GB/s). */
            if (shm.rx[s].head - published >= shm.ring_bytes / 8) {
                bt_shm_rx_publish(s);
                published = shm.rx[s].head;
            }
        }
        if (got) {
            if (shm.rx[s].head != published)
                bt_shm_rx_publish(s);
            delivered += got;
        }
    }
    return delivered;
}

const void *bt_shm_peek(int peer, const bt_msg_hdr_t **hdr, size_t *len)
{
    bt_ring_frame_t *f = bt_shm_rx_next(peer);

    if (!f)
        return NULL;
    *hdr = &f->hdr;
    *len = f->len;
    return (char *)f + BT_RING_HDR;
}

void bt_shm_consume(int peer)
{
    /* bt_shm_peek found the frame and stepped past any wrap marker before it. */
    bt_ring_frame_t *f = bt_shm_rx_at(peer);

    shm.rx[peer].seq++;
    bt_shm_rx_free(peer, f);
    bt_shm_rx_publish(peer);
}

uint32_t bt_shm_bell_arm(void)
{
    bt_shm_rank_t *me = &shm.ranks[shm.me];
    uint32_t seen = atomic_load(&me->bell);
    atomic_fetch_add(&me->sleeping, 1);
    atomic_fetch_sub(&shm.seg->awake, 1);
    if (shm.asym)
        bt_shm_membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED);
    return seen;
}

void bt_shm_bell_wait(uint32_t seen, int timeout_ms)
{
    struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
    bt_futex(&shm.ranks[shm.me].bell, FUTEX_WAIT, seen, &ts);
}

_Atomic uint32_t *bt_shm_bell_word(void)
{
    return &shm.ranks[shm.me].bell;
}

void bt_shm_bell_disarm(void)
{
    atomic_fetch_add_explicit(&shm.seg->awake, 1, memory_order_relaxed);
    atomic_fetch_sub(&shm.ranks[shm.me].sleeping, 1);
}

int bt_shm_awake(void)
{
    return atomic_load_explicit(&shm.seg->awake, memory_order_relaxed);
}

void bt_shm_bell_ring_self(void)
{
    if (shm.ranks)
        bt_shm_wake_if_asleep(shm.me);
}

/* Copies len bytes between local and addr in local rank peer's memory: reads
 * them (process_vm_readv) or, with write, writes them. 0 or an errno. */
static int bt_shm_cma_copy(int peer, char *local, uint64_t addr, size_t len, int write)
{
    pid_t pid = shm.ranks[peer].pid;

    while (len) {
        /* Large copies go in pieces: the kernel may return short counts. */
        size_t piece = BT_MIN(len, (size_t)1 << 30);
        struct iovec l = { local, piece }, r = { (void *)(uintptr_t)addr, piece };
        ssize_t got = write ? process_vm_writev(pid, &l, 1, &r, 1, 0)
                            : process_vm_readv(pid, &l, 1, &r, 1, 0);
        if (got <= 0)
            return got < 0 ? errno : EIO;
        local += got;
        addr += (uint64_t)got;
        len -= (size_t)got;
    }
    return 0;
}

int bt_shm_cma_read(int peer, void *dst, uint64_t addr, size_t len)
{
    return bt_shm_cma_copy(peer, dst, addr, len, 0);
}

int bt_shm_cma_write(int peer, const void *src, uint64_t addr, size_t len)
{
    return bt_shm_cma_copy(peer, (char *)(uintptr_t)src, addr, len, 1);
}

void bt_shm_bell_ring(int peer)
{
    bt_shm_publish_fence();
    bt_shm_wake_if_asleep(peer);
}

int bt_shm_job_open(uint64_t total)
{
    bt_shm_job_t *jobs = &shm.jobs[(size_t)shm.me * BT_SHM_JOBS];

    for (int i = 0; i < BT_SHM_JOBS; i++) {
        bt_shm_job_t *j = &jobs[i];
        /* Pairs with the release of the last end to leave the job. */
        if (atomic_load_explicit(&j->users, memory_order_acquire))
            continue;
        j->total = total;
        atomic_store_explicit(&j->claimed, 0, memory_order_relaxed);
        atomic_store_explicit(&j->done, 0, memory_order_relaxed);
        /* The sender learns of the job from a frame committed after this. */
        atomic_store_explicit(&j->users, 2, memory_order_relaxed);
        return i;
    }
    return -1;
}

/* Runs one end of job `job` of receiver `owner`, then leaves it. */
static int bt_shm_job_run(int owner, int job, int peer, char *local, uint64_t remote, int *last_p)
{
    bt_shm_job_t *j = &shm.jobs[(size_t)owner * BT_SHM_JOBS + job];
    int pull = owner == shm.me;
    uint64_t mine = 0;   /* claimed by this end: the receiver's from the front, the sender's
                          * from the back, so the two never overlap */
    int rc = 0;

    *last_p = 0;
    for (;;) {
        uint64_t c = atomic_load_explicit(&j->claimed, memory_order_relaxed), len, off;
        /* Each claim takes half of what is left (at least a piece): few system
         * calls, and the two ends still finish close together. */
        do {
            uint64_t left = j->total - c;
            if (!left)
                goto out;
            len = BT_MAX(BT_ALIGN_UP(left / 2, (uint64_t)4096), (uint64_t)shm.job_piece);
            len = BT_MIN(len, left);
        } while (!atomic_compare_exchange_weak_explicit(&j->claimed, &c, c + len,
                                                        memory_order_relaxed,
                                                        memory_order_relaxed));
        off = pull ? mine : j->total - mine - len;
        mine += len;
        rc = bt_shm_cma_copy(peer, local + off, remote + off, (size_t)len, !pull);
        if (rc)
            break;
        if (atomic_fetch_add_explicit(&j->done, len, memory_order_acq_rel) + len == j->total)
            *last_p = 1;
    }
out:
    atomic_fetch_sub_explicit(&j->users, 1, memory_order_release);
    return rc;
}

int bt_shm_job_pull(int peer, int job, void *dst, uint64_t src, int *last_p)
{
    return bt_shm_job_run(shm.me, job, peer, dst, src, last_p);
}

int bt_shm_job_push(int peer, int job, const void *src, uint64_t dst, int *last_p)
{
    return bt_shm_job_run(peer, job, peer, (char *)src, dst, last_p);
}

size_t bt_shm_coll_slot_max(void)
{
    return shm.coll_slot;
}

bt_shm_chan_t *bt_shm_chan_world(void)
{
    return &shm.world;
}

/* Channel id's arrival lines (id >= 1), by local rank. */
static bt_shm_flag_t *bt_shm_chan_flags(int id)
{
    return shm.chan_flags + (size_t)(id - 1) * shm.n;
}

int bt_shm_chan_take(int m, uint64_t *base_p)
{
    for (int id = 1; id < BT_SHM_CHANS; id++) {
        int32_t free_refs = 0;
        uint64_t base = 0;

        if (atomic_load_explicit(&shm.chan_refs[id], memory_order_relaxed) != 0 ||
            !atomic_compare_exchange_strong_explicit(&shm.chan_refs[id], &free_refs, m,
                                                     memory_order_acquire,
                                                     memory_order_relaxed))
            continue;
        /* Every earlier member has closed it, after its last round: rounds past
         * the highest arrival cannot be mistaken for old ones. */
        for (int i = 0; i < shm.n; i++)
            base = BT_MAX(base, atomic_load_explicit(&bt_shm_chan_flags(id)[i].arrival,
                                                     memory_order_relaxed) >>
                                    BT_SHM_COLL_TAG_BITS);
        *base_p = base;
        return id;
    }
    return -1;
}

int bt_shm_chan_free(void)
{
    int n = 0;

    for (int id = 1; id < BT_SHM_CHANS; id++)
        n += atomic_load_explicit(&shm.chan_refs[id], memory_order_relaxed) == 0;
    return n;
}

bt_shm_chan_t *bt_shm_chan_open(int id, const int *locals, int m, int me, uint64_t base)
{
    bt_shm_chan_t *ch = bt_calloc(1, sizeof(*ch));

    ch->id = id;
    ch->m = m;
    ch->me = me;
    ch->local = bt_malloc((size_t)m * sizeof(int));
    memcpy(ch->local, locals, (size_t)m * sizeof(int));
    ch->flags = bt_shm_chan_flags(id);
    ch->sets = shm.chan_sets;
    ch->slots = shm.chan_slots + (size_t)(id - 1) * ch->sets * shm.n * shm.coll_slot;
    ch->base = base;
    ch->round = base;
    ch->min = base;
    return ch;
}

void bt_shm_chan_close(bt_shm_chan_t *ch)
{
    if (!ch)
        return;
    atomic_fetch_sub_explicit(&shm.chan_refs[ch->id], 1, memory_order_release);
    free(ch->local);
    free(ch);
}

static inline int bt_shm_chan_local(const bt_shm_chan_t *ch, int member)
{
    return ch->local ? ch->local[member] : member;
}

static inline _Atomic uint64_t *bt_shm_chan_arrival(const bt_shm_chan_t *ch, int member)
{
    return &ch->flags[bt_shm_chan_local(ch, member)].arrival;
}

uint64_t bt_shm_coll_next(bt_shm_chan_t *ch)
{
    return ++ch->round;
}

void *bt_shm_coll_slot(const bt_shm_chan_t *ch, uint64_t round, int member)
{
    return ch->slots + ((size_t)(round & (ch->sets - 1)) * shm.n +
                        (size_t)bt_shm_chan_local(ch, member)) * shm.coll_slot;
}

size_t bt_shm_coll_large_max(void)
{
    return shm.coll_large;
}

void *bt_shm_coll_large(uint64_t use, int local_rank)
{
    if (!shm.large_touched) {
        /* Both of this rank's slots at once: a fault a page costs more than the copy. */
        for (int set = 0; set < 2; set++)
            bt_shm_prefault(shm.large + ((size_t)set * shm.n + (size_t)shm.me) * shm.coll_large,
                            shm.coll_large);
        shm.large_touched = 1;
    }
    return shm.large + ((size_t)(use & 1) * shm.n + (size_t)local_rank) * shm.coll_large;
}

int bt_shm_coll_writable(bt_shm_chan_t *ch, uint64_t round)
{
    /* Round k uses the set of round k - SETS, which a rank has finished reading
     * once it arrived at the round after that one (a channel's first SETS rounds
     * reuse no set of its members'). */
    return round <= ch->base + ch->sets || bt_shm_coll_all_arrived(ch, round - ch->sets + 1);
}

/* This rank's CPU (plus 1), recorded on its collective line when it changed, so
 * that ranks deciding whether to yield (bt_shm_coll_mate_behind) see it. */
static int bt_shm_note_cpu(void)
{
    _Atomic int32_t *mine = &shm.flags[shm.me].cpu;
    /* A bound rank stays where it is: no need to ask (10 ns a collective). */
    int cpu = shm.bound_cpu ? shm.bound_cpu : sched_getcpu() + 1;

    if (atomic_load_explicit(mine, memory_order_relaxed) != cpu)
        atomic_store_explicit(mine, cpu, memory_order_relaxed);
    return cpu;
}

void bt_shm_coll_arrive(bt_shm_chan_t *ch, uint64_t round, uint32_t tag)
{
    bt_shm_note_cpu();
    atomic_store_explicit(bt_shm_chan_arrival(ch, ch->me),
                          BT_SHM_ARRIVAL(round) | (tag & BT_SHM_COLL_TAG_MASK),
                          memory_order_release);
    /* Pairs with a waiter's arm (bt_shm_bell_arm) before its last look: either it
     * sees this arrival, or this sees it asleep. */
    bt_shm_publish_fence();
    if (atomic_load_explicit(&shm.seg->awake, memory_order_relaxed) >= shm.n)
        return;
    for (int i = 0; i < ch->m; i++)
        if (i != ch->me)
            bt_shm_wake_if_asleep(bt_shm_chan_local(ch, i));
}

int bt_shm_coll_arrived(const bt_shm_chan_t *ch, uint64_t round, int member)
{
    return atomic_load_explicit(bt_shm_chan_arrival(ch, member), memory_order_acquire) >=
           BT_SHM_ARRIVAL(round);
}

int bt_shm_coll_tag(const bt_shm_chan_t *ch, uint64_t round, int member, uint32_t *tag_p)
{
    uint64_t w = atomic_load_explicit(bt_shm_chan_arrival(ch, member), memory_order_acquire);

    if (w >> BT_SHM_COLL_TAG_BITS != round)
        return 0;
    *tag_p = (uint32_t)(w & BT_SHM_COLL_TAG_MASK);
    return 1;
}

int bt_shm_coll_all_arrived(bt_shm_chan_t *ch, uint64_t round)
{
    uint64_t min = UINT64_MAX;

    if (ch->min >= round)
        return 1;
    for (int i = 0; i < ch->m; i++) {
        uint64_t r = atomic_load_explicit(bt_shm_chan_arrival(ch, i), memory_order_acquire) >>
                     BT_SHM_COLL_TAG_BITS;
        if (r < round)
            return 0;
        min = BT_MIN(min, r);
    }
    ch->min = min;
    return 1;
}

int bt_shm_coll_mate_behind(const bt_shm_chan_t *ch, uint64_t round)
{
    int cpu = bt_shm_note_cpu();

    for (int i = 0; i < ch->m; i++) {
        int other;
        if (i == ch->me ||
            atomic_load_explicit(bt_shm_chan_arrival(ch, i), memory_order_relaxed) >=
                BT_SHM_ARRIVAL(round))
            continue;
        other = atomic_load_explicit(&shm.flags[bt_shm_chan_local(ch, i)].cpu,
                                     memory_order_relaxed);
        if (other == cpu || other == 0)
            return 1;
    }
    return 0;
}

int bt_shm_can_detach(void)
{
    return shm.me != 0 || atomic_load(&shm.seg->attached) == (uint32_t)shm.n;
}
