/* Process topology entry points: Cartesian grids, graphs, distributed graphs. */
#include "api/bt_api.h"

#include <limits.h>
#include <string.h>

int PMPI_Topo_test(MPI_Comm h, int *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Topo_test");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Topo_test", h, &comm)) != MPI_SUCCESS)
        return rc;
    if (!status)
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Topo_test", "status is NULL");
    *status = comm->topo ? comm->topo->kind : MPI_UNDEFINED;
    return MPI_SUCCESS;
}

#define BT_TOPO_PTR(comm, call, p, name) \
    do { if (bt_unlikely(!(p))) return bt_err_comm(comm, MPI_ERR_ARG, call, name " is NULL"); } while (0)

static const char *bt_topo_kind_name(int kind)
{
    switch (kind) {
    case MPI_CART:       return "a Cartesian";
    case MPI_GRAPH:      return "a graph";
    case MPI_DIST_GRAPH: return "a distributed graph";
    default:             return "no";
    }
}

/* comm must be a communicator with a topology of this kind. */
static int bt_topo_comm(const char *call, MPI_Comm h, int kind, bt_comm_t **comm_p)
{
    int rc;

    if ((rc = bt_check_comm(call, h, comm_p)) != MPI_SUCCESS)
        return rc;
    if (!(*comm_p)->topo || (*comm_p)->topo->kind != kind)
        return bt_err_comm(*comm_p, MPI_ERR_TOPOLOGY, call, "comm has %s topology, "
                           "expected %s one",
                           bt_topo_kind_name((*comm_p)->topo ? (*comm_p)->topo->kind : -1),
                           bt_topo_kind_name(kind));
    return MPI_SUCCESS;
}

static int bt_topo_rank_arg(const char *call, bt_comm_t *comm, int rank)
{
    if (rank < 0 || rank >= comm->size)
        return bt_err_comm(comm, MPI_ERR_RANK, call, "rank is %d, the communicator has %d rank%s",
                           rank, comm->size, comm->size == 1 ? "" : "s");
    return MPI_SUCCESS;
}

/* ---- Cartesian ------------------------------------------------------------------- */

/* ndims, dims and periods of a grid that must fit in comm; its size in *n_p. */
static int bt_cart_check(const char *call, bt_comm_t *comm, int ndims, const int dims[],
                         const int periods[], int *n_p)
{
    long long n = 1;

    if (ndims < 0)
        return bt_err_comm(comm, MPI_ERR_DIMS, call, "ndims is %d, must be non-negative", ndims);
    if (ndims > 0)
        BT_TOPO_PTR(comm, call, dims, "dims");
    if (ndims > 0)
        BT_TOPO_PTR(comm, call, periods, "periods");
    for (int d = 0; d < ndims; d++) {
        if (dims[d] <= 0)
            return bt_err_comm(comm, MPI_ERR_DIMS, call, "dims[%d] is %d, must be positive", d,
                               dims[d]);
        n *= dims[d];
        if (n > comm->size)
            return bt_err_comm(comm, MPI_ERR_DIMS, call, "the grid's dims have %s%lld processes, "
                               "more than the communicator's %d", d + 1 < ndims ? "at least " : "",
                               n, comm->size);
    }
    *n_p = (int)n;
    return MPI_SUCCESS;
}

int PMPI_Cart_create(MPI_Comm h, int ndims, const int dims[], const int periods[], int reorder,
                     MPI_Comm *comm_cart)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cart_create");
    bt_comm_t *comm = NULL, *c = NULL;
    int rc, n;

    if ((rc = bt_check_comm("MPI_Cart_create", h, &comm)) ||
        (rc = bt_cart_check("MPI_Cart_create", comm, ndims, dims, periods, &n)))
        return rc;
    BT_TOPO_PTR(comm, "MPI_Cart_create", comm_cart, "comm_cart");
    if ((rc = bt_comm_cart_create(comm, ndims, dims, periods, reorder, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, "MPI_Cart_create");
    *comm_cart = c ? c->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Cart_map(MPI_Comm h, int ndims, const int dims[], const int periods[], int *newrank)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cart_map");
    bt_comm_t *comm = NULL;
    int rc, n;

    if ((rc = bt_check_comm("MPI_Cart_map", h, &comm)) ||
        (rc = bt_cart_check("MPI_Cart_map", comm, ndims, dims, periods, &n)))
        return rc;
    BT_TOPO_PTR(comm, "MPI_Cart_map", newrank, "newrank");
    /* The placement MPI_Cart_create makes with reorder. */
    *newrank = bt_comm_cart_map(comm, ndims, dims, periods);
    return MPI_SUCCESS;
}

int PMPI_Cartdim_get(MPI_Comm h, int *ndims)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cartdim_get");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_topo_comm("MPI_Cartdim_get", h, MPI_CART, &comm)))
        return rc;
    BT_TOPO_PTR(comm, "MPI_Cartdim_get", ndims, "ndims");
    *ndims = comm->topo->ndims;
    return MPI_SUCCESS;
}

static int bt_topo_maxdims(const char *call, bt_comm_t *comm, int maxdims, const char *what)
{
    if (maxdims < comm->topo->ndims)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is %d, the grid has %d dimension%s", what,
                           maxdims, comm->topo->ndims, comm->topo->ndims == 1 ? "" : "s");
    return MPI_SUCCESS;
}

int PMPI_Cart_get(MPI_Comm h, int maxdims, int dims[], int periods[], int coords[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cart_get");
    bt_comm_t *comm = NULL;
    const bt_topo_t *t;
    int rc;

    if ((rc = bt_topo_comm("MPI_Cart_get", h, MPI_CART, &comm)) ||
        (rc = bt_topo_maxdims("MPI_Cart_get", comm, maxdims, "maxdims")))
        return rc;
    t = comm->topo;
    if (t->ndims > 0) {
        BT_TOPO_PTR(comm, "MPI_Cart_get", dims, "dims");
        BT_TOPO_PTR(comm, "MPI_Cart_get", periods, "periods");
        BT_TOPO_PTR(comm, "MPI_Cart_get", coords, "coords");
        for (int d = 0; d < t->ndims; d++) {
            dims[d] = t->dims[d];
            periods[d] = t->periods[d];
        }
        bt_topo_cart_coords(t, comm->rank, coords);
    }
    return MPI_SUCCESS;
}

int PMPI_Cart_rank(MPI_Comm h, const int coords[], int *rank)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cart_rank");
    bt_comm_t *comm = NULL;
    int rc, r;

    if ((rc = bt_topo_comm("MPI_Cart_rank", h, MPI_CART, &comm)))
        return rc;
    if (comm->topo->ndims > 0)
        BT_TOPO_PTR(comm, "MPI_Cart_rank", coords, "coords");
    BT_TOPO_PTR(comm, "MPI_Cart_rank", rank, "rank");
    if ((r = bt_topo_cart_rank(comm->topo, coords)) < 0) {
        int d = -1 - r;
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Cart_rank", "coords[%d] is %d, outside 0..%d "
                           "of a non-periodic dimension", d, coords[d], comm->topo->dims[d] - 1);
    }
    *rank = r;
    return MPI_SUCCESS;
}

int PMPI_Cart_coords(MPI_Comm h, int rank, int maxdims, int coords[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cart_coords");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_topo_comm("MPI_Cart_coords", h, MPI_CART, &comm)) ||
        (rc = bt_topo_rank_arg("MPI_Cart_coords", comm, rank)) ||
        (rc = bt_topo_maxdims("MPI_Cart_coords", comm, maxdims, "maxdims")))
        return rc;
    if (comm->topo->ndims > 0) {
        BT_TOPO_PTR(comm, "MPI_Cart_coords", coords, "coords");
        bt_topo_cart_coords(comm->topo, rank, coords);
    }
    return MPI_SUCCESS;
}

int PMPI_Cart_shift(MPI_Comm h, int direction, int disp, int *rank_source, int *rank_dest)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cart_shift");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_topo_comm("MPI_Cart_shift", h, MPI_CART, &comm)))
        return rc;
    if (direction < 0 || direction >= comm->topo->ndims)
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Cart_shift", "direction is %d, the grid has "
                           "%d dimension%s", direction, comm->topo->ndims,
                           comm->topo->ndims == 1 ? "" : "s");
    BT_TOPO_PTR(comm, "MPI_Cart_shift", rank_source, "rank_source");
    BT_TOPO_PTR(comm, "MPI_Cart_shift", rank_dest, "rank_dest");
    bt_topo_cart_shift(comm->topo, comm->rank, direction, disp, rank_source, rank_dest);
    return MPI_SUCCESS;
}

int PMPI_Cart_sub(MPI_Comm h, const int remain_dims[], MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Cart_sub");
    bt_comm_t *comm = NULL, *c = NULL;
    int rc;

    if ((rc = bt_topo_comm("MPI_Cart_sub", h, MPI_CART, &comm)))
        return rc;
    if (comm->topo->ndims > 0)
        BT_TOPO_PTR(comm, "MPI_Cart_sub", remain_dims, "remain_dims");
    BT_TOPO_PTR(comm, "MPI_Cart_sub", newcomm, "newcomm");
    if ((rc = bt_comm_cart_sub(comm, remain_dims, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, "MPI_Cart_sub");
    *newcomm = c->handle;
    return MPI_SUCCESS;
}

/* The standard's balanced factorization: the free entries (0) of dims get factors
 * of m as close to each other as possible, in non-increasing order. Searched
 * exhaustively over non-increasing sequences of divisors (div[], descending),
 * keeping the one whose largest and smallest differ least. */
typedef struct {
    const int *div;
    int        ndiv;
    int       *cur, *best;
    int        spread;
} bt_dims_t;

static void bt_dims_search(bt_dims_t *s, int m, int k, int from, int depth)
{
    if (k == 0) {
        if (m == 1 && (depth == 0 || s->cur[0] - s->cur[depth - 1] < s->spread)) {
            s->spread = depth ? s->cur[0] - s->cur[depth - 1] : 0;
            memcpy(s->best, s->cur, (size_t)depth * sizeof(int));
        }
        return;
    }
    /* The next factor f is at most the last one and f^k >= m, so that the rest,
     * each at most f, can still make m. */
    for (int i = from; i < s->ndiv; i++) {
        int f = s->div[i];
        long long pw = 1;
        int fits = m == 1;
        if (m % f)
            continue;
        for (int j = 0; j < k && !fits; j++)
            fits = (pw *= f) >= m;
        if (!fits)
            break;   /* smaller factors fit even less */
        if (depth > 0 && s->cur[0] - f >= s->spread)
            break;   /* smaller factors only spread more */
        s->cur[depth] = f;
        bt_dims_search(s, m / f, k - 1, i, depth + 1);
    }
}

/* Divisors of m, largest first. */
static int *bt_divisors(int m, int *n_p)
{
    int n = 0, cap = 64, *d = bt_malloc((size_t)cap * sizeof(int));

    for (int f = 1; (long long)f * f <= m; f++) {
        if (m % f)
            continue;
        if (n + 2 > cap)
            d = bt_realloc(d, (size_t)(cap *= 2) * sizeof(int));
        d[n++] = f;
        if (f != m / f)
            d[n++] = m / f;
    }
    /* f ascending, m / f descending, interleaved: sort descending (insertion is
     * enough for the few divisors an int has). */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && d[j] > d[j - 1]; j--) {
            int t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    *n_p = n;
    return d;
}

int PMPI_Dims_create(int nnodes, int ndims, int dims[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Dims_create");
    long long fixed = 1;
    int nfree = 0;
    bt_dims_t s;

    if (nnodes <= 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Dims_create", "nnodes is %d, must be "
                           "positive", nnodes);
    if (ndims < 0)
        return bt_err_comm(NULL, MPI_ERR_DIMS, "MPI_Dims_create", "ndims is %d, must be "
                           "non-negative", ndims);
    if (ndims > 0 && !dims)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Dims_create", "dims is NULL");
    for (int d = 0; d < ndims; d++) {
        if (dims[d] < 0)
            return bt_err_comm(NULL, MPI_ERR_DIMS, "MPI_Dims_create", "dims[%d] is %d, must be "
                               "non-negative", d, dims[d]);
        if (dims[d] == 0)
            nfree++;
        else if ((fixed *= dims[d]) > nnodes)
            fixed = (long long)nnodes + 1;   /* cannot divide: no overflow either */
    }
    /* No dimension at all has nothing to fill in: success, as other MPIs answer. */
    if (ndims > 0 && fixed > nnodes)
        return bt_err_comm(NULL, MPI_ERR_DIMS, "MPI_Dims_create", "the dims given multiply to "
                           "more than nnodes %d", nnodes);
    if (ndims > 0 && (nnodes % fixed != 0 || (nfree == 0 && fixed != nnodes)))
        return bt_err_comm(NULL, MPI_ERR_DIMS, "MPI_Dims_create", "nnodes %d is not a multiple "
                           "of %lld, the product of the dims given", nnodes, fixed);
    if (nfree == 0)
        return MPI_SUCCESS;
    s.div = bt_divisors(nnodes / (int)fixed, &s.ndiv);
    s.cur = bt_malloc((size_t)nfree * sizeof(int));
    s.best = bt_malloc((size_t)nfree * sizeof(int));
    s.spread = INT_MAX;
    bt_dims_search(&s, nnodes / (int)fixed, nfree, 0, 0);
    for (int d = 0, k = 0; d < ndims; d++)
        if (dims[d] == 0)
            dims[d] = s.best[k++];
    free((void *)s.div);
    free(s.cur);
    free(s.best);
    return MPI_SUCCESS;
}

/* ---- graphs ---------------------------------------------------------------------- */

/* index[] non-decreasing from 0, edges[] nodes of the graph. */
static int bt_graph_check(const char *call, bt_comm_t *comm, int nnodes, const int index[],
                          const int edges[])
{
    if (nnodes < 0 || nnodes > comm->size)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "nnodes is %d, must be between 0 and the "
                           "communicator's size %d", nnodes, comm->size);
    if (nnodes == 0)
        return MPI_SUCCESS;
    BT_TOPO_PTR(comm, call, index, "index");
    for (int i = 0; i < nnodes; i++)
        if (index[i] < (i ? index[i - 1] : 0))
            return bt_err_comm(comm, MPI_ERR_ARG, call, "index[%d] is %d, less than %s (%d): "
                               "index must not decrease", i, index[i],
                               i ? "the entry before" : "0", i ? index[i - 1] : 0);
    if (index[nnodes - 1] > 0)
        BT_TOPO_PTR(comm, call, edges, "edges");
    for (int e = 0; e < index[nnodes - 1]; e++)
        if (edges[e] < 0 || edges[e] >= nnodes)
            return bt_err_comm(comm, MPI_ERR_RANK, call, "edges[%d] is %d, not a node of the "
                               "graph (0..%d)", e, edges[e], nnodes - 1);
    return MPI_SUCCESS;
}

int PMPI_Graph_create(MPI_Comm h, int nnodes, const int index[], const int edges[], int reorder,
                      MPI_Comm *comm_graph)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Graph_create");
    bt_comm_t *comm = NULL, *c = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Graph_create", h, &comm)) ||
        (rc = bt_graph_check("MPI_Graph_create", comm, nnodes, index, edges)))
        return rc;
    BT_TOPO_PTR(comm, "MPI_Graph_create", comm_graph, "comm_graph");
    if ((rc = bt_comm_graph_create(comm, nnodes, index, edges, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, "MPI_Graph_create");
    *comm_graph = c ? c->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Graph_map(MPI_Comm h, int nnodes, const int index[], const int edges[], int *newrank)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Graph_map");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Graph_map", h, &comm)) ||
        (rc = bt_graph_check("MPI_Graph_map", comm, nnodes, index, edges)))
        return rc;
    BT_TOPO_PTR(comm, "MPI_Graph_map", newrank, "newrank");
    *newrank = comm->rank < nnodes ? comm->rank : MPI_UNDEFINED;
    return MPI_SUCCESS;
}

int PMPI_Graphdims_get(MPI_Comm h, int *nnodes, int *nedges)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Graphdims_get");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_topo_comm("MPI_Graphdims_get", h, MPI_GRAPH, &comm)))
        return rc;
    BT_TOPO_PTR(comm, "MPI_Graphdims_get", nnodes, "nnodes");
    BT_TOPO_PTR(comm, "MPI_Graphdims_get", nedges, "nedges");
    *nnodes = comm->topo->nnodes;
    *nedges = comm->topo->index[comm->topo->nnodes - 1];
    return MPI_SUCCESS;
}

int PMPI_Graph_get(MPI_Comm h, int maxindex, int maxedges, int index[], int edges[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Graph_get");
    bt_comm_t *comm = NULL;
    const bt_topo_t *t;
    int rc, nedges;

    if ((rc = bt_topo_comm("MPI_Graph_get", h, MPI_GRAPH, &comm)))
        return rc;
    t = comm->topo;
    nedges = t->index[t->nnodes - 1];
    if (maxindex < 0 || maxedges < 0)
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Graph_get", "%s is %d, must be non-negative",
                           maxindex < 0 ? "maxindex" : "maxedges",
                           maxindex < 0 ? maxindex : maxedges);
    if (maxindex > 0)
        BT_TOPO_PTR(comm, "MPI_Graph_get", index, "index");
    if (maxedges > 0)
        BT_TOPO_PTR(comm, "MPI_Graph_get", edges, "edges");
    /* As much as the arrays hold. */
    for (int i = 0; i < BT_MIN(maxindex, t->nnodes); i++)
        index[i] = t->index[i];
    for (int e = 0; e < BT_MIN(maxedges, nedges); e++)
        edges[e] = t->edges[e];
    return MPI_SUCCESS;
}

int PMPI_Graph_neighbors_count(MPI_Comm h, int rank, int *nneighbors)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Graph_neighbors_count");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_topo_comm("MPI_Graph_neighbors_count", h, MPI_GRAPH, &comm)) ||
        (rc = bt_topo_rank_arg("MPI_Graph_neighbors_count", comm, rank)))
        return rc;
    BT_TOPO_PTR(comm, "MPI_Graph_neighbors_count", nneighbors, "nneighbors");
    *nneighbors = comm->topo->index[rank] - (rank ? comm->topo->index[rank - 1] : 0);
    return MPI_SUCCESS;
}

int PMPI_Graph_neighbors(MPI_Comm h, int rank, int maxneighbors, int neighbors[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Graph_neighbors");
    bt_comm_t *comm = NULL;
    int rc, first, n;

    if ((rc = bt_topo_comm("MPI_Graph_neighbors", h, MPI_GRAPH, &comm)) ||
        (rc = bt_topo_rank_arg("MPI_Graph_neighbors", comm, rank)))
        return rc;
    if (maxneighbors < 0)
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Graph_neighbors", "maxneighbors is %d, must "
                           "be non-negative", maxneighbors);
    if (maxneighbors > 0)
        BT_TOPO_PTR(comm, "MPI_Graph_neighbors", neighbors, "neighbors");
    first = rank ? comm->topo->index[rank - 1] : 0;
    n = BT_MIN(maxneighbors, comm->topo->index[rank] - first);
    for (int i = 0; i < n; i++)
        neighbors[i] = comm->topo->edges[first + i];
    return MPI_SUCCESS;
}

/* ---- distributed graphs ------------------------------------------------------------ */

/* n ranks of comm at ranks[] and their weights (MPI_UNWEIGHTED: none; with n == 0
 * also MPI_WEIGHTS_EMPTY or NULL). wwhat NULL: no weights go with these ranks. */
static int bt_dist_check(const char *call, bt_comm_t *comm, int n, const int ranks[],
                         const int weights[], const char *what, const char *wwhat)
{
    for (int i = 0; i < n; i++) {
        if (!ranks)
            return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is NULL", what);
        if (ranks[i] < 0 || ranks[i] >= comm->size)
            return bt_err_comm(comm, MPI_ERR_RANK, call, "%s[%d] is %d, the communicator has %d "
                               "rank%s", what, i, ranks[i], comm->size, comm->size == 1 ? "" : "s");
        if (!wwhat || weights == MPI_UNWEIGHTED)
            continue;
        if (!weights || weights == MPI_WEIGHTS_EMPTY)
            return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is %s but there are %d edges", wwhat,
                               weights ? "MPI_WEIGHTS_EMPTY" : "NULL", n);
        if (weights[i] < 0)
            return bt_err_comm(comm, MPI_ERR_ARG, call, "%s[%d] is %d, must be non-negative",
                               wwhat, i, weights[i]);
    }
    return MPI_SUCCESS;
}

int PMPI_Dist_graph_create_adjacent(MPI_Comm h, int indegree, const int sources[],
                                    const int sourceweights[], int outdegree,
                                    const int destinations[], const int destweights[],
                                    MPI_Info info, int reorder, MPI_Comm *comm_dist_graph)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Dist_graph_create_adjacent");
    const char *call = "MPI_Dist_graph_create_adjacent";
    bt_comm_t *comm = NULL, *c = NULL;
    struct bt_info *hints;
    int rc, weighted;

    if ((rc = bt_check_comm(call, h, &comm)) || (rc = bt_check_info(call, comm, info, &hints)))
        return rc;
    if (indegree < 0 || outdegree < 0)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is %d, must be non-negative",
                           indegree < 0 ? "indegree" : "outdegree",
                           indegree < 0 ? indegree : outdegree);
    if ((rc = bt_dist_check(call, comm, indegree, sources, sourceweights, "sources",
                            "sourceweights")) ||
        (rc = bt_dist_check(call, comm, outdegree, destinations, destweights, "destinations",
                            "destweights")))
        return rc;
    BT_TOPO_PTR(comm, call, comm_dist_graph, "comm_dist_graph");
    /* Info hints (none is defined for topologies) and reorder are accepted; the ranks
     * stay as they are. */
    weighted = sourceweights != MPI_UNWEIGHTED && destweights != MPI_UNWEIGHTED;
    rc = bt_comm_dist_graph_create_adjacent(comm, indegree, sources, sourceweights, outdegree,
                                            destinations, destweights, weighted, &c);
    if (rc != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, call);
    *comm_dist_graph = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Dist_graph_create(MPI_Comm h, int n, const int sources[], const int degrees[],
                           const int destinations[], const int weights[], MPI_Info info,
                           int reorder, MPI_Comm *comm_dist_graph)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Dist_graph_create");
    const char *call = "MPI_Dist_graph_create";
    bt_comm_t *comm = NULL, *c = NULL;
    struct bt_info *hints;
    long long nedges = 0;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) || (rc = bt_check_info(call, comm, info, &hints)))
        return rc;
    if (n < 0)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "n is %d, must be non-negative", n);
    if (n > 0)
        BT_TOPO_PTR(comm, call, degrees, "degrees");
    for (int i = 0; i < n; i++) {
        if (degrees[i] < 0)
            return bt_err_comm(comm, MPI_ERR_ARG, call, "degrees[%d] is %d, must be "
                               "non-negative", i, degrees[i]);
        if ((nedges += degrees[i]) > INT_MAX / 3)
            return bt_err_comm(comm, MPI_ERR_ARG, call, "the degrees add up to more than %d "
                               "edges", INT_MAX / 3);
    }
    if ((rc = bt_dist_check(call, comm, n, sources, NULL, "sources", NULL)) ||
        (rc = bt_dist_check(call, comm, (int)nedges, destinations, weights, "destinations",
                            "weights")))
        return rc;
    BT_TOPO_PTR(comm, call, comm_dist_graph, "comm_dist_graph");
    rc = bt_comm_dist_graph_create(comm, n, sources, degrees, destinations,
                                   weights == MPI_UNWEIGHTED ? NULL : weights, &c);
    if (rc != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, call);
    *comm_dist_graph = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Dist_graph_neighbors_count(MPI_Comm h, int *indegree, int *outdegree, int *weighted)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Dist_graph_neighbors_count");
    const char *call = "MPI_Dist_graph_neighbors_count";
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_topo_comm(call, h, MPI_DIST_GRAPH, &comm)))
        return rc;
    BT_TOPO_PTR(comm, call, indegree, "indegree");
    BT_TOPO_PTR(comm, call, outdegree, "outdegree");
    BT_TOPO_PTR(comm, call, weighted, "weighted");
    *indegree = comm->topo->indegree;
    *outdegree = comm->topo->outdegree;
    *weighted = comm->topo->weighted;
    return MPI_SUCCESS;
}

int PMPI_Dist_graph_neighbors(MPI_Comm h, int maxindegree, int sources[], int sourceweights[],
                              int maxoutdegree, int destinations[], int destweights[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Dist_graph_neighbors");
    const char *call = "MPI_Dist_graph_neighbors";
    bt_comm_t *comm = NULL;
    const bt_topo_t *t;
    int rc;

    if ((rc = bt_topo_comm(call, h, MPI_DIST_GRAPH, &comm)))
        return rc;
    t = comm->topo;
    if (maxindegree < t->indegree || maxoutdegree < t->outdegree)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is %d, less than the %s %d",
                           maxindegree < t->indegree ? "maxindegree" : "maxoutdegree",
                           maxindegree < t->indegree ? maxindegree : maxoutdegree,
                           maxindegree < t->indegree ? "indegree" : "outdegree",
                           maxindegree < t->indegree ? t->indegree : t->outdegree);
    if (t->indegree > 0)
        BT_TOPO_PTR(comm, call, sources, "sources");
    if (t->outdegree > 0)
        BT_TOPO_PTR(comm, call, destinations, "destinations");
    if (t->weighted) {
        if (t->indegree > 0 && (!sourceweights || sourceweights == MPI_UNWEIGHTED))
            return bt_err_comm(comm, MPI_ERR_ARG, call, "sourceweights is %s but the graph is "
                               "weighted", sourceweights ? "MPI_UNWEIGHTED" : "NULL");
        if (t->outdegree > 0 && (!destweights || destweights == MPI_UNWEIGHTED))
            return bt_err_comm(comm, MPI_ERR_ARG, call, "destweights is %s but the graph is "
                               "weighted", destweights ? "MPI_UNWEIGHTED" : "NULL");
    }
    for (int i = 0; i < t->indegree; i++) {
        sources[i] = t->sources[i];
        if (t->weighted)
            sourceweights[i] = t->srcweights[i];
    }
    for (int i = 0; i < t->outdegree; i++) {
        destinations[i] = t->dests[i];
        if (t->weighted)
            destweights[i] = t->dstweights[i];
    }
    return MPI_SUCCESS;
}
