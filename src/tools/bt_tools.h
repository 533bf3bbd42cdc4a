/* The tools layer: what MPI_T shows of Baton (control variables from the one
 * table of BATON_* variables, performance counters, events), under the big lock.
 *
 * The counters are plain fields that the protocol code increments where it
 * already does the work (no atomics: the big lock serializes every thread that
 * touches them); MPI_T's sessions read them as differences from a start value,
 * so nothing ever resets them. */
#ifndef BT_TOOLS_H
#define BT_TOOLS_H

#include "mpi.h"
#include "util/bt_util.h"

#include <stdint.h>

enum { BT_TOOL_SHM, BT_TOOL_NET, BT_TOOL_NTP };                  /* transports */
enum { BT_TOOL_EAGER, BT_TOOL_RNDV, BT_TOOL_CMA, BT_TOOL_NPROTO }; /* protocols */

/* Enough for every algorithm of src/coll/select.c (checked there). */
#define BT_TOOL_MAX_ALGS 96

typedef struct bt_tool_counters {
    /* Messages to and from other ranks (a rank's messages to itself are none of
     * a transport's): sends count eager or rendezvous when they start, receives
     * when a receive matches them: eager, rendezvous, or single copy (the
     * receiver's process_vm_readv). */
    unsigned long long sent_msgs[BT_TOOL_NTP][BT_TOOL_NPROTO];
    unsigned long long sent_bytes[BT_TOOL_NTP][BT_TOOL_NPROTO];
    unsigned long long recv_msgs[BT_TOOL_NTP][BT_TOOL_NPROTO];
    unsigned long long recv_bytes[BT_TOOL_NTP][BT_TOOL_NPROTO];
    unsigned long long unexp_len;     /* messages held that no receive has matched */
    unsigned long long unexp_hwm;     /* the most ever held at once */
    unsigned long long unexp_total;   /* arrivals that found no receive */
    double             wait_s;        /* blocking waits, past their first polls */
    unsigned long long coll_alg[BT_TOOL_MAX_ALGS]; /* collectives run, by algorithm */
} bt_tool_counters_t;

extern bt_tool_counters_t bt_tool_ctr;

static inline int bt_tool_tp_of(int local)
{
    return local ? BT_TOOL_SHM : BT_TOOL_NET;
}

/* ---- the timeline trace (BATON_TRACE): see trace.c ---- */

extern int bt_trace_on;
void bt_trace_msg(int send, int local, int proto, size_t bytes, int peer, uint32_t ctx, int tag);
int  bt_trace_begin(const char *fn);
void bt_trace_end(int *ev);
void bt_trace_init(void);       /* MPI_Init */
void bt_trace_finalize(void);   /* MPI_Finalize: writes this rank's part */

/* Every entry point's trace scope (BT_API_LOCK): one load when tracing is off;
 * nothing at all built with -DBT_NO_TRACE (to measure that load). */
#ifdef BT_NO_TRACE
#define bt_trace_active() 0
#else
#define bt_trace_active() bt_unlikely(bt_trace_on)
#endif

/* What the innermost open call works on, for its trace event: the communicator,
 * the peer or root (a rank in comm; -1 any source, -2 MPI_PROC_NULL, -3 none)
 * and the bytes of its buffer. */
struct bt_comm;
void bt_trace_call_args(const struct bt_comm *comm, int peer, long long bytes);

static inline void bt_trace_args(const struct bt_comm *comm, int peer, long long bytes)
{
    if (bt_trace_active())
        bt_trace_call_args(comm, peer, bytes);
}

static inline int bt_trace_call_begin(const char *fn)
{
    return bt_trace_active() ? bt_trace_begin(fn) : -1;
}

static inline void bt_trace_call_end(int *ev)
{
    if (bt_unlikely(*ev >= 0))
        bt_trace_end(ev);
}

/* A message to or from world rank peer, with the context and tag it carries. */
static inline void bt_tool_count_send(int local, int proto, size_t bytes, int peer, uint32_t ctx,
                                      int tag)
{
    bt_tool_ctr.sent_msgs[bt_tool_tp_of(local)][proto]++;
    bt_tool_ctr.sent_bytes[bt_tool_tp_of(local)][proto] += bytes;
    if (bt_trace_active())
        bt_trace_msg(1, local, proto, bytes, peer, ctx, tag);
}

static inline void bt_tool_count_recv(int local, int proto, size_t bytes, int peer, uint32_t ctx,
                                      int tag)
{
    bt_tool_ctr.recv_msgs[bt_tool_tp_of(local)][proto]++;
    bt_tool_ctr.recv_bytes[bt_tool_tp_of(local)][proto] += bytes;
    if (bt_trace_active())
        bt_trace_msg(0, local, proto, bytes, peer, ctx, tag);
}

/* ---- events ----------------------------------------------------------------------- */

enum { BT_EV_RNDV_START, BT_EV_UNEXPECTED, BT_EV_COUNT };

/* What both events carry: the peer (rank in the communicator), the tag, the bytes. */
typedef struct bt_tool_msg_event {
    int                peer;
    int                tag;
    unsigned long long bytes;
} bt_tool_msg_event_t;

/* Registrations per event: the check in the protocol is one load. */
extern int bt_tool_ev_active[BT_EV_COUNT];

void bt_tool_event_fire(int event, const void *data);

static inline void bt_tool_event_msg(int event, int peer, int tag, MPI_Count bytes)
{
    if (bt_unlikely(bt_tool_ev_active[event])) {
        bt_tool_msg_event_t d = { peer, tag, (unsigned long long)bytes };
        bt_tool_event_fire(event, &d);
    }
}

#endif
