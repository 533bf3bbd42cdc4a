/* Fortran handle tables: per kind, the objects by value (slots[f - BT_FH_FIRST])
 * and the values by object (an open-addressing hash of the pointer), so that
 * c2f, f2c and forget each cost a few probes. */
#include "util/bt_fhandle.h"

#include <pthread.h>

typedef struct bt_fh_table {
    const void **slots;       /* value - BT_FH_FIRST -> object, NULL: free */
    int          nslots, cap;
    int         *free_slots;  /* given back, reused first */
    int          nfree;
    uintptr_t   *keys;        /* hash: object (0: empty) */
    int         *vals;        /*       -> slot */
    size_t       hcap;        /* power of two, at most half full */
} bt_fh_table_t;

int bt_fh_live[BT_FH_KINDS];
static bt_fh_table_t bt_fh_tables[BT_FH_KINDS];
/* Objects die on any thread (a datatype's last reference may go in a progress
 * call); the tables are only touched while some value is live or by c2f/f2c. */
static pthread_mutex_t bt_fh_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t bt_fh_hash(uintptr_t key, size_t hcap)
{
    key ^= key >> 17;
    key *= (uintptr_t)0x9e3779b97f4a7c15ull;
    return (size_t)(key >> 20) & (hcap - 1);
}

/* Index of key in the hash, or of the empty place where it would go. */
static size_t bt_fh_probe(const bt_fh_table_t *t, uintptr_t key)
{
    size_t i = bt_fh_hash(key, t->hcap);

    while (t->keys[i] && t->keys[i] != key)
        i = (i + 1) & (t->hcap - 1);
    return i;
}

static void bt_fh_grow(bt_fh_table_t *t)
{
    uintptr_t *keys = t->keys;
    int *vals = t->vals;
    size_t old = t->hcap;

    t->hcap = old ? 2 * old : 64;
    t->keys = bt_calloc(t->hcap, sizeof(*t->keys));
    t->vals = bt_calloc(t->hcap, sizeof(*t->vals));
    for (size_t i = 0; i < old; i++)
        if (keys[i]) {
            size_t j = bt_fh_probe(t, keys[i]);
            t->keys[j] = keys[i];
            t->vals[j] = vals[i];
        }
    free(keys);
    free(vals);
}

int bt_fh_c2f(bt_fh_kind_t kind, const void *h)
{
    bt_fh_table_t *t = &bt_fh_tables[kind];
    uintptr_t key = (uintptr_t)h;
    size_t i;
    int slot;

    pthread_mutex_lock(&bt_fh_lock);
    if (2 * ((size_t)(t->nslots - t->nfree) + 1) > t->hcap)
        bt_fh_grow(t);
    i = bt_fh_probe(t, key);
    if (t->keys[i]) {
        slot = t->vals[i];
        goto out;
    }
    if (t->nfree) {
        slot = t->free_slots[--t->nfree];
    } else {
        if (t->nslots == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 64;
            t->slots = bt_realloc(t->slots, (size_t)t->cap * sizeof(*t->slots));
            t->free_slots = bt_realloc(t->free_slots, (size_t)t->cap * sizeof(*t->free_slots));
        }
        slot = t->nslots++;
    }
    t->slots[slot] = h;
    t->keys[i] = key;
    t->vals[i] = slot;
    __atomic_add_fetch(&bt_fh_live[kind], 1, __ATOMIC_RELAXED);
out:
    pthread_mutex_unlock(&bt_fh_lock);
    return BT_FH_FIRST + slot;
}

void *bt_fh_f2c(bt_fh_kind_t kind, int f)
{
    bt_fh_table_t *t = &bt_fh_tables[kind];
    const void *h = NULL;

    pthread_mutex_lock(&bt_fh_lock);
    if (f >= BT_FH_FIRST && f - BT_FH_FIRST < t->nslots)
        h = t->slots[f - BT_FH_FIRST];
    pthread_mutex_unlock(&bt_fh_lock);
    return (void *)h;
}

void bt_fh_forget_slow(bt_fh_kind_t kind, const void *h)
{
    bt_fh_table_t *t = &bt_fh_tables[kind];
    size_t i, j;

    pthread_mutex_lock(&bt_fh_lock);
    i = bt_fh_probe(t, (uintptr_t)h);
    if (!t->keys[i])
        goto out;
    t->slots[t->vals[i]] = NULL;
    t->free_slots[t->nfree++] = t->vals[i];
    __atomic_sub_fetch(&bt_fh_live[kind], 1, __ATOMIC_RELAXED);
    /* Backward-shift deletion: move up every later entry of the probe run
     * whose home lies at or before the hole, so that lookups never stop early. */
    t->keys[i] = 0;
    for (j = (i + 1) & (t->hcap - 1); t->keys[j]; j = (j + 1) & (t->hcap - 1)) {
        size_t home = bt_fh_hash(t->keys[j], t->hcap);
        if (((j - home) & (t->hcap - 1)) >= ((j - i) & (t->hcap - 1))) {
            t->keys[i] = t->keys[j];
            t->vals[i] = t->vals[j];
            t->keys[j] = 0;
            i = j;
        }
    }
out:
    pthread_mutex_unlock(&bt_fh_lock);
}
