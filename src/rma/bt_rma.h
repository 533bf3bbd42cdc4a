/* One-sided communication: windows, RMA operations, synchronization.
 *
 * Every window lives on one node. Its ranks share one mapping (a memfd made by
 * rank 0 of the window, opened by the others through /proc/<pid>/fd) that holds
 * the control block (lock words, PSCW counters, attached regions) and, for
 * Win_allocate and Win_allocate_shared, the window memory itself: put, get,
 * atomics and locks on such windows are loads, stores and atomic instructions
 * of the origin (truly passive). Windows over user memory (Win_create, dynamic)
 * are reached with single copy (process_vm_readv/writev), accumulates there
 * under a per-target lock in the control block, again without the target.
 *
 * Operations complete at the origin and at the target before the call returns,
 * so flush, unlock, complete and fence only order memory and synchronize. */
#ifndef BT_RMA_H
#define BT_RMA_H

#include "api/bt_mpi.h"
#include "comm/bt_comm.h"
#include "datatype/bt_datatype.h"
#include "op/bt_op.h"

#include <stdint.h>

#define BT_WIN_MAGIC 0x42745769u
/* Regions a rank can attach to a dynamic window at a time. */
#define BT_WIN_DYN_MAX 64

struct bt_attr;
struct bt_info;
struct bt_win_slot;

typedef struct bt_win_peer {
    uint64_t  base;      /* the window's start in that rank's address space */
    MPI_Aint  size;
    int       disp_unit;
    int       direct;    /* reachable by load/store: base + delta is my address */
    intptr_t  delta;
    int       node;      /* its slot in my node's control block, -1: another node */
    int       am;        /* reached by active messages (another node, or no single copy) */
} bt_win_peer_t;

typedef struct bt_win {
    uint32_t         magic;
    int              flavor;       /* MPI_WIN_FLAVOR_* */
    int              model;        /* MPI_WIN_UNIFIED */
    bt_comm_t       *comm;         /* private duplicate: the window's own traffic */
    int              rank, size;
    void            *base;
    MPI_Aint         bytes;
    int              disp_unit;
    int              shared_mem;   /* the memory is in the shared mapping: atomics apply */
    bt_win_peer_t   *peers;
    char            *map;          /* the shared mapping and its length */
    size_t           map_len;
    struct bt_win_slot *slots;     /* control block: one slot per rank of my node */
    int             *node_world;   /* world rank of each of them */
    int              nnode;
    struct bt_rma_am *am;          /* active messages: NULL when every peer is reached directly */
    bt_errhandler_t *errh;
    struct bt_attr  *attrs;
    struct bt_info  *hints;        /* what Win_get_info reports */
    /* Epochs of this rank. */
    int              fence;        /* a fence opened an epoch (no NOSUCCEED) */
    int              lock_all;
    int             *locks;        /* per target: 0 or MPI_LOCK_SHARED/EXCLUSIVE */
    int              nlocks;       /* targets locked by Win_lock */
    bt_group_t      *access;       /* Win_start's group, NULL: none */
    int             *access_ranks; /* its members as window ranks */
    bt_group_t      *exposure;     /* Win_post's group, NULL: none */
    int             *exposure_ranks;
    /* Attributes' values point here. */
    int              attr_flavor, attr_model;
    MPI_Win          handle;
    char             name[MPI_MAX_OBJECT_NAME];
} bt_win_t;

/* NULL when h is not a live window (MPI_WIN_NULL included). */
bt_win_t *bt_win_get(MPI_Win h);

/* Runs win's error handler for code; returns code. */
int bt_win_raise(bt_win_t *win, int code);

/* Construction, collective over comm (arguments checked). base/bytes/disp_unit
 * as the calls take them; allocate: *base_p receives the memory. Windows whose
 * ranks are not all on one node get MPI_ERR_UNSUPPORTED_OPERATION; every rank
 * sees the same. Returns MPI_SUCCESS or an error code with a message. */
int bt_win_create(bt_comm_t *comm, int flavor, void *base, MPI_Aint bytes, int disp_unit,
                  const struct bt_info *info, void *base_p, bt_win_t **win_p);
/* Collective; runs the attribute delete callbacks first. */
int bt_win_free(bt_win_t *win);

/* Hints (Win_set_info / Win_get_info). */
void bt_win_set_info(bt_win_t *win, const struct bt_info *info);
struct bt_info *bt_win_get_info(const bt_win_t *win);

/* Win_shared_query: rank MPI_PROC_NULL gives the first rank with memory. */
int bt_win_shared_query(bt_win_t *win, int rank, MPI_Aint *size_p, int *disp_unit_p,
                        void *baseptr_p);
/* Dynamic windows. */
int bt_win_attach(bt_win_t *win, void *base, MPI_Aint size);
int bt_win_detach(bt_win_t *win, const void *base);

/* The operations (rma_ops.c). `call` names the entry point in messages. Each
 * checks the epoch and the target range and returns MPI_SUCCESS or an error
 * code carrying a message. Target rank MPI_PROC_NULL is checked by the caller. */
typedef struct bt_rma_op {
    const char    *call;
    const void    *origin;
    MPI_Count      ocount;
    bt_datatype_t *odt;
    void          *result;      /* get, get_accumulate, fetch_and_op, compare_and_swap */
    MPI_Count      rcount;
    bt_datatype_t *rdt;
    const void    *compare;     /* compare_and_swap */
    int            target;
    MPI_Aint       disp;
    MPI_Count      tcount;
    bt_datatype_t *tdt;
    bt_op_t       *op;          /* NULL: put / get */
    int            request;     /* an Rput...: passive target epochs only */
} bt_rma_op_t;

int bt_rma_put(bt_win_t *win, const bt_rma_op_t *o);
int bt_rma_get(bt_win_t *win, const bt_rma_op_t *o);
int bt_rma_accumulate(bt_win_t *win, const bt_rma_op_t *o);
int bt_rma_get_accumulate(bt_win_t *win, const bt_rma_op_t *o);
int bt_rma_compare_and_swap(bt_win_t *win, const bt_rma_op_t *o);

/* Synchronization (rma_sync.c). */
int bt_rma_fence(bt_win_t *win, int assert);
int bt_rma_lock(bt_win_t *win, int type, int rank, const char *call);
int bt_rma_unlock(bt_win_t *win, int rank, const char *call);
int bt_rma_lock_all(bt_win_t *win);
int bt_rma_unlock_all(bt_win_t *win);
/* rank -1: every target (flush_all). */
int bt_rma_flush(bt_win_t *win, int rank, const char *call);
int bt_rma_post(bt_win_t *win, bt_group_t *group);
int bt_rma_start(bt_win_t *win, bt_group_t *group);
int bt_rma_complete(bt_win_t *win);
int bt_rma_wait(bt_win_t *win, int *flag_p);   /* flag_p NULL: wait; else test */
void bt_rma_sync(bt_win_t *win);
/* MPI_ERR_RMA_SYNC while this rank has an epoch open (before Win_free). */
int bt_rma_free_check(bt_win_t *win);

/* Access to a target's bytes (rma_ops.c, for sync too): the rank's epoch state. */
int bt_rma_in_epoch(const bt_win_t *win, int target);

#endif
