/* The hang report (DESIGN.md item 17). On SIGQUIT, or when the job runs into its
 * time limit, mpiexec sends every rank SIGURG (through the proxies on other
 * hosts); each rank answers with one line on its stderr (src/pt2pt/diag.c),
 * which bt_diag_filter takes out of the rank's output. After every live rank has
 * answered, or BT_DIAG_WAIT_MS, mpiexec prints one report: the ranks grouped by
 * what they wait in, the wait-for cycles, and the mismatches it can see
 * (different collectives, or roots, on one communicator; a receive whose tag no
 * message it holds from that peer carries; a collective that a rank outside MPI
 * keeps waiting). */
#include "mpiexec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_DIAG_WAIT_MS 1000   /* a rank in MPI answers within 200 ms */
#define BT_DIAG_MARK    "\001baton-diag"
#define BT_DIAG_MARKLEN 11

/* One rank's answer. */
typedef struct bt_diag_rec {
    int    have;              /* answered */
    int    has_waited;        /* from a wait: waited is known */
    int    outside;           /* outside MPI (computing) */
    char   call[64], comm[128], type[64], precv[256], ux[512];
    long   ctx;               /* -1: none */
    int    csize, peer, wpeer, tag, nreqs, pending;
    int    has_peer, has_tag, rooted, to;
    long long count, unexp;
    double waited;
    char  *said;              /* stderr lines between the question and the answer */
    size_t said_len;
} bt_diag_rec_t;

/* A Python rank's stack (faulthandler, which Baton registers on the question's
 * signal) comes just before its answer: the lines a rank writes to stderr while
 * it answers go into the report under it, up to this much. */
#define BT_DIAG_SAID_MAX 8192

struct bt_diag {
    bt_diag_rec_t *recs;
    int            nreports;
    int64_t        until_ms;   /* -1: not collecting */
    int            then_fail;  /* the time limit: end the job after the report */
    int64_t        asked_ms;
};

static int bt_diag_open(bt_job_t *job)
{
    if (job->diag == NULL) {
        job->diag = calloc(1, sizeof(*job->diag));
        if (job->diag == NULL)
            return -1;
        job->diag->until_ms = -1;
    }
    if (job->diag->recs == NULL) {
        job->diag->recs = calloc((size_t)job->nranks, sizeof(bt_diag_rec_t));
        if (job->diag->recs == NULL)
            return -1;
    }
    return 0;
}

void bt_diag_request(bt_job_t *job, int then_fail)
{
    struct bt_diag *d;

    if (job->role == BT_ROLE_PROXY || bt_diag_open(job) != 0)
        return;
    d = job->diag;
    d->then_fail |= then_fail;
    if (d->until_ms >= 0)
        return;   /* asked already: that report comes */
    for (int i = 0; i < job->nranks; i++)
        free(d->recs[i].said);
    memset(d->recs, 0, (size_t)job->nranks * sizeof(bt_diag_rec_t));
    d->nreports = 0;
    d->asked_ms = bt_now_ms();
    d->until_ms = d->asked_ms + BT_DIAG_WAIT_MS;
    if (job->role == BT_ROLE_HEAD)
        bt_head_signal(job, SIGURG);
    else
        bt_proc_signal_all(job, SIGURG, -1);
}

/* Copies the value of key in line (fields "key=value" separated by \x1f) into
 * out; 0 when the key is absent. */
static int bt_diag_field(const char *line, size_t len, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    const char *p = line, *end = line + len;

    while (p < end) {
        const char *sep = memchr(p, '\037', (size_t)(end - p));
        const char *f_end = sep ? sep : end;
        if ((size_t)(f_end - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t n = (size_t)(f_end - p) - klen - 1;
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, p + klen + 1, n);
            out[n] = '\0';
            return 1;
        }
        p = f_end + 1;
    }
    return 0;
}

static void bt_diag_take(bt_job_t *job, const char *line, size_t len)
{
    char v[64];
    bt_diag_rec_t *r;
    int rank;

    if (!bt_diag_field(line, len, "rank", v, sizeof(v)))
        return;
    rank = atoi(v);
    if (rank < 0 || rank >= job->nranks || bt_diag_open(job) != 0)
        return;
    r = &job->diag->recs[rank];
    if (!r->have)
        job->diag->nreports++;
    {
        char *said = r->said;
        size_t said_len = r->said_len;
        memset(r, 0, sizeof(*r));
        r->said = said;
        r->said_len = said_len;
    }
    r->have = 1;
    r->ctx = -1;
    bt_diag_field(line, len, "state", v, sizeof(v));
    r->outside = strcmp(v, "outside") == 0;
    bt_diag_field(line, len, "call", r->call, sizeof(r->call));
    bt_diag_field(line, len, "comm", r->comm, sizeof(r->comm));
    bt_diag_field(line, len, "type", r->type, sizeof(r->type));
    bt_diag_field(line, len, "precv", r->precv, sizeof(r->precv));
    bt_diag_field(line, len, "ux", r->ux, sizeof(r->ux));
    if (bt_diag_field(line, len, "ctx", v, sizeof(v)))
        r->ctx = atol(v);
    if (bt_diag_field(line, len, "csize", v, sizeof(v)))
        r->csize = atoi(v);
    if ((r->has_peer = bt_diag_field(line, len, "peer", v, sizeof(v))))
        r->peer = atoi(v);
    if (bt_diag_field(line, len, "wpeer", v, sizeof(v)))
        r->wpeer = atoi(v);
    if (bt_diag_field(line, len, "dir", v, sizeof(v))) {
        r->to = strcmp(v, "to") == 0;
        r->rooted = strcmp(v, "root") == 0;
    }
    if ((r->has_tag = bt_diag_field(line, len, "tag", v, sizeof(v))))
        r->tag = atoi(v);
    if (bt_diag_field(line, len, "count", v, sizeof(v)))
        r->count = atoll(v);
    if (bt_diag_field(line, len, "nreqs", v, sizeof(v)))
        r->nreqs = atoi(v);
    if (bt_diag_field(line, len, "pending", v, sizeof(v)))
        r->pending = atoi(v);
    if (bt_diag_field(line, len, "unexp", v, sizeof(v)))
        r->unexp = atoll(v);
    if ((r->has_waited = bt_diag_field(line, len, "waited", v, sizeof(v))))
        r->waited = atof(v);
}

/* Keeps a line of rank's stderr for the report; 0 when it is not waited for. */
static int bt_diag_keep(bt_job_t *job, int rank, const char *line, size_t len)
{
    bt_diag_rec_t *r;
    char *grown;

    if (job->diag == NULL || job->diag->until_ms < 0 || rank < 0 || rank >= job->nranks)
        return 0;
    r = &job->diag->recs[rank];
    if (r->have || r->said_len + len > BT_DIAG_SAID_MAX)
        return 0;
    grown = realloc(r->said, r->said_len + len + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + r->said_len, line, len);
    r->said = grown;
    r->said_len += len;
    r->said[r->said_len] = '\0';
    return 1;
}

int bt_diag_collecting(const bt_job_t *job)
{
    return job->diag != NULL && job->diag->until_ms >= 0;
}

size_t bt_diag_filter(bt_job_t *job, int rank, char *data, size_t len)
{
    size_t o = 0;
    char *p = data, *end = data + len;

    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        size_t body = l - (nl != NULL);   /* the line without its newline */
        if (body >= BT_DIAG_MARKLEN && memcmp(p, BT_DIAG_MARK, BT_DIAG_MARKLEN) == 0) {
            /* the marker, a separator, then the fields: an answer may hold none */
            if (body > BT_DIAG_MARKLEN + 1)
                bt_diag_take(job, p + BT_DIAG_MARKLEN + 1, body - BT_DIAG_MARKLEN - 1);
        } else if (nl == NULL || !bt_diag_keep(job, rank, p, l)) {
            memmove(data + o, p, l);
            o += l;
        }
        p += l;
    }
    return o;
}

/* ---- the report ---- */

static int bt_diag_is_p2p(const bt_diag_rec_t *r)
{
    return r->have && !r->outside && r->has_peer && !r->rooted;
}

static int bt_diag_is_coll(const bt_diag_rec_t *r)
{
    return r->have && !r->outside && r->ctx >= 0 && !bt_diag_is_p2p(r) &&
           strncmp(r->call, "MPI_Wait", 8) != 0 && strncmp(r->call, "MPI_Probe", 9) != 0 &&
           strncmp(r->call, "MPI_Mprobe", 10) != 0;
}

static void bt_diag_peer_text(int peer, char *buf, size_t len)
{
    if (peer == -1)
        snprintf(buf, len, "any source");
    else if (peer == -2)
        snprintf(buf, len, "MPI_PROC_NULL");
    else
        snprintf(buf, len, "%d", peer);
}

/* What rank r waits in, without time: the key that groups ranks. */
static void bt_diag_describe(const bt_diag_rec_t *r, char *buf, size_t len)
{
    size_t o = 0;
    char peer[32];

#define ADD(...) do { if (o < len) o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__); } while (0)
    if (!r->have) {
        ADD("no report (not in MPI yet, exited, or busy inside MPI)");
        return;
    }
    if (r->outside) {
        ADD("outside MPI (computing)");
        return;
    }
    ADD("%s", r->call);
    if (r->has_peer) {
        bt_diag_peer_text(r->peer, peer, sizeof(peer));
        ADD(" %s %s", r->rooted ? "root" : r->to ? "to" : "from", peer);
    }
    if (r->has_tag)
        ADD(r->tag == -1 ? " any tag" : " tag %d", r->tag);
    if (r->ctx >= 0)
        ADD(" on %s", r->comm);
    if (r->type[0])
        ADD(" (%lld x %s)", r->count, r->type);
    if (r->nreqs > 1)
        ADD(" (%d requests)", r->nreqs);
    if (r->pending > 0 && !(r->pending == 1 && bt_diag_is_p2p(r) && !r->to))
        ADD("; %d receive%s pending (source:tag %s)", r->pending, r->pending > 1 ? "s" : "",
            r->precv);
    if (r->unexp > 0)
        ADD("; holds %lld unexpected message%s (source:tag:bytes:context %s)", r->unexp,
            r->unexp > 1 ? "s" : "", r->ux);
#undef ADD
}

/* "rank 3" or "ranks 0-2,5" of the ranks marked in set. */
static void bt_diag_ranks_text(const char *set, int n, char *buf, size_t len)
{
    size_t o = 0;
    int count = 0;

    for (int i = 0; i < n; i++)
        count += set[i] != 0;
    o += (size_t)snprintf(buf, len, count == 1 ? "rank " : "ranks ");
    for (int i = 0, first = 1; i < n && o < len; i++) {
        int j = i;
        if (!set[i])
            continue;
        while (j + 1 < n && set[j + 1])
            j++;
        o += (size_t)snprintf(buf + o, len - o, j > i ? "%s%d-%d" : "%s%d", first ? "" : ",",
                              i, j);
        first = 0;
        i = j;
    }
}

/* One line per group of ranks that wait in the same thing. */
static void bt_diag_print_groups(bt_job_t *job, char *done, char *set)
{
    int n = job->nranks;
    char key[1024], other[1024], ranks[512];

    memset(done, 0, (size_t)n);
    for (int i = 0; i < n; i++) {
        double lo, hi;
        if (done[i])
            continue;
        bt_diag_describe(&job->diag->recs[i], key, sizeof(key));
        memset(set, 0, (size_t)n);
        lo = hi = job->diag->recs[i].waited;
        for (int j = i; j < n; j++) {
            if (done[j])
                continue;
            bt_diag_describe(&job->diag->recs[j], other, sizeof(other));
            if (strcmp(key, other) != 0)
                continue;
            done[j] = set[j] = 1;
            if (job->diag->recs[j].waited < lo)
                lo = job->diag->recs[j].waited;
            if (job->diag->recs[j].waited > hi)
                hi = job->diag->recs[j].waited;
        }
        bt_diag_ranks_text(set, n, ranks, sizeof(ranks));
        if (!job->diag->recs[i].have || !job->diag->recs[i].has_waited)
            bt_iofwd_message(job, "  %s: %s", ranks, key);
        else if (hi - lo < 0.05)
            bt_iofwd_message(job, "  %s: %s, %.1f s", ranks, key, hi);
        else
            bt_iofwd_message(job, "  %s: %s, %.1f-%.1f s", ranks, key, lo, hi);
    }
    /* What ranks wrote while they answered: a Python rank's stack. */
    for (int i = 0; i < n; i++) {
        const bt_diag_rec_t *r = &job->diag->recs[i];
        if (r->said == NULL)
            continue;
        bt_iofwd_message(job, "  rank %d wrote:", i);
        for (const char *p = r->said; *p;) {
            const char *nl = strchr(p, '\n');
            int l = nl ? (int)(nl - p) : (int)strlen(p);
            bt_iofwd_message(job, "    %.*s", l, p);
            p += l + (nl != NULL);
        }
    }
}

/* What rank r waits for in a cycle's words. */
static void bt_diag_wait_text(const bt_diag_rec_t *r, int rank, char *buf, size_t len)
{
    char peer[32];

    if (bt_diag_is_p2p(r)) {
        bt_diag_peer_text(r->wpeer, peer, sizeof(peer));
        snprintf(buf, len, "rank %d waits in %s %s %s", rank, r->call, r->to ? "to" : "from",
                 peer);
        if (r->has_tag) {
            size_t o = strlen(buf);
            snprintf(buf + o, len - o, r->tag == -1 ? " any tag" : " tag %d", r->tag);
        }
    } else {
        snprintf(buf, len, "rank %d waits in %s on %s", rank, r->call, r->comm);
    }
}

/* Whether rank r (in a collective on the world) waits for rank s: s is not in the
 * same collective. Other communicators' members are not known here. */
static int bt_diag_coll_waits_for(bt_job_t *job, int r, int s)
{
    const bt_diag_rec_t *a = &job->diag->recs[r], *b = &job->diag->recs[s];

    if (!bt_diag_is_coll(a) || a->csize != job->nranks || r == s)
        return 0;
    return !(bt_diag_is_coll(b) && b->ctx == a->ctx);
}

/* The wait-for edges: a point-to-point wait names its peer (in the world), a
 * collective on every rank of the world that is not in it. Each cycle found is
 * printed once, from its lowest rank. */
static void bt_diag_print_cycles(bt_job_t *job, char *onpath, int *next)
{
    int n = job->nranks;
    char *reported = calloc((size_t)n, 1);

    if (reported == NULL)
        return;
    for (int start = 0; start < n; start++) {
        int depth = 0, cur = start;
        if (reported[start])
            continue;
        /* Follow the first edge of each rank: a path from start. */
        memset(onpath, 0, (size_t)n);
        while (cur >= 0 && !onpath[cur] && depth++ <= n) {
            const bt_diag_rec_t *r = &job->diag->recs[cur];
            int nx = -1;
            onpath[cur] = 1;
            if (bt_diag_is_p2p(r) && r->wpeer >= 0 && r->wpeer < n)
                nx = r->wpeer;
            else
                for (int s = 0; s < n && nx < 0; s++)
                    if (bt_diag_coll_waits_for(job, cur, s))
                        nx = s;
            next[cur] = nx;
            cur = nx;
        }
        if (cur >= 0 && onpath[cur] && cur == start) {
            char text[4096], part[512];
            size_t o = 0;
            int c = start;
            o += (size_t)snprintf(text, sizeof(text), "deadlock: ");
            do {
                bt_diag_wait_text(&job->diag->recs[c], c, part, sizeof(part));
                if (o < sizeof(text))
                    o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s",
                                          c == start ? "" : "; ", part);
                reported[c] = 1;
                c = next[c];
            } while (c != start);
            bt_iofwd_message(job, "%s", text);
        }
    }
    free(reported);
}

/* "MPI_Bcast root 1" */
static void bt_diag_call_text(const bt_diag_rec_t *r, char *buf, size_t len)
{
    if (r->has_peer)
        snprintf(buf, len, "%s root %d", r->call, r->peer);
    else
        snprintf(buf, len, "%s", r->call);
}

static void bt_diag_print_mismatches(bt_job_t *job, char *set)
{
    int n = job->nranks;
    bt_diag_rec_t *recs = job->diag->recs;
    char ranks[512], ranks2[512];

    /* Collectives: on one communicator, the first rank's call against the others. */
    for (int i = 0; i < n; i++) {
        int seen_before = 0, differ = 0;
        if (!bt_diag_is_coll(&recs[i]))
            continue;
        for (int j = 0; j < i; j++)
            seen_before |= bt_diag_is_coll(&recs[j]) && recs[j].ctx == recs[i].ctx;
        if (seen_before)
            continue;
        memset(set, 0, (size_t)n);
        for (int j = i; j < n; j++) {
            if (!bt_diag_is_coll(&recs[j]) || recs[j].ctx != recs[i].ctx)
                continue;
            if (strcmp(recs[j].call, recs[i].call) != 0 ||
                (recs[j].has_peer && recs[i].has_peer && recs[j].peer != recs[i].peer))
                differ = set[j] = 1;
        }
        if (differ) {
            char *same = calloc((size_t)n, 1);
            if (same == NULL)
                return;
            for (int j = i; j < n; j++)
                same[j] = bt_diag_is_coll(&recs[j]) && recs[j].ctx == recs[i].ctx && !set[j];
            bt_diag_ranks_text(same, n, ranks, sizeof(ranks));
            bt_diag_ranks_text(set, n, ranks2, sizeof(ranks2));
            for (int j = i; j < n; j++) {
                char what_i[96], what_j[96];
                if (!set[j])
                    continue;
                bt_diag_call_text(&recs[i], what_i, sizeof(what_i));
                bt_diag_call_text(&recs[j], what_j, sizeof(what_j));
                bt_iofwd_message(job, "mismatch on %s: %s in %s, %s in %s", recs[i].comm,
                                 ranks, what_i, ranks2, what_j);
                break;
            }
            free(same);
        }
        /* The world's collective waits for ranks that are elsewhere. */
        if (recs[i].csize == n) {
            memset(set, 0, (size_t)n);
            for (int j = i; j < n; j++)
                set[j] = bt_diag_is_coll(&recs[j]) && recs[j].ctx == recs[i].ctx;
            bt_diag_ranks_text(set, n, ranks, sizeof(ranks));
            for (int s = 0; s < n; s++)
                if (recs[s].have && recs[s].outside && bt_diag_coll_waits_for(job, i, s))
                    bt_iofwd_message(job, "waiting for a rank outside MPI: rank %d computes "
                                     "while %s wait%s in %s on %s", s, ranks,
                                     strchr(ranks, ' ')[-1] == 's' ? "" : "s", recs[i].call,
                                     recs[i].comm);
        }
    }
    /* Receives whose tag none of the messages held from that peer carries. */
    for (int i = 0; i < n; i++) {
        const bt_diag_rec_t *r = &recs[i];
        char tags[256] = "";
        size_t o = 0;
        if (!bt_diag_is_p2p(r) || r->to || r->wpeer < 0 || !r->has_tag || r->tag < 0)
            continue;
        for (const char *p = r->ux; *p;) {
            int src, tag;
            long long bytes;
            unsigned ctx;
            if (sscanf(p, "%d:%d:%lld:%u", &src, &tag, &bytes, &ctx) == 4 && src == r->wpeer &&
                (long)ctx == r->ctx && tag != r->tag && o < sizeof(tags))
                o += (size_t)snprintf(tags + o, sizeof(tags) - o, "%s%d", o ? ", " : "", tag);
            p = strchr(p, ',');
            if (p == NULL)
                break;
            p++;
        }
        if (o > 0)
            bt_iofwd_message(job, "mismatch: rank %d waits in %s from %d tag %d, but the "
                             "messages it holds from rank %d carry tag %s", i, r->call,
                             r->wpeer, r->tag, r->wpeer, tags);
    }
}

static void bt_diag_print(bt_job_t *job)
{
    int n = job->nranks;
    char *a = calloc((size_t)n, 1), *b = calloc((size_t)n, 1);
    int *next = calloc((size_t)n, sizeof(int));

    if (a == NULL || b == NULL || next == NULL) {
        free(a);
        free(b);
        free(next);
        return;
    }
    bt_iofwd_message(job, "mpiexec: hang report (%d of %d ranks answered):",
                     job->diag->nreports, n);
    bt_diag_print_groups(job, a, b);
    bt_diag_print_cycles(job, a, next);
    bt_diag_print_mismatches(job, b);
    free(a);
    free(b);
    free(next);
}

int64_t bt_diag_timers(bt_job_t *job, int64_t now)
{
    struct bt_diag *d = job->diag;
    int alive = job->role == BT_ROLE_HEAD ? job->nranks : job->nalive;

    if (d == NULL || d->until_ms < 0)
        return -1;
    if (now < d->until_ms && d->nreports < alive)
        return d->until_ms;
    d->until_ms = -1;
    /* Programs that are not Baton's never answer: nothing to say about them,
     * and what they wrote meanwhile is their output. */
    if (d->nreports > 0)
        bt_diag_print(job);
    else
        for (int i = 0; i < job->nranks; i++)
            if (d->recs[i].said)
                bt_iofwd_message(job, "%.*s", (int)d->recs[i].said_len - 1, d->recs[i].said);
    if (d->then_fail)
        bt_job_fail(job, BT_TIME_LIMIT_STATUS, "the job ran into its time limit of %g s "
                    "(--timeout, BATON_TIMEOUT or MPIEXEC_TIMEOUT), ended it",
                    (double)job->opts->time_limit_ms / 1000.0);
    return -1;
}

void bt_diag_free(bt_job_t *job)
{
    if (job->diag) {
        for (int i = 0; job->diag->recs && i < job->nranks; i++)
            free(job->diag->recs[i].said);
        free(job->diag->recs);
        free(job->diag);
        job->diag = NULL;
    }
}
