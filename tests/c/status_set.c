/* Statuses filled by hand: MPI_Status_set/get_source, _tag, _error,
 * MPI_Status_set_elements (int, _x and _c) read back by MPI_Get_count and
 * MPI_Get_elements, MPI_Status_set_cancelled and MPI_Test_cancelled, and the
 * errors on NULL arguments. */
/* np: 1 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int rank;

#include "check.h"

#define EXPECT(call_expr, cls, name) CHECK_ERR((call_expr), (cls), (name), NULL)

int main(int argc, char **argv)
{
    MPI_Status st;
    MPI_Datatype vec;
    MPI_Count cc;
    int v = -1, count, flag;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    memset(&st, 0, sizeof(st));

    /* The public fields, through the calls and directly. */
    MPI_Status_set_source(&st, 7);
    MPI_Status_set_tag(&st, 12345);
    MPI_Status_set_error(&st, MPI_ERR_TRUNCATE);
    CHECK(st.MPI_SOURCE == 7 && st.MPI_TAG == 12345 && st.MPI_ERROR == MPI_ERR_TRUNCATE,
          "fields: %d %d %d", st.MPI_SOURCE, st.MPI_TAG, st.MPI_ERROR);
    MPI_Status_get_source(&st, &v);
    CHECK(v == 7, "get_source %d", v);
    MPI_Status_get_tag(&st, &v);
    CHECK(v == 12345, "get_tag %d", v);
    st.MPI_ERROR = MPI_ERR_OTHER;
    MPI_Status_get_error(&st, &v);
    CHECK(v == MPI_ERR_OTHER, "get_error %d", v);
    MPI_Status_set_source(&st, MPI_ANY_SOURCE);
    MPI_Status_get_source(&st, &v);
    CHECK(v == MPI_ANY_SOURCE, "get_source of MPI_ANY_SOURCE: %d", v);

    /* Elements: what MPI_Get_count and MPI_Get_elements read back. */
    MPI_Status_set_elements(&st, MPI_DOUBLE, 5);
    MPI_Get_count(&st, MPI_DOUBLE, &count);
    CHECK(count == 5, "count after set_elements: %d", count);
    MPI_Get_count(&st, MPI_BYTE, &count);
    CHECK(count == 5 * (int)sizeof(double), "byte count: %d", count);
    MPI_Type_vector(2, 3, 4, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    MPI_Status_set_elements(&st, vec, 7);      /* one whole vector and one int of the next */
    MPI_Get_count(&st, vec, &count);
    CHECK(count == MPI_UNDEFINED, "count of 7 ints in vectors of 6: %d", count);
    MPI_Get_elements(&st, vec, &count);
    CHECK(count == 7, "elements of vec: %d", count);
    MPI_Status_set_elements_x(&st, MPI_INT, (MPI_Count)1 << 33);
    MPI_Get_elements_x(&st, MPI_INT, &cc);
    CHECK(cc == (MPI_Count)1 << 33, "elements_x: %lld", (long long)cc);
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(count == MPI_UNDEFINED, "int count of 2^33 elements: %d", count);
    MPI_Status_set_elements_c(&st, vec, 12);
    MPI_Get_count(&st, vec, &count);
    CHECK(count == 2, "count after set_elements_c: %d", count);
    MPI_Type_free(&vec);

    MPI_Status_set_cancelled(&st, 1);
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag == 1, "cancelled flag %d", flag);
    MPI_Status_set_cancelled(&st, 0);
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag == 0, "cancelled flag after clearing %d", flag);
    CHECK(st.MPI_SOURCE == MPI_ANY_SOURCE && st.MPI_ERROR == MPI_ERR_OTHER,
          "set_elements/set_cancelled changed the public fields");

    /* Errors. */
    EXPECT(MPI_Status_set_source(NULL, 1), MPI_ERR_ARG, "MPI_Status_set_source");
    EXPECT(MPI_Status_get_tag(NULL, &v), MPI_ERR_ARG, "MPI_Status_get_tag");
    EXPECT(MPI_Status_get_error(&st, NULL), MPI_ERR_ARG, "MPI_Status_get_error");
    EXPECT(MPI_Status_set_elements_c(&st, MPI_INT, -1), MPI_ERR_COUNT,
           "MPI_Status_set_elements_c");
    EXPECT(MPI_Status_set_elements(&st, MPI_DATATYPE_NULL, 1), MPI_ERR_TYPE,
           "MPI_Status_set_elements");
    EXPECT(MPI_Status_set_elements(NULL, MPI_INT, 1), MPI_ERR_ARG, "MPI_Status_set_elements");

    MPI_Finalize();
    return 0;
}
