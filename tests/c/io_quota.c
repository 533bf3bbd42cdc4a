/* MPI_ERR_QUOTA: a write that the kernel refuses with EDQUOT, as a user's disk
 * quota would. This machine's kernel has no quota support (neither tmpfs's nor
 * ext4's), so each rank makes the kernel refuse the writes to its descriptor of
 * the file instead: a seccomp filter (on every thread, also Baton's I/O thread)
 * answers write, pwrite64, pwritev, pwritev2 and fallocate on that descriptor with
 * EDQUOT, and lets everything else through.
 *
 * Checked: independent and collective writes (explicit offsets, individual
 * pointer, nonblocking), MPI_File_set_size and MPI_File_preallocate, each with
 * MPI_ERR_QUOTA and the call's name, on every rank, through the file's
 * MPI_ERRORS_RETURN; no rank hangs; the file still holds exactly what was written
 * before the refusals and claims nothing more; reading still works. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int rank, size;

#include "check.h"
#include "io_common.h"

#define BLOCK 4096

/* This process's descriptor of path (Baton's, opened by MPI_File_open), or -1. */
static int fd_of(const char *path)
{
    char want[PATH_MAX], link[64], got[PATH_MAX];
    int found = -1;

    if (!realpath(path, want))
        return -1;
    for (int fd = 0; fd < 1024; fd++) {
        ssize_t n;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, got, sizeof(got) - 1);
        if (n <= 0)
            continue;
        got[n] = '\0';
        if (strcmp(got, want) == 0) {
            CHECK(found < 0, "two descriptors of %s (%d and %d)", path, found, fd);
            found = fd;
        }
    }
    return found;
}

/* From now on the kernel answers every write to fd with EDQUOT, in every thread. */
static int refuse_writes(int fd)
{
#define DENY_ON_FD(sysno)                                                                 \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (sysno), 0, 3),                                     \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),          \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)fd, 0, 1),                            \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EDQUOT & SECCOMP_RET_DATA)),          \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        DENY_ON_FD(SYS_write),
        DENY_ON_FD(SYS_pwrite64),
        DENY_ON_FD(SYS_pwritev),
        DENY_ON_FD(SYS_pwritev2),
        DENY_ON_FD(SYS_fallocate),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
#undef DENY_ON_FD
    struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
}

int main(int argc, char **argv)
{
    char *buf = malloc(1 << 20), *back = malloc(BLOCK);
    MPI_File fh;
    MPI_Status st;
    MPI_Request req;
    MPI_Offset fsize = -1;
    struct stat sb;
    const char *path;
    int fd, rc, count = -1, ok;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    io_setup();
    path = io_path("quota");
    memset(buf, 'a' + rank % 26, 1 << 20);

    CHECK(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL,
                        &fh) == MPI_SUCCESS, "MPI_File_open failed");
    /* Before the quota: a block per rank. */
    CHECK(MPI_File_write_at_all(fh, (MPI_Offset)rank * BLOCK, buf, BLOCK, MPI_BYTE, &st) ==
          MPI_SUCCESS, "the first write failed");
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);

    fd = fd_of(path);
    CHECK(fd >= 0, "no descriptor of %s in /proc/self/fd", path);
    ok = refuse_writes(fd) == 0;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!ok) {
        if (rank == 0)
            printf("note: io_quota: not tested: no seccomp filter (%s)\n", strerror(errno));
        MPI_File_close(&fh);
        io_done();
        MPI_Finalize();
        return 0;
    }

    /* Independent: explicit offset, individual pointer, nonblocking. */
    rc = MPI_File_write_at(fh, (MPI_Offset)(size + rank) * BLOCK, buf, 1 << 20, MPI_BYTE, &st);
    CHECK_ERROR(rc, MPI_ERR_QUOTA, "MPI_File_write_at", "an independent write over quota");
    MPI_File_seek(fh, (MPI_Offset)(size + rank) * BLOCK, MPI_SEEK_SET);
    rc = MPI_File_write(fh, buf, BLOCK, MPI_BYTE, &st);
    CHECK_ERROR(rc, MPI_ERR_QUOTA, "MPI_File_write", "a write at the individual pointer");
    rc = MPI_File_iwrite_at(fh, (MPI_Offset)(size + rank) * BLOCK, buf, BLOCK, MPI_BYTE, &req);
    if (rc == MPI_SUCCESS)
        rc = MPI_Wait(&req, &st);
    CHECK_ERROR(rc, MPI_ERR_QUOTA, "MPI_File_iwrite_at", "a nonblocking write");

    /* Collective: every rank hears of it, whichever rank's write was refused. */
    rc = MPI_File_write_at_all(fh, (MPI_Offset)(size + rank) * BLOCK, buf, BLOCK, MPI_BYTE,
                               &st);
    CHECK_ERROR(rc, MPI_ERR_QUOTA, "MPI_File_write_at_all", "a collective write");
    rc = MPI_File_write_all(fh, buf, BLOCK, MPI_BYTE, &st);
    CHECK_ERROR(rc, MPI_ERR_QUOTA, "MPI_File_write_all", "a collective write, individual pointer");
    rc = MPI_File_preallocate(fh, (MPI_Offset)(4 * size) * BLOCK);
    CHECK_ERROR(rc, MPI_ERR_QUOTA, "MPI_File_preallocate", "preallocating over quota");

    /* What the file holds: the blocks written before, nothing more. */
    CHECK(MPI_File_get_size(fh, &fsize) == MPI_SUCCESS, "MPI_File_get_size failed");
    CHECK(fsize == (MPI_Offset)size * BLOCK, "the file claims %lld bytes, holds %lld",
          (long long)fsize, (long long)size * BLOCK);
    CHECK(MPI_File_read_at(fh, (MPI_Offset)rank * BLOCK, back, BLOCK, MPI_BYTE, &st) ==
          MPI_SUCCESS, "reading failed");
    MPI_Get_count(&st, MPI_BYTE, &count);
    CHECK(count == BLOCK && memcmp(back, buf, BLOCK) == 0, "block %d reads back wrong (%d bytes)",
          rank, count);
    MPI_File_close(&fh);
    if (rank == 0)
        CHECK(stat(path, &sb) == 0 && sb.st_size == (off_t)size * BLOCK,
              "after close the file is %lld bytes, not %lld", (long long)sb.st_size,
              (long long)size * BLOCK);
    io_done();
    free(buf);
    free(back);
    MPI_Finalize();
    return 0;
}
