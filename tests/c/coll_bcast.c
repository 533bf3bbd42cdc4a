/* MPI_Bcast and MPI_Ibcast: every root, every size, world and a split communicator,
 * a contiguous and a non-contiguous datatype, MPI_BOTTOM with absolute addresses. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_BCAST=twolevel,shm,binomial,scatter_allgather,linear */
#include "coll_common.c"

static void check_bcast(MPI_Comm comm, long long count, int root, MPI_Datatype type, int nonblocking)
{
    int rank, size, per = type == MPI_INT ? 1 : 4;   /* ints per element in memory */
    int *buf = ct_malloc((size_t)(count * per) * sizeof(int));

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? "MPI_Ibcast" : "MPI_Bcast", size, root, count);
    for (long long i = 0; i < count * per; i++)
        buf[i] = rank == root ? ct_val(root, i) : -1;
    if (nonblocking) {
        MPI_Request req;
        MPI_Ibcast(buf, (int)count, type, root, comm, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    } else {
        MPI_Bcast(buf, (int)count, type, root, comm);
    }
    for (long long i = 0; i < count * per; i++) {
        /* The gaps of the non-contiguous type are not part of the message. */
        int want = per == 1 || i % 4 == 0 || i % 4 == 2 || rank == root ? ct_val(root, i) : -1;
        CT_CHECK(buf[i] == want, "buffer[%lld] is %d, expected %d", i, buf[i], want);
    }
    free(buf);
}

/* MPI_BOTTOM and a type holding the buffer's absolute address. */
static void check_bcast_bottom(MPI_Comm comm, long long count, int root)
{
    int rank, size, blen = (int)count;
    int *buf = ct_malloc((size_t)count * sizeof(int));
    MPI_Aint addr;
    MPI_Datatype abs_type, int_type = MPI_INT;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Bcast from MPI_BOTTOM", size, root, count);
    for (long long i = 0; i < count; i++)
        buf[i] = rank == root ? ct_val(root, i) : -1;
    MPI_Get_address(buf, &addr);
    MPI_Type_create_struct(1, &blen, &addr, &int_type, &abs_type);
    MPI_Type_commit(&abs_type);
    MPI_Bcast(MPI_BOTTOM, 1, abs_type, root, comm);
    MPI_Type_free(&abs_type);
    for (long long i = 0; i < count; i++)
        CT_CHECK(buf[i] == ct_val(root, i), "buffer[%lld] is %d, expected %d", i, buf[i],
                 ct_val(root, i));
    free(buf);
}

int main(int argc, char **argv)
{
    MPI_Datatype gapped;

    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_BCAST");
    ct_comms_create();
    gapped = ct_gapped_type();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int k = 0; k < CT_NCOUNTS; k++)
            for (int root = 0; root < size; root++)
                check_bcast(ct_comms[c], ct_counts[k], root, MPI_INT, (root + k) % 2);
        for (int root = 0; root < size; root++) {
            check_bcast(ct_comms[c], 1000, root, gapped, root % 2);
            check_bcast(ct_comms[c], 3, root, gapped, 0);
            check_bcast_bottom(ct_comms[c], 1031, root);
        }
    }
    MPI_Type_free(&gapped);
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
