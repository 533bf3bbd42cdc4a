/* The progress engine: one pass polls the rings, pushes queued frames and runs the
 * generic requests; waiting spins for a while, then sleeps on the doorbell. */
#include "pt2pt/bt_pt2pt_impl.h"
#include "pt2pt/bt_diag.h"

#include "runtime/bt_runtime.h"
#include "tools/bt_tools.h"
#include "transport/bt_transport.h"
#include "util/bt_env.h"
#include "util/bt_util.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static int bt_progress_generic(void)
{
    bt_request_t **link = &bt_p2p.generic;
    int n = 0;

    while (*link) {
        bt_request_t *req = *link;
        if (req->poll_fn(req)) {
            *link = req->gnext;
            req->gnext = NULL;
            bt_request_complete(req);
            n++;
        } else {
            link = &req->gnext;
        }
    }
    return n;
}

int bt_progress_poll(void)
{
    int n = 0;

    if (bt_p2p.tp_up)
        n += bt_tp_poll(bt_pt2pt_on_frame);
    if (bt_p2p.nout)
        n += bt_pt2pt_drain_out();
    if (bt_p2p.generic)
        n += bt_progress_generic();
    return n;
}

int bt_progress_test(void)
{
    int n = bt_progress_poll();
    /* A program that polls with MPI_Test while the node has more awake threads than
     * cores would keep the core from the rank it waits for. */
    if (!n && bt_p2p.tp_up && bt_tp_awake() > bt_rt.ncpus)
        sched_yield();
    return n;
}

void bt_progress_until_mates(int (*ready)(void *), int (*behind)(void *), void *arg)
{
    /* What a poll that found nothing does with the core: keep it, hand it over
     * with sched_yield each time, or hand it over while a rank that this wait
     * needs runs on the same CPU (behind). */
    enum { BT_KEEP, BT_GIVE, BT_GIVE_TO_MATES } give = BT_KEEP;
    double spin_start = 0, wait_start = 0;
    int polls = 0;

    /* Oversubscribed and told who we wait for: from the first poll, yield exactly
     * when one of them needs this CPU, and keep polling when they all run on
     * other CPUs (a yield there only lets a rank that has nothing to do run). */
    if (behind && bt_tp_awake() > bt_rt.ncpus)
        give = BT_GIVE_TO_MATES;
    bt_diag_waiting = 1;
    while (!ready(arg)) {
        if (bt_progress_poll()) {
            spin_start = 0;
            continue;
        }
        if (ready(arg))
            break;
        if (bt_unlikely(bt_diag_asked))
            bt_diag_report();
        /* Let another thread in when it asks: it may be the one we wait for. */
        if (bt_rt.thread_multiple && bt_lock_contended())
            bt_lock_hand_over();
        else
            bt_cpu_relax();
        if (give == BT_GIVE || (give == BT_GIVE_TO_MATES && behind(arg)))
            sched_yield();
        if (++polls & 63)
            continue;
        if (spin_start == 0) {
            spin_start = bt_time_now();
            /* The wait's time from here: a wait that ends within 64 polls costs
             * no clock read. */
            if (wait_start == 0)
                wait_start = spin_start;
            if (bt_diag_cur.since == 0)
                bt_diag_cur.since = spin_start;
            continue;
        }
        {
            /* Polling only steals the core from the rank we wait for when more
             * threads are awake than there are cores: then poll briefly, hand the
             * core over with sched_yield for a while (the peer runs at once, no
             * wake-up to wait for), and only then sleep on the doorbell. */
            double waited = bt_time_now() - spin_start;
            if (bt_tp_awake() <= bt_rt.ncpus) {
                give = BT_KEEP;
                /* Other programs may want the core that the rank we wait for needs:
                 * past a short while, let them run (cheap when nobody wants it). */
                if (waited > 20e-6)
                    sched_yield();
                if (waited < bt_p2p.spin_s)
                    continue;
            } else if (behind) {
                give = BT_GIVE_TO_MATES;
                if (waited < bt_p2p.yield_s)
                    continue;
            } else if (waited < bt_p2p.spin_short_s) {
                continue;
            } else if (waited < bt_p2p.yield_s) {
                give = BT_GIVE;
                continue;
            }
        }
        {
            uint32_t seen = bt_tp_bell_arm();
            if (!bt_progress_poll() && !ready(arg)) {
                int depth = bt_lock_release_all();
                bt_tp_bell_wait(seen, 200);
                bt_lock_restore(depth);
            }
            bt_tp_bell_disarm();
            spin_start = 0;
        }
    }
    bt_diag_waiting = 0;
    if (wait_start != 0)
        bt_tool_ctr.wait_s += bt_time_now() - wait_start;
}

void bt_progress_until(int (*ready)(void *), void *arg)
{
    bt_progress_until_mates(ready, NULL, arg);
}

int bt_pt2pt_init(void)
{
    if (bt_tp_init() != 0)
        return -1;
    bt_p2p.tp_up = 1;
    bt_p2p.out_cap = bt_rt.size;
    bt_p2p.out = bt_calloc((size_t)bt_rt.size, sizeof(bt_out_queue_t));
    bt_p2p.eager_max = BT_MIN(bt_env_size("BATON_EAGER_MAX", 32 << 10), bt_tp_frame_min());
    /* To another node a whole frame goes inline unless the user set a limit: a
     * rendezvous there costs a network round trip more (32 KiB between two hosts
     * of this machine: 24 us by RMA read, 12 inline). */
    bt_p2p.eager_net = BT_MIN(bt_env_size("BATON_EAGER_MAX", SIZE_MAX), bt_tp_net_frame_max());
    bt_p2p.cma_min = bt_env_size("BATON_CMA_MIN", 128 << 10);
    if (!bt_tp_cma_usable())
        bt_p2p.cma_min = SIZE_MAX;
    bt_pt2pt_begin();
    return 0;
}

void bt_pt2pt_begin(void)
{
    /* Long enough to outlast a wake-up of an idle virtual CPU (~100 us here), or a
     * ping-pong can settle into both sides sleeping in turn. */
    bt_p2p.spin_s = 1e-6 * (double)bt_env_long("BATON_SPIN_US", 2000);
    bt_p2p.spin_short_s = 1e-6 * (double)bt_env_long("BATON_SPIN_BUSY_US", 2);
    bt_p2p.yield_s = 1e-6 * (double)bt_env_long("BATON_YIELD_US", 1000);
    bt_p2p.running = 1;
}

uint64_t bt_pt2pt_host(void)
{
    return bt_tp_host();
}

int bt_pt2pt_reach(void *addr, size_t cap, size_t *len_p, uint64_t secret[2], int net)
{
    if (bt_tp_reach(addr, cap, len_p, secret, net) != 0)
        return -1;
    /* The network's and the mailbox's frames may be smaller than the segment's. */
    bt_p2p.eager_max = BT_MIN(bt_p2p.eager_max, bt_tp_frame_min());
    return 0;
}

int bt_pt2pt_peer(uint64_t job_hash, int rank, const void *addr, size_t len,
                  const uint64_t secret[2])
{
    int peer = bt_rt_peer_find(job_hash, rank);

    if (peer >= 0)
        return peer;
    peer = bt_rt_peer_new(job_hash, rank);
    if (peer >= bt_p2p.out_cap) {
        int cap = BT_MAX(2 * bt_p2p.out_cap, peer + 16);
        bt_p2p.out = bt_realloc(bt_p2p.out, (size_t)cap * sizeof(bt_out_queue_t));
        memset(bt_p2p.out + bt_p2p.out_cap, 0,
               (size_t)(cap - bt_p2p.out_cap) * sizeof(bt_out_queue_t));
        bt_p2p.out_cap = cap;
    }
    if (bt_tp_peer_add(peer, job_hash, rank, addr, len, secret) != 0)
        return -1;
    return peer;
}

static int bt_out_empty(void *arg)
{
    return bt_p2p.nout == 0 && bt_tp_quiet();
}

/* Frees the unexpected messages for which keep says no (NULL: all of them). */
static void bt_pt2pt_drop_unexpected(int (*keep)(uint32_t ctx))
{
    bt_unexp_t *kept = NULL, *tail = NULL;
    size_t n = 0;

    while (bt_p2p.unexp_head) {
        bt_unexp_t *u = bt_p2p.unexp_head;
        bt_p2p.unexp_head = u->next;
        if (keep && keep(u->ctx)) {
            u->next = NULL;
            if (tail)
                tail->next = u;
            else
                kept = u;
            tail = u;
            n++;
        } else {
            free(u);
        }
    }
    bt_p2p.unexp_head = kept;
    bt_p2p.unexp_tail = tail;
    bt_tool_ctr.unexp_len = n;
}

void bt_pt2pt_end(int (*keep)(uint32_t ctx))
{
    /* Answers a peer may wait for leave now: this process may stay out of MPI
     * for as long as it likes. */
    bt_progress_until(bt_out_empty, NULL);
    bt_pt2pt_drop_unexpected(keep);
    bt_p2p.running = 0;
}

void bt_pt2pt_finalize(void)
{
    /* Push out what is still queued (answers a peer may wait for: FIN, ACK, CTS);
     * peers consume their rings from any MPI call, so this ends. There is no
     * barrier: a rank that leaves MPI_Finalize, or exits with an error after it,
     * must not wait for ranks that may never get here (the launcher ends the job
     * when a rank exits with an error). The segment's creator also stays until
     * every local rank has mapped it (bt_tp_quiet), and the network has taken
     * every frame of ours. */
    bt_pt2pt_end(NULL);
    free(bt_p2p.out);
    bt_p2p.out = NULL;
    bt_request_cache_drain();
    bt_tp_finalize();
    bt_p2p.tp_up = 0;
}

/* The spin times are read at every wait: changing them is safe at any time. The
 * sizes decide protocols that both ends have agreed on: they stay as read. */
static double *bt_pt2pt_spin_var(const char *name)
{
    if (strcmp(name, "BATON_SPIN_US") == 0)
        return &bt_p2p.spin_s;
    if (strcmp(name, "BATON_SPIN_BUSY_US") == 0)
        return &bt_p2p.spin_short_s;
    if (strcmp(name, "BATON_YIELD_US") == 0)
        return &bt_p2p.yield_s;
    return NULL;
}

int bt_pt2pt_tunable_get(const char *name, long long *value_p)
{
    double *spin = bt_pt2pt_spin_var(name);

    if (!bt_p2p.running)
        return -1;
    if (spin)
        *value_p = (long long)(*spin * 1e6 + 0.5);
    else if (strcmp(name, "BATON_EAGER_MAX") == 0)
        *value_p = (long long)bt_p2p.eager_max;
    else if (strcmp(name, "BATON_CMA_MIN") == 0)
        *value_p = bt_p2p.cma_min == SIZE_MAX ? LLONG_MAX : (long long)bt_p2p.cma_min;
    else
        return -1;
    return 0;
}

int bt_pt2pt_tunable_set(const char *name, long long value)
{
    double *spin = bt_pt2pt_spin_var(name);

    if (!spin || !bt_p2p.running)
        return -1;
    *spin = 1e-6 * (double)value;
    return 1;
}

/* The progress thread: the big lock keeps it and the program's threads apart
 * (it is taken by every call once the thread runs, whatever the thread level),
 * and it sleeps between passes so that it costs little while nothing comes. */
static pthread_t bt_progress_tid;
static _Atomic int bt_progress_running;

static void *bt_progress_thread_main(void *arg)
{
    struct timespec nap = { 0, 100 * 1000 };

    while (atomic_load(&bt_progress_running)) {
        bt_lock_enter();
        bt_progress_poll();
        bt_lock_leave();
        nanosleep(&nap, NULL);
    }
    return NULL;
}

void bt_progress_thread_start(void)
{
    if (!bt_env_long("BATON_ASYNC_PROGRESS", 0))
        return;
    bt_rt.thread_multiple = 1;
    atomic_store(&bt_progress_running, 1);
    if (pthread_create(&bt_progress_tid, NULL, bt_progress_thread_main, NULL) != 0)
        atomic_store(&bt_progress_running, 0);
}

void bt_progress_thread_stop(void)
{
    if (!atomic_exchange(&bt_progress_running, 0))
        return;
    /* It may wait for the lock this thread holds: let it in to see the flag. */
    {
        int depth = bt_lock_release_all();
        pthread_join(bt_progress_tid, NULL);
        bt_lock_restore(depth);
    }
}
