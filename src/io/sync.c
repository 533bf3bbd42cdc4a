/* The collectives io/ runs among a file's ranks (agreement at open, exchange of
 * two-phase I/O), through coll/ as blocking collectives, and io/'s errors. */
#include "io/bt_io.h"
#include "coll/bt_coll.h"
#include "util/bt_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int bt_io_coll(bt_coll_args_t *a)
{
    bt_request_t *req = NULL;
    int rc;

    a->blocking = 1;
    rc = bt_coll_start(a, &req);
    if (rc == MPI_SUCCESS && req) {
        rc = bt_request_wait(req);
        bt_request_release(req);
    }
    return rc;
}

int bt_io_bcast(bt_comm_t *comm, void *buf, MPI_Count bytes, int root)
{
    bt_coll_args_t a = { .kind = BT_COLL_BCAST, .comm = comm, .recvbuf = buf, .count = bytes,
                         .dt = bt_datatype_get(MPI_BYTE), .root = root };

    return comm->size == 1 ? MPI_SUCCESS : bt_io_coll(&a);
}

int bt_io_allgather(bt_comm_t *comm, const void *send, void *recv, MPI_Count bytes)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLGATHER, .comm = comm, .sendbuf = send,
                         .recvbuf = recv, .sendcount = bytes, .recvcount = bytes,
                         .sendtype = bt_datatype_get(MPI_BYTE),
                         .recvtype = bt_datatype_get(MPI_BYTE) };

    if (comm->size == 1) {
        memmove(recv, send, (size_t)bytes);
        return MPI_SUCCESS;
    }
    return bt_io_coll(&a);
}

int bt_io_barrier(bt_comm_t *comm)
{
    bt_coll_args_t a = { .kind = BT_COLL_BARRIER, .comm = comm };

    return comm->size == 1 ? MPI_SUCCESS : bt_io_coll(&a);
}

int bt_io_alltoallv(bt_comm_t *comm, const void *sbuf, const MPI_Count *scounts,
                    const MPI_Aint *sdispls, void *rbuf, const MPI_Count *rcounts,
                    const MPI_Aint *rdispls)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLTOALLV, .comm = comm, .sendbuf = sbuf,
                         .recvbuf = rbuf, .sendcounts = scounts, .recvcounts = rcounts,
                         .sdispls = sdispls, .rdispls = rdispls,
                         .sendtype = bt_datatype_get(MPI_BYTE),
                         .recvtype = bt_datatype_get(MPI_BYTE) };

    if (comm->size == 1) {
        memmove((char *)rbuf + rdispls[0], (const char *)sbuf + sdispls[0], (size_t)scounts[0]);
        return MPI_SUCCESS;
    }
    return bt_io_coll(&a);
}

int bt_io_errno_class(int err)
{
    switch (err) {
    case ENOENT:       return MPI_ERR_NO_SUCH_FILE;
    case EEXIST:       return MPI_ERR_FILE_EXISTS;
    case EACCES:
    case EPERM:        return MPI_ERR_ACCESS;
    case EROFS:        return MPI_ERR_READ_ONLY;
    case ENOSPC:
    case EFBIG:        return MPI_ERR_NO_SPACE;
    case EDQUOT:       return MPI_ERR_QUOTA;
    case ENAMETOOLONG:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case EINVAL:       return MPI_ERR_BAD_FILE;
    case ETXTBSY:
    case EBUSY:        return MPI_ERR_FILE_IN_USE;
    default:           return MPI_ERR_IO;
    }
}

int bt_io_syserr(int err, const char *call, const char *what, const char *path)
{
    return bt_io_err(bt_io_errno_class(err), call, "%s '%s': %s", what, path ? path : "",
                     strerror(err));
}
