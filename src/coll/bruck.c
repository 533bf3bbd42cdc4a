/* Bruck's algorithms (Bruck et al. 1997): ceil(log2 p) steps for any p, at the
 * price of local rotations; the choice for short blocks, where the number of
 * messages is what costs. Work happens in packed scratch buffers. */
#include "coll/bt_coll_impl.h"

/* Allgather: in step k rank r sends the blocks it has (those of r .. r + k - 1) to
 * r - k and gets those of r + k .. r + 2k - 1 from r + k. */
void bt_coll_bruck_allgather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    bt_datatype_t *byte = bt_coll_byte(), *rt = a->recvtype;
    MPI_Count rc = a->recvcount, nb = rc * rt->size;
    char *w;

    if (nb == 0)
        return;
    w = bt_coll_sched_alloc(s, (size_t)(p * nb));
    if (bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, BT_COLL_AT(a->recvbuf, (MPI_Count)r * rc, rt), rc, rt, w, nb, byte);
    else
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype, w, nb, byte);
    for (int k = 1; k < p; k <<= 1) {
        int m = BT_MIN(k, p - k);
        bt_coll_sched_send(s, w, m * nb, byte, (r - k + p) % p);
        bt_coll_sched_recv(s, w + k * nb, m * nb, byte, (r + k) % p);
        bt_coll_sched_fence(s);
    }
    /* w[i] is the block of rank r + i: rotate into place. */
    bt_coll_sched_copy(s, w, (p - r) * nb, byte, BT_COLL_AT(a->recvbuf, (MPI_Count)r * rc, rt),
                       (p - r) * rc, rt);
    bt_coll_sched_copy(s, w + (p - r) * nb, r * nb, byte, a->recvbuf, r * rc, rt);
}

/* Alltoall: rotate so that w[i] is the block for rank r + i; in step k send every
 * block whose index has bit k set to r + k (it moves k ranks on); at the end
 * w[i] came from rank r - i. */
void bt_coll_bruck_alltoall(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    bt_datatype_t *byte = bt_coll_byte(), *rt = a->recvtype, *st;
    MPI_Count rc = a->recvcount, nb = rc * rt->size, sc;
    const void *src;
    char *w, *sbuf, *rbuf;

    if (nb == 0)
        return;
    if (bt_coll_in_place(a->sendbuf)) {
        src = a->recvbuf;
        sc = rc;
        st = rt;
    } else {
        src = a->sendbuf;
        sc = a->sendcount;
        st = a->sendtype;
    }
    w = bt_coll_sched_alloc(s, (size_t)(p * nb));
    sbuf = bt_coll_sched_alloc(s, (size_t)((p / 2 + 1) * nb));
    rbuf = bt_coll_sched_alloc(s, (size_t)((p / 2 + 1) * nb));
    bt_coll_sched_copy(s, BT_COLL_AT(src, (MPI_Count)r * sc, st), (p - r) * sc, st, w,
                       (p - r) * nb, byte);
    bt_coll_sched_copy(s, src, r * sc, st, w + (p - r) * nb, r * nb, byte);
    for (int k = 1; k < p; k <<= 1) {
        int n = 0;
        for (int i = 1; i < p; i++)
            if (i & k)
                bt_coll_sched_copy(s, w + i * nb, nb, byte, sbuf + (n++) * nb, nb, byte);
        bt_coll_sched_send(s, sbuf, n * nb, byte, (r + k) % p);
        bt_coll_sched_recv(s, rbuf, n * nb, byte, (r - k + p) % p);
        bt_coll_sched_fence(s);
        n = 0;
        for (int i = 1; i < p; i++)
            if (i & k)
                bt_coll_sched_copy(s, rbuf + (n++) * nb, nb, byte, w + i * nb, nb, byte);
    }
    for (int j = 0; j < p; j++)
        bt_coll_sched_copy(s, w + ((r - j + p) % p) * nb, nb, byte,
                           BT_COLL_AT(a->recvbuf, (MPI_Count)j * rc, rt), rc, rt);
}
