/* MPI_Sendrecv and MPI_Sendrecv_replace around the ring of all ranks (to rank+1,
 * from rank-1; to itself at one rank), small and rendezvous sizes: contiguous,
 * different send and receive types (ints sent, a vector of ints received), and
 * MPI_Sendrecv_replace with a derived vector type whose gaps must stay untouched,
 * with MPI_ANY_SOURCE/MPI_ANY_TAG. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_SHM_LMT=auto,copy,cma */
/* env-matrix: BATON_SHM_RING=4096,131072 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static inline int val(int src, int round, int i)
{
    return src * 1000003 + round * 7777 + i;
}

#define GAP (-12345)

int main(int argc, char **argv)
{
    const int ns[] = { 0, 1, 250, 1000, 100000 };   /* ints */
    int next, prev;
    MPI_Status st;
    int count;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;

    for (int k = 0; k < 5; k++) {
        int n = ns[k];
        int *sb = malloc((3 * n + 3) * sizeof(int)), *rb = malloc((3 * n + 3) * sizeof(int));
        MPI_Datatype vec;

        /* Contiguous MPI_Sendrecv. */
        for (int i = 0; i < n; i++)
            sb[i] = val(rank, k, i);
        for (int i = 0; i < n + 1; i++)
            rb[i] = GAP;
        MPI_Sendrecv(sb, n, MPI_INT, next, k, rb, n + 1, MPI_INT, prev, k, MPI_COMM_WORLD, &st);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == k, "MPI_Sendrecv %d: source %d tag %d", n,
              st.MPI_SOURCE, st.MPI_TAG);
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK(count == n, "MPI_Sendrecv: count %d, expected %d", count, n);
        for (int i = 0; i < n; i++)
            CHECK(rb[i] == val(prev, k, i), "MPI_Sendrecv %d: int %d is %d", n, i, rb[i]);
        CHECK(rb[n] == GAP, "MPI_Sendrecv %d: wrote past the message", n);

        /* n ints sent, received as a vector: blocks of 1 int every 3. */
        MPI_Type_vector(n ? n : 1, 1, 3, MPI_INT, &vec);
        MPI_Type_commit(&vec);
        for (int i = 0; i < 3 * n + 3; i++)
            rb[i] = GAP;
        MPI_Sendrecv(sb, n, MPI_INT, next, 100 + k, rb, n ? 1 : 0, vec, MPI_ANY_SOURCE,
                     MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        CHECK(st.MPI_SOURCE == prev && st.MPI_TAG == 100 + k, "MPI_Sendrecv to a vector: "
              "source %d tag %d", st.MPI_SOURCE, st.MPI_TAG);
        MPI_Get_elements(&st, MPI_INT, &count);
        CHECK(count == n, "MPI_Sendrecv to a vector: %d elements, expected %d", count, n);
        for (int i = 0; i < 3 * n + 3; i++)
            CHECK(rb[i] == (i % 3 == 0 && i / 3 < n ? val(prev, k, i / 3) : GAP),
                  "MPI_Sendrecv to a vector of %d: int %d is %d", n, i, rb[i]);

        /* MPI_Sendrecv_replace, contiguous. */
        for (int i = 0; i < n; i++)
            rb[i] = val(rank, k + 10, i);
        MPI_Sendrecv_replace(rb, n, MPI_INT, next, 200 + k, prev, 200 + k, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK(count == n && st.MPI_SOURCE == prev && st.MPI_TAG == 200 + k,
              "MPI_Sendrecv_replace %d: count %d source %d tag %d", n, count, st.MPI_SOURCE,
              st.MPI_TAG);
        for (int i = 0; i < n; i++)
            CHECK(rb[i] == val(prev, k + 10, i), "MPI_Sendrecv_replace %d: int %d is %d", n, i,
                  rb[i]);

        /* MPI_Sendrecv_replace with the vector type, wildcards on the receive: the
         * gaps between the blocks keep their values. */
        for (int i = 0; i < 3 * n + 3; i++)
            rb[i] = i % 3 == 0 && i / 3 < n ? val(rank, k + 20, i / 3) : GAP - i;
        MPI_Sendrecv_replace(rb, n ? 1 : 0, vec, next, 300 + k, MPI_ANY_SOURCE, MPI_ANY_TAG,
                             MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, vec, &count);
        CHECK(count == (n ? 1 : 0) && st.MPI_SOURCE == prev && st.MPI_TAG == 300 + k,
              "MPI_Sendrecv_replace of a vector of %d: count %d source %d tag %d", n, count,
              st.MPI_SOURCE, st.MPI_TAG);
        for (int i = 0; i < 3 * n + 3; i++)
            CHECK(rb[i] == (i % 3 == 0 && i / 3 < n ? val(prev, k + 20, i / 3) : GAP - i),
                  "MPI_Sendrecv_replace of a vector of %d: int %d is %d", n, i, rb[i]);

        MPI_Type_free(&vec);
        free(sb);
        free(rb);
    }

    /* Exchange with MPI_PROC_NULL on one side: the ends of a non-periodic chain. */
    {
        int v = rank, r = -1;
        int up = rank + 1 < size ? rank + 1 : MPI_PROC_NULL, down = rank > 0 ? rank - 1
                                                                              : MPI_PROC_NULL;
        MPI_Sendrecv(&v, 1, MPI_INT, up, 9, &r, 1, MPI_INT, down, 9, MPI_COMM_WORLD, &st);
        CHECK(st.MPI_SOURCE == down && r == (down == MPI_PROC_NULL ? -1 : down),
              "chain: source %d value %d", st.MPI_SOURCE, r);
    }

    MPI_Finalize();
    return 0;
}
