/* Recursive doubling: in step k a rank exchanges everything it has with the rank
 * 2^k away, so after log2 p steps everyone has everything; the choice for short
 * messages (few steps, whole messages). For p not a power of two the first
 * 2 * (p - pof2) ranks pair up before and after (Thakur, Rabenseifner, Gropp 2005).
 *
 * Every combination puts the lower ranks' operand first (`in` of the reduction), so
 * these are correct for non-commutative ops, and all ranks compute bitwise the
 * same allreduce result. */
#include "coll/bt_coll_impl.h"

/* Real rank of a participant of the power-of-two phase. */
static int bt_rd_real(int newrank, int rem)
{
    return newrank < rem ? newrank * 2 + 1 : newrank + rem;
}

/* Allgather: ranks >= pof2 hand their block to rank - pof2 and get the whole
 * result back at the end; a rank r < rem carries the block of r + pof2 along, so in
 * each step it sends two ranges (its group's blocks and their partners'). */
void bt_coll_recursive_doubling_allgather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, pof2 = bt_coll_pof2(p), rem = p - pof2;
    bt_datatype_t *rt = a->recvtype;
    MPI_Count rc = a->recvcount;
#define BT_RD_BLOCK(i) BT_COLL_AT(a->recvbuf, (MPI_Count)(i) * rc, rt)

    if (rc * rt->size == 0)
        return;
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype, BT_RD_BLOCK(r), rc, rt);
    if (r >= pof2) {
        bt_coll_sched_send(s, BT_RD_BLOCK(r), rc, rt, r - pof2);
        bt_coll_sched_fence(s);
        bt_coll_sched_recv(s, a->recvbuf, p * rc, rt, r - pof2);
        return;
    }
    if (r < rem) {
        bt_coll_sched_recv(s, BT_RD_BLOCK(r + pof2), rc, rt, r + pof2);
        bt_coll_sched_fence(s);
    }
    for (int mask = 1; mask < pof2; mask <<= 1) {
        int peer = r ^ mask, base = r & ~(mask - 1), pbase = peer & ~(mask - 1);
        bt_coll_sched_send(s, BT_RD_BLOCK(base), mask * rc, rt, peer);
        if (base < rem)
            bt_coll_sched_send(s, BT_RD_BLOCK(base + pof2), (BT_MIN(base + mask, rem) - base) * rc,
                               rt, peer);
        bt_coll_sched_recv(s, BT_RD_BLOCK(pbase), mask * rc, rt, peer);
        if (pbase < rem)
            bt_coll_sched_recv(s, BT_RD_BLOCK(pbase + pof2),
                               (BT_MIN(pbase + mask, rem) - pbase) * rc, rt, peer);
        bt_coll_sched_fence(s);
    }
    if (r < rem)
        bt_coll_sched_send(s, a->recvbuf, p * rc, rt, r + pof2);
#undef BT_RD_BLOCK
}

void bt_coll_recursive_doubling_allreduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, pof2 = bt_coll_pof2(p), rem = p - pof2;
    MPI_Count n = a->count;
    bt_datatype_t *dt = a->dt;
    void *acc = a->recvbuf, *other, *t;
    int newrank;

    if (n == 0)
        return;
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, n, dt, a->recvbuf, n, dt);
    if (p == 1)
        return;
    other = bt_coll_sched_tmp(s, n, dt);
    if (r < 2 * rem) {
        if (r % 2 == 0) {
            /* Folded into r + 1, which sends the result back. */
            bt_coll_sched_send(s, acc, n, dt, r + 1);
            bt_coll_sched_fence(s);
            bt_coll_sched_recv(s, a->recvbuf, n, dt, r + 1);
            return;
        }
        bt_coll_sched_recv(s, other, n, dt, r - 1);
        bt_coll_sched_fence(s);
        bt_coll_sched_reduce(s, other, acc, n, dt, a->op);
        newrank = r / 2;
    } else {
        newrank = r - rem;
    }
    for (int mask = 1; mask < pof2; mask <<= 1) {
        int dst = bt_rd_real(newrank ^ mask, rem);
        bt_coll_sched_send(s, acc, n, dt, dst);
        bt_coll_sched_recv(s, other, n, dt, dst);
        bt_coll_sched_fence(s);
        if (dst < r) {
            bt_coll_sched_reduce(s, other, acc, n, dt, a->op);
        } else {
            bt_coll_sched_reduce(s, acc, other, n, dt, a->op);
            t = acc;
            acc = other;
            other = t;
        }
    }
    if (r < 2 * rem)
        bt_coll_sched_send(s, acc, n, dt, r - 1);
    bt_coll_sched_copy(s, acc, n, dt, a->recvbuf, n, dt);
}

/* Scan: `partial` is the reduction over my aligned group of 2^k ranks, recvbuf the
 * prefix up to me; a lower partner's partial prefixes both. */
void bt_coll_recursive_doubling_scan(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    MPI_Count n = a->count;
    bt_datatype_t *dt = a->dt;
    void *partial, *other, *t;

    if (n == 0)
        return;
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, n, dt, a->recvbuf, n, dt);
    if (p == 1)
        return;
    partial = bt_coll_sched_tmp(s, n, dt);
    other = bt_coll_sched_tmp(s, n, dt);
    bt_coll_sched_copy(s, a->recvbuf, n, dt, partial, n, dt);
    for (int mask = 1; mask < p; mask <<= 1) {
        int dst = r ^ mask;
        if (dst >= p)
            continue;
        bt_coll_sched_send(s, partial, n, dt, dst);
        bt_coll_sched_recv(s, other, n, dt, dst);
        bt_coll_sched_fence(s);
        if (dst < r) {
            bt_coll_sched_reduce(s, other, partial, n, dt, a->op);
            bt_coll_sched_reduce(s, other, a->recvbuf, n, dt, a->op);
        } else {
            bt_coll_sched_reduce(s, partial, other, n, dt, a->op);
            t = partial;
            partial = other;
            other = t;
        }
    }
}

/* Exscan: as scan, but recvbuf only ever collects lower partners' partials. */
void bt_coll_recursive_doubling_exscan(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, first = 1;
    MPI_Count n = a->count;
    bt_datatype_t *dt = a->dt;
    const void *in = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;
    void *partial, *other, *t;

    if (n == 0 || p == 1)
        return;
    partial = bt_coll_sched_tmp(s, n, dt);
    other = bt_coll_sched_tmp(s, n, dt);
    bt_coll_sched_copy(s, in, n, dt, partial, n, dt);
    for (int mask = 1; mask < p; mask <<= 1) {
        int dst = r ^ mask;
        if (dst >= p)
            continue;
        bt_coll_sched_send(s, partial, n, dt, dst);
        bt_coll_sched_recv(s, other, n, dt, dst);
        bt_coll_sched_fence(s);
        if (dst < r) {
            bt_coll_sched_reduce(s, other, partial, n, dt, a->op);
            if (first)
                bt_coll_sched_copy(s, other, n, dt, a->recvbuf, n, dt);
            else
                bt_coll_sched_reduce(s, other, a->recvbuf, n, dt, a->op);
            first = 0;
        } else {
            bt_coll_sched_reduce(s, partial, other, n, dt, a->op);
            t = partial;
            partial = other;
            other = t;
        }
    }
}
