/* Pairwise exchange: p - 1 steps, in step i rank r sends to r + i and receives from
 * r - i (for p a power of two, exchanges with r xor i). One message in flight per
 * rank and step: the choice for large blocks, where posting everything at once only
 * floods the receivers. */
#include "coll/bt_coll_impl.h"

static void bt_pairwise_a2a(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, pow2 = (p & (p - 1)) == 0;
    bt_coll_block_t *sb, *rb;

    bt_coll_a2a_blocks(s, a, &sb, &rb);
    bt_coll_sched_copy(s, sb[r].buf, sb[r].count, sb[r].dt, rb[r].buf, rb[r].count, rb[r].dt);
    for (int i = 1; i < p; i++) {
        int dst = pow2 ? r ^ i : (r + i) % p, src = pow2 ? r ^ i : (r - i + p) % p;
        bt_coll_sched_recv(s, rb[src].buf, rb[src].count, rb[src].dt, src);
        bt_coll_sched_send(s, sb[dst].buf, sb[dst].count, sb[dst].dt, dst);
        bt_coll_sched_fence(s);
    }
}

void bt_coll_pairwise_alltoall(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_pairwise_a2a(s, a);
}

void bt_coll_pairwise_alltoallv(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_pairwise_a2a(s, a);
}

void bt_coll_pairwise_alltoallw(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_pairwise_a2a(s, a);
}

/* Reduce_scatter: in step i send rank r + i its block of my vector and fold in
 * r - i's contribution to mine. The fold order is r, r-1, r-2, ... (wrapping), not
 * rank order: commutative ops only. */
void bt_coll_pairwise_reduce_scatter(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    const MPI_Count *rc = a->recvcounts;
    bt_datatype_t *dt = a->dt;
    MPI_Count total = 0, *displ;
    const void *in = a->sendbuf;
    void *tmp;

    displ = bt_coll_sched_alloc(s, (size_t)p * sizeof(*displ));
    for (int i = 0; i < p; i++) {
        displ[i] = total;
        total += rc[i];
    }
    if (total == 0)
        return;
    if (bt_coll_in_place(a->sendbuf)) {
        /* My block moves to the front of recvbuf: keep the whole input aside. */
        void *copy = bt_coll_sched_tmp(s, total, dt);
        bt_coll_sched_copy(s, a->recvbuf, total, dt, copy, total, dt);
        in = copy;
    }
    bt_coll_sched_copy(s, BT_COLL_AT(in, displ[r], dt), rc[r], dt, a->recvbuf, rc[r], dt);
    tmp = bt_coll_sched_tmp(s, rc[r], dt);
    for (int i = 1; i < p; i++) {
        int dst = (r + i) % p, src = (r - i + p) % p;
        bt_coll_sched_recv(s, tmp, rc[r], dt, src);
        bt_coll_sched_send(s, BT_COLL_AT(in, displ[dst], dt), rc[dst], dt, dst);
        bt_coll_sched_fence(s);
        bt_coll_sched_reduce(s, tmp, a->recvbuf, rc[r], dt, a->op);
    }
}
