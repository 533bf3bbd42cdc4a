/* Send modes and their nonblocking forms, between pairs of ranks (2k, 2k+1; an odd
 * last rank and the single rank of a one-rank job talk to themselves):
 *   synchronous: MPI_Issend stays incomplete (MPI_Test false) until the receiver
 *     has matched it, eager and rendezvous sizes; a blocking MPI_Ssend does not
 *     return before the match (a message sent after it is not there earlier);
 *   buffered: MPI_Bsend/MPI_Ibsend return before any receive is posted, out of the
 *     MPI_Buffer_attach buffer; MPI_Buffer_detach waits for the messages and hands
 *     the buffer back; a buffer too small, or none, is MPI_ERR_BUFFER under
 *     MPI_ERRORS_RETURN, with an error string naming the call, and sends nothing;
 *     a buffer of MPI_Pack_size + MPI_BSEND_OVERHEAD bytes is enough for one message;
 *   ready: MPI_Rsend/MPI_Irsend against a posted receive;
 *   standard: MPI_Isend. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

#include "check.h"

#define BIG 100000   /* ints: 400 KB, rendezvous (and single copy where allowed) */

static void fill(int *b, int n, int src, int tag)
{
    for (int i = 0; i < n; i++)
        b[i] = src * 7919 + tag * 104729 + i;
}

static void verify(const int *b, int n, const MPI_Status *st, int src, int tag, const char *what)
{
    int count;
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(st->MPI_SOURCE == src && st->MPI_TAG == tag, "%s: source %d tag %d, expected %d %d",
          what, st->MPI_SOURCE, st->MPI_TAG, src, tag);
    CHECK(count == n, "%s: count %d, expected %d", what, count, n);
    for (int i = 0; i < n; i++)
        CHECK(b[i] == src * 7919 + tag * 104729 + i, "%s: int %d of %d is %d", what, i, n, b[i]);
}

static void expect_err(int rc, int cls, const char *call, const char *what)
{
    char s[MPI_MAX_ERROR_STRING];
    int c = -1, len;
    CHECK(rc != MPI_SUCCESS, "%s: succeeded", what);
    MPI_Error_class(rc, &c);
    CHECK(c == cls, "%s: error class %d, expected %d", what, c, cls);
    MPI_Error_string(rc, s, &len);
    CHECK(strstr(s, call) != NULL, "%s: error string '%s' does not name %s", what, s, call);
}

/* Synchronous sends, from `me` to `peer` (peer may be me). */
static void sync_modes(int peer, int sender)
{
    int *sb = malloc(BIG * sizeof(int)), *rb = malloc(BIG * sizeof(int));
    const int ns[2] = { 10, BIG };
    MPI_Status st;

    for (int k = 0; k < 2; k++) {
        int n = ns[k], tag = 10 + k, flag = 0, go = 1;
        MPI_Request req;

        if (peer == rank) {
            fill(sb, n, rank, tag);
            MPI_Issend(sb, n, MPI_INT, rank, tag, MPI_COMM_WORLD, &req);
            for (int i = 0; i < 20; i++) {
                MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
                CHECK(!flag, "MPI_Issend of %d ints to self complete before the receive", n);
            }
            MPI_Recv(rb, n, MPI_INT, rank, tag, MPI_COMM_WORLD, &st);
            verify(rb, n, &st, rank, tag, "MPI_Issend to self");
            MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
            CHECK(flag, "MPI_Issend of %d ints to self incomplete after the receive", n);
            continue;
        }
        if (sender) {
            fill(sb, n, rank, tag);
            MPI_Issend(sb, n, MPI_INT, peer, tag, MPI_COMM_WORLD, &req);
            for (int i = 0; i < 20; i++) {
                MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
                CHECK(!flag, "MPI_Issend of %d ints complete before the receiver matched it", n);
                usleep(1000);
            }
            /* The receiver posts its receive only after this message. */
            MPI_Send(&go, 1, MPI_INT, peer, 1, MPI_COMM_WORLD);
            while (!flag)
                MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
            CHECK(req == MPI_REQUEST_NULL, "MPI_Test did not free the completed request");
        } else {
            MPI_Recv(&go, 1, MPI_INT, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Recv(rb, n, MPI_INT, peer, tag, MPI_COMM_WORLD, &st);
            verify(rb, n, &st, peer, tag, "MPI_Issend");
        }
    }

    /* Blocking MPI_Ssend: the message sent after it cannot be there before the
     * receiver takes the synchronous one. */
    if (peer != rank) {
        for (int k = 0; k < 2; k++) {
            int n = ns[k], after = 0;
            if (sender) {
                fill(sb, n, rank, 20);
                MPI_Ssend(sb, n, MPI_INT, peer, 20, MPI_COMM_WORLD);
                after = 77;
                MPI_Send(&after, 1, MPI_INT, peer, 21, MPI_COMM_WORLD);
            } else {
                MPI_Request req;
                int flag = 0;
                MPI_Irecv(&after, 1, MPI_INT, peer, 21, MPI_COMM_WORLD, &req);
                for (int i = 0; i < 20; i++) {
                    usleep(1000);
                    MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
                    CHECK(!flag, "MPI_Ssend of %d ints returned before the receive", n);
                }
                MPI_Recv(rb, n, MPI_INT, peer, 20, MPI_COMM_WORLD, &st);
                verify(rb, n, &st, peer, 20, "MPI_Ssend");
                MPI_Wait(&req, MPI_STATUS_IGNORE);
                CHECK(after == 77, "message after MPI_Ssend: %d", after);
            }
        }
    }
    free(sb);
    free(rb);
}

/* Buffered sends: everything sent before the peer posts a single receive. */
static void buffered(int peer, int sender)
{
    const int ns[4] = { 1, 300, BIG, 0 };
    int bufsize = 0, *sbs[4], *rb = malloc(BIG * sizeof(int));
    char *attached;
    void *det;
    int detsize, rc;
    MPI_Request req;
    MPI_Status st;

    for (int k = 0; k < 4; k++)
        bufsize += ns[k] * (int)sizeof(int) + MPI_BSEND_OVERHEAD;
    attached = malloc(bufsize);

    if (sender || peer == rank) {
        CHECK(MPI_Buffer_attach(attached, bufsize) == MPI_SUCCESS, "MPI_Buffer_attach");
        for (int k = 0; k < 4; k++) {
            sbs[k] = malloc((ns[k] + 1) * sizeof(int));
            fill(sbs[k], ns[k], rank, 30 + k);
            if (k % 2)
                MPI_Bsend(sbs[k], ns[k], MPI_INT, peer, 30 + k, MPI_COMM_WORLD);
            else {
                MPI_Ibsend(sbs[k], ns[k], MPI_INT, peer, 30 + k, MPI_COMM_WORLD, &req);
                MPI_Wait(&req, MPI_STATUS_IGNORE);
            }
            /* The message left a copy: the user buffer is free again at once. */
            memset(sbs[k], 0xff, (ns[k] + 1) * sizeof(int));
        }
        /* Now the peer may receive: it waits for this message first, so the buffered
         * sends above cannot have waited for its receives. */
        MPI_Send(&bufsize, 1, MPI_INT, peer, 39, MPI_COMM_WORLD);
    }
    if (!sender || peer == rank) {
        int dummy;
        MPI_Recv(&dummy, 1, MPI_INT, peer, 39, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int k = 3; k >= 0; k--) {   /* and in another order than sent */
            MPI_Recv(rb, ns[k], MPI_INT, peer, 30 + k, MPI_COMM_WORLD, &st);
            verify(rb, ns[k], &st, peer, 30 + k, "buffered message");
        }
    }
    if (sender || peer == rank) {
        CHECK(MPI_Buffer_detach(&det, &detsize) == MPI_SUCCESS, "MPI_Buffer_detach");
        CHECK(det == attached && detsize == bufsize, "MPI_Buffer_detach gave %p %d, attached "
              "%p %d", det, detsize, (void *)attached, bufsize);
        for (int k = 0; k < 4; k++)
            free(sbs[k]);

        /* No buffer, then one too small: MPI_ERR_BUFFER, nothing sent. */
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        rc = MPI_Bsend(rb, 10, MPI_INT, peer, 40, MPI_COMM_WORLD);
        expect_err(rc, MPI_ERR_BUFFER, "MPI_Bsend", "MPI_Bsend without an attached buffer");
        MPI_Buffer_attach(attached, 100 + MPI_BSEND_OVERHEAD);
        rc = MPI_Bsend(rb, 1000, MPI_INT, peer, 40, MPI_COMM_WORLD);
        expect_err(rc, MPI_ERR_BUFFER, "MPI_Bsend", "MPI_Bsend of 4000 bytes into 100");
        req = MPI_REQUEST_NULL;
        rc = MPI_Ibsend(rb, 1000, MPI_INT, peer, 40, MPI_COMM_WORLD, &req);
        expect_err(rc, MPI_ERR_BUFFER, "MPI_Ibsend", "MPI_Ibsend of 4000 bytes into 100");
        MPI_Buffer_detach(&det, &detsize);
        CHECK(det == attached && detsize == 100 + MPI_BSEND_OVERHEAD, "second detach");
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    }
    free(attached);
    free(rb);
}

/* A buffer of exactly MPI_Pack_size + MPI_BSEND_OVERHEAD holds one message, as the
 * standard tells users to size it; then the failed sends of buffered() sent nothing
 * (tag 40 was tried before tag 41, and messages do not overtake). */
static void bsend_exact(int peer, int sender)
{
    int rb[25], psize, bufsize, detsize, rc;
    char *attached;
    void *det;
    MPI_Status st;

    MPI_Pack_size(25, MPI_INT, MPI_COMM_WORLD, &psize);
    bufsize = psize + MPI_BSEND_OVERHEAD;
    attached = malloc(bufsize);
    if (sender || peer == rank) {
        fill(rb, 25, rank, 41);
        MPI_Buffer_attach(attached, bufsize);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        rc = MPI_Bsend(rb, 25, MPI_INT, peer, 41, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Bsend of 25 ints into MPI_Pack_size (%d) + "
              "MPI_BSEND_OVERHEAD (%d) bytes failed", psize, MPI_BSEND_OVERHEAD);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Buffer_detach(&det, &detsize);
        CHECK(det == attached && detsize == bufsize, "detach after the exact fit");
    }
    if (!sender || peer == rank) {
        int flag;
        MPI_Recv(rb, 25, MPI_INT, peer, 41, MPI_COMM_WORLD, &st);
        verify(rb, 25, &st, peer, 41, "buffered message after the failures");
        MPI_Iprobe(peer, 40, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        CHECK(!flag, "a failed MPI_Bsend sent a message");
    }
    free(attached);
}

/* Ready and standard nonblocking sends against posted receives. */
static void ready(int peer, int sender)
{
    int *sb = malloc(BIG * sizeof(int)), *rb[4];
    const int ns[4] = { 5, BIG, 0, 2000 };
    MPI_Request reqs[4];
    MPI_Status st[4];

    for (int k = 0; k < 4; k++)
        rb[k] = malloc((ns[k] + 1) * sizeof(int));
    if (!sender || peer == rank) {
        for (int k = 0; k < 4; k++)
            MPI_Irecv(rb[k], ns[k], MPI_INT, peer, 50 + k, MPI_COMM_WORLD, &reqs[k]);
    }
    /* The receives are posted before this barrier, the ready sends start after it. */
    MPI_Barrier(MPI_COMM_WORLD);
    if (sender || peer == rank) {
        for (int k = 0; k < 4; k++) {
            MPI_Request r;
            fill(sb, ns[k], rank, 50 + k);
            switch (k) {
            case 0:
                MPI_Rsend(sb, ns[k], MPI_INT, peer, 50 + k, MPI_COMM_WORLD);
                break;
            case 1: /* rendezvous: to self the receive completes only in the wait below */
                if (peer == rank) {
                    MPI_Irsend(sb, ns[k], MPI_INT, peer, 50 + k, MPI_COMM_WORLD, &r);
                    MPI_Wait(&r, MPI_STATUS_IGNORE);
                } else {
                    MPI_Rsend(sb, ns[k], MPI_INT, peer, 50 + k, MPI_COMM_WORLD);
                }
                break;
            case 2:
                MPI_Irsend(sb, ns[k], MPI_INT, peer, 50 + k, MPI_COMM_WORLD, &r);
                MPI_Wait(&r, MPI_STATUS_IGNORE);
                break;
            default:
                MPI_Isend(sb, ns[k], MPI_INT, peer, 50 + k, MPI_COMM_WORLD, &r);
                MPI_Wait(&r, MPI_STATUS_IGNORE);
                break;
            }
        }
    }
    if (!sender || peer == rank) {
        MPI_Waitall(4, reqs, st);
        for (int k = 0; k < 4; k++)
            verify(rb[k], ns[k], &st[k], peer, 50 + k, "ready/standard send");
    }
    for (int k = 0; k < 4; k++)
        free(rb[k]);
    free(sb);
}

int main(int argc, char **argv)
{
    int peer;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    peer = (rank ^ 1) < size ? rank ^ 1 : rank;

    for (int pass = 0; pass < 2; pass++) {
        int sender = (rank < peer) == (pass == 0);
        sync_modes(peer, sender);
        buffered(peer, sender);
        ready(peer, sender);
    }
    bsend_exact(peer, rank < peer);
    MPI_Finalize();
    return 0;
}
