/* Every predefined op on every predefined datatype through MPI_Reduce_local:
 * where MPI-4.1 6.9.2 allows the pair, the result must equal a reference
 * computed here; where it does not, the call must fail with MPI_ERR_OP and leave
 * inoutbuf alone. Also MINLOC/MAXLOC ties, MPI_REPLACE and MPI_NO_OP, and
 * reductions on derived types built from one predefined type. */
#include <mpi.h>

#include <complex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static int rank;

#include "check.h"

/* Type groups of the standard's table. */
enum { G_NONE = 0, G_CINT = 1, G_FINT = 2, G_FLOAT = 4, G_LOGICAL = 8, G_COMPLEX = 16,
       G_BYTE = 32, G_MULTI = 64, G_PAIR = 128, G_ANY = 255 };

enum { O_SUM, O_PROD, O_MIN, O_MAX, O_LAND, O_LOR, O_LXOR, O_BAND, O_BOR, O_BXOR, O_MINLOC,
       O_MAXLOC, O_REPLACE, O_NO_OP, NOPS };

static const struct { MPI_Op op; const char *name; int groups; } ops[NOPS] = {
    [O_SUM] = {MPI_SUM, "MPI_SUM", G_CINT | G_FINT | G_FLOAT | G_COMPLEX | G_MULTI},
    [O_PROD] = {MPI_PROD, "MPI_PROD", G_CINT | G_FINT | G_FLOAT | G_COMPLEX | G_MULTI},
    [O_MIN] = {MPI_MIN, "MPI_MIN", G_CINT | G_FINT | G_FLOAT | G_MULTI},
    [O_MAX] = {MPI_MAX, "MPI_MAX", G_CINT | G_FINT | G_FLOAT | G_MULTI},
    [O_LAND] = {MPI_LAND, "MPI_LAND", G_CINT | G_LOGICAL},
    [O_LOR] = {MPI_LOR, "MPI_LOR", G_CINT | G_LOGICAL},
    [O_LXOR] = {MPI_LXOR, "MPI_LXOR", G_CINT | G_LOGICAL},
    [O_BAND] = {MPI_BAND, "MPI_BAND", G_CINT | G_FINT | G_BYTE | G_MULTI},
    [O_BOR] = {MPI_BOR, "MPI_BOR", G_CINT | G_FINT | G_BYTE | G_MULTI},
    [O_BXOR] = {MPI_BXOR, "MPI_BXOR", G_CINT | G_FINT | G_BYTE | G_MULTI},
    [O_MINLOC] = {MPI_MINLOC, "MPI_MINLOC", G_PAIR},
    [O_MAXLOC] = {MPI_MAXLOC, "MPI_MAXLOC", G_PAIR},
    [O_REPLACE] = {MPI_REPLACE, "MPI_REPLACE", G_ANY},
    [O_NO_OP] = {MPI_NO_OP, "MPI_NO_OP", G_ANY},
};

#define N 37   /* not a multiple of any vector width: the loops' tails run too */

static int ntested, nrefused;

/* Runs op o on (a, b); compares b with ref when allowed, with the untouched copy
 * when refused. eq compares element k of two arrays. */
static void run_case(MPI_Datatype dt, const char *dname, int groups, int o, const void *a, void *b,
                     const void *ref, const void *orig, int (*eq)(const void *, const void *, int))
{
    int allowed = ops[o].groups == G_ANY || (ops[o].groups & groups) != 0;
    int rc = MPI_Reduce_local(a, b, N, dt, ops[o].op), cls;

    MPI_Error_class(rc, &cls);
    if (allowed) {
        CHECK(rc == MPI_SUCCESS, "%s on %s refused (class %d)", ops[o].name, dname, cls);
        for (int k = 0; k < N; k++)
            CHECK(eq(b, ref, k), "%s on %s: element %d wrong", ops[o].name, dname, k);
        ntested++;
    } else {
        CHECK(cls == MPI_ERR_OP, "%s on %s: expected MPI_ERR_OP, got class %d", ops[o].name,
              dname, cls);
        for (int k = 0; k < N; k++)
            CHECK(eq(b, orig, k), "%s on %s refused but element %d changed", ops[o].name, dname,
                  k);
        nrefused++;
    }
}

/* Integers: T and the unsigned type its arithmetic wraps in. */
#define INT_TEST(NAME, T, W)                                                            \
    static int eq_##NAME(const void *x, const void *y, int k)                           \
    {                                                                                   \
        return ((const T *)x)[k] == ((const T *)y)[k];                                  \
    }                                                                                   \
    static void test_##NAME(MPI_Datatype dt, const char *dname, int groups)            \
    {                                                                                   \
        for (int o = 0; o < NOPS; o++) {                                                \
            T a[N], b[N], ref[N], orig[N];                                              \
            for (int i = 0; i < N; i++) {                                               \
                a[i] = (T)((i * 37) % 23 - 11);                                         \
                b[i] = (T)((i * 11) % 17 - 8);                                          \
                if (i % 5 == 0) b[i] = a[i];                                            \
                if (i % 7 == 0) a[i] = 0;                                               \
                if (i % 9 == 0) b[i] = 0;                                               \
                if (i == 3) { a[i] = (T)~(T)0; b[i] = (T)((T)1 << (sizeof(T) * 8 - 2)); } \
            }                                                                           \
            for (int i = 0; i < N; i++) {                                               \
                T x = a[i], y = b[i];                                                   \
                switch (o) {                                                            \
                case O_SUM: ref[i] = (T)((W)x + (W)y); break;                           \
                case O_PROD: ref[i] = (T)((W)x * (W)y); break;                          \
                case O_MIN: ref[i] = x < y ? x : y; break;                              \
                case O_MAX: ref[i] = x > y ? x : y; break;                              \
                case O_LAND: ref[i] = (T)(x && y); break;                               \
                case O_LOR: ref[i] = (T)(x || y); break;                                \
                case O_LXOR: ref[i] = (T)(!x != !y); break;                             \
                case O_BAND: ref[i] = (T)(x & y); break;                                \
                case O_BOR: ref[i] = (T)(x | y); break;                                 \
                case O_BXOR: ref[i] = (T)(x ^ y); break;                                \
                case O_REPLACE: ref[i] = x; break;                                      \
                default: ref[i] = y; break;                                             \
                }                                                                       \
            }                                                                           \
            memcpy(orig, b, sizeof(b));                                                 \
            run_case(dt, dname, groups, o, a, b, ref, orig, eq_##NAME);                \
        }                                                                               \
    }

#define REAL_TEST(NAME, T)                                                              \
    static int eq_##NAME(const void *x, const void *y, int k)                           \
    {                                                                                   \
        return ((const T *)x)[k] == ((const T *)y)[k];                                  \
    }                                                                                   \
    static void test_##NAME(MPI_Datatype dt, const char *dname, int groups)            \
    {                                                                                   \
        for (int o = 0; o < NOPS; o++) {                                                \
            T a[N], b[N], ref[N], orig[N];                                              \
            for (int i = 0; i < N; i++) {                                               \
                a[i] = (T)((i * 37) % 23 - 11) / 4;                                     \
                b[i] = (T)((i * 11) % 17 - 8) / 2;                                      \
                if (i % 5 == 0) b[i] = a[i];                                            \
            }                                                                           \
            for (int i = 0; i < N; i++) {                                               \
                T x = a[i], y = b[i];                                                   \
                switch (o) {                                                            \
                case O_SUM: ref[i] = x + y; break;                                      \
                case O_PROD: ref[i] = x * y; break;                                     \
                case O_MIN: ref[i] = x < y ? x : y; break;                              \
                case O_MAX: ref[i] = x > y ? x : y; break;                              \
                case O_REPLACE: ref[i] = x; break;                                      \
                default: ref[i] = y; break;                                             \
                }                                                                       \
            }                                                                           \
            memcpy(orig, b, sizeof(b));                                                 \
            run_case(dt, dname, groups, o, a, b, ref, orig, eq_##NAME);                \
        }                                                                               \
    }

/* Complex numbers as {re, im} of R. Small integral parts: every product is exact. */
#define COMPLEX_TEST(NAME, R)                                                           \
    typedef struct { R re, im; } NAME##_t;                                              \
    static int eq_##NAME(const void *x, const void *y, int k)                           \
    {                                                                                   \
        const NAME##_t *p = x, *q = y;                                                  \
        return p[k].re == q[k].re && p[k].im == q[k].im;                                \
    }                                                                                   \
    static void test_##NAME(MPI_Datatype dt, const char *dname, int groups)            \
    {                                                                                   \
        for (int o = 0; o < NOPS; o++) {                                                \
            NAME##_t a[N], b[N], ref[N], orig[N];                                       \
            for (int i = 0; i < N; i++) {                                               \
                a[i].re = (R)((i * 37) % 23 - 11);                                      \
                a[i].im = (R)(i % 5 - 2);                                               \
                b[i].re = (R)((i * 11) % 17 - 8);                                       \
                b[i].im = (R)(i % 3 - 1);                                               \
            }                                                                           \
            for (int i = 0; i < N; i++) {                                               \
                NAME##_t x = a[i], y = b[i];                                            \
                switch (o) {                                                            \
                case O_SUM: ref[i].re = x.re + y.re; ref[i].im = x.im + y.im; break;    \
                case O_PROD: ref[i].re = x.re * y.re - x.im * y.im;                     \
                             ref[i].im = x.re * y.im + x.im * y.re; break;              \
                case O_REPLACE: ref[i] = x; break;                                      \
                default: ref[i] = y; break;                                             \
                }                                                                       \
            }                                                                           \
            memcpy(orig, b, sizeof(b));                                                 \
            run_case(dt, dname, groups, o, a, b, ref, orig, eq_##NAME);                \
        }                                                                               \
    }

/* MINLOC/MAXLOC pairs {value; index}, with ties to exercise the smaller-index rule. */
#define PAIR_TEST(NAME, V, I)                                                           \
    typedef struct { V v; I i; } NAME##_t;                                              \
    static int eq_##NAME(const void *x, const void *y, int k)                           \
    {                                                                                   \
        const NAME##_t *p = x, *q = y;                                                  \
        return p[k].v == q[k].v && p[k].i == q[k].i;                                    \
    }                                                                                   \
    static void test_##NAME(MPI_Datatype dt, const char *dname, int groups)            \
    {                                                                                   \
        for (int o = 0; o < NOPS; o++) {                                                \
            NAME##_t a[N], b[N], ref[N], orig[N];                                       \
            memset(a, 0, sizeof(a));                                                    \
            memset(b, 0, sizeof(b));                                                    \
            for (int i = 0; i < N; i++) {                                               \
                a[i].v = (V)(i % 4);                                                    \
                a[i].i = (I)(i % 6);                                                    \
                b[i].v = (V)(i % 3);                                                    \
                b[i].i = (I)(i % 5);                                                    \
            }                                                                           \
            for (int i = 0; i < N; i++) {                                               \
                NAME##_t x = a[i], y = b[i];                                            \
                ref[i] = y;                                                             \
                if (o == O_MINLOC) {                                                    \
                    if (x.v < y.v) ref[i] = x;                                          \
                    else if (x.v == y.v && x.i < y.i) ref[i].i = x.i;                   \
                } else if (o == O_MAXLOC) {                                             \
                    if (x.v > y.v) ref[i] = x;                                          \
                    else if (x.v == y.v && x.i < y.i) ref[i].i = x.i;                   \
                } else if (o == O_REPLACE) {                                            \
                    ref[i] = x;                                                         \
                }                                                                       \
            }                                                                           \
            memcpy(orig, b, sizeof(b));                                                 \
            run_case(dt, dname, groups, o, a, b, ref, orig, eq_##NAME);                \
        }                                                                               \
    }

/* Types no op applies to: only REPLACE and NO_OP. */
#define OPAQUE_TEST(NAME, T)                                                            \
    static int eq_##NAME(const void *x, const void *y, int k)                           \
    {                                                                                   \
        return memcmp((const T *)x + k, (const T *)y + k, sizeof(T)) == 0;              \
    }                                                                                   \
    static void test_##NAME(MPI_Datatype dt, const char *dname, int groups)            \
    {                                                                                   \
        for (int o = 0; o < NOPS; o++) {                                                \
            T a[N], b[N], ref[N], orig[N];                                              \
            for (int i = 0; i < N; i++) {                                               \
                a[i] = (T)(i + 1);                                                      \
                b[i] = (T)(2 * i + 5);                                                  \
                ref[i] = o == O_REPLACE ? a[i] : b[i];                                  \
            }                                                                           \
            memcpy(orig, b, sizeof(b));                                                 \
            run_case(dt, dname, groups, o, a, b, ref, orig, eq_##NAME);                \
        }                                                                               \
    }

INT_TEST(i8, int8_t, unsigned)
INT_TEST(u8, uint8_t, unsigned)
INT_TEST(i16, int16_t, unsigned)
INT_TEST(u16, uint16_t, unsigned)
INT_TEST(i32, int32_t, uint32_t)
INT_TEST(u32, uint32_t, uint32_t)
INT_TEST(i64, int64_t, uint64_t)
INT_TEST(u64, uint64_t, uint64_t)
INT_TEST(sch, signed char, unsigned)
INT_TEST(uch, unsigned char, unsigned)
INT_TEST(sh, short, unsigned)
INT_TEST(ush, unsigned short, unsigned)
INT_TEST(in, int, unsigned)
INT_TEST(un, unsigned, unsigned)
INT_TEST(lo, long, unsigned long)
INT_TEST(ulo, unsigned long, unsigned long)
INT_TEST(ll, long long, unsigned long long)
INT_TEST(ull, unsigned long long, unsigned long long)
INT_TEST(aint, MPI_Aint, uintptr_t)
INT_TEST(i128, __int128, unsigned __int128)
REAL_TEST(flt, float)
REAL_TEST(dbl, double)
REAL_TEST(ldbl, long double)
COMPLEX_TEST(cflt, float)
COMPLEX_TEST(cdbl, double)
COMPLEX_TEST(cldbl, long double)
#ifdef __FLT16_MAX__
REAL_TEST(f16, _Float16)
COMPLEX_TEST(cf16, _Float16)
#endif
#ifdef __FLT128_MAX__
REAL_TEST(f128, _Float128)
COMPLEX_TEST(cf128, _Float128)
#endif
PAIR_TEST(float_int, float, int)
PAIR_TEST(double_int, double, int)
PAIR_TEST(long_int, long, int)
PAIR_TEST(int_int, int, int)
PAIR_TEST(short_int, short, int)
PAIR_TEST(ldouble_int, long double, int)
PAIR_TEST(float_float, float, float)
PAIR_TEST(double_double, double, double)
OPAQUE_TEST(ch, char)
OPAQUE_TEST(wch, wchar_t)

/* _Bool only takes 0 and 1. */
static int eq_bool(const void *x, const void *y, int k)
{
    return ((const _Bool *)x)[k] == ((const _Bool *)y)[k];
}
static void test_bool(MPI_Datatype dt, const char *dname, int groups)
{
    for (int o = 0; o < NOPS; o++) {
        _Bool a[N], b[N], ref[N], orig[N];
        for (int i = 0; i < N; i++) {
            a[i] = i & 1;
            b[i] = (i >> 1) & 1;
            switch (o) {
            case O_LAND: ref[i] = a[i] && b[i]; break;
            case O_LOR: ref[i] = a[i] || b[i]; break;
            case O_LXOR: ref[i] = a[i] != b[i]; break;
            case O_REPLACE: ref[i] = a[i]; break;
            default: ref[i] = b[i]; break;
            }
        }
        memcpy(orig, b, sizeof(b));
        run_case(dt, dname, groups, o, a, b, ref, orig, eq_bool);
    }
}

#define T(fn, dt, groups) test_##fn(dt, #dt, groups)

static void test_all_predefined(void)
{
    T(i8, MPI_INT8_T, G_CINT); T(u8, MPI_UINT8_T, G_CINT);
    T(i16, MPI_INT16_T, G_CINT); T(u16, MPI_UINT16_T, G_CINT);
    T(i32, MPI_INT32_T, G_CINT); T(u32, MPI_UINT32_T, G_CINT);
    T(i64, MPI_INT64_T, G_CINT); T(u64, MPI_UINT64_T, G_CINT);
    T(sch, MPI_SIGNED_CHAR, G_CINT); T(uch, MPI_UNSIGNED_CHAR, G_CINT);
    T(sh, MPI_SHORT, G_CINT); T(ush, MPI_UNSIGNED_SHORT, G_CINT);
    T(in, MPI_INT, G_CINT); T(un, MPI_UNSIGNED, G_CINT);
    T(lo, MPI_LONG, G_CINT); T(ulo, MPI_UNSIGNED_LONG, G_CINT);
    T(ll, MPI_LONG_LONG, G_CINT); T(ull, MPI_UNSIGNED_LONG_LONG, G_CINT);
    T(aint, MPI_AINT, G_MULTI); T(i64, MPI_OFFSET, G_MULTI); T(i64, MPI_COUNT, G_MULTI);
    T(uch, MPI_BYTE, G_BYTE);
    T(in, MPI_INTEGER, G_FINT); T(i8, MPI_INTEGER1, G_FINT); T(i16, MPI_INTEGER2, G_FINT);
    T(i32, MPI_INTEGER4, G_FINT); T(i64, MPI_INTEGER8, G_FINT); T(i128, MPI_INTEGER16, G_FINT);
    T(in, MPI_LOGICAL, G_LOGICAL); T(i8, MPI_LOGICAL1, G_LOGICAL);
    T(i16, MPI_LOGICAL2, G_LOGICAL); T(i32, MPI_LOGICAL4, G_LOGICAL);
    T(i64, MPI_LOGICAL8, G_LOGICAL); T(i128, MPI_LOGICAL16, G_LOGICAL);
    T(bool, MPI_C_BOOL, G_LOGICAL); T(bool, MPI_CXX_BOOL, G_LOGICAL);
    T(flt, MPI_FLOAT, G_FLOAT); T(dbl, MPI_DOUBLE, G_FLOAT); T(ldbl, MPI_LONG_DOUBLE, G_FLOAT);
    T(flt, MPI_REAL, G_FLOAT); T(dbl, MPI_DOUBLE_PRECISION, G_FLOAT);
    T(flt, MPI_REAL4, G_FLOAT); T(dbl, MPI_REAL8, G_FLOAT);
    T(cflt, MPI_C_FLOAT_COMPLEX, G_COMPLEX); T(cdbl, MPI_C_DOUBLE_COMPLEX, G_COMPLEX);
    T(cldbl, MPI_C_LONG_DOUBLE_COMPLEX, G_COMPLEX);
    T(cflt, MPI_CXX_FLOAT_COMPLEX, G_COMPLEX); T(cdbl, MPI_CXX_DOUBLE_COMPLEX, G_COMPLEX);
    T(cldbl, MPI_CXX_LONG_DOUBLE_COMPLEX, G_COMPLEX);
    T(cflt, MPI_COMPLEX, G_COMPLEX); T(cdbl, MPI_DOUBLE_COMPLEX, G_COMPLEX);
    T(cflt, MPI_COMPLEX8, G_COMPLEX); T(cdbl, MPI_COMPLEX16, G_COMPLEX);
#ifdef __FLT16_MAX__
    T(f16, MPI_REAL2, G_FLOAT); T(cf16, MPI_COMPLEX4, G_COMPLEX);
#endif
#ifdef __FLT128_MAX__
    T(f128, MPI_REAL16, G_FLOAT); T(cf128, MPI_COMPLEX32, G_COMPLEX);
#endif
    T(float_int, MPI_FLOAT_INT, G_PAIR); T(double_int, MPI_DOUBLE_INT, G_PAIR);
    T(long_int, MPI_LONG_INT, G_PAIR); T(int_int, MPI_2INT, G_PAIR);
    T(short_int, MPI_SHORT_INT, G_PAIR); T(ldouble_int, MPI_LONG_DOUBLE_INT, G_PAIR);
    T(float_float, MPI_2REAL, G_PAIR); T(double_double, MPI_2DOUBLE_PRECISION, G_PAIR);
    T(int_int, MPI_2INTEGER, G_PAIR);
    T(ch, MPI_CHAR, G_NONE); T(ch, MPI_CHARACTER, G_NONE); T(uch, MPI_PACKED, G_NONE);
    T(wch, MPI_WCHAR, G_NONE);
}

static void test_ties(void)
{
    struct { double v; int i; } a[4] = {{1, 7}, {2, 3}, {2, 9}, {-1, 4}};
    struct { double v; int i; } b[4] = {{1, 2}, {2, 5}, {2, 1}, {-1, 4}};

    MPI_Reduce_local(a, b, 4, MPI_DOUBLE_INT, MPI_MINLOC);
    CHECK(b[0].v == 1 && b[0].i == 2 && b[1].i == 3 && b[2].i == 1 && b[3].i == 4,
          "MINLOC ties keep the smaller index: %d %d %d %d", b[0].i, b[1].i, b[2].i, b[3].i);
    {
        int x[4] = {5, 10, 5, 2}, y[4] = {5, 3, 5, 8};   /* {v, i} pairs */
        MPI_Reduce_local(x, y, 2, MPI_2INT, MPI_MAXLOC);
        CHECK(y[0] == 5 && y[1] == 3 && y[2] == 5 && y[3] == 2,
              "MAXLOC ties keep the smaller index: (%d, %d) (%d, %d)", y[0], y[1], y[2], y[3]);
    }
}

/* Derived types of one predefined type reduce element by element, where the data
 * is; the gaps are left alone. */
static void test_derived(void)
{
    MPI_Datatype t;
    int rc, cls;

    {
        double a[12], b[12];
        for (int i = 0; i < 12; i++) {
            a[i] = i;
            b[i] = 100 + i;
        }
        MPI_Type_contiguous(3, MPI_DOUBLE, &t);
        MPI_Type_commit(&t);
        MPI_Reduce_local(a, b, 4, t, MPI_SUM);
        for (int i = 0; i < 12; i++)
            CHECK(b[i] == 100 + 2 * i, "SUM on contiguous(3, DOUBLE): element %d is %g", i, b[i]);
        MPI_Type_free(&t);
    }
    {
        int a[10], b[10];
        for (int i = 0; i < 10; i++) {
            a[i] = i;
            b[i] = 10 * i;
        }
        MPI_Type_vector(3, 1, 2, MPI_INT, &t);   /* ints 0, 2, 4; extent 5 ints */
        MPI_Type_commit(&t);
        MPI_Reduce_local(a, b, 2, t, MPI_MAX);
        for (int i = 0; i < 10; i++) {
            int in_type = (i % 5) % 2 == 0;
            CHECK(b[i] == (in_type ? (a[i] > 10 * i ? a[i] : 10 * i) : 10 * i),
                  "MAX on vector(3, 1, 2, INT): element %d is %d", i, b[i]);
        }
        MPI_Reduce_local(a, b, 2, t, MPI_PROD);
        for (int i = 0; i < 10; i++) {
            int in_type = (i % 5) % 2 == 0;
            CHECK(b[i] == (in_type ? i * 10 * i : 10 * i), "PROD on vector: element %d is %d", i,
                  b[i]);
        }
        MPI_Type_free(&t);
    }
    {
        struct { double v; int i; } a[6], b[6];
        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        for (int k = 0; k < 6; k++) {
            a[k].v = k % 3;
            a[k].i = k;
            b[k].v = 1;
            b[k].i = 10 + k;
        }
        MPI_Type_contiguous(2, MPI_DOUBLE_INT, &t);
        MPI_Type_commit(&t);
        MPI_Reduce_local(a, b, 3, t, MPI_MINLOC);
        for (int k = 0; k < 6; k++) {
            double v = k % 3 < 1 ? k % 3 : 1;
            int i = k % 3 == 0 ? k : k % 3 == 1 ? k : 10 + k;
            CHECK(b[k].v == v && b[k].i == i, "MINLOC on contiguous(2, DOUBLE_INT): pair %d is "
                  "(%g, %d), expected (%g, %d)", k, b[k].v, b[k].i, v, i);
        }
        MPI_Type_free(&t);
    }
    {
        /* A resized pair: pairs 12 bytes apart, overlapping the padding. */
        unsigned char a[64], b[64];
        struct { float v; int i; } x;
        MPI_Datatype r;
        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        for (int k = 0; k < 4; k++) {
            x.v = (float)k;
            x.i = k;
            memcpy(a + 12 * k, &x, 8);
            x.v = 2;
            x.i = 7;
            memcpy(b + 12 * k, &x, 8);
        }
        MPI_Type_create_resized(MPI_FLOAT_INT, 0, 12, &r);
        MPI_Type_commit(&r);
        MPI_Reduce_local(a, b, 4, r, MPI_MAXLOC);
        for (int k = 0; k < 4; k++) {
            memcpy(&x, b + 12 * k, 8);
            CHECK(x.v == (k > 2 ? k : 2) && x.i == (k > 2 ? k : k == 2 ? 2 : 7),
                  "MAXLOC on resized FLOAT_INT: pair %d is (%g, %d)", k, x.v, x.i);
            CHECK(b[12 * k + 8] == 0 && b[12 * k + 11] == 0, "gap after pair %d written", k);
        }
        MPI_Type_free(&r);
    }
    {
        /* Two doubles with a hole: the hole is left alone. */
        double a[3] = {1, 2, 3}, b[3] = {10, 20, 30};
        MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 16},
                               (MPI_Datatype[]){MPI_DOUBLE, MPI_DOUBLE}, &t);
        MPI_Type_commit(&t);
        MPI_Reduce_local(a, b, 1, t, MPI_SUM);
        CHECK(b[0] == 11 && b[1] == 20 && b[2] == 33, "SUM on struct of doubles: %g %g %g", b[0],
              b[1], b[2]);
        MPI_Reduce_local(a, b, 1, t, MPI_REPLACE);
        CHECK(b[0] == 1 && b[1] == 20 && b[2] == 3, "REPLACE on struct of doubles");
        MPI_Type_free(&t);
    }
    {
        /* Mixed types: no predefined op, except REPLACE and NO_OP. */
        char a[16] = {0}, b[16] = {0};
        MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 8},
                               (MPI_Datatype[]){MPI_INT, MPI_DOUBLE}, &t);
        MPI_Type_commit(&t);
        rc = MPI_Reduce_local(a, b, 1, t, MPI_SUM);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OP, "SUM on struct {int; double}: class %d", cls);
        rc = MPI_Reduce_local(a, b, 1, t, MPI_MAXLOC);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OP, "MAXLOC on struct {int; double}: class %d", cls);
        CHECK(MPI_Reduce_local(a, b, 1, t, MPI_NO_OP) == MPI_SUCCESS, "NO_OP on a mixed struct");
        MPI_Type_free(&t);

        /* A struct that looks like a pair is not MPI_FLOAT_INT. */
        MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 4},
                               (MPI_Datatype[]){MPI_FLOAT, MPI_INT}, &t);
        MPI_Type_commit(&t);
        rc = MPI_Reduce_local(a, b, 1, t, MPI_MINLOC);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OP, "MINLOC on struct {float; int}: class %d", cls);
        MPI_Type_free(&t);
    }
    {
        /* Zero elements, and an empty type. */
        int a = 1, b = 2;
        MPI_Type_contiguous(0, MPI_INT, &t);
        MPI_Type_commit(&t);
        CHECK(MPI_Reduce_local(&a, &b, 5, t, MPI_SUM) == MPI_SUCCESS && b == 2,
              "SUM on an empty type");
        CHECK(MPI_Reduce_local(&a, &b, 0, MPI_INT, MPI_SUM) == MPI_SUCCESS && b == 2,
              "SUM on zero ints");
        MPI_Type_free(&t);
    }
}

static void test_errors(void)
{
    int a = 1, b = 2, rc, cls;
    MPI_Datatype t;

    rc = MPI_Reduce_local(&a, &b, 1, MPI_INT, MPI_OP_NULL);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_OP, "MPI_OP_NULL: class %d", cls);
    rc = MPI_Reduce_local(&a, &b, 1, MPI_INT, (MPI_Op)(uintptr_t)0x3f);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_OP, "op handle 0x3f: class %d", cls);
    rc = MPI_Reduce_local(&a, &b, -1, MPI_INT, MPI_SUM);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COUNT, "count -1: class %d", cls);
    rc = MPI_Reduce_local(&a, &b, 1, MPI_DATATYPE_NULL, MPI_SUM);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE, "MPI_DATATYPE_NULL: class %d", cls);
    rc = MPI_Reduce_local(MPI_IN_PLACE, &b, 1, MPI_INT, MPI_SUM);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_BUFFER, "MPI_IN_PLACE: class %d", cls);
    MPI_Type_contiguous(2, MPI_INT, &t);
    rc = MPI_Reduce_local(&a, &b, 1, t, MPI_SUM);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE, "uncommitted type: class %d", cls);
    MPI_Type_free(&t);
    {
        MPI_Op op = MPI_SUM;
        int commute = 0;
        rc = MPI_Op_free(&op);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OP && op == MPI_SUM, "MPI_Op_free(MPI_SUM): class %d", cls);
        MPI_Op_commutative(MPI_MAXLOC, &commute);
        CHECK(commute == 1, "predefined ops are commutative");
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    test_all_predefined();
    CHECK(ntested > 300 && nrefused > 400, "only %d pairs computed and %d refused", ntested,
          nrefused);
    test_ties();
    test_derived();
    test_errors();

    MPI_Finalize();
    return 0;
}
