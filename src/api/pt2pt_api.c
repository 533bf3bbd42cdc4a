/* Point-to-point entry points: sends, receives, probes, buffered-send buffers. */
#include "api/bt_api.h"
#include "util/bt_fhandle.h"
#include "pt2pt/bt_diag.h"
#include "pt2pt/bt_pt2pt.h"

#include <string.h>

/* How a send or receive entry point hands back its operation. */
enum { BT_CALL_BLOCKING, BT_CALL_NONBLOCKING, BT_CALL_PERSISTENT };

static int bt_send_common(const char *call, const void *buf, MPI_Count count, MPI_Datatype type,
                          int dest, int tag, MPI_Comm h, int mode, int how,
                          MPI_Request *request)
{
    bt_comm_t *comm;
    bt_datatype_t *dt;
    bt_request_t *req;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) ||
        (rc = bt_check_buffer(call, comm, buf, count, type, "", &dt)) ||
        (rc = bt_check_rank(call, comm, dest, "dest", 0)) ||
        (rc = bt_check_tag(call, comm, tag, 0)))
        return rc;
    bt_trace_args(comm, dest, count * dt->size);
    if (how != BT_CALL_BLOCKING && !request)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "request is NULL");
    if (how == BT_CALL_BLOCKING && (mode == BT_MODE_STANDARD || mode == BT_MODE_READY) &&
        bt_pt2pt_send_now(buf, count, dt, dest, tag, comm))
        return MPI_SUCCESS;
    if (how == BT_CALL_PERSISTENT) {
        bt_pt2pt_send_init(buf, count, dt, dest, tag, comm, mode, &req);
        *request = (MPI_Request)req;
        return MPI_SUCCESS;
    }
    rc = bt_pt2pt_isend(buf, count, dt, dest, tag, comm, comm->ctx, mode, &req);
    if (rc == MPI_ERR_BUFFER)
        return bt_err_comm(comm, rc, call, "the attached buffer (the communicator's, its "
                           "session's or the process's) has no room for %lld bytes plus "
                           "MPI_BSEND_OVERHEAD", (long long)(count * dt->size));
    if (how == BT_CALL_NONBLOCKING) {
        *request = (MPI_Request)req;
        return MPI_SUCCESS;
    }
    bt_diag_enter(call, comm, dest, tag, 1, count, dt);
    rc = bt_request_wait(req);
    bt_diag_leave();
    bt_request_release(req);
    return rc == MPI_SUCCESS ? rc : bt_err_comm(comm, rc, call, "the send failed");
}

/* Every send: blocking, nonblocking and persistent, each mode, in int and
 * large-count (_c) forms, over one body. */
#define BT_SEND_BLOCKING(Name, Count, mode)                                                 \
    int PMPI_##Name(const void *buf, Count count, MPI_Datatype datatype, int dest, int tag, \
                    MPI_Comm comm)                                                          \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_" #Name);                                                        \
        return bt_send_common("MPI_" #Name, buf, count, datatype, dest, tag, comm, mode,    \
                              BT_CALL_BLOCKING, NULL);                                      \
    }
#define BT_SEND_REQUEST(Name, Count, mode, how)                                             \
    int PMPI_##Name(const void *buf, Count count, MPI_Datatype datatype, int dest, int tag, \
                    MPI_Comm comm, MPI_Request *request)                                    \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_" #Name);                                                        \
        return bt_send_common("MPI_" #Name, buf, count, datatype, dest, tag, comm, mode,    \
                              how, request);                                                \
    }
#define BT_SEND_FAMILY(Name, IName, InitName, mode)                                         \
    BT_SEND_BLOCKING(Name, int, mode)                                                       \
    BT_SEND_BLOCKING(Name##_c, MPI_Count, mode)                                             \
    BT_SEND_REQUEST(IName, int, mode, BT_CALL_NONBLOCKING)                                  \
    BT_SEND_REQUEST(IName##_c, MPI_Count, mode, BT_CALL_NONBLOCKING)                        \
    BT_SEND_REQUEST(InitName, int, mode, BT_CALL_PERSISTENT)                                \
    BT_SEND_REQUEST(InitName##_c, MPI_Count, mode, BT_CALL_PERSISTENT)

BT_SEND_FAMILY(Send, Isend, Send_init, BT_MODE_STANDARD)
BT_SEND_FAMILY(Ssend, Issend, Ssend_init, BT_MODE_SYNC)
BT_SEND_FAMILY(Rsend, Irsend, Rsend_init, BT_MODE_READY)
BT_SEND_FAMILY(Bsend, Ibsend, Bsend_init, BT_MODE_BUFFERED)
#undef BT_SEND_FAMILY
#undef BT_SEND_REQUEST
#undef BT_SEND_BLOCKING

static int bt_recv_check(const char *call, void *buf, MPI_Count count, MPI_Datatype type, int source,
                         int tag, MPI_Comm h, bt_comm_t **comm_p, bt_datatype_t **dt_p)
{
    int rc;
    if ((rc = bt_check_comm(call, h, comm_p)) ||
        (rc = bt_check_buffer(call, *comm_p, buf, count, type, "", dt_p)) ||
        (rc = bt_check_rank(call, *comm_p, source, "source", 1)) ||
        (rc = bt_check_tag(call, *comm_p, tag, 1)))
        return rc;
    bt_trace_args(*comm_p, source, count * (*dt_p)->size);
    return MPI_SUCCESS;
}

static int bt_recv(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                   int source, int tag, MPI_Comm h, MPI_Status *status)
{
    bt_comm_t *comm;
    bt_datatype_t *dt;
    bt_request_t *req;
    int rc;

    if ((rc = bt_recv_check(call, buf, count, datatype, source, tag, h, &comm, &dt)))
        return rc;
    if (bt_pt2pt_recv_now(buf, count, dt, source, tag, comm, status))
        return MPI_SUCCESS;
    bt_pt2pt_irecv(buf, count, dt, source, tag, comm, comm->ctx, &req);
    bt_diag_enter(call, comm, source, tag, 0, count, dt);
    rc = bt_request_wait(req);
    bt_diag_leave();
    bt_request_fill_status(req, status);
    if (rc != MPI_SUCCESS)
        rc = bt_err_request(call, req, rc);
    bt_request_release(req);
    return rc;
}

int PMPI_Recv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm h,
              MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Recv");
    return bt_recv("MPI_Recv", buf, count, datatype, source, tag, h, status);
}

int PMPI_Recv_c(void *buf, MPI_Count count, MPI_Datatype datatype, int source, int tag,
                MPI_Comm h, MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Recv_c");
    return bt_recv("MPI_Recv_c", buf, count, datatype, source, tag, h, status);
}

/* MPI_Irecv and MPI_Recv_init. */
static int bt_recv_post(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype, int source,
                        int tag, MPI_Comm h, int how, MPI_Request *request)
{
    bt_comm_t *comm;
    bt_datatype_t *dt;
    bt_request_t *req;
    int rc;

    if ((rc = bt_recv_check(call, buf, count, datatype, source, tag, h, &comm, &dt)))
        return rc;
    if (!request)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "request is NULL");
    if (how == BT_CALL_PERSISTENT)
        bt_pt2pt_recv_init(buf, count, dt, source, tag, comm, &req);
    else
        bt_pt2pt_irecv(buf, count, dt, source, tag, comm, comm->ctx, &req);
    *request = (MPI_Request)req;
    return MPI_SUCCESS;
}

#define BT_RECV_POST(Name, Count, how)                                                      \
    int PMPI_##Name(void *buf, Count count, MPI_Datatype datatype, int source, int tag,     \
                    MPI_Comm h, MPI_Request *request)                                       \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_" #Name);                                                        \
        return bt_recv_post("MPI_" #Name, buf, count, datatype, source, tag, h, how,        \
                            request);                                                       \
    }
BT_RECV_POST(Irecv, int, BT_CALL_NONBLOCKING)
BT_RECV_POST(Irecv_c, MPI_Count, BT_CALL_NONBLOCKING)
BT_RECV_POST(Recv_init, int, BT_CALL_PERSISTENT)
BT_RECV_POST(Recv_init_c, MPI_Count, BT_CALL_PERSISTENT)
#undef BT_RECV_POST

/* The checks of MPI_Sendrecv and MPI_Isendrecv; of their _replace forms without
 * rdt_p (the one buffer checked as the send buffer, named swhat). */
static int bt_sendrecv_check(const char *call, const void *sendbuf, MPI_Count sendcount,
                             MPI_Datatype sendtype, const char *swhat, int dest, int sendtag,
                             void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                             int source, int recvtag, MPI_Comm h, bt_comm_t **comm_p,
                             bt_datatype_t **sdt_p, bt_datatype_t **rdt_p)
{
    int rc;

    if ((rc = bt_check_comm(call, h, comm_p)) ||
        (rc = bt_check_buffer(call, *comm_p, sendbuf, sendcount, sendtype, swhat, sdt_p)) ||
        (rc = bt_check_rank(call, *comm_p, dest, "dest", 0)) ||
        (rc = bt_check_tag(call, *comm_p, sendtag, 0)) ||
        (rdt_p && (rc = bt_check_buffer(call, *comm_p, recvbuf, recvcount, recvtype, "receive ",
                                        rdt_p))) ||
        (rc = bt_check_rank(call, *comm_p, source, "source", 1)) ||
        (rc = bt_check_tag(call, *comm_p, recvtag, 1)))
        return rc;
    bt_trace_args(*comm_p, dest, sendcount * (*sdt_p)->size);
    return MPI_SUCCESS;
}

static int bt_sendrecv(const char *call, const void *sendbuf, MPI_Count sendcount,
                       MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf,
                       MPI_Count recvcount, MPI_Datatype recvtype, int source, int recvtag,
                       MPI_Comm h, MPI_Status *status)
{
    bt_comm_t *comm;
    bt_datatype_t *sdt, *rdt;
    bt_request_t *reqs[2];
    int rc;

    if ((rc = bt_sendrecv_check(call, sendbuf, sendcount, sendtype, "send", dest, sendtag,
                                recvbuf, recvcount, recvtype, source, recvtag, h, &comm, &sdt,
                                &rdt)))
        return rc;
    bt_pt2pt_irecv(recvbuf, recvcount, rdt, source, recvtag, comm, comm->ctx, &reqs[0]);
    bt_pt2pt_isend(sendbuf, sendcount, sdt, dest, sendtag, comm, comm->ctx, BT_MODE_STANDARD,
                   &reqs[1]);
    bt_diag_enter(call, comm, source, recvtag, 0, recvcount, rdt);
    bt_request_waitall(2, reqs);
    bt_diag_leave();
    bt_request_fill_status(reqs[0], status);
    rc = reqs[0]->st_error;
    if (rc != MPI_SUCCESS)
        rc = bt_err_request(call, reqs[0], rc);
    bt_request_release(reqs[0]);
    bt_request_release(reqs[1]);
    return rc;
}

static int bt_sendrecv_replace(const char *call, void *buf, MPI_Count count,
                               MPI_Datatype datatype, int dest, int sendtag, int source,
                               int recvtag, MPI_Comm h, MPI_Status *status)
{
    bt_comm_t *comm;
    bt_datatype_t *dt, *byte_dt = bt_datatype_get(MPI_BYTE);
    bt_request_t *reqs[2];
    char *copy;
    int rc;

    if ((rc = bt_sendrecv_check(call, buf, count, datatype, "", dest, sendtag, NULL, 0,
                                MPI_DATATYPE_NULL, source, recvtag, h, &comm, &dt, NULL)))
        return rc;
    /* The outgoing bytes leave from a packed copy so the receive may land in buf. */
    copy = bt_malloc((size_t)(count * dt->size));
    bt_datatype_pack(dt, count, buf, copy);
    bt_pt2pt_irecv(buf, count, dt, source, recvtag, comm, comm->ctx, &reqs[0]);
    bt_pt2pt_isend(copy, count * dt->size, byte_dt, dest, sendtag, comm, comm->ctx,
                   BT_MODE_STANDARD, &reqs[1]);
    bt_diag_enter(call, comm, source, recvtag, 0, count, dt);
    bt_request_waitall(2, reqs);
    bt_diag_leave();
    free(copy);
    bt_request_fill_status(reqs[0], status);
    rc = reqs[0]->st_error;
    if (rc != MPI_SUCCESS)
        rc = bt_err_request(call, reqs[0], rc);
    bt_request_release(reqs[0]);
    bt_request_release(reqs[1]);
    return rc;
}

static int bt_isendrecv(const char *call, const void *sendbuf, MPI_Count sendcount,
                        MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf,
                        MPI_Count recvcount, MPI_Datatype recvtype, int source, int recvtag,
                        MPI_Comm h, MPI_Request *request)
{
    bt_comm_t *comm;
    bt_datatype_t *sdt, *rdt;
    bt_request_t *req;
    int rc;

    if ((rc = bt_sendrecv_check(call, sendbuf, sendcount, sendtype, "send", dest, sendtag,
                                recvbuf, recvcount, recvtype, source, recvtag, h, &comm, &sdt,
                                &rdt)))
        return rc;
    if (!request)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "request is NULL");
    bt_pt2pt_isendrecv(sendbuf, sendcount, sdt, dest, sendtag, recvbuf, recvcount, rdt, source,
                       recvtag, comm, 0, &req);
    *request = (MPI_Request)req;
    return MPI_SUCCESS;
}

static int bt_isendrecv_replace(const char *call, void *buf, MPI_Count count,
                                MPI_Datatype datatype, int dest, int sendtag, int source,
                                int recvtag, MPI_Comm h, MPI_Request *request)
{
    bt_comm_t *comm;
    bt_datatype_t *dt;
    bt_request_t *req;
    int rc;

    if ((rc = bt_sendrecv_check(call, buf, count, datatype, "", dest, sendtag, NULL, 0,
                                MPI_DATATYPE_NULL, source, recvtag, h, &comm, &dt, NULL)))
        return rc;
    if (!request)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "request is NULL");
    bt_pt2pt_isendrecv(buf, count, dt, dest, sendtag, buf, count, dt, source, recvtag, comm, 1,
                       &req);
    *request = (MPI_Request)req;
    return MPI_SUCCESS;
}

/* ---- probes ----------------------------------------------------------------------- */

typedef struct {
    int source, tag, remove, flag;
    bt_comm_t *comm;
    MPI_Status *status;
    void *msg;
} bt_probe_t;

static int bt_probe_found(void *arg)
{
    bt_probe_t *p = arg;
    bt_pt2pt_iprobe(p->source, p->tag, p->comm, p->comm->ctx, p->remove, &p->flag, p->status,
                    &p->msg);
    return p->flag;
}

static int bt_probe_common(const char *call, int source, int tag, MPI_Comm h, int blocking,
                           int *flag, MPI_Message *message, MPI_Status *status)
{
    bt_probe_t p = { .source = source, .tag = tag, .remove = message != NULL, .status = status };
    int rc;

    if ((rc = bt_check_comm(call, h, &p.comm)) ||
        (rc = bt_check_rank(call, p.comm, source, "source", 1)) ||
        (rc = bt_check_tag(call, p.comm, tag, 1)))
        return rc;
    if (!blocking && !flag)
        return bt_err_comm(p.comm, MPI_ERR_ARG, call, "flag is NULL");
    if (blocking) {
        bt_diag_enter(call, p.comm, source, tag, 0, 0, NULL);
        bt_progress_until(bt_probe_found, &p);
        bt_diag_leave();
    } else
        bt_probe_found(&p);
    if (flag)
        *flag = p.flag;
    if (message && p.flag)
        *message = p.msg ? (MPI_Message)p.msg : MPI_MESSAGE_NO_PROC;
    else if (message)
        *message = MPI_MESSAGE_NULL;
    return MPI_SUCCESS;
}

int PMPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Probe");
    return bt_probe_common("MPI_Probe", source, tag, comm, 1, NULL, NULL, status);
}

int PMPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Iprobe");
    return bt_probe_common("MPI_Iprobe", source, tag, comm, 0, flag, NULL, status);
}

int PMPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message *message, MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Mprobe");
    if (!message)
        return bt_err_comm(bt_comm_get(comm), MPI_ERR_ARG, "MPI_Mprobe", "message is NULL");
    return bt_probe_common("MPI_Mprobe", source, tag, comm, 1, NULL, message, status);
}

int PMPI_Improbe(int source, int tag, MPI_Comm comm, int *flag, MPI_Message *message,
                 MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Improbe");
    if (!message)
        return bt_err_comm(bt_comm_get(comm), MPI_ERR_ARG, "MPI_Improbe", "message is NULL");
    return bt_probe_common("MPI_Improbe", source, tag, comm, 0, flag, message, status);
}

static int bt_mrecv_common(const char *call, void *buf, MPI_Count count, MPI_Datatype type,
                           MPI_Message *message, bt_request_t **req_p)
{
    bt_datatype_t *dt;
    int rc;

    if (!message || *message == MPI_MESSAGE_NULL)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, call, "message is %s",
                           message ? "MPI_MESSAGE_NULL" : "NULL");
    if ((rc = bt_check_buffer(call, NULL, buf, count, type, "", &dt)))
        return rc;
    bt_pt2pt_imrecv(buf, count, dt, *message == MPI_MESSAGE_NO_PROC ? NULL : (void *)*message,
                    req_p);
    bt_fh_forget(BT_FH_MESSAGE, *message);
    *message = MPI_MESSAGE_NULL;
    return MPI_SUCCESS;
}

static int bt_mrecv(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                    MPI_Message *message, MPI_Status *status)
{
    bt_request_t *req;
    int rc;

    if ((rc = bt_mrecv_common(call, buf, count, datatype, message, &req)))
        return rc;
    bt_diag_enter(call, req->comm, req->peer, req->tag, 0, count, req->dt);
    rc = bt_request_wait(req);
    bt_diag_leave();
    bt_request_fill_status(req, status);
    if (rc != MPI_SUCCESS)
        rc = bt_err_request(call, req, rc);
    bt_request_release(req);
    return rc;
}

static int bt_imrecv(const char *call, void *buf, MPI_Count count, MPI_Datatype datatype,
                     MPI_Message *message, MPI_Request *request)
{
    bt_request_t *req;
    int rc;

    if (!request)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "request is NULL");
    if ((rc = bt_mrecv_common(call, buf, count, datatype, message, &req)))
        return rc;
    *request = (MPI_Request)req;
    return MPI_SUCCESS;
}

#define BT_MRECV(Name, Count, impl, Out)                                                    \
    int PMPI_##Name(void *buf, Count count, MPI_Datatype datatype, MPI_Message *message,    \
                    Out out)                                                                \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_" #Name);                                                        \
        return impl("MPI_" #Name, buf, count, datatype, message, out);                      \
    }
BT_MRECV(Mrecv, int, bt_mrecv, MPI_Status *)
BT_MRECV(Mrecv_c, MPI_Count, bt_mrecv, MPI_Status *)
BT_MRECV(Imrecv, int, bt_imrecv, MPI_Request *)
BT_MRECV(Imrecv_c, MPI_Count, bt_imrecv, MPI_Request *)
#undef BT_MRECV

/* MPI_Sendrecv, MPI_Isendrecv and their _replace and _c forms, generated from the
 * standard: each is one call to its bt_ implementation above. */
#include "api/pt2pt_api_fwd.h"
