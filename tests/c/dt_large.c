/* Beyond 32 bits: types whose size passes INT_MAX, and (on rank 0, when the
 * machine has the memory) packing more than 2 GiB and more than 2^31 elements
 * through MPI_Pack_c/MPI_Unpack_c. Set BATON_TEST_SKIP_LARGE to skip the
 * memory-hungry part. */
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

#include "check.h"

static int have_memory(double gib)
{
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (getenv("BATON_TEST_SKIP_LARGE") || phys < gib * 3 * (1 << 30)) {
        printf("SKIP: dt_large needs %.0f GiB of memory (BATON_TEST_SKIP_LARGE or small "
               "machine)\n", gib);
        return 0;
    }
    return 1;
}

/* Byte i of the test pattern is i % 251; tmpl + i % 251 holds the next 2 KiB of it. */
static unsigned char tmpl[251 + 2048];

static void fill_pattern(unsigned char *p, MPI_Count n)
{
    for (MPI_Count i = 0; i < n; i += 2048)
        memcpy(p + i, tmpl + i % 251, (size_t)(n - i < 2048 ? n - i : 2048));
}

/* No memory needed: sizes and extents past 32 bits. */
static void test_sizes(void)
{
    MPI_Datatype t, v;
    MPI_Count sx, lb, ext, psize;
    int s;

    MPI_Type_contiguous_c((MPI_Count)3 << 30, MPI_BYTE, &t);
    MPI_Type_commit(&t);
    MPI_Type_size(t, &s);
    MPI_Type_size_x(t, &sx);
    MPI_Type_get_extent_c(t, &lb, &ext);
    CHECK(s == MPI_UNDEFINED && sx == (MPI_Count)3 << 30 && lb == 0 && ext == sx,
          "contiguous_c(3 GiB of bytes): size %d / %lld, extent %lld", s, (long long)sx,
          (long long)ext);
    MPI_Pack_size_c(5, t, MPI_COMM_WORLD, &psize);
    CHECK(psize == (MPI_Count)15 << 30, "MPI_Pack_size_c of 15 GiB is %lld", (long long)psize);

    /* A vector of 2^20 blocks of a 3 GiB type: 3 PiB, still exact. */
    MPI_Type_vector(1 << 20, 1, 2, t, &v);
    MPI_Type_size_x(v, &sx);
    MPI_Type_get_extent_c(v, &lb, &ext);
    CHECK(sx == (MPI_Count)3 << 50 && ext == (((MPI_Count)1 << 21) - 1) * ((MPI_Count)3 << 30),
          "vector of 3 GiB blocks: size %lld, extent %lld", (long long)sx, (long long)ext);
    MPI_Type_free(&v);
    MPI_Type_free(&t);
}

/* 2100 elements of 1023 bytes in every 1024-byte KiB of a MiB: 2.2 GB of data. */
static void test_big_vector(void)
{
    MPI_Datatype v;
    MPI_Count n = 2100, pos = 0, extent = 1024 * 1024 - 1, size = 1023 * 1024;
    MPI_Count total = n * size, span = n * extent;
    unsigned char *src = malloc((size_t)span), *packed = malloc((size_t)total);

    if (!src || !packed) {
        printf("SKIP: dt_large could not allocate %.1f GB\n", (span + total) / 1e9);
        free(src);
        free(packed);
        return;
    }
    fill_pattern(src, span);
    MPI_Type_vector(1024, 1023, 1024, MPI_BYTE, &v);
    MPI_Type_commit(&v);
    CHECK(MPI_Pack_c(src, n, v, packed, total, &pos, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == total, "MPI_Pack_c of 2.2 GB: position %lld", (long long)pos);
    for (MPI_Count e = 0, k = 0; e < n; e++)
        for (MPI_Count b = 0; b < 1024; b++, k += 1023) {
            MPI_Count off = e * extent + b * 1024;
            CHECK(memcmp(packed + k, tmpl + off % 251, 1023) == 0,
                  "packed block %lld of element %lld is wrong", (long long)b, (long long)e);
        }

    memset(src, 0, (size_t)span);
    pos = 0;
    CHECK(MPI_Unpack_c(packed, total, &pos, src, n, v, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == total, "MPI_Unpack_c of 2.2 GB: position %lld", (long long)pos);
    for (MPI_Count e = 0; e < n; e++)
        for (MPI_Count b = 0; b < 1024; b++) {
            MPI_Count off = e * extent + b * 1024;
            CHECK(memcmp(src + off, tmpl + off % 251, 1023) == 0 &&
                  (b == 1023 || src[off + 1023] == 0),
                  "unpacked block %lld of element %lld is wrong", (long long)b, (long long)e);
        }
    MPI_Type_free(&v);
    free(packed);
    free(src);
}

/* More than 2^31 elements: every other byte of a 4.3 GB buffer. */
static void test_many_elements(void)
{
    MPI_Datatype r;
    MPI_Count n = ((MPI_Count)1 << 31) + 1000, pos = 0;
    unsigned char *src = malloc((size_t)(2 * n)), *packed = malloc((size_t)n);

    if (!src || !packed) {
        printf("SKIP: dt_large could not allocate %.1f GB\n", 3 * n / 1e9);
        free(src);
        free(packed);
        return;
    }
    fill_pattern(src, 2 * n);
    MPI_Type_create_resized(MPI_BYTE, 0, 2, &r);
    MPI_Type_commit(&r);
    CHECK(MPI_Pack_c(src, n, r, packed, n, &pos, MPI_COMM_WORLD) == MPI_SUCCESS && pos == n,
          "MPI_Pack_c of 2^31 + 1000 elements: position %lld", (long long)pos);
    for (MPI_Count i = 0, p = 0; i < n; i++, p = p + 2 >= 251 ? p + 2 - 251 : p + 2)
        if (packed[i] != p)
            CHECK(0, "packed element %lld is wrong", (long long)i);
    /* Unpack only the last 1000 elements' worth, from an offset past 2^31. */
    memset(src, 0, (size_t)(2 * n));
    pos = n - 1000;
    CHECK(MPI_Unpack_c(packed, n, &pos, src, 1000, r, MPI_COMM_WORLD) == MPI_SUCCESS &&
          pos == n, "MPI_Unpack_c from position 2^31");
    for (MPI_Count i = 0; i < 1000; i++)
        CHECK(src[2 * i] == tmpl[(2 * (n - 1000 + i)) % 251] && src[2 * i + 1] == 0,
              "unpacked element %lld", (long long)i);
    MPI_Type_free(&r);
    free(packed);
    free(src);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);

    for (int i = 0; i < (int)sizeof(tmpl); i++)
        tmpl[i] = (unsigned char)(i % 251);
    test_sizes();
    /* Once per test run is enough: only in a single-process job. */
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1 && have_memory(6.5)) {
        test_big_vector();
        test_many_elements();
    }

    MPI_Finalize();
    return 0;
}
