/*
 * Baton's mpiexec: starts the ranks of a job on this node, serves them the
 * PMI-1/PMI-2 wire protocol, forwards their output and ends the job as one.
 *
 * Objects, one file each: options.c (command line), kvs.c (the job's
 * key-value store), pmi_server.c (PMI connections and the fence),
 * iofwd.c (stdout/stderr/stdin forwarding), proc.c (starting, signalling
 * and reaping processes), main.c (the event loop and how the job ends).
 */
#ifndef BT_MPIEXEC_H
#define BT_MPIEXEC_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#ifndef BATON_VERSION
#define BATON_VERSION "0.1.0"
#endif

#define BT_STREAM_BUF       (64 * 1024) /* a longer line is forwarded in pieces */
#define BT_PMI_CONN_BUF     16384       /* longest PMI request */
#define BT_PMI_KVSNAME_MAX  256
#define BT_PMI_KEY_MAX      64          /* including the NUL, as PMI-1 says */
#define BT_PMI_VALUE_MAX    1024
#define BT_DRAIN_MS         200         /* output grace once every rank is reaped */
#define BT_PARTIAL_MS       200         /* a terminal sees an unfinished line after this */
#define BT_MAX_RANKS        (1 << 16)
#define BT_CODE_UNKNOWN     INT_MIN

/* ---- options.c ---- */

typedef struct bt_opts {
    int nranks;
    int tag_output;
    int kill_timeout_ms;    /* SIGTERM to SIGKILL (BATON_KILL_TIMEOUT seconds) */
    char **argv;            /* the program and its arguments (points into argv) */
    char **env;             /* "NAME=VALUE" from -genv/-env/-x, in order */
    int nenv;
} bt_opts_t;

/* 0: run the job; 1: done, exit 0 (help, version); 2: error reported, exit 2. */
int  bt_opts_parse(int argc, char **argv, bt_opts_t *opts_p);
void bt_opts_free(bt_opts_t *opts);

/* ---- kvs.c ---- */

typedef struct bt_kvs_entry {
    char *key;
    char *value;
} bt_kvs_entry_t;

typedef struct bt_kvs {
    bt_kvs_entry_t *slots;
    size_t nslots, nused;
} bt_kvs_t;

int         bt_kvs_init(bt_kvs_t *kvs);
void        bt_kvs_fini(bt_kvs_t *kvs);
int         bt_kvs_put(bt_kvs_t *kvs, const char *key, const char *value);
const char *bt_kvs_get(const bt_kvs_t *kvs, const char *key);

/* ---- the job ---- */

typedef enum bt_wire {
    BT_WIRE_UNKNOWN = 0,
    BT_WIRE_V1,
    BT_WIRE_V2
} bt_wire_t;

typedef enum bt_pmi_state {
    BT_PMI_STATE_NONE = 0,   /* never spoke PMI: any exit 0 is fine */
    BT_PMI_STATE_INIT,       /* must finalize before exiting */
    BT_PMI_STATE_FINALIZED,
    BT_PMI_STATE_ABORTED
} bt_pmi_state_t;

typedef struct bt_pmi_conn {
    int fd;                  /* our end of the rank's PMI socket, -1 closed */
    bt_wire_t wire;
    bt_pmi_state_t state;
    int in_fence;
    size_t len;
    char buf[BT_PMI_CONN_BUF];
} bt_pmi_conn_t;

typedef struct bt_stream {
    int fd;                  /* read end of the rank's stdout/stderr pipe, -1 closed */
    int which;               /* 0: stdout, 1: stderr */
    int rank;
    int at_line_start;
    int64_t partial_since_ms; /* -1, or when an unfinished line began waiting */
    size_t len;
    char *buf;               /* BT_STREAM_BUF bytes */
} bt_stream_t;

typedef struct bt_rank {
    int rank;
    pid_t pid;               /* 0 when never started */
    int alive;               /* started and not reaped yet */
    int wstatus;
    bt_pmi_conn_t pmi;
    bt_stream_t out, err;
} bt_rank_t;

/* Where forwarded output goes: mpiexec's stdout or stderr. */
typedef struct bt_sink {
    int fd;
    int broken;              /* EPIPE: the reader is gone */
    int is_tty;              /* a person watches: show unfinished lines too */
    bt_stream_t *partial;    /* the stream whose line was left unfinished */
} bt_sink_t;

typedef struct bt_stdin_fwd {
    int from_fd;             /* mpiexec's stdin, -1 when done */
    int to_fd;               /* write end of rank 0's stdin pipe, -1 when closed */
    size_t len, off;
    char buf[BT_STREAM_BUF];
} bt_stdin_fwd_t;

typedef enum bt_end_kind {
    BT_END_NONE = 0,
    BT_END_FAILURE,          /* message complete */
    BT_END_ABORT             /* a rank called MPI_Abort; code maybe from exit status */
} bt_end_kind_t;

typedef struct bt_job {
    const bt_opts_t *opts;
    int nranks;
    bt_rank_t *ranks;
    int nstarted, nalive, nexited_ok;
    pid_t self;
    char jobid[BT_PMI_KVSNAME_MAX];
    const char *exe;         /* resolved path of the program */
    char **envp;             /* environment template of the ranks */
    char *env_rank, *env_localrank; /* the per-rank entries of envp */
    char *env_tunables;      /* GLIBC_TUNABLES with huge pages for malloc, or NULL */
    sigset_t child_mask;     /* signal mask the ranks start with */
    struct sigaction child_sigpipe;
    struct rlimit child_nofile;

    bt_kvs_t kvs;
    int fence_count;

    bt_sink_t sinks[2];
    char *scratch;           /* output being assembled */
    size_t scratch_cap;
    bt_stdin_fwd_t in;

    /* How the job ends: the first event wins. */
    bt_end_kind_t end_kind;
    int exit_status;
    int abort_rank, abort_code;
    int abort_code_known;
    int abort_on_error;      /* MPI_ERRORS_ARE_FATAL, not MPI_Abort */    /* PMI-2 aborts carry none: take the exit status */
    char end_msg[512];
    int signals_received;
    int64_t kill_at_ms;      /* SIGKILL every live rank then; -1: not planned */
    int64_t drain_until_ms;  /* -1 until every rank is reaped */
} bt_job_t;

/* ---- pmi_server.c ---- */

void bt_pmisrv_read(bt_job_t *job, bt_rank_t *rk);   /* the socket is readable */
void bt_pmisrv_drain(bt_job_t *job, bt_rank_t *rk);  /* the rank is gone: last words, close */

/* ---- iofwd.c ---- */

int  bt_iofwd_init(bt_job_t *job);
void bt_iofwd_fini(bt_job_t *job);
void bt_iofwd_read(bt_job_t *job, bt_stream_t *s);   /* the pipe is readable */
void bt_iofwd_close(bt_job_t *job, bt_stream_t *s);  /* flush what is left, close */
int64_t bt_iofwd_flush_stale(bt_job_t *job, int64_t now_ms); /* next deadline or -1 */
void bt_iofwd_message(bt_job_t *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bt_iofwd_stdin_read(bt_job_t *job);
void bt_iofwd_stdin_write(bt_job_t *job);
void bt_iofwd_stdin_close(bt_job_t *job);

/* ---- proc.c ---- */

int  bt_proc_find_program(const char *name, char **path_p); /* 0, or the exit status */
int  bt_proc_env_build(bt_job_t *job);
void bt_proc_env_free(bt_job_t *job);
int  bt_proc_spawn(bt_job_t *job, bt_rank_t *rk, int devnull_fd, int *stdin_fd_p);
void bt_proc_signal_all(bt_job_t *job, int sig, int spare_rank);
void bt_proc_signal_other_groups(bt_job_t *job, int sig);
void bt_proc_reap_strays(void);

/* ---- main.c: how the job ends ---- */

int64_t bt_now_ms(void);
void bt_job_fail(bt_job_t *job, int exit_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* code BT_CODE_UNKNOWN: none given; on_error: MPI_ERRORS_ARE_FATAL rather than MPI_Abort */
void bt_job_abort(bt_job_t *job, bt_rank_t *rk, int code, int on_error);
void bt_job_fence_check(bt_job_t *job);

#endif /* BT_MPIEXEC_H */
