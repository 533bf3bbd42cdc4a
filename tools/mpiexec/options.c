/* mpiexec command line: the options of MPICH's and Open MPI's mpiexec that
 * make sense on one node, so that commands pasted from either work. */
#include "mpiexec.h"
#include "util/bt_env.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char bt_opts_usage_text[] =
    "Usage: mpiexec [options] program [arguments...]\n"
    "       mpirun  [options] program [arguments...]\n"
    "\n"
    "Starts the ranks of an MPI job on this machine, or on several hosts with\n"
    "one baton-proxy per host.\n"
    "\n"
    "Options:\n"
    "  -n N, -np N            number of ranks (default 1; with hosts, their slots)\n"
    "  -hosts H1,H2:SLOTS,... hosts to run on (also -host, --host, -H); a host\n"
    "                         without :SLOTS has one slot\n"
    "  -f FILE                hostfile (also -hostfile, -machinefile): lines\n"
    "                         HOST, HOST:SLOTS or HOST slots=SLOTS; # comments\n"
    "  -ppn N                 N ranks per host instead of their slots\n"
    "  -launcher ssh|fork|slurm\n"
    "                         how proxies start (also -bootstrap): ssh by default,\n"
    "                         slurm inside an allocation; fork runs every host's\n"
    "                         proxy on this machine, as a separate node\n"
    "  -launcher-exec PATH    run PATH instead of ssh (also -bootstrap-exec)\n"
    "  -genvall               mpiexec's environment reaches every rank (default)\n"
    "  -genvnone              only -genv/-x variables reach remote ranks\n"
    "  -genvlist A,B          only A, B and -genv/-x variables reach remote ranks\n"
    "  -genv NAME VALUE       set NAME=VALUE in the environment of every rank\n"
    "                         (also -env NAME VALUE)\n"
    "  -x NAME=VALUE          the same; -x NAME passes mpiexec's own value\n"
    "  --tag-output, -l       prefix every output line with \"[rank] \"\n"
    "                         (also -tag-output, -prepend-rank)\n"
    "  -v, --verbose          report refused connections and the proxies' start\n"
    "  --trace FILE           a timeline of every rank's MPI calls and messages,\n"
    "                         as Chrome/Perfetto trace JSON (BATON_TRACE=FILE too)\n"
    "  -usize N               MPI_UNIVERSE_SIZE: the processes the job and those it\n"
    "                         spawns may have in all (default: no limit, and\n"
    "                         MPI_UNIVERSE_SIZE is the hosts' slots, if more\n"
    "                         than -n)\n"
    "  --timeout SECONDS      end the job after SECONDS (also -timeout; the\n"
    "                         environment's BATON_TIMEOUT or MPIEXEC_TIMEOUT when\n"
    "                         not given): every rank reports what it waits in\n"
    "                         (the hang report, also on SIGQUIT), then the ranks\n"
    "                         are ended as on a failure, the exit status is 124;\n"
    "                         0: no limit\n"
    "  --oversubscribe, --allow-run-as-root\n"
    "                         accepted and ignored\n"
    "  -h, --help             this text\n"
    "  --version              version of Baton\n"
    "\n"
    "Every rank inherits mpiexec's environment and gets PMI_FD, PMI_RANK,\n"
    "PMI_SIZE, MPI_LOCALRANKID, MPI_LOCALNRANKS and BATON_JOBID (and on several\n"
    "hosts BATON_NET_ADDR), and glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES\n"
    "(huge pages for large buffers; BATON_MALLOC_THP=0 leaves it out).  stdin\n"
    "goes to rank 0.  If a rank fails, the others get SIGTERM, then SIGKILL\n"
    "after BATON_KILL_TIMEOUT seconds (default 1).  The exit status is 0 when\n"
    "every rank exits 0, else that of the first rank that failed.\n"
    "\n"
    "On a cluster, Slurm can also start the ranks itself:\n"
    "  srun --mpi=pmi2 -n N program\n";

/* Options of other launchers that Baton does not offer. */
static const char *const bt_opts_unsupported[] = {
    "-machine", "-map-by", "--map-by", "-npernode", "--npernode", "-N", "-rf",
    "--rankfile", "-rmk", "-iface", "--prefix", "-prefix", NULL
};

static const char *const bt_opts_ignored[] = {
    "--oversubscribe", "-oversubscribe", "--allow-run-as-root",
    "-allow-run-as-root", NULL
};

static const char *const bt_opts_host[] = {
    "-host", "--host", "-hosts", "--hosts", "-H", NULL
};

static const char *const bt_opts_hostfile[] = {
    "-f", "-hostfile", "--hostfile", "-machinefile", "--machinefile", NULL
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
    char *entry, **grown, var[128], why[256];

    if (name_len < sizeof(var)) {
        memcpy(var, name, name_len);
        var[name_len] = '\0';
        if (bt_env_check(var, value, why, sizeof(why)) != 0) {
            fprintf(stderr, "mpiexec: %s=%s: %s\n", var, value, why);
            return -1;
        }
    }
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

/* -genvlist A,B: names only */
static int bt_opts_genvlist(bt_opts_t *opts, const char *opt, const char *list)
{
    const char *p = list;

    opts->genv = BT_GENV_LIST;
    for (;;) {
        size_t len = strcspn(p, ",");
        char **grown;

        if (!bt_opts_env_name_ok(p, len)) {
            fprintf(stderr, "mpiexec: %s: '%.*s' is not a variable name\n", opt,
                    (int)(len > 200 ? 200 : len), p);
            return 2;
        }
        grown = realloc(opts->genvlist, (size_t)(opts->ngenvlist + 1) * sizeof(char *));
        if (grown == NULL)
            return 2;
        opts->genvlist = grown;
        opts->genvlist[opts->ngenvlist] = strndup(p, len);
        if (opts->genvlist[opts->ngenvlist] == NULL)
            return 2;
        opts->ngenvlist++;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

static int bt_opts_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "mpiexec: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'mpiexec --help' for more information.\n");
    return 2;
}

/* The value v of option name, a count of what from 1 to BT_MAX_RANKS:
 * 0 with *n_p set, or 2 after printing an error naming the option. */
static int bt_opts_count(const char *name, const char *v, const char *what, int *n_p)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || n < 1 || n > BT_MAX_RANKS) {
        fprintf(stderr, "mpiexec: %s: expected a number of %s from 1 to %d, got '%s'\n",
                name, what, BT_MAX_RANKS, v);
        return 2;
    }
    *n_p = (int)n;
    return 0;
}

/* The job's time limit from SECONDS (the table's MPIEXEC_TIMEOUT rules): 0, or
 * 2 after printing why, prefixed by `what` ("--timeout" or the variable). */
static int bt_opts_time_limit(bt_opts_t *opts, const char *what, const char *value, int is_env)
{
    char why[160];

    if (bt_env_check("MPIEXEC_TIMEOUT", value, why, sizeof(why)) != 0 || *value == '\0') {
        if (is_env)
            fprintf(stderr, "mpiexec: %s=%s: %s\n", what, value, why);
        else
            fprintf(stderr, "mpiexec: %s: %s, got '%s'\n", what,
                    *value == '\0' ? "expected seconds" : why, value);
        return 2;
    }
    opts->time_limit_ms = (int64_t)(strtod(value, NULL) * 1000.0 + 0.5);
    return 0;
}

/* Every BATON_* variable of mpiexec's environment (which reaches the ranks),
 * checked against the one table before anything starts. */
static int bt_opts_check_env(bt_opts_t *opts)
{
    char msg[512];

    if (bt_env_check_all(msg, sizeof(msg)) != 0) {
        fprintf(stderr, "mpiexec: %s\n", msg);
        return 2;
    }
    opts->kill_timeout_ms = (int)(bt_env_seconds("BATON_KILL_TIMEOUT", 1.0) * 1000.0 + 0.5);
    return 0;
}

int bt_opts_parse(int argc, char **argv, bt_opts_t *opts_p)
{
    bt_opts_t opts = { .nranks = 1, .watch_fd = -1 };
    int i, status, time_limit_given = 0;

    status = bt_opts_check_env(&opts);
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

            BT_OPTS_VALUE(v);
            status = bt_opts_count(name, v, "ranks", &opts.nranks);
            if (status != 0)
                goto err_free;
            opts.nranks_given = 1;
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
        } else if (bt_opts_in(name, bt_opts_host)) {
            const char *v;

            BT_OPTS_VALUE(v);
            status = bt_hosts_parse_list(&opts.hosts, v, name);
            if (status != 0)
                goto err_free;
        } else if (bt_opts_in(name, bt_opts_hostfile)) {
            const char *v;

            BT_OPTS_VALUE(v);
            status = bt_hosts_parse_file(&opts.hosts, v);
            if (status != 0)
                goto err_free;
        } else if (strcmp(name, "-ppn") == 0 || strcmp(name, "--ppn") == 0) {
            const char *v;

            BT_OPTS_VALUE(v);
            status = bt_opts_count(name, v, "ranks per host", &opts.ppn);
            if (status != 0)
                goto err_free;
        } else if (strcmp(name, "-launcher") == 0 || strcmp(name, "-bootstrap") == 0 ||
                   strcmp(name, "--launcher") == 0 || strcmp(name, "--bootstrap") == 0) {
            const char *v;

            BT_OPTS_VALUE(v);
            if (strcmp(v, "ssh") == 0 || strcmp(v, "rsh") == 0)
                opts.launcher = BT_LAUNCH_SSH;
            else if (strcmp(v, "fork") == 0)
                opts.launcher = BT_LAUNCH_FORK;
            else if (strcmp(v, "slurm") == 0)
                opts.launcher = BT_LAUNCH_SLURM;
            else {
                fprintf(stderr, "mpiexec: %s: expected ssh, fork or slurm, got '%s'\n",
                        name, v);
                status = 2;
                goto err_free;
            }
        } else if (strcmp(name, "-launcher-exec") == 0 ||
                   strcmp(name, "-bootstrap-exec") == 0 ||
                   strcmp(name, "--launcher-exec") == 0 ||
                   strcmp(name, "--bootstrap-exec") == 0) {
            const char *v;

            BT_OPTS_VALUE(v);
            if (*v == '\0') {
                fprintf(stderr, "mpiexec: %s: empty program name\n", name);
                status = 2;
                goto err_free;
            }
            opts.launcher_exec = v;
        } else if (strcmp(name, "-genvall") == 0 || strcmp(name, "-envall") == 0) {
            opts.genv = BT_GENV_ALL;
        } else if (strcmp(name, "-genvnone") == 0 || strcmp(name, "-envnone") == 0) {
            opts.genv = BT_GENV_NONE;
        } else if (strcmp(name, "-genvlist") == 0 || strcmp(name, "-envlist") == 0) {
            const char *v;

            BT_OPTS_VALUE(v);
            status = bt_opts_genvlist(&opts, name, v);
            if (status != 0)
                goto err_free;
        } else if (strcmp(name, "--trace") == 0 || strcmp(name, "-trace") == 0) {
            const char *v;

            /* The ranks record (BATON_TRACE), mpiexec merges (bt_trace_merge). */
            BT_OPTS_VALUE(v);
            status = bt_opts_env_add(&opts, "BATON_TRACE", strlen("BATON_TRACE"), v);
            if (status != 0)
                goto err_free;
            opts.trace = v;
        } else if (strcmp(name, "-usize") == 0 || strcmp(name, "--usize") == 0 ||
                   strcmp(name, "-universe_size") == 0) {
            const char *v;

            BT_OPTS_VALUE(v);
            status = bt_opts_count(name, v, "processes", &opts.usize);
            if (status != 0)
                goto err_free;
        } else if (strcmp(name, "--timeout") == 0 || strcmp(name, "-timeout") == 0) {
            const char *v;

            BT_OPTS_VALUE(v);
            status = bt_opts_time_limit(&opts, name, v, 0);
            if (status != 0)
                goto err_free;
            time_limit_given = 1;
        } else if (strcmp(name, "-v") == 0 || strcmp(name, "--verbose") == 0 ||
                   strcmp(name, "-verbose") == 0) {
            opts.verbose = 1;
        } else if (bt_opts_in(name, bt_opts_ignored)) {
            /* pasted from Open MPI or MPICH command lines; nothing to do */
        } else if (bt_opts_in(name, bt_opts_unsupported)) {
            fprintf(stderr, "mpiexec: %s: not supported; place ranks with -hosts, -f "
                    "and -ppn, or use Slurm: srun --mpi=pmi2 -n N program\n", name);
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
    /* Baton's variable, then the conventional one, unless the command line
     * said otherwise. An empty value counts as unset, as for every variable of
     * the table. */
    for (const char *const *v = (const char *const[]){ "BATON_TIMEOUT", "MPIEXEC_TIMEOUT", NULL };
         !time_limit_given && *v; v++) {
        if (getenv(*v) && *getenv(*v)) {
            status = bt_opts_time_limit(&opts, *v, getenv(*v), 1);
            if (status != 0)
                goto err_free;
            time_limit_given = 1;
        }
    }
    if (opts.trace == NULL && getenv("BATON_TRACE") && *getenv("BATON_TRACE"))
        opts.trace = getenv("BATON_TRACE");
    opts.argv = argv + i;
    *opts_p = opts;
    return 0;

err_free:
    bt_opts_free(&opts);
    return status;
}

void bt_opts_free(bt_opts_t *opts)
{
    for (int i = 0; i < opts->ngenvlist; i++)
        free(opts->genvlist[i]);
    free(opts->genvlist);
    opts->genvlist = NULL;
    opts->ngenvlist = 0;
    bt_hosts_free(&opts->hosts);
    for (int i = 0; i < opts->nenv; i++)
        free(opts->env[i]);
    free(opts->env);
    opts->env = NULL;
    opts->nenv = 0;
}
