/* Generalized requests (MPI_Grequest_start): operations the program runs itself and
 * announces complete with MPI_Grequest_complete; Baton calls the program's query,
 * free and cancel functions where the standard says (MPI 4.1 §13.2).
 *
 * The request has two holds: the user's handle and the pending completion. The
 * user's free function runs when the last of them goes: in the wait or test that
 * completes the request (after the query function), or in MPI_Request_free or
 * MPI_Grequest_complete, whichever comes last. */
#include "pt2pt/bt_pt2pt_impl.h"

#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

typedef struct {
    MPI_Grequest_query_function  *query_fn;
    MPI_Grequest_free_function   *free_fn;
    MPI_Grequest_cancel_function *cancel_fn;
    void                         *extra_state;
} bt_greq_t;

static void bt_greq_state_free(bt_request_t *req)
{
    free(req->state);
    req->state = NULL;
}

bt_request_t *bt_grequest_start(MPI_Grequest_query_function *query_fn,
                                MPI_Grequest_free_function *free_fn,
                                MPI_Grequest_cancel_function *cancel_fn, void *extra_state)
{
    bt_request_t *req = bt_request_new(BT_REQ_GREQUEST);
    bt_greq_t *g = bt_malloc(sizeof(*g));

    g->query_fn = query_fn;
    g->free_fn = free_fn;
    g->cancel_fn = cancel_fn;
    g->extra_state = extra_state;
    req->state = g;
    req->free_fn = bt_greq_state_free;
    req->refs = 2;   /* the handle and the pending MPI_Grequest_complete */
    return req;
}

/* Drops one hold; the last runs the user's free function, whose code it returns. */
int bt_grequest_release(bt_request_t *req)
{
    bt_greq_t *g = req->state;
    int rc = MPI_SUCCESS;

    if (req->refs == 1)
        rc = g->free_fn(g->extra_state);
    bt_request_release(req);
    return rc;
}

int bt_grequest_complete(bt_request_t *req)
{
    req->done = 1;
    if (bt_rt.thread_multiple)
        bt_tp_bell_ring_self();   /* a thread may sleep in a wait for it */
    return bt_grequest_release(req);
}

int bt_grequest_query(bt_request_t *req, MPI_Status *status)
{
    bt_greq_t *g = req->state;
    MPI_Status ignored;

    /* The query function always gets a status to fill (MPI_STATUS_IGNORE too). */
    if (!status) {
        bt_status_set(&ignored, MPI_ANY_SOURCE, MPI_ANY_TAG, 0, 0);
        ignored.MPI_ERROR = MPI_SUCCESS;
        status = &ignored;
    }
    return g->query_fn(g->extra_state, status);
}

int bt_grequest_cancel(bt_request_t *req)
{
    bt_greq_t *g = req->state;

    return g->cancel_fn(g->extra_state, req->done);
}
