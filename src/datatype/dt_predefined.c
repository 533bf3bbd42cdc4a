/* The predefined datatypes: one static entry per standard-ABI handle 0x200-0x2ff.
 *
 * Sizes and alignments come from the C types the compiler uses for each MPI type,
 * so the table is right on every LP64 Linux target gcc supports (x86_64, aarch64).
 * The Fortran types assume gfortran's defaults: INTEGER, LOGICAL, REAL are 4
 * bytes, DOUBLE PRECISION 8, CHARACTER 1. */
#include "datatype/dt_impl.h"

#include <complex.h>
#include <stddef.h>
#include <wchar.h>

/* Storage stand-ins for types whose arithmetic lives in op/: only size and
 * alignment matter here. */
typedef struct { uint16_t re, im; } bt_dt_c4_t;           /* COMPLEX*4: two REAL*2 */
typedef struct { __int128 re, im; } bt_dt_c32_t;          /* COMPLEX*32: two REAL*16 */

/* X(index, NAME, C type): one block, size == extent == sizeof. */
#define BT_DT_SIMPLE_TYPES(X)                                              \
    X(BT_DTI_AINT, AINT, MPI_Aint)                                         \
    X(BT_DTI_COUNT, COUNT, MPI_Count)                                      \
    X(BT_DTI_OFFSET, OFFSET, MPI_Offset)                                   \
    X(BT_DTI_PACKED, PACKED, unsigned char)                                \
    X(BT_DTI_SHORT, SHORT, short)                                          \
    X(BT_DTI_INT, INT, int)                                                \
    X(BT_DTI_LONG, LONG, long)                                             \
    X(BT_DTI_LONG_LONG, LONG_LONG, long long)                              \
    X(BT_DTI_UNSIGNED_SHORT, UNSIGNED_SHORT, unsigned short)               \
    X(BT_DTI_UNSIGNED, UNSIGNED, unsigned)                                 \
    X(BT_DTI_UNSIGNED_LONG, UNSIGNED_LONG, unsigned long)                  \
    X(BT_DTI_UNSIGNED_LONG_LONG, UNSIGNED_LONG_LONG, unsigned long long)   \
    X(BT_DTI_FLOAT, FLOAT, float)                                          \
    X(BT_DTI_C_FLOAT_COMPLEX, C_FLOAT_COMPLEX, float _Complex)             \
    X(BT_DTI_CXX_FLOAT_COMPLEX, CXX_FLOAT_COMPLEX, float _Complex)         \
    X(BT_DTI_DOUBLE, DOUBLE, double)                                       \
    X(BT_DTI_C_DOUBLE_COMPLEX, C_DOUBLE_COMPLEX, double _Complex)          \
    X(BT_DTI_CXX_DOUBLE_COMPLEX, CXX_DOUBLE_COMPLEX, double _Complex)      \
    X(BT_DTI_LOGICAL, LOGICAL, int)                                        \
    X(BT_DTI_INTEGER, INTEGER, int)                                        \
    X(BT_DTI_REAL, REAL, float)                                            \
    X(BT_DTI_COMPLEX, COMPLEX, float _Complex)                             \
    X(BT_DTI_DOUBLE_PRECISION, DOUBLE_PRECISION, double)                   \
    X(BT_DTI_DOUBLE_COMPLEX, DOUBLE_COMPLEX, double _Complex)              \
    X(BT_DTI_CHARACTER, CHARACTER, char)                                   \
    X(BT_DTI_LONG_DOUBLE, LONG_DOUBLE, long double)                        \
    X(BT_DTI_C_LONG_DOUBLE_COMPLEX, C_LONG_DOUBLE_COMPLEX, long double _Complex)     \
    X(BT_DTI_CXX_LONG_DOUBLE_COMPLEX, CXX_LONG_DOUBLE_COMPLEX, long double _Complex) \
    X(BT_DTI_C_BOOL, C_BOOL, _Bool)                                        \
    X(BT_DTI_CXX_BOOL, CXX_BOOL, _Bool) /* g++'s bool is one byte too */   \
    X(BT_DTI_WCHAR, WCHAR, wchar_t)                                        \
    X(BT_DTI_INT8_T, INT8_T, int8_t)                                       \
    X(BT_DTI_UINT8_T, UINT8_T, uint8_t)                                    \
    X(BT_DTI_CHAR, CHAR, char)                                             \
    X(BT_DTI_SIGNED_CHAR, SIGNED_CHAR, signed char)                        \
    X(BT_DTI_UNSIGNED_CHAR, UNSIGNED_CHAR, unsigned char)                  \
    X(BT_DTI_BYTE, BYTE, unsigned char)                                    \
    X(BT_DTI_INT16_T, INT16_T, int16_t)                                    \
    X(BT_DTI_UINT16_T, UINT16_T, uint16_t)                                 \
    X(BT_DTI_INT32_T, INT32_T, int32_t)                                    \
    X(BT_DTI_UINT32_T, UINT32_T, uint32_t)                                 \
    X(BT_DTI_INT64_T, INT64_T, int64_t)                                    \
    X(BT_DTI_UINT64_T, UINT64_T, uint64_t)                                 \
    X(BT_DTI_LOGICAL1, LOGICAL1, int8_t)                                   \
    X(BT_DTI_INTEGER1, INTEGER1, int8_t)                                   \
    X(BT_DTI_LOGICAL2, LOGICAL2, int16_t)                                  \
    X(BT_DTI_INTEGER2, INTEGER2, int16_t)                                  \
    X(BT_DTI_REAL2, REAL2, uint16_t)                                       \
    X(BT_DTI_LOGICAL4, LOGICAL4, int32_t)                                  \
    X(BT_DTI_INTEGER4, INTEGER4, int32_t)                                  \
    X(BT_DTI_REAL4, REAL4, float)                                          \
    X(BT_DTI_COMPLEX4, COMPLEX4, bt_dt_c4_t)                               \
    X(BT_DTI_LOGICAL8, LOGICAL8, int64_t)                                  \
    X(BT_DTI_INTEGER8, INTEGER8, int64_t)                                  \
    X(BT_DTI_REAL8, REAL8, double)                                         \
    X(BT_DTI_COMPLEX8, COMPLEX8, float _Complex)                           \
    X(BT_DTI_LOGICAL16, LOGICAL16, __int128)                               \
    X(BT_DTI_INTEGER16, INTEGER16, __int128)                               \
    X(BT_DTI_REAL16, REAL16, __int128) /* REAL*16: gfortran's quad, 16 bytes, 16-aligned */ \
    X(BT_DTI_COMPLEX16, COMPLEX16, double _Complex)                        \
    X(BT_DTI_COMPLEX32, COMPLEX32, bt_dt_c32_t)

/* P(index, NAME, value type, index type): MINLOC/MAXLOC pairs, laid out as the C
 * struct {value; index;} so that padding is part of the extent but not the size. */
#define BT_DT_PAIR_TYPES(P)                                                \
    P(BT_DTI_FLOAT_INT, FLOAT_INT, float, int)                             \
    P(BT_DTI_DOUBLE_INT, DOUBLE_INT, double, int)                          \
    P(BT_DTI_LONG_INT, LONG_INT, long, int)                                \
    P(BT_DTI_2INT, 2INT, int, int)                                         \
    P(BT_DTI_SHORT_INT, SHORT_INT, short, int)                             \
    P(BT_DTI_LONG_DOUBLE_INT, LONG_DOUBLE_INT, long double, int)           \
    P(BT_DTI_2REAL, 2REAL, float, float)                                   \
    P(BT_DTI_2DOUBLE_PRECISION, 2DOUBLE_PRECISION, double, double)         \
    P(BT_DTI_2INTEGER, 2INTEGER, int, int)

#define BT_DT_HANDLE(idx) ((MPI_Datatype)(uintptr_t)(0x200 + (idx)))

#define BT_DT_SIMPLE_STORAGE(IDX, NAME, T)                                           \
    static bt_dt_block_t bt_dt_blk_##NAME[1] = {{0, sizeof(T)}};                      \
    static bt_dt_run_t bt_dt_run_##NAME[1] = {{0, 1, IDX}};                           \
    static bt_dt_priv_t bt_dt_priv_##NAME = {                                         \
        .align = _Alignof(T), .blen = sizeof(T), .nelems = 1, .nruns = 1,             \
        .runs = bt_dt_run_##NAME, .combiner = MPI_COMBINER_NAMED};
BT_DT_SIMPLE_TYPES(BT_DT_SIMPLE_STORAGE)

#define BT_DT_PAIR_GAP(NAME) (offsetof(struct bt_dt_pair_##NAME, i) != sizeof(((struct bt_dt_pair_##NAME *)0)->v))
#define BT_DT_PAIR_VSIZE(NAME) sizeof(((struct bt_dt_pair_##NAME *)0)->v)
#define BT_DT_PAIR_ISIZE(NAME) sizeof(((struct bt_dt_pair_##NAME *)0)->i)
#define BT_DT_PAIR_STORAGE(IDX, NAME, VT, IT)                                        \
    struct bt_dt_pair_##NAME { VT v; IT i; };                                        \
    static bt_dt_block_t bt_dt_blk_##NAME[2] = {                                      \
        {0, BT_DT_PAIR_GAP(NAME) ? BT_DT_PAIR_VSIZE(NAME)                             \
                                 : BT_DT_PAIR_VSIZE(NAME) + BT_DT_PAIR_ISIZE(NAME)},  \
        {offsetof(struct bt_dt_pair_##NAME, i), BT_DT_PAIR_ISIZE(NAME)}};             \
    static bt_dt_run_t bt_dt_run_##NAME[1] = {{0, 1, IDX}};                           \
    static bt_dt_priv_t bt_dt_priv_##NAME = {                                         \
        .align = _Alignof(struct bt_dt_pair_##NAME),                                  \
        .blen = BT_DT_PAIR_GAP(NAME) ? 0 : BT_DT_PAIR_VSIZE(NAME) + BT_DT_PAIR_ISIZE(NAME), \
        .nelems = 2, .nruns = 1, .runs = bt_dt_run_##NAME, .combiner = MPI_COMBINER_NAMED};
BT_DT_PAIR_TYPES(BT_DT_PAIR_STORAGE)

#define BT_DT_SIMPLE_ENTRY(IDX, NAME, T)                                             \
    [IDX] = {.magic = BT_DATATYPE_MAGIC, .refcount = 1, .predefined = 1, .committed = 1, \
             .contig = 1, .basic = IDX, .size = sizeof(T), .lb = 0, .extent = sizeof(T), \
             .true_lb = 0, .true_extent = sizeof(T), .nbasic = 1, .nblocks = 1,          \
             .blocks = bt_dt_blk_##NAME, .handle = BT_DT_HANDLE(IDX),                    \
             .name = "MPI_" #NAME, .constructor = &bt_dt_priv_##NAME},

#define BT_DT_PAIR_ENTRY(IDX, NAME, VT, IT)                                          \
    [IDX] = {.magic = BT_DATATYPE_MAGIC, .refcount = 1, .predefined = 1, .committed = 1, \
             .contig = !BT_DT_PAIR_GAP(NAME) &&                                          \
                       sizeof(VT) + sizeof(IT) == sizeof(struct bt_dt_pair_##NAME),      \
             .basic = IDX, .size = sizeof(VT) + sizeof(IT), .lb = 0,                     \
             .extent = sizeof(struct bt_dt_pair_##NAME), .true_lb = 0,                   \
             .true_extent = offsetof(struct bt_dt_pair_##NAME, i) + sizeof(IT),          \
             .nbasic = 1, .nblocks = BT_DT_PAIR_GAP(NAME) ? 2 : 1,                       \
             .blocks = bt_dt_blk_##NAME, .handle = BT_DT_HANDLE(IDX),                    \
             .name = "MPI_" #NAME, .constructor = &bt_dt_priv_##NAME},

/* Not const: MPI_Type_set_name may rename a predefined type. */
static bt_datatype_t bt_dt_table[BT_DTI_TABLE_SIZE] = {
    BT_DT_SIMPLE_TYPES(BT_DT_SIMPLE_ENTRY)
    BT_DT_PAIR_TYPES(BT_DT_PAIR_ENTRY)
};

#define BT_DT_PAIR_VALUE_CASE(IDX, NAME, VT, IT) case IDX: return sizeof(VT);
MPI_Aint bt_dt_pair_value_size(int idx)
{
    switch (idx) {
        BT_DT_PAIR_TYPES(BT_DT_PAIR_VALUE_CASE)
    default:
        return 0;
    }
}

bt_datatype_t *bt_datatype_predefined(int idx)
{
    if (idx < 0 || idx >= BT_DTI_TABLE_SIZE || bt_dt_table[idx].magic != BT_DATATYPE_MAGIC)
        return NULL;
    return &bt_dt_table[idx];
}

bt_datatype_t *bt_datatype_get(MPI_Datatype h)
{
    uintptr_t v = (uintptr_t)h;

    if (bt_likely(BT_HANDLE_IS_PREDEFINED(h))) {
        if (v < 0x200 || v >= 0x300)
            return NULL;
        return bt_datatype_predefined((int)(v - 0x200));
    }
    /* Derived: a pointer to our object. Misaligned values are rejected before we
     * read through them; a freed type has magic 0. */
    if (v & (_Alignof(bt_datatype_t) - 1))
        return NULL;
    bt_datatype_t *dt = (bt_datatype_t *)h;
    if (dt->magic != BT_DATATYPE_MAGIC || dt->predefined)
        return NULL;
    return dt;
}

int bt_datatype_init(void)
{
    /* The index enum is written out by hand; make sure it agrees with mpi.h. */
    static const struct { MPI_Datatype h; int idx; } check[] = {
        {MPI_AINT, BT_DTI_AINT}, {MPI_COUNT, BT_DTI_COUNT}, {MPI_OFFSET, BT_DTI_OFFSET},
        {MPI_PACKED, BT_DTI_PACKED}, {MPI_BYTE, BT_DTI_BYTE}, {MPI_SHORT, BT_DTI_SHORT},
        {MPI_INT, BT_DTI_INT}, {MPI_LONG, BT_DTI_LONG}, {MPI_LONG_LONG, BT_DTI_LONG_LONG},
        {MPI_UNSIGNED_SHORT, BT_DTI_UNSIGNED_SHORT}, {MPI_UNSIGNED, BT_DTI_UNSIGNED},
        {MPI_UNSIGNED_LONG, BT_DTI_UNSIGNED_LONG},
        {MPI_UNSIGNED_LONG_LONG, BT_DTI_UNSIGNED_LONG_LONG}, {MPI_CHAR, BT_DTI_CHAR},
        {MPI_SIGNED_CHAR, BT_DTI_SIGNED_CHAR}, {MPI_UNSIGNED_CHAR, BT_DTI_UNSIGNED_CHAR},
        {MPI_WCHAR, BT_DTI_WCHAR}, {MPI_FLOAT, BT_DTI_FLOAT}, {MPI_DOUBLE, BT_DTI_DOUBLE},
        {MPI_LONG_DOUBLE, BT_DTI_LONG_DOUBLE}, {MPI_C_FLOAT_COMPLEX, BT_DTI_C_FLOAT_COMPLEX},
        {MPI_C_DOUBLE_COMPLEX, BT_DTI_C_DOUBLE_COMPLEX},
        {MPI_C_LONG_DOUBLE_COMPLEX, BT_DTI_C_LONG_DOUBLE_COMPLEX},
        {MPI_CXX_FLOAT_COMPLEX, BT_DTI_CXX_FLOAT_COMPLEX},
        {MPI_CXX_DOUBLE_COMPLEX, BT_DTI_CXX_DOUBLE_COMPLEX},
        {MPI_CXX_LONG_DOUBLE_COMPLEX, BT_DTI_CXX_LONG_DOUBLE_COMPLEX},
        {MPI_CXX_BOOL, BT_DTI_CXX_BOOL}, {MPI_C_BOOL, BT_DTI_C_BOOL},
        {MPI_INT8_T, BT_DTI_INT8_T}, {MPI_UINT8_T, BT_DTI_UINT8_T}, {MPI_INT16_T, BT_DTI_INT16_T},
        {MPI_UINT16_T, BT_DTI_UINT16_T}, {MPI_INT32_T, BT_DTI_INT32_T},
        {MPI_UINT32_T, BT_DTI_UINT32_T}, {MPI_INT64_T, BT_DTI_INT64_T},
        {MPI_UINT64_T, BT_DTI_UINT64_T}, {MPI_FLOAT_INT, BT_DTI_FLOAT_INT},
        {MPI_DOUBLE_INT, BT_DTI_DOUBLE_INT}, {MPI_LONG_INT, BT_DTI_LONG_INT},
        {MPI_2INT, BT_DTI_2INT}, {MPI_SHORT_INT, BT_DTI_SHORT_INT},
        {MPI_LONG_DOUBLE_INT, BT_DTI_LONG_DOUBLE_INT}, {MPI_2REAL, BT_DTI_2REAL},
        {MPI_2DOUBLE_PRECISION, BT_DTI_2DOUBLE_PRECISION}, {MPI_2INTEGER, BT_DTI_2INTEGER},
        {MPI_LOGICAL, BT_DTI_LOGICAL}, {MPI_INTEGER, BT_DTI_INTEGER}, {MPI_REAL, BT_DTI_REAL},
        {MPI_COMPLEX, BT_DTI_COMPLEX}, {MPI_DOUBLE_PRECISION, BT_DTI_DOUBLE_PRECISION},
        {MPI_DOUBLE_COMPLEX, BT_DTI_DOUBLE_COMPLEX}, {MPI_CHARACTER, BT_DTI_CHARACTER},
        {MPI_LOGICAL1, BT_DTI_LOGICAL1}, {MPI_INTEGER1, BT_DTI_INTEGER1},
        {MPI_LOGICAL2, BT_DTI_LOGICAL2}, {MPI_INTEGER2, BT_DTI_INTEGER2},
        {MPI_REAL2, BT_DTI_REAL2}, {MPI_LOGICAL4, BT_DTI_LOGICAL4},
        {MPI_INTEGER4, BT_DTI_INTEGER4}, {MPI_REAL4, BT_DTI_REAL4},
        {MPI_COMPLEX4, BT_DTI_COMPLEX4}, {MPI_LOGICAL8, BT_DTI_LOGICAL8},
        {MPI_INTEGER8, BT_DTI_INTEGER8}, {MPI_REAL8, BT_DTI_REAL8},
        {MPI_COMPLEX8, BT_DTI_COMPLEX8}, {MPI_LOGICAL16, BT_DTI_LOGICAL16},
        {MPI_INTEGER16, BT_DTI_INTEGER16}, {MPI_REAL16, BT_DTI_REAL16},
        {MPI_COMPLEX16, BT_DTI_COMPLEX16}, {MPI_COMPLEX32, BT_DTI_COMPLEX32},
    };
    for (size_t i = 0; i < BT_ARRAY_LEN(check); i++) {
        if (BT_HANDLE_INDEX(check[i].h) - 0x200 != (unsigned)check[i].idx ||
            !bt_datatype_predefined(check[i].idx))
            return MPI_ERR_INTERN;
    }
    return MPI_SUCCESS;
}

void bt_datatype_finalize(void)
{
}
