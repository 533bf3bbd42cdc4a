/* Many nonblocking collectives outstanding at once, on the same and on different
 * communicators, completed in an order unlike the one they were started in (wait in
 * reverse, test in a loop, waitany), with a blocking collective and a wildcard
 * point-to-point receive in between: collective traffic never matches user traffic,
 * and concurrent collectives never mix. */
/* np: 1 2 3 4 5 8 */
#include "coll_common.c"

#define NREQ 12

int main(int argc, char **argv)
{
    MPI_Comm split;
    MPI_Request reqs[NREQ], user;
    int srank, ssize, token = -1, flag;
    long long big = 100003, small = 7;
    int *ar_in, *ar_out, *ar2_out, *bc, *a2a_in, *a2a_out, *ag_out, *g_out = NULL, *sc_out;
    int *rsb_in, *rsb_out, *red_out = NULL, bar_dummy = 0;

    MPI_Init(&argc, &argv);
    ct_init(NULL);
    ct_comms_create();
    split = ct_comms[1];
    MPI_Comm_rank(split, &srank);
    MPI_Comm_size(split, &ssize);
    ct_set("nonblocking collectives outstanding together", wsize, -1, big);

    /* A wildcard receive that only the user's message at the end may satisfy. */
    MPI_Irecv(&token, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &user);

    ar_in = ct_malloc((size_t)big * sizeof(int));
    ar_out = ct_malloc((size_t)big * sizeof(int));
    ar2_out = ct_malloc((size_t)small * sizeof(int));
    bc = ct_malloc((size_t)big * sizeof(int));
    a2a_in = ct_malloc((size_t)(small * wsize) * sizeof(int));
    a2a_out = ct_malloc((size_t)(small * wsize) * sizeof(int));
    ag_out = ct_malloc((size_t)(small * ssize) * sizeof(int));
    sc_out = ct_malloc((size_t)small * sizeof(int));
    rsb_in = ct_malloc((size_t)(small * wsize) * sizeof(int));
    rsb_out = ct_malloc((size_t)small * sizeof(int));
    if (wrank == 0)
        g_out = ct_malloc((size_t)(big * wsize) * sizeof(int));
    if (srank == 0)
        red_out = ct_malloc((size_t)big * sizeof(int));
    for (long long i = 0; i < big; i++) {
        ar_in[i] = ct_val(wrank, i);
        bc[i] = wrank == wsize - 1 ? ct_val(99, i) : 0;
    }
    for (long long i = 0; i < small * wsize; i++) {
        a2a_in[i] = ct_val(wrank * 64 + (int)(i / small), i % small);
        rsb_in[i] = ct_val(wrank, i);
    }

    MPI_Iallreduce(ar_in, ar_out, (int)big, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[0]);
    MPI_Ibcast(bc, (int)big, MPI_INT, wsize - 1, MPI_COMM_WORLD, &reqs[1]);
    MPI_Iallgather(ar_in, (int)small, MPI_INT, ag_out, (int)small, MPI_INT, split, &reqs[2]);
    MPI_Ialltoall(a2a_in, (int)small, MPI_INT, a2a_out, (int)small, MPI_INT, MPI_COMM_WORLD,
                  &reqs[3]);
    MPI_Igather(ar_in, (int)big, MPI_INT, g_out, (int)big, MPI_INT, 0, MPI_COMM_WORLD, &reqs[4]);
    MPI_Ireduce(ar_in, red_out, (int)big, MPI_INT, MPI_SUM, 0, split, &reqs[5]);
    MPI_Ibarrier(split, &reqs[6]);
    MPI_Iallreduce(ar_in, ar2_out, (int)small, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &reqs[7]);
    MPI_Ireduce_scatter_block(rsb_in, rsb_out, (int)small, MPI_INT, MPI_SUM, MPI_COMM_WORLD,
                              &reqs[8]);
    MPI_Iscatter(a2a_in, (int)small, MPI_INT, sc_out, (int)small, MPI_INT, ssize - 1, split,
                 &reqs[9]);
    MPI_Ibarrier(MPI_COMM_WORLD, &reqs[10]);
    MPI_Iallreduce(MPI_IN_PLACE, &bar_dummy, 1, MPI_INT, MPI_SUM, split, &reqs[11]);

    /* A blocking collective on the same communicators while those are in flight. */
    {
        int one = 1, n = 0;
        MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CT_CHECK(n == wsize, "blocking allreduce among nonblocking ones gave %d", n);
        MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, split);
        CT_CHECK(n == ssize, "blocking allreduce on the split gave %d", n);
    }

    /* Complete: the last few by waiting in reverse, then the rest by testing. */
    for (int i = NREQ - 1; i >= 8; i--)
        MPI_Wait(&reqs[i], MPI_STATUS_IGNORE);
    do {
        MPI_Testall(8, reqs, &flag, MPI_STATUSES_IGNORE);
    } while (!flag);
    MPI_Test(&user, &flag, MPI_STATUS_IGNORE);
    CT_CHECK(!flag, "a wildcard user receive matched collective traffic (got %d)", token);

    for (long long i = 0; i < big; i++) {
        int sum = 0;
        for (int r = 0; r < wsize; r++)
            sum += ct_val(r, i);
        CT_CHECK(ar_out[i] == sum, "MPI_Iallreduce element %lld is %d, expected %d", i,
                 ar_out[i], sum);
        if (i < small)
            CT_CHECK(ar2_out[i] == sum, "small MPI_Iallreduce element %lld is %d, expected %d",
                     i, ar2_out[i], sum);
        CT_CHECK(bc[i] == ct_val(99, i), "MPI_Ibcast element %lld is %d", i, bc[i]);
    }
    for (int j = 0; j < wsize; j++)
        for (long long i = 0; i < small; i++)
            CT_CHECK(a2a_out[j * small + i] == ct_val(j * 64 + wrank, i), "MPI_Ialltoall block "
                     "from %d element %lld is %d", j, i, a2a_out[j * small + i]);
    for (int j = 0; j < ssize; j++) {
        int wr = 2 * ((wsize - 1 - wrank % 2) / 2 - j) + wrank % 2;  /* split is reversed */
        for (long long i = 0; i < small; i++)
            CT_CHECK(ag_out[j * small + i] == ct_val(wr, i), "MPI_Iallgather block %d element "
                     "%lld is %d, expected %d", j, i, ag_out[j * small + i], ct_val(wr, i));
    }
    if (wrank == 0)
        for (int r = 0; r < wsize; r++)
            for (long long i = 0; i < big; i += 97)
                CT_CHECK(g_out[r * big + i] == ct_val(r, i), "MPI_Igather block %d element %lld",
                         r, i);
    if (srank == 0)
        for (long long i = 0; i < big; i += 89) {
            int sum = 0;
            for (int r = wrank % 2; r < wsize; r += 2)
                sum += ct_val(r, i);
            CT_CHECK(red_out[i] == sum, "MPI_Ireduce element %lld is %d, expected %d", i,
                     red_out[i], sum);
        }
    for (long long i = 0; i < small; i++) {
        int sum = 0;
        for (int r = 0; r < wsize; r++)
            sum += ct_val(r, wrank * small + i);
        CT_CHECK(rsb_out[i] == sum, "MPI_Ireduce_scatter_block element %lld is %d, expected %d",
                 i, rsb_out[i], sum);
    }
    {
        /* Iscatter from split rank ssize - 1, i.e. the lowest world rank of my parity. */
        int root_w = wrank % 2;
        for (long long i = 0; i < small; i++)
            CT_CHECK(sc_out[i] == ct_val(root_w * 64 + srank, i), "MPI_Iscatter element %lld is "
                     "%d", i, sc_out[i]);
    }

    /* Now the user's own message satisfies the wildcard receive. */
    {
        int v = 4242;
        MPI_Send(&v, 1, MPI_INT, wrank, 7, MPI_COMM_WORLD);
        MPI_Wait(&user, MPI_STATUS_IGNORE);
        CT_CHECK(token == 4242, "the wildcard receive got %d", token);
    }

    free(ar_in);
    free(ar_out);
    free(ar2_out);
    free(bc);
    free(a2a_in);
    free(a2a_out);
    free(ag_out);
    free(g_out);
    free(sc_out);
    free(rsb_in);
    free(rsb_out);
    free(red_out);
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
