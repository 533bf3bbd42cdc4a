/* The shared file pointer: 8 bytes in a small file beside the data file (or in
 * $TMPDIR when that directory is not writable), which rank 0 creates, every rank
 * opens and rank 0 unlinks at once, so that nothing stays behind after a crash.
 * Each update holds an fcntl write lock on it: atomic across the ranks of any
 * host that sees the file, with no rank having to answer for the others. */
#include "io/bt_io.h"
#include "util/bt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bt_shared_create(const char *path, char *name, size_t size)
{
    const char *slash = strrchr(path, '/'), *tmp = getenv("TMPDIR");
    int fd;

    if (slash)
        snprintf(name, size, "%.*s/.baton-shfp-XXXXXX", (int)(slash - path), path);
    else
        snprintf(name, size, ".baton-shfp-XXXXXX");
    if ((fd = mkstemp(name)) >= 0)
        return fd;
    snprintf(name, size, "%s/.baton-shfp-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkstemp(name);
}

/* Without a place that every rank can open (a read-only directory on a shared
 * file system, /tmp differing between hosts), the file still opens: only the
 * calls that use the shared pointer fail, saying why. */
int bt_file_shared_init(const char *call, bt_file_t *file)
{
    char name[PATH_MAX + 32] = "";
    int err = 0, rc, all_ok, ok;

    if (file->comm->rank == 0) {
        int fd = bt_shared_create(file->path, name, sizeof(name));
        MPI_Offset zero = 0;
        if (fd < 0 || pwrite(fd, &zero, sizeof(zero), 0) != sizeof(zero))
            err = errno ? errno : EIO;
        file->shfd = fd;
    }
    if ((rc = bt_io_bcast(file->comm, &err, sizeof(err), 0)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_io_bcast(file->comm, name, sizeof(name), 0)) != MPI_SUCCESS)
        return rc;
    if (file->comm->rank != 0 && !err)
        file->shfd = open(name, O_RDWR | O_CLOEXEC);
    ok = file->shfd >= 0 && !err;
    /* Every rank has it open (or failed): it can go from the directory. */
    {
        int n = file->comm->size, *all = bt_malloc((size_t)n * sizeof(int));
        rc = bt_io_allgather(file->comm, &ok, all, sizeof(int));
        all_ok = 1;
        for (int i = 0; i < n; i++)
            all_ok &= all[i];
        free(all);
    }
    if (file->comm->rank == 0 && !err)
        unlink(name);
    if (!all_ok && file->shfd >= 0) {
        close(file->shfd);
        file->shfd = -1;
    }
    return rc;
}

/* The shared pointer's calls on a file that could not have one. */
static int bt_shared_missing(const char *call, bt_file_t *file)
{
    return bt_io_err(MPI_ERR_UNSUPPORTED_OPERATION, call, "'%s' has no shared file pointer: no "
                     "directory beside it (or $TMPDIR) that every rank can write", file->path);
}

static int bt_shared_lock(bt_file_t *file, int type)
{
    struct flock fl = { .l_type = (short)type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 8 };

    while (fcntl(file->shfd, F_SETLKW, &fl) != 0)
        if (errno != EINTR)
            return errno;
    return 0;
}

static int bt_shared_rw(const char *call, bt_file_t *file, MPI_Offset *pos, int write)
{
    ssize_t r = write ? pwrite(file->shfd, pos, sizeof(*pos), 0)
                      : pread(file->shfd, pos, sizeof(*pos), 0);

    if (r != sizeof(*pos))
        return bt_io_syserr(r < 0 ? errno : EIO, call, "the shared file pointer of", file->path);
    return MPI_SUCCESS;
}

int bt_file_shared_get(const char *call, bt_file_t *file, MPI_Offset *pos_p)
{
    int err, rc;

    if (file->shfd < 0)
        return bt_shared_missing(call, file);
    if ((err = bt_shared_lock(file, F_RDLCK)))
        return bt_io_syserr(err, call, "cannot lock the shared file pointer of", file->path);
    rc = bt_shared_rw(call, file, pos_p, 0);
    bt_shared_lock(file, F_UNLCK);
    return rc;
}

int bt_file_shared_set(const char *call, bt_file_t *file, MPI_Offset pos)
{
    int err, rc;

    if (file->shfd < 0)
        return bt_shared_missing(call, file);
    if ((err = bt_shared_lock(file, F_WRLCK)))
        return bt_io_syserr(err, call, "cannot lock the shared file pointer of", file->path);
    rc = bt_shared_rw(call, file, &pos, 1);
    bt_shared_lock(file, F_UNLCK);
    return rc;
}

int bt_file_shared_fetch_add(const char *call, bt_file_t *file, MPI_Offset n, MPI_Offset *old_p)
{
    MPI_Offset pos = 0;
    int err, rc;

    if (file->shfd < 0)
        return bt_shared_missing(call, file);
    if ((err = bt_shared_lock(file, F_WRLCK)))
        return bt_io_syserr(err, call, "cannot lock the shared file pointer of", file->path);
    if ((rc = bt_shared_rw(call, file, &pos, 0)) == MPI_SUCCESS) {
        *old_p = pos;
        pos += n;
        rc = bt_shared_rw(call, file, &pos, 1);
    }
    bt_shared_lock(file, F_UNLCK);
    return rc;
}
