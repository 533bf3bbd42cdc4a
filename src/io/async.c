/* Nonblocking file access: the I/O thread.
 *
 * MPI_File_iwrite and its kind start their access on the caller's thread
 * (bt_io_start: checks, the file pointer, the data converted, the pieces of the
 * file), queue it, and return. One thread per process, started by the first such
 * call, does the system calls of the queued accesses in order (bt_io_move: no MPI
 * state is touched there), then rings the rank's doorbell. The request's poll
 * function, on an MPI thread, finishes the access (bt_io_end: the data into the
 * user's buffer, the status, the error with its message).
 *
 * Writes on the I/O thread and writes on the caller's thread never run at once
 * on one file: data sieving writes back the bytes between its pieces as it
 * found them, and fcntl locks do not keep two threads of one process apart. So a
 * blocking write waits for the file's queued accesses first (bt_io_async_drain),
 * and while it runs nothing else is queued (the API lock is held). */
#include "io/bt_io_impl.h"
#include "transport/bt_transport.h"
#include "util/bt_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct bt_io_job bt_io_job_t;
struct bt_io_job {
    bt_io_op_t    op;
    const char   *call;
    bt_file_t    *file;      /* its errors' handler; NULL once the file is closed */
    bt_request_t *req;
    atomic_int    moved;     /* the I/O thread is done with it */
    int           ended;     /* bt_io_end ran: the request's outcome is set */
    int           err;       /* errno of the move */
    const char   *what;
    bt_io_job_t  *qnext;     /* the I/O thread's queue */
    bt_io_job_t  *next;      /* every job whose request is alive */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t  work, idle;   /* something queued; a file's last job moved */
    pthread_t       tid;
    int             running, stopping;
    bt_io_job_t    *head, *tail;  /* queue (under mu) */
    bt_io_job_t    *jobs;         /* alive (MPI threads only, under the API lock) */
} bt_io_async = { .mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
                  .idle = PTHREAD_COND_INITIALIZER };

static void *bt_io_thread_main(void *arg)
{
    pthread_mutex_lock(&bt_io_async.mu);
    for (;;) {
        bt_io_job_t *job = bt_io_async.head;
        if (job == NULL) {
            if (bt_io_async.stopping)
                break;
            pthread_cond_wait(&bt_io_async.work, &bt_io_async.mu);
            continue;
        }
        pthread_mutex_unlock(&bt_io_async.mu);
        job->err = bt_io_move(job->op.file, job->op.write, job->op.segs, job->op.nsegs,
                              job->op.data, job->op.bytes, &job->op.done, &job->what);
        pthread_mutex_lock(&bt_io_async.mu);
        /* Off the queue only now: a drain that finds the file's job queued waits. */
        bt_io_async.head = job->qnext;
        if (bt_io_async.head == NULL)
            bt_io_async.tail = NULL;
        job->op.file->async_queued--;
        atomic_store_explicit(&job->moved, 1, memory_order_release);
        pthread_cond_broadcast(&bt_io_async.idle);
        bt_tp_bell_ring_self();
    }
    pthread_mutex_unlock(&bt_io_async.mu);
    return arg;
}

/* The access's outcome into its request (an MPI thread). */
static void bt_io_job_end(bt_io_job_t *job)
{
    bt_request_t *req = job->req;
    MPI_Status st;
    int rc = job->err ? bt_io_syserr(job->err, job->call, job->what, job->op.file->path)
                      : MPI_SUCCESS;

    rc = bt_io_end(job->call, &job->op, rc, &st);
    req->st_bytes = (MPI_Count)(uint32_t)st.MPI_internal[0] |
                    (MPI_Count)(uint32_t)st.MPI_internal[1] << 32;
    req->st_error = rc;
    job->ended = 1;
}

static int bt_io_job_poll(bt_request_t *req)
{
    bt_io_job_t *job = req->state;

    if (!job->ended && atomic_load_explicit(&job->moved, memory_order_acquire))
        bt_io_job_end(job);
    return job->ended;
}

static void bt_io_job_free(bt_request_t *req)
{
    bt_io_job_t *job = req->state, **link = &bt_io_async.jobs;

    while (*link != job)
        link = &(*link)->next;
    *link = job->next;
    bt_datatype_release(job->op.dt);
    bt_io_op_free(&job->op);
    free(job);
    req->state = NULL;
}

/* An error of the move goes to the file's handler, as those of blocking calls. */
static int bt_io_job_raise(bt_request_t *req, const char *call, int code)
{
    bt_io_job_t *job = req->state;

    return bt_file_raise(job ? job->file : NULL, code);
}

int bt_file_iaccess(const char *call, bt_file_t *file, int write, int where, MPI_Offset offset,
                    void *buf, MPI_Count count, bt_datatype_t *dt, bt_request_t **req_p)
{
    bt_io_job_t *job = bt_calloc(1, sizeof(*job));
    bt_request_t *req;
    int rc = bt_io_start(call, &job->op, file, write, where, offset, buf, count, dt);

    if (rc != MPI_SUCCESS) {
        free(job);
        return rc;
    }
    /* The pointer moves past all that was asked for (MPI 4.1 section 14.4.3). */
    if (where == BT_IO_INDIVIDUAL)
        file->pos = job->op.start + job->op.bytes / file->esize;
    bt_datatype_retain(dt);
    job->call = call;
    job->file = file;
    req = job->req = bt_request_new(BT_REQ_GENERIC);
    req->state = job;
    req->poll_fn = bt_io_job_poll;
    req->free_fn = bt_io_job_free;
    req->raise_fn = bt_io_job_raise;
    job->next = bt_io_async.jobs;
    bt_io_async.jobs = job;

    pthread_mutex_lock(&bt_io_async.mu);
    if (!bt_io_async.running) {
        bt_io_async.stopping = 0;
        bt_io_async.running = pthread_create(&bt_io_async.tid, NULL, bt_io_thread_main,
                                             NULL) == 0;
    }
    if (!bt_io_async.running) {
        /* No thread to be had: the access is done here, as a blocking one. */
        pthread_mutex_unlock(&bt_io_async.mu);
        job->err = bt_io_move(file, write, job->op.segs, job->op.nsegs, job->op.data,
                              job->op.bytes, &job->op.done, &job->what);
        atomic_store(&job->moved, 1);
        bt_request_generic_start(req);
        *req_p = req;
        return MPI_SUCCESS;
    }
    if (bt_io_async.tail)
        bt_io_async.tail->qnext = job;
    else
        bt_io_async.head = job;
    bt_io_async.tail = job;
    file->async_queued++;
    pthread_cond_signal(&bt_io_async.work);
    pthread_mutex_unlock(&bt_io_async.mu);

    bt_request_generic_start(req);
    *req_p = req;
    return MPI_SUCCESS;
}

void bt_io_async_drain(bt_file_t *file)
{
    if (!bt_io_async.running)
        return;
    pthread_mutex_lock(&bt_io_async.mu);
    while (file->async_queued > 0)
        pthread_cond_wait(&bt_io_async.idle, &bt_io_async.mu);
    pthread_mutex_unlock(&bt_io_async.mu);
}

void bt_file_async_close(bt_file_t *file)
{
    bt_io_async_drain(file);
    /* Requests not waited for yet (which the standard makes erroneous) get their
     * outcome now, while the file is there, and raise on MPI_FILE_NULL's handler. */
    for (bt_io_job_t *job = bt_io_async.jobs; job; job = job->next) {
        if (job->op.file != file)
            continue;
        if (!job->ended)
            bt_io_job_end(job);
        job->file = NULL;
    }
}

void bt_io_async_stop(void)
{
    if (!bt_io_async.running)
        return;
    pthread_mutex_lock(&bt_io_async.mu);
    bt_io_async.stopping = 1;
    pthread_cond_signal(&bt_io_async.work);
    pthread_mutex_unlock(&bt_io_async.mu);
    pthread_join(bt_io_async.tid, NULL);
    bt_io_async.running = 0;
}
