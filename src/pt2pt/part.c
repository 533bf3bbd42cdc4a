/* Partitioned communication (MPI 4.0): MPI_Psend_init, MPI_Precv_init, MPI_Pready,
 * MPI_Parrived.
 *
 * A partitioned operation is a persistent request. Its data travel as one message
 * per start, sent when the last partition is marked ready, on the communicator's
 * collective context so that no user receive can take it. The n-th MPI_Psend_init
 * to (dest, tag) on a communicator pairs with the n-th MPI_Precv_init from that
 * source with that tag, as the standard orders them: both sides count their inits
 * and the message's tag is made from the user's tag and that number, so that
 * pairs started in any order never take each other's data. The two sides may cut
 * the same bytes into different partitions. */
#include "pt2pt/bt_pt2pt_impl.h"

#include "util/bt_util.h"

#include <string.h>

typedef struct bt_part {
    int            send;
    void          *buf;
    int            partitions;
    MPI_Count      count;        /* elements of dt per partition */
    bt_datatype_t *dt;
    int            peer, user_tag, itag;
    bt_comm_t     *comm;
    char          *ready;        /* send: partitions marked ready this round */
    int            nready;
    bt_request_t  *inner;        /* the round's message */
} bt_part_t;

/* How many partitioned inits each (communicator, direction, peer, tag) has seen.
 * Keyed by the communicator's serial, not its context id: a context id comes back
 * in a later communicator, whose count starts again from 0 on every member. The
 * entries of freed communicators stay, a few bytes for each (communicator, peer,
 * tag) that ever carried a partitioned operation. */
typedef struct bt_part_seq {
    struct bt_part_seq *next;
    uint64_t comm;
    int      send, peer, tag;
    uint32_t n;
} bt_part_seq_t;

static bt_part_seq_t *bt_part_seqs;

static uint32_t bt_part_next(uint64_t comm, int send, int peer, int tag)
{
    bt_part_seq_t *s;

    for (s = bt_part_seqs; s; s = s->next)
        if (s->comm == comm && s->send == send && s->peer == peer && s->tag == tag)
            return s->n++;
    s = bt_calloc(1, sizeof(*s));
    s->comm = comm;
    s->send = send;
    s->peer = peer;
    s->tag = tag;
    s->n = 1;
    s->next = bt_part_seqs;
    bt_part_seqs = s;
    return 0;
}

/* Negative tags on the collective context: no collective uses them. Mixed so
 * that the pairs between two processes (different user tags or init numbers)
 * differ in the 30 bits kept. */
static int bt_part_tag(int tag, uint32_t n)
{
    uint64_t x = ((uint64_t)(uint32_t)tag << 32 | n) + 0x9e3779b97f4a7c15ull;

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return -2 - (int)(x & 0x3fffffff);
}

static int bt_part_poll(bt_request_t *req)
{
    bt_part_t *p = req->state;

    if (!p->inner || !p->inner->done)
        return 0;
    req->st_error = p->inner->st_error;
    if (!p->send) {
        req->st_source = p->peer;
        req->st_tag = p->user_tag;
        req->st_bytes = p->inner->st_bytes;
    }
    bt_request_release(p->inner);
    p->inner = NULL;
    return 1;
}

static int bt_part_start(bt_request_t *req)
{
    bt_part_t *p = req->state;
    MPI_Count n = (MPI_Count)p->partitions * p->count;

    req->active = 1;
    req->done = 0;
    req->st_error = MPI_SUCCESS;
    req->st_source = p->peer == MPI_PROC_NULL ? MPI_PROC_NULL : p->peer;
    req->st_tag = p->peer == MPI_PROC_NULL ? MPI_ANY_TAG : p->user_tag;
    req->st_bytes = 0;
    p->nready = 0;
    if (p->ready)
        memset(p->ready, 0, (size_t)p->partitions);
    if (p->peer == MPI_PROC_NULL) {
        req->done = 1;
        return MPI_SUCCESS;
    }
    if (!p->send)
        bt_pt2pt_irecv(p->buf, n, p->dt, p->peer, p->itag, p->comm, BT_CTX_COLL(p->comm),
                       &p->inner);
    bt_request_generic_start(req);
    return MPI_SUCCESS;
}

static void bt_part_free(bt_request_t *req)
{
    bt_part_t *p = req->state;

    if (!p)
        return;
    if (p->inner)
        bt_request_release(p->inner);
    bt_datatype_release(p->dt);
    bt_comm_release(p->comm);
    free(p->ready);
    free(p);
    req->state = NULL;
}

bt_request_t *bt_part_init(int send, void *buf, int partitions, MPI_Count count,
                           bt_datatype_t *dt, int peer, int tag, bt_comm_t *comm)
{
    bt_request_t *req = bt_request_new(BT_REQ_GENERIC);
    bt_part_t *p = bt_calloc(1, sizeof(*p));

    p->send = send;
    p->buf = buf;
    p->partitions = partitions;
    p->count = count;
    p->dt = dt;
    bt_datatype_retain(dt);
    p->peer = peer;
    p->user_tag = tag;
    p->comm = comm;
    bt_comm_retain(comm);
    if (peer != MPI_PROC_NULL)
        p->itag = bt_part_tag(tag, bt_part_next(comm->serial, send, peer, tag));
    if (send)
        p->ready = bt_calloc((size_t)partitions, 1);
    req->comm = comm;
    bt_comm_retain(comm);
    req->state = p;
    req->poll_fn = bt_part_poll;
    req->free_fn = bt_part_free;
    req->start_fn = bt_part_start;
    req->persistent = 1;
    req->done = 1;
    return req;
}

int bt_part_kind(const bt_request_t *req)
{
    if (req->kind != BT_REQ_GENERIC || req->poll_fn != bt_part_poll)
        return 0;
    return ((const bt_part_t *)req->state)->send ? 1 : 2;
}

int bt_part_partitions(const bt_request_t *req)
{
    return ((const bt_part_t *)req->state)->partitions;
}

int bt_part_ready(bt_request_t *req, int partition)
{
    bt_part_t *p = req->state;

    if (p->peer == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if (p->ready[partition])
        return MPI_ERR_ARG;
    p->ready[partition] = 1;
    if (++p->nready == p->partitions)
        bt_pt2pt_isend(p->buf, (MPI_Count)p->partitions * p->count, p->dt, p->peer, p->itag,
                       p->comm, BT_CTX_COLL(p->comm), BT_MODE_STANDARD, &p->inner);
    return MPI_SUCCESS;
}

int bt_part_arrived(bt_request_t *req, int partition)
{
    bt_part_t *p = req->state;

    if (req->done || p->peer == MPI_PROC_NULL)
        return 1;
    bt_progress_poll();
    return !p->inner || p->inner->done;
}
