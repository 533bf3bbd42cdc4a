/* Argument errors of the point-to-point calls under MPI_ERRORS_RETURN (on
 * MPI_COMM_WORLD, and on MPI_COMM_SELF for errors with no valid communicator):
 * negative count -> MPI_ERR_COUNT, rank out of range -> MPI_ERR_RANK, negative tag
 * or MPI_ANY_TAG on a send -> MPI_ERR_TAG, MPI_DATATYPE_NULL or an uncommitted
 * derived type -> MPI_ERR_TYPE, MPI_COMM_NULL -> MPI_ERR_COMM, invalid requests and
 * messages -> MPI_ERR_REQUEST, NULL buffer with data -> MPI_ERR_BUFFER. Each is
 * checked by MPI_Error_class and by an MPI_Error_string that names the call; and
 * none of the failed calls sent anything. The bad ranks and tags avoid -1, -2, -3:
 * MPI_ANY_SOURCE, MPI_ANY_TAG and MPI_PROC_NULL in the standard ABI. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static void expect_err(int rc, int cls, const char *call, int line)
{
    char s[MPI_MAX_ERROR_STRING];
    int c = -1, len = -1;

    CHECK(rc != MPI_SUCCESS, "line %d: %s succeeded", line, call);
    CHECK(MPI_Error_class(rc, &c) == MPI_SUCCESS, "line %d: MPI_Error_class(%d)", line, rc);
    CHECK(c == cls, "line %d: %s: class %d, expected %d", line, call, c, cls);
    CHECK(MPI_Error_string(rc, s, &len) == MPI_SUCCESS, "line %d: MPI_Error_string(%d)", line,
          rc);
    CHECK(len == (int)strlen(s), "line %d: resultlen %d for a string of %zu", line, len,
          strlen(s));
    CHECK(strstr(s, call) != NULL, "line %d: error string '%s' does not name %s", line, s, call);
}
#define EXPECT(expr, cls, name) expect_err((expr), (cls), (name), __LINE__)

/* The checks every send-like call makes: count, type, rank, tag, communicator. */
#define SEND_ERRORS(Name, ...)                                                                  \
    do {                                                                                        \
        EXPECT(MPI_##Name(buf, -1, MPI_INT, 0, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_COUNT,   \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, size, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_RANK,  \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, -7, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_RANK,    \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD __VA_ARGS__),      \
               MPI_ERR_RANK, "MPI_" #Name);                                                     \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, 0, -1, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_TAG,     \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD __VA_ARGS__),         \
               MPI_ERR_TAG, "MPI_" #Name);                                                      \
        EXPECT(MPI_##Name(buf, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD __VA_ARGS__),         \
               MPI_ERR_TYPE, "MPI_" #Name);                                                     \
        EXPECT(MPI_##Name(buf, 1, uncommitted, 0, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_TYPE, \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL __VA_ARGS__), MPI_ERR_COMM,      \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(NULL, 4, MPI_INT, 0, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_BUFFER,  \
               "MPI_" #Name);                                                                   \
    } while (0)

/* And every receive-like call: MPI_ANY_SOURCE and MPI_ANY_TAG are fine there. */
#define RECV_ERRORS(Name, ...)                                                                  \
    do {                                                                                        \
        EXPECT(MPI_##Name(buf, -1, MPI_INT, 0, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_COUNT,   \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, size, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_RANK,  \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, -7, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_RANK,    \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, 0, -5, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_TAG,     \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_DATATYPE_NULL, 0, 0, MPI_COMM_WORLD __VA_ARGS__),         \
               MPI_ERR_TYPE, "MPI_" #Name);                                                     \
        EXPECT(MPI_##Name(buf, 1, uncommitted, 0, 0, MPI_COMM_WORLD __VA_ARGS__), MPI_ERR_TYPE, \
               "MPI_" #Name);                                                                   \
        EXPECT(MPI_##Name(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL __VA_ARGS__), MPI_ERR_COMM,      \
               "MPI_" #Name);                                                                   \
    } while (0)

int main(int argc, char **argv)
{
    int buf[16] = { 0 }, flag, idx, outcount, indices[4], *tag_ub, ok;
    MPI_Datatype uncommitted;
    MPI_Request req, reqs[3];
    MPI_Message msg;
    MPI_Status st;
    /* Not requests: zeroed memory, and a handle in the predefined range. */
    static uint64_t not_a_request[16];
    MPI_Request bogus = (MPI_Request)(void *)not_a_request;
    MPI_Request bogus_small = (MPI_Request)(intptr_t)0x3fe;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Type_contiguous(2, MPI_INT, &uncommitted);

    /* Tags up to MPI_TAG_UB are valid, and it is at least 32767. */
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag);
    CHECK(flag && *tag_ub >= 32767, "MPI_TAG_UB: flag %d value %d", flag, flag ? *tag_ub : 0);

    SEND_ERRORS(Send);
    SEND_ERRORS(Ssend);
    SEND_ERRORS(Rsend);
    SEND_ERRORS(Bsend);
    SEND_ERRORS(Isend, , &req);
    SEND_ERRORS(Issend, , &req);
    SEND_ERRORS(Irsend, , &req);
    SEND_ERRORS(Ibsend, , &req);
    SEND_ERRORS(Send_init, , &req);
    SEND_ERRORS(Ssend_init, , &req);
    SEND_ERRORS(Rsend_init, , &req);
    SEND_ERRORS(Bsend_init, , &req);
    RECV_ERRORS(Recv, , &st);
    RECV_ERRORS(Irecv, , &req);
    RECV_ERRORS(Recv_init, , &req);

    /* Sendrecv and Sendrecv_replace: each side's arguments. */
    EXPECT(MPI_Sendrecv(buf, -1, MPI_INT, 0, 0, buf, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_COUNT, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_INT, 0, 0, buf, -1, MPI_INT, 0, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_COUNT, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_INT, size, 0, buf, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_RANK, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_INT, 0, 0, buf, 1, MPI_INT, size, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_RANK, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_INT, 0, -6, buf, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_TAG, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_INT, 0, 0, buf, 1, MPI_INT, 0, -6, MPI_COMM_WORLD, &st),
           MPI_ERR_TAG, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_DATATYPE_NULL, 0, 0, buf, 1, MPI_INT, 0, 0, MPI_COMM_WORLD,
                        &st), MPI_ERR_TYPE, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_INT, 0, 0, buf, 1, uncommitted, 0, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_TYPE, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv(buf, 1, MPI_INT, 0, 0, buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL, &st),
           MPI_ERR_COMM, "MPI_Sendrecv");
    EXPECT(MPI_Sendrecv_replace(buf, -1, MPI_INT, 0, 0, 0, 0, MPI_COMM_WORLD, &st), MPI_ERR_COUNT,
           "MPI_Sendrecv_replace");
    EXPECT(MPI_Sendrecv_replace(buf, 1, MPI_INT, size, 0, 0, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_RANK, "MPI_Sendrecv_replace");
    EXPECT(MPI_Sendrecv_replace(buf, 1, MPI_INT, 0, 0, -8, 0, MPI_COMM_WORLD, &st), MPI_ERR_RANK,
           "MPI_Sendrecv_replace");
    EXPECT(MPI_Sendrecv_replace(buf, 1, MPI_INT, 0, 0, 0, -3, MPI_COMM_WORLD, &st), MPI_ERR_TAG,
           "MPI_Sendrecv_replace");
    EXPECT(MPI_Sendrecv_replace(buf, 1, uncommitted, 0, 0, 0, 0, MPI_COMM_WORLD, &st),
           MPI_ERR_TYPE, "MPI_Sendrecv_replace");
    EXPECT(MPI_Sendrecv_replace(buf, 1, MPI_INT, 0, 0, 0, 0, MPI_COMM_NULL, &st), MPI_ERR_COMM,
           "MPI_Sendrecv_replace");

    /* Probes. */
    EXPECT(MPI_Probe(size, 0, MPI_COMM_WORLD, &st), MPI_ERR_RANK, "MPI_Probe");
    EXPECT(MPI_Probe(0, -4, MPI_COMM_WORLD, &st), MPI_ERR_TAG, "MPI_Probe");
    EXPECT(MPI_Probe(0, 0, MPI_COMM_NULL, &st), MPI_ERR_COMM, "MPI_Probe");
    EXPECT(MPI_Iprobe(-9, 0, MPI_COMM_WORLD, &flag, &st), MPI_ERR_RANK, "MPI_Iprobe");
    EXPECT(MPI_Iprobe(0, -4, MPI_COMM_WORLD, &flag, &st), MPI_ERR_TAG, "MPI_Iprobe");
    EXPECT(MPI_Iprobe(0, 0, MPI_COMM_NULL, &flag, &st), MPI_ERR_COMM, "MPI_Iprobe");
    EXPECT(MPI_Mprobe(size, 0, MPI_COMM_WORLD, &msg, &st), MPI_ERR_RANK, "MPI_Mprobe");
    EXPECT(MPI_Mprobe(0, -4, MPI_COMM_WORLD, &msg, &st), MPI_ERR_TAG, "MPI_Mprobe");
    EXPECT(MPI_Mprobe(0, 0, MPI_COMM_NULL, &msg, &st), MPI_ERR_COMM, "MPI_Mprobe");
    EXPECT(MPI_Improbe(size, 0, MPI_COMM_WORLD, &flag, &msg, &st), MPI_ERR_RANK, "MPI_Improbe");
    EXPECT(MPI_Improbe(0, -4, MPI_COMM_WORLD, &flag, &msg, &st), MPI_ERR_TAG, "MPI_Improbe");
    EXPECT(MPI_Improbe(0, 0, MPI_COMM_NULL, &flag, &msg, &st), MPI_ERR_COMM, "MPI_Improbe");
    msg = MPI_MESSAGE_NULL;
    EXPECT(MPI_Mrecv(buf, 1, MPI_INT, &msg, &st), MPI_ERR_REQUEST, "MPI_Mrecv");
    msg = MPI_MESSAGE_NULL;
    EXPECT(MPI_Imrecv(buf, 1, MPI_INT, &msg, &req), MPI_ERR_REQUEST, "MPI_Imrecv");
    msg = MPI_MESSAGE_NO_PROC;
    EXPECT(MPI_Mrecv(buf, -1, MPI_INT, &msg, &st), MPI_ERR_COUNT, "MPI_Mrecv");
    msg = MPI_MESSAGE_NO_PROC;
    EXPECT(MPI_Mrecv(buf, 1, MPI_DATATYPE_NULL, &msg, &st), MPI_ERR_TYPE, "MPI_Mrecv");

    /* Invalid requests. */
    EXPECT(MPI_Wait(&bogus, &st), MPI_ERR_REQUEST, "MPI_Wait");
    EXPECT(MPI_Wait(&bogus_small, &st), MPI_ERR_REQUEST, "MPI_Wait");
    EXPECT(MPI_Test(&bogus, &flag, &st), MPI_ERR_REQUEST, "MPI_Test");
    EXPECT(MPI_Request_get_status(bogus, &flag, &st), MPI_ERR_REQUEST, "MPI_Request_get_status");
    EXPECT(MPI_Request_free(&bogus), MPI_ERR_REQUEST, "MPI_Request_free");
    req = MPI_REQUEST_NULL;
    EXPECT(MPI_Request_free(&req), MPI_ERR_REQUEST, "MPI_Request_free");
    EXPECT(MPI_Cancel(&bogus), MPI_ERR_REQUEST, "MPI_Cancel");
    EXPECT(MPI_Start(&bogus), MPI_ERR_REQUEST, "MPI_Start");
    reqs[0] = MPI_REQUEST_NULL;
    reqs[1] = bogus;
    reqs[2] = MPI_REQUEST_NULL;
    EXPECT(MPI_Waitall(3, reqs, MPI_STATUSES_IGNORE), MPI_ERR_REQUEST, "MPI_Waitall");
    EXPECT(MPI_Testall(3, reqs, &flag, MPI_STATUSES_IGNORE), MPI_ERR_REQUEST, "MPI_Testall");
    EXPECT(MPI_Waitany(3, reqs, &idx, &st), MPI_ERR_REQUEST, "MPI_Waitany");
    EXPECT(MPI_Testany(3, reqs, &idx, &flag, &st), MPI_ERR_REQUEST, "MPI_Testany");
    EXPECT(MPI_Waitsome(3, reqs, &outcount, indices, MPI_STATUSES_IGNORE), MPI_ERR_REQUEST,
           "MPI_Waitsome");
    EXPECT(MPI_Testsome(3, reqs, &outcount, indices, MPI_STATUSES_IGNORE), MPI_ERR_REQUEST,
           "MPI_Testsome");
    EXPECT(MPI_Startall(3, reqs), MPI_ERR_REQUEST, "MPI_Startall");
    EXPECT(MPI_Waitall(-1, reqs, MPI_STATUSES_IGNORE), MPI_ERR_COUNT, "MPI_Waitall");
    /* MPI_Start of a request that is not persistent. */
    MPI_Irecv(buf, 1, MPI_INT, rank, 12, MPI_COMM_WORLD, &req);
    EXPECT(MPI_Start(&req), MPI_ERR_REQUEST, "MPI_Start");
    buf[0] = 5;
    MPI_Send(buf, 1, MPI_INT, rank, 12, MPI_COMM_WORLD);
    CHECK(MPI_Wait(&req, &st) == MPI_SUCCESS && buf[0] == 5, "receive after the failed MPI_Start");

    /* None of the failed calls sent a message: after an exchange around the ring,
     * nothing else is waiting here. */
    {
        int next = (rank + 1) % size, prev = (rank + size - 1) % size, v = rank;
        MPI_Sendrecv(&v, 1, MPI_INT, next, 77, buf, 1, MPI_INT, prev, 77, MPI_COMM_WORLD, &st);
        CHECK(buf[0] == prev, "ring exchange after the errors: %d", buf[0]);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        CHECK(!flag, "a failed call sent a message (source %d, tag %d)", st.MPI_SOURCE,
              st.MPI_TAG);
    }

    /* The handler stays in place: everything still works. */
    ok = 1;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    CHECK(ok, "allreduce after the errors");
    MPI_Type_free(&uncommitted);
    MPI_Finalize();
    return 0;
}
