/* MPI_Alltoall/Ialltoall: block counts 0, 1, 7, ~4 KiB and ~1 MiB in all, in place
 * and not, world and a split communicator, type conversion. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_ALLTOALL=shm,bruck,pairwise,linear */
#include "coll_common.c"

/* Element i of the block rank `from` sends to rank `to`. */
static int a2a_val(int from, int to, long long i)
{
    return ct_val(from * 64 + to, i);
}

static void check_alltoall(MPI_Comm comm, long long count, int in_place, int nonblocking)
{
    int rank, size, *sbuf, *rbuf;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? (in_place ? "MPI_Ialltoall in place" : "MPI_Ialltoall")
                       : (in_place ? "MPI_Alltoall in place" : "MPI_Alltoall"),
           size, -1, count);
    sbuf = ct_malloc((size_t)(count * size) * sizeof(int));
    rbuf = ct_malloc((size_t)(count * size) * sizeof(int));
    for (int j = 0; j < size; j++)
        for (long long i = 0; i < count; i++) {
            sbuf[j * count + i] = a2a_val(rank, j, i);
            rbuf[j * count + i] = in_place ? a2a_val(rank, j, i) : -1;
        }
    {
        const void *s = in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Ialltoall(s, (int)count, MPI_INT, rbuf, (int)count, MPI_INT, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Alltoall(s, (int)count, MPI_INT, rbuf, (int)count, MPI_INT, comm);
        }
    }
    for (int j = 0; j < size; j++)
        for (long long i = 0; i < count; i++)
            CT_CHECK(rbuf[j * count + i] == a2a_val(j, rank, i), "block from rank %d [%lld] "
                     "is %d, expected %d", j, i, rbuf[j * count + i], a2a_val(j, rank, i));
    free(sbuf);
    free(rbuf);
}

/* Gapped send type, plain ints received. */
static void check_alltoall_types(MPI_Comm comm, long long count, MPI_Datatype gapped)
{
    int rank, size, *sbuf, *rbuf;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Alltoall non-contiguous send type", size, -1, count);
    sbuf = ct_malloc((size_t)(4 * count * size) * sizeof(int));
    rbuf = ct_malloc((size_t)(2 * count * size) * sizeof(int));
    for (int j = 0; j < size; j++)
        for (long long i = 0; i < 4 * count; i++)
            sbuf[j * 4 * count + i] = i % 2 ? -7 : a2a_val(rank, j, i / 2);
    MPI_Alltoall(sbuf, (int)count, gapped, rbuf, (int)(2 * count), MPI_INT, comm);
    for (int j = 0; j < size; j++)
        for (long long i = 0; i < 2 * count; i++)
            CT_CHECK(rbuf[j * 2 * count + i] == a2a_val(j, rank, i), "block from rank %d "
                     "[%lld] is %d, expected %d", j, i, rbuf[j * 2 * count + i],
                     a2a_val(j, rank, i));
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Datatype gapped;

    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_ALLTOALL");
    ct_comms_create();
    gapped = ct_gapped_type();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++) {
            long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? size * size : 1);
            check_alltoall(ct_comms[c], count, 0, k % 2);
            check_alltoall(ct_comms[c], count, 1, (k + 1) % 2);
        }
        check_alltoall_types(ct_comms[c], 1, gapped);
        check_alltoall_types(ct_comms[c], 300, gapped);
    }
    MPI_Type_free(&gapped);
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
