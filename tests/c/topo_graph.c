/* Graph topologies: MPI_Graph_create (all processes, fewer, none), Graphdims_get,
 * Graph_get, Graph_neighbors(_count) of every node, Graph_map, Topo_test, the
 * topology going with MPI_Comm_dup, and neighbours that agree with messages. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, size;

#include "check.h"

int main(int argc, char **argv)
{
    int n, nn, ne, st, r, *index, *edges, *gi, *ge, nb[64];
    MPI_Comm g, dup;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* A star over the first n = size-1 processes (all of them at 1 rank): node 0
     * is linked to every other node, each other node to 0 and, once more, to
     * itself when it is odd. */
    n = size > 1 ? size - 1 : 1;
    index = malloc((size_t)n * sizeof(int));
    edges = malloc(4 * (size_t)n * sizeof(int));
    ne = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0) {
            for (int j = 1; j < n; j++)
                edges[ne++] = j;
        } else {
            edges[ne++] = 0;
            if (i % 2)
                edges[ne++] = i;
        }
        index[i] = ne;
    }
    MPI_Graph_create(MPI_COMM_WORLD, n, index, edges, 0, &g);
    MPI_Graph_map(MPI_COMM_WORLD, n, index, edges, &r);
    CHECK(r == (rank < n ? rank : MPI_UNDEFINED), "Graph_map gave %d", r);
    if (rank >= n) {
        CHECK(g == MPI_COMM_NULL, "Graph_create of %d nodes gave rank %d a communicator", n, rank);
    } else {
        MPI_Topo_test(g, &st);
        CHECK(st == MPI_GRAPH, "Topo_test gave %d, expected MPI_GRAPH", st);
        MPI_Comm_size(g, &r);
        CHECK(r == n, "graph communicator has %d processes, expected %d", r, n);
        MPI_Graphdims_get(g, &nn, &r);
        CHECK(nn == n && r == ne, "Graphdims_get gave %d nodes %d edges, expected %d %d", nn, r,
              n, ne);
        gi = malloc((size_t)n * sizeof(int));
        ge = malloc((size_t)(ne + 1) * sizeof(int));
        MPI_Graph_get(g, n, ne, gi, ge);
        for (int i = 0; i < n; i++)
            CHECK(gi[i] == index[i], "Graph_get index[%d] = %d, expected %d", i, gi[i], index[i]);
        for (int e = 0; e < ne; e++)
            CHECK(ge[e] == edges[e], "Graph_get edges[%d] = %d, expected %d", e, ge[e], edges[e]);
        for (int i = 0; i < n; i++) {
            int first = i ? index[i - 1] : 0;
            MPI_Graph_neighbors_count(g, i, &nn);
            CHECK(nn == index[i] - first, "Graph_neighbors_count(%d) = %d, expected %d", i, nn,
                  index[i] - first);
            MPI_Graph_neighbors(g, i, 64, nb);
            for (int k = 0; k < nn; k++)
                CHECK(nb[k] == edges[first + k], "Graph_neighbors(%d)[%d] = %d, expected %d", i,
                      k, nb[k], edges[first + k]);
        }
        /* The neighbours hear from each other: one message per edge, each way. */
        {
            int first = rank ? index[rank - 1] : 0, cnt = index[rank] - first, got[64];
            MPI_Request reqs[128];
            for (int k = 0; k < cnt; k++) {
                MPI_Irecv(&got[k], 1, MPI_INT, edges[first + k], 3, g, &reqs[k]);
                MPI_Isend(&rank, 1, MPI_INT, edges[first + k], 3, g, &reqs[cnt + k]);
            }
            MPI_Waitall(2 * cnt, reqs, MPI_STATUSES_IGNORE);
            for (int k = 0; k < cnt; k++)
                CHECK(got[k] == edges[first + k], "from graph neighbour %d came %d",
                      edges[first + k], got[k]);
        }
        MPI_Comm_dup(g, &dup);
        MPI_Topo_test(dup, &st);
        MPI_Graphdims_get(dup, &nn, &r);
        CHECK(st == MPI_GRAPH && nn == n && r == ne, "dup of a graph: topology %d, %d nodes, %d "
              "edges", st, nn, r);
        MPI_Comm_free(&dup);
        free(gi);
        free(ge);
        MPI_Comm_free(&g);
    }

    /* No node: MPI_COMM_NULL everywhere. */
    MPI_Graph_create(MPI_COMM_WORLD, 0, NULL, NULL, 0, &g);
    CHECK(g == MPI_COMM_NULL, "Graph_create of 0 nodes gave a communicator");

    free(index);
    free(edges);
    MPI_Finalize();
    return 0;
}
