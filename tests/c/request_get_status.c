/* MPI_Request_get_status_any, _all and _some (MPI 4.1): as Testany, Testall and
 * Testsome, but the requests stay as they are (handles kept, persistent ones still
 * active, a generalized request's query function called each time and its free
 * function never); over null, inactive persistent, receive, generalized and
 * persistent collective requests; they drive progress (a rendezvous ring message
 * completes while only they are called); no active request: flag true / index or
 * outcount MPI_UNDEFINED; a failed receive (truncation) is reported and stays;
 * bad input. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static int queries, frees;

static int query_fn(void *extra, MPI_Status *st)
{
    queries++;
    st->MPI_SOURCE = 55;
    st->MPI_TAG = 66;
    MPI_Status_set_elements(st, MPI_INT, 2);
    MPI_Status_set_cancelled(st, 0);
    return MPI_SUCCESS;
}

static int free_fn(void *extra)
{
    frees++;
    return MPI_SUCCESS;
}

static int cancel_fn(void *extra, int complete)
{
    return MPI_SUCCESS;
}

static void check_empty(const MPI_Status *st, const char *what)
{
    int count = -1;
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG && count == 0,
          "%s: empty status expected, got source %d tag %d count %d", what, st->MPI_SOURCE,
          st->MPI_TAG, count);
}

static void check_greq(const MPI_Status *st, const char *what)
{
    int count = -1;
    MPI_Get_count(st, MPI_INT, &count);
    CHECK(st->MPI_SOURCE == 55 && st->MPI_TAG == 66 && count == 2,
          "%s: the query function's status expected, got source %d tag %d count %d", what,
          st->MPI_SOURCE, st->MPI_TAG, count);
}

int main(int argc, char **argv)
{
    int flag, idx, outcount, indices[4], in[3] = {-1, -1, -1}, out[3] = {7, 8, 9}, x = 0;
    MPI_Request reqs[4], keep[4];
    MPI_Status st, sts[4];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* A pending receive, a null handle, an inactive persistent send, a generalized
     * request. */
    MPI_Irecv(in, 3, MPI_INT, 0, 1, MPI_COMM_SELF, &reqs[0]);
    reqs[1] = MPI_REQUEST_NULL;
    MPI_Send_init(&x, 1, MPI_INT, 0, 2, MPI_COMM_SELF, &reqs[2]);
    MPI_Grequest_start(query_fn, free_fn, cancel_fn, NULL, &reqs[3]);
    memcpy(keep, reqs, sizeof(reqs));

    MPI_Request_get_status_any(4, reqs, &idx, &flag, &st);
    CHECK(!flag && idx == MPI_UNDEFINED, "get_status_any, nothing complete: flag %d index %d",
          flag, idx);
    MPI_Request_get_status_some(4, reqs, &outcount, indices, sts);
    CHECK(outcount == 0, "get_status_some, nothing complete: outcount %d", outcount);
    MPI_Request_get_status_all(4, reqs, &flag, sts);
    CHECK(!flag, "get_status_all, nothing complete: flag %d", flag);
    CHECK(queries == 0, "query function called before completion");

    MPI_Grequest_complete(reqs[3]);
    for (int k = 1; k <= 2; k++) {
        MPI_Request_get_status_any(4, reqs, &idx, &flag, &st);
        CHECK(flag && idx == 3 && queries == k && frees == 0,
              "get_status_any #%d: flag %d index %d queries %d frees %d", k, flag, idx, queries,
              frees);
        check_greq(&st, "get_status_any");
    }
    MPI_Request_get_status_some(4, reqs, &outcount, indices, sts);
    CHECK(outcount == 1 && indices[0] == 3 && queries == 3,
          "get_status_some: outcount %d index %d queries %d", outcount, indices[0], queries);
    check_greq(&sts[0], "get_status_some");

    MPI_Send(out, 3, MPI_INT, 0, 1, MPI_COMM_SELF);
    flag = 0;
    while (!flag)
        MPI_Request_get_status_all(4, reqs, &flag, sts);
    {
        int count;
        MPI_Get_count(&sts[0], MPI_INT, &count);
        CHECK(sts[0].MPI_SOURCE == 0 && sts[0].MPI_TAG == 1 && count == 3,
              "get_status_all: receive's status source %d tag %d count %d", sts[0].MPI_SOURCE,
              sts[0].MPI_TAG, count);
        CHECK(in[0] == 7 && in[2] == 9, "get_status_all said complete, data %d %d", in[0], in[2]);
    }
    check_empty(&sts[1], "get_status_all, null request");
    check_empty(&sts[2], "get_status_all, inactive request");
    check_greq(&sts[3], "get_status_all");
    for (int i = 0; i < 4; i++)
        CHECK(reqs[i] == keep[i], "get_status_* changed handle %d", i);
    CHECK(frees == 0, "get_status_* ran the free function");

    MPI_Waitall(4, reqs, sts);
    CHECK(reqs[0] == MPI_REQUEST_NULL && reqs[2] == keep[2] && reqs[3] == MPI_REQUEST_NULL &&
          frees == 1, "waitall after get_status_*: handles or free count (%d) wrong", frees);

    /* No active request. */
    reqs[0] = reqs[1] = reqs[3] = MPI_REQUEST_NULL;
    st.MPI_ERROR = MPI_ERR_OTHER;
    MPI_Request_get_status_any(4, reqs, &idx, &flag, &st);
    CHECK(st.MPI_ERROR == MPI_SUCCESS, "get_status_any, none active: the empty status has "
          "error %d", st.MPI_ERROR);
    CHECK(flag && idx == MPI_UNDEFINED, "get_status_any, none active: flag %d index %d", flag,
          idx);
    check_empty(&st, "get_status_any, none active");
    MPI_Request_get_status_some(4, reqs, &outcount, indices, sts);
    CHECK(outcount == MPI_UNDEFINED, "get_status_some, none active: outcount %d", outcount);
    for (int i = 0; i < 4; i++)
        sts[i].MPI_ERROR = MPI_ERR_OTHER;
    MPI_Request_get_status_all(4, reqs, &flag, sts);
    CHECK(flag, "get_status_all, none active: flag %d", flag);
    for (int i = 0; i < 4; i++) {
        check_empty(&sts[i], "get_status_all, none active");
        CHECK(sts[i].MPI_ERROR == MPI_SUCCESS, "get_status_all, none active: status %d has "
              "error %d", i, sts[i].MPI_ERROR);
    }
    MPI_Request_get_status_any(0, NULL, &idx, &flag, &st);
    CHECK(flag && idx == MPI_UNDEFINED, "get_status_any of 0: flag %d index %d", flag, idx);
    MPI_Request_free(&reqs[2]);

    /* Progress: a rendezvous message around the ring and a persistent allreduce,
     * watched only with get_status_all; they stay active until the wait. */
    {
        int n = 1 << 18, next = (rank + 1) % size, prev = (rank + size - 1) % size, sum = -1;
        int *sb = malloc(n * sizeof(int)), *rb = malloc(n * sizeof(int));
        MPI_Request r3[3];

        for (int i = 0; i < n; i++) {
            sb[i] = rank * 3 + i;
            rb[i] = -1;
        }
        x = rank + 1;
        MPI_Irecv(rb, n, MPI_INT, prev, 5, MPI_COMM_WORLD, &r3[0]);
        MPI_Isend(sb, n, MPI_INT, next, 5, MPI_COMM_WORLD, &r3[1]);
        MPI_Allreduce_init(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &r3[2]);
        MPI_Start(&r3[2]);
        flag = 0;
        while (!flag)
            MPI_Request_get_status_all(3, r3, &flag, MPI_STATUSES_IGNORE);
        CHECK(rb[0] == prev * 3 && rb[n - 1] == prev * 3 + n - 1, "ring message: %d ... %d",
              rb[0], rb[n - 1]);
        CHECK(sum == size * (size + 1) / 2, "persistent allreduce: %d", sum);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        CHECK_ERROR(MPI_Start(&r3[2]), MPI_ERR_REQUEST, "MPI_Start",
                   "start after get_status_all said complete (still active)");
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Waitall(3, r3, MPI_STATUSES_IGNORE);
        CHECK(r3[0] == MPI_REQUEST_NULL && r3[1] == MPI_REQUEST_NULL &&
              r3[2] != MPI_REQUEST_NULL, "waitall after get_status_all: handles wrong");
        MPI_Start(&r3[2]);
        MPI_Wait(&r3[2], MPI_STATUS_IGNORE);
        MPI_Request_free(&r3[2]);
        free(sb);
        free(rb);
    }

    /* A failed receive is reported and stays. */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    {
        int small = 0, rc;
        MPI_Request r;
        MPI_Irecv(&small, 1, MPI_INT, 0, 3, MPI_COMM_SELF, &r);
        MPI_Send(out, 3, MPI_INT, 0, 3, MPI_COMM_SELF);
        do
            rc = MPI_Request_get_status_any(1, &r, &idx, &flag, &st);
        while (rc == MPI_SUCCESS && !flag);
        CHECK_ERROR(rc, MPI_ERR_TRUNCATE, "MPI_Request_get_status_any", "truncated receive");
        CHECK(r != MPI_REQUEST_NULL && idx == 0, "get_status_any with an error: index %d", idx);
        rc = MPI_Request_get_status_all(1, &r, &flag, sts);
        CHECK_ERROR(rc, MPI_ERR_IN_STATUS, "MPI_Request_get_status_all", "truncated receive");
        CHECK_ERROR(sts[0].MPI_ERROR, MPI_ERR_TRUNCATE, "", "status of the truncated receive");
        rc = MPI_Request_get_status_some(1, &r, &outcount, indices, sts);
        CHECK_ERROR(rc, MPI_ERR_IN_STATUS, "MPI_Request_get_status_some", "truncated receive");
        CHECK(outcount == 1 && r != MPI_REQUEST_NULL, "get_status_some with an error: %d",
              outcount);
        rc = MPI_Wait(&r, &st);
        CHECK_ERROR(rc, MPI_ERR_TRUNCATE, "MPI_Wait", "wait on the truncated receive");
        CHECK(r == MPI_REQUEST_NULL, "wait left the failed receive");

        /* Bad input. */
        CHECK_ERROR(MPI_Request_get_status_any(-1, reqs, &idx, &flag, &st), MPI_ERR_COUNT,
                   "MPI_Request_get_status_any", "negative count");
        CHECK_ERROR(MPI_Request_get_status_any(1, reqs, &idx, NULL, &st), MPI_ERR_ARG,
                   "MPI_Request_get_status_any", "NULL flag");
        CHECK_ERROR(MPI_Request_get_status_all(1, reqs, NULL, sts), MPI_ERR_ARG,
                   "MPI_Request_get_status_all", "NULL flag");
        CHECK_ERROR(MPI_Request_get_status_some(1, reqs, NULL, indices, sts), MPI_ERR_ARG,
                   "MPI_Request_get_status_some", "NULL outcount");
        reqs[0] = (MPI_Request)&small;
        CHECK_ERROR(MPI_Request_get_status_all(1, reqs, &flag, sts), MPI_ERR_REQUEST,
                   "MPI_Request_get_status_all", "a request handle that is not one");
    }

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("request_get_status: OK on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
