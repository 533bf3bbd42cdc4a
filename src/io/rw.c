/* Data access: where it starts (explicit offset, individual or shared pointer,
 * ordered), the conversion between the user's buffer and the view's contiguous
 * stream, and independent access of that stream's pieces with data sieving.
 * Collective access goes through two-phase I/O (twophase.c). */
#include "io/bt_io_impl.h"
#include "util/bt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Data sieving pays when the holes it reads are no larger than the data, or when
 * the pieces are so small (on average) that a system call each costs more. */
#define BT_IO_SIEVE_HOLES 1
#define BT_IO_SIEVE_SMALL 1024



int bt_io_lock(int fd, int type, MPI_Offset off, MPI_Offset len)
{
    struct flock fl = { .l_type = (short)type, .l_whence = SEEK_SET, .l_start = off,
                        .l_len = len };

    while (fcntl(fd, F_SETLKW, &fl) != 0)
        if (errno != EINTR)
            return errno;
    return 0;
}

int bt_io_pwrite(int fd, const char *buf, MPI_Offset len, MPI_Offset off)
{
    while (len > 0) {
        ssize_t w = pwrite(fd, buf, (size_t)(len < (1 << 30) ? len : (1 << 30)), off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return ENOSPC;
        buf += w;
        off += w;
        len -= w;
    }
    return 0;
}

int bt_io_pread(int fd, char *buf, MPI_Offset len, MPI_Offset off, MPI_Offset *got_p)
{
    MPI_Offset got = 0;

    while (got < len) {
        ssize_t r = pread(fd, buf + got, (size_t)(len - got < (1 << 30) ? len - got : (1 << 30)),
                          off + got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *got_p = got;
            return errno;
        }
        if (r == 0)
            break;   /* end of file */
        got += r;
    }
    *got_p = got;
    return 0;
}

/* Data sieving: the pieces within one window of the file, accessed as one
 * contiguous read (and write back) of the window. A write locks the window, so
 * that the bytes between the pieces, which it writes back as it found them, are
 * not someone else's meanwhile. */
static int bt_io_sieve(bt_file_t *file, int write, const bt_io_seg_t *segs, size_t n,
                       char *data, MPI_Offset *done_p, char *win, MPI_Offset winsz)
{
    size_t i = 0;
    MPI_Offset pos = 0;   /* stream bytes before segs[i] */
    int err = 0;

    *done_p = 0;
    while (i < n) {
        MPI_Offset lo = segs[i].off, hi = lo, got = 0;
        size_t j = i;

        /* The window: as many whole pieces as fit (at least one, in parts). */
        while (j < n && segs[j].off + segs[j].len - lo <= winsz)
            hi = segs[j].off + segs[j].len, j++;
        if (j == i) {   /* one piece larger than the window: access it directly */
            err = write ? bt_io_pwrite(file->fd, data + pos, segs[i].len, segs[i].off)
                        : bt_io_pread(file->fd, data + pos, segs[i].len, segs[i].off, &got);
            if (err)
                return err;
            if (!write && got < segs[i].len) {
                *done_p = pos + got;
                return 0;
            }
            pos += segs[i].len;
            i++;
            *done_p = pos;
            continue;
        }
        if (write && (err = bt_io_lock(file->fd, F_WRLCK, lo, hi - lo)))
            return err;
        err = bt_io_pread(file->fd, win, hi - lo, lo, &got);
        if (!err && got < hi - lo)
            memset(win + got, 0, (size_t)(hi - lo - got));
        for (size_t k = i; !err && k < j; k++) {
            MPI_Offset at = segs[k].off - lo;
            if (write) {
                memcpy(win + at, data + pos, (size_t)segs[k].len);
            } else {
                MPI_Offset have = got - at;
                if (have < segs[k].len) {   /* end of file within this piece */
                    if (have > 0)
                        memcpy(data + pos, win + at, (size_t)have);
                    *done_p = pos + (have > 0 ? have : 0);
                    return 0;
                }
                memcpy(data + pos, win + at, (size_t)segs[k].len);
            }
            pos += segs[k].len;
        }
        if (write && !err)
            err = bt_io_pwrite(file->fd, win, hi - lo, lo);
        if (write)
            bt_io_lock(file->fd, F_UNLCK, lo, hi - lo);
        if (err)
            return err;
        i = j;
        *done_p = pos;
    }
    return 0;
}

int bt_io_move(bt_file_t *file, int write, const bt_io_seg_t *segs, size_t n, char *data,
               MPI_Offset bytes, MPI_Offset *done_p, const char **what_p)
{
    MPI_Offset lo, hi, pos = 0, got = 0, holes;
    int err = 0, locked = 0, sieve;

    *done_p = 0;
    *what_p = write ? "cannot write to" : "cannot read from";
    if (n == 0)
        return 0;
    lo = segs[0].off;
    hi = segs[n - 1].off + segs[n - 1].len;
    holes = hi - lo - bytes;
    sieve = n > 1 && (write ? file->hints.ds_write && file->readable : file->hints.ds_read) &&
            (holes <= BT_IO_SIEVE_HOLES * bytes || bytes / (MPI_Offset)n < BT_IO_SIEVE_SMALL);
    if (file->atomic) {
        /* Atomic mode: the whole range at once, so that overlapping accesses of
         * other ranks see all of this one or none. */
        if ((err = bt_io_lock(file->fd, write ? F_WRLCK : F_RDLCK, lo, hi - lo))) {
            *what_p = "cannot lock a range of";
            return err;
        }
        locked = 1;
        if (write)
            sieve = 0;   /* the range is ours: no window locks (they would be ours too) */
    }
    if (sieve) {
        MPI_Offset winsz = write ? file->hints.ind_wr_buffer_size : file->hints.ind_rd_buffer_size;
        char *win;
        if (winsz > hi - lo)
            winsz = hi - lo;
        win = bt_malloc((size_t)winsz);
        err = bt_io_sieve(file, write, segs, n, data, &got, win, winsz);
        free(win);
        pos = got;
    } else {
        for (size_t i = 0; i < n && !err; i++) {
            if (write) {
                err = bt_io_pwrite(file->fd, data + pos, segs[i].len, segs[i].off);
                pos += err ? 0 : segs[i].len;
            } else {
                err = bt_io_pread(file->fd, data + pos, segs[i].len, segs[i].off, &got);
                pos += got;
                if (got < segs[i].len)
                    break;
            }
        }
    }
    if (locked)
        bt_io_lock(file->fd, F_UNLCK, lo, hi - lo);
    *done_p = pos;
    return err;
}

int bt_io_independent(const char *call, bt_file_t *file, int write, const bt_io_seg_t *segs,
                      size_t n, char *data, MPI_Offset bytes, MPI_Offset *done_p)
{
    const char *what;
    int err = bt_io_move(file, write, segs, n, data, bytes, done_p, &what);

    return err ? bt_io_syserr(err, call, what, file->path) : MPI_SUCCESS;
}

/* MPI_File_{read,write}_ordered: the ranks' pieces follow each other in rank
 * order from the shared pointer, which moves past all of them. */
static int bt_io_ordered_start(const char *call, bt_file_t *file, MPI_Offset n,
                               MPI_Offset *start_p)
{
    int size = file->comm->size, me = file->comm->rank, rc;
    MPI_Offset *all = bt_malloc((size_t)size * sizeof(*all)), before = 0, total = 0, base = 0;

    if ((rc = bt_io_allgather(file->comm, &n, all, sizeof(n))) != MPI_SUCCESS)
        goto out;
    for (int i = 0; i < size; i++) {
        before += i < me ? all[i] : 0;
        total += all[i];
    }
    if (me == 0)
        rc = bt_file_shared_fetch_add(call, file, total, &base);
    /* Rank 0's verdict travels with the base: -1 when it failed. */
    if (me == 0 && rc != MPI_SUCCESS)
        base = -1;
    if ((rc = bt_io_bcast(file->comm, &base, sizeof(base), 0)) != MPI_SUCCESS)
        goto out;
    if (base < 0)
        rc = bt_io_err(MPI_ERR_IO, call, "rank 0 could not move the shared file pointer of '%s'",
                       file->path);
    *start_p = base + before;
out:
    free(all);
    return rc;
}

int bt_io_start(const char *call, bt_io_op_t *op, bt_file_t *file, int write, int where,
                MPI_Offset offset, void *buf, MPI_Count count, bt_datatype_t *dt)
{
    MPI_Offset esize = file->esize, elem = bt_datarep_size(file->rep, dt);
    MPI_Offset bytes = count * elem, start;
    int rc;

    *op = (bt_io_op_t){ .file = file, .write = write, .where = where, .buf = buf,
                        .count = count, .dt = dt, .elem = elem, .bytes = bytes,
                        .direct = file->rep == BT_REP_NATIVE && dt->contig };
    if (write && (file->amode & MPI_MODE_RDONLY))
        return bt_io_err(MPI_ERR_READ_ONLY, call, "'%s' was opened MPI_MODE_RDONLY", file->path);
    if (!write && (file->amode & MPI_MODE_WRONLY))
        return bt_io_err(MPI_ERR_ACCESS, call, "'%s' was opened MPI_MODE_WRONLY", file->path);
    if (bytes % esize != 0)
        return bt_io_err(MPI_ERR_TYPE, call, "%lld bytes of data are not a whole number of the "
                         "view's etypes (%lld bytes)", (long long)bytes, (long long)esize);
    if ((rc = bt_datarep_check(call, file->rep, file->user_rep, dt)) != MPI_SUCCESS)
        return rc;

    switch (where) {
    case BT_IO_EXPLICIT:
        start = offset;
        break;
    case BT_IO_INDIVIDUAL:
        start = file->pos;
        break;
    case BT_IO_SHARED:
        if ((rc = bt_file_shared_fetch_add(call, file, bytes / esize, &start)) != MPI_SUCCESS)
            return rc;
        break;
    default:
        if ((rc = bt_io_ordered_start(call, file, bytes / esize, &start)) != MPI_SUCCESS)
            return rc;
        break;
    }
    op->start = start;

    if (op->direct) {
        op->data = (char *)buf + dt->true_lb;
    } else {
        op->data = op->tmp = bt_malloc(bytes ? (size_t)bytes : 1);
        if (write && (rc = bt_datarep_to_file(call, file->rep, file->user_rep, buf, count, dt,
                                              op->tmp)) != MPI_SUCCESS) {
            bt_io_op_free(op);
            return rc;
        }
    }
    op->nsegs = bt_file_view_segments(file, start * esize, bytes, &op->segs);
    return MPI_SUCCESS;
}

int bt_io_end(const char *call, bt_io_op_t *op, int rc, MPI_Status *status)
{
    bt_file_t *file = op->file;
    MPI_Offset done = op->done, mem_done = -1;   /* the user's bytes, where they differ */

    if (!op->write && !op->direct && done > 0) {
        if (file->rep == BT_REP_NATIVE) {
            bt_datatype_unpack(op->dt, op->count, op->tmp, done, op->buf);
        } else {
            MPI_Count whole = op->elem ? done / op->elem : 0;
            int crc = bt_datarep_from_file(call, file->rep, file->user_rep, op->buf, whole,
                                           op->dt, op->tmp);
            if (rc == MPI_SUCCESS)
                rc = crc;
            mem_done = whole * op->dt->size;
        }
    } else if (file->rep != BT_REP_NATIVE) {
        mem_done = op->elem ? done / op->elem * op->dt->size : 0;
    }
    /* The status counts the user's bytes (MPI_Get_count takes the memory type). */
    bt_status_set(status, MPI_ANY_SOURCE, MPI_ANY_TAG, mem_done < 0 ? done : mem_done, 0);
    bt_io_op_free(op);
    return rc;
}

void bt_io_op_free(bt_io_op_t *op)
{
    free(op->segs);
    free(op->tmp);
    op->segs = NULL;
    op->tmp = NULL;
}

int bt_file_access(const char *call, bt_file_t *file, int write, int where, MPI_Offset offset,
                   void *buf, MPI_Count count, bt_datatype_t *dt, int coll, MPI_Status *status)
{
    bt_io_op_t op;
    int rc;

    /* A write may not meet the I/O thread's writes (see async.c). */
    if (write)
        bt_io_async_drain(file);
    if ((rc = bt_io_start(call, &op, file, write, where, offset, buf, count, dt)) != MPI_SUCCESS)
        return rc;
    if (coll && bt_io_twophase_wanted(file, write))
        rc = bt_io_twophase(call, file, write, op.segs, op.nsegs, op.data, op.bytes, &op.done);
    else
        rc = bt_io_independent(call, file, write, op.segs, op.nsegs, op.data, op.bytes,
                               &op.done);
    if (where == BT_IO_INDIVIDUAL)
        file->pos = op.start + op.done / file->esize;
    return bt_io_end(call, &op, rc, status);
}
