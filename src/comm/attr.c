/* Attribute caching on communicators: keyvals with copy and delete callbacks,
 * and the attributes the standard predefines (MPI_TAG_UB, ...). */
#include "comm/bt_comm_impl.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <limits.h>

/* User keyvals are numbered from here; the predefined ones are below 1000. */
#define BT_KEYVAL_BASE 0x1000

typedef struct bt_keyval {
    int                            refcount;  /* user's + one per attribute */
    int                            freed;     /* MPI_Comm_free_keyval was called */
    MPI_Comm_copy_attr_function   *copy_fn;
    MPI_Comm_delete_attr_function *delete_fn;
    void                          *extra_state;
} bt_keyval_t;

struct bt_attr {
    int             keyval;
    void           *value;
    struct bt_attr *next;
};

static bt_keyval_t **bt_keyvals;
static int bt_nkeyvals;

/* Values the predefined attributes point to. */
static int bt_attr_tag_ub = INT_MAX;
static int bt_attr_host = MPI_PROC_NULL;
static int bt_attr_io = MPI_ANY_SOURCE;     /* every process can do I/O */
static int bt_attr_wtime_is_global = 0;
static int bt_attr_universe_size, bt_attr_appnum, bt_attr_lastusedcode;

static bt_keyval_t *bt_keyval_lookup(int keyval)
{
    int i = keyval - BT_KEYVAL_BASE;

    if (i < 0 || i >= bt_nkeyvals)
        return NULL;
    return bt_keyvals[i];
}

static int bt_keyval_is_predefined(int keyval)
{
    switch (keyval) {
    case MPI_TAG_UB: case MPI_HOST: case MPI_IO: case MPI_WTIME_IS_GLOBAL:
    case MPI_UNIVERSE_SIZE: case MPI_APPNUM: case MPI_LASTUSEDCODE:
        return 1;
    default:
        return 0;
    }
}

int bt_keyval_check(int keyval)
{
    bt_keyval_t *kv;

    if (bt_keyval_is_predefined(keyval))
        return BT_KEYVAL_PREDEFINED;
    kv = bt_keyval_lookup(keyval);
    if (!kv)
        return BT_KEYVAL_INVALID;
    return kv->freed ? BT_KEYVAL_FREED : BT_KEYVAL_LIVE;
}

int bt_keyval_create(MPI_Comm_copy_attr_function *copy_fn,
                     MPI_Comm_delete_attr_function *delete_fn, void *extra_state,
                     int *keyval_p)
{
    bt_keyval_t *kv = bt_calloc(1, sizeof(*kv));

    kv->refcount = 1;
    kv->copy_fn = copy_fn;
    kv->delete_fn = delete_fn;
    kv->extra_state = extra_state;
    /* Ids are never reused, so a stale keyval is recognized as invalid. */
    bt_keyvals = bt_realloc(bt_keyvals, (size_t)(bt_nkeyvals + 1) * sizeof(*bt_keyvals));
    bt_keyvals[bt_nkeyvals] = kv;
    *keyval_p = BT_KEYVAL_BASE + bt_nkeyvals++;
    return MPI_SUCCESS;
}

static void bt_keyval_release(int keyval)
{
    bt_keyval_t *kv = bt_keyval_lookup(keyval);

    if (--kv->refcount > 0)
        return;
    bt_keyvals[keyval - BT_KEYVAL_BASE] = NULL;
    free(kv);
}

int bt_keyval_free(int keyval)
{
    bt_keyval_t *kv = bt_keyval_lookup(keyval);

    if (!kv || kv->freed)
        return MPI_ERR_KEYVAL;
    /* Attributes still set keep the keyval (and its delete callback) alive:
     * the user may still delete them through a copy of the integer, and
     * MPI_Comm_free and MPI_Finalize run their callbacks. */
    kv->freed = 1;
    bt_keyval_release(keyval);
    return MPI_SUCCESS;
}

static int bt_attr_call_delete(bt_comm_t *comm, struct bt_attr *a)
{
    bt_keyval_t *kv = bt_keyval_lookup(a->keyval);

    if (kv->delete_fn == MPI_COMM_NULL_DELETE_FN)
        return MPI_SUCCESS;
    return kv->delete_fn(comm->handle, a->keyval, a->value, kv->extra_state);
}

static struct bt_attr *bt_attr_find(bt_comm_t *comm, int keyval, struct bt_attr ***link_p)
{
    struct bt_attr **pp;

    for (pp = &comm->attrs; *pp; pp = &(*pp)->next)
        if ((*pp)->keyval == keyval)
            break;
    if (link_p)
        *link_p = pp;
    return *pp;
}

int bt_attr_set(bt_comm_t *comm, int keyval, void *value)
{
    struct bt_attr *a;
    int rc;

    if (bt_keyval_check(keyval) != BT_KEYVAL_LIVE)
        return MPI_ERR_KEYVAL;
    a = bt_attr_find(comm, keyval, NULL);
    if (a) {
        /* Replacing a value deletes the old one first, as the standard says. */
        if ((rc = bt_attr_call_delete(comm, a)) != MPI_SUCCESS)
            return rc;
        a->value = value;
        return MPI_SUCCESS;
    }
    /* Newest first: deleting in list order is the reverse order of setting. */
    a = bt_malloc(sizeof(*a));
    a->keyval = keyval;
    a->value = value;
    a->next = comm->attrs;
    comm->attrs = a;
    bt_keyval_lookup(keyval)->refcount++;
    return MPI_SUCCESS;
}

static int *bt_attr_predefined(int keyval)
{
    switch (keyval) {
    case MPI_TAG_UB:          return &bt_attr_tag_ub;
    case MPI_HOST:            return &bt_attr_host;
    case MPI_IO:              return &bt_attr_io;
    case MPI_WTIME_IS_GLOBAL: return &bt_attr_wtime_is_global;
    case MPI_UNIVERSE_SIZE:
        bt_attr_universe_size = bt_rt.universe_size;
        return bt_attr_universe_size > 0 ? &bt_attr_universe_size : NULL;
    case MPI_APPNUM:
        bt_attr_appnum = bt_rt.appnum;
        return bt_attr_appnum >= 0 ? &bt_attr_appnum : NULL;
    case MPI_LASTUSEDCODE:
        bt_attr_lastusedcode = bt_errcode_lastused;
        return &bt_attr_lastusedcode;
    default:
        return NULL;
    }
}

int bt_attr_get(bt_comm_t *comm, int keyval, void **value_p, int *flag_p)
{
    struct bt_attr *a;

    switch (bt_keyval_check(keyval)) {
    case BT_KEYVAL_PREDEFINED: {
        /* Set on every communicator, not only MPI_COMM_WORLD: dups and splits of
         * it would carry them anyway, and programs ask any communicator. */
        int *v = bt_attr_predefined(keyval);
        *flag_p = v != NULL;
        if (v)
            *value_p = v;
        return MPI_SUCCESS;
    }
    case BT_KEYVAL_LIVE:
    case BT_KEYVAL_FREED:
        a = bt_attr_find(comm, keyval, NULL);
        *flag_p = a != NULL;
        if (a)
            *value_p = a->value;
        return MPI_SUCCESS;
    default:
        return MPI_ERR_KEYVAL;
    }
}

int bt_attr_delete(bt_comm_t *comm, int keyval)
{
    struct bt_attr *a, **link;
    int rc, kind = bt_keyval_check(keyval);

    if (kind != BT_KEYVAL_LIVE && kind != BT_KEYVAL_FREED)
        return MPI_ERR_KEYVAL;
    a = bt_attr_find(comm, keyval, &link);
    if (!a)
        return MPI_SUCCESS;          /* nothing cached under this key: nothing to do */
    /* Unlinked before the callback, which may change the list itself. */
    *link = a->next;
    if ((rc = bt_attr_call_delete(comm, a)) != MPI_SUCCESS) {
        a->next = comm->attrs;
        comm->attrs = a;
        return rc;
    }
    bt_keyval_release(a->keyval);
    free(a);
    return MPI_SUCCESS;
}

int bt_attr_copy_all(bt_comm_t *oldcomm, bt_comm_t *newcomm)
{
    struct bt_attr **tail = &newcomm->attrs;

    /* Keep the old list's order, so the new one deletes in the same order. */
    for (struct bt_attr *a = oldcomm->attrs; a; a = a->next) {
        bt_keyval_t *kv = bt_keyval_lookup(a->keyval);
        void *out = NULL;
        int flag = 0, rc;

        if (kv->copy_fn == MPI_COMM_NULL_COPY_FN)
            continue;
        if (kv->copy_fn == MPI_COMM_DUP_FN) {
            out = a->value;
            flag = 1;
        } else {
            rc = kv->copy_fn(oldcomm->handle, a->keyval, kv->extra_state, a->value, &out, &flag);
            if (rc != MPI_SUCCESS) {
                /* Undo: what was copied is deleted again with its callbacks. */
                bt_attr_delete_all(newcomm);
                return rc;
            }
        }
        if (!flag)
            continue;
        struct bt_attr *c = bt_malloc(sizeof(*c));
        c->keyval = a->keyval;
        c->value = out;
        c->next = NULL;
        *tail = c;
        tail = &c->next;
        kv->refcount++;
    }
    return MPI_SUCCESS;
}

int bt_attr_delete_all(bt_comm_t *comm)
{
    int rc;

    while (comm->attrs) {
        struct bt_attr *a = comm->attrs;
        comm->attrs = a->next;
        if ((rc = bt_attr_call_delete(comm, a)) != MPI_SUCCESS) {
            a->next = comm->attrs;
            comm->attrs = a;
            return rc;
        }
        bt_keyval_release(a->keyval);
        free(a);
    }
    return MPI_SUCCESS;
}

void bt_attr_delete_all_anyway(bt_comm_t *comm)
{
    while (comm->attrs) {
        struct bt_attr *a = comm->attrs;
        comm->attrs = a->next;
        (void)bt_attr_call_delete(comm, a);
        bt_keyval_release(a->keyval);
        free(a);
    }
}
