/* Collective MPI-IO bandwidth (plain MPI-3 C: any MPI's mpicc compiles it).
 *   darray:    a cube of doubles, block-distributed over a 3-D grid of the ranks
 *              (MPI_Type_create_darray as the file view), written with
 *              MPI_File_write_all and read back with MPI_File_read_all;
 *   segmented: IOR's segmented file: in each segment every rank has one contiguous
 *              block, written and read with MPI_File_write_at_all/read_at_all.
 * Options: -d DIR (where the file goes, default /tmp), -m MiB (total, default 256),
 * -r REPS (default 3; the best is reported), -s SEGMENTS (default 16), -l PLACE
 * (a name for DIR, copied into every line: the driver keys results by it).
 * Each repetition: the file is deleted (outside the timed region), then open,
 * access, close: the data reaches the page cache, as in IOR without -e, and the
 * read that follows reads what the write left there. The file is deleted at the
 * end. Output: bench_common.h's JSON lines, bench "io", variant "darray-write",
 * "darray-read", "segmented-write", "segmented-read", MB/s (10^6 B/s) of the
 * best repetition, bytes the total of the pattern. */
#include "bench_common.h"

static int rank, size;

static void die(const char *what)
{
    fprintf(stderr, "io_darray: rank %d: %s\n", rank, what);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static double timed(const char *path, int write, MPI_Datatype ft, void *buf, MPI_Count n,
                    MPI_Datatype t, int nseg, MPI_Offset seg_bytes)
{
    MPI_File fh;
    double t0;
    MPI_Status st;

    /* Every write makes a new file, as a sequential write of the same total
     * (bench/c/seq_io.c) does: no MPI reuses the pages of an earlier one. */
    if (write && rank == 0)
        unlink(path);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    if (MPI_File_open(MPI_COMM_WORLD, path, write ? MPI_MODE_CREATE | MPI_MODE_WRONLY
                      : MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) != MPI_SUCCESS)
        die("MPI_File_open failed");
    if (ft != MPI_DATATYPE_NULL) {
        MPI_File_set_view(fh, 0, MPI_DOUBLE, ft, "native", MPI_INFO_NULL);
        if ((write ? MPI_File_write_all(fh, buf, (int)n, t, &st)
                   : MPI_File_read_all(fh, buf, (int)n, t, &st)) != MPI_SUCCESS)
            die("the collective access failed");
    } else {
        for (int s = 0; s < nseg; s++) {
            MPI_Offset off = ((MPI_Offset)s * size + rank) * seg_bytes;
            char *b = (char *)buf + (size_t)s * (size_t)seg_bytes;
            if ((write ? MPI_File_write_at_all(fh, off, b, (int)seg_bytes, MPI_BYTE, &st)
                       : MPI_File_read_at_all(fh, off, b, (int)seg_bytes, MPI_BYTE, &st)) !=
                MPI_SUCCESS)
                die("the collective access failed");
        }
    }
    MPI_File_close(&fh);
    MPI_Barrier(MPI_COMM_WORLD);
    return MPI_Wtime() - t0;
}

/* Rank 0 prints the write and the read of one pattern (best seconds in best[1],
 * best[0]). */
static void report(const char *pattern, const char *place, long long total, int reps,
                   const double best[2])
{
    bench_opts_t o;
    char variant[64];

    if (rank != 0)
        return;
    memset(&o, 0, sizeof o);
    o.variant = variant;
    o.label = place;
    for (int w = 1; w >= 0; w--) {
        snprintf(variant, sizeof variant, "%s-%s", pattern, w ? "write" : "read");
        bench_print("io", &o, size, (size_t)total, total / best[w] / 1e6, "MB/s", reps, NULL);
    }
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp", *place = "";
    long mib = 256;
    int reps = 3, nseg = 16, opt;
    char path[4096];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    while ((opt = getopt(argc, argv, "d:m:r:s:l:")) != -1) {
        if (opt == 'd')
            dir = optarg;
        else if (opt == 'm')
            mib = atol(optarg);
        else if (opt == 'r')
            reps = atoi(optarg);
        else if (opt == 's')
            nseg = atoi(optarg);
        else if (opt == 'l')
            place = optarg;
        else
            die("usage: io_darray [-d DIR] [-m MiB] [-r REPS] [-s SEGMENTS] [-l PLACE]");
    }
    if (mib < 1 || reps < 1 || nseg < 1 || optind != argc)
        die("usage: io_darray [-d DIR] [-m MiB] [-r REPS] [-s SEGMENTS] [-l PLACE]");
    /* One name for all ranks, from rank 0 (ranks need not share a parent process). */
    if (rank == 0)
        snprintf(path, sizeof(path), "%s/io_darray.%d.dat", dir, (int)getpid());
    MPI_Bcast(path, (int)sizeof(path), MPI_CHAR, 0, MPI_COMM_WORLD);

    /* darray: the largest cube of doubles within the total. */
    {
        int g = 1, gs[3], distribs[3], dargs[3], psizes[3] = { 0, 0, 0 }, tsize;
        MPI_Datatype ft;
        double best[2] = { 1e30, 1e30 }, *buf;
        long long total;

        while ((long long)(g + 1) * (g + 1) * (g + 1) * 8 <= mib << 20)
            g++;
        total = (long long)g * g * g * 8;
        MPI_Dims_create(size, 3, psizes);
        for (int d = 0; d < 3; d++) {
            gs[d] = g;
            distribs[d] = MPI_DISTRIBUTE_BLOCK;
            dargs[d] = MPI_DISTRIBUTE_DFLT_DARG;
        }
        MPI_Type_create_darray(size, rank, 3, gs, distribs, dargs, psizes, MPI_ORDER_C,
                               MPI_DOUBLE, &ft);
        MPI_Type_commit(&ft);
        MPI_Type_size(ft, &tsize);
        buf = bench_alloc((size_t)tsize, 0);
        for (int i = 0; i < tsize / 8; i++)
            buf[i] = rank + i * 1e-9;
        for (int r = 0; r < reps; r++)
            for (int w = 1; w >= 0; w--) {
                double t = timed(path, w, ft, buf, tsize / 8, MPI_DOUBLE, 0, 0);
                MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
                best[w] = t < best[w] ? t : best[w];
            }
        report("darray", place, total, reps, best);
        MPI_Type_free(&ft);
        free(buf);
    }

    /* IOR segmented. */
    {
        MPI_Offset seg = ((MPI_Offset)mib << 20) / size / nseg;
        double best[2] = { 1e30, 1e30 };
        char *buf = bench_alloc((size_t)(seg * nseg), rank + 1);
        for (int r = 0; r < reps; r++)
            for (int w = 1; w >= 0; w--) {
                double t = timed(path, w, MPI_DATATYPE_NULL, buf, 0, MPI_BYTE, nseg, seg);
                MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
                best[w] = t < best[w] ? t : best[w];
            }
        report("segmented", place, (long long)seg * nseg * size, reps, best);
        free(buf);
    }
    if (rank == 0)
        unlink(path);
    MPI_Finalize();
    return 0;
}
