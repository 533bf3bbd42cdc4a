/* The buffers of buffered sends: the process's (MPI_Buffer_*), a communicator's
 * (MPI_Comm_*_buffer) and a session's (MPI_Session_*_buffer), attached, detached
 * and flushed, with their large-count forms. A buffered send takes the
 * communicator's buffer, else its session's, else the process's. */
#include "api/bt_api.h"
#include "pt2pt/bt_pt2pt.h"

#include <limits.h>

/* Whose buffer a call is about, and whose error handler hears of it. */
typedef struct {
    const char       *call;
    bt_comm_t        *comm;     /* a communicator's buffer */
    bt_session_t     *session;  /* a session's */
    bt_bsend_pool_t **slot;     /* where the owner keeps its pool */
} bt_buf_owner_t;

static int bt_buf_raise(const bt_buf_owner_t *o, int code)
{
    return o->session ? bt_session_raise(o->session->errh, o->session->handle, code)
                      : bt_comm_raise(o->comm, code);
}

#define BT_BUF_ERR(o, cls, ...) bt_buf_raise(o, bt_err_new(cls, (o)->call, __VA_ARGS__))

static bt_bsend_pool_t *bt_buf_process_slot;

/* Fills o for the process's buffer (both handles 0), a communicator's or a
 * session's; MPI_SUCCESS or the raised error. */
static int bt_buf_owner(const char *call, MPI_Comm ch, MPI_Session sh, int kind,
                        bt_buf_owner_t *o)
{
    int rc;

    o->call = call;
    o->comm = NULL;
    o->session = NULL;
    if (kind == 'c') {
        if ((rc = bt_check_comm(call, ch, &o->comm)) != MPI_SUCCESS)
            return rc;
        o->slot = &o->comm->bsend;
    } else if (kind == 's') {
        if ((rc = bt_check_session(call, sh, &o->session)) != MPI_SUCCESS)
            return rc;
        o->slot = &o->session->bsend;
    } else {
        bt_buf_process_slot = bt_bsend_pool_process();
        o->slot = &bt_buf_process_slot;
    }
    return MPI_SUCCESS;
}

static int bt_buf_attach(const bt_buf_owner_t *o, void *buffer, MPI_Count size)
{
    if (buffer != MPI_BUFFER_AUTOMATIC) {
        if (size < 0)
            return BT_BUF_ERR(o, MPI_ERR_ARG, "size is %lld, must be non-negative",
                              (long long)size);
        if (!buffer && size > 0)
            return BT_BUF_ERR(o, MPI_ERR_BUFFER, "buffer is NULL");
    }
    if (!*o->slot)
        *o->slot = bt_bsend_pool_new();
    if (bt_bsend_attach(*o->slot, buffer, size) != MPI_SUCCESS)
        return BT_BUF_ERR(o, MPI_ERR_BUFFER, "a buffer is already attached (detach it first)");
    return MPI_SUCCESS;
}

/* int_size: the int form, whose size cannot say more than INT_MAX. */
static int bt_buf_detach(const bt_buf_owner_t *o, void *buffer_addr, MPI_Count *size,
                         int int_size)
{
    void *buf;
    MPI_Count n;

    if (!buffer_addr || !size)
        return BT_BUF_ERR(o, MPI_ERR_ARG, "%s is NULL", buffer_addr ? "size" : "buffer_addr");
    if (bt_bsend_detach(*o->slot, &buf, &n) != MPI_SUCCESS) {
        /* Nothing attached: a NULL buffer of size 0, as MPI_Buffer_detach always gave. */
        *(void **)buffer_addr = NULL;
        *size = 0;
        return MPI_SUCCESS;
    }
    *(void **)buffer_addr = buf;
    if (int_size && n > INT_MAX) {
        *size = MPI_UNDEFINED;
        return BT_BUF_ERR(o, MPI_ERR_VALUE_TOO_LARGE, "the buffer's size (%lld bytes) does "
                          "not fit in an int: use the _c form", (long long)n);
    }
    *size = n;
    return MPI_SUCCESS;
}

static int bt_buf_detach_int(const bt_buf_owner_t *o, void *buffer_addr, int *size)
{
    MPI_Count n = 0;
    int rc = bt_buf_detach(o, buffer_addr, size ? &n : NULL, 1);

    if (size)
        *size = (int)n;
    return rc;
}

static int bt_buf_flush(const bt_buf_owner_t *o, MPI_Request *request)
{
    if (!bt_bsend_attached(*o->slot)) {
        /* Nothing attached, nothing buffered: done at once. */
        if (request)
            *request = (MPI_Request)bt_bsend_iflush(NULL);
        return MPI_SUCCESS;
    }
    if (request)
        *request = (MPI_Request)bt_bsend_iflush(*o->slot);
    else
        bt_bsend_flush(*o->slot);
    return MPI_SUCCESS;
}

/* One entry point per owner and operation; the int and large-count forms share
 * the body. kind: 'p' process, 'c' communicator, 's' session. */
#define BT_BUF_ENTER(name, kind, ch, sh)                                             \
    BT_API_LOCK();                                                                   \
    BT_CHECK_INIT("MPI_" name);                                                      \
    bt_buf_owner_t o;                                                                \
    int rc_;                                                                         \
    if ((rc_ = bt_buf_owner("MPI_" name, ch, sh, kind, &o)) != MPI_SUCCESS)          \
        return rc_

int PMPI_Buffer_attach(void *buffer, int size)
{
    BT_BUF_ENTER("Buffer_attach", 'p', MPI_COMM_NULL, MPI_SESSION_NULL);
    return bt_buf_attach(&o, buffer, size);
}

int PMPI_Buffer_attach_c(void *buffer, MPI_Count size)
{
    BT_BUF_ENTER("Buffer_attach_c", 'p', MPI_COMM_NULL, MPI_SESSION_NULL);
    return bt_buf_attach(&o, buffer, size);
}

int PMPI_Comm_attach_buffer(MPI_Comm comm, void *buffer, int size)
{
    BT_BUF_ENTER("Comm_attach_buffer", 'c', comm, MPI_SESSION_NULL);
    return bt_buf_attach(&o, buffer, size);
}

int PMPI_Comm_attach_buffer_c(MPI_Comm comm, void *buffer, MPI_Count size)
{
    BT_BUF_ENTER("Comm_attach_buffer_c", 'c', comm, MPI_SESSION_NULL);
    return bt_buf_attach(&o, buffer, size);
}

int PMPI_Session_attach_buffer(MPI_Session session, void *buffer, int size)
{
    BT_BUF_ENTER("Session_attach_buffer", 's', MPI_COMM_NULL, session);
    return bt_buf_attach(&o, buffer, size);
}

int PMPI_Session_attach_buffer_c(MPI_Session session, void *buffer, MPI_Count size)
{
    BT_BUF_ENTER("Session_attach_buffer_c", 's', MPI_COMM_NULL, session);
    return bt_buf_attach(&o, buffer, size);
}

int PMPI_Buffer_detach(void *buffer_addr, int *size)
{
    BT_BUF_ENTER("Buffer_detach", 'p', MPI_COMM_NULL, MPI_SESSION_NULL);
    return bt_buf_detach_int(&o, buffer_addr, size);
}

int PMPI_Buffer_detach_c(void *buffer_addr, MPI_Count *size)
{
    BT_BUF_ENTER("Buffer_detach_c", 'p', MPI_COMM_NULL, MPI_SESSION_NULL);
    return bt_buf_detach(&o, buffer_addr, size, 0);
}

int PMPI_Comm_detach_buffer(MPI_Comm comm, void *buffer_addr, int *size)
{
    BT_BUF_ENTER("Comm_detach_buffer", 'c', comm, MPI_SESSION_NULL);
    return bt_buf_detach_int(&o, buffer_addr, size);
}

int PMPI_Comm_detach_buffer_c(MPI_Comm comm, void *buffer_addr, MPI_Count *size)
{
    BT_BUF_ENTER("Comm_detach_buffer_c", 'c', comm, MPI_SESSION_NULL);
    return bt_buf_detach(&o, buffer_addr, size, 0);
}

int PMPI_Session_detach_buffer(MPI_Session session, void *buffer_addr, int *size)
{
    BT_BUF_ENTER("Session_detach_buffer", 's', MPI_COMM_NULL, session);
    return bt_buf_detach_int(&o, buffer_addr, size);
}

int PMPI_Session_detach_buffer_c(MPI_Session session, void *buffer_addr, MPI_Count *size)
{
    BT_BUF_ENTER("Session_detach_buffer_c", 's', MPI_COMM_NULL, session);
    return bt_buf_detach(&o, buffer_addr, size, 0);
}

int PMPI_Buffer_flush(void)
{
    BT_BUF_ENTER("Buffer_flush", 'p', MPI_COMM_NULL, MPI_SESSION_NULL);
    return bt_buf_flush(&o, NULL);
}

int PMPI_Buffer_iflush(MPI_Request *request)
{
    BT_BUF_ENTER("Buffer_iflush", 'p', MPI_COMM_NULL, MPI_SESSION_NULL);
    if (!request)
        return BT_BUF_ERR(&o, MPI_ERR_ARG, "request is NULL");
    return bt_buf_flush(&o, request);
}

int PMPI_Comm_flush_buffer(MPI_Comm comm)
{
    BT_BUF_ENTER("Comm_flush_buffer", 'c', comm, MPI_SESSION_NULL);
    return bt_buf_flush(&o, NULL);
}

int PMPI_Comm_iflush_buffer(MPI_Comm comm, MPI_Request *request)
{
    BT_BUF_ENTER("Comm_iflush_buffer", 'c', comm, MPI_SESSION_NULL);
    if (!request)
        return BT_BUF_ERR(&o, MPI_ERR_ARG, "request is NULL");
    return bt_buf_flush(&o, request);
}

int PMPI_Session_flush_buffer(MPI_Session session)
{
    BT_BUF_ENTER("Session_flush_buffer", 's', MPI_COMM_NULL, session);
    return bt_buf_flush(&o, NULL);
}

int PMPI_Session_iflush_buffer(MPI_Session session, MPI_Request *request)
{
    BT_BUF_ENTER("Session_iflush_buffer", 's', MPI_COMM_NULL, session);
    if (!request)
        return BT_BUF_ERR(&o, MPI_ERR_ARG, "request is NULL");
    return bt_buf_flush(&o, request);
}
