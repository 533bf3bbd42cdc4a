/* Attribute caching entry points on communicators (and the MPI-1 spellings) and
 * on datatypes. */
#include "api/bt_api.h"

static int bt_keyval_arg(const char *call, bt_comm_t *comm, int keyval, int writable,
                         bt_attr_kind_t kind)
{
    switch (bt_keyval_check_kind(keyval, kind)) {
    case 1:
        return MPI_SUCCESS;
    case 2:
        if (!writable)
            return MPI_SUCCESS;
        return bt_err_comm(comm, MPI_ERR_KEYVAL, call, "keyval %d is predefined and read-only",
                           keyval);
    default:
        return bt_err_comm(comm, MPI_ERR_KEYVAL, call, "invalid keyval %d%s", keyval,
                           keyval == MPI_KEYVAL_INVALID ? " (MPI_KEYVAL_INVALID)" : "");
    }
}

static int bt_keyval_create_common(const char *call, MPI_Comm_copy_attr_function *copy_fn,
                                   MPI_Comm_delete_attr_function *delete_fn, int *keyval,
                                   void *extra_state)
{
    if (!keyval)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "keyval is NULL");
    return bt_keyval_create(copy_fn, delete_fn, extra_state, keyval);
}

int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function *copy_fn,
                            MPI_Comm_delete_attr_function *delete_fn, int *keyval,
                            void *extra_state)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_create_keyval");
    return bt_keyval_create_common("MPI_Comm_create_keyval", copy_fn, delete_fn, keyval,
                                   extra_state);
}

int PMPI_Keyval_create(MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn,
                       int *keyval, void *extra_state)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Keyval_create");
    return bt_keyval_create_common("MPI_Keyval_create", copy_fn, delete_fn, keyval,
                                   extra_state);
}

static int bt_keyval_free_common(const char *call, int *keyval, bt_attr_kind_t kind)
{
    int rc;

    if (!keyval)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "keyval is NULL");
    if ((rc = bt_keyval_arg(call, NULL, *keyval, 1, kind)) != MPI_SUCCESS)
        return rc;
    bt_keyval_free(*keyval);
    *keyval = MPI_KEYVAL_INVALID;
    return MPI_SUCCESS;
}

int PMPI_Comm_free_keyval(int *keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_free_keyval");
    return bt_keyval_free_common("MPI_Comm_free_keyval", keyval, BT_ATTR_COMM);
}

int PMPI_Keyval_free(int *keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Keyval_free");
    return bt_keyval_free_common("MPI_Keyval_free", keyval, BT_ATTR_COMM);
}

static int bt_attr_set_common(const char *call, MPI_Comm h, int keyval, void *value)
{
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_keyval_arg(call, comm, keyval, 1, BT_ATTR_COMM)) != MPI_SUCCESS)
        return rc;
    /* Fails only when the delete callback of the value replaced fails. */
    if ((rc = bt_attr_set(comm, keyval, value)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, call);
    return MPI_SUCCESS;
}

int PMPI_Comm_set_attr(MPI_Comm comm, int keyval, void *attribute_val)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_set_attr");
    return bt_attr_set_common("MPI_Comm_set_attr", comm, keyval, attribute_val);
}

int PMPI_Attr_put(MPI_Comm comm, int keyval, void *attribute_val)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Attr_put");
    return bt_attr_set_common("MPI_Attr_put", comm, keyval, attribute_val);
}

static int bt_attr_get_common(const char *call, MPI_Comm h, int keyval, void *attribute_val,
                              int *flag)
{
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_keyval_arg(call, comm, keyval, 0, BT_ATTR_COMM)) != MPI_SUCCESS)
        return rc;
    if (!attribute_val || !flag)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is NULL",
                           !attribute_val ? "attribute_val" : "flag");
    /* attribute_val is really a void **: the value stored, or for the predefined
     * keys a pointer to their int. */
    return bt_attr_get(comm, keyval, (void **)attribute_val, flag);
}

int PMPI_Comm_get_attr(MPI_Comm comm, int keyval, void *attribute_val, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_get_attr");
    return bt_attr_get_common("MPI_Comm_get_attr", comm, keyval, attribute_val, flag);
}

int PMPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Attr_get");
    return bt_attr_get_common("MPI_Attr_get", comm, keyval, attribute_val, flag);
}

static int bt_attr_delete_common(const char *call, MPI_Comm h, int keyval)
{
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_keyval_arg(call, comm, keyval, 1, BT_ATTR_COMM)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_attr_delete(comm, keyval)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, call);
    return MPI_SUCCESS;
}

int PMPI_Comm_delete_attr(MPI_Comm comm, int keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_delete_attr");
    return bt_attr_delete_common("MPI_Comm_delete_attr", comm, keyval);
}

int PMPI_Attr_delete(MPI_Comm comm, int keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Attr_delete");
    return bt_attr_delete_common("MPI_Attr_delete", comm, keyval);
}

/* ---- datatypes: the same, with the type's handle given to the callbacks and
 * errors raised on MPI_COMM_SELF. Predefined types take attributes too. */

static int bt_type_attr_args(const char *call, MPI_Datatype h, int keyval, bt_datatype_t **dt_p)
{
    *dt_p = bt_datatype_get(h);
    if (!*dt_p)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "invalid datatype%s",
                           h == MPI_DATATYPE_NULL ? " (MPI_DATATYPE_NULL)" : "");
    return bt_keyval_arg(call, NULL, keyval, 1, BT_ATTR_TYPE);
}

int PMPI_Type_create_keyval(MPI_Type_copy_attr_function *type_copy_attr_fn,
                            MPI_Type_delete_attr_function *type_delete_attr_fn,
                            int *type_keyval, void *extra_state)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_keyval");
    if (!type_keyval)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_create_keyval", "type_keyval is NULL");
    return bt_type_keyval_create(type_copy_attr_fn, type_delete_attr_fn, extra_state,
                                 type_keyval);
}

int PMPI_Type_free_keyval(int *type_keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_free_keyval");
    return bt_keyval_free_common("MPI_Type_free_keyval", type_keyval, BT_ATTR_TYPE);
}

int PMPI_Type_set_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_set_attr");
    bt_datatype_t *dt;
    int rc;

    if ((rc = bt_type_attr_args("MPI_Type_set_attr", datatype, type_keyval, &dt)))
        return rc;
    /* Fails only when the delete callback of the value replaced fails. */
    if ((rc = bt_attrs_set(BT_ATTR_TYPE, &dt->attrs, dt->handle, type_keyval, attribute_val)))
        return bt_err_comm_code(NULL, rc, "MPI_Type_set_attr");
    return MPI_SUCCESS;
}

int PMPI_Type_get_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_attr");
    bt_datatype_t *dt;
    int rc;

    if ((rc = bt_type_attr_args("MPI_Type_get_attr", datatype, type_keyval, &dt)))
        return rc;
    if (!attribute_val || !flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_get_attr", "%s is NULL",
                           !attribute_val ? "attribute_val" : "flag");
    return bt_attrs_get(BT_ATTR_TYPE, &dt->attrs, type_keyval, (void **)attribute_val, flag);
}

int PMPI_Type_delete_attr(MPI_Datatype datatype, int type_keyval)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_delete_attr");
    bt_datatype_t *dt;
    int rc;

    if ((rc = bt_type_attr_args("MPI_Type_delete_attr", datatype, type_keyval, &dt)))
        return rc;
    if ((rc = bt_attrs_delete(BT_ATTR_TYPE, &dt->attrs, dt->handle, type_keyval)))
        return bt_err_comm_code(NULL, rc, "MPI_Type_delete_attr");
    return MPI_SUCCESS;
}
