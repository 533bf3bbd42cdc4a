#include "api/bt_api.h"
#include "comm/bt_info.h"
#include "datatype/bt_datatype.h"

#include <limits.h>
#include <string.h>

/* A live communicator, the pending one of an MPI_Comm_idup included. */
int bt_check_comm_local(const char *call, MPI_Comm h, bt_comm_t **comm_p)
{
    bt_comm_t *comm = bt_comm_get(h);

    *comm_p = comm;   /* NULL on failure: callers' compilers see it set on every path */
    if (bt_unlikely(!comm)) {
        if (h == MPI_COMM_WORLD || h == MPI_COMM_SELF)
            return bt_err_comm(NULL, MPI_ERR_COMM, call, "%s belongs to the world model, "
                               "which is not initialized (MPI_Init; sessions alone do not "
                               "make it)", h == MPI_COMM_WORLD ? "MPI_COMM_WORLD" :
                               "MPI_COMM_SELF");
        return bt_err_comm(NULL, MPI_ERR_COMM, call, "invalid communicator%s",
                           h == MPI_COMM_NULL ? " (MPI_COMM_NULL)" : "");
    }
    return MPI_SUCCESS;
}

int bt_check_comm(const char *call, MPI_Comm h, bt_comm_t **comm_p)
{
    int rc = bt_check_comm_local(call, h, comm_p);

    if (bt_unlikely(rc == MPI_SUCCESS && (*comm_p)->pending)) {
        bt_comm_t *comm = *comm_p;
        *comm_p = NULL;
        return bt_err_comm(comm, MPI_ERR_COMM, call, "the communicator of an MPI_Comm_idup "
                           "that has not completed (complete its request first)");
    }
    return rc;
}

int bt_check_session(const char *call, MPI_Session h, bt_session_t **s_p)
{
    bt_session_t *s = bt_session_get(h);

    *s_p = s;
    if (bt_unlikely(!s))
        return bt_err_comm(NULL, MPI_ERR_SESSION, call, "invalid session%s",
                           h == MPI_SESSION_NULL ? " (MPI_SESSION_NULL)" : "");
    return MPI_SUCCESS;
}

int bt_check_buffer(const char *call, bt_comm_t *comm, const void *buf, MPI_Count count,
                    MPI_Datatype type, const char *what, bt_datatype_t **dt_p)
{
    bt_datatype_t *dt;

    if (bt_unlikely(count < 0))
        return bt_err_comm(comm, MPI_ERR_COUNT, call, "%scount is %lld, must be non-negative",
                           what, (long long)count);
    dt = bt_datatype_get(type);
    if (bt_unlikely(!dt))
        return bt_err_comm(comm, MPI_ERR_TYPE, call, "invalid %sdatatype%s", what,
                           type == MPI_DATATYPE_NULL ? " (MPI_DATATYPE_NULL)" : "");
    if (bt_unlikely(!dt->committed))
        return bt_err_comm(comm, MPI_ERR_TYPE, call, "%sdatatype is not committed "
                           "(call MPI_Type_commit first)", what);
    /* MPI_BOTTOM is NULL too: only a type that starts at offset 0 rules it out. */
    if (bt_unlikely(!buf && count > 0 && dt->size > 0 && dt->true_lb == 0))
        return bt_err_comm(comm, MPI_ERR_BUFFER, call, "%sbuffer is NULL but count is %lld",
                           what, (long long)count);
    *dt_p = dt;
    return MPI_SUCCESS;
}

int bt_check_rank(const char *call, bt_comm_t *comm, int rank, const char *what, int allow_any)
{
    int n = bt_comm_peer_size(comm);

    if (bt_likely(rank >= 0 && rank < n) || rank == MPI_PROC_NULL)
        return MPI_SUCCESS;
    if (allow_any && rank == MPI_ANY_SOURCE) {
        if (bt_unlikely(comm->asserts & BT_COMM_ASSERT_NO_ANY_SOURCE))
            return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is MPI_ANY_SOURCE, but the "
                               "communicator's info asserts mpi_assert_no_any_source", what);
        return MPI_SUCCESS;
    }
    return bt_err_comm(comm, MPI_ERR_RANK, call, "%s is %d, the %scommunicator has %d rank%s",
                       what, rank, comm->remote ? "remote group of the inter" : "", n,
                       n == 1 ? "" : "s");
}

int bt_check_root(const char *call, bt_comm_t *comm, int root)
{
    int n = bt_comm_peer_size(comm);

    if (bt_likely(root >= 0 && root < n))
        return MPI_SUCCESS;
    if (comm->remote) {
        if (root == MPI_ROOT || root == MPI_PROC_NULL)
            return MPI_SUCCESS;
        return bt_err_comm(comm, MPI_ERR_ROOT, call, "root is %d, the remote group has %d "
                           "rank%s (or MPI_ROOT, MPI_PROC_NULL in the root's group)", root, n,
                           n == 1 ? "" : "s");
    }
    if (root == MPI_ROOT || root == MPI_PROC_NULL)
        return bt_err_comm(comm, MPI_ERR_ROOT, call, "root is %s, which only an "
                           "intercommunicator takes", root == MPI_ROOT ? "MPI_ROOT" :
                           "MPI_PROC_NULL");
    return bt_err_comm(comm, MPI_ERR_ROOT, call, "root is %d, the communicator has %d rank%s",
                       root, n, n == 1 ? "" : "s");
}

int bt_check_comm_errhandler(const char *call, MPI_Errhandler h, bt_errhandler_t **errh_p)
{
    bt_errhandler_t *errh = bt_errhandler_get(h);

    *errh_p = errh;
    if (!errh)
        return bt_err_comm(NULL, MPI_ERR_ERRHANDLER, call, "invalid error handler%s",
                           h == MPI_ERRHANDLER_NULL ? " (MPI_ERRHANDLER_NULL)" : "");
    if (!bt_errhandler_is_predefined(errh) && errh->kind != BT_ERRH_COMM)
        return bt_err_comm(NULL, MPI_ERR_ERRHANDLER, call,
                           "errhandler was not created for communicators");
    return MPI_SUCCESS;
}

int bt_check_stringtag(const char *call, bt_errhandler_t *errh, const char *stringtag)
{
    if (!stringtag)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_ARG, call, "stringtag is NULL");
    if (strnlen(stringtag, MPI_MAX_STRINGTAG_LEN) >= MPI_MAX_STRINGTAG_LEN)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_ARG, call,
                              "stringtag is longer than MPI_MAX_STRINGTAG_LEN - 1 (%d)",
                              MPI_MAX_STRINGTAG_LEN - 1);
    return MPI_SUCCESS;
}

int bt_check_tag(const char *call, bt_comm_t *comm, int tag, int allow_any)
{
    if (bt_likely(tag >= 0))
        return MPI_SUCCESS;
    if (allow_any && tag == MPI_ANY_TAG) {
        if (bt_unlikely(comm->asserts & BT_COMM_ASSERT_NO_ANY_TAG))
            return bt_err_comm(comm, MPI_ERR_ARG, call, "tag is MPI_ANY_TAG, but the "
                               "communicator's info asserts mpi_assert_no_any_tag");
        return MPI_SUCCESS;
    }
    return bt_err_comm(comm, MPI_ERR_TAG, call, "tag is %d, must be between 0 and %d%s", tag,
                       INT_MAX, allow_any ? " or MPI_ANY_TAG" : "");
}

int bt_check_info(const char *call, bt_comm_t *comm, MPI_Info h, struct bt_info **info_p)
{
    *info_p = NULL;
    if (h == MPI_INFO_NULL)
        return MPI_SUCCESS;
    *info_p = bt_info_get(h);
    if (bt_unlikely(!*info_p))
        return bt_err_comm(comm, MPI_ERR_INFO, call, "invalid info");
    return MPI_SUCCESS;
}

int bt_check_win(const char *call, MPI_Win h, bt_win_t **win_p)
{
    *win_p = bt_win_get(h);
    if (bt_unlikely(!*win_p))
        return bt_err_comm(NULL, MPI_ERR_WIN, call, "invalid window%s",
                           h == MPI_WIN_NULL ? " (MPI_WIN_NULL)" : "");
    return MPI_SUCCESS;
}
