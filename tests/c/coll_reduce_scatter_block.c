/* MPI_Reduce_scatter_block/Ireduce_scatter_block: equal blocks, in place and not,
 * world and a split communicator; a predefined op, a commutative and a
 * non-commutative user op (in rank order), a non-contiguous type. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_REDUCE_SCATTER_BLOCK=recursive_halving,pairwise,reduce_scatterv */
#include "coll_common.c"

static void check_rsb(MPI_Comm comm, int kind, long long count, int in_place, int nonblocking)
{
    const ct_redop_t *o = &ct_redops[kind];
    int rank, size, *sbuf, *rbuf;
    long long total;
    char what[160];
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    snprintf(what, sizeof(what), "%s%s, %s",
             nonblocking ? "MPI_Ireduce_scatter_block" : "MPI_Reduce_scatter_block",
             in_place ? " in place" : "", o->name);
    ct_set(what, size, -1, count);
    total = count * size;
    sbuf = ct_malloc((size_t)(total * o->ints) * sizeof(int));
    rbuf = ct_malloc((size_t)((in_place ? total : count) * o->ints) * sizeof(int));
    ct_red_fill(kind, rank, in_place ? rbuf : sbuf, 0, total);
    {
        const void *s = in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Ireduce_scatter_block(s, rbuf, (int)count, o->type, o->op, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Reduce_scatter_block(s, rbuf, (int)count, o->type, o->op, comm);
        }
    }
    ct_red_check(kind, rbuf, count * rank, count, 0, size, "recvbuf");
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_REDUCE_SCATTER_BLOCK");
    ct_comms_create();
    ct_redops_create();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        for (int kind = 0; kind < CT_NREDOPS; kind++)
            for (int k = 0; k < CT_NCOUNTS; k++) {
                long long count = ct_counts[k] / (k == CT_NCOUNTS - 1 ? size : 1);
                if (count > ct_redops[kind].max_count)
                    continue;
                check_rsb(ct_comms[c], kind, count, 0, k % 2);
                check_rsb(ct_comms[c], kind, count, 1, (k + 1) % 2);
            }
    }
    ct_redops_free();
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
