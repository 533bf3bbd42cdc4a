/* MPI-IO entry points: files, views, data access, the shared file pointer,
 * split collectives, data representations and files' error handlers.
 *
 * Errors go to the file's error handler (MPI_ERRORS_RETURN unless the program
 * set another), and those of calls without a file (MPI_File_open,
 * MPI_File_delete) to MPI_FILE_NULL's, as the standard says. */
#include "api/bt_api.h"
#include "comm/bt_info.h"
#include "io/bt_io.h"
#include "pt2pt/bt_pt2pt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Raise an error of class errclass on file (NULL: MPI_FILE_NULL's handler). */
static int bt_err_file(bt_file_t *file, int errclass, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bt_err_file(bt_file_t *file, int errclass, const char *call, const char *fmt, ...)
{
    char msg[MPI_MAX_ERROR_STRING];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return bt_file_raise(file, bt_err_new(errclass, call, "%s", msg));
}

/* Raise what a lower layer returned: a bare class gets a message naming the call. */
static int bt_err_file_code(bt_file_t *file, int code, const char *call)
{
    const char *desc = bt_errclass_desc(code);

    if (code > MPI_SUCCESS && desc)
        return bt_err_file(file, code, call, "%s", desc);
    return bt_file_raise(file, code);
}

static int bt_file_arg(const char *call, MPI_File h, bt_file_t **file_p)
{
    bt_file_t *f = bt_file_get(h);

    if (bt_unlikely(!f))
        return bt_err_file(NULL, MPI_ERR_FILE, call, "invalid file%s",
                           h == MPI_FILE_NULL ? " (MPI_FILE_NULL)" : "");
    *file_p = f;
    return MPI_SUCCESS;
}

#define BT_FILE_ARG(call, h, f)                                                      \
    do {                                                                             \
        int bt_rc_ = bt_file_arg(call, h, &(f));                                     \
        if (bt_rc_ != MPI_SUCCESS)                                                   \
            return bt_rc_;                                                           \
    } while (0)
#define BT_FILE_PTR(f, call, p, name)                                                \
    do {                                                                             \
        if (bt_unlikely(!(p)))                                                       \
            return bt_err_file(f, MPI_ERR_ARG, call, "%s is NULL", name);            \
    } while (0)

static int bt_file_type_arg(bt_file_t *f, const char *call, MPI_Datatype h, const char *what,
                            bt_datatype_t **dt_p)
{
    bt_datatype_t *dt = bt_datatype_get(h);

    if (!dt)
        return bt_err_file(f, MPI_ERR_TYPE, call, "invalid %s%s", what,
                           h == MPI_DATATYPE_NULL ? " (MPI_DATATYPE_NULL)" : "");
    if (!dt->committed)
        return bt_err_file(f, MPI_ERR_TYPE, call, "%s is not committed", what);
    *dt_p = dt;
    return MPI_SUCCESS;
}

/* ---- Files ---- */

static int bt_amode_check(const char *call, int amode)
{
    int access = !!(amode & MPI_MODE_RDONLY) + !!(amode & MPI_MODE_WRONLY) +
                 !!(amode & MPI_MODE_RDWR);
    int known = MPI_MODE_RDONLY | MPI_MODE_WRONLY | MPI_MODE_RDWR | MPI_MODE_CREATE |
                MPI_MODE_EXCL | MPI_MODE_DELETE_ON_CLOSE | MPI_MODE_UNIQUE_OPEN |
                MPI_MODE_SEQUENTIAL | MPI_MODE_APPEND;

    if (amode & ~known)
        return bt_err_file(NULL, MPI_ERR_AMODE, call, "amode 0x%x has unknown bits", amode);
    if (access != 1)
        return bt_err_file(NULL, MPI_ERR_AMODE, call, "amode must have exactly one of "
                           "MPI_MODE_RDONLY, MPI_MODE_WRONLY and MPI_MODE_RDWR (0x%x)", amode);
    if ((amode & MPI_MODE_RDONLY) && (amode & (MPI_MODE_CREATE | MPI_MODE_EXCL)))
        return bt_err_file(NULL, MPI_ERR_AMODE, call, "MPI_MODE_RDONLY with %s",
                           (amode & MPI_MODE_CREATE) ? "MPI_MODE_CREATE" : "MPI_MODE_EXCL");
    if ((amode & MPI_MODE_RDWR) && (amode & MPI_MODE_SEQUENTIAL))
        return bt_err_file(NULL, MPI_ERR_AMODE, call, "MPI_MODE_RDWR with MPI_MODE_SEQUENTIAL");
    return MPI_SUCCESS;
}

int PMPI_File_open(MPI_Comm comm, const char *filename, int amode, MPI_Info info, MPI_File *fh)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_open");
    const char *call = "MPI_File_open";
    bt_comm_t *c = NULL;
    bt_info_t *inf = NULL;
    bt_file_t *f = NULL;
    int rc;

    if ((rc = bt_check_comm(call, comm, &c)) != MPI_SUCCESS)
        return rc;
    if (c->remote)
        return bt_err_comm(c, MPI_ERR_COMM, call, "comm is an intercommunicator");
    if (!filename)
        return bt_err_file(NULL, MPI_ERR_BAD_FILE, call, "filename is NULL");
    if (!fh)
        return bt_err_file(NULL, MPI_ERR_ARG, call, "fh is NULL");
    if (info != MPI_INFO_NULL && !(inf = bt_info_get(info)))
        return bt_err_file(NULL, MPI_ERR_INFO, call, "invalid info");
    if ((rc = bt_amode_check(call, amode)) != MPI_SUCCESS)
        return rc;
    /* "file:" and "ufs:" prefixes name the file system (ROMIO's convention). */
    if (!strncmp(filename, "ufs:", 4))
        filename += 4;
    else if (!strncmp(filename, "file:", 5))
        filename += 5;
    if (!*filename)
        return bt_err_file(NULL, MPI_ERR_BAD_FILE, call, "filename is empty");
    rc = bt_file_open(call, c, filename, amode, inf, bt_file_default_errh(), &f);
    if (rc != MPI_SUCCESS)
        return bt_err_file_code(NULL, rc, call);
    *fh = f->handle;
    return MPI_SUCCESS;
}

int PMPI_File_close(MPI_File *fh)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_close");
    bt_file_t *f = NULL;
    int rc;

    if (!fh)
        return bt_err_file(NULL, MPI_ERR_ARG, "MPI_File_close", "fh is NULL");
    BT_FILE_ARG("MPI_File_close", *fh, f);
    if (f->split)
        return bt_err_file(f, MPI_ERR_OTHER, "MPI_File_close", "a split collective is active");
    rc = bt_file_close("MPI_File_close", f);
    *fh = MPI_FILE_NULL;
    return rc == MPI_SUCCESS ? rc : bt_err_file_code(NULL, rc, "MPI_File_close");
}

int PMPI_File_delete(const char *filename, MPI_Info info)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_delete");
    int rc;

    if (!filename)
        return bt_err_file(NULL, MPI_ERR_BAD_FILE, "MPI_File_delete", "filename is NULL");
    if (info != MPI_INFO_NULL && !bt_info_get(info))
        return bt_err_file(NULL, MPI_ERR_INFO, "MPI_File_delete", "invalid info");
    if (!strncmp(filename, "ufs:", 4))
        filename += 4;
    rc = bt_file_delete("MPI_File_delete", filename);
    return rc == MPI_SUCCESS ? rc : bt_file_raise(NULL, rc);
}

static int bt_file_size_call(const char *call, MPI_File fh, MPI_Offset size, int prealloc)
{
    bt_file_t *f = NULL;
    int rc;

    BT_FILE_ARG(call, fh, f);
    if (size < 0)
        return bt_err_file(f, MPI_ERR_ARG, call, "size %lld is negative", (long long)size);
    if (f->amode & MPI_MODE_RDONLY)
        return bt_err_file(f, MPI_ERR_READ_ONLY, call, "the file was opened MPI_MODE_RDONLY");
    if (f->amode & MPI_MODE_SEQUENTIAL)
        return bt_err_file(f, MPI_ERR_UNSUPPORTED_OPERATION, call,
                           "the file was opened MPI_MODE_SEQUENTIAL");
    rc = prealloc ? bt_file_preallocate(call, f, size) : bt_file_set_size(call, f, size);
    return rc == MPI_SUCCESS ? rc : bt_file_raise(f, rc);
}

int PMPI_File_set_size(MPI_File fh, MPI_Offset size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_set_size");
    return bt_file_size_call("MPI_File_set_size", fh, size, 0);
}

int PMPI_File_preallocate(MPI_File fh, MPI_Offset size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_preallocate");
    return bt_file_size_call("MPI_File_preallocate", fh, size, 1);
}

int PMPI_File_get_size(MPI_File fh, MPI_Offset *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_size");
    bt_file_t *f = NULL;
    MPI_Offset s = 0;
    int rc;

    BT_FILE_ARG("MPI_File_get_size", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_size", size, "size");
    if ((rc = bt_file_get_size("MPI_File_get_size", f, &s)) != MPI_SUCCESS)
        return bt_file_raise(f, rc);
    *size = s;
    return MPI_SUCCESS;
}

int PMPI_File_get_group(MPI_File fh, MPI_Group *group)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_group");
    bt_file_t *f = NULL;

    BT_FILE_ARG("MPI_File_get_group", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_group", group, "group");
    bt_group_retain(f->comm->group);
    *group = f->comm->group->handle;
    return MPI_SUCCESS;
}

int PMPI_File_get_amode(MPI_File fh, int *amode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_amode");
    bt_file_t *f = NULL;

    BT_FILE_ARG("MPI_File_get_amode", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_amode", amode, "amode");
    *amode = f->amode;
    return MPI_SUCCESS;
}

int PMPI_File_set_info(MPI_File fh, MPI_Info info)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_set_info");
    bt_file_t *f = NULL;
    bt_info_t *inf = NULL;

    BT_FILE_ARG("MPI_File_set_info", fh, f);
    if (info != MPI_INFO_NULL && !(inf = bt_info_get(info)))
        return bt_err_file(f, MPI_ERR_INFO, "MPI_File_set_info", "invalid info");
    bt_file_set_info(f, inf);
    return MPI_SUCCESS;
}

int PMPI_File_get_info(MPI_File fh, MPI_Info *info_used)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_info");
    bt_file_t *f = NULL;

    BT_FILE_ARG("MPI_File_get_info", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_info", info_used, "info_used");
    *info_used = bt_info_dup(f->info)->handle;
    return MPI_SUCCESS;
}

int PMPI_File_sync(MPI_File fh)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_sync");
    bt_file_t *f = NULL;
    int rc;

    BT_FILE_ARG("MPI_File_sync", fh, f);
    if (f->split)
        return bt_err_file(f, MPI_ERR_OTHER, "MPI_File_sync", "a split collective is active");
    rc = bt_file_sync("MPI_File_sync", f);
    return rc == MPI_SUCCESS ? rc : bt_err_file_code(f, rc, "MPI_File_sync");
}

int PMPI_File_set_atomicity(MPI_File fh, int flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_set_atomicity");
    bt_file_t *f = NULL;
    int rc;

    BT_FILE_ARG("MPI_File_set_atomicity", fh, f);
    rc = bt_file_set_atomicity("MPI_File_set_atomicity", f, flag);
    return rc == MPI_SUCCESS ? rc : bt_err_file_code(f, rc, "MPI_File_set_atomicity");
}

int PMPI_File_get_atomicity(MPI_File fh, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_atomicity");
    bt_file_t *f = NULL;

    BT_FILE_ARG("MPI_File_get_atomicity", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_atomicity", flag, "flag");
    *flag = f->atomic;
    return MPI_SUCCESS;
}

/* ---- Views ---- */

int PMPI_File_set_view(MPI_File fh, MPI_Offset disp, MPI_Datatype etype, MPI_Datatype filetype,
                       const char *datarep, MPI_Info info)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_set_view");
    const char *call = "MPI_File_set_view";
    bt_file_t *f = NULL;
    bt_datatype_t *et, *ft;
    bt_info_t *inf = NULL;
    int rc;

    BT_FILE_ARG(call, fh, f);
    if ((rc = bt_file_type_arg(f, call, etype, "etype", &et)) != MPI_SUCCESS ||
        (rc = bt_file_type_arg(f, call, filetype, "filetype", &ft)) != MPI_SUCCESS)
        return rc;
    if (!datarep)
        return bt_err_file(f, MPI_ERR_UNSUPPORTED_DATAREP, call, "datarep is NULL");
    if (info != MPI_INFO_NULL && !(inf = bt_info_get(info)))
        return bt_err_file(f, MPI_ERR_INFO, call, "invalid info");
    if (disp == MPI_DISPLACEMENT_CURRENT && !(f->amode & MPI_MODE_SEQUENTIAL))
        return bt_err_file(f, MPI_ERR_ARG, call, "MPI_DISPLACEMENT_CURRENT needs a file opened "
                           "MPI_MODE_SEQUENTIAL");
    if (disp < 0 && disp != MPI_DISPLACEMENT_CURRENT)
        return bt_err_file(f, MPI_ERR_ARG, call, "disp %lld is negative", (long long)disp);
    if (f->split)
        return bt_err_file(f, MPI_ERR_OTHER, call, "a split collective is active");
    rc = bt_file_set_view(call, f, disp, et, ft, datarep, inf);
    return rc == MPI_SUCCESS ? rc : bt_err_file_code(f, rc, call);
}

int PMPI_File_get_view(MPI_File fh, MPI_Offset *disp, MPI_Datatype *etype, MPI_Datatype *filetype,
                       char *datarep)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_view");
    bt_file_t *f = NULL;

    BT_FILE_ARG("MPI_File_get_view", fh, f);
    if (!disp || !etype || !filetype || !datarep)
        return bt_err_file(f, MPI_ERR_ARG, "MPI_File_get_view", "%s is NULL",
                           !disp ? "disp" : !etype ? "etype" : !filetype ? "filetype" : "datarep");
    /* Derived types come back as new references (the program frees them). */
    bt_datatype_retain(f->etype);
    bt_datatype_retain(f->filetype);
    *disp = f->disp;
    *etype = f->etype->handle;
    *filetype = f->filetype->handle;
    strcpy(datarep, f->datarep);
    return MPI_SUCCESS;
}

static int bt_file_type_extent_call(const char *call, MPI_File fh, MPI_Datatype datatype,
                                    MPI_Aint *extent)
{
    bt_file_t *f = NULL;
    bt_datatype_t *dt = NULL;
    int rc;

    BT_FILE_ARG(call, fh, f);
    BT_FILE_PTR(f, call, extent, "extent");
    if (!(dt = bt_datatype_get(datatype)))
        return bt_err_file(f, MPI_ERR_TYPE, call, "invalid datatype");
    if ((rc = bt_file_type_extent(call, f, dt, extent)) != MPI_SUCCESS)
        return bt_file_raise(f, rc);
    return MPI_SUCCESS;
}

int PMPI_File_get_type_extent(MPI_File fh, MPI_Datatype datatype, MPI_Aint *extent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_type_extent");
    return bt_file_type_extent_call("MPI_File_get_type_extent", fh, datatype, extent);
}

int PMPI_File_get_type_extent_c(MPI_File fh, MPI_Datatype datatype, MPI_Count *extent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_type_extent_c");
    MPI_Aint e = 0;
    int rc = bt_file_type_extent_call("MPI_File_get_type_extent_c", fh, datatype,
                                      extent ? &e : NULL);

    if (rc == MPI_SUCCESS)
        *extent = e;
    return rc;
}

/* ---- Data access ---- */

enum { BT_NOSPLIT, BT_SPLIT_BEGIN };

/* Every data access call: checks, then one access. A nonblocking one (request
 * given) moves its bytes on the I/O thread (src/io/async.c). */
static int bt_file_rw(const char *call, MPI_File fh, int write, int where, MPI_Offset offset,
                      const void *buf, MPI_Count count, MPI_Datatype type, int coll,
                      MPI_Status *status, MPI_Request *request, int split)
{
    bt_file_t *f = NULL;
    bt_datatype_t *dt;
    MPI_Status st;
    int rc;

    BT_FILE_ARG(call, fh, f);
    if (count < 0)
        return bt_err_file(f, MPI_ERR_COUNT, call, "count %lld is negative", (long long)count);
    if ((rc = bt_file_type_arg(f, call, type, "datatype", &dt)) != MPI_SUCCESS)
        return rc;
    if (!buf && count > 0 && dt->size > 0)
        return bt_err_file(f, MPI_ERR_BUFFER, call, "buf is NULL");
    if (where == BT_IO_EXPLICIT && offset < 0)
        return bt_err_file(f, MPI_ERR_ARG, call, "offset %lld is negative", (long long)offset);
    if (where <= BT_IO_INDIVIDUAL && (f->amode & MPI_MODE_SEQUENTIAL))
        return bt_err_file(f, MPI_ERR_UNSUPPORTED_OPERATION, call, "the file was opened "
                           "MPI_MODE_SEQUENTIAL: only the shared file pointer may be used");
    if (request == NULL && split == BT_NOSPLIT && status == NULL)
        status = &st;   /* MPI_STATUS_IGNORE */
    if (split == BT_SPLIT_BEGIN && f->split)
        return bt_err_file(f, MPI_ERR_OTHER, call, "a split collective is already active on "
                           "this file");
    if (request) {
        bt_request_t *req;
        if ((rc = bt_file_iaccess(call, f, write, where, offset, (void *)buf, count, dt,
                                  &req)) != MPI_SUCCESS) {
            *request = MPI_REQUEST_NULL;
            return bt_err_file_code(f, rc, call);
        }
        *request = (MPI_Request)req;
        return MPI_SUCCESS;
    }
    rc = bt_file_access(call, f, write, where, offset, (void *)buf, count, dt, coll,
                        split ? &f->split_status : status);
    if (split) {
        /* The error, if any, is reported by the end call. */
        f->split = 1 + write;
        f->split_buf = buf;
        f->split_rc = rc;
        return MPI_SUCCESS;
    }
    if (rc != MPI_SUCCESS)
        return bt_err_file_code(f, rc, call);
    return MPI_SUCCESS;
}

static int bt_file_split_end(const char *call, MPI_File fh, int write, const void *buf,
                             MPI_Status *status)
{
    bt_file_t *f = NULL;
    int rc;

    BT_FILE_ARG(call, fh, f);
    if (f->split != 1 + write)
        return bt_err_file(f, MPI_ERR_OTHER, call, "no matching split collective %s begun",
                           write ? "write" : "read");
    if (buf != f->split_buf)
        return bt_err_file(f, MPI_ERR_BUFFER, call, "buf is not the begin call's buffer");
    f->split = 0;
    if ((rc = f->split_rc) != MPI_SUCCESS)
        return bt_err_file_code(f, rc, call);
    if (status)
        *status = f->split_status;
    return MPI_SUCCESS;
}

#define BT_FILE_RW_INT_AND_C(Name, W, WHERE, COLL, BUFQ)                                    \
    int PMPI_File_##Name(MPI_File fh, BUFQ void *buf, int count, MPI_Datatype datatype,     \
                         MPI_Status *status)                                                \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name);                                                   \
        return bt_file_rw("MPI_File_" #Name, fh, W, WHERE, 0, buf, count, datatype, COLL,   \
                          status, NULL, BT_NOSPLIT);                                        \
    }                                                                                       \
    int PMPI_File_##Name##_c(MPI_File fh, BUFQ void *buf, MPI_Count count,                  \
                             MPI_Datatype datatype, MPI_Status *status)                     \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_c");                                              \
        return bt_file_rw("MPI_File_" #Name "_c", fh, W, WHERE, 0, buf, count, datatype,    \
                          COLL, status, NULL, BT_NOSPLIT);                                  \
    }

#define BT_FILE_RW_AT(Name, W, COLL, BUFQ)                                                  \
    int PMPI_File_##Name(MPI_File fh, MPI_Offset offset, BUFQ void *buf, int count,         \
                         MPI_Datatype datatype, MPI_Status *status)                         \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name);                                                   \
        return bt_file_rw("MPI_File_" #Name, fh, W, BT_IO_EXPLICIT, offset, buf, count,     \
                          datatype, COLL, status, NULL, BT_NOSPLIT);                        \
    }                                                                                       \
    int PMPI_File_##Name##_c(MPI_File fh, MPI_Offset offset, BUFQ void *buf,                \
                             MPI_Count count, MPI_Datatype datatype, MPI_Status *status)    \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_c");                                              \
        return bt_file_rw("MPI_File_" #Name "_c", fh, W, BT_IO_EXPLICIT, offset, buf,      \
                          count, datatype, COLL, status, NULL, BT_NOSPLIT);                 \
    }

#define BT_FILE_IRW(Name, W, WHERE, COLL, BUFQ)                                             \
    int PMPI_File_##Name(MPI_File fh, BUFQ void *buf, int count, MPI_Datatype datatype,     \
                         MPI_Request *request)                                              \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name);                                                   \
        if (!request)                                                                       \
            return bt_err_file(bt_file_get(fh), MPI_ERR_ARG, "MPI_File_" #Name,             \
                               "request is NULL");                                          \
        return bt_file_rw("MPI_File_" #Name, fh, W, WHERE, 0, buf, count, datatype, COLL,   \
                          NULL, request, BT_NOSPLIT);                                       \
    }                                                                                       \
    int PMPI_File_##Name##_c(MPI_File fh, BUFQ void *buf, MPI_Count count,                  \
                             MPI_Datatype datatype, MPI_Request *request)                   \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_c");                                              \
        if (!request)                                                                       \
            return bt_err_file(bt_file_get(fh), MPI_ERR_ARG, "MPI_File_" #Name "_c",        \
                               "request is NULL");                                          \
        return bt_file_rw("MPI_File_" #Name "_c", fh, W, WHERE, 0, buf, count, datatype,    \
                          COLL, NULL, request, BT_NOSPLIT);                                 \
    }

#define BT_FILE_IRW_AT(Name, W, COLL, BUFQ)                                                 \
    int PMPI_File_##Name(MPI_File fh, MPI_Offset offset, BUFQ void *buf, int count,         \
                         MPI_Datatype datatype, MPI_Request *request)                       \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name);                                                   \
        if (!request)                                                                       \
            return bt_err_file(bt_file_get(fh), MPI_ERR_ARG, "MPI_File_" #Name,             \
                               "request is NULL");                                          \
        return bt_file_rw("MPI_File_" #Name, fh, W, BT_IO_EXPLICIT, offset, buf, count,     \
                          datatype, COLL, NULL, request, BT_NOSPLIT);                       \
    }                                                                                       \
    int PMPI_File_##Name##_c(MPI_File fh, MPI_Offset offset, BUFQ void *buf,                \
                             MPI_Count count, MPI_Datatype datatype, MPI_Request *request)  \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_c");                                              \
        if (!request)                                                                       \
            return bt_err_file(bt_file_get(fh), MPI_ERR_ARG, "MPI_File_" #Name "_c",        \
                               "request is NULL");                                          \
        return bt_file_rw("MPI_File_" #Name "_c", fh, W, BT_IO_EXPLICIT, offset, buf,      \
                          count, datatype, COLL, NULL, request, BT_NOSPLIT);                \
    }

#define BT_FILE_BEGIN(Name, W, WHERE, BUFQ)                                                 \
    int PMPI_File_##Name##_begin(MPI_File fh, BUFQ void *buf, int count,                    \
                                 MPI_Datatype datatype)                                     \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_begin");                                          \
        return bt_file_rw("MPI_File_" #Name "_begin", fh, W, WHERE, 0, buf, count,          \
                          datatype, WHERE == BT_IO_ORDERED, NULL, NULL, BT_SPLIT_BEGIN);    \
    }                                                                                       \
    int PMPI_File_##Name##_begin_c(MPI_File fh, BUFQ void *buf, MPI_Count count,            \
                                   MPI_Datatype datatype)                                   \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_begin_c");                                        \
        return bt_file_rw("MPI_File_" #Name "_begin_c", fh, W, WHERE, 0, buf, count,        \
                          datatype, WHERE == BT_IO_ORDERED, NULL, NULL, BT_SPLIT_BEGIN);    \
    }                                                                                       \
    int PMPI_File_##Name##_end(MPI_File fh, BUFQ void *buf, MPI_Status *status)             \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_end");                                            \
        return bt_file_split_end("MPI_File_" #Name "_end", fh, W, buf, status);             \
    }

#define BT_FILE_BEGIN_AT(Name, W, BUFQ)                                                     \
    int PMPI_File_##Name##_begin(MPI_File fh, MPI_Offset offset, BUFQ void *buf, int count, \
                                 MPI_Datatype datatype)                                     \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_begin");                                          \
        return bt_file_rw("MPI_File_" #Name "_begin", fh, W, BT_IO_EXPLICIT, offset, buf,   \
                          count, datatype, 0, NULL, NULL, BT_SPLIT_BEGIN);                  \
    }                                                                                       \
    int PMPI_File_##Name##_begin_c(MPI_File fh, MPI_Offset offset, BUFQ void *buf,          \
                                   MPI_Count count, MPI_Datatype datatype)                  \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_begin_c");                                        \
        return bt_file_rw("MPI_File_" #Name "_begin_c", fh, W, BT_IO_EXPLICIT, offset,     \
                          buf, count, datatype, 0, NULL, NULL, BT_SPLIT_BEGIN);             \
    }                                                                                       \
    int PMPI_File_##Name##_end(MPI_File fh, BUFQ void *buf, MPI_Status *status)             \
    {                                                                                       \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_File_" #Name "_end");                                            \
        return bt_file_split_end("MPI_File_" #Name "_end", fh, W, buf, status);             \
    }

#define BT_NOQ
BT_FILE_RW_AT(read_at, 0, 0, BT_NOQ)
BT_FILE_RW_AT(write_at, 1, 0, const)
BT_FILE_RW_AT(read_at_all, 0, 1, BT_NOQ)
BT_FILE_RW_AT(write_at_all, 1, 1, const)
BT_FILE_IRW_AT(iread_at, 0, 0, BT_NOQ)
BT_FILE_IRW_AT(iwrite_at, 1, 0, const)
/* The nonblocking collectives and the split collectives' begin calls (but the
 * ordered ones, which need the ranks' counts) access the file independently:
 * the I/O is done before they return, and none of them may wait for the other
 * ranks, which need not have called yet (a rank may send to another between
 * the start and the wait, or between begin and end). */
BT_FILE_IRW_AT(iread_at_all, 0, 0, BT_NOQ)
BT_FILE_IRW_AT(iwrite_at_all, 1, 0, const)
BT_FILE_RW_INT_AND_C(read, 0, BT_IO_INDIVIDUAL, 0, BT_NOQ)
BT_FILE_RW_INT_AND_C(write, 1, BT_IO_INDIVIDUAL, 0, const)
BT_FILE_RW_INT_AND_C(read_all, 0, BT_IO_INDIVIDUAL, 1, BT_NOQ)
BT_FILE_RW_INT_AND_C(write_all, 1, BT_IO_INDIVIDUAL, 1, const)
BT_FILE_RW_INT_AND_C(read_shared, 0, BT_IO_SHARED, 0, BT_NOQ)
BT_FILE_RW_INT_AND_C(write_shared, 1, BT_IO_SHARED, 0, const)
BT_FILE_RW_INT_AND_C(read_ordered, 0, BT_IO_ORDERED, 1, BT_NOQ)
BT_FILE_RW_INT_AND_C(write_ordered, 1, BT_IO_ORDERED, 1, const)
BT_FILE_IRW(iread, 0, BT_IO_INDIVIDUAL, 0, BT_NOQ)
BT_FILE_IRW(iwrite, 1, BT_IO_INDIVIDUAL, 0, const)
BT_FILE_IRW(iread_all, 0, BT_IO_INDIVIDUAL, 0, BT_NOQ)
BT_FILE_IRW(iwrite_all, 1, BT_IO_INDIVIDUAL, 0, const)
BT_FILE_IRW(iread_shared, 0, BT_IO_SHARED, 0, BT_NOQ)
BT_FILE_IRW(iwrite_shared, 1, BT_IO_SHARED, 0, const)
BT_FILE_BEGIN_AT(read_at_all, 0, BT_NOQ)
BT_FILE_BEGIN_AT(write_at_all, 1, const)
BT_FILE_BEGIN(read_all, 0, BT_IO_INDIVIDUAL, BT_NOQ)
BT_FILE_BEGIN(write_all, 1, BT_IO_INDIVIDUAL, const)
BT_FILE_BEGIN(read_ordered, 0, BT_IO_ORDERED, BT_NOQ)
BT_FILE_BEGIN(write_ordered, 1, BT_IO_ORDERED, const)

/* ---- File pointers ---- */

static int bt_file_seek_target(bt_file_t *f, const char *call, MPI_Offset cur, MPI_Offset offset,
                               int whence, MPI_Offset *pos_p)
{
    MPI_Offset base, size = 0;
    int rc;

    switch (whence) {
    case MPI_SEEK_SET:
        base = 0;
        break;
    case MPI_SEEK_CUR:
        base = cur;
        break;
    case MPI_SEEK_END:
        /* The end of the file, in etypes of the view. */
        if ((rc = bt_file_get_size(call, f, &size)) != MPI_SUCCESS)
            return bt_file_raise(f, rc);
        base = bt_file_view_end(f, size);
        break;
    default:
        return bt_err_file(f, MPI_ERR_ARG, call, "whence %d is not MPI_SEEK_SET, MPI_SEEK_CUR "
                           "or MPI_SEEK_END", whence);
    }
    if (base + offset < 0)
        return bt_err_file(f, MPI_ERR_ARG, call, "the position would be negative (%lld)",
                           (long long)(base + offset));
    *pos_p = base + offset;
    return MPI_SUCCESS;
}

int PMPI_File_seek(MPI_File fh, MPI_Offset offset, int whence)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_seek");
    bt_file_t *f = NULL;
    MPI_Offset pos;
    int rc;

    BT_FILE_ARG("MPI_File_seek", fh, f);
    if (f->amode & MPI_MODE_SEQUENTIAL)
        return bt_err_file(f, MPI_ERR_UNSUPPORTED_OPERATION, "MPI_File_seek",
                           "the file was opened MPI_MODE_SEQUENTIAL");
    if ((rc = bt_file_seek_target(f, "MPI_File_seek", f->pos, offset, whence, &pos)) != MPI_SUCCESS)
        return rc;
    f->pos = pos;
    return MPI_SUCCESS;
}

int PMPI_File_get_position(MPI_File fh, MPI_Offset *offset)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_position");
    bt_file_t *f = NULL;

    BT_FILE_ARG("MPI_File_get_position", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_position", offset, "offset");
    *offset = f->pos;
    return MPI_SUCCESS;
}

int PMPI_File_get_byte_offset(MPI_File fh, MPI_Offset offset, MPI_Offset *disp)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_byte_offset");
    bt_file_t *f = NULL;

    BT_FILE_ARG("MPI_File_get_byte_offset", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_byte_offset", disp, "disp");
    if (offset < 0)
        return bt_err_file(f, MPI_ERR_ARG, "MPI_File_get_byte_offset", "offset %lld is negative",
                           (long long)offset);
    *disp = bt_file_byte_offset(f, offset);
    return MPI_SUCCESS;
}

/* Collective: every rank passes the same offset and whence, and the pointer moves
 * once. */
int PMPI_File_seek_shared(MPI_File fh, MPI_Offset offset, int whence)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_seek_shared");
    const char *call = "MPI_File_seek_shared";
    bt_file_t *f = NULL;
    MPI_Offset cur = 0, pos = 0;
    int rc, err;

    BT_FILE_ARG(call, fh, f);
    if (whence == MPI_SEEK_CUR && (rc = bt_file_shared_get(call, f, &cur)) != MPI_SUCCESS)
        return bt_file_raise(f, rc);
    if ((rc = bt_file_seek_target(f, call, cur, offset, whence, &pos)) != MPI_SUCCESS)
        return rc;
    /* Everyone has read the old value before rank 0 writes the new one. */
    if ((rc = bt_io_barrier(f->comm)) != MPI_SUCCESS)
        return bt_err_file_code(f, rc, call);
    err = f->comm->rank == 0 ? bt_file_shared_set(call, f, pos) : MPI_SUCCESS;
    if ((rc = bt_io_bcast(f->comm, &err, sizeof(err), 0)) != MPI_SUCCESS)
        return bt_err_file_code(f, rc, call);
    return err == MPI_SUCCESS ? err : bt_err_file_code(f, err, call);
}

int PMPI_File_get_position_shared(MPI_File fh, MPI_Offset *offset)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_position_shared");
    bt_file_t *f = NULL;
    MPI_Offset pos = 0;
    int rc;

    BT_FILE_ARG("MPI_File_get_position_shared", fh, f);
    BT_FILE_PTR(f, "MPI_File_get_position_shared", offset, "offset");
    if ((rc = bt_file_shared_get("MPI_File_get_position_shared", f, &pos)) != MPI_SUCCESS)
        return bt_file_raise(f, rc);
    *offset = pos;
    return MPI_SUCCESS;
}

/* ---- Data representations ---- */

static int bt_register_datarep(const char *call, const char *datarep, void *read_fn,
                               void *write_fn, MPI_Datarep_extent_function *extent_fn,
                               void *extra, int large)
{
    int rc;

    if (!datarep)
        return bt_err_file(NULL, MPI_ERR_ARG, call, "datarep is NULL");
    if (!*datarep || strlen(datarep) >= MPI_MAX_DATAREP_STRING)
        return bt_err_file(NULL, MPI_ERR_ARG, call, "datarep must have 1 to %d characters",
                           MPI_MAX_DATAREP_STRING - 1);
    if (!extent_fn)
        return bt_err_file(NULL, MPI_ERR_ARG, call, "dtype_file_extent_fn is NULL");
    rc = bt_datarep_register(datarep, read_fn, write_fn, extent_fn, extra, large);
    if (rc == MPI_ERR_DUP_DATAREP)
        return bt_err_file(NULL, rc, call, "datarep '%s' is already defined", datarep);
    return rc;
}

int PMPI_Register_datarep(const char *datarep, MPI_Datarep_conversion_function *read_conversion_fn,
                          MPI_Datarep_conversion_function *write_conversion_fn,
                          MPI_Datarep_extent_function *dtype_file_extent_fn, void *extra_state)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Register_datarep");
    return bt_register_datarep("MPI_Register_datarep", datarep,
                               (void *)(uintptr_t)read_conversion_fn,
                               (void *)(uintptr_t)write_conversion_fn, dtype_file_extent_fn,
                               extra_state, 0);
}

int PMPI_Register_datarep_c(const char *datarep,
                            MPI_Datarep_conversion_function_c *read_conversion_fn,
                            MPI_Datarep_conversion_function_c *write_conversion_fn,
                            MPI_Datarep_extent_function *dtype_file_extent_fn, void *extra_state)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Register_datarep_c");
    return bt_register_datarep("MPI_Register_datarep_c", datarep,
                               (void *)(uintptr_t)read_conversion_fn,
                               (void *)(uintptr_t)write_conversion_fn, dtype_file_extent_fn,
                               extra_state, 1);
}

/* ---- Error handlers ---- */

int PMPI_File_create_errhandler(MPI_File_errhandler_function *file_errhandler_fn,
                                MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_create_errhandler");
    if (!file_errhandler_fn)
        return bt_err_file(NULL, MPI_ERR_ARG, "MPI_File_create_errhandler",
                           "file_errhandler_fn is NULL");
    if (!errhandler)
        return bt_err_file(NULL, MPI_ERR_ARG, "MPI_File_create_errhandler", "errhandler is NULL");
    /* Stored in the communicator handler's slot and called with the file's type. */
    *errhandler = bt_errhandler_create(BT_ERRH_FILE, (MPI_Comm_errhandler_function *)(void (*)(void))
                                       file_errhandler_fn)->handle;
    return MPI_SUCCESS;
}

/* MPI_FILE_NULL is a valid target here: its handler is the default of new files. */
static int bt_file_or_null(const char *call, MPI_File fh, bt_file_t **file_p)
{
    *file_p = NULL;
    return fh == MPI_FILE_NULL ? MPI_SUCCESS : bt_file_arg(call, fh, file_p);
}

int PMPI_File_set_errhandler(MPI_File fh, MPI_Errhandler errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_set_errhandler");
    bt_file_t *f = NULL;
    bt_errhandler_t *e;
    int rc;

    if ((rc = bt_file_or_null("MPI_File_set_errhandler", fh, &f)) != MPI_SUCCESS)
        return rc;
    if (!(e = bt_errhandler_get(errhandler)))
        return bt_err_file(f, MPI_ERR_ERRHANDLER, "MPI_File_set_errhandler",
                           "invalid error handler");
    if (!bt_errhandler_is_predefined(e) && e->kind != BT_ERRH_FILE)
        return bt_err_file(f, MPI_ERR_ERRHANDLER, "MPI_File_set_errhandler",
                           "errhandler was not created for files");
    if (f)
        bt_errhandler_replace(&f->errh, e);
    else
        bt_file_set_default_errh(e);
    return MPI_SUCCESS;
}

int PMPI_File_get_errhandler(MPI_File fh, MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_get_errhandler");
    bt_file_t *f = NULL;
    bt_errhandler_t *e;
    int rc;

    if ((rc = bt_file_or_null("MPI_File_get_errhandler", fh, &f)) != MPI_SUCCESS)
        return rc;
    if (!errhandler)
        return bt_err_file(f, MPI_ERR_ARG, "MPI_File_get_errhandler", "errhandler is NULL");
    e = f ? f->errh : bt_file_default_errh();
    bt_errhandler_retain(e);
    *errhandler = e->handle;
    return MPI_SUCCESS;
}

int PMPI_File_call_errhandler(MPI_File fh, int errorcode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_File_call_errhandler");
    bt_file_t *f = NULL;
    int rc;

    if ((rc = bt_file_or_null("MPI_File_call_errhandler", fh, &f)) != MPI_SUCCESS)
        return rc;
    bt_file_raise(f, errorcode);
    return MPI_SUCCESS;
}
