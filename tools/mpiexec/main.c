/* mpiexec's main: on this host alone (no host option, outside Slurm) it
 * forks every rank itself, as it always did; with hosts it becomes the head
 * of one baton-proxy per host (head.c). */
#include "mpiexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Whether every host of hl is a node of the allocation al. */
static int bt_main_hosts_within(const bt_hostlist_t *hl, const bt_hostlist_t *al)
{
    for (int i = 0; i < hl->n; i++) {
        int found = 0;
        for (int j = 0; j < al->n && !found; j++)
            found = strcmp(hl->hosts[i].name, al->hosts[j].name) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

/* Inside a Slurm allocation without a host option: its nodes, by srun. With
 * hosts that are all nodes of the allocation (a spawn's "host" info, or the
 * user's choice among them), srun too, so that what starts stays inside it. */
static int bt_main_slurm_default(bt_opts_t *opts)
{
    bt_hostlist_t alloc = { 0 };

    if (getenv("SLURM_JOB_ID") == NULL || getenv("SLURM_JOB_NODELIST") == NULL)
        return 0;
    if (opts->hosts.n == 0) {
        if (opts->launcher == BT_LAUNCH_DEFAULT)
            opts->launcher = BT_LAUNCH_SLURM;
        return bt_hosts_from_slurm(&opts->hosts);
    }
    if (opts->launcher != BT_LAUNCH_DEFAULT)
        return 0;
    /* Not knowing the allocation's nodes, the hosts are reached as outside one. */
    if (bt_hosts_from_slurm(&alloc) == 0 && bt_main_hosts_within(&opts->hosts, &alloc))
        opts->launcher = BT_LAUNCH_SLURM;
    bt_hosts_free(&alloc);
    return 0;
}

/* A job that MPI_Comm_spawn started: its spawner holds the other end of a pipe
 * (BATON_SPAWN_WATCH_FD), which closes when the spawner dies, and says how large
 * the universe is; neither is the ranks' business. */
static void bt_main_spawned(bt_opts_t *opts)
{
    const char *v = getenv("BATON_SPAWN_WATCH_FD");
    char n[16];

    if (v != NULL && *v != '\0') {
        opts->watch_fd = atoi(v);
        if (fcntl(opts->watch_fd, F_SETFD, FD_CLOEXEC) != 0)
            opts->watch_fd = -1;
        unsetenv("BATON_SPAWN_WATCH_FD");
    }
    if (opts->usize > 0) {
        snprintf(n, sizeof(n), "%d", opts->usize);
        setenv("BATON_UNIVERSE_SIZE", n, 1);
    } else if ((v = getenv("BATON_UNIVERSE_SIZE")) != NULL && *v != '\0') {
        opts->usize = atoi(v);
    }
}

static int bt_main_key(bt_job_t *job)
{
    if (bt_auth_init() != 0 || bt_auth_random(job->key, sizeof(job->key)) != 0) {
        fprintf(stderr, "mpiexec: cannot draw a job key\n");
        return -1;
    }
    bt_auth_key_hex(job->key, job->key_hex);
    return 0;
}

static int bt_main_single(bt_opts_t *opts)
{
    bt_job_t job = { 0 };
    char *exe = NULL, msg[PATH_MAX + 64];
    int status, sigfd;

    status = bt_proc_find_program(opts->argv[0], &exe, msg, sizeof(msg));
    if (status != 0) {
        fprintf(stderr, "mpiexec: %s\n", msg);
        return status;
    }
    job.nranks = opts->nranks;
    job.argv = opts->argv;
    job.exe = exe;
    status = 1;
    if (bt_main_key(&job) != 0)
        goto out_free_exe;
    if (bt_job_create(&job, opts, BT_ROLE_SINGLE, opts->nranks) != 0)
        goto out_free_exe;
    if (bt_proc_env_build(&job) != 0) {
        fprintf(stderr, "mpiexec: out of memory\n");
        goto out_destroy_job;
    }
    sigfd = bt_job_signals(&job);
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
    return status;
}

static int bt_main_head(bt_opts_t *opts)
{
    bt_job_t job = { 0 };
    int *host_of = NULL, nused = 0, status = 1, sigfd;
    char *mapping = NULL;

    if (!opts->nranks_given) {
        /* as many ranks as slots, like Hydra and Open MPI */
        long total = 0;

        for (int h = 0; h < opts->hosts.n && total <= BT_MAX_RANKS; h++)
            total += opts->ppn > 0 ? opts->ppn : opts->hosts.hosts[h].slots;
        opts->nranks = total > BT_MAX_RANKS ? BT_MAX_RANKS : (int)total;
    }
    if (opts->launcher == BT_LAUNCH_DEFAULT)
        opts->launcher = BT_LAUNCH_SSH;
    if (bt_place(&opts->hosts, opts->nranks, opts->ppn, &host_of, &nused) != 0 ||
        (mapping = bt_place_mapping(host_of, opts->nranks)) == NULL) {
        fprintf(stderr, "mpiexec: out of memory\n");
        goto out_free;
    }
    if (strlen(mapping) >= BT_PMI_VALUE_MAX)
        fprintf(stderr, "mpiexec: warning: PMI_process_mapping of this placement has %zu "
                "characters, more than PMI values may (%d): ranks may not learn which "
                "ranks share their host; equal slots per host keep it short\n",
                strlen(mapping), BT_PMI_VALUE_MAX - 1);
    job.nranks = opts->nranks;
    job.argv = opts->argv;
    job.mapping = mapping;
    if (bt_main_key(&job) != 0)
        goto out_free;
    if (bt_job_create(&job, opts, BT_ROLE_HEAD, opts->nranks) != 0)
        goto out_free;
    /* a channel and a launcher pipe per host */
    if (bt_job_nofile(&job, 3 * nused + 80) != 0)
        goto out_destroy_job;
    for (int r = 0; r < job.nranks; r++) {
        job.ranks[r].remote = 1;
        job.ranks[r].alive = 1;
        job.ranks[r].host = host_of[r];
    }
    job.nalive = job.nstarted = job.nranks;
    sigfd = bt_job_signals(&job);
    if (sigfd < 0)
        goto out_destroy_job;
    if (bt_head_start(&job, &opts->hosts, host_of, nused) != 0) {
        /* nothing started; the reason is printed */
        status = 255;
        close(sigfd);
        goto out_destroy_job;
    }
    if (bt_job_run(&job, sigfd) != 0)
        bt_job_fail(&job, 1, "internal error, job killed");
    status = bt_job_finish(&job);
    close(sigfd);
out_destroy_job:
    bt_head_stop(&job);
    bt_job_destroy(&job);
out_free:
    free(mapping);
    free(host_of);
    return status;
}

int main(int argc, char **argv)
{
    bt_opts_t opts;
    int status;

    status = bt_opts_parse(argc, argv, &opts);
    if (status != 0)
        return status == 1 ? 0 : 2;
    bt_main_std_fds();
    bt_main_spawned(&opts);
    status = bt_main_slurm_default(&opts);
    if (status == 0)
        status = opts.hosts.n > 0 ? bt_main_head(&opts) : bt_main_single(&opts);
    if (opts.trace)
        bt_trace_merge(opts.trace, opts.nranks);
    bt_opts_free(&opts);
    return status;
}
