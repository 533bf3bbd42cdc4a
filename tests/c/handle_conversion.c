/* Handle conversions: MPI_<kind>_c2f / _f2c for communicators, datatypes, groups,
 * requests, ops, infos, error handlers, messages and sessions (predefined handles are their
 * own values, objects get stable values that die with them, unknown values give
 * the null handle), and the status conversions between C, Fortran and F08. */
/* np: 1 2 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static void user_fn(void *in, void *inout, int *len, MPI_Datatype *dt) {}
static void errh_fn(MPI_Comm *comm, int *code, ...) {}

/* The null handle for every kind, for values that name nothing. */
static void check_unknown(MPI_Fint f)
{
    CHECK(MPI_Comm_f2c(f) == MPI_COMM_NULL, "Comm_f2c(%d) not MPI_COMM_NULL", f);
    CHECK(MPI_Type_f2c(f) == MPI_DATATYPE_NULL, "Type_f2c(%d) not MPI_DATATYPE_NULL", f);
    CHECK(MPI_Group_f2c(f) == MPI_GROUP_NULL, "Group_f2c(%d) not MPI_GROUP_NULL", f);
    CHECK(MPI_Request_f2c(f) == MPI_REQUEST_NULL, "Request_f2c(%d) not MPI_REQUEST_NULL", f);
    CHECK(MPI_Op_f2c(f) == MPI_OP_NULL, "Op_f2c(%d) not MPI_OP_NULL", f);
    CHECK(MPI_Info_f2c(f) == MPI_INFO_NULL, "Info_f2c(%d) not MPI_INFO_NULL", f);
    CHECK(MPI_Errhandler_f2c(f) == MPI_ERRHANDLER_NULL, "Errhandler_f2c(%d) not NULL", f);
    CHECK(MPI_Message_f2c(f) == MPI_MESSAGE_NULL, "Message_f2c(%d) not MPI_MESSAGE_NULL", f);
    CHECK(MPI_Session_f2c(f) == MPI_SESSION_NULL, "Session_f2c(%d) not MPI_SESSION_NULL", f);
}

int main(int argc, char **argv)
{
    MPI_Comm c, c2;
    MPI_Datatype t;
    MPI_Group g;
    MPI_Request r, pr;
    MPI_Op op;
    MPI_Info info, many[300];
    MPI_Fint fmany[300];
    MPI_Errhandler eh;
    MPI_Message msg;
    MPI_Status st, st2;
    MPI_F08_status f08;
    MPI_Fint f, f2, fst[MPI_F_STATUS_SIZE];
    int x = 5, y = 0, flag, count;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    /* Predefined handles are their own values, both ways. */
    CHECK(MPI_Comm_c2f(MPI_COMM_WORLD) == 0x101, "COMM_WORLD -> %d", MPI_Comm_c2f(MPI_COMM_WORLD));
    CHECK(MPI_Comm_f2c(0x101) == MPI_COMM_WORLD, "0x101 -> not COMM_WORLD");
    CHECK(MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_SELF)) == MPI_COMM_SELF, "COMM_SELF round trip");
    CHECK(MPI_Comm_c2f(MPI_COMM_NULL) == 0x100, "COMM_NULL -> %d", MPI_Comm_c2f(MPI_COMM_NULL));
    CHECK(MPI_Type_c2f(MPI_INT) == 0x209, "MPI_INT -> %d", MPI_Type_c2f(MPI_INT));
    CHECK(MPI_Type_f2c(MPI_Type_c2f(MPI_DOUBLE_INT)) == MPI_DOUBLE_INT, "DOUBLE_INT round trip");
    CHECK(MPI_Op_f2c(MPI_Op_c2f(MPI_SUM)) == MPI_SUM && MPI_Op_c2f(MPI_MAXLOC) == 0x39,
          "MPI_SUM/MAXLOC values");
    CHECK(MPI_Group_f2c(MPI_Group_c2f(MPI_GROUP_EMPTY)) == MPI_GROUP_EMPTY, "GROUP_EMPTY");
    CHECK(MPI_Errhandler_f2c(MPI_Errhandler_c2f(MPI_ERRORS_RETURN)) == MPI_ERRORS_RETURN,
          "ERRORS_RETURN round trip");
    CHECK(MPI_Info_f2c(MPI_Info_c2f(MPI_INFO_ENV)) == MPI_INFO_ENV, "INFO_ENV round trip");
    CHECK(MPI_Message_f2c(MPI_Message_c2f(MPI_MESSAGE_NO_PROC)) == MPI_MESSAGE_NO_PROC,
          "MESSAGE_NO_PROC round trip");
    CHECK(MPI_Request_c2f(MPI_REQUEST_NULL) == 0x180, "REQUEST_NULL -> %d",
          MPI_Request_c2f(MPI_REQUEST_NULL));
    /* Values that name nothing: zero, negative, another kind's, unassigned. */
    check_unknown(0);
    check_unknown(-1);
    check_unknown(0x3ff);
    check_unknown(123456);
    CHECK(MPI_Comm_f2c(0x209) == MPI_COMM_NULL, "a datatype's value became a communicator");
    CHECK(MPI_Type_f2c(0x101) == MPI_DATATYPE_NULL, "a communicator's value became a datatype");

    /* Communicators: a value of their own, the same at every c2f, gone at free. */
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    f = MPI_Comm_c2f(c);
    CHECK(f >= 0x400, "user communicator got the value %d", f);
    CHECK(MPI_Comm_c2f(c) == f, "second c2f gave %d, first %d", MPI_Comm_c2f(c), f);
    CHECK(MPI_Comm_f2c(f) == c, "f2c(%d) is not the communicator", f);
    MPI_Comm_dup(MPI_COMM_WORLD, &c2);
    f2 = MPI_Comm_c2f(c2);
    CHECK(f2 != f && MPI_Comm_f2c(f2) == c2, "second communicator: %d vs %d", f2, f);
    /* The handle from f2c is the communicator itself. */
    MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_SUM, MPI_Comm_f2c(f));
    CHECK(y == 5 * size, "allreduce on f2c's communicator gave %d", y);
    MPI_Comm_free(&c);
    CHECK(MPI_Comm_f2c(f) == MPI_COMM_NULL, "f2c(%d) of a freed communicator not NULL", f);
    CHECK(MPI_Comm_f2c(f2) == c2, "freeing one communicator lost the other's value");
    MPI_Comm_free(&c2);
    CHECK(MPI_Comm_f2c(f2) == MPI_COMM_NULL, "f2c(%d) of the second freed communicator", f2);

    /* Datatypes. */
    MPI_Type_contiguous(3, MPI_INT, &t);
    MPI_Type_commit(&t);
    f = MPI_Type_c2f(t);
    CHECK(f >= 0x400 && MPI_Type_f2c(f) == t, "datatype value %d", f);
    MPI_Type_size(MPI_Type_f2c(f), &count);
    CHECK(count == 3 * (int)sizeof(int), "size through f2c: %d", count);
    MPI_Type_free(&t);
    CHECK(MPI_Type_f2c(f) == MPI_DATATYPE_NULL, "freed datatype still converts");

    /* Groups. A value lasts as long as the object: MPI_COMM_WORLD's group lives
     * on after MPI_Group_free (the communicator holds it), a group of one's own
     * does not. */
    MPI_Comm_group(MPI_COMM_WORLD, &g);
    f = MPI_Group_c2f(g);
    CHECK(MPI_Group_f2c(f) == g, "group value %d", f);
    MPI_Group_size(MPI_Group_f2c(f), &count);
    CHECK(count == size, "group size through f2c: %d", count);
    {
        MPI_Group g1;
        MPI_Group_incl(g, 1, &rank, &g1);
        f2 = MPI_Group_c2f(g1);
        CHECK(f2 != f && MPI_Group_f2c(f2) == g1, "incl group value %d", f2);
        MPI_Group_size(MPI_Group_f2c(f2), &count);
        CHECK(count == 1, "incl group size through f2c: %d", count);
        MPI_Group_free(&g1);
        CHECK(MPI_Group_f2c(f2) == MPI_GROUP_NULL, "freed group still converts");
    }
    MPI_Group_free(&g);

    /* Requests: the value dies when the request completes. */
    MPI_Irecv(&y, 1, MPI_INT, rank, 4, MPI_COMM_WORLD, &r);
    f = MPI_Request_c2f(r);
    CHECK(f >= 0x400 && MPI_Request_f2c(f) == r, "request value %d", f);
    MPI_Send(&x, 1, MPI_INT, rank, 4, MPI_COMM_WORLD);
    r = MPI_Request_f2c(f);
    MPI_Wait(&r, &st);
    CHECK(r == MPI_REQUEST_NULL && y == 5, "wait through f2c: y %d", y);
    CHECK(MPI_Request_f2c(f) == MPI_REQUEST_NULL, "completed request still converts");
    /* A persistent request lives until MPI_Request_free. */
    MPI_Recv_init(&y, 1, MPI_INT, rank, 6, MPI_COMM_WORLD, &pr);
    f = MPI_Request_c2f(pr);
    for (int i = 0; i < 3; i++) {
        MPI_Start(&pr);
        MPI_Send(&i, 1, MPI_INT, rank, 6, MPI_COMM_WORLD);
        MPI_Wait(&pr, &st);
        CHECK(y == i && MPI_Request_f2c(f) == pr, "persistent round %d: y %d", i, y);
    }
    MPI_Request_free(&pr);
    CHECK(MPI_Request_f2c(f) == MPI_REQUEST_NULL, "freed persistent request still converts");

    /* Ops. */
    MPI_Op_create(user_fn, 1, &op);
    f = MPI_Op_c2f(op);
    CHECK(f >= 0x400 && MPI_Op_f2c(f) == op, "op value %d", f);
    MPI_Op_free(&op);
    CHECK(MPI_Op_f2c(f) == MPI_OP_NULL, "freed op still converts");

    /* Error handlers. */
    MPI_Comm_create_errhandler(errh_fn, &eh);
    f = MPI_Errhandler_c2f(eh);
    CHECK(f >= 0x400 && MPI_Errhandler_f2c(f) == eh, "errhandler value %d", f);
    MPI_Errhandler_free(&eh);
    CHECK(MPI_Errhandler_f2c(f) == MPI_ERRHANDLER_NULL, "freed errhandler still converts");

    /* Messages: the value dies when the message is received. */
    MPI_Send(&x, 1, MPI_INT, rank, 8, MPI_COMM_WORLD);
    do
        MPI_Improbe(rank, 8, MPI_COMM_WORLD, &flag, &msg, &st);
    while (!flag);
    f = MPI_Message_c2f(msg);
    CHECK(f >= 0x400 && MPI_Message_f2c(f) == msg, "message value %d", f);
    msg = MPI_Message_f2c(f);
    MPI_Mrecv(&y, 1, MPI_INT, &msg, &st);
    CHECK(y == 5 && msg == MPI_MESSAGE_NULL, "mrecv through f2c: y %d", y);
    CHECK(MPI_Message_f2c(f) == MPI_MESSAGE_NULL, "received message still converts");

    /* Sessions. */
    {
        MPI_Session sess;
        MPI_Group sg;
        MPI_Info sinfo;
        MPI_Info_create(&sinfo);
        MPI_Session_init(sinfo, MPI_ERRORS_RETURN, &sess);
        f = MPI_Session_c2f(sess);
        CHECK(f >= 0x400 && MPI_Session_f2c(f) == sess, "session value %d", f);
        CHECK(MPI_Group_from_session_pset(MPI_Session_f2c(f), "mpi://SELF", &sg) == MPI_SUCCESS,
              "a pset's group through the f2c session failed");
        MPI_Group_size(sg, &count);
        CHECK(count == 1, "mpi://SELF through f2c has %d processes", count);
        MPI_Group_free(&sg);
        CHECK(MPI_Session_c2f(MPI_SESSION_NULL) == 0x120, "SESSION_NULL -> %d",
              MPI_Session_c2f(MPI_SESSION_NULL));
        MPI_Session_finalize(&sess);
        CHECK(MPI_Session_f2c(f) == MPI_SESSION_NULL, "finalized session still converts");
        MPI_Info_free(&sinfo);
    }

    /* Many infos: values stay right while others come and go (the tables grow
     * and delete in the middle of their probe runs). */
    for (int i = 0; i < 300; i++) {
        char v[16];
        MPI_Info_create(&many[i]);
        snprintf(v, sizeof(v), "%d", i);
        MPI_Info_set(many[i], "i", v);
        fmany[i] = MPI_Info_c2f(many[i]);
        for (int j = 0; j < i; j += 37)
            CHECK(fmany[j] != fmany[i], "infos %d and %d share the value %d", i, j, fmany[i]);
    }
    for (int i = 0; i < 300; i += 3)
        MPI_Info_free(&many[i]);
    for (int i = 0; i < 300; i++) {
        MPI_Info h = MPI_Info_f2c(fmany[i]);
        if (i % 3 == 0) {
            CHECK(h == MPI_INFO_NULL, "freed info %d (value %d) still converts", i, fmany[i]);
            continue;
        }
        char v[16];
        int buflen = sizeof(v);
        CHECK(h == many[i], "info %d: f2c(%d) is another handle", i, fmany[i]);
        MPI_Info_get_string(h, "i", &buflen, v, &flag);
        CHECK(flag && atoi(v) == i, "info %d holds %s", i, v);
    }
    /* Freed values are reused for new objects, never for two at once. */
    MPI_Info_create(&info);
    f = MPI_Info_c2f(info);
    CHECK(MPI_Info_f2c(f) == info, "new info after frees: f2c(%d)", f);
    for (int i = 0; i < 300; i++)
        if (i % 3)
            CHECK(fmany[i] != f, "new info got live info %d's value %d", i, f);
    MPI_Info_free(&info);
    for (int i = 0; i < 300; i++)
        if (i % 3)
            MPI_Info_free(&many[i]);

    /* Statuses: every conversion keeps every field, hidden ones included. */
    MPI_Send(&x, 1, MPI_INT, rank, 9, MPI_COMM_WORLD);
    MPI_Recv(&y, 1, MPI_INT, rank, 9, MPI_COMM_WORLD, &st);
    CHECK(MPI_Status_c2f(&st, fst) == MPI_SUCCESS, "Status_c2f failed");
    CHECK(fst[MPI_F_SOURCE] == rank && fst[MPI_F_TAG] == 9 && fst[MPI_F_ERROR] == st.MPI_ERROR,
          "Fortran status: source %d tag %d", fst[MPI_F_SOURCE], fst[MPI_F_TAG]);
    memset(&st2, 0xff, sizeof(st2));
    MPI_Status_f2c(fst, &st2);
    CHECK(memcmp(&st, &st2, sizeof(st)) == 0, "c2f then f2c changed the status");
    MPI_Get_count(&st2, MPI_INT, &count);
    CHECK(count == 1, "count of the converted status: %d", count);
    MPI_Status_c2f08(&st, &f08);
    CHECK(f08.MPI_SOURCE == rank && f08.MPI_TAG == 9, "F08 status: source %d tag %d",
          f08.MPI_SOURCE, f08.MPI_TAG);
    memset(fst, 0, sizeof(fst));
    MPI_Status_f082f(&f08, fst);
    memset(&f08, 0, sizeof(f08));
    MPI_Status_f2f08(fst, &f08);
    memset(&st2, 0, sizeof(st2));
    MPI_Status_f082c(&f08, &st2);
    CHECK(memcmp(&st, &st2, sizeof(st)) == 0, "the F08 round trip changed the status");
    {
        int rc = MPI_Status_c2f(MPI_STATUS_IGNORE, fst), cls = -1;
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "Status_c2f(MPI_STATUS_IGNORE): class %d", cls);
        rc = MPI_Status_f082c(&f08, NULL);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_ARG, "Status_f082c(.., NULL): class %d", cls);
    }

    MPI_Finalize();
    return 0;
}
