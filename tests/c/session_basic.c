/* Sessions: process sets, groups and communicators made from them, before,
 * beside and after the world model; several sessions at once; errors through the
 * session's handler. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

static int rank = -1;
static int handler_calls, handler_class;
static MPI_Session handler_session;

static void on_session_error(MPI_Session *s, int *code, ...)
{
    handler_calls++;
    handler_session = *s;
    MPI_Error_class(*code, &handler_class);
}

static void on_comm_error(MPI_Comm *c, int *code, ...)
{
    (void)c;
    (void)code;
}

/* A communicator from pset_name: its size is the group's, and an allreduce over it
 * sums the world ranks of its members. */
static MPI_Comm comm_from_pset(MPI_Session s, const char *pset, const char *tag)
{
    MPI_Group g;
    MPI_Comm c;
    int gsize, grank, csize, crank;

    CHECK(MPI_Group_from_session_pset(s, pset, &g) == MPI_SUCCESS, "group of %s", pset);
    MPI_Group_size(g, &gsize);
    MPI_Group_rank(g, &grank);
    CHECK(MPI_Comm_create_from_group(g, tag, MPI_INFO_NULL, MPI_ERRORS_RETURN, &c) ==
          MPI_SUCCESS, "Comm_create_from_group(%s)", pset);
    MPI_Comm_size(c, &csize);
    MPI_Comm_rank(c, &crank);
    CHECK(csize == gsize && crank == grank, "%s: comm %d/%d, group %d/%d", pset, crank, csize,
          grank, gsize);
    MPI_Group_free(&g);
    return c;
}

int main(int argc, char **argv)
{
    MPI_Session s1, s2;
    MPI_Errhandler eh;
    MPI_Comm world1, world2, self1, shared1;
    int flag, n, len, size, sum, want, wrank, wsize;
    char name[MPI_MAX_PSET_NAME_LEN];

    MPI_Initialized(&flag);
    if (flag) { printf("FAIL: initialized before anything\n"); return 1; }
    if (MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s1) != MPI_SUCCESS) {
        printf("FAIL: MPI_Session_init\n");
        return 1;
    }
    MPI_Initialized(&flag);
    CHECK(!flag, "MPI_Initialized is true after MPI_Session_init alone");

    /* The process sets: the standard's two and the node's. */
    CHECK(MPI_Session_get_num_psets(s1, MPI_INFO_NULL, &n) == MPI_SUCCESS && n >= 2,
          "num_psets %d", n);
    int seen_world = 0, seen_self = 0;
    for (int i = 0; i < n; i++) {
        len = 0;
        CHECK(MPI_Session_get_nth_pset(s1, MPI_INFO_NULL, i, &len, NULL) == MPI_SUCCESS &&
              len > 1, "length of pset %d: %d", i, len);
        CHECK(len <= (int)sizeof(name), "pset %d is %d long", i, len);
        CHECK(MPI_Session_get_nth_pset(s1, MPI_INFO_NULL, i, &len, name) == MPI_SUCCESS &&
              (int)strlen(name) + 1 == len, "pset %d: \"%s\" len %d", i, name, len);
        seen_world |= strcmp(name, "mpi://WORLD") == 0;
        seen_self |= strcmp(name, "mpi://SELF") == 0;
    }
    CHECK(seen_world && seen_self, "mpi://WORLD %d, mpi://SELF %d", seen_world, seen_self);
    len = 4;   /* a short buffer: truncated, terminated, the full length back */
    CHECK(MPI_Session_get_nth_pset(s1, MPI_INFO_NULL, 0, &len, name) == MPI_SUCCESS &&
          strlen(name) == 3 && len == (int)strlen("mpi://WORLD") + 1, "short buffer: \"%s\" %d",
          name, len);

    /* Communicators from the sets, no MPI_Init. */
    world1 = comm_from_pset(s1, "mpi://WORLD", "org.baton.test.world");
    MPI_Comm_rank(world1, &rank);
    MPI_Comm_size(world1, &size);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, world1);
    CHECK(sum == size * (size - 1) / 2, "allreduce over mpi://WORLD: %d", sum);
    self1 = comm_from_pset(s1, "mpi://SELF", "org.baton.test.self");
    MPI_Comm_size(self1, &n);
    CHECK(n == 1, "mpi://SELF has %d", n);
    shared1 = comm_from_pset(s1, "mpix://SHARED", "org.baton.test.shared");
    MPI_Barrier(shared1);

    /* The sets' info: mpi_size. The session's: its thread level. */
    {
        MPI_Info in;
        char val[MPI_MAX_INFO_VAL];
        int vlen = sizeof(val), flag = 0, cls;
        CHECK(MPI_Session_get_pset_info(s1, "mpi://WORLD", &in) == MPI_SUCCESS, "pset info");
        MPI_Info_get_string(in, "mpi_size", &vlen, val, &flag);
        CHECK(flag && atoi(val) == size, "mpi://WORLD's mpi_size: \"%s\" (flag %d), size %d",
              flag ? val : "", flag, size);
        MPI_Info_free(&in);
        vlen = sizeof(val);
        MPI_Session_get_pset_info(s1, "mpi://SELF", &in);
        MPI_Info_get_string(in, "mpi_size", &vlen, val, &flag);
        CHECK(flag && atoi(val) == 1, "mpi://SELF's mpi_size: \"%s\"", flag ? val : "");
        MPI_Info_free(&in);
        MPI_Error_class(MPI_Session_get_pset_info(s1, "mpi://NOPE", &in), &cls);
        CHECK(cls == MPI_ERR_ARG, "pset info of an unknown set: class %d", cls);
        vlen = sizeof(val);
        CHECK(MPI_Session_get_info(s1, &in) == MPI_SUCCESS, "MPI_Session_get_info");
        MPI_Info_get_string(in, "thread_level", &vlen, val, &flag);
        CHECK(flag && strcmp(val, "MPI_THREAD_MULTIPLE") == 0, "session thread_level \"%s\"",
              flag ? val : "");
        MPI_Info_free(&in);
    }
    {
        /* A bad thread_level is refused through the given handler. */
        MPI_Info in;
        MPI_Session bad;
        int cls;
        MPI_Info_create(&in);
        MPI_Info_set(in, "thread_level", "MPI_THREAD_SOMETIMES");
        MPI_Error_class(MPI_Session_init(in, MPI_ERRORS_RETURN, &bad), &cls);
        CHECK(cls == MPI_ERR_INFO_VALUE, "thread_level MPI_THREAD_SOMETIMES: class %d", cls);
        MPI_Info_free(&in);
    }

    /* A second session beside the first, its communicator apart from world1's. */
    CHECK(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s2) == MPI_SUCCESS, "session 2");
    world2 = comm_from_pset(s2, "mpi://WORLD", "org.baton.test.world2");
    {
        int a = rank, b = 100 + rank, ra = -1, rb = -1;
        int peer = (rank + 1) % size, from = (rank + size - 1) % size;
        MPI_Request r[2];
        /* Same tag on both: the communicators keep them apart. */
        MPI_Irecv(&rb, 1, MPI_INT, from, 7, world2, &r[0]);
        MPI_Irecv(&ra, 1, MPI_INT, from, 7, world1, &r[1]);
        MPI_Send(&b, 1, MPI_INT, peer, 7, world2);
        MPI_Send(&a, 1, MPI_INT, peer, 7, world1);
        MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
        CHECK(ra == from && rb == 100 + from, "got %d and %d from %d", ra, rb, from);
    }

    /* The world model beside the sessions. */
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(wrank == rank && wsize == size, "world %d/%d, session's %d/%d", wrank, wsize, rank,
          size);
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(sum == size * (size - 1) / 2, "allreduce over MPI_COMM_WORLD: %d", sum);
    MPI_Finalize();
    MPI_Finalized(&flag);
    CHECK(flag, "MPI_Finalized is false after MPI_Finalize");

    /* Sessions go on after MPI_Finalize. */
    want = size * (size - 1);
    sum = 2 * rank;
    MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_INT, MPI_SUM, world2);
    CHECK(sum == want, "allreduce over world2 after MPI_Finalize: %d, want %d", sum, want);

    /* Errors reach the session's handler, with the session. */
    CHECK(MPI_Session_create_errhandler(on_session_error, &eh) == MPI_SUCCESS, "create errh");
    CHECK(MPI_Session_set_errhandler(s1, eh) == MPI_SUCCESS, "set errh");
    {
        MPI_Group g;
        int rc = MPI_Group_from_session_pset(s1, "mpi://NO-SUCH-SET", &g);
        CHECK(rc != MPI_SUCCESS && handler_calls == 1 && handler_class == MPI_ERR_ARG &&
              handler_session == s1, "unknown pset: rc %d, %d calls, class %d", rc,
              handler_calls, handler_class);
        rc = MPI_Session_get_nth_pset(s1, MPI_INFO_NULL, 99, &len, name);
        CHECK(rc != MPI_SUCCESS && handler_calls == 2, "pset 99: rc %d, %d calls", rc,
              handler_calls);
        MPI_Session_call_errhandler(s1, MPI_ERR_OTHER);
        CHECK(handler_calls == 3 && handler_class == MPI_ERR_OTHER, "call_errhandler");
        MPI_Errhandler got;
        CHECK(MPI_Session_get_errhandler(s1, &got) == MPI_SUCCESS && got == eh, "get errh");
        MPI_Errhandler_free(&got);
    }
    MPI_Errhandler_free(&eh);
    {
        /* A communicator's handler is not a session's. */
        MPI_Errhandler ceh;
        MPI_Comm_create_errhandler(on_comm_error, &ceh);
        int rc = MPI_Session_set_errhandler(s2, ceh), cls = -1;
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ERRHANDLER, "comm handler on a session: class %d", cls);
        MPI_Errhandler_free(&ceh);
    }

    MPI_Comm_free(&world1);
    MPI_Comm_free(&self1);
    MPI_Comm_free(&shared1);
    CHECK(MPI_Session_finalize(&s1) == MPI_SUCCESS && s1 == MPI_SESSION_NULL, "finalize s1");
    MPI_Comm_free(&world2);
    CHECK(MPI_Session_finalize(&s2) == MPI_SUCCESS, "finalize s2");
    return 0;
}
