/* MPI_Alltoallw/Ialltoallw: a datatype per peer (plain ints or a gapped type, the
 * receiver's choice differing from the sender's), byte displacements, uneven blocks,
 * in place and not, world and a split communicator. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_ALLTOALLW=pairwise,linear */
#include "coll_common.c"

static MPI_Datatype gapped;

static int a2a_val(int from, int to, long long i)
{
    return ct_val(from * 64 + to, i);
}

/* Ints exchanged between ranks a and b (both ways): even, so the gapped type fits. */
static int a2a_ints(long long count, int a, int b)
{
    return count ? 2 * ((int)count + (a + b) % 3 - 1) : 0;
}

/* Where message int k sits in a block of type t, in ints. */
static long long pos(MPI_Datatype t, long long k)
{
    return t == MPI_INT ? k : 4 * (k / 2) + 2 * (k % 2);
}

static void check_alltoallw(MPI_Comm comm, long long count, int in_place, int nonblocking)
{
    int rank, size, *sc, *sd, *rc, *rd, *sbuf, *rbuf, stotal = 0, rtotal = 0;
    MPI_Datatype *st, *rt;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? (in_place ? "MPI_Ialltoallw in place" : "MPI_Ialltoallw")
                       : (in_place ? "MPI_Alltoallw in place" : "MPI_Alltoallw"),
           size, -1, count);
    sc = ct_malloc((size_t)size * sizeof(int));
    sd = ct_malloc((size_t)size * sizeof(int));
    rc = ct_malloc((size_t)size * sizeof(int));
    rd = ct_malloc((size_t)size * sizeof(int));
    st = ct_malloc((size_t)size * sizeof(MPI_Datatype));
    rt = ct_malloc((size_t)size * sizeof(MPI_Datatype));
    for (int j = size - 1; j >= 0; j--) {   /* receive blocks in reverse order */
        int n = a2a_ints(count, j, rank);
        rt[j] = (rank + j + 1) % 2 ? gapped : MPI_INT;
        rc[j] = rt[j] == MPI_INT ? n : n / 2;
        rd[j] = rtotal * (int)sizeof(int);
        rtotal += (rt[j] == MPI_INT ? n : 2 * n) + 1;
    }
    for (int j = 0; j < size; j++) {
        int n = a2a_ints(count, rank, j);
        st[j] = in_place ? rt[j] : (rank + j) % 2 ? gapped : MPI_INT;
        sc[j] = st[j] == MPI_INT ? n : n / 2;
        sd[j] = stotal * (int)sizeof(int);
        stotal += (st[j] == MPI_INT ? n : 2 * n) + 1;
    }
    sbuf = ct_malloc((size_t)stotal * sizeof(int));
    rbuf = ct_malloc((size_t)rtotal * sizeof(int));
    for (int i = 0; i < stotal; i++)
        sbuf[i] = -5;
    for (int i = 0; i < rtotal; i++)
        rbuf[i] = -1;
    for (int j = 0; j < size; j++)
        for (long long k = 0; k < a2a_ints(count, rank, j); k++) {
            if (in_place)
                rbuf[rd[j] / sizeof(int) + pos(rt[j], k)] = a2a_val(rank, j, k);
            else
                sbuf[sd[j] / sizeof(int) + pos(st[j], k)] = a2a_val(rank, j, k);
        }
    if (in_place) {
        if (nonblocking) {
            MPI_Ialltoallw(MPI_IN_PLACE, NULL, NULL, NULL, rbuf, rc, rd, rt, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Alltoallw(MPI_IN_PLACE, NULL, NULL, NULL, rbuf, rc, rd, rt, comm);
        }
    } else if (nonblocking) {
        MPI_Ialltoallw(sbuf, sc, sd, st, rbuf, rc, rd, rt, comm, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    } else {
        MPI_Alltoallw(sbuf, sc, sd, st, rbuf, rc, rd, rt, comm);
    }
    for (int j = 0; j < size; j++) {
        int n = a2a_ints(count, j, rank);
        for (long long k = 0; k < n; k++) {
            int got = rbuf[rd[j] / sizeof(int) + pos(rt[j], k)];
            CT_CHECK(got == a2a_val(j, rank, k), "int %lld from rank %d is %d, expected %d", k,
                     j, got, a2a_val(j, rank, k));
        }
        if (rt[j] != MPI_INT && !in_place)
            for (long long k = 0; k < n; k++)
                CT_CHECK(rbuf[rd[j] / sizeof(int) + 4 * (k / 2) + 1 + 2 * (k % 2)] == -1,
                         "a gap of the block from rank %d was written", j);
    }
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    free(st);
    free(rt);
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_ALLTOALLW");
    ct_comms_create();
    gapped = ct_gapped_type();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++) {
            long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? 4 * size * size : 1);
            check_alltoallw(ct_comms[c], count, 0, k % 2);
            check_alltoallw(ct_comms[c], count, 1, (k + 1) % 2);
        }
    }
    MPI_Type_free(&gapped);
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
