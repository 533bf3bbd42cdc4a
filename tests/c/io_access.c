/* MPI-IO data access, every family on one shared file: explicit offsets,
 * individual file pointers (seek, get_position, get_byte_offset), their
 * collective and nonblocking forms, split collectives, the _c forms, the shared
 * file pointer (write_shared records land once each, in each rank's order;
 * ordered access in rank order), the status after a partial read at the end
 * of the file (MPI_Get_count, MPI_Get_elements), and nonblocking accesses that
 * move their bytes while the program goes on. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int rank, size;

#include "check.h"
#include "io_common.h"

#define N 37   /* ints per rank: odd, so that nothing is aligned by chance */

static int val(int r, int i) { return r * 100000 + i * 7 + 3; }

static void check_count(MPI_Status *st, MPI_Datatype t, int want, const char *what)
{
    int c = -1;
    MPI_Get_count(st, t, &c);
    CHECK(c == want, "%s: MPI_Get_count says %d, expected %d", what, c, want);
}

static void explicit_offsets(MPI_File fh)
{
    int buf[N], got[N], peer = (rank + 1) % size;
    MPI_Status st;
    MPI_Request req;

    for (int i = 0; i < N; i++)
        buf[i] = val(rank, i);
    CHECK(MPI_File_write_at(fh, (MPI_Offset)rank * N * 4, buf, N, MPI_INT, &st) == MPI_SUCCESS,
          "MPI_File_write_at failed");
    check_count(&st, MPI_INT, N, "write_at");
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_sync(fh);
    memset(got, 0, sizeof(got));
    CHECK(MPI_File_read_at(fh, (MPI_Offset)peer * N * 4, got, N, MPI_INT, &st) == MPI_SUCCESS,
          "MPI_File_read_at failed");
    check_count(&st, MPI_INT, N, "read_at");
    for (int i = 0; i < N; i++)
        CHECK(got[i] == val(peer, i), "read_at of rank %d's block: [%d] = %d, expected %d",
              peer, i, got[i], val(peer, i));

    /* Nonblocking, with the _c form. */
    memset(got, 0, sizeof(got));
    CHECK(MPI_File_iread_at_c(fh, (MPI_Offset)peer * N * 4 + 4, got, (MPI_Count)N - 1, MPI_INT,
                              &req) == MPI_SUCCESS, "MPI_File_iread_at_c failed");
    MPI_Wait(&req, &st);
    check_count(&st, MPI_INT, N - 1, "iread_at_c");
    for (int i = 0; i < N - 1; i++)
        CHECK(got[i] == val(peer, i + 1), "iread_at_c: [%d] = %d, expected %d", i, got[i],
              val(peer, i + 1));
    MPI_Barrier(MPI_COMM_WORLD);

    /* Collective: every rank rewrites its block with _all; then reads the peer's. */
    for (int i = 0; i < N; i++)
        buf[i] = -val(rank, i);
    CHECK(MPI_File_write_at_all(fh, (MPI_Offset)rank * N * 4, buf, N, MPI_INT, &st) ==
          MPI_SUCCESS, "MPI_File_write_at_all failed");
    check_count(&st, MPI_INT, N, "write_at_all");
    memset(got, 0, sizeof(got));
    CHECK(MPI_File_read_at_all(fh, (MPI_Offset)peer * N * 4, got, N, MPI_INT, &st) ==
          MPI_SUCCESS, "MPI_File_read_at_all failed");
    check_count(&st, MPI_INT, N, "read_at_all");
    for (int i = 0; i < N; i++)
        CHECK(got[i] == -val(peer, i), "read_at_all: [%d] = %d, expected %d", i, got[i],
              -val(peer, i));

    /* Nonblocking collectives and split collectives (after everyone's reads: these
     * do not synchronize). */
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < N; i++)
        buf[i] = val(rank, i) + 1;
    CHECK(MPI_File_iwrite_at_all(fh, (MPI_Offset)rank * N * 4, buf, N, MPI_INT, &req) ==
          MPI_SUCCESS, "MPI_File_iwrite_at_all failed");
    MPI_Wait(&req, &st);
    check_count(&st, MPI_INT, N, "iwrite_at_all");
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_sync(fh);
    memset(got, 0, sizeof(got));
    MPI_File_read_at_all_begin(fh, (MPI_Offset)peer * N * 4, got, N, MPI_INT);
    CHECK(MPI_File_read_at_all_end(fh, got, &st) == MPI_SUCCESS, "read_at_all_end failed");
    check_count(&st, MPI_INT, N, "read_at_all_begin/end");
    for (int i = 0; i < N; i++)
        CHECK(got[i] == val(peer, i) + 1, "split read_at_all: [%d] = %d, expected %d", i, got[i],
              val(peer, i) + 1);
    MPI_Barrier(MPI_COMM_WORLD);

    /* A nonblocking collective and a split collective must not wait for the
     * other ranks: here rank r starts its part only after rank r - 1 sent it a
     * message, which rank r - 1 does between its start and its wait. */
    for (int split = 0; split < 2; split++) {
        int token = 0;
        for (int i = 0; i < N; i++)
            buf[i] = val(rank, i) + 10 + split;
        if (rank > 0)
            MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (split)
            MPI_File_write_at_all_begin(fh, (MPI_Offset)rank * N * 4, buf, N, MPI_INT);
        else
            MPI_File_iwrite_at_all(fh, (MPI_Offset)rank * N * 4, buf, N, MPI_INT, &req);
        if (rank < size - 1)
            MPI_Send(&token, 1, MPI_INT, rank + 1, 0, MPI_COMM_WORLD);
        if (split)
            MPI_File_write_at_all_end(fh, buf, &st);
        else
            MPI_Wait(&req, &st);
        check_count(&st, MPI_INT, N, split ? "write_at_all_begin/end in a chain" :
                    "iwrite_at_all in a chain");
        MPI_File_sync(fh);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_File_sync(fh);
        MPI_File_read_at(fh, (MPI_Offset)peer * N * 4, got, N, MPI_INT, &st);
        for (int i = 0; i < N; i++)
            CHECK(got[i] == val(peer, i) + 10 + split, "chained %s: [%d] = %d", split ?
                  "split collective" : "iwrite_at_all", i, got[i]);
        MPI_Barrier(MPI_COMM_WORLD);
    }
}

static void individual_pointers(MPI_File fh)
{
    int buf[N], got[N], peer = (size - 1 - rank);
    MPI_Offset pos = -1, byte = -1;
    MPI_Status st;
    MPI_Request req;

    /* The view is bytes (etype MPI_BYTE), so positions are bytes. */
    MPI_File_seek(fh, (MPI_Offset)rank * N * 4, MPI_SEEK_SET);
    for (int i = 0; i < N; i++)
        buf[i] = val(rank, i) * 3;
    CHECK(MPI_File_write(fh, buf, 10, MPI_INT, &st) == MPI_SUCCESS, "MPI_File_write failed");
    CHECK(MPI_File_iwrite(fh, buf + 10, N - 10, MPI_INT, &req) == MPI_SUCCESS,
          "MPI_File_iwrite failed");
    MPI_Wait(&req, &st);
    MPI_File_get_position(fh, &pos);
    CHECK(pos == (MPI_Offset)(rank + 1) * N * 4, "position after the writes is %lld, expected %lld",
          (long long)pos, (long long)(rank + 1) * N * 4);
    MPI_File_get_byte_offset(fh, pos, &byte);
    CHECK(byte == pos, "byte offset of %lld is %lld in a byte view", (long long)pos,
          (long long)byte);
    MPI_File_seek(fh, -(MPI_Offset)N * 4, MPI_SEEK_CUR);
    MPI_File_get_position(fh, &pos);
    CHECK(pos == (MPI_Offset)rank * N * 4, "MPI_SEEK_CUR back: position %lld", (long long)pos);
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_sync(fh);

    MPI_File_seek(fh, (MPI_Offset)peer * N * 4, MPI_SEEK_SET);
    memset(got, 0, sizeof(got));
    CHECK(MPI_File_read(fh, got, 5, MPI_INT, &st) == MPI_SUCCESS, "MPI_File_read failed");
    CHECK(MPI_File_iread(fh, got + 5, N - 5, MPI_INT, &req) == MPI_SUCCESS,
          "MPI_File_iread failed");
    MPI_Wait(&req, &st);
    check_count(&st, MPI_INT, N - 5, "iread");
    for (int i = 0; i < N; i++)
        CHECK(got[i] == val(peer, i) * 3, "read/iread of rank %d: [%d] = %d, expected %d", peer,
              i, got[i], val(peer, i) * 3);

    /* Collective forms: read_all, iread_all, split read_all, write_all. */
    MPI_File_seek(fh, (MPI_Offset)peer * N * 4, MPI_SEEK_SET);
    memset(got, 0, sizeof(got));
    CHECK(MPI_File_read_all(fh, got, 3, MPI_INT, &st) == MPI_SUCCESS, "read_all failed");
    CHECK(MPI_File_iread_all(fh, got + 3, 4, MPI_INT, &req) == MPI_SUCCESS, "iread_all failed");
    MPI_Wait(&req, &st);
    MPI_File_read_all_begin(fh, got + 7, N - 7, MPI_INT);
    MPI_File_read_all_end(fh, got + 7, &st);
    check_count(&st, MPI_INT, N - 7, "read_all_begin/end");
    for (int i = 0; i < N; i++)
        CHECK(got[i] == val(peer, i) * 3, "collective reads of rank %d: [%d] = %d, expected %d",
              peer, i, got[i], val(peer, i) * 3);
    MPI_File_get_position(fh, &pos);
    CHECK(pos == (MPI_Offset)(peer + 1) * N * 4, "position after read_all: %lld", (long long)pos);

    MPI_File_seek(fh, (MPI_Offset)rank * N * 4, MPI_SEEK_SET);
    for (int i = 0; i < N; i++)
        buf[i] = val(rank, i) * 5;
    MPI_File_write_all(fh, buf, 2, MPI_INT, &st);
    MPI_File_iwrite_all(fh, buf + 2, 2, MPI_INT, &req);
    MPI_Wait(&req, &st);
    MPI_File_write_all_begin(fh, buf + 4, N - 4, MPI_INT);
    MPI_File_write_all_end(fh, buf + 4, &st);
    check_count(&st, MPI_INT, N - 4, "write_all_begin/end");
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_sync(fh);
    memset(got, 0, sizeof(got));
    MPI_File_read_at(fh, (MPI_Offset)peer * N * 4, got, N, MPI_INT, &st);
    for (int i = 0; i < N; i++)
        CHECK(got[i] == val(peer, i) * 5, "collective writes of rank %d: [%d] = %d, expected %d",
              peer, i, got[i], val(peer, i) * 5);

    /* MPI_SEEK_END: the end of the file, in the byte view its size. */
    MPI_File_seek(fh, 0, MPI_SEEK_END);
    MPI_File_get_position(fh, &pos);
    CHECK(pos == (MPI_Offset)size * N * 4, "MPI_SEEK_END: position %lld, size %lld",
          (long long)pos, (long long)size * N * 4);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Partial reads at the end: count and elements say how much came. */
static void partial_reads(MPI_File fh)
{
    MPI_Offset fsize = 0;
    int got[N + 8], c = -1;
    MPI_Count cc = -1;
    MPI_Status st;
    MPI_Datatype pair;

    MPI_File_get_size(fh, &fsize);
    CHECK(fsize == (MPI_Offset)size * N * 4, "file size %lld, expected %lld", (long long)fsize,
          (long long)size * N * 4);
    MPI_File_read_at(fh, fsize - 12, got, N, MPI_INT, &st);
    check_count(&st, MPI_INT, 3, "read_at over the end");
    MPI_Get_elements(&st, MPI_INT, &c);
    CHECK(c == 3, "MPI_Get_elements after a partial read: %d", c);
    MPI_Get_count_c(&st, MPI_INT, &cc);
    CHECK(cc == 3, "MPI_Get_count_c after a partial read: %lld", (long long)cc);
    MPI_File_read_at(fh, fsize + 100, got, N, MPI_INT, &st);
    check_count(&st, MPI_INT, 0, "read_at past the end");

    /* 10 bytes: one whole pair of ints and half of another. */
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    MPI_File_read_at(fh, fsize - 12, got, 2, pair, &st);
    MPI_Get_count(&st, pair, &c);
    CHECK(c == MPI_UNDEFINED, "MPI_Get_count of 1.5 pairs is %d, expected MPI_UNDEFINED", c);
    MPI_Get_elements(&st, pair, &c);
    CHECK(c == 3, "MPI_Get_elements of 1.5 pairs is %d, expected 3", c);
    MPI_Type_free(&pair);

    /* A collective read over the end. */
    MPI_File_read_at_all(fh, fsize - 8, got, N, MPI_INT, &st);
    check_count(&st, MPI_INT, 2, "read_at_all over the end");
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Each rank writes R records (rank, seq) through the shared pointer: each lands
 * once, whole, and each rank's in order. */
#define R 9
static void shared_pointer(const char *path)
{
    MPI_File fh;
    MPI_Offset pos = -1;
    MPI_Status st;
    MPI_Request req;
    int rec[2], *all, total = R * size, count[64] = { 0 }, last[64];

    MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &fh);
    for (int s = 0; s < R; s++) {
        rec[0] = rank;
        rec[1] = s;
        if (s % 3 == 2) {
            CHECK(MPI_File_iwrite_shared(fh, rec, 2, MPI_INT, &req) == MPI_SUCCESS,
                  "iwrite_shared failed");
            MPI_Wait(&req, &st);
        } else if (s % 3 == 1) {
            CHECK(MPI_File_write_shared_c(fh, rec, 2, MPI_INT, &st) == MPI_SUCCESS,
                  "write_shared_c failed");
        } else {
            CHECK(MPI_File_write_shared(fh, rec, 2, MPI_INT, &st) == MPI_SUCCESS,
                  "write_shared failed");
        }
        check_count(&st, MPI_INT, 2, "write_shared");
    }
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_sync(fh);
    MPI_File_get_position_shared(fh, &pos);
    CHECK(pos == (MPI_Offset)total * 8, "shared position %lld after %d records", (long long)pos,
          total);
    all = malloc((size_t)total * 8);
    MPI_File_read_at(fh, 0, all, 2 * total, MPI_INT, &st);
    for (int r = 0; r < size; r++)
        last[r] = -1;
    for (int k = 0; k < total; k++) {
        int r = all[2 * k], s = all[2 * k + 1];
        CHECK(r >= 0 && r < size && s >= 0 && s < R, "record %d is (%d, %d): torn or lost", k,
              r, s);
        CHECK(s == last[r] + 1, "rank %d's record %d follows its record %d", r, s, last[r]);
        last[r] = s;
        count[r]++;
    }
    for (int r = 0; r < size; r++)
        CHECK(count[r] == R, "rank %d has %d records, expected %d", r, count[r], R);

    /* Read them back through the shared pointer: together, every record once. */
    MPI_File_seek_shared(fh, 0, MPI_SEEK_SET);
    {
        int mine = 0, sum = 0;
        for (int s = 0; s < R; s++) {
            if (s % 2)
                MPI_File_read_shared(fh, rec, 2, MPI_INT, &st);
            else {
                MPI_File_iread_shared(fh, rec, 2, MPI_INT, &req);
                MPI_Wait(&req, &st);
            }
            check_count(&st, MPI_INT, 2, "read_shared");
            mine += rec[0] * R + rec[1] + 1;
        }
        MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK(sum == (size * R) * (size * R + 1) / 2, "read_shared: records summed to %d", sum);
    }

    /* Ordered: rank r writes r + 1 ints of value 1000 + r, in rank order. */
    MPI_File_seek_shared(fh, 0, MPI_SEEK_SET);
    MPI_File_set_size(fh, 0);
    {
        int buf[64], base = rank * (rank + 1) / 2, n = size * (size + 1) / 2;
        for (int i = 0; i <= rank; i++)
            buf[i] = 1000 + rank;
        if (rank % 2)
            CHECK(MPI_File_write_ordered(fh, buf, rank + 1, MPI_INT, &st) == MPI_SUCCESS,
                  "write_ordered failed");
        else {
            MPI_File_write_ordered_begin(fh, buf, rank + 1, MPI_INT);
            MPI_File_write_ordered_end(fh, buf, &st);
        }
        check_count(&st, MPI_INT, rank + 1, "write_ordered");
        MPI_File_get_position_shared(fh, &pos);
        CHECK(pos == (MPI_Offset)n * 4, "shared position after write_ordered: %lld, expected %d",
              (long long)pos, n * 4);
        MPI_File_sync(fh);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_File_read_at(fh, 0, all, n, MPI_INT, &st);
        for (int r = 0, k = 0; r < size; r++)
            for (int i = 0; i <= r; i++, k++)
                CHECK(all[k] == 1000 + r, "write_ordered: int %d is %d, expected %d", k, all[k],
                      1000 + r);
        MPI_File_seek_shared(fh, 0, MPI_SEEK_SET);
        memset(buf, 0, sizeof(buf));
        MPI_File_read_ordered(fh, buf, rank + 1, MPI_INT, &st);
        for (int i = 0; i <= rank; i++)
            CHECK(buf[i] == 1000 + rank, "read_ordered: [%d] = %d (base %d)", i, buf[i], base);
        MPI_File_read_ordered_begin(fh, buf, 1, MPI_INT);
        MPI_File_read_ordered_end(fh, buf, &st);
        check_count(&st, MPI_INT, 0, "read_ordered at the end");
    }
    free(all);
    MPI_File_close(&fh);
}

/* Size, preallocation, hints kept and returned, MPI_MODE_APPEND. */
static void sizes_and_hints(const char *path)
{
    MPI_File fh;
    MPI_Offset sz = -1, pos = -1;
    MPI_Info info, used;
    char v[MPI_MAX_INFO_VAL + 1];
    int flag = 0;

    MPI_Info_create(&info);
    MPI_Info_set(info, "access_style", "write_once,sequential");
    MPI_Info_set(info, "cb_nodes", "2");
    MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh);
    MPI_File_preallocate(fh, 12345);
    MPI_File_get_size(fh, &sz);
    CHECK(sz == 12345, "size after preallocate(12345): %lld", (long long)sz);
    MPI_File_set_size(fh, 77);
    MPI_File_get_size(fh, &sz);
    CHECK(sz == 77, "size after set_size(77): %lld", (long long)sz);
    MPI_File_preallocate(fh, 10);
    MPI_File_get_size(fh, &sz);
    CHECK(sz == 77, "preallocate below the size shrank the file to %lld", (long long)sz);
    MPI_File_get_info(fh, &used);
    MPI_Info_get(used, "access_style", MPI_MAX_INFO_VAL, v, &flag);
    CHECK(flag && !strcmp(v, "write_once,sequential"), "hint access_style came back as '%s'",
          flag ? v : "(absent)");
    MPI_Info_get(used, "cb_nodes", MPI_MAX_INFO_VAL, v, &flag);
    CHECK(flag && !strcmp(v, "2"), "hint cb_nodes came back as '%s'", flag ? v : "(absent)");
    MPI_Info_get(used, "cb_buffer_size", MPI_MAX_INFO_VAL, v, &flag);
    CHECK(flag && atol(v) > 0, "get_info does not say cb_buffer_size");
    MPI_Info_free(&used);
    MPI_Info_set(info, "cb_buffer_size", "65536");
    MPI_File_set_info(fh, info);
    MPI_File_get_info(fh, &used);
    MPI_Info_get(used, "cb_buffer_size", MPI_MAX_INFO_VAL, v, &flag);
    CHECK(flag && !strcmp(v, "65536"), "cb_buffer_size after set_info: '%s'", flag ? v : "");
    MPI_Info_free(&used);
    MPI_Info_free(&info);
    MPI_File_close(&fh);

    MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_APPEND | MPI_MODE_WRONLY |
                  MPI_MODE_DELETE_ON_CLOSE | MPI_MODE_UNIQUE_OPEN, MPI_INFO_NULL, &fh);
    MPI_File_get_position(fh, &pos);
    CHECK(pos == 77, "MPI_MODE_APPEND: individual pointer at %lld, expected 77", (long long)pos);
    MPI_File_get_position_shared(fh, &pos);
    CHECK(pos == 77, "MPI_MODE_APPEND: shared pointer at %lld, expected 77", (long long)pos);
    MPI_File_close(&fh);
}

/* A child process that holds a write lock on all of path until told to let go
 * (or 10 s have passed). */
typedef struct {
    pid_t pid;
    int   tell, hear;   /* pipes: to the child, from it */
} holder_t;

static holder_t hold(const char *path)
{
    int to[2], from[2];
    holder_t h = { -1, -1, -1 };
    char c = 0;

    CHECK(pipe(to) == 0 && pipe(from) == 0, "pipe failed");
    h.pid = fork();
    CHECK(h.pid >= 0, "fork failed");
    if (h.pid == 0) {
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        struct pollfd pf = { .fd = to[0], .events = POLLIN };
        int fd = open(path, O_RDWR);
        char how;
        if (fd < 0 || fcntl(fd, F_SETLKW, &fl) != 0)
            _exit(1);
        if (write(from[1], "L", 1) != 1)
            _exit(1);
        how = poll(&pf, 1, 10000) > 0 ? 'P' : 'T';   /* told, or tired of waiting */
        fl.l_type = F_UNLCK;
        fcntl(fd, F_SETLK, &fl);
        if (write(from[1], &how, 1) != 1)
            _exit(1);
        _exit(0);
    }
    close(to[0]);
    close(from[1]);
    h.tell = to[1];
    h.hear = from[0];
    CHECK(read(h.hear, &c, 1) == 1 && c == 'L', "the lock holder did not take its lock");
    return h;
}

/* Lets the holder go; whether it was still waiting to be told. */
static int release(holder_t *h)
{
    char how = 0;
    int status = -1;

    CHECK(write(h->tell, "g", 1) == 1, "cannot tell the lock holder");
    CHECK(read(h->hear, &how, 1) == 1, "the lock holder said nothing");
    close(h->tell);
    close(h->hear);
    waitpid(h->pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the lock holder failed");
    return how == 'P';
}

/* In atomic mode an access locks its range first, so while another process holds
 * it the access cannot end: MPI_File_iwrite and iread_at must return all the same,
 * their requests stay pending (MPI_Test), and they complete once the lock goes.
 * Done in the call, they would wait for the holder's 10 s. */
static void moves_in_background(const char *path)
{
    MPI_File fh;
    MPI_Request req;
    MPI_Status st;
    holder_t h;
    int buf[N], got[N], flag = -1, told;

    CHECK(MPI_File_open(MPI_COMM_SELF, path, MPI_MODE_CREATE | MPI_MODE_RDWR |
                        MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL, &fh) == MPI_SUCCESS,
          "MPI_File_open of %s failed", path);
    MPI_File_set_atomicity(fh, 1);
    for (int i = 0; i < N; i++)
        buf[i] = val(rank, i) + 11;

    h = hold(path);
    CHECK(MPI_File_iwrite(fh, buf, N, MPI_INT, &req) == MPI_SUCCESS, "MPI_File_iwrite failed");
    MPI_Test(&req, &flag, &st);
    CHECK(flag == 0, "MPI_File_iwrite's request completed while another process held the lock");
    told = release(&h);
    CHECK(told, "MPI_File_iwrite returned only when the lock holder gave up: it waited in the "
          "call");
    CHECK(MPI_Wait(&req, &st) == MPI_SUCCESS, "MPI_Wait on MPI_File_iwrite failed");
    check_count(&st, MPI_INT, N, "iwrite past a lock");

    h = hold(path);
    memset(got, 0, sizeof(got));
    CHECK(MPI_File_iread_at(fh, 4, got, N - 1, MPI_INT, &req) == MPI_SUCCESS,
          "MPI_File_iread_at failed");
    MPI_Test(&req, &flag, &st);
    CHECK(flag == 0, "MPI_File_iread_at's request completed while another process held the "
          "lock");
    CHECK(got[0] == 0 && got[N - 2] == 0, "MPI_File_iread_at filled the buffer past a lock");
    told = release(&h);
    CHECK(told, "MPI_File_iread_at returned only when the lock holder gave up");
    CHECK(MPI_Wait(&req, &st) == MPI_SUCCESS, "MPI_Wait on MPI_File_iread_at failed");
    check_count(&st, MPI_INT, N - 1, "iread_at past a lock");
    for (int i = 0; i < N - 1; i++)
        CHECK(got[i] == buf[i + 1], "iread_at past a lock: [%d] = %d, expected %d", i, got[i],
              buf[i + 1]);
    CHECK(MPI_File_close(&fh) == MPI_SUCCESS, "MPI_File_close failed");
}

int main(int argc, char **argv)
{
    MPI_File fh;
    int amode = -1, flag = -1;
    MPI_Group g, wg;
    MPI_Info info;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    io_setup();

    CHECK(MPI_File_open(MPI_COMM_WORLD, io_path("data"), MPI_MODE_CREATE | MPI_MODE_RDWR,
                        MPI_INFO_NULL, &fh) == MPI_SUCCESS, "MPI_File_open failed");
    MPI_File_get_amode(fh, &amode);
    CHECK(amode == (MPI_MODE_CREATE | MPI_MODE_RDWR), "amode %d", amode);
    MPI_File_get_atomicity(fh, &flag);
    CHECK(flag == 0, "a new file is atomic (%d)", flag);
    MPI_File_get_group(fh, &g);
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Group_compare(g, wg, &flag);
    CHECK(flag == MPI_IDENT, "MPI_File_get_group: not the group of MPI_COMM_WORLD (%d)", flag);
    MPI_Group_free(&g);
    MPI_Group_free(&wg);
    MPI_File_get_info(fh, &info);
    CHECK(info != MPI_INFO_NULL, "MPI_File_get_info gave MPI_INFO_NULL");
    MPI_Info_free(&info);

    {
        MPI_Fint fi = MPI_File_c2f(fh);
        CHECK(MPI_File_f2c(fi) == fh, "MPI_File_f2c(MPI_File_c2f(fh)) is not fh");
        explicit_offsets(fh);
        individual_pointers(fh);
        partial_reads(fh);
        CHECK(MPI_File_close(&fh) == MPI_SUCCESS && fh == MPI_FILE_NULL, "MPI_File_close failed");
        CHECK(MPI_File_f2c(fi) == MPI_FILE_NULL, "MPI_File_f2c of a closed file's value");
        CHECK(MPI_File_c2f(MPI_FILE_NULL) == MPI_File_c2f(MPI_FILE_NULL) &&
              MPI_File_f2c(MPI_File_c2f(MPI_FILE_NULL)) == MPI_FILE_NULL, "MPI_FILE_NULL c2f/f2c");
    }
    {
        char name[32];
        snprintf(name, sizeof(name), "background-%d", rank);
        moves_in_background(io_path(name));
    }
    shared_pointer(io_path("shared"));
    sizes_and_hints(io_path("sizes"));
    io_done();
    MPI_Finalize();
    if (rank == 0)
        printf("io_access: OK\n");
    return 0;
}
