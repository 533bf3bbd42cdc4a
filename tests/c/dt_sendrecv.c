/* Derived datatypes on the wire: each rank sends to the next one around a ring,
 * with different but matching type maps on the two sides (a column of a matrix
 * into a contiguous array, a struct with padding into a resized type, ...), small
 * enough for eager delivery and large enough for rendezvous. */
#include <mpi.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

/* Column c of a rows x cols matrix of doubles, sent to the next rank which
 * receives it as rows contiguous doubles. */
static void test_column(int rows, int cols)
{
    double *m = malloc((size_t)rows * cols * sizeof(double));
    double *col = malloc((size_t)rows * sizeof(double));
    int next = (rank + 1) % size, prev = (rank + size - 1) % size, c = cols / 3;
    MPI_Datatype colt;

    for (int i = 0; i < rows * cols; i++)
        m[i] = rank * 1e7 + i;
    MPI_Type_vector(rows, 1, cols, MPI_DOUBLE, &colt);
    MPI_Type_commit(&colt);
    MPI_Sendrecv(&m[c], 1, colt, next, 1, col, rows, MPI_DOUBLE, prev, 1, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    for (int i = 0; i < rows; i++)
        CHECK(col[i] == prev * 1e7 + i * cols + c, "column of %dx%d: element %d is %g", rows,
              cols, i, col[i]);

    /* And back the other way: contiguous into the column of a zeroed matrix. */
    memset(m, 0, (size_t)rows * cols * sizeof(double));
    for (int i = 0; i < rows; i++)
        col[i] = rank + i * 0.5;
    MPI_Sendrecv(col, rows, MPI_DOUBLE, prev, 2, &m[c], 1, colt, next, 2, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            CHECK(m[i * cols + j] == (j == c ? next + i * 0.5 : 0),
                  "matrix %dx%d received a column: [%d][%d] is %g", rows, cols, i, j,
                  m[i * cols + j]);
    MPI_Type_free(&colt);
    free(col);
    free(m);
}

/* An array of padded structs, sent with a struct type and received as
 * {int, double} pairs packed 12 bytes apart (a resized type). */
static void test_structs(int count)
{
    typedef struct { char tag; double x; int k; } rec_t;
    rec_t *recs = malloc((size_t)count * sizeof(rec_t));
    char *dense = calloc((size_t)count, 16);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    MPI_Datatype st, pk, pkr;

    for (int i = 0; i < count; i++) {
        recs[i].tag = 'a';
        recs[i].x = rank + i / 4.0;
        recs[i].k = i;
    }
    /* Send x then k of each record. */
    MPI_Type_create_struct(2, (int[]){1, 1},
                           (MPI_Aint[]){offsetof(rec_t, x), offsetof(rec_t, k)},
                           (MPI_Datatype[]){MPI_DOUBLE, MPI_INT}, &st);
    MPI_Type_create_resized(st, 0, sizeof(rec_t), &pk);
    MPI_Type_free(&st);
    MPI_Type_commit(&pk);
    /* Receive as {double at 0, int at 8}, 16 bytes apart. */
    MPI_Type_create_struct(2, (int[]){1, 1}, (MPI_Aint[]){0, 8},
                           (MPI_Datatype[]){MPI_DOUBLE, MPI_INT}, &st);
    MPI_Type_create_resized(st, 0, 16, &pkr);
    MPI_Type_free(&st);
    MPI_Type_commit(&pkr);

    MPI_Sendrecv(recs, count, pk, next, 3, dense, count, pkr, prev, 3, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    for (int i = 0; i < count; i++) {
        double x;
        int k;
        memcpy(&x, dense + 16 * i, 8);
        memcpy(&k, dense + 16 * i + 8, 4);
        CHECK(x == prev + i / 4.0 && k == i, "record %d of %d: (%g, %d)", i, count, x, k);
    }
    MPI_Type_free(&pk);
    MPI_Type_free(&pkr);
    free(dense);
    free(recs);
}

/* A subarray block of a 2-D grid, received into the same block of another grid. */
static void test_subarray(int n)
{
    int *g = malloc((size_t)n * n * sizeof(int)), *h = calloc((size_t)n * n, sizeof(int));
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int sub = n / 2, start = n / 4;
    MPI_Datatype blk;

    for (int i = 0; i < n * n; i++)
        g[i] = rank * 100000 + i;
    MPI_Type_create_subarray(2, (int[]){n, n}, (int[]){sub, sub}, (int[]){start, start},
                             MPI_ORDER_C, MPI_INT, &blk);
    MPI_Type_commit(&blk);
    MPI_Sendrecv(g, 1, blk, next, 4, h, 1, blk, prev, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int in = i >= start && i < start + sub && j >= start && j < start + sub;
            CHECK(h[i * n + j] == (in ? prev * 100000 + i * n + j : 0),
                  "subarray of %dx%d: [%d][%d] is %d", n, n, i, j, h[i * n + j]);
        }
    MPI_Type_free(&blk);
    free(h);
    free(g);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    test_column(8, 8);        /* 64 bytes: eager */
    test_column(600, 600);    /* 4.8 KB column of a 2.9 MB matrix */
    test_column(40000, 5);    /* 320 KB column: rendezvous */
    test_structs(5);
    test_structs(100000); /* 1.2 MB of data spread over 2.4 MB */
    test_subarray(16);
    test_subarray(1024);  /* 1 MB block of a 4 MB grid */

    MPI_Finalize();
    return 0;
}
