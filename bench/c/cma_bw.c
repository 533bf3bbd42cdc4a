/* The ceiling of a one-copy message between two processes on this kernel: the
 * bandwidth of the kernel's copy between address spaces (process_vm_readv and
 * process_vm_writev, "CMA", what MPICH, Open MPI and Baton use for large
 * messages). Plain C, no MPI. A child process owns a source buffer; the parent
 * copies it into its own buffer
 *   -v one   the parent alone, one process_vm_readv per message (one core);
 *   -v two   the parent reads the front half while the child writes the back
 *            half (process_vm_writev), as Baton splits a large message between
 *            both ends (two cores);
 *   -v one-2m, two-2m  the same between buffers on 2 MiB pages (transparent
 *            huge pages; the others are on 4 KiB pages): the kernel pins the
 *            other process's pages one by one, and that, not the copy, is what
 *            holds it to a fraction of memcpy on small pages.
 * Buffers are page-aligned (a copy whose destination sits a few bytes past its
 * source modulo 4 KiB is 4-10x slower on some CPUs). Value: MB/s (10^6 bytes of
 * message per second), the best of 5 rounds of about -t seconds (default 0.2);
 * -s sizes in MiB (default 1,4). A kernel or sandbox that forbids the calls
 * prints nothing for them and says why on stderr. */
#include "tool_common.h"

#include <errno.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* Copies len bytes between local and remote in process pid; 0 or an errno. */
static int cma(pid_t pid, char *local, char *remote, size_t len, int write)
{
    while (len) {
        struct iovec l = { local, len }, r = { remote, len };
        ssize_t n = write ? process_vm_writev(pid, &l, 1, &r, 1, 0)
                          : process_vm_readv(pid, &l, 1, &r, 1, 0);
        if (n <= 0)
            return n < 0 ? errno : EIO;
        local += n;
        remote += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_full(int fd, void *p, size_t len)
{
    char *c = p;
    while (len) {
        ssize_t n = read(fd, c, len);
        if (n <= 0)
            return -1;
        c += n;
        len -= (size_t)n;
    }
    return 0;
}

/* An order to the child: write `len` bytes at offset `off` of the parent's
 * buffer `reps` times (reps 0: exit). Answer: 0 or an errno. */
typedef struct { long reps; size_t off, len; } order_t;

static void child(int in, int out, pid_t parent, char *src, char *dst)
{
    order_t o;
    while (read_full(in, &o, sizeof(o)) == 0 && o.reps) {
        int rc = 0;
        for (long r = 0; r < o.reps && !rc; r++)
            rc = cma(parent, src + o.off, dst + o.off, o.len, 1);
        if (write(out, &rc, sizeof(rc)) != sizeof(rc))
            break;
    }
    _exit(0);
}

/* Measures the variants on buffers of max bytes on one page size; 0 or an errno. */
static int measure(const tool_opts_t *o, size_t max, int huge)
{
    const char *names[2][2] = {{"one", "two"}, {"one-2m", "two-2m"}};
    if (!tool_wants(o->variants, names[huge][0]) && !tool_wants(o->variants, names[huge][1]))
        return 0;
    /* Allocated before the fork: the same addresses in both processes. Each side
     * writes its own copy afterwards, so neither shares pages with the other. */
    char *src = tool_alloc(max, huge), *dst = tool_alloc(max, huge);
    if (!src || !dst) {
        fprintf(stderr, "cma_bw: out of memory\n");
        return ENOMEM;
    }
    int to_child[2], from_child[2];
    if (pipe(to_child) || pipe(from_child))
        return errno;
    pid_t parent = getpid(), pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0) {
        memset(src, 1, max);
        memset(dst, 3, max);
        close(to_child[1]);
        close(from_child[0]);
        child(to_child[0], from_child[1], parent, src, dst);
    }
    close(to_child[0]);
    close(from_child[1]);
    memset(src, 2, max);
    memset(dst, 0, max);
    int rc = 0;
    {
        /* The child has written its buffer once it answers an order. */
        order_t ord = { 1, 0, 4096 };
        if (write(to_child[1], &ord, sizeof(ord)) != sizeof(ord) ||
            read_full(from_child[0], &rc, sizeof(rc)))
            rc = EPIPE;
    }
    for (int s = 0; s < o->nsizes && !rc; s++) {
        size_t n = o->sizes[s], half = n / 2 / 4096 * 4096;
        for (int two = 0; two < 2 && !rc; two++) {
            if (!tool_wants(o->variants, names[huge][two]))
                continue;
            double t = now();
            rc = cma(pid, dst, src, n, 0);
            double one = now() - t;
            long reps = (long)(o->budget / (one > 0 ? one : 1e-9));
            if (reps < 1)
                reps = 1;
            double best = 0;
            for (int round = 0; round < 5 && !rc; round++) {
                int crc = 0;
                t = now();
                if (two) {
                    order_t ord = { reps, half, n - half };
                    if (write(to_child[1], &ord, sizeof(ord)) != sizeof(ord))
                        rc = EPIPE;
                    for (long r = 0; r < reps && !rc; r++)
                        rc = cma(pid, dst, src, half, 0);
                    if (read_full(from_child[0], &crc, sizeof(crc)))
                        crc = EPIPE;
                } else {
                    for (long r = 0; r < reps && !rc; r++)
                        rc = cma(pid, dst, src, n, 0);
                }
                if (!rc)
                    rc = crc;
                double bw = (double)n * reps / (now() - t) / 1e6;
                if (bw > best)
                    best = bw;
            }
            if (!rc)
                printf("{\"bench\": \"cma\", \"variant\": \"%s\", \"ranks\": %d, \"bytes\": %zu, "
                       "\"value\": %.6g, \"unit\": \"MB/s\", \"iters\": %ld}\n",
                       names[huge][two], two ? 2 : 1, n, best, reps * 5);
        }
    }
    {
        order_t stop = { 0, 0, 0 };
        (void)!write(to_child[1], &stop, sizeof(stop));
    }
    close(to_child[1]);
    close(from_child[0]);
    waitpid(pid, NULL, 0);
    free(src);
    free(dst);
    return rc;
}

int main(int argc, char **argv)
{
    tool_opts_t o = { .budget = 0.2, .sizes = {(size_t)1 << 20, (size_t)4 << 20}, .nsizes = 2 };
    if (tool_parse(&o, argc, argv, "[-s MIB,MIB...] [-t SECONDS] [-v one,two,one-2m,two-2m]"))
        return 2;
    size_t max = 0;
    for (int s = 0; s < o.nsizes; s++)
        if (o.sizes[s] > max)
            max = o.sizes[s];
    if (!max)
        return 2;
    int rc = 0;
    for (int huge = 0; huge < 2 && !rc; huge++)
        rc = measure(&o, max, huge);
    if (rc)
        fprintf(stderr, "cma_bw: process_vm_readv/writev: %s\n", strerror(rc));
    return 0;
}
