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

/* buf[i] &= the same word of every participant, result on all. */
int bt_comm_allreduce_band(const bt_comm_part_t *p, uint32_t *buf, int count);
/* Each participant's blk bytes at send, gathered in participant order into recv on all. */
int bt_comm_allgather(const bt_comm_part_t *p, const void *send, void *recv, size_t blk);

/* Agrees with the participants on a context id free on each of them. commit = 0:
 * take part without using the id (a split's MPI_UNDEFINED color). */
int  bt_ctxid_alloc(const bt_comm_part_t *p, int commit, uint32_t *ctx_p);
void bt_ctxid_free(uint32_t ctx);
void bt_ctxid_init(void);

/* Deletes every attribute of comm, calling each delete callback once; one that
 * fails does not stop the others (MPI_Finalize has no caller to report to). */
void bt_attr_delete_all_anyway(bt_comm_t *comm);

#endif
