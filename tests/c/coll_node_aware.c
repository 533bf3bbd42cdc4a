/* The node-aware (two-level) collectives: barrier, bcast, reduce, allreduce, gather
 * and allgather, every root, several datatypes, ops and sizes, in place or not, on
 * communicators whose ranks interleave the nodes (world, even/odd split numbered in
 * reverse, evens then odds, all but world rank 0). Every result is exact (integer
 * sums, doubles that are multiples of 1/2), so it must equal what the flat
 * algorithms give, whatever order the levels combine in.
 *
 * With BATON_TEST_FORCE_TWOLEVEL=1 the program forces twolevel for the six
 * collectives (unless the environment forces something else); with 0 the table
 * chooses. On one node twolevel is passed over and the same checks run on the flat
 * algorithms; across hosts (uneven placements) they check the two levels. The
 * barrier is checked by causality, not clocks, which hosts do not share: a rank
 * that left a barrier before the late rank entered it would have its token seen. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_TEST_FORCE_TWOLEVEL=1,0 */
#include "coll_common.c"

#include <time.h>

#define NA_NCOMMS 4
static MPI_Comm na_comms[NA_NCOMMS];

/* Sizes of the reductions and broadcasts (elements) and gathers (per rank): empty,
 * one, few, a node slot's worth and more, and over 1 MiB in all. */
static const long long na_counts[] = { 0, 1, 7, 1031, 3000, 300001 };
#define NA_NCOUNTS ((int)(sizeof(na_counts) / sizeof(na_counts[0])))
static const long long na_gcounts[] = { 0, 1, 7, 1031, 3000, 40000 };

static void na_comms_create(void)
{
    na_comms[0] = MPI_COMM_WORLD;
    /* Even and odd world ranks, numbered in reverse. */
    MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, wsize - wrank, &na_comms[1]);
    /* Evens then odds: every node's ranks are spread out. */
    MPI_Comm_split(MPI_COMM_WORLD, 0, (wrank % 2) * wsize + wrank, &na_comms[2]);
    /* Without world rank 0, reversed: the first node's leader changes. */
    MPI_Comm_split(MPI_COMM_WORLD, wrank == 0 && wsize > 1 ? MPI_UNDEFINED : 0, wsize - wrank,
                   &na_comms[3]);
}

static void na_comms_free(void)
{
    for (int c = 1; c < NA_NCOMMS; c++)
        if (na_comms[c] != MPI_COMM_NULL)
            MPI_Comm_free(&na_comms[c]);
}

/* ---- barrier ---------------------------------------------------------------------- */

enum { NA_TAG_LEFT = 77 };

/* Rank `late` polls for 20 ms before it enters; every other rank, once out of the
 * barrier, sends it a token. A token seen before late entered is a rank that left
 * too early. */
static void na_barrier(MPI_Comm comm, int late)
{
    int rank, size, flag, token = 0;
    MPI_Status st;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set("MPI_Barrier", size, late, 0);
    MPI_Barrier(comm);
    if (rank == late) {
        struct timespec ts = { 0, 1000 * 1000 };
        for (int i = 0; i < 20; i++) {
            MPI_Iprobe(MPI_ANY_SOURCE, NA_TAG_LEFT, comm, &flag, &st);
            CT_CHECK(!flag, "rank %d left the barrier before rank %d entered it", st.MPI_SOURCE,
                     late);
            nanosleep(&ts, NULL);
        }
        MPI_Barrier(comm);
        for (int i = 0; i < size - 1; i++)
            MPI_Recv(&token, 1, MPI_INT, MPI_ANY_SOURCE, NA_TAG_LEFT, comm, MPI_STATUS_IGNORE);
    } else {
        MPI_Barrier(comm);
        MPI_Send(&token, 1, MPI_INT, late, NA_TAG_LEFT, comm);
    }
}

/* ---- bcast ------------------------------------------------------------------------ */

/* MPI_INT, MPI_DOUBLE and the gapped type (ints 0 and 2 of every 4). */
enum { NA_INT, NA_DOUBLE, NA_GAPPED, NA_NTYPES };
static MPI_Datatype na_gapped;

static void na_bcast(MPI_Comm comm, long long count, int root, int type)
{
    int rank, size, per = type == NA_GAPPED ? 4 : 1;
    MPI_Datatype dt = type == NA_INT ? MPI_INT : type == NA_DOUBLE ? MPI_DOUBLE : na_gapped;
    long long n = count * per;
    int *ib = ct_malloc((size_t)n * sizeof(int));
    double *db = ct_malloc((size_t)n * sizeof(double));
    void *buf = type == NA_DOUBLE ? (void *)db : (void *)ib;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(type == NA_INT ? "MPI_Bcast of MPI_INT" : type == NA_DOUBLE ? "MPI_Bcast of MPI_DOUBLE"
                                                                       : "MPI_Bcast of a gapped type",
           size, root, count);
    for (long long i = 0; i < n; i++) {
        ib[i] = rank == root ? ct_val(root, i) : -1;
        db[i] = rank == root ? 0.5 * ct_val(root, i) : -1;
    }
    MPI_Bcast(buf, (int)count, dt, root, comm);
    for (long long i = 0; i < n; i++) {
        if (type == NA_DOUBLE) {
            CT_CHECK(db[i] == 0.5 * ct_val(root, i), "buffer[%lld] is %g, expected %g", i, db[i],
                     0.5 * ct_val(root, i));
        } else {
            int want = per == 1 || i % 2 == 0 || rank == root ? ct_val(root, i) : -1;
            CT_CHECK(ib[i] == want, "buffer[%lld] is %d, expected %d", i, ib[i], want);
        }
    }
    free(ib);
    free(db);
}

/* ---- reduce and allreduce ---------------------------------------------------------
 * The kinds of coll_common.c (MPI_SUM on MPI_INT, a commutative user op, the
 * non-commutative matrix product, which keeps the flat algorithms, MPI_SUM on the
 * gapped type), and two more: MPI_SUM on MPI_DOUBLE and MPI_MAXLOC on MPI_2INT. */
enum { NA_DSUM = CT_NREDOPS, NA_MAXLOC, NA_NREDOPS };

static const char *na_red_name(int kind)
{
    return kind == NA_DSUM ? "MPI_SUM on MPI_DOUBLE"
         : kind == NA_MAXLOC ? "MPI_MAXLOC on MPI_2INT" : ct_redops[kind].name;
}

/* Elements of memory (ints or doubles) per element of the kind's datatype. */
static int na_red_per(int kind)
{
    return kind == NA_DSUM ? 1 : kind == NA_MAXLOC ? 2 : ct_redops[kind].ints;
}

static void na_red_fill(int kind, int r, void *buf, long long count)
{
    if (kind == NA_DSUM) {
        for (long long i = 0; i < count; i++)
            ((double *)buf)[i] = 0.5 * ct_val(r, i);
    } else if (kind == NA_MAXLOC) {
        /* Ties between ranks every few elements: the lowest rank wins them. */
        for (long long i = 0; i < count; i++) {
            ((int *)buf)[2 * i] = i % 3 == 0 ? 5 : ct_val(r, i);
            ((int *)buf)[2 * i + 1] = r;
        }
    } else {
        ct_red_fill(kind, r, buf, 0, count);
    }
}

/* The reduction over every rank of an n-rank communicator. */
static void na_red_check(int kind, const void *buf, long long count, int n, const char *what)
{
    if (kind == NA_DSUM) {
        for (long long i = 0; i < count; i++) {
            double want = 0;
            for (int r = 0; r < n; r++)
                want += 0.5 * ct_val(r, i);
            CT_CHECK(((const double *)buf)[i] == want, "%s: element %lld is %g, expected %g",
                     what, i, ((const double *)buf)[i], want);
        }
    } else if (kind == NA_MAXLOC) {
        for (long long i = 0; i < count; i++) {
            int v = i % 3 == 0 ? 5 : ct_val(0, i), at = 0;
            for (int r = 1; r < n; r++)
                if (i % 3 != 0 && ct_val(r, i) > v) {
                    v = ct_val(r, i);
                    at = r;
                }
            CT_CHECK(((const int *)buf)[2 * i] == v && ((const int *)buf)[2 * i + 1] == at,
                     "%s: element %lld is (%d, %d), expected (%d, %d)", what, i,
                     ((const int *)buf)[2 * i], ((const int *)buf)[2 * i + 1], v, at);
        }
    } else {
        ct_red_check(kind, buf, 0, count, 0, n, what);
    }
}

static void na_reduce(MPI_Comm comm, int kind, long long count, int root, int all, int in_place)
{
    int rank, size, per = na_red_per(kind);
    size_t bytes = (size_t)(count * per) * (kind == NA_DSUM ? sizeof(double) : sizeof(int));
    MPI_Datatype dt = kind == NA_DSUM ? MPI_DOUBLE : kind == NA_MAXLOC ? MPI_2INT
                                                                       : ct_redops[kind].type;
    MPI_Op op = kind == NA_DSUM ? MPI_SUM : kind == NA_MAXLOC ? MPI_MAXLOC : ct_redops[kind].op;
    char what[160];
    void *sbuf = ct_malloc(bytes), *rbuf = ct_malloc(bytes);
    int mine;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    mine = all || rank == root;
    in_place = in_place && mine;
    snprintf(what, sizeof(what), "%s%s, %s", all ? "MPI_Allreduce" : "MPI_Reduce",
             in_place ? " in place" : "", na_red_name(kind));
    ct_set(what, size, all ? -1 : root, count);
    na_red_fill(kind, rank, sbuf, count);
    if (in_place)
        na_red_fill(kind, rank, rbuf, count);
    else
        memset(rbuf, 0x5a, bytes);
    if (all)
        MPI_Allreduce(in_place ? MPI_IN_PLACE : sbuf, rbuf, (int)count, dt, op, comm);
    else
        MPI_Reduce(in_place ? MPI_IN_PLACE : sbuf, rbuf, (int)count, dt, op, root, comm);
    if (mine)
        na_red_check(kind, rbuf, count, size, "recvbuf");
    free(sbuf);
    free(rbuf);
}

/* ---- gather and allgather --------------------------------------------------------- */

/* Block of rank r, element i of count: ct_val(r, i); received into ints or, with
 * the gapped receive type, into ints 0 and 2 of every 4 (the others stay -1). */
static void na_gather(MPI_Comm comm, long long count, int root, int all, int gapped,
                      int in_place)
{
    int rank, size, per = gapped ? 4 : 1;
    MPI_Datatype rt = gapped ? na_gapped : MPI_INT;
    int mine_all, *sbuf, *rbuf;
    long long rcount = 0, n;
    char what[160];

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    mine_all = all || rank == root;
    in_place = in_place && mine_all;
    /* The gapped type holds two ints an element: send 2 * count ints for count. */
    n = gapped ? 2 * count : count;
    snprintf(what, sizeof(what), "%s%s%s", all ? "MPI_Allgather" : "MPI_Gather",
             in_place ? " in place" : "", gapped ? " into a gapped type" : "");
    ct_set(what, size, all ? -1 : root, count);
    sbuf = ct_malloc((size_t)n * sizeof(int));
    for (long long i = 0; i < n; i++)
        sbuf[i] = ct_val(rank, i);
    if (mine_all)
        rcount = count * size * per;
    rbuf = ct_malloc((size_t)rcount * sizeof(int));
    for (long long i = 0; i < rcount; i++)
        rbuf[i] = -1;
    if (in_place) {
        /* My block in its place: the type's ints 0 and 2 of every 4. */
        int *at = rbuf + (long long)rank * count * per;
        for (long long i = 0; i < n; i++)
            at[gapped ? 2 * i : i] = ct_val(rank, i);
    }
    if (all)
        MPI_Allgather(in_place ? MPI_IN_PLACE : sbuf, (int)n, MPI_INT, rbuf, (int)count, rt, comm);
    else
        MPI_Gather(in_place ? MPI_IN_PLACE : sbuf, (int)n, MPI_INT, rbuf, (int)count, rt, root,
                   comm);
    if (mine_all)
        for (int r = 0; r < size; r++) {
            const int *at = rbuf + (long long)r * count * per;
            for (long long i = 0; i < count * per; i++) {
                int want = !gapped ? ct_val(r, i) : i % 2 == 0 ? ct_val(r, i / 2) : -1;
                CT_CHECK(at[i] == want, "block of rank %d, int %lld is %d, expected %d", r, i,
                         at[i], want);
            }
        }
    free(sbuf);
    free(rbuf);
}

int main(int argc, char **argv)
{
    static const char *const forced[] = { "BATON_COLL_BARRIER", "BATON_COLL_BCAST",
                                          "BATON_COLL_REDUCE", "BATON_COLL_ALLREDUCE",
                                          "BATON_COLL_GATHER", "BATON_COLL_ALLGATHER" };
    const char *env = getenv("BATON_TEST_FORCE_TWOLEVEL");
    int force = env && strcmp(env, "1") == 0;

    /* Read at the first collective, so setting them before MPI_Init is in time. */
    if (force)
        for (int i = 0; i < (int)(sizeof(forced) / sizeof(forced[0])); i++)
            setenv(forced[i], "twolevel", 0);
    MPI_Init(&argc, &argv);
    ct_init(NULL);
    alg = force ? "twolevel (forced)" : "default";
    ct_redops_create();
    na_gapped = ct_gapped_type();
    na_comms_create();
    for (int c = 0; c < NA_NCOMMS; c++) {
        MPI_Comm comm = na_comms[c];
        int size;

        if (comm == MPI_COMM_NULL)
            continue;
        MPI_Comm_size(comm, &size);
        for (int late = 0; late < size; late += size > 4 ? 3 : 1)
            na_barrier(comm, late);
        for (int k = 0; k < NA_NCOUNTS; k++)
            for (int root = 0; root < size; root++)
                for (int type = 0; type < NA_NTYPES; type++)
                    if (na_counts[k] < 10000 || type == (root % 2 ? NA_INT : NA_DOUBLE))
                        na_bcast(comm, na_counts[k], root, type);
        for (int kind = 0; kind < NA_NREDOPS; kind++)
            for (int k = 0; k < NA_NCOUNTS; k++) {
                if (na_counts[k] > 10000 && kind != CT_SUM && kind != NA_DSUM)
                    continue;
                for (int root = 0; root < size; root++)
                    na_reduce(comm, kind, na_counts[k], root, 0, (root + k) % 2);
                na_reduce(comm, kind, na_counts[k], 0, 1, 0);
                na_reduce(comm, kind, na_counts[k], 0, 1, 1);
            }
        for (int k = 0; k < NA_NCOUNTS; k++) {
            for (int root = 0; root < size; root++)
                na_gather(comm, na_gcounts[k], root, 0, (root + k) % 3 == 1, (root + k) % 2);
            na_gather(comm, na_gcounts[k], 0, 1, 0, 0);
            na_gather(comm, na_gcounts[k], 0, 1, k % 2, 1);
        }
    }
    na_comms_free();
    MPI_Type_free(&na_gapped);
    ct_redops_free();
    MPI_Finalize();
    return 0;
}
