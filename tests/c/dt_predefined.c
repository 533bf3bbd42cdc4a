/* Every predefined datatype: size, extent, true extent and name against the C
 * compiler's own layout; pair types with their padding; what may not be done to
 * a predefined type (free it, ask for its contents). */
#include <mpi.h>

#include <complex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static int rank;

#include "check.h"

struct float_int { float v; int i; };
struct double_int { double v; int i; };
struct long_int { long v; int i; };
struct int_int { int v; int i; };
struct short_int { short v; int i; };
struct ldouble_int { long double v; int i; };
struct float_float { float v; float i; };
struct double_double { double v; double i; };

typedef struct {
    MPI_Datatype type;
    const char  *name;
    long         size, extent, true_extent;
} expect_t;

#define SIMPLE(h, T) {h, #h, (long)sizeof(T), (long)sizeof(T), (long)sizeof(T)}
#define SIZED(h, n) {h, #h, n, n, n}
#define PAIR(h, S) {h, #h, (long)(sizeof(((S *)0)->v) + sizeof(((S *)0)->i)), (long)sizeof(S), \
                    (long)(offsetof(S, i) + sizeof(((S *)0)->i))}

static const expect_t expect[] = {
    SIMPLE(MPI_CHAR, char), SIMPLE(MPI_SIGNED_CHAR, signed char),
    SIMPLE(MPI_UNSIGNED_CHAR, unsigned char), SIMPLE(MPI_WCHAR, wchar_t),
    SIMPLE(MPI_SHORT, short), SIMPLE(MPI_UNSIGNED_SHORT, unsigned short), SIMPLE(MPI_INT, int),
    SIMPLE(MPI_UNSIGNED, unsigned), SIMPLE(MPI_LONG, long), SIMPLE(MPI_UNSIGNED_LONG, unsigned long),
    SIMPLE(MPI_LONG_LONG, long long), SIMPLE(MPI_UNSIGNED_LONG_LONG, unsigned long long),
    SIMPLE(MPI_FLOAT, float), SIMPLE(MPI_DOUBLE, double), SIMPLE(MPI_LONG_DOUBLE, long double),
    SIMPLE(MPI_C_BOOL, _Bool), SIMPLE(MPI_CXX_BOOL, _Bool),
    SIMPLE(MPI_INT8_T, int8_t), SIMPLE(MPI_UINT8_T, uint8_t), SIMPLE(MPI_INT16_T, int16_t),
    SIMPLE(MPI_UINT16_T, uint16_t), SIMPLE(MPI_INT32_T, int32_t), SIMPLE(MPI_UINT32_T, uint32_t),
    SIMPLE(MPI_INT64_T, int64_t), SIMPLE(MPI_UINT64_T, uint64_t),
    SIMPLE(MPI_C_FLOAT_COMPLEX, float _Complex), SIMPLE(MPI_C_DOUBLE_COMPLEX, double _Complex),
    SIMPLE(MPI_C_LONG_DOUBLE_COMPLEX, long double _Complex),
    SIMPLE(MPI_CXX_FLOAT_COMPLEX, float _Complex), SIMPLE(MPI_CXX_DOUBLE_COMPLEX, double _Complex),
    SIMPLE(MPI_CXX_LONG_DOUBLE_COMPLEX, long double _Complex),
    SIMPLE(MPI_AINT, MPI_Aint), SIMPLE(MPI_OFFSET, MPI_Offset), SIMPLE(MPI_COUNT, MPI_Count),
    SIZED(MPI_BYTE, 1), SIZED(MPI_PACKED, 1),
    /* Fortran, gfortran defaults */
    SIZED(MPI_INTEGER, 4), SIZED(MPI_REAL, 4), SIZED(MPI_DOUBLE_PRECISION, 8),
    SIZED(MPI_LOGICAL, 4), SIZED(MPI_COMPLEX, 8), SIZED(MPI_DOUBLE_COMPLEX, 16),
    SIZED(MPI_CHARACTER, 1),
    SIZED(MPI_INTEGER1, 1), SIZED(MPI_INTEGER2, 2), SIZED(MPI_INTEGER4, 4), SIZED(MPI_INTEGER8, 8),
    SIZED(MPI_INTEGER16, 16), SIZED(MPI_REAL2, 2), SIZED(MPI_REAL4, 4), SIZED(MPI_REAL8, 8),
    SIZED(MPI_REAL16, 16), SIZED(MPI_COMPLEX4, 4), SIZED(MPI_COMPLEX8, 8),
    SIZED(MPI_COMPLEX16, 16), SIZED(MPI_COMPLEX32, 32), SIZED(MPI_LOGICAL1, 1),
    SIZED(MPI_LOGICAL2, 2), SIZED(MPI_LOGICAL4, 4), SIZED(MPI_LOGICAL8, 8),
    SIZED(MPI_LOGICAL16, 16),
    /* pairs: size counts the data, extent the padded struct */
    PAIR(MPI_FLOAT_INT, struct float_int), PAIR(MPI_DOUBLE_INT, struct double_int),
    PAIR(MPI_LONG_INT, struct long_int), PAIR(MPI_2INT, struct int_int),
    PAIR(MPI_SHORT_INT, struct short_int), PAIR(MPI_LONG_DOUBLE_INT, struct ldouble_int),
    PAIR(MPI_2REAL, struct float_float), PAIR(MPI_2DOUBLE_PRECISION, struct double_double),
    PAIR(MPI_2INTEGER, struct int_int),
};

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    for (size_t k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
        const expect_t *e = &expect[k];
        MPI_Datatype t = e->type;
        MPI_Aint lb = -1, extent = -1, tlb = -1, textent = -1;
        MPI_Count sx = -1, lbx = -1, extx = -1;
        int size = -1, len = -1, ni, na, nd, comb;
        char name[MPI_MAX_OBJECT_NAME];

        CHECK(MPI_Type_size(t, &size) == MPI_SUCCESS && size == e->size,
              "MPI_Type_size(%s) = %d, expected %ld", e->name, size, e->size);
        CHECK(MPI_Type_size_x(t, &sx) == MPI_SUCCESS && sx == e->size,
              "MPI_Type_size_x(%s) = %lld, expected %ld", e->name, (long long)sx, e->size);
        CHECK(MPI_Type_get_extent(t, &lb, &extent) == MPI_SUCCESS && lb == 0 &&
              extent == e->extent, "MPI_Type_get_extent(%s) = (%ld, %ld), expected (0, %ld)",
              e->name, (long)lb, (long)extent, e->extent);
        CHECK(MPI_Type_get_extent_x(t, &lbx, &extx) == MPI_SUCCESS && lbx == 0 &&
              extx == e->extent, "MPI_Type_get_extent_x(%s)", e->name);
        CHECK(MPI_Type_get_true_extent(t, &tlb, &textent) == MPI_SUCCESS && tlb == 0 &&
              textent == e->true_extent,
              "MPI_Type_get_true_extent(%s) = (%ld, %ld), expected (0, %ld)", e->name, (long)tlb,
              (long)textent, e->true_extent);
        CHECK(MPI_Type_get_name(t, name, &len) == MPI_SUCCESS && strcmp(name, e->name) == 0 &&
              len == (int)strlen(e->name), "MPI_Type_get_name(%s) = \"%s\" (%d)", e->name, name,
              len);
        CHECK(MPI_Type_get_envelope(t, &ni, &na, &nd, &comb) == MPI_SUCCESS &&
              comb == MPI_COMBINER_NAMED && ni == 0 && na == 0 && nd == 0,
              "MPI_Type_get_envelope(%s): combiner %d", e->name, comb);
        /* Predefined types are committed: committing again is harmless. */
        CHECK(MPI_Type_commit(&t) == MPI_SUCCESS && t == e->type, "MPI_Type_commit(%s)", e->name);
    }

    /* The aliases are the same handles. */
    CHECK(MPI_LONG_LONG_INT == MPI_LONG_LONG, "MPI_LONG_LONG_INT is MPI_LONG_LONG");
    CHECK(MPI_C_COMPLEX == MPI_C_FLOAT_COMPLEX, "MPI_C_COMPLEX is MPI_C_FLOAT_COMPLEX");

    /* Refusals, with the right class. */
    {
        MPI_Datatype t = MPI_INT, null = MPI_DATATYPE_NULL;
        int rc, cls, size, ints[1];
        MPI_Aint lb, ext;

        rc = MPI_Type_free(&t);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TYPE && t == MPI_INT, "MPI_Type_free(MPI_INT) gave class %d", cls);
        rc = MPI_Type_size(MPI_DATATYPE_NULL, &size);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TYPE, "MPI_Type_size(MPI_DATATYPE_NULL) gave class %d", cls);
        rc = MPI_Type_commit(&null);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TYPE, "MPI_Type_commit(MPI_DATATYPE_NULL) gave class %d", cls);
        rc = MPI_Type_get_extent((MPI_Datatype)(uintptr_t)0x2ff, &lb, &ext);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TYPE, "MPI_Type_get_extent(0x2ff) gave class %d", cls);
        rc = MPI_Type_size((MPI_Datatype)(uintptr_t)0x101, &size);   /* MPI_COMM_WORLD's value */
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TYPE, "MPI_Type_size(a communicator handle) gave class %d", cls);
        rc = MPI_Type_get_contents(MPI_INT, 1, 0, 0, ints, NULL, NULL);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TYPE, "MPI_Type_get_contents(MPI_INT) gave class %d", cls);
        rc = MPI_Type_size(MPI_INT, NULL);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "MPI_Type_size(MPI_INT, NULL) gave class %d", cls);
    }

    /* Renaming a predefined type is allowed; put the name back afterwards. */
    {
        char name[MPI_MAX_OBJECT_NAME];
        int len;
        MPI_Type_set_name(MPI_FLOAT, "my float");
        MPI_Type_get_name(MPI_FLOAT, name, &len);
        CHECK(strcmp(name, "my float") == 0 && len == 8, "renamed MPI_FLOAT reads \"%s\"", name);
        MPI_Type_set_name(MPI_FLOAT, "MPI_FLOAT");
    }

    MPI_Finalize();
    return 0;
}
