/* MPI_Cart_create with reorder: a bijection whose shifts agree across processes,
 * also on a communicator whose ranks are not the world's; never more grid edges
 * between nodes than without reorder, and on a 1-D non-periodic grid exactly
 * the least possible (one edge between consecutive nodes) when the identity is
 * worse; MPI_Cart_map gives the same ranks. tests/test_topo_reorder.py runs it with ranks placed round-robin over
 * two hosts, where the reordering has something to gain. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, size;

#include "check.h"

static int *node_of;   /* by world rank: the lowest world rank of its node */
static int nnodes;

/* Cut edges of the grid when new rank r is world rank world[r]. */
static int cut(MPI_Comm cart, int n, const int *world)
{
    int nd, c = 0;

    MPI_Cartdim_get(cart, &nd);
    for (int r = 0; r < n; r++) {
        int coords[3], dims[3], periods[3], mine[3];
        MPI_Cart_get(cart, 3, dims, periods, mine);
        MPI_Cart_coords(cart, r, 3, coords);
        for (int d = 0; d < nd; d++) {
            int q;
            coords[d]++;
            if (coords[d] == dims[d] && !periods[d]) {
                coords[d]--;
                continue;
            }
            MPI_Cart_rank(cart, coords, &q);
            coords[d]--;
            c += q != r && node_of[world[q]] != node_of[world[r]];
        }
    }
    return c;
}

static void check(MPI_Comm parent, int ndims, int *dims, int *periods, const char *what)
{
    int n = 1, pn, r = -1, mapped, in, total = 0, *world, *ident, *seen, c_new, c_id, nd;
    MPI_Comm cart;

    for (int d = 0; d < ndims; d++)
        n *= dims[d];
    /* The parent's processes in its order: its first n make the grid without
     * reorder. */
    MPI_Comm_size(parent, &pn);
    ident = malloc((size_t)pn * sizeof(int));
    MPI_Allgather(&rank, 1, MPI_INT, ident, 1, MPI_INT, parent);
    MPI_Cart_map(parent, ndims, dims, periods, &mapped);
    MPI_Cart_create(parent, ndims, dims, periods, 1, &cart);
    in = cart != MPI_COMM_NULL;
    /* Cart_map answers what Cart_create with reorder does. */
    if (in)
        MPI_Comm_rank(cart, &r);
    CHECK(mapped == (in ? r : MPI_UNDEFINED), "%s: Cart_map gave %d, Cart_create rank %d", what,
          mapped, in ? r : MPI_UNDEFINED);
    MPI_Allreduce(&in, &total, 1, MPI_INT, MPI_SUM, parent);
    CHECK(total == n, "%s: %d processes got the grid, expected %d", what, total, n);
    if (!in) {
        free(ident);
        return;
    }
    MPI_Comm_rank(cart, &r);
    world = malloc((size_t)n * sizeof(int));
    MPI_Allgather(&rank, 1, MPI_INT, world, 1, MPI_INT, cart);
    seen = calloc((size_t)size, sizeof(int));
    for (int i = 0; i < n; i++) {
        CHECK(!seen[world[i]], "%s: world rank %d has two ranks in the grid", what, world[i]);
        seen[world[i]] = 1;
    }
    MPI_Cartdim_get(cart, &nd);
    for (int d = 0; d < nd; d++) {
        int src, dst, got = -1;
        MPI_Cart_shift(cart, d, 1, &src, &dst);
        MPI_Sendrecv(&rank, 1, MPI_INT, dst, 4, &got, 1, MPI_INT, src, 4, cart,
                     MPI_STATUS_IGNORE);
        CHECK(src == MPI_PROC_NULL ? got == -1 : got == world[src], "%s: from source %d in "
              "dimension %d came world rank %d, expected %d", what, src, d, got,
              src == MPI_PROC_NULL ? -1 : world[src]);
    }
    c_new = cut(cart, n, world);
    c_id = cut(cart, n, ident);
    CHECK(c_new <= c_id, "%s: %d edges between nodes after reorder, %d without", what, c_new,
          c_id);
    if (ndims == 1 && !periods[0]) {
        int used = 0, exp, *has = calloc((size_t)size, sizeof(int));
        for (int i = 0; i < size; i++)
            if (seen[i] && !has[node_of[i]]) {
                has[node_of[i]] = 1;
                used++;
            }
        free(has);
        exp = c_id < used - 1 ? c_id : used - 1;
        CHECK(c_new == exp, "%s: %d edges between nodes after reorder, expected %d (%d without, "
              "%d nodes)", what, c_new, exp, c_id, used);
    }
    if (r == 0)
        printf("%s: %d edges between nodes with reorder, %d without\n", what, c_new, c_id);
    free(ident);
    free(seen);
    free(world);
    MPI_Comm_free(&cart);
}

int main(int argc, char **argv)
{
    int d1[1], d2[2] = { 0, 0 }, p0[2] = { 0, 0 }, p1[2] = { 1, 1 }, me;
    MPI_Comm node, rev;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Allreduce(&rank, &me, 1, MPI_INT, MPI_MIN, node);
    node_of = malloc((size_t)size * sizeof(int));
    MPI_Allgather(&me, 1, MPI_INT, node_of, 1, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < size; i++)
        nnodes += node_of[i] == i;

    d1[0] = size;
    check(MPI_COMM_WORLD, 1, d1, p0, "1-D");
    MPI_Dims_create(size, 2, d2);
    check(MPI_COMM_WORLD, 2, d2, p0, "2-D");
    check(MPI_COMM_WORLD, 2, d2, p1, "2-D periodic");
    /* The world reversed: parent ranks differ from world ranks. */
    MPI_Comm_split(MPI_COMM_WORLD, 0, size - rank, &rev);
    check(rev, 1, d1, p0, "1-D of the reversed world");
    if (size > 2) {
        d1[0] = size - 1;
        check(rev, 1, d1, p0, "1-D of all but one");
    }
    MPI_Comm_free(&rev);
    MPI_Comm_free(&node);
    free(node_of);
    MPI_Finalize();
    return 0;
}
