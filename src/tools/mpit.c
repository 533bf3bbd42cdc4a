/* The tools interface's life cycle, its strings and its categories. */
#include "tools/bt_mpit.h"

#include <string.h>

int bt_mpit_refs;

void bt_mpit_open(void)
{
    if (bt_mpit_refs++ > 0)
        return;
    bt_cvar_build();
    bt_pvar_build();
}

void bt_mpit_close(void)
{
    if (--bt_mpit_refs > 0)
        return;
    bt_event_close();
    bt_pvar_close();
    bt_cvar_close();
}

void bt_mpit_str(const char *src, char *dst, int *len_p)
{
    int need = (int)strlen(src) + 1, n;

    if (len_p == NULL)
        return;
    if (dst == NULL || *len_p <= 0) {
        *len_p = need;
        return;
    }
    n = BT_MIN(need, *len_p);
    memcpy(dst, src, (size_t)n - 1);
    dst[n - 1] = '\0';
    *len_p = n;
}

const bt_category_t bt_categories[BT_NCATS] = {
    [BT_CAT_ENV] = { "baton_env", "every BATON_* environment variable (the README's table)" },
    [BT_CAT_PT2PT] = { "baton_pt2pt", "point-to-point traffic by transport and protocol, the "
                       "unexpected queue, time waiting" },
    [BT_CAT_COLL] = { "baton_coll", "collective algorithms run" },
};

static int bt_category_put(int *indices, int len, int n, int index)
{
    if (n < len)
        indices[n] = index;
    return n + 1;
}

int bt_category_cvars(int cat, int len, int *indices)
{
    int n = 0;

    for (int i = 0; cat == BT_CAT_ENV && i < bt_ncvars; i++)
        n = bt_category_put(indices, len, n, i);
    return n;
}

int bt_category_pvars(int cat, int len, int *indices)
{
    int n = 0;

    for (int i = 0; i < bt_npvars; i++) {
        int coll = strncmp(bt_pvars[i].name, "coll_", 5) == 0;
        if ((cat == BT_CAT_COLL && coll) || (cat == BT_CAT_PT2PT && !coll))
            n = bt_category_put(indices, len, n, i);
    }
    return n;
}

int bt_category_events(int cat, int len, int *indices)
{
    int n = 0;

    for (int i = 0; cat == BT_CAT_PT2PT && i < BT_EV_COUNT; i++)
        n = bt_category_put(indices, len, n, i);
    return n;
}
