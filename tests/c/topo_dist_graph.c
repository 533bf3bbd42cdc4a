/* Distributed graphs: MPI_Dist_graph_create (edges given by other processes than
 * their ends, duplicated sources, weights), Dist_graph_create_adjacent with
 * MPI_UNWEIGHTED and MPI_WEIGHTS_EMPTY, Dist_graph_neighbors(_count), and the
 * neighbours agreeing with a neighbourhood exchange. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, size;
/* Through a volatile: GCC's -Wstringop-overread/-overflow take MPI_UNWEIGHTED, a
 * small constant address, for a too-short array passed as weights[]. */
static int *volatile unweighted = MPI_UNWEIGHTED;
static int *volatile weights_empty = MPI_WEIGHTS_EMPTY;

#include "check.h"

int main(int argc, char **argv)
{
    int in, out, weighted, st, srcs[64], sw[64], dsts[64], dw[64];
    MPI_Comm dg;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Rank 0 states every edge r -> (r+1)%size (weight 100+r) and r -> (r+2)%size
     * (weight 200+r), listing sources in reverse order, each source twice with one
     * edge each time; the others state nothing. */
    {
        int n = 0, sources[128], degrees[128], dests[128], weights[128];
        if (rank == 0)
            for (int r = size - 1; r >= 0; r--) {
                sources[n] = r;
                degrees[n] = 1;
                dests[n] = (r + 1) % size;
                weights[n++] = 100 + r;
                sources[n] = r;
                degrees[n] = 1;
                dests[n] = (r + 2) % size;
                weights[n++] = 200 + r;
            }
        MPI_Dist_graph_create(MPI_COMM_WORLD, n, sources, degrees, dests, weights,
                              MPI_INFO_NULL, 0, &dg);
        MPI_Topo_test(dg, &st);
        CHECK(st == MPI_DIST_GRAPH, "Topo_test gave %d, expected MPI_DIST_GRAPH", st);
        MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
        CHECK(in == 2 && out == 2 && weighted, "neighbors_count gave in %d out %d weighted %d, "
              "expected 2 2 1", in, out, weighted);
        MPI_Dist_graph_neighbors(dg, 64, srcs, sw, 64, dsts, dw);
        /* The edges' order follows rank 0's list: higher sources first, and +1
         * before +2 of one source. */
        {
            int e1 = 0, e2 = 0, s1 = (rank - 1 + size) % size, s2 = (rank - 2 + 2 * size) % size;
            for (int i = 0; i < 2; i++) {
                e1 += srcs[i] == s1 && sw[i] == 100 + s1;
                e2 += srcs[i] == s2 && sw[i] == 200 + s2;
            }
            CHECK(e1 == 1 && e2 == 1, "sources %d(w %d) %d(w %d), expected %d(w %d) and "
                  "%d(w %d)", srcs[0], sw[0], srcs[1], sw[1], s1, 100 + s1, s2, 200 + s2);
            CHECK(dsts[0] == (rank + 1) % size && dw[0] == 100 + rank &&
                  dsts[1] == (rank + 2) % size && dw[1] == 200 + rank,
                  "destinations %d(w %d) %d(w %d)", dsts[0], dw[0], dsts[1], dw[1]);
        }
        /* A neighbourhood exchange: what each source sent is its rank. */
        {
            int got[2] = { -1, -1 };
            MPI_Neighbor_allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, dg);
            for (int i = 0; i < 2; i++)
                CHECK(got[i] == srcs[i], "allgather slot %d: %d, expected source %d", i, got[i],
                      srcs[i]);
        }
        MPI_Comm_free(&dg);
    }

    /* Unweighted, asymmetric: rank 0 receives from everyone, sends to nobody; the
     * others send to 0 only. */
    {
        int n = 0, sources[1], degrees[1], dests[1];
        if (rank != 0) {
            sources[0] = rank;
            degrees[0] = 1;
            dests[0] = 0;
            n = 1;
        }
        MPI_Dist_graph_create(MPI_COMM_WORLD, n, sources, degrees, dests, unweighted,
                              MPI_INFO_NULL, 0, &dg);
        MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
        CHECK(in == (rank == 0 ? size - 1 : 0) && out == (rank == 0 ? 0 : 1) && !weighted,
              "fan-in: in %d out %d weighted %d", in, out, weighted);
        sw[0] = -5;
        MPI_Dist_graph_neighbors(dg, 64, srcs, unweighted, 64, dsts, unweighted);
        for (int i = 0; i < in; i++)
            CHECK(srcs[i] == i + 1, "fan-in source %d is %d, expected %d", i, srcs[i], i + 1);
        {
            int *got = malloc((size_t)size * sizeof(int));
            MPI_Neighbor_allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, dg);
            for (int i = 0; i < in; i++)
                CHECK(got[i] == i + 1, "fan-in allgather slot %d: %d", i, got[i]);
            free(got);
        }
        MPI_Comm_free(&dg);
    }

    /* Adjacent, weighted only on the way out: MPI_WEIGHTS_EMPTY for no sources. */
    {
        int dest = (rank + 1) % size, w = 9, got = -1;
        MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 0, srcs, weights_empty, 1, &dest, &w,
                                       MPI_INFO_NULL, 1, &dg);
        MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
        CHECK(in == 0 && out == 1 && weighted, "adjacent: in %d out %d weighted %d", in, out,
              weighted);
        MPI_Dist_graph_neighbors(dg, 0, srcs, sw, 1, dsts, dw);
        CHECK(dsts[0] == dest && dw[0] == 9, "adjacent: destination %d weight %d", dsts[0], dw[0]);
        /* No exchange on it: every process names destinations but no sources, so
         * the graph is not consistent (the standard makes communicating on such
         * a graph erroneous: its messages would never be received). */
        MPI_Comm_free(&dg);
        /* No edges, but weighted: MPI_WEIGHTS_EMPTY on both sides. */
        MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 0, srcs, weights_empty, 0, dsts,
                                       weights_empty, MPI_INFO_NULL, 0, &dg);
        MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
        CHECK(in == 0 && out == 0 && weighted, "empty weighted: in %d out %d weighted %d", in,
              out, weighted);
        MPI_Comm_free(&dg);
        /* And the matching receive side, unweighted. */
        {
            int src = (rank - 1 + size) % size;
            MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, &src, unweighted, 1, &dest,
                                           unweighted, MPI_INFO_NULL, 0, &dg);
            MPI_Dist_graph_neighbors_count(dg, &in, &out, &weighted);
            CHECK(in == 1 && out == 1 && !weighted, "ring: in %d out %d weighted %d", in, out,
                  weighted);
            MPI_Neighbor_alltoall(&rank, 1, MPI_INT, &got, 1, MPI_INT, dg);
            CHECK(got == src, "ring: %d arrived, expected %d", got, src);
            MPI_Comm_free(&dg);
        }
    }

    MPI_Finalize();
    return 0;
}
