/* Starting the proxies: a local child per host (fork), ssh or the
 * -launcher-exec program per host, or one srun for all hosts; and the one
 * listening socket the remote proxies call back on. */
#include "mpiexec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

/* baton-proxy sits beside mpiexec ($BATON_PROXY overrides, for tests). */
char *bt_launch_proxy_path(void)
{
    const char *forced = getenv("BATON_PROXY");
    char self[PATH_MAX], *slash, *path;
    ssize_t n;

    if (forced != NULL && *forced != '\0')
        return strdup(forced);
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    if (asprintf(&path, "%s/baton-proxy", self) < 0)
        return NULL;
    return path;
}

static int bt_launch_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return 0;
}

/* The address this host talks to the hosts from: the kernel's route choice
 * towards the first host that is not a loopback address (a host's own name
 * often resolves to 127.0.1.1 in /etc/hosts; the others could not call
 * back there), found by connecting a UDP socket, which sends nothing. */
static int bt_launch_local_addr(const bt_hostlist_t *hosts, struct sockaddr_storage *ss,
                                socklen_t *len_p)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
    struct addrinfo *res = NULL, *ai;
    const char *target = hosts->hosts[0].name;
    int err;

    for (int h = 0; h < hosts->n; h++) {
        /* a host that does not resolve here fails through its launcher */
        if (getaddrinfo(hosts->hosts[h].name, "9", &hints, &res) != 0) {
            res = NULL;
            continue;
        }
        if (!bt_launch_is_loopback(res->ai_addr)) {
            target = hosts->hosts[h].name;
            break;
        }
        freeaddrinfo(res);
        res = NULL;
    }
    if (res == NULL && (err = getaddrinfo(target, "9", &hints, &res)) != 0) {
        fprintf(stderr, "mpiexec: host %s: %s\n", target, gai_strerror(err));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
            continue;
        *len_p = sizeof(*ss);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            getsockname(fd, (struct sockaddr *)ss, len_p) == 0) {
            close(fd);
            freeaddrinfo(res);
            return 0;
        }
        close(fd);
    }
    freeaddrinfo(res);
    fprintf(stderr, "mpiexec: host %s: no route to it\n", target);
    return -1;
}

/* Listens on the address the hosts talk on, never on every interface;
 * port 0: the kernel picks.  Returns the fd, addr "a.b.c.d" and the port. */
int bt_launch_listen(const bt_hostlist_t *hosts, char *addr, size_t addrlen, int *port_p)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd;

    if (bt_launch_local_addr(hosts, &ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = 0;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        fprintf(stderr, "mpiexec: cannot listen for the proxies: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        inet_ntop(AF_INET, &sin->sin_addr, addr, (socklen_t)addrlen);
        *port_p = ntohs(sin->sin_port);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        char a[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
        snprintf(addr, addrlen, "[%s]", a);
        *port_p = ntohs(sin6->sin6_port);
    }
    return fd;
}

/* 'it'\''s' : one shell word, whatever the path holds */
static char *bt_launch_quote(const char *s)
{
    size_t n = 3;
    char *q, *o;

    for (const char *p = s; *p != '\0'; p++)
        n += *p == '\'' ? 4 : 1;
    q = malloc(n);
    if (q == NULL)
        return NULL;
    o = q;
    *o++ = '\'';
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

static void bt_launch_child(char **argv, int stdin_fd, int keep_fd, const char *key_env)
    __attribute__((noreturn));

static void bt_launch_child(char **argv, int stdin_fd, int keep_fd, const char *key_env)
{
    sigset_t none;

    /* The terminal's signals reach the job through mpiexec only, once. */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (stdin_fd >= 0 && dup2(stdin_fd, STDIN_FILENO) < 0)
        _exit(127);
    if (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0) != 0)
        _exit(127);
    /* the key for srun's proxies: the environment of this child only */
    if (key_env != NULL && setenv("BATON_PROXY_KEY", key_env, 1) != 0)
        _exit(127);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    fprintf(stderr, "mpiexec: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

pid_t bt_launch_start(bt_job_t *job, const bt_launch_req_t *req, int *key_fd_p)
{
    const bt_opts_t *opts = job->opts;
    char *proxy = bt_launch_proxy_path(), *qproxy = NULL, *qconnect = NULL, *cmd = NULL;
    char index[16], fdarg[16], nodes[32], nodelist[64];
    char *argv[16];
    int kp[2] = { -1, -1 }, argc = 0;
    pid_t pid = -1;

    if (proxy == NULL) {
        fprintf(stderr, "mpiexec: cannot find baton-proxy beside mpiexec\n");
        return -1;
    }
    snprintf(index, sizeof(index), "%d", req->index);
    snprintf(fdarg, sizeof(fdarg), "%d", req->fd);
    /* the key goes through a pipe to the proxy's stdin (ssh carries it) */
    if (opts->launcher != BT_LAUNCH_SLURM && pipe2(kp, O_CLOEXEC) != 0)
        goto out;
    if (opts->launcher == BT_LAUNCH_FORK) {
        argv[argc++] = proxy;
        argv[argc++] = (char *)"--index";
        argv[argc++] = index;
        argv[argc++] = (char *)"--fd";
        argv[argc++] = fdarg;
    } else if (opts->launcher == BT_LAUNCH_SSH) {
        /* the remote command is one shell string: every word quoted */
        qproxy = bt_launch_quote(proxy);
        qconnect = bt_launch_quote(req->connect); /* "[v6]:port" is a glob */
        if (qproxy == NULL || qconnect == NULL ||
            asprintf(&cmd, "%s --index %d --connect %s", qproxy, req->index, qconnect) < 0) {
            cmd = NULL;
            goto out;
        }
        argv[argc++] = (char *)(opts->launcher_exec != NULL ? opts->launcher_exec : "ssh");
        argv[argc++] = (char *)"-x";
        argv[argc++] = (char *)"-o";
        argv[argc++] = (char *)"BatchMode=yes";
        argv[argc++] = (char *)req->host;
        argv[argc++] = cmd;
    } else {
        snprintf(nodes, sizeof(nodes), "--nodes=%d", req->nhosts);
        snprintf(nodelist, sizeof(nodelist), "--ntasks=%d", req->nhosts);
        if (asprintf(&cmd, "--nodelist=%s", req->nodelist) < 0) {
            cmd = NULL;
            goto out;
        }
        argv[argc++] = (char *)(opts->launcher_exec != NULL ? opts->launcher_exec : "srun");
        argv[argc++] = nodes;
        argv[argc++] = nodelist;
        argv[argc++] = (char *)"--ntasks-per-node=1";
        argv[argc++] = cmd;
        argv[argc++] = (char *)"--kill-on-bad-exit=1";
        argv[argc++] = (char *)"--input=none";
        argv[argc++] = proxy;
        argv[argc++] = (char *)"--index";
        argv[argc++] = (char *)"slurm";
        argv[argc++] = (char *)"--key";
        argv[argc++] = (char *)"env";
        argv[argc++] = (char *)"--connect";
        argv[argc++] = (char *)req->connect;
    }
    argv[argc] = NULL;
    if (opts->verbose) {
        fprintf(stderr, "mpiexec: starting");
        for (int i = 0; i < argc; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
    }
    pid = fork();
    if (pid == 0)
        bt_launch_child(argv, kp[0], opts->launcher == BT_LAUNCH_FORK ? req->fd : -1,
                        opts->launcher == BT_LAUNCH_SLURM ? job->key_hex : NULL);
    if (pid > 0 && kp[1] >= 0) {
        char line[BT_KEY_HEX + 2];

        /* 65 bytes into an empty pipe: never blocks, never splits */
        snprintf(line, sizeof(line), "%s\n", job->key_hex);
        if (write(kp[1], line, BT_KEY_HEX + 1) != BT_KEY_HEX + 1)
            fprintf(stderr, "mpiexec: cannot pass the job key to the proxy of %s\n",
                    req->host != NULL ? req->host : "the hosts");
        explicit_bzero(line, sizeof(line));
    }
out:
    if (kp[0] >= 0)
        close(kp[0]);
    if (key_fd_p != NULL)
        *key_fd_p = kp[1];
    else if (kp[1] >= 0)
        close(kp[1]);
    free(cmd);
    free(qconnect);
    free(qproxy);
    free(proxy);
    return pid;
}
