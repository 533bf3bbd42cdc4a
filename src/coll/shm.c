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

int bt_coll_shm_ok(const bt_coll_args_t *a)
{
    const bt_datatype_t *dt = a->dt;

    if (!a->blocking || a->comm != &bt_comm_world || bt_rt.local_size != bt_rt.size)
        return 0;
    if (a->kind == BT_COLL_BARRIER)
        return 1;
    /* Contributions are the raw bytes of contiguous buffers. */
    return dt->contig && dt->true_lb == 0 &&
           (size_t)(a->count * dt->size) <= bt_shm_coll_slot_max();
}

static bt_request_t *bt_coll_shm_done(void)
{
    bt_request_t *req = bt_request_new(BT_REQ_GENERIC);
    req->done = 1;
    return req;
}

bt_request_t *bt_coll_shm_barrier(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    bt_shm_coll_arrive(round);
    bt_coll_shm_wait(round, -1);
    return bt_coll_shm_done();
}

bt_request_t *bt_coll_shm_bcast(const bt_coll_args_t *a)
{
    uint64_t round = bt_coll_shm_enter();
    size_t bytes = (size_t)(a->count * a->dt->size);
    int me = a->comm->rank;

    if (me == a->root)
        memcpy(bt_shm_coll_slot(round, me), a->recvbuf, bytes);
    bt_shm_coll_arrive(round);
    if (me != a->root) {
        bt_coll_shm_wait(round, a->root);
        memcpy(a->recvbuf, bt_shm_coll_slot(round, a->root), bytes);
    }
    return bt_coll_shm_done();
}

/* Reduce and allreduce: result = s0 op (s1 op (... op s_{n-1})), the lower rank's
 * operand always on the left. */
static bt_request_t *bt_coll_shm_reduce_to(const bt_coll_args_t *a, int all)
{
    uint64_t round = bt_coll_shm_enter();
    size_t bytes = (size_t)(a->count * a->dt->size);
    int me = a->comm->rank, n = a->comm->size;
    const void *mine = a->sendbuf == MPI_IN_PLACE ? a->recvbuf : a->sendbuf;

    memcpy(bt_shm_coll_slot(round, me), mine, bytes);
    bt_shm_coll_arrive(round);
    if (all || me == a->root) {
        bt_coll_shm_wait(round, -1);
        memcpy(a->recvbuf, bt_shm_coll_slot(round, n - 1), bytes);
        for (int i = n - 2; i >= 0; i--)
            bt_op_apply(a->op, bt_shm_coll_slot(round, i), a->recvbuf, a->count, a->dt);
    }
    return bt_coll_shm_done();
}

bt_request_t *bt_coll_shm_reduce(const bt_coll_args_t *a)
{
    return bt_coll_shm_reduce_to(a, 0);
}

bt_request_t *bt_coll_shm_allreduce(const bt_coll_args_t *a)
{
    return bt_coll_shm_reduce_to(a, 1);
}
