/* The buffers of buffered sends: the process's (MPI_Buffer_attach), a
 * communicator's and a session's (MPI 4.1). Each is a first-fit allocator over
 * the user's memory; a buffered message takes its packed size plus
 * MPI_BSEND_OVERHEAD, the amount the standard tells users to provide for. A
 * buffer attached as MPI_BUFFER_AUTOMATIC gets each message's space from malloc
 * and never runs out. */
#include "pt2pt/bt_pt2pt_impl.h"

#include "util/bt_util.h"

typedef struct bt_bsend_block {
    struct bt_bsend_block *next;
    struct bt_bsend_pool  *pool;
    size_t                 off, len;
    uint64_t               seq;      /* order of buffering, for the flushes */
    void                  *space;
} bt_bsend_block_t;

struct bt_bsend_pool {
    char             *buf;       /* NULL: nothing attached */
    size_t            size;
    int               automatic;
    bt_bsend_block_t *used;      /* sorted by offset (automatic: newest first) */
    uint64_t          seq;       /* messages buffered so far */
};

static bt_bsend_pool_t bt_bsend_process;

bt_bsend_pool_t *bt_bsend_pool_process(void)
{
    return &bt_bsend_process;
}

bt_bsend_pool_t *bt_bsend_pool_new(void)
{
    return bt_calloc(1, sizeof(bt_bsend_pool_t));
}

/* The communicator's buffer, else its session's, else the process's. */
bt_bsend_pool_t *bt_bsend_pool_for(const bt_comm_t *comm)
{
    if (bt_bsend_attached(comm->bsend))
        return comm->bsend;
    if (comm->session && bt_bsend_attached(comm->session->bsend))
        return comm->session->bsend;
    return &bt_bsend_process;
}

int bt_bsend_attached(const bt_bsend_pool_t *pool)
{
    return pool && (pool->buf || pool->automatic);
}

int bt_bsend_attach(bt_bsend_pool_t *pool, void *buf, MPI_Count size)
{
    if (bt_bsend_attached(pool))
        return MPI_ERR_BUFFER;   /* one buffer at a time */
    pool->automatic = buf == MPI_BUFFER_AUTOMATIC;
    pool->buf = pool->automatic ? NULL : buf;
    pool->size = pool->automatic ? 0 : (size_t)size;
    pool->used = NULL;
    return MPI_SUCCESS;
}

static int bt_bsend_idle(void *arg)
{
    return ((bt_bsend_pool_t *)arg)->used == NULL;
}

void bt_bsend_flush(bt_bsend_pool_t *pool)
{
    bt_progress_until(bt_bsend_idle, pool);
}

int bt_bsend_detach(bt_bsend_pool_t *pool, void **buf_p, MPI_Count *size_p)
{
    if (!bt_bsend_attached(pool))
        return MPI_ERR_BUFFER;
    /* Detach waits until every buffered message has left. */
    bt_bsend_flush(pool);
    *buf_p = pool->automatic ? MPI_BUFFER_AUTOMATIC : pool->buf;
    *size_p = (MPI_Count)pool->size;
    pool->buf = NULL;
    pool->size = 0;
    pool->automatic = 0;
    return MPI_SUCCESS;
}

/* The oldest message still in pool, UINT64_MAX when none is. */
static uint64_t bt_bsend_oldest(const bt_bsend_pool_t *pool)
{
    uint64_t oldest = UINT64_MAX;

    if (!pool)
        return oldest;
    for (const bt_bsend_block_t *b = pool->used; b; b = b->next)
        oldest = BT_MIN(oldest, b->seq);
    return oldest;
}

typedef struct {
    bt_bsend_pool_t *pool;
    uint64_t         upto;      /* the messages buffered before the flush */
} bt_bsend_flush_t;

static int bt_bsend_flush_poll(bt_request_t *req)
{
    bt_bsend_flush_t *f = req->state;

    return bt_bsend_oldest(f->pool) >= f->upto;
}

static void bt_bsend_flush_free(bt_request_t *req)
{
    free(req->state);
    req->state = NULL;
}

bt_request_t *bt_bsend_iflush(bt_bsend_pool_t *pool)
{
    bt_request_t *req = bt_request_new(BT_REQ_GENERIC);
    bt_bsend_flush_t *f = bt_malloc(sizeof(*f));

    /* Done when the messages buffered so far have left, whatever comes after. */
    f->pool = pool;
    f->upto = pool ? pool->seq : 0;
    req->state = f;
    req->poll_fn = bt_bsend_flush_poll;
    req->free_fn = bt_bsend_flush_free;
    req->st_source = MPI_ANY_SOURCE;
    req->st_tag = MPI_ANY_TAG;
    if (bt_bsend_flush_poll(req))
        req->done = 1;
    else
        bt_request_generic_start(req);
    return req;
}

void *bt_bsend_alloc(bt_bsend_pool_t *pool, MPI_Count bytes, void **block_p)
{
    /* Exactly what the standard tells users to provide: packed size + overhead. */
    size_t need = (size_t)bytes + MPI_BSEND_OVERHEAD;
    bt_bsend_block_t **link = &pool->used, *b;
    size_t off = 0;

    if (!bt_bsend_attached(pool))
        return NULL;
    if (pool->automatic) {
        b = bt_malloc(sizeof(*b));
        b->space = bt_malloc(BT_MAX((size_t)bytes, 1));
        b->off = b->len = 0;
        b->next = pool->used;
        pool->used = b;
    } else {
        /* Completed buffered sends free their space from the progress engine. */
        bt_progress_poll();
        for (;;) {
            size_t end = *link ? (*link)->off : pool->size;
            if (end >= off && end - off >= need)
                break;
            if (!*link)
                return NULL;
            off = (*link)->off + (*link)->len;
            link = &(*link)->next;
        }
        b = bt_malloc(sizeof(*b));
        b->off = off;
        b->len = need;
        b->space = pool->buf + off;
        b->next = *link;
        *link = b;
    }
    b->pool = pool;
    b->seq = pool->seq++;
    *block_p = b;
    return b->space;
}

void bt_bsend_release(bt_request_t *inner)
{
    bt_bsend_block_t *b = inner->state;
    bt_bsend_pool_t *pool = b->pool;

    for (bt_bsend_block_t **link = &pool->used; *link; link = &(*link)->next) {
        if (*link == b) {
            *link = b->next;
            break;
        }
    }
    if (pool->automatic)
        free(b->space);
    free(b);
    inner->state = NULL;
}
