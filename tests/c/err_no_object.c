/* Which handler an error reaches when it belongs to no communicator, window,
 * file or session (a datatype or group call, a request array): MPI 4.x raises
 * it on MPI_COMM_SELF (MPI 3.1 and earlier said MPI_COMM_WORLD). Different
 * handlers on the two tell which one is called; an error on a communicator
 * still goes to that communicator's handler. */
#include <mpi.h>
#include <stdio.h>

static int rank;

#include "check.h"

static int world_calls, self_calls, last_code;
static MPI_Comm last_comm;

static void on_world(MPI_Comm *comm, int *code, ...)
{
    world_calls++;
    last_comm = *comm;
    last_code = *code;
}

static void on_self(MPI_Comm *comm, int *code, ...)
{
    self_calls++;
    last_comm = *comm;
    last_code = *code;
}

/* rc came from `what`: it must have gone to MPI_COMM_SELF's handler alone, with
 * class cls. */
static void expect_self(int rc, int cls, const char *what)
{
    int got = -1;

    MPI_Error_class(rc, &got);
    CHECK(self_calls == 1 && world_calls == 0,
          "%s: MPI_COMM_SELF's handler ran %d times, MPI_COMM_WORLD's %d times (MPI 4.x: "
          "errors on no object go to MPI_COMM_SELF)", what, self_calls, world_calls);
    CHECK(last_comm == MPI_COMM_SELF && last_code == rc && got == cls,
          "%s: handler got the wrong communicator or code (class %d, want %d)", what, got, cls);
    self_calls = world_calls = 0;
}

int main(int argc, char **argv)
{
    MPI_Errhandler eh_world, eh_self;
    MPI_Datatype t;
    MPI_Request req = MPI_REQUEST_NULL;
    int rc, r, got = -1;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_create_errhandler(on_world, &eh_world);
    MPI_Comm_create_errhandler(on_self, &eh_self);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh_world);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, eh_self);

    rc = MPI_Type_vector(2, 1, 2, MPI_INT, NULL);
    expect_self(rc, MPI_ERR_ARG, "MPI_Type_vector(..., NULL)");
    rc = MPI_Group_rank(MPI_GROUP_NULL, &r);
    expect_self(rc, MPI_ERR_GROUP, "MPI_Group_rank(MPI_GROUP_NULL)");
    rc = MPI_Type_size(MPI_DATATYPE_NULL, &r);
    expect_self(rc, MPI_ERR_TYPE, "MPI_Type_size(MPI_DATATYPE_NULL)");
    rc = MPI_Waitall(-1, &req, MPI_STATUSES_IGNORE);
    expect_self(rc, MPI_ERR_COUNT, "MPI_Waitall(-1, ...)");
    rc = MPI_Type_contiguous(-1, MPI_INT, &t);
    expect_self(rc, MPI_ERR_COUNT, "MPI_Type_contiguous(-1, ...)");

    /* An error on a communicator stays with it. */
    rc = MPI_Comm_rank(MPI_COMM_WORLD, NULL);
    MPI_Error_class(rc, &got);
    CHECK(world_calls == 1 && self_calls == 0 && last_comm == MPI_COMM_WORLD &&
          got == MPI_ERR_ARG, "MPI_Comm_rank(MPI_COMM_WORLD, NULL): MPI_COMM_WORLD's handler "
          "ran %d times, MPI_COMM_SELF's %d times, class %d", world_calls, self_calls, got);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&eh_world);
    MPI_Errhandler_free(&eh_self);
    MPI_Finalize();
    return 0;
}
