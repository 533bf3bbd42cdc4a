/* Argument errors of the topology calls and the neighbourhood collectives under
 * MPI_ERRORS_RETURN: the error class, a message naming the call and the argument,
 * and no communicator made. */
#include <mpi.h>
#include <stdio.h>

static int rank, size;

#include "check.h"

int main(int argc, char **argv)
{
    int dims[3], periods[3] = { 0, 0, 0 }, coords[3], r, src, dst, a[8], b[8];
    int index[4], edges[8], counts[4] = { 1, 1, 1, 1 }, displs[4] = { 0, 1, 2, 3 };
    MPI_Comm c = MPI_COMM_NULL, cart, dup;
    MPI_Request req;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    /* Cart_create: bad ndims, dims, a grid larger than the group. */
    dims[0] = size;
    dims[1] = 1;
    CHECK_SAYS(MPI_Cart_create(MPI_COMM_WORLD, -1, dims, periods, 0, &c), MPI_ERR_DIMS,
               "MPI_Cart_create", "ndims,-1");
    dims[1] = -2;
    CHECK_SAYS(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &c), MPI_ERR_DIMS,
               "MPI_Cart_create", "dims[1],-2");
    dims[1] = 0;
    CHECK_SAYS(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &c), MPI_ERR_DIMS,
               "MPI_Cart_create", "dims[1]");
    dims[1] = 2;
    CHECK_SAYS(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &c), MPI_ERR_DIMS,
               "MPI_Cart_create", "more than");
    CHECK(c == MPI_COMM_NULL, "a failed Cart_create set comm_cart");
    CHECK_SAYS(MPI_Cart_create(MPI_COMM_NULL, 1, dims, periods, 0, &c), MPI_ERR_COMM,
               "MPI_Cart_create", "MPI_COMM_NULL");
    CHECK_SAYS(MPI_Cart_map(MPI_COMM_WORLD, 2, dims, periods, &r), MPI_ERR_DIMS,
               "MPI_Cart_map", "more than");

    /* Cart_* on communicators without a Cartesian topology. */
    CHECK_SAYS(MPI_Cart_shift(MPI_COMM_WORLD, 0, 1, &src, &dst), MPI_ERR_TOPOLOGY,
               "MPI_Cart_shift", "no topology,Cartesian");
    CHECK_SAYS(MPI_Cart_rank(MPI_COMM_WORLD, coords, &r), MPI_ERR_TOPOLOGY, "MPI_Cart_rank",
               "Cartesian");
    CHECK_SAYS(MPI_Cart_coords(MPI_COMM_WORLD, 0, 3, coords), MPI_ERR_TOPOLOGY,
               "MPI_Cart_coords", "Cartesian");
    CHECK_SAYS(MPI_Cartdim_get(MPI_COMM_SELF, &r), MPI_ERR_TOPOLOGY, "MPI_Cartdim_get",
               "Cartesian");
    CHECK_SAYS(MPI_Cart_get(MPI_COMM_WORLD, 3, dims, periods, coords), MPI_ERR_TOPOLOGY,
               "MPI_Cart_get", "Cartesian");
    CHECK_SAYS(MPI_Cart_sub(MPI_COMM_WORLD, periods, &c), MPI_ERR_TOPOLOGY, "MPI_Cart_sub",
               "Cartesian");
    CHECK_SAYS(MPI_Graphdims_get(MPI_COMM_WORLD, &r, &src), MPI_ERR_TOPOLOGY,
               "MPI_Graphdims_get", "graph");
    CHECK_SAYS(MPI_Dist_graph_neighbors_count(MPI_COMM_WORLD, &r, &src, &dst),
               MPI_ERR_TOPOLOGY, "MPI_Dist_graph_neighbors_count", "distributed graph");
    CHECK_SAYS(MPI_Cart_shift(MPI_COMM_NULL, 0, 1, &src, &dst), MPI_ERR_COMM,
               "MPI_Cart_shift", "MPI_COMM_NULL");

    /* A 1-D non-periodic grid over everyone, and a wrong query of it. */
    dims[0] = size;
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &cart);
    MPI_Comm_set_errhandler(cart, MPI_ERRORS_RETURN);
    coords[0] = size;
    CHECK_SAYS(MPI_Cart_rank(cart, coords, &r), MPI_ERR_ARG, "MPI_Cart_rank",
               "coords[0],non-periodic");
    coords[0] = -1;
    CHECK_SAYS(MPI_Cart_rank(cart, coords, &r), MPI_ERR_ARG, "MPI_Cart_rank", "coords[0],-1");
    CHECK_SAYS(MPI_Cart_shift(cart, 1, 1, &src, &dst), MPI_ERR_ARG, "MPI_Cart_shift",
               "direction,1");
    CHECK_SAYS(MPI_Cart_shift(cart, -1, 1, &src, &dst), MPI_ERR_ARG, "MPI_Cart_shift",
               "direction,-1");
    CHECK_SAYS(MPI_Cart_coords(cart, size, 1, coords), MPI_ERR_RANK, "MPI_Cart_coords",
               "rank");
    CHECK_SAYS(MPI_Cart_coords(cart, 0, 0, coords), MPI_ERR_ARG, "MPI_Cart_coords",
               "maxdims");
    CHECK_SAYS(MPI_Cart_get(cart, 0, dims, periods, coords), MPI_ERR_ARG, "MPI_Cart_get",
               "maxdims");
    CHECK_SAYS(MPI_Graph_neighbors_count(cart, 0, &r), MPI_ERR_TOPOLOGY,
               "MPI_Graph_neighbors_count", "a Cartesian topology,graph");
    /* The duplicate is Cartesian too: still no graph. */
    MPI_Comm_dup(cart, &dup);
    CHECK_SAYS(MPI_Graph_neighbors(dup, 0, 4, edges), MPI_ERR_TOPOLOGY, "MPI_Graph_neighbors",
               "Cartesian");
    MPI_Comm_free(&dup);

    /* Graph_create: bad nnodes, index, edges. */
    index[0] = 1;
    index[1] = 2;
    edges[0] = 1;
    edges[1] = 0;
    CHECK_SAYS(MPI_Graph_create(MPI_COMM_WORLD, size + 1, index, edges, 0, &c), MPI_ERR_ARG,
               "MPI_Graph_create", "nnodes");
    CHECK_SAYS(MPI_Graph_create(MPI_COMM_WORLD, -1, index, edges, 0, &c), MPI_ERR_ARG,
               "MPI_Graph_create", "nnodes,-1");
    index[0] = -1;
    CHECK_SAYS(MPI_Graph_create(MPI_COMM_WORLD, 1, index, edges, 0, &c), MPI_ERR_ARG,
               "MPI_Graph_create", "index[0],-1");
    index[0] = 1;
    edges[0] = 1;
    CHECK_SAYS(MPI_Graph_create(MPI_COMM_WORLD, 1, index, edges, 0, &c), MPI_ERR_RANK,
               "MPI_Graph_create", "edges[0],1");
    edges[0] = -3;
    CHECK_SAYS(MPI_Graph_map(MPI_COMM_WORLD, 1, index, edges, &r), MPI_ERR_RANK,
               "MPI_Graph_map", "edges[0],-3");

    /* Dist graphs: ranks out of range, negative degrees and weights. */
    src = size;
    dst = 0;
    r = 1;
    CHECK_SAYS(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, &src, &r, 1, &dst, &r,
                                              MPI_INFO_NULL, 0, &c),
               MPI_ERR_RANK, "MPI_Dist_graph_create_adjacent", "sources[0]");
    src = 0;
    dst = -1;
    CHECK_SAYS(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, &src, &r, 1, &dst, &r,
                                              MPI_INFO_NULL, 0, &c),
               MPI_ERR_RANK, "MPI_Dist_graph_create_adjacent", "destinations[0],-1");
    CHECK_SAYS(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, -1, &src, &r, 1, &dst, &r,
                                              MPI_INFO_NULL, 0, &c),
               MPI_ERR_ARG, "MPI_Dist_graph_create_adjacent", "indegree,-1");
    dst = 0;
    r = -4;
    CHECK_SAYS(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, &src, &r, 1, &dst, &r,
                                              MPI_INFO_NULL, 0, &c),
               MPI_ERR_ARG, "MPI_Dist_graph_create_adjacent", "sourceweights[0],-4");
    r = 1;
    dst = size + 2;
    CHECK_SAYS(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, &src, &r, &dst, &r, MPI_INFO_NULL, 0,
                                     &c),
               MPI_ERR_RANK, "MPI_Dist_graph_create", "destinations[0]");
    r = -1;
    CHECK_SAYS(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, &src, &r, &dst, &r, MPI_INFO_NULL, 0,
                                     &c),
               MPI_ERR_ARG, "MPI_Dist_graph_create", "degrees[0],-1");
    r = 1;
    dst = 0;
    {
        /* Not an info: the address of zeroed memory. */
        static long long not_info[8];
        CHECK_SAYS(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, &src, &r, 1, &dst, &r,
                                                  (MPI_Info)(void *)not_info, 0, &c),
                   MPI_ERR_INFO, "MPI_Dist_graph_create_adjacent", "info");
        CHECK_SAYS(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, &src, &r, &dst, &r,
                                         (MPI_Info)(void *)not_info, 0, &c),
                   MPI_ERR_INFO, "MPI_Dist_graph_create", "info");
    }
    CHECK(c == MPI_COMM_NULL, "a failed topology constructor set its communicator");

    /* Neighbourhood collectives: no topology, MPI_IN_PLACE, negative counts. */
    CHECK_SAYS(MPI_Neighbor_allgather(a, 1, MPI_INT, b, 1, MPI_INT, MPI_COMM_WORLD),
               MPI_ERR_TOPOLOGY, "MPI_Neighbor_allgather", "no process topology");
    CHECK_SAYS(MPI_Neighbor_alltoallv(a, counts, displs, MPI_INT, b, counts, displs, MPI_INT,
                                      MPI_COMM_SELF),
               MPI_ERR_TOPOLOGY, "MPI_Neighbor_alltoallv", "topology");
    CHECK_SAYS(MPI_Neighbor_alltoall(MPI_IN_PLACE, 1, MPI_INT, b, 1, MPI_INT, cart),
               MPI_ERR_BUFFER, "MPI_Neighbor_alltoall", "MPI_IN_PLACE");
    CHECK_SAYS(MPI_Neighbor_alltoall(a, -1, MPI_INT, b, 1, MPI_INT, cart), MPI_ERR_COUNT,
               "MPI_Neighbor_alltoall", "send count,-1");
    counts[1] = -2;
    CHECK_SAYS(MPI_Neighbor_allgatherv(a, 1, MPI_INT, b, counts, displs, MPI_INT, cart),
               MPI_ERR_COUNT, "MPI_Neighbor_allgatherv", "recvcounts[1],-2");
    counts[1] = 1;
    CHECK_SAYS(MPI_Neighbor_allgather(a, 1, MPI_DATATYPE_NULL, b, 1, MPI_INT, cart),
               MPI_ERR_TYPE, "MPI_Neighbor_allgather", "send datatype");
    CHECK_SAYS(MPI_Ineighbor_allgather(a, 1, MPI_INT, b, 1, MPI_INT, cart, NULL), MPI_ERR_ARG,
               "MPI_Ineighbor_allgather", "request");
    {
        MPI_Aint ad[2] = { 0, 4 };
        MPI_Datatype types[2] = { MPI_INT, MPI_INT }, bad[2] = { MPI_INT, MPI_DATATYPE_NULL };
        CHECK_SAYS(MPI_Neighbor_alltoallw(a, counts, NULL, types, b, counts, ad, types, cart),
                   MPI_ERR_ARG, "MPI_Neighbor_alltoallw", "sdispls is NULL");
        CHECK_SAYS(MPI_Neighbor_alltoallw(a, counts, ad, types, b, counts, ad, NULL, cart),
                   MPI_ERR_ARG, "MPI_Neighbor_alltoallw", "recvtypes is NULL");
        CHECK_SAYS(MPI_Ineighbor_alltoallw(a, counts, ad, types, b, counts, ad, bad, cart, &req),
                   MPI_ERR_TYPE, "MPI_Ineighbor_alltoallw", "receive datatype");
        counts[0] = -1;
        CHECK_SAYS(MPI_Neighbor_alltoallv(a, counts, displs, MPI_INT, b, counts, displs,
                                          MPI_INT, cart),
                   MPI_ERR_COUNT, "MPI_Neighbor_alltoallv", "sendcounts[0],-1");
        counts[0] = 1;
    }

    /* The grid still works after all that. */
    {
        int got[2] = { -1, -1 }, s, d;
        MPI_Cart_shift(cart, 0, 1, &s, &d);
        CHECK(MPI_Neighbor_allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, cart) == MPI_SUCCESS,
              "Neighbor_allgather failed after the errors");
        CHECK(got[0] == (s == MPI_PROC_NULL ? -1 : s) && got[1] == (d == MPI_PROC_NULL ? -1 : d),
              "Neighbor_allgather after the errors: %d %d", got[0], got[1]);
    }
    MPI_Comm_free(&cart);
    MPI_Finalize();
    return 0;
}
