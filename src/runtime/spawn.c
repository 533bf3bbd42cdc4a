/* Starting the processes of MPI_Comm_spawn: the spawning root runs Baton's own
 * mpiexec, as a singleton or a rank alike, so that the new job has everything a
 * job started by hand has (its own world, output forwarding, the failure duties
 * among its ranks). Between the two jobs:
 *   - the new job's mpiexec watches a pipe from the root (BATON_SPAWN_WATCH_FD):
 *     when the root dies, the pipe closes and mpiexec ends the new job;
 *   - the root watches its mpiexec from a thread: a new job that ends badly (a
 *     rank killed, MPI_Abort) ends the spawning job too, the MPI default;
 *   - MPI_Finalize of the root waits until the new job has ended, so that no
 *     process is left behind. */
#include "runtime/bt_runtime.h"
#include "runtime/bt_spawn.h"

#include "util/bt_util.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct bt_child {
    struct bt_child *next;
    pid_t            pid;
    int              watch_w;     /* our end of the new job's pipe */
    int              done;        /* reaped (by the thread or bt_spawn_reap) */
    int              status;
    int              watched;     /* a thread waits for it */
    pthread_t        thread;
} bt_child_t;

static bt_child_t *bt_children;
static int bt_spawned_total;

/* The program a command names: as given when it has a '/', else the first
 * executable of `path` (info key) or PATH. 0, or -1 with why filled. */
int bt_spawn_find(const char *command, const char *path, char *out, size_t len, char *why,
                  size_t whylen)
{
    const char *dirs = path ? path : getenv("PATH");
    struct stat st;

    if (command == NULL || *command == '\0') {
        snprintf(why, whylen, "the command is empty");
        return -1;
    }
    if (strchr(command, '/') != NULL) {
        if (stat(command, &st) != 0) {
            snprintf(why, whylen, "command '%s' not found", command);
            return -1;
        }
        /* access() says yes to root for any file with an x bit: ask the bits too. */
        if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0 || access(command, X_OK) != 0) {
            snprintf(why, whylen, "command '%s' is not executable", command);
            return -1;
        }
        snprintf(out, len, "%s", command);
        return 0;
    }
    for (const char *d = dirs ? dirs : "/usr/bin:/bin"; d; d = strchr(d, ':') ? strchr(d, ':') + 1 : NULL) {
        size_t n = strcspn(d, ":");
        snprintf(out, len, "%.*s/%s", (int)(n ? n : 1), n ? d : ".", command);
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0 &&
            access(out, X_OK) == 0)
            return 0;
    }
    snprintf(why, whylen, "command '%s' not found in %s", command, path ? "the info's path" :
             "PATH");
    return -1;
}

/* mpiexec beside the library: <prefix>/lib/libmpi.so -> <prefix>/bin/mpiexec. */
static int bt_spawn_mpiexec(char *out, size_t len)
{
    const char *env = getenv("BATON_MPIEXEC");
    Dl_info dl;
    char *slash;

    if (env != NULL && *env != '\0') {
        snprintf(out, len, "%s", env);
        return access(out, X_OK);
    }
    if (dladdr((void *)bt_spawn_find, &dl) == 0 || dl.dli_fname == NULL ||
        realpath(dl.dli_fname, out) == NULL)
        return -1;
    if ((slash = strrchr(out, '/')) == NULL)
        return -1;
    *slash = '\0';
    if ((slash = strrchr(out, '/')) == NULL)
        return -1;
    *slash = '\0';
    if (strlen(out) + sizeof("/bin/mpiexec") > len)
        return -1;
    strcat(out, "/bin/mpiexec");
    return access(out, X_OK);
}

/* A word for sh -c, in single quotes. */
static void bt_spawn_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputs("' ", f);
}

/* Variables of this process's own job that the new job must not see. */
static int bt_spawn_env_ours(const char *e)
{
    static const char *const mine[] = { "PMI_", "MPI_LOCALRANKID=", "MPI_LOCALNRANKS=",
                                        "BATON_JOBID=", "BATON_PARENT_PORT=", "BATON_APPNUM=",
                                        "BATON_SPAWN_WATCH_FD=" };

    for (size_t i = 0; i < BT_ARRAY_LEN(mine); i++)
        if (strncmp(e, mine[i], strlen(mine[i])) == 0)
            return 1;
    return 0;
}

/* The length of a line's NAME, when the line is NAME=value, else 0. */
static size_t bt_spawn_env_name(const char *line, size_t len)
{
    size_t n = 0;

    while (n < len && (line[n] == '_' || (line[n] >= 'A' && line[n] <= 'Z') ||
                       (line[n] >= 'a' && line[n] <= 'z') ||
                       (n > 0 && line[n] >= '0' && line[n] <= '9')))
        n++;
    return n > 0 && n < len && line[n] == '=' ? n : 0;
}

int bt_spawn_env_check(const char *env, char *why, size_t whylen)
{
    for (const char *l = env; *l; ) {
        size_t len = strcspn(l, "\n");
        if (len > 0 && (bt_spawn_env_name(l, len) == 0 || bt_spawn_env_ours(l))) {
            snprintf(why, whylen, "info key \"env\": line '%.*s' is not NAME=value%s",
                     (int)BT_MIN(len, (size_t)64), l,
                     bt_spawn_env_name(l, len) ? " of a variable the new processes may set"
                                               : "");
            return -1;
        }
        l += len + (l[len] == '\n');
    }
    return 0;
}

/* export NAME='value'; for every line of env. */
static void bt_spawn_env_export(FILE *f, const char *env)
{
    for (const char *l = env; *l; ) {
        size_t len = strcspn(l, "\n"), name = bt_spawn_env_name(l, len);
        if (name > 0) {
            char *value = strndup(l + name + 1, len - name - 1);
            fprintf(f, "export %.*s=", (int)name, l);
            bt_spawn_quote(f, value ? value : "");
            fputs("; ", f);
            free(value);
        }
        l += len + (l[len] == '\n');
    }
}

int bt_spawn_launch(const bt_spawn_cmd_t *apps, int napps, const char *port, char *why,
                    size_t whylen)
{
    char mpiexec[PATH_MAX], nbuf[16], fdbuf[48], portbuf[1100];
    int total = 0, pipefd[2], nenv = 0, argc = 0;
    const char *hosts = NULL, *hostfile = NULL;
    char **argv, **envp;
    char *script = NULL;
    size_t script_len = 0;
    FILE *f;
    bt_child_t *c;
    pid_t pid;

    for (int i = 0; i < napps; i++) {
        total += apps[i].maxprocs;
        if (apps[i].host != NULL)
            hosts = apps[i].host;
        if (apps[i].hostfile != NULL)
            hostfile = apps[i].hostfile;
    }
    if (bt_rt.universe_limit > 0 && bt_rt.size + bt_spawned_total + total > bt_rt.universe_limit) {
        snprintf(why, whylen, "%d more processes would make %d, more than the universe "
                 "allows (MPI_UNIVERSE_SIZE %d: mpiexec -usize)", total,
                 bt_rt.size + bt_spawned_total + total, bt_rt.universe_limit);
        return -1;
    }
    if (bt_spawn_mpiexec(mpiexec, sizeof(mpiexec)) != 0) {
        snprintf(why, whylen, "Baton's mpiexec is not at %s (BATON_MPIEXEC names another)",
                 mpiexec);
        return -1;
    }
    /* Every rank runs its command through sh, which picks it by the rank's number:
     * one world for all commands, with MPI_APPNUM and the working directory each. */
    if ((f = open_memstream(&script, &script_len)) == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    fputs("r=$PMI_RANK; ", f);
    for (int i = 0, first = 0; i < napps; first += apps[i].maxprocs, i++) {
        fprintf(f, "%sif [ \"$r\" -lt %d ]; then export BATON_APPNUM=%d; ",
                      i ? "el" : "", first + apps[i].maxprocs, i);
        if (apps[i].env)
            bt_spawn_env_export(f, apps[i].env);
        if (apps[i].wdir) {
            fputs("cd ", f);
            bt_spawn_quote(f, apps[i].wdir);
            fputs("|| exit 127; ", f);
        }
        fputs("exec ", f);
        bt_spawn_quote(f, apps[i].program);
        for (char **a = apps[i].argv; a && *a; a++)
            bt_spawn_quote(f, *a);
        fputs("; ", f);
    }
    fputs("fi; exit 127", f);
    fclose(f);

    snprintf(nbuf, sizeof(nbuf), "%d", total);
    argv = bt_calloc(16, sizeof(char *));
    argv[argc++] = mpiexec;
    argv[argc++] = "-n";
    argv[argc++] = nbuf;
    if (hostfile) {
        argv[argc++] = "-f";
        argv[argc++] = (char *)hostfile;
    }
    if (hosts || hostfile) {
        if (hosts) {
            argv[argc++] = "-hosts";
            argv[argc++] = (char *)hosts;
        }
        if (getenv("BATON_NET_ADDR") && strncmp(getenv("BATON_NET_ADDR"), "127.", 4) == 0) {
            argv[argc++] = "-launcher";   /* "hosts" of this machine: as the parents' */
            argv[argc++] = "fork";
        }
    }
    argv[argc++] = "/bin/sh";
    argv[argc++] = "-c";
    argv[argc++] = script;
    argv[argc++] = "baton-spawn";

    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        free(argv);
        free(script);
        return -1;
    }
    for (char **e = environ; *e; e++)
        nenv++;
    envp = bt_calloc((size_t)nenv + 3, sizeof(char *));
    nenv = 0;
    for (char **e = environ; *e; e++)
        if (!bt_spawn_env_ours(*e))
            envp[nenv++] = *e;
    snprintf(portbuf, sizeof(portbuf), "BATON_PARENT_PORT=%s", port);
    envp[nenv++] = portbuf;
    /* The read end goes to a number of its own in the child, past stdio. */
    snprintf(fdbuf, sizeof(fdbuf), "BATON_SPAWN_WATCH_FD=%d", pipefd[0] < 10 ? 10 : pipefd[0]);
    envp[nenv++] = fdbuf;

    pid = fork();
    if (pid == 0) {
        int w = pipefd[0] < 10 ? fcntl(pipefd[0], F_DUPFD, 10) : pipefd[0];
        sigset_t none;

        if (w < 0 || fcntl(w, F_SETFD, 0) != 0)
            _exit(127);
        snprintf(fdbuf, sizeof(fdbuf), "BATON_SPAWN_WATCH_FD=%d", w);
        /* Nothing of this process's reaches the new job but stdio and the pipe:
         * its PMI socket least of all. */
        for (int fd = 3; fd < 4096; fd++)
            if (fd != w)
                close(fd);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(mpiexec, argv, envp);
        _exit(127);
    }
    free(envp);
    free(argv);
    free(script);
    close(pipefd[0]);
    if (pid < 0) {
        close(pipefd[1]);
        snprintf(why, whylen, "fork: %s", strerror(errno));
        return -1;
    }
    c = bt_calloc(1, sizeof(*c));
    c->pid = pid;
    c->watch_w = pipefd[1];
    c->next = bt_children;
    bt_children = c;
    bt_spawned_total += total;
    return 0;
}

/* The newest new job has ended before it connected (its mpiexec said why). */
int bt_spawn_gone(void *arg)
{
    bt_child_t *c = bt_children;
    int status;

    (void)arg;
    if (c == NULL || c->done)
        return 1;
    switch (waitpid(c->pid, &status, WNOHANG)) {
    case 0:
        return 0;
    case -1:
        if (errno != ECHILD)
            return 0;
        status = 0;   /* reaped by someone else: gone all the same */
        /* fall through */
    default:
        c->done = 1;
        c->status = status;
        return 1;
    }
}

static void *bt_spawn_watch(void *arg)
{
    bt_child_t *c = arg;
    int status, got;
    char msg[160];

    while ((got = waitpid(c->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    /* Someone else reaped it (a SIGCHLD handler of the program's): its end is
     * not ours to judge. */
    if (got < 0)
        status = 0;
    c->status = status;
    __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NULL;
    snprintf(msg, sizeof(msg), "a job it spawned ended badly (its mpiexec %s %d): ending this "
             "job too", WIFEXITED(status) ? "exited with status" : "was killed by signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    fprintf(stderr, "Baton: rank %d: %s\n", bt_rt.rank, msg);
    bt_runtime_abort(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), msg);
}

void bt_spawn_connected(void)
{
    bt_child_t *c = bt_children;

    if (c == NULL || c->done || c->watched)
        return;
    if (pthread_create(&c->thread, NULL, bt_spawn_watch, c) == 0)
        c->watched = 1;
}

void bt_spawn_failed(void)
{
    bt_child_t *c = bt_children;

    if (c == NULL)
        return;
    if (!c->done) {
        kill(c->pid, SIGTERM);
        while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
            ;
    }
    bt_children = c->next;
    close(c->watch_w);
    free(c);
}

int bt_spawn_pending(void)
{
    for (bt_child_t *c = bt_children; c; c = c->next)
        if (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
            return 1;
    return 0;
}

void bt_spawn_reap(void)
{
    while (bt_children) {
        bt_child_t *c = bt_children;
        if (c->watched)
            pthread_join(c->thread, NULL);
        else if (!c->done)
            while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
                ;
        bt_children = c->next;
        close(c->watch_w);
        free(c);
    }
}
