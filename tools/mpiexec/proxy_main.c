/* baton-proxy: one per host of a job.  It gets the job key privately (the
 * first line of its stdin, which ssh carries, or BATON_PROXY_KEY under
 * srun), connects back to the head and proves the key (or uses the
 * socketpair of a local "fork" proxy), receives the job (SETUP), forks its
 * host's ranks and runs them as job.c says, with proxy.c's link to the head.
 *
 *   baton-proxy --index I|slurm (--fd N | --connect ADDR:PORT) [--key env] */
#include "mpiexec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BT_PROXY_CONNECT_MS 10000

static int bt_proxy_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bt_proxy_die(const char *fmt, ...)
{
    char host[128] = "?";
    va_list ap;

    gethostname(host, sizeof(host) - 1);
    fprintf(stderr, "baton-proxy on %s: ", host);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

/* The key line: 64 hex characters and a newline, within the deadline. */
static int bt_proxy_key_stdin(unsigned char *key)
{
    char line[BT_KEY_HEX + 2];
    size_t got = 0;
    int64_t deadline = bt_now_ms() + BT_PROXY_CONNECT_MS;

    while (got < sizeof(line) - 1) {
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        int64_t left = deadline - bt_now_ms();
        ssize_t n;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return -1;
        n = read(STDIN_FILENO, line + got, 1); /* not a byte past the line */
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        if (line[got] == '\n')
            break;
        got++;
    }
    line[got] = '\0';
    return bt_auth_key_parse(line, key);
}

/* connect() within BT_PROXY_CONNECT_MS, not the kernel's minutes of SYN
 * retries towards a head that a firewall hides.  0, or an errno value. */
static int bt_proxy_connect_wait(int fd, const struct sockaddr *sa, socklen_t len)
{
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    socklen_t elen = sizeof(int);
    int err = 0, n;

    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return errno;
    do {
        n = poll(&pfd, 1, BT_PROXY_CONNECT_MS);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return ETIMEDOUT;
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
        return errno;
    return err;
}

/* "a.b.c.d:port" or "[v6]:port", connected and proven; the fd, or -1. */
static int bt_proxy_connect(const char *spec, const unsigned char *key, char *local,
                            size_t locallen)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon = strrchr(spec, ':'), *why = NULL;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
    struct addrinfo *res = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    size_t hlen;
    int fd, err;

    if (colon == NULL || (hlen = (size_t)(colon - spec)) == 0 || hlen >= sizeof(host))
        return bt_proxy_die("--connect %s: expected ADDRESS:PORT", spec), -1;
    if (spec[0] == '[' && hlen > 2 && spec[hlen - 1] == ']') {
        memcpy(host, spec + 1, hlen - 2);
        host[hlen - 2] = '\0';
    } else {
        memcpy(host, spec, hlen);
        host[hlen] = '\0';
    }
    err = getaddrinfo(host, colon + 1, &hints, &res);
    if (err != 0)
        return bt_proxy_die("--connect %s: %s", spec, gai_strerror(err)), -1;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    err = fd < 0 ? errno : bt_proxy_connect_wait(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (err != 0) {
        bt_proxy_die("cannot connect to mpiexec at %s: %s", spec, strerror(err));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (bt_auth_proxy_handshake(fd, key, BT_PROXY_CONNECT_MS, &why) != 0) {
        bt_proxy_die("mpiexec at %s: %s", spec, why);
        close(fd);
        return -1;
    }
    /* the address this host talks to the head on: the ranks' network endpoints */
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, local,
                      (socklen_t)locallen);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, local,
                      (socklen_t)locallen);
    }
    return fd;
}

/* Blocks until the head's SETUP: 0, or -1 when the head is gone or had no job for us. */
static int bt_proxy_wait_setup(bt_chan_t *ch, bt_unpack_t *body_p)
{
    for (;;) {
        const char *why = NULL;
        uint32_t type;
        struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
        int got = bt_chan_next(ch, &type, body_p, &why);

        if (got > 0)
            return type == BT_MSG_SETUP ? 0 : -1;
        if (got < 0)
            return -1;
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            return -1;
        if (bt_chan_read(ch, &why) < 0)
            return -1;
    }
}

/* A failure before any rank runs: the head says it and ends the job. */
static int bt_proxy_fail_early(bt_chan_t *ch, int status, const char *msg)
{
    bt_pack_t pk = { 0 };

    bt_pack_u32(&pk, (uint32_t)status);
    bt_pack_str(&pk, msg);
    bt_chan_send_pack(ch, BT_MSG_FAIL, &pk);
    bt_chan_flush_wait(ch, 5000);
    /* the head answers with KILL or closes: wait for it, so as not to look lost */
    for (int64_t end = bt_now_ms() + 5000; bt_now_ms() < end; ) {
        struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
        const char *why;
        bt_unpack_t body;
        uint32_t type;

        /* a frame may have come with SETUP, already read */
        if (bt_chan_next(ch, &type, &body, &why) != 0)
            break;
        if (poll(&pfd, 1, 100) > 0 && bt_chan_read(ch, &why) < 0)
            break;
    }
    return status;
}

int main(int argc, char **argv)
{
    const char *index_arg = NULL, *connect_arg = NULL, *key_from = "stdin";
    int fd = -1, status, sigfd, devnull;
    struct bt_proxy px = { .index = -1 };
    bt_setup_t su = { 0 };
    bt_job_t job = { 0 };
    bt_unpack_t body;
    char msg[PATH_MAX + 64], *exe = NULL;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--index") == 0)
            index_arg = argv[i + 1];
        else if (strcmp(argv[i], "--fd") == 0)
            fd = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--connect") == 0)
            connect_arg = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0)
            key_from = argv[i + 1];
        else
            return bt_proxy_die("unknown argument '%s' (baton-proxy is started by mpiexec)",
                                argv[i]);
    }
    if (index_arg != NULL && strcmp(index_arg, "slurm") == 0)
        index_arg = getenv("SLURM_NODEID");
    if (index_arg == NULL || (fd < 0) == (connect_arg == NULL))
        return bt_proxy_die("usage: baton-proxy --index I|slurm (--fd N | --connect "
                            "ADDR:PORT) [--key env] (it is started by mpiexec)");
    px.index = atoi(index_arg);
    /* The terminal's signals reach the ranks through mpiexec, once. */
    setpgid(0, 0);
    if (bt_auth_init() != 0)
        return bt_proxy_die("libsodium failed to initialize");
    if (strcmp(key_from, "env") == 0) {
        const char *k = getenv("BATON_PROXY_KEY");

        if (k == NULL || bt_auth_key_parse(k, job.key) != 0)
            return bt_proxy_die("no valid job key in BATON_PROXY_KEY");
        unsetenv("BATON_PROXY_KEY"); /* at once: the ranks must not inherit it */
    } else if (bt_proxy_key_stdin(job.key) != 0) {
        return bt_proxy_die("no job key on stdin");
    }
    bt_auth_key_hex(job.key, job.key_hex);
    devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        if (devnull > 2)
            close(devnull);
    }
    if (connect_arg != NULL) {
        fd = bt_proxy_connect(connect_arg, job.key, job.net_addr, sizeof(job.net_addr));
        if (fd < 0)
            return 1;
        bt_chan_keepalive(fd);
    } else {
        /* a local proxy: the hosts are this machine, so are the endpoints */
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        strcpy(job.net_addr, "127.0.0.1");
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    bt_chan_init(&px.ch, fd);
    {
        bt_pack_t pk = { 0 };

        bt_pack_u32(&pk, (uint32_t)px.index);
        if (bt_chan_send_pack(&px.ch, BT_MSG_HELLO, &pk) != 0)
            return bt_proxy_die("lost mpiexec");
    }
    if (bt_proxy_wait_setup(&px.ch, &body) != 0)
        return 1; /* mpiexec had no job for us, or is gone */
    if (bt_setup_parse(&body, &job, &su) != 0) {
        bt_setup_free(&su);
        return bt_proxy_fail_early(&px.ch, 1, "malformed job description");
    }
    /* the head's environment becomes ours, and so the ranks' */
    for (int i = 0; i < su.nhenv; i++) {
        char *eq = strchr(su.henv[i], '=');

        *eq = '\0';
        setenv(su.henv[i], eq + 1, 1);
        *eq = '=';
    }
    if (chdir(su.cwd) != 0) {
        snprintf(msg, sizeof(msg), "cannot change to directory %s: %s", su.cwd,
                 strerror(errno));
        status = bt_proxy_fail_early(&px.ch, 1, msg);
        goto out_setup;
    }
    setenv("PWD", su.cwd, 1);
    status = bt_proc_find_program(su.argv[0], &exe, msg, sizeof(msg));
    if (status != 0) {
        status = bt_proxy_fail_early(&px.ch, status, msg);
        goto out_setup;
    }

    job.argv = su.argv;
    job.exe = exe;
    job.mapping = su.mapping;
    job.proxy = &px;
    status = 1;
    if (bt_job_create(&job, &su.opts, BT_ROLE_PROXY, su.nlocal) != 0)
        goto out_setup;
    for (int i = 0; i < su.nlocal; i++) {
        job.ranks[i].rank = su.ranks[i];
        job.ranks[i].out.rank = job.ranks[i].err.rank = su.ranks[i];
        job.ranks[i].host = px.index;
    }
    if (bt_proc_env_build(&job) != 0)
        goto out_destroy;
    /* unfinished lines go to the head after a while, as mpiexec shows them */
    job.sinks[0].is_tty = su.ttys & 1;
    job.sinks[1].is_tty = (su.ttys >> 1) & 1;
    sigfd = bt_job_signals(&job);
    if (sigfd < 0)
        goto out_destroy;
    bt_job_spawn_all(&job);
    {
        /* frames that came with SETUP (stdin, a signal) wait in the buffer */
        bt_ev_t ev = { .kind = BT_EV_PROXY };

        bt_proxy_event(&job, &ev, POLLIN);
    }
    if (job.nalive == 0)
        job.drain_until_ms = bt_now_ms();
    if (bt_job_run(&job, sigfd) != 0) {
        bt_proc_signal_all(&job, SIGKILL, -1);
        bt_job_fail(&job, 1, "internal error in the proxy, its ranks killed");
    }
    bt_job_finish(&job);
    /* the last output and exits reach the head before we go; a head that
     * is gone fails the wait at once */
    bt_chan_flush_wait(&px.ch, 60000);
    close(sigfd);
    status = 0;
out_destroy:
    bt_job_destroy(&job);
out_setup:
    bt_chan_close(&px.ch);
    bt_pack_free(&px.pairs);
    bt_setup_free(&su);
    free(exe);
    return status;
}
