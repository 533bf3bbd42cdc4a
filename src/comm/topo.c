/* Process topologies: Cartesian grids, graphs and distributed graphs attached to
 * a communicator, and the constructors that make such communicators. */
#include "comm/bt_comm_impl.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <string.h>

void bt_topo_retain(bt_topo_t *topo)
{
    if (topo)
        topo->refcount++;
}

void bt_topo_release(bt_topo_t *topo)
{
    if (!topo || --topo->refcount > 0)
        return;
    free(topo->dims);
    free(topo->periods);
    free(topo->index);
    free(topo->edges);
    free(topo->sources);
    free(topo->dests);
    free(topo->srcweights);
    free(topo->dstweights);
    free(topo);
}

static bt_topo_t *bt_topo_new(int kind)
{
    bt_topo_t *t = bt_calloc(1, sizeof(*t));

    t->refcount = 1;
    t->kind = kind;
    return t;
}

/* A copy of n ints (never NULL, so that empty lists need no special case). */
static int *bt_ints_dup(const int *a, int n)
{
    int *c = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(int));

    if (n > 0)
        memcpy(c, a, (size_t)n * sizeof(int));
    return c;
}

/* ---- Cartesian ------------------------------------------------------------------- */

void bt_topo_cart_coords(const bt_topo_t *topo, int rank, int *coords)
{
    for (int d = topo->ndims - 1; d >= 0; d--) {
        coords[d] = rank % topo->dims[d];
        rank /= topo->dims[d];
    }
}

int bt_topo_cart_rank(const bt_topo_t *topo, const int *coords)
{
    int rank = 0;

    for (int d = 0; d < topo->ndims; d++) {
        int c = coords[d], n = topo->dims[d];
        if (topo->periods[d])
            c = ((c % n) + n) % n;
        else if (c < 0 || c >= n)
            return -1 - d;
        rank = rank * n + c;
    }
    return rank;
}

void bt_topo_cart_shift(const bt_topo_t *topo, int rank, int dim, int disp, int *src_p,
                        int *dst_p)
{
    int coords[topo->ndims > 0 ? topo->ndims : 1], c, r;

    bt_topo_cart_coords(topo, rank, coords);
    c = coords[dim];
    /* In 64 bits: a displacement near INT_MAX must not wrap. */
    for (int sign = -1; sign <= 1; sign += 2) {
        long long moved = (long long)c + (long long)sign * disp;
        int n = topo->dims[dim];
        if (topo->periods[dim])
            moved = ((moved % n) + n) % n;
        if (moved < 0 || moved >= n) {
            r = MPI_PROC_NULL;
        } else {
            coords[dim] = (int)moved;
            r = bt_topo_cart_rank(topo, coords);
        }
        *(sign < 0 ? src_p : dst_p) = r;
    }
}

static bt_topo_t *bt_topo_cart_new(int ndims, const int *dims, const int *periods, int rank)
{
    bt_topo_t *t = bt_topo_new(MPI_CART);

    t->ndims = ndims;
    t->dims = bt_ints_dup(dims, ndims);
    t->periods = bt_malloc((size_t)BT_MAX(ndims, 1) * sizeof(int));
    for (int d = 0; d < ndims; d++)
        t->periods[d] = periods[d] != 0;
    /* The standard's order: per dimension, the source then the destination of a
     * shift by +1, for sending and receiving alike. */
    t->indegree = t->outdegree = 2 * ndims;
    t->sources = bt_malloc((size_t)BT_MAX(2 * ndims, 1) * sizeof(int));
    for (int d = 0; d < ndims; d++)
        bt_topo_cart_shift(t, rank, d, 1, &t->sources[2 * d], &t->sources[2 * d + 1]);
    t->dests = bt_ints_dup(t->sources, 2 * ndims);
    return t;
}

/* Grid edges (+1 neighbours) whose ends lie on different nodes when new rank i is
 * old rank order[i] of comm. */
static long bt_cart_cut(bt_comm_t *comm, const bt_topo_t *t, int n, const int *order)
{
    long cut = 0;

    for (int r = 0; r < n; r++) {
        int node = bt_rt.node_of[bt_comm_world_rank(comm, order[r])];
        for (int d = 0; d < t->ndims; d++) {
            int src, dst;
            bt_topo_cart_shift(t, r, d, 1, &src, &dst);
            if (dst != MPI_PROC_NULL && dst != r &&
                bt_rt.node_of[bt_comm_world_rank(comm, order[dst])] != node)
                cut++;
        }
    }
    return cut;
}

/* The search for a placement: grouped[] lists the grid's processes node by node
 * (nnodes runs of per processes each when the nodes hold as many), best[] is the
 * best order found and cut its cost. */
typedef struct {
    bt_comm_t       *comm;
    const bt_topo_t *t;
    int              n, per;
    const int       *grouped;
    int             *best, *tmp;
    long             cut;
} bt_cart_search_t;

/* Node j's processes fill tile j of shape b[] (tiles row-major over the grid, and
 * row-major inside a tile), when that cuts fewer edges than the best so far. */
static void bt_cart_try_tiles(bt_cart_search_t *p, const int *b)
{
    const bt_topo_t *t = p->t;
    int coords[t->ndims];
    long cut;

    for (int r = 0; r < p->n; r++) {
        int tile = 0, in = 0;
        bt_topo_cart_coords(t, r, coords);
        for (int d = 0; d < t->ndims; d++) {
            tile = tile * (t->dims[d] / b[d]) + coords[d] / b[d];
            in = in * b[d] + coords[d] % b[d];
        }
        p->tmp[r] = p->grouped[tile * p->per + in];
    }
    if ((cut = bt_cart_cut(p->comm, t, p->n, p->tmp)) < p->cut) {
        p->cut = cut;
        memcpy(p->best, p->tmp, (size_t)p->n * sizeof(int));
    }
}

/* Every tile shape b[d..] that divides the grid, with rest processes per tile left. */
static void bt_cart_tiles(bt_cart_search_t *p, int *b, int d, int rest)
{
    if (d == p->t->ndims) {
        if (rest == 1)
            bt_cart_try_tiles(p, b);
        return;
    }
    for (int f = 1; f <= p->t->dims[d] && f <= rest; f++)
        if (p->t->dims[d] % f == 0 && rest % f == 0) {
            b[d] = f;
            bt_cart_tiles(p, b, d + 1, rest / f);
        }
}

/* Which old rank becomes each new rank. Without reorder the identity; with it,
 * the placement among these that puts the fewest grid edges between nodes, the
 * identity on a tie: the ranks grouped by node (nodes in the order of their first
 * rank), so that row-major numbering keeps runs of the last dimension on a node;
 * and when every node holds the same number of the grid's processes, each node a
 * tile of the grid, of any shape that divides it (a 2x2 tile cuts 8 edges of a
 * 4x4 grid on four nodes where rows cut 12). Every process computes the same from
 * the launcher's node map. */
static void bt_cart_place(bt_comm_t *comm, const bt_topo_t *t, int n, int reorder, int *order)
{
    int *grouped, *start, *count, nn = bt_rt.nnodes, k = 0, used = 0, even = 1;
    bt_cart_search_t p;

    for (int i = 0; i < n; i++)
        order[i] = i;
    if (!reorder || !bt_rt.node_of || nn <= 1 || n < 2)
        return;
    for (int i = 0; i < n; i++)   /* another job's process: no node we share */
        if (bt_comm_world_rank(comm, i) >= bt_rt.size)
            return;
    /* A counting sort by node (node ids are 0..nnodes-1): start[node] is where the
     * node's run begins, the nodes taken in the order of their first rank. */
    start = bt_malloc(2 * (size_t)nn * sizeof(int));
    count = start + nn;
    for (int v = 0; v < nn; v++) {
        count[v] = 0;
        start[v] = -1;
    }
    for (int i = 0; i < n; i++)
        count[bt_rt.node_of[bt_comm_world_rank(comm, i)]]++;
    for (int i = 0; i < n; i++) {
        int v = bt_rt.node_of[bt_comm_world_rank(comm, i)];
        if (start[v] < 0) {
            start[v] = k;
            k += count[v];
            used++;
            even &= count[v] == count[bt_rt.node_of[bt_comm_world_rank(comm, 0)]];
        }
    }
    grouped = bt_malloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        grouped[start[bt_rt.node_of[bt_comm_world_rank(comm, i)]]++] = i;
    free(start);

    p.comm = comm;
    p.t = t;
    p.n = n;
    p.per = n / used;
    p.grouped = grouped;
    p.best = order;
    p.tmp = bt_malloc((size_t)n * sizeof(int));
    p.cut = bt_cart_cut(comm, t, n, order);
    if (bt_cart_cut(comm, t, n, grouped) < p.cut) {
        p.cut = bt_cart_cut(comm, t, n, grouped);
        memcpy(order, grouped, (size_t)n * sizeof(int));
    }
    if (even && used > 1 && t->ndims > 1) {
        int b[t->ndims];
        bt_cart_tiles(&p, b, 0, p.per);
    }
    free(p.tmp);
    free(grouped);
}

/* The communicator of the n processes of comm listed (by rank) in order, without
 * a topology yet; NULL on the others. */
static int bt_topo_comm_new(bt_comm_t *comm, int n, const int *order, bt_comm_t **newcomm_p)
{
    int *w = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(int)), rc;
    bt_group_t *group;

    for (int i = 0; i < n; i++)
        w[i] = bt_comm_world_rank(comm, order[i]);
    group = bt_group_new(n, w);
    free(w);
    rc = bt_comm_create(comm, group, newcomm_p);
    bt_group_release(group);
    return rc;
}

/* The placement of a grid over comm, in *n_p processes; the caller frees it. */
static int *bt_cart_order(bt_comm_t *comm, int ndims, const int *dims, const int *periods,
                          int reorder, int *n_p)
{
    bt_topo_t *t = bt_topo_cart_new(ndims, dims, periods, 0);
    int n = 1, *order;

    for (int d = 0; d < ndims; d++)
        n *= dims[d];
    order = bt_malloc((size_t)n * sizeof(int));
    bt_cart_place(comm, t, n, reorder, order);
    bt_topo_release(t);
    *n_p = n;
    return order;
}

int bt_comm_cart_map(bt_comm_t *comm, int ndims, const int *dims, const int *periods)
{
    int n, *order = bt_cart_order(comm, ndims, dims, periods, 1, &n), newrank = MPI_UNDEFINED;

    for (int i = 0; i < n; i++)
        if (order[i] == comm->rank)
            newrank = i;
    free(order);
    return newrank;
}

int bt_comm_cart_create(bt_comm_t *comm, int ndims, const int *dims, const int *periods,
                        int reorder, bt_comm_t **newcomm_p)
{
    int n, *order = bt_cart_order(comm, ndims, dims, periods, reorder, &n), rc;

    rc = bt_topo_comm_new(comm, n, order, newcomm_p);
    free(order);
    if (rc == MPI_SUCCESS && *newcomm_p)
        (*newcomm_p)->topo = bt_topo_cart_new(ndims, dims, periods, (*newcomm_p)->rank);
    return rc;
}

int bt_comm_cart_sub(bt_comm_t *comm, const int *remain, bt_comm_t **newcomm_p)
{
    const bt_topo_t *t = comm->topo;
    int nd = t->ndims, coords[nd > 0 ? nd : 1], dims[nd > 0 ? nd : 1], periods[nd > 0 ? nd : 1];
    int color = 0, k = 0, rc;

    /* One sub-grid per position in the dimensions dropped; row-major order of the
     * old ranks is row-major order in the sub-grid, so the old rank is the key. */
    bt_topo_cart_coords(t, comm->rank, coords);
    for (int d = 0; d < nd; d++) {
        if (remain[d]) {
            dims[k] = t->dims[d];
            periods[k++] = t->periods[d];
        } else {
            color = color * t->dims[d] + coords[d];
        }
    }
    if ((rc = bt_comm_split(comm, color, comm->rank, newcomm_p)) != MPI_SUCCESS)
        return rc;
    (*newcomm_p)->topo = bt_topo_cart_new(k, dims, periods, (*newcomm_p)->rank);
    return MPI_SUCCESS;
}

/* ---- graphs ---------------------------------------------------------------------- */

int bt_comm_graph_create(bt_comm_t *comm, int nnodes, const int *index, const int *edges,
                         bt_comm_t **newcomm_p)
{
    int *order = bt_malloc((size_t)BT_MAX(nnodes, 1) * sizeof(int)), rc;
    bt_topo_t *t;

    /* reorder is not acted upon: a graph gives no layout to fit to the nodes. */
    for (int i = 0; i < nnodes; i++)
        order[i] = i;
    rc = bt_topo_comm_new(comm, nnodes, order, newcomm_p);
    free(order);
    if (rc != MPI_SUCCESS || !*newcomm_p)
        return rc;
    t = bt_topo_new(MPI_GRAPH);
    t->nnodes = nnodes;
    t->index = bt_ints_dup(index, nnodes);
    t->edges = bt_ints_dup(edges, index[nnodes - 1]);
    {
        int me = (*newcomm_p)->rank, first = me ? index[me - 1] : 0;
        t->indegree = t->outdegree = index[me] - first;
        t->sources = bt_ints_dup(edges + first, t->indegree);
        t->dests = bt_ints_dup(edges + first, t->outdegree);
    }
    (*newcomm_p)->topo = t;
    return MPI_SUCCESS;
}

/* comm's processes in the same order, as a distributed graph's communicator. */
static int bt_dist_graph_comm(bt_comm_t *comm, bt_topo_t *t, bt_comm_t **newcomm_p)
{
    int rc = bt_comm_create(comm, comm->group, newcomm_p);

    if (rc != MPI_SUCCESS) {
        bt_topo_release(t);
        return rc;
    }
    (*newcomm_p)->topo = t;
    return MPI_SUCCESS;
}

int bt_comm_dist_graph_create_adjacent(bt_comm_t *comm, int indegree, const int *sources,
                                       const int *srcweights, int outdegree, const int *dests,
                                       const int *dstweights, int weighted,
                                       bt_comm_t **newcomm_p)
{
    bt_topo_t *t = bt_topo_new(MPI_DIST_GRAPH);

    t->indegree = indegree;
    t->outdegree = outdegree;
    t->sources = bt_ints_dup(sources, indegree);
    t->dests = bt_ints_dup(dests, outdegree);
    t->weighted = weighted;
    if (t->weighted) {
        t->srcweights = bt_ints_dup(srcweights, indegree);
        t->dstweights = bt_ints_dup(dstweights, outdegree);
    }
    return bt_dist_graph_comm(comm, t, newcomm_p);
}

int bt_comm_dist_graph_create(bt_comm_t *comm, int n, const int *sources, const int *degrees,
                              const int *dests, const int *weights, bt_comm_t **newcomm_p)
{
    bt_comm_part_t p = bt_comm_part_all(comm);
    int P = comm->size, me = comm->rank, mine[2] = { 0, weights != NULL }, *info, *all = NULL;
    int *edges, maxe = 0, weighted = 0, k = 0, rc;
    bt_topo_t *t;

    /* Every process learns every edge: the edge counts first, then the edges as
     * (source, destination, weight), each process's padded to the longest list. */
    for (int i = 0; i < n; i++)
        mine[0] += degrees[i];
    info = bt_malloc((size_t)P * sizeof(mine));
    if ((rc = bt_comm_allgather(&p, mine, info, sizeof(mine))) != MPI_SUCCESS)
        goto out;
    for (int r = 0; r < P; r++) {
        maxe = BT_MAX(maxe, info[2 * r]);
        weighted |= info[2 * r + 1];
    }
    edges = bt_calloc((size_t)BT_MAX(maxe, 1) * 3, sizeof(int));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < degrees[i]; j++, k++) {
            edges[3 * k] = sources[i];
            edges[3 * k + 1] = dests[k];
            edges[3 * k + 2] = weights ? weights[k] : 1;
        }
    all = bt_malloc((size_t)P * (size_t)BT_MAX(maxe, 1) * 3 * sizeof(int));
    p.tag = bt_comm_next_tag(comm);
    rc = bt_comm_allgather(&p, edges, all, (size_t)BT_MAX(maxe, 1) * 3 * sizeof(int));
    free(edges);
    if (rc != MPI_SUCCESS)
        goto out;
    /* My in- and out-edges in the order of the processes that gave them, and of
     * their lists there. */
    t = bt_topo_new(MPI_DIST_GRAPH);
    t->weighted = weighted;
    for (int pass = 0; pass < 2; pass++) {
        t->indegree = t->outdegree = 0;
        for (int r = 0; r < P; r++)
            for (int e = 0; e < info[2 * r]; e++) {
                const int *ed = all + ((size_t)r * (size_t)BT_MAX(maxe, 1) + (size_t)e) * 3;
                if (ed[1] == me) {
                    if (pass) {
                        t->sources[t->indegree] = ed[0];
                        if (weighted)
                            t->srcweights[t->indegree] = ed[2];
                    }
                    t->indegree++;
                }
                if (ed[0] == me) {
                    if (pass) {
                        t->dests[t->outdegree] = ed[1];
                        if (weighted)
                            t->dstweights[t->outdegree] = ed[2];
                    }
                    t->outdegree++;
                }
            }
        if (!pass) {
            t->sources = bt_malloc((size_t)BT_MAX(t->indegree, 1) * sizeof(int));
            t->dests = bt_malloc((size_t)BT_MAX(t->outdegree, 1) * sizeof(int));
            if (weighted) {
                t->srcweights = bt_malloc((size_t)BT_MAX(t->indegree, 1) * sizeof(int));
                t->dstweights = bt_malloc((size_t)BT_MAX(t->outdegree, 1) * sizeof(int));
            }
        }
    }
    rc = bt_dist_graph_comm(comm, t, newcomm_p);
out:
    free(all);
    free(info);
    return rc;
}
