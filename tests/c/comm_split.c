/* MPI_Comm_split and MPI_Comm_split_type: colors, keys, MPI_UNDEFINED, and traffic
 * on the new communicators kept apart from the parent's. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

/* Passes a token around comm's ring: checks that ranks and routing agree. */
static void ring(MPI_Comm comm, const char *what)
{
    int r, n, token = -1;

    MPI_Comm_rank(comm, &r);
    MPI_Comm_size(comm, &n);
    if (n == 1)
        return;
    if (r == 0) {
        token = 1000;
        MPI_Send(&token, 1, MPI_INT, 1, 7, comm);
        MPI_Recv(&token, 1, MPI_INT, n - 1, 7, comm, MPI_STATUS_IGNORE);
        CHECK(token == 1000 + n - 1, "%s: ring token %d, expected %d", what, token, 1000 + n - 1);
    } else {
        MPI_Recv(&token, 1, MPI_INT, r - 1, 7, comm, MPI_STATUS_IGNORE);
        CHECK(token == 1000 + r - 1, "%s: token %d from rank %d", what, token, r - 1);
        token++;
        MPI_Send(&token, 1, MPI_INT, (r + 1) % n, 7, comm);
    }
}

int main(int argc, char **argv)
{
    int size, r, n, color, expect_n;
    MPI_Comm even_odd, some, shared, world2;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Odd/even with reversed keys: the highest old rank becomes rank 0. */
    color = rank % 2;
    MPI_Comm_split(MPI_COMM_WORLD, color, size - rank, &even_odd);
    CHECK(even_odd != MPI_COMM_NULL, "split gave MPI_COMM_NULL");
    MPI_Comm_rank(even_odd, &r);
    MPI_Comm_size(even_odd, &n);
    expect_n = color == 0 ? (size + 1) / 2 : size / 2;
    CHECK(n == expect_n, "split size %d, expected %d", n, expect_n);
    {
        /* Members of my color in decreasing old rank. */
        int last = color == 0 ? ((size - 1) / 2) * 2 : ((size - 2) / 2) * 2 + 1;
        int expect_r = (last - rank) / 2;
        CHECK(r == expect_r, "split rank %d, expected %d", r, expect_r);
    }
    ring(even_odd, "odd/even");

    /* The new group, translated back, lists the world ranks in key order. */
    {
        MPI_Group g, wg;
        int *ranks = malloc(sizeof(int) * (size_t)n), *out = malloc(sizeof(int) * (size_t)n);
        MPI_Comm_group(even_odd, &g);
        MPI_Comm_group(MPI_COMM_WORLD, &wg);
        for (int i = 0; i < n; i++)
            ranks[i] = i;
        MPI_Group_translate_ranks(g, n, ranks, wg, out);
        for (int i = 1; i < n; i++)
            CHECK(out[i] == out[i - 1] - 2, "member %d is world rank %d after %d", i, out[i],
                  out[i - 1]);
        MPI_Group_free(&g);
        MPI_Group_free(&wg);
        free(ranks);
        free(out);
    }

    /* Same key everywhere: ties keep the old order. */
    MPI_Comm_split(MPI_COMM_WORLD, 0, 0, &world2);
    MPI_Comm_rank(world2, &r);
    CHECK(r == rank, "equal keys: rank %d, expected %d", r, rank);
    {
        int result;
        MPI_Comm_compare(world2, MPI_COMM_WORLD, &result);
        CHECK(result == MPI_CONGRUENT, "split(0,0) vs world: %d, expected MPI_CONGRUENT", result);
    }

    /* MPI_UNDEFINED: rank 0 and the last rank sit out. */
    color = (rank == 0 || rank == size - 1) ? MPI_UNDEFINED : 5;
    MPI_Comm_split(MPI_COMM_WORLD, color, rank, &some);
    if (color == MPI_UNDEFINED) {
        CHECK(some == MPI_COMM_NULL, "MPI_UNDEFINED color did not give MPI_COMM_NULL");
    } else {
        CHECK(some != MPI_COMM_NULL, "color 5 gave MPI_COMM_NULL");
        MPI_Comm_size(some, &n);
        MPI_Comm_rank(some, &r);
        CHECK(n == size - 2, "split with MPI_UNDEFINED: size %d, expected %d", n, size - 2);
        CHECK(r == rank - 1, "split with MPI_UNDEFINED: rank %d, expected %d", r, rank - 1);
        ring(some, "undefined split");
        MPI_Comm_free(&some);
        CHECK(some == MPI_COMM_NULL, "MPI_Comm_free did not reset the handle");
    }

    /* Everyone MPI_UNDEFINED. */
    MPI_Comm_split(MPI_COMM_WORLD, MPI_UNDEFINED, 0, &some);
    CHECK(some == MPI_COMM_NULL, "all-undefined split gave a communicator");

    /* A message on the split communicator is not matched by a receive on the
     * parent with the same source and tag, and the other way round. */
    if (size >= 3) {
        MPI_Comm pair;
        int in_pair = rank < 2;
        MPI_Comm_split(MPI_COMM_WORLD, in_pair ? 1 : MPI_UNDEFINED, rank, &pair);
        if (in_pair) {
            int a = 11, b = 22, x = 0, y = 0;
            if (rank == 0) {
                MPI_Send(&a, 1, MPI_INT, 1, 3, MPI_COMM_WORLD);
                MPI_Send(&b, 1, MPI_INT, 1, 3, pair);
            } else {
                MPI_Recv(&y, 1, MPI_INT, 0, 3, pair, MPI_STATUS_IGNORE);
                MPI_Recv(&x, 1, MPI_INT, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                CHECK(x == 11 && y == 22, "context mix-up: world got %d, pair got %d", x, y);
            }
            MPI_Comm_free(&pair);
        }
    }

    /* Split of a split. */
    {
        MPI_Comm half;
        MPI_Comm_rank(even_odd, &r);
        MPI_Comm_split(even_odd, r < 2, r, &half);
        MPI_Comm_size(half, &n);
        MPI_Comm_size(even_odd, &expect_n);
        expect_n = r < 2 ? (expect_n < 2 ? expect_n : 2) : expect_n - 2;
        CHECK(n == expect_n, "split of split: size %d, expected %d", n, expect_n);
        ring(half, "split of split");
        MPI_Comm_free(&half);
    }

    /* Shared memory: the ranks of my node, as the launcher placed them (Baton's
     * mpiexec and its proxies say how many share this node and my index there;
     * the key orders them by world rank, as the launcher numbers them). */
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &shared);
    CHECK(shared != MPI_COMM_NULL, "MPI_COMM_TYPE_SHARED gave MPI_COMM_NULL");
    MPI_Comm_size(shared, &n);
    MPI_Comm_rank(shared, &r);
    {
        const char *ln = getenv("MPI_LOCALNRANKS"), *lr = getenv("MPI_LOCALRANKID");
        int want_n = ln ? atoi(ln) : size, want_r = lr ? atoi(lr) : rank;
        CHECK(n == want_n && r == want_r, "shared split: rank %d of %d, expected %d of %d", r,
              n, want_r, want_n);
    }
    ring(shared, "shared");
    MPI_Comm_free(&shared);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, rank, MPI_INFO_NULL, &shared);
    CHECK(shared == MPI_COMM_NULL, "split_type MPI_UNDEFINED gave a communicator");
    /* MPI_Get_hw_resource_info: the node's level first, each listed level with
     * its instance. */
    {
        MPI_Info hw;
        char list[MPI_MAX_INFO_VAL], val[MPI_MAX_INFO_VAL], *save = NULL;
        int len = sizeof(list), flag = 0, first = 1;
        CHECK(MPI_Get_hw_resource_info(&hw) == MPI_SUCCESS, "MPI_Get_hw_resource_info");
        MPI_Info_get_string(hw, "mpi_hw_resource_type", &len, list, &flag);
        CHECK(flag && strncmp(list, "mpi_shared_memory", 17) == 0,
              "mpi_hw_resource_type is \"%s\"", flag ? list : "(absent)");
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int vlen = sizeof(val), vflag = 0;
            MPI_Info_get_string(hw, t, &vlen, val, &vflag);
            CHECK(vflag && atoi(val) >= 0, "level %s has no instance", t);
            first = 0;
        }
        CHECK(!first, "no level listed");
        MPI_Info_free(&hw);
    }

    /* HW_UNGUIDED: a strict subset of the parent whose members share one level of
     * hardware, the outermost that splits it (the node when the job spans nodes);
     * applied again to its result it goes down the levels until none splits. */
    {
        const char *ln = getenv("MPI_LOCALNRANKS");
        int local_n = ln ? atoi(ln) : size, cur_size = size, depth = 0;
        MPI_Comm cur = MPI_COMM_WORLD, sub;
        for (;;) {
            int got, all_got, any_got, cur_rank, node_n;
            MPI_Comm_rank(cur, &cur_rank);
            MPI_Comm_split_type(cur, MPI_COMM_TYPE_HW_UNGUIDED, cur_rank, MPI_INFO_NULL, &sub);
            got = sub != MPI_COMM_NULL;
            MPI_Allreduce(&got, &all_got, 1, MPI_INT, MPI_LAND, cur);
            MPI_Allreduce(&got, &any_got, 1, MPI_INT, MPI_LOR, cur);
            CHECK(all_got == any_got, "HW_UNGUIDED at depth %d: some members got a "
                  "communicator, others MPI_COMM_NULL", depth);
            if (depth == 0 && local_n < size)
                CHECK(got, "HW_UNGUIDED across nodes gave MPI_COMM_NULL");
            if (!got)
                break;
            MPI_Comm_size(sub, &n);
            CHECK(n < cur_size, "HW_UNGUIDED at depth %d: %d ranks of %d, not a strict subset",
                  depth, n, cur_size);
            if (depth == 0 && local_n < size)
                CHECK(n == local_n, "HW_UNGUIDED across nodes: %d ranks, the node has %d", n,
                      local_n);
            /* Within one node: its shared-memory split is all of it. */
            MPI_Comm_split_type(sub, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shared);
            MPI_Comm_size(shared, &node_n);
            MPI_Comm_free(&shared);
            CHECK(node_n == n, "HW_UNGUIDED at depth %d spans nodes (%d of %d on mine)", depth,
                  node_n, n);
            CHECK(++depth <= 7, "HW_UNGUIDED went down more than 7 levels");
            if (cur != MPI_COMM_WORLD)
                MPI_Comm_free(&cur);
            cur = sub;
            cur_size = n;
        }
        if (cur != MPI_COMM_WORLD)
            MPI_Comm_free(&cur);
    }

    MPI_Comm_free(&world2);
    MPI_Comm_free(&even_odd);
    MPI_Finalize();
    return 0;
}
