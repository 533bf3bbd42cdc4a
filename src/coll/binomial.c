/* Binomial trees: bcast, reduce, gather, scatter in ceil(log2 p) steps; the choice
 * for small messages, where latency dominates. Ranks are taken relative to the
 * root; rank rel's parent is rel without its lowest set bit, its subtree is
 * [rel, rel + lowbit(rel)). Also the algorithms composed of two trees
 * (allreduce as reduce + bcast, reduce_scatter as reduce + scatterv). */
#include "coll/bt_coll_impl.h"

/* Lowest set bit of rel; for the root (rel 0) a power of two >= p. */
static int bt_binomial_lowbit(int rel, int p)
{
    int m = 1;

    if (rel)
        return rel & -rel;
    while (m < p)
        m <<= 1;
    return m;
}

void bt_coll_binomial_bcast_tree(bt_sched_t *s, void *buf, MPI_Count count, bt_datatype_t *dt,
                                 int root)
{
    bt_comm_t *comm = bt_coll_sched_comm(s);
    int p = comm->size, rel = (comm->rank - root + p) % p;
    int low = bt_binomial_lowbit(rel, p);

    if (count * dt->size == 0)
        return;
    if (rel) {
        bt_coll_sched_recv(s, buf, count, dt, (rel - low + root) % p);
        bt_coll_sched_fence(s);
    }
    /* Largest subtree first: it has the longest way to go. */
    for (int m = low >> 1; m > 0; m >>= 1)
        if (rel + m < p)
            bt_coll_sched_send(s, buf, count, dt, (rel + m + root) % p);
}

void bt_coll_binomial_bcast(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_coll_binomial_bcast_tree(s, a->recvbuf, a->count, a->dt, a->root);
}

void bt_coll_binomial_reduce_tree(bt_sched_t *s, const void *in, void *out, MPI_Count count,
                                  bt_datatype_t *dt, bt_op_t *op, int troot)
{
    bt_comm_t *comm = bt_coll_sched_comm(s);
    int p = comm->size, rel = (comm->rank - troot + p) % p;
    int has_children = rel + 1 < p && bt_binomial_lowbit(rel, p) > 1;
    void *acc, *other = NULL, *t;

    if (count == 0)
        return;
    if (rel == 0) {
        acc = out;
        bt_coll_sched_copy(s, in, count, dt, out, count, dt);
    } else if (has_children) {
        acc = bt_coll_sched_tmp(s, count, dt);
        bt_coll_sched_copy(s, in, count, dt, acc, count, dt);
    } else {
        acc = (void *)in;   /* a leaf only sends it */
    }
    if (has_children)
        other = bt_coll_sched_tmp(s, count, dt);
    for (int m = 1; m < p; m <<= 1) {
        if (rel & m) {
            bt_coll_sched_send(s, acc, count, dt, (rel - m + troot) % p);
            return;
        }
        if (rel + m >= p)
            continue;
        /* acc holds ranks [rel, rel + m), the child [rel + m, rel + 2m): acc comes
         * first. The result lands in the child's buffer; swap the names. */
        bt_coll_sched_recv(s, other, count, dt, (rel + m + troot) % p);
        bt_coll_sched_fence(s);
        bt_coll_sched_reduce(s, acc, other, count, dt, op);
        t = acc;
        acc = other;
        other = t;
    }
    bt_coll_sched_copy(s, acc, count, dt, out, count, dt);
}

void bt_coll_binomial_reduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank;
    const void *in = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;
    void *out;

    if (a->count == 0)
        return;
    if (a->root == 0 || bt_op_is_commutative(a->op)) {
        bt_coll_binomial_reduce_tree(s, in, a->recvbuf, a->count, a->dt, a->op, a->root);
        return;
    }
    /* Rank order needs the tree rooted at 0; then 0 hands the result to the root. */
    out = r == 0 ? bt_coll_sched_tmp(s, a->count, a->dt) : NULL;
    bt_coll_binomial_reduce_tree(s, in, out, a->count, a->dt, a->op, 0);
    bt_coll_sched_fence(s);
    if (r == 0)
        bt_coll_sched_send(s, out, a->count, a->dt, a->root);
    else if (r == a->root)
        bt_coll_sched_recv(s, a->recvbuf, a->count, a->dt, 0);
}

/* Gather: each rank collects its subtree's blocks, in relative rank order, and
 * passes them up as one message. The root receives straight into recvbuf when a
 * subtree's ranks do not wrap around the end. */
void bt_coll_binomial_gather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, root = a->root;
    int rel = (r - root + p) % p, low = bt_binomial_lowbit(rel, p);
    bt_datatype_t *byte = bt_coll_byte(), *rt = a->recvtype;
    MPI_Count nb, rc = a->recvcount;
    int sub = BT_MIN(low, p - rel);
    char *w;

    nb = r == root ? rc * rt->size : a->sendcount * a->sendtype->size;
    if (nb == 0)
        return;
    if (rel) {
        if (sub == 1) {
            bt_coll_sched_send(s, a->sendbuf, a->sendcount, a->sendtype, (rel - low + root) % p);
            return;
        }
        w = bt_coll_sched_alloc(s, (size_t)(sub * nb));
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype, w, nb, byte);
        for (int m = 1; m < low && rel + m < p; m <<= 1)
            bt_coll_sched_recv(s, w + m * nb, BT_MIN(m, p - rel - m) * nb, byte,
                               (rel + m + root) % p);
        bt_coll_sched_fence(s);
        bt_coll_sched_send(s, w, sub * nb, byte, (rel - low + root) % p);
        return;
    }

    typedef struct { char *tmp; int first, n; } bt_wrap_t;
    bt_wrap_t wraps[32];
    int nwraps = 0;

    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, a->sendcount, a->sendtype,
                           BT_COLL_AT(a->recvbuf, (MPI_Count)r * rc, rt), rc, rt);
    for (int m = 1; m < p; m <<= 1) {
        int first = (root + m) % p, n = BT_MIN(m, p - m);
        if (first + n <= p) {
            bt_coll_sched_recv(s, BT_COLL_AT(a->recvbuf, (MPI_Count)first * rc, rt), n * rc, rt,
                               first);
        } else {
            wraps[nwraps].tmp = bt_coll_sched_alloc(s, (size_t)(n * nb));
            wraps[nwraps].first = first;
            wraps[nwraps].n = n;
            bt_coll_sched_recv(s, wraps[nwraps].tmp, n * nb, byte, first);
            nwraps++;
        }
    }
    if (!nwraps)
        return;
    bt_coll_sched_fence(s);
    for (int i = 0; i < nwraps; i++) {
        int head = p - wraps[i].first;   /* blocks before the wrap */
        bt_coll_sched_copy(s, wraps[i].tmp, head * nb, byte,
                           BT_COLL_AT(a->recvbuf, (MPI_Count)wraps[i].first * rc, rt), head * rc, rt);
        bt_coll_sched_copy(s, wraps[i].tmp + head * nb, (wraps[i].n - head) * nb, byte,
                           a->recvbuf, (wraps[i].n - head) * rc, rt);
    }
}

/* Scatter: the reverse of gather. */
void bt_coll_binomial_scatter(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, root = a->root;
    int rel = (r - root + p) % p, low = bt_binomial_lowbit(rel, p);
    bt_datatype_t *byte = bt_coll_byte(), *st = a->sendtype;
    MPI_Count nb, sc = a->sendcount;
    int sub = BT_MIN(low, p - rel);
    char *w;

    nb = r == root ? sc * st->size : a->recvcount * a->recvtype->size;
    if (nb == 0)
        return;
    if (rel) {
        if (sub == 1) {
            bt_coll_sched_recv(s, a->recvbuf, a->recvcount, a->recvtype, (rel - low + root) % p);
            return;
        }
        w = bt_coll_sched_alloc(s, (size_t)(sub * nb));
        bt_coll_sched_recv(s, w, sub * nb, byte, (rel - low + root) % p);
        bt_coll_sched_fence(s);
        for (int m = low >> 1; m > 0; m >>= 1)
            if (rel + m < p)
                bt_coll_sched_send(s, w + m * nb, BT_MIN(m, p - rel - m) * nb, byte,
                                   (rel + m + root) % p);
        bt_coll_sched_copy(s, w, nb, byte, a->recvbuf, a->recvcount, a->recvtype);
        return;
    }

    for (int m = low >> 1; m > 0; m >>= 1) {
        int first = (root + m) % p, n;
        if (m >= p)
            continue;
        n = BT_MIN(m, p - m);
        if (first + n <= p) {
            bt_coll_sched_send(s, BT_COLL_AT(a->sendbuf, (MPI_Count)first * sc, st), n * sc, st,
                               first);
        } else {
            int head = p - first;
            w = bt_coll_sched_alloc(s, (size_t)(n * nb));
            bt_coll_sched_copy(s, BT_COLL_AT(a->sendbuf, (MPI_Count)first * sc, st), head * sc, st,
                               w, head * nb, byte);
            bt_coll_sched_copy(s, a->sendbuf, (n - head) * sc, st, w + head * nb,
                               (n - head) * nb, byte);
            bt_coll_sched_send(s, w, n * nb, byte, first);
        }
    }
    if (!bt_coll_in_place(a->recvbuf))
        bt_coll_sched_copy(s, BT_COLL_AT(a->sendbuf, (MPI_Count)r * sc, st), sc, st, a->recvbuf,
                           a->recvcount, a->recvtype);
}

/* Allreduce as a reduce to rank 0 and a bcast back: rank order for any op, and
 * no more memory than one message. */
void bt_coll_reduce_bcast_allreduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    const void *in = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;

    bt_coll_binomial_reduce_tree(s, in, a->recvbuf, a->count, a->dt, a->op, 0);
    bt_coll_sched_fence(s);
    bt_coll_binomial_bcast_tree(s, a->recvbuf, a->count, a->dt, 0);
}

/* Reduce_scatter as a reduce of the whole vector to rank 0 and a scatterv: rank
 * order for any op. */
void bt_coll_reduce_scatterv_reduce_scatter(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    const void *in = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;
    MPI_Count total = 0, off = 0;
    void *out = NULL;

    for (int i = 0; i < p; i++)
        total += a->recvcounts[i];
    if (total == 0)
        return;
    if (r == 0)
        out = bt_coll_sched_tmp(s, total, a->dt);
    bt_coll_binomial_reduce_tree(s, in, out, total, a->dt, a->op, 0);
    bt_coll_sched_fence(s);
    if (r != 0) {
        bt_coll_sched_recv(s, a->recvbuf, a->recvcounts[r], a->dt, 0);
        return;
    }
    for (int i = 0; i < p; i++) {
        if (i == 0)
            bt_coll_sched_copy(s, out, a->recvcounts[0], a->dt, a->recvbuf, a->recvcounts[0],
                               a->dt);
        else
            bt_coll_sched_send(s, BT_COLL_AT(out, off, a->dt), a->recvcounts[i], a->dt, i);
        off += a->recvcounts[i];
    }
}
