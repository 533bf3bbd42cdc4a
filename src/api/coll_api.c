/* Collective entry points: argument checks, then one call to coll/. The blocking
 * form of each collective starts the same schedule as the nonblocking one and waits
 * for it. */
#include "api/bt_api.h"
#include "coll/bt_coll.h"
#include "op/bt_op.h"
#include "pt2pt/bt_diag.h"
#include "pt2pt/bt_pt2pt.h"

/* ---- shared checks ------------------------------------------------------------------ */

static const char *bt_op_name(MPI_Op h)
{
    static const struct { MPI_Op op; const char *name; } names[] = {
        { MPI_SUM, "MPI_SUM" },       { MPI_MIN, "MPI_MIN" },       { MPI_MAX, "MPI_MAX" },
        { MPI_PROD, "MPI_PROD" },     { MPI_BAND, "MPI_BAND" },     { MPI_BOR, "MPI_BOR" },
        { MPI_BXOR, "MPI_BXOR" },     { MPI_LAND, "MPI_LAND" },     { MPI_LOR, "MPI_LOR" },
        { MPI_LXOR, "MPI_LXOR" },     { MPI_MINLOC, "MPI_MINLOC" }, { MPI_MAXLOC, "MPI_MAXLOC" },
        { MPI_REPLACE, "MPI_REPLACE" }, { MPI_NO_OP, "MPI_NO_OP" },
    };
    for (size_t i = 0; i < BT_ARRAY_LEN(names); i++)
        if (names[i].op == h)
            return names[i].name;
    return "the user-defined op";
}

static int bt_coll_check_op(const char *call, bt_comm_t *comm, MPI_Op h, const bt_datatype_t *dt,
                            bt_op_t **op_p)
{
    bt_op_t *op = bt_op_get(h);

    if (!op)
        return bt_err_comm(comm, MPI_ERR_OP, call, "invalid op%s",
                           h == MPI_OP_NULL ? " (MPI_OP_NULL)" : "");
    if (bt_op_check(op, dt) != MPI_SUCCESS)
        return bt_err_comm(comm, MPI_ERR_OP, call, "%s is not defined for %s", bt_op_name(h),
                           dt->name[0] ? dt->name : "this datatype");
    *op_p = op;
    return MPI_SUCCESS;
}

/* The `blocking` argument of the implementations below: 1 blocking, 0 nonblocking,
 * or this: the persistent form (MPI_<Coll>_init). */
#define BT_COLL_PERSISTENT 2

static int bt_coll_check_request(const char *call, bt_comm_t *comm, int blocking,
                                 MPI_Request *request)
{
    if (blocking != 1 && !request)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "request is NULL");
    return MPI_SUCCESS;
}

static int bt_coll_no_in_place(const char *call, bt_comm_t *comm, const void *buf,
                               const char *what, const char *why)
{
    if (buf == MPI_IN_PLACE)
        return bt_err_comm(comm, MPI_ERR_BUFFER, call, "%s is MPI_IN_PLACE%s", what, why);
    return MPI_SUCCESS;
}

/* Two distinct user buffers that are the same memory: only MPI_IN_PLACE may say so. */
static int bt_coll_no_alias(const char *call, bt_comm_t *comm, const void *sendbuf,
                            const void *recvbuf, MPI_Count bytes)
{
    if (sendbuf == recvbuf && sendbuf && bytes > 0)
        return bt_err_comm(comm, MPI_ERR_BUFFER, call, "sendbuf and recvbuf are the same "
                           "buffer (pass MPI_IN_PLACE as sendbuf instead)");
    return MPI_SUCCESS;
}

/* A count or displacement array as the user passed it: of int (the MPI_<Coll>
 * forms; neighbor_alltoallw's displacements are MPI_Aint) or of MPI_Count and
 * MPI_Aint (the MPI_<Coll>_c forms). One implementation serves both forms: it
 * checks the user's arrays and bt_coll_run_v hands coll/ wide ones. */
typedef struct bt_arr {
    const int       *i;
    const MPI_Count *c;
    const MPI_Aint  *a;
} bt_arr_t;
#define BT_INTS(x)   ((bt_arr_t){ .i = (x) })
#define BT_COUNTS(x) ((bt_arr_t){ .c = (x) })
#define BT_AINTS(x)  ((bt_arr_t){ .a = (x) })

static int bt_arr_null(bt_arr_t x)
{
    return !x.i && !x.c && !x.a;
}

static MPI_Count bt_arr_at(bt_arr_t x, int k)
{
    return x.i ? x.i[k] : x.c ? x.c[k] : x.a[k];
}

/* counts[0..n) >= 0 and present; the sum in *total_p. */
static int bt_coll_check_counts(const char *call, bt_comm_t *comm, bt_arr_t counts,
                                bt_arr_t displs, int n, const char *cname, const char *dname,
                                MPI_Count *total_p)
{
    MPI_Count total = 0;

    if (bt_arr_null(counts))
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is NULL", cname);
    if (dname && bt_arr_null(displs))
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is NULL", dname);
    for (int i = 0; i < n; i++) {
        MPI_Count c = bt_arr_at(counts, i);
        if (c < 0)
            return bt_err_comm(comm, MPI_ERR_COUNT, call, "%s[%d] is %lld, must be non-negative",
                               cname, i, (long long)c);
        total += c;
    }
    if (total_p)
        *total_p = total;
    return MPI_SUCCESS;
}

/* The part a process plays in a rooted collective. On an intracommunicator it is
 * the root or a leaf; on an intercommunicator MPI_ROOT marks the root, the rest
 * of the root's group pass MPI_PROC_NULL (no argument of theirs matters), and the
 * other group, the leaves, pass the root's rank. */
enum { BT_ROLE_ROOT, BT_ROLE_LEAF, BT_ROLE_NONE };

static int bt_coll_role(const bt_comm_t *comm, int root)
{
    if (!comm->remote)
        return comm->rank == root ? BT_ROLE_ROOT : BT_ROLE_LEAF;
    return root == MPI_ROOT ? BT_ROLE_ROOT : root == MPI_PROC_NULL ? BT_ROLE_NONE : BT_ROLE_LEAF;
}

/* The standard has no "in place" on intercommunicators. */
static int bt_coll_inter_no_in_place(const char *call, bt_comm_t *comm, const void *buf,
                                     const char *what)
{
    if (comm->remote && buf == MPI_IN_PLACE)
        return bt_err_comm(comm, MPI_ERR_BUFFER, call, "%s is MPI_IN_PLACE on an "
                           "intercommunicator", what);
    return MPI_SUCCESS;
}

/* A collective's root (BT_DIAG_NONE: none), and whether a->count and a->dt say
 * what this rank contributes. */
static int bt_coll_root_of(const bt_coll_args_t *a, int *counted_p)
{
    int rooted = a->kind == BT_COLL_BCAST || a->kind == BT_COLL_REDUCE ||
                 a->kind == BT_COLL_GATHER || a->kind == BT_COLL_GATHERV ||
                 a->kind == BT_COLL_SCATTER || a->kind == BT_COLL_SCATTERV;

    *counted_p = a->kind == BT_COLL_BCAST || a->kind == BT_COLL_REDUCE ||
                 a->kind == BT_COLL_ALLREDUCE || a->kind == BT_COLL_SCAN ||
                 a->kind == BT_COLL_EXSCAN;
    return rooted && !a->comm->remote ? a->root : BT_DIAG_NONE;
}

/* The hang report's record of a blocking collective: its root, and what this rank
 * contributes. */
static void bt_coll_diag_enter(const char *call, const bt_coll_args_t *a)
{
    int counted, root = bt_coll_root_of(a, &counted);

    bt_diag_enter(call, a->comm, root, BT_DIAG_NONE, 0, counted ? a->count : 0,
                  counted ? a->dt : NULL);
}

/* The trace event's record of the same (bytes: 0 where the counts are per rank). */
static void bt_coll_trace_args(const bt_coll_args_t *a)
{
    int counted, root;

    if (!bt_trace_active())
        return;
    root = bt_coll_root_of(a, &counted);
    bt_trace_call_args(a->comm, root, counted && a->dt ? a->count * a->dt->size : 0);
}

/* Starts the collective; the blocking form waits for it, the other hands it out. */
static int bt_coll_run(const char *call, bt_coll_args_t *args, int blocking,
                       MPI_Request *request)
{
    bt_request_t *req;
    int rc;

    bt_coll_trace_args(args);
    if (blocking == BT_COLL_PERSISTENT) {
        args->blocking = 0;     /* numbered with the nonblocking calls */
        rc = bt_coll_init(args, &req);
        if (rc == MPI_SUCCESS)
            *request = (MPI_Request)req;
        return rc == MPI_SUCCESS ? rc : bt_err_comm(args->comm, rc, call, "the collective failed");
    }
    args->blocking = blocking;
    if (blocking)
        bt_coll_diag_enter(call, args);
    rc = bt_coll_start(args, &req);
    if (rc == MPI_SUCCESS && req) {   /* no request: done already (blocking only) */
        if (!blocking) {
            *request = (MPI_Request)req;
            return MPI_SUCCESS;
        }
        rc = bt_request_wait(req);
        bt_request_release(req);
    }
    bt_diag_leave();
    if (rc == MPI_ERR_TRUNCATE)
        return bt_err_comm(args->comm, rc, call, "a message was truncated: the counts and "
                           "datatypes do not match across the ranks");
    if (rc != MPI_SUCCESS)
        return bt_err_comm(args->comm, rc, call, "the collective failed");
    return MPI_SUCCESS;
}

/* The arrays of a v or w collective as the user passed them, and how many elements
 * of each side are significant on this rank (0: that side's arrays are unused). */
typedef struct bt_coll_vecs {
    bt_arr_t sendcounts, sdispls, recvcounts, rdispls;
    int      nsend, nrecv;
} bt_coll_vecs_t;

/* The first n elements of x as MPI_Count (or MPI_Aint): x itself when it is of
 * that type, else a copy in *copy_p for the caller to free. */
static const MPI_Count *bt_arr_counts(bt_arr_t x, int n, void **copy_p)
{
    MPI_Count *w;

    *copy_p = NULL;
    if (x.c || n == 0 || bt_arr_null(x))
        return n ? x.c : NULL;
    w = bt_malloc((size_t)n * sizeof(*w));
    for (int k = 0; k < n; k++)
        w[k] = bt_arr_at(x, k);
    return *copy_p = w;
}

static const MPI_Aint *bt_arr_displs(bt_arr_t x, int n, void **copy_p)
{
    MPI_Aint *w;

    *copy_p = NULL;
    if (x.a || n == 0 || bt_arr_null(x))
        return n ? x.a : NULL;
    w = bt_malloc((size_t)n * sizeof(*w));
    for (int k = 0; k < n; k++)
        w[k] = (MPI_Aint)bt_arr_at(x, k);
    return *copy_p = w;
}

/* bt_coll_run with args' arrays made from v. The wide copies live only while the
 * schedule is built: coll/ reads the arrays then and keeps what it needs. */
static int bt_coll_run_v(const char *call, bt_coll_args_t *args, const bt_coll_vecs_t *v,
                         int blocking, MPI_Request *request)
{
    void *copies[4];
    int rc;

    args->sendcounts = bt_arr_counts(v->sendcounts, v->nsend, &copies[0]);
    args->sdispls = bt_arr_displs(v->sdispls, v->nsend, &copies[1]);
    args->recvcounts = bt_arr_counts(v->recvcounts, v->nrecv, &copies[2]);
    args->rdispls = bt_arr_displs(v->rdispls, v->nrecv, &copies[3]);
    rc = bt_coll_run(call, args, blocking, request);
    for (size_t k = 0; k < BT_ARRAY_LEN(copies); k++)
        free(copies[k]);
    return rc;
}

/* Each collective is one implementation, bt_<name>(call, <params>, blocking,
 * request), with the standard's parameters but counts as MPI_Count and count and
 * displacement arrays as bt_arr_t; blocking is 1, 0 (nonblocking) or
 * BT_COLL_PERSISTENT. Its six entry points (blocking, nonblocking, persistent,
 * each also with large counts) are generated from the standard into
 * coll_api_fwd.h, included at the end of this file. */

/* ---- barrier, bcast ------------------------------------------------------------------ */

static int bt_barrier(const char *call, MPI_Comm h, int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_BARRIER };
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}

static int bt_bcast(const char *call, void *buffer, MPI_Count count, MPI_Datatype type, int root,
                    MPI_Comm h, int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_BCAST, .recvbuf = buffer, .count = count, .root = root };
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)) ||
        (rc = bt_check_root(call, a.comm, root)))
        return rc;
    if (bt_coll_role(a.comm, root) == BT_ROLE_NONE) {
        a.recvbuf = NULL;
        a.count = 0;
    } else if ((rc = bt_coll_no_in_place(call, a.comm, buffer, "buffer", "")) ||
               (rc = bt_check_buffer(call, a.comm, buffer, count, type, "", &a.dt))) {
        return rc;
    }
    if ((rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


/* ---- gather, scatter ----------------------------------------------------------------- */

static int bt_gather(const char *call, const void *sendbuf, MPI_Count sendcount,
                     MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                     MPI_Datatype recvtype, int root, MPI_Comm h, int blocking,
                     MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_GATHER, .sendbuf = sendbuf, .sendcount = sendcount,
                         .recvcount = recvcount, .root = root };
    int rc, role;

    if ((rc = bt_check_comm(call, h, &a.comm)) || (rc = bt_check_root(call, a.comm, root)))
        return rc;
    role = bt_coll_role(a.comm, root);
    if (role == BT_ROLE_NONE) {
        a.sendbuf = NULL;
        a.sendcount = a.recvcount = 0;
    } else if (role == BT_ROLE_ROOT) {
        a.recvbuf = recvbuf;
        if ((rc = bt_coll_no_in_place(call, a.comm, recvbuf, "recvbuf", " (only sendbuf may be)")) ||
            (rc = bt_check_buffer(call, a.comm, recvbuf, recvcount, recvtype, "receive ",
                                  &a.recvtype)))
            return rc;
        if (a.comm->remote)
            a.sendbuf = NULL;      /* the root of an intercommunicator sends nothing */
        else if (sendbuf != MPI_IN_PLACE &&
            ((rc = bt_check_buffer(call, a.comm, sendbuf, sendcount, sendtype, "send ",
                                   &a.sendtype)) ||
             (rc = bt_coll_no_alias(call, a.comm, sendbuf, recvbuf,
                                    (MPI_Count)recvcount * a.recvtype->size))))
            return rc;
    } else {
        a.recvcount = 0;
        if ((rc = bt_coll_no_in_place(call, a.comm, sendbuf, "sendbuf",
                                      " on a rank that is not the root")) ||
            (rc = bt_check_buffer(call, a.comm, sendbuf, sendcount, sendtype, "send ",
                                  &a.sendtype)))
            return rc;
    }
    if ((rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


static int bt_gatherv(const char *call, const void *sendbuf, MPI_Count sendcount,
                      MPI_Datatype sendtype, void *recvbuf, bt_arr_t recvcounts, bt_arr_t displs,
                      MPI_Datatype recvtype, int root, MPI_Comm h, int blocking,
                      MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_GATHERV, .sendbuf = sendbuf, .sendcount = sendcount,
                         .root = root };
    bt_coll_vecs_t v = { .recvcounts = recvcounts, .rdispls = displs };
    MPI_Count total;
    int rc, role;

    if ((rc = bt_check_comm(call, h, &a.comm)) || (rc = bt_check_root(call, a.comm, root)))
        return rc;
    role = bt_coll_role(a.comm, root);
    if (role == BT_ROLE_NONE) {
        a.sendbuf = NULL;
        a.sendcount = 0;
    } else if (role == BT_ROLE_ROOT) {
        a.recvbuf = recvbuf;
        v.nrecv = bt_comm_peer_size(a.comm);
        if ((rc = bt_coll_no_in_place(call, a.comm, recvbuf, "recvbuf", " (only sendbuf may be)")) ||
            (rc = bt_coll_check_counts(call, a.comm, recvcounts, displs,
                                       bt_comm_peer_size(a.comm), "recvcounts", "displs",
                                       &total)) ||
            (rc = bt_check_buffer(call, a.comm, recvbuf, total, recvtype, "receive ",
                                  &a.recvtype)))
            return rc;
        if (a.comm->remote)
            a.sendbuf = NULL;
        else if (sendbuf != MPI_IN_PLACE &&
            (rc = bt_check_buffer(call, a.comm, sendbuf, sendcount, sendtype, "send ",
                                  &a.sendtype)))
            return rc;
    } else {
        if ((rc = bt_coll_no_in_place(call, a.comm, sendbuf, "sendbuf",
                                      " on a rank that is not the root")) ||
            (rc = bt_check_buffer(call, a.comm, sendbuf, sendcount, sendtype, "send ",
                                  &a.sendtype)))
            return rc;
    }
    if ((rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run_v(call, &a, &v, blocking, request);
}


static int bt_scatter(const char *call, const void *sendbuf, MPI_Count sendcount,
                      MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                      MPI_Datatype recvtype, int root, MPI_Comm h, int blocking,
                      MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_SCATTER, .recvbuf = recvbuf, .recvcount = recvcount,
                         .root = root };
    int rc, role;

    if ((rc = bt_check_comm(call, h, &a.comm)) || (rc = bt_check_root(call, a.comm, root)))
        return rc;
    role = bt_coll_role(a.comm, root);
    if (role == BT_ROLE_NONE) {
        a.recvbuf = NULL;
        a.recvcount = 0;
    } else if (role == BT_ROLE_ROOT) {
        a.sendbuf = sendbuf;
        a.sendcount = sendcount;
        if ((rc = bt_coll_no_in_place(call, a.comm, sendbuf, "sendbuf",
                                      " (only recvbuf may be, at the root)")) ||
            (rc = bt_check_buffer(call, a.comm, sendbuf, sendcount, sendtype, "send ",
                                  &a.sendtype)))
            return rc;
        if (a.comm->remote) {
            a.recvbuf = NULL;      /* the root of an intercommunicator receives nothing */
            a.recvcount = 0;
        } else if (recvbuf != MPI_IN_PLACE &&
            ((rc = bt_check_buffer(call, a.comm, recvbuf, recvcount, recvtype, "receive ",
                                   &a.recvtype)) ||
             (rc = bt_coll_no_alias(call, a.comm, sendbuf, recvbuf,
                                    (MPI_Count)sendcount * a.sendtype->size))))
            return rc;
    } else {
        if ((rc = bt_coll_no_in_place(call, a.comm, recvbuf, "recvbuf",
                                      " on a rank that is not the root")) ||
            (rc = bt_check_buffer(call, a.comm, recvbuf, recvcount, recvtype, "receive ",
                                  &a.recvtype)))
            return rc;
    }
    if ((rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


static int bt_scatterv(const char *call, const void *sendbuf, bt_arr_t sendcounts,
                       bt_arr_t displs, MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                       MPI_Datatype recvtype, int root, MPI_Comm h, int blocking,
                       MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_SCATTERV, .recvbuf = recvbuf, .recvcount = recvcount,
                         .root = root };
    bt_coll_vecs_t v = { .sendcounts = sendcounts, .sdispls = displs };
    MPI_Count total;
    int rc, role;

    if ((rc = bt_check_comm(call, h, &a.comm)) || (rc = bt_check_root(call, a.comm, root)))
        return rc;
    role = bt_coll_role(a.comm, root);
    if (role == BT_ROLE_NONE) {
        a.recvbuf = NULL;
        a.recvcount = 0;
    } else if (role == BT_ROLE_ROOT) {
        a.sendbuf = sendbuf;
        v.nsend = bt_comm_peer_size(a.comm);
        if ((rc = bt_coll_no_in_place(call, a.comm, sendbuf, "sendbuf",
                                      " (only recvbuf may be, at the root)")) ||
            (rc = bt_coll_check_counts(call, a.comm, sendcounts, displs,
                                       bt_comm_peer_size(a.comm), "sendcounts", "displs",
                                       &total)) ||
            (rc = bt_check_buffer(call, a.comm, sendbuf, total, sendtype, "send ", &a.sendtype)))
            return rc;
        if (a.comm->remote) {
            a.recvbuf = NULL;
            a.recvcount = 0;
        } else if (recvbuf != MPI_IN_PLACE &&
            (rc = bt_check_buffer(call, a.comm, recvbuf, recvcount, recvtype, "receive ",
                                  &a.recvtype)))
            return rc;
    } else {
        if ((rc = bt_coll_no_in_place(call, a.comm, recvbuf, "recvbuf",
                                      " on a rank that is not the root")) ||
            (rc = bt_check_buffer(call, a.comm, recvbuf, recvcount, recvtype, "receive ",
                                  &a.recvtype)))
            return rc;
    }
    if ((rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run_v(call, &a, &v, blocking, request);
}


/* ---- allgather, alltoall --------------------------------------------------------------- */

/* sendbuf may be MPI_IN_PLACE, recvbuf never. */
static int bt_coll_check_send_recv(const char *call, bt_coll_args_t *a, const void *sendbuf,
                                   MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                                   MPI_Count recvcount, MPI_Datatype recvtype)
{
    int rc;

    if ((rc = bt_coll_no_in_place(call, a->comm, recvbuf, "recvbuf", " (only sendbuf may be)")) ||
        (rc = bt_coll_inter_no_in_place(call, a->comm, sendbuf, "sendbuf")) ||
        (rc = bt_check_buffer(call, a->comm, recvbuf, recvcount, recvtype, "receive ",
                              &a->recvtype)))
        return rc;
    if (sendbuf != MPI_IN_PLACE &&
        ((rc = bt_check_buffer(call, a->comm, sendbuf, sendcount, sendtype, "send ",
                               &a->sendtype)) ||
         (rc = bt_coll_no_alias(call, a->comm, sendbuf, recvbuf,
                                sendcount * a->sendtype->size))))
        return rc;
    return MPI_SUCCESS;
}

static int bt_allgather(const char *call, const void *sendbuf, MPI_Count sendcount,
                        MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                        MPI_Datatype recvtype, MPI_Comm h, int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLGATHER, .sendbuf = sendbuf, .recvbuf = recvbuf,
                         .sendcount = sendcount, .recvcount = recvcount };
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)))
        return rc;
    if (recvcount < 0)
        return bt_err_comm(a.comm, MPI_ERR_COUNT, call,
                           "receive count is %lld, must be non-negative",
                           (long long)recvcount);
    if ((rc = bt_coll_check_send_recv(call, &a, sendbuf, sendcount, sendtype, recvbuf,
                                      (MPI_Count)recvcount * bt_comm_peer_size(a.comm),
                                      recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


static int bt_allgatherv(const char *call, const void *sendbuf, MPI_Count sendcount,
                         MPI_Datatype sendtype, void *recvbuf, bt_arr_t recvcounts,
                         bt_arr_t displs, MPI_Datatype recvtype, MPI_Comm h, int blocking,
                         MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLGATHERV, .sendbuf = sendbuf, .recvbuf = recvbuf,
                         .sendcount = sendcount };
    bt_coll_vecs_t v = { .recvcounts = recvcounts, .rdispls = displs };
    MPI_Count total;
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)) ||
        (rc = bt_coll_check_counts(call, a.comm, recvcounts, displs, bt_comm_peer_size(a.comm),
                                   "recvcounts", "displs", &total)) ||
        (rc = bt_coll_check_send_recv(call, &a, sendbuf, sendcount, sendtype, recvbuf, total,
                                      recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    v.nrecv = bt_comm_peer_size(a.comm);
    return bt_coll_run_v(call, &a, &v, blocking, request);
}


static int bt_alltoall(const char *call, const void *sendbuf, MPI_Count sendcount,
                       MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                       MPI_Datatype recvtype, MPI_Comm h, int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLTOALL, .sendbuf = sendbuf, .recvbuf = recvbuf,
                         .sendcount = sendcount, .recvcount = recvcount };
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)))
        return rc;
    if (sendcount < 0 && sendbuf != MPI_IN_PLACE)
        return bt_err_comm(a.comm, MPI_ERR_COUNT, call,
                           "send count is %lld, must be non-negative",
                           (long long)sendcount);
    if (recvcount < 0)
        return bt_err_comm(a.comm, MPI_ERR_COUNT, call,
                           "receive count is %lld, must be non-negative",
                           (long long)recvcount);
    if ((rc = bt_coll_check_send_recv(call, &a, sendbuf,
                                      (MPI_Count)sendcount * bt_comm_peer_size(a.comm), sendtype,
                                      recvbuf, (MPI_Count)recvcount * bt_comm_peer_size(a.comm),
                                      recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


static int bt_alltoallv(const char *call, const void *sendbuf, bt_arr_t sendcounts,
                        bt_arr_t sdispls, MPI_Datatype sendtype, void *recvbuf,
                        bt_arr_t recvcounts, bt_arr_t rdispls, MPI_Datatype recvtype,
                        MPI_Comm h, int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLTOALLV, .sendbuf = sendbuf, .recvbuf = recvbuf };
    bt_coll_vecs_t v = { .sendcounts = sendcounts, .sdispls = sdispls, .recvcounts = recvcounts,
                         .rdispls = rdispls };
    MPI_Count stotal = 0, rtotal;
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)) ||
        (rc = bt_coll_check_counts(call, a.comm, recvcounts, rdispls, bt_comm_peer_size(a.comm),
                                   "recvcounts", "rdispls", &rtotal)) ||
        (rc = bt_coll_inter_no_in_place(call, a.comm, sendbuf, "sendbuf")))
        return rc;
    v.nrecv = bt_comm_peer_size(a.comm);
    if (sendbuf != MPI_IN_PLACE) {
        v.nsend = v.nrecv;
        if ((rc = bt_coll_check_counts(call, a.comm, sendcounts, sdispls, v.nsend,
                                       "sendcounts", "sdispls", &stotal)))
            return rc;
    }
    if ((rc = bt_coll_check_send_recv(call, &a, sendbuf, stotal, sendtype, recvbuf, rtotal,
                                      recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run_v(call, &a, &v, blocking, request);
}


/* Each of n peers' (count, type) of alltoallw and neighbor_alltoallw, resolved to
 * datatype objects in types; displacements in bytes. Without peers the arrays may
 * be NULL. */
static int bt_coll_check_w(const char *call, bt_comm_t *comm, const void *buf, int n,
                           bt_arr_t counts, bt_arr_t displs, const MPI_Datatype handles[],
                           const char *what, bt_datatype_t **types)
{
    const char *cname = what[0] == 's' ? "sendcounts" : "recvcounts";
    const char *dname = what[0] == 's' ? "sdispls" : "rdispls";
    int rc;

    if (n == 0)
        return MPI_SUCCESS;
    if (bt_arr_null(displs))
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%s is NULL", dname);
    if ((rc = bt_coll_check_counts(call, comm, counts, displs, n, cname, NULL, NULL)))
        return rc;
    if (!handles)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "%stypes is NULL",
                           what[0] == 's' ? "send" : "recv");
    for (int i = 0; i < n; i++) {
        /* With byte displacements buf may be MPI_BOTTOM (NULL): only a block at
         * displacement 0 of a NULL buffer is certainly wrong. */
        MPI_Count disp = bt_arr_at(displs, i);
        const void *b = buf ? buf : (disp ? (const void *)1 : NULL);
        if ((rc = bt_check_buffer(call, comm, b, bt_arr_at(counts, i), handles[i], what,
                                  &types[i])))
            return rc;
    }
    return MPI_SUCCESS;
}

static int bt_alltoallw(const char *call, const void *sendbuf, bt_arr_t sendcounts,
                        bt_arr_t sdispls, const MPI_Datatype sendtypes[], void *recvbuf,
                        bt_arr_t recvcounts, bt_arr_t rdispls,
                        const MPI_Datatype recvtypes[], MPI_Comm h, int blocking,
                        MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_ALLTOALLW, .sendbuf = sendbuf, .recvbuf = recvbuf };
    bt_coll_vecs_t v = { .sendcounts = sendcounts, .sdispls = sdispls, .recvcounts = recvcounts,
                         .rdispls = rdispls };
    bt_datatype_t **types;
    int rc, p;

    if ((rc = bt_check_comm(call, h, &a.comm)) ||
        (rc = bt_coll_no_in_place(call, a.comm, recvbuf, "recvbuf", " (only sendbuf may be)")) ||
        (rc = bt_coll_inter_no_in_place(call, a.comm, sendbuf, "sendbuf")) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    p = bt_comm_peer_size(a.comm);
    types = bt_malloc(2 * (size_t)p * sizeof(*types));
    rc = bt_coll_check_w(call, a.comm, recvbuf, p, recvcounts, rdispls, recvtypes, "receive ",
                         types + p);
    v.nrecv = p;
    if (rc == MPI_SUCCESS && sendbuf != MPI_IN_PLACE) {
        v.nsend = p;
        a.sendtypes = types;
        rc = bt_coll_check_w(call, a.comm, sendbuf, p, sendcounts, sdispls, sendtypes, "send ",
                             types);
    }
    if (rc == MPI_SUCCESS) {
        a.recvtypes = types + p;
        rc = bt_coll_run_v(call, &a, &v, blocking, request);
    }
    /* The schedule holds its own references to the types. */
    free(types);
    return rc;
}


/* ---- reductions -------------------------------------------------------------------- */

/* Checks of the reductions whose every rank has count elements in and out
 * (send_here = 0: the root of an intercommunicator, which gives no input). */
static int bt_coll_check_reduction(const char *call, bt_coll_args_t *a, MPI_Comm h,
                                   const void *sendbuf, void *recvbuf, MPI_Count count,
                                   MPI_Datatype type, MPI_Op op, int recv_here, int send_here)
{
    int rc;

    if ((rc = bt_check_comm(call, h, &a->comm)))
        return rc;
    a->sendbuf = send_here ? sendbuf : NULL;
    a->count = count;
    if (!send_here && !recv_here) {
        a->count = 0;                  /* MPI_PROC_NULL: nothing of it matters */
        return MPI_SUCCESS;
    }
    if (send_here && sendbuf == MPI_IN_PLACE && (!recv_here || a->comm->remote))
        return bt_err_comm(a->comm, MPI_ERR_BUFFER, call, "sendbuf is MPI_IN_PLACE %s",
                           a->comm->remote ? "on an intercommunicator"
                                           : "on a rank that is not the root");
    if (recv_here) {
        a->recvbuf = recvbuf;
        if ((rc = bt_coll_no_in_place(call, a->comm, recvbuf, "recvbuf", " (only sendbuf may be)")) ||
            (rc = bt_check_buffer(call, a->comm, recvbuf, count, type, "", &a->dt)))
            return rc;
    }
    if (send_here && sendbuf != MPI_IN_PLACE &&
        (rc = bt_check_buffer(call, a->comm, sendbuf, count, type, "", &a->dt)))
        return rc;
    if ((rc = bt_coll_check_op(call, a->comm, op, a->dt, &a->op)))
        return rc;
    if (recv_here && send_here && sendbuf != MPI_IN_PLACE &&
        (rc = bt_coll_no_alias(call, a->comm, sendbuf, recvbuf, count * a->dt->size)))
        return rc;
    return MPI_SUCCESS;
}

static int bt_reduce(const char *call, const void *sendbuf, void *recvbuf, MPI_Count count,
                     MPI_Datatype type, MPI_Op op, int root, MPI_Comm h, int blocking,
                     MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_REDUCE, .root = root };
    bt_comm_t *comm;
    int rc, role;

    if ((rc = bt_check_comm(call, h, &comm)) || (rc = bt_check_root(call, comm, root)))
        return rc;
    role = bt_coll_role(comm, root);
    if ((rc = bt_coll_check_reduction(call, &a, h, sendbuf, recvbuf, count, type, op,
                                      role == BT_ROLE_ROOT,
                                      role == BT_ROLE_LEAF || !comm->remote)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


/* allreduce, scan, exscan */
static int bt_reduce_all(const char *call, bt_coll_kind_t kind, const void *sendbuf,
                         void *recvbuf, MPI_Count count, MPI_Datatype type, MPI_Op op, MPI_Comm h,
                         int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = kind };
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)))
        return rc;
    if (a.comm->remote && kind != BT_COLL_ALLREDUCE)
        return bt_err_comm(a.comm, MPI_ERR_COMM, call, "comm is an intercommunicator (%s is "
                           "defined on intracommunicators only)",
                           kind == BT_COLL_SCAN ? "a scan" : "an exclusive scan");
    if ((rc = bt_coll_check_reduction(call, &a, h, sendbuf, recvbuf, count, type, op, 1, 1)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}

static int bt_allreduce(const char *call, const void *sendbuf, void *recvbuf, MPI_Count count,
                        MPI_Datatype type, MPI_Op op, MPI_Comm h, int blocking,
                        MPI_Request *request)
{
    return bt_reduce_all(call, BT_COLL_ALLREDUCE, sendbuf, recvbuf, count, type, op, h, blocking,
                         request);
}

static int bt_scan(const char *call, const void *sendbuf, void *recvbuf, MPI_Count count,
                   MPI_Datatype type, MPI_Op op, MPI_Comm h, int blocking, MPI_Request *request)
{
    return bt_reduce_all(call, BT_COLL_SCAN, sendbuf, recvbuf, count, type, op, h, blocking,
                         request);
}

static int bt_exscan(const char *call, const void *sendbuf, void *recvbuf, MPI_Count count,
                     MPI_Datatype type, MPI_Op op, MPI_Comm h, int blocking,
                     MPI_Request *request)
{
    return bt_reduce_all(call, BT_COLL_EXSCAN, sendbuf, recvbuf, count, type, op, h, blocking,
                         request);
}


/* reduce_scatter and reduce_scatter_block: the input has sum(recvcounts) elements,
 * the output recvcounts[rank]. */
static int bt_coll_check_rs(const char *call, bt_coll_args_t *a, const void *sendbuf,
                            void *recvbuf, MPI_Count mine, MPI_Count total, MPI_Datatype type,
                            MPI_Op op)
{
    int rc;

    if ((rc = bt_coll_no_in_place(call, a->comm, recvbuf, "recvbuf", " (only sendbuf may be)")) ||
        (rc = bt_coll_inter_no_in_place(call, a->comm, sendbuf, "sendbuf")) ||
        (rc = bt_check_buffer(call, a->comm, recvbuf,
                              sendbuf == MPI_IN_PLACE ? total : mine, type, "", &a->dt)))
        return rc;
    if (sendbuf != MPI_IN_PLACE &&
        ((rc = bt_check_buffer(call, a->comm, sendbuf, total, type, "", &a->dt)) ||
         (rc = bt_coll_no_alias(call, a->comm, sendbuf, recvbuf, mine * a->dt->size))))
        return rc;
    return bt_coll_check_op(call, a->comm, op, a->dt, &a->op);
}

static int bt_reduce_scatter(const char *call, const void *sendbuf, void *recvbuf,
                             bt_arr_t recvcounts, MPI_Datatype type, MPI_Op op, MPI_Comm h,
                             int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_REDUCE_SCATTER, .sendbuf = sendbuf, .recvbuf = recvbuf };
    bt_coll_vecs_t v = { .recvcounts = recvcounts };
    MPI_Count total;
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)) ||
        (rc = bt_coll_check_counts(call, a.comm, recvcounts, (bt_arr_t){ 0 }, a.comm->size,
                                   "recvcounts", NULL, &total)) ||
        (rc = bt_coll_check_rs(call, &a, sendbuf, recvbuf, bt_arr_at(recvcounts, a.comm->rank),
                               total, type, op)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    v.nrecv = a.comm->size;
    return bt_coll_run_v(call, &a, &v, blocking, request);
}


static int bt_reduce_scatter_block(const char *call, const void *sendbuf, void *recvbuf,
                                   MPI_Count recvcount, MPI_Datatype type, MPI_Op op, MPI_Comm h,
                                   int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_REDUCE_SCATTER_BLOCK, .sendbuf = sendbuf,
                         .recvbuf = recvbuf, .count = recvcount };
    int rc;

    if ((rc = bt_check_comm(call, h, &a.comm)))
        return rc;
    if (recvcount < 0)
        return bt_err_comm(a.comm, MPI_ERR_COUNT, call, "recvcount is %lld, must be non-negative",
                           (long long)recvcount);
    if ((rc = bt_coll_check_rs(call, &a, sendbuf, recvbuf, recvcount,
                               (MPI_Count)recvcount * a.comm->size, type, op)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


/* ---- persistent collectives (MPI_<Coll>_init) ------------------------------------------ */


/* ---- neighbourhood collectives ---------------------------------------------------- */

/* comm must have a process topology: its neighbours are the peers. */
static int bt_neighbor_comm(const char *call, MPI_Comm h, bt_comm_t **comm_p)
{
    int rc;

    if ((rc = bt_check_comm(call, h, comm_p)))
        return rc;
    if (!(*comm_p)->topo)
        return bt_err_comm(*comm_p, MPI_ERR_TOPOLOGY, call, "comm has no process topology (a "
                           "Cartesian, graph or distributed graph one names the neighbours)");
    return MPI_SUCCESS;
}

/* The send and receive buffers of neighbourhood collectives: never MPI_IN_PLACE. */
static int bt_neighbor_bufs(const char *call, bt_comm_t *comm, const void *sendbuf,
                            const void *recvbuf)
{
    int rc;

    if ((rc = bt_coll_no_in_place(call, comm, sendbuf, "sendbuf",
                                  " (not allowed in neighbourhood collectives)")) ||
        (rc = bt_coll_no_in_place(call, comm, recvbuf, "recvbuf",
                                  " (not allowed in neighbourhood collectives)")))
        return rc;
    return MPI_SUCCESS;
}

/* Per-neighbour counts (and displacements); NULL arrays are fine without neighbours. */
static int bt_neighbor_counts(const char *call, bt_comm_t *comm, bt_arr_t counts,
                              bt_arr_t displs, int n, const char *cname, const char *dname,
                              MPI_Count *total_p)
{
    *total_p = 0;
    if (n == 0)
        return MPI_SUCCESS;
    return bt_coll_check_counts(call, comm, counts, displs, n, cname, dname, total_p);
}

static int bt_neighbor_allgather(const char *call, const void *sendbuf, MPI_Count sendcount,
                                 MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                                 MPI_Datatype recvtype, MPI_Comm h, int blocking,
                                 MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_NEIGHBOR_ALLGATHER, .sendbuf = sendbuf,
                         .recvbuf = recvbuf, .sendcount = sendcount, .recvcount = recvcount };
    int rc;

    if ((rc = bt_neighbor_comm(call, h, &a.comm)) ||
        (rc = bt_neighbor_bufs(call, a.comm, sendbuf, recvbuf)))
        return rc;
    if (recvcount < 0)
        return bt_err_comm(a.comm, MPI_ERR_COUNT, call,
                           "receive count is %lld, must be non-negative",
                           (long long)recvcount);
    if ((rc = bt_check_buffer(call, a.comm, sendbuf, sendcount, sendtype, "send ",
                              &a.sendtype)) ||
        (rc = bt_check_buffer(call, a.comm, recvbuf,
                              (MPI_Count)recvcount * a.comm->topo->indegree, recvtype,
                              "receive ", &a.recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


static int bt_neighbor_allgatherv(const char *call, const void *sendbuf, MPI_Count sendcount,
                                  MPI_Datatype sendtype, void *recvbuf, bt_arr_t recvcounts,
                                  bt_arr_t displs, MPI_Datatype recvtype, MPI_Comm h,
                                  int blocking, MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_NEIGHBOR_ALLGATHERV, .sendbuf = sendbuf,
                         .recvbuf = recvbuf, .sendcount = sendcount };
    bt_coll_vecs_t v = { .recvcounts = recvcounts, .rdispls = displs };
    MPI_Count total;
    int rc;

    if ((rc = bt_neighbor_comm(call, h, &a.comm)) ||
        (rc = bt_neighbor_bufs(call, a.comm, sendbuf, recvbuf)) ||
        (rc = bt_neighbor_counts(call, a.comm, recvcounts, displs, a.comm->topo->indegree,
                                 "recvcounts", "displs", &total)) ||
        (rc = bt_check_buffer(call, a.comm, sendbuf, sendcount, sendtype, "send ",
                              &a.sendtype)) ||
        (rc = bt_check_buffer(call, a.comm, recvbuf, total, recvtype, "receive ",
                              &a.recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    v.nrecv = a.comm->topo->indegree;
    return bt_coll_run_v(call, &a, &v, blocking, request);
}


static int bt_neighbor_alltoall(const char *call, const void *sendbuf, MPI_Count sendcount,
                                MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                                MPI_Datatype recvtype, MPI_Comm h, int blocking,
                                MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_NEIGHBOR_ALLTOALL, .sendbuf = sendbuf,
                         .recvbuf = recvbuf, .sendcount = sendcount, .recvcount = recvcount };
    int rc;

    if ((rc = bt_neighbor_comm(call, h, &a.comm)) ||
        (rc = bt_neighbor_bufs(call, a.comm, sendbuf, recvbuf)))
        return rc;
    if (sendcount < 0 || recvcount < 0)
        return bt_err_comm(a.comm, MPI_ERR_COUNT, call, "%s count is %lld, must be non-negative",
                           sendcount < 0 ? "send" : "receive",
                           (long long)(sendcount < 0 ? sendcount : recvcount));
    if ((rc = bt_check_buffer(call, a.comm, sendbuf,
                              (MPI_Count)sendcount * a.comm->topo->outdegree, sendtype, "send ",
                              &a.sendtype)) ||
        (rc = bt_check_buffer(call, a.comm, recvbuf,
                              (MPI_Count)recvcount * a.comm->topo->indegree, recvtype,
                              "receive ", &a.recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    return bt_coll_run(call, &a, blocking, request);
}


static int bt_neighbor_alltoallv(const char *call, const void *sendbuf, bt_arr_t sendcounts,
                                 bt_arr_t sdispls, MPI_Datatype sendtype, void *recvbuf,
                                 bt_arr_t recvcounts, bt_arr_t rdispls,
                                 MPI_Datatype recvtype, MPI_Comm h, int blocking,
                                 MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_NEIGHBOR_ALLTOALLV, .sendbuf = sendbuf,
                         .recvbuf = recvbuf };
    bt_coll_vecs_t v = { .sendcounts = sendcounts, .sdispls = sdispls, .recvcounts = recvcounts,
                         .rdispls = rdispls };
    MPI_Count stotal, rtotal;
    int rc;

    if ((rc = bt_neighbor_comm(call, h, &a.comm)) ||
        (rc = bt_neighbor_bufs(call, a.comm, sendbuf, recvbuf)) ||
        (rc = bt_neighbor_counts(call, a.comm, sendcounts, sdispls, a.comm->topo->outdegree,
                                 "sendcounts", "sdispls", &stotal)) ||
        (rc = bt_neighbor_counts(call, a.comm, recvcounts, rdispls, a.comm->topo->indegree,
                                 "recvcounts", "rdispls", &rtotal)) ||
        (rc = bt_check_buffer(call, a.comm, sendbuf, stotal, sendtype, "send ", &a.sendtype)) ||
        (rc = bt_check_buffer(call, a.comm, recvbuf, rtotal, recvtype, "receive ",
                              &a.recvtype)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    v.nsend = a.comm->topo->outdegree;
    v.nrecv = a.comm->topo->indegree;
    return bt_coll_run_v(call, &a, &v, blocking, request);
}


static int bt_neighbor_alltoallw(const char *call, const void *sendbuf, bt_arr_t sendcounts,
                                 bt_arr_t sdispls, const MPI_Datatype sendtypes[],
                                 void *recvbuf, bt_arr_t recvcounts, bt_arr_t rdispls,
                                 const MPI_Datatype recvtypes[], MPI_Comm h, int blocking,
                                 MPI_Request *request)
{
    bt_coll_args_t a = { .kind = BT_COLL_NEIGHBOR_ALLTOALLW, .sendbuf = sendbuf,
                         .recvbuf = recvbuf };
    bt_coll_vecs_t v = { .sendcounts = sendcounts, .sdispls = sdispls, .recvcounts = recvcounts,
                         .rdispls = rdispls };
    bt_datatype_t **types;
    int rc, in, out;

    if ((rc = bt_neighbor_comm(call, h, &a.comm)) ||
        (rc = bt_neighbor_bufs(call, a.comm, sendbuf, recvbuf)) ||
        (rc = bt_coll_check_request(call, a.comm, blocking, request)))
        return rc;
    in = a.comm->topo->indegree;
    out = a.comm->topo->outdegree;
    types = bt_malloc(((size_t)in + (size_t)out + 1) * sizeof(*types));
    if ((rc = bt_coll_check_w(call, a.comm, sendbuf, out, sendcounts, sdispls, sendtypes,
                              "send ", types)) == MPI_SUCCESS &&
        (rc = bt_coll_check_w(call, a.comm, recvbuf, in, recvcounts, rdispls, recvtypes,
                              "receive ", types + out)) == MPI_SUCCESS) {
        a.sendtypes = types;
        a.recvtypes = types + out;
        v.nsend = out;
        v.nrecv = in;
        rc = bt_coll_run_v(call, &a, &v, blocking, request);
    }
    /* The schedule holds its own references to the types. */
    free(types);
    return rc;
}

#include "api/coll_api_fwd.h"
