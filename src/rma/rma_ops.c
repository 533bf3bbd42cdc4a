/* The RMA operations: put, get, the accumulates, compare-and-swap. Each is done
 * when it returns, at the origin and at the target.
 *
 * Atomicity of the accumulates: on the shared mapping (Win_allocate,
 * Win_allocate_shared) single elements are updated by atomic instructions and
 * large runs by the op's vectorized kernel under stripe locks, by the protocol
 * described at "Atomicity on the node's shared memory" below; elsewhere under
 * the target's accumulate lock. */
#include "rma/rma_impl.h"

#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"
#include "transport/bt_transport.h"
#include "util/bt_util.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

int bt_rma_in_epoch(const bt_win_t *win, int t)
{
    if (win->fence || win->lock_all || win->locks[t])
        return 1;
    if (win->access)
        for (int i = 0; i < win->access->size; i++)
            if (win->access_ranks[i] == t)
                return 1;
    return 0;
}

static int bt_rma_check_epoch(bt_win_t *win, const bt_rma_op_t *o)
{
    if (o->request ? (win->lock_all || win->locks[o->target]) : bt_rma_in_epoch(win, o->target))
        return MPI_SUCCESS;
    return bt_rma_err(MPI_ERR_RMA_SYNC, o->call, "no %sepoch is open on the window towards "
                      "target %d (fence, Win_start, Win_lock or Win_lock_all first)",
                      o->request ? "passive target " : "access ", o->target);
}

/* The target address of count elements of dt at disp, checked against the window
 * (dynamic: against the regions the target attached). */
static int bt_rma_target(bt_win_t *win, const char *call, int t, MPI_Aint disp, MPI_Count count,
                         const bt_datatype_t *dt, uint64_t *addr_p)
{
    const bt_win_peer_t *p = &win->peers[t];
    MPI_Aint off = disp * (MPI_Aint)p->disp_unit, lo, hi;

    if (count == 0 || dt->size == 0) {
        *addr_p = p->base + (uint64_t)off;
        return MPI_SUCCESS;
    }
    lo = off + dt->true_lb;
    hi = off + (MPI_Aint)(count - 1) * dt->extent + dt->true_lb + dt->true_extent;
    if (win->flavor == MPI_WIN_FLAVOR_DYNAMIC && p->am) {
        *addr_p = (uint64_t)off;   /* the target checks its regions */
        return MPI_SUCCESS;
    }
    if (win->flavor == MPI_WIN_FLAVOR_DYNAMIC) {
        bt_win_slot_t *s = bt_win_slot(win, t);
        for (int i = 0; i < BT_WIN_DYN_MAX; i++) {
            uint64_t sz = atomic_load_explicit(&s->regions[i].size, memory_order_acquire);
            uint64_t b = s->regions[i].base;
            if (sz && (uint64_t)lo >= b && (uint64_t)hi <= b + sz) {
                *addr_p = (uint64_t)off;
                return MPI_SUCCESS;
            }
        }
        return bt_rma_err(MPI_ERR_RMA_RANGE, call, "target %d has no attached region holding "
                          "bytes [%#lx, %#lx)", t, (unsigned long)lo, (unsigned long)hi);
    }
    if (disp < 0 || lo < 0 || hi > p->size)
        return bt_rma_err(MPI_ERR_RMA_RANGE, call, "target_disp %ld (disp_unit %d) with its "
                          "datatype reaches bytes [%ld, %ld), outside target %d's window of "
                          "%ld bytes", (long)disp, p->disp_unit, (long)lo, (long)hi, t,
                          (long)p->size);
    *addr_p = p->base + (uint64_t)off;
    return MPI_SUCCESS;
}

static int bt_rma_cma_err(const char *call, int t, int err)
{
    return bt_rma_err(err == EFAULT ? MPI_ERR_RMA_RANGE : MPI_ERR_OTHER, call,
                      "single copy to target %d failed: %s", t, strerror(err));
}

/* Moves the packed stream of count elements of dt between packed and the target
 * (write: into the target). */
static int bt_rma_xfer(bt_win_t *win, const char *call, int t, uint64_t addr, MPI_Count count,
                       const bt_datatype_t *dt, void *packed, int write)
{
    const bt_win_peer_t *p = &win->peers[t];
    int world = win->comm->group->world[t], err = 0;
    char *pk = packed;

    if (p->am) {
        int rc = bt_rma_am_op(win, t, write ? BT_RMA_AM_PUT : BT_RMA_AM_GET, addr, count, dt,
                              NULL, NULL, write ? packed : NULL, write ? NULL : packed);
        return rc == MPI_SUCCESS ? rc : bt_rma_err(rc, call, "refused by target %d", t);
    }
    if (p->direct) {
        char *ptr = (char *)(uintptr_t)(addr + (uint64_t)p->delta);
        if (dt->contig) {
            /* One run: a memcpy, no walk of the type (small puts and gets). */
            size_t len = (size_t)(count * dt->size);
            if (write)
                memcpy(ptr + dt->true_lb, packed, len);
            else
                memcpy(packed, ptr + dt->true_lb, len);
            return MPI_SUCCESS;
        }
        if (write)
            bt_datatype_unpack(dt, count, packed, count * dt->size, ptr);
        else
            bt_datatype_pack(dt, count, ptr, packed);
        return MPI_SUCCESS;
    }
    if (dt->contig) {
        size_t len = (size_t)(count * dt->size);
        uint64_t a = addr + (uint64_t)dt->true_lb;
        err = write ? bt_tp_cma_write(world, pk, a, len) : bt_tp_cma_read(world, pk, a, len);
        return err ? bt_rma_cma_err(call, t, err) : MPI_SUCCESS;
    }
    for (MPI_Count c = 0; c < count && !err; c++) {
        uint64_t el = addr + (uint64_t)(c * dt->extent);
        for (size_t b = 0; b < dt->nblocks && !err; b++) {
            uint64_t a = el + (uint64_t)dt->blocks[b].disp;
            size_t len = (size_t)dt->blocks[b].len;
            err = write ? bt_tp_cma_write(world, pk, a, len) : bt_tp_cma_read(world, pk, a, len);
            pk += len;
        }
    }
    return err ? bt_rma_cma_err(call, t, err) : MPI_SUCCESS;
}

/* The origin's data as a packed stream: the buffer itself when contiguous. */
static const char *bt_rma_packed_origin(const void *buf, MPI_Count count, const bt_datatype_t *dt,
                                        char **tmp_p)
{
    *tmp_p = NULL;
    if (dt->contig)
        return (const char *)buf + dt->true_lb;
    *tmp_p = bt_malloc((size_t)(count * dt->size) + 1);
    bt_datatype_pack(dt, count, buf, *tmp_p);
    return *tmp_p;
}

static int bt_rma_begin(bt_win_t *win, const bt_rma_op_t *o, uint64_t *addr_p)
{
    int rc;

    if ((rc = bt_rma_check_epoch(win, o)) != MPI_SUCCESS)
        return rc;
    /* Operations on my node complete without the engine, but a program that
     * spins on them (a lock by compare-and-swap) must still serve the requests
     * of other nodes' origins. */
    if (win->am)
        bt_progress_poll();
    return bt_rma_target(win, o->call, o->target, o->disp, o->tcount, o->tdt, addr_p);
}

int bt_rma_put(bt_win_t *win, const bt_rma_op_t *o)
{
    uint64_t addr;
    char *tmp;
    const char *src;
    int rc;

    if ((rc = bt_rma_begin(win, o, &addr)) != MPI_SUCCESS)
        return rc;
    if (o->ocount * o->odt->size != o->tcount * o->tdt->size)
        return bt_rma_err(MPI_ERR_TYPE, o->call, "the origin's %lld bytes and the target's %lld "
                          "bytes differ", (long long)(o->ocount * o->odt->size),
                          (long long)(o->tcount * o->tdt->size));
    if (o->tcount * o->tdt->size == 0)
        return MPI_SUCCESS;
    src = bt_rma_packed_origin(o->origin, o->ocount, o->odt, &tmp);
    rc = bt_rma_xfer(win, o->call, o->target, addr, o->tcount, o->tdt, (void *)src, 1);
    free(tmp);
    return rc;
}

int bt_rma_get(bt_win_t *win, const bt_rma_op_t *o)
{
    MPI_Count bytes = o->tcount * o->tdt->size;
    uint64_t addr;
    char *tmp = NULL, *dst;
    int rc;

    if ((rc = bt_rma_begin(win, o, &addr)) != MPI_SUCCESS)
        return rc;
    if (o->rcount * o->rdt->size != bytes)
        return bt_rma_err(MPI_ERR_TYPE, o->call, "the origin's %lld bytes and the target's %lld "
                          "bytes differ", (long long)(o->rcount * o->rdt->size), (long long)bytes);
    if (bytes == 0)
        return MPI_SUCCESS;
    dst = o->rdt->contig ? (char *)o->result + o->rdt->true_lb : (tmp = bt_malloc((size_t)bytes));
    rc = bt_rma_xfer(win, o->call, o->target, addr, o->tcount, o->tdt, dst, 0);
    if (rc == MPI_SUCCESS && tmp)
        bt_datatype_unpack(o->rdt, o->rcount, tmp, bytes, o->result);
    free(tmp);
    return rc;
}

/* inout = in op inout for n elements of the predefined type bdt in packed streams. */
static void bt_rma_apply_packed(bt_op_t *op, const bt_datatype_t *bdt, const char *in,
                                char *inout, MPI_Count n)
{
    _Alignas(16) char a[64];
    _Alignas(16) char b[64];

    if (bdt->contig && (uintptr_t)in % 16 == 0) {
        bt_op_apply(op, in, inout, n, bdt);
        return;
    }
    /* Pair types (MPI_DOUBLE_INT ...) have holes: combine them in their layout. */
    for (MPI_Count i = 0; i < n; i++) {
        const char *x = in + i * bdt->size;
        char *y = inout + i * bdt->size;
        bt_datatype_unpack(bdt, 1, x, bdt->size, a);
        bt_datatype_unpack(bdt, 1, y, bdt->size, b);
        bt_op_apply(op, a, b, 1, bdt);
        bt_datatype_pack(bdt, 1, b, y);
    }
}

/* ---- Atomicity on the node's shared memory.
 *
 * An element of 1, 2, 4 or 8 bytes, naturally aligned, in the shared mapping
 * (Win_allocate, Win_allocate_shared) is updated in one of two ways, and both
 * are atomic with respect to each other:
 *
 * - alone (Fetch_and_op, Compare_and_swap, accumulates of one element): by an atomic
 *   instruction, after announcing it. The origin stores the element's stripe
 *   key into its own `atom` word, then loads the stripe's lock word; if the
 *   lock is free it runs the instruction and clears `atom`; if it is held it
 *   clears `atom` and takes the second way.
 * - in bulk (large accumulates, and single elements whose stripe is locked):
 *   under the locks of the stripes the run touches, with plain loads and stores
 *   by the op's vectorized kernel. After taking the locks, the origin waits
 *   until no rank of the node announces one of those stripes.
 *
 * Why no update is lost: the announce, the stripe load, the lock exchange and
 * the loads of `atom` are all sequentially consistent, so of an announcing
 * origin A and a locking origin B at least one sees the other (the store-then-
 * load pattern of Dekker's algorithm). If A saw the lock free, B sees A's
 * announce and waits for A's release-store of 0, so A's instruction comes
 * before B's plain read-modify-write. If B saw no announce, A sees the lock
 * and does not touch the element. Bulk holders exclude each other by the lock;
 * unlocking is a release store, which the next announcer's load (or locker's
 * exchange) acquires. Stripes are taken in ascending index order (no
 * deadlock). A rank has one `atom` word: the entry points serialize its
 * threads, and the active-message handler never runs inside an announce.
 *
 * Every other element (other sizes, pair types, windows over user memory) is
 * read, combined and written under the target's accumulate lock. Which way an
 * element takes depends only on the window, its type and its address, so all
 * origins agree. */

/* Elements below which a run is updated one atomic instruction at a time: from
 * two on, one stripe lock costs less than an announce and a lock cmpxchg each. */
#define BT_RMA_BULK_MIN 2

/* One element of 1, 2, 4 or 8 bytes at p, updated atomically; old gets the
 * value it replaced. */
#define BT_RMA_CAS_LOOP(T)                                                                  \
    do {                                                                                    \
        T cur_ = __atomic_load_n((T *)p, __ATOMIC_ACQUIRE), new_;                           \
        do {                                                                                \
            new_ = cur_;                                                                    \
            if (!noop)                                                                      \
                bt_op_apply(op, in, &new_, 1, bdt);                                         \
        } while (!noop && !__atomic_compare_exchange_n((T *)p, &cur_, new_, 0,              \
                                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)); \
        if (old)                                                                            \
            memcpy(old, &cur_, sizeof(T));                                                  \
    } while (0)

static void bt_rma_atomic_elem(bt_op_t *op, int noop, const bt_datatype_t *bdt, char *p,
                               const void *origin, char *old)
{
    uint64_t v = 0;
    const void *in = &v;   /* the origin's element may be unaligned */

    if (!noop)
        memcpy(&v, origin, (size_t)bdt->size);
    switch (bdt->size) {
    case 1: BT_RMA_CAS_LOOP(uint8_t); break;
    case 2: BT_RMA_CAS_LOOP(uint16_t); break;
    case 4: BT_RMA_CAS_LOOP(uint32_t); break;
    default: BT_RMA_CAS_LOOP(uint64_t); break;
    }
}

/* Elements at p of bdt that an atomic instruction updates (the first way). */
static int bt_rma_atomic_ok(const bt_win_t *win, const bt_datatype_t *bdt, const char *p)
{
    size_t esz = (size_t)bdt->size;

    return win->shared_mem && bdt->contig && (esz == 1 || esz == 2 || esz == 4 || esz == 8) &&
           ((uintptr_t)p & (esz - 1)) == 0;
}

static size_t bt_rma_stripe_of(const bt_win_t *win, const char *p)
{
    return ((size_t)(p - win->map) >> BT_WIN_STRIPE_SHIFT) % BT_WIN_STRIPES;
}

/* Announces an atomic instruction on stripe s of target t; 0 (and nothing
 * announced) when a bulk update holds the stripe. */
static int bt_rma_announce(bt_win_t *win, int t, size_t s)
{
    bt_win_slot_t *me = bt_win_slot(win, win->rank);

    atomic_store(&me->atom, 1 + (uint32_t)((size_t)win->peers[t].node * BT_WIN_STRIPES + s));
    if (atomic_load(&bt_win_slot(win, t)->stripe[s]) == 0)
        return 1;
    atomic_store_explicit(&me->atom, 0, memory_order_release);
    return 0;
}

static void bt_rma_announce_end(bt_win_t *win)
{
    atomic_store_explicit(&bt_win_slot(win, win->rank)->atom, 0, memory_order_release);
}

static void bt_rma_spin(int *spins)
{
    /* Give the CPU away when the holder may be waiting for it (oversubscribed). */
    if (++*spins > 64)
        sched_yield();
    else
        bt_cpu_relax();
}

/* Locks the stripes of target t that bytes [p, p + len) touch and waits for the
 * atomic instructions announced on them; returns the mask of stripes held. */
static uint64_t bt_rma_stripes_lock(bt_win_t *win, int t, const char *p, size_t len)
{
    bt_win_slot_t *ts = bt_win_slot(win, t);
    size_t first = (size_t)(p - win->map) >> BT_WIN_STRIPE_SHIFT;
    size_t last = (size_t)(p + len - 1 - win->map) >> BT_WIN_STRIPE_SHIFT;
    uint32_t key0 = 1 + (uint32_t)((size_t)win->peers[t].node * BT_WIN_STRIPES);
    uint64_t mask = 0;

    if (last - first + 1 >= BT_WIN_STRIPES)
        mask = BT_WIN_STRIPES == 64 ? ~(uint64_t)0 : ((uint64_t)1 << BT_WIN_STRIPES) - 1;
    else
        for (size_t i = first; i <= last; i++)
            mask |= (uint64_t)1 << (i % BT_WIN_STRIPES);
    for (uint64_t m = mask; m; m &= m - 1) {
        int s = __builtin_ctzll(m), spins = 0;
        while (atomic_exchange(&ts->stripe[s], 1))
            while (atomic_load_explicit(&ts->stripe[s], memory_order_relaxed))
                bt_rma_spin(&spins);
    }
    for (int j = 0; j < win->nnode; j++) {
        int spins = 0;
        for (;;) {
            uint32_t a = atomic_load(&win->slots[j].atom);
            if (a < key0 || a >= key0 + BT_WIN_STRIPES || !(mask >> (a - key0) & 1))
                break;
            bt_rma_spin(&spins);
        }
    }
    return mask;
}

static void bt_rma_stripes_unlock(bt_win_t *win, int t, uint64_t mask)
{
    bt_win_slot_t *ts = bt_win_slot(win, t);

    for (uint64_t m = mask; m; m &= m - 1)
        atomic_store_explicit(&ts->stripe[__builtin_ctzll(m)], 0, memory_order_release);
}

/* n elements of bdt at p (packed layout: size == extent), in op into them;
 * in may be unaligned (the origin's buffer): combined through an aligned copy. */
static void bt_rma_apply_run(bt_op_t *op, const bt_datatype_t *bdt, const char *in, char *p,
                             MPI_Count n)
{
    _Alignas(64) char tmp[4096];
    size_t esz = (size_t)bdt->size;

    if (((uintptr_t)in & (esz - 1)) == 0) {
        bt_op_apply(op, in, p, n, bdt);
        return;
    }
    for (MPI_Count k = 0; k < n;) {
        MPI_Count m = BT_MIN(n - k, (MPI_Count)(sizeof(tmp) / esz));
        memcpy(tmp, in + k * (MPI_Count)esz, (size_t)m * esz);
        bt_op_apply(op, tmp, p + k * (MPI_Count)esz, m, bdt);
        k += m;
    }
}

/* One element without an atomic instruction (under the target's accumulate
 * lock): pair types have holes, so it is combined in its layout. */
static void bt_rma_locked_elem(bt_op_t *op, int noop, const bt_datatype_t *bdt, char *p,
                               const char *in, char *old)
{
    size_t esz = (size_t)bdt->size, ext = (size_t)bdt->extent;
    _Alignas(16) char x[64];
    _Alignas(16) char y[64];

    memcpy(y, p, ext);
    if (old)
        bt_datatype_pack(bdt, 1, y, old);
    if (!noop) {
        bt_datatype_unpack(bdt, 1, in, (MPI_Count)esz, x);
        bt_op_apply(op, x, y, 1, bdt);
        memcpy(p, y, ext);
    }
}

void bt_rma_acc_run(bt_win_t *win, int t, bt_op_t *op, const bt_datatype_t *bdt, char *p,
                    MPI_Count n, const char *in, char *old)
{
    int noop = !op || bt_op_handle(op) == MPI_NO_OP;
    size_t esz = (size_t)bdt->size, len = (size_t)n * esz;

    if (n <= 0)
        return;
    if (bt_rma_atomic_ok(win, bdt, p)) {
        uint64_t mask;
        /* One element (a short run within one stripe): atomic instructions. */
        if (n < BT_RMA_BULK_MIN && bt_rma_stripe_of(win, p) == bt_rma_stripe_of(win, p + len - 1)
            && bt_rma_announce(win, t, bt_rma_stripe_of(win, p))) {
            for (MPI_Count k = 0; k < n; k++)
                bt_rma_atomic_elem(op, noop, bdt, p + k * (MPI_Count)esz,
                                   noop ? NULL : in + k * (MPI_Count)esz,
                                   old ? old + k * (MPI_Count)esz : NULL);
            bt_rma_announce_end(win);
            return;
        }
        mask = bt_rma_stripes_lock(win, t, p, len);
        if (old)
            memcpy(old, p, len);
        if (!noop)
            bt_rma_apply_run(op, bdt, in, p, n);
        bt_rma_stripes_unlock(win, t, mask);
        return;
    }
    bt_win_acc_lock(win, t);
    if (bdt->contig && ((uintptr_t)p & (esz - 1)) == 0) {
        if (old)
            memcpy(old, p, len);
        if (!noop)
            bt_rma_apply_run(op, bdt, in, p, n);
    } else {
        for (MPI_Count k = 0; k < n; k++)
            bt_rma_locked_elem(op, noop, bdt, p + k * bdt->extent,
                               noop ? NULL : in + k * (MPI_Count)esz,
                               old ? old + k * (MPI_Count)esz : NULL);
    }
    bt_win_acc_unlock(win, t);
}

/* *p = origin if *p == compare, result = old *p, for one element of esz bytes. */
static void bt_rma_cas_plain(char *p, size_t esz, const void *origin, const void *compare,
                             void *result)
{
    char cur[16];

    memcpy(cur, p, esz);
    if (memcmp(cur, compare, esz) == 0)
        memcpy(p, origin, esz);
    memcpy(result, cur, esz);
}

#define BT_RMA_CAS_ONE(T)                                                                   \
    do {                                                                                    \
        T e_ = (T)expect;                                                                   \
        __atomic_compare_exchange_n((T *)p, &e_, (T)desired, 0, __ATOMIC_ACQ_REL,           \
                                    __ATOMIC_ACQUIRE);                                      \
        memcpy(result, &e_, sizeof(T));                                                     \
    } while (0)

void bt_rma_cas_elem(bt_win_t *win, int t, const bt_datatype_t *dt, char *p, const void *origin,
                     const void *compare, void *result)
{
    size_t esz = (size_t)dt->size;

    if (bt_rma_atomic_ok(win, dt, p)) {
        uint64_t expect = 0, desired = 0, mask;
        if (bt_rma_announce(win, t, bt_rma_stripe_of(win, p))) {
            memcpy(&expect, compare, esz);
            memcpy(&desired, origin, esz);
            switch (esz) {
            case 1: BT_RMA_CAS_ONE(uint8_t); break;
            case 2: BT_RMA_CAS_ONE(uint16_t); break;
            case 4: BT_RMA_CAS_ONE(uint32_t); break;
            default: BT_RMA_CAS_ONE(uint64_t); break;
            }
            bt_rma_announce_end(win);
            return;
        }
        mask = bt_rma_stripes_lock(win, t, p, esz);
        bt_rma_cas_plain(p, esz, origin, compare, result);
        bt_rma_stripes_unlock(win, t, mask);
        return;
    }
    bt_win_acc_lock(win, t);
    bt_rma_cas_plain(p, esz, origin, compare, result);
    bt_win_acc_unlock(win, t);
}

/* Accumulate (fetch 0) and get-accumulate (fetch 1; fetch-and-op too). */
static int bt_rma_acc(bt_win_t *win, const bt_rma_op_t *o, int fetch)
{
    int noop = bt_op_handle(o->op) == MPI_NO_OP, t = o->target, rc;
    const bt_datatype_t *tdt = o->tdt, *bdt;
    MPI_Count n;
    uint64_t addr;
    char *otmp = NULL, *old = NULL;
    _Alignas(16) char small[64];
    const char *in = NULL;

    if ((rc = bt_rma_begin(win, o, &addr)) != MPI_SUCCESS)
        return rc;
    if (!bt_op_is_predefined(o->op))
        return bt_rma_err(MPI_ERR_OP, o->call, "user-defined ops are not allowed in one-sided "
                          "accumulates");
    if (tdt->basic < 0 || (!noop && o->odt->basic != tdt->basic) ||
        (fetch && o->rdt->basic != tdt->basic))
        return bt_rma_err(MPI_ERR_TYPE, o->call, "the origin, result and target datatypes must "
                          "be built of one and the same predefined datatype");
    bdt = bt_datatype_predefined(tdt->basic);
    n = o->tcount * tdt->nbasic;
    if (n == 0)
        return MPI_SUCCESS;
    if ((rc = bt_op_check(o->op, bdt)) != MPI_SUCCESS)
        return bt_rma_err(MPI_ERR_OP, o->call, "the op is not defined on the datatype");
    if ((!noop && o->ocount * o->odt->nbasic != n) || (fetch && o->rcount * o->rdt->nbasic != n))
        return bt_rma_err(MPI_ERR_TYPE, o->call, "the origin%s and the target hold different "
                          "numbers of elements", fetch ? ", result" : "");
    if (n == 0)
        return MPI_SUCCESS;
    if (!noop)
        in = bt_rma_packed_origin(o->origin, o->ocount, o->odt, &otmp);
    /* The old values go straight into a contiguous result buffer (its layout is
     * the packed one); Fetch_and_op's one element needs no allocation either way. */
    if (fetch && o->rdt->contig)
        old = (char *)o->result + o->rdt->true_lb;
    else if (fetch)
        old = n * bdt->size <= (MPI_Count)sizeof(small) ? small : bt_malloc((size_t)(n * bdt->size));

    if (win->peers[t].am) {
        rc = bt_rma_am_op(win, t, fetch ? BT_RMA_AM_GACC : BT_RMA_AM_ACC, addr, o->tcount, tdt,
                          bdt, o->op, in, old);
        if (rc != MPI_SUCCESS)
            rc = bt_rma_err(rc, o->call, "refused by target %d", t);
    } else if (win->peers[t].direct) {
        size_t nruns, esz = (size_t)bdt->size;
        const bt_dt_run_t *runs = bt_datatype_runs(tdt, &nruns);
        char *base = (char *)(uintptr_t)(addr + (uint64_t)win->peers[t].delta);
        MPI_Count e = 0, e0 = 0, count = o->tcount;
        bt_dt_run_t whole;
        char *run = NULL, *end = NULL;
        /* Runs that touch go down as one; a type whose one run tiles its
         * extent (MPI_DOUBLE, a contiguous type) is one run of all elements. */
        if (nruns == 1 && runs[0].n * bdt->extent == tdt->extent) {
            whole = (bt_dt_run_t){ .disp = runs[0].disp, .n = count * runs[0].n };
            runs = &whole;
            count = 1;
        }
        for (MPI_Count c = 0; c < count; c++)
            for (size_t r = 0; r < nruns; e += runs[r].n, r++) {
                char *p = base + c * tdt->extent + runs[r].disp;
                if (p != end && run) {
                    bt_rma_acc_run(win, t, o->op, bdt, run, e - e0,
                                   noop ? NULL : in + e0 * (MPI_Count)esz,
                                   old ? old + e0 * (MPI_Count)esz : NULL);
                    run = NULL;
                }
                if (!run) {
                    run = p;
                    e0 = e;
                }
                end = p + runs[r].n * bdt->extent;
            }
        if (run)
            bt_rma_acc_run(win, t, o->op, bdt, run, e - e0,
                           noop ? NULL : in + e0 * (MPI_Count)esz,
                           old ? old + e0 * (MPI_Count)esz : NULL);
    } else {
        char *tpk = bt_malloc((size_t)(n * bdt->size));
        bt_win_acc_lock(win, t);
        rc = bt_rma_xfer(win, o->call, t, addr, o->tcount, tdt, tpk, 0);
        if (rc == MPI_SUCCESS && old)
            memcpy(old, tpk, (size_t)(n * bdt->size));
        if (rc == MPI_SUCCESS && !noop) {
            bt_rma_apply_packed(o->op, bdt, in, tpk, n);
            rc = bt_rma_xfer(win, o->call, t, addr, o->tcount, tdt, tpk, 1);
        }
        bt_win_acc_unlock(win, t);
        free(tpk);
    }
    if (fetch && !o->rdt->contig) {
        if (rc == MPI_SUCCESS)
            bt_datatype_unpack(o->rdt, o->rcount, old, n * bdt->size, o->result);
        if (old != small)
            free(old);
    }
    free(otmp);
    return rc;
}

int bt_rma_accumulate(bt_win_t *win, const bt_rma_op_t *o)
{
    return bt_rma_acc(win, o, 0);
}

int bt_rma_get_accumulate(bt_win_t *win, const bt_rma_op_t *o)
{
    return bt_rma_acc(win, o, 1);
}

int bt_rma_compare_and_swap(bt_win_t *win, const bt_rma_op_t *o)
{
    const bt_datatype_t *dt = o->tdt;
    size_t esz = (size_t)dt->size;
    uint64_t addr;
    int t = o->target, rc;

    if ((rc = bt_rma_begin(win, o, &addr)) != MPI_SUCCESS)
        return rc;
    if (!dt->predefined || dt->basic < 0 || !dt->contig || esz > 16)
        return bt_rma_err(MPI_ERR_TYPE, o->call, "the datatype must be a predefined integer, "
                          "logical or byte type");
    if (win->peers[t].am) {
        rc = bt_rma_am_cas(win, t, addr, dt, o->origin, o->compare, o->result);
        return rc == MPI_SUCCESS ? rc : bt_rma_err(rc, o->call, "refused by target %d", t);
    }
    if (win->peers[t].direct) {
        bt_rma_cas_elem(win, t, dt, (char *)(uintptr_t)(addr + (uint64_t)win->peers[t].delta),
                        o->origin, o->compare, o->result);
        return MPI_SUCCESS;
    }
    {
        char cur[16];
        bt_win_acc_lock(win, t);
        rc = bt_rma_xfer(win, o->call, t, addr, 1, dt, cur, 0);
        if (rc == MPI_SUCCESS && memcmp(cur, o->compare, esz) == 0)
            rc = bt_rma_xfer(win, o->call, t, addr, 1, dt, (void *)o->origin, 1);
        bt_win_acc_unlock(win, t);
        if (rc == MPI_SUCCESS)
            memcpy(o->result, cur, esz);
    }
    return rc;
}
