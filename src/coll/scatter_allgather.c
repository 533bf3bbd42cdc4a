/* Broadcast of long messages (van de Geijn): scatter the message in p pieces down a
 * binomial tree, then allgather the pieces around a ring. The root sends each byte
 * about once instead of log2 p times. */
#include "coll/bt_coll_impl.h"

int bt_coll_scatter_allgather_bcast_ok(const bt_coll_args_t *a)
{
    /* Each rank needs a piece of its own. */
    return a->comm->size > 1 && a->count * a->dt->size >= a->comm->size;
}

void bt_coll_scatter_allgather_bcast(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, root = a->root;
    int rel = (r - root + p) % p, low = 1;
    int right = (r + 1) % p, left = (r - 1 + p) % p;
    bt_datatype_t *dt = a->dt, *byte = bt_coll_byte();
    MPI_Count nbytes = a->count * dt->size, seg = (nbytes + p - 1) / p;
    char *w;

/* Byte offset of the piece of relative rank i, and the bytes of pieces [i, j). */
#define BT_SA_OFF(i) BT_MIN((MPI_Count)(i) * seg, nbytes)
#define BT_SA_LEN(i, j) (BT_SA_OFF(j) - BT_SA_OFF(i))

    if (nbytes == 0)
        return;
    if (dt->contig) {
        w = BT_COLL_OFF(a->recvbuf, dt->true_lb);
    } else {
        w = bt_coll_sched_alloc(s, (size_t)nbytes);
        if (r == root)
            bt_coll_sched_copy(s, a->recvbuf, a->count, dt, w, nbytes, byte);
    }
    if (rel) {
        int sub;
        low = rel & -rel;
        sub = BT_MIN(low, p - rel);
        bt_coll_sched_recv(s, w + BT_SA_OFF(rel), BT_SA_LEN(rel, rel + sub), byte,
                           (rel - low + root) % p);
        bt_coll_sched_fence(s);
    } else {
        while (low < p)
            low <<= 1;
    }
    for (int m = low >> 1; m > 0; m >>= 1) {
        int c = rel + m;
        if (c < p)
            bt_coll_sched_send(s, w + BT_SA_OFF(c), BT_SA_LEN(c, c + BT_MIN(m, p - c)), byte,
                               (c + root) % p);
    }
    bt_coll_sched_fence(s);
    for (int step = 0; step < p - 1; step++) {
        int sb = (rel - step + p) % p, rb = (rel - step - 1 + p) % p;
        bt_coll_sched_send(s, w + BT_SA_OFF(sb), BT_SA_LEN(sb, sb + 1), byte, right);
        bt_coll_sched_recv(s, w + BT_SA_OFF(rb), BT_SA_LEN(rb, rb + 1), byte, left);
        bt_coll_sched_fence(s);
    }
    if (!dt->contig && r != root)
        bt_coll_sched_copy(s, w, nbytes, byte, a->recvbuf, a->count, dt);
#undef BT_SA_OFF
#undef BT_SA_LEN
}
