/* Context ids: each process keeps a bitmap of the ids it has free; the members of
 * a new communicator AND the bitmaps they offer and take the lowest id free on
 * all of them. An agreement is a series of such attempts, each one nonblocking
 * AND-allreduce that the progress engine advances, so that MPI_Comm_idup returns
 * at once and the blocking constructors are the same agreement waited for.
 *
 * A process lends a free id to one attempt at a time, or two creations could pick
 * the same id: an attempt that cannot have an id offers zeros, and the agreement
 * tries again. Two rules keep every agreement moving:
 *  - An attempt whose participants may not all have joined yet must not hold ids
 *    that others need: its members may first have to finish another creation
 *    with this process (Comm_create_group before an idup on some ranks, after it
 *    on others). So the first attempt offers only the eager ids (the lowest
 *    BT_CTXID_EAGER_WORDS words), lent to one first attempt at a time. Once an
 *    attempt is over, every participant has joined: the agreement is "proven",
 *    and its later attempts may hold the rest of the mask, since they end by
 *    progress alone.
 *  - Among the proven agreements, the rest of the mask goes to the one with the
 *    smallest (parent ctx, tag), the same choice on every process, so the lowest
 *    pending creation always gets through and no one waits forever. */
#include "comm/bt_comm_impl.h"
#include "pt2pt/bt_pt2pt.h"
#include "util/bt_util.h"

#include <string.h>

#define BT_CTXID_EAGER_WORDS (BT_CTXID_WORDS / 4)

struct bt_ctxid_op {
    bt_comm_part_t  part;          /* parent retained, members copied */
    int            *members;
    int             commit;
    uint64_t        key;           /* (parent ctx, tag): the priority, lowest first */
    int             attempts;      /* attempts over so far */
    int             proven;        /* every participant has joined: on bt_ctxid_proven */
    int             lent_eager, lent_main;
    /* The offer, then the AND of all offers; the last word says whether every
     * participant offered every id it has free. */
    uint32_t        buf[BT_CTXID_WORDS + 1];
    bt_comm_iband_t band;
    int             done, rc;
    uint32_t        ctx;
    bt_ctxid_op_t  *next;          /* on bt_ctxid_proven */
};

static uint32_t bt_ctxid_mask[BT_CTXID_WORDS];   /* bit set: id free here */
static int bt_ctxid_eager_lent;                   /* an attempt holds the eager ids */
static int bt_ctxid_main_lent;                    /* an attempt holds the others */
static bt_ctxid_op_t *bt_ctxid_proven;

void bt_ctxid_init(void)
{
    memset(bt_ctxid_mask, 0xff, sizeof(bt_ctxid_mask));
    /* id 0: MPI_COMM_WORLD, 1: MPI_COMM_SELF, 2: the sessions' bt_comm_boot */
    bt_ctxid_mask[0] &= ~7u;
    bt_ctxid_eager_lent = 0;
    bt_ctxid_main_lent = 0;
    bt_ctxid_proven = NULL;
}

void bt_ctxid_free(uint32_t ctx)
{
    uint32_t id = ctx / 2;

    if (id >= 3 && id < BT_CTXID_COUNT)
        bt_ctxid_mask[id / 32] |= 1u << (id % 32);
}

static int bt_ctxid_first_proven(const bt_ctxid_op_t *op)
{
    for (const bt_ctxid_op_t *o = bt_ctxid_proven; o; o = o->next)
        if (o->key < op->key)
            return 0;
    return 1;
}

static void bt_ctxid_prove(bt_ctxid_op_t *op)
{
    op->proven = 1;
    op->next = bt_ctxid_proven;
    bt_ctxid_proven = op;
}

/* Fills op->buf with what this process lends to the next attempt. */
static void bt_ctxid_offer(bt_ctxid_op_t *op)
{
    const size_t eager = BT_CTXID_EAGER_WORDS * sizeof(uint32_t);

    memset(op->buf, 0, sizeof(op->buf));
    if (!op->commit) {
        memset(op->buf, 0xff, sizeof(op->buf));   /* takes no id: constrains nothing */
        return;
    }
    if (!op->proven) {
        if (!bt_ctxid_eager_lent) {
            memcpy(op->buf, bt_ctxid_mask, eager);
            bt_ctxid_eager_lent = op->lent_eager = 1;
        }
        return;
    }
    if (bt_ctxid_main_lent || !bt_ctxid_first_proven(op))
        return;
    memcpy(op->buf + BT_CTXID_EAGER_WORDS, bt_ctxid_mask + BT_CTXID_EAGER_WORDS,
           sizeof(bt_ctxid_mask) - eager);
    bt_ctxid_main_lent = op->lent_main = 1;
    if (!bt_ctxid_eager_lent) {
        memcpy(op->buf, bt_ctxid_mask, eager);
        bt_ctxid_eager_lent = op->lent_eager = 1;
        op->buf[BT_CTXID_WORDS] = 1;
    }
}

static void bt_ctxid_attempt_start(bt_ctxid_op_t *op)
{
    bt_ctxid_offer(op);
    bt_comm_iband_start(&op->band, &op->part, op->buf, BT_CTXID_WORDS + 1);
}

/* The attempt is over: take the id, or give up, or start the next attempt. */
static void bt_ctxid_attempt_end(bt_ctxid_op_t *op)
{
    int id = -1;

    if (op->lent_eager)
        bt_ctxid_eager_lent = op->lent_eager = 0;
    if (op->lent_main)
        bt_ctxid_main_lent = op->lent_main = 0;
    op->attempts++;
    if (op->band.rc != MPI_SUCCESS) {
        op->rc = op->band.rc;
        op->done = 1;
        return;
    }
    for (int w = 0; w < BT_CTXID_WORDS && id < 0; w++)
        if (op->buf[w])
            id = w * 32 + __builtin_ctz(op->buf[w]);
    if (id >= 0) {
        if (op->commit)
            bt_ctxid_mask[id / 32] &= ~(1u << (id % 32));
        op->ctx = (uint32_t)id * 2;
        op->done = 1;
        return;
    }
    if (op->buf[BT_CTXID_WORDS]) {
        op->rc = MPI_ERR_OTHER;                  /* every id is in use somewhere */
        op->done = 1;
        return;
    }
    /* Some participant lent its ids to another creation: try again. The next
     * attempt is a new collective on the same tag, matched in order. */
    if (!op->proven)
        bt_ctxid_prove(op);
    bt_ctxid_attempt_start(op);
}

bt_ctxid_op_t *bt_ctxid_op_new(const bt_comm_part_t *p, int commit)
{
    bt_ctxid_op_t *op = bt_calloc(1, sizeof(*op));

    op->part = *p;
    bt_comm_retain(p->parent);
    if (p->members) {
        op->members = bt_malloc((size_t)p->n * sizeof(int));
        memcpy(op->members, p->members, (size_t)p->n * sizeof(int));
        op->part.members = op->members;
    }
    op->commit = commit;
    op->key = ((uint64_t)p->parent->ctx << 32) | (uint32_t)p->tag;
    op->rc = MPI_SUCCESS;
    /* Alone, nothing can be waiting for another process: no need to prove it. */
    if (p->n <= 1)
        bt_ctxid_prove(op);
    bt_ctxid_attempt_start(op);
    return op;
}

int bt_ctxid_op_poll(bt_ctxid_op_t *op)
{
    /* One attempt per call at most: an attempt that failed because this process
     * lent its ids elsewhere waits for progress, not for a spin in here. */
    if (!op->done && bt_comm_iband_poll(&op->band))
        bt_ctxid_attempt_end(op);
    return op->done;
}

int bt_ctxid_op_result(const bt_ctxid_op_t *op, uint32_t *ctx_p)
{
    if (op->rc == MPI_SUCCESS)
        *ctx_p = op->ctx;
    return op->rc;
}

void bt_ctxid_op_free(bt_ctxid_op_t *op)
{
    if (!op)
        return;
    if (op->proven) {
        bt_ctxid_op_t **pp = &bt_ctxid_proven;
        while (*pp != op)
            pp = &(*pp)->next;
        *pp = op->next;
    }
    bt_comm_release(op->part.parent);
    free(op->members);
    free(op);
}

static int bt_ctxid_op_ready(void *arg)
{
    return bt_ctxid_op_poll(arg);
}

int bt_ctxid_alloc(const bt_comm_part_t *p, int commit, uint32_t *ctx_p)
{
    bt_ctxid_op_t *op = bt_ctxid_op_new(p, commit);
    int rc;

    bt_progress_until(bt_ctxid_op_ready, op);
    rc = bt_ctxid_op_result(op, ctx_p);
    bt_ctxid_op_free(op);
    return rc;
}
