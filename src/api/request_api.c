/* Completion entry points: wait, test and their many-request forms, persistent
 * starts, cancel, and the status accessors. */
#include "api/bt_api.h"
#include "pt2pt/bt_diag.h"
#include "pt2pt/bt_pt2pt.h"

#include <limits.h>
#include <string.h>

int bt_err_request(const char *call, const bt_request_t *req, int rc)
{
    if (req->raise_fn)
        return req->raise_fn((bt_request_t *)req, call, rc);
    if (rc == MPI_ERR_TRUNCATE)
        return bt_err_comm(req->comm, rc, call, "message truncated: the receive buffer holds "
                           "%lld bytes, the message from rank %d (tag %d) is larger",
                           (long long)(req->count * (req->dt ? req->dt->size : 0)),
                           req->st_source, req->st_tag);
    return bt_err_comm(req->comm, rc, call, "the operation failed");
}

bt_request_t *bt_req_get(MPI_Request h)
{
    bt_request_t *r;
    if (h == MPI_REQUEST_NULL || BT_HANDLE_IS_PREDEFINED(h))
        return NULL;
    r = (bt_request_t *)h;
    return r->magic == BT_REQUEST_MAGIC ? r : NULL;
}

/* The status of a null or inactive request, the standard's empty status: any
 * source, any tag, no data, MPI_SUCCESS. */
static void bt_status_empty(MPI_Status *st)
{
    bt_status_set(st, MPI_ANY_SOURCE, MPI_ANY_TAG, 0, 0);
    if (st)
        st->MPI_ERROR = MPI_SUCCESS;
}

/* A null handle or an inactive persistent request takes part in no completion. */
static int bt_req_active(const bt_request_t *r);

/* The hang report's record of a wait: the operation of the one request waited
 * for, when it is a send or a receive; else how many requests. */
static void bt_req_diag_enter(const char *call, int count, const MPI_Request reqs[])
{
    const bt_request_t *one = NULL;
    int nactive = 0;

    for (int i = 0; i < count; i++) {
        const bt_request_t *r = bt_req_get(reqs[i]);
        if (r && bt_req_active(r)) {
            one = r;
            nactive++;
        }
    }
    if (nactive == 1 && (one->kind == BT_REQ_SEND || one->kind == BT_REQ_RECV)) {
        bt_diag_enter(call, one->comm, one->peer, one->tag, one->kind == BT_REQ_SEND,
                      one->count, one->dt);
        return;
    }
    bt_diag_enter(call, nactive == 1 ? one->comm : NULL, BT_DIAG_NONE, BT_DIAG_NONE, 0, 0, NULL);
    bt_diag_cur.nreqs = nactive;
}

static int bt_req_active(const bt_request_t *r)
{
    return r && (!r->persistent || r->active);
}

/* Hands a completed request's outcome to the caller and frees it, or makes a
 * persistent one inactive. Returns the operation's error; for a generalized
 * request, whose query function fills the status and whose free function runs
 * here (the handle is its last hold once complete), the code of the free function,
 * or else of the query function. */
static int bt_req_finish(MPI_Request *h, bt_request_t *r, MPI_Status *st)
{
    int err = r->st_error;

    if (r->kind == BT_REQ_GREQUEST) {
        int qrc = bt_grequest_query(r, st), frc = bt_grequest_release(r);
        *h = MPI_REQUEST_NULL;
        return frc != MPI_SUCCESS ? frc : qrc;
    }
    bt_request_fill_status(r, st);
    if (r->persistent)
        r->active = 0;
    else {
        bt_request_release(r);
        *h = MPI_REQUEST_NULL;
    }
    return err;
}

/* The completion of one request by `call`: its outcome raised, then finished. */
static int bt_req_complete_one(const char *call, MPI_Request *h, bt_request_t *r,
                               MPI_Status *st)
{
    int rc = MPI_SUCCESS;

    if (r->kind == BT_REQ_GREQUEST) {
        /* The callbacks' codes are the program's: raised as they are. */
        rc = bt_req_finish(h, r, st);
        return rc != MPI_SUCCESS ? bt_err_comm_code(NULL, rc, call) : MPI_SUCCESS;
    }
    if (r->st_error != MPI_SUCCESS)
        rc = bt_err_request(call, r, r->st_error);
    bt_req_finish(h, r, st);
    return rc;
}

/* A completed request's status, which stays as it is (MPI_Request_get_status_*):
 * its error, or the code of a generalized request's query function. */
static int bt_req_peek(bt_request_t *r, MPI_Status *st)
{
    if (r->kind == BT_REQ_GREQUEST)
        return bt_grequest_query(r, st);
    bt_request_fill_status(r, st);
    return r->st_error;
}

static int bt_req_check_array(const char *call, int count, MPI_Request reqs[])
{
    if (count < 0)
        return bt_err_comm(NULL, MPI_ERR_COUNT, call, "count is %d, must be non-negative", count);
    if (count > 0 && !reqs)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_requests is NULL");
    for (int i = 0; i < count; i++)
        if (reqs[i] != MPI_REQUEST_NULL && !bt_req_get(reqs[i]))
            return bt_err_comm(NULL, MPI_ERR_REQUEST, call,
                               "array_of_requests[%d] is not a valid request", i);
    return MPI_SUCCESS;
}

int PMPI_Wait(MPI_Request *request, MPI_Status *status)
{
    bt_request_t *r;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Wait");
    if (!request)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Wait", "request is NULL");
    r = bt_req_get(*request);
    if (!r && *request != MPI_REQUEST_NULL)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, "MPI_Wait", "invalid request");
    if (!bt_req_active(r)) {
        bt_status_empty(status);
        return MPI_SUCCESS;
    }
    bt_req_diag_enter("MPI_Wait", 1, request);
    bt_request_wait(r);
    bt_diag_leave();
    return bt_req_complete_one("MPI_Wait", request, r, status);
}

int PMPI_Test(MPI_Request *request, int *flag, MPI_Status *status)
{
    bt_request_t *r;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Test");
    if (!request || !flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Test", "%s is NULL",
                           request ? "flag" : "request");
    r = bt_req_get(*request);
    if (!r && *request != MPI_REQUEST_NULL)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, "MPI_Test", "invalid request");
    if (!bt_req_active(r)) {
        *flag = 1;
        bt_status_empty(status);
        return MPI_SUCCESS;
    }
    if (!r->done)
        bt_progress_test();
    *flag = r->done;
    if (!r->done)
        return MPI_SUCCESS;
    return bt_req_complete_one("MPI_Test", request, r, status);
}

/* Completes every done request of the array into statuses (keep: only reads their
 * statuses, as MPI_Request_get_status_all/some); the multi-request calls report
 * failures as MPI_ERR_IN_STATUS with each status's MPI_ERROR set. */
static int bt_req_finish_many(const char *call, int count, MPI_Request reqs[],
                              MPI_Status statuses[], int only_done, int *outcount,
                              int indices[], int keep)
{
    int failed = 0, n = 0;
    bt_comm_t *fail_comm = NULL, *rcomm;

    for (int i = 0; i < count; i++) {
        bt_request_t *r = bt_req_get(reqs[i]);
        MPI_Status *st = statuses ? &statuses[indices ? n : i] : NULL;
        int err;

        if (!bt_req_active(r)) {
            if (!indices)
                bt_status_empty(st);
            if (st && !indices)
                st->MPI_ERROR = MPI_SUCCESS;
            continue;
        }
        if (only_done && !r->done) {
            if (st && !indices)
                st->MPI_ERROR = MPI_ERR_PENDING;
            continue;
        }
        /* The communicator of the first failure, held past the request's end (a
         * generalized request has none: MPI_COMM_SELF's handler then). */
        rcomm = failed ? NULL : r->comm;
        if (rcomm)
            bt_comm_retain(rcomm);
        err = keep ? bt_req_peek(r, st) : bt_req_finish(&reqs[i], r, st);
        if (err != MPI_SUCCESS && !failed) {
            failed = 1;
            fail_comm = rcomm;
        } else if (rcomm) {
            bt_comm_release(rcomm);
        }
        if (st)
            st->MPI_ERROR = err;
        if (indices)
            indices[n] = i;
        n++;
    }
    if (outcount)
        *outcount = n;
    if (failed) {
        int rc = bt_err_comm(fail_comm, MPI_ERR_IN_STATUS, call,
                             "at least one request failed: see the MPI_ERROR field of the "
                             "statuses");
        if (fail_comm)
            bt_comm_release(fail_comm);
        return rc;
    }
    return MPI_SUCCESS;
}

typedef struct {
    int count, need_all;
    MPI_Request *reqs;
} bt_waitset_t;

static int bt_waitset_ready(void *arg)
{
    bt_waitset_t *w = arg;
    int active = 0, done = 0;

    for (int i = 0; i < w->count; i++) {
        bt_request_t *r = bt_req_get(w->reqs[i]);
        if (!bt_req_active(r))
            continue;
        active++;
        if (r->done) {
            if (!w->need_all)
                return 1;
            done++;
        }
    }
    return w->need_all ? done == active : active == 0;
}

int PMPI_Waitall(int count, MPI_Request array_of_requests[], MPI_Status *array_of_statuses)
{
    bt_waitset_t w = { count, 1, array_of_requests };
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Waitall");
    if ((rc = bt_req_check_array("MPI_Waitall", count, array_of_requests)))
        return rc;
    bt_req_diag_enter("MPI_Waitall", count, array_of_requests);
    bt_progress_until(bt_waitset_ready, &w);
    bt_diag_leave();
    return bt_req_finish_many("MPI_Waitall", count, array_of_requests, array_of_statuses, 0,
                              NULL, NULL, 0);
}

int PMPI_Testall(int count, MPI_Request array_of_requests[], int *flag,
                 MPI_Status *array_of_statuses)
{
    bt_waitset_t w = { count, 1, array_of_requests };
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Testall");
    if ((rc = bt_req_check_array("MPI_Testall", count, array_of_requests)))
        return rc;
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Testall", "flag is NULL");
    bt_progress_test();
    *flag = bt_waitset_ready(&w);
    if (!*flag)
        return MPI_SUCCESS;
    return bt_req_finish_many("MPI_Testall", count, array_of_requests, array_of_statuses, 0,
                              NULL, NULL, 0);
}

static int bt_any_index(int count, MPI_Request reqs[], int *nactive)
{
    *nactive = 0;
    for (int i = 0; i < count; i++) {
        bt_request_t *r = bt_req_get(reqs[i]);
        if (!bt_req_active(r))
            continue;
        (*nactive)++;
        if (r->done)
            return i;
    }
    return -1;
}

static int bt_anyset_ready(void *arg)
{
    bt_waitset_t *w = arg;
    int nactive;
    return bt_any_index(w->count, w->reqs, &nactive) >= 0 || nactive == 0;
}

static int bt_any_common(const char *call, int count, MPI_Request reqs[], int *index,
                         int *flag, MPI_Status *status, int keep)
{
    bt_waitset_t w = { count, 0, reqs };
    int nactive, i, rc;

    if ((rc = bt_req_check_array(call, count, reqs)))
        return rc;
    if (!index)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "index is NULL");
    if (flag) {
        bt_progress_test();
    } else {
        bt_req_diag_enter(call, count, reqs);
        bt_progress_until(bt_anyset_ready, &w);
        bt_diag_leave();
    }
    i = bt_any_index(count, reqs, &nactive);
    if (flag)
        *flag = i >= 0 || nactive == 0;
    if (i < 0) {
        *index = MPI_UNDEFINED;
        if (nactive == 0)
            bt_status_empty(status);
        return MPI_SUCCESS;
    }
    *index = i;
    if (keep) {
        bt_request_t *r = bt_req_get(reqs[i]);
        rc = bt_req_peek(r, status);
        if (rc == MPI_SUCCESS)
            return rc;
        return r->kind == BT_REQ_GREQUEST ? bt_err_comm_code(NULL, rc, call)
                                          : bt_err_request(call, r, rc);
    }
    return bt_req_complete_one(call, &reqs[i], bt_req_get(reqs[i]), status);
}

int PMPI_Waitany(int count, MPI_Request array_of_requests[], int *index, MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Waitany");
    return bt_any_common("MPI_Waitany", count, array_of_requests, index, NULL, status, 0);
}

int PMPI_Testany(int count, MPI_Request array_of_requests[], int *index, int *flag,
                 MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Testany");
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Testany", "flag is NULL");
    return bt_any_common("MPI_Testany", count, array_of_requests, index, flag, status, 0);
}

static int bt_some_common(const char *call, int count, MPI_Request reqs[], int *outcount,
                          int indices[], MPI_Status *statuses, int blocking, int keep)
{
    bt_waitset_t w = { count, 0, reqs };
    int nactive, rc;

    if ((rc = bt_req_check_array(call, count, reqs)))
        return rc;
    if (!outcount || (count > 0 && !indices))
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "%s is NULL",
                           outcount ? "array_of_indices" : "outcount");
    if (blocking) {
        bt_req_diag_enter(call, count, reqs);
        bt_progress_until(bt_anyset_ready, &w);
        bt_diag_leave();
    } else {
        bt_progress_test();
    }
    if (bt_any_index(count, reqs, &nactive) < 0 && nactive == 0) {
        *outcount = MPI_UNDEFINED;
        return MPI_SUCCESS;
    }
    return bt_req_finish_many(call, count, reqs, statuses, 1, outcount, indices, keep);
}

int PMPI_Waitsome(int incount, MPI_Request array_of_requests[], int *outcount,
                  int array_of_indices[], MPI_Status *array_of_statuses)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Waitsome");
    return bt_some_common("MPI_Waitsome", incount, array_of_requests, outcount,
                          array_of_indices, array_of_statuses, 1, 0);
}

int PMPI_Testsome(int incount, MPI_Request array_of_requests[], int *outcount,
                  int array_of_indices[], MPI_Status array_of_statuses[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Testsome");
    return bt_some_common("MPI_Testsome", incount, array_of_requests, outcount,
                          array_of_indices, array_of_statuses, 0, 0);
}

int PMPI_Request_get_status(MPI_Request request, int *flag, MPI_Status *status)
{
    bt_request_t *r;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Request_get_status");
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Request_get_status", "flag is NULL");
    r = bt_req_get(request);
    if (!r && request != MPI_REQUEST_NULL)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, "MPI_Request_get_status", "invalid request");
    if (!bt_req_active(r)) {
        *flag = 1;
        bt_status_empty(status);
        return MPI_SUCCESS;
    }
    if (!r->done)
        bt_progress_test();
    *flag = r->done;
    if (r->done && r->kind == BT_REQ_GREQUEST) {
        int rc = bt_grequest_query(r, status);
        return rc != MPI_SUCCESS ? bt_err_comm_code(NULL, rc, "MPI_Request_get_status") : rc;
    }
    if (r->done)
        bt_request_fill_status(r, status);
    return MPI_SUCCESS;
}

/* MPI 4.1: Testany, Testall and Testsome that neither free nor deactivate. */
int PMPI_Request_get_status_any(int count, const MPI_Request array_of_requests[], int *index,
                                int *flag, MPI_Status *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Request_get_status_any");
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Request_get_status_any", "flag is NULL");
    /* The handles are only read (keep): the const goes for the shared helpers. */
    return bt_any_common("MPI_Request_get_status_any", count, (MPI_Request *)array_of_requests,
                         index, flag, status, 1);
}

int PMPI_Request_get_status_all(int count, const MPI_Request array_of_requests[], int *flag,
                                MPI_Status array_of_statuses[])
{
    static const char call[] = "MPI_Request_get_status_all";
    MPI_Request *reqs = (MPI_Request *)array_of_requests;   /* only read, see above */
    bt_waitset_t w = { count, 1, reqs };
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_req_check_array(call, count, reqs)))
        return rc;
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "flag is NULL");
    bt_progress_test();
    *flag = bt_waitset_ready(&w);
    if (!*flag)
        return MPI_SUCCESS;
    return bt_req_finish_many(call, count, reqs, array_of_statuses, 0, NULL, NULL, 1);
}

int PMPI_Request_get_status_some(int incount, const MPI_Request array_of_requests[],
                                 int *outcount, int array_of_indices[],
                                 MPI_Status array_of_statuses[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Request_get_status_some");
    return bt_some_common("MPI_Request_get_status_some", incount,
                          (MPI_Request *)array_of_requests, outcount, array_of_indices,
                          array_of_statuses, 0, 1);
}

int PMPI_Request_free(MPI_Request *request)
{
    bt_request_t *r;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Request_free");
    if (!request)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Request_free", "request is NULL");
    r = bt_req_get(*request);
    if (!r)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, "MPI_Request_free", "invalid request%s",
                           *request == MPI_REQUEST_NULL ? " (MPI_REQUEST_NULL)" : "");
    /* MPI 4.1 §6.13: only an inactive persistent collective request may be freed
     * (its schedule is the request's). */
    if (r->kind == BT_REQ_GENERIC && r->persistent && r->active)
        return bt_err_comm(r->comm, MPI_ERR_REQUEST, "MPI_Request_free",
                           "the persistent request is active (complete it with a "
                           "wait or test first)");
    if (r->kind == BT_REQ_GREQUEST) {
        /* The free function runs now if MPI_Grequest_complete came first. */
        int rc = bt_grequest_release(r);
        *request = MPI_REQUEST_NULL;
        return rc != MPI_SUCCESS ? bt_err_comm_code(NULL, rc, "MPI_Request_free") : rc;
    }
    /* An operation in flight keeps its own hold and goes on to completion. */
    r->user_freed = 1;
    bt_request_release(r);
    *request = MPI_REQUEST_NULL;
    return MPI_SUCCESS;
}

int PMPI_Cancel(MPI_Request *request)
{
    bt_request_t *r;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cancel");
    if (!request)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Cancel", "request is NULL");
    r = bt_req_get(*request);
    if (!r)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, "MPI_Cancel", "invalid request");
    if (r->kind == BT_REQ_GREQUEST) {
        int rc = bt_grequest_cancel(r);
        return rc != MPI_SUCCESS ? bt_err_comm_code(NULL, rc, "MPI_Cancel") : rc;
    }
    if (bt_req_active(r))
        bt_pt2pt_cancel(r);
    return MPI_SUCCESS;
}

int PMPI_Test_cancelled(const MPI_Status *status, int *flag)
{
    BT_CHECK_INIT("MPI_Test_cancelled");
    if (!status || !flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Test_cancelled", "%s is NULL",
                           status ? "flag" : "status");
    *flag = status->MPI_internal[2] != 0;
    return MPI_SUCCESS;
}

int PMPI_Status_set_cancelled(MPI_Status *status, int flag)
{
    BT_CHECK_INIT("MPI_Status_set_cancelled");
    if (!status)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Status_set_cancelled", "status is NULL");
    status->MPI_internal[2] = flag != 0;
    return MPI_SUCCESS;
}

static int bt_start_one(const char *call, MPI_Request *request, int index)
{
    bt_request_t *r = request ? bt_req_get(*request) : NULL;
    if (!r || !r->persistent)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, call, "request%s is not a persistent request",
                           index >= 0 ? " of the array" : "");
    if (r->active)
        return bt_err_comm(r->comm, MPI_ERR_REQUEST, call,
                           "request is already active (complete it with a wait or test first)");
    return bt_pt2pt_start(r) == MPI_SUCCESS
               ? MPI_SUCCESS
               : bt_err_comm(r->comm, MPI_ERR_BUFFER, call,
                             "the buffer of MPI_Buffer_attach has no room for this message");
}

int PMPI_Start(MPI_Request *request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Start");
    return bt_start_one("MPI_Start", request, -1);
}

int PMPI_Startall(int count, MPI_Request array_of_requests[])
{
    int rc;
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Startall");
    if ((rc = bt_req_check_array("MPI_Startall", count, array_of_requests)))
        return rc;
    for (int i = 0; i < count; i++)
        if ((rc = bt_start_one("MPI_Startall", &array_of_requests[i], i)))
            return rc;
    return MPI_SUCCESS;
}

/* ---- status accessors -------------------------------------------------------------- */

static MPI_Count bt_status_bytes(const MPI_Status *st)
{
    return (MPI_Count)((uint64_t)(uint32_t)st->MPI_internal[0] |
                       ((uint64_t)(uint32_t)st->MPI_internal[1] << 32));
}

static void bt_status_set_bytes(MPI_Status *st, MPI_Count bytes)
{
    st->MPI_internal[0] = (int)(uint32_t)((uint64_t)bytes & 0xffffffffu);
    st->MPI_internal[1] = (int)(uint32_t)((uint64_t)bytes >> 32);
}

static int bt_status_dt(const char *call, const MPI_Status *st, MPI_Datatype type,
                        bt_datatype_t **dt_p)
{
    if (!st)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "status is NULL (MPI_STATUS_IGNORE?)");
    *dt_p = bt_datatype_get(type);
    if (!*dt_p)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "invalid datatype");
    return MPI_SUCCESS;
}

/* limit: the largest count the call's type holds; more is MPI_UNDEFINED. */
static int bt_get_count(const char *call, const MPI_Status *status, MPI_Datatype datatype,
                        MPI_Count limit, MPI_Count *count)
{
    bt_datatype_t *dt;
    MPI_Count bytes;
    int rc;

    if ((rc = bt_status_dt(call, status, datatype, &dt)))
        return rc;
    if (!count)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "count is NULL");
    bytes = bt_status_bytes(status);
    if (dt->size == 0)
        *count = 0;
    else if (bytes % dt->size || bytes / dt->size > limit)
        *count = MPI_UNDEFINED;
    else
        *count = bytes / dt->size;
    return MPI_SUCCESS;
}

int PMPI_Get_count(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    MPI_Count n = 0;
    int rc;

    BT_CHECK_INIT("MPI_Get_count");
    rc = bt_get_count("MPI_Get_count", status, datatype, INT_MAX, count ? &n : NULL);
    if (rc == MPI_SUCCESS)
        *count = (int)n;
    return rc;
}

int PMPI_Get_count_c(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    BT_CHECK_INIT("MPI_Get_count_c");
    return bt_get_count("MPI_Get_count_c", status, datatype, INT64_MAX, count);
}

static int bt_get_elements(const char *call, const MPI_Status *status, MPI_Datatype datatype,
                           MPI_Count *count)
{
    bt_datatype_t *dt;
    int rc;

    BT_CHECK_INIT(call);
    if ((rc = bt_status_dt(call, status, datatype, &dt)))
        return rc;
    if (!count)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "count is NULL");
    *count = bt_datatype_elements(dt, bt_status_bytes(status));
    return MPI_SUCCESS;
}

int PMPI_Get_elements_x(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    return bt_get_elements("MPI_Get_elements_x", status, datatype, count);
}

int PMPI_Get_elements_c(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    return bt_get_elements("MPI_Get_elements_c", status, datatype, count);
}

int PMPI_Get_elements(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    bt_datatype_t *dt;
    MPI_Count n;
    int rc;

    BT_CHECK_INIT("MPI_Get_elements");
    if ((rc = bt_status_dt("MPI_Get_elements", status, datatype, &dt)))
        return rc;
    if (!count)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Get_elements", "count is NULL");
    n = bt_datatype_elements(dt, bt_status_bytes(status));
    *count = n > INT_MAX ? MPI_UNDEFINED : (int)n;
    return MPI_SUCCESS;
}

/* Bytes of a packed stream of dt that hold `count` basic elements: whole elements,
 * then the type map of one element run by run (a pair counts two, its value one). */
static MPI_Count bt_elements_to_bytes(const bt_datatype_t *dt, MPI_Count count)
{
    MPI_Count bytes, rem;
    const bt_dt_run_t *runs;
    size_t nruns;

    if (dt->nbasic == 0)
        return 0;
    bytes = count / dt->nbasic * dt->size;
    rem = count % dt->nbasic;
    runs = bt_datatype_runs(dt, &nruns);
    for (size_t i = 0; i < nruns && rem > 0; i++) {
        const bt_datatype_t *p = bt_datatype_predefined(runs[i].idx);
        MPI_Count whole = BT_MIN(runs[i].n, rem / p->nbasic);

        bytes += whole * p->size;
        rem -= whole * p->nbasic;
        if (whole < runs[i].n && rem > 0) {
            for (MPI_Count b = 1; b < p->size; b++) {
                if (bt_datatype_elements(p, b) == rem) {
                    bytes += b;
                    break;
                }
            }
            rem = 0;
        }
    }
    return bytes;
}

static int bt_status_set_elements(const char *call, MPI_Status *status, MPI_Datatype datatype,
                                  MPI_Count count)
{
    bt_datatype_t *dt;
    int rc;

    BT_CHECK_INIT(call);
    if ((rc = bt_status_dt(call, status, datatype, &dt)))
        return rc;
    if (count < 0)
        return bt_err_comm(NULL, MPI_ERR_COUNT, call, "count is %lld, must be non-negative",
                           (long long)count);
    bt_status_set_bytes(status, bt_elements_to_bytes(dt, count));
    return MPI_SUCCESS;
}

int PMPI_Status_set_elements_x(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    return bt_status_set_elements("MPI_Status_set_elements_x", status, datatype, count);
}

int PMPI_Status_set_elements_c(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    return bt_status_set_elements("MPI_Status_set_elements_c", status, datatype, count);
}

int PMPI_Status_set_elements(MPI_Status *status, MPI_Datatype datatype, int count)
{
    return bt_status_set_elements("MPI_Status_set_elements", status, datatype, count);
}

/* ---- generalized requests ------------------------------------------------------------ */

int PMPI_Grequest_start(MPI_Grequest_query_function *query_fn,
                        MPI_Grequest_free_function *free_fn,
                        MPI_Grequest_cancel_function *cancel_fn, void *extra_state,
                        MPI_Request *request)
{
    static const char call[] = "MPI_Grequest_start";

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (!query_fn || !free_fn || !cancel_fn || !request)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "%s is NULL",
                           !query_fn ? "query_fn" : !free_fn ? "free_fn"
                                                  : !cancel_fn ? "cancel_fn" : "request");
    *request = (MPI_Request)bt_grequest_start(query_fn, free_fn, cancel_fn, extra_state);
    return MPI_SUCCESS;
}

int PMPI_Grequest_complete(MPI_Request request)
{
    static const char call[] = "MPI_Grequest_complete";
    bt_request_t *r;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    r = bt_req_get(request);
    if (!r || r->kind != BT_REQ_GREQUEST)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, call, "request is not a generalized request%s",
                           request == MPI_REQUEST_NULL ? " (MPI_REQUEST_NULL)" : "");
    if (r->done)
        return bt_err_comm(NULL, MPI_ERR_REQUEST, call,
                           "the generalized request is already complete");
    /* After MPI_Request_free, the program's free function runs here. */
    rc = bt_grequest_complete(r);
    return rc != MPI_SUCCESS ? bt_err_comm_code(NULL, rc, call) : rc;
}

/* The public fields of a status (MPI 5.0). Plain accessors: they work at any
 * time, as mpi4py's Status objects may be read after MPI_Finalize. */
#define BT_STATUS_FIELD(Field, FIELD)                                                   \
    int PMPI_Status_get_##Field(const MPI_Status *status, int *Field)                   \
    {                                                                                   \
        if (!status || !Field)                                                          \
            return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Status_get_" #Field, "%s is NULL", \
                               status ? #Field : "status");                            \
        *Field = status->MPI_##FIELD;                                                   \
        return MPI_SUCCESS;                                                             \
    }                                                                                   \
    int PMPI_Status_set_##Field(MPI_Status *status, int Field)                          \
    {                                                                                   \
        if (!status)                                                                    \
            return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Status_set_" #Field,             \
                               "status is NULL");                                      \
        status->MPI_##FIELD = Field;                                                    \
        return MPI_SUCCESS;                                                             \
    }

BT_STATUS_FIELD(source, SOURCE)
BT_STATUS_FIELD(tag, TAG)
BT_STATUS_FIELD(error, ERROR)
#undef BT_STATUS_FIELD
