/* The buffer of MPI_Buffer_attach: a first-fit allocator over the user's memory.
 * Each buffered message takes its packed size plus MPI_BSEND_OVERHEAD, the amount
 * the standard tells users to provide for. */
#include "pt2pt/bt_pt2pt_impl.h"

#include "util/bt_util.h"

typedef struct bt_bsend_block {
    struct bt_bsend_block *next;
    size_t off, len;
} bt_bsend_block_t;

static struct {
    char             *buf;
    size_t            size;
    bt_bsend_block_t *used;      /* sorted by offset */
} bsend;

int bt_bsend_attach(void *buf, MPI_Count size)
{
    if (bsend.buf)
        return MPI_ERR_BUFFER;   /* one buffer at a time */
    bsend.buf = buf;
    bsend.size = (size_t)size;
    bsend.used = NULL;
    return MPI_SUCCESS;
}

static int bt_bsend_idle(void *arg)
{
    return bsend.used == NULL;
}

int bt_bsend_detach(void **buf_p, MPI_Count *size_p)
{
    if (!bsend.buf)
        return MPI_ERR_BUFFER;
    /* Detach waits until every buffered message has left. */
    bt_progress_until(bt_bsend_idle, NULL);
    *buf_p = bsend.buf;
    *size_p = (MPI_Count)bsend.size;
    bsend.buf = NULL;
    bsend.size = 0;
    return MPI_SUCCESS;
}

void *bt_bsend_alloc(MPI_Count bytes)
{
    /* Exactly what the standard tells users to provide: packed size + overhead. */
    size_t need = (size_t)bytes + MPI_BSEND_OVERHEAD;
    bt_bsend_block_t **link = &bsend.used, *b;
    size_t off = 0;

    if (!bsend.buf)
        return NULL;
    /* Completed buffered sends free their space from the progress engine. */
    bt_progress_poll();
    for (;;) {
        size_t end = *link ? (*link)->off : bsend.size;
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
    b->next = *link;
    *link = b;
    return bsend.buf + off;
}

void bt_bsend_release(bt_request_t *inner)
{
    size_t off = (size_t)((char *)inner->state - bsend.buf);

    for (bt_bsend_block_t **link = &bsend.used; *link; link = &(*link)->next) {
        if ((*link)->off == off) {
            bt_bsend_block_t *b = *link;
            *link = b->next;
            free(b);
            return;
        }
    }
}
