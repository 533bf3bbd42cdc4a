/* Attribute caching with copy and delete callbacks: dup copies (or not), free
 * and replace delete, the order of deletion, keyvals freed while in use, and
 * errors returned by callbacks. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

static int copies, deletes, extra_seen, fail_copy, fail_delete;
static int delete_order[16], ndeleted;

/* Copies a heap int, incremented, so that each communicator has its own. */
static int copy_fn(MPI_Comm old, int keyval, void *extra, void *in, void *out, int *flag)
{
    int *v;
    copies++;
    if (extra == (void *)&extra_seen)
        extra_seen++;
    if (fail_copy)
        return MPI_ERR_OTHER;
    v = malloc(sizeof(int));
    *v = *(int *)in + 1;
    *(void **)out = v;
    *flag = 1;
    return MPI_SUCCESS;
}

static int delete_fn(MPI_Comm comm, int keyval, void *value, void *extra)
{
    deletes++;
    if (fail_delete)
        return MPI_ERR_OTHER;
    free(value);
    return MPI_SUCCESS;
}

/* Declines to copy. */
static int nocopy_fn(MPI_Comm old, int keyval, void *extra, void *in, void *out, int *flag)
{
    copies++;
    *flag = 0;
    return MPI_SUCCESS;
}

/* Records the order of deletion through the value (a small integer). */
static int order_fn(MPI_Comm comm, int keyval, void *value, void *extra)
{
    delete_order[ndeleted++] = (int)(intptr_t)value;
    return MPI_SUCCESS;
}

static int *new_int(int v)
{
    int *p = malloc(sizeof(int));
    *p = v;
    return p;
}

int main(int argc, char **argv)
{
    int k_copy, k_dup, k_null, k_nocopy, k_order[3], flag;
    void *val;
    MPI_Comm a, b, c;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);

    MPI_Comm_create_keyval(copy_fn, delete_fn, &k_copy, &extra_seen);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &k_dup, NULL);
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &k_null, NULL);
    MPI_Comm_create_keyval(nocopy_fn, MPI_COMM_NULL_DELETE_FN, &k_nocopy, NULL);
    CHECK(k_copy != MPI_KEYVAL_INVALID && k_copy != k_dup && k_dup != k_null,
          "keyvals %d %d %d", k_copy, k_dup, k_null);

    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_get_attr(a, k_copy, &val, &flag);
    CHECK(!flag, "attribute present before it was set");
    MPI_Comm_set_attr(a, k_copy, new_int(10));
    MPI_Comm_set_attr(a, k_dup, (void *)(intptr_t)77);
    MPI_Comm_set_attr(a, k_null, (void *)(intptr_t)88);
    MPI_Comm_set_attr(a, k_nocopy, (void *)(intptr_t)99);
    MPI_Comm_get_attr(a, k_dup, &val, &flag);
    CHECK(flag && (intptr_t)val == 77, "get after set: flag %d value %ld", flag, (long)(intptr_t)val);

    /* Dup: the copy callback runs once with its extra_state, DUP_FN copies the
     * value, NULL_COPY_FN and a callback that says no do not. */
    MPI_Comm_dup(a, &b);
    CHECK(copies == 2, "copy callbacks ran %d times, expected 2", copies);
    CHECK(extra_seen == 1, "extra_state seen %d times", extra_seen);
    MPI_Comm_get_attr(b, k_copy, &val, &flag);
    CHECK(flag && *(int *)val == 11, "copied value %d", flag ? *(int *)val : -1);
    MPI_Comm_get_attr(b, k_dup, &val, &flag);
    CHECK(flag && (intptr_t)val == 77, "MPI_COMM_DUP_FN value %ld", (long)(intptr_t)val);
    MPI_Comm_get_attr(b, k_null, &val, &flag);
    CHECK(!flag, "MPI_COMM_NULL_COPY_FN attribute was copied");
    MPI_Comm_get_attr(b, k_nocopy, &val, &flag);
    CHECK(!flag, "attribute copied though the callback said no");

    /* A dup of the dup: the chain goes on. Idup copies too. */
    {
        MPI_Request req;
        MPI_Comm_idup(b, &c, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        MPI_Comm_get_attr(c, k_copy, &val, &flag);
        CHECK(flag && *(int *)val == 12, "idup copied value %d", flag ? *(int *)val : -1);
    }

    /* Replacing a value deletes the old one. */
    deletes = 0;
    MPI_Comm_set_attr(c, k_copy, new_int(50));
    CHECK(deletes == 1, "replace ran %d deletes", deletes);
    MPI_Comm_get_attr(c, k_copy, &val, &flag);
    CHECK(flag && *(int *)val == 50, "replaced value %d", *(int *)val);

    /* Explicit delete, then deleting what is not there. */
    MPI_Comm_delete_attr(c, k_copy);
    CHECK(deletes == 2, "delete_attr ran %d deletes", deletes);
    MPI_Comm_get_attr(c, k_copy, &val, &flag);
    CHECK(!flag, "attribute still there after delete");
    CHECK(MPI_Comm_delete_attr(c, k_copy) == MPI_SUCCESS, "deleting an absent attribute");
    CHECK(deletes == 2, "deleting an absent attribute ran the callback");

    /* Free runs the delete callbacks. */
    MPI_Comm_free(&c);
    CHECK(deletes == 2, "free of a communicator without the attribute deleted it");
    MPI_Comm_free(&b);
    CHECK(deletes == 3, "free ran %d deletes, expected 3", deletes);

    /* The keyval freed while still attached: the attribute stays readable and
     * its delete callback still runs. */
    {
        int k = k_copy;
        MPI_Comm_free_keyval(&k_copy);
        CHECK(k_copy == MPI_KEYVAL_INVALID, "keyval not reset");
        MPI_Comm_dup(a, &b);
        CHECK(copies == 5, "copies %d after dup with a freed keyval", copies);
        MPI_Comm_free(&b);
        CHECK(deletes == 4, "deletes %d after freeing a dup with a freed keyval", deletes);
        (void)k;
    }
    MPI_Comm_free(&a);
    CHECK(deletes == 5, "deletes %d after freeing the original", deletes);

    /* Deletion runs in the reverse order of setting. */
    for (int i = 0; i < 3; i++)
        MPI_Comm_create_keyval(MPI_COMM_DUP_FN, order_fn, &k_order[i], NULL);
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    for (int i = 0; i < 3; i++)
        MPI_Comm_set_attr(a, k_order[i], (void *)(intptr_t)(i + 1));
    MPI_Comm_dup(a, &b);
    MPI_Comm_free(&a);
    CHECK(ndeleted == 3 && delete_order[0] == 3 && delete_order[1] == 2 && delete_order[2] == 1,
          "deletion order %d %d %d", delete_order[0], delete_order[1], delete_order[2]);
    ndeleted = 0;
    MPI_Comm_free(&b);
    CHECK(ndeleted == 3 && delete_order[0] == 3 && delete_order[2] == 1,
          "deletion order in the dup %d %d %d", delete_order[0], delete_order[1],
          delete_order[2]);
    for (int i = 0; i < 3; i++)
        MPI_Comm_free_keyval(&k_order[i]);

    /* Errors from callbacks fail the call and reach the handler. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_create_keyval(copy_fn, delete_fn, &k_copy, NULL);
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_set_attr(a, k_copy, new_int(1));
    fail_copy = 1;
    {
        int rc = MPI_Comm_dup(a, &b), cls;
        MPI_Error_class(rc, &cls);
        CHECK(rc != MPI_SUCCESS && cls == MPI_ERR_OTHER, "dup with a failing copy: %d", rc);
    }
    fail_copy = 0;
    fail_delete = 1;
    {
        int rc = MPI_Comm_free(&a), cls;
        MPI_Error_class(rc, &cls);
        CHECK(rc != MPI_SUCCESS && cls == MPI_ERR_OTHER, "free with a failing delete: %d", rc);
        CHECK(a != MPI_COMM_NULL, "a failed free reset the handle");
    }
    fail_delete = 0;
    MPI_Comm_free(&a);
    MPI_Comm_free_keyval(&k_copy);

    /* Attributes on the predefined communicators, deleted at MPI_Finalize for
     * MPI_COMM_SELF (checked by the callback running without a crash). */
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, delete_fn, &k_copy, NULL);
    MPI_Comm_set_attr(MPI_COMM_SELF, k_copy, new_int(5));
    MPI_Comm_set_attr(MPI_COMM_WORLD, k_copy, new_int(6));
    MPI_Comm_get_attr(MPI_COMM_WORLD, k_copy, &val, &flag);
    CHECK(flag && *(int *)val == 6, "attribute on MPI_COMM_WORLD: %d", *(int *)val);
    MPI_Comm_free_keyval(&k_copy);

    MPI_Comm_free_keyval(&k_dup);
    MPI_Comm_free_keyval(&k_null);
    MPI_Comm_free_keyval(&k_nocopy);
    MPI_Finalize();
    return 0;
}
