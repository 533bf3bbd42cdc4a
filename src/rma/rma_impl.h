/* Private to rma/: the control block in the window's shared mapping. */
#ifndef BT_RMA_IMPL_H
#define BT_RMA_IMPL_H

#include "rma/bt_rma.h"

#include <stdatomic.h>

#define BT_WIN_LOCK_EXCL 0x80000000u

/* One per rank of the window, a cache line apart so that ranks do not share
 * lines they spin on. */
typedef struct bt_win_slot {
    _Alignas(64) _Atomic uint32_t lock;  /* this rank's window: BT_WIN_LOCK_EXCL or shared holders */
    _Atomic uint32_t acc;         /* held while an accumulate reads and writes it */
    _Atomic uint32_t posted;      /* Win_post calls that named this rank as an origin */
    _Atomic uint32_t completed;   /* Win_complete calls towards this rank */
    _Atomic uint32_t waiting;     /* this rank may sleep until another changes a word */
    /* Dynamic windows: attached regions (size 0: a free entry), written by the
     * owner only; size is published last. */
    struct {
        uint64_t         base;
        _Atomic uint64_t size;
    } regions[BT_WIN_DYN_MAX];
} bt_win_slot_t;

/* A barrier on the window's private communicator. */
int bt_win_barrier(bt_comm_t *comm);
/* Wakes the window's ranks that sleep waiting for a word of the control block. */
void bt_win_wake_waiters(bt_win_t *win);
/* Waits (progressing, sleeping on the doorbell) until ready(arg). */
void bt_win_wait_until(bt_win_t *win, int (*ready)(void *), void *arg);
/* The accumulate lock of target t. */
void bt_win_acc_lock(bt_win_t *win, int t);
void bt_win_acc_unlock(bt_win_t *win, int t);
/* An error code of errclass with the message "call: ...". */
int bt_rma_err(int errclass, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
