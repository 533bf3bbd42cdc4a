/* Synchronization: fence, post/start/complete/wait, locks, flushes.
 *
 * Operations are complete when their calls return, so closing an epoch only
 * orders memory; opening one waits on words of the control block that other
 * ranks change without the target's help (locks) or that the partners of the
 * epoch change (PSCW counters). Waiters sleep on their doorbell, which whoever
 * changes the word rings. */
#include "rma/rma_impl.h"

#include "comm/bt_comm.h"
#include "pt2pt/bt_pt2pt.h"
#include "util/bt_util.h"

#include <stdlib.h>

static int bt_rma_busy(const bt_win_t *win)
{
    return win->lock_all || win->nlocks || win->access || win->exposure;
}

int bt_rma_fence(bt_win_t *win, int assert)
{
    int rc;

    if (bt_rma_busy(win))
        return bt_rma_err(MPI_ERR_RMA_SYNC, "MPI_Win_fence", "a lock, Win_start or Win_post "
                          "epoch is still open on the window");
    /* What this rank stored (its own loads and stores included) is visible to
     * the others once they leave the barrier. */
    atomic_thread_fence(memory_order_seq_cst);
    if ((rc = bt_win_barrier(win->comm)) != MPI_SUCCESS)
        return rc;
    atomic_thread_fence(memory_order_seq_cst);
    win->fence = !(assert & MPI_MODE_NOSUCCEED);
    return MPI_SUCCESS;
}

/* ---- Locks: a word per target, BT_WIN_LOCK_EXCL or the count of shared holders. */

/* got: taken already. The waits ask ready() again after it said yes once, so
 * a try that takes something must remember it. */
typedef struct { _Atomic uint32_t *word; int type, got; } bt_rma_lock_try_t;

static int bt_rma_lock_try(void *arg)
{
    bt_rma_lock_try_t *l = arg;
    uint32_t v = atomic_load_explicit(l->word, memory_order_relaxed);

    if (l->got)
        return 1;
    if (l->type == MPI_LOCK_EXCLUSIVE)
        l->got = v == 0 && atomic_compare_exchange_strong(l->word, &v, BT_WIN_LOCK_EXCL);
    else
        l->got = !(v & BT_WIN_LOCK_EXCL) && atomic_compare_exchange_strong(l->word, &v, v + 1);
    return l->got;
}

static int bt_rma_lock_take(bt_win_t *win, int type, int t)
{
    if (win->peers[t].am)
        return bt_rma_am_sync(win, t, BT_RMA_AM_LOCK, type);
    {
        bt_rma_lock_try_t l = { &bt_win_slot(win, t)->lock, type, 0 };
        if (!bt_rma_lock_try(&l))
            bt_win_wait_until(win, bt_rma_lock_try, &l);
    }
    return MPI_SUCCESS;
}

static int bt_rma_lock_drop(bt_win_t *win, int type, int t)
{
    if (win->peers[t].am)
        return bt_rma_am_sync(win, t, BT_RMA_AM_UNLOCK, type);
    bt_rma_lock_release(win, type, t);
    return MPI_SUCCESS;
}

void bt_rma_lock_release(bt_win_t *win, int type, int t)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (type == MPI_LOCK_EXCLUSIVE)
        atomic_store(&bt_win_slot(win, t)->lock, 0);
    else
        atomic_fetch_sub(&bt_win_slot(win, t)->lock, 1);
    bt_win_wake_waiters(win);
}

/* MPI_ERR_RMA_CONFLICT, the standard's "conflicting accesses to window", is
 * raised where a lock would conflict with what is certainly there: a lock this
 * process holds on the same target already (Win_lock twice, Win_lock and
 * Win_lock_all), or a window that is locked and exposed at once, which the
 * standard calls erroneous (Win_lock of a target between its Win_post and
 * Win_wait; Win_post of a locked window). Both are seen in the control block
 * for the targets of my node; the others' exposure is not checked. Calls out
 * of order (an access epoch inside another, unlock without lock) stay
 * MPI_ERR_RMA_SYNC. */
static int bt_rma_exposed_check(bt_win_t *win, int t, const char *call)
{
    if (win->peers[t].am || !atomic_load(&bt_win_slot(win, t)->exposed))
        return MPI_SUCCESS;
    return bt_rma_err(MPI_ERR_RMA_CONFLICT, call, "target %d exposes its window (between "
                      "Win_post and Win_wait): a window must not be locked and exposed at once",
                      t);
}

int bt_rma_lock(bt_win_t *win, int type, int rank, const char *call)
{
    int rc;

    if (win->lock_all || win->locks[rank])
        return bt_rma_err(MPI_ERR_RMA_CONFLICT, call, "this process holds a lock on target %d "
                          "in this window already (%s)", rank,
                          win->lock_all ? "Win_lock_all" : "Win_lock");
    if (win->access)
        return bt_rma_err(MPI_ERR_RMA_SYNC, call, "a Win_start access epoch is open");
    if ((rc = bt_rma_exposed_check(win, rank, call)) != MPI_SUCCESS)
        return rc;
    /* A fence's epoch gives way: the standard lets a program that issued
     * nothing after a fence go on with other synchronization. */
    win->fence = 0;
    if (bt_rma_lock_take(win, type, rank) != MPI_SUCCESS)
        return bt_rma_err(MPI_ERR_OTHER, call, "target %d refused the lock", rank);
    win->locks[rank] = type;
    win->nlocks++;
    return MPI_SUCCESS;
}

int bt_rma_unlock(bt_win_t *win, int rank, const char *call)
{
    if (!win->locks[rank])
        return bt_rma_err(MPI_ERR_RMA_SYNC, call, "the window is not locked at target %d", rank);
    (void)bt_rma_lock_drop(win, win->locks[rank], rank);
    win->locks[rank] = 0;
    win->nlocks--;
    return MPI_SUCCESS;
}

int bt_rma_lock_all(bt_win_t *win)
{
    if (win->lock_all || win->nlocks)
        return bt_rma_err(MPI_ERR_RMA_CONFLICT, "MPI_Win_lock_all", "this process holds %s "
                          "in this window already", win->lock_all ? "Win_lock_all" :
                          "a lock (Win_lock) on a target");
    if (win->access)
        return bt_rma_err(MPI_ERR_RMA_SYNC, "MPI_Win_lock_all", "a Win_start access epoch is "
                          "open");
    for (int t = 0; t < win->size; t++) {
        int rc = bt_rma_exposed_check(win, t, "MPI_Win_lock_all");
        if (rc != MPI_SUCCESS)
            return rc;
    }
    win->fence = 0;
    for (int t = 0; t < win->size; t++)
        (void)bt_rma_lock_take(win, MPI_LOCK_SHARED, t);
    win->lock_all = 1;
    return MPI_SUCCESS;
}

int bt_rma_unlock_all(bt_win_t *win)
{
    if (!win->lock_all)
        return bt_rma_err(MPI_ERR_RMA_SYNC, "MPI_Win_unlock_all", "the window is not locked "
                          "with Win_lock_all");
    for (int t = 0; t < win->size; t++)
        (void)bt_rma_lock_drop(win, MPI_LOCK_SHARED, t);
    win->lock_all = 0;
    return MPI_SUCCESS;
}

int bt_rma_flush(bt_win_t *win, int rank, const char *call)
{
    if (!win->lock_all && (rank < 0 ? !win->nlocks : !win->locks[rank]))
        return bt_rma_err(MPI_ERR_RMA_SYNC, call, "no passive target epoch is open%s",
                          rank < 0 ? "" : " towards this target");
    /* Operations are complete already; order them before what follows (and
     * serve other nodes' requests: programs poll with flushes). */
    atomic_thread_fence(memory_order_seq_cst);
    if (win->am)
        bt_progress_poll();
    return MPI_SUCCESS;
}

void bt_rma_sync(bt_win_t *win)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (win->am)
        bt_progress_poll();
}

/* ---- Post, start, complete, wait. */

/* The group's members as ranks of the window; -1 when one is not a member. */
static int *bt_rma_group_ranks(bt_win_t *win, bt_group_t *group)
{
    int *r = bt_malloc((size_t)(group->size ? group->size : 1) * sizeof(int));

    for (int i = 0; i < group->size; i++) {
        r[i] = bt_group_rank_of(win->comm->group, group->world[i]);
        if (r[i] == MPI_UNDEFINED) {
            free(r);
            return NULL;
        }
    }
    return r;
}

int bt_rma_post(bt_win_t *win, bt_group_t *group)
{
    int *ranks;

    if (win->exposure)
        return bt_rma_err(MPI_ERR_RMA_SYNC, "MPI_Win_post", "an exposure epoch is open already");
    if (atomic_load(&bt_win_slot(win, win->rank)->lock))
        return bt_rma_err(MPI_ERR_RMA_CONFLICT, "MPI_Win_post", "the window is locked (Win_lock "
                          "or Win_lock_all of %s): a window must not be locked and exposed at "
                          "once", win->lock_all || win->locks[win->rank] ? "this process" :
                          "another process");
    if (!(ranks = bt_rma_group_ranks(win, group)))
        return bt_rma_err(MPI_ERR_GROUP, "MPI_Win_post", "the group has a process that is not "
                          "in the window");
    atomic_store(&bt_win_slot(win, win->rank)->exposed, 1);
    atomic_thread_fence(memory_order_seq_cst);
    for (int i = 0; i < group->size; i++) {
        if (win->peers[ranks[i]].am)
            bt_rma_am_sync(win, ranks[i], BT_RMA_AM_POST, 0);
        else
            atomic_fetch_add(&bt_win_slot(win, ranks[i])->posted, 1);
    }
    bt_win_wake_waiters(win);
    bt_group_retain(group);
    win->exposure = group;
    win->exposure_ranks = ranks;
    return MPI_SUCCESS;
}

typedef struct { _Atomic uint32_t *word; uint32_t n; int got; } bt_rma_count_t;

/* Takes n from the counter once it holds that many (once). */
static int bt_rma_count_take(void *arg)
{
    bt_rma_count_t *c = arg;
    uint32_t v = atomic_load(c->word);

    if (!c->got)
        c->got = v >= c->n && atomic_compare_exchange_strong(c->word, &v, v - c->n);
    return c->got;
}

int bt_rma_start(bt_win_t *win, bt_group_t *group)
{
    int *ranks;
    bt_rma_count_t c = { &bt_win_slot(win, win->rank)->posted, (uint32_t)group->size, 0 };

    if (win->access || win->lock_all || win->nlocks)
        return bt_rma_err(MPI_ERR_RMA_SYNC, "MPI_Win_start", "an access epoch is open already");
    win->fence = 0;
    if (!(ranks = bt_rma_group_ranks(win, group)))
        return bt_rma_err(MPI_ERR_GROUP, "MPI_Win_start", "the group has a process that is not "
                          "in the window");
    /* Each target of the group posts once for this epoch. */
    if (!bt_rma_count_take(&c))
        bt_win_wait_until(win, bt_rma_count_take, &c);
    bt_group_retain(group);
    win->access = group;
    win->access_ranks = ranks;
    return MPI_SUCCESS;
}

int bt_rma_complete(bt_win_t *win)
{
    if (!win->access)
        return bt_rma_err(MPI_ERR_RMA_SYNC, "MPI_Win_complete", "no Win_start epoch is open");
    atomic_thread_fence(memory_order_seq_cst);
    for (int i = 0; i < win->access->size; i++) {
        int t = win->access_ranks[i];
        if (win->peers[t].am)
            bt_rma_am_sync(win, t, BT_RMA_AM_COMPLETE, 0);
        else
            atomic_fetch_add(&bt_win_slot(win, t)->completed, 1);
    }
    bt_win_wake_waiters(win);
    bt_group_release(win->access);
    free(win->access_ranks);
    win->access = NULL;
    win->access_ranks = NULL;
    return MPI_SUCCESS;
}

int bt_rma_wait(bt_win_t *win, int *flag_p)
{
    const char *call = flag_p ? "MPI_Win_test" : "MPI_Win_wait";
    bt_rma_count_t c = { &bt_win_slot(win, win->rank)->completed, 0, 0 };

    if (!win->exposure)
        return bt_rma_err(MPI_ERR_RMA_SYNC, call, "no Win_post epoch is open");
    c.n = (uint32_t)win->exposure->size;
    if (!bt_rma_count_take(&c) && (!flag_p || !bt_progress_test() || !bt_rma_count_take(&c))) {
        if (flag_p) {
            *flag_p = 0;
            return MPI_SUCCESS;
        }
        bt_win_wait_until(win, bt_rma_count_take, &c);
    }
    atomic_thread_fence(memory_order_seq_cst);
    atomic_store(&bt_win_slot(win, win->rank)->exposed, 0);
    bt_group_release(win->exposure);
    free(win->exposure_ranks);
    win->exposure = NULL;
    win->exposure_ranks = NULL;
    if (flag_p)
        *flag_p = 1;
    return MPI_SUCCESS;
}

int bt_rma_free_check(bt_win_t *win)
{
    return bt_rma_busy(win) ? bt_rma_err(MPI_ERR_RMA_SYNC, "MPI_Win_free", "an epoch (lock, "
                                         "Win_start or Win_post) is still open on the window")
                            : MPI_SUCCESS;
}
