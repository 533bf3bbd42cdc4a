/* The PMI server: one connection per rank, PMI-1 lines or PMI-2 frames.
 *
 * A connection's protocol is decided by its first bytes: "cmd=" starts a
 * PMI-1 line; a digit or a space starts a PMI-2 frame.  A PMI-1 "cmd=init
 * pmi_version=2" switches the connection to PMI-2 frames, as Slurm and
 * Hydra do, since that is how MPICH's PMI-2 client starts. */
#include "mpiexec.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BT_PMI_MAX_PAIRS 64
#define BT_NODE_ATTR_PREFIX "baton-node-attr:"
_Static_assert(sizeof(BT_NODE_ATTR_PREFIX) == BT_PMI_KEY_BOUND - BT_PMI_KEY_MAX,
               "BT_PMI_KEY_BOUND holds the node attribute prefix");

typedef struct bt_pmi_req {
    int npairs;
    char *keys[BT_PMI_MAX_PAIRS];
    char *values[BT_PMI_MAX_PAIRS];
} bt_pmi_req_t;

typedef struct bt_reply {
    size_t len;
    int overflow;
    char buf[BT_PMI_CONN_BUF + 16];
} bt_reply_t;

static const char *bt_pmi_req_get(const bt_pmi_req_t *req, const char *key)
{
    for (int i = 0; i < req->npairs; i++) {
        if (strcmp(req->keys[i], key) == 0)
            return req->values[i];
    }
    return NULL;
}

/* PMI-1: "k=v k=v" split in place at spaces. */
static int bt_pmi_req_parse_v1(char *line, bt_pmi_req_t *req)
{
    char *p = line;

    req->npairs = 0;
    while (*p != '\0') {
        char *tok, *eq;

        while (*p == ' ' || *p == '\r')
            *p++ = '\0';
        if (*p == '\0')
            break;
        tok = p;
        while (*p != '\0' && *p != ' ' && *p != '\r')
            p++;
        if (*p != '\0')
            *p++ = '\0';
        eq = strchr(tok, '=');
        if (eq == NULL)
            continue; /* a bare word carries nothing we need */
        if (req->npairs == BT_PMI_MAX_PAIRS)
            return -1;
        *eq = '\0';
        req->keys[req->npairs] = tok;
        req->values[req->npairs] = eq + 1;
        req->npairs++;
    }
    return 0;
}

/* PMI-2: "k=v;k=v;" in place; ";;" in a value stands for ';'. */
static int bt_pmi_req_parse_v2(char *body, bt_pmi_req_t *req)
{
    char *p = body;

    req->npairs = 0;
    while (*p != '\0') {
        char *key = p, *value, *w;

        while (*p != '\0' && *p != '=' && *p != ';')
            p++;
        if (*p != '=') {
            if (*p == ';')
                p++;
            continue; /* an empty or bare element */
        }
        *p++ = '\0';
        value = w = p;
        while (*p != '\0') {
            if (*p == ';') {
                if (p[1] != ';')
                    break;
                p++;
            }
            *w++ = *p++;
        }
        if (*p == ';')
            p++;
        *w = '\0';
        if (req->npairs == BT_PMI_MAX_PAIRS)
            return -1;
        req->keys[req->npairs] = key;
        req->values[req->npairs] = value;
        req->npairs++;
    }
    return 0;
}

static void bt_reply_add(bt_reply_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void bt_reply_add(bt_reply_t *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(r->buf) - r->len) {
        r->overflow = 1;
        return;
    }
    r->len += (size_t)n;
}

/* A value inside a PMI-2 answer, with ';' escaped. */
static void bt_reply_add_v2_value(bt_reply_t *r, const char *value)
{
    for (; *value != '\0'; value++) {
        size_t need = *value == ';' ? 2 : 1;
        if (r->len + need >= sizeof(r->buf)) {
            r->overflow = 1;
            return;
        }
        r->buf[r->len++] = *value;
        if (*value == ';')
            r->buf[r->len++] = ';';
    }
    r->buf[r->len] = '\0';
}

static void bt_pmisrv_close(bt_job_t *job, bt_rank_t *rk)
{
    if (rk->pmi.fd < 0)
        return;
    close(rk->pmi.fd);
    rk->pmi.fd = -1;
    rk->pmi.len = 0;
    if (rk->pmi.in_fence) {
        rk->pmi.in_fence = 0;
        job->fence_count--;
    }
}

static void bt_pmisrv_protocol_error(bt_job_t *job, bt_rank_t *rk, const char *what)
{
    bt_job_fail(job, 1, "rank %d: PMI protocol error: %s", rk->rank, what);
    bt_pmisrv_close(job, rk);
}

static void bt_pmisrv_send(bt_job_t *job, bt_rank_t *rk, bt_reply_t *r)
{
    char frame[sizeof(r->buf) + 8];
    const char *p = frame;
    size_t len;

    if (rk->pmi.fd < 0)
        return;
    if (r->overflow) {
        bt_pmisrv_protocol_error(job, rk, "answer too long");
        return;
    }
    if (rk->pmi.wire == BT_WIRE_V2) {
        snprintf(frame, 7, "%-6zu", r->len);
        memcpy(frame + 6, r->buf, r->len);
        len = r->len + 6;
    } else {
        p = r->buf;
        len = r->len;
    }
    while (len > 0) {
        ssize_t n = send(rk->pmi.fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                bt_pmisrv_protocol_error(job, rk, "the rank does not read its answers");
            else
                bt_pmisrv_close(job, rk); /* the rank is gone; its exit says why */
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

/* ---- actions common to both protocols ---- */

static void bt_pmisrv_fence_enter(bt_job_t *job, bt_rank_t *rk)
{
    if (rk->pmi.in_fence) {
        bt_pmisrv_protocol_error(job, rk, "entered a fence twice");
        return;
    }
    rk->pmi.in_fence = 1;
    job->fence_count++;
    bt_job_fence_check(job);
    if (job->fence_count < job->nprocs)
        return;
    if (job->role == BT_ROLE_PROXY) {
        /* this host's ranks are in: the head combines the hosts */
        bt_proxy_fence(job);
        return;
    }
    bt_pmisrv_fence_release(job);
}

/* Every rank of the job is in the fence: let this process's ranks go. */
void bt_pmisrv_fence_release(bt_job_t *job)
{
    bt_reply_t r = { 0 };

    for (int i = 0; i < job->nprocs; i++) {
        bt_rank_t *other = &job->ranks[i];

        if (!other->pmi.in_fence)
            continue;
        other->pmi.in_fence = 0;
        r.len = 0;
        if (other->pmi.wire == BT_WIRE_V2)
            bt_reply_add(&r, "cmd=kvs-fence-response;rc=0;");
        else
            bt_reply_add(&r, "cmd=barrier_out rc=0\n");
        bt_pmisrv_send(job, other, &r);
    }
    job->fence_count = 0;
}

/* node: a node attribute, which stays on this host */
static int bt_pmisrv_put(bt_job_t *job, const char *key, const char *value, int node,
                         const char **why_p)
{
    if (key == NULL || value == NULL || *key == '\0') {
        *why_p = "missing_key_or_value";
        return -1;
    }
    /* the job key is the launcher's to give, never a rank's to set */
    if (strcmp(key, BT_JOB_KEY_NAME) == 0) {
        *why_p = "reserved_key";
        return -1;
    }
    if (strlen(key) >= BT_PMI_KEY_BOUND) {
        *why_p = "key_too_long";
        return -1;
    }
    if (strlen(value) >= BT_PMI_VALUE_MAX) {
        *why_p = "value_too_long";
        return -1;
    }
    if (bt_kvs_put(&job->kvs, key, value) != 0) {
        *why_p = "out_of_memory";
        return -1;
    }
    if (job->role == BT_ROLE_PROXY && !node)
        bt_proxy_put(job, key, value); /* goes to the head at the next fence */
    return 0;
}

/* A key every process of the job may ask for but no rank may put. */
static const char *bt_pmisrv_lookup(bt_job_t *job, const char *key)
{
    if (key == NULL)
        return NULL;
    if (strcmp(key, BT_JOB_KEY_NAME) == 0)
        return job->key_hex;
    return bt_kvs_get(&job->kvs, key);
}

/* ---- PMI-1 ---- */

static void bt_pmisrv_v1(bt_job_t *job, bt_rank_t *rk, char *line)
{
    bt_pmi_req_t req;
    bt_reply_t r = { 0 };
    const char *cmd, *why = "";

    if (bt_pmi_req_parse_v1(line, &req) != 0 ||
        (cmd = bt_pmi_req_get(&req, "cmd")) == NULL) {
        bt_pmisrv_protocol_error(job, rk, "PMI-1 line without cmd=");
        return;
    }
    if (strcmp(cmd, "init") == 0) {
        const char *version = bt_pmi_req_get(&req, "pmi_version");

        rk->pmi.state = BT_PMI_STATE_INIT;
        if (version != NULL && strcmp(version, "2") == 0) {
            bt_reply_add(&r, "cmd=response_to_init pmi_version=2 pmi_subversion=0 rc=0\n");
            bt_pmisrv_send(job, rk, &r);
            rk->pmi.wire = BT_WIRE_V2;
            return;
        }
        if (version != NULL && strcmp(version, "1") == 0)
            bt_reply_add(&r, "cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0\n");
        else
            bt_reply_add(&r, "cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=-1\n");
    } else if (strcmp(cmd, "get_maxes") == 0) {
        bt_reply_add(&r, "cmd=maxes rc=0 kvsname_max=%d keylen_max=%d vallen_max=%d\n",
                     BT_PMI_KVSNAME_MAX, BT_PMI_KEY_MAX, BT_PMI_VALUE_MAX);
    } else if (strcmp(cmd, "get_my_kvsname") == 0) {
        bt_reply_add(&r, "cmd=my_kvsname rc=0 kvsname=%s\n", job->jobid);
    } else if (strcmp(cmd, "get_appnum") == 0) {
        bt_reply_add(&r, "cmd=appnum rc=0 appnum=0\n");
    } else if (strcmp(cmd, "get_universe_size") == 0) {
        bt_reply_add(&r, "cmd=universe_size rc=0 size=%d\n",
                     bt_job_universe(job));
    } else if (strcmp(cmd, "put") == 0) {
        if (bt_pmisrv_put(job, bt_pmi_req_get(&req, "key"),
                          bt_pmi_req_get(&req, "value"), 0, &why) == 0)
            bt_reply_add(&r, "cmd=put_result rc=0\n");
        else
            bt_reply_add(&r, "cmd=put_result rc=-1 msg=%s\n", why);
    } else if (strcmp(cmd, "get") == 0) {
        const char *value = bt_pmisrv_lookup(job, bt_pmi_req_get(&req, "key"));

        if (value != NULL)
            bt_reply_add(&r, "cmd=get_result rc=0 value=%s\n", value);
        else
            bt_reply_add(&r, "cmd=get_result rc=-1 msg=key_not_found\n");
    } else if (strcmp(cmd, "barrier_in") == 0) {
        bt_pmisrv_fence_enter(job, rk);
        return;
    } else if (strcmp(cmd, "finalize") == 0) {
        rk->pmi.state = BT_PMI_STATE_FINALIZED;
        bt_reply_add(&r, "cmd=finalize_ack rc=0\n");
    } else if (strcmp(cmd, "baton_restart") == 0) {
        /* MPI starts again in the rank (sessions): it must end again before it exits */
        if (rk->pmi.state == BT_PMI_STATE_FINALIZED)
            rk->pmi.state = BT_PMI_STATE_INIT;
        bt_reply_add(&r, "cmd=baton_restart_ack rc=0\n");
    } else if (strcmp(cmd, "abort") == 0) {
        const char *code = bt_pmi_req_get(&req, "exitcode");
        const char *reason = bt_pmi_req_get(&req, "reason");

        rk->pmi.state = BT_PMI_STATE_ABORTED;
        bt_job_abort(job, rk, code != NULL ? atoi(code) : BT_CODE_UNKNOWN,
                     reason != NULL && strcmp(reason, "error") == 0);
        return;
    } else {
        bt_reply_add(&r, "cmd=%.64s_result rc=-1 msg=unknown_command\n", cmd);
    }
    bt_pmisrv_send(job, rk, &r);
}

/* ---- PMI-2 ---- */

static void bt_pmisrv_v2_found(bt_reply_t *r, const char *cmd, const char *value)
{
    bt_reply_add(r, "cmd=%s;rc=0;", cmd);
    if (value == NULL) {
        bt_reply_add(r, "found=FALSE;");
        return;
    }
    bt_reply_add(r, "found=TRUE;value=");
    bt_reply_add_v2_value(r, value);
    bt_reply_add(r, ";");
}

static void bt_pmisrv_v2(bt_job_t *job, bt_rank_t *rk, char *body)
{
    bt_pmi_req_t req;
    bt_reply_t r = { 0 };
    const char *cmd, *key, *why = "";
    char attr[BT_PMI_KEY_MAX + sizeof(BT_NODE_ATTR_PREFIX)];

    if (bt_pmi_req_parse_v2(body, &req) != 0 ||
        (cmd = bt_pmi_req_get(&req, "cmd")) == NULL) {
        bt_pmisrv_protocol_error(job, rk, "PMI-2 frame without cmd=");
        return;
    }
    key = bt_pmi_req_get(&req, "key");
    if (strcmp(cmd, "fullinit") == 0) {
        rk->pmi.state = BT_PMI_STATE_INIT;
        bt_reply_add(&r, "cmd=fullinit-response;rc=0;pmi-version=2;pmi-subversion=0;"
                     "rank=%d;size=%d;appnum=0;debugged=FALSE;pmiverbose=FALSE;",
                     rk->rank, job->nranks);
    } else if (strcmp(cmd, "job-getid") == 0) {
        bt_reply_add(&r, "cmd=job-getid-response;rc=0;jobid=%s;", job->jobid);
    } else if (strcmp(cmd, "kvs-put") == 0) {
        if (bt_pmisrv_put(job, key, bt_pmi_req_get(&req, "value"), 0, &why) == 0)
            bt_reply_add(&r, "cmd=kvs-put-response;rc=0;");
        else
            bt_reply_add(&r, "cmd=kvs-put-response;rc=-1;errmsg=%s;", why);
    } else if (strcmp(cmd, "kvs-get") == 0) {
        bt_pmisrv_v2_found(&r, "kvs-get-response",
                           key != NULL ? bt_kvs_get(&job->kvs, key) : NULL);
    } else if (strcmp(cmd, "kvs-fence") == 0) {
        bt_pmisrv_fence_enter(job, rk);
        return;
    } else if (strcmp(cmd, "info-getjobattr") == 0) {
        char universe[16];
        const char *value = NULL;

        if (key != NULL && strcmp(key, "universeSize") == 0) {
            snprintf(universe, sizeof(universe), "%d",
                     bt_job_universe(job));
            value = universe;
        } else if (key != NULL && (strcmp(key, "PMI_process_mapping") == 0 ||
                                   strcmp(key, BT_JOB_KEY_NAME) == 0)) {
            value = bt_pmisrv_lookup(job, key);
        }
        bt_pmisrv_v2_found(&r, "info-getjobattr-response", value);
    } else if (strcmp(cmd, "info-putnodeattr") == 0 ||
               strcmp(cmd, "info-getnodeattr") == 0) {
        /* One node: node attributes are job keys under their own prefix. */
        int put = strcmp(cmd, "info-putnodeattr") == 0;

        if (key == NULL || strlen(key) >= BT_PMI_KEY_MAX) {
            bt_reply_add(&r, "cmd=%s-response;rc=-1;errmsg=bad key;", cmd);
        } else {
            snprintf(attr, sizeof(attr), "%s%s", BT_NODE_ATTR_PREFIX, key);
            if (!put)
                bt_pmisrv_v2_found(&r, "info-getnodeattr-response",
                                   bt_kvs_get(&job->kvs, attr));
            else if (bt_pmisrv_put(job, attr, bt_pmi_req_get(&req, "value"), 1, &why) == 0)
                bt_reply_add(&r, "cmd=info-putnodeattr-response;rc=0;");
            else
                bt_reply_add(&r, "cmd=info-putnodeattr-response;rc=-1;errmsg=%s;", why);
        }
    } else if (strcmp(cmd, "finalize") == 0) {
        rk->pmi.state = BT_PMI_STATE_FINALIZED;
        bt_reply_add(&r, "cmd=finalize-response;rc=0;");
    } else if (strcmp(cmd, "baton-restart") == 0) {
        if (rk->pmi.state == BT_PMI_STATE_FINALIZED)
            rk->pmi.state = BT_PMI_STATE_INIT;
        bt_reply_add(&r, "cmd=baton-restart-response;rc=0;");
    } else if (strcmp(cmd, "abort") == 0) {
        /* PMI-2 has no exit code: the rank's exit status gives it. */
        const char *msg = bt_pmi_req_get(&req, "msg");

        rk->pmi.state = BT_PMI_STATE_ABORTED;
        bt_job_abort(job, rk, BT_CODE_UNKNOWN, msg != NULL && strncmp(msg, "error: ", 7) == 0);
        return;
    } else {
        bt_reply_add(&r, "cmd=%.64s-response;rc=-1;errmsg=unknown command;", cmd);
    }
    bt_pmisrv_send(job, rk, &r);
}

/* ---- framing ---- */

/* Handles every complete request in the connection's buffer. */
static void bt_pmisrv_process(bt_job_t *job, bt_rank_t *rk)
{
    bt_pmi_conn_t *c = &rk->pmi;
    char body[BT_PMI_CONN_BUF + 1];

    while (c->fd >= 0 && c->len > 0) {
        size_t used;

        if (c->wire == BT_WIRE_UNKNOWN) {
            if (c->buf[0] == 'c')
                c->wire = BT_WIRE_V1;
            else if (isdigit((unsigned char)c->buf[0]) || c->buf[0] == ' ')
                c->wire = BT_WIRE_V2;
            else {
                bt_pmisrv_protocol_error(job, rk, "neither a PMI-1 nor a PMI-2 request");
                return;
            }
        }
        if (c->wire == BT_WIRE_V1) {
            char *nl = memchr(c->buf, '\n', c->len);

            if (nl == NULL) {
                if (c->len == sizeof(c->buf))
                    bt_pmisrv_protocol_error(job, rk, "PMI-1 line too long");
                return;
            }
            used = (size_t)(nl - c->buf) + 1;
            memcpy(body, c->buf, used - 1);
            body[used - 1] = '\0';
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            bt_pmisrv_v1(job, rk, body);
        } else {
            char hdr[7], *end;
            long blen;

            if (c->len < 6)
                return;
            memcpy(hdr, c->buf, 6);
            hdr[6] = '\0';
            blen = strtol(hdr, &end, 10);
            while (*end == ' ')
                end++;
            if (*end != '\0' || end == hdr || blen < 0 ||
                (size_t)blen > sizeof(c->buf) - 6) {
                bt_pmisrv_protocol_error(job, rk, "bad PMI-2 frame length");
                return;
            }
            used = 6 + (size_t)blen;
            if (c->len < used)
                return;
            memcpy(body, c->buf + 6, (size_t)blen);
            body[blen] = '\0';
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            bt_pmisrv_v2(job, rk, body);
        }
    }
}

/* 1: read something, 0: nothing now, -1: closed. */
static int bt_pmisrv_read_once(bt_job_t *job, bt_rank_t *rk)
{
    bt_pmi_conn_t *c = &rk->pmi;
    ssize_t n;

    if (c->fd < 0)
        return -1;
    if (c->len == sizeof(c->buf)) {
        bt_pmisrv_protocol_error(job, rk, "request too long");
        return -1;
    }
    do {
        n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (n <= 0) {
        bt_pmisrv_close(job, rk); /* after finalize, or the rank is gone */
        return -1;
    }
    c->len += (size_t)n;
    bt_pmisrv_process(job, rk);
    return c->fd >= 0 ? 1 : -1;
}

void bt_pmisrv_read(bt_job_t *job, bt_rank_t *rk)
{
    bt_pmisrv_read_once(job, rk);
}

void bt_pmisrv_drain(bt_job_t *job, bt_rank_t *rk)
{
    while (bt_pmisrv_read_once(job, rk) > 0)
        ;
    bt_pmisrv_close(job, rk);
}
