/* The large-count (_c) constructors build the same type maps as the classic
 * ones, and report their arguments through MPI_Type_get_envelope_c and
 * MPI_Type_get_contents_c as counts; MPI_Type_get_value_index, MPI_Type_match_size. */
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int rank;

#include "check.h"

/* a and b: same size, bounds, and the same packed bytes from the same buffer. */
static void same(const char *what, MPI_Datatype a, MPI_Datatype b)
{
    static unsigned char src[4096], pa[4096], pb[4096];
    MPI_Count sa, sb;
    MPI_Aint la, ea, lb, eb, tla, tea, tlb, teb;
    int posa = 0, posb = 0;

    for (int i = 0; i < (int)sizeof(src); i++)
        src[i] = (unsigned char)(i * 13 + 1);
    MPI_Type_commit(&a);
    MPI_Type_commit(&b);
    MPI_Type_size_x(a, &sa);
    MPI_Type_size_x(b, &sb);
    MPI_Type_get_extent(a, &la, &ea);
    MPI_Type_get_extent(b, &lb, &eb);
    MPI_Type_get_true_extent(a, &tla, &tea);
    MPI_Type_get_true_extent(b, &tlb, &teb);
    CHECK(sa == sb && la == lb && ea == eb && tla == tlb && tea == teb,
          "%s: the _c type differs: size %lld/%lld, lb %ld/%ld, extent %ld/%ld", what,
          (long long)sa, (long long)sb, (long)la, (long)lb, (long)ea, (long)eb);
    MPI_Pack(src + 1024, 2, a, pa, sizeof(pa), &posa, MPI_COMM_WORLD);
    MPI_Pack(src + 1024, 2, b, pb, sizeof(pb), &posb, MPI_COMM_WORLD);
    CHECK(posa == posb && memcmp(pa, pb, (size_t)posa) == 0, "%s: packed bytes differ", what);
}

static void envelope(const char *what, MPI_Datatype t, int combiner, MPI_Count ni, MPI_Count na,
                     MPI_Count nc, MPI_Count nd)
{
    MPI_Count i, a, c, d;
    int comb;
    MPI_Type_get_envelope_c(t, &i, &a, &c, &d, &comb);
    CHECK(comb == combiner && i == ni && a == na && c == nc && d == nd,
          "%s: envelope_c (%d: %lld %lld %lld %lld), expected (%d: %lld %lld %lld %lld)", what,
          comb, (long long)i, (long long)a, (long long)c, (long long)d, combiner, (long long)ni,
          (long long)na, (long long)nc, (long long)nd);
}

int main(int argc, char **argv)
{
    MPI_Datatype a, b, types[2];
    int ints[8], rc, cls, n1, n2, n3, comb;
    MPI_Aint aints[8];
    MPI_Count counts[16];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    MPI_Type_contiguous(5, MPI_SHORT, &a);
    MPI_Type_contiguous_c(5, MPI_SHORT, &b);
    envelope("contiguous", a, MPI_COMBINER_CONTIGUOUS, 1, 0, 0, 1);
    envelope("contiguous_c", b, MPI_COMBINER_CONTIGUOUS, 0, 0, 1, 1);
    same("contiguous", a, b);
    /* The classic query refuses a large-count envelope. */
    rc = MPI_Type_get_envelope(b, &n1, &n2, &n3, &comb);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_TYPE, "MPI_Type_get_envelope of a _c type: class %d", cls);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_vector(3, 2, -4, MPI_INT, &a);
    MPI_Type_vector_c(3, 2, -4, MPI_INT, &b);
    envelope("vector_c", b, MPI_COMBINER_VECTOR, 0, 0, 3, 1);
    MPI_Type_get_contents_c(b, 0, 0, 3, 1, ints, aints, counts, types);
    CHECK(counts[0] == 3 && counts[1] == 2 && counts[2] == -4 && types[0] == MPI_INT,
          "contents of vector_c");
    same("vector", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_hvector(3, 2, 20, MPI_INT, &a);
    MPI_Type_create_hvector_c(3, 2, 20, MPI_INT, &b);
    envelope("hvector", a, MPI_COMBINER_HVECTOR, 2, 1, 0, 1);
    same("hvector", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_indexed(3, (int[]){1, 0, 2}, (int[]){4, 1, -3}, MPI_DOUBLE, &a);
    MPI_Type_indexed_c(3, (MPI_Count[]){1, 0, 2}, (MPI_Count[]){4, 1, -3}, MPI_DOUBLE, &b);
    envelope("indexed", a, MPI_COMBINER_INDEXED, 7, 0, 0, 1);
    envelope("indexed_c", b, MPI_COMBINER_INDEXED, 0, 0, 7, 1);
    MPI_Type_get_contents_c(b, 0, 0, 7, 1, ints, aints, counts, types);
    CHECK(counts[0] == 3 && counts[1] == 1 && counts[3] == 2 && counts[4] == 4 && counts[6] == -3,
          "contents of indexed_c");
    same("indexed", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_hindexed(2, (int[]){3, 1}, (MPI_Aint[]){-7, 9}, MPI_CHAR, &a);
    MPI_Type_create_hindexed_c(2, (MPI_Count[]){3, 1}, (MPI_Count[]){-7, 9}, MPI_CHAR, &b);
    envelope("hindexed", a, MPI_COMBINER_HINDEXED, 3, 2, 0, 1);
    same("hindexed", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_indexed_block(2, 3, (int[]){5, 0}, MPI_FLOAT, &a);
    MPI_Type_create_indexed_block_c(2, 3, (MPI_Count[]){5, 0}, MPI_FLOAT, &b);
    envelope("indexed_block", a, MPI_COMBINER_INDEXED_BLOCK, 4, 0, 0, 1);
    envelope("indexed_block_c", b, MPI_COMBINER_INDEXED_BLOCK, 0, 0, 4, 1);
    same("indexed_block", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_hindexed_block(2, 3, (MPI_Aint[]){40, 0}, MPI_FLOAT, &a);
    MPI_Type_create_hindexed_block_c(2, 3, (MPI_Count[]){40, 0}, MPI_FLOAT, &b);
    envelope("hindexed_block", a, MPI_COMBINER_HINDEXED_BLOCK, 2, 2, 0, 1);
    same("hindexed_block", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_struct(2, (int[]){1, 2}, (MPI_Aint[]){0, 8},
                           (MPI_Datatype[]){MPI_CHAR, MPI_DOUBLE}, &a);
    MPI_Type_create_struct_c(2, (MPI_Count[]){1, 2}, (MPI_Count[]){0, 8},
                             (MPI_Datatype[]){MPI_CHAR, MPI_DOUBLE}, &b);
    envelope("struct_c", b, MPI_COMBINER_STRUCT, 0, 0, 5, 2);
    same("struct", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_resized(MPI_INT, -4, 16, &a);
    MPI_Type_create_resized_c(MPI_INT, -4, 16, &b);
    envelope("resized", a, MPI_COMBINER_RESIZED, 0, 2, 0, 1);
    envelope("resized_c", b, MPI_COMBINER_RESIZED, 0, 0, 2, 1);
    same("resized", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    MPI_Type_create_subarray(2, (int[]){6, 7}, (int[]){2, 3}, (int[]){3, 1}, MPI_ORDER_FORTRAN,
                             MPI_SHORT, &a);
    MPI_Type_create_subarray_c(2, (MPI_Count[]){6, 7}, (MPI_Count[]){2, 3}, (MPI_Count[]){3, 1},
                               MPI_ORDER_FORTRAN, MPI_SHORT, &b);
    envelope("subarray_c", b, MPI_COMBINER_SUBARRAY, 2, 0, 6, 1);
    MPI_Type_get_contents_c(b, 2, 0, 6, 1, ints, aints, counts, types);
    CHECK(ints[0] == 2 && ints[1] == MPI_ORDER_FORTRAN && counts[0] == 6 && counts[5] == 1,
          "contents of subarray_c");
    same("subarray", a, b);
    MPI_Type_free(&a);
    MPI_Type_free(&b);

    /* Pair types by their parts. */
    MPI_Type_get_value_index(MPI_DOUBLE, MPI_INT, &a);
    CHECK(a == MPI_DOUBLE_INT, "value_index(DOUBLE, INT)");
    MPI_Type_get_value_index(MPI_INTEGER, MPI_INTEGER, &a);
    CHECK(a == MPI_2INTEGER, "value_index(INTEGER, INTEGER)");
    MPI_Type_get_value_index(MPI_DOUBLE, MPI_LONG, &a);
    CHECK(a == MPI_DATATYPE_NULL, "value_index(DOUBLE, LONG) has no pair type");

    /* Fortran types by size. */
    MPI_Type_match_size(MPI_TYPECLASS_REAL, 8, &a);
    CHECK(a == MPI_REAL8, "match_size(REAL, 8)");
    MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 2, &a);
    CHECK(a == MPI_INTEGER2, "match_size(INTEGER, 2)");
    MPI_Type_match_size(MPI_TYPECLASS_COMPLEX, 16, &a);
    CHECK(a == MPI_COMPLEX16, "match_size(COMPLEX, 16)");
    rc = MPI_Type_match_size(MPI_TYPECLASS_REAL, 3, &a);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_ARG, "match_size(REAL, 3): class %d", cls);

    MPI_Finalize();
    return 0;
}
