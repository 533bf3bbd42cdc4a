/* MPI_Intercomm_merge: the group passing high = false comes first, ties ordered
 * the same on every process; the result is an intracommunicator that works
 * (ranks, groups, a ring of messages, collectives, split, an intercommunicator
 * made from it again). Groups of different sizes, merges of a dup too. */
/* np: 1 2 3 4 5 8 */
#include "inter_common.h"

/* The merged communicator holds first's members then second's. */
static void check_merged(MPI_Comm m, const int *first, int nf, const int *second, int ns,
                         const char *what)
{
    MPI_Group g;
    int w[64], n, size, r, flag = -1, expect_rank = -1, sum = -1, expect_sum = 0;
    int left, right, got = -1;
    MPI_Status st;

    MPI_Comm_test_inter(m, &flag);
    CHECK(flag == 0, "%s: the merged communicator is an intercommunicator", what);
    MPI_Comm_size(m, &size);
    MPI_Comm_rank(m, &r);
    CHECK(size == nf + ns, "%s: size %d, expected %d", what, size, nf + ns);
    MPI_Comm_group(m, &g);
    it_group_world(g, w, &n);
    MPI_Group_free(&g);
    for (int i = 0; i < n; i++) {
        int expect = i < nf ? first[i] : second[i - nf];
        CHECK(w[i] == expect, "%s: merged rank %d is world %d, expected %d", what, i, w[i],
              expect);
        if (expect == rank)
            expect_rank = i;
        expect_sum += i * 3 + w[i];
    }
    CHECK(r == expect_rank, "%s: merged rank %d, expected %d", what, r, expect_rank);
    /* A ring by merged rank, crossing between the two former groups. */
    right = (r + 1) % size;
    left = (r + size - 1) % size;
    MPI_Sendrecv(&rank, 1, MPI_INT, right, 4, &got, 1, MPI_INT, left, 4, m, &st);
    CHECK(got == w[left] && st.MPI_SOURCE == left, "%s: ring got %d from %d, expected %d from %d",
          what, got, st.MPI_SOURCE, w[left], left);
    got = r * 3 + rank;
    MPI_Allreduce(&got, &sum, 1, MPI_INT, MPI_SUM, m);
    CHECK(sum == expect_sum, "%s: allreduce gave %d, expected %d", what, sum, expect_sum);
}

static void run(int shape)
{
    it_inter_t t;
    MPI_Comm m, d, half, again;
    int *mine, *theirs, all[64], flag, size, r, n0 = 0;
    char what[64];

    it_make(&t, shape, 1, 40);
    mine = t.local_world;
    theirs = t.remote_world;

    snprintf(what, sizeof(what), "shape %d side 1 high", shape);
    MPI_Intercomm_merge(t.inter, t.side == 1, &m);
    if (t.side == 0)
        check_merged(m, mine, t.lsize, theirs, t.rsize, what);
    else
        check_merged(m, theirs, t.rsize, mine, t.lsize, what);
    MPI_Comm_free(&m);

    snprintf(what, sizeof(what), "shape %d side 0 high", shape);
    MPI_Intercomm_merge(t.inter, t.side == 0, &m);
    if (t.side == 1)
        check_merged(m, mine, t.lsize, theirs, t.rsize, what);
    else
        check_merged(m, theirs, t.rsize, mine, t.lsize, what);

    /* Split the merged one by former group: it gives the groups back. */
    MPI_Comm_split(m, t.side, 0, &half);
    MPI_Comm_size(half, &size);
    MPI_Comm_rank(half, &r);
    CHECK(size == t.lsize && r == t.lrank, "%s: split of the merged gives size %d rank %d", what,
          size, r);
    /* And an intercommunicator between them again, with the merged one as peer. */
    MPI_Intercomm_create(half, 0, m, t.side == 1 ? t.lsize : 0, 41, &again);
    MPI_Comm_remote_size(again, &size);
    CHECK(size == t.rsize, "%s: intercomm from the merged one has remote size %d", what, size);
    MPI_Allreduce(&rank, &r, 1, MPI_INT, MPI_MAX, again);
    CHECK(r == theirs[t.rsize - 1], "%s: its allreduce gave %d, expected %d", what, r,
          theirs[t.rsize - 1]);
    MPI_Comm_free(&again);
    MPI_Comm_free(&half);
    MPI_Comm_free(&m);

    /* Same high on both sides: some order, the same for all. */
    snprintf(what, sizeof(what), "shape %d both low (of a dup)", shape);
    MPI_Comm_dup(t.inter, &d);
    MPI_Intercomm_merge(d, 0, &m);
    MPI_Comm_size(m, &size);
    CHECK(size == wsize, "%s: size %d", what, size);
    {
        MPI_Group g;
        int w[64], n;
        MPI_Comm_group(m, &g);
        it_group_world(g, w, &n);
        MPI_Group_free(&g);
        MPI_Allgather(w, n, MPI_INT, all, n, MPI_INT, MPI_COMM_WORLD);
        for (int p = 1; p < wsize; p++)
            for (int i = 0; i < n; i++)
                CHECK(all[p * n + i] == w[i], "%s: world rank %d sees merged rank %d as world %d, "
                      "I see %d", what, p, i, all[p * n + i], w[i]);
        /* One group, then the other. */
        for (int i = 0; i < n; i++)
            n0 += it_side_of(shape, w[i]) == it_side_of(shape, w[0]);
        for (int i = 0; i < n; i++)
            CHECK((i < n0) == (it_side_of(shape, w[i]) == it_side_of(shape, w[0])),
                  "%s: merged rank %d (world %d) is out of its group's block", what, i, w[i]);
        check_merged(m, w, n0, w + n0, n - n0, what);
    }
    MPI_Comm_test_inter(d, &flag);
    CHECK(flag, "%s: the dup stopped being an intercommunicator", what);
    MPI_Comm_free(&m);
    MPI_Comm_free(&d);
    it_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    it_run_shapes(run);
    MPI_Finalize();
    return 0;
}
