/* MPI_Get_elements and MPI_Get_count on messages that fill a receive type
 * partially: whole elements, pairs cut after their value, and byte counts that
 * end inside a basic element (MPI_UNDEFINED). Messages go to self. */
#include <mpi.h>

#include <stdio.h>
#include <string.h>

static int rank;

#include "check.h"

/* Sends nbytes to self and receives them as rcount of rtype; checks the counts. */
static void check(const char *what, int nbytes, MPI_Datatype rtype, int rcount, int want_elems,
                  int want_count)
{
    static char src[512], dst[512];
    MPI_Status st;
    int elems = -7, count = -7;
    MPI_Count elems_x = -7;

    for (int i = 0; i < nbytes; i++)
        src[i] = (char)i;
    MPI_Sendrecv(src, nbytes, MPI_BYTE, 0, 5, dst, rcount, rtype, 0, 5, MPI_COMM_SELF, &st);
    MPI_Get_elements(&st, rtype, &elems);
    MPI_Get_elements_x(&st, rtype, &elems_x);
    MPI_Get_count(&st, rtype, &count);
    CHECK(elems == want_elems, "%s: MPI_Get_elements %d, expected %d", what, elems, want_elems);
    CHECK(elems_x == want_elems, "%s: MPI_Get_elements_x %lld, expected %d", what,
          (long long)elems_x, want_elems);
    CHECK(count == want_count, "%s: MPI_Get_count %d, expected %d", what, count, want_count);
}

int main(int argc, char **argv)
{
    MPI_Datatype s, c2, c3;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);

    check("16 bytes as ints", 16, MPI_INT, 8, 4, 4);
    check("6 bytes as ints", 6, MPI_INT, 8, MPI_UNDEFINED, MPI_UNDEFINED);
    check("nothing", 0, MPI_DOUBLE, 8, 0, 0);
    check("20 bytes as DOUBLE_INT", 20, MPI_DOUBLE_INT, 4, 3, MPI_UNDEFINED);
    check("24 bytes as DOUBLE_INT", 24, MPI_DOUBLE_INT, 4, 4, 2);
    check("14 bytes as DOUBLE_INT", 14, MPI_DOUBLE_INT, 4, MPI_UNDEFINED, MPI_UNDEFINED);
    check("8 bytes as SHORT_INT", 8, MPI_SHORT_INT, 4, 3, MPI_UNDEFINED);

    MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 8},
                           (MPI_Datatype[]){MPI_INT, MPI_DOUBLE}, &s);
    MPI_Type_commit(&s);
    check("16 bytes as struct {int; double}", 16, s, 4, 3, MPI_UNDEFINED);
    check("24 bytes as struct {int; double}", 24, s, 4, 4, 2);
    check("18 bytes as struct {int; double}", 18, s, 4, MPI_UNDEFINED, MPI_UNDEFINED);

    MPI_Type_contiguous(2, MPI_INT, &c2);
    MPI_Type_commit(&c2);
    check("12 bytes as 2-int blocks", 12, c2, 4, 3, MPI_UNDEFINED);
    check("16 bytes as 2-int blocks", 16, c2, 4, 4, 2);

    MPI_Type_contiguous(3, MPI_DOUBLE_INT, &c3);
    MPI_Type_commit(&c3);
    check("32 bytes as 3-pair blocks", 32, c3, 2, 5, MPI_UNDEFINED);
    check("28 bytes as 3-pair blocks", 28, c3, 2, MPI_UNDEFINED, MPI_UNDEFINED);
    check("36 bytes as 3-pair blocks", 36, c3, 2, 6, 1);

    MPI_Type_free(&s);
    MPI_Type_free(&c2);
    MPI_Type_free(&c3);
    MPI_Finalize();
    return 0;
}
