/* Every argument error of the communicator, group, error handler, attribute and
 * error code calls, under MPI_ERRORS_RETURN: the right class, and a string that
 * names the call. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static void expect_err(int rc, int cls, const char *call, int line)
{
    char s[MPI_MAX_ERROR_STRING];
    int c = -1, len = -1;

    CHECK(rc != MPI_SUCCESS, "line %d: %s succeeded", line, call);
    CHECK(MPI_Error_class(rc, &c) == MPI_SUCCESS, "line %d: MPI_Error_class(%d) failed", line, rc);
    CHECK(c == cls, "line %d: %s: class %d, expected %d", line, call, c, cls);
    CHECK(MPI_Error_string(rc, s, &len) == MPI_SUCCESS, "line %d: MPI_Error_string(%d) failed",
          line, rc);
    CHECK(len == (int)strlen(s), "line %d: resultlen %d for a string of %zu", line, len, strlen(s));
    CHECK(strstr(s, call) != NULL, "line %d: error string '%s' does not name %s", line, s, call);
}
#define EXPECT(call_expr, cls, name) expect_err((call_expr), (cls), (name), __LINE__)

int main(int argc, char **argv)
{
    MPI_Comm c = MPI_COMM_NULL, world = MPI_COMM_WORLD, self = MPI_COMM_SELF;
    MPI_Comm null = MPI_COMM_NULL, bogus = (MPI_Comm)(intptr_t)0x3ff;
    MPI_Group wg, g = MPI_GROUP_NULL, gnull = MPI_GROUP_NULL;
    MPI_Errhandler eh;
    int x, flag, keyval, len, cls;
    char name[MPI_MAX_OBJECT_NAME], s[MPI_MAX_ERROR_STRING];
    void *v;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* Errors on no valid communicator go to MPI_COMM_SELF's handler. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_group(world, &wg);

    /* Error codes themselves, also allowed before MPI_Init. */
    MPI_Error_class(MPI_ERR_COUNT, &cls);
    CHECK(cls == MPI_ERR_COUNT, "class of MPI_ERR_COUNT is %d", cls);
    MPI_Error_string(MPI_ERR_COUNT, s, &len);
    CHECK(strstr(s, "MPI_ERR_COUNT") != NULL, "string of MPI_ERR_COUNT: '%s'", s);
    MPI_Error_string(MPI_SUCCESS, s, &len);
    CHECK(len > 0, "MPI_SUCCESS has no string");
    for (int i = 0; i <= MPI_ERR_ERRHANDLER; i++) {
        CHECK(MPI_Error_class(i, &cls) == MPI_SUCCESS && cls == i, "class of class %d: %d", i, cls);
        CHECK(MPI_Error_string(i, s, &len) == MPI_SUCCESS && len > 0 && strncmp(s, "MPI_", 4) == 0,
              "string of class %d: '%s'", i, s);
    }
    EXPECT(MPI_Error_class(-5, &cls), MPI_ERR_ARG, "MPI_Error_class");
    EXPECT(MPI_Error_class(MPI_ERR_LASTCODE + 12345, &cls), MPI_ERR_ARG, "MPI_Error_class");
    EXPECT(MPI_Error_class(MPI_ERR_COUNT, NULL), MPI_ERR_ARG, "MPI_Error_class");
    EXPECT(MPI_Error_string(-1, s, &len), MPI_ERR_ARG, "MPI_Error_string");
    EXPECT(MPI_Error_string(MPI_ERR_COUNT, NULL, &len), MPI_ERR_ARG, "MPI_Error_string");

    /* Communicators. */
    EXPECT(MPI_Comm_size(null, &x), MPI_ERR_COMM, "MPI_Comm_size");
    EXPECT(MPI_Comm_size(bogus, &x), MPI_ERR_COMM, "MPI_Comm_size");
    EXPECT(MPI_Comm_size(world, NULL), MPI_ERR_ARG, "MPI_Comm_size");
    EXPECT(MPI_Comm_rank(null, &x), MPI_ERR_COMM, "MPI_Comm_rank");
    EXPECT(MPI_Comm_rank(world, NULL), MPI_ERR_ARG, "MPI_Comm_rank");
    EXPECT(MPI_Comm_dup(null, &c), MPI_ERR_COMM, "MPI_Comm_dup");
    EXPECT(MPI_Comm_dup(world, NULL), MPI_ERR_ARG, "MPI_Comm_dup");
    EXPECT(MPI_Comm_idup(world, &c, NULL), MPI_ERR_ARG, "MPI_Comm_idup");
    EXPECT(MPI_Comm_split(world, -5, 0, &c), MPI_ERR_ARG, "MPI_Comm_split");
    EXPECT(MPI_Comm_split(null, 0, 0, &c), MPI_ERR_COMM, "MPI_Comm_split");
    EXPECT(MPI_Comm_split(world, 0, 0, NULL), MPI_ERR_ARG, "MPI_Comm_split");
    EXPECT(MPI_Comm_split_type(world, 12345, 0, MPI_INFO_NULL, &c), MPI_ERR_ARG,
           "MPI_Comm_split_type");
    EXPECT(MPI_Comm_create(world, gnull, &c), MPI_ERR_GROUP, "MPI_Comm_create");
    EXPECT(MPI_Comm_create(null, wg, &c), MPI_ERR_COMM, "MPI_Comm_create");
    if (size > 1)
        EXPECT(MPI_Comm_create(self, wg, &c), MPI_ERR_GROUP, "MPI_Comm_create");
    EXPECT(MPI_Comm_create_group(world, wg, -1, &c), MPI_ERR_TAG, "MPI_Comm_create_group");
    EXPECT(MPI_Comm_create_group(world, gnull, 0, &c), MPI_ERR_GROUP, "MPI_Comm_create_group");
    EXPECT(MPI_Comm_free(&world), MPI_ERR_COMM, "MPI_Comm_free");
    CHECK(world == MPI_COMM_WORLD, "failed free changed the handle");
    EXPECT(MPI_Comm_free(&self), MPI_ERR_COMM, "MPI_Comm_free");
    EXPECT(MPI_Comm_free(&null), MPI_ERR_COMM, "MPI_Comm_free");
    EXPECT(MPI_Comm_free(NULL), MPI_ERR_ARG, "MPI_Comm_free");
    EXPECT(MPI_Comm_compare(null, world, &x), MPI_ERR_COMM, "MPI_Comm_compare");
    EXPECT(MPI_Comm_compare(world, null, &x), MPI_ERR_COMM, "MPI_Comm_compare");
    EXPECT(MPI_Comm_compare(world, world, NULL), MPI_ERR_ARG, "MPI_Comm_compare");
    EXPECT(MPI_Comm_set_name(world, NULL), MPI_ERR_ARG, "MPI_Comm_set_name");
    EXPECT(MPI_Comm_set_name(null, "x"), MPI_ERR_COMM, "MPI_Comm_set_name");
    EXPECT(MPI_Comm_get_name(world, NULL, &len), MPI_ERR_ARG, "MPI_Comm_get_name");
    EXPECT(MPI_Comm_get_name(world, name, NULL), MPI_ERR_ARG, "MPI_Comm_get_name");
    EXPECT(MPI_Comm_test_inter(world, NULL), MPI_ERR_ARG, "MPI_Comm_test_inter");
    EXPECT(MPI_Comm_test_inter(null, &flag), MPI_ERR_COMM, "MPI_Comm_test_inter");
    EXPECT(MPI_Comm_group(null, &g), MPI_ERR_COMM, "MPI_Comm_group");
    EXPECT(MPI_Comm_group(world, NULL), MPI_ERR_ARG, "MPI_Comm_group");

    /* Groups. */
    {
        int two[2] = { 0, 0 }, out_of_range[1] = { size }, neg[1] = { -1 };
        int stride0[1][3] = { { 0, 0, 0 } }, beyond[1][3] = { { 0, size, 1 } };
        int away[1][3] = { { size - 1, 0, 1 } }, twice[2][3] = { { 0, 0, 1 }, { 0, 0, 1 } };
        int r2[2];
        EXPECT(MPI_Group_size(gnull, &x), MPI_ERR_GROUP, "MPI_Group_size");
        EXPECT(MPI_Group_size(wg, NULL), MPI_ERR_ARG, "MPI_Group_size");
        EXPECT(MPI_Group_rank(gnull, &x), MPI_ERR_GROUP, "MPI_Group_rank");
        EXPECT(MPI_Group_free(&gnull), MPI_ERR_GROUP, "MPI_Group_free");
        EXPECT(MPI_Group_free(NULL), MPI_ERR_ARG, "MPI_Group_free");
        if (size > 1)
            EXPECT(MPI_Group_incl(wg, 2, two, &g), MPI_ERR_RANK, "MPI_Group_incl");
        EXPECT(MPI_Group_incl(wg, 1, out_of_range, &g), MPI_ERR_RANK, "MPI_Group_incl");
        EXPECT(MPI_Group_incl(wg, 1, neg, &g), MPI_ERR_RANK, "MPI_Group_incl");
        EXPECT(MPI_Group_incl(wg, size + 1, two, &g), MPI_ERR_ARG, "MPI_Group_incl");
        EXPECT(MPI_Group_incl(wg, -1, two, &g), MPI_ERR_ARG, "MPI_Group_incl");
        EXPECT(MPI_Group_incl(gnull, 1, two, &g), MPI_ERR_GROUP, "MPI_Group_incl");
        EXPECT(MPI_Group_incl(wg, 1, two, NULL), MPI_ERR_ARG, "MPI_Group_incl");
        EXPECT(MPI_Group_excl(wg, 1, out_of_range, &g), MPI_ERR_RANK, "MPI_Group_excl");
        if (size > 1)
            EXPECT(MPI_Group_excl(wg, 2, two, &g), MPI_ERR_RANK, "MPI_Group_excl");
        EXPECT(MPI_Group_range_incl(wg, 1, stride0, &g), MPI_ERR_ARG, "MPI_Group_range_incl");
        EXPECT(MPI_Group_range_incl(wg, 1, beyond, &g), MPI_ERR_RANK, "MPI_Group_range_incl");
        EXPECT(MPI_Group_range_incl(wg, 2, twice, &g), MPI_ERR_RANK, "MPI_Group_range_incl");
        if (size > 1)
            EXPECT(MPI_Group_range_incl(wg, 1, away, &g), MPI_ERR_ARG, "MPI_Group_range_incl");
        EXPECT(MPI_Group_range_excl(wg, 1, beyond, &g), MPI_ERR_RANK, "MPI_Group_range_excl");
        EXPECT(MPI_Group_range_excl(wg, -2, beyond, &g), MPI_ERR_ARG, "MPI_Group_range_excl");
        EXPECT(MPI_Group_translate_ranks(wg, 1, out_of_range, wg, r2), MPI_ERR_RANK,
               "MPI_Group_translate_ranks");
        EXPECT(MPI_Group_translate_ranks(wg, -1, two, wg, r2), MPI_ERR_ARG,
               "MPI_Group_translate_ranks");
        EXPECT(MPI_Group_translate_ranks(wg, 1, two, gnull, r2), MPI_ERR_GROUP,
               "MPI_Group_translate_ranks");
        EXPECT(MPI_Group_translate_ranks(wg, 1, NULL, wg, r2), MPI_ERR_ARG,
               "MPI_Group_translate_ranks");
        EXPECT(MPI_Group_compare(wg, gnull, &x), MPI_ERR_GROUP, "MPI_Group_compare");
        EXPECT(MPI_Group_compare(wg, wg, NULL), MPI_ERR_ARG, "MPI_Group_compare");
        EXPECT(MPI_Group_union(gnull, wg, &g), MPI_ERR_GROUP, "MPI_Group_union");
        EXPECT(MPI_Group_intersection(wg, gnull, &g), MPI_ERR_GROUP, "MPI_Group_intersection");
        EXPECT(MPI_Group_difference(wg, wg, NULL), MPI_ERR_ARG, "MPI_Group_difference");
        CHECK(g == MPI_GROUP_NULL, "a failed group call wrote its output");
    }

    /* Error handlers. */
    EXPECT(MPI_Comm_set_errhandler(world, MPI_ERRHANDLER_NULL), MPI_ERR_ERRHANDLER,
           "MPI_Comm_set_errhandler");
    EXPECT(MPI_Comm_set_errhandler(null, MPI_ERRORS_RETURN), MPI_ERR_COMM,
           "MPI_Comm_set_errhandler");
    EXPECT(MPI_Comm_get_errhandler(world, NULL), MPI_ERR_ARG, "MPI_Comm_get_errhandler");
    EXPECT(MPI_Comm_get_errhandler(null, &eh), MPI_ERR_COMM, "MPI_Comm_get_errhandler");
    EXPECT(MPI_Comm_create_errhandler(NULL, &eh), MPI_ERR_ARG, "MPI_Comm_create_errhandler");
    EXPECT(MPI_Comm_call_errhandler(null, MPI_ERR_OTHER), MPI_ERR_COMM,
           "MPI_Comm_call_errhandler");
    EXPECT(MPI_Errhandler_free(NULL), MPI_ERR_ARG, "MPI_Errhandler_free");
    eh = MPI_ERRHANDLER_NULL;
    EXPECT(MPI_Errhandler_free(&eh), MPI_ERR_ERRHANDLER, "MPI_Errhandler_free");
    /* Calling MPI_ERRORS_RETURN itself returns success. */
    CHECK(MPI_Comm_call_errhandler(world, MPI_ERR_OTHER) == MPI_SUCCESS,
          "Comm_call_errhandler with MPI_ERRORS_RETURN did not return MPI_SUCCESS");

    /* Attributes. */
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL);
    EXPECT(MPI_Comm_set_attr(world, MPI_TAG_UB, &x), MPI_ERR_KEYVAL, "MPI_Comm_set_attr");
    EXPECT(MPI_Comm_set_attr(world, MPI_KEYVAL_INVALID, &x), MPI_ERR_KEYVAL, "MPI_Comm_set_attr");
    EXPECT(MPI_Comm_set_attr(world, 987654, &x), MPI_ERR_KEYVAL, "MPI_Comm_set_attr");
    EXPECT(MPI_Comm_set_attr(null, keyval, &x), MPI_ERR_COMM, "MPI_Comm_set_attr");
    EXPECT(MPI_Comm_get_attr(world, 987654, &v, &flag), MPI_ERR_KEYVAL, "MPI_Comm_get_attr");
    EXPECT(MPI_Comm_get_attr(world, keyval, &v, NULL), MPI_ERR_ARG, "MPI_Comm_get_attr");
    EXPECT(MPI_Comm_get_attr(world, keyval, NULL, &flag), MPI_ERR_ARG, "MPI_Comm_get_attr");
    EXPECT(MPI_Comm_get_attr(null, MPI_TAG_UB, &v, &flag), MPI_ERR_COMM, "MPI_Comm_get_attr");
    EXPECT(MPI_Comm_delete_attr(world, MPI_TAG_UB), MPI_ERR_KEYVAL, "MPI_Comm_delete_attr");
    EXPECT(MPI_Comm_delete_attr(world, 987654), MPI_ERR_KEYVAL, "MPI_Comm_delete_attr");
    EXPECT(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, NULL, NULL),
           MPI_ERR_ARG, "MPI_Comm_create_keyval");
    {
        int k = MPI_TAG_UB;
        EXPECT(MPI_Comm_free_keyval(&k), MPI_ERR_KEYVAL, "MPI_Comm_free_keyval");
        k = keyval;
        MPI_Comm_free_keyval(&keyval);
        CHECK(keyval == MPI_KEYVAL_INVALID, "free_keyval did not reset the keyval");
        EXPECT(MPI_Comm_free_keyval(&k), MPI_ERR_KEYVAL, "MPI_Comm_free_keyval");
        EXPECT(MPI_Comm_set_attr(world, k, &x), MPI_ERR_KEYVAL, "MPI_Comm_set_attr");
        EXPECT(MPI_Comm_free_keyval(NULL), MPI_ERR_ARG, "MPI_Comm_free_keyval");
    }

    /* Point-to-point argument errors reach the same handler, and the message
     * names the call and the argument. */
    x = 0;
    EXPECT(MPI_Send(&x, -1, MPI_INT, 0, 0, world), MPI_ERR_COUNT, "MPI_Send");
    EXPECT(MPI_Send(&x, 1, MPI_INT, size, 0, world), MPI_ERR_RANK, "MPI_Send");
    EXPECT(MPI_Send(&x, 1, MPI_INT, 0, -7, world), MPI_ERR_TAG, "MPI_Send");
    EXPECT(MPI_Send(&x, 1, MPI_INT, 0, 0, null), MPI_ERR_COMM, "MPI_Send");

    /* A dup inherits MPI_ERRORS_RETURN. */
    MPI_Comm_dup(world, &c);
    EXPECT(MPI_Comm_size(c, NULL), MPI_ERR_ARG, "MPI_Comm_size");
    MPI_Comm_get_errhandler(c, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "dup's handler is not MPI_ERRORS_RETURN");
    MPI_Errhandler_free(&eh);
    CHECK(eh == MPI_ERRHANDLER_NULL, "Errhandler_free did not reset the handle");
    MPI_Comm_free(&c);

    /* Many errors: codes are recycled but their class stays right, and the
     * newest ones keep their message. */
    {
        int first = MPI_Comm_size(null, &x), code = 0;
        for (int i = 0; i < 600; i++)
            code = MPI_Group_incl(wg, 1, (int[]){ size + i }, &g);
        expect_err(code, MPI_ERR_RANK, "MPI_Group_incl", __LINE__);
        MPI_Error_string(code, s, &len);
        {
            char want[64];
            snprintf(want, sizeof(want), "is %d", size + 599);
            CHECK(strstr(s, want) != NULL, "newest message '%s' lacks '%s'", s, want);
        }
        MPI_Error_class(first, &cls);
        CHECK(cls == MPI_ERR_COMM, "class of a recycled code: %d", cls);
        CHECK(first <= MPI_ERR_LASTCODE && code <= MPI_ERR_LASTCODE, "codes above MPI_ERR_LASTCODE");
    }

    /* Still working after all that. */
    {
        int sum = 0, one = 1;
        if (rank == 0) {
            sum = 1;
            for (int i = 1; i < size; i++) {
                MPI_Recv(&one, 1, MPI_INT, i, 0, world, MPI_STATUS_IGNORE);
                sum += one;
            }
            CHECK(sum == size, "sum %d after errors", sum);
        } else {
            MPI_Send(&one, 1, MPI_INT, 0, 0, world);
        }
    }

    MPI_Group_free(&wg);
    MPI_Finalize();
    return 0;
}
