/* I/O forwarding: the ranks' stdout and stderr go to mpiexec's, whole lines
 * at a time, so that lines of different ranks are never spliced; mpiexec's
 * stdin goes to rank 0. */
#include "mpiexec.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bt_iofwd_init(bt_job_t *job)
{
    job->sinks[0] = (bt_sink_t){ .fd = STDOUT_FILENO, .is_tty = isatty(STDOUT_FILENO) };
    job->sinks[1] = (bt_sink_t){ .fd = STDERR_FILENO, .is_tty = isatty(STDERR_FILENO) };
    job->scratch_cap = 2 * BT_STREAM_BUF;
    job->scratch = malloc(job->scratch_cap);
    job->in.from_fd = -1;
    job->in.to_fd = -1;
    return job->scratch != NULL ? 0 : -1;
}

void bt_iofwd_fini(bt_job_t *job)
{
    for (int i = 0; i < job->nprocs; i++) {
        free(job->ranks[i].out.buf);
        free(job->ranks[i].err.buf);
        job->ranks[i].out.buf = job->ranks[i].err.buf = NULL;
    }
    free(job->scratch);
    job->scratch = NULL;
}

static void bt_iofwd_write_all(bt_sink_t *sink, const char *p, size_t len)
{
    while (len > 0 && !sink->broken) {
        ssize_t n = write(sink->fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* someone made our stdout non-blocking: wait for room */
                struct pollfd pfd = { .fd = sink->fd, .events = POLLOUT };
                poll(&pfd, 1, -1);
                continue;
            }
            /* EPIPE and the like: nobody reads; the ranks will get EPIPE
             * in turn when their pipes are closed, as in a shell pipeline. */
            sink->broken = 1;
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static int bt_iofwd_scratch_reserve(bt_job_t *job, size_t need)
{
    char *grown;

    if (need <= job->scratch_cap)
        return 0;
    grown = realloc(job->scratch, need);
    if (grown == NULL)
        return -1;
    job->scratch = grown;
    job->scratch_cap = need;
    return 0;
}

static void bt_iofwd_emit_sink(bt_job_t *job, bt_stream_t *s, const char *data, size_t len);

/* Writes len bytes of s's output to its sink in one go; a proxy sends them
 * to the head instead, which tags them and writes them. */
void bt_iofwd_emit_data(bt_job_t *job, bt_stream_t *s, const char *data, size_t len)
{
    if (len == 0)
        return;
    if (job->role == BT_ROLE_PROXY) {
        bt_proxy_output(job, s, data, len);
        return;
    }
    /* A rank's answer to a hang report's question is not output. What the filter
     * leaves goes to the sink as it is (it may still hold the marker where it
     * does not start an answer's line). */
    if (s->which == 1 && (bt_diag_collecting(job) || memmem(data, len, "\001baton-diag", 11))) {
        char *copy = malloc(len);
        if (copy != NULL) {
            memcpy(copy, data, len);
            bt_iofwd_emit_sink(job, s, copy, bt_diag_filter(job, s->rank, copy, len));
            free(copy);
            return;
        }
    }
    bt_iofwd_emit_sink(job, s, data, len);
}

static void bt_iofwd_emit_sink(bt_job_t *job, bt_stream_t *s, const char *data, size_t len)
{
    bt_sink_t *sink = &job->sinks[s->which];
    char prefix[24];
    size_t plen = 0, nlines = 0, o = 0;
    const char *p = data, *end = data + len;

    if (len == 0)
        return;
    if (sink->broken)
        return;
    if (job->opts->tag_output)
        plen = (size_t)snprintf(prefix, sizeof(prefix), "[%d] ", s->rank);
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        nlines++;
    if (bt_iofwd_scratch_reserve(job, len + 1 + (nlines + 1) * plen) != 0) {
        /* no memory for the prefixes: pass the bytes on untouched */
        bt_iofwd_write_all(sink, data, len);
        return;
    }
    /* Another rank left a line unfinished: end it rather than splice. */
    if (sink->partial != NULL && sink->partial != s) {
        job->scratch[o++] = '\n';
        sink->partial->at_line_start = 1;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

        if (s->at_line_start && plen > 0) {
            memcpy(job->scratch + o, prefix, plen);
            o += plen;
        }
        memcpy(job->scratch + o, p, l);
        o += l;
        p += l;
        s->at_line_start = nl != NULL;
    }
    sink->partial = s->at_line_start ? NULL : s;
    bt_iofwd_write_all(sink, job->scratch, o);
}

static void bt_iofwd_emit(bt_job_t *job, bt_stream_t *s, size_t len)
{
    bt_iofwd_emit_data(job, s, s->buf, len);
}

void bt_iofwd_close(bt_job_t *job, bt_stream_t *s)
{
    if (s->fd < 0)
        return;
    bt_iofwd_emit(job, s, s->len);
    s->len = 0;
    s->partial_since_ms = -1;
    close(s->fd);
    s->fd = -1;
}

void bt_iofwd_read(bt_job_t *job, bt_stream_t *s)
{
    size_t old = s->len;
    ssize_t n;
    char *nl;

    if (job->sinks[s->which].broken) {
        s->len = 0;
        bt_iofwd_close(job, s);
        return;
    }
    if (s->buf == NULL) {
        s->buf = malloc(BT_STREAM_BUF);
        if (s->buf == NULL) {
            bt_iofwd_message(job, "mpiexec: out of memory: output of rank %d lost",
                             s->rank);
            bt_iofwd_close(job, s);
            return;
        }
    }
    n = read(s->fd, s->buf + s->len, BT_STREAM_BUF - s->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        bt_iofwd_close(job, s);
        return;
    }
    s->len += (size_t)n;
    /* Only the new bytes can hold a newline: older ones were an unfinished line. */
    nl = memrchr(s->buf + old, '\n', (size_t)n);
    if (nl != NULL) {
        size_t upto = (size_t)(nl - s->buf) + 1;

        bt_iofwd_emit(job, s, upto);
        memmove(s->buf, s->buf + upto, s->len - upto);
        s->len -= upto;
    } else if (s->len == BT_STREAM_BUF) {
        bt_iofwd_emit(job, s, s->len);
        s->len = 0;
    }
    if (s->len == 0)
        s->partial_since_ms = -1;
    else if (s->partial_since_ms < 0)
        s->partial_since_ms = bt_now_ms();
}

/* A prompt or a progress bar never ends its line: on a terminal, show an
 * unfinished line once it has waited BT_PARTIAL_MS.  Pipes and files get
 * whole lines only. */
int64_t bt_iofwd_flush_stale(bt_job_t *job, int64_t now_ms)
{
    int64_t next = -1;

    for (int i = 0; i < job->nprocs; i++) {
        bt_stream_t *streams[2] = { &job->ranks[i].out, &job->ranks[i].err };

        for (int j = 0; j < 2; j++) {
            bt_stream_t *s = streams[j];
            int64_t due = s->partial_since_ms + BT_PARTIAL_MS;

            if (s->partial_since_ms < 0 || !job->sinks[s->which].is_tty)
                continue;
            if (due <= now_ms) {
                bt_iofwd_emit(job, s, s->len);
                s->len = 0;
                s->partial_since_ms = -1;
            } else if (next < 0 || due < next) {
                next = due;
            }
        }
    }
    return next;
}

void bt_iofwd_message(bt_job_t *job, const char *fmt, ...)
{
    bt_sink_t *sink = &job->sinks[1];
    char text[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(text, sizeof(text) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(text) - 2)
        n = (int)sizeof(text) - 2;
    text[n++] = '\n';
    if (sink->partial != NULL) {
        bt_iofwd_write_all(sink, "\n", 1);
        sink->partial->at_line_start = 1;
        sink->partial = NULL;
    }
    bt_iofwd_write_all(sink, text, (size_t)n);
}

/* ---- stdin to rank 0 ---- */

void bt_iofwd_stdin_close(bt_job_t *job)
{
    if (job->in.to_fd >= 0 && job->role == BT_ROLE_PROXY)
        bt_proxy_stdin_done(job, job->in.len - job->in.off, 0); /* the head stops */
    if (job->in.to_fd >= 0)
        close(job->in.to_fd);
    job->in.to_fd = -1;
    job->in.from_fd = -1; /* mpiexec's stdin stays open: it is not ours */
    job->in.len = job->in.off = 0;
}

void bt_iofwd_stdin_read(bt_job_t *job)
{
    bt_stdin_fwd_t *in = &job->in;
    ssize_t n = read(in->from_fd, in->buf, sizeof(in->buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        /* EOF: rank 0 sees EOF too */
        bt_iofwd_stdin_close(job);
        return;
    }
    in->len = (size_t)n;
    in->off = 0;
}

void bt_iofwd_stdin_write(bt_job_t *job)
{
    bt_stdin_fwd_t *in = &job->in;
    ssize_t n;

    if (in->len == 0) {
        /* polled with no events: POLLERR says rank 0 closed its stdin */
        bt_iofwd_stdin_close(job);
        return;
    }
    n = write(in->to_fd, in->buf + in->off, in->len - in->off);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n < 0) {
        bt_iofwd_stdin_close(job); /* EPIPE: rank 0 no longer reads */
        return;
    }
    in->off += (size_t)n;
    if (in->off == in->len) {
        if (job->role == BT_ROLE_PROXY)
            bt_proxy_stdin_done(job, in->len, 1); /* the head may send the next */
        in->len = in->off = 0;
    }
}
