/* Error reporting for every entry point, and the error code and class calls. */
#include "api/bt_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int bt_err_message(int errclass, const char *call, const char *fmt, va_list ap)
{
    char msg[MPI_MAX_ERROR_STRING];
    int n;

    n = snprintf(msg, sizeof(msg), "%s: ", call);
    if (n < 0 || n >= (int)sizeof(msg))
        n = 0;
    vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    return bt_errcode_new(errclass, msg);
}

int bt_err_new(int errclass, const char *call, const char *fmt, ...)
{
    va_list ap;
    int code;

    va_start(ap, fmt);
    code = bt_err_message(errclass, call, fmt, ap);
    va_end(ap);
    return code;
}

int bt_err_comm(bt_comm_t *comm, int errclass, const char *call, const char *fmt, ...)
{
    va_list ap;
    int code;

    va_start(ap, fmt);
    code = bt_err_message(errclass, call, fmt, ap);
    va_end(ap);
    return bt_comm_raise(comm, code);
}

int bt_err_session(bt_errhandler_t *errh, MPI_Session h, int errclass, const char *call,
                   const char *fmt, ...)
{
    va_list ap;
    int code;

    va_start(ap, fmt);
    code = bt_err_message(errclass, call, fmt, ap);
    va_end(ap);
    return bt_session_raise(errh, h, code);
}

int bt_err_comm_code(bt_comm_t *comm, int code, const char *call)
{
    const char *desc = bt_errclass_desc(code);

    if (code > MPI_SUCCESS && desc)
        return bt_err_comm(comm, code, call, "%s", desc);
    return bt_comm_raise(comm, code);
}

int bt_err_not_initialized(const char *call)
{
    /* No error handler exists yet (or any more), and the standard makes the call
     * erroneous: say so and stop rather than return into undefined behavior. */
    fprintf(stderr, "Baton: %s called %s\n", call,
            bt_rt.state == BT_RT_FINALIZED ? "after MPI_Finalize" : "before MPI_Init");
    fflush(stderr);
    exit(1);
}

/* Allowed before MPI_Init and after MPI_Finalize. */
int PMPI_Error_class(int errorcode, int *errorclass)
{
    BT_API_LOCK();
    int cls;

    if (!errorclass)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Error_class",
                           "null pointer argument (errorclass = NULL)");
    cls = bt_errcode_class(errorcode);
    if (cls < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Error_class",
                           "invalid error code (errorcode = %d)", errorcode);
    *errorclass = cls;
    return MPI_SUCCESS;
}

/* Allowed before MPI_Init and after MPI_Finalize. */
int PMPI_Error_string(int errorcode, char *string, int *resultlen)
{
    BT_API_LOCK();
    char buf[MPI_MAX_ERROR_STRING];
    int n;

    if (!string || !resultlen)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Error_string",
                           "null pointer argument (%s = NULL)", !string ? "string" : "resultlen");
    n = bt_errcode_string(errorcode, buf, sizeof(buf));
    if (n < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Error_string",
                           "invalid error code (errorcode = %d)", errorcode);
    memcpy(string, buf, (size_t)n + 1);
    *resultlen = n;
    return MPI_SUCCESS;
}

int PMPI_Add_error_class(int *errorclass)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Add_error_class");
    if (!errorclass)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Add_error_class",
                           "null pointer argument (errorclass = NULL)");
    return bt_errcode_add_class(errorclass);
}

int PMPI_Add_error_code(int errorclass, int *errorcode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Add_error_code");
    if (!errorcode)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Add_error_code",
                           "null pointer argument (errorcode = NULL)");
    if (bt_errcode_add_code(errorclass, errorcode) != MPI_SUCCESS)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Add_error_code",
                           "invalid error class (errorclass = %d)", errorclass);
    return MPI_SUCCESS;
}

int PMPI_Add_error_string(int errorcode, const char *string)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Add_error_string");
    if (!string)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Add_error_string",
                           "null pointer argument (string = NULL)");
    if (strlen(string) >= MPI_MAX_ERROR_STRING)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Add_error_string",
                           "string longer than MPI_MAX_ERROR_STRING - 1 (%zu characters)",
                           strlen(string));
    if (bt_errcode_add_string(errorcode, string) != MPI_SUCCESS)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Add_error_string",
                           "not a user-added error code or class (errorcode = %d)", errorcode);
    return MPI_SUCCESS;
}

int PMPI_Remove_error_class(int errorclass)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Remove_error_class");
    if (bt_errcode_remove(errorclass, 1) != MPI_SUCCESS)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Remove_error_class",
                           "not a user-added error class, or codes or a string of it "
                           "remain (errorclass = %d)", errorclass);
    return MPI_SUCCESS;
}

int PMPI_Remove_error_code(int errorcode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Remove_error_code");
    if (bt_errcode_remove(errorcode, 0) != MPI_SUCCESS)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Remove_error_code",
                           "not a user-added error code, or its string remains "
                           "(errorcode = %d)", errorcode);
    return MPI_SUCCESS;
}

int PMPI_Remove_error_string(int errorcode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Remove_error_string");
    if (bt_errcode_remove_string(errorcode) != MPI_SUCCESS)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Remove_error_string",
                           "not a user-added error code or class (errorcode = %d)", errorcode);
    return MPI_SUCCESS;
}

int bt_err_win(bt_win_t *win, int errclass, const char *call, const char *fmt, ...)
{
    va_list ap;
    int code;

    va_start(ap, fmt);
    code = bt_err_message(errclass, call, fmt, ap);
    va_end(ap);
    return bt_win_raise(win, code);
}

int bt_err_win_code(bt_win_t *win, int code, const char *call)
{
    const char *desc = bt_errclass_desc(code);

    if (code > MPI_SUCCESS && desc)
        return bt_err_win(win, code, call, "%s", desc);
    return bt_win_raise(win, code);
}
