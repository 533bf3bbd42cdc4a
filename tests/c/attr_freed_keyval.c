/* A keyval freed while attributes still use it (MPI 4.1, 7.7.2): the user's
 * variable becomes MPI_KEYVAL_INVALID, but the key lives on until its last
 * attribute goes, and "these references need to be explicitly freed by the
 * program, either via calls to MPI_COMM_DELETE_ATTR ... or by calls to
 * MPI_COMM_FREE". So with a copy of the integer kept from before the free, the
 * attribute can still be read and deleted (its delete callback runs once); on
 * other communicators the callback runs when they are freed or at MPI_Finalize;
 * dup still copies it. A freed key takes no new attributes and cannot be freed
 * twice, and once its last attribute is gone the copy is invalid. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

static int rank;

#include "check.h"

static int deletes, copies, final_deletes;

static int count_copy(MPI_Comm old, int keyval, void *extra, void *in, void *out, int *flag)
{
    copies++;
    *(void **)out = in;
    *flag = 1;
    return MPI_SUCCESS;
}

static int count_delete(MPI_Comm comm, int keyval, void *value, void *extra)
{
    deletes++;
    return MPI_SUCCESS;
}

/* On MPI_COMM_SELF: runs inside MPI_Finalize; main checks the count after it. */
static int final_delete(MPI_Comm comm, int keyval, void *value, void *extra)
{
    final_deletes++;
    return MPI_SUCCESS;
}

/* Returns the class of rc (MPI_SUCCESS stays MPI_SUCCESS). */
static int class_of(int rc)
{
    int cls = rc;
    if (rc != MPI_SUCCESS)
        MPI_Error_class(rc, &cls);
    return cls;
}

int main(int argc, char **argv)
{
    MPI_Comm a, b;
    int key, kept, flag, rc, kself, kself_kept;
    void *val;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    MPI_Comm_create_keyval(count_copy, count_delete, &key, NULL);
    kept = key;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_dup(MPI_COMM_WORLD, &b);
    MPI_Comm_set_attr(a, key, (void *)(intptr_t)11);
    MPI_Comm_set_attr(b, key, (void *)(intptr_t)22);
    rc = MPI_Comm_free_keyval(&key);
    CHECK(rc == MPI_SUCCESS && key == MPI_KEYVAL_INVALID,
          "MPI_Comm_free_keyval: rc %d, keyval now %d (want MPI_KEYVAL_INVALID)", rc, key);

    /* The kept copy still names the attribute. */
    flag = 0;
    rc = MPI_Comm_get_attr(a, kept, &val, &flag);
    CHECK(rc == MPI_SUCCESS && flag && val == (void *)(intptr_t)11,
          "MPI_Comm_get_attr with the freed keyval: class %d, flag %d", class_of(rc), flag);
    rc = MPI_Comm_delete_attr(a, kept);
    CHECK(rc == MPI_SUCCESS, "MPI_Comm_delete_attr with the freed keyval: class %d "
          "(the standard's way to drop the last references)", class_of(rc));
    CHECK(deletes == 1, "MPI_Comm_delete_attr ran %d delete callbacks, want 1", deletes);
    rc = MPI_Comm_get_attr(a, kept, &val, &flag);
    CHECK(rc == MPI_SUCCESS && !flag, "after the delete: get_attr class %d, flag %d",
          class_of(rc), flag);

    /* No new attributes, no second free. */
    rc = MPI_Comm_set_attr(a, kept, (void *)(intptr_t)33);
    CHECK(class_of(rc) == MPI_ERR_KEYVAL, "MPI_Comm_set_attr with a freed keyval: class %d, "
          "want MPI_ERR_KEYVAL", class_of(rc));
    key = kept;
    rc = MPI_Comm_free_keyval(&key);
    CHECK(class_of(rc) == MPI_ERR_KEYVAL, "a second MPI_Comm_free_keyval: class %d, want "
          "MPI_ERR_KEYVAL", class_of(rc));

    /* dup copies the remaining attribute; freeing each communicator deletes it. */
    MPI_Comm_free(&a);
    MPI_Comm_dup(b, &a);
    CHECK(copies == 1, "dup ran %d copy callbacks for the freed keyval, want 1", copies);
    MPI_Comm_free(&a);
    CHECK(deletes == 2, "freeing the dup ran %d delete callbacks in all, want 2", deletes);
    rc = MPI_Comm_delete_attr(b, kept);
    CHECK(rc == MPI_SUCCESS && deletes == 3, "deleting the last attribute: class %d, "
          "%d delete callbacks in all, want 3", class_of(rc), deletes);

    /* The last attribute is gone, and the key with it. */
    rc = MPI_Comm_get_attr(b, kept, &val, &flag);
    CHECK(class_of(rc) == MPI_ERR_KEYVAL, "get_attr with a keyval whose last attribute is "
          "gone: class %d, want MPI_ERR_KEYVAL", class_of(rc));
    MPI_Comm_free(&b);
    CHECK(deletes == 3, "%d delete callbacks in all, want 3", deletes);

    /* Freed while set on MPI_COMM_SELF: the callback still runs at MPI_Finalize. */
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, final_delete, &kself, NULL);
    kself_kept = kself;
    MPI_Comm_set_attr(MPI_COMM_SELF, kself, (void *)(intptr_t)44);
    MPI_Comm_free_keyval(&kself);
    rc = MPI_Comm_get_attr(MPI_COMM_SELF, kself_kept, &val, &flag);
    CHECK(rc == MPI_SUCCESS && flag && val == (void *)(intptr_t)44,
          "MPI_COMM_SELF: get_attr with the freed keyval: class %d, flag %d", class_of(rc), flag);
    MPI_Finalize();
    if (final_deletes != 1) {
        printf("FAIL: the delete callback of a freed keyval on MPI_COMM_SELF ran %d times in "
               "MPI_Finalize, want 1 on rank %d\n", final_deletes, rank);
        return 1;
    }
    return 0;
}
