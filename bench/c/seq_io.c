/* Sequential file bandwidth of one process, the ceiling of the MPI-IO benchmark
 * (io_darray.c) to the same place: what dd if=/dev/zero bs=8M to a new file and
 * back does, measured the way io_darray measures. Plain C, no MPI.
 *   -d DIR     where the file goes (required)
 *   -l PLACE   a name for DIR, copied into every line
 *   -m MIB     bytes in all (default 256)
 *   -b MIB     bytes per write() and read() (default 8)
 *   -r REPS    repetitions, the best is reported (default 3)
 *   -v WORDS   "write", "read" (default both; a read needs the write before it)
 * Each repetition: delete the file, then (timed) create, write it in blocks,
 * close; then (timed) open, read it back, close. No fsync: the data stays in the
 * page cache, as io_darray's MPI_File_close leaves it, and the read reads it from
 * there. The file is deleted at the end, and on every failure.
 * Output: JSON lines of bench_common.h's format, bench "seqio", variant "write",
 * "read", ranks 1, MB/s (10^6 B/s). */
#include "tool_common.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static const char *usage = "-d DIR [-l PLACE] [-m MIB] [-b MIB] [-r REPS] [-v write,read]";

/* Seconds to write (or read) n bytes of path in blocks of buf, open to close;
 * negative on failure, after a message. */
static double seq_pass(const char *path, int write, char *buf, size_t block, size_t n)
{
    double t0 = now();
    int fd = write ? open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600) : open(path, O_RDONLY);

    if (fd < 0) {
        fprintf(stderr, "seq_io: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t done = 0; done < n;) {
        size_t want = n - done < block ? n - done : block;
        ssize_t got = write ? pwrite(fd, buf, want, (off_t)done)
                            : pread(fd, buf, want, (off_t)done);
        if (got <= 0) {
            fprintf(stderr, "seq_io: cannot %s %s at %zu: %s\n", write ? "write" : "read",
                    path, done, got < 0 ? strerror(errno) : "end of file");
            close(fd);
            return -1;
        }
        done += (size_t)got;
    }
    if (close(fd) != 0) {
        fprintf(stderr, "seq_io: cannot close %s: %s\n", path, strerror(errno));
        return -1;
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *place = "", *variants = NULL;
    size_t mib = 256, block_mib = 8;
    int reps = 3;
    char path[4096];

    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v || a[0] != '-' || a[1] == 0 || a[2] != 0)
            goto bad;
        switch (a[1]) {
        case 'd': dir = v; break;
        case 'l': place = v; break;
        case 'm': mib = (size_t)atol(v); break;
        case 'b': block_mib = (size_t)atol(v); break;
        case 'r': reps = atoi(v); break;
        case 'v': variants = v; break;
        default: goto bad;
        }
    }
    if (!dir || mib < 1 || block_mib < 1 || reps < 1)
        goto bad;
    if (variants && !tool_wants(variants, "write") && !tool_wants(variants, "read"))
        goto bad;

    size_t n = mib << 20, block = block_mib << 20;
    char *buf = tool_alloc(block, 0);
    double best[2] = { 1e30, 1e30 };
    int rc = 0;

    if (!buf) {
        fprintf(stderr, "seq_io: out of memory\n");
        return 2;
    }
    memset(buf, 1, block);
    snprintf(path, sizeof path, "%s/seq_io.%d.dat", dir, (int)getpid());
    for (int r = 0; r < reps && rc == 0; r++)
        for (int w = 1; w >= 0; w--) {
            if (w)
                unlink(path);
            double t = seq_pass(path, w, buf, block, n);
            if (t < 0) {
                rc = 1;
                break;
            }
            best[w] = t < best[w] ? t : best[w];
        }
    unlink(path);
    free(buf);
    if (rc)
        return rc;
    for (int w = 1; w >= 0; w--)
        if (tool_wants(variants, w ? "write" : "read"))
            printf("{\"bench\": \"seqio\", \"variant\": \"%s\", \"label\": \"%s\", \"ranks\": 1, "
                   "\"bytes\": %zu, \"value\": %.6g, \"unit\": \"MB/s\", \"iters\": %d}\n",
                   w ? "write" : "read", place, n, n / best[w] / 1e6, reps);
    return 0;

bad:
    fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    return 2;
}
