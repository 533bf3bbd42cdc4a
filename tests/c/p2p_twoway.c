/* Large messages both ways at once between partners (rank ^ 1; a rank without a
 * partner exchanges with itself). Bound ranks that share a last-level cache move
 * them through the ring while the other direction is in flight, unless malloc
 * gives large buffers 2 MiB pages (mpiexec's default); otherwise they use single
 * copy: BATON_BIND=none and BATON_MALLOC_THP=1 run the same program that way.
 *   A: sizes around the single-copy threshold, around 2 MiB and far above, odd
 *      lengths, all in flight in both directions, each message in its own buffer;
 *   B: MPI_Sendrecv of 2 MiB both ways, ten times, reused buffers;
 *   C: a receive buffer smaller than the message (MPI_ERR_TRUNCATE under
 *      MPI_ERRORS_RETURN): the part that fits arrives, nothing past it is written;
 *   D: a large send that nobody receives, cancelled; then A again;
 *   E: a vector receive type (unpacked after the ring) and a vector send type.
 * Bytes depend on the sender, the message and the position, checked one by one. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_BIND=core,none */
/* env-matrix: BATON_MALLOC_THP=0,1 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, partner;

#include "check.h"
#include "pattern.h"

static const size_t sizes[] = { 40000, 131072, 131073, 300001, (1 << 20) + 7, (2 << 20) - 1,
                                 4 << 20 };
#define NSIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))

static void part_a(int round)
{
    unsigned char *sb[NSIZES], *rb[NSIZES];
    MPI_Request req[2 * NSIZES];
    MPI_Status st[2 * NSIZES];

    for (int m = 0; m < NSIZES; m++) {
        sb[m] = malloc(sizes[m]);
        rb[m] = calloc(1, sizes[m]);
        fill(sb[m], sizes[m], rank, m + 10 * round);
        MPI_Irecv(rb[m], (int)sizes[m], MPI_BYTE, partner, m, MPI_COMM_WORLD, &req[m]);
    }
    for (int m = 0; m < NSIZES; m++)
        MPI_Isend(sb[m], (int)sizes[m], MPI_BYTE, partner, m, MPI_COMM_WORLD, &req[NSIZES + m]);
    MPI_Waitall(2 * NSIZES, req, st);
    for (int m = 0; m < NSIZES; m++) {
        check_status(&st[m], MPI_BYTE, (int)sizes[m], partner, "A");
        verify(rb[m], sizes[m], partner, m + 10 * round, "A");
        free(sb[m]);
        free(rb[m]);
    }
}

static void part_b(void)
{
    size_t n = 2 << 20;
    unsigned char *s = malloc(n), *r = malloc(n);
    MPI_Status st;

    for (int it = 0; it < 10; it++) {
        fill(s, n, rank, 100 + it);
        memset(r, 0, n);
        MPI_Sendrecv(s, (int)n, MPI_BYTE, partner, 7, r, (int)n, MPI_BYTE, partner, 7,
                     MPI_COMM_WORLD, &st);
        check_status(&st, MPI_BYTE, (int)n, partner, "B");
        verify(r, n, partner, 100 + it, "B");
    }
    free(s);
    free(r);
}

static void part_c(void)
{
    size_t n = 1 << 20, fit = 300000, guard = 4096;
    unsigned char *s = malloc(n), *r = malloc(fit + guard);
    MPI_Request req[2];
    MPI_Status st[2];
    int rc, cls, count;

    fill(s, n, rank, 200);
    memset(r, 0xee, fit + guard);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Irecv(r, (int)fit, MPI_BYTE, partner, 8, MPI_COMM_WORLD, &req[0]);
    MPI_Isend(s, (int)n, MPI_BYTE, partner, 8, MPI_COMM_WORLD, &req[1]);
    rc = MPI_Waitall(2, req, st);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_IN_STATUS, "C: MPI_Waitall: error class %d, expected MPI_ERR_IN_STATUS",
          cls);
    MPI_Error_class(st[0].MPI_ERROR, &cls);
    CHECK(cls == MPI_ERR_TRUNCATE, "C: receive error class %d, expected MPI_ERR_TRUNCATE", cls);
    CHECK(st[1].MPI_ERROR == MPI_SUCCESS, "C: send error %d", st[1].MPI_ERROR);
    MPI_Get_count(&st[0], MPI_BYTE, &count);
    CHECK(count == (int)fit, "C: count %d, expected %zu", count, fit);
    verify(r, fit, partner, 200, "C");
    for (size_t i = fit; i < fit + guard; i++)
        CHECK(r[i] == 0xee, "C: byte %zu past the receive buffer was written", i);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    free(s);
    free(r);
}

static void part_d(void)
{
    size_t n = 1 << 20;
    unsigned char *s = malloc(n);
    MPI_Request req;
    MPI_Status st;
    int cancelled;

    fill(s, n, rank, 300);
    MPI_Isend(s, (int)n, MPI_BYTE, partner, 99, MPI_COMM_WORLD, &req);
    MPI_Cancel(&req);
    MPI_Wait(&req, &st);
    MPI_Test_cancelled(&st, &cancelled);
    CHECK(cancelled, "D: a send nobody receives was not cancelled");
    free(s);
    /* The partner's cancelled message must not be in the way. */
    MPI_Barrier(MPI_COMM_WORLD);
    part_a(1);
}

static void part_e(void)
{
    /* 20000 blocks of 24 bytes every 40: 480000 bytes in a 800000-byte span. */
    int blocks = 20000, blen = 24, stride = 40;
    size_t n = (size_t)blocks * blen, span = (size_t)blocks * stride;
    MPI_Datatype vec;
    unsigned char *s = malloc(span), *r = malloc(span), *packed = malloc(n);
    MPI_Request req[2];
    MPI_Status st[2];

    MPI_Type_vector(blocks, blen, stride, MPI_BYTE, &vec);
    MPI_Type_commit(&vec);
    /* The send side's blocks hold the message bytes in order. */
    fill(packed, n, rank, 400);
    for (int b = 0; b < blocks; b++)
        memcpy(s + (size_t)b * stride, packed + (size_t)b * blen, (size_t)blen);
    memset(r, 0x5a, span);
    MPI_Irecv(r, 1, vec, partner, 9, MPI_COMM_WORLD, &req[0]);
    MPI_Isend(s, 1, vec, partner, 9, MPI_COMM_WORLD, &req[1]);
    MPI_Waitall(2, req, st);
    check_status(&st[0], vec, 1, partner, "E");
    for (int b = 0; b < blocks; b++)
        memcpy(packed + (size_t)b * blen, r + (size_t)b * stride, (size_t)blen);
    verify(packed, n, partner, 400, "E");
    for (int b = 0; b < blocks; b++)
        for (int g = blen; g < stride && (size_t)b * stride + g < span; g++)
            CHECK(r[(size_t)b * stride + g] == 0x5a, "E: gap byte %d of block %d was written",
                  g, b);
    MPI_Type_free(&vec);
    free(s);
    free(r);
    free(packed);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    partner = (rank ^ 1) < size ? rank ^ 1 : rank;
    part_a(0);
    part_b();
    part_c();
    part_d();
    part_e();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("p2p_twoway: ok\n");
    MPI_Finalize();
    return 0;
}
