/* MPI_Dims_create: the standard's examples, balanced factorizations in
 * non-increasing order, fixed entries kept, and the errors (a product that does not
 * divide nnodes, negative entries, bad ndims or nnodes). */
/* np: 1 2 */
#include <mpi.h>
#include <stdio.h>

static int rank;

#include "check.h"

static void expect_dims(int nnodes, int ndims, const int *in, const int *want)
{
    int dims[32];

    for (int d = 0; d < ndims; d++)
        dims[d] = in ? in[d] : 0;
    CHECK(MPI_Dims_create(nnodes, ndims, dims) == MPI_SUCCESS, "Dims_create(%d, %d) failed",
          nnodes, ndims);
    for (int d = 0; d < ndims; d++)
        CHECK(dims[d] == want[d], "Dims_create(%d, %d): dims[%d] = %d, expected %d", nnodes,
              ndims, d, dims[d], want[d]);
}

int main(int argc, char **argv)
{
    int dims[4];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    /* The standard's examples. */
    expect_dims(6, 2, NULL, (int[]){ 3, 2 });
    expect_dims(7, 2, NULL, (int[]){ 7, 1 });
    expect_dims(6, 3, (int[]){ 0, 3, 0 }, (int[]){ 2, 3, 1 });
    dims[0] = 0;
    dims[1] = 3;
    dims[2] = 0;
    CHECK_SAYS(MPI_Dims_create(7, 3, dims), MPI_ERR_DIMS, "MPI_Dims_create", "7,3");

    /* As close to each other as possible, largest first. */
    expect_dims(1, 3, NULL, (int[]){ 1, 1, 1 });
    expect_dims(8, 1, NULL, (int[]){ 8 });
    expect_dims(8, 3, NULL, (int[]){ 2, 2, 2 });
    expect_dims(12, 2, NULL, (int[]){ 4, 3 });
    expect_dims(12, 3, NULL, (int[]){ 3, 2, 2 });
    expect_dims(16, 2, NULL, (int[]){ 4, 4 });
    expect_dims(24, 3, NULL, (int[]){ 4, 3, 2 });
    expect_dims(30, 2, NULL, (int[]){ 6, 5 });
    expect_dims(36, 2, NULL, (int[]){ 6, 6 });
    expect_dims(64, 4, NULL, (int[]){ 4, 4, 2, 2 });
    expect_dims(72, 3, NULL, (int[]){ 6, 4, 3 });
    expect_dims(1024, 3, NULL, (int[]){ 16, 8, 8 });
    /* A greedy split of the prime factors would give 8 x 6 x 1 or similar. */
    expect_dims(48, 3, NULL, (int[]){ 4, 4, 3 });
    expect_dims(1 << 20, 20, NULL,
                (int[]){ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 });
    /* A large prime: no slow search. */
    expect_dims(2147483647, 2, NULL, (int[]){ 2147483647, 1 });
    expect_dims(1000000, 2, NULL, (int[]){ 1000, 1000 });
    /* Fixed entries stay; the free ones, in order, are non-increasing. */
    expect_dims(12, 3, (int[]){ 0, 0, 2 }, (int[]){ 3, 2, 2 });
    expect_dims(24, 3, (int[]){ 2, 0, 0 }, (int[]){ 2, 4, 3 });
    expect_dims(12, 2, (int[]){ 4, 3 }, (int[]){ 4, 3 });
    expect_dims(5, 0, NULL, (int[]){ 0 });   /* nothing to fill in */

    /* Errors. */
    dims[0] = 4;
    dims[1] = 4;
    CHECK_SAYS(MPI_Dims_create(12, 2, dims), MPI_ERR_DIMS, "MPI_Dims_create", "more than nnodes 12");
    dims[0] = -1;
    dims[1] = 0;
    CHECK_SAYS(MPI_Dims_create(4, 2, dims), MPI_ERR_DIMS, "MPI_Dims_create", "dims[0],-1");
    CHECK_SAYS(MPI_Dims_create(4, -1, dims), MPI_ERR_DIMS, "MPI_Dims_create", "ndims,-1");
    CHECK_SAYS(MPI_Dims_create(0, 2, dims), MPI_ERR_ARG, "MPI_Dims_create", "nnodes,0");
    CHECK_SAYS(MPI_Dims_create(4, 2, NULL), MPI_ERR_ARG, "MPI_Dims_create", "dims");
    dims[0] = 5;
    dims[1] = 0;
    CHECK_SAYS(MPI_Dims_create(12, 2, dims), MPI_ERR_DIMS, "MPI_Dims_create", "12,5");

    MPI_Finalize();
    return 0;
}
