/* MPI-IO on POSIX files: the file object, views, independent access (with data
 * sieving), two-phase collective access through aggregators, the shared file
 * pointer and data representations.
 *
 * What the entry points call. Arguments arrive validated; each function returns
 * MPI_SUCCESS or an error code that already carries a message (bt_err_new), for
 * the entry point to raise on the file's error handler. */
#ifndef BT_IO_H
#define BT_IO_H

#include "api/bt_mpi.h"
#include "comm/bt_comm.h"
#include "comm/bt_info.h"
#include "datatype/bt_datatype.h"
#include "pt2pt/bt_pt2pt.h"

#define BT_FILE_MAGIC 0x42744669u

enum { BT_REP_NATIVE, BT_REP_EXTERNAL32, BT_REP_USER };

struct bt_datarep;   /* a registered user data representation (datarep.c) */

/* The hints Baton acts on, parsed from the file's info. */
typedef struct bt_io_hints {
    MPI_Count cb_buffer_size;   /* bytes an aggregator handles per round */
    int       cb_nodes;         /* aggregators; 0: one per node */
    int       cb_read, cb_write;        /* collective buffering: 1 on, 0 off, -1 automatic */
    int       ds_read, ds_write;        /* data sieving for independent access */
    MPI_Count ind_rd_buffer_size, ind_wr_buffer_size;  /* sieve buffer bytes */
    MPI_Count striping_unit;    /* file domains are aligned to it (0: none) */
} bt_io_hints_t;

typedef struct bt_file {
    uint32_t         magic;
    MPI_File         handle;
    bt_comm_t       *comm;      /* a private duplicate: our collectives never meet the user's */
    int              fd;
    int              amode;
    int              atomic;
    int              readable;  /* the descriptor reads too (write-only files, where allowed) */
    int             *node;      /* node of each rank of comm (aggregators: one per node) */
    char            *path;
    bt_info_t       *info;      /* hints as given (and the defaults Baton uses) */
    bt_io_hints_t    hints;
    bt_errhandler_t *errh;
    /* The view. Offsets into it are in etypes; `pos` is the individual file pointer. */
    MPI_Offset       disp;
    bt_datatype_t   *etype, *filetype;
    MPI_Offset       esize;     /* bytes of one etype in the file's representation */
    char             datarep[MPI_MAX_DATAREP_STRING];
    int              rep;
    struct bt_datarep *user_rep;
    MPI_Offset       pos;
    /* The shared file pointer: 8 bytes (in etypes of the view) in a small file
     * that every rank opened and rank 0 unlinked at once, updated under an fcntl
     * lock, so that it is atomic across processes and hosts without anyone's help. */
    int              shfd;
    /* A split collective in progress (*_begin called, *_end not yet). */
    int              split;     /* 0: none; else the kind that begun (BT_SPLIT_*) */
    const void      *split_buf;
    int              split_rc;
    MPI_Status       split_status;
    /* Nonblocking accesses the I/O thread has yet to do (async.c, under its lock). */
    int              async_queued;
} bt_file_t;

/* NULL when h is not a live file (MPI_FILE_NULL included). */
bt_file_t *bt_file_get(MPI_File h);

/* The error handler new files get: MPI_FILE_NULL's (MPI_ERRORS_RETURN at start). */
bt_errhandler_t *bt_file_default_errh(void);
void bt_file_set_default_errh(bt_errhandler_t *errh);
/* Runs file's error handler (NULL: MPI_FILE_NULL's) for code; returns code. */
int bt_file_raise(bt_file_t *file, int code);

/* Collective over comm. A failure on any rank is everyone's error. */
int bt_file_open(const char *call, bt_comm_t *comm, const char *path, int amode, bt_info_t *info,
                 bt_errhandler_t *errh, bt_file_t **file_p);
int bt_file_close(const char *call, bt_file_t *file);
int bt_file_delete(const char *call, const char *path);
int bt_file_set_size(const char *call, bt_file_t *file, MPI_Offset size);     /* collective */
int bt_file_preallocate(const char *call, bt_file_t *file, MPI_Offset size);  /* collective */
int bt_file_get_size(const char *call, bt_file_t *file, MPI_Offset *size_p);
int bt_file_sync(const char *call, bt_file_t *file);                          /* collective */
int bt_file_set_atomicity(const char *call, bt_file_t *file, int flag);       /* collective */
/* Merges info's hints into the file's (collective, as MPI_File_set_info). */
void bt_file_set_info(bt_file_t *file, bt_info_t *info);

/* Views (view.c). */
int bt_file_set_view(const char *call, bt_file_t *file, MPI_Offset disp, bt_datatype_t *etype,
                     bt_datatype_t *filetype, const char *datarep, bt_info_t *info);
/* Bytes in the file of one element of dt under the file's data representation. */
int bt_file_type_extent(const char *call, bt_file_t *file, bt_datatype_t *dt, MPI_Aint *extent_p);
/* The absolute byte offset of view offset `offset` (in etypes). */
MPI_Offset bt_file_byte_offset(const bt_file_t *file, MPI_Offset offset);
/* The view offset of the end of a file of `size` bytes: the first position at or
 * past it. */
MPI_Offset bt_file_view_end(const bt_file_t *file, MPI_Offset size);
/* Bytes of one element of dt in representation rep (external32's sizes differ). */
MPI_Count bt_datarep_size(int rep, const bt_datatype_t *dt);

/* A list of (file offset, length) pieces in view order. */
typedef struct bt_io_seg {
    MPI_Offset off, len;
} bt_io_seg_t;
/* The pieces of the file that hold view bytes [start, start + bytes) of the view's
 * data stream; adjacent pieces merged. *segs_p is malloc'd. */
size_t bt_file_view_segments(const bt_file_t *file, MPI_Offset start, MPI_Offset bytes,
                             bt_io_seg_t **segs_p);

/* Data access (rw.c). offset is in etypes of the view. `explicit` offsets leave
 * the file pointers alone; BT_IO_INDIVIDUAL and BT_IO_SHARED use and advance
 * them. coll: the collective form (every rank of the file calls it). */
enum { BT_IO_EXPLICIT, BT_IO_INDIVIDUAL, BT_IO_SHARED, BT_IO_ORDERED };
int bt_file_access(const char *call, bt_file_t *file, int write, int where, MPI_Offset offset, void *buf,
                   MPI_Count count, bt_datatype_t *dt, int coll, MPI_Status *status);

/* A nonblocking access (async.c): started here, its bytes moved by the I/O
 * thread while the program goes on; *req_p completes (MPI_Wait, MPI_Test) when
 * they are. Errors of the start are returned, those of the move are the
 * request's. The pointer used moves at once by all that was asked for. */
int bt_file_iaccess(const char *call, bt_file_t *file, int write, int where, MPI_Offset offset,
                    void *buf, MPI_Count count, bt_datatype_t *dt, bt_request_t **req_p);
/* MPI_Finalize: the I/O thread ends (no access is pending by then). */
void bt_io_async_stop(void);

/* The shared file pointer (shared.c). */
int bt_file_shared_init(const char *call, bt_file_t *file);           /* collective, in bt_file_open */
int bt_file_shared_get(const char *call, bt_file_t *file, MPI_Offset *pos_p);
int bt_file_shared_set(const char *call, bt_file_t *file, MPI_Offset pos);
/* Adds n etypes; *old_p: the pointer before. Atomic across all the file's ranks. */
int bt_file_shared_fetch_add(const char *call, bt_file_t *file, MPI_Offset n, MPI_Offset *old_p);

/* Data representations (datarep.c). */
int bt_datarep_register(const char *name, void *read_fn, void *write_fn,
                        MPI_Datarep_extent_function *extent_fn, void *extra, int large);
struct bt_datarep *bt_datarep_find(const char *name);
/* Whether user data of type dt can be stored in representation rep/user: any
 * type in external32 (packed at its sizes); in a registered representation only
 * types whose file extents (the extent function's) are native, as Baton hands the
 * conversion functions native-sized buffers. MPI_SUCCESS or
 * MPI_ERR_UNSUPPORTED_DATAREP. */
int bt_datarep_check(const char *call, int rep, struct bt_datarep *user, bt_datatype_t *dt);
/* Converts count elements of dt at buf to the file representation at fbuf
 * (count * dt->size bytes), and back. */
int bt_datarep_to_file(const char *call, int rep, struct bt_datarep *user, const void *buf, MPI_Count count,
                       bt_datatype_t *dt, void *fbuf);
int bt_datarep_from_file(const char *call, int rep, struct bt_datarep *user, void *buf, MPI_Count count,
                         bt_datatype_t *dt, const void *fbuf);

/* errno of a failed system call as an MPI error class. */
int bt_io_errno_class(int err);
/* An error code of errclass carrying "call: <message>". */
#define bt_io_err bt_errcode_newf
/* The same for a failed system call: the class from errno, strerror in the text. */
int bt_io_syserr(int err, const char *call, const char *what, const char *path);

/* The small collectives io/ needs, over the file's (or the opening) communicator. */
int bt_io_bcast(bt_comm_t *comm, void *buf, MPI_Count bytes, int root);
int bt_io_allgather(bt_comm_t *comm, const void *send, void *recv, MPI_Count bytes);
int bt_io_barrier(bt_comm_t *comm);
/* Each of the n ranks sends scounts[i] bytes at sbuf + sdispls[i] to rank i. */
int bt_io_alltoallv(bt_comm_t *comm, const void *sbuf, const MPI_Count *scounts,
                    const MPI_Aint *sdispls, void *rbuf, const MPI_Count *rcounts,
                    const MPI_Aint *rdispls);

#endif
