/* Early-bird partitioned transfer around a ring: a partition leaves when MPI_Pready
 * marks it, not when the last one is. Each rank readies partition 0 of its send,
 * then waits for its receiver's acknowledgement (an ordinary message, tag 11)
 * before it readies the rest; the receiver acknowledges only once MPI_Parrived(0)
 * is true and partition 0 holds the sender's data. A sender that
 * holds partition 0 back until the others are ready never gets its
 * acknowledgement: the receiver fails after 10 s, naming itself and the partition.
 * Small partitions (inline with their header) and large ones (single copy, or
 * their own message), several rounds on the same requests. */
/* np: 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy */
#include "check.h"

#include <stdlib.h>
#include <string.h>

static int rank = -1;

#define PARTS 4

static int value(int who, int round, long i)
{
    return who * 1000000 + round * 100000 + (int)(i % 100000);
}

int main(int argc, char **argv)
{
    int size, next, prev;
    static const long counts[] = { 8, 64 << 10 };   /* ints per partition */

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    for (int c = 0; c < 2; c++) {
        long n = counts[c];
        int *out = malloc(PARTS * n * sizeof(int)), *in = malloc(PARTS * n * sizeof(int));
        MPI_Request s, r;
        CHECK(out && in, "malloc");
        MPI_Psend_init(out, PARTS, n, MPI_INT, next, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &s);
        MPI_Precv_init(in, PARTS, n, MPI_INT, prev, 3, MPI_COMM_WORLD, MPI_INFO_NULL, &r);
        for (int round = 0; round < 3; round++) {
            int flag = 0, token = round;
            MPI_Status st;
            for (long i = 0; i < PARTS * n; i++)
                out[i] = value(rank, round, i);
            memset(in, 0xff, PARTS * n * sizeof(int));
            MPI_Start(&r);
            MPI_Start(&s);
            MPI_Pready(0, s);

            /* Partition 0 must come while the sender waits for this rank. */
            double t0 = MPI_Wtime();
            while (!flag) {
                CHECK(MPI_Parrived(r, 0, &flag) == MPI_SUCCESS, "MPI_Parrived(0)");
                CHECK(flag || MPI_Wtime() - t0 < 10, "%ld ints a partition, round %d: "
                      "partition 0 from rank %d never arrived while its other partitions "
                      "were not ready (no early-bird transfer)", n, round, prev);
            }
            for (long i = 0; i < n; i++)
                CHECK(in[i] == value(prev, round, i), "%ld ints a partition, round %d: "
                      "Parrived(0) is true but in[%ld] = %d, expected %d", n, round, i,
                      in[i], value(prev, round, i));
            /* The sender has readied nothing else yet. */
            for (int p = 1; p < PARTS; p++) {
                CHECK(MPI_Parrived(r, p, &flag) == MPI_SUCCESS, "MPI_Parrived(%d)", p);
                CHECK(!flag, "round %d: partition %d arrived before rank %d readied it",
                      round, p, prev);
            }
            MPI_Sendrecv_replace(&token, 1, MPI_INT, prev, 11, next, 11, MPI_COMM_WORLD,
                                 MPI_STATUS_IGNORE);
            CHECK(token == round, "acknowledgement %d in round %d", token, round);

            MPI_Pready_range(1, PARTS - 1, s);
            MPI_Wait(&s, MPI_STATUS_IGNORE);
            MPI_Wait(&r, &st);
            for (long i = 0; i < PARTS * n; i++)
                CHECK(in[i] == value(prev, round, i), "%ld ints a partition, round %d: "
                      "in[%ld] = %d, expected %d", n, round, i, in[i], value(prev, round, i));
            int got = -1;
            MPI_Get_count(&st, MPI_INT, &got);
            CHECK(got == PARTS * n && st.MPI_SOURCE == prev && st.MPI_TAG == 3,
                  "status: count %d source %d tag %d, expected %ld %d 3", got, st.MPI_SOURCE,
                  st.MPI_TAG, PARTS * n, prev);
        }
        MPI_Request_free(&s);
        MPI_Request_free(&r);
        free(out);
        free(in);
    }
    MPI_Finalize();
    return 0;
}
