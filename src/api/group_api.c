/* Group entry points: queries, set algebra, rank subsets. Errors go to
 * MPI_COMM_SELF's handler: a group belongs to no communicator. */
#include "api/bt_api.h"

#include <string.h>

static int bt_group_arg(const char *call, MPI_Group h, const char *what, bt_group_t **group_p)
{
    bt_group_t *g = bt_group_get(h);

    if (bt_unlikely(!g))
        return bt_err_comm(NULL, MPI_ERR_GROUP, call, "invalid %s%s", what,
                           h == MPI_GROUP_NULL ? " (MPI_GROUP_NULL)" : "");
    *group_p = g;
    return MPI_SUCCESS;
}

#define BT_CHECK_PTR(call, p, name) \
    do { if (bt_unlikely(!(p))) return bt_err_comm(NULL, MPI_ERR_ARG, call, name " is NULL"); } while (0)

int PMPI_Group_size(MPI_Group h, int *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_size");
    bt_group_t *g = NULL;
    int rc;

    if ((rc = bt_group_arg("MPI_Group_size", h, "group", &g)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR("MPI_Group_size", size, "size");
    *size = g->size;
    return MPI_SUCCESS;
}

int PMPI_Group_rank(MPI_Group h, int *rank)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_rank");
    bt_group_t *g = NULL;
    int rc;

    if ((rc = bt_group_arg("MPI_Group_rank", h, "group", &g)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR("MPI_Group_rank", rank, "rank");
    *rank = g->rank;
    return MPI_SUCCESS;
}

int PMPI_Group_free(MPI_Group *h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_free");
    bt_group_t *g = NULL;
    int rc;

    BT_CHECK_PTR("MPI_Group_free", h, "group");
    if ((rc = bt_group_arg("MPI_Group_free", *h, "group", &g)) != MPI_SUCCESS)
        return rc;
    /* MPI_GROUP_EMPTY may come back from any constructor, so freeing it is allowed
     * (and does nothing). */
    bt_group_release(g);
    *h = MPI_GROUP_NULL;
    return MPI_SUCCESS;
}

int PMPI_Group_translate_ranks(MPI_Group h1, int n, const int ranks1[], MPI_Group h2,
                               int ranks2[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_translate_ranks");
    const char *call = "MPI_Group_translate_ranks";
    bt_group_t *g1 = NULL, *g2 = NULL;
    int *map, rc;

    if ((rc = bt_group_arg(call, h1, "group1", &g1)) != MPI_SUCCESS ||
        (rc = bt_group_arg(call, h2, "group2", &g2)) != MPI_SUCCESS)
        return rc;
    if (n < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "n is %d, must be non-negative", n);
    if (n > 0) {
        BT_CHECK_PTR(call, ranks1, "ranks1");
        BT_CHECK_PTR(call, ranks2, "ranks2");
    }
    /* All checked before any output is written. */
    for (int i = 0; i < n; i++)
        if ((ranks1[i] < 0 || ranks1[i] >= g1->size) && ranks1[i] != MPI_PROC_NULL)
            return bt_err_comm(NULL, MPI_ERR_RANK, call,
                               "ranks1[%d] is %d, group1 has %d rank%s", i, ranks1[i],
                               g1->size, g1->size == 1 ? "" : "s");
    if (n == 0)
        return MPI_SUCCESS;
    map = bt_group_world_map(g2);
    for (int i = 0; i < n; i++)
        ranks2[i] = ranks1[i] == MPI_PROC_NULL ? MPI_PROC_NULL : map[g1->world[ranks1[i]]];
    free(map);
    return MPI_SUCCESS;
}

int PMPI_Group_compare(MPI_Group h1, MPI_Group h2, int *result)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_compare");
    bt_group_t *g1 = NULL, *g2 = NULL;
    int rc;

    if ((rc = bt_group_arg("MPI_Group_compare", h1, "group1", &g1)) != MPI_SUCCESS ||
        (rc = bt_group_arg("MPI_Group_compare", h2, "group2", &g2)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR("MPI_Group_compare", result, "result");
    *result = bt_group_compare(g1, g2);
    return MPI_SUCCESS;
}

/* n ranks of g: each in range and none twice. */
static int bt_group_check_ranks(const char *call, const bt_group_t *g, int n, const int *ranks)
{
    char *seen;
    int rc = MPI_SUCCESS;

    if (n < 0 || n > g->size)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "n is %d, must be between 0 and the group "
                           "size %d", n, g->size);
    if (n > 0 && !ranks)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "ranks is NULL");
    seen = bt_calloc((size_t)BT_MAX(g->size, 1), 1);
    for (int i = 0; i < n; i++) {
        if (ranks[i] < 0 || ranks[i] >= g->size) {
            rc = bt_err_comm(NULL, MPI_ERR_RANK, call, "ranks[%d] is %d, the group has %d "
                             "rank%s", i, ranks[i], g->size, g->size == 1 ? "" : "s");
            break;
        }
        if (seen[ranks[i]]) {
            rc = bt_err_comm(NULL, MPI_ERR_RANK, call, "ranks[%d] is %d, which appears twice",
                             i, ranks[i]);
            break;
        }
        seen[ranks[i]] = 1;
    }
    free(seen);
    return rc;
}

static int bt_group_subset(const char *call, MPI_Group h, int n, const int ranks[],
                           MPI_Group *newgroup, int excl)
{
    bt_group_t *g = NULL, *ng;
    int rc;

    if ((rc = bt_group_arg(call, h, "group", &g)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(call, newgroup, "newgroup");
    if ((rc = bt_group_check_ranks(call, g, n, ranks)) != MPI_SUCCESS)
        return rc;
    ng = excl ? bt_group_excl(g, n, ranks) : bt_group_incl(g, n, ranks);
    *newgroup = ng->handle;
    return MPI_SUCCESS;
}

int PMPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_incl");
    return bt_group_subset("MPI_Group_incl", group, n, ranks, newgroup, 0);
}

int PMPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_excl");
    return bt_group_subset("MPI_Group_excl", group, n, ranks, newgroup, 1);
}

/* Expands (first, last, stride) triplets into a rank list, checking each computed
 * rank; the list is at most the group's size (longer ones repeat a rank). */
static int bt_group_ranges(const char *call, const bt_group_t *g, int n, int ranges[][3],
                           int **ranks_p, int *nranks_p)
{
    int *ranks, m = 0, rc = MPI_SUCCESS;
    char *seen;

    if (n < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "n is %d, must be non-negative", n);
    if (n > 0 && !ranges)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "ranges is NULL");
    ranks = bt_malloc((size_t)BT_MAX(g->size, 1) * sizeof(int));
    seen = bt_calloc((size_t)BT_MAX(g->size, 1), 1);
    for (int i = 0; i < n && rc == MPI_SUCCESS; i++) {
        long first = ranges[i][0], last = ranges[i][1], stride = ranges[i][2];
        if (stride == 0) {
            rc = bt_err_comm(NULL, MPI_ERR_ARG, call, "ranges[%d] has stride 0", i);
            break;
        }
        if ((stride > 0 && first > last) || (stride < 0 && first < last)) {
            rc = bt_err_comm(NULL, MPI_ERR_ARG, call, "ranges[%d] = (%ld, %ld, %ld) runs "
                             "away from its last rank", i, first, last, stride);
            break;
        }
        for (long r = first; stride > 0 ? r <= last : r >= last; r += stride) {
            if (r < 0 || r >= g->size) {
                rc = bt_err_comm(NULL, MPI_ERR_RANK, call, "ranges[%d] = (%ld, %ld, %ld) "
                                 "reaches rank %ld, the group has %d rank%s", i, first, last,
                                 stride, r, g->size, g->size == 1 ? "" : "s");
                break;
            }
            if (seen[r]) {
                rc = bt_err_comm(NULL, MPI_ERR_RANK, call, "ranges[%d] = (%ld, %ld, %ld) "
                                 "names rank %ld, which an earlier range names too", i, first,
                                 last, stride, r);
                break;
            }
            seen[r] = 1;
            ranks[m++] = (int)r;
        }
    }
    free(seen);
    if (rc != MPI_SUCCESS) {
        free(ranks);
        return rc;
    }
    *ranks_p = ranks;
    *nranks_p = m;
    return MPI_SUCCESS;
}

static int bt_group_range_subset(const char *call, MPI_Group h, int n, int ranges[][3],
                                 MPI_Group *newgroup, int excl)
{
    bt_group_t *g = NULL, *ng;
    int *ranks = NULL, m = 0, rc;

    if ((rc = bt_group_arg(call, h, "group", &g)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(call, newgroup, "newgroup");
    if ((rc = bt_group_ranges(call, g, n, ranges, &ranks, &m)) != MPI_SUCCESS)
        return rc;
    ng = excl ? bt_group_excl(g, m, ranks) : bt_group_incl(g, m, ranks);
    free(ranks);
    *newgroup = ng->handle;
    return MPI_SUCCESS;
}

int PMPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_range_incl");
    return bt_group_range_subset("MPI_Group_range_incl", group, n, ranges, newgroup, 0);
}

int PMPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_range_excl");
    return bt_group_range_subset("MPI_Group_range_excl", group, n, ranges, newgroup, 1);
}

static int bt_group_setop(const char *call, MPI_Group h1, MPI_Group h2, MPI_Group *newgroup,
                          bt_group_t *(*op)(const bt_group_t *, const bt_group_t *))
{
    bt_group_t *g1 = NULL, *g2 = NULL;
    int rc;

    if ((rc = bt_group_arg(call, h1, "group1", &g1)) != MPI_SUCCESS ||
        (rc = bt_group_arg(call, h2, "group2", &g2)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(call, newgroup, "newgroup");
    *newgroup = op(g1, g2)->handle;
    return MPI_SUCCESS;
}

int PMPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_union");
    return bt_group_setop("MPI_Group_union", group1, group2, newgroup, bt_group_union);
}

int PMPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_intersection");
    return bt_group_setop("MPI_Group_intersection", group1, group2, newgroup,
                          bt_group_intersection);
}

int PMPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_difference");
    return bt_group_setop("MPI_Group_difference", group1, group2, newgroup,
                          bt_group_difference);
}
