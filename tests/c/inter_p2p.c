/* Point-to-point on intercommunicators: ranks name the remote group, status
 * MPI_SOURCE is the sender's rank in its group, MPI_ANY_SOURCE takes any remote
 * rank, and traffic on an intercommunicator never matches that of its dup or of
 * MPI_COMM_WORLD with the same tag. Small (eager), large (rendezvous) and
 * synchronous messages, probes, matched probes and sendrecv. */
/* np: 1 2 3 4 5 8 */
#include "inter_common.h"

#define BIG (1 << 18)   /* ints: 1 MiB, past the eager limit */

static void run(int shape)
{
    it_inter_t t;
    MPI_Comm dup;
    MPI_Status st;
    MPI_Request reqs[128];
    int msg[3], got[64][3], seen[64] = { 0 }, n, v, flag, count;

    it_make(&t, shape, shape, 20);

    /* To each remote rank, (my world rank, my local rank, its rank). */
    for (int j = 0; j < t.rsize; j++) {
        msg[0] = rank;
        msg[1] = t.lrank;
        msg[2] = j;
        MPI_Send(msg, 3, MPI_INT, j, 1, t.inter);
    }
    for (int j = t.rsize - 1; j >= 0; j--) {
        MPI_Recv(got[j], 3, MPI_INT, j, 1, t.inter, &st);
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK(st.MPI_SOURCE == j && st.MPI_TAG == 1 && count == 3,
              "shape %d: from remote %d: status source %d tag %d count %d", shape, j,
              st.MPI_SOURCE, st.MPI_TAG, count);
        CHECK(got[j][0] == t.remote_world[j] && got[j][1] == j && got[j][2] == t.lrank,
              "shape %d: from remote %d got (%d,%d,%d), expected (%d,%d,%d)", shape, j,
              got[j][0], got[j][1], got[j][2], t.remote_world[j], j, t.lrank);
    }

    /* MPI_ANY_SOURCE, nonblocking, each remote rank once. */
    for (int j = 0; j < t.rsize; j++)
        MPI_Irecv(got[j], 3, MPI_INT, MPI_ANY_SOURCE, 2, t.inter, &reqs[j]);
    for (int j = 0; j < t.rsize; j++) {
        msg[0] = rank;
        msg[1] = t.lrank;
        msg[2] = j;
        MPI_Isend(msg, 3, MPI_INT, j, 2, t.inter, &reqs[t.rsize + j]);
        MPI_Wait(&reqs[t.rsize + j], MPI_STATUS_IGNORE);
    }
    for (int j = 0; j < t.rsize; j++) {
        MPI_Wait(&reqs[j], &st);
        n = st.MPI_SOURCE;
        CHECK(n >= 0 && n < t.rsize, "shape %d: MPI_ANY_SOURCE gave source %d of %d", shape, n,
              t.rsize);
        CHECK(!seen[n], "shape %d: remote %d seen twice", shape, n);
        seen[n] = 1;
        CHECK(got[j][0] == t.remote_world[n] && got[j][1] == n,
              "shape %d: message (%d,%d) from source %d, expected world %d", shape, got[j][0],
              got[j][1], n, t.remote_world[n]);
    }

    /* Same tag, same peers on inter, its dup and world: each stays on its own. */
    MPI_Comm_dup(t.inter, &dup);
    if (t.lrank == 0) {
        v = 111;
        MPI_Send(&v, 1, MPI_INT, 0, 5, t.inter);
        v = 222;
        MPI_Send(&v, 1, MPI_INT, 0, 5, dup);
        v = 333;
        MPI_Send(&v, 1, MPI_INT, t.remote_world[0], 5, MPI_COMM_WORLD);
        MPI_Recv(&v, 1, MPI_INT, t.remote_world[0], 5, MPI_COMM_WORLD, &st);
        CHECK(v == 333, "shape %d: world message is %d, expected 333", shape, v);
        MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 5, dup, &st);
        CHECK(v == 222 && st.MPI_SOURCE == 0, "shape %d: dup message is %d from %d", shape, v,
              st.MPI_SOURCE);
        MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 5, t.inter, &st);
        CHECK(v == 111 && st.MPI_SOURCE == 0, "shape %d: inter message is %d from %d", shape, v,
              st.MPI_SOURCE);
    }
    MPI_Comm_free(&dup);

    /* Large messages between the leaders, both ways at once; then a synchronous
     * send and a probe from every rank to remote rank 0. */
    if (t.lrank == 0) {
        int *out = malloc(BIG * sizeof(int)), *in = malloc(BIG * sizeof(int));
        for (int i = 0; i < BIG; i++) {
            out[i] = rank * 7 + i;
            in[i] = -1;
        }
        MPI_Irecv(in, BIG, MPI_INT, 0, 6, t.inter, &reqs[0]);
        MPI_Isend(out, BIG, MPI_INT, 0, 6, t.inter, &reqs[1]);
        MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
        for (int i = 0; i < BIG; i++)
            CHECK(in[i] == t.remote_world[0] * 7 + i, "shape %d: large message [%d] = %d", shape,
                  i, in[i]);
        free(in);
        free(out);
    }
    MPI_Issend(&t.lrank, 1, MPI_INT, 0, 7, t.inter, &reqs[0]);
    if (t.lrank == 0) {
        for (int j = 0; j < t.rsize; j++) {
            MPI_Probe(MPI_ANY_SOURCE, 7, t.inter, &st);
            n = st.MPI_SOURCE;
            MPI_Iprobe(n, 7, t.inter, &flag, &st);
            CHECK(flag && st.MPI_SOURCE == n, "shape %d: iprobe of remote %d: flag %d source %d",
                  shape, n, flag, st.MPI_SOURCE);
            MPI_Recv(&v, 1, MPI_INT, n, 7, t.inter, &st);
            CHECK(v == n, "shape %d: synchronous message %d from remote %d", shape, v, n);
        }
    }
    MPI_Wait(&reqs[0], MPI_STATUS_IGNORE);

    /* Matched probes (as mpi4py's pkl5 receives): one message from each remote
     * rank, taken by MPI_Mprobe or MPI_Improbe on MPI_ANY_SOURCE. */
    for (int j = 0; j < t.rsize; j++)
        MPI_Isend(&rank, 1, MPI_INT, j, 11, t.inter, &reqs[j]);
    memset(seen, 0, sizeof(seen));
    for (int j = 0; j < t.rsize; j++) {
        MPI_Message m;
        flag = 0;
        if (j % 2)
            MPI_Mprobe(MPI_ANY_SOURCE, 11, t.inter, &m, &st);
        else
            while (!flag)
                MPI_Improbe(MPI_ANY_SOURCE, 11, t.inter, &flag, &m, &st);
        n = st.MPI_SOURCE;
        CHECK(n >= 0 && n < t.rsize && !seen[n], "shape %d: matched probe gave source %d", shape,
              n);
        seen[n] = 1;
        v = -1;
        MPI_Mrecv(&v, 1, MPI_INT, &m, &st);
        CHECK(v == t.remote_world[n] && st.MPI_SOURCE == n,
              "shape %d: MPI_Mrecv got %d from %d, expected %d from %d", shape, v, st.MPI_SOURCE,
              t.remote_world[n], n);
    }
    MPI_Waitall(t.rsize, reqs, MPI_STATUSES_IGNORE);

    /* Persistent requests between the leaders, started twice. */
    if (t.lrank == 0) {
        int out = 0, in = -1;
        MPI_Request pr[2];
        MPI_Send_init(&out, 1, MPI_INT, 0, 12, t.inter, &pr[0]);
        MPI_Recv_init(&in, 1, MPI_INT, 0, 12, t.inter, &pr[1]);
        for (int round = 0; round < 2; round++) {
            out = rank * 10 + round;
            MPI_Startall(2, pr);
            MPI_Waitall(2, pr, MPI_STATUSES_IGNORE);
            CHECK(in == t.remote_world[0] * 10 + round, "shape %d: persistent round %d got %d",
                  shape, round, in);
        }
        MPI_Request_free(&pr[0]);
        MPI_Request_free(&pr[1]);
    }

    /* Sendrecv with a partner by rank; MPI_PROC_NULL as a peer. */
    {
        int to = t.lrank % t.rsize, out = rank, in = -1;
        MPI_Request r;
        /* Everyone in the other group whose rank maps to me sends to me. */
        int senders = 0;
        for (int j = 0; j < t.rsize; j++)
            senders += j % t.lsize == t.lrank;
        MPI_Isend(&out, 1, MPI_INT, to, 8, t.inter, &r);
        for (int k = 0; k < senders; k++) {
            MPI_Sendrecv(NULL, 0, MPI_INT, MPI_PROC_NULL, 8, &in, 1, MPI_INT, MPI_ANY_SOURCE, 8,
                         t.inter, &st);
            CHECK(st.MPI_SOURCE % t.lsize == t.lrank && in == t.remote_world[st.MPI_SOURCE],
                  "shape %d: sendrecv got %d from %d", shape, in, st.MPI_SOURCE);
        }
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        MPI_Recv(&in, 1, MPI_INT, MPI_PROC_NULL, 8, t.inter, &st);
        CHECK(st.MPI_SOURCE == MPI_PROC_NULL, "shape %d: receive from MPI_PROC_NULL: source %d",
              shape, st.MPI_SOURCE);
    }
    MPI_Barrier(t.inter);
    it_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    it_run_shapes(run);
    MPI_Finalize();
    return 0;
}
