/* Attribute caching: keyvals with copy and delete callbacks, the attributes the
 * standard predefines on communicators (MPI_TAG_UB, ...), and the same machinery
 * for datatypes. Every object keeps its attributes in a list (struct bt_attr);
 * the functions on lists take the kind of object, which says how to call the
 * callbacks, and its handle, which they receive. */
#include "comm/bt_comm_impl.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <limits.h>

/* User keyvals are numbered from here; the predefined ones are below 1000. */
#define BT_KEYVAL_BASE 0x1000

/* Callbacks are kept as a generic function pointer and called through their
 * kind's type. */
typedef void (*bt_attr_fn_t)(void);

typedef struct bt_keyval {
    int            refcount;  /* user's + one per attribute */
    int            freed;     /* MPI_*_free_keyval was called */
    bt_attr_kind_t kind;
    bt_attr_fn_t   copy_fn;   /* the kind's NULL_COPY_FN (0) and DUP_FN (1) included */
    bt_attr_fn_t   delete_fn;
    void          *extra_state;
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

int bt_keyval_check_kind(int keyval, bt_attr_kind_t kind)
{
    bt_keyval_t *kv;

    if (kind == BT_ATTR_COMM && bt_keyval_is_predefined(keyval))
        return BT_KEYVAL_PREDEFINED;
    kv = bt_keyval_lookup(keyval);
    if (!kv || kv->kind != kind)
        return BT_KEYVAL_INVALID;
    return kv->freed ? BT_KEYVAL_FREED : BT_KEYVAL_LIVE;
}

int bt_keyval_check(int keyval)
{
    return bt_keyval_check_kind(keyval, BT_ATTR_COMM);
}

static int bt_keyval_new(bt_attr_kind_t kind, bt_attr_fn_t copy_fn, bt_attr_fn_t delete_fn,
                         void *extra_state, int *keyval_p)
{
    bt_keyval_t *kv = bt_calloc(1, sizeof(*kv));

    kv->refcount = 1;
    kv->kind = kind;
    kv->copy_fn = copy_fn;
    kv->delete_fn = delete_fn;
    kv->extra_state = extra_state;
    /* Ids are never reused, so a stale keyval is recognized as invalid. */
    bt_keyvals = bt_realloc(bt_keyvals, (size_t)(bt_nkeyvals + 1) * sizeof(*bt_keyvals));
    bt_keyvals[bt_nkeyvals] = kv;
    *keyval_p = BT_KEYVAL_BASE + bt_nkeyvals++;
    return MPI_SUCCESS;
}

int bt_keyval_create(MPI_Comm_copy_attr_function *copy_fn,
                     MPI_Comm_delete_attr_function *delete_fn, void *extra_state,
                     int *keyval_p)
{
    return bt_keyval_new(BT_ATTR_COMM, (bt_attr_fn_t)copy_fn, (bt_attr_fn_t)delete_fn,
                         extra_state, keyval_p);
}

int bt_type_keyval_create(MPI_Type_copy_attr_function *copy_fn,
                          MPI_Type_delete_attr_function *delete_fn, void *extra_state,
                          int *keyval_p)
{
    return bt_keyval_new(BT_ATTR_TYPE, (bt_attr_fn_t)copy_fn, (bt_attr_fn_t)delete_fn,
                         extra_state, keyval_p);
}

int bt_win_keyval_create(MPI_Win_copy_attr_function *copy_fn,
                         MPI_Win_delete_attr_function *delete_fn, void *extra_state,
                         int *keyval_p)
{
    return bt_keyval_new(BT_ATTR_WIN, (bt_attr_fn_t)copy_fn, (bt_attr_fn_t)delete_fn,
                         extra_state, keyval_p);
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
     * the user may still delete them through a copy of the integer, and the
     * object's free and MPI_Finalize run their callbacks. */
    kv->freed = 1;
    bt_keyval_release(keyval);
    return MPI_SUCCESS;
}

static int bt_attr_call_delete(void *h, struct bt_attr *a)
{
    bt_keyval_t *kv = bt_keyval_lookup(a->keyval);

    if (!kv->delete_fn)   /* MPI_*_NULL_DELETE_FN */
        return MPI_SUCCESS;
    if (kv->kind == BT_ATTR_TYPE)
        return ((MPI_Type_delete_attr_function *)kv->delete_fn)((MPI_Datatype)h, a->keyval,
                                                                a->value, kv->extra_state);
    if (kv->kind == BT_ATTR_WIN)
        return ((MPI_Win_delete_attr_function *)kv->delete_fn)((MPI_Win)h, a->keyval,
                                                               a->value, kv->extra_state);
    return ((MPI_Comm_delete_attr_function *)kv->delete_fn)((MPI_Comm)h, a->keyval, a->value,
                                                            kv->extra_state);
}

static int bt_attr_call_copy(void *h, struct bt_attr *a, void **out_p, int *flag_p)
{
    bt_keyval_t *kv = bt_keyval_lookup(a->keyval);

    if (kv->copy_fn == (bt_attr_fn_t)MPI_COMM_DUP_FN) {   /* and MPI_TYPE_DUP_FN, the same */
        *out_p = a->value;
        *flag_p = 1;
        return MPI_SUCCESS;
    }
    if (kv->kind == BT_ATTR_TYPE)
        return ((MPI_Type_copy_attr_function *)kv->copy_fn)((MPI_Datatype)h, a->keyval,
                                                             kv->extra_state, a->value, out_p,
                                                             flag_p);
    return ((MPI_Comm_copy_attr_function *)kv->copy_fn)((MPI_Comm)h, a->keyval,
                                                         kv->extra_state, a->value, out_p, flag_p);
}

static struct bt_attr *bt_attr_find(struct bt_attr **list, int keyval, struct bt_attr ***link_p)
{
    struct bt_attr **pp;

    for (pp = list; *pp; pp = &(*pp)->next)
        if ((*pp)->keyval == keyval)
            break;
    if (link_p)
        *link_p = pp;
    return *pp;
}

int bt_attrs_set(bt_attr_kind_t kind, struct bt_attr **list, void *h, int keyval, void *value)
{
    struct bt_attr *a;
    int rc;

    if (bt_keyval_check_kind(keyval, kind) != BT_KEYVAL_LIVE)
        return MPI_ERR_KEYVAL;
    a = bt_attr_find(list, keyval, NULL);
    if (a) {
        /* Replacing a value deletes the old one first, as the standard says. */
        if ((rc = bt_attr_call_delete(h, a)) != MPI_SUCCESS)
            return rc;
        a->value = value;
        return MPI_SUCCESS;
    }
    /* Newest first: deleting in list order is the reverse order of setting. */
    a = bt_malloc(sizeof(*a));
    a->keyval = keyval;
    a->value = value;
    a->next = *list;
    *list = a;
    bt_keyval_lookup(keyval)->refcount++;
    return MPI_SUCCESS;
}

int bt_attr_set(bt_comm_t *comm, int keyval, void *value)
{
    return bt_attrs_set(BT_ATTR_COMM, &comm->attrs, comm->handle, keyval, value);
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

int bt_attrs_get(bt_attr_kind_t kind, struct bt_attr **list, int keyval, void **value_p,
                 int *flag_p)
{
    struct bt_attr *a;

    switch (bt_keyval_check_kind(keyval, kind)) {
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
        a = bt_attr_find(list, keyval, NULL);
        *flag_p = a != NULL;
        if (a)
            *value_p = a->value;
        return MPI_SUCCESS;
    default:
        return MPI_ERR_KEYVAL;
    }
}

int bt_attr_get(bt_comm_t *comm, int keyval, void **value_p, int *flag_p)
{
    return bt_attrs_get(BT_ATTR_COMM, &comm->attrs, keyval, value_p, flag_p);
}

int bt_attrs_delete(bt_attr_kind_t kind, struct bt_attr **list, void *h, int keyval)
{
    struct bt_attr *a, **link;
    int rc;

    int state = bt_keyval_check_kind(keyval, kind);

    if (state != BT_KEYVAL_LIVE && state != BT_KEYVAL_FREED)
        return MPI_ERR_KEYVAL;
    a = bt_attr_find(list, keyval, &link);
    if (!a)
        return MPI_SUCCESS;          /* nothing cached under this key: nothing to do */
    /* Unlinked before the callback, which may change the list itself. */
    *link = a->next;
    if ((rc = bt_attr_call_delete(h, a)) != MPI_SUCCESS) {
        a->next = *list;
        *list = a;
        return rc;
    }
    bt_keyval_release(a->keyval);
    free(a);
    return MPI_SUCCESS;
}

int bt_attr_delete(bt_comm_t *comm, int keyval)
{
    return bt_attrs_delete(BT_ATTR_COMM, &comm->attrs, comm->handle, keyval);
}

/* Deletes every attribute of the list; anyway: one whose callback fails is
 * dropped all the same and the others go on (MPI_Finalize has no caller to
 * report to), else it stays and its error is returned. */
static int bt_attrs_delete_list(struct bt_attr **list, void *h, int anyway)
{
    int rc;

    while (*list) {
        struct bt_attr *a = *list;
        *list = a->next;
        if ((rc = bt_attr_call_delete(h, a)) != MPI_SUCCESS && !anyway) {
            a->next = *list;
            *list = a;
            return rc;
        }
        bt_keyval_release(a->keyval);
        free(a);
    }
    return MPI_SUCCESS;
}

int bt_attrs_delete_all(struct bt_attr **list, void *h)
{
    return bt_attrs_delete_list(list, h, 0);
}

int bt_attr_delete_all(bt_comm_t *comm)
{
    return bt_attrs_delete_list(&comm->attrs, comm->handle, 0);
}

void bt_attr_delete_all_anyway(bt_comm_t *comm)
{
    (void)bt_attrs_delete_list(&comm->attrs, comm->handle, 1);
}

int bt_attrs_copy_all(struct bt_attr **from, void *oldh, struct bt_attr **to, void *newh)
{
    struct bt_attr **tail = to;

    /* Keep the old list's order, so the new one deletes in the same order. */
    for (struct bt_attr *a = *from; a; a = a->next) {
        bt_keyval_t *kv = bt_keyval_lookup(a->keyval);
        void *out = NULL;
        int flag = 0, rc;

        if (!kv->copy_fn)   /* MPI_*_NULL_COPY_FN */
            continue;
        if ((rc = bt_attr_call_copy(oldh, a, &out, &flag)) != MPI_SUCCESS) {
            /* Undo: what was copied is deleted again with its callbacks. */
            bt_attrs_delete_all(to, newh);
            return rc;
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

int bt_attr_copy_all(bt_comm_t *oldcomm, bt_comm_t *newcomm)
{
    return bt_attrs_copy_all(&oldcomm->attrs, oldcomm->handle, &newcomm->attrs, newcomm->handle);
}
