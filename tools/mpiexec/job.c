/* The job, as mpiexec and baton-proxy share it: set-up, the event loop (one
 * poll() over every rank's PMI socket and output pipes, stdin, a signalfd,
 * and the channels of the head or of a proxy), and how the job ends.
 *
 * Roles: on one host mpiexec forks every rank and decides everything here.
 * With proxies, a proxy forks its host's ranks and tells the head what
 * happens to them; the head decides how the job ends and tells the proxies
 * (head.c, proxy.c). */
#include "mpiexec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int64_t bt_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- how the job ends ---- */

/* The job is over: every rank but spare_rank gets SIGTERM now and every
 * rank still alive gets SIGKILL after the kill timeout. */
void bt_job_terminate(bt_job_t *job, int spare_rank)
{
    int64_t at = bt_now_ms() + job->opts->kill_timeout_ms;

    if (job->role == BT_ROLE_HEAD) {
        bt_head_kill(job, spare_rank); /* each proxy keeps the timeout */
        return;
    }
    bt_proc_signal_all(job, SIGTERM, spare_rank);
    if (job->kill_at_ms < 0 || at < job->kill_at_ms)
        job->kill_at_ms = at;
}

void bt_job_fail(bt_job_t *job, int exit_status, const char *fmt, ...)
{
    va_list ap;

    if (job->end_kind != BT_END_NONE)
        return; /* the first failure names the culprit */
    job->end_kind = BT_END_FAILURE;
    job->exit_status = exit_status;
    va_start(ap, fmt);
    vsnprintf(job->end_msg, sizeof(job->end_msg), fmt, ap);
    va_end(ap);
    if (job->role == BT_ROLE_PROXY) {
        bt_proxy_fail(job, exit_status, job->end_msg); /* the head decides */
        return;
    }
    bt_job_terminate(job, -1);
}

/* " on host NAME" where ranks run on several hosts */
static const char *bt_job_where(const bt_job_t *job, const bt_rank_t *rk)
{
    static char where[BT_HOST_NAME_MAX + 16];

    if (job->role != BT_ROLE_HEAD)
        return "";
    snprintf(where, sizeof(where), " on host %s", bt_head_host_name(job, rk->host));
    return where;
}

void bt_job_abort(bt_job_t *job, bt_rank_t *rk, int code, int on_error)
{
    if (job->role == BT_ROLE_PROXY) {
        bt_proxy_abort(job, rk, code, on_error);
        return;
    }
    if (job->end_kind != BT_END_NONE)
        return;
    job->end_kind = BT_END_ABORT;
    job->abort_rank = rk->rank;
    job->abort_on_error = on_error;
    job->abort_code = code;
    job->abort_code_known = code != BT_CODE_UNKNOWN;
    /* the aborting rank exits by itself (and is killed if it does not) */
    bt_job_terminate(job, rk->rank);
}

/* A fence can no longer complete once a rank has exited normally. */
void bt_job_fence_check(bt_job_t *job)
{
    if (job->end_kind != BT_END_NONE || job->fence_count == 0 || job->nexited_ok == 0)
        return;
    for (int i = 0; i < job->nprocs; i++) {
        bt_rank_t *rk = &job->ranks[i];

        if ((rk->pid != 0 || rk->remote) && !rk->alive) {
            bt_job_fail(job, 1, "rank %d%s exited while other ranks wait for it in a "
                        "PMI fence", rk->rank, bt_job_where(job, rk));
            return;
        }
    }
}

void bt_job_rank_exited(bt_job_t *job, bt_rank_t *rk, int wstatus)
{
    rk->alive = 0;
    rk->wstatus = wstatus;
    job->nalive--;
    if (job->nalive == 0)
        job->drain_until_ms = bt_now_ms() + BT_DRAIN_MS;
    /* Its last words may be an abort or a finalize: read them first. */
    bt_pmisrv_drain(job, rk);
    if (job->role == BT_ROLE_PROXY) {
        /* the head judges; a fence of this host's ranks is judged here */
        bt_proxy_rank_exited(job, rk);
        if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 &&
            rk->pmi.state != BT_PMI_STATE_INIT) {
            job->nexited_ok++;
            bt_job_fence_check(job);
        }
        return;
    }
    if (job->end_kind != BT_END_NONE)
        return;
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        bt_job_fail(job, 128 + sig, "rank %d (pid %ld)%s was killed by signal %d (%s)",
                    rk->rank, (long)rk->pid, bt_job_where(job, rk), sig, strsignal(sig));
    } else if (WEXITSTATUS(wstatus) != 0) {
        bt_job_fail(job, WEXITSTATUS(wstatus), "rank %d%s exited with status %d",
                    rk->rank, bt_job_where(job, rk), WEXITSTATUS(wstatus));
    } else if (rk->pmi.state == BT_PMI_STATE_INIT) {
        bt_job_fail(job, 1, "rank %d%s exited without calling MPI_Finalize", rk->rank,
                    bt_job_where(job, rk));
    } else {
        job->nexited_ok++;
        bt_job_fence_check(job);
    }
}

static void bt_job_signal(bt_job_t *job, const struct signalfd_siginfo *si)
{
    int sig = (int)si->ssi_signo;
    /* The terminal signals the whole foreground group, ranks included:
     * forwarding would deliver a second Ctrl-C to each of them. */
    int from_tty = si->ssi_code == SI_KERNEL;
    int64_t at;

    if (job->role == BT_ROLE_HEAD) {
        /* proxies and their ranks are in process groups of their own: the
         * terminal's signals reach them only from here */
        from_tty = 0;
    }
    /* Ctrl-\ asks for the hang report; the job goes on. */
    if (sig == SIGQUIT && job->role != BT_ROLE_PROXY) {
        bt_diag_request(job, 0);
        return;
    }
    if (sig == SIGUSR1 || sig == SIGUSR2) {
        if (job->role == BT_ROLE_HEAD)
            bt_head_signal(job, sig);
        else
            bt_proc_signal_all(job, sig, -1);
        return;
    }
    job->signals_received++;
    if (job->end_kind == BT_END_NONE && job->role != BT_ROLE_PROXY) {
        job->end_kind = BT_END_FAILURE;
        job->exit_status = 128 + sig;
        snprintf(job->end_msg, sizeof(job->end_msg),
                 "received signal %d (%s), ended the job", sig, strsignal(sig));
    }
    if (job->role == BT_ROLE_HEAD)
        bt_head_signal(job, sig);
    else if (!from_tty)
        bt_proc_signal_all(job, sig, -1);
    else
        bt_proc_signal_other_groups(job, sig);
    /* A second signal is impatience: kill now. */
    at = job->signals_received > 1 ? bt_now_ms()
                                   : bt_now_ms() + job->opts->kill_timeout_ms;
    if (job->kill_at_ms < 0 || at < job->kill_at_ms)
        job->kill_at_ms = at;
}

static void bt_job_reap(bt_job_t *job)
{
    for (;;) {
        int wstatus;
        pid_t pid = waitpid(-1, &wstatus, WNOHANG);

        if (pid < 0 && errno == EINTR)
            continue;
        if (pid <= 0)
            return;
        if (job->role == BT_ROLE_HEAD) {
            bt_head_child_exited(job, pid, wstatus); /* a proxy, ssh or srun */
            continue;
        }
        for (int i = 0; i < job->nprocs; i++) {
            if (job->ranks[i].alive && !job->ranks[i].remote && job->ranks[i].pid == pid) {
                bt_job_rank_exited(job, &job->ranks[i], wstatus);
                break;
            }
        }
        /* not a rank: an orphan of a rank, reparented to us (subreaper) */
    }
}

static void bt_job_read_signals(bt_job_t *job, int sigfd)
{
    struct signalfd_siginfo si[16];
    ssize_t n;

    while ((n = read(sigfd, si, sizeof(si))) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++) {
            if (si[i].ssi_signo == SIGCHLD)
                bt_job_reap(job);
            else
                bt_job_signal(job, &si[i]);
        }
    }
}

static int bt_job_streams_open(const bt_job_t *job)
{
    for (int i = 0; i < job->nprocs; i++) {
        if (job->ranks[i].out.fd >= 0 || job->ranks[i].err.fd >= 0)
            return 1;
    }
    return 0;
}

/* ---- the event loop ---- */

/* Whether the loop is over. */
static int bt_job_done(bt_job_t *job, int64_t now)
{
    if (job->role == BT_ROLE_HEAD)
        return bt_head_done(job, now);
    if (job->role == BT_ROLE_PROXY && bt_proxy_done(job))
        return 1;
    if (job->role == BT_ROLE_PROXY && !bt_proxy_output_ok(job)) {
        /* output waits in the pipes while the head catches up: the grace
         * for stragglers starts when we read again */
        if (job->nalive == 0)
            job->drain_until_ms = now + BT_DRAIN_MS;
        return 0;
    }
    return job->nalive == 0 && (!bt_job_streams_open(job) || now >= job->drain_until_ms);
}

/* A spawned job's pipe from its spawner: its end means the spawner is gone
 * (it never writes), and so must the job be. */
static int bt_job_watch_done;

static void bt_job_watch(bt_job_t *job)
{
    char c;

    if (read(job->opts->watch_fd, &c, 1) > 0)
        return;
    bt_job_watch_done = 1;
    bt_job_fail(job, 1, "the process that spawned this job is gone, ended the job");
}

int bt_job_run(bt_job_t *job, int sigfd)
{
    size_t cap = 0;
    struct pollfd *pfds = NULL;
    bt_ev_t *evs = NULL;
    int status = 0;

    for (;;) {
        int64_t now = bt_now_ms(), wake = -1, stale, diag;
        size_t n = 0, need = 3 * (size_t)job->nprocs + 4;
        int timeout, ready, out_ok = 1;

        if (job->kill_at_ms >= 0 && now >= job->kill_at_ms) {
            bt_proc_signal_all(job, SIGKILL, -1);
            job->kill_at_ms = -1;
        }
        if (job->time_limit_at_ms >= 0 && now >= job->time_limit_at_ms) {
            /* What every rank waits in first, then the end (bt_diag_timers). */
            job->time_limit_at_ms = -1;
            bt_diag_request(job, 1);
        }
        diag = bt_diag_timers(job, now);
        if (job->role == BT_ROLE_HEAD)
            bt_head_timers(job, now);
        if (bt_job_done(job, now))
            break;
        if (job->role == BT_ROLE_HEAD)
            need += bt_head_nfds(job);
        if (job->role == BT_ROLE_PROXY) {
            need += bt_proxy_nfds(job);
            /* the head is slow to take output: let the ranks wait */
            out_ok = bt_proxy_output_ok(job);
        }
        if (need > cap) {
            struct pollfd *p2 = realloc(pfds, need * sizeof(*pfds));
            bt_ev_t *e2;

            if (p2 != NULL)
                pfds = p2;
            e2 = realloc(evs, need * sizeof(*evs));
            if (e2 != NULL)
                evs = e2;
            if (p2 == NULL || e2 == NULL) {
                status = -1;
                goto out_free;
            }
            cap = need;
        }

#define BT_EV_ADD(f, e, k, r)                                                 \
        do {                                                                  \
            pfds[n] = (struct pollfd){ .fd = (f), .events = (e) };            \
            evs[n] = (bt_ev_t){ .kind = (k), .rk = (r) };                     \
            n++;                                                              \
        } while (0)

        BT_EV_ADD(sigfd, POLLIN, BT_EV_SIGNAL, NULL);
        if (job->opts->watch_fd > 2 && !bt_job_watch_done)
            BT_EV_ADD(job->opts->watch_fd, POLLIN, BT_EV_WATCH, NULL);
        if (job->in.from_fd >= 0 && job->in.to_fd >= 0 && job->in.len == 0)
            BT_EV_ADD(job->in.from_fd, POLLIN, BT_EV_STDIN, NULL);
        if (job->in.to_fd >= 0)
            BT_EV_ADD(job->in.to_fd, job->in.len > 0 ? POLLOUT : 0, BT_EV_RANK0_IN, NULL);
        for (int i = 0; i < job->nprocs; i++) {
            bt_rank_t *rk = &job->ranks[i];

            if (rk->pmi.fd >= 0)
                BT_EV_ADD(rk->pmi.fd, POLLIN, BT_EV_PMI, rk);
            if (rk->out.fd >= 0 && out_ok)
                BT_EV_ADD(rk->out.fd, POLLIN, BT_EV_OUT, rk);
            if (rk->err.fd >= 0 && out_ok)
                BT_EV_ADD(rk->err.fd, POLLIN, BT_EV_ERR, rk);
        }
#undef BT_EV_ADD
        if (job->role == BT_ROLE_HEAD)
            n = bt_head_poll(job, pfds, evs, n, &wake);
        if (job->role == BT_ROLE_PROXY)
            n = bt_proxy_poll(job, pfds, evs, n);

        if (job->kill_at_ms >= 0 && (wake < 0 || job->kill_at_ms < wake))
            wake = job->kill_at_ms;
        if (job->time_limit_at_ms >= 0 && (wake < 0 || job->time_limit_at_ms < wake))
            wake = job->time_limit_at_ms;
        if (diag >= 0 && (wake < 0 || diag < wake))
            wake = diag;
        stale = bt_iofwd_flush_stale(job, now);
        if (stale >= 0 && (wake < 0 || stale < wake))
            wake = stale;
        if (job->nalive == 0 && job->drain_until_ms >= 0 &&
            (wake < 0 || job->drain_until_ms < wake))
            wake = job->drain_until_ms;
        timeout = wake < 0 ? -1 : wake <= now ? 0 : (int)(wake - now);

        ready = poll(pfds, n, timeout);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            bt_iofwd_message(job, "mpiexec: poll: %s", strerror(errno));
            status = -1;
            goto out_free;
        }
        /* Signals last: a rank's last PMI words and output come first. */
        if (pfds[0].revents != 0)
            ready--;
        for (size_t i = 1; i < n && ready > 0; i++) {
            if (pfds[i].revents == 0)
                continue;
            ready--;
            switch (evs[i].kind) {
            case BT_EV_STDIN:
                if (job->role == BT_ROLE_HEAD)
                    bt_head_stdin_read(job);
                else
                    bt_iofwd_stdin_read(job);
                break;
            case BT_EV_HEAD:
                bt_head_event(job, &evs[i], pfds[i].revents);
                break;
            case BT_EV_PROXY:
                bt_proxy_event(job, &evs[i], pfds[i].revents);
                break;
            case BT_EV_RANK0_IN:
                bt_iofwd_stdin_write(job);
                break;
            case BT_EV_PMI:
                bt_pmisrv_read(job, evs[i].rk);
                break;
            case BT_EV_WATCH:
                bt_job_watch(job);
                break;
            case BT_EV_OUT:
                bt_iofwd_read(job, &evs[i].rk->out);
                break;
            case BT_EV_ERR:
                bt_iofwd_read(job, &evs[i].rk->err);
                break;
            }
        }
        if (pfds[0].revents != 0)
            bt_job_read_signals(job, sigfd);
    }

out_free:
    free(evs);
    free(pfds);
    return status;
}

/* ---- set-up ---- */

/* A job id unique among the jobs of the hosts: host, pid and time. */
static void bt_job_id(bt_job_t *job)
{
    char host[128] = "localhost";

    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    /* keys and names built from it must stay plain tokens */
    for (char *p = host; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            *p = '_';
    }
    snprintf(job->jobid, sizeof(job->jobid), "%s-%ld-%lld", host, (long)job->self,
             (long long)time(NULL));
}

/* Room for the ranks' pipes and sockets, and extra descriptors (channels). */
int bt_job_nofile(bt_job_t *job, int extra)
{
    struct rlimit rl;
    /* the head holds no descriptor of a rank, only the channels (extra) */
    rlim_t per_rank = job->role == BT_ROLE_HEAD ? 0 : 5;
    rlim_t need = per_rank * (rlim_t)job->nprocs + 32 + (rlim_t)extra;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    job->child_nofile = rl;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need
                                                                         : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        fprintf(stderr, "mpiexec: %d ranks need %llu open files, the limit is %llu "
                "(ulimit -n)\n", job->role == BT_ROLE_HEAD ? job->nranks : job->nprocs,
                (unsigned long long)need, (unsigned long long)rl.rlim_cur);
        return -1;
    }
    return 0;
}

/* The job's state, before any rank starts.  jobid, mapping, argv, exe and
 * the key are set by the caller before or after, as each role knows them. */
int bt_job_create(bt_job_t *job, const bt_opts_t *opts, bt_role_t role, int nprocs)
{
    char map[64];

    job->opts = opts;
    job->role = role;
    job->nprocs = nprocs;
    job->self = getpid();
    job->kill_at_ms = -1;
    job->drain_until_ms = -1;
    /* The head (or mpiexec alone) keeps the time limit; proxies obey it. */
    job->time_limit_at_ms = -1;
    if (role != BT_ROLE_PROXY && opts->time_limit_ms > 0)
        job->time_limit_at_ms = bt_now_ms() + opts->time_limit_ms;
    job->in.from_fd = -1;
    job->in.to_fd = -1;
    if (job->jobid[0] == '\0')
        bt_job_id(job);
    if (bt_job_nofile(job, 0) != 0)
        return -1;
    job->ranks = calloc((size_t)(nprocs > 0 ? nprocs : 1), sizeof(*job->ranks));
    if (job->ranks == NULL)
        goto err_nomem;
    for (int i = 0; i < nprocs; i++) {
        bt_rank_t *rk = &job->ranks[i];

        rk->rank = i;
        rk->pmi.fd = -1;
        rk->out = (bt_stream_t){ .fd = -1, .which = 0, .rank = i, .at_line_start = 1,
                                 .partial_since_ms = -1 };
        rk->err = (bt_stream_t){ .fd = -1, .which = 1, .rank = i, .at_line_start = 1,
                                 .partial_since_ms = -1 };
    }
    if (bt_kvs_init(&job->kvs) != 0)
        goto err_free_ranks;
    /* PMI-1 clients read the job's layout as a key */
    if (job->mapping == NULL)
        snprintf(map, sizeof(map), "(vector,(0,1,%d))", job->nranks);
    if (bt_kvs_put(&job->kvs, "PMI_process_mapping",
                   job->mapping != NULL ? job->mapping : map) != 0)
        goto err_free_kvs;
    if (bt_iofwd_init(job) != 0)
        goto err_free_kvs;
    return 0;

err_free_kvs:
    bt_kvs_fini(&job->kvs);
err_free_ranks:
    free(job->ranks);
    job->ranks = NULL;
err_nomem:
    fprintf(stderr, "mpiexec: out of memory\n");
    return -1;
}

void bt_job_destroy(bt_job_t *job)
{
    bt_iofwd_fini(job);
    bt_diag_free(job);
    bt_proc_env_free(job);
    bt_kvs_fini(&job->kvs);
    free(job->ranks);
    job->ranks = NULL;
}

/* Signals arrive through a signalfd, in the event loop.  Returns the fd. */
int bt_job_signals(bt_job_t *job)
{
    static const int sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
    struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
    sigset_t mask;
    int sigfd;

    sigemptyset(&mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&mask, sigs[i]);
    sigprocmask(SIG_BLOCK, &mask, &job->child_mask);
    sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sigfd < 0) {
        fprintf(stderr, "mpiexec: signalfd: %s\n", strerror(errno));
        sigprocmask(SIG_SETMASK, &job->child_mask, NULL);
        return -1;
    }
    /* An inherited SIG_IGN for SIGCHLD would reap the ranks behind our back. */
    sigaction(SIGCHLD, &dfl, NULL);
    sigaction(SIGPIPE, &ign, &job->child_sigpipe);
    /* Orphans of the ranks become our children, so that we can end them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    return sigfd;
}

/* Reads stdin for rank 0 unless it is a terminal we do not own: reading
 * it from the background would stop mpiexec with SIGTTIN. */
static int bt_job_stdin_fd(void)
{
    if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) != getpgrp())
        return -1;
    return STDIN_FILENO;
}

/* Forks this process's ranks; the ranks[0] of the job gets stdin. */
void bt_job_spawn_all(bt_job_t *job)
{
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

    if (devnull < 0) {
        bt_job_fail(job, 1, "/dev/null: %s", strerror(errno));
        return;
    }
    for (int i = 0; i < job->nprocs; i++) {
        bt_rank_t *rk = &job->ranks[i];

        if (bt_proc_spawn(job, rk, devnull, rk->rank == 0 ? &job->in.to_fd : NULL) != 0) {
            bt_job_fail(job, 1, "cannot start rank %d: %s", rk->rank, strerror(errno));
            break;
        }
        job->nstarted++;
        job->nalive++;
    }
    close(devnull);
    if (job->role == BT_ROLE_SINGLE) {
        job->in.from_fd = bt_job_stdin_fd();
        if (job->in.from_fd < 0)
            bt_iofwd_stdin_close(job);
    }
}

/* Last output, stragglers, and the one line that says how the job ended.
 * Returns mpiexec's exit status. */
int bt_job_finish(bt_job_t *job)
{
    int status = 0;

    for (int i = 0; i < job->nprocs; i++) {
        bt_iofwd_close(job, &job->ranks[i].out);
        bt_iofwd_close(job, &job->ranks[i].err);
        bt_pmisrv_drain(job, &job->ranks[i]);
    }
    bt_iofwd_stdin_close(job);
    bt_proc_reap_strays();
    if (job->role == BT_ROLE_PROXY)
        return 0;
    if (job->role == BT_ROLE_HEAD)
        bt_head_report(job);

    if (job->end_kind == BT_END_ABORT) {
        bt_rank_t *rk = &job->ranks[job->abort_rank];

        if (!job->abort_code_known && !rk->alive && WIFEXITED(rk->wstatus)) {
            job->abort_code = WEXITSTATUS(rk->wstatus);
            job->abort_code_known = 1;
        }
        if (!job->abort_code_known)
            job->abort_code = 1;
        /* as the code would read in a shell: its low byte, but never 0 for non-0 */
        status = job->abort_code & 0xff;
        if (status == 0 && job->abort_code != 0)
            status = 1;
        if (job->abort_on_error)
            bt_iofwd_message(job, "mpiexec: rank %d%s ended the job on an MPI error "
                             "(MPI_ERRORS_ARE_FATAL; its message is above)", job->abort_rank,
                             bt_job_where(job, rk));
        else if (!job->abort_code_known)
            bt_iofwd_message(job, "mpiexec: rank %d%s called MPI_Abort", job->abort_rank,
                             bt_job_where(job, rk));
        else
            bt_iofwd_message(job, "mpiexec: rank %d%s called MPI_Abort with error code %d",
                             job->abort_rank, bt_job_where(job, rk), job->abort_code);
    } else if (job->end_kind == BT_END_FAILURE) {
        status = job->exit_status;
        bt_iofwd_message(job, "mpiexec: %s", job->end_msg);
    }
    return status;
}

int bt_job_universe(const bt_job_t *job)
{
    const bt_opts_t *o = job->opts;
    long long slots = 0;

    if (o->usize > 0)
        return o->usize;
    for (int h = 0; h < o->hosts.n; h++)
        slots += o->ppn > 0 ? o->ppn : o->hosts.hosts[h].slots;
    if (slots > BT_MAX_UNIVERSE)
        slots = BT_MAX_UNIVERSE;
    return slots > job->nranks ? (int)slots : job->nranks;
}
