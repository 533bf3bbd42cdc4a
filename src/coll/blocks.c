/* Per-peer views of the buffers of the alltoall family, so that one algorithm body
 * serves alltoall, alltoallv and alltoallw, in place or not. */
#include "coll/bt_coll_impl.h"

static void bt_block_recv(const bt_coll_args_t *a, int i, bt_coll_block_t *b)
{
    switch (a->kind) {
    case BT_COLL_ALLTOALL:
        b->buf = BT_COLL_AT(a->recvbuf, (MPI_Count)i * a->recvcount, a->recvtype);
        b->count = a->recvcount;
        b->dt = a->recvtype;
        break;
    case BT_COLL_ALLTOALLV:
        b->buf = BT_COLL_AT(a->recvbuf, a->rdispls[i], a->recvtype);
        b->count = a->recvcounts[i];
        b->dt = a->recvtype;
        break;
    default:   /* alltoallw: displacements in bytes */
        b->buf = BT_COLL_OFF(a->recvbuf, a->rdispls[i]);
        b->count = a->recvcounts[i];
        b->dt = a->recvtypes[i];
        break;
    }
}

static void bt_block_send(const bt_coll_args_t *a, int i, bt_coll_block_t *b)
{
    switch (a->kind) {
    case BT_COLL_ALLTOALL:
        b->buf = BT_COLL_AT(a->sendbuf, (MPI_Count)i * a->sendcount, a->sendtype);
        b->count = a->sendcount;
        b->dt = a->sendtype;
        break;
    case BT_COLL_ALLTOALLV:
        b->buf = BT_COLL_AT(a->sendbuf, a->sdispls[i], a->sendtype);
        b->count = a->sendcounts[i];
        b->dt = a->sendtype;
        break;
    default:
        b->buf = BT_COLL_OFF(a->sendbuf, a->sdispls[i]);
        b->count = a->sendcounts[i];
        b->dt = a->sendtypes[i];
        break;
    }
}

void bt_coll_a2a_blocks(bt_sched_t *s, const bt_coll_args_t *a, bt_coll_block_t **send_p,
                        bt_coll_block_t **recv_p)
{
    int p = a->comm->size;
    bt_coll_block_t *sb = bt_coll_sched_alloc(s, (size_t)p * sizeof(*sb));
    bt_coll_block_t *rb = bt_coll_sched_alloc(s, (size_t)p * sizeof(*rb));

    for (int i = 0; i < p; i++)
        bt_block_recv(a, i, &rb[i]);
    if (!bt_coll_in_place(a->sendbuf)) {
        for (int i = 0; i < p; i++)
            bt_block_send(a, i, &sb[i]);
    } else {
        /* The outgoing data is what recvbuf holds before anything arrives: pack it
         * away first. */
        MPI_Count total = 0, off = 0;
        char *packed;

        for (int i = 0; i < p; i++)
            total += rb[i].count * rb[i].dt->size;
        packed = bt_coll_sched_alloc(s, (size_t)total);
        for (int i = 0; i < p; i++) {
            MPI_Count bytes = rb[i].count * rb[i].dt->size;
            sb[i].buf = packed + off;
            sb[i].count = bytes;
            sb[i].dt = bt_coll_byte();
            bt_coll_sched_copy(s, rb[i].buf, rb[i].count, rb[i].dt, sb[i].buf, bytes, sb[i].dt);
            off += bytes;
        }
    }
    *send_p = sb;
    *recv_p = rb;
}
