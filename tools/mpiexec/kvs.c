/* The job's key-value store: an open-addressing hash table, since every rank
 * reads the keys of every other rank (N*N gets at start-up). */
#include "mpiexec.h"

#include <stdlib.h>
#include <string.h>

static uint64_t bt_kvs_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static bt_kvs_entry_t *bt_kvs_slot(bt_kvs_entry_t *slots, size_t nslots,
                                   const char *key)
{
    size_t i = (size_t)bt_kvs_hash(key) & (nslots - 1);

    while (slots[i].key != NULL && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (nslots - 1);
    return &slots[i];
}

int bt_kvs_init(bt_kvs_t *kvs)
{
    kvs->nslots = 256;
    kvs->nused = 0;
    kvs->slots = calloc(kvs->nslots, sizeof(*kvs->slots));
    return kvs->slots != NULL ? 0 : -1;
}

void bt_kvs_fini(bt_kvs_t *kvs)
{
    for (size_t i = 0; i < kvs->nslots; i++) {
        free(kvs->slots[i].key);
        free(kvs->slots[i].value);
    }
    free(kvs->slots);
    kvs->slots = NULL;
    kvs->nslots = kvs->nused = 0;
}

static int bt_kvs_grow(bt_kvs_t *kvs)
{
    size_t nslots = kvs->nslots * 2;
    bt_kvs_entry_t *slots = calloc(nslots, sizeof(*slots));

    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < kvs->nslots; i++) {
        if (kvs->slots[i].key != NULL)
            *bt_kvs_slot(slots, nslots, kvs->slots[i].key) = kvs->slots[i];
    }
    free(kvs->slots);
    kvs->slots = slots;
    kvs->nslots = nslots;
    return 0;
}

/* A later put of the same key replaces the value. */
int bt_kvs_put(bt_kvs_t *kvs, const char *key, const char *value)
{
    bt_kvs_entry_t *e;
    char *v;

    if (2 * (kvs->nused + 1) > kvs->nslots && bt_kvs_grow(kvs) != 0)
        return -1;
    v = strdup(value);
    if (v == NULL)
        return -1;
    e = bt_kvs_slot(kvs->slots, kvs->nslots, key);
    if (e->key == NULL) {
        e->key = strdup(key);
        if (e->key == NULL) {
            free(v);
            return -1;
        }
        kvs->nused++;
    }
    free(e->value);
    e->value = v;
    return 0;
}

const char *bt_kvs_get(const bt_kvs_t *kvs, const char *key)
{
    bt_kvs_entry_t *e = bt_kvs_slot(kvs->slots, kvs->nslots, key);

    return e->key != NULL ? e->value : NULL;
}
