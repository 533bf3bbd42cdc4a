/* MPI_THREAD_MULTIPLE: two threads per rank run collectives at the same time, each
 * on its own communicator (blocking in one, nonblocking in the other), and neither
 * mixes with the other nor stalls it. */
/* np: 1 2 3 4 5 8 */
#include "coll_common.c"

#include <pthread.h>

#define ITERS 100

static MPI_Comm comms[2];

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
        if (t == 0) {
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
    pthread_t th[2];

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    ct_init(NULL);
    ct_set("collectives from two threads", wsize, -1, 64);
    if (provided < MPI_THREAD_MULTIPLE) {
        if (wrank == 0)
            printf("MPI_THREAD_MULTIPLE not provided: skipped\n");
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &comms[0]);
    MPI_Comm_split(MPI_COMM_WORLD, 0, wsize - wrank, &comms[1]);
    for (long t = 0; t < 2; t++)
        pthread_create(&th[t], NULL, worker, (void *)t);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    MPI_Comm_free(&comms[0]);
    MPI_Comm_free(&comms[1]);
    MPI_Finalize();
    return 0;
}
