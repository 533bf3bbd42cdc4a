/* The completion calls, between pairs of ranks (2k, 2k+1; an odd last rank and a
 * one-rank job play both sides themselves). The sender sends one message at a time
 * when the receiver asks for it, so the receiver knows which request must complete:
 *   MPI_Wait/MPI_Test, MPI_Waitany/MPI_Testany (the index of the request that
 *   completed, MPI_REQUEST_NULL entries skipped), MPI_Waitsome/MPI_Testsome
 *   (exactly the completed ones), MPI_Waitall/MPI_Testall (false while one is
 *   missing), MPI_Request_get_status (does not free the request);
 *   on null requests: MPI_Wait/MPI_Test give an empty status at once, all-null or
 *   empty arrays give MPI_UNDEFINED for the any/some forms, flag true for tests.
 * Messages alternate between small and rendezvous sizes. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, peer, sender, self;

#include "check.h"

#define N 6
#define BIG 40000    /* ints */
#define ACK 999

static int len(int tag)
{
    return tag % 3 == 2 ? BIG : tag + 1;
}

static int sbuf[N][BIG], rbuf[N][BIG];

/* The sender's part of a step: wait for the receiver's go, send the messages. */
static void send_msgs(const int *tags, int n)
{
    for (int k = 0; k < n; k++) {
        int t = tags[k];
        for (int i = 0; i < len(t); i++)
            sbuf[t][i] = rank * 100000 + t * 1000 + i;
        MPI_Send(sbuf[t], len(t), MPI_INT, peer, t, MPI_COMM_WORLD);
    }
}

/* One step: the receiver tells the sender to go, the sender sends these tags.
 * With one side only (self), the sends are nonblocking and completed later. */
static MPI_Request self_reqs[64];
static int nself;

static void step(const int *tags, int n)
{
    int go = 1;
    if (self) {
        for (int k = 0; k < n; k++) {
            int t = tags[k];
            for (int i = 0; i < len(t); i++)
                sbuf[t][i] = rank * 100000 + t * 1000 + i;
            MPI_Isend(sbuf[t], len(t), MPI_INT, rank, t, MPI_COMM_WORLD, &self_reqs[nself++]);
        }
    } else if (sender) {
        MPI_Recv(&go, 1, MPI_INT, peer, ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        send_msgs(tags, n);
    } else {
        MPI_Send(&go, 1, MPI_INT, peer, ACK, MPI_COMM_WORLD);
    }
}

static void self_flush(void)
{
    MPI_Waitall(nself, self_reqs, MPI_STATUSES_IGNORE);
    nself = 0;
}

static void verify(int t, const MPI_Status *st, const char *what)
{
    int count;
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(st->MPI_SOURCE == peer && st->MPI_TAG == t, "%s: source %d tag %d, expected %d %d",
          what, st->MPI_SOURCE, st->MPI_TAG, peer, t);
    CHECK(count == len(t), "%s: tag %d: count %d, expected %d", what, t, count, len(t));
    for (int i = 0; i < len(t); i++)
        CHECK(rbuf[t][i] == peer * 100000 + t * 1000 + i, "%s: tag %d: int %d is %d", what, t,
              i, rbuf[t][i]);
}

static void check_empty(const MPI_Status *st, const char *what)
{
    int count = -1, flag = 1;
    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG,
          "%s: empty status has source %d tag %d", what, st->MPI_SOURCE, st->MPI_TAG);
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(count == 0, "%s: empty status has count %d", what, count);
    MPI_Test_cancelled(st, &flag);
    CHECK(!flag, "%s: empty status says cancelled", what);
}

static void post(MPI_Request *reqs, int stride)
{
    for (int t = 0; t < N; t++) {
        memset(rbuf[t], 0, sizeof(rbuf[t]));
        MPI_Irecv(rbuf[t], BIG, MPI_INT, peer, t, MPI_COMM_WORLD, &reqs[t * stride]);
        for (int s = 1; s < stride; s++)
            reqs[t * stride + s] = MPI_REQUEST_NULL;
    }
}

static void test_wait_test(void)
{
    int receiver = self || !sender, flag, t = 4;
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Status st;

    /* Null requests. */
    memset(&st, 0x33, sizeof(st));
    CHECK(MPI_Wait(&req, &st) == MPI_SUCCESS, "MPI_Wait(MPI_REQUEST_NULL)");
    check_empty(&st, "MPI_Wait(MPI_REQUEST_NULL)");
    memset(&st, 0x33, sizeof(st));
    flag = 0;
    MPI_Test(&req, &flag, &st);
    CHECK(flag, "MPI_Test(MPI_REQUEST_NULL): flag false");
    check_empty(&st, "MPI_Test(MPI_REQUEST_NULL)");
    memset(&st, 0x33, sizeof(st));
    flag = 0;
    MPI_Request_get_status(MPI_REQUEST_NULL, &flag, &st);
    CHECK(flag, "MPI_Request_get_status(MPI_REQUEST_NULL): flag false");
    check_empty(&st, "MPI_Request_get_status(MPI_REQUEST_NULL)");

    if (receiver) {
        MPI_Irecv(rbuf[t], BIG, MPI_INT, peer, t, MPI_COMM_WORLD, &req);
        for (int i = 0; i < 10; i++) {
            MPI_Test(&req, &flag, &st);
            CHECK(!flag && req != MPI_REQUEST_NULL, "MPI_Test true before the message was sent");
            MPI_Request_get_status(req, &flag, &st);
            CHECK(!flag, "MPI_Request_get_status true before the message was sent");
        }
    }
    step(&t, 1);
    if (receiver) {
        flag = 0;
        while (!flag)
            MPI_Request_get_status(req, &flag, &st);
        CHECK(req != MPI_REQUEST_NULL, "MPI_Request_get_status freed the request");
        verify(t, &st, "MPI_Request_get_status");
        MPI_Request_get_status(req, &flag, &st);
        CHECK(flag, "MPI_Request_get_status: a second call is false");
        memset(&st, 0, sizeof(st));
        MPI_Test(&req, &flag, &st);
        CHECK(flag && req == MPI_REQUEST_NULL, "MPI_Test after MPI_Request_get_status: flag %d",
              flag);
        verify(t, &st, "MPI_Test");
    }
    t = 2;
    if (receiver)
        MPI_Irecv(rbuf[t], BIG, MPI_INT, peer, t, MPI_COMM_WORLD, &req);
    step(&t, 1);
    if (receiver) {
        MPI_Wait(&req, &st);
        CHECK(req == MPI_REQUEST_NULL, "MPI_Wait did not free the request");
        verify(t, &st, "MPI_Wait");
    }
    if (self)
        self_flush();
}

static void test_any(int use_test)
{
    const char *name = use_test ? "MPI_Testany" : "MPI_Waitany";
    const int order[N] = { 3, 0, 5, 1, 4, 2 };
    int receiver = self || !sender, index, flag;
    MPI_Request reqs[2 * N];
    MPI_Status st;

    if (receiver)
        post(reqs, 2);   /* every other entry is MPI_REQUEST_NULL */
    for (int j = 0; j < N; j++) {
        if (receiver && use_test) {
            MPI_Testany(2 * N, reqs, &index, &flag, &st);
            CHECK(!flag && index == MPI_UNDEFINED, "%s before the send: flag %d index %d", name,
                  flag, index);
        }
        step(&order[j], 1);
        if (!receiver)
            continue;
        if (use_test) {
            flag = 0;
            while (!flag)
                MPI_Testany(2 * N, reqs, &index, &flag, &st);
        } else {
            MPI_Waitany(2 * N, reqs, &index, &st);
        }
        CHECK(index == 2 * order[j], "%s: index %d, expected %d", name, index, 2 * order[j]);
        CHECK(reqs[index] == MPI_REQUEST_NULL, "%s did not free the request", name);
        verify(order[j], &st, name);
    }
    if (receiver) {
        /* Only null requests left. */
        memset(&st, 0x33, sizeof(st));
        flag = 0;
        if (use_test) {
            MPI_Testany(2 * N, reqs, &index, &flag, &st);
            CHECK(flag, "%s over null requests: flag false", name);
        } else {
            MPI_Waitany(2 * N, reqs, &index, &st);
        }
        CHECK(index == MPI_UNDEFINED, "%s over null requests: index %d", name, index);
        check_empty(&st, name);
        /* And an empty array. */
        index = 0;
        flag = 0;
        if (use_test) {
            MPI_Testany(0, NULL, &index, &flag, MPI_STATUS_IGNORE);
            CHECK(flag, "%s(0): flag false", name);
        } else {
            MPI_Waitany(0, NULL, &index, MPI_STATUS_IGNORE);
        }
        CHECK(index == MPI_UNDEFINED, "%s(0): index %d", name, index);
    }
    if (self)
        self_flush();
}

static void test_some(int use_test)
{
    const char *name = use_test ? "MPI_Testsome" : "MPI_Waitsome";
    const int first[2] = { 1, 5 }, rest[4] = { 0, 2, 3, 4 };
    int receiver = self || !sender, outcount, indices[N], got[N] = { 0 }, ngot = 0;
    MPI_Request reqs[N];
    MPI_Status sts[N];

    if (receiver) {
        post(reqs, 1);
        MPI_Testsome(N, reqs, &outcount, indices, sts);
        CHECK(outcount == 0, "MPI_Testsome before any send: outcount %d", outcount);
    }
    step(first, 2);
    if (receiver) {
        while (ngot < 2) {
            if (use_test)
                MPI_Testsome(N, reqs, &outcount, indices, sts);
            else
                MPI_Waitsome(N, reqs, &outcount, indices, sts);
            CHECK(outcount >= (use_test ? 0 : 1) && outcount <= 2 - ngot, "%s: outcount %d with "
                  "%d of 2 messages already received", name, outcount, ngot);
            for (int k = 0; k < outcount; k++) {
                int i = indices[k];
                CHECK(i == 1 || i == 5, "%s: index %d completed, it was not sent", name, i);
                CHECK(!got[i], "%s: index %d completed twice", name, i);
                CHECK(reqs[i] == MPI_REQUEST_NULL, "%s did not free request %d", name, i);
                got[i] = 1;
                ngot++;
                verify(i, &sts[k], name);
            }
        }
        MPI_Testsome(N, reqs, &outcount, indices, sts);
        CHECK(outcount == 0, "%s: MPI_Testsome with nothing more sent: outcount %d", name,
              outcount);
    }
    step(rest, 4);
    if (receiver) {
        while (ngot < N) {
            if (use_test)
                MPI_Testsome(N, reqs, &outcount, indices, sts);
            else
                MPI_Waitsome(N, reqs, &outcount, indices, sts);
            CHECK(outcount != MPI_UNDEFINED, "%s: MPI_UNDEFINED with requests active", name);
            for (int k = 0; k < outcount; k++) {
                int i = indices[k];
                CHECK(!got[i], "%s: index %d completed twice", name, i);
                got[i] = 1;
                ngot++;
                verify(i, &sts[k], name);
            }
        }
        if (use_test)
            MPI_Testsome(N, reqs, &outcount, indices, sts);
        else
            MPI_Waitsome(N, reqs, &outcount, indices, sts);
        CHECK(outcount == MPI_UNDEFINED, "%s over null requests: outcount %d", name, outcount);
        outcount = 0;
        if (use_test)
            MPI_Testsome(0, NULL, &outcount, NULL, NULL);
        else
            MPI_Waitsome(0, NULL, &outcount, NULL, NULL);
        CHECK(outcount == MPI_UNDEFINED, "%s(0): outcount %d", name, outcount);
    }
    if (self)
        self_flush();
}

static void test_all(int use_test)
{
    const char *name = use_test ? "MPI_Testall" : "MPI_Waitall";
    const int first[2] = { 0, 2 }, last = 4;
    int receiver = self || !sender, flag;
    MPI_Request reqs[2 * N];
    MPI_Status sts[2 * N];

    if (receiver) {
        /* Requests for tags 0, 2, 4 at entries 0, 4, 8, the rest null. */
        for (int i = 0; i < 2 * N; i++)
            reqs[i] = MPI_REQUEST_NULL;
        for (int t = 0; t < N; t += 2)
            MPI_Irecv(rbuf[t], BIG, MPI_INT, peer, t, MPI_COMM_WORLD, &reqs[2 * t]);
    }
    step(first, 2);
    if (receiver && use_test) {
        /* Wait until both sent messages are in without completing them, then the
         * missing third keeps MPI_Testall false. */
        for (int k = 0; k < 2; k++) {
            flag = 0;
            while (!flag)
                MPI_Request_get_status(reqs[2 * first[k]], &flag, MPI_STATUS_IGNORE);
        }
        MPI_Testall(2 * N, reqs, &flag, sts);
        CHECK(!flag, "MPI_Testall true with a message missing");
        CHECK(reqs[0] != MPI_REQUEST_NULL && reqs[4] != MPI_REQUEST_NULL, "MPI_Testall freed "
              "requests although it returned false");
    }
    step(&last, 1);
    if (receiver) {
        for (int i = 0; i < 2 * N; i++)
            memset(&sts[i], 0x33, sizeof(sts[i]));
        if (use_test) {
            flag = 0;
            while (!flag)
                MPI_Testall(2 * N, reqs, &flag, sts);
        } else {
            CHECK(MPI_Waitall(2 * N, reqs, sts) == MPI_SUCCESS, "MPI_Waitall failed");
        }
        for (int i = 0; i < 2 * N; i++) {
            CHECK(reqs[i] == MPI_REQUEST_NULL, "%s left request %d", name, i);
            if (i % 4 == 0)
                verify(i / 2, &sts[i], name);
            else
                check_empty(&sts[i], name);
        }
        flag = 0;
        MPI_Testall(2 * N, reqs, &flag, MPI_STATUSES_IGNORE);
        CHECK(flag, "MPI_Testall over null requests: flag false");
        CHECK(MPI_Waitall(2 * N, reqs, MPI_STATUSES_IGNORE) == MPI_SUCCESS, "MPI_Waitall over "
              "null requests");
        flag = 0;
        MPI_Testall(0, NULL, &flag, NULL);
        CHECK(flag, "MPI_Testall(0): flag false");
        CHECK(MPI_Waitall(0, NULL, NULL) == MPI_SUCCESS, "MPI_Waitall(0)");
    }
    if (self)
        self_flush();
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    peer = (rank ^ 1) < size ? rank ^ 1 : rank;
    self = peer == rank;

    for (int pass = 0; pass < 2; pass++) {
        sender = (rank < peer) == (pass == 0);
        test_wait_test();
        test_any(0);
        test_any(1);
        test_some(0);
        test_some(1);
        test_all(0);
        test_all(1);
    }
    MPI_Finalize();
    return 0;
}
