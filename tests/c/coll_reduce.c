/* MPI_Reduce/Ireduce: every root, every size, in place at the root and not, world and
 * a split communicator; a predefined op, a commutative and a non-commutative user op
 * (applied in rank order), a non-contiguous type. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_REDUCE=twolevel,shm,shm_large,binomial,rabenseifner,linear */
#include "coll_common.c"

static void check_reduce(MPI_Comm comm, int kind, long long count, int root, int in_place,
                         int nonblocking)
{
    const ct_redop_t *o = &ct_redops[kind];
    int rank, size, *sbuf, *rbuf = NULL;
    size_t bytes = (size_t)(count * o->ints) * sizeof(int);
    char what[160];
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    snprintf(what, sizeof(what), "%s%s, %s", nonblocking ? "MPI_Ireduce" : "MPI_Reduce",
             in_place ? " in place" : "", o->name);
    ct_set(what, size, root, count);
    sbuf = ct_malloc(bytes);
    ct_red_fill(kind, rank, sbuf, 0, count);
    if (rank == root) {
        rbuf = ct_malloc(bytes);
        if (in_place)
            memcpy(rbuf, sbuf, bytes);
        else
            memset(rbuf, 0xff, bytes);
    }
    {
        const void *s = rank == root && in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Ireduce(s, rbuf, (int)count, o->type, o->op, root, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Reduce(s, rbuf, (int)count, o->type, o->op, root, comm);
        }
    }
    if (rank == root)
        ct_red_check(kind, rbuf, 0, count, 0, size, "recvbuf");
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_REDUCE");
    ct_comms_create();
    ct_redops_create();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int kind = 0; kind < CT_NREDOPS; kind++)
            for (int k = 0; k < CT_NCOUNTS; k++) {
                if (ct_counts[k] > ct_redops[kind].max_count)
                    continue;
                for (int root = 0; root < size; root++) {
                    check_reduce(ct_comms[c], kind, ct_counts[k], root, 0, (root + k) % 2);
                    check_reduce(ct_comms[c], kind, ct_counts[k], root, 1, (root + k + 1) % 2);
                }
            }
    }
    ct_redops_free();
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
