/* Reduction operations: predefined ops on every type the standard allows, user ops. */
#ifndef BT_OP_H
#define BT_OP_H

#include "api/bt_mpi.h"
#include "datatype/bt_datatype.h"

typedef struct bt_op bt_op_t;

/* NULL when h is not an op (MPI_OP_NULL, garbage, freed). */
bt_op_t *bt_op_get(MPI_Op h);
/* MPI_SUCCESS, or MPI_ERR_OP when op is a predefined op not defined on dt
 * (MPI_BAND on MPI_DOUBLE, MINLOC on a non-pair type, ...). */
int  bt_op_check(const bt_op_t *op, const bt_datatype_t *dt);
/* inout[i] = in[i] op inout[i] for count elements of dt: `in` holds the operand
 * from the lower rank, as the standard orders non-commutative ops. */
void bt_op_apply(const bt_op_t *op, const void *in, void *inout, MPI_Count count,
                 const bt_datatype_t *dt);
int  bt_op_is_commutative(const bt_op_t *op);
/* a op b and b op a are the same bits for every a, b of dt: a predefined sum,
 * product, logical or bitwise op, or MIN/MAX on integers (not on floating point,
 * where a NaN operand makes the order show). */
int  bt_op_swaps_exactly(const bt_op_t *op, const bt_datatype_t *dt);
void bt_op_retain(bt_op_t *op);
void bt_op_release(bt_op_t *op);

/* ---- Added by the op layer (everything above is the original contract) ---- */

/* A user op (MPI_Op_create, MPI_Op_create_c: exactly one of fn, fn_c), refcount 1. */
bt_op_t *bt_op_create(MPI_User_function *fn, MPI_User_function_c *fn_c, int commute);
MPI_Op   bt_op_handle(const bt_op_t *op);
int      bt_op_is_predefined(const bt_op_t *op);

#endif
