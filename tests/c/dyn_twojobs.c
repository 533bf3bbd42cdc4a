/* runner: skip -- run by tests/test_dynproc.py with two mpiexec jobs.
 *
 *   dyn_twojobs server SERVICE   opens a port, publishes it as SERVICE, accepts
 *   dyn_twojobs client SERVICE   looks SERVICE up (waiting for it), connects
 *   dyn_twojobs abort            spawns 2 children that wait, then MPI_Abort
 *   dyn_twojobs universe         each rank prints MPI_UNIVERSE_SIZE
 *   dyn_twojobs hostspawn HOST   spawns 2 children on HOST (info "host"; @FILE: info
 *                                "hostfile" FILE), merges,
 *                                and each process prints its merged rank and role
 *                                (children with DYN_SHOW_WHERE set: also their host,
 *                                Slurm step and the children on their node)
 *
 * Server and client jobs (any sizes) then swap numbers between every pair of
 * their ranks, run an allreduce over the intercommunicator and over its merge,
 * and disconnect; each prints "twojobs ok" from its rank 0. */
#include "check.h"

#include <unistd.h>

static int rank;

int main(int argc, char **argv)
{
    char port[MPI_MAX_PORT_NAME] = "";
    MPI_Comm inter, merged, parent;
    int size, rsize, server, v, sum, msize;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_get_parent(&parent);
    if (parent != MPI_COMM_NULL && argc >= 2 && strcmp(argv[1], "hostchild") == 0) {
        MPI_Intercomm_merge(parent, 1, &merged);
        MPI_Comm_rank(merged, &v);
        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, merged);
        CHECK(sum == 6, "child: merged allreduce %d", sum);
        if (getenv("DYN_SHOW_WHERE")) {   /* where it runs: host, Slurm step, node mates */
            char host[256] = "";
            const char *step = getenv("SLURM_STEP_ID");
            MPI_Comm node;
            int mates;
            gethostname(host, sizeof(host) - 1);
            MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
            MPI_Comm_size(node, &mates);
            MPI_Comm_free(&node);
            printf("merged rank %d: spawned on %s in step %s with %d on its node\n", v, host,
                   step ? step : "none", mates);
        } else {
            printf("merged rank %d: spawned\n", v);
        }
        MPI_Comm_free(&merged);
        MPI_Comm_disconnect(&parent);
        MPI_Finalize();
        return 0;
    }
    if (parent != MPI_COMM_NULL) {   /* a child of "abort": waits for ever */
        MPI_Recv(&v, 1, MPI_INT, 0, 0, parent, MPI_STATUS_IGNORE);
        MPI_Finalize();
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "hostspawn") == 0) {
        char *args[] = { "hostchild", NULL };
        MPI_Info info;
        MPI_Info_create(&info);
        if (argv[2][0] == '@')   /* @FILE: a hostfile */
            MPI_Info_set(info, "hostfile", argv[2] + 1);
        else
            MPI_Info_set(info, "host", argv[2]);
        MPI_Comm_spawn(argv[0], args, 2, info, 0, MPI_COMM_WORLD, &inter, MPI_ERRCODES_IGNORE);
        MPI_Info_free(&info);
        MPI_Intercomm_merge(inter, 0, &merged);
        MPI_Comm_rank(merged, &v);
        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, merged);
        CHECK(sum == 6, "parent: merged allreduce %d", sum);
        printf("merged rank %d: parent\n", v);
        MPI_Comm_free(&merged);
        MPI_Comm_disconnect(&inter);
        MPI_Finalize();
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "universe") == 0) {
        int *u, flag = 0;
        MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &u, &flag);
        printf("rank %d universe %d\n", rank, flag ? *u : -1);
        MPI_Finalize();
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "abort") == 0) {
        MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, 2, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter,
                       MPI_ERRCODES_IGNORE);
        if (rank == 0) {
            printf("spawned\n");
            fflush(stdout);
            MPI_Abort(MPI_COMM_WORLD, 3);
        }
        MPI_Recv(&v, 1, MPI_INT, 0, 0, inter, MPI_STATUS_IGNORE);
        return 0;
    }
    if (argc < 3)
        return 2;
    server = strcmp(argv[1], "server") == 0;
    if (server) {
        if (rank == 0) {
            MPI_Open_port(MPI_INFO_NULL, port);
            MPI_Publish_name(argv[2], MPI_INFO_NULL, port);
        }
        MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter);
    } else {
        if (rank == 0) {
            /* calls on no communicator report on MPI_COMM_SELF */
            MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
            for (int i = 0; i < 300 && MPI_Lookup_name(argv[2], MPI_INFO_NULL, port) != MPI_SUCCESS;
                 i++)
                usleep(50000);
            MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
        }
        MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter);
    }
    MPI_Comm_remote_size(inter, &rsize);
    for (int k = 0; k < rsize; k++) {
        v = 1000 * server + rank;
        MPI_Sendrecv_replace(&v, 1, MPI_INT, k, 5, k, 5, inter, MPI_STATUS_IGNORE);
        CHECK(v == 1000 * !server + k, "got %d from rank %d of the other job", v, k);
    }
    v = rank + 1;
    MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, inter);
    CHECK(sum == rsize * (rsize + 1) / 2, "intercomm allreduce %d", sum);
    MPI_Intercomm_merge(inter, !server, &merged);
    MPI_Comm_size(merged, &msize);
    MPI_Comm_rank(merged, &v);
    CHECK(msize == size + rsize && v == (server ? rank : rsize + rank),
          "merged rank %d of %d", v, msize);
    MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, merged);
    CHECK(sum == msize * (msize - 1) / 2, "merged allreduce %d", sum);
    MPI_Comm_free(&merged);
    MPI_Comm_disconnect(&inter);
    if (server && rank == 0) {
        MPI_Unpublish_name(argv[2], MPI_INFO_NULL, port);
        MPI_Close_port(port);
    }
    if (rank == 0)
        printf("twojobs ok (%s, %d+%d)\n", argv[1], size, rsize);
    MPI_Finalize();
    return 0;
}
