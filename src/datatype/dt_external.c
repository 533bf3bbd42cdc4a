/* The "external32" data representation (MPI-4.1 13.5.2) for MPI_Pack_external:
 * big-endian, IEEE formats, and fixed sizes that differ from this platform's
 * for some types (MPI_LONG is 4 bytes, MPI_WCHAR 2, MPI_LONG_DOUBLE a 16-byte
 * IEEE quad). Each predefined type is described by one or two components (a
 * complex number or a MINLOC pair has two) and converted component by component,
 * walking the type's runs. */
#include "datatype/dt_impl.h"

#include <stddef.h>
#include <string.h>
#include <wchar.h>

#ifndef __FLT128_MAX__
#error "external32 needs _Float128 for MPI_LONG_DOUBLE"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "external32 conversion is written for little-endian hosts"
#endif

enum { BT_X_NONE, BT_X_RAW, BT_X_SINT, BT_X_UINT, BT_X_FLOAT, BT_X_LDOUBLE };

typedef struct bt_dt_xcomp {
    uint8_t kind;
    uint8_t nsize;   /* bytes here */
    uint8_t esize;   /* bytes in external32 */
    uint8_t off;     /* offset of the component in the native element */
} bt_dt_xcomp_t;

typedef struct bt_dt_xtype {
    bt_dt_xcomp_t c[2];
} bt_dt_xtype_t;

#define X1(k, n, e) {{{k, n, e, 0}, {BT_X_NONE, 0, 0, 0}}}
#define X2(k, n, e) {{{k, n, e, 0}, {k, n, e, n}}}   /* complex: re, im */
#define XP(kv, nv, ev, ki, ni, ei, off) {{{kv, nv, ev, 0}, {ki, ni, ei, off}}}

struct bt_dt_x_ldi { long double v; int i; };
struct bt_dt_x_di { double v; int i; };
struct bt_dt_x_li { long v; int i; };
struct bt_dt_x_si { short v; int i; };

static const bt_dt_xtype_t bt_dt_xtypes[BT_DTI_TABLE_SIZE] = {
    [BT_DTI_PACKED] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_BYTE] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_CHAR] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_SIGNED_CHAR] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_UNSIGNED_CHAR] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_CHARACTER] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_C_BOOL] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_CXX_BOOL] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_INT8_T] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_UINT8_T] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_INTEGER1] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_LOGICAL1] = X1(BT_X_RAW, 1, 1),
    [BT_DTI_WCHAR] = X1(BT_X_UINT, sizeof(wchar_t), 2),
    [BT_DTI_SHORT] = X1(BT_X_SINT, sizeof(short), 2),
    [BT_DTI_UNSIGNED_SHORT] = X1(BT_X_UINT, sizeof(short), 2),
    [BT_DTI_INT] = X1(BT_X_SINT, sizeof(int), 4),
    [BT_DTI_UNSIGNED] = X1(BT_X_UINT, sizeof(int), 4),
    [BT_DTI_LONG] = X1(BT_X_SINT, sizeof(long), 4),
    [BT_DTI_UNSIGNED_LONG] = X1(BT_X_UINT, sizeof(long), 4),
    [BT_DTI_LONG_LONG] = X1(BT_X_SINT, sizeof(long long), 8),
    [BT_DTI_UNSIGNED_LONG_LONG] = X1(BT_X_UINT, sizeof(long long), 8),
    [BT_DTI_INT16_T] = X1(BT_X_SINT, 2, 2),
    [BT_DTI_UINT16_T] = X1(BT_X_UINT, 2, 2),
    [BT_DTI_INT32_T] = X1(BT_X_SINT, 4, 4),
    [BT_DTI_UINT32_T] = X1(BT_X_UINT, 4, 4),
    [BT_DTI_INT64_T] = X1(BT_X_SINT, 8, 8),
    [BT_DTI_UINT64_T] = X1(BT_X_UINT, 8, 8),
    [BT_DTI_AINT] = X1(BT_X_SINT, sizeof(MPI_Aint), 8),
    [BT_DTI_COUNT] = X1(BT_X_SINT, 8, 8),
    [BT_DTI_OFFSET] = X1(BT_X_SINT, 8, 8),
    [BT_DTI_INTEGER] = X1(BT_X_SINT, 4, 4),
    [BT_DTI_LOGICAL] = X1(BT_X_SINT, 4, 4),
    [BT_DTI_INTEGER2] = X1(BT_X_SINT, 2, 2),
    [BT_DTI_INTEGER4] = X1(BT_X_SINT, 4, 4),
    [BT_DTI_INTEGER8] = X1(BT_X_SINT, 8, 8),
    [BT_DTI_INTEGER16] = X1(BT_X_SINT, 16, 16),
    [BT_DTI_LOGICAL2] = X1(BT_X_SINT, 2, 2),
    [BT_DTI_LOGICAL4] = X1(BT_X_SINT, 4, 4),
    [BT_DTI_LOGICAL8] = X1(BT_X_SINT, 8, 8),
    [BT_DTI_LOGICAL16] = X1(BT_X_SINT, 16, 16),
    [BT_DTI_FLOAT] = X1(BT_X_FLOAT, 4, 4),
    [BT_DTI_DOUBLE] = X1(BT_X_FLOAT, 8, 8),
    [BT_DTI_REAL] = X1(BT_X_FLOAT, 4, 4),
    [BT_DTI_DOUBLE_PRECISION] = X1(BT_X_FLOAT, 8, 8),
    [BT_DTI_REAL2] = X1(BT_X_FLOAT, 2, 2),
    [BT_DTI_REAL4] = X1(BT_X_FLOAT, 4, 4),
    [BT_DTI_REAL8] = X1(BT_X_FLOAT, 8, 8),
    [BT_DTI_REAL16] = X1(BT_X_FLOAT, 16, 16),
    [BT_DTI_LONG_DOUBLE] = X1(BT_X_LDOUBLE, sizeof(long double), 16),
    [BT_DTI_C_FLOAT_COMPLEX] = X2(BT_X_FLOAT, 4, 4),
    [BT_DTI_CXX_FLOAT_COMPLEX] = X2(BT_X_FLOAT, 4, 4),
    [BT_DTI_COMPLEX] = X2(BT_X_FLOAT, 4, 4),
    [BT_DTI_COMPLEX8] = X2(BT_X_FLOAT, 4, 4),
    [BT_DTI_C_DOUBLE_COMPLEX] = X2(BT_X_FLOAT, 8, 8),
    [BT_DTI_CXX_DOUBLE_COMPLEX] = X2(BT_X_FLOAT, 8, 8),
    [BT_DTI_DOUBLE_COMPLEX] = X2(BT_X_FLOAT, 8, 8),
    [BT_DTI_COMPLEX16] = X2(BT_X_FLOAT, 8, 8),
    [BT_DTI_COMPLEX4] = X2(BT_X_FLOAT, 2, 2),
    [BT_DTI_COMPLEX32] = X2(BT_X_FLOAT, 16, 16),
    [BT_DTI_C_LONG_DOUBLE_COMPLEX] = X2(BT_X_LDOUBLE, sizeof(long double), 16),
    [BT_DTI_CXX_LONG_DOUBLE_COMPLEX] = X2(BT_X_LDOUBLE, sizeof(long double), 16),
    [BT_DTI_FLOAT_INT] = XP(BT_X_FLOAT, 4, 4, BT_X_SINT, 4, 4, 4),
    [BT_DTI_DOUBLE_INT] = XP(BT_X_FLOAT, 8, 8, BT_X_SINT, 4, 4, offsetof(struct bt_dt_x_di, i)),
    [BT_DTI_LONG_INT] = XP(BT_X_SINT, sizeof(long), 4, BT_X_SINT, 4, 4,
                           offsetof(struct bt_dt_x_li, i)),
    [BT_DTI_2INT] = XP(BT_X_SINT, 4, 4, BT_X_SINT, 4, 4, 4),
    [BT_DTI_SHORT_INT] = XP(BT_X_SINT, sizeof(short), 2, BT_X_SINT, 4, 4,
                            offsetof(struct bt_dt_x_si, i)),
    [BT_DTI_LONG_DOUBLE_INT] = XP(BT_X_LDOUBLE, sizeof(long double), 16, BT_X_SINT, 4, 4,
                                  offsetof(struct bt_dt_x_ldi, i)),
    [BT_DTI_2REAL] = XP(BT_X_FLOAT, 4, 4, BT_X_FLOAT, 4, 4, 4),
    [BT_DTI_2DOUBLE_PRECISION] = XP(BT_X_FLOAT, 8, 8, BT_X_FLOAT, 8, 8, 8),
    [BT_DTI_2INTEGER] = XP(BT_X_SINT, 4, 4, BT_X_SINT, 4, 4, 4),
};

static MPI_Count bt_dt_xsize(int idx)
{
    const bt_dt_xtype_t *x = &bt_dt_xtypes[idx];
    return x->c[0].esize + x->c[1].esize;
}

MPI_Count bt_datatype_external32_size(const bt_datatype_t *dt)
{
    const bt_dt_priv_t *pv = bt_dt_priv(dt);
    MPI_Count size = 0;
    for (size_t r = 0; r < pv->nruns; r++)
        size += pv->runs[r].n * bt_dt_xsize(pv->runs[r].idx);
    return size;
}

/* One component, native -> external32. */
static void bt_dt_xpack(const bt_dt_xcomp_t *c, const unsigned char *in, unsigned char *out)
{
    switch (c->kind) {
    case BT_X_RAW:
        memcpy(out, in, c->nsize);
        break;
    case BT_X_SINT:
    case BT_X_UINT:
    case BT_X_FLOAT:
        /* The low esize bytes, most significant first (integers narrower in
         * external32 keep their low part, as MPICH does). */
        for (int k = 0; k < c->esize; k++)
            out[c->esize - 1 - k] = in[k];
        break;
    case BT_X_LDOUBLE: {
        long double ld;
        _Float128 q;
        unsigned char b[16];
        memcpy(&ld, in, sizeof(ld));
        q = (_Float128)ld;   /* exact: binary128 holds every x87 extended value */
        memcpy(b, &q, 16);
        for (int k = 0; k < 16; k++)
            out[15 - k] = b[k];
        break;
    }
    default:
        break;
    }
}

/* One component, external32 -> native. */
static void bt_dt_xunpack(const bt_dt_xcomp_t *c, const unsigned char *in, unsigned char *out)
{
    switch (c->kind) {
    case BT_X_RAW:
        memcpy(out, in, c->nsize);
        break;
    case BT_X_SINT:
    case BT_X_UINT:
    case BT_X_FLOAT: {
        unsigned char fill = c->kind == BT_X_SINT && (in[0] & 0x80) ? 0xff : 0;
        for (int k = 0; k < c->esize; k++)
            out[k] = in[c->esize - 1 - k];
        for (int k = c->esize; k < c->nsize; k++)
            out[k] = fill;   /* sign or zero extension */
        break;
    }
    case BT_X_LDOUBLE: {
        long double ld;
        _Float128 q;
        unsigned char b[16];
        for (int k = 0; k < 16; k++)
            b[k] = in[15 - k];
        memcpy(&q, b, 16);
        ld = (long double)q;
        memcpy(out, &ld, sizeof(ld));
        break;
    }
    default:
        break;
    }
}

#define BT_X_PTR(base, off) ((unsigned char *)((uintptr_t)(base) + (uintptr_t)(MPI_Aint)(off)))

static void bt_dt_xwalk(const bt_datatype_t *dt, MPI_Count count, void *buf, unsigned char *ext,
                        int unpack)
{
    const bt_dt_priv_t *pv = bt_dt_priv(dt);

    for (MPI_Count i = 0; i < count; i++) {
        for (size_t r = 0; r < pv->nruns; r++) {
            const bt_dt_run_t *run = &pv->runs[r];
            const bt_dt_xtype_t *x = &bt_dt_xtypes[run->idx];
            MPI_Aint pext = bt_datatype_predefined(run->idx)->extent;
            unsigned char *e = BT_X_PTR(buf, (MPI_Aint)i * dt->extent + run->disp);

            if (x->c[0].kind == BT_X_RAW) {
                /* Bytes stay bytes: a run of them is one copy. */
                if (unpack)
                    memcpy(e, ext, (size_t)run->n);
                else
                    memcpy(ext, e, (size_t)run->n);
                ext += run->n;
                continue;
            }
            for (MPI_Count k = 0; k < run->n; k++, e += pext) {
                for (int c = 0; c < 2 && x->c[c].kind != BT_X_NONE; c++) {
                    if (unpack)
                        bt_dt_xunpack(&x->c[c], ext, e + x->c[c].off);
                    else
                        bt_dt_xpack(&x->c[c], e + x->c[c].off, ext);
                    ext += x->c[c].esize;
                }
            }
        }
    }
}

void bt_datatype_pack_external32(const bt_datatype_t *dt, MPI_Count count, const void *buf,
                                 void *ext)
{
    bt_dt_xwalk(dt, count, (void *)buf, ext, 0);
}

void bt_datatype_unpack_external32(const bt_datatype_t *dt, MPI_Count count, const void *ext,
                                   void *buf)
{
    bt_dt_xwalk(dt, count, buf, (unsigned char *)ext, 1);
}
