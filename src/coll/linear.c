/* Linear algorithms: the root (or every rank) talks to every other rank directly,
 * all messages of a phase posted at once. The v- and w-variants use them, since
 * uneven blocks defeat the trees; the others keep them as simple references and
 * for very few ranks. */
#include "coll/bt_coll_impl.h"

static char bt_linear_token;   /* the zero-byte messages of the barrier */

void bt_coll_linear_barrier(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    bt_datatype_t *byte = bt_coll_byte();

    if (p == 1)
        return;
    if (r == 0) {
        for (int i = 1; i < p; i++)
            bt_coll_sched_recv(s, &bt_linear_token, 0, byte, i);
        bt_coll_sched_fence(s);
        for (int i = 1; i < p; i++)
            bt_coll_sched_send(s, &bt_linear_token, 0, byte, i);
    } else {
        bt_coll_sched_send(s, &bt_linear_token, 0, byte, 0);
        bt_coll_sched_fence(s);
        bt_coll_sched_recv(s, &bt_linear_token, 0, byte, 0);
    }
}

void bt_coll_linear_bcast(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;

    if (r != a->root) {
        bt_coll_sched_recv(s, a->recvbuf, a->count, a->dt, a->root);
        return;
    }
    for (int k = 1; k < p; k++)
        bt_coll_sched_send(s, a->recvbuf, a->count, a->dt, (r + k) % p);
}

void bt_coll_linear_gather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;

    if (r != a->root) {
        bt_coll_sched_send(s, a->sendbuf, a->sendcount, a->sendtype, a->root);
        return;
    }
    for (int k = 1; k < p; k++) {
        int i = (r + k) % p;
        bt_coll_sched_recv(s, BT_COLL_AT(a->recvbuf, (MPI_Count)i * a->recvcount, a->recvtype),
                           a->recvcount, a->recvtype, i);
    }
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype,
                           BT_COLL_AT(a->recvbuf, (MPI_Count)r * a->recvcount, a->recvtype),
                           a->recvcount, a->recvtype);
}

void bt_coll_linear_gatherv(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;

    if (r != a->root) {
        bt_coll_sched_send(s, a->sendbuf, a->sendcount, a->sendtype, a->root);
        return;
    }
    for (int k = 1; k < p; k++) {
        int i = (r + k) % p;
        bt_coll_sched_recv(s, BT_COLL_AT(a->recvbuf, a->rdispls[i], a->recvtype),
                           a->recvcounts[i], a->recvtype, i);
    }
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype,
                           BT_COLL_AT(a->recvbuf, a->rdispls[r], a->recvtype), a->recvcounts[r],
                           a->recvtype);
}

void bt_coll_linear_scatter(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;

    if (r != a->root) {
        bt_coll_sched_recv(s, a->recvbuf, a->recvcount, a->recvtype, a->root);
        return;
    }
    for (int k = 1; k < p; k++) {
        int i = (r + k) % p;
        bt_coll_sched_send(s, BT_COLL_AT(a->sendbuf, (MPI_Count)i * a->sendcount, a->sendtype),
                           a->sendcount, a->sendtype, i);
    }
    if (!bt_coll_in_place(a->recvbuf))
        bt_coll_sched_copy(s, BT_COLL_AT(a->sendbuf, (MPI_Count)r * a->sendcount, a->sendtype),
                           a->sendcount, a->sendtype, a->recvbuf, a->recvcount, a->recvtype);
}

void bt_coll_linear_scatterv(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;

    if (r != a->root) {
        bt_coll_sched_recv(s, a->recvbuf, a->recvcount, a->recvtype, a->root);
        return;
    }
    for (int k = 1; k < p; k++) {
        int i = (r + k) % p;
        bt_coll_sched_send(s, BT_COLL_AT(a->sendbuf, a->sdispls[i], a->sendtype),
                           a->sendcounts[i], a->sendtype, i);
    }
    if (!bt_coll_in_place(a->recvbuf))
        bt_coll_sched_copy(s, BT_COLL_AT(a->sendbuf, a->sdispls[r], a->sendtype),
                           a->sendcounts[r], a->sendtype, a->recvbuf, a->recvcount, a->recvtype);
}

/* Allgather and allgatherv: blocks of the receive buffer by rank. */
static void bt_linear_allgather_blocks(bt_sched_t *s, const bt_coll_args_t *a,
                                       const MPI_Count *counts, const MPI_Aint *displs)
{
    int r = a->comm->rank, p = a->comm->size;
    void *mine = BT_COLL_AT(a->recvbuf, displs[r], a->recvtype);

    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype, mine, counts[r],
                           a->recvtype);
    for (int k = 1; k < p; k++) {
        int i = (r - k + p) % p;
        bt_coll_sched_recv(s, BT_COLL_AT(a->recvbuf, displs[i], a->recvtype), counts[i],
                           a->recvtype, i);
    }
    /* Sent from recvbuf: in place or not, my block is there once the copy ran. */
    for (int k = 1; k < p; k++)
        bt_coll_sched_send(s, mine, counts[r], a->recvtype, (r + k) % p);
}

void bt_coll_linear_allgather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int p = a->comm->size;
    MPI_Count *counts = bt_coll_sched_alloc(s, (size_t)p * sizeof(*counts));
    MPI_Aint *displs = bt_coll_sched_alloc(s, (size_t)p * sizeof(*displs));

    for (int i = 0; i < p; i++) {
        counts[i] = a->recvcount;
        displs[i] = (MPI_Aint)i * a->recvcount;
    }
    bt_linear_allgather_blocks(s, a, counts, displs);
}

void bt_coll_linear_allgatherv(bt_sched_t *s, const bt_coll_args_t *a)
{
    int p = a->comm->size;
    MPI_Count *counts = bt_coll_sched_alloc(s, (size_t)p * sizeof(*counts));
    MPI_Aint *displs = bt_coll_sched_alloc(s, (size_t)p * sizeof(*displs));

    for (int i = 0; i < p; i++) {
        counts[i] = a->recvcounts[i];
        displs[i] = a->rdispls[i];
    }
    bt_linear_allgather_blocks(s, a, counts, displs);
}

/* alltoall, alltoallv, alltoallw: everything posted in one round. */
static void bt_linear_a2a(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    bt_coll_block_t *sb, *rb;

    bt_coll_a2a_blocks(s, a, &sb, &rb);
    for (int k = 1; k < p; k++) {
        int i = (r - k + p) % p;
        bt_coll_sched_recv(s, rb[i].buf, rb[i].count, rb[i].dt, i);
    }
    for (int k = 1; k < p; k++) {
        int i = (r + k) % p;
        bt_coll_sched_send(s, sb[i].buf, sb[i].count, sb[i].dt, i);
    }
    bt_coll_sched_copy(s, sb[r].buf, sb[r].count, sb[r].dt, rb[r].buf, rb[r].count, rb[r].dt);
}

void bt_coll_linear_alltoall(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_linear_a2a(s, a);
}

void bt_coll_linear_alltoallv(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_linear_a2a(s, a);
}

void bt_coll_linear_alltoallw(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_linear_a2a(s, a);
}

/* The root receives every contribution, then folds them left to right: rank order
 * for any op. */
void bt_coll_linear_reduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    MPI_Count n = a->count;
    bt_datatype_t *dt = a->dt;
    void **data;
    void *acc;

    if (n == 0)
        return;
    if (r != a->root) {
        bt_coll_sched_send(s, a->sendbuf, n, dt, a->root);
        return;
    }
    data = bt_coll_sched_alloc(s, (size_t)p * sizeof(*data));
    for (int i = 0; i < p; i++) {
        if (i == r)
            continue;
        data[i] = bt_coll_sched_tmp(s, n, dt);
        bt_coll_sched_recv(s, data[i], n, dt, i);
    }
    /* My contribution goes into recvbuf, which is then one of the operands. */
    data[r] = a->recvbuf;
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, n, dt, a->recvbuf, n, dt);
    bt_coll_sched_fence(s);
    acc = data[0];
    for (int i = 1; i < p; i++) {
        bt_coll_sched_reduce(s, acc, data[i], n, dt, a->op);
        acc = data[i];
    }
    bt_coll_sched_copy(s, acc, n, dt, a->recvbuf, n, dt);
}

/* A chain: rank i gets the prefix of 0..i-1 from i-1 and passes its own on. */
void bt_coll_linear_scan(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    MPI_Count n = a->count;
    bt_datatype_t *dt = a->dt;

    if (n == 0)
        return;
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, n, dt, a->recvbuf, n, dt);
    if (r > 0) {
        void *prefix = bt_coll_sched_tmp(s, n, dt);
        bt_coll_sched_recv(s, prefix, n, dt, r - 1);
        bt_coll_sched_fence(s);
        bt_coll_sched_reduce(s, prefix, a->recvbuf, n, dt, a->op);
    }
    if (r < p - 1)
        bt_coll_sched_send(s, a->recvbuf, n, dt, r + 1);
}

void bt_coll_linear_exscan(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    MPI_Count n = a->count;
    bt_datatype_t *dt = a->dt;
    const void *mine = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;
    void *next;

    if (n == 0 || p == 1)
        return;
    if (r == 0) {
        bt_coll_sched_send(s, mine, n, dt, 1);
        return;
    }
    /* recvbuf gets the prefix of 0..r-1; my own contribution must survive that. */
    next = bt_coll_sched_tmp(s, n, dt);
    if (r < p - 1)
        bt_coll_sched_copy(s, mine, n, dt, next, n, dt);
    bt_coll_sched_recv(s, a->recvbuf, n, dt, r - 1);
    bt_coll_sched_fence(s);
    if (r < p - 1) {
        bt_coll_sched_reduce(s, a->recvbuf, next, n, dt, a->op);
        bt_coll_sched_send(s, next, n, dt, r + 1);
    }
}
