/* Generalized requests (MPI_Grequest_start, MPI_Grequest_complete; MPI 4.1 §13.2):
 * incomplete until MPI_Grequest_complete; the wait or test that completes one calls
 * the query function (with a real status even for MPI_STATUS_IGNORE), then the free
 * function, once each; MPI_Request_get_status calls only the query function, and only
 * once complete; MPI_Request_free calls the free function there or in
 * MPI_Grequest_complete, whichever comes last, and never the query function;
 * MPI_Cancel calls the cancel function with complete = whether MPI_Grequest_complete
 * was called; Waitall/Waitany/Waitsome/Testsome/Testall over a mix of generalized and
 * point-to-point requests; a thread completes a request another thread waits for;
 * the callbacks' error codes come back from the calls that ran them (MPI_ERR_IN_STATUS
 * with the code in the status for the many-request calls); bad input. */
/* np: 1 2 */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

#include "check.h"

typedef struct {
    int id;
    int queries, frees, cancels, last_complete;
    int order;                /* query calls seen when free ran */
    int query_rc, free_rc, cancel_rc;
    int cancelled;            /* what the query reports */
} state_t;

static int query_fn(void *extra, MPI_Status *st)
{
    state_t *s = extra;

    CHECK(st != NULL, "query function of request %d got a NULL status", s->id);
    s->queries++;
    st->MPI_SOURCE = 100 + s->id;
    st->MPI_TAG = 200 + s->id;
    MPI_Status_set_elements(st, MPI_INT, s->id);
    MPI_Status_set_cancelled(st, s->cancelled);
    return s->query_rc;
}

static int free_fn(void *extra)
{
    state_t *s = extra;

    s->frees++;
    s->order = s->queries;
    return s->free_rc;
}

static int cancel_fn(void *extra, int complete)
{
    state_t *s = extra;

    s->cancels++;
    s->last_complete = complete;
    return s->cancel_rc;
}

static void init_state(state_t *s, int id)
{
    memset(s, 0, sizeof(*s));
    s->id = id;
}

static void check_status(const MPI_Status *st, int id, const char *what)
{
    int count, cancelled;

    MPI_Get_count(st, MPI_INT, &count);
    MPI_Test_cancelled(st, &cancelled);
    CHECK(st->MPI_SOURCE == 100 + id && st->MPI_TAG == 200 + id && count == id && !cancelled,
          "%s: status source %d tag %d count %d cancelled %d (request %d)", what, st->MPI_SOURCE,
          st->MPI_TAG, count, cancelled, id);
}

static void *completer(void *arg)
{
    MPI_Request *r = arg;

    usleep(50000);
    MPI_Grequest_complete(*r);
    return NULL;
}

int main(int argc, char **argv)
{
    int provided, flag, idx, outcount, indices[4];
    state_t s[4];
    MPI_Request r, rs[4];
    MPI_Status st, sts[4];

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Wait: incomplete until MPI_Grequest_complete, then query, then free. */
    init_state(&s[0], 3);
    MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
    CHECK(r != MPI_REQUEST_NULL, "MPI_Grequest_start gave MPI_REQUEST_NULL");
    MPI_Test(&r, &flag, &st);
    CHECK(!flag && r != MPI_REQUEST_NULL && s[0].queries == 0 && s[0].frees == 0,
          "test before completion: flag %d queries %d frees %d", flag, s[0].queries, s[0].frees);
    MPI_Request_get_status(r, &flag, &st);
    CHECK(!flag && s[0].queries == 0, "get_status before completion: flag %d queries %d", flag,
          s[0].queries);
    MPI_Grequest_complete(r);
    CHECK(s[0].queries == 0 && s[0].frees == 0, "MPI_Grequest_complete called callbacks");
    MPI_Request_get_status(r, &flag, &st);
    CHECK(flag && s[0].queries == 1 && s[0].frees == 0 && r != MPI_REQUEST_NULL,
          "get_status after completion: flag %d queries %d frees %d", flag, s[0].queries,
          s[0].frees);
    check_status(&st, 3, "MPI_Request_get_status");
    MPI_Wait(&r, &st);
    CHECK(r == MPI_REQUEST_NULL, "MPI_Wait left the generalized request");
    CHECK(s[0].queries == 2 && s[0].frees == 1 && s[0].order == 2,
          "wait: queries %d frees %d (free after %d queries)", s[0].queries, s[0].frees,
          s[0].order);
    check_status(&st, 3, "MPI_Wait");

    /* Test with MPI_STATUS_IGNORE: the query still gets a status. */
    init_state(&s[0], 4);
    MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
    MPI_Grequest_complete(r);
    MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    CHECK(flag && r == MPI_REQUEST_NULL && s[0].queries == 1 && s[0].frees == 1,
          "test with MPI_STATUS_IGNORE: flag %d queries %d frees %d", flag, s[0].queries,
          s[0].frees);

    /* MPI_Request_free before completion: free runs in MPI_Grequest_complete. */
    init_state(&s[0], 5);
    MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
    {
        MPI_Request keep = r;
        MPI_Request_free(&r);
        CHECK(r == MPI_REQUEST_NULL && s[0].frees == 0,
              "free of an incomplete request: handle %s, frees %d",
              r == MPI_REQUEST_NULL ? "null" : "kept", s[0].frees);
        MPI_Grequest_complete(keep);
        CHECK(s[0].frees == 1 && s[0].queries == 0,
              "complete after free: frees %d queries %d", s[0].frees, s[0].queries);
    }
    /* ... and after completion: free runs in MPI_Request_free. */
    init_state(&s[0], 6);
    MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
    MPI_Grequest_complete(r);
    CHECK(s[0].frees == 0, "complete before free ran the free function");
    MPI_Request_free(&r);
    CHECK(s[0].frees == 1 && s[0].queries == 0, "free after complete: frees %d queries %d",
          s[0].frees, s[0].queries);

    /* Cancel: complete flag false, then true; the query reports it cancelled. */
    init_state(&s[0], 7);
    MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
    MPI_Cancel(&r);
    CHECK(s[0].cancels == 1 && s[0].last_complete == 0, "cancel before complete: %d calls, "
          "complete %d", s[0].cancels, s[0].last_complete);
    s[0].cancelled = 1;
    MPI_Grequest_complete(r);
    MPI_Cancel(&r);
    CHECK(s[0].cancels == 2 && s[0].last_complete == 1, "cancel after complete: %d calls, "
          "complete %d", s[0].cancels, s[0].last_complete);
    MPI_Wait(&r, &st);
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag && s[0].frees == 1, "cancelled generalized request: flag %d frees %d", flag,
          s[0].frees);

    /* The many-request calls over generalized and point-to-point requests. */
    {
        int in = -1, out = rank + 40;
        for (int i = 0; i < 3; i++) {
            init_state(&s[i], 10 + i);
            MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[i], &rs[i]);
        }
        MPI_Irecv(&in, 1, MPI_INT, 0, 77, MPI_COMM_SELF, &rs[3]);
        MPI_Testall(4, rs, &flag, sts);
        CHECK(!flag && s[0].queries + s[1].queries + s[2].queries == 0,
              "testall before completion: flag %d", flag);
        MPI_Grequest_complete(rs[1]);
        MPI_Waitany(4, rs, &idx, &st);
        CHECK(idx == 1 && rs[1] == MPI_REQUEST_NULL && s[1].queries == 1 && s[1].frees == 1,
              "waitany: index %d, queries %d frees %d", idx, s[1].queries, s[1].frees);
        check_status(&st, 11, "MPI_Waitany");
        MPI_Testsome(4, rs, &outcount, indices, sts);
        CHECK(outcount == 0, "testsome with nothing complete: outcount %d", outcount);
        MPI_Grequest_complete(rs[2]);
        MPI_Send(&out, 1, MPI_INT, 0, 77, MPI_COMM_SELF);
        MPI_Waitsome(4, rs, &outcount, indices, sts);
        CHECK(outcount >= 1, "waitsome: outcount %d", outcount);
        for (int k = 0; k < outcount; k++)
            if (indices[k] == 2)
                check_status(&sts[k], 12, "MPI_Waitsome");
        MPI_Grequest_complete(rs[0]);
        MPI_Waitall(4, rs, sts);
        check_status(&sts[0], 10, "MPI_Waitall");
        CHECK(in == rank + 40, "receive among generalized requests got %d", in);
        for (int i = 0; i < 3; i++)
            CHECK(s[i].queries == 1 && s[i].frees == 1 && rs[i] == MPI_REQUEST_NULL,
                  "many-request calls: request %d had %d queries %d frees", 10 + i, s[i].queries,
                  s[i].frees);
    }

    /* Another thread completes what this one waits for. */
    if (provided == MPI_THREAD_MULTIPLE) {
        pthread_t t;
        init_state(&s[0], 8);
        MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
        pthread_create(&t, NULL, completer, &r);
        MPI_Wait(&r, &st);
        pthread_join(t, NULL);
        check_status(&st, 8, "wait completed by another thread");
        CHECK(s[0].frees == 1, "thread completion: frees %d", s[0].frees);
    }

    /* The callbacks' errors, and bad input. */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    {
        int cls, code, rc;
        MPI_Add_error_class(&cls);
        MPI_Add_error_code(cls, &code);
        MPI_Add_error_string(code, "grequest test: the user's own error");

        init_state(&s[0], 1);
        s[0].query_rc = MPI_ERR_OTHER;
        MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
        MPI_Grequest_complete(r);
        rc = MPI_Wait(&r, &st);
        CHECK_ERROR(rc, MPI_ERR_OTHER, "", "query function's error from MPI_Wait");
        CHECK(s[0].frees == 1 && r == MPI_REQUEST_NULL, "failed query: frees %d", s[0].frees);

        init_state(&s[0], 1);
        s[0].free_rc = code;
        MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
        MPI_Grequest_complete(r);
        rc = MPI_Test(&r, &flag, &st);
        CHECK(rc == code, "free function's code from MPI_Test: %d, expected %d", rc, code);

        init_state(&s[0], 1);
        s[0].query_rc = MPI_ERR_OTHER;
        MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
        MPI_Grequest_complete(r);
        rc = MPI_Request_get_status(r, &flag, &st);
        CHECK_ERROR(rc, MPI_ERR_OTHER, "", "query function's error from get_status");
        s[0].query_rc = MPI_SUCCESS;
        s[0].cancel_rc = code;
        rc = MPI_Cancel(&r);
        CHECK(rc == code, "cancel function's code from MPI_Cancel: %d", rc);
        s[0].free_rc = code;
        rc = MPI_Request_free(&r);
        CHECK(rc == code, "free function's code from MPI_Request_free: %d", rc);

        /* free after MPI_Request_free: its code comes from MPI_Grequest_complete. */
        init_state(&s[0], 1);
        s[0].free_rc = MPI_ERR_INTERN;
        MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
        rs[0] = r;
        rc = MPI_Request_free(&r);
        CHECK(rc == MPI_SUCCESS && s[0].frees == 0, "free before complete: rc %d frees %d", rc,
              s[0].frees);
        rc = MPI_Grequest_complete(rs[0]);
        CHECK_ERROR(rc, MPI_ERR_INTERN, "", "free function's error from MPI_Grequest_complete");

        /* Waitall: MPI_ERR_IN_STATUS, each status with its request's code. */
        for (int i = 0; i < 2; i++) {
            init_state(&s[i], 20 + i);
            MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[i], &rs[i]);
            MPI_Grequest_complete(rs[i]);
        }
        s[1].free_rc = code;
        rc = MPI_Waitall(2, rs, sts);
        CHECK_ERROR(rc, MPI_ERR_IN_STATUS, "MPI_Waitall", "waitall over a failing free function");
        CHECK(sts[0].MPI_ERROR == MPI_SUCCESS && sts[1].MPI_ERROR == code,
              "waitall statuses' MPI_ERROR: %d and %d (expected 0 and %d)", sts[0].MPI_ERROR,
              sts[1].MPI_ERROR, code);
        CHECK(rs[0] == MPI_REQUEST_NULL && rs[1] == MPI_REQUEST_NULL && s[1].frees == 1,
              "waitall with errors left the requests");

        /* Bad input. */
        CHECK_ERROR(MPI_Grequest_start(query_fn, free_fn, cancel_fn, NULL, NULL), MPI_ERR_ARG,
                   "MPI_Grequest_start", "NULL request");
        CHECK_ERROR(MPI_Grequest_start(NULL, free_fn, cancel_fn, NULL, &r), MPI_ERR_ARG,
                   "MPI_Grequest_start", "NULL query_fn");
        CHECK_ERROR(MPI_Grequest_complete(MPI_REQUEST_NULL), MPI_ERR_REQUEST,
                   "MPI_Grequest_complete", "MPI_REQUEST_NULL");
        {
            int x;
            MPI_Request p2p;
            MPI_Recv_init(&x, 1, MPI_INT, 0, 0, MPI_COMM_SELF, &p2p);
            CHECK_ERROR(MPI_Grequest_complete(p2p), MPI_ERR_REQUEST, "MPI_Grequest_complete",
                       "a point-to-point request");
            MPI_Request_free(&p2p);
        }
        init_state(&s[0], 2);
        MPI_Grequest_start(query_fn, free_fn, cancel_fn, &s[0], &r);
        MPI_Grequest_complete(r);
        CHECK_ERROR(MPI_Grequest_complete(r), MPI_ERR_REQUEST, "MPI_Grequest_complete",
                   "a second MPI_Grequest_complete");
        CHECK_ERROR(MPI_Start(&r), MPI_ERR_REQUEST, "MPI_Start", "start of a generalized request");
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        CHECK(s[0].queries == 1 && s[0].frees == 1, "after bad input: queries %d frees %d",
              s[0].queries, s[0].frees);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("request_grequest: OK on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
