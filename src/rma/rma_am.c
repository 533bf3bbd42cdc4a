/* Active messages: operations on targets that no load, store or single copy
 * reaches (another node; user memory where single copy is off). The origin
 * sends a request over the window's private communicator and waits for the
 * reply; the target's handler, a generic request polled by the progress
 * engine, runs it on its own memory with the same atomicity rule as local
 * origins, so both kinds of origins can update the same location. The target
 * serves requests whenever it is in MPI.
 *
 * A request carries the target address, the target's layout flattened into
 * entries (disp, n) of bytes (put, get) or of elements of one predefined type
 * (accumulates), and the origin's packed data; large operations go in several
 * requests, each at most BT_AM_CHUNK bytes of data. */
#include "rma/rma_impl.h"

#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <string.h>

#define BT_AM_TAG_REQ  1
#define BT_AM_TAG_REP  2     /* replies: 2 + a per-window sequence number */
#define BT_AM_CHUNK    (32 << 10)
#define BT_AM_MAXENT   512

enum { BT_AM_PUT, BT_AM_GET, BT_AM_ACC, BT_AM_CAS, BT_AM_LOCK, BT_AM_UNLOCK, BT_AM_POST,
       BT_AM_COMPLETE };

typedef struct bt_am_hdr {
    int32_t  kind;
    int32_t  idx;         /* element type of accumulates */
    int32_t  op;          /* the predefined op's handle */
    int32_t  nent;
    int32_t  reply_tag;
    int32_t  lock_type;
    int32_t  fetch;       /* accumulates: return the old values */
    int32_t  rc;          /* replies: MPI_SUCCESS or an error class */
    uint64_t addr;
    uint64_t payload;
} bt_am_hdr_t;

typedef struct bt_am_ent {
    int64_t disp;
    int64_t n;
} bt_am_ent_t;

#define BT_AM_MAX (sizeof(bt_am_hdr_t) + BT_AM_MAXENT * sizeof(bt_am_ent_t) + 2 * BT_AM_CHUNK)

typedef struct bt_am_out {
    bt_request_t     *req;
    char             *buf;
    struct bt_am_out *next;
} bt_am_out_t;

typedef struct bt_am_lockq {
    int                 src, type, reply_tag;
    struct bt_am_lockq *next;
} bt_am_lockq_t;

struct bt_rma_am {
    bt_win_t      *win;
    bt_request_t  *hook;      /* the generic request the progress engine polls */
    bt_request_t  *recv;      /* the standing receive of requests */
    char          *buf;
    bt_am_out_t   *out;       /* replies and notices still leaving */
    bt_am_lockq_t *lockq;     /* lock requests waiting for the lock */
    int            busy;
    uint32_t       seq;
};

static void bt_am_post_recv(bt_rma_am_t *am)
{
    bt_datatype_t *byte = bt_datatype_predefined(BT_DTI_BYTE);

    bt_pt2pt_irecv(am->buf, (MPI_Count)BT_AM_MAX, byte, MPI_ANY_SOURCE, BT_AM_TAG_REQ,
                   am->win->comm, am->win->comm->ctx, &am->recv);
}

/* Sends buf (len bytes, which it then owns) to window rank dest. */
static void bt_am_send(bt_rma_am_t *am, int dest, int tag, char *buf, size_t len)
{
    bt_am_out_t *o = bt_malloc(sizeof(*o));

    bt_pt2pt_isend(buf, (MPI_Count)len, bt_datatype_predefined(BT_DTI_BYTE), dest, tag,
                   am->win->comm, am->win->comm->ctx, BT_MODE_STANDARD, &o->req);
    o->buf = buf;
    o->next = am->out;
    am->out = o;
}

static void bt_am_reap(bt_rma_am_t *am)
{
    for (bt_am_out_t **pp = &am->out; *pp;) {
        bt_am_out_t *o = *pp;
        if (!o->req->done) {
            pp = &o->next;
            continue;
        }
        *pp = o->next;
        bt_request_release(o->req);
        free(o->buf);
        free(o);
    }
}

static void bt_am_reply(bt_rma_am_t *am, int dest, int tag, int rc, const void *data,
                        size_t len)
{
    char *buf = bt_malloc(sizeof(bt_am_hdr_t) + len);
    bt_am_hdr_t h = { .rc = rc, .payload = len };

    memcpy(buf, &h, sizeof(h));
    if (len)
        memcpy(buf + sizeof(h), data, len);
    bt_am_send(am, dest, tag, buf, sizeof(h) + len);
}

/* [a, a + len) lies in my part of the window. */
static int bt_am_in_window(bt_win_t *win, uint64_t a, uint64_t len)
{
    if (win->flavor == MPI_WIN_FLAVOR_DYNAMIC) {
        bt_win_slot_t *s = bt_win_slot(win, win->rank);
        for (int i = 0; i < BT_WIN_DYN_MAX; i++) {
            uint64_t sz = atomic_load_explicit(&s->regions[i].size, memory_order_acquire);
            if (sz && a >= s->regions[i].base && a + len <= s->regions[i].base + sz)
                return 1;
        }
        return 0;
    }
    {
        uint64_t b = (uint64_t)(uintptr_t)win->base;
        return a >= b && a + len <= b + (uint64_t)win->bytes;
    }
}

static int bt_am_lock_try(bt_win_t *win, int type)
{
    _Atomic uint32_t *w = &bt_win_slot(win, win->rank)->lock;
    uint32_t v = atomic_load(w);

    if (type == MPI_LOCK_EXCLUSIVE)
        return v == 0 && atomic_compare_exchange_strong(w, &v, BT_WIN_LOCK_EXCL);
    return !(v & BT_WIN_LOCK_EXCL) && atomic_compare_exchange_strong(w, &v, v + 1);
}

/* Grants what it can of the queued lock requests, in order. */
static void bt_am_grant(bt_rma_am_t *am)
{
    while (am->lockq && bt_am_lock_try(am->win, am->lockq->type)) {
        bt_am_lockq_t *q = am->lockq;
        am->lockq = q->next;
        bt_am_reply(am, q->src, q->reply_tag, MPI_SUCCESS, NULL, 0);
        free(q);
    }
    /* Local unlockers ring my bell while remote lockers wait on me. */
    atomic_store(&bt_win_slot(am->win, am->win->rank)->waiting, am->lockq != NULL);
}

/* Runs one request from window rank src. */
static void bt_am_handle(bt_rma_am_t *am, int src, const char *msg, size_t len)
{
    bt_win_t *win = am->win;
    bt_am_hdr_t h;
    const bt_am_ent_t *ent;
    const char *data;
    char *out = NULL;
    size_t outlen = 0;
    int rc = MPI_SUCCESS;

    memcpy(&h, msg, sizeof(h));
    ent = (const bt_am_ent_t *)(msg + sizeof(h));
    data = msg + sizeof(h) + (size_t)h.nent * sizeof(bt_am_ent_t);
    (void)len;
    switch (h.kind) {
    case BT_AM_PUT:
    case BT_AM_GET:
        if (h.kind == BT_AM_GET) {
            size_t total = 1;
            for (int i = 0; i < h.nent; i++)
                total += (size_t)ent[i].n;
            out = bt_malloc(total);
        }
        for (int i = 0; i < h.nent && rc == MPI_SUCCESS; i++) {
            uint64_t a = h.addr + (uint64_t)ent[i].disp;
            if (!bt_am_in_window(win, a, (uint64_t)ent[i].n)) {
                rc = MPI_ERR_RMA_RANGE;
                break;
            }
            if (h.kind == BT_AM_PUT)
                memcpy((void *)(uintptr_t)a, data + outlen, (size_t)ent[i].n);
            else
                memcpy(out + outlen, (void *)(uintptr_t)a, (size_t)ent[i].n);
            outlen += (size_t)ent[i].n;
        }
        if (h.kind == BT_AM_PUT)
            outlen = 0;
        break;
    case BT_AM_ACC:
    case BT_AM_CAS: {
        const bt_datatype_t *bdt = bt_datatype_predefined(h.idx);
        bt_op_t *op = bt_op_get((MPI_Op)(uintptr_t)h.op);
        size_t esz = (size_t)bdt->size, e = 0;
        if (h.fetch) {
            size_t total = 1;
            for (int i = 0; i < h.nent; i++)
                total += (size_t)ent[i].n * esz;
            out = bt_malloc(total);
        }
        for (int i = 0; i < h.nent && rc == MPI_SUCCESS; i++) {
            uint64_t a = h.addr + (uint64_t)ent[i].disp;
            if (!bt_am_in_window(win, a, (uint64_t)((ent[i].n - 1) * bdt->extent) + esz)) {
                rc = MPI_ERR_RMA_RANGE;
                break;
            }
            if (h.kind == BT_AM_CAS)
                bt_rma_cas_elem(win, win->rank, bdt, (char *)(uintptr_t)a, data, data + esz, out);
            else
                bt_rma_acc_run(win, win->rank, op, bdt, (char *)(uintptr_t)a, ent[i].n,
                               data + e * esz, h.fetch ? out + e * esz : NULL);
            e += (size_t)ent[i].n;
        }
        outlen = h.fetch ? e * esz : 0;
        break;
    }
    case BT_AM_LOCK: {
        bt_am_lockq_t *q = bt_malloc(sizeof(*q)), **tail = &am->lockq;
        q->src = src;
        q->type = h.lock_type;
        q->reply_tag = h.reply_tag;
        q->next = NULL;
        while (*tail)
            tail = &(*tail)->next;
        *tail = q;
        bt_am_grant(am);
        return;
    }
    case BT_AM_UNLOCK:
        bt_rma_lock_release(win, h.lock_type, win->rank);
        break;
    case BT_AM_POST:
        atomic_fetch_add(&bt_win_slot(win, win->rank)->posted, 1);
        return;
    case BT_AM_COMPLETE:
        atomic_thread_fence(memory_order_seq_cst);
        atomic_fetch_add(&bt_win_slot(win, win->rank)->completed, 1);
        return;
    }
    bt_am_reply(am, src, h.reply_tag, rc, out, rc == MPI_SUCCESS ? outlen : 0);
    free(out);
}

static int bt_am_poll(bt_request_t *req)
{
    bt_rma_am_t *am = req->state;

    if (!am)
        return 1;    /* the window is gone */
    if (am->busy)
        return 0;
    am->busy = 1;
    while (am->recv->done) {
        bt_request_t *r = am->recv;
        bt_am_handle(am, r->st_source, am->buf, (size_t)r->st_bytes);
        bt_request_release(r);
        bt_am_post_recv(am);
    }
    if (am->lockq)
        bt_am_grant(am);
    bt_am_reap(am);
    am->busy = 0;
    return 0;
}

int bt_rma_am_start(bt_win_t *win)
{
    bt_rma_am_t *am = bt_calloc(1, sizeof(*am));

    am->win = win;
    am->buf = bt_malloc(BT_AM_MAX);
    win->am = am;
    bt_am_post_recv(am);
    am->hook = bt_request_new(BT_REQ_GENERIC);
    am->hook->state = am;
    am->hook->poll_fn = bt_am_poll;
    bt_request_generic_start(am->hook);
    return MPI_SUCCESS;
}

static int bt_am_quiet(void *arg)
{
    bt_rma_am_t *am = arg;

    bt_am_reap(am);
    return am->out == NULL;
}

void bt_rma_am_stop(bt_win_t *win)
{
    bt_rma_am_t *am = win->am;

    /* Replies already sent must leave before their buffers go. */
    bt_progress_until(bt_am_quiet, am);
    bt_pt2pt_cancel(am->recv);
    bt_request_release(am->recv);
    /* The engine drops the hook at its next pass: its poll sees no state. */
    am->hook->state = NULL;
    bt_request_release(am->hook);
    free(am->buf);
    while (am->lockq) {
        bt_am_lockq_t *q = am->lockq;
        am->lockq = q->next;
        free(q);
    }
    win->am = NULL;
    free(am);
}

/* ---- Origin side. */

/* Sends one request and waits for its reply; reply (len bytes) gets the data. */
static int bt_am_call(bt_win_t *win, int t, bt_am_hdr_t *h, const bt_am_ent_t *ent,
                      const void *data, void *reply, size_t reply_len)
{
    bt_rma_am_t *am = win->am;
    size_t elen = (size_t)h->nent * sizeof(*ent), len = sizeof(*h) + elen + (size_t)h->payload;
    char *buf = bt_malloc(len), *rbuf = NULL;
    bt_request_t *rr = NULL;
    bt_am_hdr_t rh;
    int want = h->kind != BT_AM_POST && h->kind != BT_AM_COMPLETE;

    if (want) {
        h->reply_tag = BT_AM_TAG_REP + (int)(am->seq++ & 0xffffff);
        rbuf = bt_malloc(sizeof(rh) + reply_len);
        bt_pt2pt_irecv(rbuf, (MPI_Count)(sizeof(rh) + reply_len),
                       bt_datatype_predefined(BT_DTI_BYTE), t, h->reply_tag, win->comm,
                       win->comm->ctx, &rr);
    }
    memcpy(buf, h, sizeof(*h));
    if (elen)
        memcpy(buf + sizeof(*h), ent, elen);
    if (h->payload)
        memcpy(buf + sizeof(*h) + elen, data, (size_t)h->payload);
    bt_am_send(am, t, BT_AM_TAG_REQ, buf, len);
    if (!want)
        return MPI_SUCCESS;
    bt_request_wait(rr);
    bt_request_release(rr);
    memcpy(&rh, rbuf, sizeof(rh));
    if (rh.rc == MPI_SUCCESS && reply_len)
        memcpy(reply, rbuf + sizeof(rh), BT_MIN((size_t)rh.payload, reply_len));
    free(rbuf);
    return rh.rc;
}

int bt_rma_am_sync(bt_win_t *win, int t, int kind, int lock_type)
{
    bt_am_hdr_t h = { .kind = kind == BT_RMA_AM_LOCK ? BT_AM_LOCK
                            : kind == BT_RMA_AM_UNLOCK ? BT_AM_UNLOCK
                            : kind == BT_RMA_AM_POST ? BT_AM_POST : BT_AM_COMPLETE,
                      .lock_type = lock_type };

    return bt_am_call(win, t, &h, NULL, NULL, NULL, 0);
}

/* The entries of count elements of dt: bytes blocks (idx < 0) or runs of
 * elements of one predefined type. */
static bt_am_ent_t *bt_am_layout(MPI_Count count, const bt_datatype_t *dt, int elems,
                                 size_t *n_p)
{
    size_t nruns = 0, per, n = 0;
    const bt_dt_run_t *runs = elems ? bt_datatype_runs(dt, &nruns) : NULL;
    bt_am_ent_t *e;

    per = elems ? nruns : dt->nblocks;
    e = bt_malloc(((size_t)count * per + 1) * sizeof(*e));
    for (MPI_Count c = 0; c < count; c++)
        for (size_t b = 0; b < per; b++) {
            e[n].disp = (int64_t)(c * dt->extent) + (elems ? runs[b].disp : dt->blocks[b].disp);
            e[n].n = elems ? (int64_t)runs[b].n : (int64_t)dt->blocks[b].len;
            if (e[n].n)
                n++;
        }
    *n_p = n;
    return e;
}

int bt_rma_am_op(bt_win_t *win, int t, int kind, uint64_t addr, MPI_Count count,
                 const bt_datatype_t *dt, const bt_datatype_t *bdt, bt_op_t *op,
                 const char *in, char *result)
{
    int elems = kind == BT_RMA_AM_ACC || kind == BT_RMA_AM_GACC;
    size_t n, unit = elems ? (size_t)bdt->size : 1, done = 0, i = 0;
    int64_t stride = elems ? (int64_t)bdt->extent : 1, off = 0;
    bt_am_ent_t *ent = bt_am_layout(count, dt, elems, &n), *chunk;
    int rc = MPI_SUCCESS;

    chunk = bt_malloc(BT_AM_MAXENT * sizeof(*chunk));
    while (i < n && rc == MPI_SUCCESS) {
        bt_am_hdr_t h = { .kind = kind == BT_RMA_AM_PUT ? BT_AM_PUT
                                : kind == BT_RMA_AM_GET ? BT_AM_GET : BT_AM_ACC,
                          .idx = elems ? bdt->basic : -1,
                          .op = op ? (int32_t)(uintptr_t)bt_op_handle(op) : 0,
                          .fetch = kind == BT_RMA_AM_GACC, .addr = addr };
        size_t bytes = 0;
        int k = 0;
        /* Entries (or pieces of one) up to BT_AM_CHUNK bytes of data. */
        while (i < n && k < BT_AM_MAXENT && bytes < BT_AM_CHUNK) {
            int64_t left = ent[i].n - off, take = (int64_t)((BT_AM_CHUNK - bytes) / unit);
            if (take <= 0)
                break;
            take = BT_MIN(take, left);
            chunk[k].disp = ent[i].disp + off * stride;
            chunk[k++].n = take;
            bytes += (size_t)take * unit;
            off += take;
            if (off == ent[i].n) {
                i++;
                off = 0;
            }
        }
        h.nent = k;
        h.payload = kind == BT_RMA_AM_GET ? 0 : bytes;
        if (op && bt_op_handle(op) == MPI_NO_OP)
            h.payload = 0;
        rc = bt_am_call(win, t, &h, chunk, in && h.payload ? in + done : NULL,
                        result ? result + done : NULL,
                        kind == BT_RMA_AM_GET || kind == BT_RMA_AM_GACC ? bytes : 0);
        done += bytes;
    }
    free(chunk);
    free(ent);
    return rc;
}

int bt_rma_am_cas(bt_win_t *win, int t, uint64_t addr, const bt_datatype_t *dt,
                  const void *origin, const void *compare, void *result)
{
    size_t esz = (size_t)dt->size;
    bt_am_ent_t ent = { 0, 1 };
    bt_am_hdr_t h = { .kind = BT_AM_CAS, .idx = dt->basic, .nent = 1, .fetch = 1, .addr = addr,
                      .payload = 2 * esz };
    char data[32];

    memcpy(data, origin, esz);
    memcpy(data + esz, compare, esz);
    return bt_am_call(win, t, &h, &ent, data, result, esz);
}
