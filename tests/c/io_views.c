/* MPI-IO views and collective buffering:
 *   - interleaved views with holes (every rank owns every size-th int), written
 *     independently at once by all ranks (data sieving must not lose the others'
 *     bytes) and collectively, with cb_buffer_size small enough for many rounds
 *     and cb_nodes 1 and 2;
 *   - a 3-D subarray decomposition and a 2-D darray (block x cyclic) written
 *     collectively and read back independently through a byte view, and the
 *     other way round;
 *   - external32 round trips checked byte for byte against the standard's
 *     big-endian layout; get_type_extent; get_view;
 *   - atomic mode with overlapping writers: every int of the overlap comes from
 *     one writer's whole write. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"
#include "io_common.h"

static MPI_File open_rw(const char *path, MPI_Info info)
{
    MPI_File fh;
    CHECK(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR, info, &fh) ==
          MPI_SUCCESS, "MPI_File_open(%s) failed", path);
    return fh;
}

static void sync_all(MPI_File fh)
{
    MPI_File_sync(fh);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_File_sync(fh);
}

/* Every rank owns ints rank, rank + size, ...: a filetype of one int resized to
 * size ints, displaced by rank ints. K per rank. */
#define K 10001
static void interleaved(const char *path, int coll, const char *cb_nodes)
{
    MPI_Info info;
    MPI_File fh;
    MPI_Datatype ft;
    MPI_Status st;
    int *buf = malloc(K * sizeof(int)), *all = malloc((size_t)K * size * sizeof(int)), c;

    MPI_Info_create(&info);
    MPI_Info_set(info, "cb_buffer_size", "10000");  /* many rounds, windows cut pieces */
    MPI_Info_set(info, "ind_wr_buffer_size", "2048");  /* many sieve windows, racing */
    if (cb_nodes)
        MPI_Info_set(info, "cb_nodes", cb_nodes);
    fh = open_rw(path, info);
    MPI_Info_free(&info);
    MPI_File_set_size(fh, 0);
    MPI_Type_create_resized(MPI_INT, 0, (MPI_Aint)size * 4, &ft);
    MPI_Type_commit(&ft);
    MPI_File_set_view(fh, (MPI_Offset)rank * 4, MPI_INT, ft, "native", MPI_INFO_NULL);
    for (int i = 0; i < K; i++)
        buf[i] = rank * 1000000 + i;
    /* Half at an explicit offset, half through the individual pointer. */
    if (coll) {
        MPI_File_write_at_all(fh, 0, buf, K / 2, MPI_INT, &st);
        MPI_File_seek(fh, K / 2, MPI_SEEK_SET);
        MPI_File_write_all(fh, buf + K / 2, K - K / 2, MPI_INT, &st);
    } else {
        MPI_File_write_at(fh, 0, buf, K / 2, MPI_INT, &st);
        MPI_File_seek(fh, K / 2, MPI_SEEK_SET);
        MPI_File_write(fh, buf + K / 2, K - K / 2, MPI_INT, &st);
    }
    MPI_Get_count(&st, MPI_INT, &c);
    CHECK(c == K - K / 2, "interleaved write: count %d", c);
    sync_all(fh);
    MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
    MPI_File_read_at(fh, 0, all, K * size, MPI_INT, &st);
    for (int i = 0; i < K * size; i++)
        CHECK(all[i] == (i % size) * 1000000 + i / size, "%s interleaved (cb_nodes %s): int %d "
              "is %d, expected %d", coll ? "collective" : "independent", cb_nodes ? cb_nodes : "-",
              i, all[i], (i % size) * 1000000 + i / size);
    /* And read back through the view, collectively from another rank's share. */
    MPI_File_set_view(fh, (MPI_Offset)((rank + 1) % size) * 4, MPI_INT, ft, "native",
                      MPI_INFO_NULL);
    memset(buf, 0, K * sizeof(int));
    MPI_File_read_all(fh, buf, K, MPI_INT, &st);
    MPI_Get_count(&st, MPI_INT, &c);
    CHECK(c == K, "read_all through the view: count %d", c);
    for (int i = 0; i < K; i++)
        CHECK(buf[i] == ((rank + 1) % size) * 1000000 + i, "read_all through the view: [%d] = %d",
              i, buf[i]);
    /* Over the end of the file, through the aggregators: the count says K - 3. */
    MPI_File_read_at_all(fh, 3, all, K, MPI_INT, &st);
    MPI_Get_count(&st, MPI_INT, &c);
    CHECK(c == K - 3, "read_at_all over the end through the view: count %d, expected %d", c,
          K - 3);
    CHECK(all[K - 4] == ((rank + 1) % size) * 1000000 + K - 1, "read_at_all over the end: "
          "last int %d", all[K - 4]);
    MPI_Type_free(&ft);
    MPI_File_close(&fh);
    free(buf);
    free(all);
}

/* A G0 x G1 x G2 array of doubles cut into blocks by a Cartesian grid. */
static double gval(int i, int j, int k) { return i * 10000.0 + j * 100.0 + k + 0.5; }

static void subarray(const char *path, int write_coll)
{
    int dims[3] = { 0, 0, 0 }, coords[3], periods[3] = { 0, 0, 0 };
    int g[3] = { 13, 7, 11 }, sub[3], start[3], n = 1;
    MPI_Comm cart;
    MPI_Datatype ft;
    MPI_File fh;
    MPI_Status st;
    double *loc, *all;

    MPI_Dims_create(size, 3, dims);
    MPI_Cart_create(MPI_COMM_WORLD, 3, dims, periods, 0, &cart);
    MPI_Cart_coords(cart, rank, 3, coords);
    for (int d = 0; d < 3; d++) {
        int q = g[d] / dims[d], r = g[d] % dims[d];
        sub[d] = q + (coords[d] < r);
        start[d] = coords[d] * q + (coords[d] < r ? coords[d] : r);
        n *= sub[d];
    }
    MPI_Type_create_subarray(3, g, sub, start, MPI_ORDER_C, MPI_DOUBLE, &ft);
    MPI_Type_commit(&ft);
    loc = malloc((size_t)n * sizeof(double));
    all = malloc((size_t)g[0] * g[1] * g[2] * sizeof(double));
    fh = open_rw(path, MPI_INFO_NULL);
    MPI_File_set_size(fh, 0);
    if (write_coll) {
        /* Collective write through the subarray view, independent read of all. */
        for (int i = 0, x = 0; i < sub[0]; i++)
            for (int j = 0; j < sub[1]; j++)
                for (int k = 0; k < sub[2]; k++)
                    loc[x++] = gval(start[0] + i, start[1] + j, start[2] + k);
        MPI_File_set_view(fh, 0, MPI_DOUBLE, ft, "native", MPI_INFO_NULL);
        MPI_File_write_all(fh, loc, n, MPI_DOUBLE, &st);
        sync_all(fh);
        MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
        MPI_File_read_at(fh, 0, all, g[0] * g[1] * g[2], MPI_DOUBLE, &st);
        for (int i = 0, x = 0; i < g[0]; i++)
            for (int j = 0; j < g[1]; j++)
                for (int k = 0; k < g[2]; k++, x++)
                    CHECK(all[x] == gval(i, j, k), "subarray written collectively: (%d,%d,%d) "
                          "is %g, expected %g", i, j, k, all[x], gval(i, j, k));
    } else {
        /* Rank 0 writes the whole array; everyone reads its block collectively
         * through the view, then independently. */
        if (rank == 0) {
            for (int i = 0, x = 0; i < g[0]; i++)
                for (int j = 0; j < g[1]; j++)
                    for (int k = 0; k < g[2]; k++)
                        all[x++] = gval(i, j, k);
            MPI_File_write_at(fh, 0, all, g[0] * g[1] * g[2], MPI_DOUBLE, &st);
        }
        sync_all(fh);
        MPI_File_set_view(fh, 0, MPI_DOUBLE, ft, "native", MPI_INFO_NULL);
        for (int pass = 0; pass < 2; pass++) {
            memset(loc, 0, (size_t)n * sizeof(double));
            if (pass == 0)
                MPI_File_read_all(fh, loc, n, MPI_DOUBLE, &st);
            else
                MPI_File_read_at(fh, 0, loc, n, MPI_DOUBLE, &st);
            for (int i = 0, x = 0; i < sub[0]; i++)
                for (int j = 0; j < sub[1]; j++)
                    for (int k = 0; k < sub[2]; k++, x++)
                        CHECK(loc[x] == gval(start[0] + i, start[1] + j, start[2] + k),
                              "subarray read %s: (%d,%d,%d) is %g", pass ? "independently" :
                              "collectively", start[0] + i, start[1] + j, start[2] + k, loc[x]);
        }
    }
    MPI_File_close(&fh);
    MPI_Type_free(&ft);
    MPI_Comm_free(&cart);
    free(loc);
    free(all);
}

/* A 2-D darray: rows in blocks, columns cyclic(2) over a grid of the ranks. */
static void darray(const char *path)
{
    int g[2] = { 17, 23 }, distribs[2] = { MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC };
    int dargs[2] = { MPI_DISTRIBUTE_DFLT_DARG, 2 }, psizes[2] = { 0, 0 }, tsize;
    MPI_Datatype ft;
    MPI_File fh;
    MPI_Status st;
    MPI_Aint lb, ext;
    int *loc, *all, n, c;

    MPI_Dims_create(size, 2, psizes);
    MPI_Type_create_darray(size, rank, 2, g, distribs, dargs, psizes, MPI_ORDER_C, MPI_INT, &ft);
    MPI_Type_commit(&ft);
    MPI_Type_size(ft, &tsize);
    MPI_Type_get_extent(ft, &lb, &ext);
    n = tsize / 4;
    loc = malloc((size_t)(n + 1) * sizeof(int));
    all = malloc((size_t)g[0] * g[1] * sizeof(int));
    /* The darray's own element order: unpack the global array into it. */
    for (int x = 0; x < g[0] * g[1]; x++)
        all[x] = 7 * x + 1;
    {
        int pos = 0;
        char *packed = malloc((size_t)tsize + 1);
        MPI_Pack(all, 1, ft, packed, tsize + 1, &pos, MPI_COMM_SELF);
        memcpy(loc, packed, (size_t)tsize);
        free(packed);
    }
    fh = open_rw(path, MPI_INFO_NULL);
    MPI_File_set_size(fh, 0);
    MPI_File_set_view(fh, 0, MPI_INT, ft, "native", MPI_INFO_NULL);
    MPI_File_write_all(fh, loc, n, MPI_INT, &st);
    MPI_Get_count(&st, MPI_INT, &c);
    CHECK(c == n, "darray write_all: count %d of %d", c, n);
    sync_all(fh);
    MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
    memset(all, 0, (size_t)g[0] * g[1] * sizeof(int));
    MPI_File_read_at(fh, 0, all, g[0] * g[1], MPI_INT, &st);
    for (int x = 0; x < g[0] * g[1]; x++)
        CHECK(all[x] == 7 * x + 1, "darray written collectively: element %d is %d", x, all[x]);
    MPI_Barrier(MPI_COMM_WORLD);
    /* The other way: read it back through the view, independently. */
    MPI_File_set_view(fh, 0, MPI_INT, ft, "native", MPI_INFO_NULL);
    memset(loc, 0, (size_t)n * sizeof(int));
    MPI_File_read(fh, loc, n, MPI_INT, &st);
    {
        int pos = 0;
        int *back = calloc((size_t)g[0] * g[1], sizeof(int));
        MPI_Unpack(loc, tsize, &pos, back, 1, ft, MPI_COMM_SELF);
        for (int x = 0; x < g[0] * g[1]; x++)
            CHECK(back[x] == 0 || back[x] == 7 * x + 1, "darray read independently: %d is %d",
                  x, back[x]);
        for (int i = 0; i < n; i++)
            CHECK(loc[i] != 0, "darray read independently: element %d of %d missing", i, n);
        free(back);
    }
    MPI_File_close(&fh);
    MPI_Type_free(&ft);
    free(loc);
    free(all);
}

/* external32: big-endian, int 4 bytes, double 8, short 2, checked byte by byte. */
static void external32(const char *path)
{
    static const unsigned char want[] = {
        0x01, 0x02, 0x03, 0x04,  0xff, 0xff, 0xff, 0xfe,                   /* 0x01020304, -2 */
        0x3f, 0xf8, 0, 0, 0, 0, 0, 0,  0xc0, 0x24, 0, 0, 0, 0, 0, 0,       /* 1.5, -10.0 */
        0x0a, 0x0b,                                                        /* short 0x0a0b */
        0x00, 0x00, 0x00, 0x07,  0x40, 0x00, 0, 0, 0, 0, 0, 0,             /* {7, 2.0} */
    };
    struct { int i; double d; } rec = { 7, 2.0 }, back_rec;
    int ints[2] = { 0x01020304, -2 }, bi[2];
    double dbl[2] = { 1.5, -10.0 }, bd[2];
    short sh = 0x0a0b, bs;
    int bl[2] = { 1, 1 };
    MPI_Aint disp[2] = { 0, 8 }, ext = 0;
    MPI_Datatype types[2] = { MPI_INT, MPI_DOUBLE }, rt, e, f;
    MPI_File fh;
    MPI_Status st;
    unsigned char raw[sizeof(want)];
    MPI_Offset d = -1;
    char rep[MPI_MAX_DATAREP_STRING];

    MPI_Type_create_struct(2, bl, disp, types, &rt);
    MPI_Type_commit(&rt);
    CHECK(MPI_File_open(MPI_COMM_SELF, path, MPI_MODE_CREATE | MPI_MODE_RDWR |
                        MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL, &fh) == MPI_SUCCESS,
          "open %s failed", path);
    CHECK(MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "external32", MPI_INFO_NULL) ==
          MPI_SUCCESS, "set_view external32 failed");
    MPI_File_get_view(fh, &d, &e, &f, rep);
    CHECK(d == 0 && e == MPI_BYTE && f == MPI_BYTE && !strcmp(rep, "external32"),
          "get_view: %lld, %s", (long long)d, rep);
    MPI_File_get_type_extent(fh, MPI_DOUBLE, &ext);
    CHECK(ext == 8, "external32 extent of MPI_DOUBLE: %ld", (long)ext);
    MPI_File_write(fh, ints, 2, MPI_INT, &st);
    MPI_File_write(fh, dbl, 2, MPI_DOUBLE, &st);
    MPI_File_write(fh, &sh, 1, MPI_SHORT, &st);
    MPI_File_write(fh, &rec, 1, rt, &st);
    MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
    memset(raw, 0xee, sizeof(raw));
    MPI_File_read_at(fh, 0, raw, sizeof(raw), MPI_BYTE, &st);
    for (size_t k = 0; k < sizeof(want); k++)
        CHECK(raw[k] == want[k], "external32 byte %zu is 0x%02x, expected 0x%02x", k, raw[k],
              want[k]);
    MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "external32", MPI_INFO_NULL);
    MPI_File_read(fh, bi, 2, MPI_INT, &st);
    MPI_File_read(fh, bd, 2, MPI_DOUBLE, &st);
    MPI_File_read(fh, &bs, 1, MPI_SHORT, &st);
    MPI_File_read(fh, &back_rec, 1, rt, &st);
    CHECK(bi[0] == ints[0] && bi[1] == ints[1] && bd[0] == dbl[0] && bd[1] == dbl[1] &&
          bs == sh && back_rec.i == 7 && back_rec.d == 2.0,
          "external32 round trip: %x %d %g %g %x {%d %g}", bi[0], bi[1], bd[0], bd[1], bs,
          back_rec.i, back_rec.d);

    /* MPI_LONG is 4 bytes in external32 (8 in memory here): a view of longs
     * counts etypes of 4 bytes, and the values keep their low 32 bits. */
    {
        long lv[3] = { 0x11223344L, -5L, 7L }, lb[3] = { 0, 0, 0 };
        static const unsigned char lwant[] = { 0, 0, 0, 7, 0x11, 0x22, 0x33, 0x44,
                                               0xff, 0xff, 0xff, 0xfb };
        unsigned char lraw[sizeof(lwant)];
        MPI_Datatype holes;
        MPI_Offset pos = -1;
        int c = -1;

        MPI_File_set_size(fh, 0);
        MPI_File_set_view(fh, 0, MPI_LONG, MPI_LONG, "external32", MPI_INFO_NULL);
        MPI_File_get_type_extent(fh, MPI_LONG, &ext);
        CHECK(ext == 4, "external32 extent of MPI_LONG: %ld, expected 4", (long)ext);
        MPI_File_write_at(fh, 1, lv, 2, MPI_LONG, &st);
        MPI_Get_count(&st, MPI_LONG, &c);
        CHECK(c == 2, "external32 write of 2 longs: count %d", c);
        MPI_File_write_at(fh, 0, lv + 2, 1, MPI_LONG, &st);
        MPI_File_seek(fh, 0, MPI_SEEK_END);
        MPI_File_get_position(fh, &pos);
        CHECK(pos == 3, "MPI_SEEK_END in an external32 view of longs: %lld, expected 3",
              (long long)pos);
        MPI_File_read_at(fh, 0, lb, 3, MPI_LONG, &st);
        MPI_Get_count(&st, MPI_LONG, &c);
        CHECK(c == 3 && lb[0] == 7 && lb[1] == 0x11223344L && lb[2] == -5,
              "external32 longs read back: %d of %ld %ld %ld", c, lb[0], lb[1], lb[2]);
        MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
        MPI_File_read_at(fh, 0, lraw, sizeof(lraw), MPI_BYTE, &st);
        for (size_t k = 0; k < sizeof(lwant); k++)
            CHECK(lraw[k] == lwant[k], "external32 long byte %zu is 0x%02x, expected 0x%02x", k,
                  lraw[k], lwant[k]);
        /* A filetype of longs with holes cannot keep its layout there. */
        MPI_Type_vector(2, 1, 2, MPI_LONG, &holes);
        MPI_Type_commit(&holes);
        CHECK_ERR(MPI_File_set_view(fh, 0, MPI_LONG, holes, "external32", MPI_INFO_NULL),
                  MPI_ERR_UNSUPPORTED_DATAREP, "MPI_File_set_view", "holes");
        MPI_Type_free(&holes);
    }
    MPI_File_close(&fh);
    MPI_Type_free(&rt);
}

/* Atomic mode: every rank writes M ints of its own value over the same range at
 * once; afterwards each int holds some rank's value, and ranges of one write
 * are not torn: the whole range is one rank's. */
#define M 20000
static void atomic_overlap(const char *path)
{
    MPI_File fh = open_rw(path, MPI_INFO_NULL);
    int *buf = malloc(M * sizeof(int)), flag = 0;
    MPI_Status st;

    MPI_Datatype ft;

    /* Every other int: a write is many pieces, which only the lock keeps whole. */
    MPI_Type_vector(1, 1, 2, MPI_INT, &ft);
    {
        MPI_Datatype r;
        MPI_Type_create_resized(ft, 0, 8, &r);
        MPI_Type_free(&ft);
        ft = r;
    }
    MPI_Type_commit(&ft);
    MPI_File_set_view(fh, 0, MPI_INT, ft, "native", MPI_INFO_NULL);
    MPI_File_set_atomicity(fh, 1);
    MPI_File_get_atomicity(fh, &flag);
    CHECK(flag == 1, "get_atomicity after set: %d", flag);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < M; i++)
            buf[i] = rank + 1 + round * 100;
        if (round == 1)
            MPI_File_write_at_all(fh, 0, buf, M, MPI_INT, &st);
        else
            MPI_File_write_at(fh, 0, buf, M, MPI_INT, &st);
        MPI_Barrier(MPI_COMM_WORLD);
        memset(buf, 0, M * sizeof(int));
        MPI_File_read_at(fh, 0, buf, M, MPI_INT, &st);
        CHECK(buf[0] >= 1 + round * 100 && buf[0] <= size + round * 100,
              "atomic round %d: first int is %d", round, buf[0]);
        for (int i = 1; i < M; i++)
            CHECK(buf[i] == buf[0], "atomic round %d: int %d is %d, int 0 is %d (torn)", round,
                  i, buf[i], buf[0]);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_File_close(&fh);
    MPI_Type_free(&ft);
    free(buf);
}

int main(int argc, char **argv)
{
    char name[64];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    io_setup();
    interleaved(io_path("inter"), 0, NULL);
    interleaved(io_path("inter"), 1, NULL);
    interleaved(io_path("inter"), 1, "1");
    interleaved(io_path("inter"), 1, "2");
    subarray(io_path("sub"), 1);
    subarray(io_path("sub"), 0);
    darray(io_path("darray"));
    snprintf(name, sizeof(name), "ext32-%d", rank);
    external32(io_path(name));
    atomic_overlap(io_path("atomic"));
    io_done();
    MPI_Finalize();
    if (rank == 0)
        printf("io_views: OK\n");
    return 0;
}
