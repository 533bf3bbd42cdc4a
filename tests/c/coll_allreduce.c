/* MPI_Allreduce/Iallreduce: every size, in place and not, world and a split
 * communicator; a predefined op, a commutative and a non-commutative user op (in
 * rank order), a non-contiguous type, MPI_MINLOC on pairs; and bitwise
 * reproducibility of a float sum (the same bytes run after run, and on every rank). */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_ALLREDUCE=twolevel,shm,shm_large,recursive_doubling,ring,rabenseifner,reduce_bcast */
#include "coll_common.c"

static void check_allreduce(MPI_Comm comm, int kind, long long count, int in_place,
                            int nonblocking)
{
    const ct_redop_t *o = &ct_redops[kind];
    int rank, size, *sbuf, *rbuf;
    size_t bytes = (size_t)(count * o->ints) * sizeof(int);
    char what[160];
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    snprintf(what, sizeof(what), "%s%s, %s", nonblocking ? "MPI_Iallreduce" : "MPI_Allreduce",
             in_place ? " in place" : "", o->name);
    ct_set(what, size, -1, count);
    sbuf = ct_malloc(bytes);
    rbuf = ct_malloc(bytes);
    ct_red_fill(kind, rank, sbuf, 0, count);
    if (in_place)
        memcpy(rbuf, sbuf, bytes);
    else
        memset(rbuf, 0xff, bytes);
    {
        const void *s = in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Iallreduce(s, rbuf, (int)count, o->type, o->op, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Allreduce(s, rbuf, (int)count, o->type, o->op, comm);
        }
    }
    ct_red_check(kind, rbuf, 0, count, 0, size, "recvbuf");
    if (!in_place)
        ct_red_check(kind, sbuf, 0, count, rank, rank + 1, "sendbuf (must not change)");
    free(sbuf);
    free(rbuf);
}

/* MPI_MINLOC on (value, index) pairs: the smallest value, the lowest rank on ties. */
static void check_minloc(MPI_Comm comm, long long count)
{
    int rank, size, (*in)[2], (*out)[2];

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Allreduce MPI_MINLOC on MPI_2INT", size, -1, count);
    in = ct_malloc((size_t)count * sizeof(*in));
    out = ct_malloc((size_t)count * sizeof(*out));
    for (long long i = 0; i < count; i++) {
        in[i][0] = (ct_val(rank, i) & 0xffff) % 7;
        in[i][1] = rank;
    }
    MPI_Allreduce(in, out, (int)count, MPI_2INT, MPI_MINLOC, comm);
    for (long long i = 0; i < count; i++) {
        int v = 1 << 30, at = -1;
        for (int r = 0; r < size; r++)
            if ((ct_val(r, i) & 0xffff) % 7 < v) {
                v = (ct_val(r, i) & 0xffff) % 7;
                at = r;
            }
        CT_CHECK(out[i][0] == v && out[i][1] == at, "element %lld is (%d, %d), expected (%d, %d)",
                 i, out[i][0], out[i][1], v, at);
    }
    free(in);
    free(out);
}

/* A float sum is not associative: the result depends on the order of combination.
 * For a given algorithm and size it must not depend on anything else. */
static void check_reproducible(MPI_Comm comm, long long count)
{
    int rank, size;
    float *in, *a, *b, *root;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Allreduce float reproducibility", size, -1, count);
    in = ct_malloc((size_t)count * sizeof(float));
    a = ct_malloc((size_t)count * sizeof(float));
    b = ct_malloc((size_t)count * sizeof(float));
    root = ct_malloc((size_t)count * sizeof(float));
    for (long long i = 0; i < count; i++) {
        unsigned h = (unsigned)(rank * 2654435761u) ^ (unsigned)(i * 40503u);
        h ^= h >> 13;
        h *= 0x5bd1e995u;
        /* Magnitudes from 1e-3 to 1e5: rounding differs with the order. */
        in[i] = (float)(h % 100000) * (h % 3 == 0 ? 1.0f : h % 3 == 1 ? 1e-3f : 1e-7f) - 3.0f;
    }
    MPI_Allreduce(in, a, (int)count, MPI_FLOAT, MPI_SUM, comm);
    MPI_Barrier(comm);
    MPI_Allreduce(in, b, (int)count, MPI_FLOAT, MPI_SUM, comm);
    for (long long i = 0; i < count; i++)
        CT_CHECK(memcmp(&a[i], &b[i], sizeof(float)) == 0, "element %lld differs between two "
                 "runs: %.9g then %.9g", i, (double)a[i], (double)b[i]);
    memcpy(root, a, (size_t)count * sizeof(float));
    MPI_Bcast(root, (int)count, MPI_FLOAT, 0, comm);
    for (long long i = 0; i < count; i++)
        CT_CHECK(memcmp(&a[i], &root[i], sizeof(float)) == 0, "element %lld is %.9g here and "
                 "%.9g on rank 0", i, (double)a[i], (double)root[i]);
    free(in);
    free(a);
    free(b);
    free(root);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_ALLREDUCE");
    ct_comms_create();
    ct_redops_create();
    for (int c = 0; c < CT_NCOMMS; c++) {
        for (int kind = 0; kind < CT_NREDOPS; kind++)
            for (int k = 0; k < CT_NCOUNTS; k++) {
                if (ct_counts[k] > ct_redops[kind].max_count)
                    continue;
                check_allreduce(ct_comms[c], kind, ct_counts[k], 0, k % 2);
                check_allreduce(ct_comms[c], kind, ct_counts[k], 1, (k + 1) % 2);
            }
        check_minloc(ct_comms[c], 1);
        check_minloc(ct_comms[c], 1000);
        check_reproducible(ct_comms[c], 7);
        check_reproducible(ct_comms[c], 100003);
    }
    ct_redops_free();
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
