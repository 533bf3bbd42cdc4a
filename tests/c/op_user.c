/* User-defined ops through MPI_Reduce_local: the callback sees the right
 * arguments (length, the datatype handle, in before inout), non-commutative ops
 * keep their operand order, derived datatypes reach the callback as they are,
 * MPI_Op_commutative and MPI_Op_free. */
#include <mpi.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int rank;

#include "check.h"

static int calls, last_len;
static MPI_Datatype last_type;

/* inout = in - inout, element-wise: not commutative. */
static void subtract(void *in, void *inout, int *len, MPI_Datatype *type)
{
    const int *a = in;
    int *b = inout;
    calls++;
    last_len = *len;
    last_type = *type;
    for (int i = 0; i < *len; i++)
        b[i] = a[i] - b[i];
}

/* 2x2 integer matrices, inout = in x inout: associative, not commutative. */
static void matmul(void *in, void *inout, int *len, MPI_Datatype *type)
{
    const int *a = in;
    int *b = inout;
    (void)type;
    for (int k = 0; k < *len; k++, a += 4, b += 4) {
        int c[4] = {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                    a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
        memcpy(b, c, sizeof(c));
    }
}

/* Walks a struct {int; double} type by its extent. */
typedef struct { int i; double d; } pair_t;
static void pair_max(void *in, void *inout, int *len, MPI_Datatype *type)
{
    MPI_Aint lb, extent;
    MPI_Type_get_extent(*type, &lb, &extent);
    for (int k = 0; k < *len; k++) {
        const pair_t *a = (const pair_t *)((const char *)in + k * extent);
        pair_t *b = (pair_t *)((char *)inout + k * extent);
        if (a->d > b->d) {
            b->d = a->d;
            b->i = a->i;
        }
    }
}

static MPI_Count last_len_c;
static void add_c(void *in, void *inout, MPI_Count *len, MPI_Datatype *type)
{
    const double *a = in;
    double *b = inout;
    (void)type;
    last_len_c = *len;
    for (MPI_Count i = 0; i < *len; i++)
        b[i] += a[i];
}

int main(int argc, char **argv)
{
    MPI_Op sub, mm, pm, addc;
    int commute;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    MPI_Op_create(subtract, 0, &sub);
    MPI_Op_commutative(sub, &commute);
    CHECK(commute == 0, "non-commutative op reports %d", commute);
    {
        int a[5] = {10, 20, 30, 40, 50}, b[5] = {1, 2, 3, 4, 5};
        CHECK(MPI_Reduce_local(a, b, 5, MPI_INT, sub) == MPI_SUCCESS, "Reduce_local with sub");
        for (int i = 0; i < 5; i++)
            CHECK(b[i] == 9 * (i + 1), "in - inout: element %d is %d", i, b[i]);
        CHECK(calls == 1 && last_len == 5 && last_type == MPI_INT,
              "callback saw %d calls, len %d", calls, last_len);
        /* Any type may be given to a user op: the callback decides. */
        CHECK(MPI_Reduce_local(a, b, 0, MPI_INT, sub) == MPI_SUCCESS, "count 0");
    }

    MPI_Op_create(matmul, 0, &mm);
    {
        int a[4] = {1, 2, 3, 4}, b[4] = {0, 1, 1, 0};   /* b swaps columns of a */
        MPI_Datatype mat;
        MPI_Type_contiguous(4, MPI_INT, &mat);
        MPI_Type_commit(&mat);
        MPI_Reduce_local(a, b, 1, mat, mm);
        CHECK(b[0] == 2 && b[1] == 1 && b[2] == 4 && b[3] == 3,
              "matmul in x inout: %d %d %d %d", b[0], b[1], b[2], b[3]);
        MPI_Type_free(&mat);
    }

    MPI_Op_create(pair_max, 1, &pm);
    MPI_Op_commutative(pm, &commute);
    CHECK(commute == 1, "commutative op reports %d", commute);
    {
        pair_t a[3] = {{1, 5.0}, {2, -1.0}, {3, 7.5}}, b[3] = {{9, 4.0}, {8, 0.0}, {7, 8.0}};
        MPI_Datatype t;
        MPI_Type_create_struct(2, (int[]){1, 1},
                               (MPI_Aint[]){offsetof(pair_t, i), offsetof(pair_t, d)},
                               (MPI_Datatype[]){MPI_INT, MPI_DOUBLE}, &t);
        MPI_Type_commit(&t);
        CHECK(MPI_Reduce_local(a, b, 3, t, pm) == MPI_SUCCESS, "user op on a mixed struct");
        CHECK(b[0].i == 1 && b[0].d == 5.0 && b[1].i == 8 && b[2].i == 7,
              "pair_max: %d %d %d", b[0].i, b[1].i, b[2].i);
        MPI_Type_free(&t);
    }

    MPI_Op_create_c(add_c, 1, &addc);
    {
        double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
        CHECK(MPI_Reduce_local_c(a, b, 3, MPI_DOUBLE, addc) == MPI_SUCCESS, "Reduce_local_c");
        CHECK(last_len_c == 3 && b[0] == 5 && b[2] == 9, "large-count callback");
        CHECK(MPI_Reduce_local(a, b, 3, MPI_DOUBLE, addc) == MPI_SUCCESS && b[1] == 9,
              "large-count op through MPI_Reduce_local");
    }

    /* Freeing. */
    {
        int rc, cls, a = 1, b = 2;
        MPI_Op dead = sub;
        CHECK(MPI_Op_free(&sub) == MPI_SUCCESS && sub == MPI_OP_NULL, "MPI_Op_free");
        rc = MPI_Op_free(&sub);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OP, "freeing MPI_OP_NULL: class %d", cls);
        rc = MPI_Op_create(NULL, 1, &sub);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "MPI_Op_create(NULL): class %d", cls);
        (void)dead;
        (void)a;
        (void)b;
    }
    MPI_Op_free(&mm);
    MPI_Op_free(&pm);
    MPI_Op_free(&addc);

    MPI_Finalize();
    return 0;
}
