/* Rabenseifner's algorithms: a reduce-scatter by recursive halving (each step
 * exchanges half of what is left, so every rank sends about n bytes in all)
 * followed by an allgather by recursive doubling (allreduce) or a binomial gather
 * (reduce). Bandwidth-optimal for long vectors; for reduce_scatter the halving alone
 * is the algorithm.
 *
 * For p not a power of two the first 2 * rem ranks (rem = p - pof2) pair up: the
 * even one hands its vector to the odd one and sits out. Halving combines whatever
 * the partner sends with what it keeps, in no rank order: commutative ops only. */
#include "coll/bt_coll_impl.h"

static int bt_rab_real(int newrank, int rem)
{
    return newrank < rem ? newrank * 2 + 1 : newrank + rem;
}

/* Reduce-scatters acc (total elements) over the pof2 participants: afterwards
 * participant i holds segment i (seg_off[i], seg_cnt[i]; contiguous, in order)
 * reduced over all ranks. Returns my participant number, -1 if I sat out. */
static int bt_rab_halving(bt_sched_t *s, void *acc, MPI_Count total, const MPI_Count *seg_off,
                          const MPI_Count *seg_cnt, bt_datatype_t *dt, bt_op_t *op)
{
    bt_comm_t *comm = bt_coll_sched_comm(s);
    int r = comm->rank, p = comm->size, pof2 = bt_coll_pof2(p), rem = p - pof2;
    void *tmp = bt_coll_sched_tmp(s, total, dt);
    int newrank;

    if (r < 2 * rem) {
        if (r % 2 == 0) {
            bt_coll_sched_send(s, acc, total, dt, r + 1);
            bt_coll_sched_fence(s);
            return -1;
        }
        bt_coll_sched_recv(s, tmp, total, dt, r - 1);
        bt_coll_sched_fence(s);
        bt_coll_sched_reduce(s, tmp, acc, total, dt, op);
        newrank = r / 2;
    } else {
        newrank = r - rem;
    }
    for (int mask = pof2 / 2; mask >= 1; mask >>= 1) {
        int dst = bt_rab_real(newrank ^ mask, rem), lo = newrank & ~(2 * mask - 1);
        int keep = newrank & mask ? lo + mask : lo, give = newrank & mask ? lo : lo + mask;
        MPI_Count keep_n = seg_off[keep + mask - 1] + seg_cnt[keep + mask - 1] - seg_off[keep];
        MPI_Count give_n = seg_off[give + mask - 1] + seg_cnt[give + mask - 1] - seg_off[give];

        bt_coll_sched_send(s, BT_COLL_AT(acc, seg_off[give], dt), give_n, dt, dst);
        bt_coll_sched_recv(s, BT_COLL_AT(tmp, seg_off[keep], dt), keep_n, dt, dst);
        bt_coll_sched_fence(s);
        bt_coll_sched_reduce(s, BT_COLL_AT(tmp, seg_off[keep], dt),
                             BT_COLL_AT(acc, seg_off[keep], dt), keep_n, dt, op);
    }
    return newrank;
}

/* n elements in pof2 nearly equal segments. */
static void bt_rab_segments(bt_sched_t *s, MPI_Count n, int pof2, MPI_Count **off_p,
                            MPI_Count **cnt_p)
{
    MPI_Count *off = bt_coll_sched_alloc(s, (size_t)pof2 * sizeof(*off));
    MPI_Count *cnt = bt_coll_sched_alloc(s, (size_t)pof2 * sizeof(*cnt));

    for (int i = 0; i < pof2; i++) {
        cnt[i] = n / pof2 + (i < n % pof2);
        off[i] = i ? off[i - 1] + cnt[i - 1] : 0;
    }
    *off_p = off;
    *cnt_p = cnt;
}

int bt_coll_rabenseifner_ok(const bt_coll_args_t *a)
{
    return bt_op_is_commutative(a->op) && a->count >= bt_coll_pof2(a->comm->size);
}

void bt_coll_rabenseifner_allreduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, pof2 = bt_coll_pof2(p), rem = p - pof2;
    MPI_Count n = a->count, *off, *cnt;
    bt_datatype_t *dt = a->dt;
    void *acc = a->recvbuf;
    int newrank;

    if (n == 0)
        return;
    if (!bt_coll_in_place(a->sendbuf))
        bt_coll_sched_copy(s, a->sendbuf, n, dt, acc, n, dt);
    if (p == 1)
        return;
    bt_rab_segments(s, n, pof2, &off, &cnt);
    newrank = bt_rab_halving(s, acc, n, off, cnt, dt, a->op);
    if (newrank < 0) {
        bt_coll_sched_recv(s, a->recvbuf, n, dt, r + 1);
        return;
    }
    /* Recursive doubling allgather: before step mask I hold segments
     * [newrank & ~(mask - 1), + mask). */
    for (int mask = 1; mask < pof2; mask <<= 1) {
        int newdst = newrank ^ mask, dst = bt_rab_real(newdst, rem);
        int lo = newrank & ~(mask - 1), plo = newdst & ~(mask - 1);
        bt_coll_sched_send(s, BT_COLL_AT(acc, off[lo], dt),
                           off[lo + mask - 1] + cnt[lo + mask - 1] - off[lo], dt, dst);
        bt_coll_sched_recv(s, BT_COLL_AT(acc, off[plo], dt),
                           off[plo + mask - 1] + cnt[plo + mask - 1] - off[plo], dt, dst);
        bt_coll_sched_fence(s);
    }
    if (r < 2 * rem)
        bt_coll_sched_send(s, acc, n, dt, r - 1);
}

/* Segments [first, first + m) of participants numbered modulo pof2: one or two
 * contiguous pieces. Sends or receives them in that order. */
static void bt_rab_pieces(bt_sched_t *s, int send, void *acc, int first, int m, int pof2,
                          const MPI_Count *off, const MPI_Count *cnt, bt_datatype_t *dt, int peer)
{
    int ends[2][2], npieces = 0;

    if (first + m <= pof2) {
        ends[npieces][0] = first, ends[npieces++][1] = first + m;
    } else {
        ends[npieces][0] = first, ends[npieces++][1] = pof2;
        ends[npieces][0] = 0, ends[npieces++][1] = first + m - pof2;
    }
    for (int i = 0; i < npieces; i++) {
        int lo = ends[i][0], hi = ends[i][1];
        MPI_Count n = off[hi - 1] + cnt[hi - 1] - off[lo];
        if (send)
            bt_coll_sched_send(s, BT_COLL_AT(acc, off[lo], dt), n, dt, peer);
        else
            bt_coll_sched_recv(s, BT_COLL_AT(acc, off[lo], dt), n, dt, peer);
    }
}

void bt_coll_rabenseifner_reduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, pof2 = bt_coll_pof2(p), rem = p - pof2;
    int root = a->root, root_out = root < 2 * rem && root % 2 == 0;
    int newroot = root < 2 * rem ? root / 2 : root - rem;
    MPI_Count n = a->count, *off, *cnt;
    bt_datatype_t *dt = a->dt;
    const void *in = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;
    void *acc;
    int newrank, rel;

    if (n == 0)
        return;
    acc = r == root ? a->recvbuf : bt_coll_sched_tmp(s, n, dt);
    bt_coll_sched_copy(s, in, n, dt, acc, n, dt);
    if (p == 1)
        return;
    bt_rab_segments(s, n, pof2, &off, &cnt);
    newrank = bt_rab_halving(s, acc, n, off, cnt, dt, a->op);
    if (newrank < 0) {
        /* A root that sat out gets the result from its partner. */
        if (r == root)
            bt_coll_sched_recv(s, a->recvbuf, n, dt, r + 1);
        return;
    }
    /* Binomial gather of the segments to newroot, numbered relative to it:
     * participant rel holds segments newroot + [rel, rel + lowbit(rel)). */
    rel = (newrank - newroot + pof2) % pof2;
    for (int mask = 1; mask < pof2; mask <<= 1) {
        if (rel & mask) {
            int parent = bt_rab_real((rel - mask + newroot) % pof2, rem);
            bt_coll_sched_fence(s);
            bt_rab_pieces(s, 1, acc, (rel + newroot) % pof2, mask, pof2, off, cnt, dt, parent);
            return;
        }
        bt_rab_pieces(s, 0, acc, (rel + mask + newroot) % pof2, mask, pof2, off, cnt, dt,
                      bt_rab_real((rel + mask + newroot) % pof2, rem));
    }
    if (root_out) {
        bt_coll_sched_fence(s);
        bt_coll_sched_send(s, acc, n, dt, root);
    }
}

/* Reduce_scatter: the halving alone, with segment i holding the blocks of the
 * ranks participant i stands for (2i and 2i + 1, or i + rem), so that each ends
 * up where it belongs. */
void bt_coll_recursive_halving_reduce_scatter(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size, pof2 = bt_coll_pof2(p), rem = p - pof2;
    const MPI_Count *rc = a->recvcounts;
    bt_datatype_t *dt = a->dt;
    const void *in = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;
    MPI_Count total = 0, *displ, *off, *cnt;
    void *acc;
    int newrank;

    displ = bt_coll_sched_alloc(s, (size_t)p * sizeof(*displ));
    for (int i = 0; i < p; i++) {
        displ[i] = total;
        total += rc[i];
    }
    if (total == 0)
        return;
    if (p == 1) {
        bt_coll_sched_copy(s, in, total, dt, a->recvbuf, total, dt);
        return;
    }
    off = bt_coll_sched_alloc(s, (size_t)pof2 * sizeof(*off));
    cnt = bt_coll_sched_alloc(s, (size_t)pof2 * sizeof(*cnt));
    for (int i = 0; i < pof2; i++) {
        if (i < rem) {
            off[i] = displ[2 * i];
            cnt[i] = rc[2 * i] + rc[2 * i + 1];
        } else {
            off[i] = displ[i + rem];
            cnt[i] = rc[i + rem];
        }
    }
    acc = bt_coll_sched_tmp(s, total, dt);
    bt_coll_sched_copy(s, in, total, dt, acc, total, dt);
    newrank = bt_rab_halving(s, acc, total, off, cnt, dt, a->op);
    if (newrank < 0) {
        bt_coll_sched_recv(s, a->recvbuf, rc[r], dt, r + 1);
        return;
    }
    if (r < 2 * rem)
        bt_coll_sched_send(s, BT_COLL_AT(acc, displ[r - 1], dt), rc[r - 1], dt, r - 1);
    bt_coll_sched_copy(s, BT_COLL_AT(acc, displ[r], dt), rc[r], dt, a->recvbuf, rc[r], dt);
}
