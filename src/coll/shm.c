/* Node-local collectives through the shared segment, for the small blocking
 * collectives of a communicator whose ranks are all on this node: MPI_COMM_WORLD
 * (when the whole job is on one node) through the node's channel 0, any other
 * through a channel of its own (see bt_coll_shm_attach).
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
    bt_shm_chan_t *ch;
    uint64_t       round;
    int            who;      /* the rank waited for, or -1: every rank */
} bt_coll_shm_wait_t;

static int bt_coll_shm_ready(void *arg)
{
    const bt_coll_shm_wait_t *w = arg;
    return w->who < 0 ? bt_shm_coll_all_arrived(w->ch, w->round)
                      : bt_shm_coll_arrived(w->ch, w->round, w->who);
}

/* Every member takes part in every round of its channel, so a member sharing this
 * CPU that is behind this round needs the CPU before anything else does; when
 * none is, the ranks waited for run elsewhere. */
static int bt_coll_shm_behind(void *arg)
{
    const bt_coll_shm_wait_t *w = arg;
    return bt_shm_coll_mate_behind(w->ch, w->round);
}

static int bt_coll_shm_writable(void *arg)
{
    const bt_coll_shm_wait_t *w = arg;
    return bt_shm_coll_writable(w->ch, w->round);
}

/* Waits until rank who (-1: every rank) has arrived at round. */
static void bt_coll_shm_wait(bt_shm_chan_t *ch, uint64_t round, int who)
{
    bt_coll_shm_wait_t w = { ch, round, who };
    if (!bt_coll_shm_ready(&w))
        bt_progress_until_mates(bt_coll_shm_ready, bt_coll_shm_behind, &w);
}

/* Enters the next round once its slot set is no longer read by anyone. */
static uint64_t bt_coll_shm_enter(bt_shm_chan_t *ch)
{
    bt_coll_shm_wait_t w = { ch, bt_shm_coll_next(ch), -1 };
    if (!bt_shm_coll_writable(ch, w.round))
        bt_progress_until_mates(bt_coll_shm_writable, bt_coll_shm_behind, &w);
    return w.round;
}

/* comm's channel, or NULL: a call that finds none runs point to point. */
static bt_shm_chan_t *bt_coll_shm_chan(const bt_comm_t *comm)
{
    if (comm == &bt_comm_world)
        return bt_rt.local_size == bt_rt.size ? bt_shm_chan_world() : NULL;
    return comm->coll ? comm->coll->chan : NULL;
}

/* A communicator other than MPI_COMM_WORLD gets its channel at its first blocking
 * collective, which is the same call on every member (so that communicators never
 * used for a collective, as many are, take none): when its ranks are all on this
 * node, its rank 0 takes a free channel and broadcasts its number and first round
 * point to point. When the node has none free, the communicator's collectives run
 * point to point for good (the choice must be the same on every member). */
/* The node's local ranks of comm's members, or NULL when they are not all on this
 * node (the same answer on every member) or comm has one rank. */
static int *bt_coll_shm_locals(const bt_comm_t *comm)
{
    int n = comm->size, *locals;

    if (n < 2)
        return NULL;
    locals = bt_malloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        if ((locals[i] = bt_rt.local_of[bt_comm_world_rank(comm, i)]) < 0) {
            free(locals);
            return NULL;
        }
    return locals;
}

int bt_coll_shm_attach(bt_comm_t *comm)
{
    struct { int64_t id; uint64_t base; } got = { -1, 0 };
    int n = comm->size, *locals = bt_coll_shm_locals(comm), rc;
    bt_coll_args_t a = { .kind = BT_COLL_BCAST, .comm = comm, .recvbuf = &got,
                         .count = sizeof(got), .dt = bt_datatype_get(MPI_BYTE) };
    bt_request_t *req;

    if (!locals)
        return MPI_SUCCESS;
    if (comm->rank == 0)
        got.id = bt_shm_chan_take(n, &got.base);
    /* Nonblocking: point to point (this function is not called again). */
    rc = bt_coll_start(&a, &req);
    if (rc == MPI_SUCCESS && req) {
        rc = bt_request_wait(req);
        bt_request_release(req);
    }
    if (rc == MPI_SUCCESS && got.id >= 0)
        comm->coll->chan = bt_shm_chan_open((int)got.id, locals, n, comm->rank, got.base);
    free(locals);
    return rc;
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
    return a->blocking && bt_coll_shm_chan(a->comm);
}

/* A rank publishes the bytes it put in its slot twice: as the tag of its arrival,
 * which a reader gets in the very load that saw the arrival, and in a seal after
 * the data (the round and the bytes, at the next multiple of 8), for a reader
 * that looks once the rank has gone on to later rounds. A reader compares them
 * with what its own counts say, so counts and datatypes that do not match across
 * the ranks (an erroneous program) are MPI_ERR_TRUNCATE, as on the point-to-point
 * path, rather than a silent wrong answer. */
typedef struct {
    uint64_t round;
    int64_t  bytes;
} bt_coll_shm_seal_t;

#define BT_COLL_SHM_SEAL_AT(bytes) BT_ALIGN_UP((size_t)(bytes), (size_t)8)

/* Seals rank me's slot at `at`, before the data go in: the seal's line is
 * then fetched while the data are copied, not after them, where the arrival's
 * store would wait for it. */
static void bt_coll_shm_seal_at(bt_shm_chan_t *ch, uint64_t round, int me, size_t at,
                                MPI_Count bytes)
{
    bt_coll_shm_seal_t seal = { round, (int64_t)bytes };
    memcpy((char *)bt_shm_coll_slot(ch, round, me) + at, &seal, sizeof(seal));
}

static void bt_coll_shm_seal(bt_shm_chan_t *ch, uint64_t round, int me, MPI_Count bytes)
{
    bt_coll_shm_seal_at(ch, round, me, BT_COLL_SHM_SEAL_AT(bytes), bytes);
}

/* MPI_SUCCESS when rank's slot of this round holds the bytes expected (its seal
 * at `at`). */
static int bt_coll_shm_check_at(bt_shm_chan_t *ch, uint64_t round, int rank, size_t at,
                                MPI_Count bytes)
{
    bt_coll_shm_seal_t seal;
    uint32_t tag;

    if (bt_shm_coll_tag(ch, round, rank, &tag))
        return tag == ((uint32_t)bytes & BT_SHM_COLL_TAG_MASK) ? MPI_SUCCESS : MPI_ERR_TRUNCATE;
    memcpy(&seal, (char *)bt_shm_coll_slot(ch, round, rank) + at, sizeof(seal));
    return seal.round == round && seal.bytes == (int64_t)bytes ? MPI_SUCCESS : MPI_ERR_TRUNCATE;
}

static int bt_coll_shm_check(bt_shm_chan_t *ch, uint64_t round, int rank, MPI_Count bytes)
{
    return bt_coll_shm_check_at(ch, round, rank, BT_COLL_SHM_SEAL_AT(bytes), bytes);
}

/* The same for every rank's slot, the seals at `at`. */
static int bt_coll_shm_check_all(bt_shm_chan_t *ch, uint64_t round, int n, size_t at,
                                 MPI_Count bytes)
{
    for (int i = 0; i < n; i++)
        if (bt_coll_shm_check_at(ch, round, i, at, bytes) != MPI_SUCCESS)
            return MPI_ERR_TRUNCATE;
    return MPI_SUCCESS;
}

/* bytes of data and the seal fit a slot. */
static int bt_coll_shm_fits(MPI_Count bytes)
{
    return bytes >= 0 &&
           BT_COLL_SHM_SEAL_AT(bytes) + sizeof(bt_coll_shm_seal_t) <= bt_shm_coll_slot_max();
}

int bt_coll_shm_ok(const bt_coll_args_t *a)
{
    return bt_coll_shm_node_ok(a) && bt_coll_shm_fits(bt_coll_shm_bytes(a));
}

/* The large sets are channel 0's: MPI_COMM_WORLD only. */
int bt_coll_shm_large_ok(const bt_coll_args_t *a)
{
    return a->comm == &bt_comm_world && bt_coll_shm_node_ok(a) && a->dt->contig && a->dt->true_lb == 0 && a->dt->size > 0 &&
           (size_t)a->dt->size <= bt_shm_coll_large_max();
}

/* The halves of a round, for the blocking calls here and the persistent ones
 * (below): put writes this rank's slot and arrives; take reads what this rank
 * needs once the ranks it waits for have arrived. */

int bt_coll_shm_barrier(const bt_coll_args_t *a)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t round = bt_coll_shm_enter(ch);
    bt_shm_coll_arrive(ch, round, 0);
    bt_coll_shm_wait(ch, round, -1);
    return MPI_SUCCESS;
}

static void bt_coll_shm_bcast_put(const bt_coll_args_t *a, bt_shm_chan_t *ch, uint64_t round)
{
    MPI_Count bytes = a->count * a->dt->size;
    int me = a->comm->rank;

    if (me != a->root) {
        bt_shm_coll_arrive(ch, round, 0);
        return;
    }
    bt_coll_shm_seal(ch, round, me, bytes);
    bt_datatype_pack(a->dt, a->count, a->recvbuf, bt_shm_coll_slot(ch, round, me));
    bt_shm_coll_arrive(ch, round, (uint32_t)bytes);
}

static int bt_coll_shm_bcast_take(const bt_coll_args_t *a, bt_shm_chan_t *ch, uint64_t round)
{
    MPI_Count bytes = a->count * a->dt->size;

    /* Checked after the copy: the root has usually gone on, so the seal is read,
     * and after the data it is often in the cache already. */
    bt_datatype_unpack(a->dt, a->count, bt_shm_coll_slot(ch, round, a->root), bytes, a->recvbuf);
    return bt_coll_shm_check(ch, round, a->root, bytes);
}

int bt_coll_shm_bcast(const bt_coll_args_t *a)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t round = bt_coll_shm_enter(ch);

    bt_coll_shm_bcast_put(a, ch, round);
    if (a->comm->rank == a->root)
        return MPI_SUCCESS;
    bt_coll_shm_wait(ch, round, a->root);
    return bt_coll_shm_bcast_take(a, ch, round);
}

/* Gather's and allgather's end: waits for every rank and unpacks their blocks into
 * recvbuf in rank order (not my own in place: it is there already). */
static int bt_coll_shm_gather_blocks(const bt_coll_args_t *a, uint64_t round, MPI_Count bytes,
                                     int in_place)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    int me = a->comm->rank, n = a->comm->size;

    bt_coll_shm_wait(ch, round, -1);
    if (bt_coll_shm_check_all(ch, round, n, BT_COLL_SHM_SEAL_AT(bytes), bytes) != MPI_SUCCESS)
        return MPI_ERR_TRUNCATE;
    for (int i = 0; i < n; i++)
        if (i != me || !in_place)
            bt_datatype_unpack(a->recvtype, a->recvcount, bt_shm_coll_slot(ch, round, i), bytes,
                               BT_COLL_AT(a->recvbuf, (MPI_Count)i * a->recvcount, a->recvtype));
    return MPI_SUCCESS;
}

/* Gather: every rank's block in its slot; the root unpacks them in rank order. */
int bt_coll_shm_gather(const bt_coll_args_t *a)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t round = bt_coll_shm_enter(ch);
    int me = a->comm->rank, in_place = bt_coll_in_place(a->sendbuf);
    MPI_Count bytes = me == a->root ? a->recvcount * a->recvtype->size
                                    : a->sendcount * a->sendtype->size;

    bt_coll_shm_seal(ch, round, me, bytes);   /* in place: only to pass the check */
    if (me != a->root || !in_place)
        bt_datatype_pack(a->sendtype, a->sendcount, a->sendbuf, bt_shm_coll_slot(ch, round, me));
    bt_shm_coll_arrive(ch, round, (uint32_t)bytes);
    if (me != a->root)
        return MPI_SUCCESS;
    return bt_coll_shm_gather_blocks(a, round, bytes, in_place);
}

/* Allgather: as gather, and every rank unpacks every slot (its own block is in
 * recvbuf already when in place). */
int bt_coll_shm_allgather(const bt_coll_args_t *a)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t round = bt_coll_shm_enter(ch);
    int me = a->comm->rank, in_place = bt_coll_in_place(a->sendbuf);
    MPI_Count bytes = a->recvcount * a->recvtype->size;
    MPI_Count sbytes = in_place ? bytes : a->sendcount * a->sendtype->size;

    /* The choice went by the receive side; a send side that does not match (and
     * may not fit) leaves the slot unsealed, which every rank reports. */
    if (sbytes == bytes)
        bt_coll_shm_seal(ch, round, me, bytes);
    if (in_place)
        bt_datatype_pack(a->recvtype, a->recvcount,
                         BT_COLL_AT(a->recvbuf, (MPI_Count)me * a->recvcount, a->recvtype),
                         bt_shm_coll_slot(ch, round, me));
    else if (sbytes == bytes)
        bt_datatype_pack(a->sendtype, a->sendcount, a->sendbuf, bt_shm_coll_slot(ch, round, me));
    bt_shm_coll_arrive(ch, round, (uint32_t)sbytes);
    return bt_coll_shm_gather_blocks(a, round, bytes, in_place);
}

/* Scatter: the root packs every rank's block into its slot, block i at i * bytes. */
int bt_coll_shm_scatter(const bt_coll_args_t *a)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t round = bt_coll_shm_enter(ch);
    int me = a->comm->rank, n = a->comm->size;
    char *slot = bt_shm_coll_slot(ch, round, a->root);
    MPI_Count bytes = me == a->root ? a->sendcount * a->sendtype->size
                                    : a->recvcount * a->recvtype->size;

    if (me == a->root) {
        bt_coll_shm_seal(ch, round, me, n * bytes);
        for (int i = 0; i < n; i++)
            bt_datatype_pack(a->sendtype, a->sendcount,
                             BT_COLL_AT(a->sendbuf, (MPI_Count)i * a->sendcount, a->sendtype),
                             slot + i * bytes);
        bt_shm_coll_arrive(ch, round, (uint32_t)(n * bytes));
    } else {
        bt_shm_coll_arrive(ch, round, 0);
        bt_coll_shm_wait(ch, round, a->root);
    }
    if (me != a->root || !bt_coll_in_place(a->recvbuf))
        bt_datatype_unpack(a->recvtype, a->recvcount, slot + me * bytes, bytes, a->recvbuf);
    /* Checked after the copy, as in bcast. */
    return me == a->root ? MPI_SUCCESS : bt_coll_shm_check(ch, round, a->root, n * bytes);
}

/* Alltoall: every rank packs its n blocks into its slot; rank i takes block i of
 * every slot. In place, the blocks come from recvbuf, packed before any arrives. */
int bt_coll_shm_alltoall(const bt_coll_args_t *a)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t round = bt_coll_shm_enter(ch);
    int me = a->comm->rank, n = a->comm->size;
    int in_place = bt_coll_in_place(a->sendbuf);
    const void *src = in_place ? a->recvbuf : a->sendbuf;
    MPI_Count scount = in_place ? a->recvcount : a->sendcount;
    bt_datatype_t *stype = in_place ? a->recvtype : a->sendtype;
    MPI_Count bytes = a->recvcount * a->recvtype->size, sbytes = scount * stype->size;
    char *mine = bt_shm_coll_slot(ch, round, me);

    /* As in allgather: a send side that does not match leaves the slot unsealed. */
    if (sbytes == bytes) {
        bt_coll_shm_seal(ch, round, me, n * bytes);
        for (int i = 0; i < n; i++)
            bt_datatype_pack(stype, scount, BT_COLL_AT(src, (MPI_Count)i * scount, stype),
                             mine + i * bytes);
    }
    bt_shm_coll_arrive(ch, round, (uint32_t)(n * sbytes));
    bt_coll_shm_wait(ch, round, -1);
    if (bt_coll_shm_check_all(ch, round, n, BT_COLL_SHM_SEAL_AT(n * bytes), n * bytes) != MPI_SUCCESS)
        return MPI_ERR_TRUNCATE;
    for (int j = 0; j < n; j++)
        bt_datatype_unpack(a->recvtype, a->recvcount,
                           (char *)bt_shm_coll_slot(ch, round, j) + me * bytes, bytes,
                           BT_COLL_AT(a->recvbuf, (MPI_Count)j * a->recvcount, a->recvtype));
    return MPI_SUCCESS;
}

/* Reduce and allreduce: result = s0 op (s1 op (... op s_{n-1})), the lower rank's
 * operand always on the left. */
static void bt_coll_shm_reduce_put(const bt_coll_args_t *a, bt_shm_chan_t *ch, uint64_t round)
{
    MPI_Count bytes = a->count * a->dt->size;
    int me = a->comm->rank;

    bt_coll_shm_seal(ch, round, me, bytes);
    bt_copy(bt_shm_coll_slot(ch, round, me), a->sendbuf == MPI_IN_PLACE ? a->recvbuf : a->sendbuf,
            (size_t)bytes);
    bt_shm_coll_arrive(ch, round, (uint32_t)bytes);
}

static int bt_coll_shm_reduce_take(const bt_coll_args_t *a, bt_shm_chan_t *ch, uint64_t round)
{
    MPI_Count bytes = a->count * a->dt->size;
    int n = a->comm->size;

    if (bt_coll_shm_check_all(ch, round, n, BT_COLL_SHM_SEAL_AT(bytes), bytes) != MPI_SUCCESS)
        return MPI_ERR_TRUNCATE;
    bt_copy(a->recvbuf, bt_shm_coll_slot(ch, round, n - 1), (size_t)bytes);
    for (int i = n - 2; i >= 0; i--)
        bt_op_apply(a->op, bt_shm_coll_slot(ch, round, i), a->recvbuf, a->count, a->dt);
    return MPI_SUCCESS;
}

/* Two ranks and an op whose operands may swap: a rank that wants the result starts
 * from its own part while the other arrives (bt_coll_shm_reduce_own), then reads
 * the other's slot once (bt_coll_shm_reduce_take_other) instead of both slots. */
static int bt_coll_shm_reduce_swaps(const bt_coll_args_t *a)
{
    return a->comm->size == 2 && bt_op_swaps_exactly(a->op, a->dt);
}

static void bt_coll_shm_reduce_own(const bt_coll_args_t *a)
{
    if (a->sendbuf != MPI_IN_PLACE && a->sendbuf != a->recvbuf)
        bt_copy(a->recvbuf, a->sendbuf, (size_t)(a->count * a->dt->size));
}

static int bt_coll_shm_reduce_take_other(const bt_coll_args_t *a, bt_shm_chan_t *ch,
                                         uint64_t round)
{
    MPI_Count bytes = a->count * a->dt->size;

    if (bt_coll_shm_check_all(ch, round, 2, BT_COLL_SHM_SEAL_AT(bytes), bytes) != MPI_SUCCESS)
        return MPI_ERR_TRUNCATE;
    bt_op_apply(a->op, bt_shm_coll_slot(ch, round, 1 - a->comm->rank), a->recvbuf, a->count,
                a->dt);
    return MPI_SUCCESS;
}

static int bt_coll_shm_reduce_to(const bt_coll_args_t *a, int all)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t round = bt_coll_shm_enter(ch);
    int swap = bt_coll_shm_reduce_swaps(a);

    bt_coll_shm_reduce_put(a, ch, round);
    if (!all && a->comm->rank != a->root)
        return MPI_SUCCESS;
    if (swap)
        bt_coll_shm_reduce_own(a);
    bt_coll_shm_wait(ch, round, -1);
    return swap ? bt_coll_shm_reduce_take_other(a, ch, round)
                : bt_coll_shm_reduce_take(a, ch, round);
}

int bt_coll_shm_reduce(const bt_coll_args_t *a)
{
    return bt_coll_shm_reduce_to(a, 0);
}

int bt_coll_shm_allreduce(const bt_coll_args_t *a)
{
    return bt_coll_shm_reduce_to(a, 1);
}

/* Large reduce and allreduce, a slot's worth of elements at a time (a use of the
 * large sets): every rank copies its part into its slot; rank i reduces the i-th
 * share of all slots, in rank order as above, and writes the result back over its
 * own share; then the ranks that want the result copy the others' shares out.
 * Each rank reads 1/n of every contribution instead of all of them. The first
 * round's (otherwise unused) small slots carry the seals of the whole message:
 * every rank checks them all, so that on a mismatch all stop after that round. */
static uint64_t bt_coll_shm_large_use;   /* uses of the large sets so far */

static int bt_coll_shm_large_to(const bt_coll_args_t *a, int all)
{
    bt_shm_chan_t *ch = bt_coll_shm_chan(a->comm);
    uint64_t use = bt_coll_shm_large_use;
    size_t es = (size_t)a->dt->size;
    MPI_Count total = a->count * a->dt->size;
    MPI_Count per = (MPI_Count)(bt_shm_coll_large_max() / es);
    int me = a->comm->rank, n = a->comm->size, want = all || me == a->root;
    const char *mine = a->sendbuf == MPI_IN_PLACE ? a->recvbuf : a->sendbuf;
    char *out = a->recvbuf, *tmp = NULL;
    int rc = MPI_SUCCESS;

    if (!want) {
        /* A reduction's other ranks reduce their shares here (recvbuf is the root's). */
        tmp = bt_malloc((size_t)((per + n - 1) / n) * es);
    }
    for (MPI_Count off = 0; off < a->count; off += per, use++) {
        MPI_Count c = BT_MIN(per, a->count - off);
        MPI_Count lo = c * me / n, hi = c * (me + 1) / n;
        uint64_t round = bt_coll_shm_enter(ch);

        if (off == 0)
            bt_coll_shm_seal_at(ch, round, me, 0, total);
        bt_copy(bt_shm_coll_large(use, me), mine + off * es, (size_t)c * es);
        bt_shm_coll_arrive(ch, round, off == 0 ? (uint32_t)total : 0);
        bt_coll_shm_wait(ch, round, -1);
        if (off == 0 && (rc = bt_coll_shm_check_all(ch, round, n, 0, total))) {
            use++;
            break;
        }
        if (hi > lo) {
            char *acc = want ? out + (off + lo) * es : tmp;
            size_t at = (size_t)lo * es, len = (size_t)(hi - lo) * es;

            bt_copy(acc, (char *)bt_shm_coll_large(use, n - 1) + at, len);
            for (int i = n - 2; i >= 0; i--)
                bt_op_apply(a->op, (char *)bt_shm_coll_large(use, i) + at, acc, hi - lo, a->dt);
            bt_copy((char *)bt_shm_coll_large(use, me) + at, acc, len);
        }
        round = bt_coll_shm_enter(ch);
        bt_shm_coll_arrive(ch, round, 0);
        if (!want)
            continue;
        bt_coll_shm_wait(ch, round, -1);
        for (int j = 0; j < n; j++) {
            MPI_Count jlo = c * j / n, jhi = c * (j + 1) / n;
            if (j != me && jhi > jlo)
                bt_copy(out + (off + jlo) * es, (char *)bt_shm_coll_large(use, j) + jlo * es,
                       (size_t)(jhi - jlo) * es);
        }
    }
    bt_coll_shm_large_use = use;
    free(tmp);
    return rc;
}

int bt_coll_shm_large_reduce(const bt_coll_args_t *a)
{
    return bt_coll_shm_large_to(a, 0);
}

int bt_coll_shm_large_allreduce(const bt_coll_args_t *a)
{
    return bt_coll_shm_large_to(a, 1);
}

/* ---- persistent collectives on a channel of their own ----------------------------------
 *
 * A started persistent collective stays pending across the rank's later calls, so it
 * cannot take rounds on its communicator's channel, where every member goes through
 * the rounds one call after the other. It gets a channel of its own instead, at its
 * first MPI_Start (init must not wait for the other ranks): rank 0 takes one and
 * sends its number to every rank point to point, on the request's tag. From then on
 * each start is one round on that channel: the put half at MPI_Start, the take half
 * when the progress engine sees the awaited ranks arrived. A request has at most one
 * start in flight and its rounds are the channel's only ones, so the rule that a
 * member arriving at round k + 1 is done with round k holds by construction. When the
 * node has few channels left (communicators need them for good) the request runs its
 * point-to-point schedule instead, as it does before the number arrives. */

#define BT_PSHM_SPARE 8   /* channels left to communicators */

enum { BT_PSHM_NEW, BT_PSHM_ATTACH, BT_PSHM_SHM, BT_PSHM_P2P };

typedef struct {
    bt_coll_args_t a;
    bt_request_t  *inner;      /* the point-to-point schedule (persistent) */
    int           *locals;     /* the members' local ranks */
    int            state;
    bt_shm_chan_t *ch;
    uint64_t       round;
    int            put;        /* this start's put half is done */
    struct { int64_t id; uint64_t base; } got;
    bt_request_t **attach;     /* rank 0: a send per rank; the others: one receive */
    int            nattach;
} bt_pshm_t;

int bt_coll_shm_persistent_ok(const bt_coll_args_t *a)
{
    switch (a->kind) {
    case BT_COLL_BARRIER:
    case BT_COLL_BCAST:
    case BT_COLL_REDUCE:
    case BT_COLL_ALLREDUCE:
        return a->comm->size > 1 && bt_coll_shm_fits(bt_coll_shm_bytes(a));
    default:
        return 0;
    }
}

/* Rank 0 sends the channel's number to every rank; the others receive it. */
static void bt_pshm_attach_begin(bt_pshm_t *p, int tag)
{
    bt_comm_t *comm = p->a.comm;
    bt_datatype_t *byte = bt_datatype_get(MPI_BYTE);
    int n = comm->size;

    p->got.id = -1;
    p->got.base = 0;
    if (comm->rank == 0) {
        if (bt_shm_chan_free() > BT_PSHM_SPARE)
            p->got.id = bt_shm_chan_take(n, &p->got.base);
        p->nattach = n - 1;
        p->attach = bt_malloc((size_t)(n - 1) * sizeof(*p->attach));
        for (int i = 1; i < n; i++)
            bt_pt2pt_isend(&p->got, sizeof(p->got), byte, i, tag, comm, BT_CTX_COLL(comm),
                           BT_MODE_STANDARD, &p->attach[i - 1]);
    } else {
        p->nattach = 1;
        p->attach = bt_malloc(sizeof(*p->attach));
        bt_pt2pt_irecv(&p->got, sizeof(p->got), byte, 0, tag, comm, BT_CTX_COLL(comm),
                       &p->attach[0]);
    }
    p->state = BT_PSHM_ATTACH;
}

/* 1 when the number has gone out or come in. */
static int bt_pshm_attach_done(bt_pshm_t *p)
{
    for (int i = 0; i < p->nattach; i++)
        if (!p->attach[i]->done)
            return 0;
    for (int i = 0; i < p->nattach; i++)
        bt_request_release(p->attach[i]);
    free(p->attach);
    p->attach = NULL;
    p->nattach = 0;
    return 1;
}

static int bt_pshm_waits_for(const bt_pshm_t *p)
{
    const bt_coll_args_t *a = &p->a;

    switch (a->kind) {
    case BT_COLL_BCAST:
        return a->comm->rank == a->root ? -2 : a->root;
    case BT_COLL_REDUCE:
        return a->comm->rank == a->root ? -1 : -2;
    default:
        return -1;
    }
}

/* This start's round on the channel: 1 when done, with *rc_p its outcome. */
static int bt_pshm_round(bt_pshm_t *p, int *rc_p)
{
    const bt_coll_args_t *a = &p->a;
    int who;

    if (!p->put) {
        if (!bt_shm_coll_writable(p->ch, p->round))
            return 0;
        if (a->kind == BT_COLL_BCAST)
            bt_coll_shm_bcast_put(a, p->ch, p->round);
        else if (a->kind == BT_COLL_BARRIER)
            bt_shm_coll_arrive(p->ch, p->round, 0);
        else {
            bt_coll_shm_reduce_put(a, p->ch, p->round);
            if (bt_coll_shm_reduce_swaps(a) && bt_pshm_waits_for(p) != -2)
                bt_coll_shm_reduce_own(a);
        }
        p->put = 1;
    }
    who = bt_pshm_waits_for(p);
    if (who == -2) {
        *rc_p = MPI_SUCCESS;
        return 1;
    }
    if (who == -1 ? !bt_shm_coll_all_arrived(p->ch, p->round)
                  : !bt_shm_coll_arrived(p->ch, p->round, who))
        return 0;
    *rc_p = a->kind == BT_COLL_BCAST     ? bt_coll_shm_bcast_take(a, p->ch, p->round)
            : a->kind == BT_COLL_BARRIER ? MPI_SUCCESS
            : bt_coll_shm_reduce_swaps(a) ? bt_coll_shm_reduce_take_other(a, p->ch, p->round)
                                          : bt_coll_shm_reduce_take(a, p->ch, p->round);
    return 1;
}

/* Moves the start on as far as it goes: 1 when it is complete (req->st_error set). */
static int bt_pshm_poll(bt_request_t *req)
{
    bt_pshm_t *p = req->state;
    int rc;

    for (;;) {
        switch (p->state) {
        case BT_PSHM_ATTACH:
            if (!bt_pshm_attach_done(p))
                return 0;
            if (p->got.id < 0) {
                p->state = BT_PSHM_P2P;
                p->inner->start_fn(p->inner);
                continue;
            }
            p->ch = bt_shm_chan_open((int)p->got.id, p->locals, p->a.comm->size,
                                     p->a.comm->rank, p->got.base);
            p->state = BT_PSHM_SHM;
            p->round = bt_shm_coll_next(p->ch);
            p->put = 0;
            continue;
        case BT_PSHM_SHM:
            if (!bt_pshm_round(p, &rc))
                return 0;
            req->st_error = rc;
            return 1;
        default:   /* BT_PSHM_P2P */
            if (!p->inner->done)
                return 0;
            req->st_error = p->inner->st_error;
            return 1;
        }
    }
}

/* Oversubscribed, MPI_Wait yields to the members of this round that share its CPU. */
static int bt_pshm_behind(void *arg)
{
    const bt_pshm_t *p = ((bt_request_t *)arg)->state;
    return p->state == BT_PSHM_SHM && bt_shm_coll_mate_behind(p->ch, p->round);
}

static int bt_pshm_start(bt_request_t *req)
{
    bt_pshm_t *p = req->state;

    req->st_error = MPI_SUCCESS;
    req->active = 1;
    switch (p->state) {
    case BT_PSHM_NEW:
        bt_pshm_attach_begin(p, req->tag);
        break;
    case BT_PSHM_SHM:
        p->round = bt_shm_coll_next(p->ch);
        p->put = 0;
        break;
    default:   /* BT_PSHM_P2P */
        p->inner->start_fn(p->inner);
        break;
    }
    if (bt_pshm_poll(req))
        req->done = 1;
    else
        bt_request_generic_start(req);
    return MPI_SUCCESS;
}

static void bt_pshm_free(bt_request_t *req)
{
    bt_pshm_t *p = req->state;

    if (p->attach) {   /* freed before its first start completed: erroneous, but tidy */
        for (int i = 0; i < p->nattach; i++)
            bt_request_release(p->attach[i]);
        free(p->attach);
    }
    bt_shm_chan_close(p->ch);
    bt_request_release(p->inner);
    if (p->a.dt)
        bt_datatype_release(p->a.dt);
    if (p->a.op)
        bt_op_release(p->a.op);
    bt_comm_release(p->a.comm);
    free(p->locals);
    free(p);
    req->state = NULL;
}

bt_request_t *bt_coll_shm_persistent(const bt_coll_args_t *a, bt_request_t *inner)
{
    int *locals = bt_coll_shm_locals(a->comm);
    bt_request_t *req;
    bt_pshm_t *p;

    if (!locals)
        return inner;
    p = bt_calloc(1, sizeof(*p));
    p->a = *a;
    p->inner = inner;
    p->locals = locals;
    p->state = BT_PSHM_NEW;
    bt_comm_retain(p->a.comm);
    if (p->a.dt)
        bt_datatype_retain(p->a.dt);
    if (p->a.op)
        bt_op_retain(p->a.op);
    req = bt_request_new(BT_REQ_GENERIC);
    req->comm = a->comm;
    bt_comm_retain(req->comm);
    req->tag = inner->tag;
    req->state = p;
    req->poll_fn = bt_pshm_poll;
    req->free_fn = bt_pshm_free;
    req->start_fn = bt_pshm_start;
    req->behind_fn = bt_pshm_behind;
    req->persistent = 1;
    req->done = 1;
    return req;
}
