/* MPI_Comm_idup does not wait for the other members: it returns at once and the
 * new communicator is agreed on while the caller goes on (the standard's
 * nonblocking semantics). Each part below deadlocks if idup blocks until every
 * member has called it:
 *   chain:    rank r > 0 calls idup only after a message that rank r - 1 sends
 *             after its own idup;
 *   crossed:  idups on two communicators started in opposite orders on even and
 *             odd ranks, waited for in opposite orders too;
 *   ring:     every rank idups the two pair communicators it belongs to, {r, r+1}
 *             and {r-1, r}, then waits for both: a cycle of overlapping creations;
 *   mixed:    even ranks make a communicator with the blocking
 *             MPI_Comm_create_group before their idup, odd ranks after theirs;
 *   threads:  (MPI_THREAD_MULTIPLE) one thread idups and waits while another
 *             runs blocking MPI_Comm_dup on another communicator.
 * Every new communicator is then used, and attributes are copied as by dup. */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, size;

#include "check.h"

/* Checks that c is a working duplicate of parent: same group, its own context
 * (a message on parent is not received on c), and a collective that works. */
static void check_dup(MPI_Comm parent, MPI_Comm c, const char *what)
{
    int result, r, n, sum = 0, token = -1, flag;
    MPI_Request req;

    MPI_Comm_compare(parent, c, &result);
    CHECK(result == MPI_CONGRUENT, "%s: compare gives %d, not MPI_CONGRUENT", what, result);
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &n);
    MPI_Allreduce(&r, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK(sum == n * (n - 1) / 2, "%s: allreduce of ranks gives %d, not %d", what, sum,
          n * (n - 1) / 2);
    /* A message to myself on parent must not match a receive on c. */
    MPI_Irecv(&token, 1, MPI_INT, r, 77, c, &req);
    MPI_Send(&r, 1, MPI_INT, r, 77, parent);
    MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    CHECK(!flag, "%s: a receive on the new communicator took a message sent on its parent",
          what);
    MPI_Send(&r, 1, MPI_INT, r, 77, c);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(token == r, "%s: self message on the new communicator gave %d", what, token);
    MPI_Recv(&token, 1, MPI_INT, r, 77, parent, MPI_STATUS_IGNORE);
}

static void test_chain(void)
{
    MPI_Comm c;
    MPI_Request req;
    int token = -1, keyval, *got, flag, err;
    static int value = 4242;

    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL);
    MPI_Comm_set_attr(MPI_COMM_WORLD, keyval, &value);
    if (rank > 0)
        MPI_Recv(&token, 1, MPI_INT, rank - 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Comm_idup(MPI_COMM_WORLD, &c, &req);
    /* Changed after the idup: the new communicator keeps the value of the call. */
    MPI_Comm_delete_attr(MPI_COMM_WORLD, keyval);
    /* Local calls work on the new handle at once (mpi4py sets its error handler
     * there); communicating on it before the wait is refused, not undefined:
     * rank 0's idup cannot be complete while rank 1 waits for its message. */
    err = MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
    CHECK(err == MPI_SUCCESS, "chain: MPI_Comm_set_errhandler on the new handle gave %d", err);
    if (rank == 0 && size > 1) {
        err = MPI_Barrier(c);
        MPI_Error_class(err, &err);
        CHECK(err == MPI_ERR_COMM, "chain: MPI_Barrier before the idup completed gave class "
              "%d, not MPI_ERR_COMM", err);
    }
    if (rank + 1 < size)
        MPI_Send(&rank, 1, MPI_INT, rank + 1, 1, MPI_COMM_WORLD);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(req == MPI_REQUEST_NULL, "chain: the wait left the request set");
    CHECK(rank == 0 || token == rank - 1, "chain: got token %d", token);
    check_dup(MPI_COMM_WORLD, c, "chain");
    MPI_Comm_get_attr(c, keyval, &got, &flag);
    CHECK(flag && got == &value, "chain: the attribute set at the idup was not copied");
    MPI_Comm_free(&c);
    MPI_Comm_free_keyval(&keyval);
}

static void test_crossed(void)
{
    MPI_Comm a, b, da, db;
    MPI_Request ra, rb;
    int flag = 0;

    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_split(MPI_COMM_WORLD, 0, size - rank, &b);   /* ranks reversed */
    if (rank % 2 == 0) {
        MPI_Comm_idup(a, &da, &ra);
        MPI_Comm_idup_with_info(b, MPI_INFO_NULL, &db, &rb);
        MPI_Wait(&ra, MPI_STATUS_IGNORE);
        /* Completed by MPI_Test polling, not by a wait. */
        while (!flag)
            MPI_Test(&rb, &flag, MPI_STATUS_IGNORE);
    } else {
        MPI_Comm_idup_with_info(b, MPI_INFO_NULL, &db, &rb);
        MPI_Comm_idup(a, &da, &ra);
        MPI_Wait(&rb, MPI_STATUS_IGNORE);
        MPI_Wait(&ra, MPI_STATUS_IGNORE);
    }
    check_dup(a, da, "crossed a");
    check_dup(b, db, "crossed b");
    MPI_Comm_free(&da);
    MPI_Comm_free(&db);
    MPI_Comm_free(&a);
    MPI_Comm_free(&b);
}

static void test_ring(void)
{
    MPI_Group world_group, g;
    MPI_Comm pair[2], dup[2];     /* pair[0]: {rank, rank+1}, pair[1]: {rank-1, rank} */
    MPI_Request reqs[2];
    int members[2];

    if (size < 2)
        return;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    /* Pair i is {i, i+1}; created in the order of i, so that no creation waits
     * in a cycle. */
    for (int i = 0; i < size; i++) {
        int lo = i, hi = (i + 1) % size, which;
        if (rank == lo)
            which = 0;
        else if (rank == hi)
            which = 1;
        else
            continue;
        members[0] = lo;
        members[1] = hi;
        MPI_Group_incl(world_group, 2, members, &g);
        MPI_Comm_create_group(MPI_COMM_WORLD, g, i, &pair[which]);
        MPI_Group_free(&g);
    }
    MPI_Group_free(&world_group);
    MPI_Comm_idup(pair[0], &dup[0], &reqs[0]);
    MPI_Comm_idup(pair[1], &dup[1], &reqs[1]);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    /* Used in the order of the pairs' numbers, as they were made. */
    for (int k = 0; k < 2; k++) {
        int which = (rank == 0) == (k == 0) ? 0 : 1;
        check_dup(pair[which], dup[which], which ? "ring pair {rank-1, rank}"
                                                 : "ring pair {rank, rank+1}");
    }
    for (int i = 0; i < 2; i++) {
        MPI_Comm_free(&dup[i]);
        MPI_Comm_free(&pair[i]);
    }
}

static void test_mixed(void)
{
    MPI_Group world_group;
    MPI_Comm group_comm, d;
    MPI_Request req;

    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    if (rank % 2 == 0) {
        MPI_Comm_create_group(MPI_COMM_WORLD, world_group, 5, &group_comm);
        MPI_Comm_idup(MPI_COMM_WORLD, &d, &req);
    } else {
        MPI_Comm_idup(MPI_COMM_WORLD, &d, &req);
        MPI_Comm_create_group(MPI_COMM_WORLD, world_group, 5, &group_comm);
    }
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    check_dup(MPI_COMM_WORLD, d, "mixed idup");
    check_dup(MPI_COMM_WORLD, group_comm, "mixed create_group");
    MPI_Comm_free(&d);
    MPI_Comm_free(&group_comm);
    MPI_Group_free(&world_group);
}

#define THREAD_ROUNDS 20

static MPI_Comm thread_parent[2];

static void *thread_idup(void *arg)
{
    for (int i = 0; i < THREAD_ROUNDS; i++) {
        MPI_Comm c;
        MPI_Request req;
        MPI_Comm_idup(thread_parent[0], &c, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        check_dup(thread_parent[0], c, "thread idup");
        MPI_Comm_free(&c);
    }
    return NULL;
}

static void *thread_dup(void *arg)
{
    for (int i = 0; i < THREAD_ROUNDS; i++) {
        MPI_Comm c;
        MPI_Comm_dup(thread_parent[1], &c);
        check_dup(thread_parent[1], c, "thread dup");
        MPI_Comm_free(&c);
    }
    return NULL;
}

static void test_threads(void)
{
    pthread_t th[2];

    MPI_Comm_dup(MPI_COMM_WORLD, &thread_parent[0]);
    MPI_Comm_dup(MPI_COMM_WORLD, &thread_parent[1]);
    /* Odd ranks start the threads in the other order. */
    for (int i = 0; i < 2; i++) {
        int which = rank % 2 ? 1 - i : i;
        pthread_create(&th[i], NULL, which ? thread_dup : thread_idup, NULL);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    MPI_Comm_free(&thread_parent[0]);
    MPI_Comm_free(&thread_parent[1]);
}

int main(int argc, char **argv)
{
    int provided;

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    test_chain();
    test_crossed();
    test_ring();
    test_mixed();
    if (provided == MPI_THREAD_MULTIPLE)
        test_threads();
    MPI_Finalize();
    return 0;
}
