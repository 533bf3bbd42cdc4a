/* Partitioned communication (MPI 4.0): MPI_Psend_init, MPI_Precv_init, MPI_Pready,
 * MPI_Parrived.
 *
 * A partitioned operation is a persistent request whose partitions travel as soon
 * as they are ready (early-bird): each Pready call sends what it made ready, one
 * run of contiguous partitions per message, on the communicator's collective
 * context so that no user receive can take it. The n-th MPI_Psend_init to
 * (dest, tag) on a communicator pairs with the n-th MPI_Precv_init from that
 * source with that tag, as the standard orders them: both sides count their inits
 * and the messages' tag is made from the user's tag and that number, so that
 * pairs started in any order never take each other's data.
 *
 * The two sides may cut the same bytes into different partitions, so a run is
 * named by bytes of the type signature: a small header message (offset, length)
 * goes first, then the run's data as a message of its own, taken by a receive
 * that the receiver posts when the header is in, straight into the user's buffer
 * where the bytes start and end on the receive type's elements (else through a
 * bounce buffer, unpacked). Both are on one tag between one pair, so they match in
 * the order they were sent. A short run rides in its header message. A receive
 * partition has arrived when all its bytes have, whichever runs carried them.
 *
 * Between ranks of a node, a run of contiguous bytes below BATON_CMA_MIN is
 * written straight into a contiguous receive buffer with single copy
 * (process_vm_writev), and only its header follows: such mid-size messages would
 * otherwise stream through the ring, several in flight, six times slower than one
 * single copy of the whole (8 x 64 KiB). Larger runs go as data messages, whose
 * single copy both ends share. The receiver's MPI_Start tells the sender where
 * its buffer is (a "go" message on a tag of its own), which is also what makes the
 * write safe: the receiver is done with the buffer's previous round. Until the
 * go is in (the receiver could not look at partitions before its start anyway),
 * a sender of more than a short message holds what becomes ready, and sends it,
 * adjacent partitions as one run, when progress finds the go. */
#include "pt2pt/bt_pt2pt_impl.h"

#include "util/bt_util.h"

#include <string.h>

/* Runs of at most this many bytes travel in their header message (copied there
 * and out, which is cheaper than a second message for them). */
#define BT_PART_INLINE 2048

typedef struct bt_part_hdr {
    int64_t off, len;            /* the run: bytes of the type signature */
    int64_t written;             /* already in the receive buffer (single copy) */
} bt_part_hdr_t;

/* The receiver's go, sent at its MPI_Start. */
typedef struct bt_part_go {
    uint64_t addr;               /* the contiguous receive buffer's bytes, or 0 */
    int64_t  total;              /* their number */
} bt_part_go_t;

/* One message in flight: a send's header or data, or a receive's data. */
typedef struct bt_part_xfer {
    bt_request_t *req;           /* NULL once accounted for */
    char         *tmp;           /* header and inline data, or a receive's bounce buffer */
    MPI_Count     off, len;      /* receive: where the bytes go */
} bt_part_xfer_t;

typedef struct bt_part {
    int            send;
    void          *buf;
    int            partitions;
    MPI_Count      count;        /* elements of dt per partition */
    bt_datatype_t *dt;
    int            peer, user_tag, itag, gotag;
    int            world;        /* the peer's world rank */
    bt_comm_t     *comm;
    MPI_Count      pbytes;       /* bytes of one partition */
    MPI_Count      total;        /* bytes of all of them */
    int            err;          /* the round's error */
    bt_part_xfer_t *xf;          /* the round's messages */
    int            nxf, xcap, xfirst; /* in use, allocated, first not accounted for */
    /* send */
    char          *ready;        /* partitions marked ready this round */
    int            nready, nsent;
    int            mark_lo, mark_hi; /* marked, not yet sent */
    int            hold;         /* holds what is ready until the receiver's go is in */
    int            cma;          /* may write into the receiver's buffer */
    bt_request_t  *goreq;        /* the receive of the go */
    bt_part_go_t   go;
    int            go_in;        /* the round's go is in go */
    /* receive */
    MPI_Count     *got;          /* bytes of each partition in the buffer */
    bt_request_t  *hreq;         /* the receive of the next header */
    MPI_Count      announced;    /* bytes named by the headers in so far */
    char          *hbuf;         /* header and inline data */
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

/* Tag of the receiver's go to the sender, of a family of its own: a pair in the
 * other direction between the same two processes has the same itag. */
static int bt_part_gotag(int tag, uint32_t n)
{
    return bt_part_tag(tag ^ 0x5a5a5a5a, n ^ 0x80000000u);
}

static bt_datatype_t *bt_part_byte(void)
{
    return bt_datatype_predefined(BT_DTI_BYTE);
}

static bt_part_xfer_t *bt_part_xfer_add(bt_part_t *p)
{
    if (p->nxf == p->xcap) {
        p->xcap = p->xcap ? 2 * p->xcap : 8;
        p->xf = bt_realloc(p->xf, (size_t)p->xcap * sizeof(*p->xf));
    }
    bt_part_xfer_t *x = &p->xf[p->nxf++];
    memset(x, 0, sizeof(*x));
    return x;
}

/* Bytes [off, off + len) are in the receive buffer: counted for their partitions. */
static void bt_part_account(bt_part_t *p, MPI_Count off, MPI_Count len)
{
    for (MPI_Count q = off / p->pbytes; q < p->partitions && q * p->pbytes < off + len; q++)
        p->got[q] += BT_MIN(off + len, (q + 1) * p->pbytes) - (off > q * p->pbytes ?
                                                               off : q * p->pbytes);
}

/* Packed bytes [off, off + len) into the receive buffer; what lies beyond the
 * buffer's end is dropped (the sender sent more than was asked for). */
static void bt_part_place(bt_part_t *p, MPI_Count off, MPI_Count len, const char *src)
{
    if (off + len > p->total) {
        p->err = MPI_ERR_TRUNCATE;
        len = off < p->total ? p->total - off : 0;
    }
    if (len == 0)
        return;
    bt_datatype_unpack_part(p->dt, (MPI_Count)p->partitions * p->count, src, off, len, p->buf);
    bt_part_account(p, off, len);
}

/* A header is in: take its run, inline or by a receive posted now (before the
 * next header's, so that it matches the run's data message). */
static void bt_part_on_header(bt_part_t *p, MPI_Count got_bytes)
{
    bt_part_hdr_t h;
    bt_datatype_t *dt = p->dt;

    memcpy(&h, p->hbuf, sizeof(h));
    if (h.off < 0 || h.len < 0 || (h.len == 0) != (p->total == 0) || h.off > p->total ||
        (h.written && h.off + h.len > p->total) ||
        got_bytes != (MPI_Count)sizeof(h) + (!h.written && h.len <= BT_PART_INLINE ? h.len : 0)) {
        /* Not a header of ours: the sender's side does not match this one. */
        p->err = MPI_ERR_TRUNCATE;
        p->announced = p->total;
        return;
    }
    p->announced += h.len;
    if (h.written) {
        bt_part_account(p, h.off, h.len);
        return;
    }
    if (h.len <= BT_PART_INLINE) {
        bt_part_place(p, h.off, h.len, p->hbuf + sizeof(h));
        return;
    }
    bt_part_xfer_t *x = bt_part_xfer_add(p);
    x->off = h.off;
    x->len = h.len;
    if (h.off + h.len <= p->total && h.off % dt->size == 0 && h.len % dt->size == 0) {
        /* Whole elements: straight into the user's buffer. */
        bt_pt2pt_irecv((char *)p->buf + h.off / dt->size * dt->extent, h.len / dt->size, dt,
                       p->peer, p->itag, p->comm, BT_CTX_COLL(p->comm), &x->req);
    } else {
        x->tmp = bt_malloc((size_t)h.len);
        bt_pt2pt_irecv(x->tmp, h.len, bt_part_byte(), p->peer, p->itag, p->comm,
                       BT_CTX_COLL(p->comm), &x->req);
    }
}

static void bt_part_post_header(bt_part_t *p)
{
    bt_pt2pt_irecv(p->hbuf, (MPI_Count)sizeof(bt_part_hdr_t) + BT_PART_INLINE, bt_part_byte(),
                   p->peer, p->itag, p->comm, BT_CTX_COLL(p->comm), &p->hreq);
}

/* Accounts for the round's finished messages; 1 when all are. */
static int bt_part_xfers_done(bt_part_t *p)
{
    for (int i = p->xfirst; i < p->nxf; i++) {
        bt_part_xfer_t *x = &p->xf[i];
        if (!x->req || !x->req->done)
            continue;
        if (x->req->st_error != MPI_SUCCESS)
            p->err = x->req->st_error;
        if (!p->send) {
            if (x->tmp)
                bt_part_place(p, x->off, x->len, x->tmp);
            else
                bt_part_account(p, x->off, x->len);
        }
        bt_request_release(x->req);
        x->req = NULL;
        free(x->tmp);
        x->tmp = NULL;
    }
    while (p->xfirst < p->nxf && !p->xf[p->xfirst].req)
        p->xfirst++;
    return p->xfirst == p->nxf;
}

static void bt_part_flush_runs(bt_part_t *p);

static int bt_part_poll(bt_request_t *req)
{
    bt_part_t *p = req->state;

    if (p->send) {
        if (p->goreq && p->goreq->done) {
            if (p->goreq->st_error != MPI_SUCCESS || p->goreq->st_bytes != sizeof(p->go))
                p->go.addr = 0;   /* not a go of ours: no writes */
            bt_request_release(p->goreq);
            p->goreq = NULL;
            p->go_in = 1;
            bt_part_flush_runs(p);
        }
        if (!bt_part_xfers_done(p) || p->nsent < p->partitions || p->goreq)
            return 0;
    } else {
        while (p->hreq && p->hreq->done) {
            MPI_Count n = p->hreq->st_bytes;
            if (p->hreq->st_error != MPI_SUCCESS)
                p->err = p->hreq->st_error;
            bt_request_release(p->hreq);
            p->hreq = NULL;
            bt_part_on_header(p, n);
            if (p->announced < p->total)
                bt_part_post_header(p);
        }
        if (!bt_part_xfers_done(p) || p->hreq)
            return 0;
        req->st_source = p->peer;
        req->st_tag = p->user_tag;
        req->st_bytes = p->total;
    }
    req->st_error = p->err;
    p->nxf = p->xfirst = 0;
    return 1;
}

static int bt_part_start(bt_request_t *req)
{
    bt_part_t *p = req->state;

    req->active = 1;
    req->done = 0;
    req->st_error = MPI_SUCCESS;
    req->st_source = p->peer == MPI_PROC_NULL ? MPI_PROC_NULL : p->peer;
    req->st_tag = p->peer == MPI_PROC_NULL ? MPI_ANY_TAG : p->user_tag;
    req->st_bytes = 0;
    p->err = MPI_SUCCESS;
    p->nready = p->nsent = 0;
    p->mark_lo = p->partitions;
    p->mark_hi = -1;
    p->announced = 0;
    p->go_in = 0;
    if (p->ready)
        memset(p->ready, 0, (size_t)p->partitions);
    if (p->got)
        memset(p->got, 0, (size_t)p->partitions * sizeof(*p->got));
    if (p->peer == MPI_PROC_NULL) {
        req->done = 1;
        return MPI_SUCCESS;
    }
    /* Both sides know whether the sender holds (the sizes match): only then is
     * there a go, so that the rounds of short messages are not a ping-pong. */
    if (p->send) {
        if (p->hold)
            bt_pt2pt_irecv(&p->go, (MPI_Count)sizeof(p->go), bt_part_byte(), p->peer, p->gotag,
                           p->comm, BT_CTX_COLL(p->comm), &p->goreq);
    } else if (p->total <= BT_PART_INLINE) {
        bt_part_post_header(p);   /* zero bytes: one empty header comes */
    } else {
        /* The go is one of the round's messages, of zero bytes of data (off, len 0). */
        bt_part_xfer_t *x = bt_part_xfer_add(p);
        bt_part_go_t go = { p->dt->contig ? (uint64_t)(uintptr_t)((char *)p->buf +
                                                                  p->dt->true_lb) : 0,
                            (int64_t)p->total };
        x->tmp = bt_malloc(sizeof(go));
        memcpy(x->tmp, &go, sizeof(go));
        bt_pt2pt_isend(x->tmp, (MPI_Count)sizeof(go), bt_part_byte(), p->peer, p->gotag,
                       p->comm, BT_CTX_COLL(p->comm), BT_MODE_STANDARD, &x->req);
        bt_part_post_header(p);
    }
    bt_request_generic_start(req);
    return MPI_SUCCESS;
}

static void bt_part_free(bt_request_t *req)
{
    bt_part_t *p = req->state;

    if (!p)
        return;
    /* A round's requests are all accounted for when it completes, and the request
     * goes away only then (MPI_Request_free of an active one waits for that). */
    if (p->hreq)
        bt_request_release(p->hreq);
    if (p->goreq)
        bt_request_release(p->goreq);
    for (int i = p->xfirst; i < p->nxf; i++)
        if (p->xf[i].req)
            bt_request_release(p->xf[i].req);
    free(p->xf);
    bt_datatype_release(p->dt);
    bt_comm_release(p->comm);
    free(p->ready);
    free(p->got);
    free(p->hbuf);
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
    p->pbytes = count * dt->size;
    p->total = (MPI_Count)partitions * p->pbytes;
    if (peer != MPI_PROC_NULL) {
        uint32_t n = bt_part_next(comm->serial, send, peer, tag);
        p->itag = bt_part_tag(tag, n);
        p->gotag = bt_part_gotag(tag, n);
        p->world = bt_comm_world_rank(comm, peer);
    }
    if (send) {
        p->ready = bt_calloc((size_t)partitions, 1);
        /* Runs above the inline size wait for the go: a sender ahead of its receiver
         * then sends what it readied meanwhile as one run (across nodes one
         * message where there would be one per partition: a quick round of 8 x 64
         * KiB between fork hosts 560 -> 300 us). Contiguous ones to a rank of the
         * node may be written. */
        p->hold = peer != MPI_PROC_NULL && p->total > BT_PART_INLINE;
        p->cma = p->hold && dt->contig && bt_tp_is_local(p->world) && bt_tp_cma_usable();
    } else {
        p->got = bt_calloc((size_t)partitions, sizeof(*p->got));
        p->hbuf = bt_malloc(sizeof(bt_part_hdr_t) + BT_PART_INLINE);
    }
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
    p->nready++;
    if (partition < p->mark_lo)
        p->mark_lo = partition;
    if (partition > p->mark_hi)
        p->mark_hi = partition;
    return MPI_SUCCESS;
}

/* Partitions [lo, hi] leave: written into the receiver's buffer and a header
 * saying so, or a header and the data (both in one message when short). */
static void bt_part_send_run(bt_part_t *p, int lo, int hi)
{
    bt_part_hdr_t h = { (int64_t)lo * p->pbytes, (int64_t)(hi - lo + 1) * p->pbytes, 0 };
    size_t inl = h.len <= BT_PART_INLINE ? (size_t)h.len : 0;
    bt_part_xfer_t *x;

    p->nsent += hi - lo + 1;
    /* Zero bytes: one empty header when the last partition is ready, for which the
     * receive waits (its partitions arrive then, not at its start). */
    if (h.len == 0 && p->nsent < p->partitions)
        return;
    /* From cma_min on, the data message is faster: its single copy is shared by
     * both ends (the sender copies the back while the receiver reads the front). */
    if (p->cma && !inl && p->go.addr && h.off + h.len <= p->go.total &&
        (size_t)h.len < bt_p2p.cma_min) {
        if (bt_tp_cma_write(p->world, (char *)p->buf + p->dt->true_lb + h.off,
                            p->go.addr + (uint64_t)h.off, (size_t)h.len) == 0)
            h.written = 1;
        else
            p->cma = 0;   /* not permitted after all (ptrace rules): messages from now on */
    }
    if (h.written)
        inl = 0;
    x = bt_part_xfer_add(p);
    x->tmp = bt_malloc(sizeof(h) + inl);
    memcpy(x->tmp, &h, sizeof(h));
    if (inl)
        bt_datatype_pack_part(p->dt, (MPI_Count)p->partitions * p->count, p->buf, h.off,
                              h.len, x->tmp + sizeof(h));
    bt_pt2pt_isend(x->tmp, (MPI_Count)(sizeof(h) + inl), bt_part_byte(), p->peer, p->itag,
                   p->comm, BT_CTX_COLL(p->comm), BT_MODE_STANDARD, &x->req);
    if (inl || h.written || h.len == 0)
        return;
    x = bt_part_xfer_add(p);
    bt_pt2pt_isend((char *)p->buf + (MPI_Aint)lo * p->count * p->dt->extent,
                   (MPI_Count)(hi - lo + 1) * p->count, p->dt, p->peer, p->itag, p->comm,
                   BT_CTX_COLL(p->comm), BT_MODE_STANDARD, &x->req);
}

static void bt_part_flush_runs(bt_part_t *p)
{
    int lo = p->mark_lo, hi = p->mark_hi;

    if (p->peer == MPI_PROC_NULL || lo > hi || (p->hold && !p->go_in))
        return;
    p->mark_lo = p->partitions;
    p->mark_hi = -1;
    /* The partitions marked since the last flush are the ready ones in [lo, hi]
     * not sent yet: ready[] is 1 for them, 2 once sent. */
    for (int i = lo; i <= hi; i++) {
        if (p->ready[i] != 1)
            continue;
        int j = i;
        while (j + 1 <= hi && p->ready[j + 1] == 1)
            j++;
        memset(p->ready + i, 2, (size_t)(j - i + 1));
        bt_part_send_run(p, i, j);
        i = j;
    }
}

void bt_part_flush(bt_request_t *req)
{
    bt_part_flush_runs(req->state);
}

int bt_part_arrived(bt_request_t *req, int partition)
{
    bt_part_t *p = req->state;

    if (req->done || p->peer == MPI_PROC_NULL)
        return 1;
    bt_progress_test();   /* as MPI_Test: polled in a loop, it yields when oversubscribed */
    return req->done || (p->pbytes > 0 && p->got[partition] == p->pbytes);
}
