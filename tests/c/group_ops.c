/* Group queries and algebra against hand-computed results. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

/* The world ranks of g, in order. */
static int members(MPI_Group g, MPI_Group world, int *out)
{
    int n, *idx;
    MPI_Group_size(g, &n);
    idx = malloc(sizeof(int) * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        idx[i] = i;
    MPI_Group_translate_ranks(g, n, idx, world, out);
    free(idx);
    return n;
}

static void expect(MPI_Group g, MPI_Group world, int n, const int *want, const char *what)
{
    int got[64], m = members(g, world, got), r, myr = MPI_UNDEFINED;

    CHECK(m == n, "%s: size %d, expected %d", what, m, n);
    for (int i = 0; i < n; i++) {
        CHECK(got[i] == want[i], "%s: member %d is %d, expected %d", what, i, got[i], want[i]);
        if (want[i] == rank)
            myr = i;
    }
    MPI_Group_rank(g, &r);
    CHECK(r == myr, "%s: my rank %d, expected %d", what, r, myr);
}

int main(int argc, char **argv)
{
    int size, n, r, result;
    int want[64], ranks[64], out[64];
    MPI_Group world, g1, g2, g3, g4;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > 64) {
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_size(world, &n);
    MPI_Group_rank(world, &r);
    CHECK(n == size && r == rank, "world group: rank %d of %d", r, n);

    /* MPI_GROUP_EMPTY. */
    MPI_Group_size(MPI_GROUP_EMPTY, &n);
    MPI_Group_rank(MPI_GROUP_EMPTY, &r);
    CHECK(n == 0 && r == MPI_UNDEFINED, "empty group: rank %d of %d", r, n);

    /* incl: reversed world. */
    for (int i = 0; i < size; i++)
        ranks[i] = want[i] = size - 1 - i;
    MPI_Group_incl(world, size, ranks, &g1);
    expect(g1, world, size, want, "incl reversed");
    MPI_Group_compare(g1, world, &result);
    CHECK(result == (size == 1 ? MPI_IDENT : MPI_SIMILAR), "compare(reversed, world) = %d", result);
    MPI_Group_compare(world, world, &result);
    CHECK(result == MPI_IDENT, "compare(world, world) = %d", result);

    /* excl of the odd ranks: the even ones, in order. */
    n = 0;
    for (int i = 1; i < size; i += 2)
        ranks[n++] = i;
    MPI_Group_excl(world, n, ranks, &g2);
    n = 0;
    for (int i = 0; i < size; i += 2)
        want[n++] = i;
    expect(g2, world, n, want, "excl odd");

    /* range_incl (0, size-1, 2) is the same group: IDENT. */
    {
        int range[1][3] = { { 0, size - 1, 2 } };
        MPI_Group_range_incl(world, 1, range, &g3);
        MPI_Group_compare(g2, g3, &result);
        CHECK(result == MPI_IDENT, "range_incl evens vs excl odds: %d", result);
        MPI_Group_free(&g3);
    }
    /* range_incl with a negative stride and two ranges: (size-1 .. 0 by -3), then
     * the ranks == 1 mod 3 counting up. */
    {
        int range[2][3] = { { size - 1, 0, -3 }, { 0, 0, 1 } };
        int m = 0;
        for (int i = size - 1; i >= 0; i -= 3)
            want[m++] = i;
        /* A second range of ranks not yet named: the first one below size - 1
         * that is not == size-1 mod 3, if any. */
        int extra = -1;
        for (int i = 0; i < size; i++)
            if ((size - 1 - i) % 3 != 0) {
                extra = i;
                break;
            }
        if (extra >= 0) {
            range[1][0] = range[1][1] = extra;
            want[m++] = extra;
        }
        MPI_Group_range_incl(world, extra >= 0 ? 2 : 1, range, &g3);
        expect(g3, world, m, want, "range_incl stride -3");
        /* range_excl of the same ranges: the rest, in order. */
        MPI_Group_range_excl(world, extra >= 0 ? 2 : 1, range, &g4);
        {
            int rest[64], k = 0;
            for (int i = 0; i < size; i++) {
                int named = 0;
                for (int j = 0; j < m; j++)
                    named |= want[j] == i;
                if (!named)
                    rest[k++] = i;
            }
            expect(g4, world, k, rest, "range_excl");
        }
        MPI_Group_free(&g4);
        MPI_Group_free(&g3);
    }

    /* Union: evens then the reversed world's others in its order. */
    MPI_Group_union(g2, g1, &g3);
    {
        int m = 0;
        for (int i = 0; i < size; i += 2)
            want[m++] = i;
        for (int i = size - 1; i >= 0; i--)
            if (i % 2)
                want[m++] = i;
        expect(g3, world, m, want, "union");
        MPI_Group_compare(g3, world, &result);
        CHECK(result == (size <= 2 ? MPI_IDENT : MPI_SIMILAR), "compare(union, world) = %d", result);
        MPI_Group_free(&g3);
    }
    /* Intersection keeps the first group's order. */
    MPI_Group_intersection(g1, g2, &g3);
    {
        int m = 0;
        for (int i = size - 1; i >= 0; i--)
            if (i % 2 == 0)
                want[m++] = i;
        expect(g3, world, m, want, "intersection");
        MPI_Group_free(&g3);
    }
    /* Difference: the odd ranks, reversed. */
    MPI_Group_difference(g1, g2, &g3);
    {
        int m = 0;
        for (int i = size - 1; i >= 0; i--)
            if (i % 2)
                want[m++] = i;
        expect(g3, world, m, want, "difference");
        MPI_Group_compare(g3, g2, &result);
        CHECK(result == MPI_UNEQUAL, "compare(odds, evens) = %d", result);
        MPI_Group_free(&g3);
    }
    /* Empty results. */
    MPI_Group_difference(world, g1, &g3);
    MPI_Group_size(g3, &n);
    CHECK(n == 0, "world minus world has %d ranks", n);
    MPI_Group_compare(g3, MPI_GROUP_EMPTY, &result);
    CHECK(result == MPI_IDENT, "empty difference vs MPI_GROUP_EMPTY: %d", result);
    MPI_Group_free(&g3);
    CHECK(g3 == MPI_GROUP_NULL, "MPI_Group_free did not reset the handle");
    MPI_Group_incl(world, 0, ranks, &g3);
    MPI_Group_size(g3, &n);
    CHECK(n == 0, "incl of nothing has %d ranks", n);
    MPI_Group_free(&g3);
    MPI_Group_union(MPI_GROUP_EMPTY, g2, &g3);
    MPI_Group_compare(g3, g2, &result);
    CHECK(result == MPI_IDENT, "empty + evens vs evens: %d", result);
    MPI_Group_free(&g3);

    /* translate_ranks: MPI_PROC_NULL passes through, absent ranks are
     * MPI_UNDEFINED. From the reversed world into the evens. */
    for (int i = 0; i < size; i++)
        ranks[i] = i;
    ranks[size] = MPI_PROC_NULL;
    MPI_Group_translate_ranks(g1, size + 1, ranks, g2, out);
    for (int i = 0; i < size; i++) {
        int w = size - 1 - i;
        int expect_r = w % 2 ? MPI_UNDEFINED : w / 2;
        CHECK(out[i] == expect_r, "translate %d: %d, expected %d", i, out[i], expect_r);
    }
    CHECK(out[size] == MPI_PROC_NULL, "translate MPI_PROC_NULL gave %d", out[size]);
    MPI_Group_translate_ranks(g1, 0, NULL, g2, NULL);

    /* The group of a communicator follows its ranks. */
    {
        MPI_Comm rev;
        MPI_Group rg;
        MPI_Comm_split(MPI_COMM_WORLD, 0, size - rank, &rev);
        MPI_Comm_group(rev, &rg);
        MPI_Group_compare(rg, g1, &result);
        CHECK(result == MPI_IDENT, "group of reversed split vs incl reversed: %d", result);
        MPI_Group_free(&rg);
        MPI_Comm_free(&rev);
    }

    /* A group outlives the communicator it came from. */
    {
        MPI_Comm d;
        MPI_Group dg;
        MPI_Comm_dup(MPI_COMM_WORLD, &d);
        MPI_Comm_group(d, &dg);
        MPI_Comm_free(&d);
        MPI_Group_size(dg, &n);
        CHECK(n == size, "group of a freed communicator has %d ranks", n);
        MPI_Group_free(&dg);
    }

    MPI_Group_free(&g1);
    MPI_Group_free(&g2);
    MPI_Group_free(&world);
    MPI_Finalize();
    return 0;
}
