/* Configuration from the environment: see bt_env.h. */
#include "util/bt_env.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB 1024ll
#define MIB (1024ll * KIB)
#define GIB (1024ll * MIB)
#define US_MAX 60000000ll   /* a minute in microseconds */

/* In the README's order: scripts/gen_env_table.py writes its table from this one. */
const bt_env_var_t bt_env_vars[] = {
    { "BATON_EAGER_MAX", BT_ENV_SIZE, 0, GIB, NULL,
      "32 KiB within a node (at most a quarter of the ring), a whole network frame (64 KiB "
      "less its header) to other nodes",
      "largest message sent inline; larger ones use rendezvous (set: the limit to every "
      "peer, at most a frame)" },
    { "BATON_CMA_MIN", BT_ENV_SIZE, 0, LLONG_MAX, NULL,
      "128 KiB",
      "smallest message copied with single copy (`process_vm_readv`/`writev`) rather than "
      "streamed through the ring" },
    { "BATON_CMA_PIECE", BT_ENV_SIZE, 4 * KIB, GIB, NULL,
      "64 KiB",
      "smallest piece each end of a single copy claims (each claim takes half of what is "
      "left, at least this)" },
    { "BATON_SHM_LMT", BT_ENV_CHOICE, 0, 0, "auto|cma|copy",
      "`auto`",
      "large-message path: `cma` (single copy, error if not permitted), `copy` (through the"
      " ring), `auto`" },
    { "BATON_SHM_RING", BT_ENV_SIZE, KIB, 256 * MIB, NULL,
      "128 KiB (≤8 ranks per node) … 4 KiB (>64)",
      "bytes of each per-pair ring (rounded up to a power of two, at least 1 KiB)" },
    { "BATON_SPIN_US", BT_ENV_INT, 0, US_MAX, NULL,
      "2000",
      "how long a waiting rank polls before it sleeps on its doorbell" },
    { "BATON_SPIN_BUSY_US", BT_ENV_INT, 0, US_MAX, NULL,
      "2",
      "how long it polls while the node has more awake threads than cores (a point-to-point"
      " wait; a node collective yields at once when a rank it waits for last ran on its "
      "CPU, and polls otherwise)" },
    { "BATON_YIELD_US", BT_ENV_INT, 0, US_MAX, NULL,
      "1000",
      "then, oversubscribed, how long it polls with `sched_yield` before it sleeps" },
    { "BATON_SHM_COLL_MAX", BT_ENV_SIZE, 0, 64 * MIB, NULL,
      "8 KiB",
      "most data a rank puts in its slot in the shared-memory collectives (the message, its"
      " block, or all blocks of scatter/alltoall); larger calls take the point-to-point "
      "algorithms (reductions: `shm_large`)" },
    { "BATON_SHM_COLL_LARGE", BT_ENV_SIZE, 4 * KIB, 64 * MIB, NULL,
      "256 KiB (2 ranks), 128 KiB (≤ 8), 64 KiB",
      "bytes per rank and round of the larger shared-memory reduce/allreduce (`shm_large`)" },
    { "BATON_SHM_MEMBARRIER", BT_ENV_CHOICE, 0, 0, "auto|off",
      "auto",
      "`off`: every publish to the shared segment fences; by default a rank about to sleep "
      "fences all the node's ranks at once with `membarrier(2)` instead, which takes a "
      "fence off every message" },
    { "BATON_ASYNC_PROGRESS", BT_ENV_BOOL, 0, 0, NULL,
      "0",
      "1: a thread per rank runs the progress engine every 100 us, so that one-sided "
      "operations needing the target (other nodes' origins, user memory without single "
      "copy) complete while it computes; every MPI call then takes the big lock" },
    { "BATON_MALLOC_THP", BT_ENV_BOOL, 0, 0, NULL,
      "1",
      "read by `mpiexec`: `0` starts the ranks without adding `glibc.malloc.hugetlb=1` to "
      "`GLIBC_TUNABLES` (see above)" },
    { "BATON_MALLOC_PRIME", BT_ENV_BOOL, 0, 0, NULL,
      "1",
      "`0`: leave glibc's malloc alone. By default `MPI_Init` mallocs and frees one block "
      "of almost 16 MiB, which raises glibc's dynamic mmap threshold as freeing any large "
      "array would: buffers up to 16 MiB are then reused from the heap instead of being "
      "mmapped (and page-faulted) afresh each time, which is what mpi4py's pickled "
      "`send`/`recv` of NumPy arrays does per message. A threshold the program set itself "
      "is left as it is. `0` also leaves the heap's top where it is (see huge pages above)" },
    { "BATON_COLL_", BT_ENV_CHOICE, 0, 0, NULL,
      "from the table",
      "force a collective's algorithm, e.g. `BATON_COLL_ALLREDUCE=ring`; names in "
      "`src/coll/select.c`" },
    { "BATON_COLL_TRACE", BT_ENV_BOOL, 0, 0, NULL,
      "0",
      "1: print each collective's algorithm on stderr" },
    { "BATON_TRACE", BT_ENV_TEXT, 0, 0, NULL,
      "unset",
      "a file: every rank records its MPI calls and messages, `mpiexec` merges them there "
      "as Chrome/Perfetto trace JSON, a track per rank (also `mpiexec --trace FILE`)" },
    { "BATON_STATS", BT_ENV_BOOL, 0, 0, NULL,
      "0",
      "1: at `MPI_Finalize` every rank prints one line on stderr: its time in MPI (of the "
      "time since `MPI_Init`) and per call, the bytes and messages it sent to each rank, "
      "the collective algorithms it ran" },
    { "BATON_BIND", BT_ENV_CHOICE, 0, 0, "core|none",
      "`core`",
      "when a node's ranks fit its CPUs, local rank r is bound to the r-th CPU; `none` "
      "leaves placement to the scheduler" },
    { "BATON_PMI", BT_ENV_CHOICE, 0, 0, "1|2",
      "unset",
      "`1` or `2` forces the PMI wire version" },
    { "BATON_KILL_TIMEOUT", BT_ENV_SECONDS, 0, 3600, NULL,
      "1",
      "seconds between SIGTERM and SIGKILL when `mpiexec` ends a job" },
    { "BATON_TIMEOUT", BT_ENV_SECONDS, 0, 31536000, NULL,
      "unset (no limit)",
      "read by `mpiexec`: the job's time limit in seconds, as `--timeout` (which wins): "
      "then every rank reports what it waits in (the hang report, which `SIGQUIT` to "
      "`mpiexec` also prints, the job going on), the ranks are ended and `mpiexec` exits "
      "with status 124; `0`: no limit" },
    { "MPIEXEC_TIMEOUT", BT_ENV_SECONDS, 0, 31536000, NULL,
      "unset (no limit)",
      "read by `mpiexec` (the name MPICH's and Open MPI's launchers read): as "
      "`BATON_TIMEOUT`, which wins over it" },
    { "BATON_CC", BT_ENV_TEXT, 0, 0, NULL,
      "`cc`",
      "the compiler `mpicc` runs" },
    { "BATON_OFI_PROVIDER", BT_ENV_TEXT, 0, 0, NULL,
      "unset",
      "the libfabric provider of the network transport (e.g. `tcp;ofi_rxm`, "
      "`verbs;ofi_rxm`); unset: the first that offers reliable datagrams in send order. "
      "`FI_PROVIDER` filters as libfabric documents" },
    { "BATON_OFI_IFACE", BT_ENV_TEXT, 0, 0, NULL,
      "unset",
      "the interface (libfabric's domain name, e.g. `eth0`) the network transport uses" },
    { "BATON_NET_RMA", BT_ENV_BOOL, 0, 0, NULL,
      "1",
      "0: large messages to other nodes are streamed through frames even where the provider"
      " offers RMA read" },
    { "BATON_NET_ADDR", BT_ENV_TEXT, 0, 0, NULL,
      "set by the proxies",
      "the address the network endpoint binds to: the one this host talks to `mpiexec` on" },
    { "FI_OFI_RXM_BUFFER_SIZE", BT_ENV_SIZE, 0, GIB, NULL,
      "16448",
      "(libfabric's) set by Baton when unset: `ofi_rxm` makes and touches pools of about a"
      " thousand buffers of this size at start (at 66000 bytes, 350 MiB per rank); larger"
      " frames take its rendezvous. Baton also sets `FI_OFI_RXM_TX_SIZE` (320) and"
      " `FI_OFI_RXM_RX_SIZE` (128) when unset" },
    { "BATON_PROXY", BT_ENV_TEXT, 0, 0, NULL,
      "beside `mpiexec`",
      "read by `mpiexec`: the `baton-proxy` to start on every host" },
    { "BATON_PROXY_KEY", BT_ENV_TEXT, 0, 0, NULL,
      "set by mpiexec",
      "(internal) where a proxy reads the job's key" },
    { "BATON_JOBID", BT_ENV_TEXT, 0, 0, NULL,
      "set by mpiexec",
      "(internal) the job's id" },
    { "BATON_MPIEXEC", BT_ENV_TEXT, 0, 0, NULL,
      "`mpiexec` beside `libmpi.so` (`../bin`)",
      "the `mpiexec` that `MPI_Comm_spawn` starts the new processes with" },
    { "BATON_NAME_DIR", BT_ENV_TEXT, 0, 0, NULL,
      "`$TMPDIR/baton-names-UID` (`/tmp` without `TMPDIR`)",
      "the directory of `MPI_Publish_name`'s names, shared by every job that uses it" },
    { "BATON_UNIVERSE_SIZE", BT_ENV_INT, 1, 1 << 30, NULL,
      "set by `mpiexec -usize`",
      "`MPI_UNIVERSE_SIZE`: spawns that would make more processes than this fail with "
      "`MPI_ERR_SPAWN`; unset: no limit" },
    { "BATON_PARENT_PORT", BT_ENV_TEXT, 0, 0, NULL,
      "set by `MPI_Comm_spawn`",
      "(internal) the port a spawned job connects to its parents through" },
    { "BATON_APPNUM", BT_ENV_INT, 0, 1 << 30, NULL,
      "set by `MPI_Comm_spawn_multiple`",
      "(internal) `MPI_APPNUM` of a spawned process: which command it is" },
    { "BATON_SPAWN_WATCH_FD", BT_ENV_INT, 3, 1 << 20, NULL,
      "set by `MPI_Comm_spawn`",
      "(internal) read by `mpiexec`: a pipe from the spawning process, whose end ends the "
      "spawned job" },
};
const size_t bt_env_nvars = sizeof(bt_env_vars) / sizeof(bt_env_vars[0]);

static struct {
    const char      *prefix;
    bt_env_family_fn check;
} bt_env_family;

const bt_env_var_t *bt_env_lookup(const char *name)
{
    const bt_env_var_t *family = NULL;

    /* An exact name wins over a family that would cover it (BATON_COLL_TRACE). */
    for (size_t i = 0; i < bt_env_nvars; i++) {
        const char *n = bt_env_vars[i].name;
        size_t len = strlen(n);
        if (strcmp(name, n) == 0)
            return &bt_env_vars[i];
        if (n[len - 1] == '_' && strncmp(name, n, len) == 0 && name[len] != '\0')
            family = &bt_env_vars[i];
    }
    return family;
}

/* Integers: decimal, optionally signed, nothing after; ERANGE past long long. */
static int bt_env_parse_int(const char *s, long long *v_p)
{
    char *end;

    if (!isdigit((unsigned char)s[*s == '-' || *s == '+']))
        return -1;
    errno = 0;
    *v_p = strtoll(s, &end, 10);
    if (errno == ERANGE)
        return -2;
    return *end == '\0' ? 0 : -1;
}

/* Sizes: digits, then K, M or G (optionally KiB, KB, ...) or B. */
static int bt_env_parse_size(const char *s, long long *v_p)
{
    unsigned long long v, mult = 1;
    char *end;

    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -2;
    switch (tolower((unsigned char)*end)) {
    case 'k': mult = KIB; end++; break;
    case 'm': mult = MIB; end++; break;
    case 'g': mult = GIB; end++; break;
    default: break;
    }
    if (mult > 1 && *end == 'i')
        end++;
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end != '\0')
        return -1;
    if (v > (unsigned long long)LLONG_MAX / mult)
        return -2;
    *v_p = (long long)(v * mult);
    return 0;
}

static int bt_env_parse_bool(const char *s)
{
    static const char *const no[] = { "0", "no", "off", "false" };
    static const char *const yes[] = { "1", "yes", "on", "true" };

    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (strcasecmp(s, no[i]) == 0)
            return 0;
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
    }
    return -1;
}

static int bt_env_in_choices(const char *s, const char *choices)
{
    size_t len = strlen(s);

    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == len && strncmp(c, s, n) == 0)
            return 1;
        c += n + (bar != NULL);
    }
    return 0;
}

int bt_env_check(const char *name, const char *value, char *why, size_t len)
{
    const bt_env_var_t *v = bt_env_lookup(name);
    long long n = 0;
    int rc;

    if (v == NULL || value == NULL || *value == '\0')
        return 0;
    switch (v->type) {
    case BT_ENV_INT:
    case BT_ENV_SIZE:
        rc = v->type == BT_ENV_INT ? bt_env_parse_int(value, &n) : bt_env_parse_size(value, &n);
        if (rc == -1) {
            snprintf(why, len, v->type == BT_ENV_INT ? "expected an integer"
                                                     : "expected a size in bytes (a whole "
                                                       "number, optionally with K, M or G)");
            return -1;
        }
        if (rc == -2 || n < v->min || n > v->max) {
            if (v->max == LLONG_MAX && rc == -2)
                snprintf(why, len, "too large");
            else if (v->max == LLONG_MAX)
                snprintf(why, len, "out of range (at least %lld)", v->min);
            else
                snprintf(why, len, "out of range (%lld to %lld)", v->min, v->max);
            return -1;
        }
        return 0;
    case BT_ENV_SECONDS: {
        char *end;
        double d;
        errno = 0;
        d = strtod(value, &end);
        if (!isdigit((unsigned char)*value) || *end != '\0' || errno != 0 ||
            !(d >= (double)v->min && d <= (double)v->max)) {
            snprintf(why, len, "expected seconds from %lld to %lld", v->min, v->max);
            return -1;
        }
        return 0;
    }
    case BT_ENV_BOOL:
        if (bt_env_parse_bool(value) < 0) {
            snprintf(why, len, "expected 0 or 1 (or no/yes, off/on, false/true)");
            return -1;
        }
        return 0;
    case BT_ENV_CHOICE:
        if (v->choices == NULL) {   /* a family: its owner knows the values */
            if (bt_env_family.check && strcmp(v->name, bt_env_family.prefix) == 0)
                return bt_env_family.check(name, value, why, len);
            return 0;
        }
        if (!bt_env_in_choices(value, v->choices)) {
            char list[128];
            snprintf(list, sizeof(list), "%s", v->choices);
            for (char *p = list; (p = strchr(p, '|')) != NULL;)
                *p = ',';
            snprintf(why, len, "expected one of %s", list);
            return -1;
        }
        return 0;
    case BT_ENV_TEXT:
        return 0;
    }
    return 0;
}

void bt_env_set_family_check(const char *prefix, bt_env_family_fn check)
{
    bt_env_family.prefix = prefix;
    bt_env_family.check = check;
}

int bt_env_check_all(char *msg, size_t len)
{
    extern char **environ;
    char name[128], why[160];

    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t n;
        if (strncmp(*e, "BATON_", 6) != 0 || eq == NULL)
            continue;
        n = (size_t)(eq - *e);
        if (n >= sizeof(name))
            continue;
        memcpy(name, *e, n);
        name[n] = '\0';
        if (bt_env_check(name, eq + 1, why, sizeof(why)) != 0) {
            snprintf(msg, len, "%s=%s: %s", name, eq + 1, why);
            return -1;
        }
    }
    return 0;
}

/* ---- typed reads ----------------------------------------------------------------- */

/* The value of name when it is set, not empty and valid; else NULL. */
static const char *bt_env_valid(const char *name)
{
    const char *s = getenv(name);
    char why[160];

    return (s && *s && bt_env_check(name, s, why, sizeof(why)) == 0) ? s : NULL;
}

long bt_env_long(const char *name, long dflt)
{
    const char *s = bt_env_valid(name);
    const bt_env_var_t *v = bt_env_lookup(name);
    long long n;

    if (s == NULL)
        return dflt;
    if (v && v->type == BT_ENV_BOOL)
        return bt_env_parse_bool(s);
    return bt_env_parse_int(s, &n) == 0 && n >= LONG_MIN && n <= LONG_MAX ? (long)n : dflt;
}

size_t bt_env_size(const char *name, size_t dflt)
{
    const char *s = bt_env_valid(name);
    long long n;

    return (s == NULL || bt_env_parse_size(s, &n) != 0 || n < 0) ? dflt : (size_t)n;
}

double bt_env_seconds(const char *name, double dflt)
{
    const char *s = bt_env_valid(name);

    return s == NULL ? dflt : strtod(s, NULL);
}

const char *bt_env_str(const char *name, const char *dflt)
{
    const char *s = bt_env_valid(name);

    return s == NULL ? dflt : s;
}
