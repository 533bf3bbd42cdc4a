/* Host lists: -hosts h1,h2:4, hostfiles, and a Slurm allocation's nodes.
 *
 * Every bad entry is refused with one line naming where it came from and
 * the value; duplicates are found with a hash set, so that a list of
 * thousands of names costs linear time. */
#include "mpiexec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

/* A name ssh and the resolver take as a host, never as an option. */
static int bt_hosts_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > BT_HOST_NAME_MAX || name[0] == '-' || name[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (!(isalnum(c) || c == '-' || c == '.' || c == '_'))
            return 0;
    }
    return 1;
}

/* An input value as an error message shows it: at most 200 bytes, control
 * characters as '?', so that the message stays one line. */
static const char *bt_hosts_shown(const char *s, size_t len)
{
    static char out[204];
    size_t n = len < 200 ? len : 200;

    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    strcpy(out + n, len > n ? "..." : "");
    return out;
}

/* slots: a decimal number from 1 to BT_MAX_RANKS */
static int bt_hosts_slots(const char *s, size_t len, int *slots_p)
{
    long v = 0;

    if (len == 0 || len > 6)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > BT_MAX_RANKS)
        return -1;
    *slots_p = (int)v;
    return 0;
}

static int bt_hosts_add(bt_hostlist_t *hl, const char *name, size_t len, int slots)
{
    if (hl->n == hl->cap) {
        int cap = hl->cap > 0 ? 2 * hl->cap : 16;
        bt_host_t *grown = realloc(hl->hosts, (size_t)cap * sizeof(*grown));

        if (grown == NULL)
            return -1;
        hl->hosts = grown;
        hl->cap = cap;
    }
    hl->hosts[hl->n].name = strndup(name, len);
    if (hl->hosts[hl->n].name == NULL)
        return -1;
    hl->hosts[hl->n].slots = slots;
    hl->n++;
    return 0;
}

void bt_hosts_free(bt_hostlist_t *hl)
{
    for (int i = 0; i < hl->n; i++)
        free(hl->hosts[i].name);
    free(hl->hosts);
    *hl = (bt_hostlist_t){ 0 };
}

/* The index of an earlier host with the same name, or -1.  The table holds
 * indices + 1 and has at least twice as many slots as hosts. */
static int bt_hosts_seen(const bt_hostlist_t *hl, int *table, size_t nslots, int idx)
{
    const char *name = hl->hosts[idx].name;
    uint64_t h = 1469598103934665603ULL;

    for (const char *p = name; *p != '\0'; p++) {
        h ^= (unsigned char)tolower((unsigned char)*p);
        h *= 1099511628211ULL;
    }
    for (size_t i = (size_t)h & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
        if (table[i] == 0) {
            table[i] = idx + 1;
            return -1;
        }
        if (strcasecmp(hl->hosts[table[i] - 1].name, name) == 0)
            return table[i] - 1;
    }
}

/* Refuses a host of hl from index first on that an earlier one names again;
 * lines[i - first]: the line of host i when they come from the file what. */
static int bt_hosts_check_dups(const bt_hostlist_t *hl, int first, const char *what,
                               const int *lines)
{
    size_t nslots = 16;
    int *table, status = 0;

    while (nslots < 2 * (size_t)hl->n)
        nslots *= 2;
    table = calloc(nslots, sizeof(*table));
    if (table == NULL) {
        fprintf(stderr, "mpiexec: out of memory\n");
        return 2;
    }
    for (int i = 0; i < hl->n; i++) {
        int prev = bt_hosts_seen(hl, table, nslots, i);

        if (prev < 0 || i < first)
            continue;
        if (lines != NULL && prev >= first)
            fprintf(stderr, "mpiexec: %s:%d: host '%s' is listed twice (first on line %d)\n",
                    what, lines[i - first], hl->hosts[i].name, lines[prev - first]);
        else if (lines != NULL)
            fprintf(stderr, "mpiexec: %s:%d: host '%s' was given before, by another "
                    "option\n", what, lines[i - first], hl->hosts[i].name);
        else
            fprintf(stderr, "mpiexec: %s: host '%s' is given twice\n", what,
                    hl->hosts[i].name);
        status = 2;
        break;
    }
    free(table);
    return status;
}

/* "h1,h2:4,h3" */
int bt_hosts_parse_list(bt_hostlist_t *hl, const char *list, const char *opt)
{
    const char *p = list;
    int first = hl->n;

    if (*list == '\0') {
        fprintf(stderr, "mpiexec: %s: empty host list\n", opt);
        return 2;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t nlen = colon != NULL ? (size_t)(colon - p) : len;
        int slots = 1;

        if (!bt_hosts_name_ok(p, nlen) ||
            (colon != NULL && bt_hosts_slots(colon + 1, len - nlen - 1, &slots) != 0)) {
            fprintf(stderr, "mpiexec: %s: bad host '%s' (expected NAME or NAME:SLOTS, "
                    "slots from 1 to %d)\n", opt, bt_hosts_shown(p, len), BT_MAX_RANKS);
            return 2;
        }
        if (hl->n == BT_MAX_HOSTS) {
            fprintf(stderr, "mpiexec: %s: more than %d hosts\n", opt, BT_MAX_HOSTS);
            return 2;
        }
        if (bt_hosts_add(hl, p, nlen, slots) != 0) {
            fprintf(stderr, "mpiexec: out of memory\n");
            return 2;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return bt_hosts_check_dups(hl, first, opt, NULL);
}

/* One hostfile line, comment and line end removed: "host", "host:N",
 * "host slots=N".  0, or -1 when malformed. */
static int bt_hosts_parse_line(char *line, char **name_p, size_t *nlen_p, int *slots_p)
{
    char *p = line, *name, *colon;
    size_t nlen;

    while (*p == ' ' || *p == '\t')
        p++;
    name = p;
    while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
    nlen = (size_t)(p - name);
    *slots_p = 1;
    colon = memchr(name, ':', nlen);
    if (colon != NULL) {
        if (bt_hosts_slots(colon + 1, nlen - (size_t)(colon + 1 - name), slots_p) != 0)
            return -1;
        nlen = (size_t)(colon - name);
    }
    if (!bt_hosts_name_ok(name, nlen))
        return -1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '\0') {
        char *end = p + strlen(p);

        if (colon != NULL || strncmp(p, "slots=", 6) != 0)
            return -1;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (bt_hosts_slots(p + 6, (size_t)(end - p - 6), slots_p) != 0)
            return -1;
    }
    *name_p = name;
    *nlen_p = nlen;
    return 0;
}

int bt_hosts_parse_file(bt_hostlist_t *hl, const char *path)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, first = hl->n, status = 0, *lines = NULL, nlines = 0;

    if (f == NULL) {
        fprintf(stderr, "mpiexec: hostfile %s: %s\n", path, strerror(errno));
        return 2;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *hash, *name, *shown;
        size_t nlen;
        int slots, has_nul;

        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        /* a NUL would hide the rest of the line from the parser */
        has_nul = memchr(line, '\0', (size_t)len) != NULL;
        shown = strdup(line);
        hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        if (!has_nul && line[strspn(line, " \t")] == '\0') {
            free(shown);
            continue;
        }
        if (shown == NULL || has_nul || bt_hosts_parse_line(line, &name, &nlen, &slots) != 0) {
            fprintf(stderr, "mpiexec: %s:%d: bad line '%s' (expected HOST, HOST:SLOTS "
                    "or HOST slots=SLOTS, slots from 1 to %d)\n", path, lineno,
                    shown != NULL ? bt_hosts_shown(shown, strlen(shown)) : "",
                    BT_MAX_RANKS);
            free(shown);
            status = 2;
            break;
        }
        free(shown);
        if (hl->n == BT_MAX_HOSTS) {
            fprintf(stderr, "mpiexec: %s:%d: more than %d hosts\n", path, lineno,
                    BT_MAX_HOSTS);
            status = 2;
            break;
        }
        if (nlines % 256 == 0) {
            int *grown = realloc(lines, (size_t)(nlines + 256) * sizeof(int));
            if (grown == NULL)
                goto err_nomem;
            lines = grown;
        }
        lines[nlines++] = lineno;
        if (bt_hosts_add(hl, name, nlen, slots) != 0)
            goto err_nomem;
    }
    if (status == 0 && ferror(f)) {
        fprintf(stderr, "mpiexec: hostfile %s: read error\n", path);
        status = 2;
    }
    if (status == 0 && hl->n == first) {
        fprintf(stderr, "mpiexec: hostfile %s: no hosts in it\n", path);
        status = 2;
    }
    if (status == 0)
        status = bt_hosts_check_dups(hl, first, path, lines);
    free(lines);
    free(line);
    fclose(f);
    return status;

err_nomem:
    fprintf(stderr, "mpiexec: out of memory\n");
    free(lines);
    free(line);
    fclose(f);
    return 2;
}

/* SLURM_TASKS_PER_NODE, "2(x3),1": the slots of host i, 1 when unknown. */
static int bt_hosts_slurm_slots(const char *spec, int i)
{
    while (spec != NULL && *spec != '\0') {
        char *end;
        long n = strtol(spec, &end, 10), times = 1;

        if (end == spec || n < 1)
            return 1;
        if (strncmp(end, "(x", 2) == 0) {
            times = strtol(end + 2, &end, 10);
            if (*end != ')' || times < 1)
                return 1;
            end++;
        }
        if (i < times)
            return n > BT_MAX_RANKS ? BT_MAX_RANKS : (int)n;
        i -= (int)times;
        spec = *end == ',' ? end + 1 : NULL;
    }
    return 1;
}

/* The allocation's nodes, as `scontrol show hostnames` expands them. */
int bt_hosts_from_slurm(bt_hostlist_t *hl)
{
    const char *nodelist = getenv("SLURM_JOB_NODELIST");
    const char *tasks = getenv("SLURM_TASKS_PER_NODE");
    int fds[2], wstatus, status = 0;
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) != 0)
        return 2;
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        execlp("scontrol", "scontrol", "show", "hostnames", nodelist, (char *)NULL);
        fprintf(stderr, "mpiexec: cannot run scontrol: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return 2;
    }
    f = fdopen(fds[0], "r");
    while (f != NULL && (len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (!bt_hosts_name_ok(line, (size_t)len) || hl->n == BT_MAX_HOSTS) {
            fprintf(stderr, "mpiexec: SLURM_JOB_NODELIST: bad or too many hosts "
                    "('%.100s')\n", line);
            status = 2;
            break;
        }
        if (bt_hosts_add(hl, line, (size_t)len, bt_hosts_slurm_slots(tasks, hl->n)) != 0) {
            status = 2;
            break;
        }
    }
    free(line);
    if (f != NULL)
        fclose(f);
    else
        close(fds[0]);
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    if (status == 0 && (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || hl->n == 0)) {
        fprintf(stderr, "mpiexec: scontrol show hostnames '%s' failed\n", nodelist);
        status = 2;
    }
    return status;
}
