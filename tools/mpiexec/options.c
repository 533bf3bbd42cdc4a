/* mpiexec command line: the options of MPICH's and Open MPI's mpiexec that
 * make sense on one node, so that commands pasted from either work. */
#include "mpiexec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char bt_opts_usage_text[] =
    "Usage: mpiexec [options] program [arguments...]\n"
    "       mpirun  [options] program [arguments...]\n"
    "\n"
    "Starts the ranks of an MPI job on this machine.\n"
    "\n"
    "Options:\n"
    "  -n N, -np N            number of ranks (default 1)\n"
    "  -genv NAME VALUE       set NAME=VALUE in the environment of every rank\n"
    "                         (also -env NAME VALUE)\n"
    "  -x NAME=VALUE          the same; -x NAME passes mpiexec's own value\n"
    "  --tag-output, -l       prefix every output line with \"[rank] \"\n"
    "                         (also -tag-output, -prepend-rank)\n"
    "  --oversubscribe, --allow-run-as-root\n"
    "                         accepted and ignored\n"
    "  -h, --help             this text\n"
    "  --version              version of Baton\n"
    "\n"
    "Every rank inherits mpiexec's environment and gets PMI_FD, PMI_RANK,\n"
    "PMI_SIZE, MPI_LOCALRANKID, MPI_LOCALNRANKS and BATON_JOBID, and\n"
    "glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES (huge pages for large\n"
    "buffers; BATON_MALLOC_THP=0 leaves it out).  stdin goes to\n"
    "rank 0.  If a rank fails, the others get SIGTERM, then SIGKILL after\n"
    "BATON_KILL_TIMEOUT seconds (default 1).  The exit status is 0 when every\n"
    "rank exits 0, else that of the first rank that failed.\n"
    "\n"
    "Only one node is supported.  On a cluster, launch with Slurm:\n"
    "  srun --mpi=pmi2 -n N program\n";

/* Options of other launchers that place ranks on several hosts. */
static const char *const bt_opts_multinode[] = {
    "-host", "--host", "-hosts", "--hosts", "-H", "-f", "-hostfile", "--hostfile",
    "-machinefile", "--machinefile", "-machine", "-ppn", "--ppn", "-map-by",
    "--map-by", "-npernode", "--npernode", "-N", "-rf", "--rankfile",
    "-launcher", "-bootstrap", "-rmk", "-iface", "--prefix", "-prefix", NULL
};

static const char *const bt_opts_ignored[] = {
    "--oversubscribe", "-oversubscribe", "--allow-run-as-root",
    "-allow-run-as-root", "-genvall", "-envall", NULL
};

static int bt_opts_in(const char *name, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(name, *list) == 0)
            return 1;
    }
    return 0;
}

static int bt_opts_env_name_ok(const char *name, size_t len)
{
    if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
            return 0;
    }
    return 1;
}

static int bt_opts_env_add(bt_opts_t *opts, const char *name, size_t name_len,
                           const char *value)
{
    size_t vlen = strlen(value);
    char *entry, **grown;

    grown = realloc(opts->env, (size_t)(opts->nenv + 1) * sizeof(char *));
    if (grown == NULL)
        goto err_nomem;
    opts->env = grown;
    entry = malloc(name_len + vlen + 2);
    if (entry == NULL)
        goto err_nomem;
    memcpy(entry, name, name_len);
    entry[name_len] = '=';
    memcpy(entry + name_len + 1, value, vlen + 1);
    opts->env[opts->nenv++] = entry;
    return 0;

err_nomem:
    fprintf(stderr, "mpiexec: out of memory\n");
    return -1;
}

static int bt_opts_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mpiexec: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'mpiexec --help' for more information.\n");
    return 2;
}

static int bt_opts_kill_timeout(bt_opts_t *opts)
{
    const char *s = getenv("BATON_KILL_TIMEOUT");
    char *end;
    double secs;

    opts->kill_timeout_ms = 1000;
    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    secs = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !(secs >= 0.0 && secs <= 3600.0)) {
        fprintf(stderr, "mpiexec: BATON_KILL_TIMEOUT=%s: expected seconds "
                "between 0 and 3600\n", s);
        return 2;
    }
    opts->kill_timeout_ms = (int)(secs * 1000.0 + 0.5);
    return 0;
}

int bt_opts_parse(int argc, char **argv, bt_opts_t *opts_p)
{
    bt_opts_t opts = { .nranks = 1 };
    int i, status;

    status = bt_opts_kill_timeout(&opts);
    if (status != 0)
        return status;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        char name[64];
        const char *inline_value = NULL;
        size_t nlen = strlen(arg);

        if (arg[0] != '-' || arg[1] == '\0')
            break;
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        /* --name=value for long options */
        if (arg[1] == '-' && strchr(arg, '=') != NULL) {
            inline_value = strchr(arg, '=') + 1;
            nlen = (size_t)(inline_value - 1 - arg);
        }
        if (nlen >= sizeof(name)) {
            status = bt_opts_error("unknown option '%s'", arg);
            goto err_free;
        }
        memcpy(name, arg, nlen);
        name[nlen] = '\0';

#define BT_OPTS_VALUE(v)                                                      \
        do {                                                                  \
            if (inline_value != NULL) {                                       \
                (v) = inline_value;                                           \
            } else if (i + 1 < argc) {                                        \
                (v) = argv[++i];                                              \
            } else {                                                          \
                status = bt_opts_error("option '%s' needs a value", name);    \
                goto err_free;                                                \
            }                                                                 \
        } while (0)

        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 ||
            strcmp(name, "-help") == 0) {
            fputs(bt_opts_usage_text, stdout);
            status = 1;
            goto err_free;
        } else if (strcmp(name, "--version") == 0 || strcmp(name, "-version") == 0 ||
                   strcmp(name, "-V") == 0) {
            printf("mpiexec (Baton) %s\n", BATON_VERSION);
            status = 1;
            goto err_free;
        } else if (strcmp(name, "-n") == 0 || strcmp(name, "-np") == 0 ||
                   strcmp(name, "--np") == 0 || strcmp(name, "--n") == 0) {
            const char *v;
            char *end;
            long n;

            BT_OPTS_VALUE(v);
            errno = 0;
            n = strtol(v, &end, 10);
            if (errno != 0 || *end != '\0' || end == v || n < 1 || n > BT_MAX_RANKS) {
                fprintf(stderr, "mpiexec: %s: expected a number of ranks from 1 "
                        "to %d, got '%s'\n", name, BT_MAX_RANKS, v);
                status = 2;
                goto err_free;
            }
            opts.nranks = (int)n;
        } else if (strcmp(name, "-genv") == 0 || strcmp(name, "-env") == 0 ||
                   strcmp(name, "--genv") == 0) {
            const char *var, *value;

            if (i + 2 >= argc) {
                status = bt_opts_error("option '%s' needs a NAME and a VALUE", name);
                goto err_free;
            }
            var = argv[++i];
            value = argv[++i];
            if (!bt_opts_env_name_ok(var, strlen(var))) {
                status = bt_opts_error("'%s' is not a valid environment "
                                       "variable name", var);
                goto err_free;
            }
            if (bt_opts_env_add(&opts, var, strlen(var), value) != 0) {
                status = 2;
                goto err_free;
            }
        } else if (strcmp(name, "-x") == 0 || strcmp(name, "--x") == 0) {
            const char *v, *eq;
            size_t len;

            BT_OPTS_VALUE(v);
            eq = strchr(v, '=');
            len = eq != NULL ? (size_t)(eq - v) : strlen(v);
            if (!bt_opts_env_name_ok(v, len)) {
                status = bt_opts_error("-x '%s': expected NAME or NAME=VALUE", v);
                goto err_free;
            }
            if (eq != NULL) {
                status = bt_opts_env_add(&opts, v, len, eq + 1);
            } else if (getenv(v) != NULL) {
                status = bt_opts_env_add(&opts, v, len, getenv(v));
            }
            /* -x NAME of an unset NAME: nothing to pass on. */
            if (status != 0) {
                status = 2;
                goto err_free;
            }
        } else if (strcmp(name, "--tag-output") == 0 ||
                   strcmp(name, "-tag-output") == 0 ||
                   strcmp(name, "-prepend-rank") == 0 ||
                   strcmp(name, "--prepend-rank") == 0 ||
                   strcmp(name, "-l") == 0) {
            opts.tag_output = 1;
        } else if (bt_opts_in(name, bt_opts_ignored)) {
            /* pasted from Open MPI or MPICH command lines; nothing to do */
        } else if (bt_opts_in(name, bt_opts_multinode) ||
                   strncmp(name, "-host", 5) == 0 || strncmp(name, "--host", 6) == 0) {
            fprintf(stderr, "mpiexec: %s: launching on several nodes is not "
                    "supported yet; on a cluster use Slurm: srun --mpi=pmi2 -n N "
                    "program\n", name);
            status = 2;
            goto err_free;
        } else {
            status = bt_opts_error("unknown option '%s'", arg);
            goto err_free;
        }
#undef BT_OPTS_VALUE
    }

    if (i >= argc) {
        status = bt_opts_error("%s", "no program to run");
        goto err_free;
    }
    opts.argv = argv + i;
    *opts_p = opts;
    return 0;

err_free:
    bt_opts_free(&opts);
    return status;
}

void bt_opts_free(bt_opts_t *opts)
{
    for (int i = 0; i < opts->nenv; i++)
        free(opts->env[i]);
    free(opts->env);
    opts->env = NULL;
    opts->nenv = 0;
}
