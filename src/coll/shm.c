/* Node-local collectives through the shared segment, for the small blocking
 * collectives of MPI_COMM_WORLD when the whole job is on one node.
 *
 * One round per call: a rank writes its contribution into its slot of the round
 * and announces its arrival; a rank that needs others' slots waits for those
 * ranks' arrivals only (a broadcast's readers wait for the root, a reduction's
 * root for everyone, nobody waits for a broadcast's readers). A waiter polls
 * briefly, then sleeps on its doorbell and an arriving rank wakes it: there is no
 * scheduler slice to wait out when ranks outnumber cores. Reductions are computed
 * by each rank that needs the result, from the slots, in rank order: the result
 * is the same on every rank and from run to run. */
#include "coll/bt_coll_impl.h"

#include "runtime/bt_runtime.h"
#include "transport/shm/bt_shm.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t round;    /* first: bt_coll_shm_behind reads it as a round's address */
    int      who;      /* the local rank waited for, or -1: every rank */
} bt_coll_shm_wait_t;

static int bt_coll_shm_ready(void *arg)
{
    const bt_coll_shm_wait_t *w = arg;
    return w->who < 0 ? bt_shm_coll_all_arrived(w->round) : bt_shm_coll_arrived(w->round, w->who);
}

/* Every rank of the node takes part in every round, so a rank sharing this CPU
 * that is behind this round needs the CPU before anything else does; when none
 * is, the ranks waited for run elsewhere. */
static int bt_coll_shm_behind(void *arg)
{
    return bt_shm_coll_mate_behind(*(uint64_t *)arg);
}

static int bt_coll_shm_writable(void *arg)
{
    return bt_shm_coll_writable(*(uint64_t *)arg);
}

/* Waits until rank who (-1: every rank) has arrived at round. */
static void bt_coll_shm_wait(uint64_t round, int who)
{
    bt_coll_shm_wait_t w = { round, who };
    if (!bt_coll_shm_ready(&w))
        bt_progress_until_mates(bt_coll_shm_ready, bt_coll_shm_behind, &w);
}

/* Enters the next round once its slot set is no longer read by anyone. */
static uint64_t bt_coll_shm_enter(void)
{
    uint64_t round = bt_shm_coll_next();
    if (!bt_shm_coll_writable(round))
        bt_progress_until_mates(bt_coll_shm_writable, bt_coll_shm_behind, &round);
    return round;
}

/* The bytes each rank puts in its slot for a call, or -1 when the call is not for
 * the node's slots. They depend only on what every rank agrees on (sizes, not the
 * datatypes' layouts), so that every rank makes the same choice: data moves
 * through the slots packed, and only the reductions, whose datatype is the same
 * on every rank, need it contiguous (the op runs on the slots). */
static MPI_Count bt_coll_shm_bytes(const bt_coll_args_t *a)
{
    int n = a->comm->size, root = a->comm->rank == a->root;

    switch (a->kind) {
    case BT_COLL_BARRIER:
        return 0;
    case BT_COLL_BCAST:
        return a->count * a->dt->size;
    case BT_COLL_REDUCE:
    case BT_COLL_ALLREDUCE:
        return a->dt->contig && a->dt->true_lb == 0 ? a->count * a->dt->size : -1;
    case BT_COLL_GATHER:
        return root ? a->recvcount * a->recvtype->size : a->sendcount * a->sendtype->size;
    case BT_COLL_ALLGATHER:
        return a->recvcount * a->recvtype->size;
    case BT_COLL_SCATTER:   /* the root's slot holds every rank's block */
        return n * (root ? a->sendcount * a->sendtype->size : a->recvcount * a->recvtype->size);
    case BT_COLL_ALLTOALL:
        return n * a->recvcount * a->recvtype->size;
    default:
        return -1;
    }
}

static int bt_coll_shm_node_ok(const bt_coll_args_t *a)
{
    return a->blocking && a->comm == &bt_comm_world && bt_rt.local_size == bt_rt.size;
}

int bt_coll_shm_ok(const bt_coll_args_t *a)
{
    MPI_Count bytes;

    if (!bt_coll_shm_node_ok(a))
        return 0;
    bytes = bt_coll_shm_bytes(a);
    return bytes >= 0 && (size_t)bytes <= bt_shm_coll_slot_max();
}

int bt_coll_shm_large_ok(const bt_coll_args_t *a)
{
    return bt_coll_shm_node_ok(a) && a->dt->contig && a->dt->true_lb == 0 && a->dt->size > 0 &&
           (size_t)a->dt->size <= bt_shm_coll_large_max();
}

void bt_coll_shm_barrier(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    bt_shm_coll_arrive(round);
    bt_coll_shm_wait(round, -1);
}

void bt_coll_shm_bcast(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    MPI_Count bytes = a->count * a->dt->size;
    int me = a->comm->rank;

    if (me == a->root)
        bt_datatype_pack(a->dt, a->count, a->recvbuf, bt_shm_coll_slot(round, me));
    bt_shm_coll_arrive(round);
    if (me != a->root) {
        bt_coll_shm_wait(round, a->root);
        bt_datatype_unpack(a->dt, a->count, bt_shm_coll_slot(round, a->root), bytes, a->recvbuf);
    }
}

/* Gather: every rank's block in its slot; the root unpacks them in rank order. */
void bt_coll_shm_gather(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    int me = a->comm->rank, n = a->comm->size;

    if (me != a->root || !bt_coll_in_place(a->sendbuf))
        bt_datatype_pack(a->sendtype, a->sendcount, a->sendbuf, bt_shm_coll_slot(round, me));
    bt_shm_coll_arrive(round);
    if (me == a->root) {
        MPI_Count bytes = a->recvcount * a->recvtype->size;
        bt_coll_shm_wait(round, -1);
        for (int i = 0; i < n; i++)
            if (i != me || !bt_coll_in_place(a->sendbuf))
                bt_datatype_unpack(a->recvtype, a->recvcount, bt_shm_coll_slot(round, i), bytes,
                                   BT_COLL_AT(a->recvbuf, (MPI_Count)i * a->recvcount,
                                              a->recvtype));
    }
}

/* Allgather: as gather, and every rank unpacks every slot (its own block is in
 * recvbuf already when in place). */
void bt_coll_shm_allgather(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    int me = a->comm->rank, n = a->comm->size;
    MPI_Count bytes = a->recvcount * a->recvtype->size;

    if (bt_coll_in_place(a->sendbuf))
        bt_datatype_pack(a->recvtype, a->recvcount,
                         BT_COLL_AT(a->recvbuf, (MPI_Count)me * a->recvcount, a->recvtype),
                         bt_shm_coll_slot(round, me));
    else
        bt_datatype_pack(a->sendtype, a->sendcount, a->sendbuf, bt_shm_coll_slot(round, me));
    bt_shm_coll_arrive(round);
    bt_coll_shm_wait(round, -1);
    for (int i = 0; i < n; i++)
        if (i != me || !bt_coll_in_place(a->sendbuf))
            bt_datatype_unpack(a->recvtype, a->recvcount, bt_shm_coll_slot(round, i), bytes,
                               BT_COLL_AT(a->recvbuf, (MPI_Count)i * a->recvcount, a->recvtype));
}

/* Scatter: the root packs every rank's block into its slot, block i at i * bytes. */
void bt_coll_shm_scatter(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    int me = a->comm->rank, n = a->comm->size;
    char *slot = bt_shm_coll_slot(round, a->root);

    if (me == a->root) {
        MPI_Count bytes = a->sendcount * a->sendtype->size;
        for (int i = 0; i < n; i++)
            bt_datatype_pack(a->sendtype, a->sendcount,
                             BT_COLL_AT(a->sendbuf, (MPI_Count)i * a->sendcount, a->sendtype),
                             slot + i * bytes);
    }
    bt_shm_coll_arrive(round);
    if (me != a->root)
        bt_coll_shm_wait(round, a->root);
    if (me != a->root || !bt_coll_in_place(a->recvbuf)) {
        MPI_Count bytes = a->recvcount * a->recvtype->size;
        bt_datatype_unpack(a->recvtype, a->recvcount, slot + me * bytes, bytes, a->recvbuf);
    }
}

/* Alltoall: every rank packs its n blocks into its slot; rank i takes block i of
 * every slot. In place, the blocks come from recvbuf, packed before any arrives. */
void bt_coll_shm_alltoall(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    int me = a->comm->rank, n = a->comm->size;
    int in_place = bt_coll_in_place(a->sendbuf);
    const void *src = in_place ? a->recvbuf : a->sendbuf;
    MPI_Count scount = in_place ? a->recvcount : a->sendcount;
    bt_datatype_t *stype = in_place ? a->recvtype : a->sendtype;
    MPI_Count bytes = a->recvcount * a->recvtype->size;
    char *mine = bt_shm_coll_slot(round, me);

    for (int i = 0; i < n; i++)
        bt_datatype_pack(stype, scount, BT_COLL_AT(src, (MPI_Count)i * scount, stype),
                         mine + i * bytes);
    bt_shm_coll_arrive(round);
    bt_coll_shm_wait(round, -1);
    for (int j = 0; j < n; j++)
        bt_datatype_unpack(a->recvtype, a->recvcount, (char *)bt_shm_coll_slot(round, j) + me * bytes,
                           bytes, BT_COLL_AT(a->recvbuf, (MPI_Count)j * a->recvcount, a->recvtype));
}

/* Reduce and allreduce: result = s0 op (s1 op (... op s_{n-1})), the lower rank's
 * operand always on the left. */
static void bt_coll_shm_reduce_to(const bt_coll_args_t *a, int all)
{
    uint64_t round = bt_coll_shm_enter();
    size_t bytes = (size_t)(a->count * a->dt->size);
    int me = a->comm->rank, n = a->comm->size;
    const void *mine = a->sendbuf == MPI_IN_PLACE ? a->recvbuf : a->sendbuf;

    bt_copy(bt_shm_coll_slot(round, me), mine, bytes);
    bt_shm_coll_arrive(round);
    if (!all && me != a->root)
        return;
    /* Two ranks and an op whose operands may swap: start from my own part while
     * the other arrives, then read its slot once. */
    if (n == 2 && bt_op_swaps_exactly(a->op, a->dt)) {
        if (mine != a->recvbuf)
            bt_copy(a->recvbuf, mine, bytes);
        bt_coll_shm_wait(round, -1);
        bt_op_apply(a->op, bt_shm_coll_slot(round, 1 - me), a->recvbuf, a->count, a->dt);
        return;
    }
    bt_coll_shm_wait(round, -1);
    bt_copy(a->recvbuf, bt_shm_coll_slot(round, n - 1), bytes);
    for (int i = n - 2; i >= 0; i--)
        bt_op_apply(a->op, bt_shm_coll_slot(round, i), a->recvbuf, a->count, a->dt);
}

void bt_coll_shm_reduce(const bt_coll_args_t *a)
{
    bt_coll_shm_reduce_to(a, 0);
}

void bt_coll_shm_allreduce(const bt_coll_args_t *a)
{
    bt_coll_shm_reduce_to(a, 1);
}

/* Large reduce and allreduce, a slot's worth of elements at a time (a use of the
 * large sets): every rank copies its part into its slot; rank i reduces the i-th
 * share of all slots, in rank order as above, and writes the result back over its
 * own share; then the ranks that want the result copy the others' shares out.
 * Each rank reads 1/n of every contribution instead of all of them. */
static uint64_t bt_coll_shm_large_use;   /* uses of the large sets so far */

static void bt_coll_shm_large_to(const bt_coll_args_t *a, int all)
{
    uint64_t use = bt_coll_shm_large_use;
    size_t es = (size_t)a->dt->size;
    MPI_Count per = (MPI_Count)(bt_shm_coll_large_max() / es);
    int me = a->comm->rank, n = a->comm->size, want = all || me == a->root;
    const char *mine = a->sendbuf == MPI_IN_PLACE ? a->recvbuf : a->sendbuf;
    char *out = a->recvbuf, *tmp = NULL;

    if (!want) {
        /* A reduction's other ranks reduce their shares here (recvbuf is the root's). */
        tmp = bt_malloc((size_t)((per + n - 1) / n) * es);
    }
    for (MPI_Count off = 0; off < a->count; off += per, use++) {
        MPI_Count c = BT_MIN(per, a->count - off);
        MPI_Count lo = c * me / n, hi = c * (me + 1) / n;
        uint64_t round = bt_coll_shm_enter();

        bt_copy(bt_shm_coll_large(use, me), mine + off * es, (size_t)c * es);
        bt_shm_coll_arrive(round);
        bt_coll_shm_wait(round, -1);
        if (hi > lo) {
            char *acc = want ? out + (off + lo) * es : tmp;
            size_t at = (size_t)lo * es, len = (size_t)(hi - lo) * es;

            bt_copy(acc, (char *)bt_shm_coll_large(use, n - 1) + at, len);
            for (int i = n - 2; i >= 0; i--)
                bt_op_apply(a->op, (char *)bt_shm_coll_large(use, i) + at, acc, hi - lo, a->dt);
            bt_copy((char *)bt_shm_coll_large(use, me) + at, acc, len);
        }
        round = bt_coll_shm_enter();
        bt_shm_coll_arrive(round);
        if (!want)
            continue;
        bt_coll_shm_wait(round, -1);
        for (int j = 0; j < n; j++) {
            MPI_Count jlo = c * j / n, jhi = c * (j + 1) / n;
            if (j != me && jhi > jlo)
                bt_copy(out + (off + jlo) * es, (char *)bt_shm_coll_large(use, j) + jlo * es,
                       (size_t)(jhi - jlo) * es);
        }
    }
    bt_coll_shm_large_use = use;
    free(tmp);
}

void bt_coll_shm_large_reduce(const bt_coll_args_t *a)
{
    bt_coll_shm_large_to(a, 0);
}

void bt_coll_shm_large_allreduce(const bt_coll_args_t *a)
{
    bt_coll_shm_large_to(a, 1);
}
