/* Context ids: each process keeps a bitmap of the ids it has free; the members of
 * a new communicator AND their bitmaps and take the lowest id free on all of them.
 *
 * Under MPI_THREAD_MULTIPLE two threads may create communicators at once (on
 * different parents), and the big lock is dropped while a round waits. Only one
 * round at a time may offer the real bitmap, or both could pick the same id; the
 * others offer zeros and try again. The round that gets the bitmap is the one with
 * the smallest (parent ctx, tag), the same choice on every process, so the lowest
 * pending creation always gets through and no one waits forever. */
#include "comm/bt_comm_impl.h"
#include "util/bt_util.h"

#include <string.h>

static uint32_t bt_ctxid_mask[BT_CTXID_WORDS];   /* bit set: id free here */
static int bt_ctxid_busy;                         /* a round offers the real mask */

typedef struct bt_ctxid_waiter {
    uint64_t                key;
    struct bt_ctxid_waiter *next;
} bt_ctxid_waiter_t;

static bt_ctxid_waiter_t *bt_ctxid_waiters;

void bt_ctxid_init(void)
{
    memset(bt_ctxid_mask, 0xff, sizeof(bt_ctxid_mask));
    /* id 0: MPI_COMM_WORLD, 1: MPI_COMM_SELF, 2: the sessions' bt_comm_boot */
    bt_ctxid_mask[0] &= ~7u;
    bt_ctxid_busy = 0;
    bt_ctxid_waiters = NULL;
}

void bt_ctxid_free(uint32_t ctx)
{
    uint32_t id = ctx / 2;

    if (id >= 3 && id < BT_CTXID_COUNT)
        bt_ctxid_mask[id / 32] |= 1u << (id % 32);
}

static int bt_ctxid_first_waiter(uint64_t key)
{
    for (bt_ctxid_waiter_t *w = bt_ctxid_waiters; w; w = w->next)
        if (w->key < key)
            return 0;
    return 1;
}

int bt_ctxid_alloc(const bt_comm_part_t *p, int commit, uint32_t *ctx_p)
{
    uint32_t buf[BT_CTXID_WORDS + 1];
    bt_ctxid_waiter_t self, **pp;
    int rc = MPI_SUCCESS, owner;

    self.key = ((uint64_t)p->parent->ctx << 32) | (uint32_t)p->tag;
    self.next = bt_ctxid_waiters;
    bt_ctxid_waiters = &self;

    for (;;) {
        /* The last word says whether every participant offered its real mask. */
        owner = commit && !bt_ctxid_busy && bt_ctxid_first_waiter(self.key);
        if (!commit) {
            memset(buf, 0xff, sizeof(buf));      /* takes no id: constrains nothing */
        } else if (owner) {
            bt_ctxid_busy = 1;
            memcpy(buf, bt_ctxid_mask, sizeof(bt_ctxid_mask));
            buf[BT_CTXID_WORDS] = 1;
        } else {
            memset(buf, 0, sizeof(buf));
        }
        rc = bt_comm_allreduce_band(p, buf, BT_CTXID_WORDS + 1);
        if (owner)
            bt_ctxid_busy = 0;
        if (rc != MPI_SUCCESS)
            break;
        int id = -1;
        for (int w = 0; w < BT_CTXID_WORDS && id < 0; w++)
            if (buf[w])
                id = w * 32 + __builtin_ctz(buf[w]);
        if (id >= 0) {
            if (commit)
                bt_ctxid_mask[id / 32] &= ~(1u << (id % 32));
            *ctx_p = (uint32_t)id * 2;
            break;
        }
        if (buf[BT_CTXID_WORDS]) {
            rc = MPI_ERR_OTHER;                  /* every id is in use somewhere */
            break;
        }
        /* Some participant lent its mask to another creation: try again. The
         * next round is a new collective on the same tag, matched in order. */
    }

    for (pp = &bt_ctxid_waiters; *pp != &self; pp = &(*pp)->next)
        ;
    *pp = self.next;
    return rc;
}
