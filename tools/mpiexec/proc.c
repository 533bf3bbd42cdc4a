/* Processes: finding the program, starting the ranks, signalling them and
 * reaping whatever they leave behind. */
#include "mpiexec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define BT_PMI_CHILD_FD 3

/* Set by mpiexec for each rank; inherited values would mislead the ranks. */
static const char *const bt_proc_env_ours[] = {
    "PMI_FD", "PMI_RANK", "PMI_SIZE", "PMI_JOBID", "PMI_PORT", "PMI_ID",
    "PMI_SPAWNED", "MPI_LOCALRANKID", "MPI_LOCALNRANKS", "BATON_JOBID",
    "BATON_NET_ADDR", "BATON_PROXY_KEY", NULL
};

static char bt_proc_env_own[7][BT_PMI_KVSNAME_MAX + 32];

/* ---- the program ---- */

static int bt_proc_is_executable(const char *path, int *denied_p)
{
    struct stat st;

    if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
        return 0;
    if (access(path, X_OK) != 0) {
        *denied_p = 1;
        return 0;
    }
    return 1;
}

/* Resolves name like execvp does, once, so that a missing program is
 * reported once rather than by every rank. */
int bt_proc_find_program(const char *name, char **path_p, char *msg, size_t msglen)
{
    const char *path, *dir;
    size_t nlen = strlen(name);
    int denied = 0;
    struct stat st;

    if (strchr(name, '/') != NULL) {
        if (stat(name, &st) != 0) {
            int err = errno;

            snprintf(msg, msglen, "%s: %s", name, strerror(err));
            return err == ENOENT || err == ENOTDIR ? 127 : 126;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(msg, msglen, "%s: Is a directory", name);
            return 126;
        }
        if (access(name, X_OK) != 0) {
            snprintf(msg, msglen, "%s: Permission denied", name);
            return 126;
        }
        *path_p = strdup(name);
        snprintf(msg, msglen, "out of memory");
        return *path_p != NULL ? 0 : 126;
    }
    if (nlen == 0) {
        snprintf(msg, msglen, "empty program name");
        return 127;
    }
    path = getenv("PATH");
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (dir = path;; ) {
        const char *colon = strchr(dir, ':');
        size_t dlen = colon != NULL ? (size_t)(colon - dir) : strlen(dir);
        char *cand = malloc(dlen + nlen + 3);

        if (cand == NULL) {
            snprintf(msg, msglen, "out of memory");
            return 126;
        }
        /* an empty PATH element means the current directory */
        if (dlen == 0)
            snprintf(cand, dlen + nlen + 3, "./%s", name);
        else
            snprintf(cand, dlen + nlen + 3, "%.*s/%s", (int)dlen, dir, name);
        if (bt_proc_is_executable(cand, &denied)) {
            *path_p = cand;
            return 0;
        }
        free(cand);
        if (colon == NULL)
            break;
        dir = colon + 1;
    }
    if (denied) {
        snprintf(msg, msglen, "%s: Permission denied", name);
        return 126;
    }
    snprintf(msg, msglen, "%s: command not found", name);
    return 127;
}

/* ---- the ranks' environment ---- */

static int bt_proc_env_in(const char *entry, const char *const *names, int n)
{
    for (int i = 0; n < 0 ? names[i] != NULL : i < n; i++) {
        const char *eq = strchr(names[i], '=');
        size_t len = eq != NULL ? (size_t)(eq - names[i]) : strlen(names[i]);

        if (strncmp(entry, names[i], len) == 0 && entry[len] == '=')
            return 1;
    }
    return 0;
}

static char **bt_proc_env_find(char **envp, size_t n, const char *name)
{
    const char *const names[] = { name, NULL };

    for (size_t i = 0; i < n; i++)
        if (bt_proc_env_in(envp[i], names, -1))
            return &envp[i];
    return NULL;
}

/* glibc's malloc asks for transparent huge pages (madvise MADV_HUGEPAGE) on the
 * blocks of 2 MiB and more it maps and on its heap as it grows, when the ranks
 * run with glibc.malloc.hugetlb=1 (glibc 2.35 and later; it does nothing when
 * the kernel's THP mode is "always" or "never"). A large message buffer backed
 * by 2 MiB pages is copied between two processes (process_vm_readv/writev) at
 * about memcpy speed instead of less than half of it, as the kernel then pins
 * one page where it pinned 512, and it costs one page fault instead of 512.
 * Added to what GLIBC_TUNABLES already holds; a hugetlb setting there, or
 * BATON_MALLOC_THP=0, leaves it alone. Adds to or replaces an entry of the *n_p
 * in envp; 0, or -1 when out of memory. */
static int bt_proc_env_tunables(bt_job_t *job, char **envp, size_t *n_p)
{
    static const char tunable[] = "glibc.malloc.hugetlb=1";
    char **thp = bt_proc_env_find(envp, *n_p, "BATON_MALLOC_THP");
    char **old = bt_proc_env_find(envp, *n_p, "GLIBC_TUNABLES");
    const char *was = old != NULL ? strchr(*old, '=') + 1 : "";
    size_t len;

    if ((thp != NULL && strcmp(strchr(*thp, '=') + 1, "0") == 0) ||
        strstr(was, "glibc.malloc.hugetlb") != NULL)
        return 0;
    len = strlen("GLIBC_TUNABLES=") + strlen(was) + 1 + sizeof(tunable);
    job->env_tunables = malloc(len);
    if (job->env_tunables == NULL)
        return -1;
    snprintf(job->env_tunables, len, "GLIBC_TUNABLES=%s%s%s", was, *was ? ":" : "", tunable);
    if (old != NULL)
        *old = job->env_tunables;
    else
        envp[(*n_p)++] = job->env_tunables;
    return 0;
}

/* mpiexec's environment, then -genv/-x, then mpiexec's own variables;
 * PMI_RANK and MPI_LOCALRANKID are rewritten before each fork. */
int bt_proc_env_build(bt_job_t *job)
{
    const bt_opts_t *opts = job->opts;
    size_t n = 0, count = 0;
    char **envp;

    while (environ[count] != NULL)
        count++;
    envp = calloc(count + (size_t)opts->nenv + 10, sizeof(char *));
    if (envp == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (bt_proc_env_in(environ[i], bt_proc_env_ours, -1) ||
            bt_proc_env_in(environ[i], (const char *const *)opts->env, opts->nenv))
            continue;
        envp[n++] = environ[i];
    }
    for (int i = 0; i < opts->nenv; i++) {
        if (bt_proc_env_in(opts->env[i], bt_proc_env_ours, -1)) {
            fprintf(stderr, "mpiexec: warning: ignoring %.*s from the command "
                    "line: mpiexec sets it\n",
                    (int)strcspn(opts->env[i], "="), opts->env[i]);
            continue;
        }
        envp[n++] = opts->env[i];
    }
    if (bt_proc_env_tunables(job, envp, &n) != 0) {
        free(envp);
        return -1;
    }
    snprintf(bt_proc_env_own[0], sizeof(bt_proc_env_own[0]), "PMI_FD=%d", BT_PMI_CHILD_FD);
    snprintf(bt_proc_env_own[1], sizeof(bt_proc_env_own[1]), "PMI_SIZE=%d", job->nranks);
    snprintf(bt_proc_env_own[2], sizeof(bt_proc_env_own[2]), "MPI_LOCALNRANKS=%d", job->nprocs);
    snprintf(bt_proc_env_own[3], sizeof(bt_proc_env_own[3]), "BATON_JOBID=%s", job->jobid);
    job->env_rank = bt_proc_env_own[4];
    job->env_localrank = bt_proc_env_own[5];
    for (int i = 0; i < 6; i++)
        envp[n++] = bt_proc_env_own[i];
    /* the address the ranks' network endpoints bind to: the one the hosts talk on */
    if (job->net_addr[0] != '\0') {
        snprintf(bt_proc_env_own[6], sizeof(bt_proc_env_own[6]), "BATON_NET_ADDR=%s",
                 job->net_addr);
        envp[n++] = bt_proc_env_own[6];
    }
    envp[n] = NULL;
    job->envp = envp;
    return 0;
}

void bt_proc_env_free(bt_job_t *job)
{
    free(job->envp);
    job->envp = NULL;
    free(job->env_tunables);
    job->env_tunables = NULL;
}

/* ---- starting a rank ---- */

static void bt_proc_close_from(int lowfd)
{
    struct rlimit rl;
    long max = 65536;

#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
        return;
#endif
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (long)rl.rlim_cur < max)
        max = (long)rl.rlim_cur;
    for (int fd = lowfd; fd < max; fd++)
        close(fd);
}

static void bt_proc_child(bt_job_t *job, int in_fd, int out_fd, int err_fd,
                          int pmi_fd) __attribute__((noreturn));

static void bt_proc_child(bt_job_t *job, int in_fd, int out_fd, int err_fd,
                          int pmi_fd)
{
    int err;

    /* Die with mpiexec, even by SIGKILL; mpiexec may already be gone. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != job->self)
        _exit(127);
    /* Our fds are all >= 3 (0-2 are kept open), so 0-2 can be set first. */
    if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd, STDERR_FILENO) < 0)
        _exit(127);
    if (pmi_fd != BT_PMI_CHILD_FD) {
        if (dup2(pmi_fd, BT_PMI_CHILD_FD) < 0)
            _exit(127);
    } else if (fcntl(pmi_fd, F_SETFD, 0) != 0) {
        _exit(127);
    }
    bt_proc_close_from(BT_PMI_CHILD_FD + 1);
    sigaction(SIGPIPE, &job->child_sigpipe, NULL);
    setrlimit(RLIMIT_NOFILE, &job->child_nofile);
    sigprocmask(SIG_SETMASK, &job->child_mask, NULL);

    execve(job->exe, job->argv, job->envp);
    err = errno;
    if (err == ENOEXEC) {
        /* a script without "#!": run it with sh, as execvp does */
        int argc = 0;
        while (job->argv[argc] != NULL)
            argc++;
        char **argv = calloc((size_t)argc + 2, sizeof(char *));
        if (argv != NULL) {
            argv[0] = (char *)"sh";
            argv[1] = (char *)job->exe;
            for (int i = 1; i < argc; i++)
                argv[i + 1] = job->argv[i];
            execve("/bin/sh", argv, job->envp);
        }
    }
    /* The program was checked before: only rank 0 reports a late failure. */
    if (job->env_rank[sizeof("PMI_RANK=") - 1] == '0' &&
        job->env_rank[sizeof("PMI_RANK=")] == '\0')
        dprintf(STDERR_FILENO, "mpiexec: cannot run %s: %s\n", job->exe, strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

static void bt_proc_close_pair(int fds[2])
{
    for (int i = 0; i < 2; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

/* Starts rk.  stdin_fd_p non-NULL: rank 0, gets a pipe for stdin whose
 * write end is returned; otherwise stdin is devnull_fd. */
int bt_proc_spawn(bt_job_t *job, bt_rank_t *rk, int devnull_fd, int *stdin_fd_p)
{
    int sv[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    int in[2] = { -1, -1 };
    int saved;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        goto err_close;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        goto err_close;
    if (stdin_fd_p != NULL && pipe2(in, O_CLOEXEC) != 0)
        goto err_close;
    snprintf(job->env_rank, sizeof(bt_proc_env_own[0]), "PMI_RANK=%d", rk->rank);
    snprintf(job->env_localrank, sizeof(bt_proc_env_own[0]), "MPI_LOCALRANKID=%d",
             (int)(rk - job->ranks));

    pid = fork();
    if (pid < 0)
        goto err_close;
    if (pid == 0)
        bt_proc_child(job, stdin_fd_p != NULL ? in[0] : devnull_fd, out[1], err[1], sv[1]);

    close(sv[1]);
    close(out[1]);
    close(err[1]);
    if (stdin_fd_p != NULL) {
        close(in[0]);
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        *stdin_fd_p = in[1];
    }
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    rk->pid = pid;
    rk->alive = 1;
    rk->pmi.fd = sv[0];
    rk->out.fd = out[0];
    rk->err.fd = err[0];
    return 0;

err_close:
    saved = errno;
    bt_proc_close_pair(sv);
    bt_proc_close_pair(out);
    bt_proc_close_pair(err);
    bt_proc_close_pair(in);
    errno = saved;
    return -1;
}

/* Only unreaped ranks: their pids cannot have been reused. */
void bt_proc_signal_all(bt_job_t *job, int sig, int spare_rank)
{
    for (int i = 0; i < job->nprocs; i++) {
        bt_rank_t *rk = &job->ranks[i];

        /* the head's records of remote ranks have no pid of ours */
        if (!rk->alive || rk->remote || rk->pid <= 0 || rk->rank == spare_rank)
            continue;
        kill(rk->pid, sig);
        /* a stopped rank (Ctrl-Z) would hold an ending signal forever */
        if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT)
            kill(rk->pid, SIGCONT);
    }
}

/* For a signal the terminal sent to our process group: the ranks that left
 * the group (setpgid, setsid) did not get it. */
void bt_proc_signal_other_groups(bt_job_t *job, int sig)
{
    pid_t group = getpgrp();

    for (int i = 0; i < job->nprocs; i++) {
        bt_rank_t *rk = &job->ranks[i];

        if (rk->alive && !rk->remote && rk->pid > 0 && getpgid(rk->pid) != group)
            kill(rk->pid, sig);
    }
}

/* SIGKILL to every child of ours; as a subreaper, that includes whatever
 * the ranks left behind.  Returns how many. */
static int bt_proc_kill_children(void)
{
    DIR *d = opendir("/proc");
    pid_t self = getpid();
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[300], stat_text[512], *rp;
        long ppid;
        FILE *f;
        size_t len;

        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "re");
        if (f == NULL)
            continue;
        len = fread(stat_text, 1, sizeof(stat_text) - 1, f);
        fclose(f);
        stat_text[len] = '\0';
        /* "pid (comm) state ppid ...": comm may hold spaces and ')' */
        rp = strrchr(stat_text, ')');
        if (rp == NULL || sscanf(rp + 1, " %*c %ld", &ppid) != 1 || ppid != self)
            continue;
        kill((pid_t)atol(e->d_name), SIGKILL);
        n++;
    }
    closedir(d);
    return n;
}

/* Reaps every remaining child, killing those still alive: no process is
 * left behind, not even a grandchild of a rank. */
void bt_proc_reap_strays(void)
{
    for (;;) {
        int wstatus;
        pid_t pid = waitpid(-1, &wstatus, WNOHANG);

        if (pid > 0)
            continue;
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            return; /* ECHILD: none left */
        if (bt_proc_kill_children() == 0)
            return; /* cannot see them (no /proc): nothing more to do */
        if (waitpid(-1, &wstatus, 0) < 0 && errno != EINTR)
            return;
    }
}
