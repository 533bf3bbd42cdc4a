/* Blocks of length 0 place nothing, so their displacements (and strides) are
 * free: a committed MPI_Type_indexed whose blocks all have length 0 at a
 * displacement of INT_MAX is a valid type of size 0, even over an oldtype whose
 * extent times INT_MAX does not fit in 64 bits. It works inside a struct and in
 * a send and receive. Large byte displacements (hindexed, create_resized) work
 * as long as they are addresses. Constructor errors go to MPI_COMM_SELF, whose
 * handler returns them here so that CHECK can name the call that refused. */
#include <mpi.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int rank, size;

#include "check.h"

#define BIG_EXTENT ((MPI_Aint)1 << 40)   /* INT_MAX times this overflows an MPI_Aint */

static void check_rc(int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING] = "";
    int len = 0;

    if (rc != MPI_SUCCESS)
        MPI_Error_string(rc, msg, &len);
    CHECK(rc == MPI_SUCCESS, "%s refused: %s", what, msg);
}

static void check_bounds(MPI_Datatype t, const char *what, MPI_Count want_size,
                         MPI_Aint want_lb, MPI_Aint want_extent)
{
    MPI_Count sz;
    MPI_Aint lb, ext;
    int isz;

    MPI_Type_size_x(t, &sz);
    MPI_Type_size(t, &isz);
    MPI_Type_get_extent(t, &lb, &ext);
    CHECK(sz == want_size && isz == (int)want_size && lb == want_lb && ext == want_extent,
          "%s: size %lld (int %d), lb %lld, extent %lld; want size %lld, lb %lld, extent %lld",
          what, (long long)sz, isz, (long long)lb, (long long)ext, (long long)want_size,
          (long long)want_lb, (long long)want_extent);
}

/* Empty types over oldtype: indexed, indexed_block, vector with zero-length blocks
 * at INT_MAX; all have size 0 and extent 0. Returns the indexed one, committed. */
static MPI_Datatype empty_types(MPI_Datatype old, const char *oldname)
{
    int lens[3] = {0, 0, 0}, disps[3] = {INT_MAX, INT_MAX, INT_MAX};
    MPI_Aint adisps[2] = {INT64_MAX - 8, INT_MAX};
    MPI_Datatype idx, t;
    char what[128];

    snprintf(what, sizeof(what), "MPI_Type_indexed(3, {0,0,0}, {INT_MAX x3}, %s)", oldname);
    check_rc(MPI_Type_indexed(3, lens, disps, old, &idx), what);
    check_rc(MPI_Type_commit(&idx), "MPI_Type_commit of the empty indexed type");
    check_bounds(idx, what, 0, 0, 0);

    snprintf(what, sizeof(what), "MPI_Type_create_indexed_block(2, 0, {INT_MAX x2}, %s)",
             oldname);
    check_rc(MPI_Type_create_indexed_block(2, 0, disps, old, &t), what);
    check_bounds(t, what, 0, 0, 0);
    MPI_Type_free(&t);

    snprintf(what, sizeof(what), "MPI_Type_vector(4, 0, INT_MAX, %s)", oldname);
    check_rc(MPI_Type_vector(4, 0, INT_MAX, old, &t), what);
    check_bounds(t, what, 0, 0, 0);
    MPI_Type_free(&t);

    snprintf(what, sizeof(what), "MPI_Type_create_hindexed(2, {0,0}, {2^63-9, INT_MAX}, %s)",
             oldname);
    check_rc(MPI_Type_create_hindexed(2, lens, adisps, old, &t), what);
    check_bounds(t, what, 0, 0, 0);
    MPI_Type_free(&t);
    return idx;
}

/* The empty type inside a struct between two ints, sent and received. */
static void struct_roundtrip(MPI_Datatype idx, const char *oldname)
{
    int lens[3] = {1, 1, 1}, out[3 * 2], in[3 * 2], got;
    MPI_Aint disps[3] = {0, 4, 4};
    MPI_Datatype types[3] = {MPI_INT, idx, MPI_INT}, st;
    MPI_Status status;
    char what[128];
    int to = (rank + 1) % size, from = (rank + size - 1) % size;

    snprintf(what, sizeof(what), "struct {int, empty indexed of %s, int}", oldname);
    check_rc(MPI_Type_create_struct(3, lens, disps, types, &st), what);
    check_rc(MPI_Type_commit(&st), "MPI_Type_commit of the struct");
    check_bounds(st, what, 8, 0, 8);

    for (int i = 0; i < 6; i++) {
        out[i] = rank * 100 + i;
        in[i] = -1;
    }
    MPI_Sendrecv(out, 3, st, to, 5, in, 3, st, from, 5, MPI_COMM_WORLD, &status);
    for (int i = 0; i < 6; i++)
        CHECK(in[i] == from * 100 + i, "%s: received int %d is %d, want %d", what, i, in[i],
              from * 100 + i);
    MPI_Get_count(&status, st, &got);
    CHECK(got == 3, "%s: MPI_Get_count gives %d, want 3", what, got);

    /* A count of the empty type itself: no data, a count of zero. */
    MPI_Sendrecv(out, 7, idx, to, 6, in, 7, idx, from, 6, MPI_COMM_WORLD, &status);
    MPI_Get_count(&status, idx, &got);
    CHECK(got == 0, "empty indexed of %s: MPI_Get_count gives %d, want 0", oldname, got);
    MPI_Type_free(&st);
}

int main(int argc, char **argv)
{
    MPI_Datatype contig, wide, idx, t;
    int one = 1;
    MPI_Aint at;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    MPI_Type_contiguous(1000, MPI_DOUBLE, &contig);
    MPI_Type_commit(&contig);
    /* One int in an extent of 2^40 bytes. */
    check_rc(MPI_Type_create_resized(MPI_INT, 0, BIG_EXTENT, &wide),
             "MPI_Type_create_resized(MPI_INT, 0, 2^40)");
    MPI_Type_commit(&wide);
    check_bounds(wide, "MPI_INT resized to 2^40", 4, 0, BIG_EXTENT);

    struct { MPI_Datatype t; const char *name; } olds[] = {
        {MPI_INT, "MPI_INT"}, {MPI_DOUBLE, "MPI_DOUBLE"}, {contig, "1000 doubles"},
        {wide, "MPI_INT resized to 2^40"},
    };
    for (size_t i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
        idx = empty_types(olds[i].t, olds[i].name);
        struct_roundtrip(idx, olds[i].name);
        MPI_Type_free(&idx);
    }

    /* One block: the stride places nothing, its product with the extent is moot. */
    check_rc(MPI_Type_vector(1, 1, INT_MAX, wide, &t), "MPI_Type_vector(1, 1, INT_MAX, wide)");
    check_bounds(t, "MPI_Type_vector(1, 1, INT_MAX, wide)", 4, 0, BIG_EXTENT);
    MPI_Type_free(&t);

    /* Large byte displacements that are addresses. */
    at = (MPI_Aint)1 << 62;
    check_rc(MPI_Type_create_hindexed(1, &one, &at, MPI_INT, &t),
             "MPI_Type_create_hindexed(1, {1}, {2^62}, MPI_INT)");
    check_bounds(t, "hindexed of one int at 2^62", 4, at, 4);
    MPI_Type_free(&t);
    check_rc(MPI_Type_create_resized(MPI_INT, -at, 2 * (at - 1), &t),
             "MPI_Type_create_resized(MPI_INT, -2^62, 2^63 - 2)");
    check_bounds(t, "MPI_INT resized to [-2^62, 2^62 - 2)", 4, -at, 2 * (at - 1));
    MPI_Type_free(&t);

    MPI_Type_free(&wide);
    MPI_Type_free(&contig);
    MPI_Finalize();
    return 0;
}
