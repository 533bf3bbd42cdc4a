/* Private to comm/: context ids and the small collectives that communicator
 * creation runs over the parent's collective context. */
#ifndef BT_COMM_IMPL_H
#define BT_COMM_IMPL_H

#include "comm/bt_comm.h"

/* 4096 ids, ctx = 2 * id: MPI_COMM_WORLD has id 0, MPI_COMM_SELF id 1,
 * bt_comm_boot id 2. */
#define BT_CTXID_COUNT 4096
#define BT_CTXID_WORDS (BT_CTXID_COUNT / 32)

/* Tags of Comm_create_group: the user's tag in a range that comm->coll_seq tags
 * (below 2^30) never reach. */
#define BT_TAG_CREATE_GROUP 0x40000000
#define BT_TAG_SEQ_MASK     0x3fffffff

/* A set of processes of parent that take part in a collective: members[i] is the
 * parent rank of participant i (NULL: all of parent, participant i = rank i);
 * me is my index. */
typedef struct bt_comm_part {
    bt_comm_t *parent;
    int        n, me;
    const int *members;
    int        tag;
} bt_comm_part_t;

/* A communicator over group with context ctx (one reference, taken from the
 * caller's on group); no attributes, no name. */
bt_comm_t *bt_comm_new(uint32_t ctx, bt_group_t *group, bt_errhandler_t *errh);

/* Participant 0 sends len bytes at buf to every participant. */
int bt_comm_bcast(const bt_comm_part_t *p, void *buf, size_t len);

/* A string tag as a tag below 2^30 (a hash: distinct strings may meet). */
int bt_stringtag_hash(const char *tag);

/* The tag of the next collective on comm. */
int bt_comm_next_tag(bt_comm_t *comm);
/* Every process of comm, with the tag of its next collective. */
bt_comm_part_t bt_comm_part_all(bt_comm_t *comm);

/* buf[i] &= the same word of every participant, result on all; nonblocking:
 * bt_comm_iband_start posts what it can, bt_comm_iband_poll goes on as messages
 * arrive and returns 1 when it is over (then b->rc says how it went). p and buf
 * must stay until then. */
struct bt_request;
typedef struct bt_comm_iband {
    const bt_comm_part_t *part;
    uint32_t             *buf, *tmp;
    int                   count;
    int                   step, m;    /* where in the tree (commcoll.c) */
    struct bt_request    *req;        /* the message in flight */
    int                   rc;
} bt_comm_iband_t;
void bt_comm_iband_start(bt_comm_iband_t *b, const bt_comm_part_t *p, uint32_t *buf,
                         int count);
int  bt_comm_iband_poll(bt_comm_iband_t *b);
/* Each participant's blk bytes at send, gathered in participant order into recv on all. */
int bt_comm_allgather(const bt_comm_part_t *p, const void *send, void *recv, size_t blk);

/* Agrees with the participants on a context id free on each of them. commit = 0:
 * take part without using the id (a split's MPI_UNDEFINED color). Blocking. */
int  bt_ctxid_alloc(const bt_comm_part_t *p, int commit, uint32_t *ctx_p);
/* The same agreement, nonblocking: bt_ctxid_op_new starts it (p is copied),
 * bt_ctxid_op_poll advances it without ever blocking and returns 1 once it is
 * over; bt_ctxid_op_result then gives the outcome and the id. */
typedef struct bt_ctxid_op bt_ctxid_op_t;
bt_ctxid_op_t *bt_ctxid_op_new(const bt_comm_part_t *p, int commit);
int  bt_ctxid_op_poll(bt_ctxid_op_t *op);
int  bt_ctxid_op_result(const bt_ctxid_op_t *op, uint32_t *ctx_p);
void bt_ctxid_op_free(bt_ctxid_op_t *op);
void bt_ctxid_free(uint32_t ctx);
void bt_ctxid_init(void);

/* Deletes every attribute of comm, calling each delete callback once; one that
 * fails does not stop the others (MPI_Finalize has no caller to report to). */
void bt_attr_delete_all_anyway(bt_comm_t *comm);

#endif
