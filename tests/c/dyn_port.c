/* Ports and names within one job: the lower half of MPI_COMM_WORLD accepts on a
 * port (opened by its last rank, the root), the upper half connects (root its
 * first rank); the intercommunicator carries messages both ways and
 * collectives, merges, and is disconnected. The port is also found through
 * MPI_Publish_name/MPI_Lookup_name. MPI_Comm_join pairs ranks 0 and 1 over a
 * socket. Bad input: an unknown name (MPI_ERR_NAME), unpublishing twice or a
 * name published twice (MPI_ERR_SERVICE), closing a port twice and connecting
 * to a closed or malformed port (MPI_ERR_PORT), each with a message naming the
 * call. */
/* np: 1 2 3 4 */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static int rank;

static void errors(void)
{
    char port[MPI_MAX_PORT_NAME], got[MPI_MAX_PORT_NAME], svc[64];
    MPI_Comm c;

    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    snprintf(svc, sizeof(svc), "baton-test-nothing-%d-%d", (int)getpid(), rank);
    CHECK_ERR(MPI_Lookup_name(svc, MPI_INFO_NULL, got), MPI_ERR_NAME, "MPI_Lookup_name",
              "not published");
    CHECK_ERR(MPI_Unpublish_name(svc, MPI_INFO_NULL, "x"), MPI_ERR_SERVICE,
              "MPI_Unpublish_name", "not published");
    CHECK(MPI_Open_port(MPI_INFO_NULL, port) == MPI_SUCCESS, "MPI_Open_port failed");
    CHECK(strncmp(port, "baton-port:", 11) == 0, "port name '%s'", port);
    CHECK(MPI_Publish_name(svc, MPI_INFO_NULL, port) == MPI_SUCCESS, "MPI_Publish_name failed");
    CHECK_ERR(MPI_Publish_name(svc, MPI_INFO_NULL, port), MPI_ERR_SERVICE, "MPI_Publish_name",
              "published already");
    CHECK(MPI_Lookup_name(svc, MPI_INFO_NULL, got) == MPI_SUCCESS && strcmp(got, port) == 0,
          "lookup of my own name gave '%s', expected '%s'", got, port);
    CHECK(MPI_Unpublish_name(svc, MPI_INFO_NULL, port) == MPI_SUCCESS, "unpublish failed");
    CHECK_ERR(MPI_Lookup_name(svc, MPI_INFO_NULL, got), MPI_ERR_NAME, "MPI_Lookup_name", NULL);
    CHECK(MPI_Close_port(port) == MPI_SUCCESS, "MPI_Close_port failed");
    CHECK_ERR(MPI_Close_port(port), MPI_ERR_PORT, "MPI_Close_port", "not a port");
    CHECK_ERR(MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_SELF, &c), MPI_ERR_PORT,
              "MPI_Comm_connect", "nobody accepts");
    CHECK_ERR(MPI_Comm_connect("no-such-port", MPI_INFO_NULL, 0, MPI_COMM_SELF, &c),
              MPI_ERR_PORT, "MPI_Comm_connect", "not a port name");
    CHECK_ERR(MPI_Comm_accept("no-such-port", MPI_INFO_NULL, 0, MPI_COMM_SELF, &c),
              MPI_ERR_PORT, "MPI_Comm_accept", "not a port");
    CHECK_ERR(MPI_Comm_connect(port, MPI_INFO_NULL, 5, MPI_COMM_SELF, &c), MPI_ERR_ROOT,
              "MPI_Comm_connect", NULL);
    CHECK_ERR(MPI_Comm_join(-1, &c), MPI_ERR_ARG, "MPI_Comm_join", "fd is -1");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

static void halves(int size)
{
    int lower = rank < size / 2, n_low = size / 2, n_up = size - size / 2;
    char port[MPI_MAX_PORT_NAME] = "", svc[64];
    MPI_Comm half, inter, merged;
    int hr, rsize, v, sum, mr;

    MPI_Comm_split(MPI_COMM_WORLD, lower, rank, &half);
    MPI_Comm_rank(half, &hr);
    snprintf(svc, sizeof(svc), "baton-test-halves-%s", getenv("BATON_JOBID") ?
             getenv("BATON_JOBID") : "single");
    if (rank == n_low - 1) {   /* the acceptors' root: the lower half's last rank */
        MPI_Open_port(MPI_INFO_NULL, port);
        CHECK(MPI_Publish_name(svc, MPI_INFO_NULL, port) == MPI_SUCCESS, "publish failed");
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (lower) {
        MPI_Comm_accept(port, MPI_INFO_NULL, n_low - 1, half, &inter);
    } else {
        if (hr == 0)
            CHECK(MPI_Lookup_name(svc, MPI_INFO_NULL, port) == MPI_SUCCESS,
                  "lookup of '%s' failed", svc);
        MPI_Comm_connect(port, MPI_INFO_NULL, 0, half, &inter);
    }
    MPI_Comm_remote_size(inter, &rsize);
    CHECK(rsize == (lower ? n_up : n_low), "remote size %d", rsize);
    /* every pair of the two halves swaps a number */
    for (int k = 0; k < rsize; k++) {
        v = 100 * lower + hr;
        MPI_Sendrecv_replace(&v, 1, MPI_INT, k, 5, k, 5, inter, MPI_STATUS_IGNORE);
        CHECK(v == 100 * !lower + k, "got %d from rank %d of the other half", v, k);
    }
    v = hr + 1;
    MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, inter);
    CHECK(sum == rsize * (rsize + 1) / 2, "intercomm allreduce gave %d", sum);
    MPI_Intercomm_merge(inter, !lower, &merged);
    MPI_Comm_rank(merged, &mr);
    CHECK(mr == rank, "merged rank %d, expected %d", mr, rank);
    MPI_Allreduce(&mr, &sum, 1, MPI_INT, MPI_SUM, merged);
    CHECK(sum == size * (size - 1) / 2, "merged allreduce %d", sum);
    MPI_Comm_free(&merged);
    MPI_Comm_disconnect(&inter);
    CHECK(inter == MPI_COMM_NULL, "disconnect left the handle");
    if (rank == n_low - 1) {
        MPI_Unpublish_name(svc, MPI_INFO_NULL, port);
        MPI_Close_port(port);
    }
    MPI_Comm_free(&half);
}

static void join(void)
{
    MPI_Comm inter;
    int fd = -1, v, rsize;

    if (rank == 0) {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof(sa);
        int l = socket(AF_INET, SOCK_STREAM, 0), port;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0, "listen");
        getsockname(l, (struct sockaddr *)&sa, &len);
        port = ntohs(sa.sin_port);
        MPI_Send(&port, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
        fd = accept(l, NULL, NULL);
        close(l);
    } else {
        struct sockaddr_in sa = { .sin_family = AF_INET };
        int port;
        MPI_Recv(&port, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons((unsigned short)port);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect");
    }
    CHECK(MPI_Comm_join(fd, &inter) == MPI_SUCCESS, "MPI_Comm_join failed");
    close(fd);
    MPI_Comm_remote_size(inter, &rsize);
    CHECK(rsize == 1, "join: remote size %d", rsize);
    v = rank;
    MPI_Sendrecv_replace(&v, 1, MPI_INT, 0, 3, 0, 3, inter, MPI_STATUS_IGNORE);
    CHECK(v == 1 - rank, "join: got %d from the other end", v);
    MPI_Comm_disconnect(&inter);
}

int main(int argc, char **argv)
{
    int size;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    errors();
    if (size >= 2) {
        halves(size);
        MPI_Comm world_lo;
        MPI_Comm_split(MPI_COMM_WORLD, rank < 2, rank, &world_lo);
        if (rank < 2)
            join();
        MPI_Comm_free(&world_lo);
    }
    MPI_Finalize();
    return 0;
}
