/* Ring algorithms: p - 1 steps, each rank sends to rank + 1 and receives from
 * rank - 1, one block per step. Every byte crosses each link once: the choice for
 * large messages, and for any p (no power-of-two fix-up). */
#include "coll/bt_coll_impl.h"

static void bt_ring_allgather_blocks(bt_sched_t *s, const bt_coll_args_t *a,
                                     const MPI_Count *counts, const MPI_Aint *displs)
{
    int r = a->comm->rank, p = a->comm->size;
    int right = (r + 1) % p, left = (r - 1 + p) % p;
    bt_datatype_t *rt = a->recvtype;

    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype,
                           BT_COLL_AT(a->recvbuf, displs[r], rt), counts[r], rt);
    for (int step = 0; step < p - 1; step++) {
        int sb = (r - step + p) % p, rb = (r - step - 1 + p) % p;
        bt_coll_sched_send(s, BT_COLL_AT(a->recvbuf, displs[sb], rt), counts[sb], rt, right);
        bt_coll_sched_recv(s, BT_COLL_AT(a->recvbuf, displs[rb], rt), counts[rb], rt, left);
        bt_coll_sched_fence(s);
    }
}

void bt_coll_ring_allgather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int p = a->comm->size;
    MPI_Count *counts = bt_coll_sched_alloc(s, (size_t)p * sizeof(*counts));
    MPI_Aint *displs = bt_coll_sched_alloc(s, (size_t)p * sizeof(*displs));

    if (a->recvcount * a->recvtype->size == 0)
        return;
    for (int i = 0; i < p; i++) {
        counts[i] = a->recvcount;
        displs[i] = (MPI_Aint)i * a->recvcount;
    }
    bt_ring_allgather_blocks(s, a, counts, displs);
}

void bt_coll_ring_allgatherv(bt_sched_t *s, const bt_coll_args_t *a)
{
    int p = a->comm->size;
    MPI_Count *counts = bt_coll_sched_alloc(s, (size_t)p * sizeof(*counts));
    MPI_Aint *displs = bt_coll_sched_alloc(s, (size_t)p * sizeof(*displs));

    for (int i = 0; i < p; i++) {
        counts[i] = a->recvcounts[i];
        displs[i] = a->rdispls[i];
    }
    bt_ring_allgather_blocks(s, a, counts, displs);
}

/* Allreduce: a ring reduce-scatter (chunk c is combined as it travels from rank c
 * around the ring) then a ring allgather of the reduced chunks. The combination
 * order follows the ring, not rank order: commutative ops only. */
void bt_coll_ring_allreduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    int right = (r + 1) % p, left = (r - 1 + p) % p;
    MPI_Count n = a->count, *cnt, *disp;
    bt_datatype_t *dt = a->dt;
    void *acc = a->recvbuf, *tmp;

    if (n == 0)
        return;
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, n, dt, acc, n, dt);
    if (p == 1)
        return;
    cnt = bt_coll_sched_alloc(s, (size_t)p * sizeof(*cnt));
    disp = bt_coll_sched_alloc(s, (size_t)p * sizeof(*disp));
    for (int i = 0; i < p; i++) {
        cnt[i] = n / p + (i < n % p);
        disp[i] = i ? disp[i - 1] + cnt[i - 1] : 0;
    }
    tmp = bt_coll_sched_tmp(s, cnt[0], dt);
    for (int step = 0; step < p - 1; step++) {
        int sc = (r - step + p) % p, rc = (r - step - 1 + p) % p;
        bt_coll_sched_send(s, BT_COLL_AT(acc, disp[sc], dt), cnt[sc], dt, right);
        bt_coll_sched_recv(s, tmp, cnt[rc], dt, left);
        bt_coll_sched_fence(s);
        bt_coll_sched_reduce(s, tmp, BT_COLL_AT(acc, disp[rc], dt), cnt[rc], dt, a->op);
    }
    /* Rank r now holds chunk r + 1 complete. */
    for (int step = 0; step < p - 1; step++) {
        int sc = (r + 1 - step + p) % p, rc = (r - step + p) % p;
        bt_coll_sched_send(s, BT_COLL_AT(acc, disp[sc], dt), cnt[sc], dt, right);
        bt_coll_sched_recv(s, BT_COLL_AT(acc, disp[rc], dt), cnt[rc], dt, left);
        bt_coll_sched_fence(s);
    }
}
