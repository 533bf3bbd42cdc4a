/* The rank's side of the hang report: see bt_diag.h. The line's fields are
 * key=value, separated by \x1f (a communicator's name may hold spaces), after
 * the marker "\x01baton-diag"; tools/mpiexec/diag.c reads them. */
#include "pt2pt/bt_diag.h"

#include "pt2pt/bt_pt2pt_impl.h"
#include "runtime/bt_runtime.h"
#include "tools/bt_tools.h"
#include "util/bt_util.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bt_diag_call_t        bt_diag_cur;
volatile sig_atomic_t bt_diag_asked;
volatile sig_atomic_t bt_diag_waiting;

#define BT_DIAG_MARK "\001baton-diag"
#define BT_DIAG_SEP  "\037"
#define BT_DIAG_LIST 8     /* queue entries listed, the first ones */

static void bt_diag_write(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

typedef struct bt_diag_buf {
    char   text[3072];
    size_t len;
} bt_diag_buf_t;

static void bt_diag_add(bt_diag_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bt_diag_add(bt_diag_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->len >= sizeof(b->text) - 2)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->text + b->len, sizeof(b->text) - 2 - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len = BT_MIN(b->len + (size_t)n, sizeof(b->text) - 2);
}

/* Names carry neither the separator nor a newline. */
static void bt_diag_add_name(bt_diag_buf_t *b, const char *key, const char *name)
{
    bt_diag_add(b, BT_DIAG_SEP "%s=", key);
    for (const char *p = name; *p && b->len < sizeof(b->text) - 2; p++)
        b->text[b->len++] = (*p == '\n' || *p == '\037' || *p == '\001') ? ' ' : *p;
}

void bt_diag_report(void)
{
    const bt_diag_call_t *c = &bt_diag_cur;
    bt_diag_buf_t b = { .len = 0 };
    int n = 0;

    bt_diag_asked = 0;
    bt_diag_add(&b, BT_DIAG_MARK BT_DIAG_SEP "rank=%d" BT_DIAG_SEP "state=mpi", bt_rt.rank);
    /* Waits that record nothing more are named by their entry point (PMPI_X: MPI_X). */
    bt_diag_add_name(&b, "call", c->call         ? c->call
                                 : bt_diag_phase ? bt_diag_phase
                                 : bt_api_call   ? bt_api_call + (bt_api_call[0] == 'P')
                                                 : "MPI (a blocking call)");
    if (c->call && c->comm) {
        const bt_comm_t *comm = c->comm;
        bt_diag_add_name(&b, "comm", comm->name[0] ? comm->name : "(unnamed)");
        bt_diag_add(&b, BT_DIAG_SEP "ctx=%u" BT_DIAG_SEP "csize=%d", (unsigned)comm->ctx,
                    comm->size);
        if (c->peer != BT_DIAG_NONE) {
            int world = c->peer >= 0 && c->peer < bt_comm_peer_size(comm)
                            ? bt_comm_world_rank(comm, c->peer) : c->peer;
            bt_diag_add(&b, BT_DIAG_SEP "peer=%d" BT_DIAG_SEP "wpeer=%d" BT_DIAG_SEP "dir=%s",
                        c->peer, world, c->send ? "to" : c->tag == BT_DIAG_NONE ? "root" : "from");
        }
        if (c->tag != BT_DIAG_NONE)
            bt_diag_add(&b, BT_DIAG_SEP "tag=%d", c->tag);
    }
    if (c->call && c->dt) {
        bt_diag_add(&b, BT_DIAG_SEP "count=%lld", (long long)c->count);
        bt_diag_add_name(&b, "type", c->dt->name[0] ? c->dt->name : "(derived)");
    }
    if (c->nreqs > 0)
        bt_diag_add(&b, BT_DIAG_SEP "nreqs=%d", c->nreqs);
    bt_diag_add(&b, BT_DIAG_SEP "waited=%.1f", c->since > 0 ? bt_time_now() - c->since : 0.0);
    /* The receives posted (pending), the messages no receive matched (unexpected). */
    for (bt_request_t *r = bt_p2p.posted_head; r; r = r->next)
        n++;
    bt_diag_add(&b, BT_DIAG_SEP "pending=%d" BT_DIAG_SEP "precv=", n);
    n = 0;
    for (bt_request_t *r = bt_p2p.posted_head; r && n < BT_DIAG_LIST; r = r->next, n++) {
        int w = r->peer >= 0 && r->comm ? bt_comm_world_rank(r->comm, r->peer) : r->peer;
        bt_diag_add(&b, "%s%d:%d", n ? "," : "", w, r->tag);
    }
    bt_diag_add(&b, BT_DIAG_SEP "unexp=%llu" BT_DIAG_SEP "ux=", bt_tool_ctr.unexp_len);
    n = 0;
    for (bt_unexp_t *u = bt_p2p.unexp_head; u && n < BT_DIAG_LIST; u = u->next, n++)
        bt_diag_add(&b, "%s%d:%d:%lld:%u", n ? "," : "", u->src_world, u->tag,
                    (long long)u->size, (unsigned)u->ctx);
    b.text[b.len++] = '\n';
    bt_diag_write(b.text, b.len);
}

const char *bt_diag_phase;
const char *bt_api_call;
static int  bt_diag_rank = -1;   /* from PMI_RANK: known before MPI_Init knows it */

static size_t bt_diag_cat(char *line, size_t len, size_t cap, const char *s)
{
    while (*s && len + 2 < cap)
        line[len++] = *s++;
    return len;
}

/* Async-signal-safe: a rank outside MPI, in MPI_Init or MPI_Finalize answers
 * here; one in a wait, or on its way to one, from its wait loop. */
static void bt_diag_on_signal(int sig)
{
    int saved = errno;

    if (bt_diag_waiting || (bt_diag_cur.call && !bt_diag_phase)) {
        bt_diag_asked = 1;
    } else {
        char line[160], digits[12];
        size_t len = 0;
        int n = 0, r = bt_diag_rank;

        len = bt_diag_cat(line, len, sizeof(line), BT_DIAG_MARK BT_DIAG_SEP "rank=");
        do {
            digits[n++] = (char)('0' + r % 10);
            r /= 10;
        } while (r > 0 && n < (int)sizeof(digits) - 1);
        while (n > 0)
            line[len++] = digits[--n];
        if (bt_diag_phase) {
            len = bt_diag_cat(line, len, sizeof(line), BT_DIAG_SEP "state=mpi" BT_DIAG_SEP "call=");
            len = bt_diag_cat(line, len, sizeof(line), bt_diag_phase);
        } else {
            len = bt_diag_cat(line, len, sizeof(line), BT_DIAG_SEP "state=outside");
        }
        line[len++] = '\n';
        bt_diag_write(line, len);
    }
    errno = saved;
}

/* A Python rank (mpi4py): the interpreter's faulthandler prints the Python stack
 * of every thread on the same signal, then calls our handler (chain). Found by
 * name: nothing of Python is linked in. */
static void bt_diag_python(void)
{
    int (*initialized)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "Py_IsInitialized");
    int (*ensure)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "PyGILState_Ensure");
    void (*release)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "PyGILState_Release");
    int (*run)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "PyRun_SimpleString");
    int gil;

    if (!initialized || !ensure || !release || !run || !initialized())
        return;
    gil = ensure();
    run("import faulthandler as _bt_f, signal as _bt_s\n"
        "_bt_f.register(_bt_s.SIGURG, all_threads=True, chain=True)\n"
        "del _bt_f, _bt_s\n");
    release(gil);
}

void bt_diag_install(void)
{
    struct sigaction sa;
    const char *r = getenv("PMI_RANK");

    if (getenv("BATON_JOBID") == NULL || r == NULL || bt_diag_rank >= 0)
        return;
    bt_diag_rank = atoi(r);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = bt_diag_on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGURG, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    bt_diag_python();
}
