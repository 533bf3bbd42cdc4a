/* MPI_Pack_external with "external32": big-endian bytes, the standard's sizes
 * (MPI_LONG is 4 bytes, MPI_WCHAR 2, MPI_LONG_DOUBLE a 16-byte IEEE quad),
 * pairs and complex numbers component by component, round trips through
 * MPI_Unpack_external, MPI_Pack_external_size, and the errors. */
#include <mpi.h>

#include <complex.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

static int rank;

#include "check.h"

/* Packs one element of t from buf and compares with want; unpacks into out. */
static void check_bytes(const char *what, const void *buf, MPI_Datatype t,
                        const unsigned char *want, int nwant, void *out)
{
    unsigned char ext[64];
    MPI_Aint pos = 0, size = -1;

    MPI_Pack_external_size("external32", 1, t, &size);
    CHECK(size == nwant, "%s: external32 size %ld, expected %d", what, (long)size, nwant);
    CHECK(MPI_Pack_external("external32", buf, 1, t, ext, sizeof(ext), &pos) == MPI_SUCCESS &&
          pos == nwant, "%s: position %ld after packing", what, (long)pos);
    for (int i = 0; i < nwant; i++)
        CHECK(ext[i] == want[i], "%s: external32 byte %d is %02x, expected %02x", what, i, ext[i],
              want[i]);
    pos = 0;
    CHECK(MPI_Unpack_external("external32", ext, nwant, &pos, out, 1, t) == MPI_SUCCESS &&
          pos == nwant, "%s: position %ld after unpacking", what, (long)pos);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    {
        int x = 0x01020304, y = 0;
        check_bytes("int", &x, MPI_INT, (unsigned char[]){1, 2, 3, 4}, 4, &y);
        CHECK(y == x, "int round trip: %x", y);
    }
    {
        long x = -2, y = 0;
        check_bytes("long", &x, MPI_LONG, (unsigned char[]){0xff, 0xff, 0xff, 0xfe}, 4, &y);
        CHECK(y == -2, "long round trip (sign extension): %ld", y);
    }
    {
        unsigned long x = 0x80000001ul, y = 0;
        check_bytes("unsigned long", &x, MPI_UNSIGNED_LONG,
                    (unsigned char[]){0x80, 0, 0, 1}, 4, &y);
        CHECK(y == 0x80000001ul, "unsigned long round trip: %lx", y);
    }
    {
        short x = 0x1234, y = 0;
        check_bytes("short", &x, MPI_SHORT, (unsigned char[]){0x12, 0x34}, 2, &y);
        CHECK(y == x, "short round trip");
    }
    {
        wchar_t x = L'A', y = 0;
        check_bytes("wchar", &x, MPI_WCHAR, (unsigned char[]){0, 0x41}, 2, &y);
        CHECK(y == x, "wchar round trip");
    }
    {
        float x = 1.0f, y = 0;
        check_bytes("float", &x, MPI_FLOAT, (unsigned char[]){0x3f, 0x80, 0, 0}, 4, &y);
        CHECK(y == x, "float round trip");
    }
    {
        double x = 1.0, y = 0;
        check_bytes("double", &x, MPI_DOUBLE,
                    (unsigned char[]){0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, 8, &y);
        CHECK(y == x, "double round trip");
    }
    {
        long double x = -2.0L, y = 0;
        unsigned char want[16] = {0xc0, 0x00};
        check_bytes("long double", &x, MPI_LONG_DOUBLE, want, 16, &y);
        CHECK(y == x, "long double round trip");
        x = 1.5L;
        want[0] = 0x3f;
        want[1] = 0xff;
        want[2] = 0x80;
        check_bytes("long double 1.5", &x, MPI_LONG_DOUBLE, want, 16, &y);
        CHECK(y == x, "long double 1.5 round trip");
    }
    {
        float _Complex x = 1.0f - 1.0f * I, y = 0;
        check_bytes("float complex", &x, MPI_C_FLOAT_COMPLEX,
                    (unsigned char[]){0x3f, 0x80, 0, 0, 0xbf, 0x80, 0, 0}, 8, &y);
        CHECK(y == x, "float complex round trip");
    }
    {
        struct { double v; int i; } x = {2.0, 7}, y = {0, 0};
        check_bytes("DOUBLE_INT", &x, MPI_DOUBLE_INT,
                    (unsigned char[]){0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, 12, &y);
        CHECK(y.v == 2.0 && y.i == 7, "DOUBLE_INT round trip");
    }
    {
        struct { long v; int i; } x = {-1, 3}, y = {0, 0};
        check_bytes("LONG_INT", &x, MPI_LONG_INT,
                    (unsigned char[]){0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3}, 8, &y);
        CHECK(y.v == -1 && y.i == 3, "LONG_INT round trip");
    }
    {
        /* A derived type: every other short of 4, then a char. */
        struct { short s[4]; char c; } x = {{0x0102, 0x0304, 0x0506, 0x0708}, 'z'}, y;
        MPI_Datatype v, t;
        MPI_Type_vector(2, 1, 2, MPI_SHORT, &v);
        MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 8},
                               (MPI_Datatype[]){v, MPI_CHAR}, &t);
        MPI_Type_commit(&t);
        memset(&y, 0, sizeof(y));
        check_bytes("struct {vector of shorts; char}", &x, t,
                    (unsigned char[]){1, 2, 5, 6, 'z'}, 5, &y);
        CHECK(y.s[0] == 0x0102 && y.s[1] == 0 && y.s[2] == 0x0506 && y.s[3] == 0 && y.c == 'z',
              "derived round trip");
        MPI_Type_free(&t);
        MPI_Type_free(&v);
    }

    /* Several calls share a buffer through position. */
    {
        int a[3] = {1, 2, 3}, b[3];
        double d = 0.5, e;
        unsigned char buf[64];
        MPI_Aint pos = 0, size;
        MPI_Pack_external("external32", a, 3, MPI_INT, buf, sizeof(buf), &pos);
        MPI_Pack_external("external32", &d, 1, MPI_DOUBLE, buf, sizeof(buf), &pos);
        CHECK(pos == 20, "position after 3 ints and a double: %ld", (long)pos);
        MPI_Pack_external_size("external32", 3, MPI_INT, &size);
        CHECK(size == 12, "external32 size of 3 ints: %ld", (long)size);
        pos = 0;
        MPI_Unpack_external("external32", buf, 20, &pos, b, 3, MPI_INT);
        MPI_Unpack_external("external32", buf, 20, &pos, &e, 1, MPI_DOUBLE);
        CHECK(pos == 20 && b[2] == 3 && e == 0.5, "unpacking both");
    }

    /* Errors. */
    {
        int a[2] = {1, 2}, rc, cls;
        unsigned char buf[8];
        MPI_Aint pos = 4, size;
        rc = MPI_Pack_external("native", a, 1, MPI_INT, buf, sizeof(buf), &pos);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "datarep \"native\": class %d", cls);
        rc = MPI_Pack_external("external32", a, 2, MPI_INT, buf, sizeof(buf), &pos);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TRUNCATE && pos == 4, "overflow: class %d, position %ld", cls,
              (long)pos);
        rc = MPI_Unpack_external("external32", buf, 6, &pos, a, 1, MPI_INT);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TRUNCATE, "reading past insize: class %d", cls);
        rc = MPI_Pack_external_size("external32", -1, MPI_INT, &size);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_COUNT, "negative count: class %d", cls);
    }

    MPI_Finalize();
    return 0;
}
