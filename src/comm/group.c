/* Groups: ordered sets of world ranks. */
#include "comm/bt_comm.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"
#include "util/bt_fhandle.h"

#include <string.h>

/* Predefined, never freed; its refcount is not counted. */
bt_group_t bt_group_empty = {
    BT_GROUP_MAGIC, 1, 0, MPI_UNDEFINED, NULL, NULL, MPI_GROUP_EMPTY
};

static int bt_handle_ok(uintptr_t h)
{
    return h >= 0x10000 && (h & (sizeof(void *) - 1)) == 0;
}

bt_group_t *bt_group_get(MPI_Group h)
{
    bt_group_t *g;

    if (h == MPI_GROUP_EMPTY)
        return &bt_group_empty;
    if (BT_HANDLE_IS_PREDEFINED(h) || !bt_handle_ok((uintptr_t)h))
        return NULL;
    g = (bt_group_t *)h;
    return g->magic == BT_GROUP_MAGIC ? g : NULL;
}

bt_group_t *bt_group_new(int n, const int *world)
{
    bt_group_t *g;

    if (n == 0)
        return &bt_group_empty;
    /* One allocation: the header, then the member list. */
    g = bt_malloc(sizeof(*g) + (size_t)n * sizeof(int));
    g->magic = BT_GROUP_MAGIC;
    g->refcount = 1;
    g->size = n;
    g->world = (int *)(g + 1);
    memcpy(g->world, world, (size_t)n * sizeof(int));
    g->rank = MPI_UNDEFINED;
    for (int i = 0; i < n; i++)
        if (world[i] == bt_rt.rank) {
            g->rank = i;
            break;
        }
    g->session = NULL;
    g->handle = (MPI_Group)g;
    return g;
}

void bt_group_retain(bt_group_t *group)
{
    if (group != &bt_group_empty)
        group->refcount++;
}

void bt_group_release(bt_group_t *group)
{
    if (group == &bt_group_empty || --group->refcount > 0)
        return;
    bt_fh_forget(BT_FH_GROUP, group);
    group->magic = 0;
    free(group);
}

int *bt_group_world_map(const bt_group_t *group)
{
    int n = BT_MAX(bt_rt.npeers, 1);
    int *map = bt_malloc((size_t)n * sizeof(int));

    for (int i = 0; i < n; i++)
        map[i] = MPI_UNDEFINED;
    for (int i = 0; i < group->size; i++)
        if (group->world[i] >= 0 && group->world[i] < n)
            map[group->world[i]] = i;
    return map;
}

int bt_group_rank_of(const bt_group_t *group, int world_rank)
{
    for (int i = 0; i < group->size; i++)
        if (group->world[i] == world_rank)
            return i;
    return MPI_UNDEFINED;
}

int bt_group_compare(const bt_group_t *a, const bt_group_t *b)
{
    int *map, result = MPI_IDENT;

    if (a == b)
        return MPI_IDENT;
    if (a->size != b->size)
        return MPI_UNEQUAL;
    if (a->size == 0 || !memcmp(a->world, b->world, (size_t)a->size * sizeof(int)))
        return MPI_IDENT;
    map = bt_group_world_map(b);
    for (int i = 0; i < a->size; i++)
        if (map[a->world[i]] == MPI_UNDEFINED) {
            result = MPI_UNEQUAL;
            break;
        }
    free(map);
    /* Same size, every member of a in b, no duplicates in a group: same set. */
    return result == MPI_IDENT ? MPI_SIMILAR : result;
}

/* The members of a whose presence in b is `want` (1: in b, 0: not in b). */
/* A group made from a (and b) derives from the session they derive from. */
static bt_group_t *bt_group_derived(bt_group_t *g, const bt_group_t *a, const bt_group_t *b)
{
    if (g != &bt_group_empty)
        g->session = a->session ? a->session : b ? b->session : NULL;
    return g;
}

static bt_group_t *bt_group_filter(const bt_group_t *a, const bt_group_t *b, int want)
{
    int *map = bt_group_world_map(b);
    int *w = bt_malloc((size_t)BT_MAX(a->size, 1) * sizeof(int));
    int n = 0;
    bt_group_t *g;

    for (int i = 0; i < a->size; i++)
        if ((map[a->world[i]] != MPI_UNDEFINED) == want)
            w[n++] = a->world[i];
    g = bt_group_new(n, w);
    free(w);
    free(map);
    return bt_group_derived(g, a, b);
}

bt_group_t *bt_group_union(const bt_group_t *a, const bt_group_t *b)
{
    int *map = bt_group_world_map(a);
    int *w = bt_malloc((size_t)BT_MAX(a->size + b->size, 1) * sizeof(int));
    int n = a->size;
    bt_group_t *g;

    /* All of a in order, then the members of b not in a, in b's order. */
    if (a->size)
        memcpy(w, a->world, (size_t)a->size * sizeof(int));
    for (int i = 0; i < b->size; i++)
        if (map[b->world[i]] == MPI_UNDEFINED)
            w[n++] = b->world[i];
    g = bt_group_new(n, w);
    free(w);
    free(map);
    return bt_group_derived(g, a, b);
}

bt_group_t *bt_group_intersection(const bt_group_t *a, const bt_group_t *b)
{
    return bt_group_filter(a, b, 1);
}

bt_group_t *bt_group_difference(const bt_group_t *a, const bt_group_t *b)
{
    return bt_group_filter(a, b, 0);
}

bt_group_t *bt_group_incl(const bt_group_t *group, int n, const int *ranks)
{
    int *w = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(int));
    bt_group_t *g;

    for (int i = 0; i < n; i++)
        w[i] = group->world[ranks[i]];
    g = bt_group_new(n, w);
    free(w);
    return bt_group_derived(g, group, NULL);
}

bt_group_t *bt_group_excl(const bt_group_t *group, int n, const int *ranks)
{
    char *drop = bt_calloc((size_t)BT_MAX(group->size, 1), 1);
    int *w = bt_malloc((size_t)BT_MAX(group->size, 1) * sizeof(int));
    int m = 0;
    bt_group_t *g;

    for (int i = 0; i < n; i++)
        drop[ranks[i]] = 1;
    for (int i = 0; i < group->size; i++)
        if (!drop[i])
            w[m++] = group->world[i];
    g = bt_group_new(m, w);
    free(w);
    free(drop);
    return bt_group_derived(g, group, NULL);
}
