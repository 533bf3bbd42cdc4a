/* Persistent barrier, bcast, reduce and allreduce of ranks that share a node,
 * which run each start as one round on a channel of their own: MPI_Start does
 * not wait for the other ranks (rank 0 starts, then sends to rank 1, which
 * starts only once it has the message); a started request stays pending while
 * blocking, nonblocking and other persistent collectives run on the same
 * communicator, and is completed by MPI_Wait or an MPI_Test loop; roots that are
 * not rank 0; in place; fifty starts in a row with new values each time; more
 * requests than the node has channels, started together (the rest run point to
 * point); requests made and freed over and over (channels come back); a split
 * communicator. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, size;

#include "check.h"

#define MANY 40   /* more than a node's 31 channels */

static long sum_to(int n, long base)   /* sum over ranks r < n of base + r */
{
    return (long)n * base + (long)n * (n - 1) / 2;
}

/* Rank 0 starts, then sends; rank 1 receives, then starts: a start that waited
 * for the other ranks would hang here. */
static void start_does_not_wait(void)
{
    MPI_Request req;
    long in, out = -1;
    int token = 7;

    MPI_Allreduce_init(&in, &out, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &req);
    for (int it = 0; it < 3; it++) {
        in = rank + 10 * it;
        if (rank == 1) {
            MPI_Recv(&token, 1, MPI_INT, 0, it, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Start(&req);
        } else {
            MPI_Start(&req);
            if (rank == 0 && size > 1)
                MPI_Send(&token, 1, MPI_INT, 1, it, MPI_COMM_WORLD);
        }
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        CHECK(out == sum_to(size, 10 * it), "start %d: allreduce gave %ld, expected %ld", it,
              out, sum_to(size, 10 * it));
    }
    MPI_Request_free(&req);
}

/* Four persistent kinds pending together across other collectives. */
static void pending_across_others(MPI_Comm comm)
{
    int me, n, broot, rroot, flag;
    long ar_in, ar_out, red_in, red_out, bc[3], blk_in, blk_out, inplace[2];
    MPI_Request reqs[5], nb;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    broot = n - 1;
    rroot = n / 2;
    MPI_Allreduce_init(&ar_in, &ar_out, 1, MPI_LONG, MPI_SUM, comm, MPI_INFO_NULL, &reqs[0]);
    MPI_Reduce_init(&red_in, &red_out, 1, MPI_LONG, MPI_MAX, rroot, comm, MPI_INFO_NULL, &reqs[1]);
    MPI_Bcast_init(bc, 3, MPI_LONG, broot, comm, MPI_INFO_NULL, &reqs[2]);
    MPI_Barrier_init(comm, MPI_INFO_NULL, &reqs[3]);
    MPI_Allreduce_init(MPI_IN_PLACE, inplace, 2, MPI_LONG, MPI_MIN, comm, MPI_INFO_NULL,
                       &reqs[4]);
    for (int it = 0; it < 50; it++) {
        ar_in = me + it;
        red_in = 1000L * it + me;
        red_out = -1;
        for (int i = 0; i < 3; i++)
            bc[i] = me == broot ? 100L * it + i : -1;
        inplace[0] = it - me;
        inplace[1] = it + me;
        MPI_Startall(5, reqs);
        /* other collectives on the same communicator while those are pending */
        blk_in = me;
        MPI_Allreduce(&blk_in, &blk_out, 1, MPI_LONG, MPI_SUM, comm);
        CHECK(blk_out == sum_to(n, 0), "it %d: blocking allreduce between gave %ld", it, blk_out);
        MPI_Ibarrier(comm, &nb);
        MPI_Bcast(&blk_in, 1, MPI_LONG, 0, comm);
        MPI_Wait(&nb, MPI_STATUS_IGNORE);
        if (it % 2) {
            MPI_Waitall(5, reqs, MPI_STATUSES_IGNORE);
        } else {
            do
                MPI_Testall(5, reqs, &flag, MPI_STATUSES_IGNORE);
            while (!flag);
        }
        CHECK(ar_out == sum_to(n, it), "it %d: allreduce gave %ld, expected %ld", it, ar_out,
              sum_to(n, it));
        if (me == rroot)
            CHECK(red_out == 1000L * it + n - 1, "it %d: reduce at root %d gave %ld", it, rroot,
                  red_out);
        else
            CHECK(red_out == -1, "it %d: reduce wrote %ld on a rank that is not the root", it,
                  red_out);
        for (int i = 0; i < 3; i++)
            CHECK(bc[i] == 100L * it + i, "it %d: bcast from %d gave bc[%d] = %ld", it, broot, i,
                  bc[i]);
        CHECK(inplace[0] == it - (n - 1) && inplace[1] == it,
              "it %d: allreduce in place gave %ld %ld", it, inplace[0], inplace[1]);
    }
    for (int i = 0; i < 5; i++)
        MPI_Request_free(&reqs[i]);
}

/* More requests than channels, all pending at once. */
static void more_than_channels(void)
{
    MPI_Request reqs[MANY];
    long in[MANY], out[MANY];

    for (int k = 0; k < MANY; k++)
        MPI_Allreduce_init(&in[k], &out[k], 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL,
                           &reqs[k]);
    for (int it = 0; it < 3; it++) {
        for (int k = 0; k < MANY; k++) {
            in[k] = rank * (k + 1) + it;
            out[k] = -1;
        }
        /* in reverse order: the request started first is waited last */
        for (int k = 0; k < MANY; k++)
            MPI_Start(&reqs[k]);
        for (int k = MANY - 1; k >= 0; k--)
            MPI_Wait(&reqs[k], MPI_STATUS_IGNORE);
        for (int k = 0; k < MANY; k++)
            CHECK(out[k] == (long)(k + 1) * size * (size - 1) / 2 + (long)size * it,
                  "request %d of %d, start %d: allreduce gave %ld", k, MANY, it, out[k]);
    }
    for (int k = 0; k < MANY; k++)
        MPI_Request_free(&reqs[k]);
}

/* Made, started twice and freed, 100 times: channels must come back. */
static void made_and_freed(void)
{
    for (int k = 0; k < 100; k++) {
        MPI_Request req;
        long in = rank + k, out = -1;

        MPI_Allreduce_init(&in, &out, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &req);
        for (int it = 0; it < 2; it++) {
            MPI_Start(&req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
            CHECK(out == sum_to(size, k), "round %d start %d: allreduce gave %ld", k, it, out);
        }
        MPI_Request_free(&req);
    }
}

int main(int argc, char **argv)
{
    MPI_Comm half;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    start_does_not_wait();
    pending_across_others(MPI_COMM_WORLD);
    more_than_channels();
    made_and_freed();
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, size - rank, &half);
    pending_across_others(half);
    MPI_Comm_free(&half);
    MPI_Finalize();
    if (rank == 0)
        printf("coll_persistent_node: ok\n");
    return 0;
}
