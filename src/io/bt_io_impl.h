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
