/* The timeline trace: with BATON_TRACE=file.json every rank keeps, in memory,
 * each MPI call (its entry point's scope: BT_API_LOCK) with its start and end,
 * and each message under it (eager, rendezvous, single copy; shared memory or
 * network; peer, bytes), and at MPI_Finalize writes them as Chrome trace events
 * to file.json.<rank>; mpiexec merges the parts into file.json, one track per
 * rank. Times are CLOCK_REALTIME in microseconds, which NTP keeps aligned across
 * hosts. A send and its receive are tied by a flow event whose id both ends
 * compute alike: the pair of ranks, context, tag and the message's place among
 * those of that (matching is in order within them). Off, the cost is one load
 * and branch per call and per message. */
#include "tools/bt_tools.h"

#include "coll/bt_coll.h"
#include "runtime/bt_runtime.h"
#include "transport/bt_transport.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int bt_trace_on;   /* BT_TRACE_EVENTS | BT_TRACE_STATS */

enum { BT_TRACE_EVENTS = 1, BT_TRACE_STATS = 2 };

/* BATON_STATS: time per call (by the entry point's name, which is one string per
 * function: compared by address), bytes per peer. */
#define BT_STATS_CALLS 256
#define BT_STATS_DEPTH 16
typedef struct bt_stats_call {
    const char        *name;
    unsigned long long n;
    double             us;
} bt_stats_call_t;

static struct {
    bt_stats_call_t     calls[BT_STATS_CALLS];
    int                 ncalls;
    struct { const char *name; double t0; } stack[BT_STATS_DEPTH];
    int                 depth;         /* calls open (nested ones inside others) */
    double              in_mpi_us;     /* the outermost calls' time */
    double              start_us;
    unsigned long long *peer_bytes, *peer_msgs;
} bt_stats;

typedef struct bt_trace_ev {
    const char *name;      /* the call; NULL: a message */
    double      t0, t1;    /* microseconds */
    int         send, local, proto, peer, tag;
    uint32_t    ctx;
    size_t      bytes;
    uint64_t    flow;
    int         up;        /* a call: the call it is inside (-1: none) */
    int         args;      /* a call: peer, bytes and ctx were given */
} bt_trace_ev_t;

/* The communicators' names, by context id, as the calls saw them. */
#define BT_TRACE_NAMES 64
typedef struct bt_trace_name {
    uint32_t ctx;
    int      used;
    char     name[MPI_MAX_OBJECT_NAME];
} bt_trace_name_t;

/* Per (peer, context, tag): messages so far, on each side. */
typedef struct bt_trace_seq {
    int      used, peer, tag, send;
    uint32_t ctx, n;
} bt_trace_seq_t;

#define BT_TRACE_MAX_EVENTS (4u << 20)
#define BT_TRACE_SEQ_SLOTS  (1u << 16)

static struct {
    bt_trace_ev_t  *ev;
    size_t          n, cap;
    size_t          dropped;
    bt_trace_seq_t *seq;
    size_t          nseq;
    int             open;      /* the innermost call not yet ended; -1: none */
    bt_trace_name_t names[BT_TRACE_NAMES];
    char            path[4096];
} bt_trace;

static double bt_trace_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

void bt_trace_init(void)
{
    const char *path = bt_env_str("BATON_TRACE", NULL);

    if (bt_trace_on)
        return;
    if (path) {
        bt_strlcpy(bt_trace.path, path, sizeof(bt_trace.path));
        bt_trace.cap = 4096;
        bt_trace.ev = bt_malloc(bt_trace.cap * sizeof(*bt_trace.ev));
        bt_trace.seq = bt_calloc(BT_TRACE_SEQ_SLOTS, sizeof(*bt_trace.seq));
        bt_trace.open = -1;
        bt_trace_on |= BT_TRACE_EVENTS;
    }
    if (bt_env_long("BATON_STATS", 0)) {
        memset(&bt_stats, 0, sizeof(bt_stats));
        bt_stats.peer_bytes = bt_calloc((size_t)bt_rt.size, sizeof(unsigned long long));
        bt_stats.peer_msgs = bt_calloc((size_t)bt_rt.size, sizeof(unsigned long long));
        bt_stats.start_us = bt_trace_now_us();
        bt_trace_on |= BT_TRACE_STATS;
    }
}

static bt_trace_ev_t *bt_trace_new(void)
{
    if (bt_trace.n == bt_trace.cap) {
        if (bt_trace.cap >= BT_TRACE_MAX_EVENTS) {
            bt_trace.dropped++;
            return NULL;
        }
        bt_trace.cap *= 2;
        bt_trace.ev = bt_realloc(bt_trace.ev, bt_trace.cap * sizeof(*bt_trace.ev));
    }
    return &bt_trace.ev[bt_trace.n++];
}

/* The scope's handle: the event's index (tracing), else its place on the stats'
 * stack. */
int bt_trace_begin(const char *fn)
{
    double t = bt_trace_now_us();
    bt_trace_ev_t *e;

    fn += fn[0] == 'P';   /* PMPI_Send: MPI_Send */
    if (!(bt_trace_on & BT_TRACE_EVENTS)) {
        if (bt_stats.depth >= BT_STATS_DEPTH)
            return -1;
        bt_stats.stack[bt_stats.depth].name = fn;
        bt_stats.stack[bt_stats.depth].t0 = t;
        return bt_stats.depth++;
    }
    if ((e = bt_trace_new()) == NULL)
        return -1;
    memset(e, 0, sizeof(*e));
    e->name = fn;
    e->t0 = t;
    e->up = bt_trace.open;
    bt_trace.open = (int)(e - bt_trace.ev);
    bt_stats.depth++;
    return bt_trace.open;
}

void bt_trace_call_args(const bt_comm_t *comm, int peer, long long bytes)
{
    bt_trace_ev_t *e;
    bt_trace_name_t *slot = NULL;

    if (!(bt_trace_on & BT_TRACE_EVENTS) || bt_trace.open < 0)
        return;
    e = &bt_trace.ev[bt_trace.open];
    e->args = 1;
    e->peer = peer;
    e->bytes = bytes > 0 ? (size_t)bytes : 0;
    e->ctx = comm->ctx;
    /* The name the communicator has now (a later one replaces it). */
    for (int i = 0; i < BT_TRACE_NAMES && !slot; i++)
        if (!bt_trace.names[i].used || bt_trace.names[i].ctx == comm->ctx)
            slot = &bt_trace.names[i];
    if (slot && comm->name[0]) {
        slot->used = 1;
        slot->ctx = comm->ctx;
        bt_strlcpy(slot->name, comm->name, sizeof(slot->name));
    }
}

/* A communicator as the trace names it: its name, else its context id. */
static void bt_trace_comm_text(uint32_t ctx, char *out, size_t len)
{
    for (int i = 0; i < BT_TRACE_NAMES && bt_trace.names[i].used; i++)
        if (bt_trace.names[i].ctx == ctx) {
            /* JSON string: a name may hold anything */
            size_t o = 0;
            for (const char *c = bt_trace.names[i].name; *c && o + 7 < len; c++) {
                unsigned char u = (unsigned char)*c;
                if (u == '"' || u == '\\')
                    o += (size_t)snprintf(out + o, len - o, "\\%c", u);
                else if (u < 0x20)
                    o += (size_t)snprintf(out + o, len - o, "\\u%04x", u);
                else
                    out[o++] = (char)u;
            }
            out[o] = '\0';
            return;
        }
    snprintf(out, len, "context %u", (unsigned)ctx);
}

static void bt_stats_add(const char *name, double us)
{
    int i;

    if (bt_stats.depth == 0)
        bt_stats.in_mpi_us += us;
    for (i = 0; i < bt_stats.ncalls && bt_stats.calls[i].name != name; i++)
        ;
    if (i == bt_stats.ncalls) {
        if (i == BT_STATS_CALLS)
            return;
        bt_stats.calls[bt_stats.ncalls++].name = name;
    }
    bt_stats.calls[i].n++;
    bt_stats.calls[i].us += us;
}

void bt_trace_end(int *ev)
{
    double t = bt_trace_now_us();
    const char *name;
    double t0;

    if (!bt_trace_on)
        return;   /* MPI_Finalize ended the trace inside its scope */
    if (bt_trace_on & BT_TRACE_EVENTS) {
        if ((size_t)*ev >= bt_trace.n)
            return;
        bt_trace.ev[*ev].t1 = t;
        bt_trace.open = bt_trace.ev[*ev].up;
        name = bt_trace.ev[*ev].name;
        t0 = bt_trace.ev[*ev].t0;
        bt_stats.depth--;
    } else {
        bt_stats.depth = *ev;
        name = bt_stats.stack[*ev].name;
        t0 = bt_stats.stack[*ev].t0;
    }
    if (bt_trace_on & BT_TRACE_STATS)
        bt_stats_add(name, t - t0);
}

/* The message's place among those between the two ends with its context and tag. */
static uint32_t bt_trace_seq_next(int send, int peer, uint32_t ctx, int tag)
{
    uint64_t h = ((uint64_t)(uint32_t)peer * 0x9e3779b97f4a7c15ull) ^
                 ((uint64_t)ctx * 0xc2b2ae3d27d4eb4full) ^ ((uint64_t)(uint32_t)tag << 1) ^
                 (uint64_t)send;

    for (size_t i = 0; i < BT_TRACE_SEQ_SLOTS; i++) {
        bt_trace_seq_t *s = &bt_trace.seq[(h + i) & (BT_TRACE_SEQ_SLOTS - 1)];
        if (!s->used) {
            if (bt_trace.nseq >= BT_TRACE_SEQ_SLOTS / 2)
                return UINT32_MAX;   /* full: no more flows */
            *s = (bt_trace_seq_t){ 1, peer, tag, send, ctx, 0 };
            bt_trace.nseq++;
        }
        if (s->peer == peer && s->ctx == ctx && s->tag == tag && s->send == send)
            return s->n++;
    }
    return UINT32_MAX;
}

void bt_trace_msg(int send, int local, int proto, size_t bytes, int peer, uint32_t ctx, int tag)
{
    bt_trace_ev_t *e;
    uint32_t n;
    int src = send ? bt_rt.rank : peer, dst = send ? peer : bt_rt.rank;

    if ((bt_trace_on & BT_TRACE_STATS) && send && peer >= 0 && peer < bt_rt.size) {
        bt_stats.peer_bytes[peer] += bytes;
        bt_stats.peer_msgs[peer]++;
    }
    if (!(bt_trace_on & BT_TRACE_EVENTS))
        return;
    n = bt_trace_seq_next(send, peer, ctx, tag);
    if ((e = bt_trace_new()) == NULL)
        return;
    memset(e, 0, sizeof(*e));
    e->t0 = e->t1 = bt_trace_now_us();
    e->send = send;
    e->local = local;
    e->proto = proto;
    e->peer = peer;
    e->tag = tag;
    e->ctx = ctx;
    e->bytes = bytes;
    /* Both ends compute the same id; 0: none. */
    e->flow = n == UINT32_MAX ? 0
                              : (((uint64_t)(uint32_t)src * 1000003u + (uint64_t)(uint32_t)dst) *
                                     2654435761u ^ (uint64_t)ctx << 32 ^ (uint64_t)(uint32_t)tag
                                     << 16 ^ (uint64_t)n * 0x9e3779b97f4a7c15ull) | 1;
}

/* BATON_STATS's summary: one line per rank on stderr. */
static void bt_stats_print(void)
{
    char line[8192], net[160];
    size_t o = 0;
    double total = bt_trace_now_us() - bt_stats.start_us;

#define ADD(...) do { if (o < sizeof(line)) o += (size_t)snprintf(line + o, sizeof(line) - o, __VA_ARGS__); } while (0)
    ADD("baton stats: rank %d: %.6f s in MPI of %.6f s (%.1f%%)", bt_rt.rank,
        bt_stats.in_mpi_us / 1e6, total / 1e6, total > 0 ? 100.0 * bt_stats.in_mpi_us / total : 0);
    for (int i = 0; i < bt_stats.ncalls; i++)
        ADD("%s %s %llu x %.6f s", i ? "," : ";", bt_stats.calls[i].name, bt_stats.calls[i].n,
            bt_stats.calls[i].us / 1e6);
    for (int p = 0, first = 1; p < bt_rt.size; p++)
        if (bt_stats.peer_msgs[p]) {
            ADD("%s to %d: %llu B in %llu messages", first ? "; sent" : ",", p,
                bt_stats.peer_bytes[p], bt_stats.peer_msgs[p]);
            first = 0;
        }
    for (int a = 0, first = 1; a < bt_coll_alg_count(); a++)
        if (bt_tool_ctr.coll_alg[a]) {
            int kind;
            const char *alg = bt_coll_alg_name(a, &kind);
            ADD("%s ", first ? "; collectives:" : ",");
            for (const char *k = bt_coll_kind_name(kind); *k && o < sizeof(line); k++)
                line[o++] = (char)tolower((unsigned char)*k);
            ADD(" %s %llu", alg, bt_tool_ctr.coll_alg[a]);
            first = 0;
        }
    if (bt_tp_net_describe(net, sizeof(net)) != NULL)
        ADD("; network: %s", net);
#undef ADD
    fprintf(stderr, "%.*s\n", (int)BT_MIN(o, sizeof(line) - 1), line);
    free(bt_stats.peer_bytes);
    free(bt_stats.peer_msgs);
    bt_stats.peer_bytes = bt_stats.peer_msgs = NULL;
}

void bt_trace_finalize(void)
{
    static const char *const protos[] = { "eager", "rendezvous", "single copy" };
    char path[4200];
    FILE *f;
    int on = bt_trace_on;

    if (on & BT_TRACE_STATS)
        bt_stats_print();
    bt_trace_on = 0;
    if (!(on & BT_TRACE_EVENTS))
        return;
    snprintf(path, sizeof(path), "%s.%d", bt_trace.path, bt_rt.rank);
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "Baton: BATON_TRACE: cannot write %s\n", path);
    } else {
        /* One event per line; mpiexec joins the lines of every rank. */
        fprintf(f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":0,\"tid\":%d,"
                "\"args\":{\"name\":\"rank %d\"}}\n", bt_rt.rank, bt_rt.rank);
        for (size_t i = 0; i < bt_trace.n; i++) {
            const bt_trace_ev_t *e = &bt_trace.ev[i];
            if (e->name) {
                char args[MPI_MAX_OBJECT_NAME * 6 + 128] = "", comm[MPI_MAX_OBJECT_NAME * 6];
                if (e->args) {
                    bt_trace_comm_text(e->ctx, comm, sizeof(comm));
                    if (e->peer >= -2)
                        snprintf(args, sizeof(args), ",\"args\":{\"comm\":\"%s\",\"peer\":%d,"
                                 "\"bytes\":%zu}", comm, e->peer, e->bytes);
                    else
                        snprintf(args, sizeof(args), ",\"args\":{\"comm\":\"%s\",\"bytes\":%zu}",
                                 comm, e->bytes);
                }
                fprintf(f, "{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"mpi\",\"pid\":0,\"tid\":%d,"
                        "\"ts\":%.3f,\"dur\":%.3f%s}\n", e->name, bt_rt.rank, e->t0,
                        e->t1 > e->t0 ? e->t1 - e->t0 : 0.0, args);
                continue;
            }
            fprintf(f, "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"%s %s %s %d\",\"cat\":\"%s\","
                    "\"pid\":0,\"tid\":%d,\"ts\":%.3f,\"args\":{\"peer\":%d,\"tag\":%d,"
                    "\"bytes\":%zu,\"context\":%u,\"transport\":\"%s\"}}\n",
                    protos[e->proto], e->send ? "send" : "receive", e->send ? "to" : "from",
                    e->peer, e->local ? "shm" : "net", bt_rt.rank, e->t0, e->peer, e->tag,
                    e->bytes, (unsigned)e->ctx, e->local ? "shm" : "net");
            if (e->flow)
                fprintf(f, "{\"ph\":\"%s\",\"bp\":\"e\",\"name\":\"message\",\"cat\":\"message\","
                        "\"id\":\"0x%llx\",\"pid\":0,\"tid\":%d,\"ts\":%.3f}\n",
                        e->send ? "s" : "f", (unsigned long long)e->flow, bt_rt.rank, e->t0);
        }
        if (bt_trace.dropped)
            fprintf(stderr, "Baton: BATON_TRACE: rank %d kept its first %zu events, %zu more "
                    "were dropped\n", bt_rt.rank, bt_trace.n, bt_trace.dropped);
        fclose(f);
    }
    free(bt_trace.ev);
    free(bt_trace.seq);
    memset(&bt_trace, 0, sizeof(bt_trace));
}
