/* Cancel and free, between pairs of ranks (2k, 2k+1; an odd last rank and a one-rank
 * job to themselves):
 *   MPI_Cancel of a receive nobody matched: it completes (MPI_Wait, or MPI_Test),
 *   MPI_Test_cancelled is true, the buffer is untouched, and a message sent later
 *   goes to the next receive, not the cancelled one;
 *   MPI_Cancel of a receive that already completed: not cancelled, data there;
 *   MPI_Cancel of a send: either cancelled (the peer then never sees the message)
 *   or not (the peer receives it), as the standard allows, but never both, and it
 *   completes without the peer's help;
 *   MPI_Request_free of sends in flight (eager and rendezvous): the messages still
 *   arrive intact;
 *   MPI_Status_set_cancelled on a user status.
 * The send cancels come last: a library that cannot cancel a send would hang
 * the others. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, peer, self;

#include "check.h"

#define BIG 100000

int main(int argc, char **argv)
{
    int buf[4] = { -1, -1, -1, -1 }, v, flag, count;
    int *big = malloc(BIG * sizeof(int)), *rbig = malloc(BIG * sizeof(int));
    MPI_Request req, reqs[2];
    MPI_Status st;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    peer = (rank ^ 1) < size ? rank ^ 1 : rank;
    self = peer == rank;

    /* Cancel receives that nothing matches: a named source and MPI_ANY_SOURCE. */
    for (int k = 0; k < 2; k++) {
        MPI_Irecv(buf, 4, MPI_INT, k ? MPI_ANY_SOURCE : peer, 77, MPI_COMM_WORLD, &req);
        CHECK(MPI_Cancel(&req) == MPI_SUCCESS, "MPI_Cancel");
        CHECK(req != MPI_REQUEST_NULL, "MPI_Cancel freed the request");
        if (k) {
            flag = 0;
            while (!flag)
                MPI_Test(&req, &flag, &st);
        } else {
            MPI_Wait(&req, &st);
        }
        CHECK(req == MPI_REQUEST_NULL, "completion of a cancelled receive left the request");
        flag = 0;
        MPI_Test_cancelled(&st, &flag);
        CHECK(flag, "MPI_Test_cancelled false for a cancelled receive");
        CHECK(buf[0] == -1 && buf[3] == -1, "cancelled receive wrote the buffer");
    }
    /* Now a message on tag 77 goes to a new receive. */
    v = 4077;
    MPI_Sendrecv(&v, 1, MPI_INT, peer, 77, buf, 4, MPI_INT, peer, 77, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(buf[0] == 4077 && count == 1, "message after the cancelled receives: %d (count %d)",
          buf[0], count);
    MPI_Test_cancelled(&st, &flag);
    CHECK(!flag, "MPI_Test_cancelled true for a normal receive");

    /* Cancel of a receive that completed already. */
    MPI_Irecv(buf, 4, MPI_INT, peer, 78, MPI_COMM_WORLD, &req);
    v = 4078;
    MPI_Send(&v, 1, MPI_INT, peer, 78, MPI_COMM_WORLD);
    flag = 0;
    while (!flag)
        MPI_Request_get_status(req, &flag, MPI_STATUS_IGNORE);
    MPI_Cancel(&req);
    MPI_Wait(&req, &st);
    MPI_Test_cancelled(&st, &flag);
    CHECK(!flag && buf[0] == 4078, "cancel after completion: cancelled %d, value %d", flag,
          buf[0]);

    /* MPI_Request_free of sends in flight; the receiver acknowledges, and only then
     * is the buffer reused. */
    for (int i = 0; i < BIG; i++)
        big[i] = 7 * i + rank;
    v = 3;
    MPI_Isend(&v, 1, MPI_INT, peer, 100, MPI_COMM_WORLD, &reqs[0]);
    MPI_Isend(big, BIG, MPI_INT, peer, 101, MPI_COMM_WORLD, &reqs[1]);
    CHECK(MPI_Request_free(&reqs[1]) == MPI_SUCCESS, "MPI_Request_free of a rendezvous send");
    CHECK(reqs[1] == MPI_REQUEST_NULL, "MPI_Request_free left the handle");
    CHECK(MPI_Request_free(&reqs[0]) == MPI_SUCCESS, "MPI_Request_free of a small send");
    CHECK(reqs[0] == MPI_REQUEST_NULL, "MPI_Request_free left the handle");
    memset(rbig, 0, BIG * sizeof(int));
    MPI_Recv(rbig, BIG, MPI_INT, peer, 101, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK(count == BIG, "freed rendezvous send: count %d", count);
    for (int i = 0; i < BIG; i++)
        CHECK(rbig[i] == 7 * i + peer, "freed rendezvous send: int %d is %d", i, rbig[i]);
    MPI_Recv(buf, 4, MPI_INT, peer, 100, MPI_COMM_WORLD, &st);
    CHECK(buf[0] == 3, "freed small send: %d", buf[0]);
    /* Acknowledge; after the peer's acknowledgement our buffer is free again. */
    MPI_Sendrecv(&v, 1, MPI_INT, peer, 102, buf, 1, MPI_INT, peer, 102, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    memset(big, 0xff, BIG * sizeof(int));

    /* MPI_Request_free of a receive that has completed. */
    MPI_Irecv(buf, 4, MPI_INT, peer, 103, MPI_COMM_WORLD, &req);
    v = 4103;
    MPI_Send(&v, 1, MPI_INT, peer, 103, MPI_COMM_WORLD);
    flag = 0;
    while (!flag)
        MPI_Request_get_status(req, &flag, MPI_STATUS_IGNORE);
    MPI_Request_free(&req);
    CHECK(req == MPI_REQUEST_NULL && buf[0] == 4103, "MPI_Request_free of a completed receive");

    /* MPI_Status_set_cancelled. */
    memset(&st, 0, sizeof(st));
    MPI_Status_set_cancelled(&st, 1);
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag, "MPI_Status_set_cancelled(1) then MPI_Test_cancelled: false");
    MPI_Status_set_cancelled(&st, 0);
    MPI_Test_cancelled(&st, &flag);
    CHECK(!flag, "MPI_Status_set_cancelled(0) then MPI_Test_cancelled: true");

    /* Cancel of sends, small and rendezvous: whichever way it goes, the peer must
     * see the message exactly when the send was not cancelled; and the completion
     * of a send marked for cancellation is local (MPI 4.1, 3.8.4: MPI_Wait returns
     * irrespective of other processes, repeated MPI_Test eventually succeeds):
     * here the peer posts no receive until it knows. */
    for (int k = 0; k < 2; k++) {
        int n = k ? BIG : 3, cancelled, peer_cancelled;
        for (int i = 0; i < n; i++)
            big[i] = 5000 + k + i;
        MPI_Isend(big, n, MPI_INT, peer, 80 + k, MPI_COMM_WORLD, &req);
        MPI_Cancel(&req);
        {
            double t0 = MPI_Wtime();
            flag = 0;
            while (!flag && MPI_Wtime() - t0 < 3.0)
                MPI_Test(&req, &flag, &st);
            CHECK(flag, "a %s send marked for cancellation, whose message nobody receives, "
                  "did not complete in 3 s of MPI_Test", k ? "rendezvous" : "small");
        }
        MPI_Test_cancelled(&st, &cancelled);
        MPI_Sendrecv(&cancelled, 1, MPI_INT, peer, 90 + k, &peer_cancelled, 1, MPI_INT, peer,
                     90 + k, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        /* Messages do not overtake: the tag 90 one came after the one on 80+k. */
        MPI_Iprobe(peer, 80 + k, MPI_COMM_WORLD, &flag, &st);
        if (peer_cancelled) {
            CHECK(!flag, "the peer cancelled its send on tag %d, but the message is here",
                  80 + k);
        } else {
            CHECK(flag, "the peer did not cancel its send on tag %d, but no message is here",
                  80 + k);
            MPI_Recv(rbig, n, MPI_INT, peer, 80 + k, MPI_COMM_WORLD, &st);
            for (int i = 0; i < n; i++)
                CHECK(rbig[i] == 5000 + k + i, "send not cancelled: int %d is %d", i, rbig[i]);
        }
    }

    free(big);
    free(rbig);
    MPI_Finalize();
    return 0;
}
