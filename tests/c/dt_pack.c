/* MPI_Pack, MPI_Unpack, MPI_Pack_size: positions across several calls, packing
 * from MPI_BOTTOM with absolute addresses, and the errors (truncation, bad
 * position, bad count, bad communicator) with their classes. */
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int rank;

#include "check.h"

static int err_class(int rc)
{
    int cls;
    MPI_Error_class(rc, &cls);
    return cls;
}

static void test_positions(void)
{
    int ints[3] = {1, -2, 3 + rank}, ints2[3] = {0};
    double dbl[2] = {0.5, -1.25}, dbl2[2] = {0};
    int mat[4][4], mat2[4][4];
    char buf[256];
    int pos = 0, size;
    MPI_Datatype col;

    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            mat[i][j] = 10 * i + j;
    MPI_Type_vector(4, 1, 4, MPI_INT, &col);   /* one column */
    MPI_Type_commit(&col);

    MPI_Pack_size(3, MPI_INT, MPI_COMM_WORLD, &size);
    CHECK(size == 12, "MPI_Pack_size(3, MPI_INT) = %d", size);
    MPI_Pack_size(2, col, MPI_COMM_WORLD, &size);
    CHECK(size == 32, "MPI_Pack_size(2, column) = %d", size);
    MPI_Pack_size(0, col, MPI_COMM_WORLD, &size);
    CHECK(size == 0, "MPI_Pack_size(0, column) = %d", size);

    CHECK(MPI_Pack(ints, 3, MPI_INT, buf, sizeof(buf), &pos, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == 12, "position after 3 ints is %d", pos);
    CHECK(MPI_Pack(dbl, 2, MPI_DOUBLE, buf, sizeof(buf), &pos, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == 28, "position after 2 doubles is %d", pos);
    CHECK(MPI_Pack(&mat[0][1], 1, col, buf, sizeof(buf), &pos, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == 44, "position after a column is %d", pos);
    CHECK(MPI_Pack(NULL, 0, MPI_INT, buf, sizeof(buf), &pos, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == 44, "packing nothing moved the position to %d", pos);
    /* The packed format is the plain bytes, in order. */
    CHECK(memcmp(buf, ints, 12) == 0 && memcmp(buf + 12, dbl, 16) == 0,
          "packed ints and doubles are their bytes");
    for (int i = 0; i < 4; i++) {
        int v;
        memcpy(&v, buf + 28 + 4 * i, 4);
        CHECK(v == 10 * i + 1, "packed column element %d is %d", i, v);
    }

    memset(mat2, 0, sizeof(mat2));
    pos = 0;
    MPI_Unpack(buf, 44, &pos, ints2, 3, MPI_INT, MPI_COMM_WORLD);
    CHECK(pos == 12 && memcmp(ints, ints2, sizeof(ints)) == 0, "unpacked ints (position %d)", pos);
    MPI_Unpack(buf, 44, &pos, dbl2, 2, MPI_DOUBLE, MPI_COMM_WORLD);
    CHECK(pos == 28 && dbl2[0] == 0.5 && dbl2[1] == -1.25, "unpacked doubles (position %d)", pos);
    MPI_Unpack(buf, 44, &pos, &mat2[0][2], 1, col, MPI_COMM_WORLD);
    CHECK(pos == 44, "position after unpacking the column is %d", pos);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            CHECK(mat2[i][j] == (j == 2 ? 10 * i + 1 : 0), "unpacked matrix [%d][%d] = %d", i, j,
                  mat2[i][j]);

    /* Unpacking fewer elements than were packed is fine. */
    pos = 0;
    memset(ints2, 0, sizeof(ints2));
    MPI_Unpack(buf, 44, &pos, ints2, 2, MPI_INT, MPI_COMM_WORLD);
    CHECK(pos == 8 && ints2[0] == 1 && ints2[1] == -2 && ints2[2] == 0, "partial unpack");
    MPI_Type_free(&col);
}

static void test_errors(void)
{
    int ints[4] = {1, 2, 3, 4};
    char buf[64];
    int pos, rc, size;
    MPI_Datatype t;

    pos = 4;
    rc = MPI_Pack(ints, 3, MPI_INT, buf, 15, &pos, MPI_COMM_WORLD);
    CHECK(err_class(rc) == MPI_ERR_TRUNCATE && pos == 4,
          "packing 12 bytes at 4 into 15: class %d, position %d", err_class(rc), pos);
    pos = 3;
    rc = MPI_Pack(ints, 3, MPI_INT, buf, 15, &pos, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS && pos == 15, "packing 12 bytes at 3 into 15 exactly fits");

    pos = 8;
    rc = MPI_Unpack(buf, 16, &pos, ints, 3, MPI_INT, MPI_COMM_WORLD);
    CHECK(err_class(rc) == MPI_ERR_TRUNCATE && pos == 8,
          "unpacking 12 bytes at 8 from 16: class %d, position %d", err_class(rc), pos);

    pos = 20;
    rc = MPI_Pack(ints, 1, MPI_INT, buf, 16, &pos, MPI_COMM_WORLD);
    CHECK(err_class(rc) == MPI_ERR_ARG, "position beyond outsize: class %d", err_class(rc));
    pos = -1;
    rc = MPI_Pack(ints, 1, MPI_INT, buf, 16, &pos, MPI_COMM_WORLD);
    CHECK(err_class(rc) == MPI_ERR_ARG, "negative position: class %d", err_class(rc));
    pos = 0;
    rc = MPI_Pack(ints, -1, MPI_INT, buf, 16, &pos, MPI_COMM_WORLD);
    CHECK(err_class(rc) == MPI_ERR_COUNT, "negative count: class %d", err_class(rc));
    rc = MPI_Pack(ints, 1, MPI_DATATYPE_NULL, buf, 16, &pos, MPI_COMM_WORLD);
    CHECK(err_class(rc) == MPI_ERR_TYPE, "MPI_DATATYPE_NULL: class %d", err_class(rc));
    rc = MPI_Pack(ints, 1, MPI_INT, buf, 16, &pos, MPI_COMM_NULL);
    CHECK(err_class(rc) == MPI_ERR_COMM, "MPI_COMM_NULL: class %d", err_class(rc));
    rc = MPI_Pack(ints, 1, MPI_INT, buf, 16, NULL, MPI_COMM_WORLD);
    CHECK(err_class(rc) == MPI_ERR_ARG, "NULL position: class %d", err_class(rc));
    rc = MPI_Pack_size(-2, MPI_INT, MPI_COMM_WORLD, &size);
    CHECK(err_class(rc) == MPI_ERR_COUNT, "MPI_Pack_size with -2: class %d", err_class(rc));

    /* A type too big for an int size. */
    MPI_Type_contiguous(1 << 30, MPI_INT, &t);
    MPI_Type_commit(&t);
    MPI_Type_size(t, &size);
    CHECK(size == MPI_UNDEFINED, "MPI_Type_size of a 4 GiB type is %d", size);
    {
        MPI_Count sx;
        MPI_Type_size_x(t, &sx);
        CHECK(sx == (MPI_Count)4 << 30, "MPI_Type_size_x of a 4 GiB type is %lld", (long long)sx);
    }
    rc = MPI_Pack_size(1, t, MPI_COMM_WORLD, &size);
    CHECK(err_class(rc) == MPI_ERR_VALUE_TOO_LARGE, "MPI_Pack_size of 4 GiB: class %d",
          err_class(rc));
    MPI_Type_free(&t);
}

/* A struct of absolute addresses packs from MPI_BOTTOM. */
static void test_bottom(void)
{
    struct { int a; double b[2]; char c; } s = {7, {1.5, 2.5}, 'x'}, s2;
    MPI_Aint addr[3], base;
    MPI_Datatype t;
    char buf[64], want[64];
    int pos = 0, wpos = 0;

    MPI_Get_address(&s.a, &addr[0]);
    MPI_Get_address(s.b, &addr[1]);
    MPI_Get_address(&s.c, &addr[2]);
    MPI_Get_address(&s, &base);
    CHECK(MPI_Aint_diff(addr[1], base) == (MPI_Aint)((char *)s.b - (char *)&s),
          "MPI_Aint_diff");
    CHECK(MPI_Aint_add(base, 8) == (MPI_Aint)(uintptr_t)((char *)&s + 8), "MPI_Aint_add");

    MPI_Type_create_struct(3, (int[]){1, 2, 1}, addr,
                           (MPI_Datatype[]){MPI_INT, MPI_DOUBLE, MPI_CHAR}, &t);
    MPI_Type_commit(&t);
    CHECK(MPI_Pack(MPI_BOTTOM, 1, t, buf, sizeof(buf), &pos, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == 21, "packing from MPI_BOTTOM: position %d", pos);
    MPI_Pack(&s.a, 1, MPI_INT, want, sizeof(want), &wpos, MPI_COMM_WORLD);
    MPI_Pack(s.b, 2, MPI_DOUBLE, want, sizeof(want), &wpos, MPI_COMM_WORLD);
    MPI_Pack(&s.c, 1, MPI_CHAR, want, sizeof(want), &wpos, MPI_COMM_WORLD);
    CHECK(memcmp(buf, want, 21) == 0, "MPI_BOTTOM pack matches field by field");

    s2 = s;
    memset(&s, 0, sizeof(s));
    pos = 0;
    MPI_Unpack(buf, 21, &pos, MPI_BOTTOM, 1, t, MPI_COMM_WORLD);
    CHECK(s.a == s2.a && s.b[0] == s2.b[0] && s.b[1] == s2.b[1] && s.c == s2.c,
          "unpack to MPI_BOTTOM restores the struct");
    MPI_Type_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    test_positions();
    test_errors();
    test_bottom();

    MPI_Finalize();
    return 0;
}
