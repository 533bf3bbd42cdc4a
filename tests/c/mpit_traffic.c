/* The tools interface's performance variables and events around known traffic:
 * every rank sends its right neighbour NSMALL eager messages and NLARGE
 * rendezvous ones (sizes from BATON_EAGER_MAX, read as a control variable), and
 * the counters of sent and received messages and bytes, summed over the
 * transports, come out exact (messages to itself count for no transport, as at 1
 * rank); messages a rank sends itself before receiving them fill the unexpected
 * queue (length, high-water mark, counter, events with source, tag and size);
 * each rendezvous send fires its event; the wait timer sees a receive that waits
 * for a sleeping sender; sessions are independent; misuse gets its MPI_T_ERR_*. */
/* np: 1 2 3 4 8 */
#include "check.h"

#include <unistd.h>

static int rank = -1, size;

#define T_OK(expr) do { int rc_ = (expr); CHECK(rc_ == MPI_SUCCESS, "%s returned %d", #expr, rc_); } while (0)
#define T_ERR(expr, cls) do { int rc_ = (expr); CHECK(rc_ == (cls), "%s returned %d, expected %s (%d)", #expr, rc_, #cls, (cls)); } while (0)

#define NSMALL 5
#define SMALL 100
#define NLARGE 3
#define NSELF 4

static MPI_T_pvar_session sess;

typedef struct {
    const char       *name;
    MPI_T_pvar_handle h;
} pv_t;

/* The counters, by "<transport>_<protocol>_<sent|recv>_<msgs|bytes>". */
static pv_t pv[32];
static int npv;

static MPI_T_pvar_handle pvar_handle(const char *name, int cls)
{
    int idx, count;
    MPI_T_pvar_handle h;
    T_OK(MPI_T_pvar_get_index(name, cls, &idx));
    T_OK(MPI_T_pvar_handle_alloc(sess, idx, NULL, &h, &count));
    CHECK(count == 1, "%s: count %d", name, count);
    return h;
}

static unsigned long long pv_read(MPI_T_pvar_handle h)
{
    unsigned long long v = 12345;
    T_OK(MPI_T_pvar_read(sess, h, &v));
    return v;
}

/* The sum of the counters whose names contain every one of the words given. */
static unsigned long long sum(const char *a, const char *b, const char *c)
{
    unsigned long long s = 0;
    for (int i = 0; i < npv; i++)
        if (strstr(pv[i].name, a) && strstr(pv[i].name, b) && (!c || strstr(pv[i].name, c)))
            s += pv_read(pv[i].h);
    return s;
}

/* What the event callbacks saw. */
static int ev_unexp_index, ev_rndv_index;
static int n_unexp, n_rndv, bad_event;
static int unexp_tags[16], unexp_peers[16];
static unsigned long long unexp_bytes[16];
static int rndv_peer;
static unsigned long long rndv_bytes;

static void on_event(MPI_T_event_instance ev, MPI_T_event_registration reg,
                     MPI_T_cb_safety safety, void *user_data)
{
    int peer = -1, tag = -1, source = -1;
    unsigned long long bytes = 0;
    MPI_Count ts = -1, now = -1;
    struct { int peer, tag; unsigned long long bytes; } all;

    MPI_T_event_read(ev, 0, &peer);
    MPI_T_event_read(ev, 1, &tag);
    MPI_T_event_read(ev, 2, &bytes);
    MPI_T_event_copy(ev, &all);
    MPI_T_event_get_timestamp(ev, &ts);
    MPI_T_event_get_source(ev, &source);
    MPI_T_source_get_timestamp(0, &now);
    if (all.peer != peer || all.tag != tag || all.bytes != bytes || source != 0 || ts <= 0 ||
        ts > now || safety != MPI_T_CB_REQUIRE_MPI_RESTRICTED)
        bad_event++;
    if (*(int *)user_data == ev_unexp_index) {
        if (n_unexp < 16) {
            unexp_tags[n_unexp] = tag;
            unexp_peers[n_unexp] = peer;
            unexp_bytes[n_unexp] = bytes;
        }
        n_unexp++;
    } else {
        rndv_peer = peer;
        rndv_bytes = bytes;
        n_rndv++;
    }
}

static int n_freed;
static void on_free(MPI_T_event_registration reg, MPI_T_cb_safety safety, void *user_data)
{
    n_freed++;
}

static MPI_Count n_dropped;
static void on_dropped(MPI_Count count, MPI_T_event_registration reg, int source_index,
                       MPI_T_cb_safety safety, void *user_data)
{
    n_dropped += count;
}

static void check_errors(void)
{
    MPI_T_pvar_session other;
    MPI_T_pvar_handle h, hlen;
    int idx, n, count;
    unsigned long long v = 0;
    MPI_T_event_registration reg;

    T_OK(MPI_T_pvar_get_num(&n));
    T_ERR(MPI_T_pvar_get_info(n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                              NULL, NULL), MPI_T_ERR_INVALID_INDEX);
    T_ERR(MPI_T_pvar_get_index("shm_eager_sent_msgs", MPI_T_PVAR_CLASS_LEVEL, &idx),
          MPI_T_ERR_INVALID_NAME);
    T_ERR(MPI_T_pvar_get_index("no_such_counter", MPI_T_PVAR_CLASS_COUNTER, &idx),
          MPI_T_ERR_INVALID_NAME);
    T_OK(MPI_T_pvar_session_create(&other));
    T_ERR(MPI_T_pvar_handle_alloc(other, n, NULL, &h, &count), MPI_T_ERR_INVALID_INDEX);
    T_OK(MPI_T_pvar_get_index("shm_eager_sent_msgs", MPI_T_PVAR_CLASS_COUNTER, &idx));
    T_OK(MPI_T_pvar_handle_alloc(other, idx, NULL, &h, &count));
    /* A handle of another session. */
    T_ERR(MPI_T_pvar_read(sess, h, &v), MPI_T_ERR_INVALID_HANDLE);
    T_ERR(MPI_T_pvar_read(other, MPI_T_PVAR_ALL_HANDLES, &v), MPI_T_ERR_INVALID_HANDLE);
    /* Continuous and read-only: no start, stop, write, reset. */
    T_OK(MPI_T_pvar_get_index("unexpected_queue_length", MPI_T_PVAR_CLASS_LEVEL, &idx));
    T_OK(MPI_T_pvar_handle_alloc(other, idx, NULL, &hlen, &count));
    T_ERR(MPI_T_pvar_start(other, hlen), MPI_T_ERR_PVAR_NO_STARTSTOP);
    T_ERR(MPI_T_pvar_stop(other, hlen), MPI_T_ERR_PVAR_NO_STARTSTOP);
    T_ERR(MPI_T_pvar_write(other, hlen, &v), MPI_T_ERR_PVAR_NO_WRITE);
    T_ERR(MPI_T_pvar_reset(other, hlen), MPI_T_ERR_PVAR_NO_WRITE);
    T_ERR(MPI_T_pvar_readreset(other, hlen, &v), MPI_T_ERR_PVAR_NO_WRITE);
    /* ALL_HANDLES passes over what it cannot do. */
    T_OK(MPI_T_pvar_start(other, MPI_T_PVAR_ALL_HANDLES));
    T_OK(MPI_T_pvar_reset(other, MPI_T_PVAR_ALL_HANDLES));
    T_OK(MPI_T_pvar_handle_free(other, &h));
    CHECK(h == MPI_T_PVAR_HANDLE_NULL, "pvar_handle_free did not set NULL");
    T_OK(MPI_T_pvar_session_free(&other));
    CHECK(other == MPI_T_PVAR_SESSION_NULL, "pvar_session_free did not set NULL");
    T_ERR(MPI_T_pvar_read(other, hlen, &v), MPI_T_ERR_INVALID_SESSION);
    T_ERR(MPI_T_pvar_session_free(&other), MPI_T_ERR_INVALID_SESSION);
    other = (MPI_T_pvar_session)&v;
    T_ERR(MPI_T_pvar_session_free(&other), MPI_T_ERR_INVALID_SESSION);
    /* Events. */
    T_OK(MPI_T_event_get_num(&n));
    CHECK(n >= 2, "%d events", n);
    T_ERR(MPI_T_event_handle_alloc(n, NULL, MPI_INFO_NULL, &reg), MPI_T_ERR_INVALID_INDEX);
    T_ERR(MPI_T_event_get_index("nope", &idx), MPI_T_ERR_INVALID_NAME);
    T_ERR(MPI_T_event_register_callback((MPI_T_event_registration)&v,
                                        MPI_T_CB_REQUIRE_NONE, MPI_INFO_NULL, NULL, on_event),
          MPI_T_ERR_INVALID_HANDLE);
    T_ERR(MPI_T_event_get_info(0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                               NULL), MPI_SUCCESS);
    T_ERR(MPI_T_source_get_timestamp(1, (MPI_Count *)&v), MPI_T_ERR_INVALID_INDEX);
}

int main(int argc, char **argv)
{
    int provided, right, left, count, eidx;
    unsigned long long eager_max, large;
    char *sbuf, *rbuf;
    MPI_T_pvar_handle h_qlen, h_qmax, h_unexp, h_wait;
    MPI_T_event_registration reg_unexp, reg_rndv, reg_dropped;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    right = (rank + 1) % size;
    left = (rank + size - 1) % size;
    T_OK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));
    T_OK(MPI_T_pvar_session_create(&sess));
    check_errors();

    {
        MPI_T_cvar_handle ch;
        T_OK(MPI_T_cvar_get_index("BATON_EAGER_MAX", &eidx));
        T_OK(MPI_T_cvar_handle_alloc(eidx, NULL, &ch, &count));
        T_OK(MPI_T_cvar_read(ch, &eager_max));
        T_OK(MPI_T_cvar_handle_free(&ch));
    }
    {
        /* Past BATON_CMA_MIN too, where single copy takes over within a node. */
        MPI_T_cvar_handle ch;
        unsigned long long cma_min;
        T_OK(MPI_T_cvar_get_index("BATON_CMA_MIN", &eidx));
        T_OK(MPI_T_cvar_handle_alloc(eidx, NULL, &ch, &count));
        T_OK(MPI_T_cvar_read(ch, &cma_min));
        T_OK(MPI_T_cvar_handle_free(&ch));
        large = 3 * eager_max + 17;
        if (cma_min < (1u << 20) && cma_min + 17 > large)
            large = cma_min + 17;
    }
    sbuf = malloc(large);
    rbuf = malloc(large);
    memset(sbuf, rank, large);

    /* Every counter of the transports, started. */
    {
        int n;
        T_OK(MPI_T_pvar_get_num(&n));
        for (int i = 0; i < n; i++) {
            char name[128], desc[256];
            int len = sizeof(name), dlen = sizeof(desc), cls, ro, cont, atomic, bind;
            MPI_Datatype dt;
            T_OK(MPI_T_pvar_get_info(i, name, &len, NULL, &cls, &dt, NULL, desc, &dlen, &bind,
                                     &ro, &cont, &atomic));
            CHECK(dlen > 10, "pvar %s has no description", name);
            if (cls != MPI_T_PVAR_CLASS_COUNTER || (!strstr(name, "_sent_") && !strstr(name, "_recv_")))
                continue;
            CHECK(dt == MPI_UNSIGNED_LONG_LONG && !ro && !cont, "pvar %s: type or flags", name);
            CHECK(npv < 32, "too many transport counters");
            pv[npv].name = strdup(name);
            T_OK(MPI_T_pvar_handle_alloc(sess, i, NULL, &pv[npv].h, &count));
            T_OK(MPI_T_pvar_start(sess, pv[npv].h));
            npv++;
        }
        CHECK(npv >= 10, "only %d transport counters", npv);
    }
    CHECK(sum("_", "_", NULL) == 0, "the counters start at %llu", sum("_", "_", NULL));

    /* Events: rendezvous starts and unexpected arrivals. */
    T_OK(MPI_T_event_get_index("unexpected_arrival", &ev_unexp_index));
    T_OK(MPI_T_event_get_index("rndv_send_start", &ev_rndv_index));
    {
        MPI_Datatype types[3];
        MPI_Aint displs[3];
        int nel = 3;
        T_OK(MPI_T_event_get_info(ev_unexp_index, NULL, NULL, NULL, types, displs, &nel, NULL,
                                  NULL, NULL, NULL, NULL));
        CHECK(nel == 3 && types[0] == MPI_INT && types[1] == MPI_INT &&
              types[2] == MPI_UNSIGNED_LONG_LONG && displs[2] == 8,
              "unexpected_arrival's elements: %d", nel);
    }
    T_OK(MPI_T_event_handle_alloc(ev_unexp_index, NULL, MPI_INFO_NULL, &reg_unexp));
    T_OK(MPI_T_event_register_callback(reg_unexp, MPI_T_CB_REQUIRE_MPI_RESTRICTED,
                                       MPI_INFO_NULL, &ev_unexp_index, on_event));
    T_OK(MPI_T_event_handle_alloc(ev_rndv_index, NULL, MPI_INFO_NULL, &reg_rndv));
    T_OK(MPI_T_event_register_callback(reg_rndv, MPI_T_CB_REQUIRE_THREAD_SAFE, MPI_INFO_NULL,
                                       &ev_rndv_index, on_event));
    /* A callback that cannot run inside MPI (it asks for no restriction): dropped. */
    T_OK(MPI_T_event_handle_alloc(ev_unexp_index, NULL, MPI_INFO_NULL, &reg_dropped));
    T_OK(MPI_T_event_register_callback(reg_dropped, MPI_T_CB_REQUIRE_NONE, MPI_INFO_NULL,
                                       &ev_unexp_index, on_event));
    T_OK(MPI_T_event_set_dropped_handler(reg_dropped, on_dropped));

    /* The ring: eager, then rendezvous, each received as posted (self at 1 rank). */
    {
        MPI_Request rq[2 * (NSMALL + NLARGE)];
        int nr = 0;
        for (int i = 0; i < NSMALL; i++)
            MPI_Irecv(rbuf + i * SMALL, SMALL, MPI_CHAR, left, 10 + i, MPI_COMM_WORLD, &rq[nr++]);
        for (int i = 0; i < NSMALL; i++)
            MPI_Isend(sbuf, SMALL, MPI_CHAR, right, 10 + i, MPI_COMM_WORLD, &rq[nr++]);
        MPI_Waitall(nr, rq, MPI_STATUSES_IGNORE);
        for (int i = 0; i < NLARGE; i++) {
            MPI_Sendrecv(sbuf, (int)large, MPI_CHAR, right, 20 + i, rbuf, (int)large, MPI_CHAR,
                         left, 20 + i, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            CHECK(rbuf[0] == (char)left && rbuf[large - 1] == (char)left, "large %d: data", i);
        }
    }
    {
        unsigned long long peers = size > 1 ? 1 : 0;
        unsigned long long es = sum("eager", "_sent_msgs", NULL), eb = sum("eager", "_sent_bytes", NULL);
        unsigned long long er = sum("eager", "_recv_msgs", NULL), erb = sum("eager", "_recv_bytes", NULL);
        unsigned long long rs = sum("rndv", "_sent_msgs", NULL), rsb = sum("rndv", "_sent_bytes", NULL);
        unsigned long long rr = sum("rndv", "_recv_msgs", NULL) + sum("cma", "_recv_msgs", NULL);
        unsigned long long rrb = sum("rndv", "_recv_bytes", NULL) + sum("cma", "_recv_bytes", NULL);
        CHECK(es == peers * NSMALL && eb == peers * NSMALL * SMALL,
              "eager sent: %llu messages, %llu bytes; expected %llu, %llu", es, eb,
              peers * NSMALL, peers * NSMALL * SMALL);
        CHECK(er == peers * NSMALL && erb == peers * NSMALL * SMALL,
              "eager received: %llu messages, %llu bytes; expected %llu, %llu", er, erb,
              peers * NSMALL, peers * NSMALL * SMALL);
        CHECK(rs == peers * NLARGE && rsb == peers * NLARGE * large,
              "rendezvous sent: %llu messages, %llu bytes; expected %llu, %llu", rs, rsb,
              peers * NLARGE, peers * NLARGE * large);
        CHECK(rr == peers * NLARGE && rrb == peers * NLARGE * large,
              "rendezvous/single copy received: %llu messages, %llu bytes; expected %llu, %llu",
              rr, rrb, peers * NLARGE, peers * NLARGE * large);
        CHECK(n_rndv == (int)(peers * NLARGE), "%d rendezvous events, expected %llu", n_rndv,
              peers * NLARGE);
        CHECK(!peers || (rndv_peer == right && rndv_bytes == large),
              "the rendezvous event says peer %d, %llu bytes; expected %d, %llu", rndv_peer,
              rndv_bytes, right, large);
    }
    /* Stopped, the counters hold still; readreset gives the value and zeroes it. */
    for (int i = 0; i < npv; i++)
        T_OK(MPI_T_pvar_stop(sess, pv[i].h));
    {
        unsigned long long before = sum("_sent_msgs", "_", NULL), v = 0, after = 1;
        MPI_Sendrecv(sbuf, SMALL, MPI_CHAR, right, 30, rbuf, SMALL, MPI_CHAR, left, 30,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(sum("_sent_msgs", "_", NULL) == before, "a stopped counter moved");
        for (int i = 0; i < npv; i++)
            if (strcmp(pv[i].name, "shm_eager_sent_msgs") == 0) {
                T_OK(MPI_T_pvar_readreset(sess, pv[i].h, &v));
                T_OK(MPI_T_pvar_read(sess, pv[i].h, &after));
            }
        CHECK(after == 0, "readreset left %llu", after);
    }

    /* Unexpected messages: sent to itself before any receive. */
    h_qlen = pvar_handle("unexpected_queue_length", MPI_T_PVAR_CLASS_LEVEL);
    h_qmax = pvar_handle("unexpected_queue_max", MPI_T_PVAR_CLASS_HIGHWATERMARK);
    h_unexp = pvar_handle("unexpected_msgs", MPI_T_PVAR_CLASS_COUNTER);
    MPI_Barrier(MPI_COMM_WORLD);   /* nothing of the ring is left in flight */
    T_OK(MPI_T_pvar_start(sess, h_unexp));
    CHECK(pv_read(h_qlen) == 0, "%llu unexpected messages before", pv_read(h_qlen));
    n_unexp = 0;
    n_dropped = 0;
    {
        MPI_Request rq[NSELF];
        for (int i = 0; i < NSELF; i++)
            MPI_Isend(sbuf, 8 * (i + 1), MPI_CHAR, rank, 40 + i, MPI_COMM_WORLD, &rq[i]);
        CHECK(pv_read(h_qlen) == NSELF, "unexpected queue length %llu, expected %d",
              pv_read(h_qlen), NSELF);
        CHECK(pv_read(h_qmax) >= NSELF, "unexpected high-water mark %llu < %d", pv_read(h_qmax),
              NSELF);
        CHECK(pv_read(h_unexp) == NSELF, "unexpected_msgs %llu, expected %d", pv_read(h_unexp),
              NSELF);
        CHECK(n_unexp == NSELF, "%d unexpected-arrival events, expected %d", n_unexp, NSELF);
        CHECK(n_dropped == NSELF, "%lld dropped events, expected %d", (long long)n_dropped, NSELF);
        for (int i = 0; i < NSELF && i < n_unexp; i++)
            CHECK(unexp_peers[i] == rank && unexp_tags[i] == 40 + i &&
                  unexp_bytes[i] == 8ull * (i + 1), "unexpected event %d: source %d, tag %d, "
                  "%llu bytes", i, unexp_peers[i], unexp_tags[i], unexp_bytes[i]);
        for (int i = NSELF - 1; i >= 0; i--)
            MPI_Recv(rbuf, SMALL, MPI_CHAR, rank, 40 + i, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Waitall(NSELF, rq, MPI_STATUSES_IGNORE);
        CHECK(pv_read(h_qlen) == 0, "unexpected queue length %llu after the receives",
              pv_read(h_qlen));
        CHECK(bad_event == 0, "%d events with inconsistent data", bad_event);
    }
    /* Freed registrations get no more events; the free callback runs. */
    T_OK(MPI_T_event_handle_free(reg_unexp, NULL, on_free));
    T_OK(MPI_T_event_handle_free(reg_rndv, NULL, on_free));
    T_OK(MPI_T_event_handle_free(reg_dropped, NULL, NULL));
    CHECK(n_freed == 2, "%d free callbacks", n_freed);
    {
        MPI_Request rq;
        MPI_Isend(sbuf, 1, MPI_CHAR, rank, 50, MPI_COMM_WORLD, &rq);
        MPI_Recv(rbuf, 1, MPI_CHAR, rank, 50, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Wait(&rq, MPI_STATUS_IGNORE);
        CHECK(n_unexp == NSELF, "an event after its registration was freed");
    }

    /* Waiting: rank 0 receives from rank 1, which sleeps 50 ms first. */
    h_wait = pvar_handle("wait_time", MPI_T_PVAR_CLASS_TIMER);
    T_OK(MPI_T_pvar_start(sess, h_wait));
    if (size > 1 && rank == 0) {
        double w = -1;
        MPI_Recv(rbuf, 1, MPI_CHAR, 1, 60, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        T_OK(MPI_T_pvar_read(sess, h_wait, &w));
        CHECK(w > 0.03 && w < 10, "wait_time %g s for a 50 ms wait", w);
    } else if (size > 1 && rank == 1) {
        usleep(50000);
        MPI_Send(sbuf, 1, MPI_CHAR, 0, 60, MPI_COMM_WORLD);
    }

    T_OK(MPI_T_pvar_session_free(&sess));
    T_OK(MPI_T_finalize());
    free(sbuf);
    free(rbuf);
    MPI_Finalize();
    if (rank == 0)
        printf("mpit_traffic: ok\n");
    return 0;
}
