/* The collectives communicator creation needs (context id agreement, split), on
 * the parent's collective context: binomial trees rooted at participant 0, which
 * work for any number of participants. Small data only. */
#include "comm/bt_comm_impl.h"
#include "pt2pt/bt_pt2pt.h"
#include "util/bt_util.h"

#include <string.h>

int bt_comm_next_tag(bt_comm_t *comm)
{
    return (int)(comm->coll_seq++ & BT_TAG_SEQ_MASK);
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

int bt_comm_allreduce_band(const bt_comm_part_t *p, uint32_t *buf, int count)
{
    size_t len = (size_t)count * sizeof(uint32_t);
    uint32_t *tmp;
    int rc = MPI_SUCCESS;

    if (p->n <= 1)
        return MPI_SUCCESS;
    tmp = bt_malloc(len);
    /* Reduce: after round m, participant me holds the AND of [me, me + 2m). */
    for (int m = 1; m < p->n; m <<= 1) {
        if (p->me & m) {
            rc = bt_part_send(p, p->me - m, buf, len);
            break;
        }
        if (p->me + m < p->n) {
            if ((rc = bt_part_recv(p, p->me + m, tmp, len)) != MPI_SUCCESS)
                break;
            for (int i = 0; i < count; i++)
                buf[i] &= tmp[i];
        }
    }
    free(tmp);
    if (rc == MPI_SUCCESS)
        rc = bt_comm_bcast(p, buf, len);
    return rc;
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
