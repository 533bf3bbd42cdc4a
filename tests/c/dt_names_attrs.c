/* Datatype names and attributes: standard names of predefined types, keyvals with
 * copy callbacks run by MPI_Type_dup and delete callbacks by MPI_Type_free,
 * MPI_Type_delete_attr and replacement, failing callbacks, keyvals of the wrong
 * kind; MPI_Type_match_size, MPI_Type_create_f90_integer/real/complex and
 * MPI_Pcontrol. */
/* np: 1 2 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

static int copies, deletes, fail_copy, fail_delete, extra_ok = 1;
static MPI_Datatype last_copy_type, last_delete_type;
static int extra_token;

#define EXPECT(call_expr, cls, name) CHECK_ERR((call_expr), (cls), (name), NULL)

/* Copies a heap int, incremented, so that each type has its own. */
static int copy_fn(MPI_Datatype old, int keyval, void *extra, void *in, void *out, int *flag)
{
    copies++;
    last_copy_type = old;
    extra_ok &= extra == &extra_token;
    if (fail_copy)
        return MPI_ERR_OTHER;
    int *v = malloc(sizeof(int));
    *v = *(int *)in + 1;
    *(void **)out = v;
    *flag = 1;
    return MPI_SUCCESS;
}

static int delete_fn(MPI_Datatype type, int keyval, void *value, void *extra)
{
    deletes++;
    last_delete_type = type;
    extra_ok &= extra == &extra_token;
    if (fail_delete)
        return MPI_ERR_OTHER;
    free(value);
    return MPI_SUCCESS;
}

static int nocopy_fn(MPI_Datatype old, int keyval, void *extra, void *in, void *out, int *flag)
{
    copies++;
    *flag = 0;
    return MPI_SUCCESS;
}

static int *new_int(int v)
{
    int *p = malloc(sizeof(int));
    *p = v;
    return p;
}

static void check_name(MPI_Datatype t, const char *want)
{
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;

    MPI_Type_get_name(t, name, &len);
    CHECK(strcmp(name, want) == 0 && len == (int)strlen(want), "name '%s' (%d), expected '%s'",
          name, len, want);
}

/* got is read after the call has filled it (an argument evaluated with it
 * might not be). The type has want's size and extent, and its envelope names the
 * f90 constructor (the standard's combiners MPI_COMBINER_F90_*). */
static void check_f90(int rc, const MPI_Datatype *gotp, MPI_Datatype want, const char *what)
{
    MPI_Datatype got = *gotp;
    MPI_Aint glb, gext, wlb, wext;
    int gsize, wsize, ni, na, nd, combiner;

    CHECK(rc == MPI_SUCCESS, "%s failed", what);
    MPI_Type_size(got, &gsize);
    MPI_Type_size(want, &wsize);
    MPI_Type_get_extent(got, &glb, &gext);
    MPI_Type_get_extent(want, &wlb, &wext);
    CHECK(gsize == wsize && gext == wext, "%s has size %d extent %ld, expected %d and %ld",
          what, gsize, (long)gext, wsize, (long)wext);
    MPI_Type_get_envelope(got, &ni, &na, &nd, &combiner);
    CHECK(combiner == MPI_COMBINER_F90_INTEGER || combiner == MPI_COMBINER_F90_REAL ||
          combiner == MPI_COMBINER_F90_COMPLEX, "%s: combiner %d is not an f90 one", what,
          combiner);
    CHECK(ni == (combiner == MPI_COMBINER_F90_INTEGER ? 1 : 2) && na == 0 && nd == 0,
          "%s: envelope %d/%d/%d", what, ni, na, nd);
}

int main(int argc, char **argv)
{
    MPI_Datatype t, d, d2, f;
    int kcopy, kdup, knull, knocopy, kcomm, flag, size, keep;
    void *val;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    /* Names. */
    check_name(MPI_INT, "MPI_INT");
    check_name(MPI_DOUBLE, "MPI_DOUBLE");
    check_name(MPI_2INT, "MPI_2INT");
    check_name(MPI_INTEGER4, "MPI_INTEGER4");
    check_name(MPI_UNSIGNED_LONG_LONG, "MPI_UNSIGNED_LONG_LONG");
    MPI_Type_contiguous(2, MPI_INT, &t);
    check_name(t, "");
    MPI_Type_set_name(t, "pair of ints");
    check_name(t, "pair of ints");

    /* Keyvals and attributes. */
    MPI_Type_create_keyval(copy_fn, delete_fn, &kcopy, &extra_token);
    MPI_Type_create_keyval(MPI_TYPE_DUP_FN, MPI_TYPE_NULL_DELETE_FN, &kdup, NULL);
    MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &knull, NULL);
    MPI_Type_create_keyval(nocopy_fn, MPI_TYPE_NULL_DELETE_FN, &knocopy, NULL);
    CHECK(kcopy != kdup && kdup != knull && knull != knocopy, "keyvals not distinct");
    MPI_Type_get_attr(t, kcopy, &val, &flag);
    CHECK(flag == 0, "attribute present before any set");
    MPI_Type_set_attr(t, kcopy, new_int(10));
    MPI_Type_set_attr(t, kdup, (void *)(intptr_t)77);
    MPI_Type_set_attr(t, knull, (void *)(intptr_t)88);
    MPI_Type_set_attr(t, knocopy, (void *)(intptr_t)99);
    MPI_Type_get_attr(t, kcopy, &val, &flag);
    CHECK(flag == 1 && *(int *)val == 10, "get after set: flag %d", flag);

    /* Dup runs the copy callbacks with the old type. */
    copies = 0;
    MPI_Type_dup(t, &d);
    CHECK(copies == 2 && last_copy_type == t, "dup: %d copies, type %s", copies,
          last_copy_type == t ? "right" : "wrong");
    MPI_Type_get_attr(d, kcopy, &val, &flag);
    CHECK(flag == 1 && *(int *)val == 11, "copied attribute: flag %d value %d", flag,
          flag ? *(int *)val : -1);
    MPI_Type_get_attr(d, kdup, &val, &flag);
    CHECK(flag == 1 && (intptr_t)val == 77, "MPI_TYPE_DUP_FN attribute: flag %d", flag);
    MPI_Type_get_attr(d, knull, &val, &flag);
    CHECK(flag == 0, "MPI_TYPE_NULL_COPY_FN attribute was copied");
    MPI_Type_get_attr(d, knocopy, &val, &flag);
    CHECK(flag == 0, "attribute whose copy said flag 0 was copied");
    MPI_Type_get_attr(t, kcopy, &val, &flag);
    CHECK(flag == 1 && *(int *)val == 10, "dup changed the old type's attribute");
    /* A dup of a dup: the copy sees the dup. */
    MPI_Type_dup(d, &d2);
    CHECK(last_copy_type == d, "copy callback got the wrong old type");
    MPI_Type_get_attr(d2, kcopy, &val, &flag);
    CHECK(flag == 1 && *(int *)val == 12, "second-generation attribute %d", *(int *)val);

    /* Replacing deletes the old value; delete_attr deletes; free deletes. */
    deletes = 0;
    MPI_Type_set_attr(d2, kcopy, new_int(50));
    CHECK(deletes == 1 && last_delete_type == d2, "replace: %d deletes", deletes);
    MPI_Type_delete_attr(d2, kcopy);
    CHECK(deletes == 2, "delete_attr: %d deletes", deletes);
    MPI_Type_get_attr(d2, kcopy, &val, &flag);
    CHECK(flag == 0, "attribute still there after delete_attr");
    CHECK(MPI_Type_delete_attr(d2, kcopy) == MPI_SUCCESS, "delete_attr of an absent attribute");
    MPI_Type_free(&d2);
    CHECK(deletes == 2, "free of a type without the attribute deleted something");
    MPI_Type_free(&d);
    CHECK(deletes == 3, "free of a type with the attribute: %d deletes", deletes);

    /* A failing copy fails the dup with its error; a failing delete fails the
     * free, and the type stays usable. */
    fail_copy = 1;
    d = MPI_DATATYPE_NULL;
    {
        int rc = MPI_Type_dup(t, &d), cls = -1;
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OTHER && d == MPI_DATATYPE_NULL, "failing copy: class %d", cls);
    }
    fail_copy = 0;
    MPI_Type_dup(t, &d);
    fail_delete = 1;
    {
        int rc = MPI_Type_free(&d), cls = -1;
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OTHER && d != MPI_DATATYPE_NULL, "failing delete: class %d", cls);
        MPI_Type_size(d, &size);
        CHECK(size == 2 * (int)sizeof(int), "type after a failed free: size %d", size);
    }
    fail_delete = 0;
    MPI_Type_free(&d);
    CHECK(d == MPI_DATATYPE_NULL, "free after the failure did not work");

    /* Predefined types take attributes too. */
    MPI_Type_set_attr(MPI_INT, kdup, (void *)(intptr_t)5);
    MPI_Type_get_attr(MPI_INT, kdup, &val, &flag);
    CHECK(flag == 1 && (intptr_t)val == 5, "attribute on MPI_INT: flag %d", flag);
    MPI_Type_get_attr(MPI_DOUBLE, kdup, &val, &flag);
    CHECK(flag == 0, "MPI_DOUBLE has MPI_INT's attribute");
    MPI_Type_delete_attr(MPI_INT, kdup);

    /* Keyvals of the wrong kind, bad handles and arguments. */
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &kcomm, NULL);
    EXPECT(MPI_Type_set_attr(t, kcomm, NULL), MPI_ERR_KEYVAL, "MPI_Type_set_attr");
    EXPECT(MPI_Type_get_attr(t, kcomm, &val, &flag), MPI_ERR_KEYVAL, "MPI_Type_get_attr");
    EXPECT(MPI_Comm_set_attr(MPI_COMM_WORLD, kcopy, NULL), MPI_ERR_KEYVAL, "MPI_Comm_set_attr");
    EXPECT(MPI_Comm_free_keyval(&kcopy), MPI_ERR_KEYVAL, "MPI_Comm_free_keyval");
    EXPECT(MPI_Type_free_keyval(&kcomm), MPI_ERR_KEYVAL, "MPI_Type_free_keyval");
    EXPECT(MPI_Type_get_attr(t, MPI_TAG_UB, &val, &flag), MPI_ERR_KEYVAL, "MPI_Type_get_attr");
    EXPECT(MPI_Type_set_attr(MPI_DATATYPE_NULL, kdup, NULL), MPI_ERR_TYPE, "MPI_Type_set_attr");
    EXPECT(MPI_Type_get_attr(t, kdup, NULL, &flag), MPI_ERR_ARG, "MPI_Type_get_attr");
    EXPECT(MPI_Type_create_keyval(copy_fn, delete_fn, NULL, NULL), MPI_ERR_ARG,
           "MPI_Type_create_keyval");
    MPI_Comm_free_keyval(&kcomm);

    /* A freed keyval lives on for the attributes that use it: readable through a
     * copy of its value, not settable, and its delete callback still runs when
     * the type goes. */
    keep = kcopy;
    MPI_Type_free_keyval(&kcopy);
    CHECK(kcopy == MPI_KEYVAL_INVALID, "free_keyval did not reset the keyval");
    flag = 0;
    CHECK(MPI_Type_get_attr(t, keep, &val, &flag) == MPI_SUCCESS && flag,
          "the attribute of a freed keyval cannot be read");
    EXPECT(MPI_Type_set_attr(t, keep, NULL), MPI_ERR_KEYVAL, "MPI_Type_set_attr");
    deletes = 0;
    MPI_Type_free(&t);
    CHECK(deletes == 1 && extra_ok, "free after free_keyval: %d deletes, extra_state %s",
          deletes, extra_ok ? "right" : "wrong");
    MPI_Type_free_keyval(&kdup);
    MPI_Type_free_keyval(&knull);
    MPI_Type_free_keyval(&knocopy);

    /* MPI_Type_match_size. */
    MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 8, &f);
    CHECK(f == MPI_INTEGER8, "match_size integer 8");
    MPI_Type_match_size(MPI_TYPECLASS_REAL, 4, &f);
    CHECK(f == MPI_REAL4, "match_size real 4");
    MPI_Type_match_size(MPI_TYPECLASS_COMPLEX, 16, &f);
    CHECK(f == MPI_COMPLEX16, "match_size complex 16");
    EXPECT(MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 3, &f), MPI_ERR_ARG, "MPI_Type_match_size");

    /* The f90 types: the smallest kind that holds the precision and range. */
    check_f90(MPI_Type_create_f90_integer(1, &f), &f, MPI_INTEGER1, "f90_integer(1)");
    check_f90(MPI_Type_create_f90_integer(2, &f), &f, MPI_INTEGER1, "f90_integer(2)");
    check_f90(MPI_Type_create_f90_integer(3, &f), &f, MPI_INTEGER2, "f90_integer(3)");
    check_f90(MPI_Type_create_f90_integer(9, &f), &f, MPI_INTEGER4, "f90_integer(9)");
    check_f90(MPI_Type_create_f90_integer(10, &f), &f, MPI_INTEGER8, "f90_integer(10)");
    check_f90(MPI_Type_create_f90_integer(38, &f), &f, MPI_INTEGER16, "f90_integer(38)");
    check_f90(MPI_Type_create_f90_real(6, MPI_UNDEFINED, &f), &f, MPI_REAL4, "f90_real(6, -)");
    check_f90(MPI_Type_create_f90_real(7, MPI_UNDEFINED, &f), &f, MPI_REAL8, "f90_real(7, -)");
    check_f90(MPI_Type_create_f90_real(MPI_UNDEFINED, 37, &f), &f, MPI_REAL4, "f90_real(-, 37)");
    check_f90(MPI_Type_create_f90_real(MPI_UNDEFINED, 38, &f), &f, MPI_REAL8, "f90_real(-, 38)");
    check_f90(MPI_Type_create_f90_real(15, 307, &f), &f, MPI_REAL8, "f90_real(15, 307)");
    check_f90(MPI_Type_create_f90_real(16, 10, &f), &f, MPI_REAL16, "f90_real(16, 10)");
    check_f90(MPI_Type_create_f90_complex(6, 37, &f), &f, MPI_COMPLEX8, "f90_complex(6, 37)");
    check_f90(MPI_Type_create_f90_complex(10, MPI_UNDEFINED, &f), &f, MPI_COMPLEX16,
              "f90_complex(10, -)");
    check_f90(MPI_Type_create_f90_complex(MPI_UNDEFINED, 400, &f), &f, MPI_COMPLEX32,
              "f90_complex(-, 400)");
    MPI_Type_create_f90_real(15, MPI_UNDEFINED, &f);
    MPI_Type_size(f, &size);
    CHECK(size == 8, "f90_real(15) has size %d", size);
    {
        /* The contents give (p, r) back; the same call gives the same type. */
        int ints[2] = { -2, -2 };
        MPI_Aint a;
        MPI_Datatype again, dts[1];
        MPI_Type_get_contents(f, 2, 0, 0, ints, &a, dts);
        CHECK(ints[0] == 15 && ints[1] == MPI_UNDEFINED, "f90_real contents %d %d", ints[0],
              ints[1]);
        MPI_Type_create_f90_real(15, MPI_UNDEFINED, &again);
        CHECK(again == f, "f90_real(15, -) twice gave two types");
    }
    {
        /* The result is a predefined type: usable at once, and not to be freed. */
        double x = 1.5, y = 0;
        MPI_Sendrecv(&x, 1, f, rank, 0, &y, 1, f, rank, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(y == 1.5, "sendrecv of f90_real(15): %g", y);
        EXPECT(MPI_Type_free(&f), MPI_ERR_TYPE, "MPI_Type_free");
    }
    EXPECT(MPI_Type_create_f90_integer(39, &f), MPI_ERR_ARG, "MPI_Type_create_f90_integer");
    EXPECT(MPI_Type_create_f90_integer(MPI_UNDEFINED, &f), MPI_ERR_ARG,
           "MPI_Type_create_f90_integer");
    EXPECT(MPI_Type_create_f90_real(34, MPI_UNDEFINED, &f), MPI_ERR_ARG,
           "MPI_Type_create_f90_real");
    EXPECT(MPI_Type_create_f90_real(MPI_UNDEFINED, MPI_UNDEFINED, &f), MPI_ERR_ARG,
           "MPI_Type_create_f90_real");
    EXPECT(MPI_Type_create_f90_complex(-3, 10, &f), MPI_ERR_ARG, "MPI_Type_create_f90_complex");
    EXPECT(MPI_Type_create_f90_complex(6, 10, NULL), MPI_ERR_ARG, "MPI_Type_create_f90_complex");

    /* MPI_Pcontrol: no profiling levels, nothing to do, success. */
    CHECK(MPI_Pcontrol(0) == MPI_SUCCESS && MPI_Pcontrol(1) == MPI_SUCCESS &&
          MPI_Pcontrol(2, "extra", 3) == MPI_SUCCESS, "MPI_Pcontrol failed");

    MPI_Finalize();
    return 0;
}
