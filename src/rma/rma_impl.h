/* Private to rma/: the control block in the window's shared mapping. */
#ifndef BT_RMA_IMPL_H
#define BT_RMA_IMPL_H

#include "rma/bt_rma.h"

#include <stdatomic.h>

#define BT_WIN_LOCK_EXCL 0x80000000u
/* Stripes of the shared mapping that large accumulates lock (rma_ops.c): byte
 * offset >> BT_WIN_STRIPE_SHIFT, modulo BT_WIN_STRIPES (at most 64: a mask). */
#define BT_WIN_STRIPE_SHIFT 12
#define BT_WIN_STRIPES 32

/* One per rank of the window, a cache line apart so that ranks do not share
 * lines they spin on. */
typedef struct bt_win_slot {
    _Alignas(64) _Atomic uint32_t lock;  /* this rank's window: BT_WIN_LOCK_EXCL or shared holders */
    _Atomic uint32_t acc;         /* held while an accumulate reads and writes it */
    _Atomic uint32_t posted;      /* Win_post calls that named this rank as an origin */
    _Atomic uint32_t completed;   /* Win_complete calls towards this rank */
    _Atomic uint32_t exposed;     /* this rank is between Win_post and Win_wait (or a Win_test
                                     that said yes): locking its window is erroneous */
    _Atomic uint32_t waiting;     /* this rank may sleep until another changes a word */
    /* The stripe of the mapping whose element this rank updates by an atomic
     * instruction right now (1 + stripe key, 0: none), on a line of its own:
     * only this rank writes it. */
    _Alignas(64) _Atomic uint32_t atom;
    /* Locks of this rank's memory by stripe, held by large accumulates. */
    _Alignas(64) _Atomic uint32_t stripe[BT_WIN_STRIPES];
    /* Dynamic windows: attached regions (size 0: a free entry), written by the
     * owner only; size is published last. */
    struct {
        uint64_t         base;
        _Atomic uint64_t size;
    } regions[BT_WIN_DYN_MAX];
} bt_win_slot_t;

/* The control block slot of window rank t, which is on my node. */
static inline bt_win_slot_t *bt_win_slot(const bt_win_t *win, int t)
{
    return &win->slots[win->peers[t].node];
}

/* A barrier on the window's private communicator. */
int bt_win_barrier(bt_comm_t *comm);
/* Wakes the window's ranks that sleep waiting for a word of the control block. */
void bt_win_wake_waiters(bt_win_t *win);
/* Waits (progressing, sleeping on the doorbell) until ready(arg). */
void bt_win_wait_until(bt_win_t *win, int (*ready)(void *), void *arg);
/* The accumulate lock of target t. */
void bt_win_acc_lock(bt_win_t *win, int t);
void bt_win_acc_unlock(bt_win_t *win, int t);
/* Accumulate-type update of n consecutive elements of the predefined type bdt
 * at p (my address of target t's memory, which is on my node), by the window's
 * atomicity rule; in: the origin's packed elements (unused for MPI_NO_OP), old
 * (NULL: not wanted) gets the packed old values. */
void bt_rma_acc_run(bt_win_t *win, int t, bt_op_t *op, const bt_datatype_t *bdt, char *p,
                    MPI_Count n, const char *in, char *old);
void bt_rma_cas_elem(bt_win_t *win, int t, const bt_datatype_t *dt, char *p, const void *origin,
                     const void *compare, void *result);
/* Drops my hold of target t's lock word (t on my node) and wakes waiters. */
void bt_rma_lock_release(bt_win_t *win, int type, int t);

/* Active messages (rma_am.c). */
typedef struct bt_rma_am bt_rma_am_t;
enum { BT_RMA_AM_PUT, BT_RMA_AM_GET, BT_RMA_AM_ACC, BT_RMA_AM_GACC,
       BT_RMA_AM_LOCK, BT_RMA_AM_UNLOCK, BT_RMA_AM_POST, BT_RMA_AM_COMPLETE };
int  bt_rma_am_start(bt_win_t *win);
void bt_rma_am_stop(bt_win_t *win);
/* Put/get (bytes of the packed stream in `in` / into `result`) or accumulate
 * (elements of bdt) of count elements of dt at addr of target t, waiting for
 * the target. Returns MPI_SUCCESS or an error class. */
int  bt_rma_am_op(bt_win_t *win, int t, int kind, uint64_t addr, MPI_Count count,
                  const bt_datatype_t *dt, const bt_datatype_t *bdt, bt_op_t *op,
                  const char *in, char *result);
int  bt_rma_am_cas(bt_win_t *win, int t, uint64_t addr, const bt_datatype_t *dt,
                   const void *origin, const void *compare, void *result);
/* Lock, unlock (waiting for the target's answer), post and complete notices. */
int  bt_rma_am_sync(bt_win_t *win, int t, int kind, int lock_type);

/* An error code of errclass with the message "call: ...". */
#define bt_rma_err bt_errcode_newf

#endif
