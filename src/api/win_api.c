/* Window entry points: creation and free, groups, names, attributes, info,
 * error handlers, shared query, dynamic attach and detach. */
#include "api/bt_api.h"
#include "comm/bt_info.h"

#include <string.h>

#define BT_WIN_CHECK_PTR(win, call, p, name) \
    do { if (bt_unlikely(!(p))) return bt_err_win(win, MPI_ERR_ARG, call, name " is NULL"); } while (0)

/* The arguments every constructor shares; errors go to comm's handler. */
static int bt_win_args(const char *call, MPI_Comm h, MPI_Aint size, MPI_Aint disp_unit,
                       MPI_Info info, MPI_Win *win, bt_comm_t **comm_p, bt_info_t **info_p)
{
    int rc;

    if ((rc = bt_check_comm(call, h, comm_p)) != MPI_SUCCESS)
        return rc;
    if ((*comm_p)->remote)
        return bt_err_comm(*comm_p, MPI_ERR_COMM, call, "comm is an intercommunicator");
    if (size < 0)
        return bt_err_comm(*comm_p, MPI_ERR_SIZE, call, "size is %ld, must be non-negative",
                           (long)size);
    if (disp_unit <= 0 || disp_unit > INT32_MAX)
        return bt_err_comm(*comm_p, MPI_ERR_DISP, call, "disp_unit is %ld, must be positive",
                           (long)disp_unit);
    if ((rc = bt_check_info(call, *comm_p, info, info_p)) != MPI_SUCCESS)
        return rc;
    if (!win)
        return bt_err_comm(*comm_p, MPI_ERR_ARG, call, "win is NULL");
    return MPI_SUCCESS;
}

static int bt_win_make(const char *call, int flavor, void *base, MPI_Aint size,
                       MPI_Aint disp_unit, MPI_Info info, MPI_Comm h, void *baseptr,
                       MPI_Win *win)
{
    bt_comm_t *comm = NULL;
    bt_info_t *in = NULL;
    bt_win_t *w = NULL;
    int rc;

    if ((rc = bt_win_args(call, h, size, disp_unit, info, win, &comm, &in)) != MPI_SUCCESS)
        return rc;
    if (flavor == MPI_WIN_FLAVOR_CREATE && !base && size > 0)
        return bt_err_comm(comm, MPI_ERR_BASE, call, "base is NULL but size is %ld", (long)size);
    if ((flavor == MPI_WIN_FLAVOR_ALLOCATE || flavor == MPI_WIN_FLAVOR_SHARED) && !baseptr)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "baseptr is NULL");
    if ((rc = bt_win_create(comm, flavor, base, size, (int)disp_unit, in, baseptr, &w)))
        return bt_err_comm_code(comm, rc, call);
    *win = w->handle;
    return MPI_SUCCESS;
}

int PMPI_Win_create(void *base, MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                    MPI_Win *win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_create");
    return bt_win_make("MPI_Win_create", MPI_WIN_FLAVOR_CREATE, base, size, disp_unit, info,
                       comm, NULL, win);
}

int PMPI_Win_create_c(void *base, MPI_Aint size, MPI_Aint disp_unit, MPI_Info info,
                      MPI_Comm comm, MPI_Win *win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_create_c");
    return bt_win_make("MPI_Win_create_c", MPI_WIN_FLAVOR_CREATE, base, size, disp_unit, info,
                       comm, NULL, win);
}

int PMPI_Win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                      void *baseptr, MPI_Win *win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_allocate");
    return bt_win_make("MPI_Win_allocate", MPI_WIN_FLAVOR_ALLOCATE, NULL, size, disp_unit, info,
                       comm, baseptr, win);
}

int PMPI_Win_allocate_c(MPI_Aint size, MPI_Aint disp_unit, MPI_Info info, MPI_Comm comm,
                        void *baseptr, MPI_Win *win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_allocate_c");
    return bt_win_make("MPI_Win_allocate_c", MPI_WIN_FLAVOR_ALLOCATE, NULL, size, disp_unit,
                       info, comm, baseptr, win);
}

int PMPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                             void *baseptr, MPI_Win *win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_allocate_shared");
    return bt_win_make("MPI_Win_allocate_shared", MPI_WIN_FLAVOR_SHARED, NULL, size, disp_unit,
                       info, comm, baseptr, win);
}

int PMPI_Win_allocate_shared_c(MPI_Aint size, MPI_Aint disp_unit, MPI_Info info, MPI_Comm comm,
                               void *baseptr, MPI_Win *win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_allocate_shared_c");
    return bt_win_make("MPI_Win_allocate_shared_c", MPI_WIN_FLAVOR_SHARED, NULL, size,
                       disp_unit, info, comm, baseptr, win);
}

int PMPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_create_dynamic");
    return bt_win_make("MPI_Win_create_dynamic", MPI_WIN_FLAVOR_DYNAMIC, NULL, 0, 1, info,
                       comm, NULL, win);
}

int PMPI_Win_free(MPI_Win *h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_free");
    bt_win_t *win;
    int rc;

    if (!h)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Win_free", "win is NULL");
    if ((rc = bt_check_win("MPI_Win_free", *h, &win)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_rma_free_check(win)) != MPI_SUCCESS)
        return bt_win_raise(win, rc);
    if ((rc = bt_win_free(win)) != MPI_SUCCESS) {
        /* A delete callback failed: the window stays. Anything else is gone. */
        if (bt_win_get(*h))
            return bt_err_win_code(win, rc, "MPI_Win_free");
        *h = MPI_WIN_NULL;
        return bt_err_comm_code(NULL, rc, "MPI_Win_free");
    }
    *h = MPI_WIN_NULL;
    return MPI_SUCCESS;
}

static int bt_win_shared_query_common(const char *call, MPI_Win h, int rank, MPI_Aint *size,
                                      int *disp_int, MPI_Aint *disp_aint, void *baseptr)
{
    bt_win_t *win;
    int rc, du;

    if ((rc = bt_check_win(call, h, &win)) != MPI_SUCCESS)
        return rc;
    /* MPI 4.1: any flavor but dynamic; memory this process cannot load from
     * reads as size 0. */
    if (win->flavor == MPI_WIN_FLAVOR_DYNAMIC)
        return bt_err_win(win, MPI_ERR_RMA_FLAVOR, call, "the window was made by "
                          "MPI_Win_create_dynamic: it has no memory of its own to share");
    if (rank != MPI_PROC_NULL && (rank < 0 || rank >= win->size))
        return bt_err_win(win, MPI_ERR_RANK, call, "rank %d is not in the window's group of %d",
                          rank, win->size);
    BT_WIN_CHECK_PTR(win, call, size, "size");
    BT_WIN_CHECK_PTR(win, call, disp_int || disp_aint, "disp_unit");
    BT_WIN_CHECK_PTR(win, call, baseptr, "baseptr");
    bt_win_shared_query(win, rank, size, &du, baseptr);
    if (disp_int)
        *disp_int = du;
    else
        *disp_aint = du;
    return MPI_SUCCESS;
}

int PMPI_Win_shared_query(MPI_Win win, int rank, MPI_Aint *size, int *disp_unit, void *baseptr)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_shared_query");
    return bt_win_shared_query_common("MPI_Win_shared_query", win, rank, size, disp_unit, NULL,
                                      baseptr);
}

int PMPI_Win_shared_query_c(MPI_Win win, int rank, MPI_Aint *size, MPI_Aint *disp_unit,
                            void *baseptr)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_shared_query_c");
    return bt_win_shared_query_common("MPI_Win_shared_query_c", win, rank, size, NULL, disp_unit,
                                      baseptr);
}

int PMPI_Win_attach(MPI_Win h, void *base, MPI_Aint size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_attach");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_attach", h, &win)) != MPI_SUCCESS)
        return rc;
    if (win->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        return bt_err_win(win, MPI_ERR_RMA_FLAVOR, "MPI_Win_attach", "the window was not made "
                          "by MPI_Win_create_dynamic");
    if (size < 0)
        return bt_err_win(win, MPI_ERR_SIZE, "MPI_Win_attach", "size is %ld, must be "
                          "non-negative", (long)size);
    if (!base && size > 0)
        return bt_err_win(win, MPI_ERR_BASE, "MPI_Win_attach", "base is NULL");
    if (size == 0)
        return MPI_SUCCESS;
    if ((rc = bt_win_attach(win, base, size)) != MPI_SUCCESS)
        return bt_win_raise(win, rc);
    return MPI_SUCCESS;
}

int PMPI_Win_detach(MPI_Win h, const void *base)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_detach");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_detach", h, &win)) != MPI_SUCCESS)
        return rc;
    if (win->flavor != MPI_WIN_FLAVOR_DYNAMIC)
        return bt_err_win(win, MPI_ERR_RMA_FLAVOR, "MPI_Win_detach", "the window was not made "
                          "by MPI_Win_create_dynamic");
    if ((rc = bt_win_detach(win, base)) != MPI_SUCCESS)
        return bt_win_raise(win, rc);
    return MPI_SUCCESS;
}

int PMPI_Win_get_group(MPI_Win h, MPI_Group *group)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_get_group");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_get_group", h, &win)) != MPI_SUCCESS)
        return rc;
    BT_WIN_CHECK_PTR(win, "MPI_Win_get_group", group, "group");
    bt_group_retain(win->comm->group);
    *group = win->comm->group->handle;
    return MPI_SUCCESS;
}

int PMPI_Win_set_name(MPI_Win h, const char *name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_set_name");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_set_name", h, &win)) != MPI_SUCCESS)
        return rc;
    BT_WIN_CHECK_PTR(win, "MPI_Win_set_name", name, "win_name");
    bt_strlcpy(win->name, name, sizeof(win->name));
    return MPI_SUCCESS;
}

int PMPI_Win_get_name(MPI_Win h, char *name, int *resultlen)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_get_name");
    bt_win_t *win;
    int rc;

    if (h == MPI_WIN_NULL && name && resultlen) {
        bt_strlcpy(name, "MPI_WIN_NULL", MPI_MAX_OBJECT_NAME);
        *resultlen = (int)strlen(name);
        return MPI_SUCCESS;
    }
    if ((rc = bt_check_win("MPI_Win_get_name", h, &win)) != MPI_SUCCESS)
        return rc;
    BT_WIN_CHECK_PTR(win, "MPI_Win_get_name", name, "win_name");
    BT_WIN_CHECK_PTR(win, "MPI_Win_get_name", resultlen, "resultlen");
    bt_strlcpy(name, win->name, MPI_MAX_OBJECT_NAME);
    *resultlen = (int)strlen(name);
    return MPI_SUCCESS;
}

int PMPI_Win_set_info(MPI_Win h, MPI_Info info)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_set_info");
    bt_win_t *win;
    bt_info_t *in;
    int rc;

    if ((rc = bt_check_win("MPI_Win_set_info", h, &win)) != MPI_SUCCESS)
        return rc;
    in = bt_info_get(info);
    if (!in && info != MPI_INFO_NULL)
        return bt_err_win(win, MPI_ERR_INFO, "MPI_Win_set_info", "invalid info");
    bt_win_set_info(win, in);
    return MPI_SUCCESS;
}

int PMPI_Win_get_info(MPI_Win h, MPI_Info *info_used)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_get_info");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_get_info", h, &win)) != MPI_SUCCESS)
        return rc;
    BT_WIN_CHECK_PTR(win, "MPI_Win_get_info", info_used, "info_used");
    *info_used = bt_win_get_info(win)->handle;
    return MPI_SUCCESS;
}

/* ---- Attributes. The predefined ones (MPI_WIN_BASE ...) are read only. */

static int bt_win_keyval_predefined(int keyval)
{
    return keyval == MPI_WIN_BASE || keyval == MPI_WIN_SIZE || keyval == MPI_WIN_DISP_UNIT ||
           keyval == MPI_WIN_CREATE_FLAVOR || keyval == MPI_WIN_MODEL;
}

static int bt_win_keyval_arg(const char *call, bt_win_t *win, int keyval, int write)
{
    if (bt_win_keyval_predefined(keyval)) {
        if (!write)
            return MPI_SUCCESS;
        return bt_err_win(win, MPI_ERR_KEYVAL, call, "keyval %d is predefined and read-only",
                          keyval);
    }
    switch (bt_keyval_check_kind(keyval, BT_ATTR_WIN)) {
    case BT_KEYVAL_LIVE:
        return MPI_SUCCESS;
    case BT_KEYVAL_FREED:
        if (write != 1)
            return MPI_SUCCESS;
        return bt_err_win(win, MPI_ERR_KEYVAL, call, "keyval %d was freed", keyval);
    default:
        return bt_err_win(win, MPI_ERR_KEYVAL, call, "invalid window keyval %d%s", keyval,
                          keyval == MPI_KEYVAL_INVALID ? " (MPI_KEYVAL_INVALID)" : "");
    }
}

int PMPI_Win_create_keyval(MPI_Win_copy_attr_function *copy_fn,
                           MPI_Win_delete_attr_function *delete_fn, int *win_keyval,
                           void *extra_state)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_create_keyval");
    if (!win_keyval)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Win_create_keyval", "win_keyval is NULL");
    return bt_win_keyval_create(copy_fn, delete_fn, extra_state, win_keyval);
}

int PMPI_Win_free_keyval(int *win_keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_free_keyval");
    if (!win_keyval)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Win_free_keyval", "win_keyval is NULL");
    if (bt_win_keyval_predefined(*win_keyval) ||
        bt_keyval_check_kind(*win_keyval, BT_ATTR_WIN) != BT_KEYVAL_LIVE)
        return bt_err_comm(NULL, MPI_ERR_KEYVAL, "MPI_Win_free_keyval", "invalid window keyval %d",
                           *win_keyval);
    bt_keyval_free(*win_keyval);
    *win_keyval = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

int PMPI_Win_set_attr(MPI_Win h, int win_keyval, void *attribute_val)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_set_attr");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_set_attr", h, &win)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_win_keyval_arg("MPI_Win_set_attr", win, win_keyval, 1)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_attrs_set(BT_ATTR_WIN, &win->attrs, win->handle, win_keyval, attribute_val)))
        return bt_err_win_code(win, rc, "MPI_Win_set_attr");
    return MPI_SUCCESS;
}

int PMPI_Win_get_attr(MPI_Win h, int win_keyval, void *attribute_val, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_get_attr");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_get_attr", h, &win)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_win_keyval_arg("MPI_Win_get_attr", win, win_keyval, 0)) != MPI_SUCCESS)
        return rc;
    BT_WIN_CHECK_PTR(win, "MPI_Win_get_attr", attribute_val, "attribute_val");
    BT_WIN_CHECK_PTR(win, "MPI_Win_get_attr", flag, "flag");
    *flag = 1;
    switch (win_keyval) {
    case MPI_WIN_BASE:          *(void **)attribute_val = win->base; return MPI_SUCCESS;
    case MPI_WIN_SIZE:          *(void **)attribute_val = &win->bytes; return MPI_SUCCESS;
    case MPI_WIN_DISP_UNIT:     *(void **)attribute_val = &win->disp_unit; return MPI_SUCCESS;
    case MPI_WIN_CREATE_FLAVOR: *(void **)attribute_val = &win->attr_flavor; return MPI_SUCCESS;
    case MPI_WIN_MODEL:         *(void **)attribute_val = &win->attr_model; return MPI_SUCCESS;
    default:
        return bt_attrs_get(BT_ATTR_WIN, &win->attrs, win_keyval, (void **)attribute_val, flag);
    }
}

int PMPI_Win_delete_attr(MPI_Win h, int win_keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_delete_attr");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_delete_attr", h, &win)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_win_keyval_arg("MPI_Win_delete_attr", win, win_keyval, 2)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_attrs_delete(BT_ATTR_WIN, &win->attrs, win->handle, win_keyval)))
        return bt_err_win_code(win, rc, "MPI_Win_delete_attr");
    return MPI_SUCCESS;
}

/* ---- Error handlers. */

int PMPI_Win_create_errhandler(MPI_Win_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_create_errhandler");
    if (!fn || !errhandler)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Win_create_errhandler", "%s is NULL",
                           fn ? "errhandler" : "win_errhandler_fn");
    *errhandler = bt_errhandler_create(BT_ERRH_WIN, (MPI_Comm_errhandler_function *)fn)->handle;
    return MPI_SUCCESS;
}

int PMPI_Win_set_errhandler(MPI_Win h, MPI_Errhandler errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_set_errhandler");
    bt_errhandler_t *errh = bt_errhandler_get(errhandler);
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_set_errhandler", h, &win)) != MPI_SUCCESS)
        return rc;
    if (!errh)
        return bt_err_win(win, MPI_ERR_ARG, "MPI_Win_set_errhandler", "invalid error handler%s",
                          errhandler == MPI_ERRHANDLER_NULL ? " (MPI_ERRHANDLER_NULL)" : "");
    if (!bt_errhandler_is_predefined(errh) && errh->kind != BT_ERRH_WIN)
        return bt_err_win(win, MPI_ERR_ARG, "MPI_Win_set_errhandler",
                          "errhandler was not created for windows");
    bt_errhandler_replace(&win->errh, errh);
    return MPI_SUCCESS;
}

int PMPI_Win_get_errhandler(MPI_Win h, MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_get_errhandler");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_get_errhandler", h, &win)) != MPI_SUCCESS)
        return rc;
    BT_WIN_CHECK_PTR(win, "MPI_Win_get_errhandler", errhandler, "errhandler");
    bt_errhandler_retain(win->errh);
    *errhandler = win->errh->handle;
    return MPI_SUCCESS;
}

int PMPI_Win_call_errhandler(MPI_Win h, int errorcode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Win_call_errhandler");
    bt_win_t *win;
    int rc;

    if ((rc = bt_check_win("MPI_Win_call_errhandler", h, &win)) != MPI_SUCCESS)
        return rc;
    /* As for communicators: the call succeeded if the handler returned. */
    bt_win_raise(win, errorcode);
    return MPI_SUCCESS;
}
