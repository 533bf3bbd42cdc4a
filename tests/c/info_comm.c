/* Info on communicators: MPI_Comm_set_info / MPI_Comm_get_info, the assertions
 * mpi_assert_no_any_source / no_any_tag (a wildcard receive or probe on such a
 * communicator is MPI_ERR_ARG naming the assertion; specific ones still work),
 * dup copying the hints, dup_with_info replacing them, ignored hints, the split
 * types guided by info, and MPI_Alloc_mem taking an info. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"


/* The value get_info reports for key: "true", "false", or NULL when absent. */
static const char *hint(MPI_Comm comm, const char *key, char *buf)
{
    MPI_Info info;
    int buflen = MPI_MAX_INFO_VAL, flag = 0;

    CHECK(MPI_Comm_get_info(comm, &info) == MPI_SUCCESS, "MPI_Comm_get_info failed");
    MPI_Info_get_string(info, key, &buflen, buf, &flag);
    MPI_Info_free(&info);
    return flag ? buf : NULL;
}

static void expect_hint(MPI_Comm comm, const char *key, const char *want, int line)
{
    char buf[MPI_MAX_INFO_VAL];
    const char *v = hint(comm, key, buf);

    CHECK((v == NULL && want == NULL) || (v && want && strcmp(v, want) == 0),
          "line %d: %s is %s, expected %s", line, key, v ? v : "(absent)",
          want ? want : "(absent)");
}
#define HINT(comm, key, want) expect_hint((comm), (key), (want), __LINE__)

/* A ring exchange with specific source and tag: must work under the assertions. */
static void ring(MPI_Comm comm, int tag)
{
    int next = (rank + 1) % size, prev = (rank + size - 1) % size, out = rank * 10 + tag, in = -1;
    MPI_Status st;

    MPI_Sendrecv(&out, 1, MPI_INT, next, tag, &in, 1, MPI_INT, prev, tag, comm, &st);
    CHECK(in == prev * 10 + tag && st.MPI_SOURCE == prev && st.MPI_TAG == tag,
          "ring on tag %d: got %d from %d tag %d", tag, in, st.MPI_SOURCE, st.MPI_TAG);
}

int main(int argc, char **argv)
{
    MPI_Comm c, d, e;
    MPI_Info info, got;
    MPI_Request req;
    MPI_Status st;
    MPI_Message msg;
    int x = 0, flag, nkeys;
    void *mem;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    /* Defaults: the hints Baton acts on, false; the others it does not report. */
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    HINT(c, "mpi_assert_no_any_source", "false");
    HINT(c, "mpi_assert_no_any_tag", "false");
    HINT(c, "mpi_assert_exact_length", NULL);
    HINT(c, "mpi_assert_allow_overtaking", NULL);

    /* Set: recognized keys take effect, unknown keys and non-boolean values are
     * ignored and not reported. */
    MPI_Info_create(&info);
    MPI_Info_set(info, "mpi_assert_no_any_source", "true");
    MPI_Info_set(info, "mpi_assert_exact_length", "true");
    MPI_Info_set(info, "mpi_assert_no_any_tag", "perhaps");
    MPI_Info_set(info, "baton_no_such_hint", "42");
    CHECK(MPI_Comm_set_info(c, info) == MPI_SUCCESS, "MPI_Comm_set_info failed");
    MPI_Info_free(&info);
    HINT(c, "mpi_assert_no_any_source", "true");
    HINT(c, "mpi_assert_no_any_tag", "false");
    HINT(c, "baton_no_such_hint", NULL);
    HINT(c, "mpi_assert_exact_length", NULL);
    MPI_Comm_get_info(c, &got);
    MPI_Info_get_nkeys(got, &nkeys);
    CHECK(nkeys == 2, "get_info returned %d keys, expected 2", nkeys);
    MPI_Info_free(&got);

    /* Wildcard source on c: erroneous, reported as MPI_ERR_ARG naming the assertion,
     * in every receive and probe; a wildcard tag is still fine. */
    CHECK_ERR(MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 0, c, &st), MPI_ERR_ARG, "MPI_Recv",
              "mpi_assert_no_any_source");
    CHECK_ERR(MPI_Irecv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 0, c, &req), MPI_ERR_ARG, "MPI_Irecv",
              "mpi_assert_no_any_source");
    CHECK_ERR(MPI_Recv_init(&x, 1, MPI_INT, MPI_ANY_SOURCE, 0, c, &req), MPI_ERR_ARG,
              "MPI_Recv_init", "mpi_assert_no_any_source");
    CHECK_ERR(MPI_Iprobe(MPI_ANY_SOURCE, 0, c, &flag, &st), MPI_ERR_ARG, "MPI_Iprobe",
              "mpi_assert_no_any_source");
    CHECK_ERR(MPI_Improbe(MPI_ANY_SOURCE, 0, c, &flag, &msg, &st), MPI_ERR_ARG, "MPI_Improbe",
              "mpi_assert_no_any_source");
    CHECK_ERR(MPI_Sendrecv(&x, 1, MPI_INT, rank, 0, &x, 1, MPI_INT, MPI_ANY_SOURCE, 0, c, &st),
              MPI_ERR_ARG, "MPI_Sendrecv", "mpi_assert_no_any_source");
    /* The same calls on MPI_COMM_WORLD are fine. */
    CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) == MPI_SUCCESS,
          "Iprobe(ANY_SOURCE) on MPI_COMM_WORLD failed");
    CHECK(MPI_Iprobe(rank, MPI_ANY_TAG, c, &flag, &st) == MPI_SUCCESS,
          "Iprobe(ANY_TAG) under no_any_source failed");
    ring(c, 3);

    /* A dup carries the hints; dup_with_info takes info's instead. */
    MPI_Comm_dup(c, &d);
    HINT(d, "mpi_assert_no_any_source", "true");
    CHECK_ERR(MPI_Probe(MPI_ANY_SOURCE, 0, d, &st), MPI_ERR_ARG, "MPI_Probe",
              "mpi_assert_no_any_source");
    MPI_Comm_free(&d);
    MPI_Info_create(&info);
    MPI_Info_set(info, "mpi_assert_no_any_tag", "true");
    CHECK(MPI_Comm_dup_with_info(c, info, &d) == MPI_SUCCESS, "dup_with_info failed");
    HINT(d, "mpi_assert_no_any_source", "false");
    HINT(d, "mpi_assert_no_any_tag", "true");
    CHECK_ERR(MPI_Recv(&x, 1, MPI_INT, rank, MPI_ANY_TAG, d, &st), MPI_ERR_ARG, "MPI_Recv",
              "mpi_assert_no_any_tag");
    CHECK_ERR(MPI_Iprobe(rank, MPI_ANY_TAG, d, &flag, &st), MPI_ERR_ARG, "MPI_Iprobe",
              "mpi_assert_no_any_tag");
    CHECK_ERR(MPI_Sendrecv(&x, 1, MPI_INT, rank, 0, &x, 1, MPI_INT, rank, MPI_ANY_TAG, d, &st),
              MPI_ERR_ARG, "MPI_Sendrecv", "mpi_assert_no_any_tag");
    /* A receive with a specific tag and a wildcard source is fine on d. */
    MPI_Irecv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 7, d, &req);
    {
        int v = 100 + rank;
        MPI_Send(&v, 1, MPI_INT, rank, 7, d);
    }
    MPI_Wait(&req, &st);
    CHECK(x == 100 + rank && st.MPI_SOURCE == rank, "self message on d: %d from %d", x,
          st.MPI_SOURCE);
    ring(d, 5);
    MPI_Info_free(&info);
    /* MPI_INFO_NULL: no hints. */
    CHECK(MPI_Comm_dup_with_info(d, MPI_INFO_NULL, &e) == MPI_SUCCESS,
          "dup_with_info(MPI_INFO_NULL) failed");
    HINT(e, "mpi_assert_no_any_tag", "false");
    CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, e, &flag, &st) == MPI_SUCCESS,
          "wildcards on a dup_with_info(MPI_INFO_NULL) failed");
    MPI_Comm_free(&e);

    /* set_info changes only the keys it has: "false" clears, absent keeps. */
    MPI_Info_create(&info);
    MPI_Info_set(info, "mpi_assert_no_any_source", "true");
    MPI_Comm_set_info(d, info);
    HINT(d, "mpi_assert_no_any_source", "true");
    HINT(d, "mpi_assert_no_any_tag", "true");
    MPI_Info_set(info, "mpi_assert_no_any_source", "false");
    MPI_Comm_set_info(d, info);
    HINT(d, "mpi_assert_no_any_source", "false");
    HINT(d, "mpi_assert_no_any_tag", "true");
    CHECK(MPI_Comm_set_info(d, MPI_INFO_NULL) == MPI_SUCCESS, "set_info(MPI_INFO_NULL) failed");
    HINT(d, "mpi_assert_no_any_tag", "true");
    MPI_Info_free(&info);
    /* get_info's info round-trips through set_info (what mpi4py does). */
    MPI_Comm_get_info(d, &got);
    MPI_Comm_set_info(c, got);
    MPI_Info_free(&got);
    HINT(c, "mpi_assert_no_any_source", "false");
    HINT(c, "mpi_assert_no_any_tag", "true");

    /* Bad arguments. */
    CHECK_ERR(MPI_Comm_set_info(MPI_COMM_NULL, MPI_INFO_NULL), MPI_ERR_COMM, "MPI_Comm_set_info",
              NULL);
    CHECK_ERR(MPI_Comm_set_info(c, (MPI_Info)(intptr_t)0x3ff), MPI_ERR_INFO, "MPI_Comm_set_info",
              NULL);
    CHECK_ERR(MPI_Comm_get_info(c, NULL), MPI_ERR_ARG, "MPI_Comm_get_info", "info_used");
    CHECK_ERR(MPI_Comm_get_info(MPI_COMM_NULL, &got), MPI_ERR_COMM, "MPI_Comm_get_info", NULL);
    CHECK_ERR(MPI_Comm_dup_with_info(c, (MPI_Info)(intptr_t)0x3ff, &e), MPI_ERR_INFO,
              "MPI_Comm_dup_with_info", NULL);

    /* Predefined communicators take hints too; put them back after. */
    MPI_Info_create(&info);
    MPI_Info_set(info, "mpi_assert_no_any_tag", "true");
    MPI_Comm_set_info(MPI_COMM_SELF, info);
    CHECK_ERR(MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_SELF, &flag, &st), MPI_ERR_ARG, "MPI_Iprobe",
              "mpi_assert_no_any_tag");
    MPI_Info_set(info, "mpi_assert_no_any_tag", "false");
    MPI_Comm_set_info(MPI_COMM_SELF, info);

    /* Split types guided by info: "mpi_shared_memory" names the node (the split of
     * MPI_COMM_TYPE_SHARED); no name or another gives MPI_COMM_NULL. Info is not
     * changed by them; HW_UNGUIDED says in info what it split by. */
    {
        const int guided[2] = { MPI_COMM_TYPE_HW_GUIDED, MPI_COMM_TYPE_RESOURCE_GUIDED };
        MPI_Comm shared;
        MPI_Group g1, g2;
        char v[MPI_MAX_INFO_VAL];
        int cmp, buflen;

        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shared);
        MPI_Comm_group(shared, &g1);
        MPI_Info_set(info, "mpi_hw_resource_type", "@no-such-thing@");
        for (int k = 0; k < 2; k++) {
            MPI_Comm_split_type(MPI_COMM_WORLD, guided[k], rank, MPI_INFO_NULL, &e);
            CHECK(e == MPI_COMM_NULL, "guided split %d without info gave a communicator", k);
            MPI_Comm_split_type(MPI_COMM_WORLD, guided[k], rank, info, &e);
            CHECK(e == MPI_COMM_NULL, "guided split %d by an unknown resource gave one", k);
        }
        MPI_Info_set(info, "mpi_hw_resource_type", "mpi_shared_memory");
        for (int k = 0; k < 2; k++) {
            MPI_Comm_split_type(MPI_COMM_WORLD, guided[k], rank, info, &e);
            CHECK(e != MPI_COMM_NULL, "guided split %d by mpi_shared_memory gave none", k);
            MPI_Comm_group(e, &g2);
            MPI_Group_compare(g1, g2, &cmp);
            CHECK(cmp == MPI_IDENT, "guided split %d is not the node's split (%d)", k, cmp);
            MPI_Group_free(&g2);
            MPI_Comm_free(&e);
            buflen = sizeof(v);
            MPI_Info_get_string(info, "mpi_hw_resource_type", &buflen, v, &flag);
            CHECK(flag && strcmp(v, "mpi_shared_memory") == 0, "guided split changed info: %s",
                  v);
        }
        MPI_Group_free(&g1);
        MPI_Comm_free(&shared);
        /* One process guided, the others MPI_UNDEFINED (as mpi4py's test does):
         * no communication is needed, the one gets a communicator of itself. */
        for (int root = 0; root < size; root++) {
            MPI_Comm_split_type(MPI_COMM_WORLD, rank == root ? MPI_COMM_TYPE_HW_GUIDED
                                                             : MPI_UNDEFINED,
                                0, info, &e);
            if (rank == root) {
                int n = -1;
                CHECK(e != MPI_COMM_NULL, "root %d alone got no communicator", root);
                MPI_Comm_size(e, &n);
                CHECK(n == 1, "root %d alone got %d processes", root, n);
                MPI_Comm_free(&e);
            } else {
                CHECK(e == MPI_COMM_NULL, "MPI_UNDEFINED beside root %d gave one", root);
            }
        }
        /* HW_UNGUIDED names the level it split by; guided by that name, the same
         * split results. */
        MPI_Info_create(&got);
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_UNGUIDED, rank, got, &e);
        buflen = sizeof(v);
        MPI_Info_get_string(got, "mpi_hw_resource_type", &buflen, v, &flag);
        if (e == MPI_COMM_NULL) {
            CHECK(!flag, "HW_UNGUIDED gave no communicator but set mpi_hw_resource_type");
        } else {
            MPI_Comm same;
            CHECK(flag && v[0], "HW_UNGUIDED did not say its resource");
            MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, rank, got, &same);
            CHECK(same != MPI_COMM_NULL, "HW_GUIDED by '%s' gave none", v);
            MPI_Comm_group(e, &g1);
            MPI_Comm_group(same, &g2);
            MPI_Group_compare(g1, g2, &cmp);
            CHECK(cmp == MPI_IDENT, "HW_GUIDED by '%s' is not HW_UNGUIDED's split", v);
            MPI_Group_free(&g1);
            MPI_Group_free(&g2);
            MPI_Comm_free(&same);
            MPI_Comm_free(&e);
        }
        MPI_Info_free(&got);
        CHECK_ERR(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
                                      (MPI_Info)(intptr_t)0x3ff, &e),
                  MPI_ERR_INFO, "MPI_Comm_split_type", NULL);
    }

    /* MPI_Alloc_mem: any info is accepted, a bad handle is not. */
    MPI_Info_set(info, "alloc_shared_noncontig", "true");
    CHECK(MPI_Alloc_mem(1000, info, &mem) == MPI_SUCCESS, "Alloc_mem with an info failed");
    memset(mem, 1, 1000);
    MPI_Free_mem(mem);
    CHECK(MPI_Alloc_mem(10, MPI_INFO_NULL, &mem) == MPI_SUCCESS, "Alloc_mem(MPI_INFO_NULL) failed");
    MPI_Free_mem(mem);
    CHECK_ERR(MPI_Alloc_mem(10, (MPI_Info)(intptr_t)0x3ff, &mem), MPI_ERR_INFO, "MPI_Alloc_mem",
              NULL);
    MPI_Info_free(&info);

    MPI_Comm_free(&d);
    MPI_Comm_free(&c);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
