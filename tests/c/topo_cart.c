/* Cartesian topologies: MPI_Cart_create (also with reorder and with fewer processes
 * than the communicator), Cart_get, Cartdim_get, Cart_coords, Cart_rank (periodic
 * wrap), Cart_shift (periodic and not, MPI_PROC_NULL at the edges, checked by
 * messages), Cart_sub of 2-D and 3-D grids, Cart_map, and the topology going with
 * MPI_Comm_dup but not with MPI_Comm_split. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

/* The row-major rank of coords on a grid of dims, or -1 off a non-periodic edge. */
static int rank_of(int ndims, const int *dims, const int *periods, const int *coords)
{
    int r = 0;

    for (int d = 0; d < ndims; d++) {
        int c = coords[d];
        if (periods[d])
            c = ((c % dims[d]) + dims[d]) % dims[d];
        else if (c < 0 || c >= dims[d])
            return -1;
        r = r * dims[d] + c;
    }
    return r;
}

static void coords_of(int ndims, const int *dims, int r, int *coords)
{
    for (int d = ndims - 1; d >= 0; d--) {
        coords[d] = r % dims[d];
        r /= dims[d];
    }
}

/* Every query of a grid made without reorder, and shifts checked by messages. */
static void check_grid(MPI_Comm cart, int ndims, const int *dims, const int *periods,
                       const char *what)
{
    int n = 1, r, st, nd, gd[8], gp[8], gc[8], c[8], mine[8];

    for (int d = 0; d < ndims; d++)
        n *= dims[d];
    MPI_Comm_rank(cart, &r);
    MPI_Topo_test(cart, &st);
    CHECK(st == MPI_CART, "%s: Topo_test gave %d, expected MPI_CART", what, st);
    MPI_Cartdim_get(cart, &nd);
    CHECK(nd == ndims, "%s: Cartdim_get gave %d, expected %d", what, nd, ndims);
    MPI_Cart_get(cart, 8, gd, gp, gc);
    coords_of(ndims, dims, r, mine);
    for (int d = 0; d < ndims; d++) {
        CHECK(gd[d] == dims[d] && gp[d] == (periods[d] != 0) && gc[d] == mine[d],
              "%s: Cart_get dim %d: dims %d periods %d coords %d, expected %d %d %d", what, d,
              gd[d], gp[d], gc[d], dims[d], periods[d] != 0, mine[d]);
    }
    for (int q = 0; q < n; q++) {
        int back = -1;
        MPI_Cart_coords(cart, q, ndims, c);
        coords_of(ndims, dims, q, gc);
        for (int d = 0; d < ndims; d++)
            CHECK(c[d] == gc[d], "%s: Cart_coords(%d)[%d] = %d, expected %d", what, q, d, c[d],
                  gc[d]);
        MPI_Cart_rank(cart, c, &back);
        CHECK(back == q, "%s: Cart_rank(Cart_coords(%d)) = %d", what, q, back);
        /* Periodic dimensions wrap: one lap further or back is the same process. */
        for (int d = 0; d < ndims; d++)
            if (periods[d]) {
                c[d] += (q % 2 ? -1 : 2) * dims[d];
                MPI_Cart_rank(cart, c, &back);
                CHECK(back == q, "%s: Cart_rank of coords wrapped in dim %d gave %d, expected %d",
                      what, d, back, q);
                c[d] = gc[d];
            }
    }
    for (int d = 0; d < ndims; d++)
        for (int disp = -2; disp <= 3; disp++) {
            int src, dst, exp_src, exp_dst, got = -7, sent = 1000 + r;
            memcpy(c, mine, sizeof(c));
            c[d] = mine[d] - disp;
            exp_src = rank_of(ndims, dims, periods, c);
            c[d] = mine[d] + disp;
            exp_dst = rank_of(ndims, dims, periods, c);
            exp_src = exp_src < 0 ? MPI_PROC_NULL : exp_src;
            exp_dst = exp_dst < 0 ? MPI_PROC_NULL : exp_dst;
            MPI_Cart_shift(cart, d, disp, &src, &dst);
            CHECK(src == exp_src && dst == exp_dst, "%s: Cart_shift(dim %d, disp %d) gave "
                  "source %d dest %d, expected %d %d", what, d, disp, src, dst, exp_src, exp_dst);
            /* The shift agrees across processes: what I send to dst comes from src. */
            MPI_Sendrecv(&sent, 1, MPI_INT, dst, 5, &got, 1, MPI_INT, src, 5, cart,
                         MPI_STATUS_IGNORE);
            CHECK(got == (src == MPI_PROC_NULL ? -7 : 1000 + src), "%s: shift dim %d disp %d: "
                  "received %d from source %d", what, d, disp, got, src);
        }
}


int main(int argc, char **argv)
{
    int dims2[2] = { 0, 0 }, per2[2] = { 1, 0 }, dims3[3] = { 0, 0, 0 }, per3[3] = { 0, 1, 0 };
    int st, n, r, nr;
    MPI_Comm cart2, cart3, sub, dup, split, small, zero, re;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* 2-D, periodic in dimension 0 only. */
    MPI_Dims_create(size, 2, dims2);
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims2, per2, 0, &cart2);
    CHECK(cart2 != MPI_COMM_NULL, "Cart_create(%dx%d) gave MPI_COMM_NULL", dims2[0], dims2[1]);
    MPI_Comm_rank(cart2, &r);
    CHECK(r == rank, "Cart_create without reorder: rank %d, expected %d", r, rank);
    check_grid(cart2, 2, dims2, per2, "2-D");

    /* Its rows and columns. */
    {
        int keep[2] = { 0, 1 }, c[2], sd[2], sp[2], sc[2];
        MPI_Cart_sub(cart2, keep, &sub);
        coords_of(2, dims2, rank, c);
        MPI_Comm_size(sub, &n);
        MPI_Comm_rank(sub, &r);
        CHECK(n == dims2[1] && r == c[1], "Cart_sub {0,1}: size %d rank %d, expected %d %d", n,
              r, dims2[1], c[1]);
        MPI_Cart_get(sub, 2, sd, sp, sc);
        CHECK(sd[0] == dims2[1] && sp[0] == 0 && sc[0] == c[1], "Cart_sub {0,1}: Cart_get gave "
              "dims %d periods %d coords %d", sd[0], sp[0], sc[0]);
        check_grid(sub, 1, &dims2[1], &per2[1], "row of 2-D");
        /* The row holds exactly the world ranks of my row. */
        {
            int sum = 0, exp = 0;
            MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, sub);
            for (int j = 0; j < dims2[1]; j++)
                exp += c[0] * dims2[1] + j;
            CHECK(sum == exp, "Cart_sub {0,1}: world ranks add up to %d, expected %d", sum, exp);
        }
        MPI_Comm_free(&sub);
        keep[0] = 1;
        keep[1] = 0;
        MPI_Cart_sub(cart2, keep, &sub);
        MPI_Comm_size(sub, &n);
        MPI_Comm_rank(sub, &r);
        CHECK(n == dims2[0] && r == c[0], "Cart_sub {1,0}: size %d rank %d, expected %d %d", n,
              r, dims2[0], c[0]);
        check_grid(sub, 1, &dims2[0], &per2[0], "column of 2-D");
        MPI_Comm_free(&sub);
        keep[0] = 0;
        MPI_Cart_sub(cart2, keep, &sub);
        MPI_Comm_size(sub, &n);
        MPI_Cartdim_get(sub, &nr);
        CHECK(n == 1 && nr == 0, "Cart_sub {0,0}: size %d ndims %d, expected 1 0", n, nr);
        MPI_Comm_free(&sub);
    }

    /* The topology goes with a duplicate, not with a split. */
    MPI_Comm_dup(cart2, &dup);
    check_grid(dup, 2, dims2, per2, "dup of 2-D");
    MPI_Comm_split(cart2, 0, rank, &split);
    MPI_Topo_test(split, &st);
    CHECK(st == MPI_UNDEFINED, "a split of a Cartesian communicator has topology %d", st);
    MPI_Comm_free(&split);
    MPI_Comm_free(&dup);
    {
        MPI_Request req;
        MPI_Comm_idup(cart2, &dup, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        check_grid(dup, 2, dims2, per2, "idup of 2-D");
        MPI_Comm_free(&dup);
    }

    /* 3-D, periodic in the middle dimension; the sub-grid of dimensions 0 and 2. */
    MPI_Dims_create(size, 3, dims3);
    MPI_Cart_create(MPI_COMM_WORLD, 3, dims3, per3, 0, &cart3);
    check_grid(cart3, 3, dims3, per3, "3-D");
    {
        int keep[3] = { 1, 0, 1 }, c[3], sd[2] = { dims3[0], dims3[2] }, sp[2] = { 0, 0 };
        coords_of(3, dims3, rank, c);
        MPI_Cart_sub(cart3, keep, &sub);
        MPI_Comm_size(sub, &n);
        MPI_Comm_rank(sub, &r);
        CHECK(n == dims3[0] * dims3[2] && r == c[0] * dims3[2] + c[2], "Cart_sub {1,0,1}: size "
              "%d rank %d, expected %d %d", n, r, dims3[0] * dims3[2], c[0] * dims3[2] + c[2]);
        check_grid(sub, 2, sd, sp, "3-D sub {1,0,1}");
        MPI_Comm_free(&sub);
        keep[0] = 0;
        keep[1] = 1;
        keep[2] = 0;
        MPI_Cart_sub(cart3, keep, &sub);
        check_grid(sub, 1, &dims3[1], &per3[1], "3-D sub {0,1,0}");
        MPI_Comm_free(&sub);
    }

    /* A grid smaller than the communicator leaves the last process out. */
    n = size > 1 ? size - 1 : 1;
    MPI_Cart_create(MPI_COMM_WORLD, 1, &n, per2, 0, &small);
    if (rank < n) {
        CHECK(small != MPI_COMM_NULL, "Cart_create(%d of %d): no communicator", n, size);
        check_grid(small, 1, &n, per2, "1-D smaller");
        MPI_Comm_free(&small);
    } else {
        CHECK(small == MPI_COMM_NULL, "Cart_create(%d of %d): a communicator for rank %d", n,
              size, rank);
    }
    MPI_Cart_map(MPI_COMM_WORLD, 1, &n, per2, &nr);
    CHECK(nr == (rank < n ? rank : MPI_UNDEFINED), "Cart_map(%d) gave %d", n, nr);

    /* Zero dimensions: one process, rank 0. */
    MPI_Cart_create(MPI_COMM_WORLD, 0, NULL, NULL, 0, &zero);
    CHECK((zero != MPI_COMM_NULL) == (rank == 0), "Cart_create(ndims 0) gave %s",
          zero == MPI_COMM_NULL ? "MPI_COMM_NULL" : "a communicator");
    if (zero != MPI_COMM_NULL) {
        MPI_Comm_size(zero, &n);
        MPI_Cartdim_get(zero, &nr);
        CHECK(n == 1 && nr == 0, "0-D grid: size %d ndims %d", n, nr);
        MPI_Comm_free(&zero);
    }

    /* reorder: any numbering, but a bijection whose shifts agree across processes. */
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims2, per2, 1, &re);
    {
        int *world = malloc((size_t)size * sizeof(int)), *seen = calloc((size_t)size, sizeof(int));
        MPI_Comm_size(re, &n);
        CHECK(n == size, "reordered grid has %d processes, expected %d", n, size);
        MPI_Comm_rank(re, &r);
        MPI_Allgather(&rank, 1, MPI_INT, world, 1, MPI_INT, re);
        CHECK(world[r] == rank, "reordered grid: my entry is %d, expected %d", world[r], rank);
        for (int i = 0; i < size; i++) {
            CHECK(world[i] >= 0 && world[i] < size && !seen[world[i]], "reordered grid: world "
                  "rank %d twice or out of range at rank %d", world[i], i);
            seen[world[i]] = 1;
        }
        for (int d = 0; d < 2; d++) {
            int src, dst, got = -1;
            MPI_Cart_shift(re, d, 1, &src, &dst);
            MPI_Sendrecv(&rank, 1, MPI_INT, dst, 9, &got, 1, MPI_INT, src, 9, re,
                         MPI_STATUS_IGNORE);
            CHECK(src == MPI_PROC_NULL ? got == -1 : got == world[src], "reordered grid: from "
                  "source %d in dim %d came world rank %d", src, d, got);
        }
        free(world);
        free(seen);
        MPI_Comm_free(&re);
    }

    MPI_Comm_free(&cart3);
    MPI_Comm_free(&cart2);
    MPI_Finalize();
    return 0;
}
