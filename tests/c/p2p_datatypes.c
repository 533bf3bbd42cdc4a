/* Derived datatypes through the point-to-point paths, around the ring (to rank+1,
 * from rank-1; to itself at one rank), eager, streamed and single-copy sizes, the
 * receive posted before and after the message:
 *   vector, indexed and struct sends received as contiguous data, and contiguous
 *   sends received into vector, indexed and struct layouts (whose gaps must stay
 *   untouched), and vector into indexed. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, next, prev;

#include "check.h"

#define GAP (-7.5)

typedef struct {
    int a;
    double b[3];
    char c;
} rec_t;   /* 40 bytes with padding, 29 of data */

static inline double val(int src, int round, int i)
{
    return src * 1e7 + round * 1e5 + i + 0.125;
}

/* A layout of n data doubles inside a larger array: where data element i lives. */
typedef struct {
    MPI_Datatype type;
    int *where;       /* where[i]: index of data element i in the array */
    int span;         /* array length */
} layout_t;

static layout_t make_vector(int n)
{
    /* Blocks of 2 every 3 doubles. */
    layout_t l;
    l.where = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++)
        l.where[i] = i / 2 * 3 + i % 2;
    l.span = (n + 1) / 2 * 3 + 1;
    MPI_Type_vector(n / 2, 2, 3, MPI_DOUBLE, &l.type);
    MPI_Type_commit(&l.type);
    return l;
}

static layout_t make_indexed(int n)
{
    /* Blocks of 1, 2, 3, 1, 2, 3, ... doubles with gaps of 1 or 2 between them. */
    int nb = 0, used = 0, pos = 1;
    int *bl = malloc(n * sizeof(int)), *disp = malloc(n * sizeof(int));
    layout_t l;
    l.where = malloc(n * sizeof(int));
    while (used < n) {
        int len = nb % 3 + 1;
        if (len > n - used)
            len = n - used;
        bl[nb] = len;
        disp[nb] = pos;
        for (int k = 0; k < len; k++)
            l.where[used++] = pos + k;
        pos += len + 1 + nb % 2;
        nb++;
    }
    l.span = pos + 1;
    MPI_Type_indexed(nb, bl, disp, MPI_DOUBLE, &l.type);
    MPI_Type_commit(&l.type);
    free(bl);
    free(disp);
    return l;
}

static void free_layout(layout_t *l)
{
    MPI_Type_free(&l->type);
    free(l->where);
}

/* Sends n doubles described by stype/sbuf, receives into rtype/rbuf; `posted`
 * says whether the receive is posted before the send. */
static void xfer(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, int tag, int posted)
{
    MPI_Request sreq, rreq;
    MPI_Status st;
    if (posted) {
        MPI_Irecv(rbuf, rcount, rtype, prev, tag, MPI_COMM_WORLD, &rreq);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Isend(sbuf, scount, stype, next, tag, MPI_COMM_WORLD, &sreq);
    } else {
        MPI_Isend(sbuf, scount, stype, next, tag, MPI_COMM_WORLD, &sreq);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Irecv(rbuf, rcount, rtype, prev, tag, MPI_COMM_WORLD, &rreq);
    }
    MPI_Wait(&rreq, &st);
    MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == tag, "tag %d: status source %d tag %d", tag,
          st.MPI_SOURCE, st.MPI_TAG);
}

static void doubles(int n, int round)
{
    layout_t lay[2] = { make_vector(n), make_indexed(n) };
    const char *names[2] = { "vector", "indexed" };
    double *contig = malloc(n * sizeof(double)), *rcontig = malloc((n + 1) * sizeof(double));

    for (int t = 0; t < 2; t++) {
        layout_t *l = &lay[t];
        double *sparse = malloc(l->span * sizeof(double));
        double *rsparse = malloc(l->span * sizeof(double));
        char *is_data = calloc(l->span, 1);

        for (int i = 0; i < n; i++)
            is_data[l->where[i]] = 1;
        for (int posted = 0; posted < 2; posted++) {
            int tag = round * 100 + t * 10 + posted;

            /* derived -> contiguous */
            for (int i = 0; i < l->span; i++)
                sparse[i] = -1.0;
            for (int i = 0; i < n; i++)
                sparse[l->where[i]] = val(rank, tag, i);
            for (int i = 0; i <= n; i++)
                rcontig[i] = GAP;
            xfer(sparse, 1, l->type, rcontig, n, MPI_DOUBLE, tag, posted);
            for (int i = 0; i < n; i++)
                CHECK(rcontig[i] == val(prev, tag, i), "%s of %d to contiguous (%s): element %d "
                      "is %g", names[t], n, posted ? "posted" : "unexpected", i, rcontig[i]);
            CHECK(rcontig[n] == GAP, "%s of %d to contiguous: wrote past the end", names[t], n);

            /* contiguous -> derived */
            for (int i = 0; i < n; i++)
                contig[i] = val(rank, tag + 50, i);
            for (int i = 0; i < l->span; i++)
                rsparse[i] = GAP;
            xfer(contig, n, MPI_DOUBLE, rsparse, 1, l->type, tag + 50, posted);
            for (int i = 0; i < n; i++)
                CHECK(rsparse[l->where[i]] == val(prev, tag + 50, i), "contiguous to %s of %d "
                      "(%s): element %d is %g", names[t], n, posted ? "posted" : "unexpected", i,
                      rsparse[l->where[i]]);
            for (int i = 0; i < l->span; i++)
                CHECK(is_data[i] || rsparse[i] == GAP, "contiguous to %s of %d: gap at %d "
                      "written (%g)", names[t], n, i, rsparse[i]);
        }
        free(sparse);
        free(rsparse);
        free(is_data);
    }

    /* vector -> indexed */
    {
        double *sv = malloc(lay[0].span * sizeof(double));
        double *ri = malloc(lay[1].span * sizeof(double));
        int tag = round * 100 + 90;
        for (int i = 0; i < lay[0].span; i++)
            sv[i] = -1.0;
        for (int i = 0; i < n; i++)
            sv[lay[0].where[i]] = val(rank, tag, i);
        for (int i = 0; i < lay[1].span; i++)
            ri[i] = GAP;
        xfer(sv, 1, lay[0].type, ri, 1, lay[1].type, tag, round % 2);
        for (int i = 0; i < n; i++)
            CHECK(ri[lay[1].where[i]] == val(prev, tag, i), "vector to indexed of %d: element "
                  "%d is %g", n, i, ri[lay[1].where[i]]);
        free(sv);
        free(ri);
    }
    free_layout(&lay[0]);
    free_layout(&lay[1]);
    free(contig);
    free(rcontig);
}

/* Structs with padding against their packed form. */
static void structs(int m, int round)
{
    MPI_Datatype rec, rec_rs, packed, packed_rs;
    int bl[3] = { 1, 3, 1 };
    MPI_Datatype types[3] = { MPI_INT, MPI_DOUBLE, MPI_CHAR };
    MPI_Aint disp[3] = { offsetof(rec_t, a), offsetof(rec_t, b), offsetof(rec_t, c) };
    MPI_Aint pdisp[3] = { 0, 4, 28 };
    rec_t *recs = malloc(m * sizeof(rec_t)), *rrecs = malloc(m * sizeof(rec_t));
    char *pk = malloc(29 * (size_t)m + 1), *rpk = malloc(29 * (size_t)m + 1);

    MPI_Type_create_struct(3, bl, disp, types, &rec);
    MPI_Type_create_resized(rec, 0, sizeof(rec_t), &rec_rs);
    MPI_Type_commit(&rec_rs);
    MPI_Type_create_struct(3, bl, pdisp, types, &packed);
    MPI_Type_create_resized(packed, 0, 29, &packed_rs);
    MPI_Type_commit(&packed_rs);

    for (int posted = 0; posted < 2; posted++) {
        int tag = 5000 + round * 10 + posted;

        /* struct -> packed */
        memset(recs, 0x11, m * sizeof(rec_t));
        for (int k = 0; k < m; k++) {
            recs[k].a = rank * 100000 + k;
            for (int j = 0; j < 3; j++)
                recs[k].b[j] = val(rank, tag, 3 * k + j);
            recs[k].c = (char)('a' + (k + rank) % 26);
        }
        memset(rpk, 0x5c, 29 * (size_t)m + 1);
        xfer(recs, m, rec_rs, rpk, m, packed_rs, tag, posted);
        for (int k = 0; k < m; k++) {
            int a;
            double b[3];
            memcpy(&a, rpk + 29 * (size_t)k, 4);
            memcpy(b, rpk + 29 * (size_t)k + 4, 24);
            CHECK(a == prev * 100000 + k && rpk[29 * (size_t)k + 28] == 'a' + (k + prev) % 26,
                  "struct to packed, %d records: record %d: a %d c %d", m, k, a,
                  rpk[29 * (size_t)k + 28]);
            for (int j = 0; j < 3; j++)
                CHECK(b[j] == val(prev, tag, 3 * k + j), "struct to packed: record %d b[%d] "
                      "is %g", k, j, b[j]);
        }
        CHECK((unsigned char)rpk[29 * (size_t)m] == 0x5c, "struct to packed wrote past the end");

        /* packed -> struct: the padding of the records stays as it was */
        for (int k = 0; k < m; k++) {
            int a = rank * 100000 + k + 1;
            double b[3];
            for (int j = 0; j < 3; j++)
                b[j] = val(rank, tag + 5, 3 * k + j);
            memcpy(pk + 29 * (size_t)k, &a, 4);
            memcpy(pk + 29 * (size_t)k + 4, b, 24);
            pk[29 * (size_t)k + 28] = (char)('A' + (k + rank) % 26);
        }
        memset(rrecs, 0x77, m * sizeof(rec_t));
        xfer(pk, m, packed_rs, rrecs, m, rec_rs, tag + 5, posted);
        for (int k = 0; k < m; k++) {
            const unsigned char *raw = (const unsigned char *)&rrecs[k];
            CHECK(rrecs[k].a == prev * 100000 + k + 1 && rrecs[k].c == 'A' + (k + prev) % 26,
                  "packed to struct, %d records: record %d: a %d c %d", m, k, rrecs[k].a,
                  rrecs[k].c);
            for (int j = 0; j < 3; j++)
                CHECK(rrecs[k].b[j] == val(prev, tag + 5, 3 * k + j), "packed to struct: record "
                      "%d b[%d] is %g", k, j, rrecs[k].b[j]);
            for (size_t o = offsetof(rec_t, a) + 4; o < offsetof(rec_t, b); o++)
                CHECK(raw[o] == 0x77, "packed to struct: padding byte %zu of record %d written",
                      o, k);
            for (size_t o = offsetof(rec_t, c) + 1; o < sizeof(rec_t); o++)
                CHECK(raw[o] == 0x77, "packed to struct: padding byte %zu of record %d written",
                      o, k);
        }
    }
    MPI_Type_free(&rec);
    MPI_Type_free(&rec_rs);
    MPI_Type_free(&packed);
    MPI_Type_free(&packed_rs);
    free(recs);
    free(rrecs);
    free(pk);
    free(rpk);
}

int main(int argc, char **argv)
{
    /* doubles: 48 bytes; ~11 KB (eager with the default ring, rendezvous with a
     * small one); 80 KB (streamed); 320 KB (single copy where allowed). */
    const int ns[] = { 6, 1400, 10000, 40000 };
    /* records: 29 bytes each on the wire */
    const int ms[] = { 1, 300, 10000 };

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    for (int k = 0; k < 4; k++)
        doubles(ns[k], k);
    for (int k = 0; k < 3; k++)
        structs(ms[k], k);

    MPI_Finalize();
    return 0;
}
