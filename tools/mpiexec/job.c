/* mpiexec's main: set-up, the event loop (one poll() over every rank's PMI
 * socket and output pipes, stdin and a signalfd), and how the job ends. */
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
static void bt_job_terminate(bt_job_t *job, int spare_rank)
{
    int64_t at = bt_now_ms() + job->opts->kill_timeout_ms;

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
    bt_job_terminate(job, -1);
}

void bt_job_abort(bt_job_t *job, bt_rank_t *rk, int code, int on_error)
{
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
    for (int i = 0; i < job->nranks; i++) {
        bt_rank_t *rk = &job->ranks[i];

        if (rk->pid != 0 && !rk->alive) {
            bt_job_fail(job, 1, "rank %d exited while other ranks wait for it in a "
                        "PMI fence", rk->rank);
            return;
        }
    }
}

static void bt_job_rank_exited(bt_job_t *job, bt_rank_t *rk, int wstatus)
{
    rk->alive = 0;
    rk->wstatus = wstatus;
    job->nalive--;
    if (job->nalive == 0)
        job->drain_until_ms = bt_now_ms() + BT_DRAIN_MS;
    /* Its last words may be an abort or a finalize: read them first. */
    bt_pmisrv_drain(job, rk);
    if (job->end_kind != BT_END_NONE)
        return;
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        bt_job_fail(job, 128 + sig, "rank %d (pid %ld) was killed by signal %d (%s)",
                    rk->rank, (long)rk->pid, sig, strsignal(sig));
    } else if (WEXITSTATUS(wstatus) != 0) {
        bt_job_fail(job, WEXITSTATUS(wstatus), "rank %d exited with status %d",
                    rk->rank, WEXITSTATUS(wstatus));
    } else if (rk->pmi.state == BT_PMI_STATE_INIT) {
        bt_job_fail(job, 1, "rank %d exited without calling MPI_Finalize", rk->rank);
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

    if (sig == SIGUSR1 || sig == SIGUSR2) {
        bt_proc_signal_all(job, sig, -1);
        return;
    }
    job->signals_received++;
    if (job->end_kind == BT_END_NONE) {
        job->end_kind = BT_END_FAILURE;
        job->exit_status = 128 + sig;
        snprintf(job->end_msg, sizeof(job->end_msg),
                 "received signal %d (%s), ended the job", sig, strsignal(sig));
    }
    if (!from_tty)
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
        for (int i = 0; i < job->nranks; i++) {
            if (job->ranks[i].alive && job->ranks[i].pid == pid) {
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
    for (int i = 0; i < job->nranks; i++) {
        if (job->ranks[i].out.fd >= 0 || job->ranks[i].err.fd >= 0)
            return 1;
    }
    return 0;
}

/* ---- the event loop ---- */

enum { BT_EV_SIGNAL, BT_EV_STDIN, BT_EV_RANK0_IN, BT_EV_PMI, BT_EV_OUT, BT_EV_ERR };

typedef struct bt_ev {
    int kind;
    bt_rank_t *rk;
} bt_ev_t;

static int bt_job_run(bt_job_t *job, int sigfd)
{
    size_t cap = 3 * (size_t)job->nranks + 3;
    struct pollfd *pfds = malloc(cap * sizeof(*pfds));
    bt_ev_t *evs = malloc(cap * sizeof(*evs));
    int status = 0;

    if (pfds == NULL || evs == NULL) {
        status = -1;
        goto out_free;
    }
    for (;;) {
        int64_t now = bt_now_ms(), wake, stale;
        size_t n = 0;
        int timeout, ready;

        if (job->kill_at_ms >= 0 && now >= job->kill_at_ms) {
            bt_proc_signal_all(job, SIGKILL, -1);
            job->kill_at_ms = -1;
        }
        if (job->nalive == 0 &&
            (!bt_job_streams_open(job) || now >= job->drain_until_ms))
            break;

#define BT_EV_ADD(f, e, k, r)                                                 \
        do {                                                                  \
            pfds[n] = (struct pollfd){ .fd = (f), .events = (e) };            \
            evs[n] = (bt_ev_t){ .kind = (k), .rk = (r) };                     \
            n++;                                                              \
        } while (0)

        BT_EV_ADD(sigfd, POLLIN, BT_EV_SIGNAL, NULL);
        if (job->in.from_fd >= 0 && job->in.to_fd >= 0 && job->in.len == 0)
            BT_EV_ADD(job->in.from_fd, POLLIN, BT_EV_STDIN, NULL);
        if (job->in.to_fd >= 0)
            BT_EV_ADD(job->in.to_fd, job->in.len > 0 ? POLLOUT : 0, BT_EV_RANK0_IN, NULL);
        for (int i = 0; i < job->nranks; i++) {
            bt_rank_t *rk = &job->ranks[i];

            if (rk->pmi.fd >= 0)
                BT_EV_ADD(rk->pmi.fd, POLLIN, BT_EV_PMI, rk);
            if (rk->out.fd >= 0)
                BT_EV_ADD(rk->out.fd, POLLIN, BT_EV_OUT, rk);
            if (rk->err.fd >= 0)
                BT_EV_ADD(rk->err.fd, POLLIN, BT_EV_ERR, rk);
        }
#undef BT_EV_ADD

        wake = job->kill_at_ms;
        stale = bt_iofwd_flush_stale(job, now);
        if (stale >= 0 && (wake < 0 || stale < wake))
            wake = stale;
        if (job->nalive == 0 && (wake < 0 || job->drain_until_ms < wake))
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
                bt_iofwd_stdin_read(job);
                break;
            case BT_EV_RANK0_IN:
                bt_iofwd_stdin_write(job);
                break;
            case BT_EV_PMI:
                bt_pmisrv_read(job, evs[i].rk);
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

/* fds 0-2 must be open, or our pipes would take their numbers. */
static void bt_main_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (nfd >= 0 && nfd != fd)
                close(nfd);
        }
    }
}

static void bt_main_jobid(bt_job_t *job)
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

static int bt_main_nofile(bt_job_t *job)
{
    struct rlimit rl;
    rlim_t need = 5 * (rlim_t)job->nranks + 32;

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
                "(ulimit -n)\n", job->nranks, (unsigned long long)need,
                (unsigned long long)rl.rlim_cur);
        return -1;
    }
    return 0;
}

/* Reads stdin for rank 0 unless it is a terminal we do not own: reading
 * it from the background would stop mpiexec with SIGTTIN. */
static int bt_main_stdin_fd(void)
{
    if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) != getpgrp())
        return -1;
    return STDIN_FILENO;
}

/* The job's state, before any rank starts. */
static int bt_job_create(bt_job_t *job, const bt_opts_t *opts, const char *exe)
{
    char map[64];

    job->opts = opts;
    job->nranks = opts->nranks;
    job->exe = exe;
    job->self = getpid();
    job->kill_at_ms = -1;
    job->drain_until_ms = -1;
    if (bt_main_nofile(job) != 0)
        return -1;
    job->ranks = calloc((size_t)job->nranks, sizeof(*job->ranks));
    if (job->ranks == NULL)
        goto err_nomem;
    for (int i = 0; i < job->nranks; i++) {
        bt_rank_t *rk = &job->ranks[i];

        rk->rank = i;
        rk->pmi.fd = -1;
        rk->out = (bt_stream_t){ .fd = -1, .which = 0, .rank = i, .at_line_start = 1,
                                 .partial_since_ms = -1 };
        rk->err = (bt_stream_t){ .fd = -1, .which = 1, .rank = i, .at_line_start = 1,
                                 .partial_since_ms = -1 };
    }
    bt_main_jobid(job);
    if (bt_kvs_init(&job->kvs) != 0)
        goto err_free_ranks;
    /* PMI-1 clients read the job's layout as a key: one node, every rank */
    snprintf(map, sizeof(map), "(vector,(0,1,%d))", job->nranks);
    if (bt_kvs_put(&job->kvs, "PMI_process_mapping", map) != 0)
        goto err_free_kvs;
    if (bt_proc_env_build(job) != 0)
        goto err_free_kvs;
    if (bt_iofwd_init(job) != 0)
        goto err_free_env;
    return 0;

err_free_env:
    bt_proc_env_free(job);
err_free_kvs:
    bt_kvs_fini(&job->kvs);
err_free_ranks:
    free(job->ranks);
    job->ranks = NULL;
err_nomem:
    fprintf(stderr, "mpiexec: out of memory\n");
    return -1;
}

static void bt_job_destroy(bt_job_t *job)
{
    bt_iofwd_fini(job);
    bt_proc_env_free(job);
    bt_kvs_fini(&job->kvs);
    free(job->ranks);
    job->ranks = NULL;
}

/* Signals arrive through a signalfd, in the event loop.  Returns the fd. */
static int bt_main_signals(bt_job_t *job)
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

static void bt_job_spawn_all(bt_job_t *job)
{
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

    if (devnull < 0) {
        bt_job_fail(job, 1, "/dev/null: %s", strerror(errno));
        return;
    }
    for (int i = 0; i < job->nranks; i++) {
        if (bt_proc_spawn(job, &job->ranks[i], devnull, i == 0 ? &job->in.to_fd : NULL) != 0) {
            bt_job_fail(job, 1, "cannot start rank %d: %s", i, strerror(errno));
            break;
        }
        job->nstarted++;
        job->nalive++;
    }
    close(devnull);
    job->in.from_fd = bt_main_stdin_fd();
    if (job->in.from_fd < 0)
        bt_iofwd_stdin_close(job);
}

/* Last output, stragglers, and the one line that says how the job ended.
 * Returns mpiexec's exit status. */
static int bt_job_finish(bt_job_t *job)
{
    int status = 0;

    for (int i = 0; i < job->nranks; i++) {
        bt_iofwd_close(job, &job->ranks[i].out);
        bt_iofwd_close(job, &job->ranks[i].err);
        bt_pmisrv_drain(job, &job->ranks[i]);
    }
    bt_iofwd_stdin_close(job);
    bt_proc_reap_strays();

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
            bt_iofwd_message(job, "mpiexec: rank %d ended the job on an MPI error "
                             "(MPI_ERRORS_ARE_FATAL; its message is above)", job->abort_rank);
        else if (!job->abort_code_known)
            bt_iofwd_message(job, "mpiexec: rank %d called MPI_Abort", job->abort_rank);
        else
            bt_iofwd_message(job, "mpiexec: rank %d called MPI_Abort with error code %d",
                             job->abort_rank, job->abort_code);
    } else if (job->end_kind == BT_END_FAILURE) {
        status = job->exit_status;
        bt_iofwd_message(job, "mpiexec: %s", job->end_msg);
    }
    return status;
}

int main(int argc, char **argv)
{
    bt_opts_t opts;
    bt_job_t job = { 0 };
    char *exe = NULL;
    int status, sigfd;

    status = bt_opts_parse(argc, argv, &opts);
    if (status != 0)
        return status == 1 ? 0 : 2;
    bt_main_std_fds();
    status = bt_proc_find_program(opts.argv[0], &exe);
    if (status != 0)
        goto out_free_opts;
    status = 1;
    if (bt_job_create(&job, &opts, exe) != 0)
        goto out_free_exe;
    sigfd = bt_main_signals(&job);
    if (sigfd < 0)
        goto out_destroy_job;

    bt_job_spawn_all(&job);
    if (job.nalive == 0)
        job.drain_until_ms = bt_now_ms();
    if (bt_job_run(&job, sigfd) != 0) {
        /* cannot go on: take everyone down with us */
        bt_proc_signal_all(&job, SIGKILL, -1);
        bt_job_fail(&job, 1, "internal error, job killed");
    }
    status = bt_job_finish(&job);

    close(sigfd);
out_destroy_job:
    bt_job_destroy(&job);
out_free_exe:
    free(exe);
out_free_opts:
    bt_opts_free(&opts);
    return status;
}
