/* Point-to-point: requests, matching, eager and rendezvous protocols, progress.
 *
 * Everything above this layer (the MPI_* entry points, collectives, communicator
 * creation) moves data with bt_pt2pt_isend/irecv on a context id and completes it
 * with bt_request_wait*. Collectives use BT_CTX_COLL(comm) so they never match
 * user traffic. */
#ifndef BT_PT2PT_H
#define BT_PT2PT_H

#include "api/bt_mpi.h"
#include "comm/bt_comm.h"
#include "datatype/bt_datatype.h"
#include <stdint.h>

#define BT_REQUEST_MAGIC 0x42745271u

typedef enum {
    BT_REQ_SEND,
    BT_REQ_RECV,
    BT_REQ_GENERIC,    /* completed by its poll callback (nonblocking collectives) */
    BT_REQ_GREQUEST,   /* generalized request: completed by MPI_Grequest_complete */
} bt_req_kind_t;

enum { BT_MODE_STANDARD, BT_MODE_SYNC, BT_MODE_READY, BT_MODE_BUFFERED };

typedef struct bt_request bt_request_t;
struct bt_request {
    uint32_t      magic;
    uint8_t       kind;
    uint8_t       persistent;   /* MPI_*_init: survives completion, restarted by MPI_Start */
    uint8_t       active;       /* persistent: started and not yet completed by a wait/test */
    uint8_t       user_freed;   /* MPI_Request_free while in flight: release when done */
    uint8_t       cancel_sent;  /* a send whose receiver was asked to drop it */
    int           done;
    int           refs;         /* the user's handle + the protocol's hold while in flight */

    /* Status of the completed operation. */
    int           st_source, st_tag, st_error, st_cancelled;
    MPI_Count     st_bytes;

    /* The operation. */
    void         *buf;
    MPI_Count     count;
    bt_datatype_t *dt;
    int           peer;         /* rank in comm, or MPI_ANY_SOURCE / MPI_PROC_NULL */
    int           tag;
    bt_comm_t    *comm;
    uint32_t      ctx;
    int           mode;

    /* Protocol state, private to pt2pt/. */
    char         *data;         /* the message's contiguous bytes: user buffer or tmp */
    char         *tmp;          /* packed data for non-contiguous buffers and buffered sends */
    MPI_Count     total;        /* send: message bytes; recv: bytes accepted */
    MPI_Count     offset;       /* bytes moved so far (streamed rendezvous) */
    int           world_peer;
    uint64_t      proto_cookie; /* rendezvous: the peer's request for this message */
    uint64_t      net_cookie;   /* the handle that names it to a peer on another node */
    void         *net_mem;      /* rendezvous send to another node: its exposed bytes, */
    uint64_t      net_addr, net_key; /* which the receiver reads at this address and key */
    bt_request_t *next;         /* queue link */

    /* BT_REQ_GENERIC: called by the progress engine until it returns nonzero
     * (complete). free_fn releases the state when the request goes away. */
    int         (*poll_fn)(bt_request_t *req);
    void        (*free_fn)(bt_request_t *req);
    /* Persistent BT_REQ_GENERIC: MPI_Start runs the operation again. */
    int         (*start_fn)(bt_request_t *req);
    /* BT_REQ_GENERIC, optional: whether a local rank this request waits for last
     * ran on this CPU (arg is the request), for bt_progress_until_mates. */
    int         (*behind_fn)(void *req);
    /* BT_REQ_GENERIC, optional: raises an error of the operation found at its
     * completion on the handler it belongs to (a file's); default: the comm's. */
    int         (*raise_fn)(bt_request_t *req, const char *call, int code);
    void         *state;
    bt_request_t *gnext;        /* list of active generic requests */
};

int bt_pt2pt_isend(const void *buf, MPI_Count count, bt_datatype_t *dt, int dest, int tag,
                   bt_comm_t *comm, uint32_t ctx, int mode, bt_request_t **req_p);
/* The blocking standard send's short cut: a small contiguous message to another
 * local rank whose ring is idle leaves at once, without a request. Returns 1 when
 * it left, 0 when the caller must take the general path. */
int bt_pt2pt_send_now(const void *buf, MPI_Count count, bt_datatype_t *dt, int dest, int tag,
                      bt_comm_t *comm);
/* The blocking receive's short cut: when no receive is posted and nothing is
 * queued as unexpected, waits a little on the ring of the one local sender and
 * copies its next message straight into buf if it is a small one that matches.
 * Returns 1 when the receive is done (status filled), 0 when the caller must take
 * the general path (the message, if any, is still first in line). */
int bt_pt2pt_recv_now(void *buf, MPI_Count count, bt_datatype_t *dt, int source, int tag,
                      bt_comm_t *comm, MPI_Status *status);
int bt_pt2pt_irecv(void *buf, MPI_Count count, bt_datatype_t *dt, int source, int tag,
                   bt_comm_t *comm, uint32_t ctx, bt_request_t **req_p);

/* MPI_Isendrecv(_replace): one generic request, complete when the receive and the
 * send are, with the receive's status. replace: recvbuf is sendbuf, whose send
 * data are packed away first. */
int bt_pt2pt_isendrecv(const void *sendbuf, MPI_Count sendcount, bt_datatype_t *sdt, int dest,
                       int sendtag, void *recvbuf, MPI_Count recvcount, bt_datatype_t *rdt,
                       int source, int recvtag, bt_comm_t *comm, int replace,
                       bt_request_t **req_p);

/* Generalized requests (grequest.c). A new one is active, with the user's handle
 * and the completion as holds. complete (MPI_Grequest_complete) and release (the
 * handle's end: a completing wait/test or MPI_Request_free) drop one each; the last
 * runs the user's free function and returns its code. query fills status (may be
 * NULL) through the user's query function, cancel calls the cancel function; both
 * return the function's code. */
bt_request_t *bt_grequest_start(MPI_Grequest_query_function *query_fn,
                                MPI_Grequest_free_function *free_fn,
                                MPI_Grequest_cancel_function *cancel_fn, void *extra_state);
int bt_grequest_complete(bt_request_t *req);
int bt_grequest_release(bt_request_t *req);
int bt_grequest_query(bt_request_t *req, MPI_Status *status);
int bt_grequest_cancel(bt_request_t *req);

/* Partitioned communication (part.c). bt_part_init makes the persistent request
 * of MPI_Psend_init (send 1) or MPI_Precv_init (send 0), arguments checked.
 * bt_part_kind: 1 partitioned send, 2 partitioned receive, 0 neither. ready marks
 * a partition of an active send (MPI_ERR_ARG when it was already); flush sends
 * the partitions marked since the last flush, a message per contiguous run (a
 * Pready call marks, then flushes); arrived says whether all bytes of a partition
 * of an active receive are in its buffer. */
bt_request_t *bt_part_init(int send, void *buf, int partitions, MPI_Count count,
                           bt_datatype_t *dt, int peer, int tag, bt_comm_t *comm);
int bt_part_kind(const bt_request_t *req);
int bt_part_partitions(const bt_request_t *req);
int bt_part_ready(bt_request_t *req, int partition);
void bt_part_flush(bt_request_t *req);
int bt_part_arrived(bt_request_t *req, int partition);

/* Probe and matched probe (MPI_Message is an unexpected message taken out of the queue). */
int bt_pt2pt_iprobe(int source, int tag, bt_comm_t *comm, uint32_t ctx, int remove,
                    int *flag_p, MPI_Status *status, void **msg_p);
int bt_pt2pt_imrecv(void *buf, MPI_Count count, bt_datatype_t *dt, void *msg,
                    bt_request_t **req_p);
int bt_pt2pt_cancel(bt_request_t *req);

/* Requests. */
bt_request_t *bt_request_new(bt_req_kind_t kind);
void bt_request_complete(bt_request_t *req);    /* protocol: marks done, drops its hold */
void bt_request_release(bt_request_t *req);     /* drops one reference */
void bt_request_cache_drain(void);              /* frees the kept released requests */
void bt_request_generic_start(bt_request_t *req); /* puts a BT_REQ_GENERIC on the poll list */
void bt_request_fill_status(const bt_request_t *req, MPI_Status *status);
void bt_status_set(MPI_Status *status, int source, int tag, MPI_Count bytes, int cancelled);
int  bt_request_wait(bt_request_t *req);        /* returns req->st_error */
int  bt_request_waitall(int n, bt_request_t **reqs);

/* Progress: one pass over every transport and generic request. Returns nonzero
 * when something happened. */
int  bt_progress_poll(void);
/* The pass of MPI_Test and friends: gives the core away when nothing happened and
 * the node has more awake threads than cores. */
int  bt_progress_test(void);
/* Progress until ready(arg) is true: spin, then sleep on this rank's doorbell.
 * Releases the big lock while it sleeps. */
void bt_progress_until(int (*ready)(void *), void *arg);
/* The same, for a wait that knows which local ranks it needs: behind(arg) tells
 * whether one of them that has not got there yet last ran on this CPU. When ranks
 * outnumber cores, the waiter then yields exactly when that is so. */
void bt_progress_until_mates(int (*ready)(void *), int (*behind)(void *), void *arg);

/* Persistent requests: bt_pt2pt_*_init fill an inactive request, bt_pt2pt_start
 * (MPI_Start) starts it again. */
int bt_pt2pt_send_init(const void *buf, MPI_Count count, bt_datatype_t *dt, int dest, int tag,
                       bt_comm_t *comm, int mode, bt_request_t **req_p);
int bt_pt2pt_recv_init(void *buf, MPI_Count count, bt_datatype_t *dt, int source, int tag,
                       bt_comm_t *comm, bt_request_t **req_p);
int bt_pt2pt_start(bt_request_t *req);

/* The buffers of buffered sends (bsend.c): the process's, and one per
 * communicator or session that attached one (bt_bsend_pool_new; free() it when
 * its owner goes, which its messages' requests outlive). */
typedef struct bt_bsend_pool bt_bsend_pool_t;
bt_bsend_pool_t *bt_bsend_pool_process(void);
bt_bsend_pool_t *bt_bsend_pool_new(void);
int  bt_bsend_attached(const bt_bsend_pool_t *pool);       /* pool may be NULL */
/* MPI_ERR_BUFFER when one is attached already; buf may be MPI_BUFFER_AUTOMATIC. */
int  bt_bsend_attach(bt_bsend_pool_t *pool, void *buf, MPI_Count size);
/* Waits until its messages have left; MPI_ERR_BUFFER when none is attached. */
int  bt_bsend_detach(bt_bsend_pool_t *pool, void **buf_p, MPI_Count *size_p);
void bt_bsend_flush(bt_bsend_pool_t *pool);
/* A request done when the messages buffered so far have left (pool NULL: done). */
bt_request_t *bt_bsend_iflush(bt_bsend_pool_t *pool);

/* BATON_ASYNC_PROGRESS=1: a thread that runs bt_progress_poll under the big
 * lock every 100 us, from MPI_Init to the start of MPI_Finalize. */
void bt_progress_thread_start(void);
void bt_progress_thread_stop(void);
int  bt_pt2pt_init(void);
/* Processes of other jobs (MPI_Comm_accept, _connect, _join, _spawn): which
 * host this is (bt_tp_host), how they reach this one (shared memory on this
 * host, and the network, opened when `net` asks for it; see bt_tp_reach), and the
 * peer index of the process of rank `rank` of the job named job_hash, reached at
 * addr with frames carrying secret (-1: its address is not usable). A process
 * of this job is its world rank, one already known keeps its index. */
uint64_t bt_pt2pt_host(void);
int  bt_pt2pt_reach(void *addr, size_t cap, size_t *len_p, uint64_t secret[2], int net);
int  bt_pt2pt_peer(uint64_t job_hash, int rank, const void *addr, size_t len,
                   const uint64_t secret[2]);
/* A later start of MPI, after bt_pt2pt_end: the settings the environment gives
 * (those that MPI_T may change while MPI runs) are read again. */
void bt_pt2pt_begin(void);
/* The end of one start of MPI when the transports stay up for a later one
 * (bt_runtime_close): pushes out what is queued, then forgets the unexpected
 * messages of the communicators that ended, those whose ctx keep refuses. */
void bt_pt2pt_end(int (*keep)(uint32_t ctx));
void bt_pt2pt_finalize(void);

/* The tunables MPI_T reads and writes while MPI runs (bt_pt2pt_init or
 * bt_pt2pt_begin .. bt_pt2pt_end or bt_pt2pt_finalize), by their BATON_* name:
 * 0 when name is one of them (set: 1 when it may be changed now, and was), -1
 * when it is not. */
int bt_pt2pt_tunable_get(const char *name, long long *value_p);
int bt_pt2pt_tunable_set(const char *name, long long value);

#endif
