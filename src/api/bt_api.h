/* What every MPI_* entry point uses: the big lock, the initialized check, error
 * reporting through error handlers. */
#ifndef BT_API_H
#define BT_API_H

#include "api/bt_mpi.h"
#include "comm/bt_comm.h"
#include "datatype/bt_datatype.h"
#include "rma/bt_rma.h"
#include "runtime/bt_runtime.h"
#include "tools/bt_tools.h"
#include "util/bt_util.h"

/* Every entry point is written as PMPI_X; the link makes MPI_X the same function
 * (src/api/aliases.ld, generated), so that tools can interpose MPI_X and still
 * reach us through PMPI_X. */

/* MPI_THREAD_MULTIPLE: one recursive lock around every call, released while a
 * blocking call sleeps. Taken only when the level is MULTIPLE. The guard unlocks
 * on every return path. The entry point's name is the process's current call
 * (bt_api_call, pt2pt/bt_diag.h) while it runs. */
typedef struct bt_api_scope {
    int         taken;
    const char *prev;   /* the call this one is inside, if any */
} bt_api_scope_t;
bt_api_scope_t bt_api_enter(const char *fn);
void bt_api_leave(bt_api_scope_t *scope);
/* It also opens the call's scope in the timeline trace (BATON_TRACE), closed
 * first on the way out. */
#define BT_API_LOCK()                                                                  \
    bt_api_scope_t bt_api_scope_ __attribute__((cleanup(bt_api_leave))) =               \
        bt_api_enter(__func__);                                                        \
    int bt_trace_ev_ __attribute__((cleanup(bt_trace_call_end))) =                      \
        bt_trace_call_begin(__func__)

/* Report an error raised by `call` on comm (NULL: MPI_COMM_SELF, as MPI-4 says for
 * calls on no object). Builds an error code that carries the message, runs the
 * error handler, returns the code for the call to return. */
int bt_err_comm(bt_comm_t *comm, int errclass, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An error code of errclass that carries the message "call: ...", for the caller
 * to raise on the handler it chooses. */
int bt_err_new(int errclass, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same through a session's error handler errh (h: the session, or
 * MPI_SESSION_NULL for MPI_Session_init's). */
int bt_err_session(bt_errhandler_t *errh, MPI_Session h, int errclass, const char *call,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Raises the error a completed request carries (truncation, ...) on its
 * communicator, with the details of the transfer. */
struct bt_request;
int bt_err_request(const char *call, const struct bt_request *req, int rc);

/* NULL when h is not a live request (MPI_REQUEST_NULL included). */
struct bt_request *bt_req_get(MPI_Request h);

/* The same on a window's error handler; bt_err_win_code raises a code as
 * bt_err_comm_code does. */
int bt_err_win(bt_win_t *win, int errclass, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int bt_err_win_code(bt_win_t *win, int code, const char *call);
/* A live window; errors about the handle go to MPI_COMM_SELF's handler. */
int bt_check_win(const char *call, MPI_Win h, bt_win_t **win_p);

/* Calls made before MPI_Init or after MPI_Finalize. */
int bt_err_not_initialized(const char *call);

/* Raise code from `call` on comm: a standard class gets a message naming the call;
 * a code that already carries one (from a lower layer, or a user callback's
 * return value) is raised as it is. */
int bt_err_comm_code(bt_comm_t *comm, int code, const char *call);

/* Argument checks shared by the entry points. Each returns MPI_SUCCESS, or raises
 * the error (on comm when it is known) and returns its code. */
int bt_check_comm(const char *call, MPI_Comm h, bt_comm_t **comm_p);
/* The same for the calls that do not communicate (size, rank, names, error
 * handlers, attributes): they also accept the pending new communicator of an
 * MPI_Comm_idup, as other MPIs do. */
int bt_check_comm_local(const char *call, MPI_Comm h, bt_comm_t **comm_p);
/* A live session; errors about the handle go to MPI_COMM_SELF's handler. */
int bt_check_session(const char *call, MPI_Session h, bt_session_t **s_p);
/* count >= 0, a committed datatype, and no NULL buffer where data must be. */
int bt_check_buffer(const char *call, bt_comm_t *comm, const void *buf, MPI_Count count,
                    MPI_Datatype type, const char *what, bt_datatype_t **dt_p);
/* 0 <= rank < size, or MPI_PROC_NULL, or (allow_any) MPI_ANY_SOURCE. */
int bt_check_rank(const char *call, bt_comm_t *comm, int rank, const char *what, int allow_any);
int bt_check_root(const char *call, bt_comm_t *comm, int root);
int bt_check_tag(const char *call, bt_comm_t *comm, int tag, int allow_any);
/* An info argument: a live info, or MPI_INFO_NULL (*info_p = NULL, no hints). */
struct bt_info;
int bt_check_info(const char *call, bt_comm_t *comm, MPI_Info h, struct bt_info **info_p);
/* The error handler given to a constructor without a parent (it takes the errors
 * of the making, so it is checked first, on MPI_COMM_SELF), and its string tag
 * (present, shorter than MPI_MAX_STRINGTAG_LEN), whose errors go to errh. */
int bt_check_comm_errhandler(const char *call, MPI_Errhandler h, bt_errhandler_t **errh_p);
int bt_check_stringtag(const char *call, bt_errhandler_t *errh, const char *stringtag);

/* Common argument checks; each returns MPI_SUCCESS or the raised error code. */
#define BT_CHECK_INIT(call) \
    do { if (bt_unlikely(bt_rt.state != BT_RT_RUNNING)) return bt_err_not_initialized(call); } while (0)

#endif
