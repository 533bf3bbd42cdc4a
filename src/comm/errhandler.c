/* Error handlers: the three predefined ones and user handlers on communicators. */
#include "comm/bt_comm.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"
#include "util/bt_fhandle.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bt_errhandler_t bt_errh_fatal = {
    BT_ERRH_MAGIC, 1, BT_ERRH_COMM, NULL, MPI_ERRORS_ARE_FATAL
};
static bt_errhandler_t bt_errh_abort = {
    BT_ERRH_MAGIC, 1, BT_ERRH_COMM, NULL, MPI_ERRORS_ABORT
};
static bt_errhandler_t bt_errh_return = {
    BT_ERRH_MAGIC, 1, BT_ERRH_COMM, NULL, MPI_ERRORS_RETURN
};

static int bt_handle_ok(uintptr_t h)
{
    /* Cheap plausibility before reading the magic of a pointer handle. */
    return h >= 0x10000 && (h & (sizeof(void *) - 1)) == 0;
}

bt_errhandler_t *bt_errhandler_get(MPI_Errhandler h)
{
    bt_errhandler_t *e;

    if (h == MPI_ERRORS_ARE_FATAL)
        return &bt_errh_fatal;
    if (h == MPI_ERRORS_ABORT)
        return &bt_errh_abort;
    if (h == MPI_ERRORS_RETURN)
        return &bt_errh_return;
    if (BT_HANDLE_IS_PREDEFINED(h) || !bt_handle_ok((uintptr_t)h))
        return NULL;
    e = (bt_errhandler_t *)h;
    return e->magic == BT_ERRH_MAGIC ? e : NULL;
}

int bt_errhandler_is_predefined(const bt_errhandler_t *errh)
{
    return errh == &bt_errh_fatal || errh == &bt_errh_abort || errh == &bt_errh_return;
}

bt_errhandler_t *bt_errhandler_create(bt_errh_kind_t kind, MPI_Comm_errhandler_function *fn)
{
    bt_errhandler_t *e = bt_calloc(1, sizeof(*e));

    e->magic = BT_ERRH_MAGIC;
    e->refcount = 1;
    e->kind = kind;
    e->comm_fn = fn;
    e->handle = (MPI_Errhandler)e;
    return e;
}

void bt_errhandler_retain(bt_errhandler_t *errh)
{
    if (!bt_errhandler_is_predefined(errh))
        errh->refcount++;
}

void bt_errhandler_release(bt_errhandler_t *errh)
{
    if (bt_errhandler_is_predefined(errh) || --errh->refcount > 0)
        return;
    bt_fh_forget(BT_FH_ERRHANDLER, errh);
    errh->magic = 0;
    free(errh);
}

void bt_errhandler_replace(bt_errhandler_t **slot, bt_errhandler_t *errh)
{
    bt_errhandler_t *old = *slot;

    bt_errhandler_retain(errh);
    *slot = errh;
    if (old)
        bt_errhandler_release(old);
}

void bt_comm_set_errhandler(bt_comm_t *comm, bt_errhandler_t *errh)
{
    bt_errhandler_replace(&comm->errh, errh);
}

/* Exit status 1 whatever the error code: codes do not fit in 8 bits, and the
 * launcher reports which rank aborted and why from this line. */
void bt_errhandler_fatal(int code)
{
    char msg[MPI_MAX_ERROR_STRING], line[MPI_MAX_ERROR_STRING + 64];
    int n;

    if (bt_errcode_string(code, msg, sizeof(msg)) < 0)
        snprintf(msg, sizeof(msg), "error code %d", code);
    n = snprintf(line, sizeof(line), "Baton: rank %d: %s \xe2\x80\x94 aborting\n", bt_rt.rank, msg);
    if (n > (int)sizeof(line) - 1)
        n = (int)sizeof(line) - 1;
    /* One write so that the line is not mixed with other output. */
    if (n > 0)
        (void)!write(2, line, (size_t)n);
    bt_runtime_abort_on_error(1, msg);
}

int bt_comm_raise(bt_comm_t *comm, int code)
{
    bt_errhandler_t *errh;

    if (!comm)
        comm = &bt_comm_self;
    /* Before MPI_Init or after MPI_Finalize there is no handler yet: fatal. */
    errh = (comm->magic == BT_COMM_MAGIC && comm->errh) ? comm->errh : &bt_errh_fatal;
    if (errh == &bt_errh_return)
        return code;
    /* MPI_ERRORS_ABORT should end only the processes of comm; Baton ends the whole
     * job, which the standard permits when a subset cannot be aborted. */
    if (errh == &bt_errh_fatal || errh == &bt_errh_abort || !errh->comm_fn)
        bt_errhandler_fatal(code);

    {
        MPI_Comm h = comm->handle;
        int c = code;
        /* The handler may free the communicator or the handler itself. */
        bt_comm_retain(comm);
        bt_errhandler_retain(errh);
        errh->comm_fn(&h, &c);
        bt_errhandler_release(errh);
        bt_comm_release(comm);
    }
    return code;
}
