/* MPI_Scatter/Iscatter and MPI_Scatterv/Iscatterv: every root, every size, in place
 * at the root and not, world and a split communicator, type conversion (ints into
 * a non-contiguous receive type). */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_SCATTER=shm,binomial,linear */
#include "coll_common.c"

static void check_scatter(MPI_Comm comm, long long count, int root, int in_place, int nonblocking)
{
    int rank, size, *sbuf = NULL, *rbuf;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? (in_place ? "MPI_Iscatter in place" : "MPI_Iscatter")
                       : (in_place ? "MPI_Scatter in place" : "MPI_Scatter"),
           size, root, count);
    if (rank == root) {
        sbuf = ct_malloc((size_t)(count * size) * sizeof(int));
        for (int r = 0; r < size; r++)
            for (long long i = 0; i < count; i++)
                sbuf[r * count + i] = ct_val(r, i);
    }
    rbuf = ct_malloc((size_t)count * sizeof(int));
    for (long long i = 0; i < count; i++)
        rbuf[i] = -1;
    {
        void *r = rank == root && in_place ? MPI_IN_PLACE : rbuf;
        if (nonblocking) {
            MPI_Iscatter(sbuf, (int)count, MPI_INT, r, (int)count, MPI_INT, root, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Scatter(sbuf, (int)count, MPI_INT, r, (int)count, MPI_INT, root, comm);
        }
    }
    if (rank == root && in_place) {
        for (long long i = 0; i < count * size; i++)   /* untouched */
            CT_CHECK(sbuf[i] == ct_val((int)(i / count), i % count), "sendbuf[%lld] changed", i);
    } else {
        for (long long i = 0; i < count; i++)
            CT_CHECK(rbuf[i] == ct_val(rank, i), "recvbuf[%lld] is %d, expected %d", i, rbuf[i],
                     ct_val(rank, i));
    }
    free(sbuf);
    free(rbuf);
}

static void check_scatter_types(MPI_Comm comm, long long count, int root, MPI_Datatype gapped)
{
    int rank, size, *sbuf = NULL, *rbuf;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Scatter non-contiguous receive type", size, root, count);
    if (rank == root) {
        sbuf = ct_malloc((size_t)(2 * count * size) * sizeof(int));
        for (int r = 0; r < size; r++)
            for (long long i = 0; i < 2 * count; i++)
                sbuf[r * 2 * count + i] = ct_val(r, i);
    }
    rbuf = ct_malloc((size_t)(4 * count) * sizeof(int));
    for (long long i = 0; i < 4 * count; i++)
        rbuf[i] = -1;
    MPI_Scatter(sbuf, (int)(2 * count), MPI_INT, rbuf, (int)count, gapped, root, comm);
    for (long long i = 0; i < 4 * count; i++) {
        int want = i % 2 ? -1 : ct_val(rank, i / 2);
        CT_CHECK(rbuf[i] == want, "recvbuf[%lld] is %d, expected %d", i, rbuf[i], want);
    }
    free(sbuf);
    free(rbuf);
}

/* Uneven blocks, taken from the send buffer in reverse rank order with gaps. */
static void check_scatterv(MPI_Comm comm, long long count, int root, int in_place, int nonblocking)
{
    int rank, size, *counts, *displs, *sbuf = NULL, *rbuf, total = 0, mine;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? "MPI_Iscatterv" : in_place ? "MPI_Scatterv in place" : "MPI_Scatterv",
           size, root, count);
    counts = ct_malloc((size_t)size * sizeof(int));
    displs = ct_malloc((size_t)size * sizeof(int));
    for (int r = 0; r < size; r++)
        counts[r] = count ? (int)count + r % 3 - 1 : 0;
    for (int r = size - 1; r >= 0; r--) {
        displs[r] = total;
        total += counts[r] + 2;
    }
    mine = counts[rank];
    if (rank == root) {
        sbuf = ct_malloc((size_t)total * sizeof(int));
        for (int r = 0; r < size; r++)
            for (int i = 0; i < counts[r]; i++)
                sbuf[displs[r] + i] = ct_val(r, i);
    }
    rbuf = ct_malloc((size_t)mine * sizeof(int));
    for (int i = 0; i < mine; i++)
        rbuf[i] = -1;
    {
        void *r = rank == root && in_place ? MPI_IN_PLACE : rbuf;
        if (nonblocking) {
            MPI_Iscatterv(sbuf, counts, displs, MPI_INT, r, mine, MPI_INT, root, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Scatterv(sbuf, counts, displs, MPI_INT, r, mine, MPI_INT, root, comm);
        }
    }
    if (!(rank == root && in_place))
        for (int i = 0; i < mine; i++)
            CT_CHECK(rbuf[i] == ct_val(rank, i), "recvbuf[%d] is %d, expected %d", i, rbuf[i],
                     ct_val(rank, i));
    free(counts);
    free(displs);
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Datatype gapped;

    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_SCATTER");
    ct_comms_create();
    gapped = ct_gapped_type();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++) {
            long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? size : 1);
            for (int root = 0; root < size; root++) {
                check_scatter(ct_comms[c], count, root, 0, (root + k) % 2);
                check_scatter(ct_comms[c], count, root, 1, (root + k + 1) % 2);
                check_scatterv(ct_comms[c], count, root, root % 2, (root + k) % 3 == 0);
            }
        }
        for (int root = 0; root < size; root++)
            check_scatter_types(ct_comms[c], 100, root, gapped);
    }
    MPI_Type_free(&gapped);
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
