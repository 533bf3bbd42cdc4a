/* The collectives communicator creation needs (context id agreement, split), on
 * the parent's collective context: binomial trees rooted at participant 0, which
 * work for any number of participants. Small data only. The context id's
 * AND-allreduce is nonblocking (a step function the progress engine calls), so
 * that MPI_Comm_idup can return before the other members have joined. */
#include "comm/bt_comm_impl.h"
#include "pt2pt/bt_pt2pt.h"
#include "util/bt_util.h"

#include <string.h>

int bt_comm_next_tag(bt_comm_t *comm)
{
    return bt_comm_coll_tag(comm, 1);
}

static int bt_part_rank(const bt_comm_part_t *p, int i)
{
    return p->members ? p->members[i] : i;
}

static int bt_part_send(const bt_comm_part_t *p, int to, const void *buf, size_t len)
{
    bt_request_t *req;
    int rc = bt_pt2pt_isend(buf, (MPI_Count)len, bt_datatype_get(MPI_BYTE), bt_part_rank(p, to),
                            p->tag, p->parent, BT_CTX_COLL(p->parent), BT_MODE_STANDARD, &req);

    if (rc != MPI_SUCCESS)
        return rc;
    rc = bt_request_wait(req);
    bt_request_release(req);
    return rc;
}

static int bt_part_recv(const bt_comm_part_t *p, int from, void *buf, size_t len)
{
    bt_request_t *req;
    int rc = bt_pt2pt_irecv(buf, (MPI_Count)len, bt_datatype_get(MPI_BYTE), bt_part_rank(p, from),
                            p->tag, p->parent, BT_CTX_COLL(p->parent), &req);

    if (rc != MPI_SUCCESS)
        return rc;
    rc = bt_request_wait(req);
    bt_request_release(req);
    return rc;
}

/* Participant 0 sends buf to everyone down the tree. */
int bt_comm_bcast(const bt_comm_part_t *p, void *buf, size_t len)
{
    int me = p->me, low, rc;

    if (me != 0) {
        low = me & -me;
        if ((rc = bt_part_recv(p, me - low, buf, len)) != MPI_SUCCESS)
            return rc;
    } else {
        for (low = 1; low < p->n; low <<= 1)
            ;
    }
    for (int m = low >> 1; m > 0; m >>= 1)
        if (me + m < p->n && (rc = bt_part_send(p, me + m, buf, len)) != MPI_SUCCESS)
            return rc;
    return MPI_SUCCESS;
}

/* The steps of the AND-allreduce: a binomial reduction to participant 0, then the
 * broadcast of the result back down the same tree. */
enum { BT_IBAND_REDUCE, BT_IBAND_CHILD, BT_IBAND_UP, BT_IBAND_DOWN, BT_IBAND_DONE };

/* Posts one message of the AND-allreduce; an error ends it (after b->step is set
 * for the success case, which an error overrides). */
static void bt_iband_post(bt_comm_iband_t *b, int send, int peer, uint32_t *buf)
{
    const bt_comm_part_t *p = b->part;
    size_t len = (size_t)b->count * sizeof(uint32_t);
    int rc;

    if (send)
        rc = bt_pt2pt_isend(buf, (MPI_Count)len, bt_datatype_get(MPI_BYTE),
                            bt_part_rank(p, peer), p->tag, p->parent, BT_CTX_COLL(p->parent),
                            BT_MODE_STANDARD, &b->req);
    else
        rc = bt_pt2pt_irecv(buf, (MPI_Count)len, bt_datatype_get(MPI_BYTE),
                            bt_part_rank(p, peer), p->tag, p->parent, BT_CTX_COLL(p->parent),
                            &b->req);
    if (rc != MPI_SUCCESS) {
        b->req = NULL;
        b->rc = rc;
        b->step = BT_IBAND_DONE;
    }
}

void bt_comm_iband_start(bt_comm_iband_t *b, const bt_comm_part_t *p, uint32_t *buf, int count)
{
    b->part = p;
    b->buf = buf;
    b->count = count;
    b->tmp = p->n > 1 ? bt_malloc((size_t)count * sizeof(uint32_t)) : NULL;
    b->req = NULL;
    b->rc = MPI_SUCCESS;
    b->m = 1;
    b->step = p->n > 1 ? BT_IBAND_REDUCE : BT_IBAND_DONE;
    bt_comm_iband_poll(b);
}

int bt_comm_iband_poll(bt_comm_iband_t *b)
{
    const bt_comm_part_t *p = b->part;
    int me = p->me;

    for (;;) {
        if (b->req) {
            if (!b->req->done)
                return 0;
            if (b->req->st_error != MPI_SUCCESS) {
                b->rc = b->req->st_error;
                b->step = BT_IBAND_DONE;
            }
            bt_request_release(b->req);
            b->req = NULL;
        }
        switch (b->step) {
        case BT_IBAND_REDUCE:
            /* After round m, participant me holds the AND of [me, me + 2m). */
            if (b->m >= p->n) {
                /* Only participant 0 gets here: it holds the result. */
                b->m = 1;
                while (b->m < p->n)
                    b->m <<= 1;
                b->m >>= 1;
                b->step = BT_IBAND_DOWN;
            } else if (me & b->m) {
                b->step = BT_IBAND_UP;
                bt_iband_post(b, 1, me - b->m, b->buf);
            } else if (me + b->m < p->n) {
                b->step = BT_IBAND_CHILD;
                bt_iband_post(b, 0, me + b->m, b->tmp);
            } else {
                b->m <<= 1;
            }
            break;
        case BT_IBAND_CHILD:
            for (int i = 0; i < b->count; i++)
                b->buf[i] &= b->tmp[i];
            b->m <<= 1;
            b->step = BT_IBAND_REDUCE;
            break;
        case BT_IBAND_UP:
            /* The result comes back from the participant the partial went to;
             * then it goes on to the subtrees below me, the largest first. */
            b->step = BT_IBAND_DOWN;
            bt_iband_post(b, 0, me - b->m, b->buf);
            b->m >>= 1;
            break;
        case BT_IBAND_DOWN:
            while (b->m > 0 && me + b->m >= p->n)
                b->m >>= 1;
            if (b->m == 0) {
                b->step = BT_IBAND_DONE;
                break;
            }
            bt_iband_post(b, 1, me + b->m, b->buf);
            b->m >>= 1;
            break;
        case BT_IBAND_DONE:
            free(b->tmp);
            b->tmp = NULL;
            return 1;
        }
    }
}

int bt_comm_allgather(const bt_comm_part_t *p, const void *send, void *recv, size_t blk)
{
    char *out = recv;
    int rc = MPI_SUCCESS;

    bt_copy(out + (size_t)p->me * blk, send, blk);
    if (p->n <= 1)
        return MPI_SUCCESS;
    /* Gather: after round m, participant me holds the blocks of [me, me + 2m). */
    for (int m = 1; m < p->n; m <<= 1) {
        if (p->me & m) {
            int end = BT_MIN(p->me + m, p->n);
            rc = bt_part_send(p, p->me - m, out + (size_t)p->me * blk,
                              (size_t)(end - p->me) * blk);
            break;
        }
        if (p->me + m < p->n) {
            int end = BT_MIN(p->me + 2 * m, p->n);
            rc = bt_part_recv(p, p->me + m, out + (size_t)(p->me + m) * blk,
                              (size_t)(end - p->me - m) * blk);
            if (rc != MPI_SUCCESS)
                break;
        }
    }
    if (rc == MPI_SUCCESS)
        rc = bt_comm_bcast(p, out, (size_t)p->n * blk);
    return rc;
}
