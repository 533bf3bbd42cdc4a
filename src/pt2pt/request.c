/* Request life cycle and waiting. */
#include "pt2pt/bt_pt2pt_impl.h"

#include "transport/bt_transport.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"
#include "util/bt_fhandle.h"

#include <string.h>

/* Released requests are kept for reuse: a message's round trip through malloc and
 * free cost a quarter of the small-message latency. The sanitizer builds free them
 * at once, so that a use after release is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define BT_REQUEST_CACHE 0
#else
#define BT_REQUEST_CACHE 64
#endif
static bt_request_t *bt_request_cache;
static int bt_request_ncached;

/* Clears a request with plain stores: the compiler's memset of this size is a
 * `rep stos`, whose start-up alone was 10% of a small message's time. The empty
 * asm keeps the loop from being turned back into that memset. */
static inline void bt_request_clear(bt_request_t *req)
{
    typedef uint64_t bt_word_t __attribute__((may_alias));
    bt_word_t *w = (bt_word_t *)req;

    _Static_assert(sizeof(*req) % sizeof(bt_word_t) == 0, "requests are whole words");
    for (size_t i = 0; i < sizeof(*req) / sizeof(bt_word_t); i++) {
        w[i] = 0;
        __asm__ __volatile__("" ::: "memory");
    }
}

bt_request_t *bt_request_new(bt_req_kind_t kind)
{
    bt_request_t *req = bt_request_cache;

    if (req) {
        bt_request_cache = req->next;
        bt_request_ncached--;
        bt_request_clear(req);
    } else {
        req = bt_calloc(1, sizeof(*req));
    }

    req->magic = BT_REQUEST_MAGIC;
    req->kind = (uint8_t)kind;
    req->refs = 1;             /* the creator's handle */
    req->st_source = MPI_ANY_SOURCE;
    req->st_tag = MPI_ANY_TAG;
    return req;
}

void bt_request_release(bt_request_t *req)
{
    if (--req->refs > 0)
        return;
    if (req->free_fn)
        req->free_fn(req);
    if (req->dt)
        bt_datatype_release(req->dt);
    if (req->comm)
        bt_comm_release(req->comm);
    free(req->tmp);
    bt_fh_forget(BT_FH_REQUEST, req);
    req->magic = 0;
    if (bt_request_ncached < BT_REQUEST_CACHE) {
        req->next = bt_request_cache;
        bt_request_cache = req;
        bt_request_ncached++;
        return;
    }
    free(req);
}

void bt_request_cache_drain(void)
{
    while (bt_request_cache) {
        bt_request_t *req = bt_request_cache;
        bt_request_cache = req->next;
        free(req);
    }
    bt_request_ncached = 0;
}

void bt_request_complete(bt_request_t *req)
{
    /* A send's packed copy is not needed once the bytes have left; a receive's is
     * unpacked by the protocol before it completes the request. */
    free(req->tmp);
    req->tmp = NULL;
    if (req->net_cookie)
        bt_pt2pt_cookie_drop(req);
    req->done = 1;
    if (bt_rt.thread_multiple)
        bt_tp_bell_ring_self();   /* another thread may sleep waiting for this */
    bt_request_release(req);
}

void bt_request_generic_start(bt_request_t *req)
{
    req->done = 0;
    req->refs++;
    req->gnext = bt_p2p.generic;
    bt_p2p.generic = req;
}

void bt_status_set(MPI_Status *status, int source, int tag, MPI_Count bytes, int cancelled)
{
    if (!status)
        return;
    status->MPI_SOURCE = source;
    status->MPI_TAG = tag;
    /* internal[0..1]: byte count, internal[2]: cancelled. MPI_ERROR is set only by
     * the calls that complete several requests, as the standard says. */
    status->MPI_internal[0] = (int)(uint32_t)((uint64_t)bytes & 0xffffffffu);
    status->MPI_internal[1] = (int)(uint32_t)((uint64_t)bytes >> 32);
    status->MPI_internal[2] = cancelled;
}

void bt_request_fill_status(const bt_request_t *req, MPI_Status *status)
{
    bt_status_set(status, req->st_source, req->st_tag, req->st_bytes, req->st_cancelled);
}

static int bt_request_is_done(void *arg)
{
    return ((bt_request_t *)arg)->done;
}

int bt_request_wait(bt_request_t *req)
{
    if (!req->done)
        bt_progress_until_mates(bt_request_is_done,
                                req->kind == BT_REQ_GENERIC ? req->behind_fn : NULL, req);
    return req->st_error;
}

typedef struct { int n; bt_request_t **reqs; } bt_waitall_t;

static int bt_all_done(void *arg)
{
    bt_waitall_t *w = arg;
    while (w->n > 0 && (!w->reqs[w->n - 1] || w->reqs[w->n - 1]->done))
        w->n--;
    return w->n == 0;
}

int bt_request_waitall(int n, bt_request_t **reqs)
{
    bt_waitall_t w = { n, reqs };
    int rc = MPI_SUCCESS;

    bt_progress_until(bt_all_done, &w);
    for (int i = 0; i < n; i++)
        if (reqs[i] && reqs[i]->st_error != MPI_SUCCESS && rc == MPI_SUCCESS)
            rc = reqs[i]->st_error;
    return rc;
}
