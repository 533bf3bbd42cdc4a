/* Control variables: every entry of the BATON_* table (src/util/env.c), the
 * README's table's one source, with BATON_COLL_ expanded into one variable per
 * collective. A variable that the library reads into a live setting shows that
 * setting while the library runs; the others show the environment's value, or
 * the table's default when it is a number. Writable are only the settings that
 * the code reads at every use: the spin times, BATON_COLL_TRACE and the forced
 * collective algorithms (which every rank must set alike: MPI_T_SCOPE_ALL_EQ). */
#include "tools/bt_mpit.h"

#include "coll/bt_coll.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bt_cvar_t *bt_cvars;
int        bt_ncvars;

static struct MPI_ABI_T_enum *bt_enums;
static int                    bt_nenums;
static MPI_T_cvar_handle      bt_cvar_handles;

/* The longest text a MPI_CHAR variable returns (with its terminator). */
#define BT_CVAR_TEXT_MAX 1024

int bt_mpit_enum_ok(MPI_T_enum e)
{
    for (int i = 0; i < bt_nenums; i++)
        if (e == &bt_enums[i])
            return 1;
    return 0;
}

static MPI_T_enum bt_enum_new(const char *name, int n)
{
    struct MPI_ABI_T_enum *e = &bt_enums[bt_nenums++];

    e->name = bt_strdup(name);
    e->n = 0;
    e->items = bt_calloc((size_t)n, sizeof(char *));
    e->values = bt_calloc((size_t)n, sizeof(int));
    return e;
}

static void bt_enum_add(MPI_T_enum e, const char *item, size_t len, int value)
{
    e->items[e->n] = bt_malloc(len + 1);
    memcpy(e->items[e->n], item, len);
    e->items[e->n][len] = '\0';
    e->values[e->n++] = value;
}

/* The default in the table's words, without its backquotes, up to the first
 * space after a word ("`auto`" -> "auto", "32 KiB (at most ...)" -> "32 KiB"). */
static void bt_cvar_dflt_word(const bt_env_var_t *v, char *out, size_t len)
{
    size_t n = 0;
    int spaces = 0;

    for (const char *p = v->dflt; *p && n + 1 < len; p++) {
        if (*p == '`')
            continue;
        if (*p == ' ' && ++spaces > (isdigit((unsigned char)v->dflt[0]) ? 1 : 0))
            break;
        out[n++] = *p;
    }
    out[n] = '\0';
}

static int bt_choice_index(const char *choices, const char *s)
{
    size_t len = strlen(s);
    int i = 0;

    for (const char *c = choices; *c; i++) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == len && strncmp(c, s, n) == 0)
            return i;
        c += n + (bar != NULL);
    }
    return -1;
}

static void bt_cvar_add(const char *name, const bt_env_var_t *v, int coll)
{
    bt_cvar_t *c = &bt_cvars[bt_ncvars++];
    char dflt[64];
    size_t dlen;

    c->name = bt_strdup(name);
    c->env = v;
    c->coll = coll;
    c->scope = MPI_T_SCOPE_CONSTANT;
    c->en = MPI_T_ENUM_NULL;
    dlen = strlen(v->what) + strlen(v->dflt) + 64;
    c->desc = bt_malloc(dlen);
    if (coll >= 0)
        snprintf(c->desc, dlen, "the algorithm of MPI_%s and its nonblocking form "
                 "(\"table\": the selection table picks)", bt_coll_kind_name(coll));
    else
        snprintf(c->desc, dlen, "%s (default: %s)", v->what, v->dflt);
    switch (v->type) {
    case BT_ENV_INT:
        c->type = MPI_INT;
        break;
    case BT_ENV_SIZE:
        c->type = MPI_UNSIGNED_LONG_LONG;
        break;
    case BT_ENV_SECONDS:
        c->type = MPI_DOUBLE;
        break;
    case BT_ENV_BOOL:
        c->type = MPI_INT;
        break;
    case BT_ENV_TEXT:
        c->type = MPI_CHAR;
        break;
    case BT_ENV_CHOICE:
        c->type = MPI_INT;
        if (coll >= 0) {
            int nalg = bt_coll_alg_count(), kind;
            c->en = bt_enum_new(name, nalg + 1);
            bt_enum_add(c->en, "table", 5, -1);
            for (int a = 0, i = 0; a < nalg; a++) {
                const char *alg = bt_coll_alg_name(a, &kind);
                if (kind == coll)
                    bt_enum_add(c->en, alg, strlen(alg), i++);
            }
        } else {
            int n = 1, i = 0;
            for (const char *p = v->choices; *p; p++)
                n += *p == '|';
            c->en = bt_enum_new(name, n + 1);
            for (const char *p = v->choices; *p; i++) {
                const char *bar = strchr(p, '|');
                size_t len = bar ? (size_t)(bar - p) : strlen(p);
                bt_enum_add(c->en, p, len, i);
                p += len + (bar != NULL);
            }
            bt_cvar_dflt_word(v, dflt, sizeof(dflt));
            if (bt_choice_index(v->choices, dflt) < 0)
                bt_enum_add(c->en, "unset", 5, -1);
        }
        break;
    }
    if (coll >= 0)
        c->scope = MPI_T_SCOPE_ALL_EQ;
    else if (strcmp(name, "BATON_SPIN_US") == 0 || strcmp(name, "BATON_SPIN_BUSY_US") == 0 ||
             strcmp(name, "BATON_YIELD_US") == 0 || strcmp(name, "BATON_COLL_TRACE") == 0)
        c->scope = MPI_T_SCOPE_LOCAL;
}

void bt_cvar_build(void)
{
    size_t n = bt_env_nvars - 1 + BT_COLL_NKINDS;
    char name[64];

    bt_cvars = bt_calloc(n, sizeof(*bt_cvars));
    bt_enums = bt_calloc(n, sizeof(*bt_enums));
    for (size_t i = 0; i < bt_env_nvars; i++) {
        const bt_env_var_t *v = &bt_env_vars[i];
        size_t len = strlen(v->name);
        if (v->name[len - 1] != '_') {
            bt_cvar_add(v->name, v, -1);
            continue;
        }
        /* The family BATON_COLL_: one variable per collective. */
        for (int k = 0; k < BT_COLL_NKINDS; k++) {
            snprintf(name, sizeof(name), "%s%s", v->name, bt_coll_kind_name(k));
            bt_cvar_add(name, v, k);
        }
    }
}

void bt_cvar_close(void)
{
    while (bt_cvar_handles)
        bt_cvar_handle_free(bt_cvar_handles);
    for (int i = 0; i < bt_ncvars; i++) {
        free(bt_cvars[i].name);
        free(bt_cvars[i].desc);
    }
    for (int i = 0; i < bt_nenums; i++) {
        for (int j = 0; j < bt_enums[i].n; j++)
            free(bt_enums[i].items[j]);
        free(bt_enums[i].items);
        free(bt_enums[i].values);
        free(bt_enums[i].name);
    }
    free(bt_cvars);
    free(bt_enums);
    bt_cvars = NULL;
    bt_enums = NULL;
    bt_ncvars = bt_nenums = 0;
}

int bt_cvar_index(const char *name)
{
    for (int i = 0; i < bt_ncvars; i++)
        if (strcmp(bt_cvars[i].name, name) == 0)
            return i;
    return -1;
}

/* The text of a MPI_CHAR variable: the environment's, or a default in backquotes. */
static const char *bt_cvar_text(const bt_cvar_t *c, char *dflt, size_t len)
{
    dflt[0] = '\0';
    if (c->env->dflt[0] == '`' && strchr(c->env->dflt + 1, '`') &&
        strchr(c->env->dflt + 1, '`')[1] == '\0')
        bt_cvar_dflt_word(c->env, dflt, len);
    return bt_env_str(c->name, dflt);
}

int bt_cvar_count(const bt_cvar_t *c)
{
    char dflt[64];

    if (c->type != MPI_CHAR)
        return 1;
    return (int)BT_MIN(strlen(bt_cvar_text(c, dflt, sizeof(dflt))) + 1, (size_t)BT_CVAR_TEXT_MAX);
}

/* A number's default from the table's words ("32 KiB" -> 32768, "2000"); 0 when
 * the default is not a number ("unset"). */
static long long bt_cvar_dflt_number(const bt_env_var_t *v)
{
    char word[64], *end;
    long long n;

    bt_cvar_dflt_word(v, word, sizeof(word));
    n = strtoll(word, &end, 10);
    if (end == word)
        return 0;
    while (*end == ' ')
        end++;
    switch (tolower((unsigned char)*end)) {
    case 'k': return n << 10;
    case 'm': return n << 20;
    case 'g': return n << 30;
    default:  return n;
    }
}

void bt_cvar_read(const bt_cvar_t *c, void *buf, int count)
{
    const bt_env_var_t *v = c->env;
    long long live;
    char dflt[64];

    if (c->coll >= 0) {
        /* The forced algorithm's place among its collective's, as the enumeration. */
        int forced = bt_coll_forced_get(c->coll), kind, i = 0;
        *(int *)buf = -1;
        for (int a = 0; forced >= 0 && a < bt_coll_alg_count(); a++) {
            bt_coll_alg_name(a, &kind);
            if (a == forced) {
                *(int *)buf = i;
                break;
            }
            i += kind == c->coll;
        }
        return;
    }
    if (strcmp(c->name, "BATON_COLL_TRACE") == 0) {
        *(int *)buf = bt_coll_trace_get();
        return;
    }
    if (bt_pt2pt_tunable_get(c->name, &live) == 0) {
        if (v->type == BT_ENV_SIZE)
            *(unsigned long long *)buf = (unsigned long long)live;
        else
            *(int *)buf = (int)BT_MIN(live, (long long)INT_MAX);
        return;
    }
    switch (v->type) {
    case BT_ENV_INT:
    case BT_ENV_BOOL:
        *(int *)buf = (int)bt_env_long(c->name, (long)bt_cvar_dflt_number(v));
        break;
    case BT_ENV_SIZE:
        *(unsigned long long *)buf = bt_env_size(c->name, (size_t)bt_cvar_dflt_number(v));
        break;
    case BT_ENV_SECONDS:
        *(double *)buf = bt_env_seconds(c->name, (double)bt_cvar_dflt_number(v));
        break;
    case BT_ENV_CHOICE:
        bt_cvar_dflt_word(v, dflt, sizeof(dflt));
        *(int *)buf = bt_choice_index(v->choices, bt_env_str(c->name, dflt));
        break;
    case BT_ENV_TEXT:
        bt_strlcpy(buf, bt_cvar_text(c, dflt, sizeof(dflt)), (size_t)count);
        break;
    }
}

int bt_cvar_write(const bt_cvar_t *c, const void *buf)
{
    int value = *(const int *)buf;

    if (c->scope == MPI_T_SCOPE_CONSTANT)
        return MPI_T_ERR_CVAR_SET_NEVER;
    if (c->coll >= 0) {
        int kind, i = 0;
        if (value == -1) {
            bt_coll_forced_set(c->coll, -1);
            return MPI_SUCCESS;
        }
        for (int a = 0; a < bt_coll_alg_count(); a++) {
            bt_coll_alg_name(a, &kind);
            if (kind == c->coll && i++ == value) {
                bt_coll_forced_set(c->coll, a);
                return MPI_SUCCESS;
            }
        }
        return MPI_T_ERR_INVALID;
    }
    if (c->env->type == BT_ENV_BOOL) {
        if (value != 0 && value != 1)
            return MPI_T_ERR_INVALID;
    } else if (value < c->env->min || value > c->env->max) {
        return MPI_T_ERR_INVALID;
    }
    if (strcmp(c->name, "BATON_COLL_TRACE") == 0) {
        bt_coll_trace_set(value);
        return MPI_SUCCESS;
    }
    /* The spin times live in pt2pt's state, which MPI_Init sets up. */
    return bt_pt2pt_tunable_set(c->name, value) == 1 ? MPI_SUCCESS : MPI_T_ERR_CVAR_SET_NOT_NOW;
}

MPI_T_cvar_handle bt_cvar_handle_new(bt_cvar_t *c)
{
    MPI_T_cvar_handle h = bt_calloc(1, sizeof(*h));

    h->c = c;
    h->count = bt_cvar_count(c);
    h->next = bt_cvar_handles;
    bt_cvar_handles = h;
    return h;
}

int bt_cvar_handle_ok(MPI_T_cvar_handle h)
{
    for (MPI_T_cvar_handle p = bt_cvar_handles; p; p = p->next)
        if (p == h)
            return 1;
    return 0;
}

void bt_cvar_handle_free(MPI_T_cvar_handle h)
{
    for (MPI_T_cvar_handle *link = &bt_cvar_handles; *link; link = &(*link)->next) {
        if (*link == h) {
            *link = h->next;
            free(h);
            return;
        }
    }
}
