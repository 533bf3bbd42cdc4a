/* MPI-IO errors: bad amodes (MPI_ERR_AMODE, also when ranks disagree), a missing
 * file (MPI_ERR_NO_SUCH_FILE), MPI_MODE_EXCL on an existing one
 * (MPI_ERR_FILE_EXISTS), a directory (MPI_ERR_BAD_FILE), a failure on one rank
 * only (every rank gets it, naming the rank, and nobody hangs), writing a
 * read-only file (MPI_ERR_READ_ONLY), reading a write-only one (MPI_ERR_ACCESS),
 * explicit offsets on a sequential file (MPI_ERR_UNSUPPORTED_OPERATION), an
 * unknown data representation (MPI_ERR_UNSUPPORTED_DATAREP), a datarep registered
 * twice (MPI_ERR_DUP_DATAREP), a user datarep's conversion functions, invalid
 * handles (MPI_ERR_FILE), a full file system (MPI_ERR_NO_SPACE, on a small tmpfs
 * the test mounts when it may), a read-only file system (a read-only bind mount:
 * MPI_ERR_READ_ONLY for writing, and reading works without a shared file pointer),
 * DELETE_ON_CLOSE, and files' error handlers:
 * MPI_ERRORS_RETURN by default, user handlers, MPI_FILE_NULL's handler as the
 * default of new files. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int rank, size;

#include "check.h"
#include "io_common.h"

static int handler_calls, handler_last;
static MPI_File handler_file;

static void file_handler(MPI_File *fh, int *code, ...)
{
    handler_calls++;
    handler_last = *code;
    handler_file = *fh;
}

static void open_errors(void)
{
    MPI_File fh = MPI_FILE_NULL;
    const char *missing = io_path("missing"), *exists = io_path("exists");

    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, exists, MPI_MODE_RDONLY | MPI_MODE_CREATE,
                            MPI_INFO_NULL, &fh), MPI_ERR_AMODE, "MPI_File_open", "RDONLY");
    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, exists, MPI_MODE_RDWR | MPI_MODE_WRONLY,
                            MPI_INFO_NULL, &fh), MPI_ERR_AMODE, "MPI_File_open", NULL);
    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, exists, MPI_MODE_CREATE, MPI_INFO_NULL, &fh),
              MPI_ERR_AMODE, "MPI_File_open", NULL);
    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, exists, MPI_MODE_RDONLY | MPI_MODE_EXCL,
                            MPI_INFO_NULL, &fh), MPI_ERR_AMODE, "MPI_File_open", NULL);
    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, exists, MPI_MODE_RDWR | MPI_MODE_SEQUENTIAL,
                            MPI_INFO_NULL, &fh), MPI_ERR_AMODE, "MPI_File_open", "SEQUENTIAL");
    CHECK(fh == MPI_FILE_NULL, "a failed open set fh");
    if (size > 1)   /* ranks disagree */
        CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, exists, rank ? MPI_MODE_RDWR | MPI_MODE_CREATE
                                : MPI_MODE_WRONLY | MPI_MODE_CREATE, MPI_INFO_NULL, &fh),
                  MPI_ERR_AMODE, "MPI_File_open", "differs");

    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, missing, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh),
              MPI_ERR_NO_SUCH_FILE, "MPI_File_open", "missing");
    CHECK(MPI_File_open(MPI_COMM_WORLD, exists, MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_WRONLY,
                        MPI_INFO_NULL, &fh) == MPI_SUCCESS, "first EXCL open failed");
    MPI_File_close(&fh);
    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, exists, MPI_MODE_CREATE | MPI_MODE_EXCL |
                            MPI_MODE_WRONLY, MPI_INFO_NULL, &fh),
              MPI_ERR_FILE_EXISTS, "MPI_File_open", NULL);
    CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, io_dir, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh),
              MPI_ERR_BAD_FILE, "MPI_File_open", NULL);
    /* One rank names a file that is not there: everyone fails, told which rank. */
    if (size > 1)
        CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, rank == size - 1 ? missing : exists,
                                MPI_MODE_RDONLY, MPI_INFO_NULL, &fh),
                  MPI_ERR_NO_SUCH_FILE, "MPI_File_open", "on rank");
    CHECK(fh == MPI_FILE_NULL, "a failed open set fh");
    CHECK_ERR(MPI_File_delete(missing, MPI_INFO_NULL), MPI_ERR_NO_SUCH_FILE, "MPI_File_delete",
              NULL);
    CHECK_ERR(MPI_File_close(&fh), MPI_ERR_FILE, "MPI_File_close", "MPI_FILE_NULL");
    MPI_Barrier(MPI_COMM_WORLD);
}

static void access_errors(void)
{
    MPI_File fh;
    int x[4] = { 1, 2, 3, 4 };
    MPI_Status st;
    MPI_Offset pos;
    const char *path = io_path("exists");

    MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    CHECK_ERR(MPI_File_write_at(fh, 0, x, 4, MPI_INT, &st), MPI_ERR_READ_ONLY,
              "MPI_File_write_at", "RDONLY");
    CHECK_ERR(MPI_File_write_all(fh, x, 4, MPI_INT, &st), MPI_ERR_READ_ONLY,
              "MPI_File_write_all", NULL);
    CHECK_ERR(MPI_File_set_size(fh, 0), MPI_ERR_READ_ONLY, "MPI_File_set_size", NULL);
    CHECK_ERR(MPI_File_read_at(fh, -1, x, 4, MPI_INT, &st), MPI_ERR_ARG, "MPI_File_read_at",
              "offset");
    CHECK_ERR(MPI_File_read_at(fh, 0, x, -1, MPI_INT, &st), MPI_ERR_COUNT, "MPI_File_read_at",
              NULL);
    CHECK_ERR(MPI_File_read_at(fh, 0, x, 1, MPI_DATATYPE_NULL, &st), MPI_ERR_TYPE,
              "MPI_File_read_at", NULL);
    CHECK_ERR(MPI_File_seek(fh, 0, 12345), MPI_ERR_ARG, "MPI_File_seek", "whence");
    CHECK_ERR(MPI_File_seek(fh, -5, MPI_SEEK_SET), MPI_ERR_ARG, "MPI_File_seek", "negative");
    CHECK_ERR(MPI_File_set_view(fh, 0, MPI_INT, MPI_INT, "no-such-rep", MPI_INFO_NULL),
              MPI_ERR_UNSUPPORTED_DATAREP, "MPI_File_set_view", "no-such-rep");
    CHECK_ERR(MPI_File_set_view(fh, 0, MPI_INT, MPI_SHORT, "native", MPI_INFO_NULL),
              MPI_ERR_ARG, "MPI_File_set_view", "etype");
    MPI_File_close(&fh);

    MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    CHECK_ERR(MPI_File_read_at(fh, 0, x, 4, MPI_INT, &st), MPI_ERR_ACCESS, "MPI_File_read_at",
              "WRONLY");
    MPI_File_close(&fh);

    MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_WRONLY | MPI_MODE_SEQUENTIAL, MPI_INFO_NULL,
                  &fh);
    CHECK_ERR(MPI_File_write_at(fh, 0, x, 4, MPI_INT, &st), MPI_ERR_UNSUPPORTED_OPERATION,
              "MPI_File_write_at", "SEQUENTIAL");
    CHECK_ERR(MPI_File_seek(fh, 0, MPI_SEEK_SET), MPI_ERR_UNSUPPORTED_OPERATION,
              "MPI_File_seek", NULL);
    MPI_File_seek_shared(fh, 0, MPI_SEEK_SET);
    CHECK(MPI_File_write_ordered(fh, x, 1, MPI_INT, &st) == MPI_SUCCESS,
          "write_ordered on a sequential file failed");
    MPI_File_get_position_shared(fh, &pos);
    CHECK(pos == size * 4, "sequential shared position %lld", (long long)pos);
    MPI_File_close(&fh);

    CHECK_ERR(MPI_File_get_position((MPI_File)(void *)x, &pos), MPI_ERR_FILE,
              "MPI_File_get_position", NULL);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* A user datarep that stores ints negated: conversion functions in both ways. */
static int neg_read(void *userbuf, MPI_Datatype t, int count, void *filebuf, MPI_Offset pos,
                    void *extra)
{
    for (int i = 0; i < count; i++)
        ((int *)userbuf)[i] = -((int *)filebuf)[pos + i];
    ++*(int *)extra;
    return MPI_SUCCESS;
}

static int neg_write(void *userbuf, MPI_Datatype t, int count, void *filebuf, MPI_Offset pos,
                     void *extra)
{
    for (int i = 0; i < count; i++)
        ((int *)filebuf)[i] = -((int *)userbuf)[pos + i];
    ++*(int *)extra;
    return MPI_SUCCESS;
}

static int int_extent(MPI_Datatype t, MPI_Aint *ext, void *extra)
{
    MPI_Aint lb;
    return MPI_Type_get_extent(t, &lb, ext);
}

static void datareps(void)
{
    static int calls;
    MPI_File fh;
    int x[3] = { 5, -6, 7 }, y[3] = { 0, 0, 0 }, raw[3];
    MPI_Status st;
    char name[64];

    CHECK(MPI_Register_datarep("baton-neg", neg_read, neg_write, int_extent, &calls) ==
          MPI_SUCCESS, "MPI_Register_datarep failed");
    CHECK_ERR(MPI_Register_datarep("baton-neg", neg_read, neg_write, int_extent, &calls),
              MPI_ERR_DUP_DATAREP, "MPI_Register_datarep", "baton-neg");
    CHECK_ERR(MPI_Register_datarep_c("external32", NULL, NULL, int_extent, NULL),
              MPI_ERR_DUP_DATAREP, "MPI_Register_datarep_c", NULL);
    snprintf(name, sizeof(name), "neg-%d", rank);
    MPI_File_open(MPI_COMM_SELF, io_path(name), MPI_MODE_CREATE | MPI_MODE_RDWR |
                  MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL, &fh);
    CHECK(MPI_File_set_view(fh, 0, MPI_INT, MPI_INT, "baton-neg", MPI_INFO_NULL) == MPI_SUCCESS,
          "set_view with a registered datarep failed");
    MPI_File_write_at(fh, 0, x, 3, MPI_INT, &st);
    MPI_File_read_at(fh, 0, y, 3, MPI_INT, &st);
    CHECK(y[0] == 5 && y[1] == -6 && y[2] == 7 && calls == 2, "user datarep round trip: %d %d "
          "%d after %d conversions", y[0], y[1], y[2], calls);
    MPI_File_set_view(fh, 0, MPI_INT, MPI_INT, "native", MPI_INFO_NULL);
    MPI_File_read_at(fh, 0, raw, 3, MPI_INT, &st);
    CHECK(raw[0] == -5 && raw[1] == 6 && raw[2] == -7, "user datarep in the file: %d %d %d",
          raw[0], raw[1], raw[2]);
    MPI_File_close(&fh);
}

static void errhandlers(void)
{
    MPI_Errhandler eh, got;
    MPI_File fh;
    int x = 1;
    MPI_Status st;

    /* The default of a file, and of MPI_FILE_NULL, is MPI_ERRORS_RETURN. */
    MPI_File_get_errhandler(MPI_FILE_NULL, &got);
    CHECK(got == MPI_ERRORS_RETURN, "MPI_FILE_NULL's handler is not MPI_ERRORS_RETURN");
    MPI_File_open(MPI_COMM_WORLD, io_path("eh"), MPI_MODE_CREATE |
                  MPI_MODE_RDWR | MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL, &fh);
    MPI_File_get_errhandler(fh, &got);
    CHECK(got == MPI_ERRORS_RETURN, "a new file's handler is not MPI_ERRORS_RETURN");

    MPI_File_create_errhandler(file_handler, &eh);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    CHECK_ERR(MPI_Comm_set_errhandler(MPI_COMM_SELF, eh), MPI_ERR_ERRHANDLER,
              "MPI_Comm_set_errhandler", NULL);
    MPI_File_set_errhandler(fh, eh);
    handler_calls = 0;
    CHECK_ERR(MPI_File_read_at(fh, -3, &x, 1, MPI_INT, &st), MPI_ERR_ARG, "MPI_File_read_at",
              NULL);
    CHECK(handler_calls == 1 && handler_file == fh, "the file's handler ran %d times",
          handler_calls);
    MPI_File_call_errhandler(fh, MPI_ERR_IO);
    CHECK(handler_calls == 2 && handler_last == MPI_ERR_IO, "call_errhandler: %d calls, code %d",
          handler_calls, handler_last);
    MPI_File_close(&fh);

    /* MPI_FILE_NULL's handler: for opens, and the default of new files. */
    MPI_File_set_errhandler(MPI_FILE_NULL, eh);
    handler_calls = 0;
    MPI_File_open(MPI_COMM_WORLD, io_path("missing"), MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    CHECK(handler_calls == 1 && handler_file == MPI_FILE_NULL,
          "a failed open ran MPI_FILE_NULL's handler %d times", handler_calls);
    MPI_File_open(MPI_COMM_WORLD, io_path("eh"), MPI_MODE_CREATE | MPI_MODE_RDWR |
                  MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL, &fh);
    MPI_File_get_errhandler(fh, &got);
    CHECK(got == eh, "a new file did not take MPI_FILE_NULL's handler");
    MPI_Errhandler_free(&got);
    MPI_File_close(&fh);
    MPI_File_set_errhandler(MPI_FILE_NULL, MPI_ERRORS_RETURN);
    MPI_Errhandler_free(&eh);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

/* A full file system: a 64 KiB tmpfs, mounted by rank 0 for itself. */
static void no_space(void)
{
    char mnt[600], path[700];
    MPI_File fh;
    MPI_Status st;
    char *buf;
    int rc;

    if (rank != 0)
        return;
    snprintf(mnt, sizeof(mnt), "%s/full", io_dir);
    mkdir(mnt, 0700);
    if (mount("baton-io-test", mnt, "tmpfs", 0, "size=64k") != 0) {
        printf("note: io_errors: MPI_ERR_NO_SPACE not tested: cannot mount a tmpfs (%s)\n",
               strerror(errno));
        rmdir(mnt);
        return;
    }
    snprintf(path, sizeof(path), "%s/f", mnt);
    buf = calloc(1, 1 << 20);
    rc = MPI_File_open(MPI_COMM_SELF, path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    if (rc == MPI_SUCCESS) {
        rc = MPI_File_write_at(fh, 0, buf, 1 << 20, MPI_BYTE, &st);
        MPI_File_close(&fh);
    }
    umount2(mnt, MNT_DETACH);
    rmdir(mnt);
    free(buf);
    CHECK_ERROR(rc, MPI_ERR_NO_SPACE, "MPI_File_write_at", "writing 1 MiB to a 64 KiB tmpfs");
}

/* A read-only file system (a read-only bind mount that rank 0 makes): opening
 * for writing is MPI_ERR_READ_ONLY; opened read-only the file reads, and with
 * nowhere to keep a shared file pointer ($TMPDIR pointed there too) only the
 * shared pointer's calls fail. */
static void read_only_fs(void)
{
    char src[600], mnt[600], path[700];
    int ok = 0, x[4] = { 0 };
    MPI_File fh;
    MPI_Status st;
    FILE *f;

    snprintf(src, sizeof(src), "%s/rosrc", io_dir);
    snprintf(mnt, sizeof(mnt), "%s/romnt", io_dir);
    snprintf(path, sizeof(path), "%s/f", mnt);
    if (rank == 0) {
        mkdir(src, 0700);
        mkdir(mnt, 0700);
        snprintf(path, sizeof(path), "%s/f", src);
        if ((f = fopen(path, "w"))) {
            fwrite("abcdefghijklmnop", 1, 16, f);
            fclose(f);
        }
        snprintf(path, sizeof(path), "%s/f", mnt);
        ok = mount(src, mnt, NULL, MS_BIND, NULL) == 0;
        if (ok && mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
            umount2(mnt, MNT_DETACH);
            ok = 0;
        }
        if (!ok)
            printf("note: io_errors: read-only file system not tested: cannot mount (%s)\n",
                   strerror(errno));
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (ok) {
        char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
        CHECK_ERR(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDWR, MPI_INFO_NULL, &fh),
                  MPI_ERR_READ_ONLY, "MPI_File_open", NULL);
        setenv("TMPDIR", mnt, 1);
        CHECK(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) ==
              MPI_SUCCESS, "opening a file of a read-only file system for reading failed");
        if (old)
            setenv("TMPDIR", old, 1);
        else
            unsetenv("TMPDIR");
        free(old);
        CHECK(MPI_File_read_at(fh, 4, x, 2, MPI_INT, &st) == MPI_SUCCESS && !memcmp(x, "efghijkl", 8),
              "reading a file of a read-only file system");
        CHECK_ERR(MPI_File_read_shared(fh, x, 1, MPI_INT, &st), MPI_ERR_UNSUPPORTED_OPERATION,
                  "MPI_File_read_shared", "shared file pointer");
        MPI_File_close(&fh);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        if (ok)
            umount2(mnt, MNT_DETACH);
        rmdir(mnt);
        snprintf(path, sizeof(path), "%s/f", src);
        unlink(path);
        rmdir(src);
    }
}

int main(int argc, char **argv)
{
    struct stat sb;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    io_setup();
    open_errors();
    access_errors();
    datareps();
    errhandlers();
    no_space();
    read_only_fs();
    /* DELETE_ON_CLOSE took its files away. */
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(stat(io_path("eh"), &sb) != 0, "DELETE_ON_CLOSE left the file");
    io_done();
    MPI_Finalize();
    if (rank == 0)
        printf("io_errors: OK\n");
    return 0;
}
