/* Private to op/: kernel table and the op object. */
#ifndef BT_OP_IMPL_H
#define BT_OP_IMPL_H

#include "op/bt_op.h"
#include "util/bt_util.h"

#define BT_OP_MAGIC 0x42744f70u

/* Predefined ops with a kernel per storage type; REPLACE and NO_OP need none. */
enum bt_op_kind {
    BT_OPK_SUM, BT_OPK_PROD, BT_OPK_MIN, BT_OPK_MAX,
    BT_OPK_LAND, BT_OPK_LOR, BT_OPK_LXOR,
    BT_OPK_BAND, BT_OPK_BOR, BT_OPK_BXOR,
    BT_OPK_MINLOC, BT_OPK_MAXLOC,
    BT_OPK_NKERNEL,
    BT_OPK_REPLACE = BT_OPK_NKERNEL, BT_OPK_NO_OP, BT_OPK_USER
};

/* How an element is stored, which is what a kernel needs (MPI_INT and
 * MPI_INTEGER share BT_CT_I32). Signed/unsigned integer pairs are adjacent. */
enum bt_op_ctype {
    BT_CT_NONE,
    BT_CT_I8, BT_CT_U8, BT_CT_I16, BT_CT_U16, BT_CT_I32, BT_CT_U32, BT_CT_I64, BT_CT_U64,
    BT_CT_I128, BT_CT_U128,
    BT_CT_BOOL,
    BT_CT_F16, BT_CT_F32, BT_CT_F64, BT_CT_FLD, BT_CT_F128,
    BT_CT_C16, BT_CT_C32, BT_CT_C64, BT_CT_CLD, BT_CT_C128,
    BT_CT_P_FLOAT_INT, BT_CT_P_DOUBLE_INT, BT_CT_P_LONG_INT, BT_CT_P_2INT, BT_CT_P_SHORT_INT,
    BT_CT_P_LDOUBLE_INT, BT_CT_P_2FLOAT, BT_CT_P_2DOUBLE,
    BT_CT_N
};

/* inout[i] = in[i] op inout[i] for n contiguous elements; in and inout do not overlap. */
typedef void (*bt_op_kernel_t)(const void *in, void *inout, size_t n);
extern const bt_op_kernel_t bt_op_kernels[BT_OPK_NKERNEL][BT_CT_N];

struct bt_op {
    uint32_t             magic;
    int                  refcount;   /* user handle + operations in flight */
    uint8_t              predefined;
    uint8_t              commute;
    uint8_t              kind;       /* enum bt_op_kind */
    MPI_User_function   *fn;
    MPI_User_function_c *fn_c;
    MPI_Op               handle;
};

#endif
