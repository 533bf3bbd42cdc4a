/* Argument errors around intercommunicators under MPI_ERRORS_RETURN: roots out of
 * the remote group's range, MPI_ROOT and MPI_PROC_NULL on an intracommunicator,
 * scans on an intercommunicator, ranks out of the remote group, MPI_IN_PLACE,
 * intercommunicator-only calls on an intracommunicator and the other way round,
 * wrong leaders and overlapping groups in MPI_Intercomm_create. Each with its
 * error class and a message naming the call and the problem; every one is seen
 * by every rank that makes the call, so nobody waits for another; the
 * intercommunicator still works afterwards. */
/* np: 1 2 3 4 5 8 */
#include "inter_common.h"

static void on_inter(int shape)
{
    it_inter_t t;
    MPI_Comm c = MPI_COMM_NULL;
    MPI_Group g;
    MPI_Request req;
    int a[64] = { 0 }, b[64], size = -1, sum = -1, expect = 0;

    it_make(&t, shape, 0, 50);
    CHECK_SAYS(MPI_Bcast(a, 1, MPI_INT, t.rsize, t.inter), MPI_ERR_ROOT, "MPI_Bcast",
               "root,remote group");
    CHECK_SAYS(MPI_Bcast(a, 1, MPI_INT, -7, t.inter), MPI_ERR_ROOT, "MPI_Bcast", "root is -7");
    CHECK_SAYS(MPI_Igather(a, 1, MPI_INT, b, 1, MPI_INT, t.rsize + 1, t.inter, &req),
               MPI_ERR_ROOT, "MPI_Igather", "root");
    CHECK_SAYS(MPI_Reduce(a, b, 1, MPI_INT, MPI_SUM, t.rsize, t.inter), MPI_ERR_ROOT,
               "MPI_Reduce", "root");
    CHECK_SAYS(MPI_Scan(a, b, 1, MPI_INT, MPI_SUM, t.inter), MPI_ERR_COMM, "MPI_Scan",
               "intercommunicator");
    CHECK_SAYS(MPI_Exscan(a, b, 1, MPI_INT, MPI_SUM, t.inter), MPI_ERR_COMM, "MPI_Exscan",
               "intercommunicator");
    CHECK_SAYS(MPI_Iscan(a, b, 1, MPI_INT, MPI_SUM, t.inter, &req), MPI_ERR_COMM, "MPI_Iscan",
               "intercommunicator");
    CHECK_SAYS(MPI_Send(a, 1, MPI_INT, t.rsize, 0, t.inter), MPI_ERR_RANK, "MPI_Send",
               "remote group");
    CHECK_SAYS(MPI_Recv(a, 1, MPI_INT, t.rsize + 2, 0, t.inter, MPI_STATUS_IGNORE),
               MPI_ERR_RANK, "MPI_Recv", "remote group");
    CHECK_SAYS(MPI_Allgather(MPI_IN_PLACE, 1, MPI_INT, b, 1, MPI_INT, t.inter), MPI_ERR_BUFFER,
               "MPI_Allgather", "MPI_IN_PLACE,intercommunicator");
    CHECK_SAYS(MPI_Allreduce(MPI_IN_PLACE, b, 1, MPI_INT, MPI_SUM, t.inter), MPI_ERR_BUFFER,
               "MPI_Allreduce", "MPI_IN_PLACE,intercommunicator");
    CHECK_SAYS(MPI_Intercomm_create(t.inter, 0, MPI_COMM_WORLD, 0, 1, &c), MPI_ERR_COMM,
               "MPI_Intercomm_create", "local_comm,intercommunicator");
    CHECK_SAYS(MPI_Comm_split_type(t.inter, MPI_COMM_TYPE_HW_UNGUIDED, 0, MPI_INFO_NULL, &c),
               MPI_ERR_COMM, "MPI_Comm_split_type", "intercommunicator");
    {
        /* By node it works: an intercommunicator of each node's processes, or
         * none where the other group has no process on my node. */
        MPI_Comm sh;
        int inter = 0, lsize, rsize;
        CHECK(MPI_Comm_split_type(t.inter, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &sh) ==
              MPI_SUCCESS, "split_type SHARED of an intercommunicator failed");
        if (sh != MPI_COMM_NULL) {
            MPI_Comm_test_inter(sh, &inter);
            MPI_Comm_size(sh, &lsize);
            MPI_Comm_remote_size(sh, &rsize);
            CHECK(inter && lsize >= 1 && lsize <= t.lsize && rsize >= 1 && rsize <= t.rsize,
                  "split_type SHARED of an intercommunicator: inter %d, sizes %d/%d", inter,
                  lsize, rsize);
            MPI_Comm_free(&sh);
        }
        MPI_Comm_split_type(t.inter, MPI_UNDEFINED, 0, MPI_INFO_NULL, &sh);
        CHECK(sh == MPI_COMM_NULL, "split_type MPI_UNDEFINED of an intercommunicator");
    }
    MPI_Comm_group(t.inter, &g);
    CHECK_SAYS(MPI_Comm_create_group(t.inter, g, 0, &c), MPI_ERR_COMM, "MPI_Comm_create_group",
               "intercommunicator");
    MPI_Group_free(&g);
    CHECK(c == MPI_COMM_NULL, "a failed constructor set its output");

    /* Info assertions hold on an intercommunicator and travel with its dup. */
    {
        MPI_Info info;
        MPI_Comm d;
        MPI_Info_create(&info);
        MPI_Info_set(info, "mpi_assert_no_any_source", "true");
        MPI_Comm_set_info(t.inter, info);
        MPI_Info_free(&info);
        MPI_Comm_dup(t.inter, &d);
        CHECK_SAYS(MPI_Recv(a, 1, MPI_INT, MPI_ANY_SOURCE, 0, d, MPI_STATUS_IGNORE),
                   MPI_ERR_ARG, "MPI_Recv", "mpi_assert_no_any_source");
        MPI_Comm_free(&d);
        MPI_Info_create(&info);
        MPI_Info_set(info, "mpi_assert_no_any_source", "false");
        MPI_Comm_set_info(t.inter, info);
        MPI_Info_free(&info);
    }

    /* Still usable. */
    MPI_Barrier(t.inter);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, t.inter);
    for (int j = 0; j < t.rsize; j++)
        expect += t.remote_world[j];
    CHECK(sum == expect, "allreduce after the errors gave %d, expected %d", sum, expect);
    MPI_Comm_remote_size(t.inter, &size);
    CHECK(size == t.rsize, "remote size %d after the errors", size);

    /* Both leaders name a remote leader out of range: every member of both
     * groups gets an error, none waits. */
    CHECK_SAYS(MPI_Intercomm_create(t.local, 0, MPI_COMM_WORLD, wsize + 5, 51, &c),
               MPI_ERR_RANK, "MPI_Intercomm_create", t.lrank == 0 ? "remote_leader" : "leader");
    CHECK_SAYS(MPI_Intercomm_create(t.local, t.lsize, MPI_COMM_WORLD, 0, 52, &c), MPI_ERR_RANK,
               "MPI_Intercomm_create", "local_leader");
    CHECK_SAYS(MPI_Intercomm_create(t.local, 0, MPI_COMM_WORLD, 0, -3, &c), MPI_ERR_TAG,
               "MPI_Intercomm_create", "tag");
    {
        const char *call = "MPI_Intercomm_create_from_groups";
        MPI_Group wg, mine, theirs;

        MPI_Comm_group(MPI_COMM_WORLD, &wg);
        MPI_Group_incl(wg, t.lsize, t.local_world, &mine);
        MPI_Group_incl(wg, t.rsize, t.remote_world, &theirs);
        CHECK_SAYS(MPI_Intercomm_create_from_groups(mine, 0, theirs, t.rsize, "x",
                                                    MPI_INFO_NULL, MPI_ERRORS_RETURN, &c),
                   MPI_ERR_RANK, call, "remote_leader");
        CHECK_SAYS(MPI_Intercomm_create_from_groups(mine, -1, theirs, 0, "x", MPI_INFO_NULL,
                                                    MPI_ERRORS_RETURN, &c),
                   MPI_ERR_RANK, call, "local_leader");
        CHECK_SAYS(MPI_Intercomm_create_from_groups(theirs, 0, mine, 0, "x", MPI_INFO_NULL,
                                                    MPI_ERRORS_RETURN, &c),
                   MPI_ERR_GROUP, call, "not a member");
        CHECK_SAYS(MPI_Intercomm_create_from_groups(mine, 0, wg, 0, "x", MPI_INFO_NULL,
                                                    MPI_ERRORS_RETURN, &c),
                   MPI_ERR_GROUP, call, "overlap");
        CHECK_SAYS(MPI_Intercomm_create_from_groups(mine, 0, theirs, 0, NULL, MPI_INFO_NULL,
                                                    MPI_ERRORS_RETURN, &c),
                   MPI_ERR_ARG, call, "stringtag");
        CHECK_SAYS(MPI_Intercomm_create_from_groups(mine, 0, MPI_GROUP_NULL, 0, "x",
                                                    MPI_INFO_NULL, MPI_ERRORS_RETURN, &c),
                   MPI_ERR_GROUP, call, "remote_group");
        CHECK_SAYS(MPI_Intercomm_create_from_groups(mine, 0, theirs, 0, "x", MPI_INFO_NULL,
                                                    MPI_ERRHANDLER_NULL, &c),
                   MPI_ERR_ERRHANDLER, call, "error handler");
        MPI_Group_free(&theirs);
        MPI_Group_free(&mine);
        MPI_Group_free(&wg);
    }
    it_free(&t);
}

int main(int argc, char **argv)
{
    int a[4] = { 0 }, b[4], size;
    MPI_Comm c = MPI_COMM_NULL;
    MPI_Group g;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    CHECK_SAYS(MPI_Bcast(a, 1, MPI_INT, MPI_ROOT, MPI_COMM_WORLD), MPI_ERR_ROOT, "MPI_Bcast",
               "MPI_ROOT,intercommunicator");
    CHECK_SAYS(MPI_Reduce(a, b, 1, MPI_INT, MPI_SUM, MPI_PROC_NULL, MPI_COMM_WORLD),
               MPI_ERR_ROOT, "MPI_Reduce", "MPI_PROC_NULL");
    CHECK_SAYS(MPI_Comm_remote_size(MPI_COMM_WORLD, &size), MPI_ERR_COMM,
               "MPI_Comm_remote_size", "not an intercommunicator");
    CHECK_SAYS(MPI_Comm_remote_group(MPI_COMM_WORLD, &g), MPI_ERR_COMM,
               "MPI_Comm_remote_group", "not an intercommunicator");
    CHECK_SAYS(MPI_Intercomm_merge(MPI_COMM_WORLD, 0, &c), MPI_ERR_COMM, "MPI_Intercomm_merge",
               "not an intercommunicator");
    /* My own group and "the other" are the same process: they overlap. */
    CHECK_SAYS(MPI_Intercomm_create(MPI_COMM_SELF, 0, MPI_COMM_WORLD, rank, 60, &c),
               MPI_ERR_ARG, "MPI_Intercomm_create", "overlap");
    CHECK(c == MPI_COMM_NULL, "a failed MPI_Intercomm_create set its output");
    if (wsize >= 2)
        for (int shape = 0; shape < IT_SHAPES; shape++)
            on_inter(shape);
    MPI_Finalize();
    return 0;
}
