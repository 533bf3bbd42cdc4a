/* MPI_ERR_TRUNCATE under MPI_ERRORS_RETURN, around the ring (to rank+1, from rank-1;
 * to itself at one rank): messages larger than the receive buffer, eager, streamed
 * and single-copy rendezvous, posted and unexpected, contiguous and vector receive
 * types, a zero-count receive; through MPI_Recv, MPI_Wait, MPI_Waitany, MPI_Waitall,
 * MPI_Waitsome and MPI_Testsome (MPI_ERR_IN_STATUS, MPI_ERROR of each status),
 * MPI_Sendrecv, MPI_Mrecv. Each time: the error class, an error string naming the
 * call, the part that fits has arrived, nothing past the buffer is written, the send
 * succeeded, and the next message on the pair arrives intact. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, next, prev;

#include "check.h"

#define GUARD 64
#define MAXN 400000

static unsigned char *sb, *rb;

static inline unsigned char pat(int src, int tag, size_t i)
{
    return (unsigned char)(src * 17 + tag * 5 + i + (i >> 8));
}

static void expect_err(int rc, int cls, const char *call, const char *what)
{
    char s[MPI_MAX_ERROR_STRING];
    int c = -1, len;
    CHECK(rc != MPI_SUCCESS, "%s: no error", what);
    MPI_Error_class(rc, &c);
    CHECK(c == cls, "%s: error class %d, expected %d", what, c, cls);
    MPI_Error_string(rc, s, &len);
    CHECK(strstr(s, call) != NULL, "%s: error string '%s' does not name %s", what, s, call);
}

static MPI_Request start_send(size_t n, int tag)
{
    MPI_Request req;
    for (size_t i = 0; i < n; i++)
        sb[i] = pat(rank, tag, i);
    CHECK(MPI_Isend(sb, (int)n, MPI_BYTE, next, tag, MPI_COMM_WORLD, &req) == MPI_SUCCESS,
          "MPI_Isend");
    return req;
}

static void finish_send(MPI_Request *req, const char *what)
{
    CHECK(MPI_Wait(req, MPI_STATUS_IGNORE) == MPI_SUCCESS, "%s: the send of a message the "
          "receiver truncated failed", what);
}

/* The first cap bytes arrived, the guard after them is untouched. */
static void check_fit(size_t cap, int tag, const char *what)
{
    for (size_t i = 0; i < cap; i++)
        CHECK(rb[i] == pat(prev, tag, i), "%s: byte %zu of the %zu that fit is %u, expected %u",
              what, i, cap, rb[i], pat(prev, tag, i));
    for (size_t i = cap; i < cap + GUARD; i++)
        CHECK(rb[i] == 0xcd, "%s: byte %zu past the %zu-byte buffer was written", what, i, cap);
}

/* After each truncation: the next message of the pair arrives whole. */
static void follow_up(int tag, const char *what)
{
    MPI_Request req = start_send(3000, tag + 1000);
    MPI_Status st;
    int count;
    memset(rb, 0, 3000);
    CHECK(MPI_Recv(rb, 3000, MPI_BYTE, prev, tag + 1000, MPI_COMM_WORLD, &st) == MPI_SUCCESS,
          "%s: the message after the truncated one failed", what);
    MPI_Get_count(&st, MPI_BYTE, &count);
    CHECK(count == 3000, "%s: the message after the truncated one has %d bytes", what, count);
    for (size_t i = 0; i < 3000; i++)
        CHECK(rb[i] == pat(prev, tag + 1000, i), "%s: the message after the truncated one: "
              "byte %zu", what, i);
    finish_send(&req, what);
}

/* Truncated MPI_Recv / MPI_Irecv+MPI_Wait of n bytes into cap, receive posted
 * before or after the message arrived. */
static void one(size_t n, size_t cap, int tag, int nonblocking, int posted)
{
    char what[128];
    MPI_Request sreq, rreq;
    MPI_Status st;
    int rc;

    snprintf(what, sizeof(what), "%zu bytes into %zu (%s, %s)", n, cap,
             nonblocking ? "MPI_Wait" : "MPI_Recv", posted ? "posted" : "unexpected");
    memset(rb, 0xcd, cap + GUARD);
    if (posted) {
        MPI_Irecv(rb, (int)cap, MPI_BYTE, prev, tag, MPI_COMM_WORLD, &rreq);
        MPI_Barrier(MPI_COMM_WORLD);
        sreq = start_send(n, tag);
    } else {
        sreq = start_send(n, tag);
        MPI_Barrier(MPI_COMM_WORLD);
        if (nonblocking)
            MPI_Irecv(rb, (int)cap, MPI_BYTE, prev, tag, MPI_COMM_WORLD, &rreq);
    }
    if (nonblocking || posted) {
        rc = MPI_Wait(&rreq, &st);
        expect_err(rc, MPI_ERR_TRUNCATE, "MPI_Wait", what);
    } else {
        rc = MPI_Recv(rb, (int)cap, MPI_BYTE, prev, tag, MPI_COMM_WORLD, &st);
        expect_err(rc, MPI_ERR_TRUNCATE, "MPI_Recv", what);
    }
    CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == tag, "%s: status source %d tag %d", what,
          st.MPI_SOURCE, st.MPI_TAG);
    check_fit(cap, tag, what);
    finish_send(&sreq, what);
    follow_up(tag, what);
}

int main(int argc, char **argv)
{
    static const size_t cases[][2] = {
        { 100, 60 }, { 1, 0 }, { 900, 500 }, { 2000, 1000 }, { 40000, 30000 },
        { 40000, 33 }, { 300000, 100000 }, { MAXN, 262144 }, { MAXN, 0 },
    };
    int tag = 1;
    MPI_Status st;
    int rc;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    sb = malloc(MAXN);
    rb = malloc(MAXN + GUARD);

    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
        for (int nb = 0; nb < 2; nb++)
            for (int posted = 0; posted < 2; posted++)
                one(cases[k][0], cases[k][1], tag++, nb, posted);

    /* A vector receive type: every other int of the buffer, fewer than sent. */
    {
        const char *what = "vector receive of 100000 ints into 30000";
        int *ri = (int *)rb, count;
        MPI_Datatype every_other;
        MPI_Request sreq;

        MPI_Type_vector(30000, 1, 2, MPI_INT, &every_other);
        MPI_Type_commit(&every_other);
        for (int i = 0; i < 100000; i++)
            ((int *)sb)[i] = rank * 1000000 + i;
        MPI_Isend(sb, 100000, MPI_INT, next, tag, MPI_COMM_WORLD, &sreq);
        for (int i = 0; i < 60001; i++)
            ri[i] = -1;
        rc = MPI_Recv(ri, 1, every_other, prev, tag, MPI_COMM_WORLD, &st);
        expect_err(rc, MPI_ERR_TRUNCATE, "MPI_Recv", what);
        for (int i = 0; i < 60001; i++)
            CHECK(ri[i] == (i % 2 || i == 60000 ? -1 : prev * 1000000 + i / 2),
                  "%s: int %d is %d", what, i, ri[i]);
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK(count <= 30000, "%s: status says %d ints arrived", what, count);
        finish_send(&sreq, what);
        follow_up(tag++, what);
        MPI_Type_free(&every_other);
    }

    /* MPI_Waitall: one truncated, one whole. */
    {
        const char *what = "MPI_Waitall with one truncated receive";
        MPI_Request r[2], s[2];
        MPI_Status sts[2];
        int *ri = (int *)rb, *si = (int *)sb;

        for (int i = 0; i < 50000; i++)
            si[i] = rank + i;
        MPI_Isend(si, 50000, MPI_INT, next, tag, MPI_COMM_WORLD, &s[0]);
        MPI_Isend(si, 10, MPI_INT, next, tag + 1, MPI_COMM_WORLD, &s[1]);
        MPI_Irecv(ri, 40000, MPI_INT, prev, tag, MPI_COMM_WORLD, &r[0]);
        MPI_Irecv(ri + 40000, 10, MPI_INT, prev, tag + 1, MPI_COMM_WORLD, &r[1]);
        sts[0].MPI_ERROR = sts[1].MPI_ERROR = -1;
        rc = MPI_Waitall(2, r, sts);
        expect_err(rc, MPI_ERR_IN_STATUS, "MPI_Waitall", what);
        {
            int c0 = -1;
            MPI_Error_class(sts[0].MPI_ERROR, &c0);
            CHECK(c0 == MPI_ERR_TRUNCATE, "%s: MPI_ERROR of the truncated one has class %d", what,
                  c0);
        }
        CHECK(sts[1].MPI_ERROR == MPI_SUCCESS, "%s: MPI_ERROR of the whole one is %d", what,
              sts[1].MPI_ERROR);
        CHECK(r[0] == MPI_REQUEST_NULL && r[1] == MPI_REQUEST_NULL, "%s: requests left", what);
        for (int i = 0; i < 40000; i++)
            CHECK(ri[i] == prev + i, "%s: int %d is %d", what, i, ri[i]);
        for (int i = 0; i < 10; i++)
            CHECK(ri[40000 + i] == prev + i, "%s: second message int %d", what, i);
        CHECK(MPI_Waitall(2, s, MPI_STATUSES_IGNORE) == MPI_SUCCESS, "%s: sends failed", what);
        tag += 2;
        follow_up(tag++, what);
    }

    /* MPI_Waitany (the error of the one request it completed) and MPI_Waitsome,
     * MPI_Testsome (MPI_ERR_IN_STATUS, MPI_ERROR set in the statuses). */
    for (int k = 0; k < 3; k++) {
        const char *calls[3] = { "MPI_Waitany", "MPI_Waitsome", "MPI_Testsome" };
        MPI_Request r[2] = { MPI_REQUEST_NULL, MPI_REQUEST_NULL }, s;
        MPI_Status sts[2];
        int index = -1, outcount = 0, indices[2], c = -1;

        memset(rb, 0xcd, 100 + GUARD);
        MPI_Irecv(rb, 100, MPI_BYTE, prev, tag, MPI_COMM_WORLD, &r[1]);
        s = start_send(k == 0 ? 150 : 50000, tag);
        if (k == 0) {
            rc = MPI_Waitany(2, r, &index, &sts[0]);
            expect_err(rc, MPI_ERR_TRUNCATE, calls[k], "MPI_Waitany truncated");
            CHECK(index == 1 && r[1] == MPI_REQUEST_NULL, "MPI_Waitany truncated: index %d",
                  index);
        } else {
            sts[0].MPI_ERROR = -1;
            do {
                if (k == 1)
                    rc = MPI_Waitsome(2, r, &outcount, indices, sts);
                else
                    rc = MPI_Testsome(2, r, &outcount, indices, sts);
            } while (rc == MPI_SUCCESS && outcount == 0);
            expect_err(rc, MPI_ERR_IN_STATUS, calls[k], "truncated");
            CHECK(outcount == 1 && indices[0] == 1, "%s truncated: outcount %d index %d",
                  calls[k], outcount, indices[0]);
            MPI_Error_class(sts[0].MPI_ERROR, &c);
            CHECK(c == MPI_ERR_TRUNCATE, "%s truncated: MPI_ERROR has class %d", calls[k], c);
        }
        check_fit(100, tag, calls[k]);
        finish_send(&s, calls[k]);
        follow_up(tag++, calls[k]);
    }

    /* MPI_Sendrecv. */
    {
        const char *what = "MPI_Sendrecv truncated";
        for (size_t i = 0; i < 5000; i++)
            sb[i] = pat(rank, tag, i);
        memset(rb, 0xcd, 4000 + GUARD);
        rc = MPI_Sendrecv(sb, 5000, MPI_BYTE, next, tag, rb, 4000, MPI_BYTE, prev, tag,
                          MPI_COMM_WORLD, &st);
        expect_err(rc, MPI_ERR_TRUNCATE, "MPI_Sendrecv", what);
        check_fit(4000, tag, what);
        follow_up(tag++, what);
    }

    /* MPI_Mrecv: the error is reported through the communicator of the message. */
    for (int k = 0; k < 2; k++) {
        const char *what = k ? "MPI_Mrecv of 300000 bytes into 1000"
                             : "MPI_Mrecv of 700 bytes into 600";
        size_t n = k ? 300000 : 700, cap = k ? 1000 : 600;
        MPI_Message msg;
        MPI_Request sreq = start_send(n, tag);

        memset(rb, 0xcd, cap + GUARD);
        MPI_Mprobe(prev, tag, MPI_COMM_WORLD, &msg, &st);
        rc = MPI_Mrecv(rb, (int)cap, MPI_BYTE, &msg, &st);
        expect_err(rc, MPI_ERR_TRUNCATE, "MPI_Mrecv", what);
        check_fit(cap, tag, what);
        finish_send(&sreq, what);
        follow_up(tag++, what);
    }

    free(sb);
    free(rb);
    MPI_Finalize();
    return 0;
}
