/*
 * Baton's mpiexec: starts the ranks of a job on this node, serves them the
 * PMI-1/PMI-2 wire protocol, forwards their output and ends the job as one.
 *
 * On many hosts the same code runs in two programs: mpiexec, the head, which
 * starts one baton-proxy per host and keeps the job's key-value store and
 * failure duties, and baton-proxy, which forks its host's ranks, serves their
 * PMI and forwards their output over an authenticated channel to the head.
 *
 * Objects, one file each: options.c (command line), hosts.c (host lists and
 * hostfiles), place.c (which rank runs on which host), kvs.c (the job's
 * key-value store), pmi_server.c (PMI connections and the fence), iofwd.c
 * (stdout/stderr/stdin forwarding), proc.c (starting, signalling and reaping
 * processes), job.c (the event loop and how the job ends), auth.c (the job
 * key and the challenge-response), channel.c (frames between head and
 * proxies), launch.c (starting the proxies), head.c (mpiexec's side of the
 * channels), proxy.c (baton-proxy), main.c (mpiexec's main).
 */
#ifndef BT_MPIEXEC_H
#define BT_MPIEXEC_H

#include <limits.h>
#include <poll.h>
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
/* a put's key is shorter than this (node attributes carry a 16-byte prefix) */
#define BT_PMI_KEY_BOUND    (BT_PMI_KEY_MAX + 17)
#define BT_DRAIN_MS         200         /* output grace once every rank is reaped */
#define BT_PARTIAL_MS       200         /* a terminal sees an unfinished line after this */
#define BT_MAX_RANKS        (1 << 16)
#define BT_MAX_UNIVERSE     (1 << 30)  /* MPI_UNIVERSE_SIZE from many hosts' slots */
#define BT_CODE_UNKNOWN     INT_MIN

/* ---- hosts.c ---- */

#define BT_MAX_HOSTS     4096       /* one head with more proxies needs a tree */
#define BT_HOST_NAME_MAX 255

typedef struct bt_host {
    char *name;
    int slots;
} bt_host_t;

typedef struct bt_hostlist {
    bt_host_t *hosts;
    int n, cap;
} bt_hostlist_t;

/* Each returns 0, or 2 after printing a one-line error naming the input. */
int  bt_hosts_parse_list(bt_hostlist_t *hl, const char *list, const char *opt);
int  bt_hosts_parse_file(bt_hostlist_t *hl, const char *path);
int  bt_hosts_from_slurm(bt_hostlist_t *hl);
void bt_hosts_free(bt_hostlist_t *hl);

/* ---- place.c ---- */

/* host_of[rank]: the host index of every rank, by slots in order, wrapping
 * round-robin when the ranks outnumber the slots; ppn > 0 replaces every
 * host's slots.  *nused_p: hosts that got ranks (always a prefix). */
int   bt_place(const bt_hostlist_t *hl, int nranks, int ppn, int **host_of_p,
               int *nused_p);
/* PMI_process_mapping of the placement ("(vector,(node,count,per_node),...)") */
char *bt_place_mapping(const int *host_of, int nranks);

/* ---- options.c ---- */

typedef enum bt_launcher {
    BT_LAUNCH_DEFAULT = 0,   /* slurm inside an allocation, else ssh */
    BT_LAUNCH_SSH,
    BT_LAUNCH_FORK,
    BT_LAUNCH_SLURM
} bt_launcher_t;

typedef enum bt_genv {
    BT_GENV_ALL = 0,         /* mpiexec's whole environment reaches the ranks */
    BT_GENV_NONE,
    BT_GENV_LIST
} bt_genv_t;

typedef struct bt_opts {
    int nranks;
    int nranks_given;
    int tag_output;
    int verbose;
    int kill_timeout_ms;    /* SIGTERM to SIGKILL (BATON_KILL_TIMEOUT seconds) */
    int64_t time_limit_ms;  /* --timeout or MPIEXEC_TIMEOUT; 0: none */
    const char *trace;      /* --trace or BATON_TRACE: the merged trace's file, or NULL */
    char **argv;            /* the program and its arguments (points into argv) */
    char **env;             /* "NAME=VALUE" from -genv/-env/-x, in order */
    int nenv;
    bt_hostlist_t hosts;    /* empty: this host only, no proxies */
    int ppn;                /* 0: by slots */
    bt_launcher_t launcher;
    const char *launcher_exec;
    bt_genv_t genv;
    char **genvlist;        /* names, for BT_GENV_LIST */
    int ngenvlist;
    int usize;              /* -usize: MPI_UNIVERSE_SIZE; 0: the job's size */
    int watch_fd;           /* a spawned job: ends when this pipe closes; -1: none */
} bt_opts_t;

/* 0: run the job; 1: done, exit 0 (help, version); 2: error reported, exit 2. */
int  bt_opts_parse(int argc, char **argv, bt_opts_t *opts_p);
void bt_opts_free(bt_opts_t *opts);

/* ---- auth.c ---- */

#define BT_KEY_LEN   32
#define BT_NONCE_LEN 32
#define BT_PROOF_LEN 32
#define BT_KEY_HEX   (2 * BT_KEY_LEN)
#define BT_PROOF_HEAD  'H'
#define BT_PROOF_PROXY 'P'

int  bt_auth_init(void);
int  bt_auth_random(void *buf, size_t len);
void bt_auth_key_hex(const unsigned char *key, char *hex);   /* BT_KEY_HEX + 1 bytes */
int  bt_auth_key_parse(const char *hex, unsigned char *key);
void bt_auth_proof(const unsigned char *key, char role, const unsigned char *nonce_head,
                   const unsigned char *nonce_proxy, unsigned char *proof);
int  bt_auth_verify(const unsigned char *key, char role, const unsigned char *nonce_head,
                    const unsigned char *nonce_proxy, const unsigned char *proof);
/* The proxy's side, blocking up to timeout_ms: 0, or -1 with *why_p set. */
int  bt_auth_proxy_handshake(int fd, const unsigned char *key, int timeout_ms,
                             const char **why_p);

/* ---- channel.c ---- */

/* Frames between head and proxy: a header of two big-endian 32-bit words,
 * type and body length, then the body.  See channel.c for the types. */
#define BT_CHAN_HDR 8
#define BT_CHAN_MAX (1 << 20)        /* longest body */

enum bt_msg {
    BT_MSG_HELLO = 1,        /* up:   u32 host index */
    BT_MSG_SETUP,            /* down: the job (see bt_head_setup in head.c) */
    BT_MSG_PAIRS,            /* both: u32 n, then n times str key, str value */
    BT_MSG_FENCE,            /* up:   every rank of the host entered the fence */
    BT_MSG_FENCE_DONE,       /* down: every host did; the pairs came before */
    BT_MSG_OUTPUT,           /* up:   u32 rank, u32 stream (0 out, 1 err), bytes */
    BT_MSG_STDIN,            /* down: bytes for rank 0; empty: end of input */
    BT_MSG_STDIN_ACK,        /* up:   u32 bytes consumed (credit for more), u32 still open */
    BT_MSG_EXIT,             /* up:   u32 rank, u32 pid, u32 wait status, u32 PMI state */
    BT_MSG_ABORT,            /* up:   u32 rank, u32 code, u32 code known, u32 on error */
    BT_MSG_FAIL,             /* up:   u32 exit status, str message */
    BT_MSG_SIGNAL,           /* down: u32 signal to pass to every rank, u32 ending (SIGKILL
                                      after the kill timeout, at once on a second one) */
    BT_MSG_KILL,             /* down: u32 rank to spare + 1 (0: none): end the ranks */
    BT_MSG_END_
};

typedef struct bt_pack {
    unsigned char *buf;
    size_t len, cap;
    int failed;              /* out of memory: the frame is not sent */
} bt_pack_t;

typedef struct bt_unpack {
    const unsigned char *p;
    size_t left;
    int failed;              /* read past the end or a bad string */
} bt_unpack_t;

void     bt_pack_u32(bt_pack_t *pk, uint32_t v);
void     bt_pack_bytes(bt_pack_t *pk, const void *data, size_t len);
void     bt_pack_str(bt_pack_t *pk, const char *s);
void     bt_pack_free(bt_pack_t *pk);
uint32_t bt_unpack_u32(bt_unpack_t *u);
char    *bt_unpack_str(bt_unpack_t *u);  /* malloc'd, NULL on failure */
/* The next BT_MSG_PAIRS body of key/value pairs, at most BT_CHAN_MAX long;
 * pairs moves past what went in. */
void     bt_pack_pairs_next(bt_unpack_t *pairs, bt_pack_t *frame_p);

typedef struct bt_chan {
    int fd;                  /* -1: closed */
    unsigned char *in;       /* received, not yet handled */
    size_t in_len, in_off, in_cap;
    unsigned char *out;      /* queued for sending */
    size_t out_len, out_off, out_cap;
    int broken;              /* sending failed: the peer is gone; reading tells the rest */
} bt_chan_t;

void   bt_chan_init(bt_chan_t *ch, int fd);
void   bt_chan_close(bt_chan_t *ch);
void   bt_chan_keepalive(int fd);
/* 0 queued (and sent as far as the socket takes it), -1 the channel failed */
int    bt_chan_send(bt_chan_t *ch, uint32_t type, const void *body, size_t len);
int    bt_chan_send_pack(bt_chan_t *ch, uint32_t type, bt_pack_t *pk);
int    bt_chan_flush(bt_chan_t *ch);
int    bt_chan_flush_wait(bt_chan_t *ch, int timeout_ms);
size_t bt_chan_queued(const bt_chan_t *ch);
/* 1: read bytes, 0: nothing now, -1: closed or failed (*why_p) */
int    bt_chan_read(bt_chan_t *ch, const char **why_p);
/* 1: a frame (body valid until the next call), 0: none complete, -1: bad header */
int    bt_chan_next(bt_chan_t *ch, uint32_t *type_p, bt_unpack_t *body_p,
                    const char **why_p);

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
    int rank;                /* in the job */
    int host;                /* index of its host; 0 on one host */
    int remote;              /* the head's record of a rank a proxy runs */
    pid_t pid;               /* 0 when never started (or not yet told) */
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

/* The exit status of a job ended by its time limit, as timeout(1)'s. */
#define BT_TIME_LIMIT_STATUS 124

typedef enum bt_end_kind {
    BT_END_NONE = 0,
    BT_END_FAILURE,          /* message complete */
    BT_END_ABORT             /* a rank called MPI_Abort; code maybe from exit status */
} bt_end_kind_t;

typedef enum bt_role {
    BT_ROLE_SINGLE = 0,      /* mpiexec on one host: forks every rank */
    BT_ROLE_HEAD,            /* mpiexec with proxies: forks none */
    BT_ROLE_PROXY            /* baton-proxy: forks its host's ranks */
} bt_role_t;

struct bt_head;
struct bt_proxy;
struct bt_diag;

typedef struct bt_job {
    const bt_opts_t *opts;
    bt_role_t role;
    int nranks;              /* in the job */
    int nprocs;              /* entries of ranks: every rank, or a proxy's own */
    bt_rank_t *ranks;
    char **argv;             /* the program and its arguments */
    unsigned char key[BT_KEY_LEN];
    char key_hex[BT_KEY_HEX + 1]; /* what ranks get as baton_job_key */
    char net_addr[64];       /* BATON_NET_ADDR of the ranks, or "" */
    const char *mapping;     /* PMI_process_mapping */
    struct bt_head *head;    /* BT_ROLE_HEAD */
    struct bt_proxy *proxy;  /* BT_ROLE_PROXY */
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
    int64_t time_limit_at_ms; /* the job's time limit ends it then; -1: none */
    int64_t drain_until_ms;  /* -1 until every rank is reaped */
    struct bt_diag *diag;    /* the hang report being collected, or NULL */
} bt_job_t;

/* ---- pmi_server.c ---- */

#define BT_JOB_KEY_NAME "baton_job_key" /* served from memory, never in the KVS */

void bt_pmisrv_read(bt_job_t *job, bt_rank_t *rk);   /* the socket is readable */
void bt_pmisrv_fence_release(bt_job_t *job);         /* every rank of the job is in */
void bt_pmisrv_drain(bt_job_t *job, bt_rank_t *rk);  /* the rank is gone: last words, close */

/* ---- diag.c: the hang report ---- */

/* Asks every rank what it waits in (SIGQUIT, the time limit: then_fail ends the
 * job with BT_TIME_LIMIT_STATUS once the report is out). */
void    bt_diag_request(bt_job_t *job, int then_fail);
/* Takes the answers, and what rank writes before it answers, out of len bytes of
 * its stderr; returns what is left. */
size_t  bt_diag_filter(bt_job_t *job, int rank, char *data, size_t len);
int     bt_diag_collecting(const bt_job_t *job);
/* Prints the report when it is complete or its time is up: the next deadline, or -1. */
int64_t bt_diag_timers(bt_job_t *job, int64_t now);
void    bt_diag_free(bt_job_t *job);

/* ---- trace.c ---- */

/* Joins the ranks' parts (path.<rank>, written at MPI_Finalize) into path. */
void bt_trace_merge(const char *path, int nranks);

/* ---- iofwd.c ---- */

int  bt_iofwd_init(bt_job_t *job);
void bt_iofwd_fini(bt_job_t *job);
void bt_iofwd_read(bt_job_t *job, bt_stream_t *s);   /* the pipe is readable */
void bt_iofwd_close(bt_job_t *job, bt_stream_t *s);  /* flush what is left, close */
/* Output of s's rank that arrived in a frame from a proxy: whole lines. */
void bt_iofwd_emit_data(bt_job_t *job, bt_stream_t *s, const char *data, size_t len);
int64_t bt_iofwd_flush_stale(bt_job_t *job, int64_t now_ms); /* next deadline or -1 */
void bt_iofwd_message(bt_job_t *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bt_iofwd_stdin_read(bt_job_t *job);
void bt_iofwd_stdin_write(bt_job_t *job);
void bt_iofwd_stdin_close(bt_job_t *job);

/* ---- proc.c ---- */

/* 0, or the exit status with a message (no prefix, no newline) in msg */
int  bt_proc_find_program(const char *name, char **path_p, char *msg, size_t msglen);
int  bt_proc_env_build(bt_job_t *job);
void bt_proc_env_free(bt_job_t *job);
int  bt_proc_spawn(bt_job_t *job, bt_rank_t *rk, int devnull_fd, int *stdin_fd_p);
void bt_proc_signal_all(bt_job_t *job, int sig, int spare_rank);
void bt_proc_signal_other_groups(bt_job_t *job, int sig);
void bt_proc_reap_strays(void);

/* ---- job.c: the event loop and how the job ends ---- */

int64_t bt_now_ms(void);
int  bt_job_create(bt_job_t *job, const bt_opts_t *opts, bt_role_t role, int nprocs);
/* MPI_UNIVERSE_SIZE: -usize; else the slots of the hosts (-hosts, -f, the Slurm
 * allocation) where they outnumber the ranks; else the ranks. A proxy has it
 * from SETUP, as its usize. */
int  bt_job_universe(const bt_job_t *job);
void bt_job_destroy(bt_job_t *job);
int  bt_job_signals(bt_job_t *job);          /* the signalfd, or -1 */
void bt_job_spawn_all(bt_job_t *job);
int  bt_job_run(bt_job_t *job, int sigfd);
int  bt_job_finish(bt_job_t *job);           /* mpiexec's exit status */
void bt_job_terminate(bt_job_t *job, int spare_rank);
/* A rank is gone (reaped here, or told by a proxy): decides whether the job fails. */
void bt_job_rank_exited(bt_job_t *job, bt_rank_t *rk, int wstatus);
void bt_job_fail(bt_job_t *job, int exit_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* code BT_CODE_UNKNOWN: none given; on_error: MPI_ERRORS_ARE_FATAL rather than MPI_Abort */
void bt_job_abort(bt_job_t *job, bt_rank_t *rk, int code, int on_error);
void bt_job_fence_check(bt_job_t *job);
int  bt_job_nofile(bt_job_t *job, int extra);

/* ---- events of the head and of a proxy, for job.c's loop ---- */

typedef struct bt_ev {
    int kind;
    bt_rank_t *rk;
    void *ptr;
} bt_ev_t;

enum { BT_EV_SIGNAL, BT_EV_STDIN, BT_EV_RANK0_IN, BT_EV_PMI, BT_EV_OUT, BT_EV_ERR,
       BT_EV_HEAD, BT_EV_PROXY, BT_EV_WATCH };

/* ---- head.c ---- */

const char *bt_head_host_name(const bt_job_t *job, int host);
int     bt_head_start(bt_job_t *job, const bt_hostlist_t *hosts, const int *host_of,
                      int nhosts);
void    bt_head_stop(bt_job_t *job);
size_t  bt_head_nfds(const bt_job_t *job);
size_t  bt_head_poll(bt_job_t *job, struct pollfd *pfds, bt_ev_t *evs, size_t n,
                     int64_t *wake_p);
void    bt_head_event(bt_job_t *job, bt_ev_t *ev, short revents);
void    bt_head_timers(bt_job_t *job, int64_t now);
int     bt_head_done(bt_job_t *job, int64_t now);
void    bt_head_kill(bt_job_t *job, int spare_rank);
void    bt_head_signal(bt_job_t *job, int sig);
void    bt_head_child_exited(bt_job_t *job, pid_t pid, int wstatus);
void    bt_head_stdin_read(bt_job_t *job);
void    bt_head_report(bt_job_t *job);

/* ---- launch.c ---- */

/* Starts the proxy of host index i (fork, ssh or launcher-exec), or with
 * slurm every proxy at once (i = -1).  0, or -1 with a message. */
typedef struct bt_launch_req {
    const char *host;        /* NULL with slurm */
    int index;
    int fd;                  /* fork: the proxy's end of the socketpair */
    const char *connect;     /* "addr:port" of the head, tcp only */
    const char *nodelist;    /* slurm: h1,h2,... */
    int nhosts;
} bt_launch_req_t;

char  *bt_launch_proxy_path(void);
pid_t  bt_launch_start(bt_job_t *job, const bt_launch_req_t *req, int *key_fd_p);
int    bt_launch_listen(const bt_hostlist_t *hosts, char *addr, size_t addrlen, int *port_p);

/* ---- setup.c: the job as SETUP carries it to a proxy (packed in head.c) ---- */

typedef struct bt_setup {
    bt_opts_t opts;          /* kill_timeout_ms, usize (the universe), and env: -genv/-env/-x */
    int nlocal;              /* this host's ranks */
    int *ranks;
    int ttys;                /* bit 0: mpiexec's stdout is a terminal, bit 1: stderr */
    char *mapping, *cwd;
    char **argv;             /* NULL-terminated */
    int argc;
    char **henv;             /* the head's environment, "NAME=VALUE" */
    int nhenv;
} bt_setup_t;

/* Reads SETUP's body into job (nranks, jobid) and su, checking every field:
 * 0, or -1 when malformed. Either way bt_setup_free releases su. */
int  bt_setup_parse(bt_unpack_t *u, bt_job_t *job, bt_setup_t *su);
void bt_setup_free(bt_setup_t *su);

/* ---- proxy.c (used by job.c) ---- */

struct bt_proxy {          /* baton-proxy's link to the head */
    bt_chan_t ch;
    int index;
    int lost;                /* the head is gone: end everything */
    bt_pack_t pairs;         /* puts since the last fence */
    uint32_t npairs;
    int stdin_closed_sent;
    char host[BT_HOST_NAME_MAX + 1];
};


size_t bt_proxy_nfds(const bt_job_t *job);
size_t bt_proxy_poll(bt_job_t *job, struct pollfd *pfds, bt_ev_t *evs, size_t n);
void   bt_proxy_event(bt_job_t *job, bt_ev_t *ev, short revents);
int    bt_proxy_done(bt_job_t *job);
int    bt_proxy_output_ok(const bt_job_t *job);
void   bt_proxy_stdin_done(bt_job_t *job, size_t len, int open);
void   bt_proxy_output(bt_job_t *job, bt_stream_t *s, const char *data, size_t len);
void   bt_proxy_put(bt_job_t *job, const char *key, const char *value);
void   bt_proxy_fence(bt_job_t *job);
void   bt_proxy_abort(bt_job_t *job, bt_rank_t *rk, int code, int on_error);
void   bt_proxy_fail(bt_job_t *job, int status, const char *msg);
void   bt_proxy_rank_exited(bt_job_t *job, bt_rank_t *rk);

#endif /* BT_MPIEXEC_H */
