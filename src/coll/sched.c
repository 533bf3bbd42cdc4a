/* The schedule engine: rounds of sends, receives, copies and reductions, run by the
 * progress engine through a generic request. Blocking and nonblocking collectives
 * both run here; the poll callback never blocks. */
#include "coll/bt_coll_impl.h"

#include <string.h>

typedef enum {
    BT_STEP_SEND,
    BT_STEP_RECV,
    BT_STEP_COPY,
    BT_STEP_REDUCE,
} bt_step_kind_t;

typedef struct bt_step {
    uint8_t        kind;
    uint8_t        remote;       /* a send or receive to the other group of s->inter */
    int            peer;
    const void    *src;
    void          *dst;
    MPI_Count      count, dcount;
    bt_datatype_t *dt, *ddt;
    bt_op_t       *op;
    bt_request_t  *req;
} bt_step_t;

struct bt_sched {
    bt_comm_t *comm;
    bt_comm_t *inter;        /* an intercommunicator's schedule: comm is its local one */
    uint32_t   ctx;
    int        tag;
    int        error;        /* first error of a step; the schedule still runs to the end */
    bt_step_t *steps;
    size_t     nsteps, cap;
    size_t    *ends;         /* ends[k]: one past the last step of round k */
    size_t     nrounds, rcap;
    size_t     round;        /* the running round */
    size_t     next;         /* first step of the running round not seen complete */
    int        started;      /* the running round's steps are posted */
    void     **bufs;
    size_t     nbufs, bcap;
};

bt_datatype_t *bt_coll_byte(void)
{
    return bt_datatype_get(MPI_BYTE);
}

bt_sched_t *bt_coll_sched_new(bt_comm_t *comm, int tag)
{
    bt_sched_t *s = bt_calloc(1, sizeof(*s));

    s->comm = comm;
    bt_comm_retain(comm);
    s->ctx = BT_CTX_COLL(comm);
    s->tag = tag;
    return s;
}

bt_sched_t *bt_coll_sched_new_inter(bt_comm_t *inter, int tag)
{
    bt_sched_t *s = bt_coll_sched_new(inter->local, tag);

    s->inter = inter;
    bt_comm_retain(inter);
    return s;
}

static bt_step_t *bt_sched_add(bt_sched_t *s, bt_step_kind_t kind)
{
    bt_step_t *st;

    if (s->nsteps == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->steps = bt_realloc(s->steps, s->cap * sizeof(*s->steps));
    }
    st = &s->steps[s->nsteps++];
    memset(st, 0, sizeof(*st));
    st->kind = (uint8_t)kind;
    return st;
}

void bt_coll_sched_send(bt_sched_t *s, const void *buf, MPI_Count count, bt_datatype_t *dt,
                        int peer)
{
    bt_step_t *st = bt_sched_add(s, BT_STEP_SEND);

    st->src = buf;
    st->count = count;
    st->dt = dt;
    st->peer = peer;
    bt_datatype_retain(dt);
}

void bt_coll_sched_recv(bt_sched_t *s, void *buf, MPI_Count count, bt_datatype_t *dt, int peer)
{
    bt_step_t *st = bt_sched_add(s, BT_STEP_RECV);

    st->dst = buf;
    st->count = count;
    st->dt = dt;
    st->peer = peer;
    bt_datatype_retain(dt);
}

void bt_coll_sched_send_remote(bt_sched_t *s, const void *buf, MPI_Count count,
                               bt_datatype_t *dt, int peer)
{
    bt_coll_sched_send(s, buf, count, dt, peer);
    s->steps[s->nsteps - 1].remote = 1;
}

void bt_coll_sched_recv_remote(bt_sched_t *s, void *buf, MPI_Count count, bt_datatype_t *dt,
                               int peer)
{
    bt_coll_sched_recv(s, buf, count, dt, peer);
    s->steps[s->nsteps - 1].remote = 1;
}

void bt_coll_sched_copy(bt_sched_t *s, const void *src, MPI_Count scount, bt_datatype_t *sdt,
                        void *dst, MPI_Count dcount, bt_datatype_t *ddt)
{
    bt_step_t *st;

    /* In place only when it is the same data: with MPI_BOTTOM both addresses are
     * NULL and the datatypes say where the bytes are. */
    if (scount == 0 || dcount == 0 || (src == dst && sdt == ddt && scount == dcount))
        return;
    st = bt_sched_add(s, BT_STEP_COPY);
    st->src = src;
    st->count = scount;
    st->dt = sdt;
    st->dst = dst;
    st->dcount = dcount;
    st->ddt = ddt;
    bt_datatype_retain(sdt);
    bt_datatype_retain(ddt);
}

void bt_coll_sched_reduce(bt_sched_t *s, const void *in, void *inout, MPI_Count count,
                          bt_datatype_t *dt, bt_op_t *op)
{
    bt_step_t *st;

    if (count == 0)
        return;
    st = bt_sched_add(s, BT_STEP_REDUCE);
    st->src = in;
    st->dst = inout;
    st->count = count;
    st->dt = dt;
    st->op = op;
    bt_datatype_retain(dt);
    bt_op_retain(op);
}

void bt_coll_sched_fence(bt_sched_t *s)
{
    size_t last = s->nrounds ? s->ends[s->nrounds - 1] : 0;

    if (s->nsteps == last)
        return;
    if (s->nrounds == s->rcap) {
        s->rcap = s->rcap ? 2 * s->rcap : 8;
        s->ends = bt_realloc(s->ends, s->rcap * sizeof(*s->ends));
    }
    s->ends[s->nrounds++] = s->nsteps;
}

/* p is freed with the schedule. */
static void bt_sched_keep(bt_sched_t *s, void *p)
{
    if (s->nbufs == s->bcap) {
        s->bcap = s->bcap ? 2 * s->bcap : 4;
        s->bufs = bt_realloc(s->bufs, s->bcap * sizeof(*s->bufs));
    }
    s->bufs[s->nbufs++] = p;
}

void *bt_coll_sched_alloc(bt_sched_t *s, size_t bytes)
{
    void *p = bt_malloc(bytes ? bytes : 1);

    bt_sched_keep(s, p);
    return p;
}

void *bt_coll_tmp_new(MPI_Count count, const bt_datatype_t *dt, void **alloc_p)
{
    MPI_Aint lo, hi, last;

    if (count <= 0) {
        *alloc_p = bt_malloc(1);
        return *alloc_p;
    }
    /* The span the elements touch, whatever the signs of extent and lb. */
    last = (MPI_Aint)(count - 1) * dt->extent;
    lo = BT_MIN((MPI_Aint)0, last) + dt->true_lb;
    hi = BT_MAX((MPI_Aint)0, last) + dt->true_lb + dt->true_extent;
    *alloc_p = bt_malloc((size_t)(hi - lo));
    return BT_COLL_OFF(*alloc_p, -lo);
}

void *bt_coll_sched_tmp(bt_sched_t *s, MPI_Count count, const bt_datatype_t *dt)
{
    void *alloc, *buf = bt_coll_tmp_new(count, dt, &alloc);

    bt_sched_keep(s, alloc);
    return buf;
}

/* Copies between two layouts of the same packed bytes. */
static void bt_step_copy(const bt_step_t *st)
{
    const bt_datatype_t *sdt = st->dt, *ddt = st->ddt;
    MPI_Count sbytes = st->count * sdt->size, dbytes = st->dcount * ddt->size;
    MPI_Count bytes = BT_MIN(sbytes, dbytes);

    if (bytes == 0)
        return;
    if (sdt->contig && ddt->contig) {
        memmove(BT_COLL_OFF(st->dst, ddt->true_lb), BT_COLL_OFF(st->src, sdt->true_lb),
                (size_t)bytes);
    } else if (sdt->contig) {
        bt_datatype_unpack(ddt, st->dcount, BT_COLL_OFF(st->src, sdt->true_lb), bytes, st->dst);
    } else if (ddt->contig && sbytes <= dbytes) {
        bt_datatype_pack(sdt, st->count, st->src, BT_COLL_OFF(st->dst, ddt->true_lb));
    } else {
        void *packed = bt_malloc((size_t)sbytes);
        bt_datatype_pack(sdt, st->count, st->src, packed);
        bt_datatype_unpack(ddt, st->dcount, packed, bytes, st->dst);
        free(packed);
    }
}

static void bt_sched_round_start(bt_sched_t *s)
{
    size_t first = s->round ? s->ends[s->round - 1] : 0;
    int rc;

    for (size_t i = first; i < s->ends[s->round]; i++) {
        bt_step_t *st = &s->steps[i];
        bt_comm_t *comm = st->remote ? s->inter : s->comm;
        uint32_t ctx = st->remote ? BT_CTX_COLL(s->inter) : s->ctx;
        rc = MPI_SUCCESS;
        switch (st->kind) {
        case BT_STEP_SEND:
            rc = bt_pt2pt_isend(st->src, st->count, st->dt, st->peer, s->tag, comm, ctx,
                                BT_MODE_STANDARD, &st->req);
            break;
        case BT_STEP_RECV:
            rc = bt_pt2pt_irecv(st->dst, st->count, st->dt, st->peer, s->tag, comm, ctx,
                                &st->req);
            break;
        case BT_STEP_COPY:
            bt_step_copy(st);
            break;
        case BT_STEP_REDUCE:
            bt_op_apply(st->op, st->src, st->dst, st->count, st->dt);
            break;
        }
        if (rc != MPI_SUCCESS && s->error == MPI_SUCCESS)
            s->error = rc;
    }
    s->next = first;
    s->started = 1;
}

/* Runs rounds as far as completed messages allow; 1 when the schedule is done. */
static int bt_sched_advance(bt_sched_t *s)
{
    while (s->round < s->nrounds) {
        if (!s->started)
            bt_sched_round_start(s);
        for (; s->next < s->ends[s->round]; s->next++) {
            bt_step_t *st = &s->steps[s->next];
            if (!st->req)
                continue;
            if (!st->req->done)
                return 0;
            if (st->req->st_error != MPI_SUCCESS && s->error == MPI_SUCCESS)
                s->error = st->req->st_error;
            bt_request_release(st->req);
            st->req = NULL;
        }
        s->round++;
        s->started = 0;
    }
    return 1;
}

static int bt_sched_poll(bt_request_t *req)
{
    bt_sched_t *s = req->state;

    if (!bt_sched_advance(s))
        return 0;
    req->st_error = s->error;
    return 1;
}

static void bt_sched_req_free(bt_request_t *req)
{
    bt_coll_sched_free(req->state);
    req->state = NULL;
}

static bt_request_t *bt_sched_req_new(bt_sched_t *s)
{
    bt_request_t *req = bt_request_new(BT_REQ_GENERIC);

    bt_coll_sched_fence(s);
    req->comm = s->inter ? s->inter : s->comm;
    bt_comm_retain(req->comm);
    req->tag = s->tag;
    req->state = s;
    req->poll_fn = bt_sched_poll;
    req->free_fn = bt_sched_req_free;
    return req;
}

/* Runs the schedule's first round; the request goes on the poll list only when
 * something is left to wait for. */
static void bt_sched_req_run(bt_request_t *req)
{
    bt_sched_t *s = req->state;

    if (bt_sched_advance(s)) {
        req->st_error = s->error;
        req->done = 1;
    } else {
        bt_request_generic_start(req);
    }
}

bt_request_t *bt_coll_sched_start(bt_sched_t *s)
{
    bt_request_t *req = bt_sched_req_new(s);

    bt_sched_req_run(req);
    return req;
}

/* MPI_Start of a persistent collective: the same steps from the first round. */
static int bt_sched_restart(bt_request_t *req)
{
    bt_sched_t *s = req->state;

    s->round = 0;
    s->next = 0;
    s->started = 0;
    s->error = MPI_SUCCESS;
    req->st_error = MPI_SUCCESS;
    req->active = 1;
    bt_sched_req_run(req);
    return MPI_SUCCESS;
}

bt_request_t *bt_coll_sched_persistent(bt_sched_t *s)
{
    bt_request_t *req = bt_sched_req_new(s);

    req->persistent = 1;
    req->done = 1;
    req->start_fn = bt_sched_restart;
    return req;
}

bt_comm_t *bt_coll_sched_comm(const bt_sched_t *s)
{
    return s->comm;
}

void bt_coll_sched_free(bt_sched_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsteps; i++) {
        bt_step_t *st = &s->steps[i];
        if (st->req)
            bt_request_release(st->req);
        if (st->dt)
            bt_datatype_release(st->dt);
        if (st->ddt)
            bt_datatype_release(st->ddt);
        if (st->op)
            bt_op_release(st->op);
    }
    for (size_t i = 0; i < s->nbufs; i++)
        free(s->bufs[i]);
    free(s->bufs);
    free(s->steps);
    free(s->ends);
    bt_comm_release(s->comm);
    if (s->inter)
        bt_comm_release(s->inter);
    free(s);
}
