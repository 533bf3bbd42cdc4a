/* Performance variables: the counters of bt_tool_ctr, which only ever grow
 * (handles keep their own start values, so sessions never disturb each other),
 * and two continuous read-only ones, the unexpected queue's length and its
 * high-water mark since MPI_Init. */
#include "tools/bt_mpit.h"

#include "coll/bt_coll.h"

#include <stdio.h>
#include <string.h>

bt_tool_counters_t bt_tool_ctr;

bt_pvar_t *bt_pvars;
int        bt_npvars;

static MPI_T_pvar_session bt_sessions;

static const char *const bt_tp_names[BT_TOOL_NTP] = { "shm", "net" };
static const char *const bt_tp_words[BT_TOOL_NTP] = { "shared memory", "the network" };
static const char *const bt_proto_names[BT_TOOL_NPROTO] = { "eager", "rndv", "cma" };
static const char *const bt_proto_words[BT_TOOL_NPROTO] = {
    "eager (inline)", "rendezvous (streamed through the ring, or read by RMA)",
    "single copy (process_vm_readv by the receiver)" };

static bt_pvar_t *bt_pvar_add(int cls, int readonly, int continuous, unsigned long long *u,
                              double *d)
{
    bt_pvar_t *v = &bt_pvars[bt_npvars++];

    v->cls = cls;
    v->readonly = readonly;
    v->continuous = continuous;
    v->u = u;
    v->d = d;
    v->name = bt_malloc(96);
    v->desc = bt_malloc(256);
    return v;
}

void bt_pvar_build(void)
{
    int nalg = bt_coll_alg_count();

    bt_pvars = bt_calloc((size_t)(4 * BT_TOOL_NTP * BT_TOOL_NPROTO + 4 + nalg), sizeof(*bt_pvars));
    for (int t = 0; t < BT_TOOL_NTP; t++) {
        for (int p = 0; p < BT_TOOL_NPROTO; p++) {
            bt_pvar_t *v;
            /* A sender never knows that its receiver copied by itself. */
            if (p != BT_TOOL_CMA) {
                v = bt_pvar_add(MPI_T_PVAR_CLASS_COUNTER, 0, 0, &bt_tool_ctr.sent_msgs[t][p], NULL);
                snprintf(v->name, 96, "%s_%s_sent_msgs", bt_tp_names[t], bt_proto_names[p]);
                snprintf(v->desc, 256, "messages sent %s through %s", bt_proto_words[p],
                         bt_tp_words[t]);
                v = bt_pvar_add(MPI_T_PVAR_CLASS_COUNTER, 0, 0, &bt_tool_ctr.sent_bytes[t][p], NULL);
                snprintf(v->name, 96, "%s_%s_sent_bytes", bt_tp_names[t], bt_proto_names[p]);
                snprintf(v->desc, 256, "bytes sent %s through %s", bt_proto_words[p],
                         bt_tp_words[t]);
            }
            /* Single copy is within a node. */
            if (p == BT_TOOL_CMA && t == BT_TOOL_NET)
                continue;
            v = bt_pvar_add(MPI_T_PVAR_CLASS_COUNTER, 0, 0, &bt_tool_ctr.recv_msgs[t][p], NULL);
            snprintf(v->name, 96, "%s_%s_recv_msgs", bt_tp_names[t], bt_proto_names[p]);
            snprintf(v->desc, 256, "messages received %s through %s", bt_proto_words[p],
                     bt_tp_words[t]);
            v = bt_pvar_add(MPI_T_PVAR_CLASS_COUNTER, 0, 0, &bt_tool_ctr.recv_bytes[t][p], NULL);
            snprintf(v->name, 96, "%s_%s_recv_bytes", bt_tp_names[t], bt_proto_names[p]);
            snprintf(v->desc, 256, "bytes received %s through %s", bt_proto_words[p],
                     bt_tp_words[t]);
        }
    }
    {
        bt_pvar_t *v = bt_pvar_add(MPI_T_PVAR_CLASS_LEVEL, 1, 1, &bt_tool_ctr.unexp_len, NULL);
        snprintf(v->name, 96, "unexpected_queue_length");
        snprintf(v->desc, 256, "messages arrived that no receive has matched yet");
        v = bt_pvar_add(MPI_T_PVAR_CLASS_HIGHWATERMARK, 1, 1, &bt_tool_ctr.unexp_hwm, NULL);
        snprintf(v->name, 96, "unexpected_queue_max");
        snprintf(v->desc, 256, "the most unexpected messages held at once since MPI_Init");
        v = bt_pvar_add(MPI_T_PVAR_CLASS_COUNTER, 0, 0, &bt_tool_ctr.unexp_total, NULL);
        snprintf(v->name, 96, "unexpected_msgs");
        snprintf(v->desc, 256, "messages that arrived before their receive was posted");
        v = bt_pvar_add(MPI_T_PVAR_CLASS_TIMER, 0, 0, NULL, &bt_tool_ctr.wait_s);
        snprintf(v->name, 96, "wait_time");
        snprintf(v->desc, 256, "seconds spent waiting in blocking calls (each wait from "
                 "its 64th empty poll on)");
    }
    for (int a = 0; a < nalg; a++) {
        int kind;
        const char *alg = bt_coll_alg_name(a, &kind);
        bt_pvar_t *v = bt_pvar_add(MPI_T_PVAR_CLASS_COUNTER, 0, 0, &bt_tool_ctr.coll_alg[a], NULL);
        snprintf(v->name, 96, "coll_%s_%s", bt_coll_kind_name(kind), alg);
        for (char *c = v->name; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        snprintf(v->desc, 256, "calls of MPI_%s (or its nonblocking or persistent form) that "
                 "ran the %s algorithm", bt_coll_kind_name(kind), alg);
    }
}

void bt_pvar_close(void)
{
    while (bt_sessions)
        bt_pvar_session_free(bt_sessions);
    for (int i = 0; i < bt_npvars; i++) {
        free(bt_pvars[i].name);
        free(bt_pvars[i].desc);
    }
    free(bt_pvars);
    bt_pvars = NULL;
    bt_npvars = 0;
}

int bt_pvar_index(const char *name, int cls)
{
    for (int i = 0; i < bt_npvars; i++)
        if (bt_pvars[i].cls == cls && strcmp(bt_pvars[i].name, name) == 0)
            return i;
    return -1;
}

MPI_T_pvar_session bt_pvar_session_new(void)
{
    MPI_T_pvar_session s = bt_calloc(1, sizeof(*s));

    s->next = bt_sessions;
    bt_sessions = s;
    return s;
}

int bt_pvar_session_ok(MPI_T_pvar_session s)
{
    for (MPI_T_pvar_session p = bt_sessions; p; p = p->next)
        if (p == s)
            return 1;
    return 0;
}

void bt_pvar_session_free(MPI_T_pvar_session s)
{
    while (s->handles)
        bt_pvar_handle_free(s, s->handles);
    for (MPI_T_pvar_session *link = &bt_sessions; *link; link = &(*link)->next) {
        if (*link == s) {
            *link = s->next;
            free(s);
            return;
        }
    }
}

MPI_T_pvar_handle bt_pvar_handle_new(MPI_T_pvar_session s, bt_pvar_t *v)
{
    MPI_T_pvar_handle h = bt_calloc(1, sizeof(*h));

    h->v = v;
    h->started = v->continuous;
    h->next = s->handles;
    s->handles = h;
    return h;
}

int bt_pvar_handle_ok(MPI_T_pvar_session s, MPI_T_pvar_handle h)
{
    for (MPI_T_pvar_handle p = s->handles; p; p = p->next)
        if (p == h)
            return 1;
    return 0;
}

void bt_pvar_handle_free(MPI_T_pvar_session s, MPI_T_pvar_handle h)
{
    for (MPI_T_pvar_handle *link = &s->handles; *link; link = &(*link)->next) {
        if (*link == h) {
            *link = h->next;
            free(h);
            return;
        }
    }
}

int bt_pvar_start(MPI_T_pvar_handle h)
{
    if (h->v->continuous)
        return MPI_T_ERR_PVAR_NO_STARTSTOP;
    if (!h->started) {
        h->started = 1;
        if (h->v->u)
            h->u_start = *h->v->u;
        else
            h->d_start = *h->v->d;
    }
    return MPI_SUCCESS;
}

int bt_pvar_stop(MPI_T_pvar_handle h)
{
    if (h->v->continuous)
        return MPI_T_ERR_PVAR_NO_STARTSTOP;
    if (h->started) {
        h->started = 0;
        if (h->v->u)
            h->u_acc += *h->v->u - h->u_start;
        else
            h->d_acc += *h->v->d - h->d_start;
    }
    return MPI_SUCCESS;
}

void bt_pvar_read(MPI_T_pvar_handle h, void *buf)
{
    const bt_pvar_t *v = h->v;

    if (v->continuous)
        *(unsigned long long *)buf = *v->u;
    else if (v->u)
        *(unsigned long long *)buf = h->u_acc + (h->started ? *v->u - h->u_start : 0);
    else
        *(double *)buf = h->d_acc + (h->started ? *v->d - h->d_start : 0);
}

int bt_pvar_write(MPI_T_pvar_handle h, const void *buf)
{
    if (h->v->readonly)
        return MPI_T_ERR_PVAR_NO_WRITE;
    /* The value from here on counts from buf. */
    if (h->v->u) {
        h->u_acc = *(const unsigned long long *)buf;
        h->u_start = *h->v->u;
    } else {
        h->d_acc = *(const double *)buf;
        h->d_start = *h->v->d;
    }
    return MPI_SUCCESS;
}
