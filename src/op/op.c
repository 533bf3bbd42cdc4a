/* Op objects: the predefined ops, user ops, which (op, type) pairs are legal,
 * and applying an op to buffers laid out by any datatype. */
#include "op/op_impl.h"
#include "util/bt_fhandle.h"

#include <limits.h>
#include <string.h>

/* Type groups of MPI-4.1 section 6.9.2. */
enum {
    BT_OPG_CINT = 1,      /* C integer */
    BT_OPG_FINT = 2,      /* Fortran integer */
    BT_OPG_FLOAT = 4,     /* floating point */
    BT_OPG_LOGICAL = 8,   /* MPI_LOGICAL(n), MPI_C_BOOL, MPI_CXX_BOOL */
    BT_OPG_COMPLEX = 16,
    BT_OPG_BYTE = 32,
    BT_OPG_MULTI = 64,    /* MPI_AINT, MPI_OFFSET, MPI_COUNT */
    BT_OPG_PAIR = 128,    /* MINLOC/MAXLOC pairs */
};

static const uint8_t bt_op_allowed[BT_OPK_NKERNEL] = {
    [BT_OPK_SUM] = BT_OPG_CINT | BT_OPG_FINT | BT_OPG_FLOAT | BT_OPG_COMPLEX | BT_OPG_MULTI,
    [BT_OPK_PROD] = BT_OPG_CINT | BT_OPG_FINT | BT_OPG_FLOAT | BT_OPG_COMPLEX | BT_OPG_MULTI,
    [BT_OPK_MIN] = BT_OPG_CINT | BT_OPG_FINT | BT_OPG_FLOAT | BT_OPG_MULTI,
    [BT_OPK_MAX] = BT_OPG_CINT | BT_OPG_FINT | BT_OPG_FLOAT | BT_OPG_MULTI,
    [BT_OPK_LAND] = BT_OPG_CINT | BT_OPG_LOGICAL,
    [BT_OPK_LOR] = BT_OPG_CINT | BT_OPG_LOGICAL,
    [BT_OPK_LXOR] = BT_OPG_CINT | BT_OPG_LOGICAL,
    [BT_OPK_BAND] = BT_OPG_CINT | BT_OPG_FINT | BT_OPG_BYTE | BT_OPG_MULTI,
    [BT_OPK_BOR] = BT_OPG_CINT | BT_OPG_FINT | BT_OPG_BYTE | BT_OPG_MULTI,
    [BT_OPK_BXOR] = BT_OPG_CINT | BT_OPG_FINT | BT_OPG_BYTE | BT_OPG_MULTI,
    [BT_OPK_MINLOC] = BT_OPG_PAIR,
    [BT_OPK_MAXLOC] = BT_OPG_PAIR,
};

#define BT_CT_SINT(sz) \
    ((sz) == 1 ? BT_CT_I8 : (sz) == 2 ? BT_CT_I16 : (sz) == 4 ? BT_CT_I32 : (sz) == 8 ? BT_CT_I64 : BT_CT_I128)
#define BT_CT_UINT(sz) (BT_CT_SINT(sz) + 1)

/* Predefined type -> storage type and group. MPI_CHAR, MPI_WCHAR, MPI_CHARACTER
 * and MPI_PACKED are in no group: no predefined op applies to them. */
static const struct { uint8_t ct, grp; } bt_op_types[BT_DTI_TABLE_SIZE] = {
    [BT_DTI_AINT] = {BT_CT_SINT(sizeof(MPI_Aint)), BT_OPG_MULTI},
    [BT_DTI_COUNT] = {BT_CT_SINT(sizeof(MPI_Count)), BT_OPG_MULTI},
    [BT_DTI_OFFSET] = {BT_CT_SINT(sizeof(MPI_Offset)), BT_OPG_MULTI},
    [BT_DTI_SHORT] = {BT_CT_SINT(sizeof(short)), BT_OPG_CINT},
    [BT_DTI_INT] = {BT_CT_SINT(sizeof(int)), BT_OPG_CINT},
    [BT_DTI_LONG] = {BT_CT_SINT(sizeof(long)), BT_OPG_CINT},
    [BT_DTI_LONG_LONG] = {BT_CT_SINT(sizeof(long long)), BT_OPG_CINT},
    [BT_DTI_UNSIGNED_SHORT] = {BT_CT_UINT(sizeof(short)), BT_OPG_CINT},
    [BT_DTI_UNSIGNED] = {BT_CT_UINT(sizeof(int)), BT_OPG_CINT},
    [BT_DTI_UNSIGNED_LONG] = {BT_CT_UINT(sizeof(long)), BT_OPG_CINT},
    [BT_DTI_UNSIGNED_LONG_LONG] = {BT_CT_UINT(sizeof(long long)), BT_OPG_CINT},
    [BT_DTI_SIGNED_CHAR] = {BT_CT_I8, BT_OPG_CINT},
    [BT_DTI_UNSIGNED_CHAR] = {BT_CT_U8, BT_OPG_CINT},
    [BT_DTI_INT8_T] = {BT_CT_I8, BT_OPG_CINT},
    [BT_DTI_UINT8_T] = {BT_CT_U8, BT_OPG_CINT},
    [BT_DTI_INT16_T] = {BT_CT_I16, BT_OPG_CINT},
    [BT_DTI_UINT16_T] = {BT_CT_U16, BT_OPG_CINT},
    [BT_DTI_INT32_T] = {BT_CT_I32, BT_OPG_CINT},
    [BT_DTI_UINT32_T] = {BT_CT_U32, BT_OPG_CINT},
    [BT_DTI_INT64_T] = {BT_CT_I64, BT_OPG_CINT},
    [BT_DTI_UINT64_T] = {BT_CT_U64, BT_OPG_CINT},
    [BT_DTI_INTEGER] = {BT_CT_I32, BT_OPG_FINT},
    [BT_DTI_INTEGER1] = {BT_CT_I8, BT_OPG_FINT},
    [BT_DTI_INTEGER2] = {BT_CT_I16, BT_OPG_FINT},
    [BT_DTI_INTEGER4] = {BT_CT_I32, BT_OPG_FINT},
    [BT_DTI_INTEGER8] = {BT_CT_I64, BT_OPG_FINT},
    [BT_DTI_INTEGER16] = {BT_CT_I128, BT_OPG_FINT},
    [BT_DTI_FLOAT] = {BT_CT_F32, BT_OPG_FLOAT},
    [BT_DTI_DOUBLE] = {BT_CT_F64, BT_OPG_FLOAT},
    [BT_DTI_LONG_DOUBLE] = {BT_CT_FLD, BT_OPG_FLOAT},
    [BT_DTI_REAL] = {BT_CT_F32, BT_OPG_FLOAT},
    [BT_DTI_DOUBLE_PRECISION] = {BT_CT_F64, BT_OPG_FLOAT},
    [BT_DTI_REAL2] = {BT_CT_F16, BT_OPG_FLOAT},
    [BT_DTI_REAL4] = {BT_CT_F32, BT_OPG_FLOAT},
    [BT_DTI_REAL8] = {BT_CT_F64, BT_OPG_FLOAT},
    [BT_DTI_REAL16] = {BT_CT_F128, BT_OPG_FLOAT},
    [BT_DTI_LOGICAL] = {BT_CT_I32, BT_OPG_LOGICAL},
    [BT_DTI_LOGICAL1] = {BT_CT_I8, BT_OPG_LOGICAL},
    [BT_DTI_LOGICAL2] = {BT_CT_I16, BT_OPG_LOGICAL},
    [BT_DTI_LOGICAL4] = {BT_CT_I32, BT_OPG_LOGICAL},
    [BT_DTI_LOGICAL8] = {BT_CT_I64, BT_OPG_LOGICAL},
    [BT_DTI_LOGICAL16] = {BT_CT_I128, BT_OPG_LOGICAL},
    [BT_DTI_C_BOOL] = {BT_CT_BOOL, BT_OPG_LOGICAL},
    [BT_DTI_CXX_BOOL] = {BT_CT_BOOL, BT_OPG_LOGICAL},
    [BT_DTI_C_FLOAT_COMPLEX] = {BT_CT_C32, BT_OPG_COMPLEX},
    [BT_DTI_CXX_FLOAT_COMPLEX] = {BT_CT_C32, BT_OPG_COMPLEX},
    [BT_DTI_C_DOUBLE_COMPLEX] = {BT_CT_C64, BT_OPG_COMPLEX},
    [BT_DTI_CXX_DOUBLE_COMPLEX] = {BT_CT_C64, BT_OPG_COMPLEX},
    [BT_DTI_C_LONG_DOUBLE_COMPLEX] = {BT_CT_CLD, BT_OPG_COMPLEX},
    [BT_DTI_CXX_LONG_DOUBLE_COMPLEX] = {BT_CT_CLD, BT_OPG_COMPLEX},
    [BT_DTI_COMPLEX] = {BT_CT_C32, BT_OPG_COMPLEX},
    [BT_DTI_DOUBLE_COMPLEX] = {BT_CT_C64, BT_OPG_COMPLEX},
    [BT_DTI_COMPLEX4] = {BT_CT_C16, BT_OPG_COMPLEX},
    [BT_DTI_COMPLEX8] = {BT_CT_C32, BT_OPG_COMPLEX},
    [BT_DTI_COMPLEX16] = {BT_CT_C64, BT_OPG_COMPLEX},
    [BT_DTI_COMPLEX32] = {BT_CT_C128, BT_OPG_COMPLEX},
    [BT_DTI_BYTE] = {BT_CT_U8, BT_OPG_BYTE},
    [BT_DTI_FLOAT_INT] = {BT_CT_P_FLOAT_INT, BT_OPG_PAIR},
    [BT_DTI_DOUBLE_INT] = {BT_CT_P_DOUBLE_INT, BT_OPG_PAIR},
    [BT_DTI_LONG_INT] = {BT_CT_P_LONG_INT, BT_OPG_PAIR},
    [BT_DTI_2INT] = {BT_CT_P_2INT, BT_OPG_PAIR},
    [BT_DTI_SHORT_INT] = {BT_CT_P_SHORT_INT, BT_OPG_PAIR},
    [BT_DTI_LONG_DOUBLE_INT] = {BT_CT_P_LDOUBLE_INT, BT_OPG_PAIR},
    [BT_DTI_2REAL] = {BT_CT_P_2FLOAT, BT_OPG_PAIR},
    [BT_DTI_2DOUBLE_PRECISION] = {BT_CT_P_2DOUBLE, BT_OPG_PAIR},
    [BT_DTI_2INTEGER] = {BT_CT_P_2INT, BT_OPG_PAIR},
};

/* Indexed by handle - 0x20 (standard ABI: 0x20-0x3f). */
static bt_op_t bt_op_table[32] = {
    [0x01] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_SUM, NULL, NULL, MPI_SUM},
    [0x02] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_MIN, NULL, NULL, MPI_MIN},
    [0x03] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_MAX, NULL, NULL, MPI_MAX},
    [0x04] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_PROD, NULL, NULL, MPI_PROD},
    [0x08] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_BAND, NULL, NULL, MPI_BAND},
    [0x09] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_BOR, NULL, NULL, MPI_BOR},
    [0x0a] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_BXOR, NULL, NULL, MPI_BXOR},
    [0x10] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_LAND, NULL, NULL, MPI_LAND},
    [0x11] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_LOR, NULL, NULL, MPI_LOR},
    [0x12] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_LXOR, NULL, NULL, MPI_LXOR},
    [0x18] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_MINLOC, NULL, NULL, MPI_MINLOC},
    [0x19] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_MAXLOC, NULL, NULL, MPI_MAXLOC},
    [0x1c] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_REPLACE, NULL, NULL, MPI_REPLACE},
    [0x1d] = {BT_OP_MAGIC, 1, 1, 1, BT_OPK_NO_OP, NULL, NULL, MPI_NO_OP},
};

#define BT_OP_PTR(base, off) ((char *)((uintptr_t)(base) + (uintptr_t)(MPI_Aint)(off)))

bt_op_t *bt_op_get(MPI_Op h)
{
    uintptr_t v = (uintptr_t)h;

    if (BT_HANDLE_IS_PREDEFINED(h)) {
        if (v < 0x20 || v >= 0x40 || bt_op_table[v - 0x20].magic != BT_OP_MAGIC)
            return NULL;
        return &bt_op_table[v - 0x20];
    }
    if (v & (_Alignof(bt_op_t) - 1))
        return NULL;
    bt_op_t *op = (bt_op_t *)h;
    if (op->magic != BT_OP_MAGIC || op->predefined)
        return NULL;
    return op;
}

MPI_Op bt_op_handle(const bt_op_t *op)
{
    return op->handle;
}

bt_op_t *bt_op_create(MPI_User_function *fn, MPI_User_function_c *fn_c, int commute)
{
    bt_op_t *op = bt_calloc(1, sizeof(*op));
    op->magic = BT_OP_MAGIC;
    op->refcount = 1;
    op->commute = commute ? 1 : 0;
    op->kind = BT_OPK_USER;
    op->fn = fn;
    op->fn_c = fn_c;
    op->handle = (MPI_Op)op;
    return op;
}

int bt_op_is_predefined(const bt_op_t *op)
{
    return op->predefined;
}

int bt_op_is_commutative(const bt_op_t *op)
{
    return op->commute;
}

int bt_op_swaps_exactly(const bt_op_t *op, const bt_datatype_t *dt)
{
    int ct;

    if (!op->predefined || dt->basic < 0)
        return 0;
    ct = bt_op_types[dt->basic].ct;
    switch (op->kind) {
    case BT_OPK_SUM: case BT_OPK_PROD:
    case BT_OPK_LAND: case BT_OPK_LOR: case BT_OPK_LXOR:
    case BT_OPK_BAND: case BT_OPK_BOR: case BT_OPK_BXOR:
        return 1;
    case BT_OPK_MIN: case BT_OPK_MAX:
        return ct >= BT_CT_I8 && ct <= BT_CT_BOOL;
    default:
        return 0;
    }
}

void bt_op_retain(bt_op_t *op)
{
    if (!op->predefined)
        __atomic_fetch_add(&op->refcount, 1, __ATOMIC_RELAXED);
}

void bt_op_release(bt_op_t *op)
{
    if (op->predefined || __atomic_sub_fetch(&op->refcount, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    bt_fh_forget(BT_FH_OP, op);
    op->magic = 0;
    free(op);
}

int bt_op_check(const bt_op_t *op, const bt_datatype_t *dt)
{
    if (op->kind >= BT_OPK_NKERNEL)
        return MPI_SUCCESS;   /* user ops, REPLACE, NO_OP: any type */
    if (dt->basic < 0)
        return MPI_ERR_OP;    /* mixed predefined types: only user ops */
    if (!(bt_op_types[dt->basic].grp & bt_op_allowed[op->kind]) ||
        !bt_op_kernels[op->kind][bt_op_types[dt->basic].ct])
        return MPI_ERR_OP;
    return MPI_SUCCESS;
}

/* inout's data = in's data, following the type map (MPI_REPLACE). */
static void bt_op_replace(const void *in, void *inout, MPI_Count count, const bt_datatype_t *dt)
{
    if (dt->contig) {
        memmove(BT_OP_PTR(inout, dt->true_lb), BT_OP_PTR(in, dt->true_lb),
                (size_t)(count * dt->size));
        return;
    }
    for (MPI_Count i = 0; i < count; i++) {
        MPI_Aint base = (MPI_Aint)i * dt->extent;
        for (size_t b = 0; b < dt->nblocks; b++)
            memmove(BT_OP_PTR(inout, base + dt->blocks[b].disp),
                    BT_OP_PTR(in, base + dt->blocks[b].disp), (size_t)dt->blocks[b].len);
    }
}

static void bt_op_apply_user(const bt_op_t *op, const void *in, void *inout, MPI_Count count,
                             const bt_datatype_t *dt)
{
    MPI_Datatype h = dt->handle;

    if (op->fn_c) {
        MPI_Count len = count;
        op->fn_c((void *)in, inout, &len, &h);
        return;
    }
    /* The int-count callback sees at most INT_MAX elements at a time. */
    while (count > 0) {
        int len = (int)BT_MIN(count, (MPI_Count)INT_MAX);
        op->fn((void *)in, inout, &len, &h);
        in = BT_OP_PTR(in, (MPI_Aint)len * dt->extent);
        inout = BT_OP_PTR(inout, (MPI_Aint)len * dt->extent);
        count -= len;
    }
}

void bt_op_apply(const bt_op_t *op, const void *in, void *inout, MPI_Count count,
                 const bt_datatype_t *dt)
{
    if (count <= 0)
        return;
    switch (op->kind) {
    case BT_OPK_USER:
        bt_op_apply_user(op, in, inout, count, dt);
        return;
    case BT_OPK_NO_OP:
        return;
    case BT_OPK_REPLACE:
        bt_op_replace(in, inout, count, dt);
        return;
    default:
        break;
    }

    if (dt->basic < 0)
        return;   /* refused by bt_op_check */
    bt_op_kernel_t k = bt_op_kernels[op->kind][bt_op_types[dt->basic].ct];
    if (!k)
        return;
    if (dt->predefined) {
        k(in, inout, (size_t)count);
        return;
    }

    /* A derived type of one predefined type: its runs, element after element.
     * When one run tiles the extent, all elements are a single run. */
    size_t nruns;
    const bt_dt_run_t *runs = bt_datatype_runs(dt, &nruns);
    const bt_datatype_t *basic = bt_datatype_predefined(dt->basic);
    if (nruns == 1 && (MPI_Aint)runs[0].n * basic->extent == dt->extent) {
        k(BT_OP_PTR(in, runs[0].disp), BT_OP_PTR(inout, runs[0].disp), (size_t)(count * runs[0].n));
        return;
    }
    for (MPI_Count i = 0; i < count; i++) {
        MPI_Aint base = (MPI_Aint)i * dt->extent;
        for (size_t r = 0; r < nruns; r++)
            k(BT_OP_PTR(in, base + runs[r].disp), BT_OP_PTR(inout, base + runs[r].disp),
              (size_t)runs[r].n);
    }
}
