/* What the files of io/ share among themselves. */
#ifndef BT_IO_IMPL_H
#define BT_IO_IMPL_H

#include "io/bt_io.h"
#include "pt2pt/bt_pt2pt.h"

/* fcntl record lock (F_RDLCK, F_WRLCK, F_UNLCK) of [off, off + len), waiting;
 * 0 or errno. */
int bt_io_lock(int fd, int type, MPI_Offset off, MPI_Offset len);
/* All of len bytes, or errno. */
int bt_io_pwrite(int fd, const char *buf, MPI_Offset len, MPI_Offset off);
/* Up to len bytes (fewer at the end of the file: *got_p says how many), or errno. */
int bt_io_pread(int fd, char *buf, MPI_Offset len, MPI_Offset off, MPI_Offset *got_p);

/* One access in three steps, so that a nonblocking one can move its bytes on the
 * I/O thread (async.c): bt_io_start on the caller's thread (checks, where it
 * starts, the data in the file's representation, the pieces of the file),
 * bt_io_move on any thread (system calls only: no MPI state), bt_io_end on the
 * caller's thread (the data into the user's buffer, the status). */
typedef struct bt_io_op {
    bt_file_t     *file;
    int            write, where, direct;
    void          *buf;
    MPI_Count      count;
    bt_datatype_t *dt;
    MPI_Offset     elem, bytes;    /* bytes of one element, and of all, in the file */
    MPI_Offset     start;          /* in etypes of the view */
    MPI_Offset     done;           /* stream bytes moved */
    char          *data, *tmp;     /* the stream: the user's buffer or tmp */
    bt_io_seg_t   *segs;
    size_t         nsegs;
} bt_io_op_t;

int  bt_io_start(const char *call, bt_io_op_t *op, bt_file_t *file, int write, int where,
                 MPI_Offset offset, void *buf, MPI_Count count, bt_datatype_t *dt);
/* rc: the move's outcome; returns it, or the conversion's error. Frees op's memory. */
int  bt_io_end(const char *call, bt_io_op_t *op, int rc, MPI_Status *status);
void bt_io_op_free(bt_io_op_t *op);
/* bt_io_independent's work: 0 or errno, and *what_p the words for the failure. */
int  bt_io_move(bt_file_t *file, int write, const bt_io_seg_t *segs, size_t n, char *data,
                MPI_Offset bytes, MPI_Offset *done_p, const char **what_p);

/* Waits until the I/O thread has no access of file left to do. */
void bt_io_async_drain(bt_file_t *file);
/* MPI_File_close: drained, and the outcome of every access of file that was
 * not waited for yet is settled while the file is there. */
void bt_file_async_close(bt_file_t *file);

/* The pieces segs[0..n) of the file, holding the bytes of data in order, accessed
 * by this rank alone (data sieving where it pays). *done_p: stream bytes moved
 * (a read stops at the end of the file). */
int bt_io_independent(const char *call, bt_file_t *file, int write, const bt_io_seg_t *segs,
                      size_t n, char *data, MPI_Offset bytes, MPI_Offset *done_p);

/* Whether a collective access goes through aggregators (the same answer on every
 * rank: it depends on collective state only). */
int bt_io_twophase_wanted(const bt_file_t *file, int write);
/* Two-phase collective access: the same contract as bt_io_independent, called by
 * every rank of the file. */
int bt_io_twophase(const char *call, bt_file_t *file, int write, const bt_io_seg_t *segs,
                   size_t n, char *data, MPI_Offset bytes, MPI_Offset *done_p);

#endif
