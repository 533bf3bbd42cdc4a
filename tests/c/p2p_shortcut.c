/* The blocking calls' short cuts (a small MPI_Send leaves without a request when
 * the ring is idle; a blocking MPI_Recv copies the sender's next frame straight
 * into the buffer when nothing else is posted or queued) must keep every rule of
 * the general path. Pairs (0,1), (2,3), ... exchange, an odd last rank talks to
 * itself:
 *   A: ping-pong of every size from 0 to 300 bytes and around the eager limit,
 *      contents and status (source, tag, count) checked each time;
 *   B: the frame ahead is for another tag: a blocking receive of the later tag
 *      must skip it, and the earlier message is then received intact;
 *   C: an MPI_Irecv posted before a blocking MPI_Recv on the same source and tag
 *      gets the first message;
 *   D: a synchronous send and a message larger than the receive buffer arrive at a
 *      blocking receive (MPI_ERR_TRUNCATE under MPI_ERRORS_RETURN);
 *   E: 4000 small blocking sends to a receiver that starts late (the ring fills up
 *      and the sends queue), received in order;
 *   F: MPI_ANY_TAG from a named source. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size, peer;

#include "check.h"

static void fill(unsigned char *b, int n, int seed)
{
    for (int i = 0; i < n; i++)
        b[i] = (unsigned char)(seed * 131 + i * 7 + 3);
}

static void expect(const unsigned char *b, int n, int seed, const char *what)
{
    for (int i = 0; i < n; i++)
        CHECK(b[i] == (unsigned char)(seed * 131 + i * 7 + 3), "%s: byte %d of %d", what, i, n);
}

static void check_status(const MPI_Status *st, int source, int tag, int count, const char *what)
{
    int n;
    MPI_Get_count(st, MPI_BYTE, &n);
    CHECK(st->MPI_SOURCE == source && st->MPI_TAG == tag && n == count,
          "%s: status source %d tag %d count %d, expected %d %d %d", what, st->MPI_SOURCE,
          st->MPI_TAG, n, source, tag, count);
}

static void pingpong(unsigned char *sb, unsigned char *rb, int n)
{
    MPI_Status st;

    fill(sb, n, n);
    memset(rb, 0xee, (size_t)n + 1);
    if (peer == rank) {
        MPI_Sendrecv(sb, n, MPI_BYTE, peer, n % 7, rb, n + 1, MPI_BYTE, peer, n % 7,
                     MPI_COMM_WORLD, &st);
    } else if (rank < peer) {
        MPI_Send(sb, n, MPI_BYTE, peer, n % 7, MPI_COMM_WORLD);
        MPI_Recv(rb, n + 1, MPI_BYTE, peer, n % 7, MPI_COMM_WORLD, &st);
    } else {
        MPI_Recv(rb, n + 1, MPI_BYTE, peer, n % 7, MPI_COMM_WORLD, &st);
        MPI_Send(sb, n, MPI_BYTE, peer, n % 7, MPI_COMM_WORLD);
    }
    check_status(&st, peer, n % 7, n, "A");
    expect(rb, n, n, "A");
    CHECK(rb[n] == 0xee, "A: byte past the message written (size %d)", n);
}

int main(int argc, char **argv)
{
    enum { BIG = 70000, MANY = 4000 };
    unsigned char *sb, *rb;
    MPI_Status st;
    MPI_Request req;
    int sizes[] = { 1000, 4096, 16383, 16384, 16385, 32767, 32768, 32769, 65536 };

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    peer = (rank ^ 1) < size ? rank ^ 1 : rank;
    sb = malloc(BIG + 1);
    rb = malloc(BIG + 1);

    /* A */
    for (int n = 0; n <= 300; n++)
        pingpong(sb, rb, n);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        pingpong(sb, rb, sizes[i]);

    /* B: tag 1 is ahead in the ring, tag 2 is received first. */
    fill(sb, 40, 1);
    MPI_Send(sb, 40, MPI_BYTE, peer, 1, MPI_COMM_WORLD);
    fill(sb, 24, 2);
    MPI_Send(sb, 24, MPI_BYTE, peer, 2, MPI_COMM_WORLD);
    MPI_Recv(rb, 64, MPI_BYTE, peer, 2, MPI_COMM_WORLD, &st);
    check_status(&st, peer, 2, 24, "B tag 2");
    expect(rb, 24, 2, "B tag 2");
    MPI_Recv(rb, 64, MPI_BYTE, peer, 1, MPI_COMM_WORLD, &st);
    check_status(&st, peer, 1, 40, "B tag 1");
    expect(rb, 40, 1, "B tag 1");

    /* C: the posted receive matches first. */
    {
        unsigned char first[16], second[16];
        MPI_Irecv(first, 16, MPI_BYTE, peer, 3, MPI_COMM_WORLD, &req);
        MPI_Barrier(MPI_COMM_WORLD);
        fill(sb, 16, 30);
        MPI_Send(sb, 16, MPI_BYTE, peer, 3, MPI_COMM_WORLD);
        fill(sb, 16, 31);
        MPI_Send(sb, 16, MPI_BYTE, peer, 3, MPI_COMM_WORLD);
        MPI_Recv(second, 16, MPI_BYTE, peer, 3, MPI_COMM_WORLD, &st);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        expect(first, 16, 30, "C: the posted receive");
        expect(second, 16, 31, "C: the blocking receive");
    }

    /* D: a synchronous message, then one too large for the buffer. */
    {
        int rc, cls;
        if (peer == rank) {
            MPI_Request s;
            fill(sb, 8, 40);
            MPI_Issend(sb, 8, MPI_BYTE, peer, 4, MPI_COMM_WORLD, &s);
            MPI_Recv(rb, 8, MPI_BYTE, peer, 4, MPI_COMM_WORLD, &st);
            MPI_Wait(&s, MPI_STATUS_IGNORE);
        } else if (rank < peer) {
            fill(sb, 8, 40);
            MPI_Ssend(sb, 8, MPI_BYTE, peer, 4, MPI_COMM_WORLD);
        } else {
            MPI_Recv(rb, 8, MPI_BYTE, peer, 4, MPI_COMM_WORLD, &st);
        }
        if (rank >= peer) {
            check_status(&st, peer, 4, 8, "D ssend");
            expect(rb, 8, 40, "D ssend");
        }
        fill(sb, 100, 41);
        MPI_Send(sb, 100, MPI_BYTE, peer, 5, MPI_COMM_WORLD);
        memset(rb, 0xee, 100);
        rc = MPI_Recv(rb, 60, MPI_BYTE, peer, 5, MPI_COMM_WORLD, &st);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_TRUNCATE, "D: error class %d, expected MPI_ERR_TRUNCATE", cls);
        expect(rb, 60, 41, "D truncated");
        CHECK(rb[60] == 0xee, "D: byte past the receive buffer written");
    }

    /* E: the sender fills the ring while the receiver is not there yet. */
    if (peer != rank) {
        if (rank < peer) {
            for (int i = 0; i < MANY; i++) {
                fill(sb, 100, i);
                MPI_Send(sb, 100, MPI_BYTE, peer, 6, MPI_COMM_WORLD);
            }
        } else {
            usleep(50000);
            for (int i = 0; i < MANY; i++) {
                MPI_Recv(rb, 100, MPI_BYTE, peer, 6, MPI_COMM_WORLD, &st);
                check_status(&st, peer, 6, 100, "E");
                expect(rb, 100, i, "E");
            }
        }
    }

    /* F */
    fill(sb, 12, 50);
    MPI_Send(sb, 12, MPI_BYTE, peer, 77, MPI_COMM_WORLD);
    MPI_Recv(rb, 12, MPI_BYTE, peer, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    check_status(&st, peer, 77, 12, "F");
    expect(rb, 12, 50, "F");

    free(sb);
    free(rb);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("p2p_shortcut: OK\n");
    MPI_Finalize();
    return 0;
}
