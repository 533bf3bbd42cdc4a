/* The proxy's side of the channel: it reports to the head everything the
 * head needs to keep the failure duties (output by whole lines, fences,
 * exits, aborts) and does what the head says.  If the head goes away, it
 * ends its ranks and exits.  proxy_main.c starts it. */
#include "mpiexec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BT_PROXY_OUT_MAX    (4 << 20)  /* output queued for the head before ranks wait */

/* ---- reports to the head ---- */

static void bt_proxy_send(bt_job_t *job, uint32_t type, bt_pack_t *pk)
{
    struct bt_proxy *px = job->proxy;

    if (px->lost || px->ch.fd < 0) {
        bt_pack_free(pk);
        return;
    }
    /* a failure: the head is gone, which the reading side finds out */
    if (pk != NULL)
        bt_chan_send_pack(&px->ch, type, pk);
    else
        bt_chan_send(&px->ch, type, NULL, 0);
}

int bt_proxy_output_ok(const bt_job_t *job)
{
    return bt_chan_queued(&job->proxy->ch) < BT_PROXY_OUT_MAX;
}

void bt_proxy_output(bt_job_t *job, bt_stream_t *s, const char *data, size_t len)
{
    while (len > 0) {
        size_t part = len < BT_CHAN_MAX - 8 ? len : BT_CHAN_MAX - 8;
        bt_pack_t pk = { 0 };

        bt_pack_u32(&pk, (uint32_t)s->rank);
        bt_pack_u32(&pk, (uint32_t)s->which);
        bt_pack_bytes(&pk, data, part);
        bt_proxy_send(job, BT_MSG_OUTPUT, &pk);
        data += part;
        len -= part;
    }
}

void bt_proxy_put(bt_job_t *job, const char *key, const char *value)
{
    struct bt_proxy *px = job->proxy;

    bt_pack_str(&px->pairs, key);
    bt_pack_str(&px->pairs, value);
    px->npairs++;
}

/* The puts since the last fence, in frames of at most BT_CHAN_MAX, then FENCE. */
void bt_proxy_fence(bt_job_t *job)
{
    struct bt_proxy *px = job->proxy;
    bt_unpack_t u = { .p = px->pairs.buf, .left = px->pairs.len };

    while (u.left > 0) {
        bt_pack_t pk = { 0 };

        bt_pack_pairs_next(&u, &pk);
        bt_proxy_send(job, BT_MSG_PAIRS, &pk);
    }
    bt_pack_free(&px->pairs);
    px->npairs = 0;
    bt_proxy_send(job, BT_MSG_FENCE, NULL);
}

void bt_proxy_abort(bt_job_t *job, bt_rank_t *rk, int code, int on_error)
{
    bt_pack_t pk = { 0 };

    bt_pack_u32(&pk, (uint32_t)rk->rank);
    bt_pack_u32(&pk, (uint32_t)(code == BT_CODE_UNKNOWN ? 0 : code));
    bt_pack_u32(&pk, code != BT_CODE_UNKNOWN);
    bt_pack_u32(&pk, (uint32_t)on_error);
    bt_proxy_send(job, BT_MSG_ABORT, &pk);
}

void bt_proxy_fail(bt_job_t *job, int status, const char *msg)
{
    bt_pack_t pk = { 0 };

    bt_pack_u32(&pk, (uint32_t)status);
    bt_pack_str(&pk, msg);
    bt_proxy_send(job, BT_MSG_FAIL, &pk);
}

void bt_proxy_rank_exited(bt_job_t *job, bt_rank_t *rk)
{
    bt_pack_t pk = { 0 };

    bt_pack_u32(&pk, (uint32_t)rk->rank);
    bt_pack_u32(&pk, (uint32_t)rk->pid);
    bt_pack_u32(&pk, (uint32_t)rk->wstatus);
    bt_pack_u32(&pk, (uint32_t)rk->pmi.state);
    bt_proxy_send(job, BT_MSG_EXIT, &pk);
}

void bt_proxy_stdin_done(bt_job_t *job, size_t len, int open)
{
    struct bt_proxy *px = job->proxy;
    bt_pack_t pk = { 0 };

    if (!open) {
        if (px->stdin_closed_sent)
            return;
        px->stdin_closed_sent = 1;
    }
    bt_pack_u32(&pk, (uint32_t)len);
    bt_pack_u32(&pk, (uint32_t)open);
    bt_proxy_send(job, BT_MSG_STDIN_ACK, &pk);
}

/* ---- what the head says ---- */

static void bt_proxy_head_lost(bt_job_t *job)
{
    struct bt_proxy *px = job->proxy;

    if (px->lost)
        return;
    px->lost = 1;
    bt_chan_close(&px->ch);
    /* nothing may be left running: the ranks go, then we do */
    bt_job_terminate(job, -1);
}

/* 0, or -1 when the frame is malformed. */
static int bt_proxy_frame(bt_job_t *job, uint32_t type, bt_unpack_t *u)
{
    switch (type) {
    case BT_MSG_PAIRS: {
        uint32_t n = bt_unpack_u32(u);

        for (uint32_t i = 0; i < n && !u->failed; i++) {
            char *key = bt_unpack_str(u), *value = bt_unpack_str(u);

            if (key == NULL || value == NULL || bt_kvs_put(&job->kvs, key, value) != 0)
                u->failed = 1;
            free(key);
            free(value);
        }
        return u->failed ? -1 : 0;
    }
    case BT_MSG_FENCE_DONE:
        bt_pmisrv_fence_release(job);
        return 0;
    case BT_MSG_STDIN:
        if (u->left > sizeof(job->in.buf) || job->in.len > 0)
            return -1; /* one chunk at a time, and it fits */
        if (u->left == 0) {
            bt_iofwd_stdin_close(job); /* end of input */
            return 0;
        }
        if (job->in.to_fd < 0) {
            bt_proxy_stdin_done(job, u->left, 0);
            return 0;
        }
        memcpy(job->in.buf, u->p, u->left);
        job->in.len = u->left;
        job->in.off = 0;
        return 0;
    case BT_MSG_SIGNAL: {
        uint32_t sig = bt_unpack_u32(u), ending = bt_unpack_u32(u);

        if (u->failed || sig == 0 || sig >= 65)
            return -1;
        bt_proc_signal_all(job, (int)sig, -1);
        if (ending) {
            /* a second signal is impatience, as in mpiexec */
            int64_t at = ++job->signals_received > 1 ? bt_now_ms()
                         : bt_now_ms() + job->opts->kill_timeout_ms;

            if (job->kill_at_ms < 0 || at < job->kill_at_ms)
                job->kill_at_ms = at;
        }
        return 0;
    }
    case BT_MSG_KILL: {
        uint32_t spare = bt_unpack_u32(u);

        /* a rank of the job + 1, or 0 */
        if (u->failed || spare > (uint32_t)job->nranks)
            return -1;
        bt_job_terminate(job, (int)spare - 1);
        return 0;
    }
    default:
        return -1;
    }
}

size_t bt_proxy_nfds(const bt_job_t *job)
{
    return 1;
}

size_t bt_proxy_poll(bt_job_t *job, struct pollfd *pfds, bt_ev_t *evs, size_t n)
{
    struct bt_proxy *px = job->proxy;

    if (px->ch.fd < 0)
        return n;
    pfds[n] = (struct pollfd){ .fd = px->ch.fd,
                               .events = POLLIN | (bt_chan_queued(&px->ch) > 0 ? POLLOUT : 0) };
    evs[n] = (bt_ev_t){ .kind = BT_EV_PROXY };
    return n + 1;
}

void bt_proxy_event(bt_job_t *job, bt_ev_t *ev, short revents)
{
    struct bt_proxy *px = job->proxy;
    const char *why = NULL;
    bt_unpack_t body;
    uint32_t type;
    int got = 0, rd;

    if (revents & POLLOUT)
        bt_chan_flush(&px->ch); /* a failure: the reading side finds out */
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    rd = bt_chan_read(&px->ch, &why);
    while (px->ch.fd >= 0 && (got = bt_chan_next(&px->ch, &type, &body, &why)) > 0) {
        if (bt_proxy_frame(job, type, &body) != 0) {
            got = -1;
            break;
        }
    }
    if (got < 0 || rd < 0)
        bt_proxy_head_lost(job);
}

int bt_proxy_done(bt_job_t *job)
{
    return job->proxy->lost && job->nalive == 0;
}

