/* Private to pt2pt/: protocol messages, queues, shared state. */
#ifndef BT_PT2PT_IMPL_H
#define BT_PT2PT_IMPL_H

#include "pt2pt/bt_pt2pt.h"
#include "transport/bt_transport.h"

/* Protocol messages (bt_msg_hdr_t.type). */
enum {
    BT_MSG_EAGER = 1,  /* data inline; SYNC flag: cookie = sender request, answer ACK */
    BT_MSG_RTS,        /* rendezvous: payload bt_rts_t, cookie = sender request */
    BT_MSG_CTS,        /* receiver matched, send the data through the ring: bt_cts_t */
    BT_MSG_DATA,       /* a piece of a streamed rendezvous, cookie = receiver request */
    BT_MSG_FIN,        /* the single copy of the request in cookie is complete */
    BT_MSG_ACK,        /* synchronous eager send matched */
    BT_MSG_CANCEL,     /* drop the unmatched message of sender request cookie */
    BT_MSG_CANCEL_ACK, /* answer: flags BT_MSGF_CANCELLED when it was dropped */
    BT_MSG_PULL,       /* receiver copies with single copy, the sender may help: bt_pull_t */
};
#define BT_MSGF_SYNC 1
#define BT_MSGF_CANCELLED 2
#define BT_MSGF_RMA 4      /* RTS from another node: read the bytes (bt_rts_t addr, key) */

typedef struct bt_rts {
    uint64_t size;
    uint64_t addr;     /* sender's contiguous bytes, for process_vm_readv or RMA read */
    uint64_t key;      /* BT_MSGF_RMA: the key of the sender's exposed bytes */
} bt_rts_t;

typedef struct bt_cts {
    uint64_t rreq;
    uint64_t accept;   /* bytes the receiver takes (less than size when truncated) */
} bt_cts_t;

typedef struct bt_pull {
    uint64_t rreq;
    uint64_t addr;     /* where the receiver takes the message's bytes */
    uint64_t job;      /* the receiver's copy job (bt_tp_job_open) */
} bt_pull_t;

/* A message that arrived before its receive was posted. */
typedef struct bt_unexp {
    struct bt_unexp *next;
    uint32_t         ctx;
    int              src, tag;
    int              src_world;
    int              type;        /* BT_MSG_EAGER, BT_MSG_RTS, or BT_UX_SELF */
    int              flags;
    uint64_t         cookie;
    MPI_Count        size;
    uint64_t         addr, key;   /* BT_MSG_RTS: from bt_rts_t */
    bt_request_t    *self_sreq;   /* BT_UX_SELF: the send of this very process */
    bt_comm_t       *comm;        /* set when a matched probe takes the message */
    char             data[];      /* eager payload */
} bt_unexp_t;
#define BT_UX_SELF 100

/* Work waiting for room in a ring, in the order it must be sent. */
enum { BT_OUT_SEND, BT_OUT_CTRL, BT_OUT_STREAM };
typedef struct bt_out {
    struct bt_out *next;
    int            kind;
    bt_request_t  *req;
    bt_msg_hdr_t   hdr;
    uint64_t       ctrl[3];
    size_t         ctrl_len;
} bt_out_t;

typedef struct bt_out_queue {
    bt_out_t *head, *tail;
    int       rndv;               /* rendezvous sends to this rank not finished */
} bt_out_queue_t;

typedef struct bt_pt2pt_state {
    bt_request_t   *posted_head, *posted_tail;
    bt_unexp_t     *unexp_head, *unexp_tail;
    bt_out_queue_t *out;          /* by world rank */
    int             nout;         /* queues that are not empty */
    bt_request_t   *generic;      /* active BT_REQ_GENERIC requests */
    size_t          eager_max;    /* to the ranks of my node (and other jobs') */
    size_t          eager_net;    /* to other nodes' ranks */
    size_t          cma_min;
    int             cma_proven;   /* a single copy from another rank has worked */
    double          spin_s;       /* how long a waiter polls before it sleeps */
    double          spin_short_s; /* the same when more threads are awake than cores */
    double          yield_s;      /* then, until this long, sched_yield between polls */
    int             tp_up;        /* the transports are open */
    int             running;      /* MPI runs: the tunables are live (bt_pt2pt_begin .. _end) */
    int             out_cap;      /* entries of out */
} bt_pt2pt_state_t;

extern bt_pt2pt_state_t bt_p2p;

/* Space in pool for one buffered send (NULL: no room); *block_p is the inner
 * request's state for bt_bsend_release. */
bt_bsend_pool_t *bt_bsend_pool_for(const bt_comm_t *comm);
void *bt_bsend_alloc(bt_bsend_pool_t *pool, MPI_Count bytes, void **block_p);
void  bt_bsend_release(bt_request_t *inner);

/* A request's name in the frames to and from peer: its address for a peer on
 * the node; for one on another node, a handle that bt_pt2pt_cookie_req checks,
 * valid until the request completes, so that nothing from the network is ever
 * taken for an address. */
uint64_t bt_pt2pt_cookie_of(bt_request_t *req, int peer);
void     bt_pt2pt_cookie_drop(bt_request_t *req);

void bt_pt2pt_on_frame(int src_world, const bt_msg_hdr_t *hdr, const void *payload, size_t len);
int  bt_pt2pt_drain_out(void);
void bt_pt2pt_out_push(int peer, bt_out_t *o);

#endif
