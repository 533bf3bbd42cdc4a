/* User error classes, codes and strings (MPI_Add_error_*, MPI 4.1's
 * MPI_Remove_error_*), MPI_LASTUSEDCODE, and a user code through a handler. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

static int last_code;

static void handler(MPI_Comm *comm, int *code, ...)
{
    last_code = *code;
}

int main(int argc, char **argv)
{
    MPI_Errhandler eh;
    MPI_Comm dup2;
    int rc, cls, x, len, flag, *lastused;
    char s[MPI_MAX_ERROR_STRING];

    /* MPI_Error_class and MPI_Error_string work before MPI_Init... */
    CHECK(MPI_Error_class(MPI_ERR_TYPE, &cls) == MPI_SUCCESS && cls == MPI_ERR_TYPE,
          "MPI_Error_class before MPI_Init");
    CHECK(MPI_Error_string(MPI_ERR_TYPE, s, &len) == MPI_SUCCESS && len > 0,
          "MPI_Error_string before MPI_Init");

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_dup(MPI_COMM_WORLD, &dup2);

    /* User error classes, codes and strings. */
    /* Errors of calls on no object go to MPI_COMM_SELF's handler. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    {
        int ecls, ecode1, ecode2;
        MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &lastused, &flag);
        CHECK(flag && *lastused >= MPI_ERR_LASTCODE, "MPI_LASTUSEDCODE %d", flag ? *lastused : -1);
        MPI_Add_error_class(&ecls);
        MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &lastused, &flag);
        CHECK(*lastused == ecls, "MPI_LASTUSEDCODE %d after adding class %d", *lastused, ecls);
        MPI_Error_string(ecls, s, &len);
        CHECK(len == 0, "new class has string '%s'", s);
        MPI_Add_error_string(ecls, "my class");
        MPI_Add_error_code(ecls, &ecode1);
        MPI_Add_error_code(MPI_ERR_TYPE, &ecode2);
        MPI_Add_error_string(ecode1, "my code");
        MPI_Error_class(ecode1, &cls);
        CHECK(cls == ecls, "class of user code %d, expected %d", cls, ecls);
        MPI_Error_class(ecode2, &cls);
        CHECK(cls == MPI_ERR_TYPE, "class of user code in MPI_ERR_TYPE: %d", cls);
        MPI_Error_string(ecode1, s, &len);
        CHECK(!strcmp(s, "my code") && len == 7, "user code string '%s'", s);
        MPI_Error_string(ecls, s, &len);
        CHECK(!strcmp(s, "my class"), "user class string '%s'", s);
        rc = MPI_Add_error_string(MPI_ERR_COUNT, "no");
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "changing a standard string: class %d", cls);
        rc = MPI_Add_error_code(-3, &x);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "code of a bad class: class %d", cls);

        /* A user code through a handler. */
        MPI_Comm_create_errhandler(handler, &eh);
        MPI_Comm_set_errhandler(dup2, eh);
        MPI_Errhandler_free(&eh);
        MPI_Comm_call_errhandler(dup2, ecode1);
        CHECK(last_code == ecode1, "user code through the handler: %d", last_code);

        /* Removal (MPI 4.1): a class goes only after its codes, and a code or class
         * only after its string. */
        rc = MPI_Remove_error_class(ecls);
        CHECK(rc != MPI_SUCCESS, "removed a class that still has codes");
        rc = MPI_Remove_error_code(ecode1);
        CHECK(rc != MPI_SUCCESS, "removed a code that still has a string");
        CHECK(MPI_Remove_error_string(ecode1) == MPI_SUCCESS, "Remove_error_string failed");
        CHECK(MPI_Remove_error_code(ecode1) == MPI_SUCCESS, "Remove_error_code failed");
        MPI_Remove_error_string(ecode2);
        CHECK(MPI_Remove_error_code(ecode2) == MPI_SUCCESS, "Remove_error_code failed");
        MPI_Remove_error_string(ecls);
        CHECK(MPI_Remove_error_class(ecls) == MPI_SUCCESS, "Remove_error_class failed");
        rc = MPI_Error_class(ecode1, &cls);
        CHECK(rc != MPI_SUCCESS, "a removed code still has a class");
    }

    MPI_Comm_free(&dup2);
    rc = MPI_Comm_size(MPI_COMM_NULL, &x);
    MPI_Finalize();

    /* ... and after MPI_Finalize, also for a code raised while running. */
    CHECK(MPI_Error_class(rc, &cls) == MPI_SUCCESS && cls == MPI_ERR_COMM,
          "MPI_Error_class after MPI_Finalize: %d", cls);
    CHECK(MPI_Error_string(rc, s, &len) == MPI_SUCCESS && strstr(s, "MPI_Comm_size") != NULL,
          "MPI_Error_string after MPI_Finalize: '%s'", s);
    return 0;
}
