/* Matching and the eager and rendezvous protocols.
 *
 * Messages of a pair travel one FIFO ring, and both queues are FIFO, so matching
 * in arrival order keeps the standard's non-overtaking rule. Up to eager_max bytes
 * travel inline; larger messages send a request-to-send and the receiver either
 * asks the sender to stream them through the ring (clear-to-send) or, for large
 * messages where the kernel lets us, copies them with single copy: it reads from
 * the front of the sender's buffer and asks the sender to write the back into its
 * own (pull), so that two cores copy; whichever end copies the last byte tells
 * the other (fin). */
#include "pt2pt/bt_pt2pt_impl.h"

#include "runtime/bt_runtime.h"
#include "tools/bt_tools.h"
#include "util/bt_util.h"

#include <stdio.h>
#include <string.h>

bt_pt2pt_state_t bt_p2p;

static inline int bt_match(uint32_t ctx, int src, int tag, uint32_t want_ctx, int want_src,
                           int want_tag)
{
    return ctx == want_ctx && (want_src == MPI_ANY_SOURCE || want_src == src) &&
           (want_tag == MPI_ANY_TAG || want_tag == tag);
}

/* ---- queues ---------------------------------------------------------------- */

/* Unlinks r, which follows prev (NULL: the head), from the posted queue. */
static void bt_posted_unlink(bt_request_t *prev, bt_request_t *r)
{
    if (prev)
        prev->next = r->next;
    else
        bt_p2p.posted_head = r->next;
    if (bt_p2p.posted_tail == r)
        bt_p2p.posted_tail = prev;
    r->next = NULL;
}

/* Unlinks u, which follows prev (NULL: the head), from the unexpected queue. */
static void bt_unexp_unlink(bt_unexp_t *prev, bt_unexp_t *u)
{
    if (prev)
        prev->next = u->next;
    else
        bt_p2p.unexp_head = u->next;
    if (bt_p2p.unexp_tail == u)
        bt_p2p.unexp_tail = prev;
    bt_tool_ctr.unexp_len--;
    u->next = NULL;
}

static bt_request_t *bt_posted_take(uint32_t ctx, int src, int tag)
{
    bt_request_t *prev = NULL;

    for (bt_request_t *r = bt_p2p.posted_head; r; prev = r, r = r->next) {
        if (!bt_match(ctx, src, tag, r->ctx, r->peer, r->tag))
            continue;
        bt_posted_unlink(prev, r);
        return r;
    }
    return NULL;
}

static void bt_posted_append(bt_request_t *r)
{
    r->next = NULL;
    if (bt_p2p.posted_tail)
        bt_p2p.posted_tail->next = r;
    else
        bt_p2p.posted_head = r;
    bt_p2p.posted_tail = r;
}

static bt_unexp_t *bt_unexp_find(uint32_t ctx, int src, int tag, int remove)
{
    bt_unexp_t *prev = NULL;

    for (bt_unexp_t *u = bt_p2p.unexp_head; u; prev = u, u = u->next) {
        if (!bt_match(u->ctx, u->src, u->tag, ctx, src, tag))
            continue;
        if (remove)
            bt_unexp_unlink(prev, u);
        return u;
    }
    return NULL;
}

static bt_unexp_t *bt_unexp_new(const bt_msg_hdr_t *hdr, int src_world, int type, size_t datalen)
{
    bt_unexp_t *u = bt_malloc(sizeof(*u) + datalen);

    u->next = NULL;
    u->ctx = hdr->ctx;
    u->src = hdr->src;
    u->tag = hdr->tag;
    u->src_world = src_world;
    u->type = type;
    u->flags = hdr->flags;
    u->cookie = hdr->cookie;
    u->size = (MPI_Count)datalen;
    u->addr = 0;
    u->key = 0;
    u->self_sreq = NULL;
    u->comm = NULL;
    if (bt_p2p.unexp_tail)
        bt_p2p.unexp_tail->next = u;
    else
        bt_p2p.unexp_head = u;
    bt_p2p.unexp_tail = u;
    if (++bt_tool_ctr.unexp_len > bt_tool_ctr.unexp_hwm)
        bt_tool_ctr.unexp_hwm = bt_tool_ctr.unexp_len;
    bt_tool_ctr.unexp_total++;
    return u;
}

/* Unlinks o, which follows prev (NULL: the head), from queue q and frees it. */
static void bt_out_unlink(bt_out_queue_t *q, bt_out_t *prev, bt_out_t *o)
{
    if (prev)
        prev->next = o->next;
    else
        q->head = o->next;
    if (q->tail == o)
        q->tail = prev;
    if (!q->head)
        bt_p2p.nout--;
    free(o);
}

void bt_pt2pt_out_push(int peer, bt_out_t *o)
{
    bt_out_queue_t *q = &bt_p2p.out[peer];

    o->next = NULL;
    if (q->tail)
        q->tail->next = o;
    else {
        q->head = o;
        bt_p2p.nout++;
    }
    q->tail = o;
}

/* ---- names of requests on the network ------------------------------------------ */

/* A handle is its slot's index + 1 in the low half and the slot's generation in
 * the high half, so that a handle from a completed exchange names nothing. */
typedef struct bt_cookie_slot {
    bt_request_t *req;
    uint32_t      gen;
    int           peer;        /* world rank the handle was given to; next free slot */
} bt_cookie_slot_t;

static struct {
    bt_cookie_slot_t *slots;
    uint32_t          n, cap;
    int               free;    /* first free slot, -1 none */
} bt_cookies = { .free = -1 };

uint64_t bt_pt2pt_cookie_of(bt_request_t *req, int peer)
{
    bt_cookie_slot_t *slot;
    uint32_t i;

    if (bt_tp_is_local(peer))
        return (uint64_t)(uintptr_t)req;
    if (req->net_cookie)
        return req->net_cookie;
    if (bt_cookies.free >= 0) {
        i = (uint32_t)bt_cookies.free;
        bt_cookies.free = bt_cookies.slots[i].peer;
    } else {
        if (bt_cookies.n == bt_cookies.cap) {
            bt_cookies.cap = bt_cookies.cap ? 2 * bt_cookies.cap : 64;
            bt_cookies.slots = bt_realloc(bt_cookies.slots,
                                          bt_cookies.cap * sizeof(*bt_cookies.slots));
        }
        i = bt_cookies.n++;
        bt_cookies.slots[i].gen = 0;
    }
    slot = &bt_cookies.slots[i];
    slot->req = req;
    slot->peer = peer;
    slot->gen++;
    req->net_cookie = ((uint64_t)slot->gen << 32) | (i + 1);
    return req->net_cookie;
}

void bt_pt2pt_cookie_drop(bt_request_t *req)
{
    uint32_t i = (uint32_t)(req->net_cookie & 0xffffffffu) - 1;

    bt_cookies.slots[i].req = NULL;
    bt_cookies.slots[i].peer = bt_cookies.free;
    bt_cookies.free = (int)i;
    req->net_cookie = 0;
}

static void __attribute__((noreturn)) bt_frame_malformed(int src, const char *what,
                                                        unsigned long long value)
{
    char msg[200];

    snprintf(msg, sizeof(msg), "malformed message from rank %d over the network: %s (%llu)",
             src, what, value);
    bt_runtime_fail(msg);
}

/* The request that cookie names in a frame from src; a peer on another node must
 * name one of ours that it was given and that is still waiting. */
static bt_request_t *bt_cookie_req(int src, uint64_t cookie)
{
    uint32_t i = (uint32_t)(cookie & 0xffffffffu) - 1;
    bt_cookie_slot_t *slot;

    if (bt_tp_is_local(src))
        return (bt_request_t *)(uintptr_t)cookie;
    slot = i < bt_cookies.n ? &bt_cookies.slots[i] : NULL;
    if (slot == NULL || slot->req == NULL || slot->gen != (uint32_t)(cookie >> 32) ||
        slot->peer != src)
        bt_frame_malformed(src, "names no request waiting for it", cookie);
    return slot->req;
}

/* ---- sending frames --------------------------------------------------------- */

/* Writes one frame of len payload bytes to peer (a world rank); 0 when its
 * transport has no room now. */
static int bt_frame_put(int peer, const bt_msg_hdr_t *hdr, const void *payload, size_t len)
{
    void *p = bt_tp_reserve(peer, hdr, len);

    if (!p)
        return 0;
    if (len)
        bt_copy(p, payload, len);
    bt_tp_commit(peer);
    return 1;
}

/* The largest message sent inline to world rank peer. */
static inline size_t bt_eager_max_to(int peer)
{
    return bt_tp_is_local(peer) || bt_shm_mbox_is_peer(peer) ? bt_p2p.eager_max
                                                             : bt_p2p.eager_net;
}

/* Whether send s goes by rendezvous (an RTS frame, then the data) or inline. */
static inline int bt_send_is_rndv(const bt_request_t *s)
{
    return s->total > (MPI_Count)bt_eager_max_to(s->world_peer);
}

/* Rendezvous send s to peer has moved all its bytes (or was cancelled). */
static void bt_rndv_send_done(int peer, bt_request_t *s)
{
    if (s->net_mem) {
        bt_tp_withdraw(s->net_mem);
        s->net_mem = NULL;
    }
    bt_p2p.out[peer].rndv--;
    bt_request_complete(s);
}

/* Send s to peer was cancelled before any receive took it. */
static void bt_send_cancelled(int peer, bt_request_t *s)
{
    s->st_cancelled = 1;
    if (bt_send_is_rndv(s))
        bt_rndv_send_done(peer, s);
    else
        bt_request_complete(s);
}

static void bt_send_ctrl_flags(int peer, int type, int flags, uint64_t cookie,
                               const void *payload, size_t len)
{
    bt_msg_hdr_t hdr = { .type = (uint8_t)type, .flags = (uint8_t)flags, .cookie = cookie };
    bt_out_t *o;

    if (!bt_p2p.out[peer].head && bt_frame_put(peer, &hdr, payload, len))
        return;
    o = bt_calloc(1, sizeof(*o));
    o->kind = BT_OUT_CTRL;
    o->hdr = hdr;
    if (len)
        memcpy(o->ctrl, payload, len);
    o->ctrl_len = len;
    bt_pt2pt_out_push(peer, o);
}

static void bt_send_ctrl(int peer, int type, uint64_t cookie, const void *payload, size_t len)
{
    bt_send_ctrl_flags(peer, type, 0, cookie, payload, len);
}

static void bt_send_hdr(bt_request_t *s, bt_msg_hdr_t *hdr)
{
    memset(hdr, 0, sizeof(*hdr));
    hdr->type = bt_send_is_rndv(s) ? BT_MSG_RTS : BT_MSG_EAGER;
    hdr->flags = s->mode == BT_MODE_SYNC ? BT_MSGF_SYNC : 0;
    hdr->ctx = bt_comm_send_ctx(s->comm, s->ctx, s->peer);
    hdr->tag = s->tag;
    hdr->src = s->comm->rank;
    /* Only a sender that waits for an answer names its request. */
    hdr->cookie = (hdr->type == BT_MSG_RTS || hdr->flags) ? bt_pt2pt_cookie_of(s, s->world_peer)
                                                          : 0;
    /* To another node, the receiver reads the bytes where the network can. */
    if (hdr->type == BT_MSG_RTS) {
        s->net_mem = bt_tp_expose(s->world_peer, s->data, (size_t)s->total, &s->net_addr,
                                  &s->net_key);
        if (s->net_mem)
            hdr->flags |= BT_MSGF_RMA;
    }
}

/* Writes the first frame of send s; 0 when the ring is full. */
static int bt_send_try(int peer, bt_request_t *s, const bt_msg_hdr_t *hdr)
{
    if (hdr->type == BT_MSG_EAGER) {
        if (!bt_frame_put(peer, hdr, s->data, (size_t)s->total))
            return 0;
        if (!(hdr->flags & BT_MSGF_SYNC))
            bt_request_complete(s);
    } else {
        bt_rts_t rts = { (uint64_t)s->total, (uint64_t)(uintptr_t)s->data, 0 };
        if (s->net_mem) {
            rts.addr = s->net_addr;
            rts.key = s->net_key;
        }
        if (!bt_frame_put(peer, hdr, &rts, sizeof(rts)))
            return 0;
    }
    return 1;
}

/* Streams what the ring takes of a rendezvous send; 1 when all of it is out. */
static int bt_stream_try(int peer, bt_request_t *s)
{
    bt_msg_hdr_t hdr = { .type = BT_MSG_DATA, .cookie = (uint64_t)s->proto_cookie };
    size_t chunk_max = bt_tp_frame_max(peer);

    while (s->offset < s->total) {
        size_t chunk = (size_t)BT_MIN((MPI_Count)chunk_max, s->total - s->offset);
        if (!bt_frame_put(peer, &hdr, s->data + s->offset, chunk))
            return 0;
        s->offset += (MPI_Count)chunk;
    }
    bt_rndv_send_done(peer, s);
    return 1;
}

static int bt_out_try(int peer, bt_out_t *o)
{
    switch (o->kind) {
    case BT_OUT_SEND:
        return bt_send_try(peer, o->req, &o->hdr);
    case BT_OUT_STREAM:
        return bt_stream_try(peer, o->req);
    default:
        return bt_frame_put(peer, &o->hdr, o->ctrl, o->ctrl_len);
    }
}

int bt_pt2pt_drain_out(void)
{
    int moved = 0;

    for (int peer = 0; peer < bt_rt.npeers && bt_p2p.nout; peer++) {
        bt_out_queue_t *q = &bt_p2p.out[peer];
        while (q->head && bt_out_try(peer, q->head)) {
            bt_out_unlink(q, NULL, q->head);
            moved++;
        }
    }
    return moved;
}

/* ---- receiving ------------------------------------------------------------------ */

static void bt_recv_set_status(bt_request_t *r, int src, int tag, MPI_Count size)
{
    MPI_Count cap = r->count * r->dt->size;

    r->st_source = src;
    r->st_tag = tag;
    r->st_bytes = BT_MIN(size, cap);
    r->st_error = size > cap ? MPI_ERR_TRUNCATE : MPI_SUCCESS;
}

static void bt_recv_deliver(bt_request_t *r, int src, int tag, const void *data, MPI_Count size)
{
    bt_recv_set_status(r, src, tag, size);
    if (r->st_bytes) {
        if (r->dt->contig)
            bt_copy((char *)r->buf + r->dt->true_lb, data, (size_t)r->st_bytes);
        else
            bt_datatype_unpack(r->dt, r->count, data, r->st_bytes, r->buf);
    }
    bt_request_complete(r);
}

static void bt_rndv_finish(bt_request_t *r)
{
    if (r->tmp)
        bt_datatype_unpack(r->dt, r->count, r->tmp, r->total, r->buf);
    bt_request_complete(r);
}

/* A copy job can fail only where single copy has worked before: nothing else
 * can move the piece it claimed, so the message cannot complete. */
static void bt_rndv_check(int rc, const char *what)
{
    char msg[128];

    if (!rc)
        return;
    snprintf(msg, sizeof(msg), "single copy (%s) failed: %s", what, strerror(rc));
    bt_runtime_abort(1, msg);
}

/* Receive r has read its message from the sender's memory (another node's). */
static void bt_rndv_read_done(void *arg)
{
    bt_request_t *r = arg;

    bt_send_ctrl(r->world_peer, BT_MSG_FIN, r->proto_cookie, NULL, 0);
    bt_rndv_finish(r);
}

/* A rendezvous message matched receive r: pull it, or ask for it. flags and key
 * are the RTS's: BT_MSGF_RMA says that the sender on another node exposed its
 * bytes for reading at addr with key. */
static void bt_rndv_recv(bt_request_t *r, int peer, int src, int tag, MPI_Count size,
                         uint64_t addr, uint64_t key, int flags, uint64_t sreq)
{
    bt_recv_set_status(r, src, tag, size);
    r->total = r->st_bytes;
    r->offset = 0;
    if (r->dt->contig || r->total == 0)
        r->data = (char *)r->buf + r->dt->true_lb;
    else
        r->data = r->tmp = bt_malloc((size_t)r->total);

    if (flags & BT_MSGF_RMA) {
        r->world_peer = peer;
        r->proto_cookie = sreq;
        if (r->total == 0) {
            bt_rndv_read_done(r);
            return;
        }
        if (bt_tp_read(peer, r->data, (size_t)r->total, addr, key, bt_rndv_read_done, r) == 0) {
            bt_tool_count_recv(0, BT_TOOL_RNDV, (size_t)r->total, peer, r->ctx, tag);
            return;
        }
        /* The buffer cannot be registered: the sender streams it. */
    }

    /* Single copy, unless
     * - the kernel's copy would run into bt_copy's trap: the ring's two copies
     *   (each end's bt_copy) are then four times faster;
     * - this rank is sending to the peer too, the two share a last-level cache
     *   and malloc does not give large buffers 2 MiB pages: each end then copies
     *   into the ring and out of it at memcpy speed, where each would otherwise
     *   spend its core on the kernel's copy of 4 KiB pages, three times slower
     *   (osu_bibw, 2 ranks, 128 KiB-4 MiB: 1.03-1.4x). On 2 MiB pages (mpiexec
     *   asks glibc for them) the kernel copies at memcpy speed and single copy
     *   wins from 128 KiB on (35-47 GB/s against the ring's 23-26). Between
     *   caches, every ring line crosses twice per lap and the kernel's copy wins
     *   even on 4 KiB pages (0.6x on a VM whose two CPUs sat on different cache
     *   complexes, and the ring fell to 9 GB/s). */
    if (r->total > 0 && (size_t)size >= bt_p2p.cma_min && bt_tp_is_local(peer) &&
        !(bt_p2p.out[peer].rndv && !bt_rt.malloc_thp && bt_tp_share_cache(peer)) &&
        !bt_copy_near_page((uintptr_t)r->data, (uintptr_t)addr)) {
        /* Only once single copy has worked may the sender help: a failure of its
         * part could not be undone. */
        int job = bt_p2p.cma_proven ? bt_tp_job_open((uint64_t)r->total) : -1;
        if (job >= 0) {
            /* The sender copies the back of the message meanwhile, if it is in MPI. */
            bt_pull_t pull = { (uint64_t)(uintptr_t)r, (uint64_t)(uintptr_t)r->data,
                               (uint64_t)job };
            int last;
            bt_send_ctrl(peer, BT_MSG_PULL, sreq, &pull, sizeof(pull));
            bt_tool_count_recv(1, BT_TOOL_CMA, (size_t)r->total, peer, r->ctx, tag);
            bt_rndv_check(bt_tp_job_pull(peer, job, r->data, addr, &last), "read");
            if (last) {
                bt_send_ctrl(peer, BT_MSG_FIN, sreq, NULL, 0);
                bt_rndv_finish(r);
            }
            return;
        }
        if (bt_tp_cma_read(peer, r->data, addr, (size_t)r->total) == 0) {
            bt_tool_count_recv(1, BT_TOOL_CMA, (size_t)r->total, peer, r->ctx, tag);
            bt_p2p.cma_proven = 1;
            bt_send_ctrl(peer, BT_MSG_FIN, sreq, NULL, 0);
            bt_rndv_finish(r);
            return;
        }
        /* Not permitted after all (a sandbox, ptrace rules): copy through the ring. */
        bt_p2p.cma_min = SIZE_MAX;
    }
    bt_tool_count_recv(bt_tp_is_local(peer), BT_TOOL_RNDV, (size_t)r->total, peer, r->ctx,
                       tag);
    {
        bt_cts_t cts = { bt_pt2pt_cookie_of(r, peer), (uint64_t)r->total };
        bt_send_ctrl(peer, BT_MSG_CTS, sreq, &cts, sizeof(cts));
    }
    if (r->total == 0)
        bt_rndv_finish(r);
}

static void bt_recv_from_unexp(bt_request_t *r, bt_unexp_t *u)
{
    switch (u->type) {
    case BT_MSG_EAGER:
        if (u->src_world != bt_rt.rank)
            bt_tool_count_recv(bt_tp_is_local(u->src_world), BT_TOOL_EAGER, (size_t)u->size,
                               u->src_world, u->ctx, u->tag);
        bt_recv_deliver(r, u->src, u->tag, u->data, u->size);
        if (u->flags & BT_MSGF_SYNC)
            bt_send_ctrl(u->src_world, BT_MSG_ACK, u->cookie, NULL, 0);
        break;
    case BT_MSG_RTS:
        bt_rndv_recv(r, u->src_world, u->src, u->tag, u->size, u->addr, u->key, u->flags,
                     u->cookie);
        break;
    default: { /* BT_UX_SELF */
        bt_request_t *s = u->self_sreq;
        bt_recv_deliver(r, u->src, u->tag, s->data, s->total);
        bt_request_complete(s);
        break;
    }
    }
    free(u);
}

/* A frame from another node is checked before anything in it is used: its
 * type, flags and the payload that type carries (the transport has checked its
 * sender, length and place in sequence). */
static void bt_frame_check(int src, const bt_msg_hdr_t *hdr, size_t len)
{
    size_t want;

    if (hdr->flags & ~(BT_MSGF_SYNC | BT_MSGF_CANCELLED | BT_MSGF_RMA) ||
        ((hdr->flags & BT_MSGF_RMA) && hdr->type != BT_MSG_RTS))
        bt_frame_malformed(src, "unknown flags", hdr->flags);
    switch (hdr->type) {
    case BT_MSG_EAGER:
    case BT_MSG_DATA:
        return;
    case BT_MSG_RTS:
        want = sizeof(bt_rts_t);
        break;
    case BT_MSG_CTS:
        want = sizeof(bt_cts_t);
        break;
    case BT_MSG_ACK:
    case BT_MSG_CANCEL:
    case BT_MSG_CANCEL_ACK:
    case BT_MSG_FIN:
        want = 0;
        break;
    default:   /* BT_MSG_PULL is single copy, within a node */
        bt_frame_malformed(src, "unknown message type", hdr->type);
    }
    if (len != want)
        bt_frame_malformed(src, "payload length does not fit its type", len);
}

/* A request named by a frame from src must be of the kind the frame answers, and a
 * piece of data must fall within what the receive accepted. */
static void bt_frame_check_req(int src, const bt_request_t *r, int kind, MPI_Count end)
{
    if (bt_tp_is_local(src))
        return;
    if (r->kind != kind)
        bt_frame_malformed(src, "names a request of another kind", r->kind);
    if (end > r->total)
        bt_frame_malformed(src, "data beyond what the receive accepted", (unsigned long long)end);
}

void bt_pt2pt_on_frame(int src_world, const bt_msg_hdr_t *hdr, const void *payload, size_t len)
{
    bt_request_t *r;

    if (!bt_tp_is_local(src_world))
        bt_frame_check(src_world, hdr, len);
    switch (hdr->type) {
    case BT_MSG_EAGER:
        r = bt_posted_take(hdr->ctx, hdr->src, hdr->tag);
        if (r) {
            bt_tool_count_recv(bt_tp_is_local(src_world), BT_TOOL_EAGER, len, src_world, hdr->ctx,
                               hdr->tag);
            bt_recv_deliver(r, hdr->src, hdr->tag, payload, (MPI_Count)len);
            if (hdr->flags & BT_MSGF_SYNC)
                bt_send_ctrl(src_world, BT_MSG_ACK, hdr->cookie, NULL, 0);
        } else {
            bt_unexp_t *u = bt_unexp_new(hdr, src_world, BT_MSG_EAGER, len);
            bt_copy(u->data, payload, len);
            bt_tool_event_msg(BT_EV_UNEXPECTED, hdr->src, hdr->tag, (MPI_Count)len);
        }
        break;
    case BT_MSG_RTS: {
        const bt_rts_t *rts = payload;
        r = bt_posted_take(hdr->ctx, hdr->src, hdr->tag);
        if (r) {
            bt_rndv_recv(r, src_world, hdr->src, hdr->tag, (MPI_Count)rts->size, rts->addr,
                         rts->key, hdr->flags, hdr->cookie);
        } else {
            bt_unexp_t *u = bt_unexp_new(hdr, src_world, BT_MSG_RTS, 0);
            u->size = (MPI_Count)rts->size;
            u->addr = rts->addr;
            u->key = rts->key;
            bt_tool_event_msg(BT_EV_UNEXPECTED, hdr->src, hdr->tag, u->size);
        }
        break;
    }
    case BT_MSG_CTS: {
        const bt_cts_t *cts = payload;
        bt_request_t *s = bt_cookie_req(src_world, hdr->cookie);
        bt_out_t *o;

        bt_frame_check_req(src_world, s, BT_REQ_SEND, (MPI_Count)cts->accept);
        s->proto_cookie = cts->rreq;
        s->total = (MPI_Count)cts->accept;
        s->offset = 0;
        if (s->total == 0) {
            bt_rndv_send_done(src_world, s);
            break;
        }
        o = bt_calloc(1, sizeof(*o));
        o->kind = BT_OUT_STREAM;
        o->req = s;
        bt_pt2pt_out_push(src_world, o);
        break;
    }
    case BT_MSG_DATA:
        r = bt_cookie_req(src_world, hdr->cookie);
        bt_frame_check_req(src_world, r, BT_REQ_RECV, r->offset + (MPI_Count)len);
        bt_copy(r->data + r->offset, payload, len);
        r->offset += (MPI_Count)len;
        if (r->offset == r->total)
            bt_rndv_finish(r);
        break;
    case BT_MSG_PULL: {
        const bt_pull_t *pull = payload;
        bt_request_t *s = bt_cookie_req(src_world, hdr->cookie);
        int last;

        bt_rndv_check(bt_tp_job_push(src_world, (int)pull->job, s->data, pull->addr, &last),
                      "write");
        if (last) {
            bt_send_ctrl(src_world, BT_MSG_FIN, pull->rreq, NULL, 0);
            bt_rndv_send_done(src_world, s);
        }
        break;
    }
    case BT_MSG_FIN:
        /* Whichever end copied the last byte tells the other; across nodes, the
         * receiver that read a send's exposed bytes. */
        r = bt_cookie_req(src_world, hdr->cookie);
        if (!bt_tp_is_local(src_world) && (r->kind != BT_REQ_SEND || r->net_mem == NULL))
            bt_frame_malformed(src_world, "FIN names no message exposed for reading",
                               hdr->cookie);
        if (r->kind == BT_REQ_RECV)
            bt_rndv_finish(r);
        else
            bt_rndv_send_done(src_world, r);
        break;
    case BT_MSG_ACK:
        r = bt_cookie_req(src_world, hdr->cookie);
        bt_frame_check_req(src_world, r, BT_REQ_SEND, 0);
        bt_request_complete(r);
        break;
    case BT_MSG_CANCEL: {
        /* Drop the sender's message if no receive has taken it yet. */
        int flags = 0;
        bt_unexp_t *prev = NULL;
        for (bt_unexp_t *u = bt_p2p.unexp_head; u; prev = u, u = u->next) {
            /* Only a sender still waiting (rendezvous, synchronous) can ask: its
             * request address is live, unlike that of a finished eager send. */
            if (u->cookie != hdr->cookie || u->src_world != src_world ||
                !(u->type == BT_MSG_RTS || (u->type == BT_MSG_EAGER && (u->flags & BT_MSGF_SYNC))))
                continue;
            bt_unexp_unlink(prev, u);
            free(u);
            flags = BT_MSGF_CANCELLED;
            break;
        }
        bt_send_ctrl_flags(src_world, BT_MSG_CANCEL_ACK, flags, hdr->cookie, NULL, 0);
        break;
    }
    case BT_MSG_CANCEL_ACK:
        /* Not dropped: the message matched and its FIN/ACK/CTS came before this. */
        if (hdr->flags & BT_MSGF_CANCELLED)
            bt_send_cancelled(src_world, bt_cookie_req(src_world, hdr->cookie));
        break;
    default:
        break;
    }
}

/* ---- starting operations ---------------------------------------------------------- */

static void bt_send_self(bt_request_t *s)
{
    bt_msg_hdr_t hdr;
    bt_request_t *r = bt_posted_take(s->ctx, s->comm->rank, s->tag);
    bt_unexp_t *u;

    if (r) {
        bt_recv_deliver(r, s->comm->rank, s->tag, s->data, s->total);
        bt_request_complete(s);
        return;
    }
    bt_send_hdr(s, &hdr);
    if (hdr.type == BT_MSG_EAGER && s->mode != BT_MODE_SYNC) {
        /* Buffer small messages, as a message to another rank would be. */
        u = bt_unexp_new(&hdr, bt_rt.rank, BT_MSG_EAGER, (size_t)s->total);
        bt_copy(u->data, s->data, (size_t)s->total);
        bt_request_complete(s);
    } else {
        u = bt_unexp_new(&hdr, bt_rt.rank, BT_UX_SELF, 0);
        u->size = s->total;
        u->self_sreq = s;
    }
    bt_tool_event_msg(BT_EV_UNEXPECTED, hdr.src, hdr.tag, s->total);
}

static void bt_request_begin(bt_request_t *req)
{
    req->done = 0;
    req->refs++;                     /* the protocol's hold, dropped at completion */
    req->st_source = MPI_ANY_SOURCE;
    req->st_tag = MPI_ANY_TAG;
    req->st_error = MPI_SUCCESS;
    req->st_cancelled = 0;
    req->cancel_sent = 0;
    req->st_bytes = 0;
    req->offset = 0;
    req->tmp = NULL;
    req->data = NULL;
    req->net_mem = NULL;
}

static int bt_proc_null_complete(bt_request_t *req)
{
    req->st_source = MPI_PROC_NULL;
    req->st_tag = MPI_ANY_TAG;
    bt_request_complete(req);
    return MPI_SUCCESS;
}

static int bt_send_start(bt_request_t *s)
{
    bt_datatype_t *dt = s->dt;
    bt_msg_hdr_t hdr;
    int peer;

    bt_request_begin(s);
    if (s->peer == MPI_PROC_NULL)
        return bt_proc_null_complete(s);
    s->total = s->count * dt->size;
    if (dt->contig || s->total == 0) {
        s->data = (char *)s->buf + dt->true_lb;
    } else {
        s->data = s->tmp = bt_malloc((size_t)s->total);
        bt_datatype_pack(dt, s->count, s->buf, s->tmp);
    }
    s->world_peer = bt_comm_world_rank(s->comm, s->peer);
    if (s->world_peer == bt_rt.rank) {
        bt_send_self(s);
        return MPI_SUCCESS;
    }
    peer = s->world_peer;
    bt_send_hdr(s, &hdr);
    if (hdr.type == BT_MSG_RTS) {
        bt_p2p.out[peer].rndv++;
        bt_tool_count_send(bt_tp_is_local(peer), BT_TOOL_RNDV, (size_t)s->total, peer, hdr.ctx,
                           s->tag);
        bt_tool_event_msg(BT_EV_RNDV_START, s->peer, s->tag, s->total);
    } else {
        bt_tool_count_send(bt_tp_is_local(peer), BT_TOOL_EAGER, (size_t)s->total, peer, hdr.ctx,
                           s->tag);
    }
    if (!bt_p2p.out[peer].head && bt_send_try(peer, s, &hdr))
        return MPI_SUCCESS;
    {
        bt_out_t *o = bt_calloc(1, sizeof(*o));
        o->kind = BT_OUT_SEND;
        o->req = s;
        o->hdr = hdr;
        bt_pt2pt_out_push(peer, o);
    }
    return MPI_SUCCESS;
}

static int bt_recv_start(bt_request_t *r)
{
    bt_unexp_t *u;

    bt_request_begin(r);
    if (r->peer == MPI_PROC_NULL)
        return bt_proc_null_complete(r);
    u = bt_unexp_find(r->ctx, r->peer, r->tag, 1);
    if (u)
        bt_recv_from_unexp(r, u);
    else
        bt_posted_append(r);
    return MPI_SUCCESS;
}

int bt_pt2pt_send_now(const void *buf, MPI_Count count, bt_datatype_t *dt, int dest, int tag,
                      bt_comm_t *comm)
{
    MPI_Count total = count * dt->size;
    bt_msg_hdr_t hdr = { .type = BT_MSG_EAGER, .ctx = bt_comm_send_ctx(comm, comm->ctx, dest),
                         .tag = tag, .src = comm->rank };
    int world, peer;

    if (dest == MPI_PROC_NULL)
        return 1;   /* nothing to send: done (a halo exchange's edge, every step) */
    if (!dt->contig)
        return 0;
    world = bt_comm_world_rank(comm, dest);
    if (world == bt_rt.rank || total > (MPI_Count)bt_eager_max_to(world))
        return 0;
    peer = world;
    if (bt_p2p.out[peer].head ||
        !bt_frame_put(peer, &hdr, (const char *)buf + dt->true_lb, (size_t)total))
        return 0;
    bt_tool_count_send(bt_tp_is_local(peer), BT_TOOL_EAGER, (size_t)total, peer, hdr.ctx, tag);
    return 1;
}

int bt_pt2pt_recv_now(void *buf, MPI_Count count, bt_datatype_t *dt, int source, int tag,
                      bt_comm_t *comm, MPI_Status *status)
{
    const bt_msg_hdr_t *hdr;
    const void *payload;
    size_t len;
    int world, peer;

    if (source == MPI_PROC_NULL) {
        bt_status_set(status, MPI_PROC_NULL, MPI_ANY_TAG, 0, 0);
        return 1;
    }
    /* An earlier receive or message may match first, or the core may be needed by
     * the rank we wait for: take the general path. */
    if (source < 0 || !dt->contig || bt_p2p.posted_head || bt_p2p.unexp_head)
        return 0;
    world = bt_comm_world_rank(comm, source);
    if (world == bt_rt.rank || !bt_tp_is_local(world) || bt_tp_awake() > bt_rt.ncpus)
        return 0;
    peer = world;
    /* Long enough for an answer in a ping-pong; other rings and queued work wait
     * no longer than this before the general path polls them. */
    for (int spins = 0; spins < 1024; spins++) {
        payload = bt_tp_peek(peer, &hdr, &len);
        if (!payload) {
            /* Another thread waits for the lock: the general path lets it in. */
            if (bt_rt.thread_multiple && bt_lock_contended())
                return 0;
            continue;
        }
        if (hdr->type != BT_MSG_EAGER || hdr->flags ||
            !bt_match(hdr->ctx, hdr->src, hdr->tag, comm->ctx, source, tag) ||
            (MPI_Count)len > count * dt->size)
            return 0;
        bt_copy((char *)buf + dt->true_lb, payload, len);
        bt_status_set(status, hdr->src, hdr->tag, (MPI_Count)len, 0);
        bt_tp_consume(peer);
        bt_tool_count_recv(1, BT_TOOL_EAGER, len, peer, hdr->ctx, hdr->tag);
        return 1;
    }
    return 0;
}

static bt_request_t *bt_request_prepare(bt_req_kind_t kind, void *buf, MPI_Count count,
                                        bt_datatype_t *dt, int peer, int tag, bt_comm_t *comm,
                                        uint32_t ctx, int mode)
{
    bt_request_t *req = bt_request_new(kind);

    req->buf = buf;
    req->count = count;
    req->dt = dt;
    bt_datatype_retain(dt);
    req->peer = peer;
    req->tag = tag;
    req->comm = comm;
    bt_comm_retain(comm);
    req->ctx = ctx;
    req->mode = mode;
    return req;
}

int bt_pt2pt_isend(const void *buf, MPI_Count count, bt_datatype_t *dt, int dest, int tag,
                   bt_comm_t *comm, uint32_t ctx, int mode, bt_request_t **req_p)
{
    bt_request_t *req;

    if (mode == BT_MODE_BUFFERED && dest != MPI_PROC_NULL) {
        /* The bytes go into the attached buffer and travel on an internal request;
         * the caller's request is complete as soon as they are copied. */
        MPI_Count bytes = count * dt->size;
        void *block, *space = bt_bsend_alloc(bt_bsend_pool_for(comm), bytes, &block);
        bt_request_t *inner;

        if (!space)
            return MPI_ERR_BUFFER;
        bt_datatype_pack(dt, count, buf, space);
        inner = bt_request_prepare(BT_REQ_SEND, space, bytes, bt_datatype_get(MPI_BYTE), dest,
                                   tag, comm, ctx, BT_MODE_STANDARD);
        inner->state = block;
        inner->free_fn = bt_bsend_release;
        bt_send_start(inner);
        bt_request_release(inner);
        req = bt_request_new(BT_REQ_SEND);
        bt_request_begin(req);
        *req_p = req;
        bt_request_complete(req);
        return MPI_SUCCESS;
    }
    req = bt_request_prepare(BT_REQ_SEND, (void *)buf, count, dt, dest, tag, comm,
                                           ctx, mode);
    *req_p = req;
    return bt_send_start(req);
}

int bt_pt2pt_irecv(void *buf, MPI_Count count, bt_datatype_t *dt, int source, int tag,
                   bt_comm_t *comm, uint32_t ctx, bt_request_t **req_p)
{
    bt_request_t *req = bt_request_prepare(BT_REQ_RECV, buf, count, dt, source, tag, comm, ctx,
                                           BT_MODE_STANDARD);
    *req_p = req;
    return bt_recv_start(req);
}

int bt_pt2pt_send_init(const void *buf, MPI_Count count, bt_datatype_t *dt, int dest, int tag,
                       bt_comm_t *comm, int mode, bt_request_t **req_p)
{
    bt_request_t *req = bt_request_prepare(BT_REQ_SEND, (void *)buf, count, dt, dest, tag, comm,
                                           comm->ctx, mode);
    req->persistent = 1;
    req->done = 1;
    *req_p = req;
    return MPI_SUCCESS;
}

int bt_pt2pt_recv_init(void *buf, MPI_Count count, bt_datatype_t *dt, int source, int tag,
                       bt_comm_t *comm, bt_request_t **req_p)
{
    bt_request_t *req = bt_request_prepare(BT_REQ_RECV, buf, count, dt, source, tag, comm,
                                           comm->ctx, BT_MODE_STANDARD);
    req->persistent = 1;
    req->done = 1;
    *req_p = req;
    return MPI_SUCCESS;
}

int bt_pt2pt_start(bt_request_t *req)
{
    if (req->kind == BT_REQ_GENERIC)
        return req->start_fn(req);
    req->active = 1;
    if (req->kind == BT_REQ_RECV)
        return bt_recv_start(req);
    if (req->mode == BT_MODE_BUFFERED) {
        bt_request_t *inner;
        int rc = bt_pt2pt_isend(req->buf, req->count, req->dt, req->peer, req->tag, req->comm,
                                req->ctx, BT_MODE_BUFFERED, &inner);
        bt_request_begin(req);
        req->st_error = rc;
        if (rc == MPI_SUCCESS)
            bt_request_release(inner);
        bt_request_complete(req);
        return rc;
    }
    return bt_send_start(req);
}

/* ---- probe, matched receive, cancel ----------------------------------------------- */

int bt_pt2pt_iprobe(int source, int tag, bt_comm_t *comm, uint32_t ctx, int remove, int *flag_p,
                    MPI_Status *status, void **msg_p)
{
    bt_unexp_t *u;

    if (source == MPI_PROC_NULL) {
        *flag_p = 1;
        bt_status_set(status, MPI_PROC_NULL, MPI_ANY_TAG, 0, 0);
        if (msg_p)
            *msg_p = NULL;
        return MPI_SUCCESS;
    }
    bt_progress_test();
    u = bt_unexp_find(ctx, source, tag, remove);
    *flag_p = u != NULL;
    if (!u)
        return MPI_SUCCESS;
    bt_status_set(status, u->src, u->tag, u->size, 0);
    if (msg_p) {
        u->comm = comm;
        *msg_p = u;
    }
    return MPI_SUCCESS;
}

int bt_pt2pt_imrecv(void *buf, MPI_Count count, bt_datatype_t *dt, void *msg,
                    bt_request_t **req_p)
{
    bt_unexp_t *u = msg;
    bt_request_t *r = bt_request_prepare(BT_REQ_RECV, buf, count, dt,
                                         u ? u->src : MPI_PROC_NULL, u ? u->tag : MPI_ANY_TAG,
                                         u ? u->comm : &bt_comm_self, u ? u->ctx : 0,
                                         BT_MODE_STANDARD);
    *req_p = r;
    bt_request_begin(r);
    if (!u)
        return bt_proc_null_complete(r);
    bt_recv_from_unexp(r, u);
    return MPI_SUCCESS;
}

/* A send is cancelled where it still is: queued here, buffered as a message to
 * this very process, or unmatched at the receiver (asked with BT_MSG_CANCEL). A
 * send that already completed, or matched meanwhile, is not cancelled, which
 * the standard allows; either way the wait for it returns. */
static void bt_send_cancel(bt_request_t *req)
{
    bt_out_queue_t *q;
    bt_out_t *prev = NULL;

    if (req->done || req->cancel_sent || req->peer == MPI_PROC_NULL)
        return;
    if (req->world_peer == bt_rt.rank) {
        bt_unexp_t *uprev = NULL;
        for (bt_unexp_t *u = bt_p2p.unexp_head; u; uprev = u, u = u->next) {
            if (u->self_sreq != req)
                continue;
            bt_unexp_unlink(uprev, u);
            free(u);
            req->st_cancelled = 1;
            bt_request_complete(req);
            return;
        }
        return;
    }
    q = &bt_p2p.out[req->world_peer];
    for (bt_out_t *o = q->head; o; prev = o, o = o->next) {
        if (o->kind != BT_OUT_SEND || o->req != req)
            continue;
        bt_out_unlink(q, prev, o);
        bt_send_cancelled(req->world_peer, req);
        return;
    }
    req->cancel_sent = 1;
    bt_send_ctrl(req->world_peer, BT_MSG_CANCEL, bt_pt2pt_cookie_of(req, req->world_peer),
                 NULL, 0);
}

int bt_pt2pt_cancel(bt_request_t *req)
{
    bt_request_t *prev = NULL;

    if (req->kind == BT_REQ_SEND) {
        bt_send_cancel(req);
        return MPI_SUCCESS;
    }
    /* A receive can be taken back until it has matched. */
    if (req->kind != BT_REQ_RECV || req->done)
        return MPI_SUCCESS;
    for (bt_request_t *r = bt_p2p.posted_head; r; prev = r, r = r->next) {
        if (r != req)
            continue;
        bt_posted_unlink(prev, r);
        r->st_cancelled = 1;
        bt_request_complete(r);
        break;
    }
    return MPI_SUCCESS;
}
