/* MPI_Op_* and MPI_Reduce_local: argument checks, then one call into op/.
 * Errors go to MPI_COMM_SELF's handler: these calls act on no communicator. */
#include "api/bt_api.h"
#include "datatype/bt_datatype.h"
#include "op/bt_op.h"

#include <string.h>

static const char *bt_op_api_name(MPI_Op h)
{
    if (h == MPI_SUM) return "MPI_SUM";
    if (h == MPI_PROD) return "MPI_PROD";
    if (h == MPI_MIN) return "MPI_MIN";
    if (h == MPI_MAX) return "MPI_MAX";
    if (h == MPI_LAND) return "MPI_LAND";
    if (h == MPI_LOR) return "MPI_LOR";
    if (h == MPI_LXOR) return "MPI_LXOR";
    if (h == MPI_BAND) return "MPI_BAND";
    if (h == MPI_BOR) return "MPI_BOR";
    if (h == MPI_BXOR) return "MPI_BXOR";
    if (h == MPI_MINLOC) return "MPI_MINLOC";
    if (h == MPI_MAXLOC) return "MPI_MAXLOC";
    if (h == MPI_REPLACE) return "MPI_REPLACE";
    if (h == MPI_NO_OP) return "MPI_NO_OP";
    return "a user-defined op";
}

static int bt_op_api_create(const char *call, MPI_User_function *fn, MPI_User_function_c *fn_c,
                            int commute, MPI_Op *op)
{
    if (!fn && !fn_c)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "user_fn is NULL");
    if (!op)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "op is NULL");
    *op = bt_op_handle(bt_op_create(fn, fn_c, commute));
    return MPI_SUCCESS;
}

int PMPI_Op_create(MPI_User_function *user_fn, int commute, MPI_Op *op)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Op_create");
    return bt_op_api_create("MPI_Op_create", user_fn, NULL, commute, op);
}

int PMPI_Op_create_c(MPI_User_function_c *user_fn, int commute, MPI_Op *op)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Op_create_c");
    return bt_op_api_create("MPI_Op_create_c", NULL, user_fn, commute, op);
}

int PMPI_Op_free(MPI_Op *op)
{
    static const char call[] = "MPI_Op_free";
    bt_op_t *o;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (!op)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "op is NULL");
    if (!(o = bt_op_get(*op)))
        return bt_err_comm(NULL, MPI_ERR_OP, call, "invalid op%s",
                           *op == MPI_OP_NULL ? " (MPI_OP_NULL)" : "");
    if (bt_op_is_predefined(o))
        return bt_err_comm(NULL, MPI_ERR_OP, call, "%s is predefined and cannot be freed",
                           bt_op_api_name(*op));
    /* Reductions still in flight hold their own references. */
    bt_op_release(o);
    *op = MPI_OP_NULL;
    return MPI_SUCCESS;
}

int PMPI_Op_commutative(MPI_Op op, int *commute)
{
    static const char call[] = "MPI_Op_commutative";
    bt_op_t *o;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (!(o = bt_op_get(op)))
        return bt_err_comm(NULL, MPI_ERR_OP, call, "invalid op%s",
                           op == MPI_OP_NULL ? " (MPI_OP_NULL)" : "");
    if (!commute)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "commute is NULL");
    *commute = bt_op_is_commutative(o);
    return MPI_SUCCESS;
}

static int bt_op_api_reduce_local(const char *call, const void *inbuf, void *inoutbuf,
                                  MPI_Count count, MPI_Datatype datatype, MPI_Op op)
{
    bt_datatype_t *dt = NULL;
    bt_op_t *o;
    int rc;

    if (count < 0)
        return bt_err_comm(NULL, MPI_ERR_COUNT, call, "count is %lld, must be non-negative",
                           (long long)count);
    if (!(dt = bt_datatype_get(datatype)))
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "invalid datatype%s",
                           datatype == MPI_DATATYPE_NULL ? " (MPI_DATATYPE_NULL)" : "");
    if (!dt->committed)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call,
                           "datatype is not committed (call MPI_Type_commit first)");
    if (!(o = bt_op_get(op)))
        return bt_err_comm(NULL, MPI_ERR_OP, call, "invalid op%s",
                           op == MPI_OP_NULL ? " (MPI_OP_NULL)" : "");
    if ((rc = bt_op_check(o, dt)) != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, call, "%s is not defined on %s", bt_op_api_name(op),
                           dt->name[0] ? dt->name : dt->basic < 0 ? "a datatype of mixed types"
                                                                  : "this derived datatype");
    if (inbuf == MPI_IN_PLACE || inoutbuf == MPI_IN_PLACE)
        return bt_err_comm(NULL, MPI_ERR_BUFFER, call, "MPI_IN_PLACE is not allowed here");
    /* MPI_BOTTOM is NULL too: only a type that starts at offset 0 rules it out. */
    if (count > 0 && dt->size > 0 && dt->true_lb == 0 && (!inbuf || !inoutbuf))
        return bt_err_comm(NULL, MPI_ERR_BUFFER, call, "%s is NULL but count is %lld",
                           !inbuf ? "inbuf" : "inoutbuf", (long long)count);
    bt_op_apply(o, inbuf, inoutbuf, count, dt);
    return MPI_SUCCESS;
}

int PMPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype datatype,
                      MPI_Op op)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Reduce_local");
    return bt_op_api_reduce_local("MPI_Reduce_local", inbuf, inoutbuf, count, datatype, op);
}

int PMPI_Reduce_local_c(const void *inbuf, void *inoutbuf, MPI_Count count, MPI_Datatype datatype,
                        MPI_Op op)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Reduce_local_c");
    return bt_op_api_reduce_local("MPI_Reduce_local_c", inbuf, inoutbuf, count, datatype, op);
}
