/* Error handler entry points for communicators. */
#include "api/bt_api.h"

static int bt_errh_arg(const char *call, bt_comm_t *comm, MPI_Errhandler h,
                       bt_errhandler_t **errh_p)
{
    bt_errhandler_t *e = bt_errhandler_get(h);

    if (bt_unlikely(!e))
        return bt_err_comm(comm, MPI_ERR_ERRHANDLER, call, "invalid error handler%s",
                           h == MPI_ERRHANDLER_NULL ? " (MPI_ERRHANDLER_NULL)" : "");
    *errh_p = e;
    return MPI_SUCCESS;
}

int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_create_errhandler");
    if (!fn)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Comm_create_errhandler",
                           "comm_errhandler_fn is NULL");
    if (!errhandler)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Comm_create_errhandler",
                           "errhandler is NULL");
    *errhandler = bt_errhandler_create(BT_ERRH_COMM, fn)->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_set_errhandler(MPI_Comm h, MPI_Errhandler eh)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_set_errhandler");
    bt_comm_t *comm = NULL;
    bt_errhandler_t *errh = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_set_errhandler", h, &comm)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_errh_arg("MPI_Comm_set_errhandler", comm, eh, &errh)) != MPI_SUCCESS)
        return rc;
    if (!bt_errhandler_is_predefined(errh) && errh->kind != BT_ERRH_COMM)
        return bt_err_comm(comm, MPI_ERR_ERRHANDLER, "MPI_Comm_set_errhandler",
                           "errhandler was not created for communicators");
    bt_comm_set_errhandler(comm, errh);
    return MPI_SUCCESS;
}

int PMPI_Comm_get_errhandler(MPI_Comm h, MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_get_errhandler");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_get_errhandler", h, &comm)) != MPI_SUCCESS)
        return rc;
    if (!errhandler)
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Comm_get_errhandler", "errhandler is NULL");
    /* A new reference: the standard has the caller free it. */
    bt_errhandler_retain(comm->errh);
    *errhandler = comm->errh->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_call_errhandler(MPI_Comm h, int errorcode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_call_errhandler");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_call_errhandler", h, &comm)) != MPI_SUCCESS)
        return rc;
    /* The handler's verdict is not this call's result: it succeeded if it got
     * to call the handler and the handler returned. */
    bt_comm_raise(comm, errorcode);
    return MPI_SUCCESS;
}

int PMPI_Errhandler_free(MPI_Errhandler *h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Errhandler_free");
    bt_errhandler_t *errh = NULL;
    int rc;

    if (!h)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Errhandler_free", "errhandler is NULL");
    if ((rc = bt_errh_arg("MPI_Errhandler_free", NULL, *h, &errh)) != MPI_SUCCESS)
        return rc;
    /* Communicators still using it keep it alive; predefined ones are never freed. */
    bt_errhandler_release(errh);
    *h = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}
