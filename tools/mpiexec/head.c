/* The head: mpiexec's side of a job on several hosts.
 *
 * It starts one proxy per host (launch.c), admits the TCP connections that
 * prove the job key (auth.c) and nothing else, keeps the job's key-value
 * store, combines the hosts' fences, writes the ranks' output, forwards
 * stdin to rank 0's host and signals to every host, and decides how the
 * job ends: job.c's rules, applied to what the proxies report.
 *
 * What strangers can do to it: connect to the listening port while the
 * proxies call back.  Each such connection gets a nonce and BT_AUTH_MS to
 * send a proof; at most BT_PENDING_MAX wait at once (the oldest is closed
 * for a new one); nothing they send beyond 64 bytes is read; and the port
 * closes as soon as every proxy is in. */
#include "mpiexec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BT_PENDING_MAX  64
#define BT_AUTH_MS      5000
#define BT_STDIN_CHUNK  65536
#define BT_GIVE_UP_MS   3000   /* after the kill timeout, for proxies to report */

typedef struct bt_pending {
    int fd;
    char addr[80];           /* ADDR:PORT, for -v */
    int64_t since_ms;
    size_t got;
    unsigned char nonce_head[BT_NONCE_LEN];
    unsigned char in[BT_NONCE_LEN + BT_PROOF_LEN];
    bt_chan_t ch;            /* after the proof: waiting for HELLO */
    int authed;
} bt_pending_t;

typedef struct bt_hostrec {
    const char *name;
    bt_chan_t ch;            /* fd -1 until the proxy is in */
    int in;                  /* the proxy said HELLO and got SETUP */
    int ended;               /* its channel is over */
    pid_t pid;               /* the fork proxy or ssh; 0 when none or reaped */
    int nranks, nalive;
    int in_fence;
    int64_t gone_at_ms;      /* its launcher exited with the channel open, or -1 */
    char gone_why[96];
} bt_hostrec_t;

/* How long a channel may stay open after its proxy or ssh exited: the
 * proxy's last frames may still be on their way. */
#define BT_GONE_MS 2000

struct bt_head {
    int nhosts, nin, nended;
    bt_hostrec_t *hosts;
    const int *host_of;
    int listen_fd;
    pid_t srun_pid;
    bt_pending_t pending[BT_PENDING_MAX];
    int npending;
    unsigned long refused;
    int fence_in;
    bt_pack_t fence_pairs;   /* the pairs of the current fence, from every host */
    uint32_t fence_npairs;
    int stdin_fd;
    size_t stdin_outstanding;
    int64_t give_up_ms;
};

const char *bt_head_host_name(const bt_job_t *job, int host)
{
    if (job->head == NULL || host < 0 || host >= job->head->nhosts)
        return "?";
    return job->head->hosts[host].name;
}

/* ---- strangers and proxies calling in ---- */

static void bt_head_refuse(bt_job_t *job, int i, const char *why)
{
    struct bt_head *hd = job->head;
    bt_pending_t *p = &hd->pending[i];

    if (job->opts->verbose)
        bt_iofwd_message(job, "mpiexec: refused connection from %s: %s", p->addr, why);
    hd->refused++;
    if (p->authed)
        bt_chan_close(&p->ch);
    else
        close(p->fd);
    memmove(p, p + 1, (size_t)(hd->npending - i - 1) * sizeof(*p));
    hd->npending--;
}

static void bt_head_accept(bt_job_t *job)
{
    struct bt_head *hd = job->head;

    /* bounded: a flood must not starve the rest of the loop */
    for (int k = 0; k < BT_PENDING_MAX; k++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(hd->listen_fd, (struct sockaddr *)&ss, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        bt_pending_t *p;
        char a[INET6_ADDRSTRLEN] = "?";
        int port = 0;

        if (fd < 0)
            return; /* EAGAIN, or out of fds: try again on the next round */
        if (hd->npending == BT_PENDING_MAX) {
            /* the oldest stranger goes; proxies that proved the key stay */
            int oldest = 0;

            while (oldest < hd->npending && hd->pending[oldest].authed)
                oldest++;
            if (oldest == hd->npending) {
                close(fd);
                hd->refused++;
                continue;
            }
            bt_head_refuse(job, oldest, "too many connections waiting for their proof");
        }
        p = &hd->pending[hd->npending];
        *p = (bt_pending_t){ .fd = fd, .since_ms = bt_now_ms() };
        p->ch.fd = -1;
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        snprintf(p->addr, sizeof(p->addr), "%s:%d", a, port);
        hd->npending++;
        /* 32 bytes into a new socket's empty buffer: sent at once or never */
        if (bt_auth_random(p->nonce_head, BT_NONCE_LEN) != 0 ||
            send(fd, p->nonce_head, BT_NONCE_LEN, MSG_NOSIGNAL) != BT_NONCE_LEN)
            bt_head_refuse(job, hd->npending - 1, "closed before proof");
    }
}

static void bt_head_setup(bt_job_t *job, int h);
static void bt_head_host_lost(bt_job_t *job, int h, const char *why);
static void bt_head_host_drop(bt_job_t *job, int h, const char *why);

/* The proxy's nonce and proof: exactly 64 bytes are read, nothing more. */
static void bt_head_pending_read(bt_job_t *job, int i)
{
    struct bt_head *hd = job->head;
    bt_pending_t *p = &hd->pending[i];
    unsigned char proof[BT_PROOF_LEN];
    ssize_t n;

    do {
        n = read(p->fd, p->in + p->got, sizeof(p->in) - p->got);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        bt_head_refuse(job, i, "closed before proof");
        return;
    }
    p->got += (size_t)n;
    if (p->got < sizeof(p->in))
        return;
    if (bt_auth_verify(job->key, BT_PROOF_PROXY, p->nonce_head, p->in,
                       p->in + BT_NONCE_LEN) != 0) {
        bt_head_refuse(job, i, "bad proof");
        return;
    }
    bt_auth_proof(job->key, BT_PROOF_HEAD, p->nonce_head, p->in, proof);
    if (send(p->fd, proof, sizeof(proof), MSG_NOSIGNAL) != (ssize_t)sizeof(proof)) {
        bt_head_refuse(job, i, "closed before proof");
        return;
    }
    p->authed = 1;
    bt_chan_keepalive(p->fd);
    bt_chan_init(&p->ch, p->fd);
}

/* An authenticated connection's first frame names its host. */
static void bt_head_pending_hello(bt_job_t *job, int i)
{
    struct bt_head *hd = job->head;
    bt_pending_t *p = &hd->pending[i];
    const char *why = NULL;
    bt_unpack_t body;
    uint32_t type, index;
    int got;

    if (bt_chan_read(&p->ch, &why) < 0) {
        bt_head_refuse(job, i, "closed before saying which host it is");
        return;
    }
    got = bt_chan_next(&p->ch, &type, &body, &why);
    if (got == 0)
        return;
    index = got > 0 && type == BT_MSG_HELLO ? bt_unpack_u32(&body) : UINT32_MAX;
    if (got < 0 || body.failed || index >= (uint32_t)hd->nhosts ||
        hd->hosts[index].ch.fd >= 0 || hd->hosts[index].ended) {
        bt_head_refuse(job, i, "a proof but no valid host index");
        return;
    }
    hd->hosts[index].ch = p->ch;
    memmove(p, p + 1, (size_t)(hd->npending - i - 1) * sizeof(*p));
    hd->npending--;
    bt_head_setup(job, (int)index);
}

static void bt_head_close_listener(bt_job_t *job)
{
    struct bt_head *hd = job->head;

    if (hd->listen_fd >= 0)
        close(hd->listen_fd);
    hd->listen_fd = -1;
    while (hd->npending > 0)
        bt_head_refuse(job, 0, "closed when the job had every proxy");
}

/* ---- talking to the proxies ---- */

static void bt_head_send(bt_job_t *job, int h, uint32_t type, bt_pack_t *pk)
{
    bt_hostrec_t *hr = &job->head->hosts[h];

    if (hr->ch.fd < 0 || !hr->in) {
        bt_pack_free(pk);
        return;
    }
    /* a failure is reported by the reading side, after what the proxy said */
    if (pk != NULL)
        bt_chan_send_pack(&hr->ch, type, pk);
    else
        bt_chan_send(&hr->ch, type, NULL, 0);
}

static void bt_head_env_add(bt_pack_t *pk, uint32_t *n, const char *entry)
{
    static const char *const host_specific[] = {
        "PMI_", "MPI_LOCAL", "BATON_JOBID=", "BATON_NET_ADDR=", "BATON_PROXY_KEY=",
        "SLURM_", "SSH_", "DISPLAY=", "HOSTNAME=", "PWD=", "OLDPWD=", "SHLVL=", "_=",
        "XAUTHORITY=", "TMUX", "STY=", "WINDOW=", NULL
    };

    for (int i = 0; host_specific[i] != NULL; i++) {
        if (strncmp(entry, host_specific[i], strlen(host_specific[i])) == 0)
            return;
    }
    bt_pack_str(pk, entry);
    (*n)++;
}

extern char **environ;

/* SETUP: u32 nranks, u32 kill timeout ms, u32 universe size, str jobid, str mapping, str cwd,
 * u32 n + n x u32 rank (this host's), u32 argc + argc x str, u32 n + n x str
 * (mpiexec's environment, for -genvall/-genvlist), u32 n + n x str
 * (-genv/-x), u32 flags (bit 0: mpiexec's stdout is a terminal, bit 1: its
 * stderr is). */
static void bt_head_setup(bt_job_t *job, int h)
{
    struct bt_head *hd = job->head;
    const bt_opts_t *opts = job->opts;
    bt_hostrec_t *hr = &hd->hosts[h];
    bt_pack_t pk = { 0 }, env = { 0 };
    uint32_t nenv = 0, argc = 0;
    char *cwd = getcwd(NULL, 0);

    hr->in = 1;
    hd->nin++;
    if (job->end_kind != BT_END_NONE) {
        /* too late: it starts nothing, and its proxy exits on the close */
        bt_head_host_lost(job, h, "the job had ended");
        return;
    }
    if (cwd == NULL) {
        bt_job_fail(job, 1, "cannot tell the hosts the working directory: %s",
                    strerror(errno));
        bt_head_host_lost(job, h, "no job for it");
        return;
    }
    bt_pack_u32(&pk, (uint32_t)job->nranks);
    bt_pack_u32(&pk, (uint32_t)opts->kill_timeout_ms);
    bt_pack_u32(&pk, (uint32_t)bt_job_universe(job));
    bt_pack_str(&pk, job->jobid);
    bt_pack_str(&pk, job->mapping);
    bt_pack_str(&pk, cwd);
    bt_pack_u32(&pk, (uint32_t)hr->nranks);
    for (int r = 0; r < job->nranks; r++) {
        if (hd->host_of[r] == h)
            bt_pack_u32(&pk, (uint32_t)r);
    }
    while (job->argv[argc] != NULL)
        argc++;
    bt_pack_u32(&pk, argc);
    for (uint32_t i = 0; i < argc; i++)
        bt_pack_str(&pk, job->argv[i]);
    for (char **e = environ; *e != NULL; e++) {
        if (opts->genv == BT_GENV_ALL) {
            bt_head_env_add(&env, &nenv, *e);
        } else if (opts->genv == BT_GENV_LIST) {
            for (int i = 0; i < opts->ngenvlist; i++) {
                size_t l = strlen(opts->genvlist[i]);
                if (strncmp(*e, opts->genvlist[i], l) == 0 && (*e)[l] == '=')
                    bt_head_env_add(&env, &nenv, *e);
            }
        }
    }
    bt_pack_u32(&pk, nenv);
    bt_pack_bytes(&pk, env.buf, env.len);
    bt_pack_free(&env);
    bt_pack_u32(&pk, (uint32_t)opts->nenv);
    for (int i = 0; i < opts->nenv; i++)
        bt_pack_str(&pk, opts->env[i]);
    /* a person watches: proxies show unfinished lines (prompts) too */
    bt_pack_u32(&pk, (uint32_t)(job->sinks[0].is_tty | job->sinks[1].is_tty << 1));
    free(cwd);
    if (pk.len > BT_CHAN_MAX) {
        bt_pack_free(&pk);
        bt_job_fail(job, 2, "the environment and arguments are longer than %d bytes",
                    BT_CHAN_MAX);
        return;
    }
    bt_head_send(job, h, BT_MSG_SETUP, &pk);
    if (hd->nin == hd->nhosts)
        bt_head_close_listener(job);
}

/* The fence's pairs to every host, in frames of at most BT_CHAN_MAX. */
static void bt_head_fence_done(bt_job_t *job)
{
    struct bt_head *hd = job->head;
    bt_unpack_t u = { .p = hd->fence_pairs.buf, .left = hd->fence_pairs.len };

    while (u.left > 0) {
        bt_pack_t pk = { 0 };

        bt_pack_pairs_next(&u, &pk);
        for (int h = 0; h < hd->nhosts; h++) {
            bt_pack_t copy = { 0 };

            bt_pack_bytes(&copy, pk.buf, pk.len);
            bt_head_send(job, h, BT_MSG_PAIRS, &copy);
        }
        bt_pack_free(&pk);
    }
    for (int h = 0; h < hd->nhosts; h++) {
        hd->hosts[h].in_fence = 0;
        bt_head_send(job, h, BT_MSG_FENCE_DONE, NULL);
    }
    bt_pack_free(&hd->fence_pairs);
    hd->fence_npairs = 0;
    hd->fence_in = 0;
    job->fence_count = 0;
}

static int bt_head_pairs(bt_job_t *job, bt_unpack_t *u)
{
    struct bt_head *hd = job->head;
    uint32_t n = bt_unpack_u32(u);

    for (uint32_t i = 0; i < n && !u->failed; i++) {
        char *key = bt_unpack_str(u), *value = bt_unpack_str(u);

        if (key == NULL || value == NULL || *key == '\0' ||
            strlen(key) >= BT_PMI_KEY_BOUND || strlen(value) >= BT_PMI_VALUE_MAX ||
            strcmp(key, BT_JOB_KEY_NAME) == 0 || bt_kvs_put(&job->kvs, key, value) != 0) {
            u->failed = 1;
        } else {
            bt_pack_str(&hd->fence_pairs, key);
            bt_pack_str(&hd->fence_pairs, value);
            hd->fence_npairs++;
        }
        free(key);
        free(value);
    }
    return u->failed || u->left != 0 ? -1 : 0;
}

/* A rank number from a frame: one of host h's. */
static bt_rank_t *bt_head_rank(bt_job_t *job, int h, uint32_t rank)
{
    if (rank >= (uint32_t)job->nranks || job->head->host_of[rank] != h)
        return NULL;
    return &job->ranks[rank];
}

/* The host's channel is over; bad: it broke the protocol rather than went away. */
static void bt_head_host_end(bt_job_t *job, int h, const char *why, int bad)
{
    struct bt_head *hd = job->head;
    bt_hostrec_t *hr = &hd->hosts[h];

    if (hr->ended)
        return;
    hr->ended = 1;
    hd->nended++;
    bt_chan_close(&hr->ch);
    if (bad)
        bt_job_fail(job, 255, "host %s broke the protocol (%s): dropped it", hr->name, why);
    else if (hr->nalive > 0)
        bt_job_fail(job, 255, "lost the connection to host %s (%s)", hr->name, why);
    for (int r = 0; r < job->nranks; r++) {
        bt_rank_t *rk = &job->ranks[r];

        if (hd->host_of[r] == h && rk->alive) {
            rk->alive = 0;
            job->nalive--;
        }
    }
    hr->nalive = 0;
    if (hr->in_fence) {
        hr->in_fence = 0;
        hd->fence_in--;
    }
}

static void bt_head_host_lost(bt_job_t *job, int h, const char *why)
{
    bt_head_host_end(job, h, why, 0);
}

static void bt_head_host_drop(bt_job_t *job, int h, const char *why)
{
    bt_head_host_end(job, h, why, 1);
}

/* 0, or -1: the frame was malformed (the host is dropped). */
static int bt_head_frame(bt_job_t *job, int h, uint32_t type, bt_unpack_t *u)
{
    struct bt_head *hd = job->head;
    bt_hostrec_t *hr = &hd->hosts[h];
    bt_rank_t *rk;

    switch (type) {
    case BT_MSG_PAIRS:
        return bt_head_pairs(job, u);
    case BT_MSG_FENCE:
        if (hr->in_fence)
            return -1;
        hr->in_fence = 1;
        hd->fence_in++;
        job->fence_count = hd->fence_in;
        bt_job_fence_check(job);
        if (hd->fence_in == hd->nhosts && job->end_kind == BT_END_NONE)
            bt_head_fence_done(job);
        return 0;
    case BT_MSG_OUTPUT: {
        uint32_t rank = bt_unpack_u32(u), which = bt_unpack_u32(u);

        rk = bt_head_rank(job, h, rank);
        if (u->failed || rk == NULL || which > 1)
            return -1;
        bt_iofwd_emit_data(job, which ? &rk->err : &rk->out, (const char *)u->p, u->left);
        return 0;
    }
    case BT_MSG_STDIN_ACK: {
        uint32_t len = bt_unpack_u32(u), open = bt_unpack_u32(u);

        if (u->failed || len > hd->stdin_outstanding)
            return -1;
        hd->stdin_outstanding -= len;
        if (!open)
            hd->stdin_fd = -1; /* rank 0 no longer reads: neither do we */
        return 0;
    }
    case BT_MSG_EXIT: {
        uint32_t rank = bt_unpack_u32(u), pid = bt_unpack_u32(u);
        uint32_t wstatus = bt_unpack_u32(u), state = bt_unpack_u32(u);

        rk = bt_head_rank(job, h, rank);
        if (u->failed || rk == NULL || !rk->alive || state > BT_PMI_STATE_ABORTED)
            return -1;
        rk->pid = (pid_t)pid;
        rk->pmi.state = (bt_pmi_state_t)state;
        hr->nalive--;
        bt_job_rank_exited(job, rk, (int)wstatus);
        return 0;
    }
    case BT_MSG_ABORT: {
        uint32_t rank = bt_unpack_u32(u), code = bt_unpack_u32(u);
        uint32_t known = bt_unpack_u32(u), on_error = bt_unpack_u32(u);

        rk = bt_head_rank(job, h, rank);
        if (u->failed || rk == NULL)
            return -1;
        rk->pmi.state = BT_PMI_STATE_ABORTED;
        bt_job_abort(job, rk, known ? (int)code : BT_CODE_UNKNOWN, on_error != 0);
        return 0;
    }
    case BT_MSG_FAIL: {
        uint32_t status = bt_unpack_u32(u);
        char *msg = bt_unpack_str(u);

        if (msg == NULL)
            return -1;
        bt_job_fail(job, status > 255 ? 1 : (int)status, "host %s: %s", hr->name, msg);
        free(msg);
        return 0;
    }
    default:
        return -1; /* HELLO twice, or a frame only the head sends */
    }
}

static void bt_head_chan_event(bt_job_t *job, int h, short revents)
{
    bt_hostrec_t *hr = &job->head->hosts[h];
    const char *why = NULL, *read_why = NULL;
    bt_unpack_t body;
    uint32_t type;
    int got = 0, rd;

    if (revents & POLLOUT)
        bt_chan_flush(&hr->ch); /* a failure: the reading side says why */
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    /* what arrived before a close is handled first: it says why */
    rd = bt_chan_read(&hr->ch, &read_why);
    while (hr->ch.fd >= 0 && (got = bt_chan_next(&hr->ch, &type, &body, &why)) > 0) {
        if (!hr->in && type == BT_MSG_HELLO) {
            /* a fork proxy on its socketpair: no proof needed, nobody else has it */
            uint32_t index = bt_unpack_u32(&body);

            if (body.failed || index != (uint32_t)h)
                got = -1, why = "wrong host index";
            else
                bt_head_setup(job, h);
        } else if (!hr->in || bt_head_frame(job, h, type, &body) != 0) {
            got = -1;
            why = "malformed frame";
        }
        if (got < 0)
            break;
    }
    if (hr->ch.fd >= 0 && got < 0)
        bt_head_host_drop(job, h, why != NULL ? why : "malformed frame");
    else if (hr->ch.fd >= 0 && rd < 0)
        bt_head_host_lost(job, h, read_why);
}

/* ---- stdin to rank 0's host, one chunk in flight ---- */

void bt_head_stdin_read(bt_job_t *job)
{
    struct bt_head *hd = job->head;
    char buf[BT_STDIN_CHUNK];
    bt_pack_t pk = { 0 };
    ssize_t n = read(hd->stdin_fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        hd->stdin_fd = -1;
        n = 0; /* an empty chunk: end of input */
    }
    bt_pack_bytes(&pk, buf, (size_t)n);
    hd->stdin_outstanding = (size_t)n;
    bt_head_send(job, hd->host_of[0], BT_MSG_STDIN, &pk);
}

/* ---- the event loop's view ---- */

size_t bt_head_nfds(const bt_job_t *job)
{
    return (size_t)job->head->nhosts + BT_PENDING_MAX + 2;
}

size_t bt_head_poll(bt_job_t *job, struct pollfd *pfds, bt_ev_t *evs, size_t n,
                    int64_t *wake_p)
{
    struct bt_head *hd = job->head;
    bt_hostrec_t *h0 = &hd->hosts[hd->host_of[0]];

#define BT_HEAD_ADD(f, e, k, i)                                               \
    do {                                                                      \
        pfds[n] = (struct pollfd){ .fd = (f), .events = (e) };                \
        evs[n] = (bt_ev_t){ .kind = (k), .ptr = (void *)(intptr_t)(i) };      \
        n++;                                                                  \
    } while (0)

    if (hd->stdin_fd >= 0 && h0->in && h0->ch.fd >= 0 && hd->stdin_outstanding == 0)
        BT_HEAD_ADD(hd->stdin_fd, POLLIN, BT_EV_STDIN, 0);
    if (hd->listen_fd >= 0)
        BT_HEAD_ADD(hd->listen_fd, POLLIN, BT_EV_HEAD, -1);
    for (int i = 0; i < hd->npending; i++) {
        int64_t due = hd->pending[i].since_ms + BT_AUTH_MS;

        BT_HEAD_ADD(hd->pending[i].fd, POLLIN, BT_EV_HEAD, -2 - i);
        if (*wake_p < 0 || due < *wake_p)
            *wake_p = due;
    }
    for (int h = 0; h < hd->nhosts; h++) {
        bt_hostrec_t *hr = &hd->hosts[h];

        if (hr->ch.fd >= 0)
            BT_HEAD_ADD(hr->ch.fd, POLLIN | (bt_chan_queued(&hr->ch) > 0 ? POLLOUT : 0),
                        BT_EV_HEAD, h);
        if (hr->gone_at_ms >= 0 && (*wake_p < 0 || hr->gone_at_ms + BT_GONE_MS < *wake_p))
            *wake_p = hr->gone_at_ms + BT_GONE_MS;
    }
#undef BT_HEAD_ADD
    if (hd->give_up_ms >= 0 && (*wake_p < 0 || hd->give_up_ms < *wake_p))
        *wake_p = hd->give_up_ms;
    return n;
}

void bt_head_event(bt_job_t *job, bt_ev_t *ev, short revents)
{
    struct bt_head *hd = job->head;
    int which = (int)(intptr_t)ev->ptr;

    if (which == -1) {
        if (hd->listen_fd >= 0)
            bt_head_accept(job);
    } else if (which <= -2) {
        int i = -2 - which;

        /* the list may have shifted under an earlier event of this round */
        if (i >= hd->npending)
            return;
        if (hd->pending[i].authed)
            bt_head_pending_hello(job, i);
        else
            bt_head_pending_read(job, i);
    } else if (which < hd->nhosts && hd->hosts[which].ch.fd >= 0) {
        bt_head_chan_event(job, which, revents);
    }
}

void bt_head_timers(bt_job_t *job, int64_t now)
{
    struct bt_head *hd = job->head;

    for (int i = 0; i < hd->npending; ) {
        if (now >= hd->pending[i].since_ms + BT_AUTH_MS)
            bt_head_refuse(job, i, "timed out");
        else
            i++;
    }
    for (int h = 0; h < hd->nhosts; h++) {
        bt_hostrec_t *hr = &hd->hosts[h];

        if (hr->gone_at_ms >= 0 && now >= hr->gone_at_ms + BT_GONE_MS && !hr->ended) {
            hr->gone_at_ms = -1;
            if (!hr->in)
                bt_job_fail(job, 255, "cannot start the proxy on host %s: %s", hr->name,
                            hr->gone_why);
            bt_head_host_lost(job, h, hr->gone_why);
        }
    }
    if (hd->give_up_ms >= 0 && now >= hd->give_up_ms) {
        /* proxies that did not report in time: their transport goes */
        hd->give_up_ms = -1;
        for (int h = 0; h < hd->nhosts; h++) {
            if (hd->hosts[h].pid > 0)
                kill(hd->hosts[h].pid, SIGKILL);
            bt_head_host_lost(job, h, "did not end its ranks in time");
        }
        if (hd->srun_pid > 0)
            kill(hd->srun_pid, SIGKILL);
    }
}

int bt_head_done(bt_job_t *job, int64_t now)
{
    struct bt_head *hd = job->head;

    (void)now;
    if (hd->srun_pid > 0)
        return 0;
    for (int h = 0; h < hd->nhosts; h++) {
        if (!hd->hosts[h].ended || hd->hosts[h].pid > 0)
            return 0;
    }
    return 1;
}

static void bt_head_plan_give_up(bt_job_t *job)
{
    struct bt_head *hd = job->head;

    if (hd->give_up_ms < 0)
        hd->give_up_ms = bt_now_ms() + job->opts->kill_timeout_ms + BT_GIVE_UP_MS;
}

void bt_head_kill(bt_job_t *job, int spare_rank)
{
    struct bt_head *hd = job->head;

    for (int h = 0; h < hd->nhosts; h++) {
        bt_pack_t pk = { 0 };

        if (hd->hosts[h].in) {
            bt_pack_u32(&pk, (uint32_t)(spare_rank + 1));
            bt_head_send(job, h, BT_MSG_KILL, &pk);
        } else if (hd->hosts[h].pid > 0) {
            kill(hd->hosts[h].pid, SIGTERM); /* still starting: stop it */
        }
    }
    if (hd->nin < hd->nhosts && hd->srun_pid > 0)
        kill(hd->srun_pid, SIGTERM);
    bt_head_plan_give_up(job);
}

void bt_head_signal(bt_job_t *job, int sig)
{
    struct bt_head *hd = job->head;
    int ending = sig != SIGUSR1 && sig != SIGUSR2 && sig != SIGURG;

    for (int h = 0; h < hd->nhosts; h++) {
        bt_pack_t pk = { 0 };

        if (hd->hosts[h].in) {
            bt_pack_u32(&pk, (uint32_t)sig);
            bt_pack_u32(&pk, (uint32_t)ending);
            bt_head_send(job, h, BT_MSG_SIGNAL, &pk);
        } else if (ending && hd->hosts[h].pid > 0) {
            kill(hd->hosts[h].pid, SIGTERM);
        }
    }
    if (ending && hd->srun_pid > 0 && hd->nin < hd->nhosts)
        kill(hd->srun_pid, SIGTERM);
    if (ending)
        bt_head_plan_give_up(job);
}

static void bt_head_describe(int wstatus, char *buf, size_t len)
{
    if (WIFSIGNALED(wstatus))
        snprintf(buf, len, "killed by signal %d", WTERMSIG(wstatus));
    else
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
}

void bt_head_child_exited(bt_job_t *job, pid_t pid, int wstatus)
{
    struct bt_head *hd = job->head;
    const char *how = job->opts->launcher == BT_LAUNCH_FORK ? "baton-proxy"
                      : job->opts->launcher_exec != NULL ? job->opts->launcher_exec
                      : job->opts->launcher == BT_LAUNCH_SLURM ? "srun" : "ssh";
    char what[64];

    bt_head_describe(wstatus, what, sizeof(what));
    if (pid == hd->srun_pid) {
        hd->srun_pid = 0;
        if (hd->nin < hd->nhosts) {
            bt_job_fail(job, 255, "%s %s before every proxy started", how, what);
            for (int h = 0; h < hd->nhosts; h++) {
                if (!hd->hosts[h].in)
                    bt_head_host_lost(job, h, "no proxy");
            }
        }
        return;
    }
    for (int h = 0; h < hd->nhosts; h++) {
        bt_hostrec_t *hr = &hd->hosts[h];

        if (hr->pid != pid)
            continue;
        hr->pid = 0;
        if (!hr->in && !hr->ended && hr->ch.fd < 0) {
            bt_job_fail(job, 255, "cannot start the proxy on host %s: %s %s", hr->name,
                        how, what);
            bt_head_host_lost(job, h, what);
        } else if (hr->nalive > 0 && !hr->ended) {
            /* the proxy (fork) or the ssh connection to its host is gone; what
             * the proxy said before it went may still be on its way: the
             * channel's end decides, or BT_GONE_MS */
            snprintf(hr->gone_why, sizeof(hr->gone_why), "%s %s",
                     job->opts->launcher == BT_LAUNCH_FORK ? "its proxy" : how, what);
            hr->gone_at_ms = bt_now_ms();
        }
        return;
    }
    /* not ours: an orphan reparented to us (subreaper) */
}

void bt_head_report(bt_job_t *job)
{
    if (job->opts->verbose)
        bt_iofwd_message(job, "mpiexec: refused %lu connection%s", job->head->refused,
                         job->head->refused == 1 ? "" : "s");
}

/* ---- start and stop ---- */

int bt_head_start(bt_job_t *job, const bt_hostlist_t *hosts, const int *host_of,
                  int nhosts)
{
    const bt_opts_t *opts = job->opts;
    struct bt_head *hd = calloc(1, sizeof(*hd));
    char addr[80], connect_to[100], *nodelist = NULL;
    int port = 0;

    if (hd == NULL)
        return -1;
    job->head = hd;
    hd->nhosts = nhosts;
    hd->host_of = host_of;
    hd->listen_fd = -1;
    hd->give_up_ms = -1;
    hd->stdin_fd = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) != getpgrp()
                   ? -1 : STDIN_FILENO;
    hd->hosts = calloc((size_t)nhosts, sizeof(*hd->hosts));
    if (hd->hosts == NULL)
        return -1;
    for (int h = 0; h < nhosts; h++) {
        hd->hosts[h].name = hosts->hosts[h].name;
        hd->hosts[h].ch.fd = -1;
        hd->hosts[h].gone_at_ms = -1;
    }
    for (int r = 0; r < job->nranks; r++) {
        hd->hosts[host_of[r]].nranks++;
        hd->hosts[host_of[r]].nalive++;
    }
    if (opts->launcher != BT_LAUNCH_FORK) {
        hd->listen_fd = bt_launch_listen(hosts, addr, sizeof(addr), &port);
        if (hd->listen_fd < 0)
            return -1;
        snprintf(connect_to, sizeof(connect_to), "%s:%d", addr, port);
        if (opts->verbose)
            fprintf(stderr, "mpiexec: listening on %s for %d proxies\n", connect_to, nhosts);
    }
    if (opts->launcher == BT_LAUNCH_SLURM) {
        size_t len = 1;
        char *o;

        for (int h = 0; h < nhosts; h++)
            len += strlen(hd->hosts[h].name) + 1;
        nodelist = o = malloc(len);
        if (nodelist == NULL)
            return -1;
        for (int h = 0; h < nhosts; h++)
            o += sprintf(o, "%s%s", h > 0 ? "," : "", hd->hosts[h].name);
        bt_launch_req_t req = { .index = -1, .fd = -1, .connect = connect_to,
                                .nodelist = nodelist, .nhosts = nhosts };
        hd->srun_pid = bt_launch_start(job, &req, NULL);
        free(nodelist);
        if (hd->srun_pid < 0) {
            hd->srun_pid = 0;
            fprintf(stderr, "mpiexec: cannot run srun: %s\n", strerror(errno));
            return -1;
        }
        return 0;
    }
    for (int h = 0; h < nhosts; h++) {
        bt_hostrec_t *hr = &hd->hosts[h];
        bt_launch_req_t req = { .host = hr->name, .index = h, .fd = -1,
                                .connect = connect_to, .nhosts = nhosts };
        int sv[2] = { -1, -1 };

        if (opts->launcher == BT_LAUNCH_FORK) {
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
                goto err_start;
            req.fd = sv[1];
        }
        hr->pid = bt_launch_start(job, &req, NULL);
        if (sv[1] >= 0)
            close(sv[1]);
        if (hr->pid < 0) {
            hr->pid = 0;
            if (sv[0] >= 0)
                close(sv[0]);
            goto err_start;
        }
        if (sv[0] >= 0) {
            fcntl(sv[0], F_SETFL, O_NONBLOCK);
            bt_chan_init(&hr->ch, sv[0]);
        }
    }
    return 0;

err_start:
    bt_job_fail(job, 1, "cannot start the proxies: %s", strerror(errno));
    for (int h = 0; h < nhosts; h++) {
        if (hd->hosts[h].ch.fd < 0 && hd->hosts[h].pid == 0)
            bt_head_host_lost(job, h, "not started");
    }
    return 0;
}

void bt_head_stop(bt_job_t *job)
{
    struct bt_head *hd = job->head;

    if (hd == NULL)
        return;
    bt_head_close_listener(job);
    for (int h = 0; h < hd->nhosts; h++)
        bt_chan_close(&hd->hosts[h].ch);
    bt_pack_free(&hd->fence_pairs);
    free(hd->hosts);
    free(hd);
    job->head = NULL;
}
