/* MPI_Exscan/Iexscan (rank r gets the reduction over ranks 0..r-1): every size, in
 * place and not, world and a split communicator; a predefined op, a commutative and
 * a non-commutative user op (in rank order), a non-contiguous type. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_EXSCAN=recursive_doubling,linear */
#include "coll_common.c"

static void check_exscan(MPI_Comm comm, int kind, long long count, int in_place, int nonblocking)
{
    const ct_redop_t *o = &ct_redops[kind];
    int rank, size, *sbuf, *rbuf;
    size_t bytes = (size_t)(count * o->ints) * sizeof(int);
    char what[160];
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    snprintf(what, sizeof(what), "%s%s, %s", nonblocking ? "MPI_Iexscan" : "MPI_Exscan",
             in_place ? " in place" : "", o->name);
    ct_set(what, size, -1, count);
    sbuf = ct_malloc(bytes);
    rbuf = ct_malloc(bytes);
    ct_red_fill(kind, rank, sbuf, 0, count);
    if (in_place)
        memcpy(rbuf, sbuf, bytes);
    else
        memset(rbuf, 0xff, bytes);
    {
        const void *s = in_place ? MPI_IN_PLACE : sbuf;
        if (nonblocking) {
            MPI_Iexscan(s, rbuf, (int)count, o->type, o->op, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            MPI_Exscan(s, rbuf, (int)count, o->type, o->op, comm);
        }
    }
    /* Rank 0's recvbuf is undefined by the standard: Baton leaves it alone. */
    if (rank > 0)
        ct_red_check(kind, rbuf, 0, count, 0, rank, "recvbuf");
    else if (in_place)
        ct_red_check(kind, rbuf, 0, count, 0, 1, "rank 0's recvbuf (must not change)");
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_EXSCAN");
    ct_comms_create();
    ct_redops_create();
    for (int c = 0; c < CT_NCOMMS; c++)
        for (int kind = 0; kind < CT_NREDOPS; kind++)
            for (int k = 0; k < CT_NCOUNTS; k++) {
                if (ct_counts[k] > ct_redops[kind].max_count)
                    continue;
                check_exscan(ct_comms[c], kind, ct_counts[k], 0, k % 2);
                check_exscan(ct_comms[c], kind, ct_counts[k], 1, (k + 1) % 2);
            }
    ct_redops_free();
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
