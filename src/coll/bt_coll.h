/* Collective operations: what the entry points call.
 *
 * Every collective, blocking or not, is one call: bt_coll_start builds the schedule
 * of the algorithm the selection table picks and returns a started generic request.
 * The nonblocking entry points hand that request to the user; the blocking ones wait
 * for it. Arguments arrive validated. */
#ifndef BT_COLL_H
#define BT_COLL_H

#include "api/bt_mpi.h"
#include "comm/bt_comm.h"
#include "datatype/bt_datatype.h"
#include "op/bt_op.h"
#include "pt2pt/bt_pt2pt.h"

typedef enum {
    BT_COLL_BARRIER,
    BT_COLL_BCAST,
    BT_COLL_GATHER,
    BT_COLL_GATHERV,
    BT_COLL_SCATTER,
    BT_COLL_SCATTERV,
    BT_COLL_ALLGATHER,
    BT_COLL_ALLGATHERV,
    BT_COLL_ALLTOALL,
    BT_COLL_ALLTOALLV,
    BT_COLL_ALLTOALLW,
    BT_COLL_REDUCE,
    BT_COLL_ALLREDUCE,
    BT_COLL_REDUCE_SCATTER,
    BT_COLL_REDUCE_SCATTER_BLOCK,
    BT_COLL_SCAN,
    BT_COLL_EXSCAN,
    BT_COLL_NKINDS,
    /* The neighbourhood collectives have one algorithm each (neighbor.c) and no
     * entry in the selection table. */
    BT_COLL_NEIGHBOR_ALLGATHER = BT_COLL_NKINDS,
    BT_COLL_NEIGHBOR_ALLGATHERV,
    BT_COLL_NEIGHBOR_ALLTOALL,
    BT_COLL_NEIGHBOR_ALLTOALLV,
    BT_COLL_NEIGHBOR_ALLTOALLW,
} bt_coll_kind_t;

/* The arguments of any collective. What a collective does not take, or what is not
 * significant on this rank, is 0/NULL. sendbuf is MPI_IN_PLACE where the standard
 * allows it and the user passed it.
 *   bcast:                 recvbuf, count, dt, root
 *   gather/scatter(v):     sendbuf/sendcount(s)/sendtype, recvbuf/recvcount(s)/recvtype,
 *                          displs in sdispls (scatterv) or rdispls (gatherv), root
 *   allgather(v), alltoall(v): as gather, without root
 *   alltoallw:             sendtypes/recvtypes per peer, displacements in bytes
 *   neighbor_*:            as allgather(v), alltoall(v,w) with a block per neighbour of
 *                          comm's topology
 * Count and displacement arrays are wide whichever form the user called (MPI_X or
 * MPI_X_c): the entry points widen int arrays, so one body serves both.
 *   reduce, allreduce, scan, exscan: sendbuf, recvbuf, count, dt, op (root)
 *   reduce_scatter:        sendbuf, recvbuf, recvcounts, dt, op
 *   reduce_scatter_block:  sendbuf, recvbuf, count (the block), dt, op */
typedef struct bt_coll_args {
    bt_coll_kind_t        kind;
    bt_comm_t            *comm;
    const void           *sendbuf;
    void                 *recvbuf;
    MPI_Count             count;
    bt_datatype_t        *dt;
    MPI_Count             sendcount, recvcount;
    bt_datatype_t        *sendtype, *recvtype;
    const MPI_Count      *sendcounts, *recvcounts;
    const MPI_Aint       *sdispls, *rdispls;
    bt_datatype_t *const *sendtypes, *const *recvtypes;
    bt_op_t              *op;
    int                   root;
    int                   blocking;   /* the caller waits at once: no other round can overlap */
} bt_coll_args_t;

/* Takes the collective's tag (comm->coll_seq), builds the schedule and starts it.
 * *req_p is a BT_REQ_GENERIC request, possibly already complete, or NULL when a
 * blocking call ran to completion at once (the node's shared-memory algorithms;
 * the return value is then its outcome). args may be changed on the way. */
int bt_coll_start(bt_coll_args_t *args, bt_request_t **req_p);
/* The same, blocking: starts the collective and waits for it (the layers that
 * need a collective of their own, on a communicator of theirs). */
int bt_coll_run_blocking(bt_coll_args_t *args);
/* Persistent form (MPI_<Coll>_init): takes the tag and builds the schedule once, with
 * the algorithms of the nonblocking calls; *req_p is an inactive persistent request
 * that MPI_Start (bt_pt2pt_start) runs. */
int bt_coll_init(bt_coll_args_t *args, bt_request_t **req_p);
/* Checks a BATON_COLL_<NAME> variable's value (a bt_env_family_fn). */
int bt_coll_env_check(const char *name, const char *value, char *why, size_t len);

/* What MPI_T shows and sets: the collectives' names (BARRIER, ...), the
 * algorithms (index 0 .. bt_coll_alg_count()-1, each of one collective), the
 * algorithm BATON_COLL_<NAME> forces on collective k (-1: the table picks), and
 * BATON_COLL_TRACE. Every rank must force the same: MPI_T's scope says so. */
const char *bt_coll_kind_name(int k);
int         bt_coll_alg_count(void);
const char *bt_coll_alg_name(int alg, int *kind_p);
int         bt_coll_forced_get(int k);
void        bt_coll_forced_set(int k, int alg);
int         bt_coll_trace_get(void);
void        bt_coll_trace_set(int on);

#endif
