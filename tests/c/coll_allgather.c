/* MPI_Allgather/Iallgather: every size (block counts of 0, 1, 7, ~4 KiB, ~1 MiB in
 * all), in place and not, world and a split communicator, type conversion. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_ALLGATHER=twolevel,shm,recursive_doubling,bruck,ring,linear */
#include "coll_common.c"

static void check_allgather(MPI_Comm comm, long long count, int in_place, int nonblocking)
{
    int rank, size, *sbuf, *rbuf;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? (in_place ? "MPI_Iallgather in place" : "MPI_Iallgather")
                       : (in_place ? "MPI_Allgather in place" : "MPI_Allgather"),
           size, -1, count);
    sbuf = ct_malloc((size_t)count * sizeof(int));
    rbuf = ct_malloc((size_t)(count * size) * sizeof(int));
    for (long long i = 0; i < count; i++)
        sbuf[i] = ct_val(rank, i);
    for (long long i = 0; i < count * size; i++)
        rbuf[i] = -1;
    if (in_place)
        memcpy(rbuf + rank * count, sbuf, (size_t)count * sizeof(int));
    {
        const void *s = in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Iallgather(s, (int)count, MPI_INT, rbuf, (int)count, MPI_INT, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Allgather(s, (int)count, MPI_INT, rbuf, (int)count, MPI_INT, comm);
        }
    }
    for (int r = 0; r < size; r++)
        for (long long i = 0; i < count; i++)
            CT_CHECK(rbuf[r * count + i] == ct_val(r, i), "block of rank %d [%lld] is %d, "
                     "expected %d", r, i, rbuf[r * count + i], ct_val(r, i));
    free(sbuf);
    free(rbuf);
}

/* Plain ints in, a gapped receive type out. */
static void check_allgather_types(MPI_Comm comm, long long count, MPI_Datatype gapped)
{
    int rank, size, *sbuf, *rbuf;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Allgather non-contiguous receive type", size, -1, count);
    sbuf = ct_malloc((size_t)(2 * count) * sizeof(int));
    rbuf = ct_malloc((size_t)(4 * count * size) * sizeof(int));
    for (long long i = 0; i < 2 * count; i++)
        sbuf[i] = ct_val(rank, i);
    for (long long i = 0; i < 4 * count * size; i++)
        rbuf[i] = -1;
    MPI_Allgather(sbuf, (int)(2 * count), MPI_INT, rbuf, (int)count, gapped, comm);
    for (int r = 0; r < size; r++)
        for (long long i = 0; i < 4 * count; i++) {
            int want = i % 2 ? -1 : ct_val(r, i / 2);
            CT_CHECK(rbuf[r * 4 * count + i] == want, "block of rank %d int %lld is %d, "
                     "expected %d", r, i, rbuf[r * 4 * count + i], want);
        }
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Datatype gapped;

    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_ALLGATHER");
    ct_comms_create();
    gapped = ct_gapped_type();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++) {
            long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? size : 1);
            check_allgather(ct_comms[c], count, 0, k % 2);
            check_allgather(ct_comms[c], count, 1, (k + 1) % 2);
        }
        check_allgather_types(ct_comms[c], 3, gapped);
        check_allgather_types(ct_comms[c], 500, gapped);
    }
    MPI_Type_free(&gapped);
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
