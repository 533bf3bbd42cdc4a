/* The job description SETUP that the head sends each proxy (bt_head_setup in
 * head.c packs it): read field by field, every count and string checked
 * against what is left and against the job's limits before use, since the
 * bytes come over the network (after the key's proof, but a proxy trusts no
 * length). Nothing is applied here: the proxy acts on a description only once
 * all of it has passed. */
#include "mpiexec.h"

#include <stdlib.h>
#include <string.h>

/* n strings into a NULL-terminated array *list_p, counting them in *count_p as
 * they arrive (so that bt_setup_free frees what came); each must hold '=' past
 * its first byte when env. 0 or -1. */
static int bt_setup_strings(bt_unpack_t *u, uint32_t min, char ***list_p, int *count_p, int env)
{
    uint32_t n = bt_unpack_u32(u);

    /* every string takes at least its 4-byte length */
    if (u->failed || n < min || n > u->left / 4)
        return -1;
    *list_p = calloc((size_t)n + 1, sizeof(char *));
    if (*list_p == NULL)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        char *s = bt_unpack_str(u), *eq;

        if (s == NULL)
            return -1;
        (*list_p)[(*count_p)++] = s;
        eq = strchr(s, '=');
        if (env && (eq == NULL || eq == s))
            return -1;
    }
    return 0;
}

int bt_setup_parse(bt_unpack_t *u, bt_job_t *job, bt_setup_t *su)
{
    char *jobid;
    uint32_t n;

    job->nranks = (int)bt_unpack_u32(u);
    su->opts.kill_timeout_ms = (int)bt_unpack_u32(u);
    su->opts.usize = (int)bt_unpack_u32(u);
    jobid = bt_unpack_str(u);
    su->mapping = bt_unpack_str(u);
    su->cwd = bt_unpack_str(u);
    if (u->failed || job->nranks < 1 || job->nranks > BT_MAX_RANKS ||
        su->opts.kill_timeout_ms < 0 || su->opts.kill_timeout_ms > 3600000 ||
        su->opts.usize < 1 || su->opts.usize > BT_MAX_UNIVERSE ||
        strlen(jobid) >= sizeof(job->jobid)) {
        free(jobid);
        return -1;
    }
    strcpy(job->jobid, jobid);
    free(jobid);
    n = bt_unpack_u32(u);
    if (u->failed || n < 1 || n > (uint32_t)job->nranks || n > u->left / 4)
        return -1;
    su->ranks = malloc(n * sizeof(int));
    if (su->ranks == NULL)
        return -1;
    su->nlocal = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        su->ranks[i] = (int)bt_unpack_u32(u);
        if (su->ranks[i] < 0 || su->ranks[i] >= job->nranks)
            return -1;
    }
    if (bt_setup_strings(u, 1, &su->argv, &su->argc, 0) != 0 ||
        bt_setup_strings(u, 0, &su->henv, &su->nhenv, 1) != 0 ||
        bt_setup_strings(u, 0, &su->opts.env, &su->opts.nenv, 1) != 0)
        return -1;
    su->ttys = (int)bt_unpack_u32(u);
    return u->failed ? -1 : 0;
}

static void bt_setup_free_strings(char **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void bt_setup_free(bt_setup_t *su)
{
    bt_setup_free_strings(su->opts.env, su->opts.nenv);
    bt_setup_free_strings(su->argv, su->argc);
    bt_setup_free_strings(su->henv, su->nhenv);
    free(su->ranks);
    free(su->mapping);
    free(su->cwd);
    memset(su, 0, sizeof(*su));
}
