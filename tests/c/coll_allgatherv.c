/* MPI_Allgatherv/Iallgatherv: uneven blocks (some empty) in reverse rank order with
 * gaps, in place and not, world and a split communicator. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_ALLGATHERV=ring,linear */
#include "coll_common.c"

static void check_allgatherv(MPI_Comm comm, long long count, int in_place, int nonblocking)
{
    int rank, size, *counts, *displs, *sbuf, *rbuf, total = 0, mine;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? (in_place ? "MPI_Iallgatherv in place" : "MPI_Iallgatherv")
                       : (in_place ? "MPI_Allgatherv in place" : "MPI_Allgatherv"),
           size, -1, count);
    counts = ct_malloc((size_t)size * sizeof(int));
    displs = ct_malloc((size_t)size * sizeof(int));
    for (int r = 0; r < size; r++)
        counts[r] = count ? (int)count + r % 3 - 1 : 0;
    for (int r = size - 1; r >= 0; r--) {
        displs[r] = total;
        total += counts[r] + 2;
    }
    mine = counts[rank];
    sbuf = ct_malloc((size_t)mine * sizeof(int));
    rbuf = ct_malloc((size_t)total * sizeof(int));
    for (int i = 0; i < mine; i++)
        sbuf[i] = ct_val(rank, i);
    for (int i = 0; i < total; i++)
        rbuf[i] = -1;
    if (in_place)
        memcpy(rbuf + displs[rank], sbuf, (size_t)mine * sizeof(int));
    {
        const void *s = in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Iallgatherv(s, mine, MPI_INT, rbuf, counts, displs, MPI_INT, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Allgatherv(s, mine, MPI_INT, rbuf, counts, displs, MPI_INT, comm);
        }
    }
    for (int r = 0; r < size; r++) {
        for (int i = 0; i < counts[r]; i++)
            CT_CHECK(rbuf[displs[r] + i] == ct_val(r, i), "block of rank %d [%d] is %d, "
                     "expected %d", r, i, rbuf[displs[r] + i], ct_val(r, i));
        for (int i = counts[r]; i < counts[r] + 2; i++)
            CT_CHECK(rbuf[displs[r] + i] == -1, "the gap after rank %d's block was written", r);
    }
    free(counts);
    free(displs);
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_ALLGATHERV");
    ct_comms_create();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++) {
            long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? size : 1);
            check_allgatherv(ct_comms[c], count, 0, k % 2);
            check_allgatherv(ct_comms[c], count, 1, (k + 1) % 2);
        }
    }
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
