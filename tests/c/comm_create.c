/* MPI_Comm_create, MPI_Comm_create_group, MPI_Comm_dup/idup, compare, names,
 * test_inter, and context ids that are given back and reused. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

static int sum_over(MPI_Comm comm, int value)
{
    /* Linear reduction to rank 0 and back, with pt2pt only. */
    int r, n, total = value, x;
    MPI_Comm_rank(comm, &r);
    MPI_Comm_size(comm, &n);
    if (r == 0) {
        for (int i = 1; i < n; i++) {
            MPI_Recv(&x, 1, MPI_INT, i, 9, comm, MPI_STATUS_IGNORE);
            total += x;
        }
        for (int i = 1; i < n; i++)
            MPI_Send(&total, 1, MPI_INT, i, 9, comm);
    } else {
        MPI_Send(&value, 1, MPI_INT, 0, 9, comm);
        MPI_Recv(&total, 1, MPI_INT, 0, 9, comm, MPI_STATUS_IGNORE);
    }
    return total;
}

int main(int argc, char **argv)
{
    int size, r, n, result, len, flag;
    char name[MPI_MAX_OBJECT_NAME];
    MPI_Group world_group, even_group;
    MPI_Comm even, dup, idup;
    MPI_Request req;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Names. */
    MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
    CHECK(!strcmp(name, "MPI_COMM_WORLD") && len == 14, "world name '%s' (%d)", name, len);
    MPI_Comm_get_name(MPI_COMM_SELF, name, &len);
    CHECK(!strcmp(name, "MPI_COMM_SELF") && len == 13, "self name '%s' (%d)", name, len);

    /* Comm_create from the even ranks, in reverse order. */
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    {
        int ne = (size + 1) / 2, *ranks = malloc(sizeof(int) * (size_t)ne);
        for (int i = 0; i < ne; i++)
            ranks[i] = 2 * (ne - 1 - i);
        MPI_Group_incl(world_group, ne, ranks, &even_group);
        free(ranks);
        MPI_Comm_create(MPI_COMM_WORLD, even_group, &even);
        if (rank % 2) {
            CHECK(even == MPI_COMM_NULL, "odd rank got a communicator from Comm_create");
        } else {
            CHECK(even != MPI_COMM_NULL, "even rank got MPI_COMM_NULL from Comm_create");
            MPI_Comm_size(even, &n);
            MPI_Comm_rank(even, &r);
            CHECK(n == ne && r == ne - 1 - rank / 2, "Comm_create: rank %d of %d", r, n);
            CHECK(sum_over(even, rank) == 2 * (ne - 1) * ne / 2, "sum over the even ranks");
            MPI_Comm_get_name(even, name, &len);
            CHECK(len == 0 && name[0] == '\0', "new communicator named '%s'", name);
            MPI_Comm_set_name(even, "evens");
            MPI_Comm_get_name(even, name, &len);
            CHECK(!strcmp(name, "evens") && len == 5, "name after set: '%s'", name);
            MPI_Comm_compare(even, MPI_COMM_WORLD, &result);
            CHECK(result == (size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL), "compare(even, world) = %d",
                  result);
        }
    }

    /* Comm_create_group: only the even ranks call it. */
    if (rank % 2 == 0) {
        MPI_Comm eg;
        MPI_Comm_create_group(MPI_COMM_WORLD, even_group, 42, &eg);
        CHECK(eg != MPI_COMM_NULL, "Comm_create_group gave MPI_COMM_NULL");
        MPI_Comm_compare(eg, even, &result);
        CHECK(result == MPI_CONGRUENT, "create_group vs create: %d", result);
        CHECK(sum_over(eg, 1) == (size + 1) / 2, "sum over create_group communicator");
        MPI_Comm_free(&eg);
    }
    /* Everyone else meanwhile: a create_group of the odd ranks with another tag. */
    if (rank % 2 == 1) {
        MPI_Group odd_group;
        MPI_Comm og;
        MPI_Group_difference(world_group, even_group, &odd_group);
        MPI_Comm_create_group(MPI_COMM_WORLD, odd_group, 43, &og);
        CHECK(og != MPI_COMM_NULL, "Comm_create_group (odd) gave MPI_COMM_NULL");
        MPI_Comm_size(og, &n);
        CHECK(n == size / 2, "odd communicator has %d ranks", n);
        CHECK(sum_over(og, 1) == size / 2, "sum over the odd communicator");
        MPI_Comm_free(&og);
        MPI_Group_free(&odd_group);
    }

    /* Dup: congruent, name not copied, traffic separate. */
    MPI_Comm_set_name(MPI_COMM_WORLD, "world renamed");
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_compare(dup, MPI_COMM_WORLD, &result);
    CHECK(result == MPI_CONGRUENT, "compare(dup, world) = %d", result);
    MPI_Comm_compare(dup, dup, &result);
    CHECK(result == MPI_IDENT, "compare(dup, dup) = %d", result);
    MPI_Comm_get_name(dup, name, &len);
    CHECK(len == 0, "dup inherited the name '%s'", name);
    MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
    CHECK(!strcmp(name, "world renamed"), "world name after set: '%s'", name);
    MPI_Comm_set_name(MPI_COMM_WORLD, "MPI_COMM_WORLD");
    MPI_Comm_compare(MPI_COMM_SELF, MPI_COMM_WORLD, &result);
    CHECK(result == (size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL), "compare(self, world) = %d", result);
    MPI_Comm_test_inter(dup, &flag);
    CHECK(!flag, "dup is an intercommunicator?");
    CHECK(sum_over(dup, rank) == size * (size - 1) / 2, "sum over dup");

    /* Idup: complete at once, usable after the wait. */
    MPI_Comm_idup(dup, &idup, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(req == MPI_REQUEST_NULL, "request not freed by MPI_Wait");
    MPI_Comm_compare(idup, dup, &result);
    CHECK(result == MPI_CONGRUENT, "compare(idup, dup) = %d", result);
    CHECK(sum_over(idup, 1) == size, "sum over idup");
    MPI_Comm_free(&idup);

    /* A similar communicator: world reversed. */
    {
        MPI_Comm rev;
        MPI_Comm_split(MPI_COMM_WORLD, 0, size - rank, &rev);
        MPI_Comm_compare(rev, MPI_COMM_WORLD, &result);
        CHECK(result == (size == 1 ? MPI_CONGRUENT : MPI_SIMILAR), "compare(reversed, world) = %d",
              result);
        MPI_Comm_free(&rev);
    }

    /* More communicators than there are context ids, created and freed in turn,
     * and many alive at once. */
    for (int i = 0; i < 5000; i++) {
        MPI_Comm c;
        MPI_Comm_dup(dup, &c);
        MPI_Comm_free(&c);
    }
    {
        enum { LIVE = 200 };
        MPI_Comm live[LIVE];
        for (int i = 0; i < LIVE; i++)
            MPI_Comm_dup(i % 2 ? dup : MPI_COMM_WORLD, &live[i]);
        for (int i = 0; i < LIVE; i += 3)
            MPI_Comm_free(&live[i]);
        for (int i = 0; i < LIVE; i += 3)
            MPI_Comm_split(MPI_COMM_WORLD, rank % 3, rank, &live[i]);
        for (int i = 0; i < LIVE; i += 37)
            CHECK(sum_over(live[i], 1) >= 1, "sum over communicator %d", i);
        for (int i = 0; i < LIVE; i++)
            MPI_Comm_free(&live[i]);
    }

    if (even != MPI_COMM_NULL)
        MPI_Comm_free(&even);
    MPI_Comm_free(&dup);
    MPI_Group_free(&even_group);
    MPI_Group_free(&world_group);
    MPI_Finalize();
    return 0;
}
