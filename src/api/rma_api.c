/* One-sided entry points: the operations and the synchronization calls. */
#include "api/bt_api.h"
#include "pt2pt/bt_pt2pt.h"

enum { BT_RMA_PUT, BT_RMA_GET, BT_RMA_ACC, BT_RMA_GET_ACC, BT_RMA_CAS };

/* An operation's arguments, every field stored one by one: a designated
 * initializer first zeroes the whole struct (104 bytes, with `rep stos`), which was
 * half of MPI_Get's own time for 8 bytes. The types come from bt_rma_run. */
static inline void bt_rma_op_set(bt_rma_op_t *o, const char *call, const void *origin,
                                 MPI_Count ocount, void *result, MPI_Count rcount,
                                 const void *compare, int target, MPI_Aint disp,
                                 MPI_Count tcount, int request)
{
    o->call = call;
    o->origin = origin;
    o->ocount = ocount;
    o->odt = NULL;
    o->result = result;
    o->rcount = rcount;
    o->rdt = NULL;
    o->compare = compare;
    o->target = target;
    o->disp = disp;
    o->tcount = tcount;
    o->tdt = NULL;
    o->op = NULL;
    o->request = request;
}

/* A datatype argument of an operation, its errors raised on the window (the
 * private communicator's handler returns them). */
static int bt_rma_buf(bt_win_t *win, const char *call, const void *buf, MPI_Count count,
                      MPI_Datatype type, const char *what, bt_datatype_t **dt_p)
{
    int rc = bt_check_buffer(call, win->comm, buf, count, type, what, dt_p);
    return rc == MPI_SUCCESS ? rc : bt_win_raise(win, rc);
}

/* Checks the arguments of o (a kind of operation) and runs it. */
static int bt_rma_run(int kind, bt_rma_op_t *o, MPI_Win h, MPI_Datatype otype,
                      MPI_Datatype rtype, MPI_Datatype ttype, MPI_Op op, MPI_Request *request)
{
    const char *call = o->call;
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win(call, h, &win)) != MPI_SUCCESS)
        return rc;
    if (kind != BT_RMA_GET && (rc = bt_rma_buf(win, call, o->origin, o->ocount, otype,
                                               "origin_", &o->odt)) != MPI_SUCCESS)
        return rc;
    if ((kind == BT_RMA_GET || kind == BT_RMA_GET_ACC || kind == BT_RMA_CAS) &&
        (rc = bt_rma_buf(win, call, o->result, o->rcount, rtype, "result_", &o->rdt)))
        return rc;
    if ((rc = bt_check_buffer(call, win->comm, (void *)1, o->tcount, ttype, "target_", &o->tdt)))
        return bt_win_raise(win, rc);
    if (kind == BT_RMA_CAS && !o->compare)
        return bt_err_win(win, MPI_ERR_BUFFER, call, "compare_addr is NULL");
    if (o->target != MPI_PROC_NULL && (o->target < 0 || o->target >= win->size))
        return bt_err_win(win, MPI_ERR_RANK, call, "target_rank %d is not in the window's group "
                          "of %d", o->target, win->size);
    if (o->disp < 0 && win->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        return bt_err_win(win, MPI_ERR_DISP, call, "target_disp is %ld, must be non-negative",
                          (long)o->disp);
    if (kind == BT_RMA_ACC || kind == BT_RMA_GET_ACC) {
        if (!(o->op = bt_op_get(op)))
            return bt_err_win(win, MPI_ERR_OP, call, "invalid op%s",
                              op == MPI_OP_NULL ? " (MPI_OP_NULL)" : "");
        if (kind == BT_RMA_ACC && op == MPI_NO_OP)
            return bt_err_win(win, MPI_ERR_OP, call, "MPI_NO_OP is for the fetching accumulates");
    }
    if (o->request && !request)
        return bt_err_win(win, MPI_ERR_ARG, call, "request is NULL");
    if (o->target == MPI_PROC_NULL) {
        rc = MPI_SUCCESS;
    } else {
        switch (kind) {
        case BT_RMA_PUT:     rc = bt_rma_put(win, o); break;
        case BT_RMA_GET:     rc = bt_rma_get(win, o); break;
        case BT_RMA_ACC:     rc = bt_rma_accumulate(win, o); break;
        case BT_RMA_GET_ACC: rc = bt_rma_get_accumulate(win, o); break;
        default:             rc = bt_rma_compare_and_swap(win, o); break;
        }
    }
    if (rc != MPI_SUCCESS)
        return bt_err_win_code(win, rc, call);
    if (request) {
        /* Done already: the request is complete from the start. */
        bt_request_t *req = bt_request_new(BT_REQ_GENERIC);
        req->done = 1;
        *request = (MPI_Request)req;
    }
    return MPI_SUCCESS;
}

#define BT_RMA_PUT_BODY(name, req)                                                          \
    BT_API_LOCK();                                                                          \
    BT_CHECK_INIT(name);                                                                    \
    bt_rma_op_t o;                                                                          \
    bt_rma_op_set(&o, name, origin_addr, origin_count, NULL, 0, NULL, target_rank,          \
                  target_disp, target_count, (req) != NULL);                                \
    return bt_rma_run(BT_RMA_PUT, &o, win, origin_datatype, MPI_DATATYPE_NULL,              \
                      target_datatype, MPI_OP_NULL, (req))

#define BT_RMA_GET_BODY(name, req)                                                          \
    BT_API_LOCK();                                                                          \
    BT_CHECK_INIT(name);                                                                    \
    bt_rma_op_t o;                                                                          \
    bt_rma_op_set(&o, name, NULL, 0, origin_addr, origin_count, NULL, target_rank,          \
                  target_disp, target_count, (req) != NULL);                                \
    return bt_rma_run(BT_RMA_GET, &o, win, MPI_DATATYPE_NULL, origin_datatype,              \
                      target_datatype, MPI_OP_NULL, (req))

#define BT_RMA_ACC_BODY(name, req)                                                          \
    BT_API_LOCK();                                                                          \
    BT_CHECK_INIT(name);                                                                    \
    bt_rma_op_t o;                                                                          \
    bt_rma_op_set(&o, name, origin_addr, origin_count, NULL, 0, NULL, target_rank,          \
                  target_disp, target_count, (req) != NULL);                                \
    return bt_rma_run(BT_RMA_ACC, &o, win, origin_datatype, MPI_DATATYPE_NULL,              \
                      target_datatype, op, (req))

#define BT_RMA_GET_ACC_BODY(name, req)                                                      \
    BT_API_LOCK();                                                                          \
    BT_CHECK_INIT(name);                                                                    \
    /* With MPI_NO_OP the origin buffer is not read: any arguments will do. */             \
    int noop_ = op == MPI_NO_OP;                                                            \
    bt_rma_op_t o;                                                                          \
    bt_rma_op_set(&o, name, noop_ ? NULL : origin_addr, noop_ ? 0 : origin_count,           \
                  result_addr, result_count, NULL, target_rank, target_disp, target_count, \
                  (req) != NULL);                                                           \
    return bt_rma_run(BT_RMA_GET_ACC, &o, win, noop_ ? MPI_BYTE : origin_datatype,          \
                      result_datatype, target_datatype, op, (req))

int PMPI_Put(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
             int target_rank, MPI_Aint target_disp, int target_count,
             MPI_Datatype target_datatype, MPI_Win win)
{
    BT_RMA_PUT_BODY("MPI_Put", (MPI_Request *)NULL);
}

int PMPI_Put_c(const void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
               int target_rank, MPI_Aint target_disp, MPI_Count target_count,
               MPI_Datatype target_datatype, MPI_Win win)
{
    BT_RMA_PUT_BODY("MPI_Put_c", (MPI_Request *)NULL);
}

int PMPI_Rput(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
              int target_rank, MPI_Aint target_disp, int target_count,
              MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    BT_RMA_PUT_BODY("MPI_Rput", request);
}

int PMPI_Rput_c(const void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
                int target_rank, MPI_Aint target_disp, MPI_Count target_count,
                MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    BT_RMA_PUT_BODY("MPI_Rput_c", request);
}

int PMPI_Get(void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank,
             MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win)
{
    BT_RMA_GET_BODY("MPI_Get", (MPI_Request *)NULL);
}

int PMPI_Get_c(void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
               int target_rank, MPI_Aint target_disp, MPI_Count target_count,
               MPI_Datatype target_datatype, MPI_Win win)
{
    BT_RMA_GET_BODY("MPI_Get_c", (MPI_Request *)NULL);
}

int PMPI_Rget(void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
              int target_rank, MPI_Aint target_disp, int target_count,
              MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    BT_RMA_GET_BODY("MPI_Rget", request);
}

int PMPI_Rget_c(void *origin_addr, MPI_Count origin_count, MPI_Datatype origin_datatype,
                int target_rank, MPI_Aint target_disp, MPI_Count target_count,
                MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    BT_RMA_GET_BODY("MPI_Rget_c", request);
}

int PMPI_Accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                    int target_rank, MPI_Aint target_disp, int target_count,
                    MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    BT_RMA_ACC_BODY("MPI_Accumulate", (MPI_Request *)NULL);
}

int PMPI_Accumulate_c(const void *origin_addr, MPI_Count origin_count,
                      MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp,
                      MPI_Count target_count, MPI_Datatype target_datatype, MPI_Op op,
                      MPI_Win win)
{
    BT_RMA_ACC_BODY("MPI_Accumulate_c", (MPI_Request *)NULL);
}

int PMPI_Raccumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                     int target_rank, MPI_Aint target_disp, int target_count,
                     MPI_Datatype target_datatype, MPI_Op op, MPI_Win win,
                     MPI_Request *request)
{
    BT_RMA_ACC_BODY("MPI_Raccumulate", request);
}

int PMPI_Raccumulate_c(const void *origin_addr, MPI_Count origin_count,
                       MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp,
                       MPI_Count target_count, MPI_Datatype target_datatype, MPI_Op op,
                       MPI_Win win, MPI_Request *request)
{
    BT_RMA_ACC_BODY("MPI_Raccumulate_c", request);
}

int PMPI_Get_accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                        void *result_addr, int result_count, MPI_Datatype result_datatype,
                        int target_rank, MPI_Aint target_disp, int target_count,
                        MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    BT_RMA_GET_ACC_BODY("MPI_Get_accumulate", (MPI_Request *)NULL);
}

int PMPI_Get_accumulate_c(const void *origin_addr, MPI_Count origin_count,
                          MPI_Datatype origin_datatype, void *result_addr,
                          MPI_Count result_count, MPI_Datatype result_datatype, int target_rank,
                          MPI_Aint target_disp, MPI_Count target_count,
                          MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    BT_RMA_GET_ACC_BODY("MPI_Get_accumulate_c", (MPI_Request *)NULL);
}

int PMPI_Rget_accumulate(const void *origin_addr, int origin_count,
                         MPI_Datatype origin_datatype, void *result_addr, int result_count,
                         MPI_Datatype result_datatype, int target_rank, MPI_Aint target_disp,
                         int target_count, MPI_Datatype target_datatype, MPI_Op op, MPI_Win win,
                         MPI_Request *request)
{
    BT_RMA_GET_ACC_BODY("MPI_Rget_accumulate", request);
}

int PMPI_Rget_accumulate_c(const void *origin_addr, MPI_Count origin_count,
                           MPI_Datatype origin_datatype, void *result_addr,
                           MPI_Count result_count, MPI_Datatype result_datatype,
                           int target_rank, MPI_Aint target_disp, MPI_Count target_count,
                           MPI_Datatype target_datatype, MPI_Op op, MPI_Win win,
                           MPI_Request *request)
{
    BT_RMA_GET_ACC_BODY("MPI_Rget_accumulate_c", request);
}

int PMPI_Fetch_and_op(const void *origin_addr, void *result_addr, MPI_Datatype datatype,
                      int target_rank, MPI_Aint target_disp, MPI_Op op, MPI_Win win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Fetch_and_op");
    int noop = op == MPI_NO_OP;
    bt_rma_op_t o;

    bt_rma_op_set(&o, "MPI_Fetch_and_op", noop ? NULL : origin_addr, noop ? 0 : 1, result_addr,
                  1, NULL, target_rank, target_disp, 1, 0);
    return bt_rma_run(BT_RMA_GET_ACC, &o, win, noop ? MPI_BYTE : datatype, datatype, datatype,
                      op, NULL);
}

int PMPI_Compare_and_swap(const void *origin_addr, const void *compare_addr, void *result_addr,
                          MPI_Datatype datatype, int target_rank, MPI_Aint target_disp,
                          MPI_Win win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Compare_and_swap");
    bt_rma_op_t o;

    bt_rma_op_set(&o, "MPI_Compare_and_swap", origin_addr, 1, result_addr, 1, compare_addr,
                  target_rank, target_disp, 1, 0);
    return bt_rma_run(BT_RMA_CAS, &o, win, datatype, datatype, datatype, MPI_OP_NULL, NULL);
}

/* ---- Synchronization. */

#define BT_RMA_WIN(call, h, win)                                                   \
    bt_win_t *win;                                                                 \
    int rc;                                                                        \
    if ((rc = bt_check_win(call, h, &win)) != MPI_SUCCESS)                         \
        return rc

static int bt_rma_done(bt_win_t *win, int rc, const char *call)
{
    return rc == MPI_SUCCESS ? rc : bt_err_win_code(win, rc, call);
}

static int bt_rma_assert(bt_win_t *win, int assert, int allowed, const char *call)
{
    if (assert & ~allowed)
        return bt_err_win(win, MPI_ERR_ASSERT, call, "assert %#x has bits this call does not "
                          "take", assert);
    return MPI_SUCCESS;
}

static int bt_rma_target_rank(bt_win_t *win, int rank, const char *call)
{
    if (rank < 0 || rank >= win->size)
        return bt_err_win(win, MPI_ERR_RANK, call, "rank %d is not in the window's group of %d",
                          rank, win->size);
    return MPI_SUCCESS;
}

int PMPI_Win_fence(int assert, MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_fence");
    BT_RMA_WIN("MPI_Win_fence", h, win);
    if ((rc = bt_rma_assert(win, assert, MPI_MODE_NOSTORE | MPI_MODE_NOPUT | MPI_MODE_NOPRECEDE |
                            MPI_MODE_NOSUCCEED, "MPI_Win_fence")))
        return rc;
    return bt_rma_done(win, bt_rma_fence(win, assert), "MPI_Win_fence");
}

int PMPI_Win_lock(int lock_type, int rank, int assert, MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_lock");
    BT_RMA_WIN("MPI_Win_lock", h, win);
    if (lock_type != MPI_LOCK_SHARED && lock_type != MPI_LOCK_EXCLUSIVE)
        return bt_err_win(win, MPI_ERR_LOCKTYPE, "MPI_Win_lock", "lock_type %d is neither "
                          "MPI_LOCK_SHARED nor MPI_LOCK_EXCLUSIVE", lock_type);
    if (rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if ((rc = bt_rma_target_rank(win, rank, "MPI_Win_lock")) ||
        (rc = bt_rma_assert(win, assert, MPI_MODE_NOCHECK, "MPI_Win_lock")))
        return rc;
    return bt_rma_done(win, bt_rma_lock(win, lock_type, rank, "MPI_Win_lock"), "MPI_Win_lock");
}

int PMPI_Win_unlock(int rank, MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_unlock");
    BT_RMA_WIN("MPI_Win_unlock", h, win);
    if (rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if ((rc = bt_rma_target_rank(win, rank, "MPI_Win_unlock")))
        return rc;
    return bt_rma_done(win, bt_rma_unlock(win, rank, "MPI_Win_unlock"), "MPI_Win_unlock");
}

int PMPI_Win_lock_all(int assert, MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_lock_all");
    BT_RMA_WIN("MPI_Win_lock_all", h, win);
    if ((rc = bt_rma_assert(win, assert, MPI_MODE_NOCHECK, "MPI_Win_lock_all")))
        return rc;
    return bt_rma_done(win, bt_rma_lock_all(win), "MPI_Win_lock_all");
}

int PMPI_Win_unlock_all(MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_unlock_all");
    BT_RMA_WIN("MPI_Win_unlock_all", h, win);
    return bt_rma_done(win, bt_rma_unlock_all(win), "MPI_Win_unlock_all");
}

static int bt_rma_flush_common(const char *call, int rank, MPI_Win h)
{
    BT_RMA_WIN(call, h, win);
    if (rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if (rank >= 0 && (rc = bt_rma_target_rank(win, rank, call)))
        return rc;
    return bt_rma_done(win, bt_rma_flush(win, rank, call), call);
}

int PMPI_Win_flush(int rank, MPI_Win win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_flush");
    if (rank < 0 && rank != MPI_PROC_NULL)
        rank = INT32_MAX;   /* reported as outside the group */
    return bt_rma_flush_common("MPI_Win_flush", rank, win);
}

int PMPI_Win_flush_local(int rank, MPI_Win win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_flush_local");
    if (rank < 0 && rank != MPI_PROC_NULL)
        rank = INT32_MAX;
    return bt_rma_flush_common("MPI_Win_flush_local", rank, win);
}

int PMPI_Win_flush_all(MPI_Win win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_flush_all");
    return bt_rma_flush_common("MPI_Win_flush_all", -1, win);
}

int PMPI_Win_flush_local_all(MPI_Win win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_flush_local_all");
    return bt_rma_flush_common("MPI_Win_flush_local_all", -1, win);
}

int PMPI_Win_sync(MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_sync");
    BT_RMA_WIN("MPI_Win_sync", h, win);
    bt_rma_sync(win);
    return rc;
}

static int bt_rma_group_arg(bt_win_t *win, MPI_Group h, const char *call, bt_group_t **g_p)
{
    if (!(*g_p = bt_group_get(h)))
        return bt_err_win(win, MPI_ERR_GROUP, call, "invalid group%s",
                          h == MPI_GROUP_NULL ? " (MPI_GROUP_NULL)" : "");
    return MPI_SUCCESS;
}

int PMPI_Win_post(MPI_Group group, int assert, MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_post");
    BT_RMA_WIN("MPI_Win_post", h, win);
    bt_group_t *g;

    if ((rc = bt_rma_group_arg(win, group, "MPI_Win_post", &g)) ||
        (rc = bt_rma_assert(win, assert, MPI_MODE_NOCHECK | MPI_MODE_NOSTORE | MPI_MODE_NOPUT,
                            "MPI_Win_post")))
        return rc;
    return bt_rma_done(win, bt_rma_post(win, g), "MPI_Win_post");
}

int PMPI_Win_start(MPI_Group group, int assert, MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_start");
    BT_RMA_WIN("MPI_Win_start", h, win);
    bt_group_t *g;

    if ((rc = bt_rma_group_arg(win, group, "MPI_Win_start", &g)) ||
        (rc = bt_rma_assert(win, assert, MPI_MODE_NOCHECK, "MPI_Win_start")))
        return rc;
    return bt_rma_done(win, bt_rma_start(win, g), "MPI_Win_start");
}

int PMPI_Win_complete(MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_complete");
    BT_RMA_WIN("MPI_Win_complete", h, win);
    return bt_rma_done(win, bt_rma_complete(win), "MPI_Win_complete");
}

int PMPI_Win_wait(MPI_Win h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_wait");
    BT_RMA_WIN("MPI_Win_wait", h, win);
    return bt_rma_done(win, bt_rma_wait(win, NULL), "MPI_Win_wait");
}

int PMPI_Win_test(MPI_Win h, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_test");
    BT_RMA_WIN("MPI_Win_test", h, win);
    if (!flag)
        return bt_err_win(win, MPI_ERR_ARG, "MPI_Win_test", "flag is NULL");
    return bt_rma_done(win, bt_rma_wait(win, flag), "MPI_Win_test");
}
