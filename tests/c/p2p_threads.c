/* MPI_THREAD_MULTIPLE point-to-point:
 *   MPI_Init_thread(MPI_THREAD_MULTIPLE) provides it, MPI_Query_thread agrees,
 *   MPI_Is_thread_main is true only on the thread that initialized MPI;
 *   two threads per rank exchange with the peer rank (2k <-> 2k+1; an odd last rank
 *   and a one-rank job with themselves) at the same time on their own tags, with
 *   blocking and nonblocking calls and eager and rendezvous sizes;
 *   a thread blocked in MPI_Recv from its own rank is woken by a send of the main
 *   thread (small and rendezvous), and one blocked in MPI_Wait by a message of the
 *   peer that the other thread asked for. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size, peer;

#include "check.h"

#define ITERS 60
#define BIG 50000   /* ints: 200 KB */

static inline int val(int src, int thread, int it, int i)
{
    return src * 10000000 + thread * 1000000 + it * 1000 + i % 997;
}

static int len(int it)
{
    return it % 10 == 9 ? BIG : it % 3 == 1 ? 3000 : it % 7 + 1;
}

typedef struct {
    int id;
} targ_t;

static void *exchanger(void *p)
{
    int id = ((targ_t *)p)->id, flag;
    int *sb = malloc(BIG * sizeof(int)), *rb = malloc(BIG * sizeof(int));

    MPI_Is_thread_main(&flag);
    CHECK(!flag, "MPI_Is_thread_main true on thread %d", id);
    for (int it = 0; it < ITERS; it++) {
        int n = len(it), count;
        MPI_Status st;
        for (int i = 0; i < n; i++)
            sb[i] = val(rank, id, it, i);
        memset(rb, 0, n * sizeof(int));
        if ((it + id) % 2) {
            MPI_Sendrecv(sb, n, MPI_INT, peer, id, rb, n, MPI_INT, peer, id, MPI_COMM_WORLD, &st);
        } else {
            MPI_Request r[2];
            MPI_Status sts[2];
            MPI_Irecv(rb, n, MPI_INT, peer, id, MPI_COMM_WORLD, &r[0]);
            MPI_Isend(sb, n, MPI_INT, peer, id, MPI_COMM_WORLD, &r[1]);
            /* MPI_Testall loops for the small messages only: a polling loop keeps its
             * core when 16 threads share 2, which makes big transfers slow. */
            if (it % 4 == 0 || n == BIG) {
                MPI_Waitall(2, r, sts);
            } else {
                int done = 0;
                while (!done)
                    MPI_Testall(2, r, &done, sts);
            }
            st = sts[0];
        }
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK(st.MPI_SOURCE == peer && st.MPI_TAG == id && count == n, "thread %d iteration %d: "
              "source %d tag %d count %d, expected %d %d %d", id, it, st.MPI_SOURCE, st.MPI_TAG,
              count, peer, id, n);
        for (int i = 0; i < n; i++)
            CHECK(rb[i] == val(peer, id, it, i), "thread %d iteration %d: int %d of %d is %d, "
                  "expected %d (a message of the other thread?)", id, it, i, n, rb[i],
                  val(peer, id, it, i));
    }
    free(sb);
    free(rb);
    return NULL;
}

static int self_buf[BIG];
static int self_n;

static void *self_receiver(void *p)
{
    MPI_Status st;
    int count;
    (void)p;
    MPI_Recv(self_buf, BIG, MPI_INT, rank, 50, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(count == self_n && st.MPI_SOURCE == rank, "self receive: count %d source %d", count,
          st.MPI_SOURCE);
    for (int i = 0; i < count; i++)
        CHECK(self_buf[i] == 42 + i, "self receive: int %d is %d", i, self_buf[i]);
    return NULL;
}

static int wait_buf[4];

static void *peer_waiter(void *p)
{
    MPI_Request req;
    (void)p;
    MPI_Irecv(wait_buf, 4, MPI_INT, peer, 60, MPI_COMM_WORLD, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(wait_buf[0] == peer + 600, "waiting thread got %d", wait_buf[0]);
    return NULL;
}

int main(int argc, char **argv)
{
    int provided = -1, q = -1, flag = 0;
    pthread_t th[2];
    targ_t args[2] = { { 1 }, { 2 } };

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(provided == MPI_THREAD_MULTIPLE, "MPI_Init_thread provided %d, expected "
          "MPI_THREAD_MULTIPLE (%d)", provided, MPI_THREAD_MULTIPLE);
    MPI_Query_thread(&q);
    CHECK(q == MPI_THREAD_MULTIPLE, "MPI_Query_thread: %d", q);
    MPI_Is_thread_main(&flag);
    CHECK(flag, "MPI_Is_thread_main false on the main thread");
    peer = (rank ^ 1) < size ? rank ^ 1 : rank;

    /* Two threads talking to the peer at once. */
    for (int t = 0; t < 2; t++)
        pthread_create(&th[t], NULL, exchanger, &args[t]);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);

    /* A thread blocked in MPI_Recv from self, woken by this thread's send. */
    for (int k = 0; k < 2; k++) {
        int *sb;
        self_n = k ? BIG : 5;
        sb = malloc(self_n * sizeof(int));
        for (int i = 0; i < self_n; i++)
            sb[i] = 42 + i;
        pthread_create(&th[0], NULL, self_receiver, NULL);
        usleep(20000);   /* let it block */
        MPI_Send(sb, self_n, MPI_INT, rank, 50, MPI_COMM_WORLD);
        pthread_join(th[0], NULL);
        free(sb);
    }

    /* A thread blocked in MPI_Wait for the peer, while this thread asks the peer to
     * send (and answers the peer's request in turn). */
    {
        int ask = 1, v = rank + 600;
        pthread_create(&th[0], NULL, peer_waiter, NULL);
        usleep(10000);
        MPI_Sendrecv(&ask, 1, MPI_INT, peer, 61, &ask, 1, MPI_INT, peer, 61, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        MPI_Send(&v, 1, MPI_INT, peer, 60, MPI_COMM_WORLD);
        pthread_join(th[0], NULL);
    }

    MPI_Finalize();
    return 0;
}
