/* Matching by wildcards and the status of a receive: MPI_ANY_SOURCE, MPI_ANY_TAG and
 * both, against messages that are already there and receives that wait; MPI_SOURCE,
 * MPI_TAG and MPI_Get_count reflect the message that matched (small and rendezvous);
 * MPI_ERROR is left alone by single-request calls; MPI_PROC_NULL sends and receives
 * complete at once with source MPI_PROC_NULL, tag MPI_ANY_TAG and count 0.
 * Every rank (rank 0 too, to itself) sends to rank 0. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

/* Message of rank r in round t: n(r, t) ints, value i is r*1000000 + t*10000 + i. */
static int nints(int r, int t)
{
    static const int base[] = { 3, 0, 17, 100000, 1, 250, 70000 };
    return base[(r + t) % 7] + r;
}

static void fill(int *b, int r, int t)
{
    for (int i = 0; i < nints(r, t); i++)
        b[i] = r * 1000000 + t * 10000 + i;
}

static void verify(const int *b, const MPI_Status *st, int t, int want_src, int want_tag)
{
    int src = st->MPI_SOURCE, count;

    CHECK(src >= 0 && src < size, "round %d: status source %d", t, src);
    if (want_src != MPI_ANY_SOURCE)
        CHECK(src == want_src, "round %d: status source %d, expected %d", t, src, want_src);
    if (want_tag != MPI_ANY_TAG)
        CHECK(st->MPI_TAG == want_tag, "round %d: status tag %d, expected %d", t, st->MPI_TAG,
              want_tag);
    CHECK(st->MPI_ERROR == 4242, "round %d: a single-request receive changed MPI_ERROR to %d", t,
          st->MPI_ERROR);
    /* The tag a sender uses says who it is and what it sent. */
    CHECK(st->MPI_TAG == 100 * t + src, "round %d: from %d with tag %d, expected %d", t, src,
          st->MPI_TAG, 100 * t + src);
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(count == nints(src, t), "round %d: from %d: count %d, expected %d", t, src, count,
          nints(src, t));
    for (int i = 0; i < count; i++)
        CHECK(b[i] == src * 1000000 + t * 10000 + i, "round %d: from %d: int %d is %d", t, src, i,
              b[i]);
}

static int maxints(int t)
{
    int m = 0;
    for (int r = 0; r < size; r++)
        m = nints(r, t) > m ? nints(r, t) : m;
    return m;
}

/* Round t: every rank sends to 0 with tag 100*t + rank; rank 0 receives with the
 * given wildcards, the receives posted before (posted) or after (!posted) the sends. */
static void round_(int t, int wild_src, int wild_tag, int posted)
{
    int *sb = malloc((nints(rank, t) + 1) * sizeof(int));
    MPI_Request sreq;

    fill(sb, rank, t);
    if (rank == 0) {
        int m = maxints(t) + 1;
        int **rb = malloc((unsigned)size * sizeof(int *));
        int *seen = calloc((unsigned)size, sizeof(int));
        MPI_Request *rreq = malloc((unsigned)size * sizeof(MPI_Request));
        MPI_Status st;

        for (int k = 0; k < size; k++)
            rb[k] = malloc(m * sizeof(int));
        /* With a named source, receive in descending rank order. */
        if (posted) {
            for (int k = 0; k < size; k++)
                MPI_Irecv(rb[k], m, MPI_INT, wild_src ? MPI_ANY_SOURCE : size - 1 - k,
                          wild_tag ? MPI_ANY_TAG : 100 * t + size - 1 - k, MPI_COMM_WORLD,
                          &rreq[k]);
            MPI_Barrier(MPI_COMM_WORLD);
        }
        MPI_Isend(sb, nints(0, t), MPI_INT, 0, 100 * t, MPI_COMM_WORLD, &sreq);
        if (!posted)
            MPI_Barrier(MPI_COMM_WORLD);
        for (int k = 0; k < size; k++) {
            int want_src = wild_src ? MPI_ANY_SOURCE : size - 1 - k;
            int want_tag = wild_tag ? MPI_ANY_TAG : 100 * t + size - 1 - k;
            st.MPI_ERROR = 4242;
            if (posted)
                MPI_Wait(&rreq[k], &st);
            else
                MPI_Recv(rb[k], m, MPI_INT, want_src, want_tag, MPI_COMM_WORLD, &st);
            verify(rb[k], &st, t, want_src, want_tag);
            CHECK(!seen[st.MPI_SOURCE], "round %d: two messages from %d", t, st.MPI_SOURCE);
            seen[st.MPI_SOURCE] = 1;
        }
        MPI_Wait(&sreq, MPI_STATUS_IGNORE);
        for (int k = 0; k < size; k++)
            free(rb[k]);
        free(rb);
        free(seen);
        free(rreq);
    } else {
        if (posted)
            MPI_Barrier(MPI_COMM_WORLD);
        MPI_Isend(sb, nints(rank, t), MPI_INT, 0, 100 * t + rank, MPI_COMM_WORLD, &sreq);
        if (!posted)
            MPI_Barrier(MPI_COMM_WORLD);
        MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    }
    free(sb);
    MPI_Barrier(MPI_COMM_WORLD);
}

static void check_proc_null_status(const MPI_Status *st, const char *what)
{
    int count = -1;
    CHECK(st->MPI_SOURCE == MPI_PROC_NULL, "%s: source %d, expected MPI_PROC_NULL", what,
          st->MPI_SOURCE);
    CHECK(st->MPI_TAG == MPI_ANY_TAG, "%s: tag %d, expected MPI_ANY_TAG", what, st->MPI_TAG);
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(count == 0, "%s: count %d, expected 0", what, count);
    MPI_Get_elements(st, MPI_INT, &count);
    CHECK(count == 0, "%s: elements %d, expected 0", what, count);
}

static void proc_null(void)
{
    int buf[4] = { 1, 2, 3, 4 }, rbuf[4] = { 9, 9, 9, 9 };
    MPI_Status st;
    MPI_Request req;

    MPI_Send(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD);
    MPI_Ssend(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD);
    MPI_Rsend(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD);
    MPI_Bsend(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD);  /* needs no buffer */

    memset(&st, 0x77, sizeof(st));
    MPI_Recv(rbuf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &st);
    check_proc_null_status(&st, "MPI_Recv from MPI_PROC_NULL");
    CHECK(rbuf[0] == 9 && rbuf[3] == 9, "MPI_Recv from MPI_PROC_NULL wrote the buffer");

    memset(&st, 0x77, sizeof(st));
    MPI_Irecv(rbuf, 4, MPI_INT, MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &req);
    MPI_Wait(&req, &st);
    CHECK(req == MPI_REQUEST_NULL, "MPI_Wait left the request");
    check_proc_null_status(&st, "MPI_Irecv from MPI_PROC_NULL");

    MPI_Isend(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &req);
    {
        int flag = 0;
        MPI_Test(&req, &flag, &st);
        CHECK(flag, "MPI_Isend to MPI_PROC_NULL is not complete at once");
    }

    memset(&st, 0x77, sizeof(st));
    MPI_Sendrecv(buf, 4, MPI_INT, MPI_PROC_NULL, 1, rbuf, 4, MPI_INT, MPI_PROC_NULL, 2,
                 MPI_COMM_WORLD, &st);
    check_proc_null_status(&st, "MPI_Sendrecv with MPI_PROC_NULL");
    CHECK(rbuf[0] == 9, "MPI_Sendrecv from MPI_PROC_NULL wrote the buffer");

    memset(&st, 0x77, sizeof(st));
    MPI_Sendrecv_replace(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_PROC_NULL, 2, MPI_COMM_WORLD, &st);
    check_proc_null_status(&st, "MPI_Sendrecv_replace with MPI_PROC_NULL");
    CHECK(buf[0] == 1 && buf[3] == 4, "MPI_Sendrecv_replace from MPI_PROC_NULL changed the "
          "buffer");

    memset(&st, 0x77, sizeof(st));
    MPI_Probe(MPI_PROC_NULL, 3, MPI_COMM_WORLD, &st);
    check_proc_null_status(&st, "MPI_Probe of MPI_PROC_NULL");
}

int main(int argc, char **argv)
{
    int t = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    for (int posted = 0; posted < 2; posted++)
        for (int ws = 0; ws < 2; ws++)
            for (int wt = 0; wt < 2; wt++)
                for (int rep = 0; rep < 2; rep++)
                    round_(t++, ws, wt, posted);

    /* A named source is not matched by another sender's message, nor a named tag by
     * another tag, even when those arrived first. */
    if (size >= 2) {
        int v;
        MPI_Status st;
        if (rank == 1) {
            v = 11;
            MPI_Send(&v, 1, MPI_INT, 0, 1, MPI_COMM_WORLD);
            v = 22;
            MPI_Send(&v, 1, MPI_INT, 0, 2, MPI_COMM_WORLD);
        }
        if (rank == size - 1) {
            v = 33;
            MPI_Send(&v, 1, MPI_INT, 0, 3, MPI_COMM_WORLD);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 0) {
            MPI_Recv(&v, 1, MPI_INT, size - 1, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
            CHECK(v == (size == 2 ? 11 : 33) && st.MPI_SOURCE == size - 1,
                  "named source %d: got %d from %d", size - 1, v, st.MPI_SOURCE);
            MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 2, MPI_COMM_WORLD, &st);
            CHECK(v == 22 && st.MPI_SOURCE == 1 && st.MPI_TAG == 2, "named tag 2: got %d from %d "
                  "tag %d", v, st.MPI_SOURCE, st.MPI_TAG);
            MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
            CHECK(v == (size == 2 ? 33 : 11), "last message: %d", v);
        }
    }
    proc_null();

    MPI_Finalize();
    return 0;
}
