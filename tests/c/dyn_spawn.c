/* MPI_Comm_spawn: the parents (every rank of MPI_COMM_WORLD) spawn children of
 * this program from a non-zero root; parents and children talk point to point
 * over the intercommunicator, both ways, run collectives over it (bcast from a
 * parent, allreduce), a 4 MiB message each way (rendezvous between jobs), merge
 * it and run collectives over the merged
 * communicator, and the children see MPI_Comm_get_parent, their own world and
 * MPI_APPNUM 0. Then the children disconnect, and the parents spawn again
 * (spawn_multiple of two commands, checked by MPI_APPNUM). */
/* np: 1 2 4 */
#include "check.h"

#include <unistd.h>

static int rank;

static void child(MPI_Comm parent, int kind)
{
    int size, psize, inter, v, sum, appnum = -1, flag = 0, *ap;
    MPI_Comm merged;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_test_inter(parent, &inter);
    CHECK(inter, "child: the parent communicator is not an intercommunicator");
    MPI_Comm_remote_size(parent, &psize);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &ap, &flag);
    if (flag)
        appnum = *ap;
    if (kind == 1) {
        CHECK(appnum == 0, "child: MPI_APPNUM %d (flag %d), expected 0", appnum, flag);
        /* each child receives a number from parent rank (its rank % psize) */
        MPI_Recv(&v, 1, MPI_INT, rank % psize, 7, parent, MPI_STATUS_IGNORE);
        CHECK(v == 1000 + rank, "child: got %d from the parents, expected %d", v, 1000 + rank);
        v = 2000 + rank;
        MPI_Send(&v, 1, MPI_INT, rank % psize, 8, parent);
        /* a large message each way with child 0 (rendezvous between jobs) */
        if (rank == 0) {
            int n = (1 << 20) + 12345, *big = malloc((size_t)n * sizeof(int));
            MPI_Recv(big, n, MPI_INT, 0, 11, parent, MPI_STATUS_IGNORE);
            for (int i = 0; i < n; i++)
                CHECK(big[i] == 3 * i + 1, "child: big[%d] is %d, expected %d", i, big[i],
                      3 * i + 1);
            for (int i = 0; i < n; i++)
                big[i] = -i;
            MPI_Send(big, n, MPI_INT, 0, 12, parent);
            free(big);
        }
        /* bcast from parent root 0 over the intercommunicator */
        v = -1;
        MPI_Bcast(&v, 1, MPI_INT, 0, parent);
        CHECK(v == 4242, "child: bcast over the intercommunicator gave %d", v);
        /* allreduce over the intercommunicator: sum of the other group's */
        v = rank + 1;
        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, parent);
        CHECK(sum == psize * 10, "child: intercomm allreduce gave %d, expected %d", sum,
              psize * 10);
        MPI_Intercomm_merge(parent, 1, &merged);
        {
            int mr, ms, all;
            MPI_Comm_rank(merged, &mr);
            MPI_Comm_size(merged, &ms);
            CHECK(ms == size + psize && mr == psize + rank, "child: merged rank %d of %d, "
                  "expected %d of %d", mr, ms, psize + rank, size + psize);
            MPI_Allreduce(&mr, &all, 1, MPI_INT, MPI_SUM, merged);
            CHECK(all == ms * (ms - 1) / 2, "child: merged allreduce %d", all);
            MPI_Barrier(merged);
            MPI_Comm_free(&merged);
        }
    } else {
        /* spawn_multiple: 2 of command 0 ("a"), then 1 of command 1 ("b") */
        int expect = rank < 2 ? 0 : 1;
        CHECK(appnum == expect, "child of spawn_multiple: MPI_APPNUM %d, expected %d", appnum,
              expect);
        v = appnum;
        if (rank == 0)
            MPI_Send(&size, 1, MPI_INT, 0, 9, parent);
        MPI_Send(&v, 1, MPI_INT, 0, 10, parent);
    }
    MPI_Comm_disconnect(&parent);
    MPI_Comm_get_parent(&parent);
    CHECK(parent == MPI_COMM_NULL, "child: MPI_Comm_get_parent after disconnect is not null");
}

int main(int argc, char **argv)
{
    MPI_Comm parent, inter;
    int size, nkids, root, errs[8], v, remote;

    MPI_Init(&argc, &argv);
    MPI_Comm_get_parent(&parent);
    if (parent != MPI_COMM_NULL) {
        child(parent, argc > 1 ? atoi(argv[1]) : 0);
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    nkids = size == 1 ? 3 : size == 2 ? 4 : 1 + size / 2;
    root = size - 1;
    {
        char *args[] = { "1", NULL };
        for (int i = 0; i < 8; i++)
            errs[i] = -1;
        CHECK(MPI_Comm_spawn(argv[0], args, nkids, MPI_INFO_NULL, root, MPI_COMM_WORLD, &inter,
                             errs) == MPI_SUCCESS, "MPI_Comm_spawn failed");
        if (rank == root)
            for (int i = 0; i < nkids; i++)
                CHECK(errs[i] == MPI_SUCCESS, "errcodes[%d] is %d", i, errs[i]);
    }
    MPI_Comm_remote_size(inter, &remote);
    CHECK(remote == nkids, "the spawned group has %d processes, expected %d", remote, nkids);
    for (int k = rank; k < nkids; k += size) {
        v = 1000 + k;
        MPI_Send(&v, 1, MPI_INT, k, 7, inter);
    }
    for (int k = rank; k < nkids; k += size) {
        MPI_Recv(&v, 1, MPI_INT, k, 8, inter, MPI_STATUS_IGNORE);
        CHECK(v == 2000 + k, "got %d from child %d, expected %d", v, k, 2000 + k);
    }
    if (rank == 0) {   /* 4 MiB + a bit each way with child 0 */
        int n = (1 << 20) + 12345, *big = malloc((size_t)n * sizeof(int));
        for (int i = 0; i < n; i++)
            big[i] = 3 * i + 1;
        MPI_Send(big, n, MPI_INT, 0, 11, inter);
        MPI_Recv(big, n, MPI_INT, 0, 12, inter, MPI_STATUS_IGNORE);
        for (int i = 0; i < n; i++)
            CHECK(big[i] == -i, "big[%d] from child 0 is %d, expected %d", i, big[i], -i);
        free(big);
    }
    v = 4242;
    MPI_Bcast(&v, 1, MPI_INT, rank == 0 ? MPI_ROOT : MPI_PROC_NULL, inter);
    {
        int sum;
        v = 10;
        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, inter);
        CHECK(sum == nkids * (nkids + 1) / 2, "intercomm allreduce gave %d, expected %d", sum,
              nkids * (nkids + 1) / 2);
    }
    {
        MPI_Comm merged;
        int mr, ms, all;
        MPI_Intercomm_merge(inter, 0, &merged);
        MPI_Comm_rank(merged, &mr);
        MPI_Comm_size(merged, &ms);
        CHECK(ms == size + nkids && mr == rank, "merged rank %d of %d, expected %d of %d", mr,
              ms, rank, size + nkids);
        MPI_Allreduce(&mr, &all, 1, MPI_INT, MPI_SUM, merged);
        CHECK(all == ms * (ms - 1) / 2, "merged allreduce %d", all);
        MPI_Barrier(merged);
        MPI_Comm_free(&merged);
    }
    MPI_Comm_disconnect(&inter);

    /* spawn_multiple: two commands (the same program), 2 + 1 processes, root 0 */
    {
        char *cmds[2] = { argv[0], argv[0] };
        char *a0[] = { "2", NULL }, *a1[] = { "2", NULL };
        char **argvs[2] = { a0, a1 };
        int maxprocs[2] = { 2, 1 }, got[3] = { -1, -1, -1 }, n = -1;
        MPI_Info infos[2] = { MPI_INFO_NULL, MPI_INFO_NULL };

        CHECK(MPI_Comm_spawn_multiple(2, cmds, argvs, maxprocs, infos, 0, MPI_COMM_WORLD,
                                      &inter, errs) == MPI_SUCCESS,
              "MPI_Comm_spawn_multiple failed");
        MPI_Comm_remote_size(inter, &remote);
        CHECK(remote == 3, "spawn_multiple made %d processes, expected 3", remote);
        if (rank == 0) {
            MPI_Recv(&n, 1, MPI_INT, 0, 9, inter, MPI_STATUS_IGNORE);
            CHECK(n == 3, "the children's world has %d processes, expected 3", n);
            for (int k = 0; k < 3; k++)
                MPI_Recv(&got[k], 1, MPI_INT, k, 10, inter, MPI_STATUS_IGNORE);
            CHECK(got[0] == 0 && got[1] == 0 && got[2] == 1, "appnums %d %d %d, expected 0 0 1",
                  got[0], got[1], got[2]);
        }
        MPI_Comm_disconnect(&inter);
    }
    MPI_Finalize();
    return 0;
}
