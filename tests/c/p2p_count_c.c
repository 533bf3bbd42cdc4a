/* Every large-count (_c) point-to-point call with the counts they share with the
 * int forms: sends of each mode (blocking, nonblocking, persistent), receives,
 * sendrecv(_replace), matched receives, and the status calls, around a ring. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

static int rank = -1, size;

#define N 37   /* an odd count, not a power of two */

static void fill(int *b, int who, int tag)
{
    for (int i = 0; i < N; i++)
        b[i] = who * 10000 + tag * 100 + i;
}

static void expect(const int *b, int who, int tag, const char *what)
{
    for (int i = 0; i < N; i++)
        CHECK(b[i] == who * 10000 + tag * 100 + i, "%s: [%d] = %d from %d", what, i, b[i], who);
}

int main(int argc, char **argv)
{
    int next, prev, out[N], in[N];
    MPI_Status st;
    MPI_Request r[2];
    MPI_Count cnt;
    char *bbuf;
    int bsize = 8 * (N * (int)sizeof(int) + MPI_BSEND_OVERHEAD);

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    bbuf = malloc((size_t)bsize);
    MPI_Buffer_attach(bbuf, bsize);

    /* Blocking modes: receive first (nonblocking) so that ready mode is legal. */
    typedef int (*send_fn)(const void *, MPI_Count, MPI_Datatype, int, int, MPI_Comm);
    send_fn sends[4] = { MPI_Send_c, MPI_Ssend_c, MPI_Rsend_c, MPI_Bsend_c };
    const char *names[4] = { "MPI_Send_c", "MPI_Ssend_c", "MPI_Rsend_c", "MPI_Bsend_c" };
    for (int m = 0; m < 4; m++) {
        CHECK(MPI_Irecv_c(in, N, MPI_INT, prev, m, MPI_COMM_WORLD, &r[0]) == MPI_SUCCESS,
              "MPI_Irecv_c");
        MPI_Barrier(MPI_COMM_WORLD);
        fill(out, rank, m);
        CHECK(sends[m](out, N, MPI_INT, next, m, MPI_COMM_WORLD) == MPI_SUCCESS, "%s", names[m]);
        MPI_Wait(&r[0], &st);
        expect(in, prev, m, names[m]);
        CHECK(MPI_Get_count_c(&st, MPI_INT, &cnt) == MPI_SUCCESS && cnt == N,
              "Get_count_c after %s: %lld", names[m], (long long)cnt);
    }

    /* Nonblocking modes into a blocking MPI_Recv_c. */
    typedef int (*isend_fn)(const void *, MPI_Count, MPI_Datatype, int, int, MPI_Comm,
                            MPI_Request *);
    isend_fn isends[4] = { MPI_Isend_c, MPI_Issend_c, MPI_Irsend_c, MPI_Ibsend_c };
    for (int m = 0; m < 4; m++) {
        int tag = 10 + m;
        CHECK(MPI_Irecv_c(in, N, MPI_INT, prev, tag, MPI_COMM_WORLD, &r[1]) == MPI_SUCCESS,
              "Irecv_c");
        MPI_Barrier(MPI_COMM_WORLD);
        fill(out, rank, tag);
        CHECK(isends[m](out, N, MPI_INT, next, tag, MPI_COMM_WORLD, &r[0]) == MPI_SUCCESS,
              "isend %d", m);
        MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
        expect(in, prev, tag, "nonblocking _c send");
    }
    {
        int tag = 20;
        fill(out, rank, tag);
        MPI_Isend_c(out, N, MPI_INT, next, tag, MPI_COMM_WORLD, &r[0]);
        CHECK(MPI_Recv_c(in, N, MPI_INT, prev, tag, MPI_COMM_WORLD, &st) == MPI_SUCCESS,
              "MPI_Recv_c");
        MPI_Wait(&r[0], MPI_STATUS_IGNORE);
        expect(in, prev, tag, "MPI_Recv_c");
        CHECK(MPI_Get_elements_c(&st, MPI_INT, &cnt) == MPI_SUCCESS && cnt == N,
              "Get_elements_c %lld", (long long)cnt);
    }

    /* Persistent: each mode started three times. */
    typedef int (*init_fn)(const void *, MPI_Count, MPI_Datatype, int, int, MPI_Comm,
                           MPI_Request *);
    init_fn inits[4] = { MPI_Send_init_c, MPI_Ssend_init_c, MPI_Rsend_init_c, MPI_Bsend_init_c };
    for (int m = 0; m < 4; m++) {
        int tag = 30 + m;
        CHECK(inits[m](out, N, MPI_INT, next, tag, MPI_COMM_WORLD, &r[0]) == MPI_SUCCESS,
              "send init %d", m);
        CHECK(MPI_Recv_init_c(in, N, MPI_INT, prev, tag, MPI_COMM_WORLD, &r[1]) == MPI_SUCCESS,
              "MPI_Recv_init_c");
        for (int round = 0; round < 3; round++) {
            MPI_Start(&r[1]);
            MPI_Barrier(MPI_COMM_WORLD);
            fill(out, rank, tag + round);
            MPI_Start(&r[0]);
            MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
            expect(in, prev, tag + round, "persistent _c");
        }
        MPI_Request_free(&r[0]);
        MPI_Request_free(&r[1]);
    }

    /* Sendrecv_c and Sendrecv_replace_c. */
    fill(out, rank, 40);
    CHECK(MPI_Sendrecv_c(out, N, MPI_INT, next, 40, in, N, MPI_INT, prev, 40, MPI_COMM_WORLD,
                         &st) == MPI_SUCCESS, "MPI_Sendrecv_c");
    expect(in, prev, 40, "MPI_Sendrecv_c");
    CHECK(st.MPI_SOURCE == prev, "Sendrecv_c source %d", st.MPI_SOURCE);
    fill(in, rank, 41);
    CHECK(MPI_Sendrecv_replace_c(in, N, MPI_INT, next, 41, prev, 41, MPI_COMM_WORLD, &st) ==
          MPI_SUCCESS, "MPI_Sendrecv_replace_c");
    expect(in, prev, 41, "MPI_Sendrecv_replace_c");

    /* Matched receives. */
    for (int k = 0; k < 2; k++) {
        MPI_Message msg;
        int tag = 50 + k;
        fill(out, rank, tag);
        MPI_Isend_c(out, N, MPI_INT, next, tag, MPI_COMM_WORLD, &r[0]);
        MPI_Mprobe(prev, tag, MPI_COMM_WORLD, &msg, &st);
        CHECK(MPI_Get_count_c(&st, MPI_INT, &cnt) == MPI_SUCCESS && cnt == N, "probe count");
        if (k == 0) {
            CHECK(MPI_Mrecv_c(in, N, MPI_INT, &msg, &st) == MPI_SUCCESS, "MPI_Mrecv_c");
        } else {
            CHECK(MPI_Imrecv_c(in, N, MPI_INT, &msg, &r[1]) == MPI_SUCCESS, "MPI_Imrecv_c");
            MPI_Wait(&r[1], &st);
        }
        MPI_Wait(&r[0], MPI_STATUS_IGNORE);
        expect(in, prev, tag, k ? "MPI_Imrecv_c" : "MPI_Mrecv_c");
    }

    /* Status_set_elements_c beyond an int; Get_count then says MPI_UNDEFINED. */
    {
        MPI_Count big = ((MPI_Count)1 << 33) + 3;
        int small;
        CHECK(MPI_Status_set_elements_c(&st, MPI_INT, big) == MPI_SUCCESS, "set_elements_c");
        CHECK(MPI_Get_count_c(&st, MPI_INT, &cnt) == MPI_SUCCESS && cnt == big,
              "Get_count_c %lld, expected %lld", (long long)cnt, (long long)big);
        MPI_Get_count(&st, MPI_INT, &small);
        CHECK(small == MPI_UNDEFINED, "Get_count of 2^33 ints: %d", small);
    }

    /* Bad input names the _c call. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    {
        char msg[MPI_MAX_ERROR_STRING];
        int len, cls, rc = MPI_Send_c(out, -1, MPI_INT, next, 0, MPI_COMM_WORLD);
        MPI_Error_class(rc, &cls);
        MPI_Error_string(rc, msg, &len);
        CHECK(cls == MPI_ERR_COUNT && strstr(msg, "MPI_Send_c"), "negative count: %s", msg);
    }

    MPI_Buffer_detach(&bbuf, &bsize);
    free(bbuf);
    MPI_Finalize();
    return 0;
}
