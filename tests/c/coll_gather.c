/* MPI_Gather/Igather and MPI_Gatherv/Igatherv: every root, every size, in place at
 * the root and not, world and a split communicator, type conversion (a
 * non-contiguous send type into ints). */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_GATHER=twolevel,shm,binomial,linear */
#include "coll_common.c"

static void check_gather(MPI_Comm comm, long long count, int root, int in_place, int nonblocking)
{
    int rank, size;
    int *sbuf, *rbuf = NULL;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? (in_place ? "MPI_Igather in place" : "MPI_Igather")
                       : (in_place ? "MPI_Gather in place" : "MPI_Gather"),
           size, root, count);
    sbuf = ct_malloc((size_t)count * sizeof(int));
    for (long long i = 0; i < count; i++)
        sbuf[i] = ct_val(rank, i);
    if (rank == root) {
        rbuf = ct_malloc((size_t)(count * size) * sizeof(int));
        for (long long i = 0; i < count * size; i++)
            rbuf[i] = -1;
        if (in_place)
            memcpy(rbuf + count * rank, sbuf, (size_t)count * sizeof(int));
    }
    {
        const void *s = rank == root && in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Igather(s, (int)count, MPI_INT, rbuf, (int)count, MPI_INT, root, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Gather(s, (int)count, MPI_INT, rbuf, (int)count, MPI_INT, root, comm);
        }
    }
    if (rank == root)
        for (int r = 0; r < size; r++)
            for (long long i = 0; i < count; i++)
                CT_CHECK(rbuf[r * count + i] == ct_val(r, i), "block of rank %d [%lld] is %d, "
                         "expected %d", r, i, rbuf[r * count + i], ct_val(r, i));
    free(sbuf);
    free(rbuf);
}

/* A gapped send type (2 ints per element) received as plain ints. */
static void check_gather_types(MPI_Comm comm, long long count, int root, MPI_Datatype gapped)
{
    int rank, size;
    int *sbuf, *rbuf = NULL;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Gather non-contiguous send type", size, root, count);
    sbuf = ct_malloc((size_t)(4 * count) * sizeof(int));
    for (long long i = 0; i < 4 * count; i++)
        sbuf[i] = ct_val(rank, i);
    if (rank == root)
        rbuf = ct_malloc((size_t)(2 * count * size) * sizeof(int));
    MPI_Gather(sbuf, (int)count, gapped, rbuf, (int)(2 * count), MPI_INT, root, comm);
    if (rank == root)
        for (int r = 0; r < size; r++)
            for (long long i = 0; i < 2 * count; i++) {
                int want = ct_val(r, (i / 2) * 4 + (i % 2) * 2);
                CT_CHECK(rbuf[r * 2 * count + i] == want, "block of rank %d [%lld] is %d, "
                         "expected %d", r, i, rbuf[r * 2 * count + i], want);
            }
    free(sbuf);
    free(rbuf);
}

/* Uneven blocks, stored in reverse rank order with a gap of 2 between them. */
static void check_gatherv(MPI_Comm comm, long long count, int root, int in_place, int nonblocking)
{
    int rank, size, *counts, *displs, *sbuf, *rbuf = NULL, total = 0, mine;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? "MPI_Igatherv" : in_place ? "MPI_Gatherv in place" : "MPI_Gatherv",
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
    sbuf = ct_malloc((size_t)mine * sizeof(int));
    for (int i = 0; i < mine; i++)
        sbuf[i] = ct_val(rank, i);
    if (rank == root) {
        rbuf = ct_malloc((size_t)total * sizeof(int));
        for (int i = 0; i < total; i++)
            rbuf[i] = -1;
        if (in_place)
            memcpy(rbuf + displs[rank], sbuf, (size_t)mine * sizeof(int));
    }
    {
        const void *s = rank == root && in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Igatherv(s, mine, MPI_INT, rbuf, counts, displs, MPI_INT, root, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Gatherv(s, mine, MPI_INT, rbuf, counts, displs, MPI_INT, root, comm);
        }
    }
    if (rank == root) {
        for (int r = 0; r < size; r++) {
            for (int i = 0; i < counts[r]; i++)
                CT_CHECK(rbuf[displs[r] + i] == ct_val(r, i), "block of rank %d [%d] is %d, "
                         "expected %d", r, i, rbuf[displs[r] + i], ct_val(r, i));
            for (int i = counts[r]; i < counts[r] + 2; i++)
                CT_CHECK(rbuf[displs[r] + i] == -1, "the gap after rank %d's block was written",
                         r);
        }
    }
    free(counts);
    free(displs);
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Datatype gapped;

    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_GATHER");
    ct_comms_create();
    gapped = ct_gapped_type();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++) {
            long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? size : 1);
            for (int root = 0; root < size; root++) {
                check_gather(ct_comms[c], count, root, 0, (root + k) % 2);
                check_gather(ct_comms[c], count, root, 1, (root + k + 1) % 2);
                check_gatherv(ct_comms[c], count, root, root % 2, (root + k) % 3 == 0);
            }
        }
        for (int root = 0; root < size; root++)
            check_gather_types(ct_comms[c], 100, root, gapped);
    }
    MPI_Type_free(&gapped);
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
