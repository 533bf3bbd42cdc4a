/* MPI_Alltoallv/Ialltoallv: uneven (some empty) blocks in reverse order with gaps,
 * in place and not, world and a split communicator. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_ALLTOALLV=pairwise,linear */
#include "coll_common.c"

static int a2a_val(int from, int to, long long i)
{
    return ct_val(from * 64 + to, i);
}

/* Elements between ranks a and b, the same both ways (needed in place). */
static int a2a_count(long long count, int a, int b)
{
    return count ? (int)count + (a + b) % 3 - 1 : 0;
}

/* Block layout: peers in reverse order, a gap of 2 after each block. */
static int layout(int size, const int *counts, int *displs)
{
    int total = 0;
    for (int j = size - 1; j >= 0; j--) {
        displs[j] = total;
        total += counts[j] + 2;
    }
    return total;
}

static void check_alltoallv(MPI_Comm comm, long long count, int in_place, int nonblocking)
{
    int rank, size, *sc, *sd, *rc, *rd, *sbuf, *rbuf, stotal, rtotal;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? (in_place ? "MPI_Ialltoallv in place" : "MPI_Ialltoallv")
                       : (in_place ? "MPI_Alltoallv in place" : "MPI_Alltoallv"),
           size, -1, count);
    sc = ct_malloc((size_t)size * sizeof(int));
    sd = ct_malloc((size_t)size * sizeof(int));
    rc = ct_malloc((size_t)size * sizeof(int));
    rd = ct_malloc((size_t)size * sizeof(int));
    for (int j = 0; j < size; j++) {
        sc[j] = a2a_count(count, rank, j);
        rc[j] = a2a_count(count, j, rank);
    }
    stotal = layout(size, sc, sd);
    rtotal = layout(size, rc, rd);
    /* Send blocks packed forwards instead, to differ from the receive layout. */
    stotal = 0;
    for (int j = 0; j < size; j++) {
        sd[j] = stotal;
        stotal += sc[j] + 1;
    }
    sbuf = ct_malloc((size_t)stotal * sizeof(int));
    rbuf = ct_malloc((size_t)rtotal * sizeof(int));
    for (int j = 0; j < size; j++)
        for (int i = 0; i < sc[j]; i++)
            sbuf[sd[j] + i] = a2a_val(rank, j, i);
    for (int i = 0; i < rtotal; i++)
        rbuf[i] = -1;
    if (in_place)
        for (int j = 0; j < size; j++)
            for (int i = 0; i < rc[j]; i++)
                rbuf[rd[j] + i] = a2a_val(rank, j, i);
    {
        const void *s = in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Ialltoallv(s, sc, sd, MPI_INT, rbuf, rc, rd, MPI_INT, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Alltoallv(s, sc, sd, MPI_INT, rbuf, rc, rd, MPI_INT, comm);
        }
    }
    for (int j = 0; j < size; j++) {
        for (int i = 0; i < rc[j]; i++)
            CT_CHECK(rbuf[rd[j] + i] == a2a_val(j, rank, i), "block from rank %d [%d] is %d, "
                     "expected %d", j, i, rbuf[rd[j] + i], a2a_val(j, rank, i));
        for (int i = rc[j]; i < rc[j] + 2; i++)
            CT_CHECK(rbuf[rd[j] + i] == -1, "the gap after the block from rank %d was written",
                     j);
    }
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_ALLTOALLV");
    ct_comms_create();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++) {
            long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? size * size : 1);
            check_alltoallv(ct_comms[c], count, 0, k % 2);
            check_alltoallv(ct_comms[c], count, 1, (k + 1) % 2);
        }
    }
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
