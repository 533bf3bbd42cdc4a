/* MPI_THREAD_MULTIPLE: three threads per rank run collectives at the same time, each
 * on its own communicator (blocking in two, each through its own node channel, and
 * nonblocking in the third), and none mixes with the others nor stalls them. */
/* np: 1 2 3 4 5 8 */
#include "coll_common.c"

#include <pthread.h>

#define ITERS 100

#define NT 3

static MPI_Comm comms[NT];

static void *worker(void *arg)
{
    int t = (int)(long)arg, size, rank, buf[64], out[64];
    MPI_Comm comm = comms[t];

    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    for (int it = 0; it < ITERS; it++) {
        int n = 1 + (it * 7) % 64;
        for (int i = 0; i < n; i++)
            buf[i] = ct_val(rank + 100 * t, it + i);
        if (t != 1) {
            int root = (it + t) % size, v = rank == root ? it * 10 + t : -1;
            MPI_Bcast(&v, 1, MPI_INT, root, comm);
            CT_CHECK(v == it * 10 + t, "thread %d iteration %d bcast from %d: %d", t, it, root,
                     v);
            MPI_Allreduce(buf, out, n, MPI_INT, MPI_SUM, comm);
        } else {
            MPI_Request req;
            MPI_Iallreduce(buf, out, n, MPI_INT, MPI_SUM, comm, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        }
        for (int i = 0; i < n; i++) {
            int sum = 0;
            for (int r = 0; r < size; r++)
                sum += ct_val(r + 100 * t, it + i);
            CT_CHECK(out[i] == sum, "thread %d iteration %d element %d is %d, expected %d", t,
                     it, i, out[i], sum);
        }
        if (it % 10 == 0)
            MPI_Barrier(comm);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int provided;
    pthread_t th[NT];

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    ct_init(NULL);
    ct_set("collectives from three threads", wsize, -1, 64);
    if (provided < MPI_THREAD_MULTIPLE) {
        if (wrank == 0)
            printf("MPI_THREAD_MULTIPLE not provided: skipped\n");
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &comms[0]);
    MPI_Comm_split(MPI_COMM_WORLD, 0, wsize - wrank, &comms[1]);
    MPI_Comm_split(MPI_COMM_WORLD, 0, (wrank + 1) % wsize, &comms[2]);
    for (long t = 0; t < NT; t++)
        pthread_create(&th[t], NULL, worker, (void *)t);
    for (int t = 0; t < NT; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < NT; t++)
        MPI_Comm_free(&comms[t]);
    MPI_Finalize();
    return 0;
}
