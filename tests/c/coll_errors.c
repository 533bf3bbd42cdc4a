/* Argument errors of the collectives under MPI_ERRORS_RETURN: the right error class,
 * a message naming the call and the problem, and the communicator still usable
 * afterwards. Only errors every rank detects are raised on a shared communicator
 * (a rank that saw no error would enter the collective alone); errors only the
 * root detects are raised on MPI_COMM_SELF, where every rank is the root. */
/* np: 1 2 3 4 5 8 */
#include "coll_common.c"

static void expect_error(int rc, int errclass, const char *call, const char *words)
{
    char msg[MPI_MAX_ERROR_STRING], w[256], *tok, *save;
    int cls = -1, len;

    ct_set(call, wsize, -1, 0);
    CT_CHECK(rc != MPI_SUCCESS, "returned MPI_SUCCESS, expected an error (%s)", words);
    MPI_Error_class(rc, &cls);
    CT_CHECK(cls == errclass, "error class %d, expected %d (%s)", cls, errclass, words);
    MPI_Error_string(rc, msg, &len);
    CT_CHECK(strstr(msg, call) != NULL, "message \"%s\" does not name %s", msg, call);
    snprintf(w, sizeof(w), "%s", words);
    for (tok = strtok_r(w, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        CT_CHECK(strstr(msg, tok) != NULL, "message \"%s\" does not say \"%s\"", msg, tok);
}

int main(int argc, char **argv)
{
    double d[4] = { 1, 2, 3, 4 }, e[4];
    int a[64], b[64], counts[64], displs[64], sum = 0, one = 1;
    MPI_Request req;
    MPI_Datatype uncommitted;

    MPI_Init(&argc, &argv);
    ct_init(NULL);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    for (int i = 0; i < 64; i++) {
        a[i] = i;
        counts[i] = 1;
        displs[i] = i;
    }

    expect_error(MPI_Bcast(a, 1, MPI_INT, wsize, MPI_COMM_WORLD), MPI_ERR_ROOT, "MPI_Bcast",
                 "root");
    expect_error(MPI_Bcast(a, 1, MPI_INT, -1, MPI_COMM_WORLD), MPI_ERR_ROOT, "MPI_Bcast",
                 "root");
    expect_error(MPI_Ireduce(a, b, 1, MPI_INT, MPI_SUM, wsize + 3, MPI_COMM_WORLD, &req),
                 MPI_ERR_ROOT, "MPI_Ireduce", "root");
    expect_error(MPI_Gather(a, 1, MPI_INT, b, 1, MPI_INT, -2, MPI_COMM_WORLD), MPI_ERR_ROOT,
                 "MPI_Gather", "root");
    expect_error(MPI_Allreduce(d, e, 4, MPI_DOUBLE, MPI_BAND, MPI_COMM_WORLD), MPI_ERR_OP,
                 "MPI_Allreduce", "MPI_BAND,MPI_DOUBLE");
    expect_error(MPI_Iallreduce(d, e, 4, MPI_DOUBLE, MPI_LXOR, MPI_COMM_WORLD, &req), MPI_ERR_OP,
                 "MPI_Iallreduce", "MPI_LXOR,MPI_DOUBLE");
    expect_error(MPI_Reduce(a, b, 4, MPI_INT, MPI_MINLOC, 0, MPI_COMM_WORLD), MPI_ERR_OP,
                 "MPI_Reduce", "MPI_MINLOC,MPI_INT");
    expect_error(MPI_Allreduce(a, b, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD), MPI_ERR_OP,
                 "MPI_Allreduce", "MPI_OP_NULL");
    expect_error(MPI_Reduce(a, b, -1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD), MPI_ERR_COUNT,
                 "MPI_Reduce", "count,-1");
    expect_error(MPI_Bcast(a, -5, MPI_INT, 0, MPI_COMM_WORLD), MPI_ERR_COUNT, "MPI_Bcast",
                 "count,-5");
    expect_error(MPI_Allgather(a, 1, MPI_INT, b, -1, MPI_INT, MPI_COMM_WORLD), MPI_ERR_COUNT,
                 "MPI_Allgather", "count");
    expect_error(MPI_Reduce_scatter_block(a, b, -2, MPI_INT, MPI_SUM, MPI_COMM_WORLD),
                 MPI_ERR_COUNT, "MPI_Reduce_scatter_block", "-2");
    counts[wsize - 1] = -3;
    expect_error(MPI_Alltoallv(a, counts, displs, MPI_INT, b, counts, displs, MPI_INT,
                               MPI_COMM_WORLD), MPI_ERR_COUNT, "MPI_Alltoallv", "counts,-3");
    expect_error(MPI_Allgatherv(a, 1, MPI_INT, b, counts, displs, MPI_INT, MPI_COMM_WORLD),
                 MPI_ERR_COUNT, "MPI_Allgatherv", "recvcounts");
    counts[wsize - 1] = 1;
    expect_error(MPI_Alltoallv(a, counts, displs, MPI_INT, b, NULL, displs, MPI_INT,
                               MPI_COMM_WORLD), MPI_ERR_ARG, "MPI_Alltoallv", "recvcounts");
    expect_error(MPI_Allreduce(MPI_IN_PLACE, MPI_IN_PLACE, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD),
                 MPI_ERR_BUFFER, "MPI_Allreduce", "MPI_IN_PLACE");
    expect_error(MPI_Alltoall(MPI_IN_PLACE, 1, MPI_INT, MPI_IN_PLACE, 1, MPI_INT,
                              MPI_COMM_WORLD), MPI_ERR_BUFFER, "MPI_Alltoall", "MPI_IN_PLACE");
    expect_error(MPI_Allreduce(a, a, 4, MPI_INT, MPI_SUM, MPI_COMM_WORLD), MPI_ERR_BUFFER,
                 "MPI_Allreduce", "MPI_IN_PLACE");
    expect_error(MPI_Bcast(a, 1, MPI_DATATYPE_NULL, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                 "MPI_Bcast", "datatype");
    MPI_Type_contiguous(2, MPI_INT, &uncommitted);
    expect_error(MPI_Allgather(a, 1, uncommitted, b, 1, uncommitted, MPI_COMM_WORLD),
                 MPI_ERR_TYPE, "MPI_Allgather", "commit");
    MPI_Type_free(&uncommitted);
    expect_error(MPI_Barrier(MPI_COMM_NULL), MPI_ERR_COMM, "MPI_Barrier", "communicator");
    expect_error(MPI_Ibcast(a, 1, MPI_INT, 0, MPI_COMM_WORLD, NULL), MPI_ERR_ARG, "MPI_Ibcast",
                 "request");

    /* Errors only a root detects: on MPI_COMM_SELF every rank is the root. */
    expect_error(MPI_Gather(MPI_IN_PLACE, 1, MPI_INT, MPI_IN_PLACE, 1, MPI_INT, 0, MPI_COMM_SELF),
                 MPI_ERR_BUFFER, "MPI_Gather", "recvbuf");
    expect_error(MPI_Scatter(MPI_IN_PLACE, 1, MPI_INT, b, 1, MPI_INT, 0, MPI_COMM_SELF),
                 MPI_ERR_BUFFER, "MPI_Scatter", "sendbuf");
    expect_error(MPI_Reduce(a, MPI_IN_PLACE, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_SELF),
                 MPI_ERR_BUFFER, "MPI_Reduce", "recvbuf");
    counts[0] = -1;
    expect_error(MPI_Gatherv(a, 1, MPI_INT, b, counts, displs, MPI_INT, 0, MPI_COMM_SELF),
                 MPI_ERR_COUNT, "MPI_Gatherv", "recvcounts");
    counts[0] = 1;

    /* Nothing above started a collective: the next ones still line up. */
    ct_set("MPI_Allreduce after the errors", wsize, -1, 1);
    CT_CHECK(MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS,
             "failed");
    CT_CHECK(sum == wsize, "sum is %d, expected %d", sum, wsize);
    CT_CHECK(MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS, "MPI_Barrier failed");
    MPI_Finalize();
    return 0;
}
