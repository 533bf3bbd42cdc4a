/* MPI_Intercomm_create, MPI_Intercomm_create_from_groups (also from a session's
 * process set) and what can be asked of and made from an intercommunicator:
 * sizes, ranks, both groups, test_inter, compare, dup and idup (with the
 * attributes), split and create, each result checked by traffic across it. Two
 * shapes of groups (even/odd world ranks, first third/rest), leaders at rank 0
 * and at the last rank. One rank cannot form two groups: it only checks world. */
/* np: 1 2 3 4 5 8 */
#include "inter_common.h"

/* Both groups of c are as expected (world ranks). */
static void check_groups(MPI_Comm c, const int *lw, int ln, const int *rw, int rn,
                         const char *what)
{
    MPI_Group g;
    int w[64], n, size, rsize;

    MPI_Comm_size(c, &size);
    MPI_Comm_remote_size(c, &rsize);
    CHECK(size == ln, "%s: MPI_Comm_size %d, expected %d", what, size, ln);
    CHECK(rsize == rn, "%s: MPI_Comm_remote_size %d, expected %d", what, rsize, rn);
    MPI_Comm_group(c, &g);
    it_group_world(g, w, &n);
    MPI_Group_free(&g);
    CHECK(n == ln, "%s: local group has %d members, expected %d", what, n, ln);
    for (int i = 0; i < n; i++)
        CHECK(w[i] == lw[i], "%s: local rank %d is world %d, expected %d", what, i, w[i], lw[i]);
    MPI_Comm_remote_group(c, &g);
    it_group_world(g, w, &n);
    MPI_Group_free(&g);
    CHECK(n == rn, "%s: remote group has %d members, expected %d", what, n, rn);
    for (int i = 0; i < n; i++)
        CHECK(w[i] == rw[i], "%s: remote rank %d is world %d, expected %d", what, i, w[i],
              rw[i]);
}

/* Traffic across c: each rank sends its world rank to every remote rank and
 * sums what comes; the allreduce must give the remote world ranks' sum. */
static void check_traffic(MPI_Comm c, const int *rw, int rn, const char *what)
{
    int sum = 0, expect = 0, got = -1, v;
    MPI_Status st;

    for (int i = 0; i < rn; i++)
        expect += rw[i];
    for (int i = 0; i < rn; i++)
        MPI_Send(&rank, 1, MPI_INT, i, 9, c);
    for (int i = 0; i < rn; i++) {
        MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 9, c, &st);
        CHECK(st.MPI_SOURCE >= 0 && st.MPI_SOURCE < rn && v == rw[st.MPI_SOURCE],
              "%s: got %d from remote rank %d, expected world %d", what, v, st.MPI_SOURCE,
              st.MPI_SOURCE >= 0 && st.MPI_SOURCE < rn ? rw[st.MPI_SOURCE] : -1);
        sum += v;
    }
    CHECK(sum == expect, "%s: received sum %d, expected %d", what, sum, expect);
    MPI_Allreduce(&rank, &got, 1, MPI_INT, MPI_SUM, c);
    CHECK(got == expect, "%s: allreduce gave %d, expected %d", what, got, expect);
}

static int copied_key = MPI_KEYVAL_INVALID;

/* The members of list (n) with local rank of the given parity, ordered by
 * descending local rank (key = -rank). */
static int pick_parity(const int *list, int n, int parity, int *out)
{
    int k = 0;

    for (int i = n - 1; i >= 0; i--)
        if (i % 2 == parity)
            out[k++] = list[i];
    return k;
}

static void run(int shape, int leader_last)
{
    it_inter_t t;
    MPI_Comm dup, split, sub, inter2;
    MPI_Group lg, evens;
    int result, lw[64], rw[64], ln, rn, flag, *val, r, evenranks[64], ne = 0;
    char what[64];

    it_make(&t, shape, leader_last, 10 + shape);
    snprintf(what, sizeof(what), "shape %d leader %s", shape, leader_last ? "last" : "0");
    MPI_Comm_rank(t.inter, &r);
    CHECK(r == t.lrank, "%s: MPI_Comm_rank %d, expected the local rank %d", what, r, t.lrank);
    check_groups(t.inter, t.local_world, t.lsize, t.remote_world, t.rsize, what);
    check_traffic(t.inter, t.remote_world, t.rsize, what);

    /* A second one between the same groups, made at once: separate traffic. */
    MPI_Intercomm_create(t.local, 0, MPI_COMM_WORLD, t.remote_world[0], 77, &inter2);
    MPI_Comm_compare(t.inter, inter2, &result);
    CHECK(result == MPI_CONGRUENT, "%s: compare of two intercomms over the same groups: %d",
          what, result);
    MPI_Comm_compare(t.inter, t.inter, &result);
    CHECK(result == MPI_IDENT, "%s: compare with itself: %d", what, result);
    MPI_Comm_compare(t.inter, t.local, &result);
    CHECK(result == MPI_UNEQUAL, "%s: compare with an intracomm: %d", what, result);

    /* Dup: same groups, attributes copied, its own traffic. */
    MPI_Comm_set_attr(t.inter, copied_key, &t);
    MPI_Comm_dup(t.inter, &dup);
    MPI_Comm_test_inter(dup, &flag);
    CHECK(flag, "%s: a dup of an intercommunicator is not one", what);
    MPI_Comm_compare(t.inter, dup, &result);
    CHECK(result == MPI_CONGRUENT, "%s: compare with its dup: %d", what, result);
    MPI_Comm_get_attr(dup, copied_key, &val, &flag);
    CHECK(flag && val == (int *)&t, "%s: the dup lacks the attribute (flag %d)", what, flag);
    check_groups(dup, t.local_world, t.lsize, t.remote_world, t.rsize, "dup");
    check_traffic(dup, t.remote_world, t.rsize, "dup");
    check_traffic(inter2, t.remote_world, t.rsize, "second intercomm");
    {
        MPI_Comm idup;
        MPI_Request req;

        MPI_Comm_idup(t.inter, &idup, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        MPI_Comm_test_inter(idup, &flag);
        CHECK(flag, "%s: an idup of an intercommunicator is not one", what);
        check_groups(idup, t.local_world, t.lsize, t.remote_world, t.rsize, "idup");
        check_traffic(idup, t.remote_world, t.rsize, "idup");
        MPI_Comm_free(&idup);
    }

    /* Split by parity of the local rank, reversed: each side's members of one
     * parity face the other side's members of the same parity. */
    MPI_Comm_split(t.inter, t.lrank % 2, -t.lrank, &split);
    ln = pick_parity(t.local_world, t.lsize, t.lrank % 2, lw);
    rn = pick_parity(t.remote_world, t.rsize, t.lrank % 2, rw);
    if (rn == 0) {
        CHECK(split == MPI_COMM_NULL, "%s: split whose color has no remote member is not "
              "MPI_COMM_NULL", what);
    } else {
        CHECK(split != MPI_COMM_NULL, "%s: split gave MPI_COMM_NULL", what);
        check_groups(split, lw, ln, rw, rn, "split");
        check_traffic(split, rw, rn, "split");
        MPI_Comm_free(&split);
    }
    /* MPI_UNDEFINED everywhere but local rank 0. */
    MPI_Comm_split(t.inter, t.lrank == 0 ? 3 : MPI_UNDEFINED, 0, &split);
    if (t.lrank != 0) {
        CHECK(split == MPI_COMM_NULL, "%s: split with MPI_UNDEFINED is not MPI_COMM_NULL", what);
    } else {
        check_groups(split, t.local_world, 1, t.remote_world, 1, "split of the leaders");
        check_traffic(split, t.remote_world, 1, "split of the leaders");
        MPI_Comm_free(&split);
    }

    /* Create from the even local ranks, in reverse order. */
    for (int i = t.lsize - 1; i >= 0; i--)
        if (i % 2 == 0)
            evenranks[ne++] = i;
    MPI_Comm_group(t.inter, &lg);
    MPI_Group_incl(lg, ne, evenranks, &evens);
    MPI_Comm_create(t.inter, evens, &sub);
    ln = pick_parity(t.local_world, t.lsize, 0, lw);
    rn = pick_parity(t.remote_world, t.rsize, 0, rw);
    if (t.lrank % 2) {
        CHECK(sub == MPI_COMM_NULL, "%s: create gave a communicator to a non-member", what);
    } else {
        CHECK(sub != MPI_COMM_NULL, "%s: create gave MPI_COMM_NULL to a member", what);
        check_groups(sub, lw, ln, rw, rn, "create");
        check_traffic(sub, rw, rn, "create");
        MPI_Comm_free(&sub);
    }
    MPI_Group_free(&evens);
    MPI_Group_free(&lg);

    /* The same groups without a parent communicator, with the error handler given. */
    {
        MPI_Group wg, mine, theirs;
        MPI_Comm fg;
        MPI_Errhandler eh;
        char stringtag[64];

        MPI_Comm_group(MPI_COMM_WORLD, &wg);
        MPI_Group_incl(wg, t.lsize, t.local_world, &mine);
        MPI_Group_incl(wg, t.rsize, t.remote_world, &theirs);
        snprintf(stringtag, sizeof(stringtag), "inter_create %d %d", shape, leader_last);
        MPI_Intercomm_create_from_groups(mine, leader_last ? t.lsize - 1 : 0, theirs,
                                         leader_last ? t.rsize - 1 : 0, stringtag, MPI_INFO_NULL,
                                         MPI_ERRORS_RETURN, &fg);
        check_groups(fg, t.local_world, t.lsize, t.remote_world, t.rsize, "from groups");
        check_traffic(fg, t.remote_world, t.rsize, "from groups");
        MPI_Comm_get_errhandler(fg, &eh);
        CHECK(eh == MPI_ERRORS_RETURN, "%s: the intercomm from groups lacks its error handler",
              what);
        MPI_Errhandler_free(&eh);
        MPI_Comm_free(&fg);
        MPI_Group_free(&theirs);
        MPI_Group_free(&mine);
        MPI_Group_free(&wg);
    }
    /* And from a session's process set, as a program without MPI_Init would. */
    {
        MPI_Session session;
        MPI_Group sg, mine, theirs;
        MPI_Comm fg, merged;
        static char pool[4096];
        void *pool_back;
        int pool_size, v, got, n;
        MPI_Status st;

        MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_ARE_FATAL, &session);
        MPI_Group_from_session_pset(session, "mpi://WORLD", &sg);
        MPI_Group_incl(sg, t.lsize, t.local_world, &mine);
        MPI_Group_incl(sg, t.rsize, t.remote_world, &theirs);
        MPI_Intercomm_create_from_groups(mine, 0, theirs, 0, "inter_create session",
                                         MPI_INFO_NULL, MPI_ERRORS_ARE_FATAL, &fg);
        check_groups(fg, t.local_world, t.lsize, t.remote_world, t.rsize, "from a session");
        check_traffic(fg, t.remote_world, t.rsize, "from a session");
        /* Buffered sends take the session's buffer (no other is attached): the
         * intercommunicator and what is merged from it derive from the session. */
        MPI_Session_attach_buffer(session, pool, sizeof(pool));
        MPI_Intercomm_merge(fg, t.side, &merged);
        MPI_Comm_size(merged, &n);
        v = rank;
        CHECK(MPI_Bsend(&v, 1, MPI_INT, 0, 3, fg) == MPI_SUCCESS, "Bsend on the intercomm "
              "from a session failed");
        CHECK(MPI_Bsend(&v, 1, MPI_INT, 0, 3, merged) == MPI_SUCCESS, "Bsend on its merge "
              "failed");
        if (t.lrank == 0)
            for (int j = 0; j < t.rsize; j++) {
                MPI_Recv(&got, 1, MPI_INT, MPI_ANY_SOURCE, 3, fg, &st);
                CHECK(got == t.remote_world[st.MPI_SOURCE], "session intercomm: Bsend gave %d "
                      "from %d", got, st.MPI_SOURCE);
            }
        MPI_Comm_rank(merged, &v);
        if (v == 0)
            for (int j = 0; j < n; j++)
                MPI_Recv(&got, 1, MPI_INT, MPI_ANY_SOURCE, 3, merged, MPI_STATUS_IGNORE);
        MPI_Session_detach_buffer(session, &pool_back, &pool_size);
        MPI_Comm_free(&merged);
        MPI_Comm_free(&fg);
        MPI_Group_free(&theirs);
        MPI_Group_free(&mine);
        MPI_Group_free(&sg);
        MPI_Session_finalize(&session);
    }

    MPI_Comm_free(&inter2);
    MPI_Comm_free(&dup);
    MPI_Comm_delete_attr(t.inter, copied_key);
    it_free(&t);
}

int main(int argc, char **argv)
{
    int flag = -1;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    MPI_Comm_test_inter(MPI_COMM_WORLD, &flag);
    CHECK(flag == 0, "MPI_Comm_test_inter(MPI_COMM_WORLD) says %d", flag);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &copied_key, NULL);
    if (wsize >= 2)
        for (int shape = 0; shape < IT_SHAPES; shape++)
            for (int last = 0; last < 2; last++)
                run(shape, last);
    MPI_Comm_free_keyval(&copied_key);
    MPI_Finalize();
    return 0;
}
