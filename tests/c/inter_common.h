/* What the intercommunicator tests share: MPI_COMM_WORLD cut into two groups, in
 * two shapes so that the groups differ in size, and an intercommunicator between
 * them made with MPI_Intercomm_create. The programs include this file. */
#ifndef TESTS_INTER_COMMON_H
#define TESTS_INTER_COMMON_H

#include "check.h"

#include <stdlib.h>
#include <string.h>

static int rank, wsize;

/* Shapes: 0 even and odd world ranks; 1 the first third (at least one) and the
 * rest. */
#define IT_SHAPES 2

typedef struct it_inter {
    int      shape, side;       /* side: my group, 0 or 1 */
    MPI_Comm local, inter;
    MPI_Comm skew;              /* side 1 only: holds a context id, see it_make */
    int      lrank, lsize, rsize;
    int      local_world[64], remote_world[64];   /* world rank by local / remote rank */
} it_inter_t;

static inline int it_side_of(int shape, int r)
{
    if (shape == 0)
        return r % 2;
    return r < (wsize / 3 > 0 ? wsize / 3 : 1) ? 0 : 1;
}

/* The world ranks of a side, in rank order. */
static inline int it_members(int shape, int side, int *list)
{
    int n = 0;

    for (int r = 0; r < wsize; r++)
        if (it_side_of(shape, r) == side)
            list[n++] = r;
    return n;
}

/* Needs wsize >= 2. leader_last: each side's leader is its last rank, not 0. */
static inline void it_make(it_inter_t *t, int shape, int leader_last, int tag)
{
    int rc, flag = 0, remote_leader;

    t->shape = shape;
    t->side = it_side_of(shape, rank);
    t->lsize = it_members(shape, t->side, t->local_world);
    t->rsize = it_members(shape, 1 - t->side, t->remote_world);
    MPI_Comm_split(MPI_COMM_WORLD, t->side, rank, &t->local);
    MPI_Comm_rank(t->local, &t->lrank);
    /* Side 1 takes one more context id first, so that the two sides' ids for the
     * intercommunicator differ, as in a program whose groups have different
     * histories: messages must carry the id of the side that receives them. */
    t->skew = MPI_COMM_NULL;
    if (t->side == 1)
        MPI_Comm_dup(t->local, &t->skew);
    remote_leader = t->remote_world[leader_last ? t->rsize - 1 : 0];
    rc = MPI_Intercomm_create(t->local, leader_last ? t->lsize - 1 : 0, MPI_COMM_WORLD,
                              remote_leader, tag, &t->inter);
    CHECK(rc == MPI_SUCCESS && t->inter != MPI_COMM_NULL,
          "MPI_Intercomm_create (shape %d) returned %d", shape, rc);
    MPI_Comm_test_inter(t->inter, &flag);
    CHECK(flag == 1, "MPI_Comm_test_inter says %d of a new intercommunicator", flag);
}

static inline void it_free(it_inter_t *t)
{
    MPI_Comm_free(&t->inter);
    MPI_Comm_free(&t->local);
    if (t->skew != MPI_COMM_NULL)
        MPI_Comm_free(&t->skew);
}

/* group's members as world ranks. */
static inline void it_group_world(MPI_Group group, int *world, int *n)
{
    MPI_Group wgroup;
    int ranks[64];

    MPI_Group_size(group, n);
    for (int i = 0; i < *n; i++)
        ranks[i] = i;
    MPI_Comm_group(MPI_COMM_WORLD, &wgroup);
    MPI_Group_translate_ranks(group, *n, ranks, wgroup, world);
    MPI_Group_free(&wgroup);
}

/* Runs run(shape) for each shape (at 1 rank: nothing); after MPI_Init. */
static inline void it_run_shapes(void (*run)(int shape))
{
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    if (wsize >= 2)
        for (int shape = 0; shape < IT_SHAPES; shape++)
            run(shape);
}

#endif
