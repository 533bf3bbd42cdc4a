/* Windows: creation over the node's shared mapping, free, hints, shared query,
 * dynamic regions, error handlers. */
#include "rma/rma_impl.h"

#include "coll/bt_coll.h"
#include "comm/bt_info.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"
#include "transport/bt_transport.h"
#include "util/bt_fhandle.h"
#include "util/bt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

bt_win_t *bt_win_get(MPI_Win h)
{
    uintptr_t v = (uintptr_t)h;
    bt_win_t *w;

    if (BT_HANDLE_IS_PREDEFINED(h) || v < 0x10000 || (v & (sizeof(void *) - 1)))
        return NULL;
    w = (bt_win_t *)h;
    return w->magic == BT_WIN_MAGIC ? w : NULL;
}

int bt_win_raise(bt_win_t *win, int code)
{
    bt_errhandler_t *errh = win->errh;
    MPI_Win h = win->handle;
    int c = code;

    if (bt_errhandler_is_predefined(errh) || !errh->comm_fn) {
        if (errh->handle == MPI_ERRORS_RETURN)
            return code;
        bt_errhandler_fatal(code);
    }
    /* The handler may free the window's handler: hold it for the call. */
    bt_errhandler_retain(errh);
    ((MPI_Win_errhandler_function *)errh->comm_fn)(&h, &c);
    bt_errhandler_release(errh);
    return code;
}

/* Blocking collectives on the window's private communicator. */

int bt_win_barrier(bt_comm_t *comm)
{
    bt_coll_args_t a = { .kind = BT_COLL_BARRIER, .comm = comm };
    return bt_coll_run_blocking(&a);
}

static int bt_win_allgather(bt_comm_t *comm, const void *mine, void *all, size_t bytes)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLGATHER, .comm = comm, .sendbuf = mine,
                         .recvbuf = all, .sendcount = (MPI_Count)bytes,
                         .sendtype = bt_datatype_predefined(BT_DTI_BYTE),
                         .recvcount = (MPI_Count)bytes,
                         .recvtype = bt_datatype_predefined(BT_DTI_BYTE) };
    return bt_coll_run_blocking(&a);
}

/* What each rank tells the others at creation. */
typedef struct bt_win_card {
    uint64_t base;
    int64_t  bytes;
    int32_t  disp_unit;
    int32_t  noncontig;
} bt_win_card_t;

/* The first rank of my node makes the node's mapping, the others open it
 * through /proc (as the node's segment is shared); it never has a name, so
 * nothing is left behind. leader: that rank's window rank. */
static int bt_win_map(bt_win_t *win, int leader, size_t len)
{
    typedef struct { int32_t pid, fd, err, ok; } bt_win_mapid_t;
    bt_win_mapid_t id = { (int32_t)getpid(), -1, 0, 0 }, *all;
    int fd = -1, rc;

    all = bt_malloc((size_t)win->size * sizeof(*all));
    if (win->rank == leader) {
        fd = memfd_create("baton-win", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
            id.err = errno ? errno : EIO;
        id.fd = fd;
    }
    if ((rc = bt_win_allgather(win->comm, &id, all, sizeof(id))) != MPI_SUCCESS)
        goto out;
    if (!all[leader].err && win->rank != leader) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)all[leader].pid, (int)all[leader].fd);
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    win->map = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    /* Everyone has it mapped (or failed) before the leader drops its descriptor. */
    id.ok = win->map != MAP_FAILED;
    if ((rc = bt_win_allgather(win->comm, &id, all, sizeof(id))) == MPI_SUCCESS)
        for (int i = 0; i < win->size && rc == MPI_SUCCESS; i++)
            if (!all[i].ok)
                rc = bt_errcode_new(MPI_ERR_NO_MEM, "cannot map the window's shared memory");
out:
    if (rc != MPI_SUCCESS && win->map && win->map != MAP_FAILED)
        munmap(win->map, len);
    if (rc == MPI_SUCCESS)
        win->map_len = len;
    else
        win->map = NULL;
    if (fd >= 0)
        close(fd);
    free(all);
    return rc;
}

static void bt_win_hints_default(bt_win_t *win, const bt_info_t *info)
{
    win->hints = bt_info_new();
    bt_info_set(win->hints, "no_locks", "false");
    bt_info_set(win->hints, "accumulate_ordering", "rar,raw,war,waw");
    bt_info_set(win->hints, "accumulate_ops", "same_op_no_op");
    bt_info_set(win->hints, "same_size", "false");
    bt_info_set(win->hints, "same_disp_unit", "false");
    bt_info_set(win->hints, "alloc_shared_noncontig", "false");
    bt_win_set_info(win, info);
}

void bt_win_set_info(bt_win_t *win, const bt_info_t *info)
{
    if (!info)
        return;
    /* Only the standard's window hints are kept; Baton's behaviour satisfies
     * every value of them (operations are ordered and atomic as the defaults say). */
    for (int i = 0; i < info->nkeys; i++)
        if (bt_info_value(win->hints, info->entries[i].key))
            bt_info_set(win->hints, info->entries[i].key, info->entries[i].value);
}

bt_info_t *bt_win_get_info(const bt_win_t *win)
{
    return bt_info_dup(win->hints);
}

static void bt_win_destroy(bt_win_t *win)
{
    if (win->am)
        bt_rma_am_stop(win);
    if (win->map)
        munmap(win->map, win->map_len);
    if (win->flavor == MPI_WIN_FLAVOR_ALLOCATE || win->flavor == MPI_WIN_FLAVOR_SHARED)
        win->base = NULL;
    if (win->comm)
        bt_comm_release(win->comm);
    if (win->hints)
        bt_info_free(win->hints);
    if (win->errh)
        bt_errhandler_release(win->errh);
    if (win->access)
        bt_group_release(win->access);
    if (win->exposure)
        bt_group_release(win->exposure);
    free(win->access_ranks);
    free(win->exposure_ranks);
    free(win->peers);
    free(win->locks);
    free(win->node_world);
    bt_fh_forget(BT_FH_WIN, win);
    win->magic = 0;
    free(win);
}

int bt_win_create(bt_comm_t *comm, int flavor, void *base, MPI_Aint bytes, int disp_unit,
                  const bt_info_t *info, void *base_p, bt_win_t **win_p)
{
    const char *call = flavor == MPI_WIN_FLAVOR_CREATE ? "MPI_Win_create"
                     : flavor == MPI_WIN_FLAVOR_ALLOCATE ? "MPI_Win_allocate"
                     : flavor == MPI_WIN_FLAVOR_SHARED ? "MPI_Win_allocate_shared"
                     : "MPI_Win_create_dynamic";
    int n = comm->size, shared_mem, noncontig, am = 0, leader = -1, rc;
    bt_win_card_t mine, *cards;
    size_t ctl, off, len, *offs;
    bt_win_t *win;

    /* Every rank decides the same from the same facts, before any traffic. */
    shared_mem = flavor == MPI_WIN_FLAVOR_ALLOCATE || flavor == MPI_WIN_FLAVOR_SHARED;
    for (int i = 0; i < n; i++) {
        if (bt_tp_is_local(comm->group->world[i]))
            continue;
        if (flavor == MPI_WIN_FLAVOR_SHARED)
            return bt_rma_err(MPI_ERR_RMA_SHARED, call, "the ranks of comm span several nodes; "
                              "shared memory needs them all on one");
        am = 1;
    }
    if (!shared_mem && n > 1 && !bt_tp_cma_usable())
        am = 1;
    noncontig = info && bt_info_bool(info, "alloc_shared_noncontig") == 1;

    win = bt_calloc(1, sizeof(*win));
    win->magic = BT_WIN_MAGIC;
    win->flavor = flavor;
    win->model = MPI_WIN_UNIFIED;
    win->attr_flavor = flavor;
    win->attr_model = MPI_WIN_UNIFIED;
    win->shared_mem = shared_mem;
    win->rank = comm->rank;
    win->size = n;
    win->bytes = flavor == MPI_WIN_FLAVOR_DYNAMIC ? 0 : bytes;
    win->disp_unit = flavor == MPI_WIN_FLAVOR_DYNAMIC ? 1 : disp_unit;
    win->base = flavor == MPI_WIN_FLAVOR_CREATE ? base : NULL;
    win->handle = (MPI_Win)win;
    win->errh = bt_errhandler_get(MPI_ERRORS_ARE_FATAL);
    win->peers = bt_calloc((size_t)n, sizeof(*win->peers));
    win->locks = bt_calloc((size_t)n, sizeof(int));
    bt_win_hints_default(win, info);
    if ((rc = bt_comm_create(comm, comm->group, &win->comm)) != MPI_SUCCESS) {
        win->comm = NULL;
        goto err;
    }
    bt_comm_set_errhandler(win->comm, bt_errhandler_get(MPI_ERRORS_RETURN));

    mine = (bt_win_card_t){ (uint64_t)(uintptr_t)win->base, win->bytes, win->disp_unit,
                            noncontig };
    cards = bt_malloc((size_t)n * sizeof(*cards));
    if ((rc = bt_win_allgather(win->comm, &mine, cards, sizeof(mine))) != MPI_SUCCESS) {
        free(cards);
        goto err;
    }
    /* My node's ranks of the window share a mapping: the control block, then
     * each one's memory. Win_allocate_shared lays the ranks' parts end to end,
     * as the standard's default says; with alloc_shared_noncontig (and for
     * Win_allocate) each starts on a page of its own, so that ranks do not
     * share lines or pages. */
    win->node_world = bt_malloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) {
        int w = comm->group->world[i];
        win->peers[i].node = -1;
        if (!bt_tp_is_local(w))
            continue;
        if (leader < 0)
            leader = i;
        win->peers[i].node = win->nnode;
        win->node_world[win->nnode++] = w;
    }
    ctl = ((size_t)win->nnode * sizeof(bt_win_slot_t) + 4095) & ~(size_t)4095;
    offs = bt_malloc((size_t)n * sizeof(size_t));
    off = ctl;
    for (int i = 0; i < n; i++) {
        int apart = flavor == MPI_WIN_FLAVOR_ALLOCATE || cards[i].noncontig;
        offs[i] = 0;
        if (win->peers[i].node < 0)
            continue;
        if (apart)
            off = (off + 4095) & ~(size_t)4095;
        offs[i] = off;
        if (shared_mem)
            off += (size_t)cards[i].bytes;
    }
    len = BT_MAX(off, (size_t)4096);
    if ((rc = bt_win_map(win, leader, len)) != MPI_SUCCESS) {
        free(cards);
        free(offs);
        goto err;
    }
    win->slots = (bt_win_slot_t *)win->map;
    for (int i = 0; i < n; i++) {
        bt_win_peer_t *p = &win->peers[i];
        p->size = (MPI_Aint)cards[i].bytes;
        p->disp_unit = cards[i].disp_unit;
        if (p->node < 0 || (!shared_mem && i != win->rank && !bt_tp_cma_usable())) {
            /* Another node, or user memory without single copy: the target's
             * handler does it. base is an address in the target's space. */
            p->base = cards[i].base;
            p->am = 1;
        } else if (shared_mem) {
            p->base = (uint64_t)(uintptr_t)(win->map + offs[i]);
            p->direct = 1;
        } else {
            p->base = cards[i].base;
            p->direct = i == win->rank;
        }
    }
    if (shared_mem) {
        win->base = win->map + offs[win->rank];
        *(void **)base_p = win->base;
    }
    if (am && shared_mem) {
        /* Handlers of other nodes' origins need my memory's address as I see it. */
        mine.base = (uint64_t)(uintptr_t)win->base;
        if ((rc = bt_win_allgather(win->comm, &mine, cards, sizeof(mine))) != MPI_SUCCESS) {
            free(cards);
            free(offs);
            goto err;
        }
        for (int i = 0; i < n; i++)
            if (win->peers[i].am)
                win->peers[i].base = cards[i].base;
    }
    free(cards);
    free(offs);
    if (am && (rc = bt_rma_am_start(win)) != MPI_SUCCESS)
        goto err;
    *win_p = win;
    return MPI_SUCCESS;

err:
    bt_win_destroy(win);
    return rc;
}

int bt_win_free(bt_win_t *win)
{
    int rc = bt_attrs_delete_all(&win->attrs, win->handle);

    if (rc != MPI_SUCCESS)
        return rc;
    /* Nobody reaches into the memory any more once everyone got here. */
    rc = bt_win_barrier(win->comm);
    bt_win_destroy(win);
    return rc;
}

int bt_win_shared_query(bt_win_t *win, int rank, MPI_Aint *size_p, int *disp_unit_p,
                        void *baseptr_p)
{
    bt_win_peer_t *p = NULL;

    if (rank == MPI_PROC_NULL) {
        for (int i = 0; i < win->size && !p; i++)
            if (win->peers[i].size > 0 || win->flavor != MPI_WIN_FLAVOR_SHARED)
                p = &win->peers[i];
        if (!p) {
            *size_p = 0;
            *disp_unit_p = win->peers[0].disp_unit;
            *(void **)baseptr_p = NULL;
            return MPI_SUCCESS;
        }
    } else {
        p = &win->peers[rank];
    }
    if (!p->direct) {
        /* Not in my address space (another node; user memory of another rank). */
        *size_p = 0;
        *disp_unit_p = p->disp_unit;
        *(void **)baseptr_p = NULL;
        return MPI_SUCCESS;
    }
    *size_p = p->size;
    *disp_unit_p = p->disp_unit;
    *(void **)baseptr_p = (void *)(uintptr_t)p->base;
    return MPI_SUCCESS;
}

int bt_win_attach(bt_win_t *win, void *base, MPI_Aint size)
{
    bt_win_slot_t *s = bt_win_slot(win, win->rank);

    for (int i = 0; i < BT_WIN_DYN_MAX; i++) {
        if (atomic_load_explicit(&s->regions[i].size, memory_order_relaxed))
            continue;
        s->regions[i].base = (uint64_t)(uintptr_t)base;
        atomic_store_explicit(&s->regions[i].size, (uint64_t)size, memory_order_release);
        return MPI_SUCCESS;
    }
    return bt_rma_err(MPI_ERR_RMA_ATTACH, "MPI_Win_attach", "%d regions are attached already, "
                      "the most Baton keeps per rank", BT_WIN_DYN_MAX);
}

int bt_win_detach(bt_win_t *win, const void *base)
{
    bt_win_slot_t *s = bt_win_slot(win, win->rank);

    for (int i = 0; i < BT_WIN_DYN_MAX; i++) {
        if (atomic_load_explicit(&s->regions[i].size, memory_order_relaxed) &&
            s->regions[i].base == (uint64_t)(uintptr_t)base) {
            atomic_store_explicit(&s->regions[i].size, 0, memory_order_release);
            return MPI_SUCCESS;
        }
    }
    return bt_rma_err(MPI_ERR_RMA_ATTACH, "MPI_Win_detach", "base %p is not attached", base);
}

void bt_win_wake_waiters(bt_win_t *win)
{
    atomic_thread_fence(memory_order_seq_cst);
    for (int j = 0; j < win->nnode; j++)
        if (win->node_world[j] != bt_rt.rank &&
            atomic_load_explicit(&win->slots[j].waiting, memory_order_relaxed))
            bt_tp_bell_ring(win->node_world[j]);
}

void bt_win_wait_until(bt_win_t *win, int (*ready)(void *), void *arg)
{
    atomic_store(&bt_win_slot(win, win->rank)->waiting, 1);
    if (!ready(arg))
        bt_progress_until(ready, arg);
    atomic_store(&bt_win_slot(win, win->rank)->waiting, 0);
}

void bt_win_acc_lock(bt_win_t *win, int t)
{
    _Atomic uint32_t *w = &bt_win_slot(win, t)->acc;
    int spins = 0;

    /* Held for one operation's copy: spin, and give the CPU away when the holder
     * may be waiting for it (oversubscribed). */
    while (atomic_exchange_explicit(w, 1, memory_order_acquire)) {
        while (atomic_load_explicit(w, memory_order_relaxed)) {
            if (++spins > 64)
                sched_yield();
            else
                bt_cpu_relax();
        }
    }
}

void bt_win_acc_unlock(bt_win_t *win, int t)
{
    atomic_store_explicit(&bt_win_slot(win, t)->acc, 0, memory_order_release);
}
