/* The file object: open (collective, with one verdict for all ranks), close,
 * delete, size, info hints, atomicity, and files' error handlers. */
#include "io/bt_io_impl.h"
#include "util/bt_fhandle.h"
#include "util/bt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* MPI_FILE_NULL's handler: the default of new files; MPI_ERRORS_RETURN at start,
 * as the standard says for I/O (errors there are often recoverable). */
static bt_errhandler_t *bt_file_null_errh;

bt_errhandler_t *bt_file_default_errh(void)
{
    if (!bt_file_null_errh)
        bt_file_null_errh = bt_errhandler_get(MPI_ERRORS_RETURN);
    return bt_file_null_errh;
}

void bt_file_set_default_errh(bt_errhandler_t *errh)
{
    bt_file_default_errh();
    bt_errhandler_replace(&bt_file_null_errh, errh);
}

bt_file_t *bt_file_get(MPI_File h)
{
    bt_file_t *f;

    if (h == MPI_FILE_NULL || BT_HANDLE_IS_PREDEFINED(h) || ((uintptr_t)h & 7) ||
        (uintptr_t)h < 0x10000)
        return NULL;
    f = (bt_file_t *)h;
    return f->magic == BT_FILE_MAGIC ? f : NULL;
}

int bt_file_raise(bt_file_t *file, int code)
{
    bt_errhandler_t *errh = file ? file->errh : bt_file_default_errh();
    MPI_File h = file ? file->handle : MPI_FILE_NULL;
    int c = code;

    if (errh == bt_errhandler_get(MPI_ERRORS_RETURN))
        return code;
    if (bt_errhandler_is_predefined(errh) || !errh->comm_fn)
        bt_errhandler_fatal(code);
    /* The handler may set another handler (or close the file): hold it. */
    bt_errhandler_retain(errh);
    ((MPI_File_errhandler_function *)(void (*)(void))errh->comm_fn)(&h, &c);
    bt_errhandler_release(errh);
    return code;
}

/* Hints: the standard's reserved names, and ROMIO's for switches programs use. */
static MPI_Count bt_hint_count(const bt_info_t *info, const char *key, MPI_Count dflt)
{
    const char *v = info ? bt_info_value(info, key) : NULL;
    char *end;
    long long x;

    if (!v)
        return dflt;
    x = strtoll(v, &end, 10);
    return end != v && *end == '\0' && x > 0 ? (MPI_Count)x : dflt;
}

/* "enable"/"true" 1, "disable"/"false" 0, "automatic" or absent: dflt. */
static int bt_hint_switch(const bt_info_t *info, const char *key, int dflt)
{
    const char *v = info ? bt_info_value(info, key) : NULL;

    if (!v)
        return dflt;
    if (!strcmp(v, "enable") || !strcmp(v, "true"))
        return 1;
    if (!strcmp(v, "disable") || !strcmp(v, "false"))
        return 0;
    return dflt;
}

static void bt_file_parse_hints(bt_file_t *f)
{
    bt_io_hints_t *h = &f->hints;
    /* -1, automatic: two-phase where it pays (twophase.c decides per call). */
    int cb = bt_hint_switch(f->info, "collective_buffering", -1);

    h->cb_buffer_size = bt_hint_count(f->info, "cb_buffer_size", (MPI_Count)16 << 20);
    h->cb_nodes = (int)bt_hint_count(f->info, "cb_nodes", 0);
    h->cb_read = bt_hint_switch(f->info, "romio_cb_read", cb);
    h->cb_write = bt_hint_switch(f->info, "romio_cb_write", cb);
    h->ds_read = bt_hint_switch(f->info, "romio_ds_read", 1);
    h->ds_write = bt_hint_switch(f->info, "romio_ds_write", 1);
    h->ind_rd_buffer_size = bt_hint_count(f->info, "ind_rd_buffer_size", (MPI_Count)4 << 20);
    h->ind_wr_buffer_size = bt_hint_count(f->info, "ind_wr_buffer_size", (MPI_Count)512 << 10);
    h->striping_unit = bt_hint_count(f->info, "striping_unit", 0);
}

/* The hints a program reads back: those it set, and the values Baton uses. */
static void bt_file_fill_info(bt_file_t *f)
{
    char v[32];

    snprintf(v, sizeof(v), "%lld", (long long)f->hints.cb_buffer_size);
    bt_info_set(f->info, "cb_buffer_size", v);
    snprintf(v, sizeof(v), "%d", f->hints.cb_nodes);
    if (f->hints.cb_nodes > 0)
        bt_info_set(f->info, "cb_nodes", v);
    snprintf(v, sizeof(v), "%lld", (long long)f->hints.ind_rd_buffer_size);
    bt_info_set(f->info, "ind_rd_buffer_size", v);
    snprintf(v, sizeof(v), "%lld", (long long)f->hints.ind_wr_buffer_size);
    bt_info_set(f->info, "ind_wr_buffer_size", v);
}

void bt_file_set_info(bt_file_t *file, bt_info_t *info)
{
    bt_io_async_drain(file);   /* the I/O thread reads the hints */
    for (int i = 0; info && i < info->nkeys; i++)
        bt_info_set(file->info, info->entries[i].key, info->entries[i].value);
    bt_file_parse_hints(file);
    bt_file_fill_info(file);
}

static int bt_file_open_flags(int amode)
{
    if (amode & MPI_MODE_RDONLY)
        return O_RDONLY;
    /* Write-only files are opened for reading too where allowed: data sieving and
     * two-phase writes read what lies between the pieces they write. */
    return O_RDWR;
}

/* open(2) the file; rank 0 creates it. *err_p: errno, 0 on success. */
static int bt_file_open_fd(const char *path, int amode, int create, int *err_p)
{
    int flags = bt_file_open_flags(amode) | O_CLOEXEC, fd;
    struct stat st;

    if (create && (amode & MPI_MODE_CREATE))
        flags |= O_CREAT | ((amode & MPI_MODE_EXCL) ? O_EXCL : 0);
    fd = open(path, flags, 0666);
    if (fd < 0 && errno == EACCES && (amode & MPI_MODE_WRONLY))
        fd = open(path, (flags & ~O_RDWR) | O_WRONLY, 0666);
    if (fd < 0) {
        *err_p = errno;
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        *err_p = EISDIR;
        return -1;
    }
    *err_p = 0;
    return fd;
}

int bt_file_open(const char *call, bt_comm_t *comm, const char *path, int amode,
                 bt_info_t *info, bt_errhandler_t *errh, bt_file_t **file_p)
{
    int n = comm->size, me = comm->rank, fd = -1, err = 0, rc, bad = -1;
    int *all = bt_malloc((size_t)n * 2 * sizeof(int)), mine[2] = { amode, 0 };
    bt_comm_t *dup = NULL;
    bt_file_t *f;

    /* One verdict for every rank: the same amode everywhere, rank 0 creates the
     * file before the others open it, and any rank's failure fails them all. */
    if ((rc = bt_io_allgather(comm, mine, all, sizeof(mine))) != MPI_SUCCESS)
        goto err_free_all;
    for (int i = 0; i < n && bad < 0; i++)
        if (all[2 * i] != amode)
            bad = i;
    if (bad >= 0) {
        rc = bt_io_err(MPI_ERR_AMODE, call, "amode %d on rank %d differs from %d on rank %d "
                       "(it must be the same on every rank)", all[2 * bad], bad, amode, me);
        goto err_free_all;
    }
    if (me == 0)
        fd = bt_file_open_fd(path, amode, 1, &err);
    if ((rc = bt_io_bcast(comm, &err, sizeof(err), 0)) != MPI_SUCCESS)
        goto err_close;
    if (me != 0 && err == 0)
        fd = bt_file_open_fd(path, amode, 0, &err);
    mine[1] = err;
    if ((rc = bt_io_allgather(comm, mine, all, sizeof(mine))) != MPI_SUCCESS)
        goto err_close;
    for (int i = 0; i < n; i++) {
        if (all[2 * i + 1] == 0)
            continue;
        rc = bt_io_err(bt_io_errno_class(all[2 * i + 1]), call, "cannot open '%s'%s: %s "
                       "(on rank %d)", path, (amode & MPI_MODE_CREATE) && i == 0 ?
                       " (creating it)" : "", strerror(all[2 * i + 1]), i);
        goto err_close;
    }
    if ((rc = bt_comm_create(comm, comm->group, &dup)) != MPI_SUCCESS)
        goto err_close;

    f = bt_calloc(1, sizeof(*f));
    f->magic = BT_FILE_MAGIC;
    f->handle = (MPI_File)f;
    f->comm = dup;
    f->fd = fd;
    f->amode = amode;
    f->path = bt_strdup(path);
    f->info = bt_info_new();
    f->shfd = -1;
    f->readable = (fcntl(fd, F_GETFL) & O_ACCMODE) != O_WRONLY;
    bt_errhandler_retain(errh);
    f->errh = errh;
    bt_file_set_info(f, info);
    f->etype = f->filetype = bt_datatype_get(MPI_BYTE);
    f->esize = 1;
    strcpy(f->datarep, "native");
    f->rep = BT_REP_NATIVE;
    f->node = bt_malloc((size_t)n * sizeof(int));
    {
        int color = bt_comm_node_color();
        rc = bt_io_allgather(dup, &color, f->node, sizeof(int));
    }
    if (rc != MPI_SUCCESS || (rc = bt_file_shared_init(call, f)) != MPI_SUCCESS) {
        bt_file_close(call, f);
        goto err_free_all;
    }
    if (amode & MPI_MODE_APPEND) {
        /* Both pointers start at the end (the view is bytes from 0 until set). */
        struct stat st;
        if (fstat(fd, &st) == 0)
            f->pos = st.st_size;
        if (me == 0 && f->shfd >= 0)
            bt_file_shared_set(call, f, f->pos);
        if ((rc = bt_io_barrier(dup)) != MPI_SUCCESS) {
            bt_file_close(call, f);
            goto err_free_all;
        }
    }
    free(all);
    *file_p = f;
    return MPI_SUCCESS;

err_close:
    if (fd >= 0)
        close(fd);
err_free_all:
    free(all);
    return rc;
}

int bt_file_close(const char *call, bt_file_t *file)
{
    int rc = MPI_SUCCESS, err = 0;

    bt_file_async_close(file);
    /* Everyone is done with the file before it may go. */
    bt_io_barrier(file->comm);
    if (file->fd >= 0 && close(file->fd) != 0)
        err = errno;
    if (file->shfd >= 0)
        close(file->shfd);
    if ((file->amode & MPI_MODE_DELETE_ON_CLOSE)) {
        if (file->comm->rank == 0 && unlink(file->path) != 0 && errno != ENOENT)
            rc = bt_io_syserr(errno, call, "cannot delete", file->path);
        bt_io_barrier(file->comm);
    }
    if (err && rc == MPI_SUCCESS)
        rc = bt_io_syserr(err, call, "closing", file->path);
    bt_comm_free(file->comm);
    bt_info_free(file->info);
    bt_errhandler_release(file->errh);
    if (file->etype)
        bt_datatype_release(file->etype);
    if (file->filetype)
        bt_datatype_release(file->filetype);
    free(file->path);
    free(file->node);
    bt_fh_forget(BT_FH_FILE, file);
    file->magic = 0;
    free(file);
    return rc;
}

int bt_file_delete(const char *call, const char *path)
{
    if (unlink(path) != 0)
        return bt_io_syserr(errno, call, "cannot delete", path);
    return MPI_SUCCESS;
}

int bt_file_get_size(const char *call, bt_file_t *file, MPI_Offset *size_p)
{
    struct stat st;

    if (fstat(file->fd, &st) != 0)
        return bt_io_syserr(errno, call, "cannot stat", file->path);
    *size_p = st.st_size;
    return MPI_SUCCESS;
}

/* The outcome of a collective change made by rank 0: everyone returns it. */
static int bt_file_verdict(const char *call, bt_file_t *file, int err, const char *what)
{
    int rc = bt_io_bcast(file->comm, &err, sizeof(err), 0);

    if (rc != MPI_SUCCESS)
        return rc;
    return err ? bt_io_syserr(err, call, what, file->path) : MPI_SUCCESS;
}

int bt_file_set_size(const char *call, bt_file_t *file, MPI_Offset size)
{
    int err = 0;

    bt_io_async_drain(file);     /* a cut never meets the I/O thread's writes */
    bt_io_barrier(file->comm);   /* writes before the call land before the cut */
    if (file->comm->rank == 0 && ftruncate(file->fd, size) != 0)
        err = errno;
    return bt_file_verdict(call, file, err, "cannot resize");
}

int bt_file_preallocate(const char *call, bt_file_t *file, MPI_Offset size)
{
    int err = 0;
    struct stat st;

    bt_io_async_drain(file);
    if (file->comm->rank == 0 && fstat(file->fd, &st) == 0 && st.st_size < size) {
        err = posix_fallocate(file->fd, 0, size);
        /* File systems without fallocate: extend by writing zeros at the end. */
        if (err == EOPNOTSUPP || err == EINVAL) {
            char zero[65536] = { 0 };
            err = 0;
            for (MPI_Offset o = st.st_size; o < size && !err;) {
                size_t len = (size_t)(size - o < (MPI_Offset)sizeof(zero) ? size - o : (MPI_Offset)sizeof(zero));
                ssize_t w = pwrite(file->fd, zero, len, o);
                if (w < 0)
                    err = errno;
                else
                    o += w;
            }
        }
    }
    return bt_file_verdict(call, file, err, "cannot preallocate");
}

int bt_file_sync(const char *call, bt_file_t *file)
{
    int err = 0, rc;

    if (fsync(file->fd) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    /* The standard's sync-barrier-sync: writes of any rank are visible to every
     * rank's reads once all have returned. */
    if ((rc = bt_io_barrier(file->comm)) != MPI_SUCCESS)
        return rc;
    return err ? bt_io_syserr(err, call, "cannot sync", file->path) : MPI_SUCCESS;
}

int bt_file_set_atomicity(const char *call, bt_file_t *file, int flag)
{
    int n = file->comm->size, *all = bt_malloc((size_t)n * sizeof(int)), rc;

    bt_io_async_drain(file);   /* the I/O thread reads the mode */
    flag = flag != 0;
    if ((rc = bt_io_allgather(file->comm, &flag, all, sizeof(int))) == MPI_SUCCESS) {
        for (int i = 0; i < n; i++)
            if (all[i] != flag) {
                rc = bt_io_err(MPI_ERR_ARG, call, "flag differs across ranks (rank %d: %d, "
                               "rank %d: %d)", i, all[i], file->comm->rank, flag);
                break;
            }
    }
    if (rc == MPI_SUCCESS)
        file->atomic = flag;
    free(all);
    return rc;
}
