/*
 * Baton runtime: PMI client (PMI-1 and PMI-2 wire protocols, singleton).
 *
 * PMI-1: one request per line, "cmd=NAME key=value ...\n", one answer line.
 * PMI-2: frames of a 6-character space-padded decimal length followed by
 * "cmd=NAME;key=value;...;" where ';' inside a value is written ";;".
 * A PMI-2 client first sends the PMI-1 line "cmd=init pmi_version=2
 * pmi_subversion=0\n" and waits for "cmd=response_to_init ... rc=0\n": Slurm
 * and Hydra both decide the protocol of a connection from that line.
 */
#include "bt_pmi.h"
#include "util/bt_env.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BT_PMI_BUF_SIZE      16384 /* longest request or answer */
#define BT_PMI_KEY_MAX       64    /* used when the launcher does not say */
#define BT_PMI_VALUE_MAX     1024
#define BT_PMI_MAP_BLOCKS    1024  /* blocks in PMI_process_mapping */

typedef enum bt_pmi_mode {
    BT_PMI_MODE_NONE = 0,
    BT_PMI_MODE_SINGLETON,
    BT_PMI_MODE_V1,
    BT_PMI_MODE_V2,
    BT_PMI_MODE_FINALIZED
} bt_pmi_mode_t;

/* Singleton key-value store: a list is enough for the handful of keys. */
typedef struct bt_pmi_kv {
    struct bt_pmi_kv *next;
    char *key;
    char *value;
} bt_pmi_kv_t;

static struct {
    bt_pmi_mode_t mode;
    int fd;
    int ended;                     /* the launcher heard finalize (bt_pmi_end) */
    bt_pmi_info_t info;
    size_t key_max, value_max;
    bt_pmi_kv_t *local;
    char *map;                     /* PMI_process_mapping, NULL when not given */
    size_t rlen;                   /* bytes received, not consumed yet */
    char rbuf[BT_PMI_BUF_SIZE];
    char msg[BT_PMI_BUF_SIZE];     /* the last answer, NUL-terminated */
} bt_pmi = { .fd = -1 };

static void bt_pmi_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void bt_pmi_error(const char *fmt, ...)
{
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (bt_pmi.mode == BT_PMI_MODE_V1 || bt_pmi.mode == BT_PMI_MODE_V2)
        fprintf(stderr, "baton: rank %d: PMI: %s\n", bt_pmi.info.rank, text);
    else
        fprintf(stderr, "baton: PMI: %s\n", text);
}

/* ---- environment ------------------------------------------------------ */

/* -1 when unset or empty, -2 when not a number in [lo, hi]. */
static int bt_pmi_env_int(const char *name, long lo, long hi, long *value_p)
{
    const char *s = getenv(name);
    char *end;
    long v;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -2;
    *value_p = v;
    return 0;
}

static int bt_pmi_env_is(const char *name, const char *value)
{
    const char *s = getenv(name);
    return s != NULL && strcmp(s, value) == 0;
}

/* ---- wire I/O --------------------------------------------------------- */

static int bt_pmi_io_send(const char *buf, size_t len)
{
    while (len > 0) {
        /* MSG_NOSIGNAL: a dead launcher must give an error, not SIGPIPE */
        ssize_t n = send(bt_pmi.fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK)
            n = write(bt_pmi.fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            bt_pmi_error("cannot write to the launcher (PMI_FD=%d): %s",
                         bt_pmi.fd, strerror(errno));
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int bt_pmi_io_fill(void)
{
    ssize_t n;

    if (bt_pmi.rlen == sizeof(bt_pmi.rbuf)) {
        bt_pmi_error("answer from the launcher longer than %d bytes",
                     BT_PMI_BUF_SIZE);
        return -1;
    }
    do {
        n = read(bt_pmi.fd, bt_pmi.rbuf + bt_pmi.rlen,
                 sizeof(bt_pmi.rbuf) - bt_pmi.rlen);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        bt_pmi_error("the launcher closed the connection (did mpiexec die?)");
        return -1;
    }
    if (n < 0) {
        bt_pmi_error("cannot read from the launcher: %s", strerror(errno));
        return -1;
    }
    bt_pmi.rlen += (size_t)n;
    return 0;
}

static void bt_pmi_io_consume(size_t n)
{
    memmove(bt_pmi.rbuf, bt_pmi.rbuf + n, bt_pmi.rlen - n);
    bt_pmi.rlen -= n;
}

/* One PMI-1 line into bt_pmi.msg, without its '\n'. */
static int bt_pmi_io_recv_line(void)
{
    char *nl;
    size_t n;

    while ((nl = memchr(bt_pmi.rbuf, '\n', bt_pmi.rlen)) == NULL) {
        if (bt_pmi_io_fill() < 0)
            return -1;
    }
    n = (size_t)(nl - bt_pmi.rbuf);
    memcpy(bt_pmi.msg, bt_pmi.rbuf, n);
    bt_pmi.msg[n] = '\0';
    bt_pmi_io_consume(n + 1);
    return 0;
}

/* One PMI-2 frame body into bt_pmi.msg. */
static int bt_pmi_io_recv_frame(void)
{
    char hdr[7], *end;
    long len;

    while (bt_pmi.rlen < 6) {
        if (bt_pmi_io_fill() < 0)
            return -1;
    }
    memcpy(hdr, bt_pmi.rbuf, 6);
    hdr[6] = '\0';
    errno = 0;
    len = strtol(hdr, &end, 10);
    while (*end == ' ')
        end++;
    if (errno != 0 || *end != '\0' || end == hdr || len < 0 ||
        len > BT_PMI_BUF_SIZE - 7) {
        bt_pmi_error("bad PMI-2 frame header '%s' from the launcher", hdr);
        return -1;
    }
    while (bt_pmi.rlen < 6 + (size_t)len) {
        if (bt_pmi_io_fill() < 0)
            return -1;
    }
    memcpy(bt_pmi.msg, bt_pmi.rbuf + 6, (size_t)len);
    bt_pmi.msg[len] = '\0';
    bt_pmi_io_consume(6 + (size_t)len);
    return 0;
}

/* ---- message fields --------------------------------------------------- */

/* PMI-1: space-separated key=value tokens.  0 found, -1 missing, -2 too long. */
static int bt_pmi_v1_field(const char *line, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = line;

    while (*p != '\0') {
        const char *tok;
        size_t tlen;

        while (*p == ' ')
            p++;
        tok = p;
        while (*p != '\0' && *p != ' ')
            p++;
        tlen = (size_t)(p - tok);
        if (tlen > klen && strncmp(tok, key, klen) == 0 && tok[klen] == '=') {
            size_t vlen = tlen - klen - 1;
            if (vlen >= cap)
                return -2;
            memcpy(out, tok + klen + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
    }
    return -1;
}

/* PMI-2: "k=v;k=v;" with ";;" standing for ';' in a value. */
static int bt_pmi_v2_field(const char *body, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = body;

    while (*p != '\0') {
        const char *k = p;
        int match;
        size_t n = 0;

        while (*p != '\0' && *p != '=' && *p != ';')
            p++;
        match = (size_t)(p - k) == klen && strncmp(k, key, klen) == 0;
        if (*p == '=') {
            p++;
            while (*p != '\0') {
                char c = *p;
                if (c == ';') {
                    if (p[1] != ';')
                        break;
                    p++;
                }
                p++;
                if (match) {
                    if (n + 1 >= cap)
                        return -2;
                    out[n++] = c;
                }
            }
        }
        if (match) {
            out[n] = '\0';
            return 0;
        }
        if (*p == ';')
            p++;
    }
    return -1;
}

static int bt_pmi_field(const char *key, char *out, size_t cap)
{
    if (bt_pmi.mode == BT_PMI_MODE_V2)
        return bt_pmi_v2_field(bt_pmi.msg, key, out, cap);
    return bt_pmi_v1_field(bt_pmi.msg, key, out, cap);
}

/* An integer field of the last answer; -1 when missing or malformed. */
static int bt_pmi_field_int(const char *key, int *value_p)
{
    char text[32], *end;
    long v;

    if (bt_pmi_field(key, text, sizeof(text)) != 0)
        return -1;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || v < -2147483647L - 1 ||
        v > 2147483647L)
        return -1;
    *value_p = (int)v;
    return 0;
}

/* rc of the last answer; a missing rc means success (PMI-1 often omits it). */
static int bt_pmi_answer_rc(void)
{
    int rc;

    if (bt_pmi_field_int("rc", &rc) != 0)
        return 0;
    return rc;
}

/* ---- requests --------------------------------------------------------- */

/* Sends one request (a PMI-1 line or a PMI-2 frame body) and reads the
 * answer into bt_pmi.msg; fails unless the answer is cmd=<want>. */
static int bt_pmi_call(const char *req, const char *want)
{
    char cmd[64];
    int status;

    if (bt_pmi.mode == BT_PMI_MODE_V2) {
        char frame[BT_PMI_BUF_SIZE];
        size_t len = strlen(req);
        int n = snprintf(frame, sizeof(frame), "%-6zu%s", len, req);
        if (n < 0 || (size_t)n >= sizeof(frame) || len > 999999) {
            bt_pmi_error("request too long");
            return -1;
        }
        status = bt_pmi_io_send(frame, (size_t)n);
        if (status == 0)
            status = bt_pmi_io_recv_frame();
    } else {
        status = bt_pmi_io_send(req, strlen(req));
        if (status == 0)
            status = bt_pmi_io_recv_line();
    }
    if (status != 0)
        return -1;
    if (bt_pmi_field("cmd", cmd, sizeof(cmd)) != 0 || strcmp(cmd, want) != 0) {
        bt_pmi_error("expected cmd=%s from the launcher, got '%.200s'", want,
                     bt_pmi.msg);
        return -1;
    }
    return 0;
}

/* Formats a request into buf; -1 when it does not fit. */
static int bt_pmi_format(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bt_pmi_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        bt_pmi_error("request too long");
        return -1;
    }
    return 0;
}

/* Keys and values travel unquoted in both protocols. */
static int bt_pmi_token_check(const char *what, const char *s, size_t max,
                              int may_be_empty)
{
    size_t n = strlen(s);
    const char *p;

    if (n > max || (n == 0 && !may_be_empty)) {
        bt_pmi_error("%s '%.64s' must have 1 to %zu characters (has %zu)", what,
                     s, max, n);
        return -1;
    }
    for (p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c >= 0x7f || c == '=' || c == ';') {
            bt_pmi_error("%s '%.64s' contains the character 0x%02x, which PMI "
                         "cannot carry", what, s, c);
            return -1;
        }
    }
    return 0;
}

/* ---- singleton store -------------------------------------------------- */

static bt_pmi_kv_t *bt_pmi_local_find(const char *key)
{
    bt_pmi_kv_t *kv;

    for (kv = bt_pmi.local; kv != NULL; kv = kv->next) {
        if (strcmp(kv->key, key) == 0)
            return kv;
    }
    return NULL;
}

static int bt_pmi_local_put(const char *key, const char *value)
{
    bt_pmi_kv_t *kv = bt_pmi_local_find(key);
    char *copy = strdup(value);

    if (copy == NULL)
        goto err_nomem;
    if (kv != NULL) {
        free(kv->value);
        kv->value = copy;
        return 0;
    }
    kv = malloc(sizeof(*kv));
    if (kv == NULL)
        goto err_free_copy;
    kv->key = strdup(key);
    if (kv->key == NULL)
        goto err_free_kv;
    kv->value = copy;
    kv->next = bt_pmi.local;
    bt_pmi.local = kv;
    return 0;

err_free_kv:
    free(kv);
err_free_copy:
    free(copy);
err_nomem:
    bt_pmi_error("out of memory");
    return -1;
}

static void bt_pmi_local_free(void)
{
    while (bt_pmi.local != NULL) {
        bt_pmi_kv_t *kv = bt_pmi.local;
        bt_pmi.local = kv->next;
        free(kv->key);
        free(kv->value);
        free(kv);
    }
}

/* ---- locality from PMI_process_mapping -------------------------------- */

typedef struct bt_pmi_map_block {
    long node, count, per_node;
} bt_pmi_map_block_t;

/* The blocks of s and, in *total_p, the ranks of the pattern they form. */
static int bt_pmi_map_parse(const char *s, bt_pmi_map_block_t *blocks, int max,
                            long *total_p)
{
    int n = 0;
    long total = 0;

    while (*s == ' ')
        s++;
    if (strncmp(s, "(vector", 7) != 0)
        return -1;
    s += 7;
    while (*s == ',') {
        bt_pmi_map_block_t b;
        char *end;

        if (n == max || s[1] != '(')
            return -1;
        s += 2;
        b.node = strtol(s, &end, 10);
        if (end == s || *end != ',')
            return -1;
        s = end + 1;
        b.count = strtol(s, &end, 10);
        if (end == s || *end != ',')
            return -1;
        s = end + 1;
        b.per_node = strtol(s, &end, 10);
        /* Every block places ranks, and node numbers and the pattern's length
         * stay ints, so that the sums below cannot overflow. */
        if (end == s || *end != ')' || b.node < 0 || b.count < 1 || b.per_node < 1 ||
            b.count > INT_MAX - b.node || b.per_node > (INT_MAX - total) / b.count)
            return -1;
        s = end + 1;
        total += b.count * b.per_node;
        blocks[n++] = b;
    }
    if (*s != ')' || n == 0)
        return -1;
    *total_p = total;
    return n;
}

/* The node of rank: the blocks form a pattern of `total` ranks that repeats
 * until every rank has a node.  A step per block, not per rank: a job of one
 * rank per node asks this for every rank. */
static long bt_pmi_map_node_of(const bt_pmi_map_block_t *blocks, int nblocks,
                               long total, long rank)
{
    long r = 0, want = rank % total;

    for (int b = 0; b < nblocks; b++) {
        long span = blocks[b].count * blocks[b].per_node;

        if (want < r + span)
            return blocks[b].node + (want - r) / blocks[b].per_node;
        r += span;
    }
    return -1; /* not reached: want < total */
}

/* How many of the pattern's first m ranks are on node. */
static long bt_pmi_map_count(const bt_pmi_map_block_t *blocks, int nblocks, long node,
                             long m)
{
    long r = 0, n = 0;

    for (int b = 0; b < nblocks; b++) {
        const bt_pmi_map_block_t *k = &blocks[b];

        if (node >= k->node && node < k->node + k->count) {
            long before = m - (r + (node - k->node) * k->per_node);

            if (before > 0)
                n += before < k->per_node ? before : k->per_node;
        }
        r += k->count * k->per_node;
    }
    return n;
}

/* How many ranks below rank are on node: whole patterns, then part of one. */
static long bt_pmi_map_below(const bt_pmi_map_block_t *blocks, int nblocks, long total,
                             long node, long rank)
{
    return rank / total * bt_pmi_map_count(blocks, nblocks, node, total) +
           bt_pmi_map_count(blocks, nblocks, node, rank % total);
}

static void bt_pmi_map_locality(const char *map, bt_pmi_info_t *info)
{
    static bt_pmi_map_block_t blocks[BT_PMI_MAP_BLOCKS];
    long total, mine;
    int nblocks = bt_pmi_map_parse(map, blocks, BT_PMI_MAP_BLOCKS, &total);

    if (nblocks <= 0)
        return;
    mine = bt_pmi_map_node_of(blocks, nblocks, total, info->rank);
    info->local_rank = (int)bt_pmi_map_below(blocks, nblocks, total, mine, info->rank);
    info->local_size = (int)bt_pmi_map_below(blocks, nblocks, total, mine, info->size);
}

int bt_pmi_node_map(int *node_of)
{
    static bt_pmi_map_block_t blocks[BT_PMI_MAP_BLOCKS];
    int nblocks, nnodes = 0;
    long total, *seen;

    if (bt_pmi.map == NULL)
        return 0;
    nblocks = bt_pmi_map_parse(bt_pmi.map, blocks, BT_PMI_MAP_BLOCKS, &total);
    if (nblocks <= 0) {
        bt_pmi_error("PMI_process_mapping '%.200s' is not a vector of blocks", bt_pmi.map);
        return -1;
    }
    /* Nodes are numbered densely in the order their first rank appears, whatever
     * numbers the launcher gave them. */
    seen = malloc((size_t)bt_pmi.info.size * sizeof(long));
    if (seen == NULL)
        return -1;
    for (int r = 0; r < bt_pmi.info.size; r++) {
        long node = bt_pmi_map_node_of(blocks, nblocks, total, r);
        int dense = nnodes;
        for (int q = 0; q < nnodes; q++) {
            if (seen[q] == node) {
                dense = q;
                break;
            }
        }
        if (dense == nnodes)
            seen[nnodes++] = node;
        node_of[r] = dense;
    }
    free(seen);
    return nnodes;
}

/* ---- init ------------------------------------------------------------- */

static int bt_pmi_v1_init(void)
{
    int version, n;

    if (bt_pmi_call("cmd=init pmi_version=1 pmi_subversion=1\n",
                    "response_to_init") != 0)
        return -1;
    if (bt_pmi_answer_rc() != 0 || bt_pmi_field_int("pmi_version", &version) != 0 ||
        version != 1) {
        bt_pmi_error("the launcher refused PMI-1: '%.200s'", bt_pmi.msg);
        return -1;
    }
    if (bt_pmi_call("cmd=get_maxes\n", "maxes") != 0)
        return -1;
    if (bt_pmi_field_int("keylen_max", &n) == 0 && n > 1)
        bt_pmi.key_max = (size_t)n - 1;
    if (bt_pmi_field_int("vallen_max", &n) == 0 && n > 1)
        bt_pmi.value_max = (size_t)n - 1;
    if (bt_pmi_call("cmd=get_my_kvsname\n", "my_kvsname") != 0)
        return -1;
    if (bt_pmi_field("kvsname", bt_pmi.info.kvsname, sizeof(bt_pmi.info.kvsname)) != 0) {
        bt_pmi_error("no kvsname in '%.200s'", bt_pmi.msg);
        return -1;
    }
    if (bt_pmi_call("cmd=get_appnum\n", "appnum") != 0)
        return -1;
    if (bt_pmi_field_int("appnum", &bt_pmi.info.appnum) != 0)
        bt_pmi.info.appnum = 0;
    if (bt_pmi_call("cmd=get_universe_size\n", "universe_size") != 0)
        return -1;
    if (bt_pmi_field_int("size", &bt_pmi.info.universe_size) != 0)
        bt_pmi.info.universe_size = bt_pmi.info.size;
    return 0;
}

static int bt_pmi_v2_init(void)
{
    char req[512];
    const char *jobid = getenv("PMI_JOBID");
    const char *rank = getenv("PMI_RANK");
    char value[32];
    int version, status;

    /* The PMI-1 style handshake picks PMI-2 for this connection. */
    bt_pmi.mode = BT_PMI_MODE_V1;
    if (bt_pmi_call("cmd=init pmi_version=2 pmi_subversion=0\n",
                    "response_to_init") != 0)
        return -1;
    if (bt_pmi_answer_rc() != 0 || bt_pmi_field_int("pmi_version", &version) != 0 ||
        version != 2) {
        bt_pmi_error("the launcher refused PMI-2: '%.200s'", bt_pmi.msg);
        return -1;
    }
    bt_pmi.mode = BT_PMI_MODE_V2;

    /* Slurm insists on all three fields. */
    if (bt_pmi_format(req, sizeof(req),
                      "cmd=fullinit;pmijobid=%s;pmirank=%s;threaded=FALSE;",
                      jobid != NULL && *jobid != '\0' ? jobid : "0",
                      rank != NULL && *rank != '\0' ? rank : "0") != 0 ||
        bt_pmi_call(req, "fullinit-response") != 0)
        return -1;
    if (bt_pmi_answer_rc() != 0 ||
        bt_pmi_field_int("rank", &bt_pmi.info.rank) != 0 ||
        bt_pmi_field_int("size", &bt_pmi.info.size) != 0 ||
        bt_pmi.info.size < 1 || bt_pmi.info.rank < 0 ||
        bt_pmi.info.rank >= bt_pmi.info.size) {
        bt_pmi_error("fullinit failed: '%.200s'", bt_pmi.msg);
        return -1;
    }
    if (bt_pmi_field_int("appnum", &bt_pmi.info.appnum) != 0)
        bt_pmi.info.appnum = 0;

    if (bt_pmi_call("cmd=job-getid;", "job-getid-response") != 0)
        return -1;
    if (bt_pmi_answer_rc() != 0 ||
        bt_pmi_field("jobid", bt_pmi.info.kvsname, sizeof(bt_pmi.info.kvsname)) != 0) {
        if (jobid == NULL || strlen(jobid) >= sizeof(bt_pmi.info.kvsname)) {
            bt_pmi_error("job-getid failed: '%.200s'", bt_pmi.msg);
            return -1;
        }
        strcpy(bt_pmi.info.kvsname, jobid);
    }

    bt_pmi.info.universe_size = bt_pmi.info.size;
    status = bt_pmi_get_job_attr("universeSize", value, sizeof(value));
    if (status < 0)
        return -1;
    if (status == 0 && atoi(value) > 0)
        bt_pmi.info.universe_size = atoi(value);
    return 0;
}

static int bt_pmi_singleton_init(void)
{
    bt_pmi.mode = BT_PMI_MODE_SINGLETON;
    bt_pmi.info.rank = 0;
    bt_pmi.info.size = 1;
    bt_pmi.info.appnum = 0;
    bt_pmi.info.universe_size = 1;
    bt_pmi.info.local_rank = 0;
    bt_pmi.info.local_size = 1;
    bt_pmi.info.singleton = 1;
    /* Unique on this node, so that it can name per-job resources. */
    snprintf(bt_pmi.info.kvsname, sizeof(bt_pmi.info.kvsname),
             "singleton-%ld-%lld", (long)getpid(), (long long)time(NULL));
    return 0;
}

/* Which wire protocol; see the rule in bt_pmi.h. */
static int bt_pmi_choose_version(void)
{
    const char *forced = bt_env_str("BATON_PMI", NULL);   /* "1" or "2": checked */

    if (forced != NULL)
        return forced[0] - '0';
    if (bt_pmi_env_is("PMI_VERSION", "2"))
        return 2;
    if (getenv("PMI_JOBID") != NULL)
        return 2;
    return 1;
}

int bt_pmi_init(bt_pmi_info_t *info_p)
{
    long fd, rank, size, local_rank, local_size;
    int version, status;
    char map[1024];
    struct stat st;

    if (bt_pmi.mode == BT_PMI_MODE_FINALIZED) {
        bt_pmi_error("bt_pmi_init called after bt_pmi_finalize");
        return -1;
    }
    if (bt_pmi.mode != BT_PMI_MODE_NONE) {
        *info_p = bt_pmi.info;
        return 0;
    }
    memset(&bt_pmi.info, 0, sizeof(bt_pmi.info));
    bt_pmi.info.local_rank = -1;
    bt_pmi.info.local_size = -1;
    bt_pmi.key_max = BT_PMI_KEY_MAX - 1;
    bt_pmi.value_max = BT_PMI_VALUE_MAX - 1;
    bt_pmi.rlen = 0;

    status = bt_pmi_env_int("PMI_FD", 0, 1 << 30, &fd);
    if (status == -1) {
        /* Started as one of several copies by a launcher we cannot talk
         * to: running as N singletons would be silently wrong. */
        if (bt_pmi_env_int("PMI_SIZE", 2, 1 << 30, &size) == 0 ||
            getenv("PMI_PORT") != NULL ||
            bt_pmi_env_int("OMPI_COMM_WORLD_SIZE", 2, 1 << 30, &size) == 0) {
            bt_pmi_error("started by a launcher Baton cannot talk to (PMI_SIZE, "
                         "PMI_PORT or OMPI_COMM_WORLD_SIZE set, no PMI_FD): use "
                         "Baton's mpiexec, or srun --mpi=pmi2 under Slurm");
            return -1;
        }
        bt_pmi_singleton_init();
        *info_p = bt_pmi.info;
        return 0;
    }
    if (status == -2) {
        bt_pmi_error("PMI_FD=%s is not a file descriptor number", getenv("PMI_FD"));
        return -1;
    }
    /* A program run by a rank inherits PMI_FD in its environment but not
     * the socket (close-on-exec below); the number may name another file. */
    if (fstat((int)fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        bt_pmi_error("PMI_FD=%ld is not a socket open in this process (was this "
                     "program started by a rank rather than by the launcher?)", fd);
        return -1;
    }
    /* Programs this rank runs must not inherit the launcher's socket. */
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    bt_pmi.fd = (int)fd;

    version = bt_pmi_choose_version();
    if (version < 0)
        return -1;

    if (bt_pmi_env_int("PMI_RANK", 0, 1 << 30, &rank) == 0)
        bt_pmi.info.rank = (int)rank;
    if (bt_pmi_env_int("PMI_SIZE", 1, 1 << 30, &size) == 0)
        bt_pmi.info.size = (int)size;

    if (version == 1) {
        if (bt_pmi.info.size < 1 || getenv("PMI_RANK") == NULL ||
            bt_pmi.info.rank >= bt_pmi.info.size) {
            bt_pmi_error("PMI_RANK=%s and PMI_SIZE=%s do not describe a rank of "
                         "a job", getenv("PMI_RANK") ? getenv("PMI_RANK") : "(unset)",
                         getenv("PMI_SIZE") ? getenv("PMI_SIZE") : "(unset)");
            return -1;
        }
        bt_pmi.mode = BT_PMI_MODE_V1;
        status = bt_pmi_v1_init();
    } else {
        status = bt_pmi_v2_init();
    }
    if (status != 0)
        goto err_close;

    if (bt_pmi.value_max > BT_PMI_BUF_SIZE / 2)
        bt_pmi.value_max = BT_PMI_BUF_SIZE / 2;
    if (bt_pmi.key_max > 256)
        bt_pmi.key_max = 256;

    /* The layout of the whole job: which ranks share a node (bt_pmi_node_map). */
    status = bt_pmi_get_job_attr("PMI_process_mapping", map, sizeof(map));
    if (status < 0)
        goto err_close;
    if (status == 0)
        bt_pmi.map = strdup(map);
    if (bt_pmi_env_int("MPI_LOCALRANKID", 0, 1 << 30, &local_rank) == 0 &&
        bt_pmi_env_int("MPI_LOCALNRANKS", 1, 1 << 30, &local_size) == 0 &&
        local_rank < local_size) {
        bt_pmi.info.local_rank = (int)local_rank;
        bt_pmi.info.local_size = (int)local_size;
    } else if (status == 0) {
        bt_pmi_map_locality(map, &bt_pmi.info);
    }
    *info_p = bt_pmi.info;
    return 0;

err_close:
    close(bt_pmi.fd);
    bt_pmi.fd = -1;
    bt_pmi.mode = BT_PMI_MODE_NONE;
    return -1;
}

/* ---- key-value store -------------------------------------------------- */

int bt_pmi_put(const char *key, const char *value)
{
    char req[BT_PMI_BUF_SIZE];

    if (bt_pmi_token_check("key", key, bt_pmi.key_max, 0) != 0 ||
        bt_pmi_token_check("value", value, bt_pmi.value_max, 1) != 0)
        return -1;
    switch (bt_pmi.mode) {
    case BT_PMI_MODE_SINGLETON:
        return bt_pmi_local_put(key, value);
    case BT_PMI_MODE_V1:
        if (bt_pmi_format(req, sizeof(req), "cmd=put kvsname=%s key=%s value=%s\n",
                          bt_pmi.info.kvsname, key, value) != 0 ||
            bt_pmi_call(req, "put_result") != 0)
            return -1;
        break;
    case BT_PMI_MODE_V2:
        if (bt_pmi_format(req, sizeof(req), "cmd=kvs-put;key=%s;value=%s;", key,
                          value) != 0 ||
            bt_pmi_call(req, "kvs-put-response") != 0)
            return -1;
        break;
    default:
        bt_pmi_error("bt_pmi_put called while PMI is not initialized");
        return -1;
    }
    if (bt_pmi_answer_rc() != 0) {
        bt_pmi_error("the launcher refused to store key '%s': '%.200s'", key,
                     bt_pmi.msg);
        return -1;
    }
    return 0;
}

int bt_pmi_fence(void)
{
    switch (bt_pmi.mode) {
    case BT_PMI_MODE_SINGLETON:
        return 0;
    case BT_PMI_MODE_V1:
        if (bt_pmi_call("cmd=barrier_in\n", "barrier_out") != 0)
            return -1;
        break;
    case BT_PMI_MODE_V2:
        if (bt_pmi_call("cmd=kvs-fence;", "kvs-fence-response") != 0)
            return -1;
        break;
    default:
        bt_pmi_error("bt_pmi_fence called while PMI is not initialized");
        return -1;
    }
    if (bt_pmi_answer_rc() != 0) {
        bt_pmi_error("fence failed: '%.200s'", bt_pmi.msg);
        return -1;
    }
    return 0;
}

/* Copies the "value" field of the last answer. */
static int bt_pmi_copy_value(const char *key, char *value, size_t len)
{
    int status = bt_pmi_field("value", value, len);

    if (status == -2) {
        bt_pmi_error("value of key '%s' does not fit in %zu bytes", key, len);
        return -1;
    }
    if (status != 0) {
        bt_pmi_error("answer without a value: '%.200s'", bt_pmi.msg);
        return -1;
    }
    return 0;
}

int bt_pmi_get(int rank, const char *key, char *value, size_t len)
{
    char req[BT_PMI_BUF_SIZE], found[16];
    bt_pmi_kv_t *kv;

    if (len == 0) {
        bt_pmi_error("bt_pmi_get: no room for the value of '%s'", key);
        return -1;
    }
    value[0] = '\0';
    if (bt_pmi_token_check("key", key, bt_pmi.key_max, 0) != 0)
        return -1;
    switch (bt_pmi.mode) {
    case BT_PMI_MODE_SINGLETON:
        kv = bt_pmi_local_find(key);
        if (kv == NULL)
            return 1;
        if (strlen(kv->value) >= len) {
            bt_pmi_error("value of key '%s' does not fit in %zu bytes", key, len);
            return -1;
        }
        strcpy(value, kv->value);
        return 0;
    case BT_PMI_MODE_V1:
        if (bt_pmi_format(req, sizeof(req), "cmd=get kvsname=%s key=%s\n",
                          bt_pmi.info.kvsname, key) != 0 ||
            bt_pmi_call(req, "get_result") != 0)
            return -1;
        if (bt_pmi_answer_rc() != 0)
            return 1;
        break;
    case BT_PMI_MODE_V2:
        if (bt_pmi_format(req, sizeof(req), "cmd=kvs-get;jobid=%s;srcid=%d;key=%s;",
                          bt_pmi.info.kvsname, rank, key) != 0 ||
            bt_pmi_call(req, "kvs-get-response") != 0)
            return -1;
        if (bt_pmi_answer_rc() != 0 ||
            bt_pmi_field("found", found, sizeof(found)) != 0 ||
            strcmp(found, "TRUE") != 0)
            return 1;
        break;
    default:
        bt_pmi_error("bt_pmi_get called while PMI is not initialized");
        return -1;
    }
    return bt_pmi_copy_value(key, value, len);
}

int bt_pmi_get_job_attr(const char *name, char *value, size_t len)
{
    char req[512], found[16];

    if (len == 0)
        return -1;
    value[0] = '\0';
    switch (bt_pmi.mode) {
    case BT_PMI_MODE_SINGLETON:
        return 1;
    case BT_PMI_MODE_V1:
        /* PMI-1 launchers publish job attributes as keys of the job's KVS. */
        if (bt_pmi_format(req, sizeof(req), "cmd=get kvsname=%s key=%s\n",
                          bt_pmi.info.kvsname, name) != 0 ||
            bt_pmi_call(req, "get_result") != 0)
            return -1;
        if (bt_pmi_answer_rc() != 0)
            return 1;
        break;
    case BT_PMI_MODE_V2:
        if (bt_pmi_format(req, sizeof(req), "cmd=info-getjobattr;key=%s;", name) != 0 ||
            bt_pmi_call(req, "info-getjobattr-response") != 0)
            return -1;
        if (bt_pmi_answer_rc() != 0 ||
            bt_pmi_field("found", found, sizeof(found)) != 0 ||
            strcmp(found, "TRUE") != 0)
            return 1;
        break;
    default:
        bt_pmi_error("bt_pmi_get_job_attr called while PMI is not initialized");
        return -1;
    }
    return bt_pmi_copy_value(name, value, len);
}

size_t bt_pmi_key_max(void)
{
    return bt_pmi.key_max;
}

size_t bt_pmi_value_max(void)
{
    return bt_pmi.value_max;
}

/* ---- end -------------------------------------------------------------- */

void bt_pmi_abort(int exitcode, const char *msg, int error)
{
    char req[1024], text[512];
    size_t i;

    if (bt_pmi.mode == BT_PMI_MODE_V1) {
        /* A launcher that does not know the key ignores it (Hydra does). */
        if (bt_pmi_format(req, sizeof(req), "cmd=abort exitcode=%d%s\n", exitcode,
                          error ? " reason=error" : "") == 0)
            bt_pmi_io_send(req, strlen(req));
    } else if (bt_pmi.mode == BT_PMI_MODE_V2) {
        /* PMI-2 carries no exit code: the launcher takes it from the exit status. */
        snprintf(text, sizeof(text), "%s", msg != NULL ? msg : "");
        for (i = 0; text[i] != '\0'; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c < ' ' || c >= 0x7f || c == ';')
                text[i] = ' ';
        }
        snprintf(req, sizeof(req), "cmd=abort;isworld=TRUE;msg=%s%s;", error ? "error: " : "", text);
        {
            char frame[1100];
            int n = snprintf(frame, sizeof(frame), "%-6zu%s", strlen(req), req);
            if (n > 0 && (size_t)n < sizeof(frame))
                bt_pmi_io_send(frame, (size_t)n);
        }
    }
    /* No answer in either protocol: the launcher ends the job. */
}

int bt_pmi_end(void)
{
    int status = 0;

    if (bt_pmi.ended)
        return 0;
    if (bt_pmi.mode == BT_PMI_MODE_V1)
        status = bt_pmi_call("cmd=finalize\n", "finalize_ack");
    else if (bt_pmi.mode == BT_PMI_MODE_V2)
        status = bt_pmi_call("cmd=finalize;", "finalize-response");
    bt_pmi.ended = 1;
    return status;
}

int bt_pmi_restart(void)
{
    if (!bt_pmi.ended)
        return 0;
    bt_pmi.ended = 0;
    /* Only Baton's launcher (which sets BATON_JOBID) knows the request; to any
     * other the rank stays finalized, and its exit status alone tells. */
    if (getenv("BATON_JOBID") == NULL)
        return 0;
    if (bt_pmi.mode == BT_PMI_MODE_V1)
        return bt_pmi_call("cmd=baton_restart\n", "baton_restart_ack");
    if (bt_pmi.mode == BT_PMI_MODE_V2)
        return bt_pmi_call("cmd=baton-restart;", "baton-restart-response");
    return 0;
}

int bt_pmi_finalize(void)
{
    int status = 0;

    free(bt_pmi.map);
    bt_pmi.map = NULL;
    switch (bt_pmi.mode) {
    case BT_PMI_MODE_SINGLETON:
        bt_pmi_local_free();
        break;
    case BT_PMI_MODE_V1:
    case BT_PMI_MODE_V2:
        status = bt_pmi_end();
        break;
    case BT_PMI_MODE_FINALIZED:
        return 0;
    default:
        bt_pmi_error("bt_pmi_finalize called while PMI is not initialized");
        return -1;
    }
    if (bt_pmi.fd >= 0) {
        close(bt_pmi.fd);
        bt_pmi.fd = -1;
    }
    bt_pmi.mode = BT_PMI_MODE_FINALIZED;
    return status;
}
