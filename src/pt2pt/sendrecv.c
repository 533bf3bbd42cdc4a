/* MPI_Isendrecv and MPI_Isendrecv_replace: a receive and a send started together
 * under one generic request, complete when both are. */
#include "pt2pt/bt_pt2pt_impl.h"

#include "util/bt_util.h"

typedef struct {
    bt_request_t *recv, *send;
} bt_sendrecv_t;

/* The outcome is the receive's (its status), or the send's error. */
static void bt_sendrecv_take(bt_request_t *req)
{
    bt_sendrecv_t *sr = req->state;

    req->st_source = sr->recv->st_source;
    req->st_tag = sr->recv->st_tag;
    req->st_bytes = sr->recv->st_bytes;
    req->st_cancelled = sr->recv->st_cancelled;
    req->st_error = sr->recv->st_error != MPI_SUCCESS ? sr->recv->st_error : sr->send->st_error;
}

static int bt_sendrecv_poll(bt_request_t *req)
{
    bt_sendrecv_t *sr = req->state;

    if (!sr->recv->done || !sr->send->done)
        return 0;
    bt_sendrecv_take(req);
    return 1;
}

static void bt_sendrecv_free(bt_request_t *req)
{
    bt_sendrecv_t *sr = req->state;

    bt_request_release(sr->recv);
    bt_request_release(sr->send);
    free(sr);
    req->state = NULL;
}

int bt_pt2pt_isendrecv(const void *sendbuf, MPI_Count sendcount, bt_datatype_t *sdt, int dest,
                       int sendtag, void *recvbuf, MPI_Count recvcount, bt_datatype_t *rdt,
                       int source, int recvtag, bt_comm_t *comm, int replace,
                       bt_request_t **req_p)
{
    bt_request_t *req = bt_request_new(BT_REQ_GENERIC);
    bt_sendrecv_t *sr = bt_malloc(sizeof(*sr));

    /* The receive's buffer, for the message of a truncation. */
    req->buf = recvbuf;
    req->count = recvcount;
    req->dt = rdt;
    bt_datatype_retain(rdt);
    req->comm = comm;
    bt_comm_retain(comm);
    req->state = sr;
    req->poll_fn = bt_sendrecv_poll;
    req->free_fn = bt_sendrecv_free;
    if (replace) {
        /* The outgoing bytes leave from a packed copy (freed when the request
         * completes), so the receive may land in the buffer at once. */
        req->tmp = bt_malloc((size_t)(sendcount * sdt->size) + 1);
        bt_datatype_pack(sdt, sendcount, sendbuf, req->tmp);
        sendbuf = req->tmp;
        sendcount *= sdt->size;
        sdt = bt_datatype_get(MPI_BYTE);
    }
    bt_pt2pt_irecv(recvbuf, recvcount, rdt, source, recvtag, comm, comm->ctx, &sr->recv);
    bt_pt2pt_isend(sendbuf, sendcount, sdt, dest, sendtag, comm, comm->ctx, BT_MODE_STANDARD,
                   &sr->send);
    if (bt_sendrecv_poll(req)) {
        free(req->tmp);
        req->tmp = NULL;
        req->done = 1;
    } else {
        bt_request_generic_start(req);
    }
    *req_p = req;
    return MPI_SUCCESS;
}
