/* Derived datatype constructors: size, lb, extent, true lb/extent of each, and the
 * exact bytes MPI_Pack takes (in type-map order) and MPI_Unpack puts back, against
 * layouts worked out by hand. Covers negative strides and displacements, empty
 * types, struct padding, resized types (whose bounds stick), subarrays in both
 * orders, darray, dup, envelope and contents. */
#include <mpi.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

typedef struct { long disp, len; } blk_t;

#define BUF 8192
#define ORIGIN 2048   /* element 0 starts here: room for negative displacements */

static void check_bounds(const char *what, MPI_Datatype t, long size, long lb, long extent,
                         long tlb, long textent)
{
    int s;
    MPI_Aint l, e, tl, te;
    MPI_Type_size(t, &s);
    MPI_Type_get_extent(t, &l, &e);
    MPI_Type_get_true_extent(t, &tl, &te);
    CHECK(s == size, "%s: size %d, expected %ld", what, s, size);
    CHECK(l == lb && e == extent, "%s: lb/extent (%ld, %ld), expected (%ld, %ld)", what,
          (long)l, (long)e, lb, extent);
    CHECK(tl == tlb && te == textent, "%s: true lb/extent (%ld, %ld), expected (%ld, %ld)", what,
          (long)tl, (long)te, tlb, textent);
}

/* Packs count elements of t from a patterned buffer and compares with the bytes at
 * the hand-computed blocks of each element; then unpacks into a zeroed buffer and
 * checks that exactly those bytes came back. */
static void check_layout(const char *what, MPI_Datatype t, int count, const blk_t *blk, int nblk,
                         long extent)
{
    static unsigned char src[BUF], dst[BUF], packed[BUF], want[BUF], mask[BUF];
    int pos = 0, n = 0, size;

    for (int i = 0; i < BUF; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    memset(mask, 0, sizeof(mask));
    for (int e = 0; e < count; e++)
        for (int b = 0; b < nblk; b++)
            for (long k = 0; k < blk[b].len; k++) {
                long off = ORIGIN + e * extent + blk[b].disp + k;
                want[n++] = src[off];
                mask[off] = 1;
            }
    MPI_Type_size(t, &size);
    CHECK(size * count == n, "%s: type size %d x %d, layout has %d bytes", what, size, count, n);
    CHECK(MPI_Pack(src + ORIGIN, count, t, packed, BUF, &pos, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == n, "%s: MPI_Pack position %d, expected %d", what, pos, n);
    for (int i = 0; i < n; i++)
        CHECK(packed[i] == want[i], "%s: packed byte %d is %d, expected %d", what, i, packed[i],
              want[i]);
    memset(dst, 0, sizeof(dst));
    pos = 0;
    CHECK(MPI_Unpack(packed, n, &pos, dst + ORIGIN, count, t, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == n, "%s: MPI_Unpack position %d, expected %d", what, pos, n);
    for (int i = 0; i < BUF; i++)
        CHECK(dst[i] == (mask[i] ? src[i] : 0), "%s: unpacked byte at offset %d is %d, "
              "expected %d", what, i - ORIGIN, dst[i], mask[i] ? src[i] : 0);
}

static MPI_Datatype commit(MPI_Datatype t)
{
    MPI_Type_commit(&t);
    return t;
}

static void test_contiguous_vector(void)
{
    MPI_Datatype t;

    t = commit((MPI_Type_contiguous(3, MPI_INT, &t), t));
    check_bounds("contiguous(3, INT)", t, 12, 0, 12, 0, 12);
    check_layout("contiguous(3, INT)", t, 2, (blk_t[]){{0, 12}}, 1, 12);
    MPI_Type_free(&t);
    CHECK(t == MPI_DATATYPE_NULL, "MPI_Type_free leaves MPI_DATATYPE_NULL");

    t = commit((MPI_Type_contiguous(0, MPI_INT, &t), t));
    check_bounds("contiguous(0, INT)", t, 0, 0, 0, 0, 0);
    check_layout("contiguous(0, INT)", t, 3, NULL, 0, 0);
    MPI_Type_free(&t);

    t = commit((MPI_Type_vector(3, 2, 4, MPI_INT, &t), t));
    check_bounds("vector(3, 2, 4, INT)", t, 24, 0, 40, 0, 40);
    check_layout("vector(3, 2, 4, INT)", t, 2, (blk_t[]){{0, 8}, {16, 8}, {32, 8}}, 3, 40);
    MPI_Type_free(&t);

    /* Negative stride: the second block is below the first; packing keeps map order. */
    t = commit((MPI_Type_vector(2, 1, -3, MPI_DOUBLE, &t), t));
    check_bounds("vector(2, 1, -3, DOUBLE)", t, 16, -24, 32, -24, 32);
    check_layout("vector(2, 1, -3, DOUBLE)", t, 2, (blk_t[]){{0, 8}, {-24, 8}}, 2, 32);
    MPI_Type_free(&t);

    /* Stride equal to the block: contiguous. */
    t = commit((MPI_Type_vector(4, 2, 2, MPI_SHORT, &t), t));
    check_bounds("vector(4, 2, 2, SHORT)", t, 16, 0, 16, 0, 16);
    check_layout("vector(4, 2, 2, SHORT)", t, 3, (blk_t[]){{0, 16}}, 1, 16);
    MPI_Type_free(&t);

    t = commit((MPI_Type_create_hvector(2, 3, 20, MPI_SHORT, &t), t));
    check_bounds("hvector(2, 3, 20, SHORT)", t, 12, 0, 26, 0, 26);
    check_layout("hvector(2, 3, 20, SHORT)", t, 2, (blk_t[]){{0, 6}, {20, 6}}, 2, 26);
    MPI_Type_free(&t);

    /* A vector of a padded pair: data 12 bytes in each 16. */
    t = commit((MPI_Type_vector(2, 1, 2, MPI_DOUBLE_INT, &t), t));
    check_bounds("vector(2, 1, 2, DOUBLE_INT)", t, 24, 0, 48, 0, 44);
    check_layout("vector(2, 1, 2, DOUBLE_INT)", t, 2, (blk_t[]){{0, 12}, {32, 12}}, 2, 48);
    MPI_Type_free(&t);

    /* Contiguous of a padded pair: one block per pair. */
    t = commit((MPI_Type_contiguous(3, MPI_SHORT_INT, &t), t));
    check_bounds("contiguous(3, SHORT_INT)", t, 18, 0, 24, 0, 24);
    check_layout("contiguous(3, SHORT_INT)", t, 1,
                 (blk_t[]){{0, 2}, {4, 4}, {8, 2}, {12, 4}, {16, 2}, {20, 4}}, 6, 24);
    MPI_Type_free(&t);
}

static void test_indexed(void)
{
    MPI_Datatype t;

    t = commit((MPI_Type_indexed(3, (int[]){2, 0, 1}, (int[]){5, 0, -2}, MPI_INT, &t), t));
    check_bounds("indexed", t, 12, -8, 36, -8, 36);
    check_layout("indexed", t, 2, (blk_t[]){{20, 8}, {-8, 4}}, 2, 36);
    MPI_Type_free(&t);

    t = commit((MPI_Type_create_hindexed(2, (int[]){1, 2}, (MPI_Aint[]){-16, 3}, MPI_CHAR, &t), t));
    check_bounds("hindexed", t, 3, -16, 21, -16, 21);
    check_layout("hindexed", t, 3, (blk_t[]){{-16, 1}, {3, 2}}, 2, 21);
    MPI_Type_free(&t);

    t = commit((MPI_Type_create_indexed_block(3, 2, (int[]){4, 0, 8}, MPI_FLOAT, &t), t));
    check_bounds("indexed_block", t, 24, 0, 40, 0, 40);
    check_layout("indexed_block", t, 2, (blk_t[]){{16, 8}, {0, 8}, {32, 8}}, 3, 40);
    MPI_Type_free(&t);

    /* Out of order blocks that touch in memory are not merged: map order first. */
    t = commit((MPI_Type_create_hindexed_block(2, 1, (MPI_Aint[]){8, 0}, MPI_DOUBLE, &t), t));
    check_bounds("hindexed_block", t, 16, 0, 16, 0, 16);
    check_layout("hindexed_block", t, 2, (blk_t[]){{8, 8}, {0, 8}}, 2, 16);
    MPI_Type_free(&t);

    /* All blocks empty. */
    t = commit((MPI_Type_indexed(2, (int[]){0, 0}, (int[]){3, 7}, MPI_INT, &t), t));
    check_bounds("indexed, empty blocks", t, 0, 0, 0, 0, 0);
    MPI_Type_free(&t);
}

static void test_struct(void)
{
    MPI_Datatype t, r, c;
    struct { char c; long double ld; } s_ld;

    /* {int; double; char}: 13 bytes of data, padded to 24 like the C struct. */
    t = commit((MPI_Type_create_struct(3, (int[]){1, 1, 1}, (MPI_Aint[]){0, 8, 16},
                                       (MPI_Datatype[]){MPI_INT, MPI_DOUBLE, MPI_CHAR}, &t), t));
    check_bounds("struct {int; double; char}", t, 13, 0, 24, 0, 17);
    check_layout("struct {int; double; char}", t, 2, (blk_t[]){{0, 4}, {8, 9}}, 2, 24);
    MPI_Type_free(&t);

    t = commit((MPI_Type_create_struct(2, (int[]){3, 1}, (MPI_Aint[]){0, 4},
                                       (MPI_Datatype[]){MPI_CHAR, MPI_SHORT}, &t), t));
    check_bounds("struct {char[3]; short}", t, 5, 0, 6, 0, 6);
    check_layout("struct {char[3]; short}", t, 2, (blk_t[]){{0, 3}, {4, 2}}, 2, 6);
    MPI_Type_free(&t);

    t = commit((MPI_Type_create_struct(2, (int[]){1, 1},
                                       (MPI_Aint[]){0, offsetof(__typeof__(s_ld), ld)},
                                       (MPI_Datatype[]){MPI_CHAR, MPI_LONG_DOUBLE}, &t), t));
    check_bounds("struct {char; long double}", t, 1 + (long)sizeof(long double), 0,
                 (long)sizeof(s_ld), 0, (long)sizeof(s_ld));
    MPI_Type_free(&t);

    /* Negative displacement; the extent is rounded up to int alignment. */
    t = commit((MPI_Type_create_struct(2, (int[]){1, 2}, (MPI_Aint[]){-4, 0},
                                       (MPI_Datatype[]){MPI_INT, MPI_CHAR}, &t), t));
    check_bounds("struct {int at -4; char[2]}", t, 6, -4, 8, -4, 6);
    check_layout("struct {int at -4; char[2]}", t, 3, (blk_t[]){{-4, 6}}, 1, 8);
    MPI_Type_free(&t);

    /* A pair inside a struct. */
    t = commit((MPI_Type_create_struct(2, (int[]){1, 2}, (MPI_Aint[]){0, 16},
                                       (MPI_Datatype[]){MPI_CHAR, MPI_DOUBLE_INT}, &t), t));
    check_bounds("struct {char; double_int[2]}", t, 25, 0, 48, 0, 44);
    check_layout("struct {char; double_int[2]}", t, 2, (blk_t[]){{0, 1}, {16, 12}, {32, 12}}, 3,
                 48);
    MPI_Type_free(&t);

    /* No blocks at all. */
    t = commit((MPI_Type_create_struct(0, NULL, NULL, NULL, &t), t));
    check_bounds("struct of nothing", t, 0, 0, 0, 0, 0);
    MPI_Type_free(&t);

    /* Resized bounds stick: the struct takes them and adds no padding. */
    MPI_Type_create_resized(MPI_INT, 0, 6, &r);
    t = commit((MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 6},
                                       (MPI_Datatype[]){r, MPI_CHAR}, &t), t));
    check_bounds("struct {resized(int, 0, 6); char at 6}", t, 5, 0, 6, 0, 7);
    check_layout("struct {resized(int, 0, 6); char at 6}", t, 1, (blk_t[]){{0, 4}, {6, 1}}, 2, 6);
    MPI_Type_free(&t);

    /* Contiguous of a resized type steps by the new extent. */
    MPI_Type_free(&r);
    MPI_Type_create_resized(MPI_INT, -2, 10, &r);
    r = commit(r);
    check_bounds("resized(INT, -2, 10)", r, 4, -2, 10, 0, 4);
    check_layout("resized(INT, -2, 10)", r, 3, (blk_t[]){{0, 4}}, 1, 10);
    c = commit((MPI_Type_contiguous(3, r, &c), c));
    check_bounds("contiguous(3, resized(INT, -2, 10))", c, 12, -2, 30, 0, 24);
    check_layout("contiguous(3, resized(INT, -2, 10))", c, 2, (blk_t[]){{0, 4}, {10, 4}, {20, 4}},
                 3, 30);
    MPI_Type_free(&c);
    /* Resized to a smaller extent than the data: elements overlap in memory. */
    MPI_Type_free(&r);
    r = commit((MPI_Type_create_resized(MPI_DOUBLE, 0, 4, &r), r));
    check_bounds("resized(DOUBLE, 0, 4)", r, 8, 0, 4, 0, 8);
    MPI_Type_free(&r);
}

static void test_subarray(void)
{
    MPI_Datatype t;

    t = commit((MPI_Type_create_subarray(2, (int[]){4, 5}, (int[]){2, 3}, (int[]){1, 2},
                                         MPI_ORDER_C, MPI_INT, &t), t));
    check_bounds("subarray C", t, 24, 0, 80, 28, 32);
    check_layout("subarray C", t, 2, (blk_t[]){{28, 12}, {48, 12}}, 2, 80);
    MPI_Type_free(&t);

    t = commit((MPI_Type_create_subarray(2, (int[]){4, 5}, (int[]){2, 3}, (int[]){1, 2},
                                         MPI_ORDER_FORTRAN, MPI_INT, &t), t));
    check_bounds("subarray Fortran", t, 24, 0, 80, 36, 40);
    check_layout("subarray Fortran", t, 2, (blk_t[]){{36, 8}, {52, 8}, {68, 8}}, 3, 80);
    MPI_Type_free(&t);

    /* 3-D, C order, of shorts: [3][4][5], take [1..2][0..1][3..4]. */
    {
        blk_t want[4];
        int n = 0;
        for (int i = 1; i <= 2; i++)
            for (int j = 0; j <= 1; j++)
                want[n++] = (blk_t){((i * 4 + j) * 5 + 3) * 2, 4};
        t = commit((MPI_Type_create_subarray(3, (int[]){3, 4, 5}, (int[]){2, 2, 2},
                                             (int[]){1, 0, 3}, MPI_ORDER_C, MPI_SHORT, &t), t));
        check_bounds("subarray 3-D", t, 16, 0, 120, want[0].disp,
                     want[3].disp + 4 - want[0].disp);
        check_layout("subarray 3-D", t, 2, want, 4, 120);
        MPI_Type_free(&t);
    }

    /* An empty subarray still spans the whole array. */
    t = commit((MPI_Type_create_subarray(1, (int[]){10}, (int[]){0}, (int[]){0}, MPI_ORDER_C,
                                         MPI_DOUBLE, &t), t));
    check_bounds("subarray of nothing", t, 0, 0, 80, 0, 0);
    MPI_Type_free(&t);

    /* Bad arguments. */
    {
        int rc, cls;
        rc = MPI_Type_create_subarray(2, (int[]){4, 5}, (int[]){2, 3}, (int[]){3, 2},
                                      MPI_ORDER_C, MPI_INT, &t);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "subarray with start + subsize > size gave class %d", cls);
        rc = MPI_Type_create_subarray(1, (int[]){4}, (int[]){2}, (int[]){0}, 7, MPI_INT, &t);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "subarray with order 7 gave class %d", cls);
    }
}

static void test_darray(void)
{
    /* 4 x 6 ints on a 2 x 2 process grid: rows in blocks, columns cyclic by 2. */
    for (int r = 0; r < 4; r++) {
        MPI_Datatype t;
        blk_t want[8];
        int n = 0, pr = r / 2, pc = r % 2;
        char what[64];

        for (int row = pr * 2; row < pr * 2 + 2; row++)
            for (int col = pc * 2; col < 6; col += 4)
                want[n++] = (blk_t){(row * 6 + col) * 4, 8};
        snprintf(what, sizeof(what), "darray for rank %d of 4", r);
        t = commit((MPI_Type_create_darray(4, r, 2, (int[]){4, 6},
                                           (int[]){MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
                                           (int[]){MPI_DISTRIBUTE_DFLT_DARG, 2}, (int[]){2, 2},
                                           MPI_ORDER_C, MPI_INT, &t), t));
        check_bounds(what, t, n * 8, 0, 96, want[0].disp, want[n - 1].disp + 8 - want[0].disp);
        check_layout(what, t, 1, want, n, 96);
        MPI_Type_free(&t);
    }
    /* Fortran order, 1-D block of 10 doubles over 3 processes: 4, 4, 2. */
    for (int r = 0; r < 3; r++) {
        MPI_Datatype t;
        long len = r < 2 ? 32 : 16;
        t = commit((MPI_Type_create_darray(3, r, 1, (int[]){10}, (int[]){MPI_DISTRIBUTE_BLOCK},
                                           (int[]){MPI_DISTRIBUTE_DFLT_DARG}, (int[]){3},
                                           MPI_ORDER_FORTRAN, MPI_DOUBLE, &t), t));
        check_bounds("darray 1-D block", t, len, 0, 80, r * 32, len);
        MPI_Type_free(&t);
    }
}

static void test_dup_envelope(void)
{
    MPI_Datatype v, d, s, types[3];
    int ni, na, nd, comb, ints[8];
    MPI_Aint aints[4];

    MPI_Type_vector(3, 2, 4, MPI_INT, &v);
    MPI_Type_dup(v, &d);
    check_bounds("dup of vector", d, 24, 0, 40, 0, 40);
    MPI_Type_commit(&v);
    MPI_Type_free(&d);
    MPI_Type_dup(v, &d);   /* a committed type's dup is committed */
    check_layout("dup of vector", d, 2, (blk_t[]){{0, 8}, {16, 8}, {32, 8}}, 3, 40);

    MPI_Type_get_envelope(d, &ni, &na, &nd, &comb);
    CHECK(comb == MPI_COMBINER_DUP && ni == 0 && na == 0 && nd == 1, "envelope of dup: %d %d %d %d",
          comb, ni, na, nd);
    MPI_Type_get_contents(d, 0, 0, 1, ints, aints, types);
    CHECK(types[0] == v, "contents of dup name the old type");
    MPI_Type_free(&types[0]);   /* derived types handed out by get_contents are the user's */

    MPI_Type_get_envelope(v, &ni, &na, &nd, &comb);
    CHECK(comb == MPI_COMBINER_VECTOR && ni == 3 && na == 0 && nd == 1, "envelope of vector");
    MPI_Type_get_contents(v, 3, 0, 1, ints, aints, types);
    CHECK(ints[0] == 3 && ints[1] == 2 && ints[2] == 4 && types[0] == MPI_INT,
          "contents of vector: %d %d %d", ints[0], ints[1], ints[2]);

    MPI_Type_create_struct(2, (int[]){1, 2}, (MPI_Aint[]){0, 16}, (MPI_Datatype[]){MPI_CHAR, v},
                           &s);
    MPI_Type_get_envelope(s, &ni, &na, &nd, &comb);
    CHECK(comb == MPI_COMBINER_STRUCT && ni == 3 && na == 2 && nd == 2, "envelope of struct");
    MPI_Type_get_contents(s, 3, 2, 2, ints, aints, types);
    CHECK(ints[0] == 2 && ints[1] == 1 && ints[2] == 2 && aints[0] == 0 && aints[1] == 16 &&
          types[0] == MPI_CHAR && types[1] == v, "contents of struct");
    MPI_Type_free(&types[1]);

    /* The old type outlives its handle while a derived type uses it. */
    MPI_Type_free(&v);
    MPI_Type_free(&d);
    MPI_Type_commit(&s);
    check_bounds("struct holding a freed vector", s, 49, 0, 96, 0, 96);
    MPI_Type_get_contents(s, 3, 2, 2, ints, aints, types);
    check_bounds("vector from get_contents after free", types[1], 24, 0, 40, 0, 40);
    MPI_Type_free(&types[1]);
    MPI_Type_free(&s);

    MPI_Type_create_subarray(2, (int[]){4, 5}, (int[]){2, 3}, (int[]){1, 2}, MPI_ORDER_C, MPI_INT,
                             &s);
    MPI_Type_get_envelope(s, &ni, &na, &nd, &comb);
    CHECK(comb == MPI_COMBINER_SUBARRAY && ni == 8 && na == 0 && nd == 1, "envelope of subarray");
    MPI_Type_get_contents(s, 8, 0, 1, ints, aints, types);
    CHECK(ints[0] == 2 && ints[1] == 4 && ints[3] == 2 && ints[5] == 1 && ints[7] == MPI_ORDER_C,
          "contents of subarray");
    MPI_Type_free(&s);

    MPI_Type_create_resized(MPI_INT, -2, 10, &s);
    MPI_Type_get_envelope(s, &ni, &na, &nd, &comb);
    MPI_Type_get_contents(s, 0, 2, 1, ints, aints, types);
    CHECK(comb == MPI_COMBINER_RESIZED && na == 2 && aints[0] == -2 && aints[1] == 10,
          "contents of resized");
    MPI_Type_free(&s);
}

static void test_names_and_errors(void)
{
    MPI_Datatype t;
    char name[MPI_MAX_OBJECT_NAME];
    int len, rc, cls, pos = 0, x = 0;
    char buf[16];

    MPI_Type_contiguous(2, MPI_INT, &t);
    MPI_Type_get_name(t, name, &len);
    CHECK(len == 0 && name[0] == 0, "a new type has an empty name, got \"%s\"", name);
    MPI_Type_set_name(t, "pair of ints");
    MPI_Type_get_name(t, name, &len);
    CHECK(strcmp(name, "pair of ints") == 0 && len == 12, "type name \"%s\"", name);

    /* Communicating with an uncommitted type is an error. */
    rc = MPI_Pack(&x, 1, t, buf, sizeof(buf), &pos, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE && pos == 0, "MPI_Pack with an uncommitted type gave class %d", cls);
    MPI_Type_free(&t);

    rc = MPI_Type_contiguous(-1, MPI_INT, &t);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COUNT, "contiguous(-1) gave class %d", cls);
    rc = MPI_Type_vector(2, -1, 1, MPI_INT, &t);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_ARG, "vector with blocklength -1 gave class %d", cls);
    rc = MPI_Type_contiguous(1, MPI_DATATYPE_NULL, &t);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE, "contiguous of MPI_DATATYPE_NULL gave class %d", cls);
    rc = MPI_Type_indexed(2, (int[]){1, -3}, (int[]){0, 1}, MPI_INT, &t);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_ARG, "indexed with a negative blocklength gave class %d", cls);
    rc = MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 4},
                                (MPI_Datatype[]){MPI_INT, MPI_DATATYPE_NULL}, &t);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE, "struct with MPI_DATATYPE_NULL gave class %d", cls);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    test_contiguous_vector();
    test_indexed();
    test_struct();
    test_subarray();
    test_darray();
    test_dup_envelope();
    test_names_and_errors();

    MPI_Finalize();
    return 0;
}
