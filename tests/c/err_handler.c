/* User error handlers: called with the communicator and the code, inherited by
 * new communicators, kept alive while in use; MPI_Comm_call_errhandler. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static int calls, last_code;
static MPI_Comm last_comm;

static void handler(MPI_Comm *comm, int *code, ...)
{
    calls++;
    last_code = *code;
    last_comm = *comm;
}

static int calls2;
static void handler2(MPI_Comm *comm, int *code, ...)
{
    char s[MPI_MAX_ERROR_STRING];
    int len;
    calls2++;
    /* MPI calls are allowed inside a handler. */
    MPI_Error_string(*code, s, &len);
    CHECK(strstr(s, "MPI_Comm_rank") != NULL, "handler2 got string '%s'", s);
}

int main(int argc, char **argv)
{
    MPI_Errhandler eh, eh2, got;
    MPI_Comm dup, dup2;
    int rc, cls, x;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* The default is MPI_ERRORS_ARE_FATAL, on world and self. */
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &got);
    CHECK(got == MPI_ERRORS_ARE_FATAL, "world's default handler is not MPI_ERRORS_ARE_FATAL");
    MPI_Errhandler_free(&got);
    MPI_Comm_get_errhandler(MPI_COMM_SELF, &got);
    CHECK(got == MPI_ERRORS_ARE_FATAL, "self's default handler is not MPI_ERRORS_ARE_FATAL");
    MPI_Errhandler_free(&got);

    MPI_Comm_create_errhandler(handler, &eh);
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_set_errhandler(dup, eh);
    MPI_Comm_get_errhandler(dup, &got);
    CHECK(got == eh, "get_errhandler returned another handler");
    MPI_Errhandler_free(&got);

    /* Called with the communicator and the code that the call returns. */
    rc = MPI_Comm_size(dup, NULL);
    CHECK(calls == 1, "handler called %d times", calls);
    CHECK(last_code == rc, "handler got code %d, call returned %d", last_code, rc);
    CHECK(last_comm == dup, "handler got another communicator");
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_ARG, "class %d, expected MPI_ERR_ARG", cls);

    rc = MPI_Send(&x, 1, MPI_INT, size + 3, 0, dup);
    CHECK(calls == 2 && last_code == rc, "handler after MPI_Send: calls %d", calls);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_RANK, "MPI_Send class %d, expected MPI_ERR_RANK", cls);

    /* Comm_call_errhandler passes the code through unchanged. */
    MPI_Comm_call_errhandler(dup, MPI_ERR_OTHER);
    CHECK(calls == 3 && last_code == MPI_ERR_OTHER && last_comm == dup,
          "Comm_call_errhandler: calls %d, code %d", calls, last_code);

    /* Freed by the user, still used by dup, and inherited by dup's dup. */
    MPI_Errhandler_free(&eh);
    CHECK(eh == MPI_ERRHANDLER_NULL, "Errhandler_free did not reset the handle");
    MPI_Comm_dup(dup, &dup2);
    MPI_Comm_free(&dup);
    rc = MPI_Comm_rank(dup2, NULL);
    CHECK(calls == 4 && last_code == rc && last_comm == dup2, "inherited handler: calls %d", calls);

    /* Replacing the handler; the new one may call MPI. */
    MPI_Comm_create_errhandler(handler2, &eh2);
    MPI_Comm_set_errhandler(dup2, eh2);
    MPI_Errhandler_free(&eh2);
    MPI_Comm_rank(dup2, NULL);
    CHECK(calls == 4 && calls2 == 1, "after replacement: calls %d, calls2 %d", calls, calls2);

    /* An error on an invalid communicator goes to MPI_COMM_SELF's handler. */
    MPI_Comm_create_errhandler(handler, &eh);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, eh);
    rc = MPI_Comm_size(MPI_COMM_NULL, &x);
    CHECK(calls == 5 && last_comm == MPI_COMM_SELF && last_code == rc,
          "invalid communicator: calls %d", calls);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COMM, "class %d, expected MPI_ERR_COMM", cls);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&eh);

    MPI_Comm_free(&dup2);
    MPI_Finalize();
    return 0;
}
